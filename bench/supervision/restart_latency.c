/*
 * restart_latency.c -- how long a supervised child is gone (issue 5,
 * "Benchmark"): a driver actor kills the worker registered as "w" under a
 * one_for_one supervisor, waits until the name points to the replacement,
 * pings it and waits for the pong. To wait, the driver ends its turn by
 * bouncing a message off a helper actor (the C counterpart of the Erlang
 * side's erlang:yield()), so the supervisor, already queued, runs first. One sample = kill to pong,
 * in nanoseconds; median and p99 over N restarts after 1,000 warm-up restarts. The same measurement
 * is then run on an Erlang/OTP one_for_one supervisor with one scheduler (+S 1) by
 * restart_latency.erl, when `escript` is installed, and both are printed.
 *
 * Usage: bench_supervision_restart [N]   (default 10000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/supervision.h"

enum { MSG_GO = 1, MSG_CHECK = 2, MSG_PING = 3, MSG_PONG = 4, WARMUP = 1000 };

typedef struct {
    size_t n;           /* samples wanted (after warm-up) */
    size_t done;        /* restarts finished, warm-up included */
    actor_id_t old;     /* the incarnation just killed */
    actor_id_t bouncer; /* sends MSG_CHECK back */
    uint64_t t0;        /* when it was killed */
    uint64_t *samples;  /* n entries */
    bool failed;
} driver_t;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool worker(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == MSG_PING)
        actor_send(rt, msg->source, MSG_PONG, NULL, 0);
    return true;
}

static bool driver(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    driver_t *d = state;
    actor_id_t me = actor_self(rt);
    switch (msg->type) {
    case MSG_GO:
        d->old = actor_lookup(rt, "w");
        if (d->old == ACTOR_ID_INVALID) {
            d->failed = true;
            runtime_stop(rt);
            return true;
        }
        d->t0 = now_ns();
        actor_stop(rt, d->old);
        actor_send(rt, d->bouncer, MSG_CHECK, NULL, 0);
        return true;
    case MSG_CHECK: {
        actor_id_t w = actor_lookup(rt, "w");
        if (w == ACTOR_ID_INVALID || w == d->old)
            actor_send(rt, d->bouncer, MSG_CHECK, NULL, 0);
        else
            actor_send(rt, w, MSG_PING, NULL, 0);
        return true;
    }
    case MSG_PONG: {
        uint64_t t1 = now_ns();
        if (d->done >= WARMUP)
            d->samples[d->done - WARMUP] = t1 - d->t0;
        if (++d->done == d->n + WARMUP)
            runtime_stop(rt);
        else
            actor_send(rt, me, MSG_GO, NULL, 0);
        return true;
    }
    default: return true;
    }
}

/* Returns every MSG_CHECK to its sender. */
static bool bouncer(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    actor_send(rt, msg->source, msg->type, NULL, 0);
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Run the Erlang side; fills median/p99 (ns) and returns true on success. */
static bool run_erlang(size_t n, uint64_t *median, uint64_t *p99)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "escript %s/restart_latency.erl %zu 2>/dev/null", MK_BENCH_DIR, n);
    FILE *f = popen(cmd, "r");
    if (!f)
        return false;
    char line[256];
    bool ok = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long long m, p;
        if (sscanf(line, "erlang median_ns=%llu p99_ns=%llu", &m, &p) == 2) {
            *median = m;
            *p99 = p;
            ok = true;
        }
    }
    return pclose(f) == 0 && ok;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
    if (n == 0)
        n = 10000;
    runtime_t *rt = runtime_init(1, 64);
    if (!rt) {
        fprintf(stderr, "runtime_init: %s\n", mk_last_error());
        return 1;
    }
    /* Restarts are logged at INFO; like the OTP side's reports, not here. */
    runtime_set_log_level(rt, LOG_WARN);
    child_spec_t spec = {
        .name = "w", .behavior = worker, .mailbox_size = 16, .restart_type = RESTART_PERMANENT};
    /* Intensity well above what the benchmark does: it must never give up. */
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 1000000, 1, &spec, 1);
    driver_t d = {.n = n, .samples = calloc(n, sizeof(uint64_t))};
    d.bouncer = actor_spawn(rt, bouncer, NULL, NULL, 16);
    actor_id_t drv = actor_spawn(rt, driver, &d, NULL, 16);
    if (sup == ACTOR_ID_INVALID || drv == ACTOR_ID_INVALID || !d.bouncer || !d.samples) {
        fprintf(stderr, "setup: %s\n", mk_last_error());
        return 1;
    }
    actor_send(rt, drv, MSG_GO, NULL, 0);
    runtime_run(rt);
    if (d.failed || d.done != n + WARMUP) {
        fprintf(stderr, "benchmark stopped after %zu restarts: %s\n", d.done, mk_last_error());
        return 1;
    }
    qsort(d.samples, n, sizeof d.samples[0], cmp_u64);
    uint64_t med = d.samples[n / 2], p99 = d.samples[n * 99 / 100 < n ? n * 99 / 100 : n - 1];
    printf("restart latency (kill -> replacement answers a ping), %zu restarts, one_for_one\n", n);
    printf("  microkernel      median %8.2f us   p99 %8.2f us\n", med / 1e3, p99 / 1e3);

    if (getenv("MK_BENCH_NO_PEER")) { /* our side only (profiling) */
        free(d.samples);
        runtime_destroy(rt);
        return 0;
    }
    uint64_t emed = 0, ep99 = 0;
    if (run_erlang(n, &emed, &ep99)) {
        printf("  erlang (+S 1)    median %8.2f us   p99 %8.2f us\n", emed / 1e3, ep99 / 1e3);
        printf("  speed-up         median %8.1fx      p99 %8.1fx   (target >= 5x)\n",
               (double)emed / (double)med, (double)ep99 / (double)p99);
    } else {
        printf("  erlang (+S 1)    not measured (escript missing or failed)\n");
    }
    free(d.samples);
    runtime_destroy(rt);
    return 0;
}
