/*
 * test_nats_permissions.c -- issue 21 "Security": a nats-server with the
 * per-node permissions of tests/nats/permissions.conf (the configuration
 * shown in docs/scale-out.md). Node 1 cannot publish to node 2's private
 * service path, cannot publish frames as another node (the publisher token
 * of mk.node.<dest>.<src> is pinned by the server), and cannot attach with
 * a wrong password; what it may send still arrives. Through the namespace
 * the same holds: actor_lookup() on node 1 resolves node 2's public path
 * (node 2 answers the probe: allow_responses) and not its private one.
 * Ordering of one
 * publisher's messages makes the checks deterministic: the allowed marker
 * is sent after the refused ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "microkernel/namespace.h"
#include "microkernel/wire.h"
#include "nats_test_util.h"

#ifndef MK_NATS_PERMISSIONS_CONF
#error "MK_NATS_PERMISSIONS_CONF must name tests/nats/permissions.conf"
#endif

static nats_server_t server;

static bool attach_as(runtime_t *rt, const char *user, const char *password)
{
    mk_nats_config_t cfg = {
        .servers = server.url, .user = user, .password = password, .event_loop = test_event_loop()};
    return runtime_attach_nats(rt, &cfg);
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

static void test_per_node_permissions(void **state)
{
    (void)state;
    const char *const args[] = {"-c", MK_NATS_PERMISSIONS_CONF, NULL};
    assert_true(nats_server_start(&server, args));
    runtime_t *rt[2] = {runtime_init(1, 32), runtime_init(2, 32)};
    assert_false(attach_as(rt[0], "node1", "wrong"));
    assert_true(attach_as(rt[0], "node1", "secret1"));
    assert_true(attach_as(rt[1], "node2", "secret2"));
    sink_t priv = {0}, pub = {0}, direct = {0};
    assert_true(
        mk_nats_serve_path(rt[1], "/private/db", actor_spawn(rt[1], sink_fn, &priv, NULL, 16)));
    assert_true(
        mk_nats_serve_path(rt[1], "/public/info", actor_spawn(rt[1], sink_fn, &pub, NULL, 16)));
    actor_id_t d = actor_spawn(rt[1], sink_fn, &direct, NULL, 16);

    /* refused by the server (the client's publish succeeds locally) */
    assert_true(mk_nats_send_path(rt[0], ACTOR_ID_INVALID, "/private/db", T_DATA, "steal", 6));
    /* allowed */
    assert_true(mk_nats_send_path(rt[0], ACTOR_ID_INVALID, "/public/info", T_DATA, "hello", 6));
    want_t w = {&pub, 1};
    assert_true(pump(rt, 2, got_enough, &w));
    assert_string_equal(pub.last, "hello");

    /* impersonation: node1's credentials publishing as node 3 */
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    assert_int_equal(natsOptions_Create(&o), NATS_OK);
    natsOptions_SetURL(o, server.url);
    natsOptions_SetUserInfo(o, "node1", "secret1");
    assert_int_equal(natsConnection_Connect(&nc, o), NATS_OK);
    natsOptions_Destroy(o);
    message_t m = {.source = actor_id_make(3, 1),
                   .dest = d,
                   .type = T_DATA,
                   .payload = "fake",
                   .payload_size = 5};
    size_t len;
    unsigned char *b = wire_serialize_net(&m, &len);
    natsConnection_Publish(nc, "mk.node.2.3", b, (int)len);
    free(b);
    natsConnection_Flush(nc);
    natsConnection_Destroy(nc);
    /* then node 1 itself, legitimately */
    assert_true(actor_send(rt[0], d, T_DATA, "real", 5));
    want_t w2 = {&direct, 1};
    assert_true(pump(rt, 2, got_enough, &w2));
    assert_string_equal(direct.last, "real");
    assert_int_equal(direct.got, 1);
    assert_int_equal(priv.got, 0);
    mk_nats_stats_t st;
    assert_true(mk_nats_stats(rt[1], &st));
    assert_int_equal(st.dropped_forged, 0); /* never reached the node */
    /* the server says why: both refusals are in its log */
    char logp[128], text[65536] = "";
    snprintf(logp, sizeof logp, "%s/server.log", server.dir);
    FILE *f = fopen(logp, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_non_null(
        strstr(text, "Publish Violation - User \"node1\", Subject \"mk.path.private.db\""));
    assert_non_null(strstr(text, "Publish Violation - User \"node1\", Subject \"mk.node.2.3\""));

    /* through the namespace: the public path resolves to a local proxy,
     * the private one not at all (its probe is refused by the server) */
    assert_true(ns_install(rt[0]));
    actor_id_t proxy = actor_lookup(rt[0], "/public/info");
    if (proxy == ACTOR_ID_INVALID)
        fail_msg("public path not resolved: %s", mk_last_error());
    assert_int_equal(actor_id_node(proxy), 1);
    assert_int_equal(actor_lookup(rt[0], "/private/db"), ACTOR_ID_INVALID);
    assert_false(actor_send_named(rt[0], "/private/db", T_DATA, "steal", 6));
    assert_int_equal(priv.got, 0);
    runtime_destroy(rt[0]);
    runtime_destroy(rt[1]);
    nats_server_stop(&server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_node_permissions),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nats_CloseAndWait(5000);
    return rc;
}
