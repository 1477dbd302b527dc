// caf_peer.cpp -- the CAF 0.17 peer of bench/core/actor_bench: the same
// programs as actor_bench.c (ping-pong empty and 64-byte, fan-in 4 -> 1,
// spawn+stop, memory per idle actor, ring), written as idiomatic
// event-based CAF actors. actor_bench runs it as
//   caf_peer --scheduler.max-threads=1 [--quick]
// and reads the lines "figure <key> <value>" it prints. The main thread
// only waits (scoped_actor); all actors run on the one worker thread.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "caf/all.hpp"

using namespace caf;

using done_atom = atom_constant<atom("done")>;
using work_atom = atom_constant<atom("work")>;

namespace {

struct params {
    double min_seconds;
    int repeats;
    int64_t pp_start, fanin_start, actors, ring_size, ring_hops;
};

// CPU seconds of the whole process (every CAF thread), like actor_bench:
// the machine is shared, so wall time would measure the load.
double cpu_seconds() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double seconds_since(double t0) {
    return cpu_seconds() - t0;
}

long rss_bytes() {
    long size = 0, resident = -1;
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (std::fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    std::fclose(f);
    return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

void figure(const char* key, double value) {
    std::printf("figure %s %.3f\n", key, value);
    std::fflush(stdout);
}

// Grow n until one run lasts min_seconds, then keep the best of `repeats`.
template <class Run>
double throughput(const params& p, Run run, int64_t n) {
    double t = run(n);
    while (t < p.min_seconds) {
        double scale = t > 0 ? 1.2 * p.min_seconds / t : 10.0;
        scale = scale < 2.0 ? 2.0 : scale > 100.0 ? 100.0 : scale;
        n = static_cast<int64_t>(static_cast<double>(n) * scale);
        t = run(n);
    }
    double best = static_cast<double>(n) / t;
    for (int r = 1; r < p.repeats; ++r)
        best = std::max(best, static_cast<double>(n) / run(n));
    return best;
}

template <class Run>
double fixed_rate(const params& p, Run run, int64_t n) {
    double best = 0;
    for (int r = 0; r < p.repeats; ++r)
        best = std::max(best, static_cast<double>(n) / run(n));
    return best;
}

// ---- ping-pong: n messages, n / 2 round trips ----

template <class T>
behavior pong_fn(event_based_actor*) {
    return {[](const T& x) { return x; }};
}

template <class T>
behavior ping_fn(event_based_actor* self, actor pong, int64_t rounds, actor parent, T payload) {
    auto left = std::make_shared<int64_t>(rounds);
    self->send(pong, payload);
    return {[=](const T&) {
        if (--*left == 0) {
            self->send(parent, done_atom::value);
            self->quit();
            return;
        }
        self->send(pong, payload);
    }};
}

template <class T>
double pingpong(actor_system& sys, int64_t n, T payload) {
    scoped_actor main{sys};
    auto pong = sys.spawn(pong_fn<T>);
    double t0 = cpu_seconds();
    sys.spawn(ping_fn<T>, pong, n / 2, actor{main}, payload);
    main->receive([](done_atom) {});
    double t = seconds_since(t0);
    anon_send_exit(pong, exit_reason::kill);
    return t;
}

// ---- fan-in: 4 producers send n / 4 each to one consumer ----

behavior consumer_fn(event_based_actor* self, int64_t expected, actor parent) {
    auto got = std::make_shared<int64_t>(0);
    return {[=](work_atom) {
        if (++*got == expected) {
            self->send(parent, done_atom::value);
            self->quit();
        }
    }};
}

void producer_fn(event_based_actor* self, actor consumer, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        self->send(consumer, work_atom::value);
}

double fanin(actor_system& sys, int64_t n) {
    scoped_actor main{sys};
    int64_t each = n / 4;
    double t0 = cpu_seconds();
    auto c = sys.spawn(consumer_fn, each * 4, actor{main});
    for (int i = 0; i < 4; ++i)
        sys.spawn(producer_fn, c, each);
    main->receive([](done_atom) {});
    return seconds_since(t0);
}

// ---- spawn+stop and memory ----

behavior idle_fn(event_based_actor*) {
    return {[](work_atom) {}};
}

double spawn_stop(actor_system& sys, int64_t n) {
    std::vector<actor> actors;
    actors.reserve(static_cast<size_t>(n));
    double t0 = cpu_seconds();
    for (int64_t i = 0; i < n; ++i)
        actors.push_back(sys.spawn(idle_fn));
    for (auto& a : actors)
        anon_send_exit(a, exit_reason::kill);
    actors.clear();
    sys.await_all_actors_done();
    return seconds_since(t0);
}

double memory_per_actor(actor_system& sys, int64_t n) {
    std::vector<actor> actors;
    actors.reserve(static_cast<size_t>(n));
    long before = rss_bytes();
    for (int64_t i = 0; i < n; ++i)
        actors.push_back(sys.spawn(idle_fn));
    // Let the worker run every actor's initialisation before measuring.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    long after = rss_bytes();
    for (auto& a : actors)
        anon_send_exit(a, exit_reason::kill);
    actors.clear();
    sys.await_all_actors_done();
    return static_cast<double>(after - before) / static_cast<double>(n);
}

// ---- ring: size actors pass a token `hops` times ----

struct ring_state {
    actor next;
};

behavior ring_fn(stateful_actor<ring_state>* self, actor parent) {
    return {
        [=](const actor& next) { self->state.next = next; },
        [=](int64_t left) {
            if (left == 0)
                self->send(parent, done_atom::value);
            else
                self->send(self->state.next, left - 1);
        },
    };
}

double ring(actor_system& sys, int64_t size, int64_t hops) {
    scoped_actor main{sys};
    std::vector<actor> nodes;
    for (int64_t i = 0; i < size; ++i)
        nodes.push_back(sys.spawn(ring_fn, actor{main}));
    for (size_t i = 0; i < nodes.size(); ++i)
        main->send(nodes[i], nodes[(i + 1) % nodes.size()]);
    double t0 = cpu_seconds();
    main->send(nodes[0], hops);
    main->receive([](done_atom) {});
    double t = seconds_since(t0);
    for (auto& a : nodes)
        anon_send_exit(a, exit_reason::kill);
    return t;
}

struct config : actor_system_config {
    bool quick = false;
    config() {
        opt_group{custom_options_, "global"}.add(quick, "quick", "tiny counts (smoke test)");
    }
};

} // namespace

int caf_main(actor_system& sys, const config& cfg) {
    params p = cfg.quick ? params{0.0, 1, 10000, 10000, 1000, 100, 10000}
                         : params{0.5, 3, 1000000, 1000000, 100000, 1000, 1000000};
    // Memory first, like actor_bench: nothing freed yet to be reused.
    figure("memory", memory_per_actor(sys, p.actors));
    figure("pingpong_empty",
           throughput(p, [&](int64_t n) { return pingpong(sys, n, int32_t{0}); }, p.pp_start));
    std::string payload(64, 'Z');
    figure("pingpong_64",
           throughput(p, [&](int64_t n) { return pingpong(sys, n, payload); }, p.pp_start));
    sys.await_all_actors_done();
    figure("fanin", throughput(p, [&](int64_t n) { return fanin(sys, n); }, p.fanin_start));
    sys.await_all_actors_done();
    figure("spawn_stop", fixed_rate(p, [&](int64_t n) { return spawn_stop(sys, n); }, p.actors));
    figure("ring", fixed_rate(p, [&](int64_t n) {
        double t = ring(sys, p.ring_size, n);
        sys.await_all_actors_done();
        return t;
    }, p.ring_hops));
    return 0;
}

CAF_MAIN()
