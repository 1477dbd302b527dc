/*
 * transport_tcp.c -- TCP transports (seed "Transport" -> "TCP"): address
 * resolution and socket setup; framing, queueing and lazy accept live in
 * stream.c. Network byte order frames.
 *
 * Called by the application before runtime_add_transport(); blocks only in
 * getaddrinfo() and in connect() of transport_tcp_connect().
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "microkernel/transport_tcp.h"
#include "net/net_internal.h"
#include "platform/sock.h"

static transport_t *wrap_connected(const char *fn, int fd, node_id_t peer_node);

transport_t *transport_tcp_listen(const char *host, uint16_t port, node_id_t peer_node)
{
    struct addrinfo *res = mk_net_resolve("transport_tcp_listen", host, port, SOCK_STREAM, true);
    if (!res)
        return NULL;
    int err = 0;
    int fd = mk_sock_open_list(res, SOCK_NONBLOCK | SOCK_CLOEXEC, MK_SOCK_LISTEN, 8, &err);
    freeaddrinfo(res);
    if (fd < 0) {
        mk_set_error("transport_tcp_listen: cannot listen on %s:%u: %s",
                     host && host[0] ? host : "*", port, strerror(err));
        return NULL;
    }
    return mk_stream_create(peer_node, fd, -1, "tcp", true, MK_TCP_SEND_QUEUE_MAX, NULL);
}

transport_t *transport_tcp_connect(const char *host, uint16_t port, node_id_t peer_node)
{
    if (!host || !host[0]) {
        mk_set_error("transport_tcp_connect: host is %s", host ? "empty" : "NULL");
        return NULL;
    }
    struct addrinfo *res = mk_net_resolve("transport_tcp_connect", host, port, SOCK_STREAM, false);
    if (!res)
        return NULL;
    int err = 0;
    int fd = mk_sock_open_list(res, SOCK_CLOEXEC, MK_SOCK_CONNECT, 0, &err);
    freeaddrinfo(res);
    if (fd < 0) {
        mk_set_error("transport_tcp_connect: cannot connect to %s:%u: %s", host, port,
                     strerror(err));
        return NULL;
    }
    return wrap_connected("transport_tcp_connect", fd, peer_node);
}

/* A connected socket made non-blocking with TCP_NODELAY and keepalive
 * (mk_sock_tune_link), as a transport;
 * the fd is closed on failure. */
static transport_t *wrap_connected(const char *fn, int fd, node_id_t peer_node)
{
    mk_sock_tune_link(fd);
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        mk_set_error("%s: fcntl: %s", fn, strerror(errno));
        close(fd);
        return NULL;
    }
    return mk_stream_create(peer_node, -1, fd, "tcp", true, MK_TCP_SEND_QUEUE_MAX, NULL);
}

transport_t *transport_tcp_from_fd(int fd, node_id_t peer_node)
{
    int type = 0;
    socklen_t len = sizeof type;
    struct sockaddr_storage ss;
    socklen_t alen = sizeof ss;
    if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
        mk_set_error("transport_tcp_from_fd: fd %d is not a stream socket", fd);
        return NULL;
    }
    if (getpeername(fd, (struct sockaddr *)&ss, &alen) < 0) {
        mk_set_error("transport_tcp_from_fd: fd %d is not connected: %s", fd, strerror(errno));
        return NULL;
    }
    return wrap_connected("transport_tcp_from_fd", fd, peer_node);
}

uint16_t transport_tcp_port(transport_t *t)
{
    if (!t || t->destroy != mk_stream_destroy)
        return 0;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(mk_stream_socket(t), (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}
