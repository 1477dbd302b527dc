/*
 * stream.c -- the byte-stream transport shared by Unix and TCP: lazy
 * accept (on recv, which then reads at once, and on send), a deadline for
 * an accepted peer's first frame, framing of partial and coalesced reads
 * with wire_frame_check(), and an output queue for writes that would block.
 *
 * The bytes go through an I/O method table (stream_io.h): the plain socket
 * by default, TLS for an authenticated node link.
 * Driven by the node link on the runtime's thread; never blocks (all fds
 * are non-blocking). Steady state allocates only the message recv() returns
 * (the seed's recv() hands out a message_t); the buffers grow once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "microkernel/services.h"
#include "microkernel/wire.h"
#include "net/net_internal.h"
#include "net/stream_io.h"
#include "platform/clock.h"
#include "platform/sock.h"

#define RX_INITIAL  (64u << 10) /* receive buffer to start with and shrink back to */
#define SMALL_FRAME 512         /* frames up to this size are copied and sent with one send() */

typedef struct {
    mk_net_common_t common; /* must stay first */
    transport_t *t;         /* back pointer */
    const char *kind;       /* "unix" or "tcp" */
    int listen_fd;          /* accepting socket, -1 for a connecting transport */
    int conn_fd;            /* the connection, -1 when none */
    bool net_order;         /* big-endian frames */
    char *unlink_path;      /* socket file removed on destroy, or NULL */
    unsigned char *rx;      /* received bytes; a frame starts at rx_start */
    size_t rx_start, rx_end, rx_cap;
    unsigned char *tx; /* queued output in [tx_start, tx_end) */
    size_t tx_start, tx_end, tx_cap;
    size_t queue_max;         /* bytes of queued output allowed */
    char down[160];           /* why the last connection was lost */
    bool drained;             /* the last read was short: the socket is likely empty */
    const mk_stream_io_t *io; /* how the connection is read and written */
    void *io_ctx;             /* its state (the stream itself for plain_io) */
} stream_t;

static stream_t *S(const transport_t *t)
{
    return t->impl;
}

/* ---- The plain socket: the default I/O methods ------------------------- */

static ssize_t plain_read(void *ctx, void *buf, size_t len)
{
    return read(((stream_t *)ctx)->conn_fd, buf, len);
}

static ssize_t plain_write(void *ctx, const void *buf, size_t len)
{
    return send(((stream_t *)ctx)->conn_fd, buf, len, MSG_NOSIGNAL);
}

static size_t plain_pending(void *ctx)
{
    (void)ctx;
    return 0;
}

static void plain_close(void *ctx)
{
    (void)ctx;
}

static const mk_stream_io_t plain_io = {plain_read, plain_write, plain_pending, plain_close};

/* Back to the plain socket, releasing any other I/O state. */
static void io_reset(stream_t *s)
{
    if (s->io && s->io != &plain_io)
        s->io->close(s->io_ctx);
    s->io = &plain_io;
    s->io_ctx = s;
}

bool mk_stream_set_io(transport_t *t, const mk_stream_io_t *io, void *ctx)
{
    if (!t || t->destroy != mk_stream_destroy || S(t)->conn_fd < 0 || !io) {
        if (io && ctx)
            io->close(ctx);
        return mk_fail("mk_stream_set_io: not a connected stream transport");
    }
    io_reset(S(t));
    S(t)->io = io;
    S(t)->io_ctx = ctx;
    return true;
}

void mk_net_log(mk_net_common_t *c, int level, const char *fmt, ...)
{
    char text[MK_LOG_MSG_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (c && c->log)
        c->log(c->log_ctx, level, text);
    else
        fprintf(stderr, "[%s] net: %s\n", log_level_name(level), text);
}

mk_net_common_t *mk_net_common(transport_t *t)
{
    if (t && t->impl && (t->destroy == mk_stream_destroy || t->destroy == mk_udp_destroy))
        return t->impl;
    return NULL;
}

/* Close the connection and forget its buffered bytes; a listener goes back
 * to accepting. `why` is kept for down_reason() and the last error. */
static void drop(transport_t *t, const char *why)
{
    stream_t *s = S(t);
    if (s->conn_fd < 0)
        return;
    io_reset(s);
    close(s->conn_fd);
    s->conn_fd = -1;
    s->common.handshake_deadline_ms = 0;
    t->fd = s->listen_fd;
    s->rx_start = s->rx_end = 0;
    s->tx_start = s->tx_end = 0;
    s->drained = false;
    if (s->rx_cap > RX_INITIAL) {
        unsigned char *small = mk_realloc(s->rx, RX_INITIAL);
        if (small) {
            s->rx = small;
            s->rx_cap = RX_INITIAL;
        }
    }
    snprintf(s->down, sizeof s->down, "%s", why);
    mk_set_error("%s transport to node %u: %s", s->kind, t->peer_node, why);
}

static void drop_errno(transport_t *t, const char *op, int err)
{
    char why[128];
    if (err == ECONNRESET || err == EPIPE)
        snprintf(why, sizeof why, "connection reset by peer (%s: %s)", op, strerror(err));
    else
        snprintf(why, sizeof why, "%s failed: %s", op, strerror(err));
    drop(t, why);
}

static const char *down_reason(transport_t *t)
{
    return S(t)->down;
}

static bool is_connected(transport_t *t)
{
    return S(t)->conn_fd >= 0;
}

static bool wants_write(transport_t *t)
{
    return S(t)->tx_end > S(t)->tx_start;
}

/* Write as much queued output as the socket takes. False when the
 * connection was lost (and dropped). */
static bool flush(transport_t *t)
{
    stream_t *s = S(t);
    while (s->conn_fd >= 0 && s->tx_end > s->tx_start) {
        ssize_t n = s->io->write(s->io_ctx, s->tx + s->tx_start, s->tx_end - s->tx_start);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return true;
            drop_errno(t, "send", errno);
            return false;
        }
        s->tx_start += (size_t)n;
    }
    if (s->tx_start == s->tx_end)
        s->tx_start = s->tx_end = 0;
    return s->conn_fd >= 0;
}

/* Append `len` bytes to the output queue (the caller checked the limit). */
static bool queue(stream_t *s, const void *data, size_t len)
{
    if (s->tx_start > 0 && s->tx_end + len > s->tx_cap) {
        memmove(s->tx, s->tx + s->tx_start, s->tx_end - s->tx_start);
        s->tx_end -= s->tx_start;
        s->tx_start = 0;
    }
    if (s->tx_end + len > s->tx_cap) {
        size_t cap = s->tx_cap ? s->tx_cap : 4096;
        while (cap < s->tx_end + len)
            cap *= 2;
        unsigned char *n = mk_realloc(s->tx, cap);
        if (!n)
            return mk_fail("%s transport: out of memory queueing %zu bytes", s->kind, len);
        s->tx = n;
        s->tx_cap = cap;
    }
    memcpy(s->tx + s->tx_end, data, len);
    s->tx_end += len;
    return true;
}

static void try_accept(transport_t *t);

static bool send_msg(transport_t *t, const message_t *msg)
{
    stream_t *s = S(t);
    if (s->conn_fd < 0 && s->listen_fd >= 0)
        try_accept(t); /* seed: the server accepts lazily, on send as on recv */
    if (s->conn_fd < 0) {
        if (s->down[0])
            return mk_fail("%s transport to node %u is not connected (%s)", s->kind, t->peer_node,
                           s->down);
        return mk_fail("%s transport to node %u is not connected (%s)", s->kind, t->peer_node,
                       s->listen_fd >= 0 ? "no peer has connected yet" : "never connected");
    }
    unsigned char hdr[WIRE_HEADER_SIZE];
    if (!wire_encode_header(msg, s->net_order, hdr))
        return false;
    size_t total = WIRE_HEADER_SIZE + msg->payload_size;
    size_t queued = s->tx_end - s->tx_start;
    /* A frame is taken whole or not at all; one frame larger than the limit
     * still goes when nothing else is queued. */
    if (queued > 0 && queued + total > s->queue_max)
        return mk_fail("%s transport to node %u: send queue full (%zu bytes queued, limit %zu; "
                       "the peer is not reading)",
                       s->kind, t->peer_node, queued, s->queue_max);
    size_t done = 0;
    if (queued == 0) {
        /* Nothing queued: write at once. A small frame is gathered on the
         * stack and sent with send(), which spares the kernel importing a
         * msghdr and an iovec array on the ping-pong path. */
        ssize_t n;
        if (total <= SMALL_FRAME) {
            unsigned char frame[SMALL_FRAME];
            memcpy(frame, hdr, WIRE_HEADER_SIZE);
            if (msg->payload_size)
                memcpy(frame + WIRE_HEADER_SIZE, msg->payload, msg->payload_size);
            do
                n = s->io->write(s->io_ctx, frame, total);
            while (n < 0 && errno == EINTR);
        } else if (s->io != &plain_io) {
            /* Header and payload in one write (one TLS record): gathered in
             * the output queue, whose buffer grows once and is reused. */
            if (!queue(s, hdr, WIRE_HEADER_SIZE))
                return false;
            if (!queue(s, msg->payload, msg->payload_size)) {
                s->tx_end -= WIRE_HEADER_SIZE;
                return false;
            }
            return flush(t);
        } else {
            struct iovec iov[2] = {{hdr, WIRE_HEADER_SIZE}, {msg->payload, msg->payload_size}};
            struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
            do
                n = sendmsg(s->conn_fd, &mh, MSG_NOSIGNAL);
            while (n < 0 && errno == EINTR);
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            drop_errno(t, "send", errno);
            return false;
        }
        done = n > 0 ? (size_t)n : 0;
    }
    if (done < WIRE_HEADER_SIZE && !queue(s, hdr + done, WIRE_HEADER_SIZE - done)) {
        if (done > 0)
            drop(t, "out of memory queueing output"); /* part of a frame is out: stream broken */
        return false;
    }
    size_t pdone = done > WIRE_HEADER_SIZE ? done - WIRE_HEADER_SIZE : 0;
    if (pdone < msg->payload_size &&
        !queue(s, (const unsigned char *)msg->payload + pdone, msg->payload_size - pdone)) {
        /* The header is queued without its payload: the stream is broken. */
        drop(t, "out of memory queueing output");
        return false;
    }
    return true;
}

/* Accept a waiting peer on the listener, if any. */
static void try_accept(transport_t *t)
{
    stream_t *s = S(t);
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            mk_net_log(&s->common, LOG_WARN, "%s transport for node %u: accept: %s", s->kind,
                       t->peer_node, strerror(errno));
        return;
    }
    if (s->net_order) {
        mk_sock_tune_link(fd); /* TCP: no delay, keepalive (a vanished peer is noticed) */
    }
    s->conn_fd = fd;
    s->down[0] = '\0';
    t->fd = fd;
    /* An accepted peer must send a whole valid frame in time, or it is
     * dropped and the listener accepts again (issue 13: one idle
     * connection held the listener forever). The node link enforces it. */
    s->common.handshake_deadline_ms =
        s->common.handshake_ms ? mk_clock_ms() + s->common.handshake_ms : 0;
}

/* Make room after rx_end for a frame of `frame` bytes starting at rx_start. */
static bool rx_room(stream_t *s, size_t frame)
{
    if (s->rx_start > 0 && (s->rx_end == s->rx_start || s->rx_start + frame > s->rx_cap)) {
        memmove(s->rx, s->rx + s->rx_start, s->rx_end - s->rx_start);
        s->rx_end -= s->rx_start;
        s->rx_start = 0;
    }
    if (frame > s->rx_cap) {
        unsigned char *n = mk_realloc(s->rx, frame);
        if (!n)
            return mk_fail("%s transport: out of memory for a %zu-byte frame", s->kind, frame);
        s->rx = n;
        s->rx_cap = frame;
    }
    return true;
}

static message_t *recv_msg(transport_t *t)
{
    stream_t *s = S(t);
    if (s->conn_fd < 0 && s->listen_fd >= 0)
        try_accept(t); /* and read at once what the peer sent (issue 14 section 3) */
    if (s->conn_fd < 0)
        return NULL;
    for (;;) {
        size_t frame = 0;
        wire_frame_status_t st =
            wire_frame_check(s->rx + s->rx_start, s->rx_end - s->rx_start, s->net_order, &frame);
        if (st == WIRE_FRAME_ERROR) {
            char why[160];
            snprintf(why, sizeof why, "bad frame from peer, closing: %s", mk_last_error());
            mk_net_log(&s->common, LOG_WARN, "%s transport from node %u: %s", s->kind, t->peer_node,
                       why);
            drop(t, why);
            return NULL;
        }
        if (st == WIRE_FRAME_COMPLETE) {
            message_t *m = s->net_order ? wire_deserialize_net(s->rx + s->rx_start, frame)
                                        : wire_deserialize(s->rx + s->rx_start, frame);
            s->rx_start += frame;
            if (s->rx_start == s->rx_end)
                s->rx_start = s->rx_end = 0;
            if (!m) {
                mk_net_log(&s->common, LOG_WARN, "%s transport from node %u: frame dropped: %s",
                           s->kind, t->peer_node, mk_last_error());
            } else {
                s->common.handshake_deadline_ms = 0; /* the peer speaks the protocol */
                return m;
            }
            continue;
        }
        /* A short read emptied the socket: wait for the (level-triggered)
         * poller instead of a read that would only say EAGAIN. */
        if (s->drained) {
            s->drained = false;
            return NULL;
        }
        if (!rx_room(s, frame)) {
            drop(t, mk_last_error());
            return NULL;
        }
        size_t room = s->rx_cap - s->rx_end;
        ssize_t n = s->io->read(s->io_ctx, s->rx + s->rx_end, room);
        if (n > 0) {
            s->rx_end += (size_t)n;
            /* Bytes a TLS layer holds decoded raise no readiness event. */
            s->drained = (size_t)n < room && s->io->pending(s->io_ctx) == 0;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return NULL;
        if (n == 0) {
            char why[128];
            size_t partial = s->rx_end - s->rx_start;
            if (partial)
                snprintf(why, sizeof why,
                         "peer closed the connection in the middle of a frame "
                         "(%zu bytes received; truncated frame discarded)",
                         partial);
            else
                snprintf(why, sizeof why, "peer closed the connection");
            if (partial)
                mk_net_log(&s->common, LOG_WARN, "%s transport from node %u: %s", s->kind,
                           t->peer_node, why);
            drop(t, why);
        } else {
            drop_errno(t, "read", errno);
        }
        return NULL;
    }
}

void mk_stream_destroy(transport_t *t)
{
    if (!t)
        return;
    stream_t *s = S(t);
    io_reset(s);
    if (s->conn_fd >= 0)
        close(s->conn_fd);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->unlink_path) {
        unlink(s->unlink_path);
        mk_free(s->unlink_path);
    }
    mk_free(s->rx);
    mk_free(s->tx);
    mk_free(s);
    mk_free(t);
}

int mk_stream_socket(const transport_t *t)
{
    const stream_t *s = S(t);
    return s->listen_fd >= 0 ? s->listen_fd : s->conn_fd;
}

transport_t *mk_stream_create(node_id_t peer_node, int listen_fd, int conn_fd, const char *kind,
                              bool net_order, size_t queue_max, const char *unlink_path)
{
    transport_t *t = mk_calloc(1, sizeof *t);
    stream_t *s = mk_calloc(1, sizeof *s);
    unsigned char *rx = mk_malloc(RX_INITIAL);
    char *path = unlink_path ? mk_strdup(unlink_path) : NULL;
    if (!t || !s || !rx || (unlink_path && !path)) {
        mk_free(t);
        mk_free(s);
        mk_free(rx);
        mk_free(path);
        if (listen_fd >= 0)
            close(listen_fd);
        if (conn_fd >= 0)
            close(conn_fd);
        mk_set_error("%s transport: out of memory", kind);
        return NULL;
    }
    s->common = (mk_net_common_t){.reliable = true,
                                  .wants_write = wants_write,
                                  .flush = flush,
                                  .drop = drop,
                                  .down_reason = down_reason};
    s->t = t;
    s->kind = kind;
    s->listen_fd = listen_fd;
    s->conn_fd = conn_fd;
    s->net_order = net_order;
    s->unlink_path = path;
    s->rx = rx;
    s->rx_cap = RX_INITIAL;
    s->queue_max = queue_max;
    s->io = &plain_io;
    s->io_ctx = s;
    t->peer_node = peer_node;
    t->fd = conn_fd >= 0 ? conn_fd : listen_fd;
    t->send = send_msg;
    t->recv = recv_msg;
    t->is_connected = is_connected;
    t->destroy = mk_stream_destroy;
    t->impl = s;
    return t;
}
