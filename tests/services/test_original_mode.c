/* test_original_mode.c -- issue 14, "Done when": two of our nodes, one in
 * original-protocol mode (services_config_t.mount_original: the 40-byte
 * hello without our extension, no authentication, no extension frames on
 * the link), mount each other in both directions and exchange flat names,
 * namespace paths (at mount and broadcast later), caps and messages, each
 * way. The original-mode node runs as a separate process (svc_test_node
 * --original 1 --interop a); this process is node 1 "a", started with
 * --insecure as the original's peers require (docs/security.md). Everything
 * is checked on this side: the far node reports what it saw by sending
 * messages to our echo actor. Also the original's mount API
 * (ns_mount_listen, ns_mount_connect). The byte-level checks of original mode
 * (golden frames, no MSG_NODE_HELLO) are in tests/net. */
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "svc_test_util.h"

/* Payloads of type 200 the far node sent to our echo actor. */
static char g_seen[8][600];
static size_t g_n_seen;

static bool echo_a(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self, (void)state;
    if (msg->type == 100) {
        char buf[512];
        int n = snprintf(buf, sizeof buf, "a:%.*s", (int)msg->payload_size,
                         msg->payload ? (const char *)msg->payload : "");
        actor_send(rt, msg->source, 101, buf, (size_t)n);
    } else if (msg->type == 200 && g_n_seen < 8) {
        size_t n = msg->payload_size < 599 ? msg->payload_size : 599;
        memcpy(g_seen[g_n_seen], msg->payload, n);
        g_seen[g_n_seen][n] = '\0';
        g_n_seen++;
    }
    return true;
}

static bool seen(const char *prefix)
{
    for (size_t i = 0; i < g_n_seen; i++)
        if (strncmp(g_seen[i], prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

static bool far_names_synced(runtime_t *rt)
{
    return actor_lookup(rt, "echo-b") != ACTOR_ID_INVALID &&
           actor_lookup(rt, "/app/b/echo") != ACTOR_ID_INVALID &&
           actor_lookup(rt, "/node/b/caps") != ACTOR_ID_INVALID;
}

static bool far_names_synced_caps_b(runtime_t *rt)
{
    return actor_lookup(rt, "/node/b/caps") != ACTOR_ID_INVALID;
}

static bool far_saw_ours(runtime_t *rt)
{
    (void)rt;
    return seen("name:hello") && seen("path:hello") && seen("caps:");
}

static bool far_saw_late(runtime_t *rt)
{
    (void)rt;
    return seen("late:hello");
}

static bool one_peer(runtime_t *rt)
{
    return services_peer_count(rt) == 1;
}

/* The exchange, the same whichever side dialled. */
static void exchange(runtime_t *rt, actor_id_t cl)
{
    /* Names and paths of the original-mode node, synced at mount. */
    assert_true(pump_until(rt, far_names_synced, 5000));
    actor_id_t by_name = actor_lookup(rt, "echo-b");
    actor_id_t by_path = actor_lookup(rt, "/app/b/echo");
    assert_int_equal(actor_id_node(by_name), 2);
    assert_int_equal(by_path, by_name);

    /* Messages, by name and by path, with replies. */
    reply_t r = request(rt, cl, by_name, 100, "ping", 4);
    assert_int_equal(r.type, 101);
    assert_string_equal(r.data, "b:ping");
    assert_int_equal(r.source, by_name);
    reply_free(&r);
    r = request(rt, cl, actor_lookup(rt, "/app/b/echo"), 100, "by path", 7);
    assert_string_equal(r.data, "b:by path");
    reply_free(&r);

    /* Caps: the original's nine lines, from the far node. */
    r = request(rt, cl, actor_lookup(rt, "/node/b/caps"), MSG_CAPS_REQUEST, NULL, 0);
    assert_int_equal(r.type, MSG_CAPS_REPLY);
    assert_int_equal(strncmp(r.data, "platform=linux\nidentity=b\nnode_id=2\n", 36), 0);
    assert_non_null(strstr(r.data, "\ntransports=1\n"));
    reply_free(&r);

    /* The other way: the far node resolved our name and path, sent to both,
     * and asked our caps (it forwards the reply text). */
    assert_true(pump_until(rt, far_saw_ours, 5000));
    for (size_t i = 0; i < g_n_seen; i++)
        if (strncmp(g_seen[i], "caps:", 5) == 0)
            assert_int_equal(strncmp(g_seen[i], "caps:platform=linux\nidentity=a\nnode_id=1\n", 41),
                             0);

    /* A path registered after the mount travels by broadcast. */
    assert_true(actor_register_name(rt, "/app/a/late", actor_lookup(rt, "echo-a")));
    assert_true(pump_until(rt, far_saw_late, 5000));
}

static runtime_t *start_a(char *dir)
{
    runtime_t *rt = runtime_init(1, 64);
    services_config_t cfg = {.data_dir = dir,
                             .mount_host = "127.0.0.1",
                             .mount_ephemeral = true,
                             .node_name = "a",
                             .no_kv = true,
                             .insecure = true};
    if (!services_start(rt, &cfg))
        fail_msg("services_start: %s", mk_last_error());
    actor_id_t echo = actor_spawn(rt, echo_a, NULL, NULL, 64);
    assert_true(actor_register_name(rt, "echo-a", echo));
    assert_true(actor_register_name(rt, "/app/a/echo", echo));
    g_n_seen = 0;
    return rt;
}

static void test_ours_dials_an_original_mode_node(void **st)
{
    (void)st;
    char *da = temp_dir(), *db = temp_dir();
    const char *bargs[] = {"--id", "2",          "--name", "b",         "--data", db,  "--original",
                           "1",    "--insecure", "1",      "--interop", "a",      NULL};
    child_t b = child_start(bargs);
    assert_string_equal(b.key, "none"); /* original mode: no node key */
    runtime_t *rt = start_a(da);
    actor_id_t cl = client_spawn(rt);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%u", b.port);
    reply_t r =
        request(rt, cl, actor_lookup(rt, "/sys/mount-listen"), MSG_MOUNT, target, strlen(target));
    assert_int_equal(r.type, MSG_MOUNT_OK);
    assert_non_null(strstr(r.data, "node=2\nname=b\n"));
    reply_free(&r);
    exchange(rt, cl);
    child_kill(&b, SIGTERM);
    runtime_destroy(rt);
    rm_rf(da);
    rm_rf(db);
}

static void test_an_original_mode_node_dials_ours(void **st)
{
    (void)st;
    char *da = temp_dir(), *db = temp_dir();
    runtime_t *rt = start_a(da);
    actor_id_t cl = client_spawn(rt);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%u", services_mount_port(rt));
    const char *bargs[] = {"--id",      "2",          "--name",  "b",          "--data",
                           db,          "--original", "1",       "--insecure", "1",
                           "--interop", "a",          "--mount", target,       NULL};
    child_t b = child_start(bargs);
    assert_true(pump_until(rt, one_peer, 5000));
    exchange(rt, cl);
    child_kill(&b, SIGTERM);
    runtime_destroy(rt);
    rm_rf(da);
    rm_rf(db);
}

/* A free TCP port on 127.0.0.1 (the kernel's pick, released at once). */
static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static bool two_peers(runtime_t *rt)
{
    return services_peer_count(rt) == 2;
}

/* A program booted the original's way (ns_actor_init, caps_actor_init,
 * ns_mount_listen, ns_mount_connect; namespace.h) mounts and is mounted by
 * our nodes; authentication comes from $MK_COOKIE. */
static void test_the_originals_mount_api(void **st)
{
    (void)st;
    char *home = temp_dir(), *db = temp_dir(), *dc = temp_dir();
    setenv("XDG_DATA_HOME", home, 1); /* node key of this process */
    setenv("MK_COOKIE", SVC_TEST_COOKIE, 1);
    runtime_t *rt = runtime_init(1, 64);
    assert_int_not_equal(ns_actor_init(rt), ACTOR_ID_INVALID);
    assert_int_not_equal(caps_actor_init(rt), ACTOR_ID_INVALID);

    mount_result_t res;
    assert_int_equal(ns_mount_connect(rt, "127.0.0.1", free_port(), &res), -1);
    assert_error_mentions("ns_mount_connect");

    const char *bargs[] = {"--id", "2", "--name", "b", "--data", db, NULL};
    child_t b = child_start(bargs);
    assert_int_equal(ns_mount_connect(rt, "127.0.0.1", b.port, &res), 0);
    assert_string_equal(res.identity, "b");
    assert_int_equal(res.node_id, 2);
    assert_true(pump_until(rt, far_names_synced_caps_b, 5000));

    assert_int_equal(ns_mount_listen(rt, 0), ACTOR_ID_INVALID);
    uint16_t port = free_port();
    actor_id_t l = ns_mount_listen(rt, port);
    assert_int_not_equal(l, ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "/sys/mount-listen"), l);
    assert_int_equal(ns_mount_listen(rt, port), l); /* same port: the same listener */
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%u", port);
    const char *cargs[] = {"--id", "3", "--name", "c", "--data", dc, "--mount", target, NULL};
    child_t c = child_start(cargs);
    assert_true(pump_until(rt, two_peers, 5000));

    child_kill(&b, SIGTERM);
    child_kill(&c, SIGTERM);
    runtime_destroy(rt);
    unsetenv("MK_COOKIE");
    unsetenv("XDG_DATA_HOME");
    rm_rf(home);
    rm_rf(db);
    rm_rf(dc);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ours_dials_an_original_mode_node),
        cmocka_unit_test(test_an_original_mode_node_dials_ours),
        cmocka_unit_test(test_the_originals_mount_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
