/*
 * microkernel/transport_unix.h -- transports over Unix domain stream sockets
 * between processes on one machine.
 *
 * Source: seed API reference (000), "Transport" -> "Unix domain sockets".
 * Frames use the host byte order wire format (microkernel/wire.h).
 */
#ifndef MICROKERNEL_TRANSPORT_UNIX_H
#define MICROKERNEL_TRANSPORT_UNIX_H

#include "microkernel/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Output queued while the socket would block, per transport, in bytes.
 * Past it send() (and so actor_send()) returns false with a reason. */
#ifndef MK_UNIX_SEND_QUEUE_MAX
#define MK_UNIX_SEND_QUEUE_MAX (4u << 20)
#endif

/*
 * Listen on the Unix socket `path` (at most 107 bytes) for node `peer_node`.
 * A stale socket file nobody listens on is replaced; a live one is an error.
 * Accepts lazily: until a peer connects, transport->fd is the listening
 * socket and is_connected() is false; the first recv() that finds a peer
 * waiting accepts it and reads what it sent in the same call, and a send()
 * with a peer waiting accepts it first (seed; the original's behaviour);
 * fd becomes the connection. Added to a runtime, an accepted peer must send
 * a whole valid frame within MK_NET_HANDSHAKE_MS (3000 ms) or it is dropped
 * (docs/multi-node.md). When that peer goes away the transport accepts
 * again (fd is the listener once more). The file
 * is removed by destroy(). Returns NULL, with a reason in mk_last_error(),
 * for a NULL/empty/too long path, a path in use, or a socket error.
 * The caller owns the transport until runtime_add_transport() succeeds.
 */
transport_t *transport_unix_listen(const char *path, node_id_t peer_node);

/*
 * Connect to the Unix socket `path` where node `peer_node` listens. The
 * connect itself is immediate (Unix sockets do not wait for accept); the
 * socket is then non-blocking. Returns NULL with a reason when nobody
 * listens there (ENOENT, ECONNREFUSED) or on a socket error. Once the peer
 * goes away the transport stays disconnected (add a new one to reconnect).
 */
transport_t *transport_unix_connect(const char *path, node_id_t peer_node);

#ifdef __cplusplus
}
#endif

#endif
