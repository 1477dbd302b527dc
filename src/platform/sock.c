/*
 * sock.c -- opening sockets for the layers above (see sock.h): one loop
 * over addresses that binds, listens or connects, so that the transports,
 * the HTTP server, the mount listener and mk_socket all open sockets the
 * same way (SO_REUSEADDR on listening sockets only, CLOEXEC as the caller
 * asks, EINTR retried). Linux/POSIX sockets; libc only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "platform/sock.h"

int mk_sock_open_one(int family, int socktype, int protocol, const struct sockaddr *addr,
                     socklen_t addr_len, mk_sock_role_t role, int backlog, int *err)
{
    int fd = socket(family, socktype, protocol);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    int rc;
    switch (role) {
    case MK_SOCK_LISTEN: {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        rc = bind(fd, addr, addr_len) == 0 ? listen(fd, backlog) : -1;
        break;
    }
    case MK_SOCK_BIND: rc = bind(fd, addr, addr_len); break;
    default:
        do
            rc = connect(fd, addr, addr_len);
        while (rc < 0 && errno == EINTR);
        if (rc < 0 && errno == EINPROGRESS && (socktype & SOCK_NONBLOCK))
            rc = 0;
        break;
    }
    if (rc < 0) {
        *err = errno;
        close(fd);
        return -1;
    }
    return fd;
}

int mk_sock_open_list(const struct addrinfo *list, int type_flags, mk_sock_role_t role, int backlog,
                      int *err)
{
    *err = EADDRNOTAVAIL;
    for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        int fd = mk_sock_open_one(ai->ai_family, ai->ai_socktype | type_flags, ai->ai_protocol,
                                  ai->ai_addr, ai->ai_addrlen, role, backlog, err);
        if (fd >= 0)
            return fd;
    }
    return -1;
}

int mk_sock_tune_link(int fd)
{
    static const struct {
        int level, name, value;
    } opts[] = {
        {IPPROTO_TCP, TCP_NODELAY, 1},
        {SOL_SOCKET, SO_KEEPALIVE, 1},
        {IPPROTO_TCP, TCP_KEEPIDLE, MK_TCP_KEEPIDLE_S},
        {IPPROTO_TCP, TCP_KEEPINTVL, MK_TCP_KEEPINTVL_S},
        {IPPROTO_TCP, TCP_KEEPCNT, MK_TCP_KEEPCNT},
        {IPPROTO_TCP, TCP_USER_TIMEOUT, (int)MK_TCP_USER_TIMEOUT_MS},
    };
    int first = 0;
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (setsockopt(fd, opts[i].level, opts[i].name, &opts[i].value, sizeof(int)) != 0 && !first)
            first = errno;
    return first;
}
