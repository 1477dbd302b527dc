/*
 * net_internal.h -- what the node link (node_link.c) knows about the
 * transports made in this folder beyond the seed's method table: queued
 * output to flush when the socket turns writable, a way to drop the
 * connection, a log sink, and whether the transport carries registry
 * broadcasts. Transports made elsewhere have none of this and are driven
 * with the seed's methods alone.
 */
#ifndef MK_NET_INTERNAL_H
#define MK_NET_INTERNAL_H

#include <stdarg.h>

#include "microkernel/runtime.h"
#include "microkernel/transport.h"

typedef struct mk_net_common mk_net_common_t;

/* The first member of the impl of every transport made in src/net/. */
struct mk_net_common {
    bool reliable;                                 /* ordered stream: carries registry sync */
    bool (*wants_write)(transport_t *t);           /* output is queued */
    bool (*flush)(transport_t *t);                 /* write queued output; false: connection lost */
    void (*drop)(transport_t *t, const char *why); /* close the connection (listener stays) */
    const char *(*down_reason)(transport_t *t);    /* why the connection was lost, or "" */
    void (*log)(void *ctx, int level, const char *text); /* set by the node link; may be NULL */
    void *log_ctx;
    /* Listeners: an accepted peer must deliver a whole valid frame within
     * handshake_ms (0: no limit; set by the node link, default
     * MK_NET_HANDSHAKE_MS) or be dropped. handshake_deadline_ms is the
     * mk_clock_ms() time by which it must, 0 when none is pending; the
     * transport sets it on accept and clears it on the first frame and on
     * drop, the node link enforces it. */
    uint32_t handshake_ms;
    uint64_t handshake_deadline_ms;
};

/* The common part of `t` when it was made in src/net/, else NULL. */
mk_net_common_t *mk_net_common(transport_t *t);

/* printf-style log through common->log (stderr when no sink is set yet). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void mk_net_log(mk_net_common_t *c, int level, const char *fmt, ...);

/* ---- Runtime-to-runtime frames for services (node_link.c) ------------ */

/*
 * Handler of incoming runtime-to-runtime frames (dest 0) the net layer does
 * not handle itself (it handles MSG_NODE_HELLO, MSG_NAME_REGISTER and
 * MSG_NAME_UNREGISTER): e.g. the original's MSG_PATH_REGISTER (0xFF00001B,
 * 136 bytes) and MSG_PATH_UNREGISTER (0xFF00001C, 128 bytes), whose sizes
 * the framer has already checked (wire.h). Called on the runtime's thread
 * with the peer node the frame came from; `m` (and its payload) stays the
 * caller's and is valid only during the call. Returns true when the frame
 * was consumed; false: the link counts it (dropped_control) and logs it,
 * rate-limited. The handler enforces its own rules (paths of the peer's
 * own actors, quotas) and removes what a peer planted on MSG_NODE_DOWN.
 */
typedef bool (*mk_net_control_fn)(runtime_t *rt, node_id_t peer, const message_t *m, void *ctx);

/* Install (fn NULL: remove) the handler of unknown dest-0 frames. One per
 * runtime; the last call wins. */
void mk_net_set_control_handler(runtime_t *rt, mk_net_control_fn fn, void *ctx);

/*
 * Send a runtime-to-runtime frame (source = dest = 0, `type`, `n` payload
 * bytes copied from `p`, sent verbatim) to every connected reliable link
 * (Unix and TCP; not UDP), e.g. a path change. Returns true when every link
 * took it (also when there is none); false with the reason of the last
 * failure (that link may be down now: MSG_NODE_DOWN follows).
 */
bool mk_net_broadcast_control(runtime_t *rt, msg_type_t type, const void *p, size_t n);

/* As mk_net_broadcast_control() for the link to `node` alone (e.g. a path
 * sync after MSG_NODE_UP); false with a reason when it is not connected or
 * the send fails. */
bool mk_net_send_control(runtime_t *rt, node_id_t node, msg_type_t type, const void *p, size_t n);

/* True when `t` is the transport of the connected link to `node` (a
 * runtime_add_transport() whose hello failed has already freed it: the
 * pointer is only compared, never followed). */
bool mk_net_link_is(runtime_t *rt, node_id_t node, const transport_t *t);

/* True when runtime_add_transport() would find room for a link to `node`:
 * a free slot, or a dead link to it that may be replaced. False, with
 * mk_last_error() set to the reason runtime_add_transport() would give,
 * otherwise. Lets a caller refuse a peer before telling it "mounted". */
bool mk_net_link_can_add(runtime_t *rt, node_id_t node);

/*
 * Original mode for the link to `node` (on) or back to ours (off): the
 * link then sends only what the original runtime understands (compat
 * wire-and-mount.md sections 1-3): no MSG_NODE_HELLO, no other extension
 * frame from the net layer; data frames, MSG_NAME_REGISTER/_UNREGISTER and
 * what services send with mk_net_*_control() still go. Node-loss cleanup,
 * backpressure, the receive budget and every check on incoming frames stay.
 * May be called before the transport is added (it applies when it is, and
 * to every later transport for that node) or while it runs (the next
 * connection's hello is skipped). Returns false with a reason for a NULL
 * runtime, node 0, or when MK_MAX_TRANSPORTS nodes are in original mode.
 */
bool mk_net_link_set_original(runtime_t *rt, node_id_t node, bool on);

/*
 * The time an accepted peer has to send its first whole valid frame, in
 * ms, for every stream listener of `rt` (those added later too; a deadline
 * already running keeps its end). 0 disables the limit. Default
 * MK_NET_HANDSHAKE_MS (3000). A late peer is dropped, counted
 * (handshakes_timed_out) and logged rate-limited, and the listener accepts
 * the next one. False with a reason for a NULL runtime or no memory.
 */
bool mk_net_set_handshake_ms(runtime_t *rt, uint32_t ms);

/*
 * Fallback route (issue 21): where a send goes when no transport is
 * registered for its destination node. Called by the router on the
 * runtime's thread; `msg` stays the caller's. Returns true when the message
 * was handed on; false with a reason for mk_last_error() (actor_send()
 * returns that). One per runtime; fn NULL removes it. Installed by the NATS
 * attachment (src/net/nats/nats_link.c): a node linked directly keeps its
 * link, every other node is reached through NATS. False with a reason for
 * a NULL runtime or no memory.
 */
typedef bool (*mk_net_fallback_fn)(runtime_t *rt, void *ctx, const message_t *msg);
bool mk_net_set_fallback(runtime_t *rt, mk_net_fallback_fn fn, void *ctx);

/* ---- Stream transports (stream.c), shared by Unix and TCP ------------ */

/*
 * A stream transport for `peer_node` over an accepting `listen_fd` (lazy
 * accept; conn_fd -1) or a connected `conn_fd` (listen_fd -1); both fds
 * non-blocking, owned by the transport from here on (closed on failure too).
 * `kind` ("unix", "tcp") names it in messages; `net_order` picks the wire
 * byte order; `queue_max` bounds queued output in bytes; `unlink_path`
 * (may be NULL) is removed on destroy. NULL with a reason on no memory.
 */
transport_t *mk_stream_create(node_id_t peer_node, int listen_fd, int conn_fd, const char *kind,
                              bool net_order, size_t queue_max, const char *unlink_path);
/* The listening or connected fd of a stream transport (for port queries). */
int mk_stream_socket(const transport_t *t);
/* The destroy method of stream transports (identifies them). */
void mk_stream_destroy(transport_t *t);
/* The destroy method of UDP transports (identifies them). */
void mk_udp_destroy(transport_t *t);

/*
 * getaddrinfo for a socket of `socktype` (SOCK_STREAM, SOCK_DGRAM) to
 * host:port (`passive`: for bind; an empty or NULL host then means every
 * address). Returns the list (free with freeaddrinfo) or NULL with
 * "<fn>: cannot resolve ..." for mk_last_error(). resolve.c.
 */
struct addrinfo *mk_net_resolve(const char *fn, const char *host, uint16_t port, int socktype,
                                bool passive);

#endif
