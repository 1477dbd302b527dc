/*
 * kv_bench.c -- issue 8's benchmark: local KV put and get throughput with
 * 100-byte values and one client actor keeping 64 requests in flight (so
 * durable writes are grouped, one transaction per batch), beside the plain
 * SQLite program (plain_sqlite, one transaction per put) run in the same
 * invocation on the same disk; and namespace lookup rate, paths against
 * flat names. Targets: >= 20x plain durable puts/s, >= 200,000 gets/s,
 * path lookups within 2x of flat lookups.
 * Usage: kv_bench [--quick] [dir]   (dir: where the databases go; default a
 * fresh directory under /tmp, removed afterwards)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "microkernel/actor.h"
#include "microkernel/message.h"
#include "microkernel/node_services.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"

#define IN_FLIGHT 64

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
    double t0, t1;
} client_t;

static void send_one(runtime_t *rt, client_t *c)
{
    char buf[200];
    int k = c->type == MSG_KV_PUT ? c->sent
                                  : (int)((unsigned)c->sent * 2654435761u % (unsigned)c->key_space);
    int n = snprintf(buf, sizeof buf, "key=k%08d\n", k);
    if (c->type == MSG_KV_PUT) {
        memcpy(buf + n, "value=", 6);
        memset(buf + n + 6, 'v', 100);
        n += 106;
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
        return false;
    }
    return true;
}

static double run_client(runtime_t *rt, msg_type_t type, int total, int key_space, int *errors)
{
    client_t c = {.kv = actor_lookup(rt, "/node/storage/kv"),
                  .type = type,
                  .total = total,
                  .key_space = key_space};
    actor_id_t id = actor_spawn(rt, client, &c, NULL, 256);
    actor_send(rt, id, 1, NULL, 0);
    runtime_run(rt);
    *errors = c.errors;
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

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    const char *dir_arg = argc > (quick ? 2 : 1) ? argv[quick ? 2 : 1] : NULL;
    char tmpl[] = "/tmp/mk-kv-bench-XXXXXX";
    const char *dir = dir_arg ? dir_arg : mkdtemp(tmpl);
    if (!dir)
        return 1;
    int puts = quick ? 640 : 64000, gets = quick ? 6400 : 640000;
    int plain_puts = quick ? 50 : 1000;

    /* The plain SQLite program first, on the same disk. */
    double plain_puts_s = 0, plain_gets_s = 0;
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' '%s' %d %d", PLAIN_SQLITE, dir, plain_puts, gets);
    FILE *p = popen(cmd, "r");
    char line[256] = "";
    if (p && fgets(line, sizeof line, p))
        sscanf(line, "plain_sqlite puts_per_s=%lf gets_per_s=%lf", &plain_puts_s, &plain_gets_s);
    if (p)
        pclose(p);

    runtime_t *rt = runtime_init(1, 64);
    services_config_t cfg = {.data_dir = dir, .no_mount_listen = true};
    if (!services_start(rt, &cfg)) {
        fprintf(stderr, "kv_bench: %s\n", mk_last_error());
        return 1;
    }
    int perr = 0, gerr = 0;
    double kv_puts = run_client(rt, MSG_KV_PUT, puts, puts, &perr);
    double kv_gets = run_client(rt, MSG_KV_GET, gets, puts, &gerr);

    /* Lookups: 100 flat names and 100 paths of the same actor. */
    static char flat[100][64], paths[100][64];
    actor_id_t a = actor_spawn(rt, idle, NULL, NULL, 4);
    for (int i = 0; i < 100; i++) {
        snprintf(flat[i], sizeof flat[i], "service_%03d", i);
        snprintf(paths[i], sizeof paths[i], "/node/bench/service_%03d", i);
        actor_register_name(rt, flat[i], a);
        actor_register_name(rt, paths[i], a);
    }
    long rounds = quick ? 100 : 20000;
    double flat_rate = lookup_rate(rt, flat, 100, rounds);
    double path_rate = lookup_rate(rt, paths, 100, rounds);

    printf("services bench (100-byte values, %d in flight, WAL + synchronous=FULL, dir %s)\n",
           IN_FLIGHT, dir);
    printf("  %-34s %12s %12s\n", "", "puts/s", "gets/s");
    printf("  %-34s %12.0f %12.0f\n", "plain SQLite, 1 txn per put", plain_puts_s, plain_gets_s);
    printf("  %-34s %12.0f %12.0f   (errors: %d put, %d get)\n", "local KV actor (group commit)",
           kv_puts, kv_gets, perr, gerr);
    printf("  durable puts: %.1fx plain (target >= 20x); gets: %.0f/s (target >= 200000)\n",
           plain_puts_s > 0 ? kv_puts / plain_puts_s : 0.0, kv_gets);
    printf("  lookups/s: flat names %.0f, paths %.0f; flat/path = %.2f (target <= 2.00)\n",
           flat_rate, path_rate, flat_rate / path_rate);
    runtime_destroy(rt);
    if (!dir_arg) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "kv_bench: could not remove %s\n", dir);
    }
    return perr || gerr ? 1 : 0;
}
