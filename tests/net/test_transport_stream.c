/*
 * test_transport_stream.c -- proves src/net/stream.c with the Unix and TCP
 * transports on real sockets, without a runtime: lazy accept, both
 * directions, 1 MiB payloads through partial writes, many small messages in
 * order, a peer writing one byte at a time, garbage and truncated frames,
 * the output queue limit, and a peer that goes away.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cmocka.h>

#include "microkernel/wire.h"
#include "net_test_util.h"
#include "platform/sock.h"

static const stream_kind_t kinds[] = {KIND_UNIX, KIND_TCP};

/* Receive one message on `t`, flushing `other`'s queued output meanwhile. */
static message_t *recv_one(transport_t *t, transport_t *other, double seconds)
{
    double end = now_s() + seconds;
    mk_net_common_t *oc = other ? mk_net_common(other) : NULL;
    while (now_s() < end) {
        if (oc && oc->wants_write(other))
            oc->flush(other);
        message_t *m = t->recv(t);
        if (m)
            return m;
        if (!t->is_connected(t))
            return NULL;
        wait_readable(t, 5);
    }
    return NULL;
}

static void test_send_recv_both_ways(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        transport_t *srv, *cli;
        assert_true(stream_pair(kinds[k], 2, 1, &srv, &cli));
        assert_true(cli->is_connected(cli));
        message_t m = {.source = actor_id_make(1, 5),
                       .dest = actor_id_make(2, 9),
                       .type = 42,
                       .payload_size = 5,
                       .payload = "hello"};
        assert_true(cli->send(cli, &m));
        message_t *got = recv_one(srv, cli, 5);
        assert_non_null(got);
        assert_int_equal(got->source, actor_id_make(1, 5));
        assert_int_equal(got->dest, actor_id_make(2, 9));
        assert_int_equal(got->type, 42);
        assert_int_equal(got->payload_size, 5);
        assert_memory_equal(got->payload, "hello", 5);
        message_destroy(got);

        message_t r = {.source = actor_id_make(2, 9), .dest = actor_id_make(1, 5), .type = 43};
        assert_true(srv->send(srv, &r));
        got = recv_one(cli, srv, 5);
        assert_non_null(got);
        assert_int_equal(got->type, 43);
        assert_int_equal(got->payload_size, 0);
        assert_null(got->payload);
        message_destroy(got);
        srv->destroy(srv);
        cli->destroy(cli);
    }
}

static void test_one_mebibyte_payload_both_ways(void **state)
{
    (void)state;
    size_t big = 1u << 20;
    unsigned char *payload = malloc(big);
    for (size_t i = 0; i < big; i++)
        payload[i] = (unsigned char)(i ^ (i >> 8));
    for (size_t k = 0; k < 2; k++) {
        transport_t *srv, *cli;
        assert_true(stream_pair(kinds[k], 2, 1, &srv, &cli));
        transport_t *pairs[2][2] = {{cli, srv}, {srv, cli}};
        for (int dir = 0; dir < 2; dir++) {
            transport_t *from = pairs[dir][0], *to = pairs[dir][1];
            message_t m = {
                .source = 1, .dest = 2, .type = 7, .payload_size = big, .payload = payload};
            assert_true(from->send(from, &m));
            assert_true(from->send(from, &m)); /* a second one queues behind */
            for (int n = 0; n < 2; n++) {
                message_t *got = recv_one(to, from, 20);
                assert_non_null(got);
                assert_int_equal(got->payload_size, big);
                assert_memory_equal(got->payload, payload, big);
                message_destroy(got);
            }
        }
        srv->destroy(srv);
        cli->destroy(cli);
    }
    free(payload);
}

static void test_many_small_messages_in_order(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        transport_t *srv, *cli;
        assert_true(stream_pair(kinds[k], 2, 1, &srv, &cli));
        const uint32_t n = 20000;
        uint32_t next = 0;
        for (uint32_t i = 0; i < n; i++) {
            message_t m = {
                .source = 1, .dest = 2, .type = 1, .payload_size = sizeof i, .payload = &i};
            assert_true(cli->send(cli, &m));
            /* Drain now and then so the queue limit is never the subject. */
            message_t *got;
            while ((got = srv->recv(srv)) != NULL) {
                uint32_t v;
                memcpy(&v, got->payload, sizeof v);
                assert_int_equal(v, next);
                next++;
                message_destroy(got);
            }
        }
        while (next < n) {
            message_t *got = recv_one(srv, cli, 10);
            assert_non_null(got);
            uint32_t v;
            memcpy(&v, got->payload, sizeof v);
            assert_int_equal(v, next);
            next++;
            message_destroy(got);
        }
        srv->destroy(srv);
        cli->destroy(cli);
    }
}

/* A raw client socket connected to the listener `srv` (accept driven). */
static int raw_client(stream_kind_t kind, transport_t *srv, const char *path)
{
    int fd;
    if (kind == KIND_UNIX) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    } else {
        transport_t *tmp = transport_tcp_connect("127.0.0.1", transport_tcp_port(srv), 9);
        assert_non_null(tmp);
        fd = dup(tmp->fd);
        tmp->destroy(tmp);
        int flags = 0;
        (void)flags;
    }
    for (int i = 0; i < 500 && !srv->is_connected(srv); i++) {
        wait_readable(srv, 10);
        assert_null(srv->recv(srv));
    }
    assert_true(srv->is_connected(srv));
    return fd;
}

static transport_t *listener(stream_kind_t kind, char **path)
{
    *path = NULL;
    if (kind == KIND_UNIX) {
        *path = temp_socket_path();
        return transport_unix_listen(*path, 2);
    }
    return transport_tcp_listen("127.0.0.1", 0, 2);
}

static void test_peer_writing_one_byte_at_a_time(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        char *path;
        transport_t *srv = listener(kinds[k], &path);
        assert_non_null(srv);
        int fd = raw_client(kinds[k], srv, path);
        message_t m = {
            .source = 11, .dest = 22, .type = 33, .payload_size = 10, .payload = "0123456789"};
        size_t n;
        unsigned char *frame =
            kinds[k] == KIND_UNIX ? wire_serialize(&m, &n) : wire_serialize_net(&m, &n);
        for (int rep = 0; rep < 2; rep++) {
            for (size_t i = 0; i < n; i++) {
                assert_int_equal(write(fd, frame + i, 1), 1);
                usleep(200);
                message_t *got = srv->recv(srv);
                if (i + 1 < n) {
                    assert_null(got);
                    assert_true(srv->is_connected(srv));
                } else {
                    if (!got)
                        got = recv_one(srv, NULL, 5);
                    assert_non_null(got);
                    assert_int_equal(got->type, 33);
                    assert_memory_equal(got->payload, "0123456789", 10);
                    message_destroy(got);
                }
            }
        }
        free(frame);
        close(fd);
        srv->destroy(srv);
        free(path);
    }
}

static void test_garbage_closes_connection_and_listener_accepts_again(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        char *path;
        transport_t *srv = listener(kinds[k], &path);
        int listen_fd = srv->fd;
        int fd = raw_client(kinds[k], srv, path);
        /* Bytes 20..23, read as the payload size, say "t: e": far too big. */
        static const char http[] = "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n";
        assert_int_equal(write(fd, http, sizeof http - 1), (ssize_t)(sizeof http - 1));
        assert_null(recv_one(srv, NULL, 5));
        assert_false(srv->is_connected(srv));
        assert_int_equal(srv->fd, listen_fd);
        assert_non_null(strstr(mk_net_common(srv)->down_reason(srv), "bad frame"));
        message_t m = {.dest = 1, .type = 1};
        assert_false(srv->send(srv, &m));
        assert_non_null(strstr(mk_last_error(), "not connected"));
        close(fd);
        /* A new peer is accepted on the same listener. */
        fd = raw_client(kinds[k], srv, path);
        assert_true(srv->is_connected(srv));
        close(fd);
        srv->destroy(srv);
        free(path);
    }
}

static void test_oversized_length_closes_connection(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        char *path;
        transport_t *srv = listener(kinds[k], &path);
        int fd = raw_client(kinds[k], srv, path);
        message_t m = {.dest = 1, .type = 1};
        size_t n;
        unsigned char *frame =
            kinds[k] == KIND_UNIX ? wire_serialize(&m, &n) : wire_serialize_net(&m, &n);
        uint32_t huge = WIRE_MAX_PAYLOAD + 1;
        if (kinds[k] == KIND_TCP)
            huge = htonl(huge);
        memcpy(frame + 20, &huge, 4); /* payload_size */
        assert_int_equal(write(fd, frame, n), (ssize_t)n);
        assert_null(recv_one(srv, NULL, 5));
        assert_false(srv->is_connected(srv));
        assert_non_null(strstr(mk_net_common(srv)->down_reason(srv), "exceeds"));
        free(frame);
        close(fd);
        srv->destroy(srv);
        free(path);
    }
}

static void test_truncated_frame_then_close(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        char *path;
        transport_t *srv = listener(kinds[k], &path);
        int fd = raw_client(kinds[k], srv, path);
        message_t m = {.dest = 1, .type = 1, .payload_size = 4, .payload = "abcd"};
        size_t n;
        unsigned char *frame =
            kinds[k] == KIND_UNIX ? wire_serialize(&m, &n) : wire_serialize_net(&m, &n);
        assert_int_equal(write(fd, frame, n - 2), (ssize_t)(n - 2));
        close(fd);
        assert_null(recv_one(srv, NULL, 5));
        assert_false(srv->is_connected(srv));
        assert_non_null(strstr(mk_net_common(srv)->down_reason(srv), "middle of a frame"));
        free(frame);
        srv->destroy(srv);
        free(path);
    }
}

static void test_send_queue_limit_refuses_with_reason(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        transport_t *srv, *cli;
        assert_true(stream_pair(kinds[k], 2, 1, &srv, &cli));
        static unsigned char chunk[64 << 10];
        message_t m = {.dest = 2, .type = 1, .payload_size = sizeof chunk, .payload = chunk};
        size_t sent = 0;
        bool refused = false;
        /* Nobody reads srv: the kernel buffers fill, then the queue. */
        for (int i = 0; i < 4096 && !refused; i++) {
            if (cli->send(cli, &m))
                sent++;
            else
                refused = true;
        }
        assert_true(refused);
        assert_non_null(strstr(mk_last_error(), "send queue full"));
        assert_true(cli->is_connected(cli)); /* refusing is not a disconnect */
        /* Reading drains everything that was accepted, intact. */
        for (size_t i = 0; i < sent; i++) {
            message_t *got = recv_one(srv, cli, 10);
            assert_non_null(got);
            assert_int_equal(got->payload_size, sizeof chunk);
            message_destroy(got);
        }
        assert_false(mk_net_common(cli)->wants_write(cli));
        assert_true(cli->send(cli, &m));
        srv->destroy(srv);
        cli->destroy(cli);
    }
}

static void test_peer_gone_is_detected(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        transport_t *srv, *cli;
        assert_true(stream_pair(kinds[k], 2, 1, &srv, &cli));
        srv->destroy(srv);
        assert_null(recv_one(cli, NULL, 5));
        assert_false(cli->is_connected(cli));
        assert_int_equal(cli->fd, -1);
        assert_non_null(strstr(mk_net_common(cli)->down_reason(cli), "closed"));
        message_t m = {.dest = 2, .type = 1};
        assert_false(cli->send(cli, &m));
        assert_non_null(strstr(mk_last_error(), "not connected"));
        cli->destroy(cli);
    }
}

/* A node link over TCP notices a peer that vanished without closing (power
 * cut): both ends of a link have keepalive and a user timeout set, the
 * accepted one and the connecting one (mk_sock_tune_link). */
static int sockopt(int fd, int level, int name)
{
    int v = -1;
    socklen_t n = sizeof v;
    assert_int_equal(getsockopt(fd, level, name, &v, &n), 0);
    return v;
}

static void test_tcp_links_have_keepalive_and_user_timeout(void **state)
{
    (void)state;
    transport_t *srv, *cli;
    assert_true(stream_pair(KIND_TCP, 2, 1, &srv, &cli));
    message_t m = {.dest = 2, .type = 1};
    assert_true(cli->send(cli, &m)); /* the listener accepts on its first read */
    message_t *got = recv_one(srv, cli, 5);
    assert_non_null(got);
    message_destroy(got);
    int fds[2] = {srv->fd, cli->fd};
    for (int i = 0; i < 2; i++) {
        assert_true(fds[i] >= 0);
        assert_int_equal(sockopt(fds[i], SOL_SOCKET, SO_KEEPALIVE), 1);
        assert_int_equal(sockopt(fds[i], IPPROTO_TCP, TCP_KEEPIDLE), MK_TCP_KEEPIDLE_S);
        assert_int_equal(sockopt(fds[i], IPPROTO_TCP, TCP_KEEPINTVL), MK_TCP_KEEPINTVL_S);
        assert_int_equal(sockopt(fds[i], IPPROTO_TCP, TCP_KEEPCNT), MK_TCP_KEEPCNT);
        assert_int_equal(sockopt(fds[i], IPPROTO_TCP, TCP_USER_TIMEOUT),
                         (int)MK_TCP_USER_TIMEOUT_MS);
        assert_int_equal(sockopt(fds[i], IPPROTO_TCP, TCP_NODELAY), 1);
    }
    srv->destroy(srv);
    cli->destroy(cli);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_null(transport_unix_listen(NULL, 2));
    assert_null(transport_unix_listen("", 2));
    char longpath[200];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    assert_null(transport_unix_listen(longpath, 2));
    assert_non_null(strstr(mk_last_error(), "at most"));
    assert_null(transport_unix_connect("/nonexistent/mk-net-sock", 2));
    assert_non_null(strstr(mk_last_error(), "connect"));
    /* Port 1 on loopback: nothing listens (and we may not bind it). */
    assert_null(transport_tcp_connect("127.0.0.1", 1, 2));
    assert_null(transport_tcp_connect(NULL, 1, 2));
    assert_null(transport_tcp_listen("no-such-host.invalid", 0, 2));
    assert_int_equal(transport_tcp_port(NULL), 0);
}

static void test_unix_listen_replaces_stale_socket_but_not_live_one(void **state)
{
    (void)state;
    char *path = temp_socket_path();
    transport_t *a = transport_unix_listen(path, 2);
    assert_non_null(a);
    assert_null(transport_unix_listen(path, 3)); /* live */
    assert_non_null(strstr(mk_last_error(), "in use"));
    /* Leave a stale file behind: a bound socket that never listened. */
    a->destroy(a);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
    transport_t *b = transport_unix_listen(path, 2);
    assert_non_null(b);
    b->destroy(b);
    assert_int_equal(access(path, F_OK), -1); /* destroy removed the file */
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_recv_both_ways),
        cmocka_unit_test(test_one_mebibyte_payload_both_ways),
        cmocka_unit_test(test_many_small_messages_in_order),
        cmocka_unit_test(test_peer_writing_one_byte_at_a_time),
        cmocka_unit_test(test_garbage_closes_connection_and_listener_accepts_again),
        cmocka_unit_test(test_oversized_length_closes_connection),
        cmocka_unit_test(test_truncated_frame_then_close),
        cmocka_unit_test(test_send_queue_limit_refuses_with_reason),
        cmocka_unit_test(test_peer_gone_is_detected),
        cmocka_unit_test(test_tcp_links_have_keepalive_and_user_timeout),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_unix_listen_replaces_stale_socket_but_not_live_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
