/*
 * test_nats_node.c -- issue 21 item 1: runtimes reach each other's actors
 * by id through one real nats-server (subject mk.node.<dest>.<src>) with no
 * direct link; what a publisher cannot be trusted with is dropped and
 * counted: a source of another node, malformed frames, local-only types,
 * frames for another node; oversize sends are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "microkernel/wire.h"
#include "nats_test_util.h"

static nats_server_t server;

typedef struct {
    sink_t *s;
    int want;
} want_t;

static bool got_enough(void *ctx)
{
    want_t *w = ctx;
    return w->s->got >= w->want;
}

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

/* Three runtimes, no transports: 1 -> 3 and 3 -> 2 by actor id, and a
 * reply back along the source carried in the frame. */
static void test_send_by_id_without_direct_link(void **state)
{
    (void)state;
    runtime_t *rt[3];
    sink_t sinks[3] = {{0}};
    actor_id_t ids[3];
    for (int i = 0; i < 3; i++) {
        rt[i] = runtime_init((node_id_t)(i + 1), 64);
        assert_non_null(rt[i]);
        assert_true(attach(rt[i], server.url));
        sinks[i].reply = (i == 2);
        ids[i] = actor_spawn(rt[i], sink_fn, &sinks[i], NULL, 16);
        assert_int_not_equal(ids[i], ACTOR_ID_INVALID);
    }
    assert_int_equal(runtime_get_transport_count(rt[0]), 0);
    /* from outside a behaviour on node 2 to the actor of node 3 */
    assert_true(actor_send(rt[1], ids[2], T_DATA, "two-to-three", 13));
    want_t w = {&sinks[2], 1};
    assert_true(pump(rt, 3, got_enough, &w));
    assert_string_equal(sinks[2].last, "two-to-three");
    assert_int_equal(sinks[2].last_source, ACTOR_ID_INVALID);

    assert_true(actor_send(rt[2], ids[0], T_DATA, "three-to-one", 13));
    want_t w1 = {&sinks[0], 1};
    assert_true(pump(rt, 3, got_enough, &w1));
    assert_string_equal(sinks[0].last, "three-to-one");
    assert_int_equal(sinks[1].got, 0);
    mk_nats_stats_t st;
    assert_true(mk_nats_stats(rt[2], &st));
    assert_true(st.connected);
    assert_int_equal(st.delivered, 1);
    assert_int_equal(st.dropped_forged, 0);
    for (int i = 0; i < 3; i++)
        runtime_destroy(rt[i]);
}

/* The reply path: an actor of node 1 sends to node 3, whose actor answers
 * to msg->source: the source survived the trip through NATS. */
typedef struct {
    actor_id_t peer;
    sink_t sink;
} asker_t;

enum { T_GO = 102 };

static bool asker_fn(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    asker_t *a = state;
    if (msg->type == T_GO)
        return actor_send(rt, a->peer, T_DATA, "ping", 5) || true;
    return sink_fn(rt, self, msg, &a->sink);
}

static void test_reply_reaches_the_original_source(void **state)
{
    (void)state;
    runtime_t *rt[2] = {runtime_init(11, 64), runtime_init(13, 64)};
    assert_true(attach(rt[0], server.url));
    assert_true(attach(rt[1], server.url));
    sink_t echo = {.reply = true};
    actor_id_t e = actor_spawn(rt[1], sink_fn, &echo, NULL, 16);
    asker_t asker = {.peer = e};
    actor_id_t a = actor_spawn(rt[0], asker_fn, &asker, NULL, 16);
    assert_true(actor_send(rt[0], a, T_GO, NULL, 0));
    want_t w = {&asker.sink, 1};
    assert_true(pump(rt, 2, got_enough, &w));
    assert_int_equal(asker.sink.last_type, T_REPLY);
    assert_int_equal(asker.sink.last_source, e);
    assert_string_equal(asker.sink.last, "ping");
    assert_int_equal(echo.last_source, a);
    runtime_destroy(rt[0]);
    runtime_destroy(rt[1]);
}

/* A raw client publishes hostile messages on mk.node.21.*, then one good
 * frame; NATS keeps one publisher's order, so when the good one is
 * delivered every earlier one has been judged. */
static void publish_frame(natsConnection *nc, const char *subject, actor_id_t src, actor_id_t dst,
                          msg_type_t type, const void *p, size_t n, size_t trailing)
{
    message_t m = {
        .source = src, .dest = dst, .type = type, .payload = (void *)p, .payload_size = n};
    size_t len = 0;
    unsigned char *buf = wire_serialize_net(&m, &len);
    assert_non_null(buf);
    unsigned char *full = calloc(1, len + trailing);
    memcpy(full, buf, len);
    assert_int_equal(natsConnection_Publish(nc, subject, full, (int)(len + trailing)), NATS_OK);
    free(full);
    free(buf);
}

static void test_hostile_frames_are_dropped_and_counted(void **state)
{
    (void)state;
    runtime_t *rt[1] = {runtime_init(21, 64)};
    assert_true(attach(rt[0], server.url));
    sink_t sink = {0};
    actor_id_t id = actor_spawn(rt[0], sink_fn, &sink, NULL, 16);
    natsConnection *nc = NULL;
    assert_int_equal(natsConnection_ConnectTo(&nc, server.url), NATS_OK);
    actor_id_t of5 = actor_id_make(5, 7);
    actor_id_t of6 = actor_id_make(6, 7);
    /* forged: published as node 5, source claims node 6 */
    publish_frame(nc, "mk.node.21.5", of6, id, T_DATA, "forged", 7, 0);
    /* malformed: garbage, truncated frame, trailing bytes, bad node token */
    assert_int_equal(natsConnection_Publish(nc, "mk.node.21.5", "garbage", 7), NATS_OK);
    {
        message_t m = {
            .source = of5, .dest = id, .type = T_DATA, .payload = "abcdef", .payload_size = 6};
        size_t len;
        unsigned char *b = wire_serialize_net(&m, &len);
        assert_int_equal(natsConnection_Publish(nc, "mk.node.21.5", b, (int)len - 2), NATS_OK);
        free(b);
    }
    publish_frame(nc, "mk.node.21.5", of5, id, T_DATA, "trail", 6, 3);
    publish_frame(nc, "mk.node.21.05", of5, id, T_DATA, "lead0", 6, 0);
    publish_frame(nc, "mk.node.21.x", of5, id, T_DATA, "alpha", 6, 0);
    publish_frame(nc, "mk.node.21.99999999999", of5, id, T_DATA, "big", 4, 0);
    /* header announcing more payload than WIRE_MAX_PAYLOAD */
    {
        unsigned char h[WIRE_HEADER_SIZE] = {0};
        h[20] = 0x7f; /* payload_size 0x7f000000 */
        assert_int_equal(natsConnection_Publish(nc, "mk.node.21.5", h, sizeof h), NATS_OK);
    }
    /* local-only: a timer event from outside */
    publish_frame(nc, "mk.node.21.5", of5, id, 0xFF000001u, NULL, 0, 0);
    /* for another node's actor: not forwarded */
    publish_frame(nc, "mk.node.21.5", of5, actor_id_make(22, 1), T_DATA, "fwd", 4, 0);
    /* no destination (a registry frame): not carried over NATS */
    publish_frame(nc, "mk.node.21.5", of5, ACTOR_ID_INVALID, T_DATA, "ctl", 4, 0);
    /* the good one (the frame's source of the publishing node) */
    publish_frame(nc, "mk.node.21.5", of5, id, T_DATA, "good", 5, 0);
    natsConnection_Flush(nc);
    want_t w = {&sink, 1};
    assert_true(pump(rt, 1, got_enough, &w));
    /* the good frame was the last: nothing hostile came through */
    assert_int_equal(sink.got, 1);
    assert_string_equal(sink.last, "good");
    assert_int_equal(sink.last_source, of5);
    mk_nats_stats_t st;
    assert_true(mk_nats_stats(rt[0], &st));
    assert_int_equal(st.dropped_forged, 1);
    /* garbage, truncated, trailing, 05, x, 11 digits, huge */
    assert_int_equal(st.dropped_malformed, 7);
    assert_int_equal(st.dropped_local_only, 1);
    assert_int_equal(st.dropped_undeliverable, 2);
    assert_int_equal(st.delivered, 1);
    natsConnection_Destroy(nc);
    runtime_destroy(rt[0]);
}

/* A payload beyond the server's max_payload is refused at the sender with
 * a reason, nothing is published, and the connection stays usable. */
static void test_oversize_send_is_refused(void **state)
{
    (void)state;
    runtime_t *rt[2] = {runtime_init(31, 64), runtime_init(32, 64)};
    assert_true(attach(rt[0], server.url));
    assert_true(attach(rt[1], server.url));
    sink_t sink = {0};
    actor_id_t id = actor_spawn(rt[1], sink_fn, &sink, NULL, 16);
    size_t big = 2u << 20; /* the server default max_payload is 1 MiB */
    char *p = calloc(1, big);
    assert_false(actor_send(rt[0], id, T_DATA, p, big));
    assert_non_null(strstr(mk_last_error(), "max_payload"));
    free(p);
    mk_nats_stats_t st;
    assert_true(mk_nats_stats(rt[0], &st));
    assert_int_equal(st.published, 0);
    assert_true(actor_send(rt[0], id, T_DATA, "after", 6));
    want_t w = {&sink, 1};
    assert_true(pump(rt, 2, got_enough, &w));
    assert_string_equal(sink.last, "after");
    runtime_destroy(rt[0]);
    runtime_destroy(rt[1]);
}

/* Regression: messages that reached the inbox while a turn used up the
 * batch it had taken were stranded (the turn had consumed their eventfd
 * signal and libnats signals only an empty inbox), so a node stopped
 * receiving under load. 5000 frames in bursts from a raw publisher, far
 * beyond the 64-message budget of a turn, must all arrive. */
static void test_bursts_beyond_the_drain_budget_all_arrive(void **state)
{
    (void)state;
    runtime_t *rt[1] = {runtime_init(51, 64)};
    assert_true(attach(rt[0], server.url));
    sink_t sink = {0};
    actor_id_t id = actor_spawn(rt[0], sink_fn, &sink, NULL, 1024);
    natsConnection *nc = NULL;
    assert_int_equal(natsConnection_ConnectTo(&nc, server.url), NATS_OK);
    want_t w = {&sink, 0};
    for (int burst = 0; burst < 50; burst++) {
        for (int k = 0; k < 100; k++)
            publish_frame(nc, "mk.node.51.5", actor_id_make(5, 1), id, T_DATA, "b", 2, 0);
        natsConnection_Flush(nc);
        for (int j = 0; j < 16; j++) /* a few turns while more arrive */
            runtime_step(rt[0]);
    }
    w.want = 5000;
    assert_true(pump(rt, 1, got_enough, &w));
    assert_int_equal(sink.got, 5000);
    natsConnection_Destroy(nc);
    runtime_destroy(rt[0]);
}

/* Issue 21, latency: in event-loop mode a frame goes from the socket to
 * the mailbox on the runtime's thread with no hand-off (before, the loop
 * still queued each frame through the inbox meant for libnats' threads);
 * in the default mode every frame crosses from libnats' delivery thread.
 * 300 frames by id and 20 by path into an 8-message mailbox (so frames
 * are also held and resumed) all arrive, and `handed_over` tells which
 * road they took. */
static void test_frames_cross_a_thread_only_in_the_default_mode(void **state)
{
    (void)state;
    runtime_t *rt[2] = {runtime_init(61, 64), runtime_init(62, 64)};
    assert_true(attach(rt[0], server.url));
    assert_true(attach(rt[1], server.url));
    sink_t sink = {0};
    actor_id_t id = actor_spawn(rt[0], sink_fn, &sink, NULL, 8);
    assert_true(mk_nats_serve_path(rt[0], "/svc/nothread", id));
    for (int i = 0; i < 300; i++)
        assert_true(actor_send(rt[1], id, T_DATA, "by-id", 6));
    for (int i = 0; i < 20; i++)
        assert_true(mk_nats_send_path(rt[1], ACTOR_ID_INVALID, "/svc/nothread", T_DATA, "p", 2));
    want_t w = {&sink, 320};
    assert_true(pump(rt, 2, got_enough, &w));
    mk_nats_stats_t st;
    assert_true(mk_nats_stats(rt[0], &st));
    assert_int_equal(st.delivered, 320);
    assert_int_equal(st.dropped_overflow, 0);
    assert_int_equal(st.handed_over, test_event_loop() ? 0 : 320);
    runtime_destroy(rt[0]);
    runtime_destroy(rt[1]);
}

/* Bad arguments, a second attach, an unreachable server. */
static void test_attach_errors(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(41, 16);
    mk_nats_config_t none = {0};
    assert_false(runtime_attach_nats(rt, &none));
    assert_false(runtime_attach_nats(NULL, &none));
    assert_true(attach(rt, server.url));
    mk_nats_config_t again = {.servers = server.url};
    assert_false(runtime_attach_nats(rt, &again));
    assert_non_null(strstr(mk_last_error(), "already"));
    runtime_detach_nats(rt);
    /* after detach: no route to an unlinked node */
    assert_false(actor_send(rt, actor_id_make(42, 1), T_DATA, "x", 1));
    /* attach and detach many times: the runtime's few hooks are reused,
     * not used up (MK_MAX_EXIT_HOOKS is 8 for every subsystem) */
    for (int i = 0; i < 12; i++) {
        assert_true(attach(rt, server.url));
        runtime_detach_nats(rt);
    }
    assert_true(attach(rt, server.url));
    runtime_detach_nats(rt);
    mk_nats_config_t dead = {.servers = "nats://127.0.0.1:1"};
    assert_false(runtime_attach_nats(rt, &dead));
    assert_non_null(strstr(mk_last_error(), "connect"));
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_by_id_without_direct_link),
        cmocka_unit_test(test_reply_reaches_the_original_source),
        cmocka_unit_test(test_hostile_frames_are_dropped_and_counted),
        cmocka_unit_test(test_oversize_send_is_refused),
        cmocka_unit_test(test_bursts_beyond_the_drain_budget_all_arrive),
        cmocka_unit_test(test_frames_cross_a_thread_only_in_the_default_mode),
        cmocka_unit_test(test_attach_errors),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    nats_CloseAndWait(5000); /* libnats' global threads and memory */
    return rc;
}
