/*
 * test_transport_udp.c -- proves src/net/transport_udp.c on 127.0.0.1: the
 * bound side learns its peer from the first valid datagram, both
 * directions, the 65,507-byte datagram limit (largest payload passes, one
 * more byte is refused with a clear error), and zero-length, garbage and
 * wrong-order datagrams skipped without teaching a peer.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "microkernel/wire.h"
#include "net_test_util.h"

static message_t *recv_wait(transport_t *t, double seconds)
{
    double end = now_s() + seconds;
    while (now_s() < end) {
        message_t *m = t->recv(t);
        if (m)
            return m;
        wait_readable(t, 5);
    }
    return NULL;
}

/* A plain UDP socket connected to the bound transport `b`. */
static int raw_sender(transport_t *b)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(transport_udp_port(b))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void test_bound_side_learns_peer_then_both_ways(void **state)
{
    (void)state;
    transport_t *b = transport_udp_bind("127.0.0.1", 0, 1);
    assert_non_null(b);
    assert_false(b->is_connected(b));
    message_t m = {.source = actor_id_make(2, 1),
                   .dest = actor_id_make(1, 1),
                   .type = 5,
                   .payload_size = 3,
                   .payload = "abc"};
    assert_false(b->send(b, &m));
    assert_non_null(strstr(mk_last_error(), "not known yet"));

    transport_t *c = transport_udp_connect("127.0.0.1", transport_udp_port(b), 2);
    assert_non_null(c);
    assert_true(c->is_connected(c));
    assert_true(c->send(c, &m));
    message_t *got = recv_wait(b, 5);
    assert_non_null(got);
    assert_int_equal(got->source, actor_id_make(2, 1));
    assert_memory_equal(got->payload, "abc", 3);
    message_destroy(got);
    assert_true(b->is_connected(b));

    message_t r = {.source = actor_id_make(1, 1), .dest = actor_id_make(2, 1), .type = 6};
    assert_true(b->send(b, &r));
    got = recv_wait(c, 5);
    assert_non_null(got);
    assert_int_equal(got->type, 6);
    message_destroy(got);

    /* Many small ones (loopback does not drop at this rate). */
    for (uint32_t i = 0; i < 200; i++) {
        message_t s = {.dest = 1, .type = 7, .payload_size = 4, .payload = &i};
        assert_true(c->send(c, &s));
        got = recv_wait(b, 5);
        assert_non_null(got);
        uint32_t v;
        memcpy(&v, got->payload, 4);
        assert_int_equal(v, i);
        message_destroy(got);
    }
    b->destroy(b);
    c->destroy(c);
}

static void test_datagram_limit(void **state)
{
    (void)state;
    transport_t *b = transport_udp_bind("127.0.0.1", 0, 1);
    transport_t *c = transport_udp_connect("127.0.0.1", transport_udp_port(b), 2);
    int sz = 1 << 20;
    setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    setsockopt(b->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    static unsigned char big[WIRE_UDP_MAX_PAYLOAD + 1];
    memset(big, 0xA5, sizeof big);
    message_t m = {.dest = 1, .type = 1, .payload_size = WIRE_UDP_MAX_PAYLOAD, .payload = big};
    assert_true(c->send(c, &m));
    message_t *got = recv_wait(b, 5);
    assert_non_null(got);
    assert_int_equal(got->payload_size, 65479);
    assert_memory_equal(got->payload, big, 65479);
    message_destroy(got);

    m.payload_size = WIRE_UDP_MAX_PAYLOAD + 1;
    assert_false(c->send(c, &m));
    assert_non_null(strstr(mk_last_error(), "65507"));
    assert_true(c->is_connected(c)); /* refusing one message is not a failure of the link */
    b->destroy(b);
    c->destroy(c);
}

static void test_bad_datagrams_are_skipped_and_teach_nothing(void **state)
{
    (void)state;
    transport_t *b = transport_udp_bind("127.0.0.1", 0, 1);
    int fd = raw_sender(b);
    assert_int_equal(send(fd, "", 0, 0), 0);         /* zero-length */
    assert_int_equal(send(fd, "garbage!", 8, 0), 8); /* garbage */
    message_t m = {.dest = 1, .type = 9, .payload_size = 2, .payload = "ok"};
    size_t n;
    unsigned char *host = wire_serialize(&m, &n);
    assert_int_equal(send(fd, host, n, 0), (ssize_t)n); /* wrong byte order on LE hosts */
    assert_int_equal(send(fd, host, 20, 0), 20);        /* truncated header */
    free(host);
    unsigned char *net = wire_serialize_net(&m, &n);
    assert_int_equal(send(fd, net, n - 1, 0), (ssize_t)(n - 1)); /* truncated payload */
    usleep(20000);
    assert_null(b->recv(b));
    assert_false(b->is_connected(b));
    assert_int_equal(send(fd, net, n, 0), (ssize_t)n); /* finally a good one */
    message_t *got = recv_wait(b, 5);
    assert_non_null(got);
    assert_int_equal(got->type, 9);
    assert_true(b->is_connected(b));
    message_destroy(got);
    free(net);
    close(fd);
    b->destroy(b);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_null(transport_udp_connect(NULL, 1000, 2));
    assert_null(transport_udp_bind("no-such-host.invalid", 0, 2));
    assert_int_equal(transport_udp_port(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound_side_learns_peer_then_both_ways),
        cmocka_unit_test(test_datagram_limit),
        cmocka_unit_test(test_bad_datagrams_are_skipped_and_teach_nothing),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
