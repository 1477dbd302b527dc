/* test_mount_limits.c -- what a remote party cannot do to the mount
 * listener (src/services/mount.c, issue 13): hundreds of held half-open
 * connections (one source, and many sources) do not starve a real mount and
 * cost a bounded number of log lines; a mount whose runtime_add_transport
 * fails is reported as a failure on both sides; a MSG_MOUNT from another
 * node is refused and dials nothing. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "microkernel/transport.h"
#include "svc_test_util.h"

static runtime_t *start_local(node_id_t id, char *dir)
{
    runtime_t *rt = runtime_init(id, 64);
    services_config_t cfg = {.data_dir = dir,
                             .mount_host = "127.0.0.1",
                             .mount_ephemeral = true,
                             .node_name = "a",
                             .no_kv = true,
                             .cookie = SVC_TEST_COOKIE};
    if (!services_start(rt, &cfg))
        fail_msg("services_start: %s", mk_last_error());
    return rt;
}

static size_t g_lines;
static char g_last[512];

static void count_line(const char *line, void *ctx)
{
    (void)ctx;
    g_lines++;
    snprintf(g_last, sizeof g_last, "%s", line);
}

/* A non-blocking connection from `src` (an address of 127/8) to port. */
static int idle_conn(const char *src, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in b = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &b.sin_addr);
    assert_int_equal(bind(fd, (struct sockaddr *)&b, sizeof b), 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    assert_true(rc == 0 || errno == EINPROGRESS);
    return fd;
}

static bool one_peer(runtime_t *rt)
{
    return services_peer_count(rt) == 1;
}

static void test_held_half_open_connections_do_not_starve_mounts(void **st)
{
    (void)st;
    char *da = temp_dir(), *db = temp_dir();
    runtime_t *rt = start_local(1, da);
    g_lines = 0;
    runtime_set_log_sink(rt, count_line, NULL);
    uint16_t port = services_mount_port(rt);
    enum { N = 200 };
    int fds[2 * N];
    size_t n = 0;
    /* 200 idle connections from one address ... */
    for (int i = 0; i < N; i++) {
        fds[n++] = idle_conn("127.0.0.2", port);
        if (i % 16 == 15)
            pump_for(rt, 2);
    }
    /* ... and 200 from 50 addresses, 4 each: more than the handshake slots. */
    for (int i = 0; i < N; i++) {
        char src[32];
        snprintf(src, sizeof src, "127.0.0.%d", 3 + i / 4);
        fds[n++] = idle_conn(src, port);
        if (i % 16 == 15)
            pump_for(rt, 2);
    }
    pump_for(rt, 50);
    /* A real node mounts us from 127.0.0.1 while all of them are held. */
    char target[64], line[256];
    snprintf(target, sizeof target, "127.0.0.1:%u", port);
    const char *bargs[] = {"--id", "2", "--name", "b", "--data", db, "--mount", target, NULL};
    child_t b = child_start(bargs);
    assert_true(pump_until(rt, one_peer, 5000));
    assert_true(child_expect(&b, "MOUNTED", line, sizeof line));
    pump_for(rt, 50);
    /* Refusals and evictions are logged one line per cause per second. */
    if (g_lines > 20)
        fail_msg("%zu log lines for %d connections; last: %s", g_lines, 2 * N, g_last);
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
    child_kill(&b, SIGTERM);
    runtime_destroy(rt);
    rm_rf(da);
    rm_rf(db);
}

/* A transport that never connects: it only takes a transport slot. */
static bool dummy_send(transport_t *t, const message_t *m)
{
    (void)t, (void)m;
    return false;
}
static message_t *dummy_recv(transport_t *t)
{
    (void)t;
    return NULL;
}
static bool dummy_connected(transport_t *t)
{
    (void)t;
    return false;
}
static void dummy_destroy(transport_t *t)
{
    free(t);
}

static void fill_transports(runtime_t *rt)
{
    for (node_id_t node = 100;; node++) {
        transport_t *t = calloc(1, sizeof *t);
        *t = (transport_t){.peer_node = node,
                           .fd = -1,
                           .send = dummy_send,
                           .recv = dummy_recv,
                           .is_connected = dummy_connected,
                           .destroy = dummy_destroy};
        if (!runtime_add_transport(rt, t)) {
            free(t);
            assert_non_null(strstr(mk_last_error(), "in use"));
            return;
        }
        assert_true(node < 1000);
    }
}

static void test_add_transport_failure_is_reported(void **st)
{
    (void)st;
    char *da = temp_dir(), *db = temp_dir();
    runtime_t *rt = start_local(1, da);
    fill_transports(rt);
    actor_id_t cl = client_spawn(rt);

    /* We dial, our side cannot add the link: the requester hears it. */
    const char *bargs[] = {"--id", "2", "--name", "b", "--data", db, NULL};
    child_t b = child_start(bargs);
    char target[64], line[256];
    snprintf(target, sizeof target, "127.0.0.1:%u", b.port);
    reply_t r =
        request(rt, cl, actor_lookup(rt, "/sys/mount-listen"), MSG_MOUNT, target, strlen(target));
    assert_reply(r, MSG_MOUNT_ERROR, "transports are in use");
    reply_free(&r);
    child_kill(&b, SIGTERM);

    /* The other node dials us and we cannot add the link: it must not say
     * "mounted". */
    snprintf(target, sizeof target, "127.0.0.1:%u", services_mount_port(rt));
    const char *b2args[] = {"--id", "2", "--name", "b", "--data", db, "--mount", target, NULL};
    b = child_start(b2args);
    pump_for(rt, 500);
    assert_true(child_expect(&b, "MOUNT", line, sizeof line));
    if (strncmp(line, "MOUNT-ERROR", 11) != 0)
        fail_msg("the dialling node said \"%s\"", line);
    assert_int_equal(services_peer_count(rt), 0);
    child_kill(&b, SIGTERM);
    runtime_destroy(rt);
    rm_rf(da);
    rm_rf(db);
}

static void test_remote_mount_request_is_refused(void **st)
{
    (void)st;
    char *da = temp_dir();
    runtime_t *rt = start_local(1, da);
    /* A listener no one else knows: any connection to it is our dial. */
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    listen(lfd, 4);
    getsockname(lfd, (struct sockaddr *)&a, &al);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%u", ntohs(a.sin_port));
    actor_id_t remote = ((actor_id_t)7 << 32) | 5; /* an actor of node 7 */
    assert_true(mk_send_from(rt, remote, actor_lookup(rt, "/sys/mount-listen"), MSG_MOUNT, target,
                             strlen(target)));
    pump_for(rt, 300);
    int c = accept(lfd, NULL, NULL);
    if (c >= 0)
        fail_msg("a MSG_MOUNT from node 7 made this node dial %s", target);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    /* A local actor still may. */
    actor_id_t cl = client_spawn(rt);
    assert_true(mk_send_from(rt, cl, actor_lookup(rt, "/sys/mount-listen"), MSG_MOUNT, target,
                             strlen(target)));
    pump_for(rt, 300);
    c = accept(lfd, NULL, NULL);
    assert_true(c >= 0);
    close(c);
    close(lfd);
    runtime_destroy(rt);
    rm_rf(da);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_half_open_connections_do_not_starve_mounts),
        cmocka_unit_test(test_add_transport_failure_is_reported),
        cmocka_unit_test(test_remote_mount_request_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
