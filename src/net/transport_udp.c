/*
 * transport_udp.c -- UDP transports (seed "Transport" -> "UDP"): one
 * network-order frame per datagram, the bound side learning its peer from
 * the first valid datagram and then connect()ing to it.
 *
 * Driven by the node link on the runtime's thread; never blocks. A datagram
 * that would block is refused, not queued (UDP may drop it anyway).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "microkernel/services.h"
#include "microkernel/transport_udp.h"
#include "microkernel/wire.h"
#include "net/net_internal.h"
#include "platform/sock.h"

#define SKIP_MAX 64 /* invalid datagrams skipped per recv() call (not MK_NET_RECV_BUDGET) */

typedef struct {
    mk_net_common_t common;                       /* must stay first */
    int fd;                                       /* the socket */
    bool peer_known;                              /* connect()ed to the peer */
    bool bound;                                   /* made by transport_udp_bind */
    unsigned char buf[WIRE_UDP_MAX_DATAGRAM + 1]; /* one datagram, +1 to see oversize */
} udp_t;

static udp_t *U(const transport_t *t)
{
    return t->impl;
}

static bool is_connected(transport_t *t)
{
    return U(t)->peer_known;
}

static bool no_output(transport_t *t)
{
    (void)t;
    return false;
}

static bool flush(transport_t *t)
{
    (void)t;
    return true;
}

static void drop(transport_t *t, const char *why)
{
    (void)t;
    (void)why; /* datagrams: nothing to close; a bad datagram is simply skipped */
}

static const char *down_reason(transport_t *t)
{
    (void)t;
    return "";
}

static bool send_msg(transport_t *t, const message_t *msg)
{
    udp_t *u = U(t);
    if (!u->peer_known)
        return mk_fail("udp transport to node %u: peer address not known yet (a bound UDP "
                       "transport learns it from the first datagram it receives)",
                       t->peer_node);
    if (msg->payload_size > WIRE_UDP_MAX_PAYLOAD)
        return mk_fail("udp transport to node %u: message of %zu bytes (payload %zu) exceeds "
                       "the %u-byte datagram limit (payload at most %u bytes)",
                       t->peer_node, msg->payload_size + WIRE_HEADER_SIZE, msg->payload_size,
                       WIRE_UDP_MAX_DATAGRAM, WIRE_UDP_MAX_PAYLOAD);
    unsigned char hdr[WIRE_HEADER_SIZE];
    if (!wire_encode_header(msg, true, hdr))
        return false;
    struct iovec iov[2] = {{hdr, WIRE_HEADER_SIZE}, {msg->payload, msg->payload_size}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = msg->payload_size ? 2 : 1};
    ssize_t n;
    do
        n = sendmsg(u->fd, &mh, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return mk_fail("udp transport to node %u: socket buffer full, datagram not sent",
                           t->peer_node);
        if (errno == ECONNREFUSED)
            return mk_fail("udp transport to node %u: peer port unreachable (ECONNREFUSED); "
                           "nothing is bound there any more",
                           t->peer_node);
        return mk_fail("udp transport to node %u: send: %s", t->peer_node, strerror(errno));
    }
    return true;
}

static message_t *recv_msg(transport_t *t)
{
    udp_t *u = U(t);
    for (int i = 0; i < SKIP_MAX; i++) {
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof from;
        ssize_t n =
            recvfrom(u->fd, u->buf, sizeof u->buf, MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return NULL;
            if (errno == ECONNREFUSED) { /* ICMP for an earlier send; nothing to read */
                mk_net_log(&u->common, LOG_WARN,
                           "udp transport from node %u: peer port unreachable (ECONNREFUSED)",
                           t->peer_node);
                continue;
            }
            mk_net_log(&u->common, LOG_WARN, "udp transport from node %u: recv: %s", t->peer_node,
                       strerror(errno));
            return NULL;
        }
        message_t *m = NULL;
        if (n == 0)
            mk_set_error("zero-length datagram");
        else if ((size_t)n > WIRE_UDP_MAX_DATAGRAM)
            mk_set_error("datagram of %zd bytes exceeds the %u-byte limit", n,
                         WIRE_UDP_MAX_DATAGRAM);
        else
            m = wire_deserialize_net(u->buf, (size_t)n);
        if (!m) {
            mk_net_log(&u->common, LOG_WARN, "udp transport from node %u: datagram dropped: %s",
                       t->peer_node, mk_last_error());
            continue;
        }
        if (!u->peer_known) {
            if (connect(u->fd, (struct sockaddr *)&from, fromlen) < 0) {
                mk_net_log(&u->common, LOG_WARN, "udp transport for node %u: connect: %s",
                           t->peer_node, strerror(errno));
            } else {
                u->peer_known = true;
            }
        }
        return m;
    }
    return NULL;
}

void mk_udp_destroy(transport_t *t)
{
    if (!t)
        return;
    close(U(t)->fd);
    mk_free(t->impl);
    mk_free(t);
}

/* A UDP socket bound (bind) or connected (!bind) to host:port. */
static transport_t *make(const char *fn, const char *host, uint16_t port, node_id_t peer_node,
                         bool bind_side)
{
    if (!bind_side && (!host || !host[0])) {
        mk_set_error("%s: host is %s", fn, host ? "empty" : "NULL");
        return NULL;
    }
    struct addrinfo *res = mk_net_resolve(fn, host, port, SOCK_DGRAM, bind_side);
    if (!res)
        return NULL;
    int err = 0;
    int fd = mk_sock_open_list(res, SOCK_NONBLOCK | SOCK_CLOEXEC,
                               bind_side ? MK_SOCK_BIND : MK_SOCK_CONNECT, 0, &err);
    freeaddrinfo(res);
    if (fd < 0) {
        mk_set_error("%s: %s:%u: %s", fn, host && host[0] ? host : "*", port, strerror(err));
        return NULL;
    }
    transport_t *t = mk_calloc(1, sizeof *t);
    udp_t *u = mk_calloc(1, sizeof *u);
    if (!t || !u) {
        mk_free(t);
        mk_free(u);
        close(fd);
        mk_set_error("%s: out of memory", fn);
        return NULL;
    }
    u->common = (mk_net_common_t){.reliable = false,
                                  .wants_write = no_output,
                                  .flush = flush,
                                  .drop = drop,
                                  .down_reason = down_reason};
    u->fd = fd;
    u->bound = bind_side;
    u->peer_known = !bind_side;
    t->peer_node = peer_node;
    t->fd = fd;
    t->send = send_msg;
    t->recv = recv_msg;
    t->is_connected = is_connected;
    t->destroy = mk_udp_destroy;
    t->impl = u;
    return t;
}

transport_t *transport_udp_bind(const char *host, uint16_t port, node_id_t peer_node)
{
    return make("transport_udp_bind", host, port, peer_node, true);
}

transport_t *transport_udp_connect(const char *host, uint16_t port, node_id_t peer_node)
{
    return make("transport_udp_connect", host, port, peer_node, false);
}

uint16_t transport_udp_port(transport_t *t)
{
    if (!t || t->destroy != mk_udp_destroy)
        return 0;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(U(t)->fd, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}
