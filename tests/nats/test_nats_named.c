/*
 * test_nats_named.c -- issue 21: actor_lookup() and actor_send_named() of a
 * namespace path resolve through NATS when neither this node nor a mounted
 * peer has it (order local > mounted peer > NATS > cloud): the lookup
 * probes the path's subject and returns a local proxy actor; replies come
 * back to the original sender; a path served by two nodes is shared; a
 * path nobody serves fails with a reason, and one whose server went away
 * stops resolving.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "microkernel/namespace.h"
#include "nats_test_util.h"

static nats_server_t server;

enum { T_KICK = 50 };

static int setup(void **state)
{
    (void)state;
    return nats_server_start(&server, NULL) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    nats_server_stop(&server);
    return 0;
}

/* A client: on T_KICK (payload: a path) sends T_DATA "ping" to that path
 * by name; replies are counted by the embedded sink. */
typedef struct {
    sink_t sink;
    int send_failed;
    char why[256];
} client_t;

static bool client_fn(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    client_t *c = state;
    if (msg->type == T_KICK) {
        char path[128];
        size_t n = msg->payload_size < sizeof path - 1 ? msg->payload_size : sizeof path - 1;
        memcpy(path, msg->payload, n);
        path[n] = '\0';
        if (!actor_send_named(rt, path, T_DATA, "ping", 5)) {
            c->send_failed++;
            snprintf(c->why, sizeof c->why, "%s", mk_last_error());
        }
        return true;
    }
    return sink_fn(rt, self, msg, &c->sink);
}

static void kick(runtime_t *rt, actor_id_t client, const char *path)
{
    assert_true(actor_send(rt, client, T_KICK, path, strlen(path)));
}

typedef struct {
    sink_t *s;
    int want;
} want_t;

static bool got_enough(void *ctx)
{
    want_t *w = ctx;
    return w->s->got >= w->want;
}

static runtime_t *node(node_id_t id, uint32_t recheck_ms)
{
    runtime_t *rt = runtime_init(id, 64);
    assert_non_null(rt);
    assert_true(ns_install(rt));
    mk_nats_config_t cfg = {
        .servers = server.url, .path_recheck_ms = recheck_ms, .event_loop = test_event_loop()};
    assert_true(runtime_attach_nats(rt, &cfg));
    return rt;
}

/* The path is served by node 12 only; node 11 sends to it by name and
 * gets the reply, which carries the serving actor as its source. */
static void test_send_named_reaches_a_path_served_over_nats(void **state)
{
    (void)state;
    runtime_t *rt[2] = {node(11, 0), node(12, 0)};
    sink_t echo = {.reply = true};
    actor_id_t echo_id = actor_spawn(rt[1], sink_fn, &echo, NULL, 16);
    assert_true(mk_nats_serve_path(rt[1], "/svc/echo", echo_id));

    actor_id_t proxy = actor_lookup(rt[0], "/svc/echo");
    if (proxy == ACTOR_ID_INVALID)
        fail_msg("lookup through NATS failed: %s", mk_last_error());
    assert_int_equal(actor_id_node(proxy), 11);                /* a local proxy */
    assert_int_equal(actor_lookup(rt[0], "/svc/echo"), proxy); /* found again, no new actor */

    client_t c = {0};
    actor_id_t cid = actor_spawn(rt[0], client_fn, &c, NULL, 16);
    kick(rt[0], cid, "/svc/echo");
    want_t w = {&c.sink, 1};
    assert_true(pump(rt, 2, got_enough, &w));
    assert_int_equal(c.send_failed, 0);
    assert_int_equal(c.sink.last_type, T_REPLY);
    assert_string_equal(c.sink.last, "ping");
    assert_int_equal(c.sink.last_source, echo_id);
    assert_int_equal(echo.last_source, cid); /* the server saw the real sender */
    mk_nats_stats_t st;
    assert_true(mk_nats_stats(rt[0], &st));
    assert_int_equal(st.paths_probed, 1); /* the second lookup used the proxy it had */
    assert_int_equal(st.paths_found, 1);
    assert_int_equal(st.proxy_dropped, 0);
    runtime_destroy(rt[0]);
    runtime_destroy(rt[1]);
}

/* Local registrations win over NATS; NATS comes before the cloud
 * provider; a path nobody serves fails with a reason. */
static void test_resolution_order_local_nats_cloud(void **state)
{
    (void)state;
    runtime_t *rt[2] = {node(21, 0), node(22, 0)};
    sink_t far = {0}, near = {0}, cloud = {0};
    assert_true(mk_nats_serve_path(rt[1], "/svc/x", actor_spawn(rt[1], sink_fn, &far, NULL, 4)));
    assert_true(
        mk_nats_serve_path(rt[1], "/node/storage/far", actor_spawn(rt[1], sink_fn, &far, NULL, 4)));
    actor_id_t local = actor_spawn(rt[0], sink_fn, &near, NULL, 4);
    actor_id_t cloud_id = actor_spawn(rt[0], sink_fn, &cloud, NULL, 4);
    assert_true(actor_register_name(rt[0], "/svc/x", local));
    assert_true(ns_set_cloud_provider(rt[0], cloud_id));

    assert_int_equal(actor_lookup(rt[0], "/svc/x"), local);
    actor_id_t via_nats = actor_lookup(rt[0], "/node/storage/far");
    assert_true(via_nats != ACTOR_ID_INVALID && via_nats != cloud_id && via_nats != local);
    /* only the five cloud service paths fall back to the cloud (docs/cloud.md) */
    assert_int_equal(actor_lookup(rt[0], "/node/queue/default"), cloud_id);
    /* caps' backend report (issue 15) names each of them */
    actor_id_t b_id;
    assert_int_equal(ns_path_backend(rt[0], "/svc/x", &b_id), NS_BACKEND_LOCAL);
    assert_int_equal(b_id, local);
    assert_int_equal(ns_path_backend(rt[0], "/node/storage/far", &b_id), NS_BACKEND_NATS);
    assert_int_equal(b_id, via_nats);
    assert_int_equal(ns_path_backend(rt[0], "/node/queue/default", &b_id), NS_BACKEND_CLOUD);
    assert_int_equal(b_id, cloud_id);
    assert_int_equal(ns_path_backend(rt[0], "/svc/nobody", &b_id), NS_BACKEND_NONE);
    assert_int_equal(b_id, ACTOR_ID_INVALID);
    assert_string_equal(ns_backend_name(NS_BACKEND_NATS), "nats");
    assert_int_equal(actor_lookup(rt[0], "/node/storage/nobody"), ACTOR_ID_INVALID);

    assert_int_equal(actor_lookup(rt[0], "/svc/nobody"), ACTOR_ID_INVALID);
    if (!strstr(mk_last_error(), "(NATS: nobody serves \"/svc/nobody\" over NATS)"))
        fail_msg("unexpected reason: %s", mk_last_error());
    assert_false(actor_send_named(rt[0], "/svc/nobody", T_DATA, "x", 1));
    /* once unregistered locally, the same path resolves through NATS */
    assert_true(actor_unregister_name(rt[0], "/svc/x"));
    actor_id_t x = actor_lookup(rt[0], "/svc/x");
    assert_true(x != ACTOR_ID_INVALID && x != local && actor_id_node(x) == 21);
    runtime_destroy(rt[0]);
    runtime_destroy(rt[1]);
}

typedef struct {
    sink_t *a, *b;
    int want;
} pair_t;

static bool pair_done(void *ctx)
{
    pair_t *p = ctx;
    return p->a->got + p->b->got >= p->want;
}

/* Two nodes serve one path; 100 sends by name from a third are shared
 * (NATS picks one member per message: the chance that one of two gets
 * none of 100 is 2 * 0.5^100). */
static void test_send_named_is_load_balanced(void **state)
{
    (void)state;
    runtime_t *rt[3] = {node(31, 0), node(32, 0), node(33, 0)};
    sink_t a = {0}, b = {0};
    assert_true(mk_nats_serve_path(rt[1], "/svc/lb", actor_spawn(rt[1], sink_fn, &a, NULL, 128)));
    assert_true(mk_nats_serve_path(rt[2], "/svc/lb", actor_spawn(rt[2], sink_fn, &b, NULL, 128)));
    /* The proxy's mailbox holds 64: step the sender's runtime while it is
     * full (backpressure, as for any local actor). */
    for (int k = 0, steps = 0; k < 100; k++) {
        while (!actor_send_named(rt[0], "/svc/lb", T_DATA, "job", 4) && steps++ < 10000)
            runtime_step(rt[0]);
        assert_true(steps < 10000);
    }
    pair_t p = {&a, &b, 100};
    assert_true(pump(rt, 3, pair_done, &p));
    printf("served: %d and %d\n", a.got, b.got);
    assert_int_equal(a.got + b.got, 100);
    assert_true(a.got > 0 && b.got > 0);
    runtime_destroy(rt[0]);
    runtime_destroy(rt[1]);
    runtime_destroy(rt[2]);
}

/* When the path's only server stops, a lookup after path_recheck_ms
 * probes again, stops the proxy and fails. */
static void test_path_stops_resolving_when_its_server_goes(void **state)
{
    (void)state;
    runtime_t *rt[2] = {node(41, 1), node(42, 1)};
    sink_t s = {0};
    actor_id_t srv = actor_spawn(rt[1], sink_fn, &s, NULL, 4);
    assert_true(mk_nats_serve_path(rt[1], "/svc/gone", srv));
    actor_id_t proxy = actor_lookup(rt[0], "/svc/gone");
    assert_true(proxy != ACTOR_ID_INVALID);
    actor_stop(rt[1], srv);
    /* serving another path flushes rt[1]'s connection: the server has
     * processed the unsubscription before the probe below */
    assert_true(mk_nats_serve_path(rt[1], "/svc/flush", actor_spawn(rt[1], sink_fn, &s, NULL, 4)));
    usleep(2000); /* past path_recheck_ms (1 ms): not a timing assertion */
    assert_int_equal(actor_lookup(rt[0], "/svc/gone"), ACTOR_ID_INVALID);
    assert_false(actor_is_alive(rt[0], proxy));
    runtime_destroy(rt[0]);
    runtime_destroy(rt[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_named_reaches_a_path_served_over_nats),
        cmocka_unit_test(test_resolution_order_local_nats_cloud),
        cmocka_unit_test(test_send_named_is_load_balanced),
        cmocka_unit_test(test_path_stops_resolving_when_its_server_goes),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    nats_CloseAndWait(5000);
    return rc;
}
