/* test_local_kv_cf.c -- the original's MSG_CF_KV_* text protocol answered
 * by the SQLite store at /node/storage/kv under services_start() (issue 14,
 * compat/services.md section 2): the four requests and their replies, the
 * same table as MSG_KV_* in both directions, LIST by prefix and its
 * 4096-byte cap, refused bad input that stores nothing, a 4096-byte value,
 * group-committed puts answered in order and kept across a restart. */
#include "svc_test_util.h"

#include "microkernel/local_kv.h"

typedef struct {
    runtime_t *rt;
    actor_id_t kv, c;
    char *dir;
} fx_t;

static void start(fx_t *f)
{
    f->rt = runtime_init(1, 64);
    services_config_t cfg = {.data_dir = f->dir, .no_mount_listen = true};
    if (!services_start(f->rt, &cfg))
        fail_msg("services_start: %s", mk_last_error());
    f->kv = actor_lookup(f->rt, "/node/storage/kv");
    assert_int_not_equal(f->kv, ACTOR_ID_INVALID);
    f->c = client_spawn(f->rt);
}

static int setup(void **st)
{
    fx_t *f = calloc(1, sizeof *f);
    f->dir = temp_dir();
    start(f);
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    rm_rf(f->dir);
    free(f);
    return 0;
}

static reply_t kv(fx_t *f, msg_type_t type, const void *p, size_t n)
{
    return request(f->rt, f->c, f->kv, type, p, n);
}
#define KV(f, type, lit) kv(f, type, lit, sizeof lit - 1)

/* The reply is `type` with exactly the bytes of `want`. */
#define assert_exact(r, want_type, want)                                                           \
    do {                                                                                           \
        if ((r).type != (unsigned)(want_type) || (r).len != strlen(want) ||                        \
            memcmp((r).data, (want), (r).len) != 0)                                                \
            fail_msg("reply type %u payload \"%s\" (%zu bytes); expected %u \"%s\"",               \
                     (unsigned)(r).type, (r).data, (r).len, (unsigned)(want_type), (want));        \
    } while (0)

static void test_cf_put_get_delete(void **st)
{
    fx_t *f = *st;
    reply_t r = KV(f, MSG_CF_KV_PUT, "key=greeting\nvalue=hello = world\nttl=60");
    assert_exact(r, MSG_CF_OK, "");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_GET, "key=greeting");
    assert_exact(r, MSG_CF_VALUE, "hello = world");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_PUT, "ttl=0\nvalue=bye\r\nkey=greeting\n"); /* any order; \r kept */
    assert_exact(r, MSG_CF_OK, "");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_GET, "key=greeting\n");
    assert_exact(r, MSG_CF_VALUE, "bye\r");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_PUT, "key=empty"); /* no value line: "" as the original */
    assert_exact(r, MSG_CF_OK, "");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_GET, "key=empty");
    assert_exact(r, MSG_CF_VALUE, "");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_DELETE, "key=greeting");
    assert_exact(r, MSG_CF_OK, "");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_DELETE, "key=greeting"); /* a missing key: OK all the same */
    assert_exact(r, MSG_CF_OK, "");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_GET, "key=greeting");
    assert_exact(r, MSG_CF_NOT_FOUND, "");
    reply_free(&r);
}

/* Same table: MSG_CF_KV_PUT is read by MSG_KV_GET and the other way round. */
static void test_cf_and_kv_share_the_store(void **st)
{
    fx_t *f = *st;
    reply_t r = KV(f, MSG_CF_KV_PUT, "key=history/a_b\nvalue=from cf");
    assert_exact(r, MSG_CF_OK, "");
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=history/a_b");
    assert_exact(r, MSG_KV_OK, "key=history/a_b\nvalue=from cf");
    reply_free(&r);
    r = KV(f, MSG_KV_PUT, "key=native\nvalue=from kv");
    assert_int_equal(r.type, MSG_KV_OK);
    reply_free(&r);
    r = KV(f, MSG_CF_KV_GET, "key=native");
    assert_exact(r, MSG_CF_VALUE, "from kv");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_LIST, "prefix=");
    assert_exact(r, MSG_CF_KEYS, "history/a_b\nnative");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_DELETE, "key=native");
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=native");
    assert_int_equal(r.type, MSG_KV_NOT_FOUND);
    reply_free(&r);
    r = KV(f, MSG_KV_DELETE, "key=history/a_b");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_GET, "key=history/a_b");
    assert_exact(r, MSG_CF_NOT_FOUND, "");
    reply_free(&r);
}

static void put_cf(fx_t *f, const char *key, const char *value)
{
    char b[512];
    int n = snprintf(b, sizeof b, "key=%s\nvalue=%s", key, value);
    reply_t r = kv(f, MSG_CF_KV_PUT, b, (size_t)n);
    assert_exact(r, MSG_CF_OK, "");
    reply_free(&r);
}

static void test_cf_list_by_prefix(void **st)
{
    fx_t *f = *st;
    put_cf(f, "history/0000019a2b3c4d02", "ls");
    put_cf(f, "history/0000019a2b3c4d01", "self");
    put_cf(f, "historyx", "not under history/");
    put_cf(f, "app/x", "1");
    /* The shell's request; limit ignored; keys in key (= time) order, no
     * trailing newline. */
    reply_t r = KV(f, MSG_CF_KV_LIST, "prefix=history/\nlimit=1");
    assert_exact(r, MSG_CF_KEYS, "history/0000019a2b3c4d01\nhistory/0000019a2b3c4d02");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_LIST, ""); /* no prefix: every key */
    assert_exact(r, MSG_CF_KEYS,
                 "app/x\nhistory/0000019a2b3c4d01\nhistory/0000019a2b3c4d02\nhistoryx");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_LIST, "prefix=zzz");
    assert_exact(r, MSG_CF_KEYS, "");
    reply_free(&r);
    /* A key the text protocol cannot name (put with MSG_KV_PUT, over 127
     * bytes) is left out of the list, not cut. */
    char big[200];
    int h = snprintf(big, sizeof big, "key=app/");
    memset(big + h, 'k', 130);
    memcpy(big + h + 130, "\nvalue=v", 8);
    r = kv(f, MSG_KV_PUT, big, (size_t)h + 138);
    assert_int_equal(r.type, MSG_KV_OK);
    reply_free(&r);
    r = KV(f, MSG_CF_KV_LIST, "prefix=app/");
    assert_exact(r, MSG_CF_KEYS, "app/x");
    reply_free(&r);
}

/* 40 keys of 127 bytes: 32 of them (4095 bytes) fit a 4096-byte reply, the
 * 33rd does not and the listing stops there, as the original. */
static void test_cf_list_stops_at_4096_bytes(void **st)
{
    fx_t *f = *st;
    for (int i = 0; i < 40; i++) {
        char key[LOCAL_KV_KEY_MAX + 1];
        memset(key, 'k', LOCAL_KV_KEY_MAX);
        key[LOCAL_KV_KEY_MAX] = '\0';
        snprintf(key, sizeof key, "%02d", i);
        key[2] = 'k';
        put_cf(f, key, "v");
    }
    reply_t r = KV(f, MSG_CF_KV_LIST, "");
    assert_int_equal(r.type, MSG_CF_KEYS);
    assert_int_equal(r.len, 32 * LOCAL_KV_KEY_MAX + 31);
    assert_memory_equal(r.data, "00kkk", 5);
    assert_memory_equal(r.data + 31 * (LOCAL_KV_KEY_MAX + 1), "31kkk", 5);
    assert_int_not_equal(r.data[r.len - 1], '\n');
    reply_free(&r);
}

static void test_cf_value_of_4096_bytes(void **st)
{
    fx_t *f = *st;
    char req[16 + LOCAL_KV_VALUE_MAX + 2];
    int h = snprintf(req, sizeof req, "key=big\nvalue=");
    for (int i = 0; i < LOCAL_KV_VALUE_MAX; i++)
        req[h + i] = (char)('a' + i % 26);
    reply_t r = kv(f, MSG_CF_KV_PUT, req, (size_t)h + LOCAL_KV_VALUE_MAX);
    assert_exact(r, MSG_CF_OK, "");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_GET, "key=big");
    assert_int_equal(r.type, MSG_CF_VALUE);
    assert_int_equal(r.len, LOCAL_KV_VALUE_MAX);
    assert_memory_equal(r.data, req + h, LOCAL_KV_VALUE_MAX);
    reply_free(&r);
    /* One byte more is refused, and the stored value stays as it was. */
    req[h + LOCAL_KV_VALUE_MAX] = 'z';
    r = kv(f, MSG_CF_KV_PUT, req, (size_t)h + LOCAL_KV_VALUE_MAX + 1);
    assert_exact(r, MSG_CF_ERROR, "value is longer than 4096 bytes");
    reply_free(&r);
    r = KV(f, MSG_CF_KV_GET, "key=big");
    assert_int_equal(r.len, LOCAL_KV_VALUE_MAX);
    reply_free(&r);
    /* A longer value put with MSG_KV_PUT does not fit a MSG_CF_VALUE: an
     * error says so instead of cutting it; MSG_KV_GET still reads it all. */
    char *kvreq = malloc(16 + 5000);
    h = snprintf(kvreq, 16, "key=huge\nvalue=");
    memset(kvreq + h, 'h', 5000);
    r = kv(f, MSG_KV_PUT, kvreq, (size_t)h + 5000);
    assert_int_equal(r.type, MSG_KV_OK);
    reply_free(&r);
    free(kvreq);
    r = KV(f, MSG_CF_KV_GET, "key=huge");
    assert_reply(r, MSG_CF_ERROR, "value is 5000 bytes");
    assert_reply(r, MSG_CF_ERROR, "MSG_KV_GET");
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=huge");
    assert_int_equal(r.len, 15 + 5000);
    reply_free(&r);
}

static void test_cf_bad_input_is_refused_and_stores_nothing(void **st)
{
    fx_t *f = *st;
    char longkey[8 + LOCAL_KV_KEY_MAX + 1];
    memcpy(longkey, "key=", 4);
    memset(longkey + 4, 'k', LOCAL_KV_KEY_MAX + 1);
    char longprefix[8 + LOCAL_KV_KEY_MAX + 1];
    memcpy(longprefix, "prefix=", 7);
    memset(longprefix + 7, 'p', LOCAL_KV_KEY_MAX + 1);
    struct {
        msg_type_t type;
        const char *req;
        size_t len;
        msg_type_t want;
        const char *text;
    } cases[] = {
        {MSG_CF_KV_PUT, "value=x", 7, MSG_CF_ERROR, "missing key"},
        {MSG_CF_KV_PUT, "", 0, MSG_CF_ERROR, "missing key"},
        {MSG_CF_KV_PUT, "key=\nvalue=x", 12, MSG_CF_ERROR, "missing key"},
        {MSG_CF_KV_PUT, "just text", 9, MSG_CF_ERROR, "missing key"},
        {MSG_CF_KV_PUT, longkey, 4 + LOCAL_KV_KEY_MAX + 1, MSG_CF_ERROR,
         "key is longer than 127 bytes"},
        {MSG_CF_KV_PUT, "key=a\0b\nvalue=x", 15, MSG_CF_ERROR, "key contains a NUL byte"},
        {MSG_CF_KV_GET, longkey, 4 + LOCAL_KV_KEY_MAX + 1, MSG_CF_ERROR,
         "key is longer than 127 bytes"},
        {MSG_CF_KV_DELETE, "key=a\0", 6, MSG_CF_ERROR, "key contains a NUL byte"},
        {MSG_CF_KV_LIST, longprefix, 7 + LOCAL_KV_KEY_MAX + 1, MSG_CF_ERROR,
         "prefix is longer than 127 bytes"},
        /* The original's answers to a request without a key. */
        {MSG_CF_KV_GET, "", 0, MSG_CF_NOT_FOUND, ""},
        {MSG_CF_KV_DELETE, "kee=a", 5, MSG_CF_OK, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reply_t r = kv(f, cases[i].type, cases[i].req, cases[i].len);
        assert_exact(r, cases[i].want, cases[i].text);
        reply_free(&r);
    }
    /* Nothing was stored, not even a cut key, and the actor still works. */
    reply_t r = KV(f, MSG_KV_LIST, "");
    assert_string_equal(r.data, "count=0\n");
    reply_free(&r);
    put_cf(f, "after", "ok");
    r = KV(f, MSG_CF_KV_LIST, "");
    assert_exact(r, MSG_CF_KEYS, "after");
    reply_free(&r);
}

/* Requests sent back to back share one transaction; every reply, the
 * read's included, comes in request order after the commit, and the
 * writes are on disk for the next start. */
static void test_cf_puts_group_commit_in_order_and_persist(void **st)
{
    fx_t *f = *st;
    for (int i = 0; i < 5; i++) {
        char b[64];
        int n = snprintf(b, sizeof b, "key=batch/%d\nvalue=v%d", i, i);
        assert_true(mk_send_from(f->rt, f->c, f->kv, MSG_CF_KV_PUT, b, (size_t)n));
    }
    assert_true(mk_send_from(f->rt, f->c, f->kv, MSG_CF_KV_GET, "key=batch/4", 11));
    assert_true(mk_send_from(f->rt, f->c, f->kv, MSG_CF_KV_LIST, "prefix=batch/", 13));
    assert_true(pump_replies(f->rt, 7, 5000));
    for (int i = 0; i < 5; i++) {
        reply_t r = take_reply();
        assert_exact(r, MSG_CF_OK, "");
        reply_free(&r);
    }
    reply_t r = take_reply();
    assert_exact(r, MSG_CF_VALUE, "v4");
    reply_free(&r);
    r = take_reply();
    assert_exact(r, MSG_CF_KEYS, "batch/0\nbatch/1\nbatch/2\nbatch/3\nbatch/4");
    reply_free(&r);
    runtime_destroy(f->rt);
    start(f);
    r = KV(f, MSG_CF_KV_GET, "key=batch/2");
    assert_exact(r, MSG_CF_VALUE, "v2");
    reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cf_put_get_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cf_and_kv_share_the_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cf_list_by_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cf_list_stops_at_4096_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cf_value_of_4096_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cf_bad_input_is_refused_and_stores_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cf_puts_group_commit_in_order_and_persist, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
