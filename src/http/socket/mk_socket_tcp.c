/*
 * mk_socket_tcp.c -- plain TCP behind the mk_socket method table (seed
 * "Socket").
 *
 * mk_socket_tcp_connect blocks (getaddrinfo, connect) as the seed says and
 * is for tools and tests; the HTTP client connects without blocking and
 * uses mk_socket_tcp_wrap. Reads and writes never block.
 */
#include "microkernel/mk_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "http/socket/socket_internal.h"
#include "platform/sock.h"

static ssize_t tcp_read(mk_socket_t *self, uint8_t *buf, size_t len)
{
    ssize_t n;
    do
        n = recv((int)(intptr_t)self->ctx, buf, len, 0);
    while (n < 0 && errno == EINTR);
    return n;
}

static ssize_t tcp_write(mk_socket_t *self, const uint8_t *buf, size_t len)
{
    ssize_t n;
    do
        n = send((int)(intptr_t)self->ctx, buf, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
}

static void tcp_close(mk_socket_t *self)
{
    close((int)(intptr_t)self->ctx);
    mk_free(self);
}

static int tcp_get_fd(mk_socket_t *self)
{
    return (int)(intptr_t)self->ctx;
}

bool mk_fd_set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

mk_socket_t *mk_socket_tcp_adopt(int fd)
{
    if (fd < 0) {
        mk_set_error("mk_socket_tcp_wrap: negative fd");
        return NULL;
    }
    mk_socket_t *s = mk_calloc(1, sizeof *s);
    if (!s) {
        mk_set_error("mk_socket_tcp_wrap: out of memory");
        return NULL;
    }
    s->read = tcp_read;
    s->write = tcp_write;
    s->close = tcp_close;
    s->get_fd = tcp_get_fd;
    s->ctx = (void *)(intptr_t)fd;
    return s;
}

mk_socket_t *mk_socket_tcp_wrap(int fd)
{
    if (fd >= 0)
        mk_fd_set_nonblocking(fd);
    return mk_socket_tcp_adopt(fd);
}

int mk_tcp_connect_blocking(const char *host, uint16_t port, const char *who)
{
    if (!host || !*host) {
        mk_set_error("%s: no host", who);
        return -1;
    }
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        mk_set_error("%s: cannot resolve %s: %s", who, host, gai_strerror(rc));
        return -1;
    }
    int err = 0;
    int fd = mk_sock_open_list(res, SOCK_CLOEXEC, MK_SOCK_CONNECT, 0, &err);
    freeaddrinfo(res);
    if (fd < 0) {
        mk_set_error("%s: cannot connect to %s:%u: %s", who, host, (unsigned)port, strerror(err));
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    mk_fd_set_nonblocking(fd);
    return fd;
}

mk_socket_t *mk_socket_tcp_connect(const char *host, uint16_t port)
{
    int fd = mk_tcp_connect_blocking(host, port, "mk_socket_tcp_connect");
    if (fd < 0)
        return NULL;
    mk_socket_t *s = mk_socket_tcp_wrap(fd);
    if (!s)
        close(fd);
    return s;
}
