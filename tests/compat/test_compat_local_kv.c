/*
 * test_compat_local_kv.c -- the original's local KV (compat/services.md
 * sections 1-2): the key=value rule, key -> file name encoding, and the
 * MSG_CF_KV_* replies of local_kv_init's actor on a real directory.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "microkernel/local_kv.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"

static void text_rule(void **s)
{
    (void)s;
    char out[8];
    const char *p = "xkey=no\nkey=abc\r\nkey=second\nvalue=";
    assert_int_equal(local_kv_text_get(p, strlen(p), "key", out, sizeof out), 4);
    assert_string_equal(out, "abc\r"); /* first match, \r kept */
    assert_int_equal(local_kv_text_get(p, strlen(p), "value", out, sizeof out), 0);
    assert_int_equal(local_kv_text_get(p, strlen(p), "missing", out, sizeof out), 0);
    assert_string_equal(out, "");
    const char *l = "key=0123456789";
    assert_int_equal(local_kv_text_get(l, strlen(l), "key", out, sizeof out), 7); /* cut */
    assert_int_equal(local_kv_text_get("key", 3, "key", out, sizeof out), 0);     /* no '=' */
    assert_int_equal(local_kv_text_get("key=ab", 5, "key", out, sizeof out), 1);  /* len bounds */
    assert_string_equal(out, "a");
}

static void key_encoding(void **s)
{
    (void)s;
    char enc[128], dec[128];
    local_kv_encode_key("history/user_1", enc, sizeof enc);
    assert_string_equal(enc, "history__user_u1");
    local_kv_decode_key(enc, dec, sizeof dec);
    assert_string_equal(dec, "history/user_1");
    assert_int_equal(local_kv_encode_key("a_b", enc, 3), 1); /* a pair is never split */
    assert_string_equal(enc, "a");
}

typedef struct {
    msg_type_t type[16];
    char text[16][4200];
    size_t size[16];
    int n;
} replies_t;

static bool collector(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    (void)rt;
    (void)self;
    replies_t *r = st;
    if (r->n < 16) {
        r->type[r->n] = msg->type;
        r->size[r->n] = msg->payload_size;
        memcpy(r->text[r->n], msg->payload ? msg->payload : "", msg->payload_size);
        r->text[r->n][msg->payload_size] = '\0';
        r->n++;
    }
    return true;
}

static bool sender(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    (void)self;
    (void)st;
    /* payload: dest (8 bytes) + type (4) + text */
    actor_id_t dest;
    msg_type_t type;
    memcpy(&dest, msg->payload, 8);
    memcpy(&type, (char *)msg->payload + 8, 4);
    actor_send(rt, dest, type, (char *)msg->payload + 12, msg->payload_size - 12);
    return true;
}

/* Send `text` as `type` to the KV from the collector-facing sender, so the
 * reply lands in the collector (sender forwards from its own ID: use the
 * collector as the sender instead). */
static void request(runtime_t *rt, actor_id_t via, actor_id_t kv, msg_type_t type, const char *text)
{
    char buf[512];
    memcpy(buf, &kv, 8);
    memcpy(buf + 8, &type, 4);
    size_t n = strlen(text);
    memcpy(buf + 12, text, n);
    assert_true(actor_send(rt, via, 1, buf, 12 + n));
    runtime_run(rt);
}

static replies_t r;

static bool client(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    if (msg->type == 1)
        return sender(rt, self, msg, st);
    return collector(rt, self, msg, &r);
}

static void kv_protocol(void **s)
{
    (void)s;
    char dir[] = "/tmp/mk_lkv_XXXXXX";
    assert_non_null(mkdtemp(dir));
    runtime_t *rt = runtime_init(1, 8);
    local_kv_config_t cfg = {{0}};
    snprintf(cfg.base_path, sizeof cfg.base_path, "%s/kv", dir);
    actor_id_t kv = local_kv_init(rt, &cfg);
    assert_int_not_equal(kv, ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "/node/local/storage/kv"), kv);
    assert_int_equal(actor_lookup(rt, "/node/storage/kv"), kv);
    memset(&r, 0, sizeof r);
    actor_id_t c = actor_spawn(rt, client, NULL, NULL, 16);

    request(rt, c, kv, MSG_CF_KV_PUT, "key=history/u_1\nvalue=ls -l\nttl=60");
    request(rt, c, kv, MSG_CF_KV_PUT, "value=x");
    request(rt, c, kv, MSG_CF_KV_GET, "key=history/u_1");
    request(rt, c, kv, MSG_CF_KV_GET, "key=nope");
    request(rt, c, kv, MSG_CF_KV_PUT, "key=other\nvalue=");
    request(rt, c, kv, MSG_CF_KV_LIST, "prefix=history/\nlimit=1");
    request(rt, c, kv, MSG_CF_KV_DELETE, "key=history/u_1");
    request(rt, c, kv, MSG_CF_KV_DELETE, "key=history/u_1");
    request(rt, c, kv, MSG_CF_KV_GET, "key=history/u_1");
    request(rt, c, kv, 999, "key=x"); /* ignored: no reply */
    request(rt, c, kv, MSG_CF_KV_LIST, "");
    assert_int_equal(r.n, 10);
    assert_int_equal(r.type[0], MSG_CF_OK);
    assert_int_equal(r.size[0], 0);
    assert_int_equal(r.type[1], MSG_CF_ERROR);
    assert_string_equal(r.text[1], "missing key");
    assert_int_equal(r.type[2], MSG_CF_VALUE);
    assert_string_equal(r.text[2], "ls -l");
    assert_int_equal(r.size[2], 5); /* no NUL stored */
    assert_int_equal(r.type[3], MSG_CF_NOT_FOUND);
    assert_int_equal(r.type[4], MSG_CF_OK);
    assert_int_equal(r.type[5], MSG_CF_KEYS);
    assert_string_equal(r.text[5], "history/u_1"); /* no trailing newline */
    assert_int_equal(r.type[6], MSG_CF_OK);
    assert_int_equal(r.type[7], MSG_CF_OK); /* deleting again is OK too */
    assert_int_equal(r.type[8], MSG_CF_NOT_FOUND);
    assert_int_equal(r.type[9], MSG_CF_KEYS);
    assert_string_equal(r.text[9], "other");

    char file[128];
    snprintf(file, sizeof file, "%s/other", cfg.base_path);
    assert_int_equal(access(file, F_OK), 0);
    runtime_destroy(rt);
    unlink(file);
    rmdir(cfg.base_path);
    rmdir(dir);
}

/* A second store finds /node/storage/kv taken and keeps only its own path. */
static void short_path_only_if_free(void **s)
{
    (void)s;
    char dir[] = "/tmp/mk_lkv_XXXXXX";
    assert_non_null(mkdtemp(dir));
    runtime_t *rt = runtime_init(1, 8);
    local_kv_config_t cfg = {{0}};
    snprintf(cfg.base_path, sizeof cfg.base_path, "%s", dir);
    actor_id_t holder = actor_spawn(rt, collector, &r, NULL, 4);
    assert_true(actor_register_name(rt, "/node/storage/kv", holder));
    actor_id_t kv = local_kv_init(rt, &cfg);
    assert_int_not_equal(kv, ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "/node/storage/kv"), holder);
    assert_int_equal(actor_lookup(rt, "/node/local/storage/kv"), kv);
    assert_int_equal(local_kv_init(NULL, &cfg), ACTOR_ID_INVALID);
    runtime_destroy(rt);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_rule),
        cmocka_unit_test(key_encoding),
        cmocka_unit_test(kv_protocol),
        cmocka_unit_test(short_path_only_if_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
