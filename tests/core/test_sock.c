/* test_sock.c -- the platform's socket-opening loop (src/platform/sock.h)
 * on real loopback sockets with ephemeral ports: listen then connect,
 * a port in use, UDP bind, an empty address list and a refused connect. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <unistd.h>

#include "platform/sock.h"
#include "test_util.h"

/* The port `fd` is bound to (host order). */
static uint16_t port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    return ntohs(a.sin_port);
}

/* 127.0.0.1:`port` as a one-entry getaddrinfo list for `socktype`. */
static struct addrinfo *loopback(uint16_t port, int socktype, bool passive)
{
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = socktype};
    if (passive)
        hints.ai_flags = AI_PASSIVE;
    struct addrinfo *res = NULL;
    assert_int_equal(getaddrinfo("127.0.0.1", service, &hints, &res), 0);
    return res;
}

static void listen_then_connect_over_loopback(void **s)
{
    (void)s;
    struct addrinfo *res = loopback(0, SOCK_STREAM, true);
    int err = 0;
    int l = mk_sock_open_list(res, SOCK_CLOEXEC, MK_SOCK_LISTEN, 4, &err);
    freeaddrinfo(res);
    assert_true(l >= 0);
    uint16_t port = port_of(l);
    assert_int_not_equal(port, 0);
    int one = 0;
    socklen_t ol = sizeof one;
    assert_int_equal(getsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, &ol), 0);
    assert_int_not_equal(one, 0); /* listening sockets get SO_REUSEADDR */

    res = loopback(port, SOCK_STREAM, false);
    int c = mk_sock_open_list(res, SOCK_CLOEXEC, MK_SOCK_CONNECT, 0, &err);
    freeaddrinfo(res);
    assert_true(c >= 0);
    int a = accept(l, NULL, NULL);
    assert_true(a >= 0);
    assert_int_equal(write(c, "x", 1), 1);
    char b = 0;
    assert_int_equal(read(a, &b, 1), 1);
    assert_int_equal(b, 'x');
    close(a);
    close(c);

    /* the same port again while it listens: EADDRINUSE, no fd */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int again = mk_sock_open_one(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, (struct sockaddr *)&sa,
                                 sizeof sa, MK_SOCK_LISTEN, 1, &err);
    assert_int_equal(again, -1);
    assert_int_equal(err, EADDRINUSE);
    close(l);

    /* nobody listens now: a blocking connect is refused */
    res = loopback(port, SOCK_STREAM, false);
    assert_int_equal(mk_sock_open_list(res, SOCK_CLOEXEC, MK_SOCK_CONNECT, 0, &err), -1);
    freeaddrinfo(res);
    assert_int_equal(err, ECONNREFUSED);
}

static void nonblocking_connect_in_progress_is_success(void **s)
{
    (void)s;
    struct addrinfo *res = loopback(0, SOCK_STREAM, true);
    int err = 0;
    int l = mk_sock_open_list(res, SOCK_NONBLOCK | SOCK_CLOEXEC, MK_SOCK_LISTEN, 4, &err);
    freeaddrinfo(res);
    assert_true(l >= 0);
    res = loopback(port_of(l), SOCK_STREAM, false);
    int c = mk_sock_open_list(res, SOCK_NONBLOCK | SOCK_CLOEXEC, MK_SOCK_CONNECT, 0, &err);
    freeaddrinfo(res);
    assert_true(c >= 0);
    close(c);
    close(l);
}

static void udp_bind_has_no_reuseaddr(void **s)
{
    (void)s;
    struct addrinfo *res = loopback(0, SOCK_DGRAM, true);
    int err = 0;
    int u = mk_sock_open_list(res, SOCK_NONBLOCK | SOCK_CLOEXEC, MK_SOCK_BIND, 0, &err);
    freeaddrinfo(res);
    assert_true(u >= 0);
    int one = 1;
    socklen_t ol = sizeof one;
    assert_int_equal(getsockopt(u, SOL_SOCKET, SO_REUSEADDR, &one, &ol), 0);
    assert_int_equal(one, 0); /* a second UDP bind of the port must still fail */
    res = loopback(port_of(u), SOCK_DGRAM, true);
    assert_int_equal(mk_sock_open_list(res, SOCK_CLOEXEC, MK_SOCK_BIND, 0, &err), -1);
    freeaddrinfo(res);
    assert_int_equal(err, EADDRINUSE);
    close(u);
}

static void empty_list_fails_with_eaddrnotavail(void **s)
{
    (void)s;
    int err = 0;
    assert_int_equal(mk_sock_open_list(NULL, 0, MK_SOCK_LISTEN, 1, &err), -1);
    assert_int_equal(err, EADDRNOTAVAIL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(listen_then_connect_over_loopback),
        cmocka_unit_test(nonblocking_connect_in_progress_is_success),
        cmocka_unit_test(udp_bind_has_no_reuseaddr),
        cmocka_unit_test(empty_list_fails_with_eaddrnotavail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
