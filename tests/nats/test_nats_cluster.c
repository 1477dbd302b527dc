/*
 * test_nats_cluster.c -- issue 21 item 5: a 3-server NATS cluster (routes
 * and JetStream on 127.0.0.1, data in temp dirs) and 50 nodes (runtimes
 * pumped on this thread, spread over the three servers): every node
 * reaches every other by id and by path; the registry (3 replicas) answers
 * from any server; after one server is SIGKILLed its clients reconnect to
 * the others and every pair works again. NATS is at most once, so during
 * the fail-over a pair's message is sent again until it arrives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "nats_test_util.h"

#define NODES 50
#define SRV   3

static nats_server_t srv[SRV];
static runtime_t *rt[NODES];
static actor_id_t ids[NODES];
static unsigned char got[NODES][NODES]; /* got[receiver][sender]: 1 by id, 2 by path */

typedef struct {
    int me;
} node_state_t;
static node_state_t states[NODES];

enum { T_BY_ID = 300, T_BY_PATH = 301 };

static bool node_fn(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)r;
    (void)self;
    node_state_t *s = state;
    if ((msg->type == T_BY_ID || msg->type == T_BY_PATH) && msg->payload_size == sizeof(int)) {
        int from;
        memcpy(&from, msg->payload, sizeof from);
        if (from >= 0 && from < NODES)
            got[s->me][from] |= msg->type == T_BY_ID ? 1 : 2;
    }
    return true;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    close(fd);
    return ntohs(a.sin_port);
}

static bool start_cluster(void)
{
    int cport[SRV];
    char routes[256] = "";
    for (int i = 0; i < SRV; i++) {
        if ((cport[i] = free_port()) <= 0)
            return false;
        size_t n = strlen(routes);
        snprintf(routes + n, sizeof routes - n, "%snats://127.0.0.1:%d", i ? "," : "", cport[i]);
    }
    for (int i = 0; i < SRV; i++) {
        char name[16], cluster[64];
        snprintf(name, sizeof name, "s%d", i);
        snprintf(cluster, sizeof cluster, "nats://127.0.0.1:%d", cport[i]);
        const char *const args[] = {"-n",        name,    "--cluster_name", "mk",
                                    "--cluster", cluster, "--routes",       routes,
                                    "-js",       "-sd",   "%D/js",          NULL};
        if (!nats_server_start(&srv[i], args))
            return false;
    }
    return true;
}

static bool all_pairs(void *ctx)
{
    unsigned char want = *(unsigned char *)ctx;
    for (int r = 0; r < NODES; r++)
        for (int s = 0; s < NODES; s++)
            if (r != s && (got[r][s] & want) != want)
                return false;
    return true;
}

/* Send every missing pair (by id and by path), then pump a while; until
 * all pairs arrived or the 60 s hang guard. Returns the rounds used. */
static int exchange(void)
{
    unsigned char want = 3;
    double end = mono_s() + 60.0;
    int rounds = 0;
    while (!all_pairs(&want) && mono_s() < end) {
        rounds++;
        for (int s = 0; s < NODES; s++)
            for (int r = 0; r < NODES; r++) {
                if (r == s)
                    continue;
                if (!(got[r][s] & 1))
                    actor_send(rt[s], ids[r], T_BY_ID, &s, sizeof s);
                if (!(got[r][s] & 2)) {
                    char path[32];
                    snprintf(path, sizeof path, "/node/%d", r);
                    mk_nats_send_path(rt[s], ACTOR_ID_INVALID, path, T_BY_PATH, &s, sizeof s);
                }
            }
        double until = mono_s() + 2.0;
        while (!all_pairs(&want) && mono_s() < until) {
            for (int i = 0; i < NODES; i++)
                for (int k = 0; k < 128; k++)
                    runtime_step(rt[i]);
            usleep(100);
        }
    }
    if (!all_pairs(&want)) { /* say which pairs are missing, and the nodes' state */
        int shown = 0;
        for (int r = 0; r < NODES; r++)
            for (int s = 0; s < NODES; s++)
                if (r != s && got[r][s] != 3 && shown++ < 10) {
                    mk_nats_stats_t a, b;
                    mk_nats_stats(rt[s], &a);
                    mk_nats_stats(rt[r], &b);
                    printf("missing %d -> %d (%d): sender connected %d pub %llu; receiver "
                           "connected %d recv %llu reconnects %llu overflow %llu\n",
                           s, r, got[r][s], a.connected, (unsigned long long)a.published,
                           b.connected, (unsigned long long)b.received,
                           (unsigned long long)b.reconnects,
                           (unsigned long long)b.dropped_overflow);
                }
        return -1;
    }
    return rounds;
}

/* A node with the registry (3 replicas) on server `si`; JetStream needs a
 * moment to elect its meta leader, so attaching is retried (hang guard). */
static runtime_t *registry_node(node_id_t id, int si)
{
    runtime_t *r = runtime_init(id, 16);
    mk_nats_config_t cfg = {.servers = srv[si].url,
                            .names_ttl_ms = 60000,
                            .names_replicas = 3,
                            .event_loop = test_event_loop()};
    double end = mono_s() + 30.0;
    while (!runtime_attach_nats(r, &cfg)) {
        if (mono_s() > end)
            fail_msg("registry attach: %s", mk_last_error());
        usleep(200000);
    }
    return r;
}

static bool nop_fn(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)r, (void)self, (void)msg, (void)state;
    return true;
}

/* Step `r` until `name` resolves to `want` (hang guard 20 s). */
static bool lookup_until(runtime_t *r, const char *name, actor_id_t want)
{
    double end = mono_s() + 20.0;
    while (mk_nats_lookup(r, name) != want) {
        if (mono_s() > end)
            return false;
        for (int k = 0; k < 64; k++)
            runtime_step(r);
        usleep(5000);
    }
    return true;
}

static void test_fifty_nodes_on_a_three_server_cluster(void **state)
{
    (void)state;
    assert_true(start_cluster());
    runtime_t *ra = registry_node(2001, 1), *rb = registry_node(2002, 2);
    actor_id_t na = actor_spawn(ra, nop_fn, NULL, NULL, 4);
    assert_true(mk_nats_register(ra, "cluster-name", na));
    assert_true(lookup_until(rb, "cluster-name", na));
    /* each node lists every server, its own first, so they spread */
    for (int i = 0; i < NODES; i++) {
        char servers[256];
        int a = i % SRV, b = (i + 1) % SRV, c = (i + 2) % SRV;
        snprintf(servers, sizeof servers, "%s,%s,%s", srv[a].url, srv[b].url, srv[c].url);
        mk_nats_config_t cfg = {
            .servers = servers, .reconnect_wait_ms = 100, .event_loop = test_event_loop()};
        rt[i] = runtime_init((node_id_t)(1000 + i), 16);
        states[i].me = i;
        ids[i] = actor_spawn(rt[i], node_fn, &states[i], NULL, 256);
        if (!runtime_attach_nats(rt[i], &cfg))
            fail_msg("attach %d: %s", i, mk_last_error());
        char path[32];
        snprintf(path, sizeof path, "/node/%d", i);
        assert_true(mk_nats_serve_path(rt[i], path, ids[i]));
    }
    int rounds = exchange();
    printf("all %d x %d pairs by id and path in %d round(s)\n", NODES, NODES - 1, rounds);
    assert_true(rounds >= 1);

    /* kill one server: its clients fail over to the other two */
    nats_server_kill(&srv[0], SIGKILL);
    memset(got, 0, sizeof got);
    rounds = exchange();
    printf("after killing server 0: all pairs again in %d round(s)\n", rounds);
    assert_true(rounds >= 1);
    uint64_t reconnects = 0;
    for (int i = 0; i < NODES; i++) {
        mk_nats_stats_t st;
        assert_true(mk_nats_stats(rt[i], &st));
        assert_true(st.connected);
        reconnects += st.reconnects;
    }
    printf("reconnects: %llu\n", (unsigned long long)reconnects);
    /* libnats shuffles each node's server list, so how many were on server 0
     * is not known here; some were (a third on average), and all are back */
    assert_true(reconnects >= 1);
    /* the registry still works with 2 of 3 servers (a quorum of replicas);
     * names appear, and go when their node leaves */
    actor_id_t nb = actor_spawn(ra, nop_fn, NULL, NULL, 4);
    /* while JetStream elects new leaders the registry refuses (seconds) */
    double end = mono_s() + 60.0;
    int tries = 1;
    while (!mk_nats_register(ra, "after-kill", nb)) {
        if (mono_s() > end)
            fail_msg("register after the kill: %s", mk_last_error());
        printf("register after the kill, try %d: %s\n", tries++, mk_last_error());
        usleep(200000);
    }
    assert_true(lookup_until(rb, "after-kill", nb));
    assert_int_equal(mk_nats_lookup(rb, "cluster-name"), na);
    runtime_destroy(ra);
    assert_true(lookup_until(rb, "cluster-name", ACTOR_ID_INVALID));
    assert_true(lookup_until(rb, "after-kill", ACTOR_ID_INVALID));
    runtime_destroy(rb);
    for (int i = 0; i < NODES; i++)
        runtime_destroy(rt[i]);
    for (int i = 0; i < SRV; i++)
        nats_server_stop(&srv[i]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifty_nodes_on_a_three_server_cluster),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nats_CloseAndWait(5000);
    return rc;
}
