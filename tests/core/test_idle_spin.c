/* test_idle_spin.c -- the event loop's adaptive idle spin
 * (docs/event-loop.md, "Idle spin"): the budget comes from
 * MK_IDLE_SPIN_US; while wake-ups come sooner than the budget the loop
 * spins and catches them, once they stop coming soon it goes back to
 * blocking, so a quiet runtime burns no CPU, and it never spins while
 * other threads wait for a CPU. White-box: it reads the runtime's
 * spin_credit and points its run-queue probe at a file of its own, so
 * that the machine's real load cannot change the outcome. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/runtime_internal.h"
#include "platform/clock.h"
#include "test_util.h"

static uint64_t cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Point `probe` at a file holding `loadavg` (the format of /proc/loadavg)
 * on a machine of `n_cpus` CPUs. The probe owns the fd afterwards. */
static void fake_probe(mk_cpu_probe_t *probe, const char *loadavg, int n_cpus)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs(loadavg, f);
    fflush(f);
    mk_cpu_probe_close(probe);
    *probe = (mk_cpu_probe_t){.opened = true, .fd = dup(fileno(f)), .n_cpus = n_cpus};
    fclose(f);
}

static uint32_t budget_for(const char *env)
{
    if (env)
        setenv("MK_IDLE_SPIN_US", env, 1);
    else
        unsetenv("MK_IDLE_SPIN_US");
    runtime_t *rt = runtime_init(1, 1);
    uint32_t ns = rt->spin_ns;
    runtime_destroy(rt);
    unsetenv("MK_IDLE_SPIN_US");
    return ns;
}

static void budget_comes_from_the_environment(void **s)
{
    (void)s;
    assert_int_equal(budget_for(NULL), MK_IDLE_SPIN_US * 1000u);
    assert_int_equal(budget_for("0"), 0);
    assert_int_equal(budget_for("40"), 40000);
    assert_int_equal(budget_for("99999"), 10000000u);              /* capped at 10 ms */
    assert_int_equal(budget_for("12us"), MK_IDLE_SPIN_US * 1000u); /* not a number: default */
    assert_int_equal(budget_for("-5"), MK_IDLE_SPIN_US * 1000u);
    assert_int_equal(budget_for(""), MK_IDLE_SPIN_US * 1000u);
}

enum { FAST_TICKS = 60, SLOW_TICKS = 8, FAST_MS = 1, SLOW_MS = 30 };

typedef struct {
    runtime_t *rt;
    timer_id_t timer;
    int ticks;
    uint32_t credit_fast; /* spin credit at the end of the fast phase */
    uint32_t credit_slow; /* ... and of the slow phase */
    uint64_t wall0, cpu0; /* at the start of the phase */
    uint64_t fast_wall, fast_cpu, slow_wall, slow_cpu; /* microseconds */
} ticker_t;

static void phase_start(ticker_t *t)
{
    t->wall0 = mk_clock_ns() / 1000;
    t->cpu0 = cpu_us();
}

static bool ticker(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    ticker_t *t = s;
    if (msg->type == 1) {
        t->timer = actor_set_timer(rt, FAST_MS, true);
        phase_start(t);
        return true;
    }
    if (msg->type != MSG_TIMER)
        return true;
    t->ticks++;
    if (t->ticks == FAST_TICKS) {
        t->fast_wall = mk_clock_ns() / 1000 - t->wall0;
        t->fast_cpu = cpu_us() - t->cpu0;
        t->credit_fast = rt->spin_credit;
        actor_cancel_timer(rt, t->timer);
        t->timer = actor_set_timer(rt, SLOW_MS, true);
        phase_start(t);
    } else if (t->ticks == FAST_TICKS + SLOW_TICKS) {
        t->slow_wall = mk_clock_ns() / 1000 - t->wall0;
        t->slow_cpu = cpu_us() - t->cpu0;
        t->credit_slow = rt->spin_credit;
        return false;
    }
    return true;
}

/* A runtime with a 5 ms spin budget (catches 1 ms ticks, not 30 ms ones)
 * on a machine whose run queue reads `loadavg`. */
static runtime_t *spinning_runtime(const char *loadavg)
{
    setenv("MK_IDLE_SPIN_US", "5000", 1);
    runtime_t *rt = runtime_init(1, 4);
    unsetenv("MK_IDLE_SPIN_US");
    fake_probe(&rt->cpu_probe, loadavg, 2);
    return rt;
}

static void spins_while_wakeups_come_soon_and_stops_after(void **s)
{
    (void)s;
    runtime_t *rt = spinning_runtime("0.10 0.20 0.30 1/80 4242\n"); /* only us runnable */
    ticker_t t = {.rt = rt};
    actor_id_t a = actor_spawn(rt, ticker, &t, NULL, 4);
    actor_send(rt, a, 1, NULL, 0);
    runtime_run(rt);

    assert_int_equal(t.ticks, FAST_TICKS + SLOW_TICKS);
    /* Fast phase: every wait was shorter than the budget, so the loop
     * spun through them: credit built up and the CPU stayed busy (a
     * blocking loop would use a few percent of the wall time). */
    if (t.credit_fast < 4)
        fail_msg("spin credit after %d fast ticks is %u, expected >= 4", FAST_TICKS, t.credit_fast);
    if (t.fast_cpu * 10 < t.fast_wall * 3)
        fail_msg("fast phase used %llu us of CPU in %llu us: it did not spin",
                 (unsigned long long)t.fast_cpu, (unsigned long long)t.fast_wall);
    /* Slow phase: each 5 ms spin misses and halves the credit, then the
     * loop blocks; at most log2(16) + 1 misses before it stops spinning. */
    assert_int_equal(t.credit_slow, 0);
    if (t.slow_cpu > 40000)
        fail_msg("slow phase used %llu us of CPU in %llu us: the spin did not switch off",
                 (unsigned long long)t.slow_cpu, (unsigned long long)t.slow_wall);
    runtime_destroy(rt);
}

static void never_spins_while_cpus_are_contested(void **s)
{
    (void)s;
    runtime_t *rt = spinning_runtime("3.10 3.20 3.30 3/80 4242\n"); /* 3 runnable, 2 CPUs */
    ticker_t t = {.rt = rt};
    actor_id_t a = actor_spawn(rt, ticker, &t, NULL, 4);
    actor_send(rt, a, 1, NULL, 0);
    runtime_run(rt);
    assert_int_equal(t.ticks, FAST_TICKS + SLOW_TICKS);
    /* The waits were short, so the credit says "spin", but the probe
     * said another thread wanted the CPU: every wait blocked. */
    assert_true(t.credit_fast > 0);
    if (t.fast_cpu * 10 > t.fast_wall * 3)
        fail_msg("CPUs contested, yet the fast phase used %llu us of CPU in %llu us",
                 (unsigned long long)t.fast_cpu, (unsigned long long)t.fast_wall);
    runtime_destroy(rt);
}

static bool contended(const char *loadavg, int n_cpus)
{
    mk_cpu_probe_t probe = {0};
    fake_probe(&probe, loadavg, n_cpus);
    bool c = mk_cpu_contended(&probe);
    mk_cpu_probe_close(&probe);
    return c;
}

static void probe_reads_the_run_queue(void **s)
{
    (void)s;
    assert_false(contended("0.00 0.01 0.05 1/120 999\n", 2));
    assert_false(contended("0.00 0.01 0.05 2/120 999\n", 2)); /* one thread per CPU */
    assert_true(contended("0.00 0.01 0.05 3/120 999\n", 2));
    assert_true(contended("9.00 9.01 9.05 17/120 999\n", 16));
    /* Cannot tell: behave as on an idle machine. */
    assert_false(contended("", 2));
    assert_false(contended("garbage", 2));
    assert_false(contended("0.00 0.01 0.05", 2));
    assert_false(contended("0.00 0.01 0.05 x/120 999", 2));
    assert_false(contended("0.00 0.01 0.05 99", 2)); /* no slash */
    mk_cpu_probe_t none = {.opened = true, .fd = -1, .n_cpus = 2};
    assert_false(mk_cpu_contended(&none));
}

static atomic_bool burn_stop;

static void *burn(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&burn_stop, memory_order_relaxed))
        ;
    return NULL;
}

/* The real /proc/loadavg: with one busy thread more than there are CPUs,
 * the probe sees the queue. */
static void probe_sees_busy_threads(void **s)
{
    (void)s;
    mk_cpu_probe_t probe = {0};
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (access("/proc/loadavg", R_OK) != 0)
        fail_msg("/proc/loadavg is not readable: the probe has nothing to read here");
    pthread_t threads[64];
    int n_threads = n + 1 < 64 ? (int)n + 1 : 64;
    atomic_store(&burn_stop, false);
    for (int i = 0; i < n_threads; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, burn, NULL), 0);
    int seen = 0;
    for (int i = 0; i < 100; i++) {
        seen += mk_cpu_contended(&probe);
        usleep(1000);
    }
    atomic_store(&burn_stop, true);
    for (int i = 0; i < n_threads; i++)
        pthread_join(threads[i], NULL);
    mk_cpu_probe_close(&probe);
    if (seen < 50)
        fail_msg("%d busy threads on %ld CPUs, yet the probe saw contention %d times in 100",
                 n_threads, n, seen);
}

static void budget_zero_never_spins(void **s)
{
    (void)s;
    setenv("MK_IDLE_SPIN_US", "0", 1);
    runtime_t *rt = runtime_init(1, 4);
    unsetenv("MK_IDLE_SPIN_US");
    ticker_t t = {.rt = rt};
    actor_id_t a = actor_spawn(rt, ticker, &t, NULL, 4);
    actor_send(rt, a, 1, NULL, 0);
    runtime_run(rt);
    assert_int_equal(t.ticks, FAST_TICKS + SLOW_TICKS);
    assert_int_equal(t.credit_fast, 0);
    /* 60 blocking 1 ms waits: far from a busy CPU. */
    if (t.fast_cpu * 10 > t.fast_wall * 3)
        fail_msg("spin off, yet the fast phase used %llu us of CPU in %llu us",
                 (unsigned long long)t.fast_cpu, (unsigned long long)t.fast_wall);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(budget_comes_from_the_environment),
        cmocka_unit_test(spins_while_wakeups_come_soon_and_stops_after),
        cmocka_unit_test(never_spins_while_cpus_are_contested),
        cmocka_unit_test(probe_reads_the_run_queue),
        cmocka_unit_test(probe_sees_busy_threads),
        cmocka_unit_test(budget_zero_never_spins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
