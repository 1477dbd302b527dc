/*
 * test_node_link.c -- proves src/net/node_link.c with two (or three)
 * runtimes in one process, stepped alternately, over real Unix, TCP and UDP
 * sockets: remote sends and replies through msg->source, names registered
 * on one node found on the other (also by late joiners), names dying with
 * their actor and with their node, MSG_NODE_UP/DOWN to monitors, the
 * transport table's limits, a peer claiming the wrong node ID, and frames
 * for actors that do not exist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sys/socket.h>

#include "microkernel/node.h"
#include "microkernel/services.h"
#include "net_test_util.h"

enum { T_PING = 1, T_PONG = 2, T_GO = 3 };

/* Replies T_PONG with the same payload to whoever sent T_PING. */
static bool echo(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == T_PING)
        actor_send(rt, msg->source, T_PONG, msg->payload, msg->payload_size);
    return true;
}

typedef struct {
    actor_id_t target; /* where T_GO sends a ping (0: by name) */
    const char *name;  /* used when target is 0 */
    bool send_ok;      /* result of the last send */
    char send_error[256];
    int pongs;
    actor_id_t pong_source;
    char pong_text[32];
    int ups, downs;
    node_event_payload_t last_event;
} client_t;

static bool client(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    client_t *c = state;
    switch (msg->type) {
    case T_GO:
        c->send_ok = c->target ? actor_send(rt, c->target, T_PING, "ping!", 6)
                               : actor_send_named(rt, c->name, T_PING, "ping!", 6);
        if (!c->send_ok)
            snprintf(c->send_error, sizeof c->send_error, "%s", mk_last_error());
        break;
    case T_PONG:
        c->pongs++;
        c->pong_source = msg->source;
        snprintf(c->pong_text, sizeof c->pong_text, "%s", (const char *)msg->payload);
        break;
    case MSG_NODE_UP:
    case MSG_NODE_DOWN:
        assert_int_equal(msg->payload_size, sizeof(node_event_payload_t));
        memcpy(&c->last_event, msg->payload, sizeof c->last_event);
        if (msg->type == MSG_NODE_UP)
            c->ups++;
        else
            c->downs++;
        break;
    }
    return true;
}

typedef enum { LINK_UNIX, LINK_TCP, LINK_UDP } link_kind_t;

/* Join rt1 (listening/bound) and rt2 (connecting), each transport reaching
 * the other runtime's node ID; returns rt1's transport (owned by rt1). */
static transport_t *join(runtime_t *rt1, runtime_t *rt2, link_kind_t kind)
{
    node_id_t n1 = runtime_node_id(rt1), n2 = runtime_node_id(rt2);
    transport_t *l = NULL, *c = NULL;
    if (kind == LINK_UNIX) {
        char *path = temp_socket_path();
        l = transport_unix_listen(path, n2);
        c = transport_unix_connect(path, n1);
        free(path);
    } else if (kind == LINK_TCP) {
        l = transport_tcp_listen("127.0.0.1", 0, n2);
        c = transport_tcp_connect("127.0.0.1", transport_tcp_port(l), n1);
    } else {
        l = transport_udp_bind("127.0.0.1", 0, n2);
        c = transport_udp_connect("127.0.0.1", transport_udp_port(l), n1);
    }
    assert_non_null(l);
    assert_non_null(c);
    assert_true(runtime_add_transport(rt1, l));
    assert_true(runtime_add_transport(rt2, c));
    double end = now_s() + 5;
    while (!(node_is_connected(rt1, n2) && node_is_connected(rt2, n1)) && now_s() < end) {
        runtime_step(rt1);
        runtime_step(rt2);
    }
    assert_true(node_is_connected(rt1, n2));
    assert_true(node_is_connected(rt2, n1));
    return l;
}

/* Step both until `cond` holds (at most 5 s). */
#define PUMP_UNTIL(a, b, cond)                                                                     \
    do {                                                                                           \
        double end_ = now_s() + 5;                                                                 \
        while (!(cond) && now_s() < end_) {                                                        \
            runtime_step(a);                                                                       \
            if (b)                                                                                 \
                runtime_step(b);                                                                   \
        }                                                                                          \
    } while (0)

static void ping_pong(link_kind_t kind)
{
    runtime_t *rt1 = runtime_init(1, 16), *rt2 = runtime_init(2, 16);
    join(rt1, rt2, kind);
    actor_id_t e = actor_spawn(rt1, echo, NULL, NULL, 64);
    client_t cs = {.target = e};
    actor_id_t c = actor_spawn(rt2, client, &cs, NULL, 64);
    for (int i = 1; i <= 50; i++) {
        assert_true(actor_send(rt2, c, T_GO, NULL, 0));
        PUMP_UNTIL(rt1, rt2, cs.pongs == i);
        assert_true(cs.send_ok);
        assert_int_equal(cs.pongs, i);
    }
    assert_int_equal(cs.pong_source, e); /* the original source crossed the link */
    assert_string_equal(cs.pong_text, "ping!");
    runtime_destroy(rt2);
    runtime_destroy(rt1);
}

static void test_ping_pong_over_unix(void **state)
{
    (void)state;
    ping_pong(LINK_UNIX);
}

static void test_ping_pong_over_tcp(void **state)
{
    (void)state;
    ping_pong(LINK_TCP);
}

static void test_ping_pong_over_udp(void **state)
{
    (void)state;
    ping_pong(LINK_UDP);
}

static void test_name_registered_on_one_node_is_found_on_the_other(void **state)
{
    (void)state;
    runtime_t *rt1 = runtime_init(1, 16), *rt2 = runtime_init(2, 16);
    join(rt1, rt2, LINK_TCP);
    actor_id_t e = actor_spawn(rt1, echo, NULL, NULL, 64);
    assert_true(actor_register_name(rt1, "echo", e));
    PUMP_UNTIL(rt1, rt2, actor_lookup(rt2, "echo") == e);
    assert_int_equal(actor_lookup(rt2, "echo"), e);

    client_t cs = {.name = "echo"};
    actor_id_t c = actor_spawn(rt2, client, &cs, NULL, 64);
    assert_true(actor_send(rt2, c, T_GO, NULL, 0));
    PUMP_UNTIL(rt1, rt2, cs.pongs == 1);
    assert_int_equal(cs.pongs, 1);
    assert_int_equal(cs.pong_source, e);

    /* Unregistering travels too. */
    assert_true(actor_unregister_name(rt1, "echo"));
    PUMP_UNTIL(rt1, rt2, actor_lookup(rt2, "echo") == ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt2, "echo"), ACTOR_ID_INVALID);

    /* The name dies with its actor on every node. */
    assert_true(actor_register_name(rt1, "echo2", e));
    PUMP_UNTIL(rt1, rt2, actor_lookup(rt2, "echo2") == e);
    actor_stop(rt1, e);
    PUMP_UNTIL(rt1, rt2, actor_lookup(rt2, "echo2") == ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt2, "echo2"), ACTOR_ID_INVALID);

    /* A peer cannot remove or overwrite a local name. */
    actor_id_t local = actor_spawn(rt2, echo, NULL, NULL, 4);
    actor_id_t other = actor_spawn(rt1, echo, NULL, NULL, 4);
    assert_true(actor_register_name(rt2, "mine", local));
    assert_true(actor_register_name(rt1, "mine", other)); /* rt1 did not know it yet */
    for (double end = now_s() + 0.3; now_s() < end;) {
        runtime_step(rt1);
        runtime_step(rt2);
    }
    assert_int_equal(actor_lookup(rt2, "mine"), local);
    runtime_destroy(rt2);
    runtime_destroy(rt1);
}

typedef struct {
    int shadowed;   /* lines saying a peer's name is shadowed by a local one */
    int not_stored; /* WARN lines saying a peer's name was not stored */
    char last[256]; /* the last of those */
} name_log_t;

static void name_log(const char *line, void *ctx)
{
    name_log_t *n = ctx;
    if (strstr(line, "shadowed by local actor"))
        n->shadowed++;
    if (strstr(line, "not stored")) {
        n->not_stored++;
        snprintf(n->last, sizeof n->last, "%s", line);
    }
}

/* Every node has its own "ns", "local_kv", "shell": a peer's name that a
 * local actor holds is shadowed quietly (LOG_DEBUG), while two other nodes
 * claiming one name is worth a warning. */
static void test_local_name_shadows_quietly_conflicts_between_peers_warn(void **state)
{
    (void)state;
    runtime_t *rt1 = runtime_init(1, 16), *rt2 = runtime_init(2, 16), *rt3 = runtime_init(3, 16);
    name_log_t log2 = {0};
    runtime_set_log_sink(rt2, name_log, &log2);
    runtime_set_log_level(rt2, LOG_DEBUG);
    actor_id_t mine = actor_spawn(rt2, echo, NULL, NULL, 4);
    actor_id_t a1 = actor_spawn(rt1, echo, NULL, NULL, 4);
    actor_id_t a3 = actor_spawn(rt3, echo, NULL, NULL, 4);
    assert_true(actor_register_name(rt2, "ns", mine));
    assert_true(actor_register_name(rt1, "ns", a1));
    assert_true(actor_register_name(rt1, "both", a1));
    join(rt1, rt2, LINK_TCP);
    PUMP_UNTIL(rt1, rt2, actor_lookup(rt2, "both") == a1 && log2.shadowed == 1);
    assert_int_equal(actor_lookup(rt2, "ns"), mine);
    assert_int_equal(log2.shadowed, 1);
    assert_int_equal(log2.not_stored, 0);

    assert_true(actor_register_name(rt3, "both", a3));
    join(rt3, rt2, LINK_TCP);
    PUMP_UNTIL(rt3, rt2, log2.not_stored == 1);
    assert_int_equal(log2.not_stored, 1);
    assert_non_null(strstr(log2.last, "WARN"));
    assert_non_null(strstr(log2.last, "\"both\""));
    assert_non_null(strstr(log2.last, "from node 3"));
    assert_int_equal(actor_lookup(rt2, "both"), a1); /* the first claim is kept */
    runtime_destroy(rt3);
    runtime_destroy(rt2);
    runtime_destroy(rt1);
}

static void test_late_joiner_learns_existing_names(void **state)
{
    (void)state;
    runtime_t *rt1 = runtime_init(1, 16), *rt2 = runtime_init(2, 16);
    actor_id_t a = actor_spawn(rt1, echo, NULL, NULL, 4);
    actor_id_t b = actor_spawn(rt2, echo, NULL, NULL, 4);
    assert_true(actor_register_name(rt1, "alpha", a));
    assert_true(actor_register_name(rt2, "beta", b));
    join(rt1, rt2, LINK_UNIX);
    PUMP_UNTIL(rt1, rt2, actor_lookup(rt2, "alpha") == a && actor_lookup(rt1, "beta") == b);
    assert_int_equal(actor_lookup(rt2, "alpha"), a);
    assert_int_equal(actor_lookup(rt1, "beta"), b);
    runtime_destroy(rt2);
    runtime_destroy(rt1);
}

static void test_node_loss_removes_names_and_tells_monitors(void **state)
{
    (void)state;
    runtime_t *rt1 = runtime_init(1, 16), *rt2 = runtime_init(2, 16);
    client_t cs = {0};
    actor_id_t c = actor_spawn(rt2, client, &cs, NULL, 64);
    assert_true(node_monitor(rt2, c));
    assert_true(node_monitor(rt2, c)); /* twice is harmless */
    transport_t *t1 = join(rt1, rt2, LINK_TCP);
    PUMP_UNTIL(rt1, rt2, cs.ups == 1);
    assert_int_equal(cs.ups, 1);
    assert_int_equal(cs.last_event.node, 1);

    actor_id_t e = actor_spawn(rt1, echo, NULL, NULL, 4);
    assert_true(actor_register_name(rt1, "svc", e));
    PUMP_UNTIL(rt1, rt2, actor_lookup(rt2, "svc") == e);
    /* Node 1 vanishes without unregistering anything (a graceful
     * runtime_destroy would withdraw its names one by one first): its
     * connection just ends, as when the process is killed. */
    shutdown(t1->fd, SHUT_RDWR);
    PUMP_UNTIL(rt2, NULL, cs.downs == 1);
    assert_int_equal(cs.downs, 1);
    assert_int_equal(cs.last_event.node, 1);
    assert_int_equal(cs.last_event.names_removed, 1);
    assert_non_null(strstr(cs.last_event.reason, "closed"));
    runtime_destroy(rt1);
    assert_false(node_is_connected(rt2, 1));
    assert_int_equal(actor_lookup(rt2, "svc"), ACTOR_ID_INVALID);
    cs.target = e;
    assert_true(actor_send(rt2, c, T_GO, NULL, 0));
    PUMP_UNTIL(rt2, NULL, cs.send_error[0]);
    assert_false(cs.send_ok);
    assert_non_null(strstr(cs.send_error, "not connected"));
    assert_false(actor_send(rt2, e, T_PING, NULL, 0));
    assert_non_null(strstr(mk_last_error(), "node 1"));
    runtime_destroy(rt2);
}

static void test_send_without_transport_fails_with_reason(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 4);
    assert_false(actor_send(rt, actor_id_make(9, 1), T_PING, NULL, 0));
    assert_non_null(strstr(mk_last_error(), "no transport reaches node 9"));
    transport_t *u = transport_udp_bind("127.0.0.1", 0, 2);
    assert_true(runtime_add_transport(rt, u));
    assert_false(actor_send(rt, actor_id_make(9, 1), T_PING, NULL, 0));
    assert_non_null(strstr(mk_last_error(), "no transport reaches node 9"));
    assert_false(actor_send(rt, actor_id_make(2, 1), T_PING, NULL, 0));
    assert_non_null(strstr(mk_last_error(), "not connected"));
    runtime_destroy(rt);
}

static void test_transport_table_limits(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 4);
    assert_false(runtime_add_transport(rt, NULL));
    assert_false(runtime_add_transport(NULL, NULL));
    transport_t *self = transport_udp_bind("127.0.0.1", 0, 1);
    assert_false(runtime_add_transport(rt, self));
    assert_non_null(strstr(mk_last_error(), "this node"));
    self->destroy(self);
    for (node_id_t n = 2; n < 2 + MK_MAX_TRANSPORTS; n++)
        assert_true(runtime_add_transport(rt, transport_udp_bind("127.0.0.1", 0, n)));
    transport_t *dup = transport_udp_bind("127.0.0.1", 0, 2);
    assert_false(runtime_add_transport(rt, dup));
    assert_non_null(strstr(mk_last_error(), "exists"));
    dup->destroy(dup);
    transport_t *extra = transport_udp_bind("127.0.0.1", 0, 100);
    assert_false(runtime_add_transport(rt, extra));
    char all[32];
    snprintf(all, sizeof all, "all %d", MK_MAX_TRANSPORTS);
    assert_non_null(strstr(mk_last_error(), all));
    assert_int_equal(MK_MAX_TRANSPORTS, 16); /* the original's table (compat section 2) */
    extra->destroy(extra);
    runtime_destroy(rt);
}

static void test_peer_claiming_wrong_node_is_disconnected(void **state)
{
    (void)state;
    runtime_t *rt1 = runtime_init(1, 16), *rt3 = runtime_init(2, 16);
    char *path = temp_socket_path();
    transport_t *l = transport_unix_listen(path, 2);
    transport_t *c = transport_unix_connect(path, 3); /* rt3 thinks it reaches node 3 */
    free(path);
    assert_true(runtime_add_transport(rt1, l));
    assert_true(runtime_add_transport(rt3, c));
    double end = now_s() + 5;
    while (now_s() < end && !strstr(mk_last_error(), "peer says")) {
        runtime_step(rt1);
        runtime_step(rt3);
        actor_send(rt3, actor_id_make(3, 1), T_PING, NULL, 0);
    }
    assert_false(node_is_connected(rt3, 3));
    assert_false(actor_send(rt3, actor_id_make(3, 1), T_PING, NULL, 0));
    assert_non_null(strstr(mk_last_error(), "peer says it is node 1"));
    runtime_destroy(rt3);
    runtime_destroy(rt1);
}

static void test_message_for_missing_actor_is_dropped_and_link_stays(void **state)
{
    (void)state;
    runtime_t *rt1 = runtime_init(1, 16), *rt2 = runtime_init(2, 16);
    join(rt1, rt2, LINK_TCP);
    actor_id_t e = actor_spawn(rt1, echo, NULL, NULL, 64);
    client_t cs = {.target = actor_id_make(1, 999)};
    actor_id_t c = actor_spawn(rt2, client, &cs, NULL, 64);
    assert_true(actor_send(rt2, c, T_GO, NULL, 0)); /* remote: accepted, dropped there */
    double end = now_s() + 0.3;
    while (now_s() < end) {
        runtime_step(rt1);
        runtime_step(rt2);
    }
    assert_true(node_is_connected(rt1, 2));
    cs.target = e;
    assert_true(actor_send(rt2, c, T_GO, NULL, 0));
    PUMP_UNTIL(rt1, rt2, cs.pongs == 1);
    assert_int_equal(cs.pongs, 1);
    runtime_destroy(rt2);
    runtime_destroy(rt1);
}

static void test_three_node_mesh_name_reached_from_node_three(void **state)
{
    (void)state;
    runtime_t *rt[4] = {NULL, runtime_init(1, 16), runtime_init(2, 16), runtime_init(3, 16)};
    /* Full mesh: the lower node listens, the higher one connects. */
    for (node_id_t a = 1; a <= 3; a++) {
        for (node_id_t b = a + 1; b <= 3; b++) {
            transport_t *l = transport_tcp_listen("127.0.0.1", 0, b);
            transport_t *c = transport_tcp_connect("127.0.0.1", transport_tcp_port(l), a);
            assert_true(runtime_add_transport(rt[a], l));
            assert_true(runtime_add_transport(rt[b], c));
        }
    }
    actor_id_t e = actor_spawn(rt[1], echo, NULL, NULL, 64);
    assert_true(actor_register_name(rt[1], "service", e));
    client_t cs = {.name = "service"};
    actor_id_t c = actor_spawn(rt[3], client, &cs, NULL, 64);
    double end = now_s() + 5;
    while (actor_lookup(rt[3], "service") != e && now_s() < end)
        for (int i = 1; i <= 3; i++)
            runtime_step(rt[i]);
    assert_int_equal(actor_lookup(rt[3], "service"), e);
    assert_int_equal(actor_lookup(rt[2], "service"), e);
    assert_true(actor_send(rt[3], c, T_GO, NULL, 0));
    end = now_s() + 5;
    while (cs.pongs == 0 && now_s() < end)
        for (int i = 1; i <= 3; i++)
            runtime_step(rt[i]);
    assert_int_equal(cs.pongs, 1);
    assert_int_equal(cs.pong_source, e);
    /* Node 1 goes: nodes 2 and 3 both drop its name. */
    runtime_destroy(rt[1]);
    end = now_s() + 5;
    while ((actor_lookup(rt[2], "service") || actor_lookup(rt[3], "service")) && now_s() < end)
        for (int i = 2; i <= 3; i++)
            runtime_step(rt[i]);
    assert_int_equal(actor_lookup(rt[2], "service"), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt[3], "service"), ACTOR_ID_INVALID);
    assert_true(node_is_connected(rt[2], 3));
    runtime_destroy(rt[2]);
    runtime_destroy(rt[3]);
}

static void test_reconnect_to_listener_after_loss(void **state)
{
    (void)state;
    runtime_t *rt1 = runtime_init(1, 16), *rt2 = runtime_init(2, 16);
    transport_t *l = transport_tcp_listen("127.0.0.1", 0, 2);
    uint16_t port = transport_tcp_port(l);
    assert_true(runtime_add_transport(rt1, l));
    actor_id_t e = actor_spawn(rt1, echo, NULL, NULL, 64);
    assert_true(actor_register_name(rt1, "echo", e));
    for (int round = 0; round < 2; round++) {
        runtime_t *peer = runtime_init(2, 16);
        assert_true(runtime_add_transport(peer, transport_tcp_connect("127.0.0.1", port, 1)));
        PUMP_UNTIL(rt1, peer, actor_lookup(peer, "echo") == e && node_is_connected(rt1, 2));
        assert_int_equal(actor_lookup(peer, "echo"), e);
        runtime_destroy(peer);
        PUMP_UNTIL(rt1, NULL, !node_is_connected(rt1, 2));
        assert_false(node_is_connected(rt1, 2));
    }
    runtime_destroy(rt2);
    runtime_destroy(rt1);
}

static void test_monitor_bad_input(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 4);
    assert_false(node_monitor(NULL, 1));
    assert_false(node_monitor(rt, actor_id_make(1, 77)));
    assert_false(node_demonitor(rt, actor_id_make(1, 77)));
    actor_id_t a = actor_spawn(rt, echo, NULL, NULL, 4);
    assert_true(node_monitor(rt, a));
    assert_true(node_demonitor(rt, a));
    assert_false(node_demonitor(rt, a));
    assert_true(node_monitor(rt, a));
    actor_stop(rt, a); /* the subscription ends with the actor */
    assert_false(node_demonitor(rt, a));
    assert_false(node_is_connected(rt, 2));
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping_pong_over_unix),
        cmocka_unit_test(test_ping_pong_over_tcp),
        cmocka_unit_test(test_ping_pong_over_udp),
        cmocka_unit_test(test_name_registered_on_one_node_is_found_on_the_other),
        cmocka_unit_test(test_late_joiner_learns_existing_names),
        cmocka_unit_test(test_local_name_shadows_quietly_conflicts_between_peers_warn),
        cmocka_unit_test(test_node_loss_removes_names_and_tells_monitors),
        cmocka_unit_test(test_send_without_transport_fails_with_reason),
        cmocka_unit_test(test_transport_table_limits),
        cmocka_unit_test(test_peer_claiming_wrong_node_is_disconnected),
        cmocka_unit_test(test_message_for_missing_actor_is_dropped_and_link_stays),
        cmocka_unit_test(test_three_node_mesh_name_reached_from_node_three),
        cmocka_unit_test(test_reconnect_to_listener_after_loss),
        cmocka_unit_test(test_monitor_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
