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
};

/* The common part of `t` when it was made in src/net/, else NULL. */
mk_net_common_t *mk_net_common(transport_t *t);

/* printf-style log through common->log (stderr when no sink is set yet). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void mk_net_log(mk_net_common_t *c, int level, const char *fmt, ...);

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
