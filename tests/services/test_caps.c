/* test_caps.c -- the capabilities actor (src/services/caps.c) in the
 * original's format (../shared/compat/wire-and-mount.md §6): the exact
 * nine text lines, no NUL, at "/node/<identity>/caps" (and our "/sys/caps"
 * alias), other types ignored, and caps_actor_init's requirements. The
 * reply across two nodes is in test_namespace_sync.c. */
#include "svc_test_util.h"

/* The line `key=` at the start of *p: its value (to the newline), and *p
 * moved past it; fails the test when the line is not there. */
static const char *line(char **p, const char *key, char *val, size_t cap)
{
    size_t kl = strlen(key);
    if (strncmp(*p, key, kl) != 0 || (*p)[kl] != '=')
        fail_msg("expected a line \"%s=\" at \"%.40s\"", key, *p);
    char *nl = strchr(*p, '\n');
    assert_non_null(nl);
    size_t vl = (size_t)(nl - (*p + kl + 1));
    assert_true(vl < cap);
    memcpy(val, *p + kl + 1, vl);
    val[vl] = '\0';
    *p = nl + 1;
    return val;
}

static bool is_bool(const char *v)
{
    return strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
}

static void test_caps_reply_is_the_nine_lines_in_order(void **st)
{
    (void)st;
    char *dir = temp_dir();
    runtime_t *rt = runtime_init(3, 64);
    services_config_t cfg = {.data_dir = dir, .no_mount_listen = true, .node_name = "capper"};
    assert_true(services_start(rt, &cfg));
    actor_id_t c = client_spawn(rt);
    actor_id_t caps = actor_lookup(rt, "/node/capper/caps");
    assert_int_not_equal(caps, ACTOR_ID_INVALID);
    reply_t r = request(rt, c, caps, MSG_CAPS_REQUEST, NULL, 0);
    assert_int_equal(r.type, MSG_CAPS_REPLY);
    assert_int_equal(r.source, caps);
    assert_null(memchr(r.data, '\0', r.len)); /* no terminating NUL */
    assert_int_equal(r.data[r.len - 1], '\n');
    char *p = r.data, v[64];
    assert_string_equal(line(&p, "platform", v, sizeof v), "linux");
    assert_string_equal(line(&p, "identity", v, sizeof v), "capper");
    assert_string_equal(line(&p, "node_id", v, sizeof v), "3");
    assert_true(is_bool(line(&p, "wasm", v, sizeof v)));
    assert_true(is_bool(line(&p, "tls", v, sizeof v)));
    assert_string_equal(line(&p, "http", v, sizeof v), "true");
    assert_string_equal(line(&p, "max_actors", v, sizeof v), "64");
    /* ns, caps, mount listener, local KV and the client at least. */
    size_t count = (size_t)atoi(line(&p, "actor_count", v, sizeof v));
    assert_int_equal(count, runtime_actor_count(rt));
    assert_true(count >= 5);
    assert_string_equal(line(&p, "transports", v, sizeof v), "0");
    assert_int_equal(*p, '\0'); /* nothing after the ninth line */

    /* services_caps_text gives the same bytes; "/sys/caps" is the same actor. */
    char text[512];
    size_t n = services_caps_text(rt, text, sizeof text);
    assert_int_equal(n, r.len);
    assert_memory_equal(text, r.data, n);
    assert_int_equal(services_caps_text(rt, text, 10), 0); /* does not fit */
    assert_int_equal(actor_lookup(rt, "/sys/caps"), caps);
    reply_free(&r);

    /* A payload is ignored; other types get no reply. */
    r = request(rt, c, caps, MSG_CAPS_REQUEST, "junk", 4);
    assert_int_equal(r.type, MSG_CAPS_REPLY);
    reply_free(&r);
    assert_true(mk_send_from(rt, c, caps, MSG_CAPS_REPLY, "x", 1));
    assert_true(mk_send_from(rt, c, caps, 7, "x", 1));
    pump_for(rt, 20);
    assert_int_equal(g_replies.tail - g_replies.head, 0);
    runtime_destroy(rt);
    rm_rf(dir);
}

static void test_caps_actor_init_needs_the_namespace(void **st)
{
    (void)st;
    runtime_t *rt = runtime_init(4, 16);
    assert_int_equal(caps_actor_init(rt), ACTOR_ID_INVALID);
    assert_error_mentions("namespace");
    assert_true(node_set_name(rt, "solo"));
    assert_int_not_equal(ns_actor_init(rt), ACTOR_ID_INVALID);
    actor_id_t caps = caps_actor_init(rt);
    assert_int_not_equal(caps, ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "/node/solo/caps"), caps);
    assert_int_equal(actor_lookup(rt, "/sys/caps"), ACTOR_ID_INVALID); /* our alias only */
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps_reply_is_the_nine_lines_in_order),
        cmocka_unit_test(test_caps_actor_init_needs_the_namespace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
