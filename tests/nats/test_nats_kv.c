/*
 * test_nats_kv.c -- issue 21 storage tier: /node/storage/kv backed by a
 * JetStream KV bucket shared by two nodes (mk_nats_kv_start), answering
 * the local KV's MSG_KV_* requests with its replies: put on one node, get /
 * list / delete on the other; keys with any bytes; bad requests get
 * MSG_KV_ERROR; resolution order local > NATS for "/node/storage/kv".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/runtime_internal.h"
#include "microkernel/namespace.h"
#include "microkernel/node_services.h"
#include "nats_test_util.h"

static nats_server_t server;

static int setup(void **state)
{
    (void)state;
    const char *const js[] = {"-js", "-sd", "%D/js", NULL};
    return nats_server_start(&server, js) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    nats_server_stop(&server);
    return 0;
}

/* The last reply a client actor got. */
typedef struct {
    int got;
    msg_type_t type;
    char text[2048];
    size_t len;
} reply_t;

static bool client_fn(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self;
    reply_t *r = state;
    r->type = msg->type;
    r->len = msg->payload_size < sizeof r->text - 1 ? msg->payload_size : sizeof r->text - 1;
    memcpy(r->text, msg->payload ? msg->payload : "", r->len);
    r->text[r->len] = '\0';
    r->got++;
    return true;
}

typedef struct {
    reply_t *r;
    int want;
} want_t;

static bool got(void *ctx)
{
    want_t *w = ctx;
    return w->r->got >= w->want;
}

static runtime_t *node(node_id_t id)
{
    runtime_t *rt = runtime_init(id, 64);
    assert_non_null(rt);
    assert_true(ns_install(rt));
    mk_nats_config_t cfg = {.servers = server.url, .event_loop = test_event_loop()};
    assert_true(runtime_attach_nats(rt, &cfg));
    return rt;
}

/* Send `len` bytes of request `type` from `client` to `store` and wait for
 * the reply (pumping both runtimes). */
static void request(runtime_t **rts, runtime_t *rt, actor_id_t client, reply_t *r, actor_id_t store,
                    msg_type_t type, const char *req, size_t len)
{
    int before = r->got;
    assert_true(mk_send_from(rt, client, store, type, req, len));
    want_t w = {r, before + 1};
    assert_true(pump(rts, 2, got, &w));
}

static void test_put_get_list_delete_across_two_nodes(void **state)
{
    (void)state;
    runtime_t *rts[2] = {node(51), node(52)};
    actor_id_t sa = mk_nats_kv_start(rts[0], "site-a", false);
    actor_id_t sb = mk_nats_kv_start(rts[1], "site-a", false);
    if (sa == ACTOR_ID_INVALID || sb == ACTOR_ID_INVALID)
        fail_msg("kv start: %s", mk_last_error());
    reply_t ra = {0}, rb = {0};
    actor_id_t ca = actor_spawn(rts[0], client_fn, &ra, NULL, 16);
    actor_id_t cb = actor_spawn(rts[1], client_fn, &rb, NULL, 16);

    /* put on node 51, read on node 52; a key with bytes NATS forbids */
    static const char put[] = "id=7\nkey=cfg/a.b *>\nvalue=v1\nline2";
    request(rts, rts[0], ca, &ra, sa, MSG_KV_PUT, put, sizeof put - 1);
    assert_int_equal(ra.type, MSG_KV_OK);
    assert_string_equal(ra.text, "id=7\nkey=cfg/a.b *>\n");
    static const char get[] = "key=cfg/a.b *>\n";
    request(rts, rts[1], cb, &rb, sb, MSG_KV_GET, get, sizeof get - 1);
    assert_int_equal(rb.type, MSG_KV_OK);
    assert_string_equal(rb.text, "key=cfg/a.b *>\nvalue=v1\nline2");

    static const char put2[] = "key=cfg/b\nvalue=2", put3[] = "key=other\nvalue=3";
    request(rts, rts[1], cb, &rb, sb, MSG_KV_PUT, put2, sizeof put2 - 1);
    request(rts, rts[1], cb, &rb, sb, MSG_KV_PUT, put3, sizeof put3 - 1);
    static const char list[] = "prefix=cfg/\n";
    request(rts, rts[0], ca, &ra, sa, MSG_KV_LIST, list, sizeof list - 1);
    assert_int_equal(ra.type, MSG_KV_OK);
    assert_string_equal(ra.text, "count=2\nkey=cfg/a.b *>\nkey=cfg/b\n");
    static const char list1[] = "limit=1\n";
    request(rts, rts[0], ca, &ra, sa, MSG_KV_LIST, list1, sizeof list1 - 1);
    assert_string_equal(ra.text, "count=1\ntruncated=1\nkey=cfg/a.b *>\n");

    /* delete on node 52; node 51 then finds nothing */
    static const char del[] = "key=cfg/b\n";
    request(rts, rts[1], cb, &rb, sb, MSG_KV_DELETE, del, sizeof del - 1);
    assert_int_equal(rb.type, MSG_KV_OK);
    assert_string_equal(rb.text, "key=cfg/b\ndeleted=1\n");
    request(rts, rts[1], cb, &rb, sb, MSG_KV_DELETE, del, sizeof del - 1);
    assert_string_equal(rb.text, "key=cfg/b\ndeleted=0\n");
    static const char get2[] = "id=x\nkey=cfg/b\n";
    request(rts, rts[0], ca, &ra, sa, MSG_KV_GET, get2, sizeof get2 - 1);
    assert_int_equal(ra.type, MSG_KV_NOT_FOUND);
    assert_string_equal(ra.text, "id=x\nkey=cfg/b\n");
    request(rts, rts[0], ca, &ra, sa, MSG_KV_LIST, "", 0);
    assert_string_equal(ra.text, "count=2\nkey=cfg/a.b *>\nkey=other\n");

    /* malformed requests: an error reply, nothing written */
    static const char nokey[] = "id=9\nvalue=x", badfield[] = "colour=red\n";
    request(rts, rts[0], ca, &ra, sa, MSG_KV_PUT, nokey, sizeof nokey - 1);
    assert_int_equal(ra.type, MSG_KV_ERROR);
    assert_string_equal(ra.text, "id=9\nerror=missing field key\n");
    request(rts, rts[0], ca, &ra, sa, MSG_KV_GET, badfield, sizeof badfield - 1);
    assert_int_equal(ra.type, MSG_KV_ERROR);
    assert_non_null(strstr(ra.text, "error=bad request: "));
    static const char nolimit[] = "limit=0\n";
    request(rts, rts[0], ca, &ra, sa, MSG_KV_LIST, nolimit, sizeof nolimit - 1);
    assert_int_equal(ra.type, MSG_KV_ERROR);
    request(rts, rts[0], ca, &ra, sa, MSG_KV_LIST, "", 0);
    assert_string_equal(ra.text, "count=2\nkey=cfg/a.b *>\nkey=other\n");

    /* argument errors */
    assert_int_equal(mk_nats_kv_start(rts[0], "site-a", false), ACTOR_ID_INVALID);
    assert_int_equal(mk_nats_kv_start(rts[0], "bad.name", false), ACTOR_ID_INVALID);
    runtime_t *bare = runtime_init(53, 8);
    assert_int_equal(mk_nats_kv_start(bare, "site-a", false), ACTOR_ID_INVALID);
    runtime_destroy(bare);
    runtime_destroy(rts[0]);
    runtime_destroy(rts[1]);
}

/* "/node/storage/kv": a local holder wins; without one the storage tier
 * answers (before a cloud provider); take_path moves the path to it. */
static void test_storage_path_resolution_order(void **state)
{
    (void)state;
    runtime_t *rts[2] = {node(61), node(62)};
    reply_t dummy = {0};
    actor_id_t cloud = actor_spawn(rts[0], client_fn, &dummy, NULL, 4);
    assert_true(ns_set_cloud_provider(rts[0], cloud));
    assert_int_equal(actor_lookup(rts[0], "/node/storage/kv"), cloud);
    actor_id_t store = mk_nats_kv_start(rts[0], "site-b", false);
    assert_true(store != ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rts[0], "/node/storage/kv"), store);
    assert_int_equal(actor_lookup(rts[0], MK_NATS_KV_PATH), store);

    actor_id_t local = actor_spawn(rts[1], client_fn, &dummy, NULL, 4);
    assert_true(actor_register_name(rts[1], "/node/storage/kv", local));
    actor_id_t store2 = mk_nats_kv_start(rts[1], "site-b", false);
    assert_int_equal(actor_lookup(rts[1], "/node/storage/kv"), local);
    assert_int_equal(actor_lookup(rts[1], MK_NATS_KV_PATH), store2);
    runtime_destroy(rts[1]);

    runtime_t *third = node(63);
    actor_id_t local3 = actor_spawn(third, client_fn, &dummy, NULL, 4);
    assert_true(actor_register_name(third, "/node/storage/kv", local3));
    actor_id_t store3 = mk_nats_kv_start(third, "site-b", true);
    assert_int_equal(actor_lookup(third, "/node/storage/kv"), store3);
    runtime_destroy(third);
    runtime_destroy(rts[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_list_delete_across_two_nodes),
        cmocka_unit_test(test_storage_path_resolution_order),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    nats_CloseAndWait(5000);
    return rc;
}
