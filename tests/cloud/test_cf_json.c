/*
 * test_cf_json.c -- the pure translation of cf_proxy (src/cloud/cf_json.c):
 * the exact request bytes of compat/cloud.md §1.5 (key order, escaping),
 * replies of §1.7 unescaped, and malformed input refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cloud/cf_json.h"
#include "microkernel/cf_proxy.h"

static void expect_json(uint32_t type, const char *payload, uint64_t id, const char *want)
{
    const char *err = NULL;
    char *s = cf_json_request(type, payload, strlen(payload), id, &err);
    if (!s)
        fail_msg("cf_json_request(%s): %s", payload, err);
    if (strcmp(s, want) != 0)
        fail_msg("got  %s\nwant %s", s, want);
    free(s);
}

static void expect_refused(uint32_t type, const char *payload, size_t len, const char *reason)
{
    const char *err = NULL;
    char *s = cf_json_request(type, payload, len, 1, &err);
    if (s)
        fail_msg("accepted: %s", s);
    assert_non_null(err);
    if (!strstr(err, reason))
        fail_msg("reason \"%s\", expected \"%s\"", err, reason);
}

static void test_request_bytes_in_the_original_key_order(void **state)
{
    (void)state;
    expect_json(
        MSG_CF_KV_PUT, "key=mykey\nvalue=hello\nttl=0", 1,
        "{\"req_id\":1,\"type\":\"kv_put\",\"key\":\"mykey\",\"value\":\"hello\",\"ttl\":0}");
    expect_json(MSG_CF_KV_GET, "key=k", 2, "{\"req_id\":2,\"type\":\"kv_get\",\"key\":\"k\"}");
    expect_json(MSG_CF_KV_DELETE, "key=k", 3,
                "{\"req_id\":3,\"type\":\"kv_delete\",\"key\":\"k\"}");
    expect_json(MSG_CF_KV_LIST, "prefix=history/\nlimit=50", 4,
                "{\"req_id\":4,\"type\":\"kv_list\",\"prefix\":\"history/\",\"limit\":50}");
    expect_json(MSG_CF_DB_QUERY, "sql=SELECT * FROM t WHERE id=?\np=42", 5,
                "{\"req_id\":5,\"type\":\"db_query\",\"sql\":\"SELECT * FROM t WHERE "
                "id=?\",\"params\":[\"42\"]}");
    expect_json(MSG_CF_DB_EXEC, "sql=DELETE FROM t", 6,
                "{\"req_id\":6,\"type\":\"db_exec\",\"sql\":\"DELETE FROM t\",\"params\":[]}");
    expect_json(MSG_CF_QUEUE_PUSH, "body=payload text\ndelay=0", 7,
                "{\"req_id\":7,\"type\":\"queue_push\",\"body\":\"payload "
                "text\",\"delay_seconds\":0}");
    expect_json(MSG_CF_AI_INFER, "model=@cf/meta/llama-3.1-8b-instruct\nprompt=hello", 8,
                "{\"req_id\":8,\"type\":\"ai_infer\",\"model\":\"@cf/meta/"
                "llama-3.1-8b-instruct\",\"prompt\":\"hello\"}");
    expect_json(MSG_CF_AI_EMBED, "model=\ntext=hello world", 9,
                "{\"req_id\":9,\"type\":\"ai_embed\",\"text\":\"hello world\"}");
}

static void test_request_escapes_quotes_backslashes_controls(void **state)
{
    (void)state;
    expect_json(MSG_CF_KV_PUT, "key=a\"b\\c\nvalue=\t\x01é", 10,
                "{\"req_id\":10,\"type\":\"kv_put\",\"key\":\"a\\\"b\\\\c\",\"value\":"
                "\"\\t\\u0001é\"}");
}

static void test_request_malformed_refused_with_reason(void **state)
{
    (void)state;
    expect_refused(MSG_CF_KV_GET, "nokey=1", 7, "missing key");
    expect_refused(MSG_CF_KV_PUT, "key=k", 5, "missing value");
    expect_refused(MSG_CF_KV_GET, "key=", 4, "key must be 1..512 bytes");
    expect_refused(MSG_CF_KV_PUT, "key=k\nvalue=v\nttl=ten", 21, "decimal");
    expect_refused(MSG_CF_KV_PUT, "key=k\nvalue=\xc3", 13, "not valid UTF-8");
    expect_refused(MSG_CF_KV_PUT, "key=k\nvalue=a\0b", 15, "NUL");
    expect_refused(MSG_CF_DB_QUERY, "p=1", 3, "missing sql");
    expect_refused(309, "", 0, "unknown request type");
    char key[600] = "key=";
    memset(key + 4, 'k', 513);
    expect_refused(MSG_CF_KV_GET, key, 517, "key must be 1..512 bytes");
}

static cf_reply_t parse_ok(const char *frame)
{
    cf_reply_t r;
    const char *err;
    if (!cf_json_reply(frame, strlen(frame), &r, &err))
        fail_msg("refused %s: %s", frame, err);
    return r;
}

static void test_reply_kinds_and_unescaping(void **state)
{
    (void)state;
    cf_reply_t r =
        parse_ok("{\"req_id\":3,\"type\":\"value\",\"value\":\"a\\n\\\"b\\\" \\u00e9\"}");
    assert_int_equal(r.kind, CF_REPLY_VALUE);
    assert_true(r.has_req_id);
    assert_int_equal(r.req_id, 3);
    assert_string_equal(r.data, "a\n\"b\" é");
    cf_reply_free(&r);
    r = parse_ok("{\"req_id\":4,\"type\":\"keys\",\"keys\":[\"a\",\"b/c\",5]}");
    assert_int_equal(r.kind, CF_REPLY_KEYS);
    assert_string_equal(r.data, "a\nb/c\n");
    assert_int_equal(r.n_keys, 2);
    cf_reply_free(&r);
    r = parse_ok("{\"req_id\":5,\"type\":\"db_exec_ok\",\"rows_affected\":12}");
    assert_int_equal(r.kind, CF_REPLY_OK);
    assert_string_equal(r.data, "12");
    cf_reply_free(&r);
    r = parse_ok("{\"req_id\":6,\"type\":\"db_query_ok\",\"rows\":[{\"a\":\"]\"}]}");
    assert_int_equal(r.kind, CF_REPLY_ROWS);
    assert_string_equal(r.data, "[{\"a\":\"]\"}]");
    cf_reply_free(&r);
    r = parse_ok("{\"req_id\":7,\"type\":\"ai_embed_ok\"}");
    assert_int_equal(r.kind, CF_REPLY_ERROR);
    assert_string_equal(r.data, "no embedding");
    cf_reply_free(&r);
    r = parse_ok("{\"type\":\"error\",\"message\":\"auth failed\"}");
    assert_int_equal(r.kind, CF_REPLY_ERROR);
    assert_false(r.has_req_id);
    assert_string_equal(r.data, "auth failed");
    cf_reply_free(&r);
    r = parse_ok("{\"req_id\":8,\"type\":\"kv_not_found\"}");
    assert_int_equal(r.kind, CF_REPLY_NOT_FOUND);
    cf_reply_free(&r);
    r = parse_ok("{\"type\":\"auth_ok\",\"tenant\":\"n\"}");
    assert_int_equal(r.kind, CF_REPLY_AUTH_OK);
    cf_reply_free(&r);
    r = parse_ok("{\"req_id\":9,\"type\":\"whatever\"}");
    assert_int_equal(r.kind, CF_REPLY_IGNORE);
    cf_reply_free(&r);
}

static void test_reply_malformed_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "{", "[]", "1", "null", "{\"type\":5}", "{\"req_id\":1}", "{\"type\":\"ok\"", "\"ok\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cf_reply_t r;
        const char *err = NULL;
        if (cf_json_reply(bad[i], strlen(bad[i]), &r, &err))
            fail_msg("accepted \"%s\"", bad[i]);
        assert_non_null(err);
    }
    /* Bounded by len: bytes after it are not read. */
    cf_reply_t r;
    const char *err;
    assert_true(cf_json_reply("{\"type\":\"ping\"}garbage", 15, &r, &err));
    assert_int_equal(r.kind, CF_REPLY_PING);
}

static void test_field_first_line_wins(void **state)
{
    (void)state;
    const char *v;
    size_t n;
    static const char p[] = "xkey=1\nkey=a=b\nkey=2";
    assert_true(cf_field(p, sizeof p - 1, "key", &v, &n));
    assert_int_equal(n, 3);
    assert_memory_equal(v, "a=b", 3);
    assert_false(cf_field(p, sizeof p - 1, "ke", &v, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes_in_the_original_key_order),
        cmocka_unit_test(test_request_escapes_quotes_backslashes_controls),
        cmocka_unit_test(test_request_malformed_refused_with_reason),
        cmocka_unit_test(test_reply_kinds_and_unescaping),
        cmocka_unit_test(test_reply_malformed_refused),
        cmocka_unit_test(test_field_first_line_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
