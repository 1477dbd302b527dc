/* test_namespace.c -- the hierarchical namespace (src/services/namespace.c,
 * ns_path.c, ns_table.c) and node identity (node_info.c): path rules, paths
 * through the seed registry calls, listing, removal with the actor, service
 * resolution, the standard paths, and flat names left intact. The ns
 * actor's protocol is in test_namespace_proto.c, path sync in
 * test_namespace_sync.c. */
#include "svc_test_util.h"

static bool sink(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)msg;
    if (state)
        (*(int *)state)++;
    return true;
}

static void test_path_rules(void **st)
{
    (void)st;
    struct {
        const char *p;
        ns_path_error_t want;
    } cases[] = {
        {"/node/storage/kv", NS_PATH_OK},
        {"/a", NS_PATH_OK},
        {"/a/.../b", NS_PATH_OK},
        {"/sys/mount-listen", NS_PATH_OK},
        {"", NS_PATH_EMPTY},
        {"node/x", NS_PATH_NO_SLASH},
        {"/a//b", NS_PATH_EMPTY_SEGMENT},
        {"/a/", NS_PATH_EMPTY_SEGMENT},
        {"/a/../b", NS_PATH_DOT_SEGMENT},
        {"/..", NS_PATH_DOT_SEGMENT},
        {"/a/.", NS_PATH_DOT_SEGMENT},
        {"/a b", NS_PATH_BAD_BYTE},
        {"/a\\b", NS_PATH_BAD_BYTE},
        {"/a\nb", NS_PATH_BAD_BYTE},
        {"/caf\xc3\xa9", NS_PATH_BAD_BYTE},
        {"/", NS_PATH_ROOT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ns_path_error_t got = ns_path_check(cases[i].p, strlen(cases[i].p), false);
        if (got != cases[i].want)
            fail_msg("ns_path_check(\"%s\") = %d (%s), expected %d", cases[i].p, got,
                     ns_path_strerror(got), cases[i].want);
    }
    assert_int_equal(ns_path_check("/", 1, true), NS_PATH_OK);
    /* NS_PATH_MAX (128) is the buffer: 127 bytes and the NUL. */
    char longp[NS_PATH_MAX + 2];
    memset(longp, 'a', sizeof longp);
    longp[0] = '/';
    assert_int_equal(ns_path_check(longp, NS_PATH_MAX - 1, false), NS_PATH_OK);
    assert_int_equal(ns_path_check(longp, NS_PATH_MAX, false), NS_PATH_TOO_LONG);
    assert_int_equal(ns_path_check(NULL, 0, false), NS_PATH_EMPTY);
    /* A NUL inside the length is a bad byte, not the end. */
    assert_int_equal(ns_path_check("/a\0b", 4, false), NS_PATH_BAD_BYTE);
}

static void test_paths_through_registry(void **st)
{
    (void)st;
    runtime_t *rt = runtime_init(1, 32);
    assert_true(ns_install(rt));
    actor_id_t a = actor_spawn(rt, sink, NULL, NULL, 16);
    actor_id_t b = actor_spawn(rt, sink, NULL, NULL, 16);
    assert_true(actor_register_name(rt, "/node/storage/kv", a));
    assert_true(actor_register_name(rt, "/node/hardware/led", b));
    assert_true(actor_register_name(rt, "/sys/thing", a));
    assert_int_equal(actor_lookup(rt, "/node/storage/kv"), a);
    assert_int_equal(actor_lookup(rt, "/node/hardware/led"), b);

    /* Duplicates and bad paths are refused with a reason. */
    assert_false(actor_register_name(rt, "/node/storage/kv", b));
    assert_error_mentions("already registered");
    assert_false(actor_register_name(rt, "/node/../etc", a));
    assert_error_mentions("'..'");
    assert_false(actor_register_name(rt, "/node//x", a));
    assert_error_mentions("empty segment");
    assert_false(actor_register_name(rt, "/x", actor_id_make(1, 999)));
    assert_error_mentions("no live actor");
    assert_int_equal(actor_lookup(rt, "/no/such"), ACTOR_ID_INVALID);
    assert_error_mentions("not registered");
    assert_int_equal(actor_lookup(rt, "/bad//path"), ACTOR_ID_INVALID);
    assert_error_mentions("empty segment");

    /* Paths longer than 63 characters work (flat names cannot), up to 127. */
    char longp[NS_PATH_MAX];
    memset(longp, 'p', NS_PATH_MAX - 1);
    longp[0] = '/';
    longp[NS_PATH_MAX - 1] = '\0';
    assert_true(actor_register_name(rt, longp, b));
    assert_int_equal(actor_lookup(rt, longp), b);
    char toolong[NS_PATH_MAX + 1];
    memset(toolong, 'q', NS_PATH_MAX);
    toolong[0] = '/';
    toolong[NS_PATH_MAX] = '\0';
    assert_false(actor_register_name(rt, toolong, b));
    assert_error_mentions("longer than");

    /* Flat names keep the seed's rules alongside. */
    assert_true(actor_register_name(rt, "kv", a));
    assert_false(actor_register_name(rt, "kv", b));
    char flat64[65];
    memset(flat64, 'f', 64);
    flat64[64] = '\0';
    assert_false(actor_register_name(rt, flat64, a));
    assert_int_equal(actor_lookup(rt, "kv"), a);

    /* Sends by path, unregistering, and removal when the actor stops. */
    assert_true(actor_send_named(rt, "/node/hardware/led", 7, "x", 1));
    assert_true(actor_unregister_name(rt, "/sys/thing"));
    assert_false(actor_unregister_name(rt, "/sys/thing"));
    assert_int_equal(actor_lookup(rt, "/sys/thing"), ACTOR_ID_INVALID);
    actor_stop(rt, a);
    assert_int_equal(actor_lookup(rt, "/node/storage/kv"), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "kv"), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "/node/hardware/led"), b);
    runtime_destroy(rt);
}

static void test_listing(void **st)
{
    (void)st;
    runtime_t *rt = runtime_init(1, 32);
    assert_true(ns_install(rt));
    actor_id_t a = actor_spawn(rt, sink, NULL, NULL, 16);
    const char *paths[] = {"/node/storage/kv", "/node/storage/db", "/node/hardware/gpio",
                           "/nodes/other",     "/sys/ns",          "/node"};
    for (size_t i = 0; i < 6; i++)
        assert_true(actor_register_name(rt, paths[i], a));
    ns_entry_t e[16];
    size_t n = ns_list(rt, "/node", e, 16);
    assert_int_equal(n, 4);
    assert_string_equal(e[0].path, "/node");
    assert_string_equal(e[1].path, "/node/hardware/gpio");
    assert_string_equal(e[2].path, "/node/storage/db");
    assert_string_equal(e[3].path, "/node/storage/kv");
    assert_int_equal(e[3].id, a);
    assert_int_equal(e[3].origin, 1);
    assert_int_equal(ns_list(rt, "/node/storage", e, 1), 2); /* count beyond max */
    assert_string_equal(e[0].path, "/node/storage/db");
    assert_int_equal(ns_list(rt, "/", NULL, 0), 6);
    assert_int_equal(ns_list(rt, NULL, NULL, 0), 6);
    assert_int_equal(ns_count(rt), 6);
    assert_int_equal(ns_list(rt, "node", e, 16), 0);
    assert_error_mentions("does not start with '/'");
    assert_int_equal(ns_list(rt, "/no", e, 16), 0);
    runtime_destroy(rt);
}

static void test_many_paths(void **st)
{
    (void)st;
    runtime_t *rt = runtime_init(1, 32);
    assert_true(ns_install(rt));
    actor_id_t a = actor_spawn(rt, sink, NULL, NULL, 16);
    actor_id_t b = actor_spawn(rt, sink, NULL, NULL, 16);
    char p[64];
    for (int i = 0; i < NS_MAX_PATHS; i++) {
        snprintf(p, sizeof p, "/bulk/%d", i);
        if (!actor_register_name(rt, p, i % 2 ? a : b))
            fail_msg("register %s: %s", p, mk_last_error());
    }
    assert_false(actor_register_name(rt, "/one/more", a));
    assert_error_mentions("all 1024 paths are in use");
    actor_stop(rt, a); /* removes every odd path: the hash table must stay consistent */
    for (int i = 0; i < NS_MAX_PATHS; i++) {
        snprintf(p, sizeof p, "/bulk/%d", i);
        actor_id_t want = i % 2 ? ACTOR_ID_INVALID : b;
        if (actor_lookup(rt, p) != want)
            fail_msg("after removal, %s resolves to 0x%llx", p,
                     (unsigned long long)actor_lookup(rt, p));
    }
    assert_int_equal(ns_count(rt), NS_MAX_PATHS / 2);
    runtime_destroy(rt);
}

static void test_service_resolution(void **st)
{
    (void)st;
    runtime_t *rt = runtime_init(1, 32);
    assert_true(ns_install(rt));
    assert_int_equal(actor_lookup(rt, "/node/storage/kv"), ACTOR_ID_INVALID);
    assert_error_mentions("no provider for /node/storage/kv");
    assert_error_mentions("no cloud provider is configured");
    actor_id_t cloud = actor_spawn(rt, sink, NULL, NULL, 16);
    assert_true(ns_set_cloud_provider(rt, cloud));
    assert_int_equal(actor_lookup(rt, "/node/ai/infer"), cloud);
    assert_int_equal(actor_lookup(rt, "/sys/other"), ACTOR_ID_INVALID); /* only /node/ */
    actor_id_t local = actor_spawn(rt, sink, NULL, NULL, 16);
    assert_true(actor_register_name(rt, "/node/ai/infer", local));
    assert_int_equal(actor_lookup(rt, "/node/ai/infer"), local); /* local beats cloud */
    assert_int_equal(ns_lookup_exact(rt, "/node/queue/default"), ACTOR_ID_INVALID);
    runtime_destroy(rt);
}

static void test_install_moves_earlier_paths(void **st)
{
    (void)st;
    runtime_t *rt = runtime_init(1, 32);
    actor_id_t a = actor_spawn(rt, sink, NULL, NULL, 16);
    assert_true(actor_register_name(rt, "/early/path", a)); /* flat, before install */
    assert_true(actor_register_name(rt, "flat", a));
    assert_true(ns_install(rt));
    assert_true(ns_install(rt)); /* idempotent */
    assert_int_equal(actor_lookup(rt, "/early/path"), a);
    assert_int_equal(ns_count(rt), 1);
    assert_int_equal(actor_lookup(rt, "flat"), a);
    runtime_destroy(rt);
}

static void test_services_start_registers_the_standard_paths(void **st)
{
    (void)st;
    char *dir = temp_dir();
    runtime_t *rt = runtime_init(1, 32);
    services_config_t cfg = {.data_dir = dir, .no_mount_listen = true, .node_name = "alpha"};
    assert_true(services_start(rt, &cfg));
    assert_false(services_start(rt, &cfg));
    assert_error_mentions("already started");
    actor_id_t ns = actor_lookup(rt, "ns");
    assert_int_not_equal(ns, ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "/sys/ns"), ns);
    assert_int_equal(actor_lookup(rt, "/node/alpha"), ns);
    assert_int_not_equal(actor_lookup(rt, "/sys/mount-listen"), ACTOR_ID_INVALID);
    assert_int_not_equal(actor_lookup(rt, "/node/alpha/caps"), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "/sys/caps"), actor_lookup(rt, "/node/alpha/caps"));
    assert_int_equal(actor_lookup(rt, "/node/storage/kv"), actor_lookup(rt, "local_kv"));
    assert_int_equal(actor_lookup(rt, "/node/storage/db"), actor_lookup(rt, "local_kv"));
    runtime_destroy(rt);
    rm_rf(dir);
}

static void test_node_identity(void **st)
{
    (void)st;
    runtime_t *rt = runtime_init(7, 8);
    node_info_t in;
    assert_true(node_info_get(rt, &in));
    assert_int_equal(in.id, 7);
    assert_string_equal(in.name, mk_node_identity()); /* the identity by default */
    assert_non_null(strstr(in.platform, "linux-"));
    assert_true(strlen(in.version) >= 5);
    assert_true(node_set_name(rt, "edge-01"));
    assert_true(node_info_get(rt, &in));
    assert_string_equal(in.name, "edge-01");
    assert_false(node_set_name(rt, "has space"));
    assert_error_mentions("[A-Za-z0-9._-]");
    assert_false(node_set_name(rt, ".."));
    assert_false(node_set_name(rt, ""));
    assert_false(node_set_name(rt, "a/b"));
    assert_true(node_info_get(rt, &in));
    assert_string_equal(in.name, "edge-01");
    assert_false(node_info_get(NULL, &in));
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_rules),
        cmocka_unit_test(test_paths_through_registry),
        cmocka_unit_test(test_listing),
        cmocka_unit_test(test_many_paths),
        cmocka_unit_test(test_service_resolution),
        cmocka_unit_test(test_install_moves_earlier_paths),
        cmocka_unit_test(test_services_start_registers_the_standard_paths),
        cmocka_unit_test(test_node_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
