/* test_mount.c -- the mount protocol and cross-node path sync
 * (src/services/mount.c, mount_hello.c): bad input (closed port, non-microkernel peers, silent
 * peers, garbage, version and node-ID clashes, bad targets). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "svc_test_util.h"

static runtime_t *start_local(node_id_t id, const char *name, char *dir, bool kv)
{
    runtime_t *rt = runtime_init(id, 64);
    services_config_t cfg = {.data_dir = dir,
                             .mount_host = "127.0.0.1",
                             .mount_ephemeral = true,
                             .node_name = name,
                             .no_kv = !kv};
    if (!services_start(rt, &cfg))
        fail_msg("services_start: %s", mk_last_error());
    return rt;
}

static reply_t mount_req(runtime_t *rt, actor_id_t c, const char *target)
{
    return request(rt, c, actor_lookup(rt, "/sys/mount-listen"), MSG_MOUNT, target, strlen(target));
}

/* The three-node chain test (automatic mount of a peer's peers through
 * "peer=" sync lines, paths under /peers/<name>/) went with that design:
 * the original has no automatic dialling (issue 13, issue 14 §1). Path sync
 * is tested in test_namespace_sync.c. */

/* ---- Bad input ---------------------------------------------------------- */

static uint16_t closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

/* A TCP server on a thread: accepts one connection, writes `greeting`
 * (NULL: says nothing), keeps it open for `hold_ms`, closes. */
typedef struct {
    int fd;
    uint16_t port;
    const char *greeting;
    unsigned hold_ms;
    pthread_t th;
} fake_t;

static void *fake_main(void *arg)
{
    fake_t *f = arg;
    int c = accept(f->fd, NULL, NULL);
    if (c >= 0) {
        if (f->greeting && write(c, f->greeting, strlen(f->greeting)) < 0)
            perror("fake write");
        usleep(f->hold_ms * 1000u);
        close(c);
    }
    return NULL;
}

static void fake_start(fake_t *f, const char *greeting, unsigned hold_ms)
{
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof a), 0);
    listen(f->fd, 4);
    getsockname(f->fd, (struct sockaddr *)&a, &l);
    f->port = ntohs(a.sin_port);
    f->greeting = greeting;
    f->hold_ms = hold_ms;
    pthread_create(&f->th, NULL, fake_main, f);
}

static void fake_stop(fake_t *f)
{
    pthread_join(f->th, NULL);
    close(f->fd);
}

static void test_mount_failures(void **st)
{
    (void)st;
    char *da = temp_dir();
    runtime_t *rt = start_local(1, "a", da, false);
    actor_id_t cl = client_spawn(rt);
    char target[64];

    snprintf(target, sizeof target, "127.0.0.1:%u", closed_port());
    reply_t r = mount_req(rt, cl, target);
    assert_reply(r, MSG_MOUNT_ERROR, "Connection refused");
    reply_free(&r);

    fake_t f;
    fake_start(&f, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", 500);
    snprintf(target, sizeof target, "127.0.0.1:%u", f.port);
    r = mount_req(rt, cl, target);
    assert_reply(r, MSG_MOUNT_ERROR, "not a microkernel node");
    reply_free(&r);
    fake_stop(&f);

    fake_start(&f, NULL, 3600);
    snprintf(target, sizeof target, "127.0.0.1:%u", f.port);
    r = mount_req(rt, cl, target);
    assert_reply(r, MSG_MOUNT_ERROR, "no handshake within 3 s");
    reply_free(&r);
    fake_stop(&f);

    fake_start(&f, "MKMOUNT 1\nerror=go away\n\n", 300);
    snprintf(target, sizeof target, "127.0.0.1:%u", f.port);
    r = mount_req(rt, cl, target);
    assert_reply(r, MSG_MOUNT_ERROR, "refused by the peer: go away");
    reply_free(&r);
    fake_stop(&f);

    fake_start(&f, "MKMOUNT 7\nnode=9\nname=future\nns=0x1\nport=1\n\n", 300);
    snprintf(target, sizeof target, "127.0.0.1:%u", f.port);
    r = mount_req(rt, cl, target);
    assert_reply(r, MSG_MOUNT_ERROR, "protocol version 7 is not supported");
    reply_free(&r);
    fake_stop(&f);

    fake_start(&f, "MKMOUNT 1\nnode=1\nname=twin\nns=0x1\nport=1\n\n", 300);
    snprintf(target, sizeof target, "127.0.0.1:%u", f.port);
    r = mount_req(rt, cl, target);
    assert_reply(r, MSG_MOUNT_ERROR, "node ID clash: both nodes are node 1");
    reply_free(&r);
    fake_stop(&f);

    const char *bad[] = {"", "127.0.0.1:0", "127.0.0.1:99999", "a:b:c", "host:", "[::1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = mount_req(rt, cl, bad[i]);
        assert_reply(r, MSG_MOUNT_ERROR, "<host>[:<port>]");
        reply_free(&r);
    }
    r = mount_req(rt, cl, "no-such-host.invalid:1");
    assert_reply(r, MSG_MOUNT_ERROR, "cannot resolve");
    reply_free(&r);
    assert_int_equal(services_peer_count(rt), 0);
    runtime_destroy(rt);
    rm_rf(da);
}

/* Connect to our own listener with a raw socket, send `hello`, and return
 * what the node answers before closing (NUL-terminated, in `out`). */
static void raw_exchange(runtime_t *rt, const char *hello, char *out, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons(services_mount_port(rt))};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(write(fd, hello, strlen(hello)), (ssize_t)strlen(hello));
    size_t got = 0;
    uint64_t end = ms_now() + 5000;
    for (;;) {
        pump_for(rt, 5);
        ssize_t n = recv(fd, out + got, len - 1 - got, MSG_DONTWAIT);
        if (n > 0)
            got += (size_t)n;
        else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) || ms_now() > end)
            break;
    }
    out[got] = '\0';
    close(fd);
}

static void test_listener_refuses_garbage(void **st)
{
    (void)st;
    char *da = temp_dir();
    runtime_t *rt = start_local(1, "a", da, true);
    char out[1024];
    raw_exchange(rt, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof out);
    assert_string_equal(out, ""); /* closed without a word */
    raw_exchange(rt, "MKMOUNT 1\nnode=5\nname=x\nport=1\nbogus\n\n", out, sizeof out);
    assert_string_equal(out, "");
    raw_exchange(rt, "MKMOUNT 2\nnode=5\nname=x\nns=0x1\nport=1\n\n", out, sizeof out);
    assert_non_null(strstr(out, "error=protocol version 2 is not supported (this node speaks 1)"));
    raw_exchange(rt, "MKMOUNT 1\nnode=1\nname=x\nns=0x1\nport=1\n\n", out, sizeof out);
    assert_non_null(strstr(out, "error=node ID clash: both nodes are node 1"));
    raw_exchange(rt, "MKMOUNT 1\nnode=5\nname=a\nns=0x1\nport=1\n\n", out, sizeof out);
    assert_non_null(strstr(out, "error=node name clash"));
    char junk[2048];
    memset(junk, 'M', sizeof junk - 1);
    junk[sizeof junk - 1] = '\0';
    memcpy(junk, "MKMOUNT 1\n", 10);
    raw_exchange(rt, junk, out, sizeof out);
    assert_string_equal(out, "");
    /* Still alive and serving. */
    actor_id_t cl = client_spawn(rt);
    reply_t r =
        request(rt, cl, actor_lookup(rt, "/node/storage/kv"), MSG_KV_PUT, "key=k\nvalue=v", 13);
    assert_int_equal(r.type, MSG_KV_OK);
    reply_free(&r);
    assert_int_equal(services_peer_count(rt), 0);
    runtime_destroy(rt);
    rm_rf(da);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mount_failures),
        cmocka_unit_test(test_listener_refuses_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
