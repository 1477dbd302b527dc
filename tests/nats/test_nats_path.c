/*
 * test_nats_path.c -- issue 21 item 2: namespace paths served over NATS
 * (subject mk.path.<escaped tokens>, queue group "mk.path"): a path served
 * by 5 nodes shares its messages among them; names cannot inject subject
 * tokens or wildcards; a path goes with its actor; a path frame whose
 * source is not of the publishing node is dropped and counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "microkernel/wire.h"
#include "nats_test_util.h"

static nats_server_t server;

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

typedef struct {
    sink_t *sinks;
    size_t n;
    int want;
} total_t;

static bool total_reached(void *ctx)
{
    total_t *t = ctx;
    int sum = 0;
    for (size_t i = 0; i < t->n; i++)
        sum += t->sinks[i].got;
    return sum >= t->want;
}

#define SERVERS 5
#define SENDS   200

/* Five nodes serve /svc/echo; 200 sends from a sixth node all arrive, each
 * exactly once, and every server gets some (NATS picks one member of the
 * queue group per message at random: the chance that one of five gets none
 * of 200 is 5 * 0.8^200, about 2e-19). */
static void test_queue_group_balances_one_path(void **state)
{
    (void)state;
    runtime_t *rt[SERVERS + 1];
    sink_t sinks[SERVERS] = {{0}};
    for (int i = 0; i <= SERVERS; i++) {
        rt[i] = runtime_init((node_id_t)(100 + i), 64);
        assert_true(attach(rt[i], server.url));
    }
    for (int i = 0; i < SERVERS; i++) {
        actor_id_t id = actor_spawn(rt[i], sink_fn, &sinks[i], NULL, 256);
        assert_true(mk_nats_serve_path(rt[i], "/svc/echo", id));
    }
    runtime_t *client = rt[SERVERS];
    for (int k = 0; k < SENDS; k++)
        assert_true(mk_nats_send_path(client, ACTOR_ID_INVALID, "/svc/echo", T_DATA, "job", 4));
    total_t t = {sinks, SERVERS, SENDS};
    assert_true(pump(rt, SERVERS + 1, total_reached, &t));
    int sum = 0;
    for (int i = 0; i < SERVERS; i++) {
        printf("server %d got %d\n", i, sinks[i].got);
        assert_true(sinks[i].got > 0);
        sum += sinks[i].got;
    }
    assert_int_equal(sum, SENDS);
    for (int i = 0; i <= SERVERS; i++)
        runtime_destroy(rt[i]);
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

/* "/a.b", "/a/b", "/a/<star>" and "/a/>" are four different services: a dot or a
 * wildcard in a name is a literal byte, never a subject token. A marker
 * sent last on each path proves nothing else is still on its way. */
static void test_names_cannot_inject_subjects(void **state)
{
    (void)state;
    runtime_t *rt[2] = {runtime_init(201, 64), runtime_init(202, 64)};
    assert_true(attach(rt[0], server.url));
    assert_true(attach(rt[1], server.url));
    sink_t dotted = {0}, nested = {0}, star = {0}, gt = {0};
    assert_true(mk_nats_serve_path(rt[1], "/a.b", actor_spawn(rt[1], sink_fn, &dotted, NULL, 16)));
    assert_true(mk_nats_serve_path(rt[1], "/a/b", actor_spawn(rt[1], sink_fn, &nested, NULL, 16)));
    assert_true(mk_nats_serve_path(rt[1], "/a/*", actor_spawn(rt[1], sink_fn, &star, NULL, 16)));
    assert_true(mk_nats_serve_path(rt[1], "/a/>", actor_spawn(rt[1], sink_fn, &gt, NULL, 16)));
    assert_true(mk_nats_send_path(rt[0], ACTOR_ID_INVALID, "/a.b", T_DATA, "dot", 4));
    assert_true(mk_nats_send_path(rt[0], ACTOR_ID_INVALID, "/a/b", T_DATA, "nest", 5));
    assert_true(mk_nats_send_path(rt[0], ACTOR_ID_INVALID, "/a/*", T_DATA, "star", 5));
    assert_true(mk_nats_send_path(rt[0], ACTOR_ID_INVALID, "/a/>", T_DATA, "gt", 3));
    want_t w = {&gt, 1};
    assert_true(pump(rt, 2, got_enough, &w));
    want_t w2 = {&star, 1}, w3 = {&nested, 1}, w4 = {&dotted, 1};
    assert_true(pump(rt, 2, got_enough, &w2));
    assert_true(pump(rt, 2, got_enough, &w3));
    assert_true(pump(rt, 2, got_enough, &w4));
    assert_int_equal(dotted.got, 1);
    assert_string_equal(dotted.last, "dot");
    assert_int_equal(nested.got, 1);
    assert_string_equal(nested.last, "nest");
    assert_int_equal(star.got, 1);
    assert_string_equal(star.last, "star");
    assert_int_equal(gt.got, 1);
    assert_string_equal(gt.last, "gt");
    /* invalid names are refused before anything is published */
    assert_false(mk_nats_send_path(rt[0], ACTOR_ID_INVALID, "/a//b", T_DATA, "x", 1));
    assert_false(mk_nats_serve_path(rt[1], "nope", actor_spawn(rt[1], sink_fn, &gt, NULL, 4)));
    runtime_destroy(rt[0]);
    runtime_destroy(rt[1]);
}

/* A served path goes when its actor stops (and with unserve): later sends
 * reach the remaining server only. */
static void test_path_goes_with_its_actor(void **state)
{
    (void)state;
    runtime_t *rt[3] = {runtime_init(301, 64), runtime_init(302, 64), runtime_init(303, 64)};
    for (int i = 0; i < 3; i++)
        assert_true(attach(rt[i], server.url));
    sink_t a = {0}, b = {0};
    actor_id_t ida = actor_spawn(rt[1], sink_fn, &a, NULL, 64);
    actor_id_t idb = actor_spawn(rt[2], sink_fn, &b, NULL, 64);
    assert_true(mk_nats_serve_path(rt[1], "/kv", ida));
    assert_true(mk_nats_serve_path(rt[2], "/kv", idb));
    actor_stop(rt[1], ida);
    /* The unsubscription is sent without waiting (the loop never blocks on
     * it); serving another path flushes the connection, so the server has
     * processed it before the sends below. */
    sink_t other = {0};
    assert_true(mk_nats_serve_path(rt[1], "/other", actor_spawn(rt[1], sink_fn, &other, NULL, 4)));
    for (int k = 0; k < 20; k++)
        assert_true(mk_nats_send_path(rt[0], ACTOR_ID_INVALID, "/kv", T_DATA, "k", 2));
    want_t w = {&b, 20};
    assert_true(pump(rt, 3, got_enough, &w));
    assert_int_equal(b.got, 20);
    assert_true(mk_nats_unserve_path(rt[2], "/kv"));
    assert_false(mk_nats_unserve_path(rt[2], "/kv"));
    for (int i = 0; i < 3; i++)
        runtime_destroy(rt[i]);
}

/* A raw client publishes path frames: the Mk-Src header names the
 * publishing node; a source of another node, a missing header and a frame
 * naming a destination are dropped and counted. */
static void test_forged_path_frames_are_dropped(void **state)
{
    (void)state;
    runtime_t *rt[1] = {runtime_init(401, 64)};
    assert_true(attach(rt[0], server.url));
    sink_t s = {0};
    assert_true(mk_nats_serve_path(rt[0], "/p", actor_spawn(rt[0], sink_fn, &s, NULL, 16)));
    natsConnection *nc = NULL;
    assert_int_equal(natsConnection_ConnectTo(&nc, server.url), NATS_OK);
    struct {
        const char *hdr;
        actor_id_t src, dst;
        const char *text;
    } cases[] = {
        {"5", actor_id_make(6, 1), ACTOR_ID_INVALID, "forged"},
        {NULL, actor_id_make(5, 1), ACTOR_ID_INVALID, "nohdr"},
        {"5", actor_id_make(5, 1), actor_id_make(401, 1), "dest"},
        {"5", actor_id_make(5, 1), ACTOR_ID_INVALID, "good"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        message_t m = {.source = cases[i].src,
                       .dest = cases[i].dst,
                       .type = T_DATA,
                       .payload = (void *)cases[i].text,
                       .payload_size = strlen(cases[i].text) + 1};
        size_t len;
        unsigned char *b = wire_serialize_net(&m, &len);
        natsMsg *nm = NULL;
        assert_int_equal(natsMsg_Create(&nm, "mk.path.p", NULL, (const char *)b, (int)len),
                         NATS_OK);
        if (cases[i].hdr)
            assert_int_equal(natsMsgHeader_Set(nm, "Mk-Src", cases[i].hdr), NATS_OK);
        assert_int_equal(natsConnection_PublishMsg(nc, nm), NATS_OK);
        natsMsg_Destroy(nm);
        free(b);
    }
    natsConnection_Flush(nc);
    want_t w = {&s, 1};
    assert_true(pump(rt, 1, got_enough, &w));
    assert_int_equal(s.got, 1);
    assert_string_equal(s.last, "good");
    mk_nats_stats_t st;
    assert_true(mk_nats_stats(rt[0], &st));
    assert_int_equal(st.dropped_forged, 1);
    assert_int_equal(st.dropped_malformed, 2);
    natsConnection_Destroy(nc);
    runtime_destroy(rt[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_group_balances_one_path),
        cmocka_unit_test(test_names_cannot_inject_subjects),
        cmocka_unit_test(test_path_goes_with_its_actor),
        cmocka_unit_test(test_forged_path_frames_are_dropped),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    nats_CloseAndWait(5000);
    return rc;
}
