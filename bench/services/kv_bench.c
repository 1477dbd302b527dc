/*
 * kv_bench.c -- issue 8's benchmark, with issue 22's like-for-like baseline:
 * durable puts and point gets of the local KV actor (/node/storage/kv) beside
 * SQLite called directly with the same schema, pragmas (WAL,
 * synchronous=FULL), 100-byte values and batching (64 puts per transaction:
 * the client keeps 64 puts in flight, so the actor's group commit closes
 * batches of at most 64), repeated, interleaved and compared by medians;
 * SQLite with one transaction per put for issue 8's group-commit target; and
 * namespace lookup rate, paths against flat names.
 * Usage: kv_bench [--quick] [--repeats N] [dir]   (dir: where the databases
 * go; default a fresh directory under /tmp, removed afterwards)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_stats.h"
#include "microkernel/actor.h"
#include "microkernel/message.h"
#include "microkernel/node_services.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "plain_sqlite.h"

#define IN_FLIGHT 64

/* CPU seconds of this process (the runtime is single-threaded). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    actor_id_t kv;
    msg_type_t type; /* MSG_KV_PUT or MSG_KV_GET */
    int total, sent, done, errors, key_space;
    double t0, t1, c0, c1; /* wall and CPU seconds */
} client_t;

static void send_one(runtime_t *rt, client_t *c)
{
    char buf[200];
    int k = c->type == MSG_KV_PUT ? c->sent
                                  : (int)((unsigned)c->sent * 2654435761u % (unsigned)c->key_space);
    int n = snprintf(buf, sizeof buf, "key=k%08d\n", k);
    if (c->type == MSG_KV_PUT) {
        memcpy(buf + n, "value=", 6);
        memset(buf + n + 6, 'v', PLAIN_VALUE_BYTES);
        n += 6 + PLAIN_VALUE_BYTES;
    }
    if (actor_send(rt, c->kv, c->type, buf, (size_t)n))
        c->sent++;
}

static bool client(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    client_t *c = state;
    if (msg->type == 1) {
        c->t0 = now_s();
        c->c0 = cpu_s();
        for (int i = 0; i < IN_FLIGHT && c->sent < c->total; i++)
            send_one(rt, c);
        return true;
    }
    if (msg->type != MSG_KV_OK)
        c->errors++;
    c->done++;
    if (c->sent < c->total)
        send_one(rt, c);
    if (c->done == c->total) {
        c->t1 = now_s();
        c->c1 = cpu_s();
        return false;
    }
    return true;
}

/* Operations per second of wall time; *cpu_us: CPU microseconds per one. */
static double run_client(runtime_t *rt, msg_type_t type, int total, int key_space, int *errors,
                         double *cpu_us)
{
    client_t c = {.kv = actor_lookup(rt, "/node/storage/kv"),
                  .type = type,
                  .total = total,
                  .key_space = key_space};
    actor_id_t id = actor_spawn(rt, client, &c, NULL, 256);
    actor_send(rt, id, 1, NULL, 0);
    runtime_run(rt);
    *errors = c.errors;
    *cpu_us = (c.c1 - c.c0) * 1e6 / c.total;
    return c.total / (c.t1 - c.t0);
}

static bool idle(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)msg, (void)state;
    return true;
}

/* Lookups per second of `names` (n of them), cycling through all. */
static double lookup_rate(runtime_t *rt, char names[][64], int n, long rounds)
{
    volatile actor_id_t sink = 0;
    double t0 = now_s();
    for (long r = 0; r < rounds; r++)
        for (int i = 0; i < n; i++)
            sink += actor_lookup(rt, names[i]);
    double t1 = now_s();
    (void)sink;
    return (double)rounds * n / (t1 - t0);
}

/* One repeat of the local KV actor in a fresh runtime on `dir`: puts, then
 * gets; lookups too when `lookups` (flat and path rates). */
static bool kv_run(const char *dir, int puts, int gets, double *puts_s, double *gets_s,
                   double *put_cpu_us, double *get_cpu_us, double *lookups, long rounds)
{
    runtime_t *rt = runtime_init(1, 64);
    services_config_t cfg = {.data_dir = dir, .no_mount_listen = true};
    if (!rt || !services_start(rt, &cfg)) {
        fprintf(stderr, "kv_bench: %s\n", mk_last_error());
        runtime_destroy(rt);
        return false;
    }
    int perr = 0, gerr = 0;
    *puts_s = run_client(rt, MSG_KV_PUT, puts, puts, &perr, put_cpu_us);
    *gets_s = run_client(rt, MSG_KV_GET, gets, puts, &gerr, get_cpu_us);
    if (lookups) {
        /* 100 flat names and 100 paths of the same actor. */
        static char flat[100][64], paths[100][64];
        actor_id_t a = actor_spawn(rt, idle, NULL, NULL, 4);
        for (int i = 0; i < 100; i++) {
            snprintf(flat[i], sizeof flat[i], "service_%03d", i);
            snprintf(paths[i], sizeof paths[i], "/node/bench/service_%03d", i);
            actor_register_name(rt, flat[i], a);
            actor_register_name(rt, paths[i], a);
        }
        lookups[0] = lookup_rate(rt, flat, 100, rounds);
        lookups[1] = lookup_rate(rt, paths, 100, rounds);
    }
    runtime_destroy(rt);
    if (perr || gerr)
        fprintf(stderr, "kv_bench: %d put and %d get errors\n", perr, gerr);
    return !perr && !gerr;
}

int main(int argc, char **argv)
{
    bool quick = false;
    int repeats = 3;
    const char *dir_arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--repeats") == 0 && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else
            dir_arg = argv[i];
    }
    if (repeats < 1 || repeats > BENCH_MAX_REPEATS) {
        fprintf(stderr, "kv_bench: --repeats takes 1..%d\n", BENCH_MAX_REPEATS);
        return 2;
    }
    if (quick)
        repeats = 1;
    char tmpl[] = "/tmp/mk-kv-bench-XXXXXX";
    const char *dir = dir_arg ? dir_arg : mkdtemp(tmpl);
    if (!dir)
        return 1;
    int puts = quick ? 640 : 64000, gets = quick ? 6400 : 640000;
    int plain_puts = quick ? 50 : 1000;
    long rounds = quick ? 100 : 20000;

    /* Repeats alternate which side goes first (the WAL and page cache of
     * the machine see both alike); each repeat writes fresh files. */
    double sq_p[BENCH_MAX_REPEATS], sq_g[BENCH_MAX_REPEATS], kv_p[BENCH_MAX_REPEATS],
        kv_g[BENCH_MAX_REPEATS], lookups[2] = {0, 0}, sq_cpu[BENCH_MAX_REPEATS],
                                 kv_cpu[BENCH_MAX_REPEATS], kv_gcpu[BENCH_MAX_REPEATS];
    bool ok = true;
    char sub[4096], file[4200];
    for (int r = 0; r < repeats && ok; r++) {
        snprintf(sub, sizeof sub, "%s/r%d", dir, r);
        if (mkdir(sub, 0700) != 0) {
            perror(sub);
            ok = false;
            break;
        }
        snprintf(file, sizeof file, "%s/plain.sqlite3", sub);
        for (int side = 0; side < 2 && ok; side++) {
            if ((side + r) % 2 == 0)
                ok = plain_sqlite_run(file, puts, IN_FLIGHT, gets, &sq_p[r], &sq_g[r], &sq_cpu[r]);
            else
                ok = kv_run(sub, puts, gets, &kv_p[r], &kv_g[r], &kv_cpu[r], &kv_gcpu[r],
                            r == repeats - 1 ? lookups : NULL, rounds);
        }
        printf("repeat %d of %d: puts/s SQLite %.0f, KV actor %.0f; gets/s SQLite %.0f, KV actor "
               "%.0f; CPU us/put SQLite %.2f, KV actor %.2f; KV CPU us/get %.2f\n",
               r + 1, repeats, sq_p[r], kv_p[r], sq_g[r], kv_g[r], sq_cpu[r], kv_cpu[r],
               kv_gcpu[r]);
        fflush(stdout);
    }
    double one_p = 0, one_g = 0, one_cpu = 0;
    snprintf(file, sizeof file, "%s/plain1.sqlite3", dir);
    if (ok)
        ok = plain_sqlite_run(file, plain_puts, 1, 0, &one_p, &one_g, &one_cpu);
    if (ok) {
        double sp = bench_median(sq_p, repeats), sg = bench_median(sq_g, repeats);
        double kp = bench_median(kv_p, repeats), kg = bench_median(kv_g, repeats);
        double sc = bench_median(sq_cpu, repeats), kc = bench_median(kv_cpu, repeats);
        printf("\nservices bench: the local KV actor against SQLite called directly, same run, "
               "same disk (%s)\n",
               dir);
        printf("  both: journal_mode=WAL, synchronous=FULL (an fsync per commit), "
               "locking_mode=EXCLUSIVE,\n"
               "        WITHOUT ROWID blob table, keys k%%08d (9 bytes), %d-byte values, %d fresh "
               "keys put, then %d point gets\n",
               PLAIN_VALUE_BYTES, puts, gets);
        printf("  batching: %d puts per transaction. SQLite: BEGIN IMMEDIATE, %d prepared upserts, "
               "COMMIT.\n"
               "        KV actor: one client actor keeps %d puts in flight; the actor groups what "
               "it holds\n"
               "        into one transaction and replies after COMMIT (group commit)\n",
               IN_FLIGHT, IN_FLIGHT, IN_FLIGHT);
        printf("  process model: one process, one thread. SQLite: this thread calls it in a loop. "
               "KV actor:\n"
               "        client and KV actor on one single-threaded runtime, each put or get a "
               "message and a reply\n");
        printf("  medians of %d interleaved repeat(s)\n", repeats);
        printf("  %-34s %10s %10s %14s\n", "", "puts/s", "gets/s", "CPU us/put");
        printf("  %-34s %10.0f %10s %14.2f\n", "SQLite, 1 txn per put", one_p, "", one_cpu);
        printf("  %-34s %10.0f %10.0f %14.2f\n", "SQLite, 64 puts per txn", sp, sg, sc);
        printf("  %-34s %10.0f %10.0f %14.2f\n", "local KV actor, 64 in flight", kp, kg, kc);
        printf("  KV actor / SQLite with the same batching: puts %.2fx, gets %.2fx%s\n",
               sp > 0 ? kp / sp : 0.0, sg > 0 ? kg / sg : 0.0,
               kp >= sp ? "" : " (the actor is slower at puts)");
        printf("  group commit: %.1fx SQLite with 1 txn per put (target >= 20x); gets: %.0f/s "
               "(target >= 200000)\n",
               one_p > 0 ? kp / one_p : 0.0, kg);
        printf("  lookups/s: flat names %.0f, paths %.0f; flat/path = %.2f (target <= 2.00)\n",
               lookups[0], lookups[1], lookups[1] > 0 ? lookups[0] / lookups[1] : 0.0);
    }
    if (!dir_arg) {
        char cmd[8192];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "kv_bench: could not remove %s\n", dir);
    }
    return ok ? 0 : 1;
}
