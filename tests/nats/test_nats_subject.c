/*
 * test_nats_subject.c -- the pure half of the NATS attachment
 * (src/net/nats/nats_subject.c): path escaping (no name can add a token, a
 * wildcard or whitespace to a subject), node ids in subjects, and the
 * frame checks on what arrives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/error.h"
#include "microkernel/wire.h"
#include "net/nats/nats_internal.h"
#include "net/nats/nats_subject.h"

static void expect_subject(const char *path, const char *want)
{
    char out[MK_NATS_SUBJECT_MAX + 1];
    size_t n = mk_nats_path_subject(path, out, sizeof out);
    assert_int_equal(n, strlen(want));
    assert_string_equal(out, want);
}

static void test_plain_paths_map_to_tokens(void **state)
{
    (void)state;
    expect_subject("/a/b/c", "mk.path.a.b.c");
    expect_subject("/svc/echo-1/x_y", "mk.path.svc.echo-1.x_y");
    expect_subject("/A9", "mk.path.A9");
}

/* Every byte NATS gives a meaning to is escaped, and the escape character
 * itself, so the mapping is one-to-one. */
static void test_escaping_blocks_subject_injection(void **state)
{
    (void)state;
    expect_subject("/a.b", "mk.path.a~2Eb");
    expect_subject("/a/*", "mk.path.a.~2A");
    expect_subject("/>", "mk.path.~3E");
    expect_subject("/x y\tz", "mk.path.x~20y~09z");
    expect_subject("/a~2E", "mk.path.a~7E2E");
    expect_subject("/\xc3\xa9t\xc3\xa9", "mk.path.~C3~A9t~C3~A9");
    expect_subject("/a\r\nPUB x 1", "mk.path.a~0D~0APUB~20x~201");
    /* "/a.b" and "/a/b" stay distinct subjects */
    char s1[64], s2[64];
    assert_true(mk_nats_path_subject("/a.b", s1, sizeof s1) > 0);
    assert_true(mk_nats_path_subject("/a/b", s2, sizeof s2) > 0);
    assert_string_not_equal(s1, s2);
    /* no output byte outside [A-Za-z0-9_~.-] */
    char out[MK_NATS_SUBJECT_MAX + 1];
    char path[128] = "/";
    for (int c = 1, i = 1; c < 256 && i < 127; c++)
        if (c != '/')
            path[i++] = (char)c, path[i] = '\0';
    assert_true(mk_nats_path_subject(path, out, sizeof out) > 0);
    for (const char *p = out; *p; p++)
        assert_non_null(
            strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~.-", *p));
}

static void test_bad_paths_are_refused(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(mk_nats_path_subject("", out, sizeof out), 0);
    assert_int_equal(mk_nats_path_subject("/", out, sizeof out), 0);
    assert_int_equal(mk_nats_path_subject("a/b", out, sizeof out), 0);
    assert_int_equal(mk_nats_path_subject("/a//b", out, sizeof out), 0);
    assert_non_null(strstr(mk_last_error(), "empty component"));
    assert_int_equal(mk_nats_path_subject("/a/", out, sizeof out), 0);
    assert_int_equal(mk_nats_path_subject(NULL, out, sizeof out), 0);
    char longp[200];
    memset(longp, 'a', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = '\0';
    assert_int_equal(mk_nats_path_subject(longp, out, sizeof out), 0);
    /* fits the path limit but not a small output */
    assert_int_equal(mk_nats_path_subject("/abcdefghijklmnopqrstuvwxyz", out, 16), 0);
    assert_non_null(strstr(mk_last_error(), "does not fit"));
}

static void test_node_ids_are_strict(void **state)
{
    (void)state;
    node_id_t n = 0;
    assert_true(mk_nats_parse_node("1", 1, &n));
    assert_int_equal(n, 1);
    assert_true(mk_nats_parse_node("4294967295", 10, &n));
    assert_int_equal(n, UINT32_MAX);
    assert_false(mk_nats_parse_node("4294967296", 10, &n));
    assert_false(mk_nats_parse_node("0", 1, &n));
    assert_false(mk_nats_parse_node("07", 2, &n));
    assert_false(mk_nats_parse_node("+7", 2, &n));
    assert_false(mk_nats_parse_node("7a", 2, &n));
    assert_false(mk_nats_parse_node("", 0, &n));
    char subj[MK_NATS_NODE_SUBJECT_MAX];
    mk_nats_node_subject(UINT32_MAX, 3, subj);
    assert_string_equal(subj, "mk.node.4294967295.3");
    mk_nats_node_wildcard(12, subj);
    assert_string_equal(subj, "mk.node.12.*");
}

static size_t frame(actor_id_t src, actor_id_t dst, const char *p, unsigned char *out)
{
    message_t m = {.source = src,
                   .dest = dst,
                   .type = 7,
                   .payload = (void *)p,
                   .payload_size = p ? strlen(p) : 0};
    size_t len;
    unsigned char *b = wire_serialize_net(&m, &len);
    memcpy(out, b, len);
    free(b);
    return len;
}

static void test_decode_checks_subject_frame_and_source(void **state)
{
    (void)state;
    unsigned char buf[128];
    node_id_t src = 0;
    message_t *m = NULL;
    size_t len = frame(actor_id_make(5, 1), actor_id_make(9, 2), "hi", buf);
    const char *s = "mk.node.9.5";
    assert_int_equal(mk_nats_decode_node(s, strlen(s), 9, buf, len, &src, &m), MK_NATS_IN_OK);
    assert_int_equal(src, 5);
    assert_int_equal(m->payload_size, 2);
    message_destroy(m);
    /* wrong node in the subject, source of another node, trailing byte */
    s = "mk.node.8.5";
    assert_int_equal(mk_nats_decode_node(s, strlen(s), 9, buf, len, &src, &m),
                     MK_NATS_IN_MALFORMED);
    assert_null(m);
    s = "mk.node.9.6";
    assert_int_equal(mk_nats_decode_node(s, strlen(s), 9, buf, len, &src, &m), MK_NATS_IN_FORGED);
    assert_null(m);
    s = "mk.node.9.5";
    assert_int_equal(mk_nats_decode_node(s, strlen(s), 9, buf, len + 1, &src, &m),
                     MK_NATS_IN_MALFORMED);
    assert_int_equal(mk_nats_decode_node(s, strlen(s), 9, buf, len - 1, &src, &m),
                     MK_NATS_IN_MALFORMED);
    assert_int_equal(mk_nats_decode_node(s, strlen(s), 9, buf, 3, &src, &m), MK_NATS_IN_MALFORMED);
    /* a source of ACTOR_ID_INVALID (sent outside a behaviour) is allowed */
    len = frame(ACTOR_ID_INVALID, actor_id_make(9, 2), NULL, buf);
    assert_int_equal(mk_nats_decode_node(s, strlen(s), 9, buf, len, &src, &m), MK_NATS_IN_OK);
    message_destroy(m);
    /* path frames: header names the publisher, dest must be empty */
    len = frame(actor_id_make(5, 1), ACTOR_ID_INVALID, "p", buf);
    assert_int_equal(mk_nats_decode_path("5", 1, buf, len, &src, &m), MK_NATS_IN_OK);
    message_destroy(m);
    assert_int_equal(mk_nats_decode_path(NULL, 0, buf, len, &src, &m), MK_NATS_IN_MALFORMED);
    assert_int_equal(mk_nats_decode_path("6", 1, buf, len, &src, &m), MK_NATS_IN_FORGED);
    len = frame(actor_id_make(5, 1), actor_id_make(9, 1), "p", buf);
    assert_int_equal(mk_nats_decode_path("5", 1, buf, len, &src, &m), MK_NATS_IN_MALFORMED);
}

/* Registry keys use only JetStream's key bytes [-/_=.A-Za-z0-9]; flat
 * names and paths never collide; values parse strictly. */
static void test_registry_keys_and_values(void **state)
{
    (void)state;
    char k[MK_NATS_KEY_MAX];
    assert_true(mk_nats_name_key("svc", k, sizeof k) > 0);
    assert_string_equal(k, "n.svc");
    assert_true(mk_nats_name_key("/a/b.c", k, sizeof k) > 0);
    assert_string_equal(k, "p.a.b=2Ec");
    assert_true(mk_nats_name_key("a/b", k, sizeof k) > 0);
    assert_string_equal(k, "n.a=2Fb");
    assert_true(mk_nats_name_key("x=y *>", k, sizeof k) > 0);
    assert_string_equal(k, "n.x=3Dy=20=2A=3E");
    assert_int_equal(mk_nats_name_key("", k, sizeof k), 0);
    assert_int_equal(mk_nats_name_key("/a//b", k, sizeof k), 0);
    assert_int_equal(mk_nats_name_key("/", k, sizeof k), 0);
    char v[MK_NATS_NAME_VALUE_MAX + 1];
    actor_id_t id = actor_id_make(4294967295u, 0xfffffffeu), got = 0;
    size_t n = mk_nats_name_value(id, v);
    assert_string_equal(v, "4294967295 fffffffffffffffe");
    assert_int_equal(n, MK_NATS_NAME_VALUE_MAX);
    assert_true(mk_nats_parse_name_value(v, n, &got));
    assert_int_equal(got, id);
    const char *bad[] = {"",
                         "5",
                         "5 ",
                         "5 000000050000000",
                         "5 0000000500000001x",
                         "6 0000000500000001",
                         "05 0000000500000001",
                         "5 00000005000000g1",
                         "5  000000050000001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(mk_nats_parse_name_value(bad[i], strlen(bad[i]), &got));
    assert_true(mk_nats_parse_name_value("5 0000000500000001", 18, &got));
    assert_int_equal(got, actor_id_make(5, 1));
}

/* Storage-tier keys: any bytes become one bucket token and come back
 * unchanged; decoding refuses every other spelling (keys written by other
 * nodes are outside input). */
static void test_storage_keys_roundtrip_and_refuse_malformed(void **state)
{
    (void)state;
    char enc[64], dec[32];
    static const char key[] = "a.b/*> x=\x00\xff_-Z9";
    size_t klen = sizeof key - 1;
    size_t n = mk_nats_kv_key_encode(key, klen, enc, sizeof enc);
    assert_string_equal(enc, "a=2Eb=2F=2A=3E=20x=3D=00=FF_-Z9");
    assert_int_equal(n, strlen(enc));
    assert_int_equal(mk_nats_kv_key_decode(enc, n, dec, sizeof dec), klen);
    assert_memory_equal(dec, key, klen);
    assert_int_equal(mk_nats_kv_key_encode(key, klen, enc, 8), 0); /* does not fit */
    assert_int_equal(mk_nats_kv_key_encode("", 0, enc, sizeof enc), 0);
    static const char *const bad[] = {"a.b", "=2", "=2e", "=41", "=G0", "a b", "x=", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (mk_nats_kv_key_decode(bad[i], strlen(bad[i]), dec, sizeof dec) != 0)
            fail_msg("\"%s\" decoded", bad[i]);
    assert_int_equal(mk_nats_kv_key_decode("abcd", 4, dec, 4), 0); /* too long for out */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_paths_map_to_tokens),
        cmocka_unit_test(test_escaping_blocks_subject_injection),
        cmocka_unit_test(test_bad_paths_are_refused),
        cmocka_unit_test(test_node_ids_are_strict),
        cmocka_unit_test(test_decode_checks_subject_frame_and_source),
        cmocka_unit_test(test_registry_keys_and_values),
        cmocka_unit_test(test_storage_keys_roundtrip_and_refuse_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
