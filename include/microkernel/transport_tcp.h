/*
 * microkernel/transport_tcp.h -- transports over TCP between machines.
 *
 * Source: seed API reference (000), "Transport" -> "TCP". Frames use the
 * network byte order wire format (microkernel/wire.h). Registry broadcasts
 * (MSG_NAME_REGISTER / _UNREGISTER) travel over TCP and Unix transports.
 */
#ifndef MICROKERNEL_TRANSPORT_TCP_H
#define MICROKERNEL_TRANSPORT_TCP_H

#include "microkernel/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Output queued while the socket would block, per transport, in bytes.
 * Past it send() (and so actor_send()) returns false with a reason. */
#ifndef MK_TCP_SEND_QUEUE_MAX
#define MK_TCP_SEND_QUEUE_MAX (4u << 20) /* bytes queued per link */
#endif

/*
 * Listen on `host` (a numeric address or a name; NULL or "" for every
 * address) and TCP `port` (0: the kernel picks one, see
 * transport_tcp_port()) for node `peer_node`. Accepts lazily, like
 * transport_unix_listen() (accept and read in one recv(), accept on send(),
 * the handshake deadline): fd is the listener until a peer connects, and
 * again after that peer is gone. SO_REUSEADDR is set. Returns NULL with a
 * reason in mk_last_error() when the name does not resolve or the address
 * cannot be bound. Name resolution may block (getaddrinfo).
 */
transport_t *transport_tcp_listen(const char *host, uint16_t port, node_id_t peer_node);

/*
 * Connect to `host`:`port` where node `peer_node` listens. Blocks until the
 * TCP handshake completes (a listener completes it before accepting), then
 * makes the socket non-blocking with TCP_NODELAY. Returns NULL with a reason
 * when nothing listens there, the name does not resolve, or on a socket
 * error. Once the peer goes away the transport stays disconnected.
 */
transport_t *transport_tcp_connect(const char *host, uint16_t port, node_id_t peer_node);

/*
 * Wrap an already connected TCP socket `fd` (the original's constructor,
 * used by its mount protocol: compat/wire-and-mount.md section 2). Makes it
 * non-blocking with TCP_NODELAY; big-endian wire header. On success the
 * transport owns fd (destroy closes it). Returns NULL with a reason in
 * mk_last_error() when fd is negative, not a stream socket or not
 * connected (fd then stays the caller's), or when fcntl fails or memory
 * runs out (fd is then closed, as the transport owned it). No
 * authentication: for links to our nodes, prefer the mount service.
 */
transport_t *transport_tcp_from_fd(int fd, node_id_t peer_node);

/*
 * Extension: the local TCP port of a transport made by this header (the
 * listening port for transport_tcp_listen), in host byte order; 0 for other
 * transports or on error.
 */
uint16_t transport_tcp_port(transport_t *transport);

#ifdef __cplusplus
}
#endif

#endif
