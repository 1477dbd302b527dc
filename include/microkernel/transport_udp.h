/*
 * microkernel/transport_udp.h -- transports over UDP datagrams: one message
 * per datagram, no connection, no retransmission.
 *
 * Source: seed API reference (000), "Transport" -> "UDP". Frames use the
 * network byte order wire format (microkernel/wire.h); a whole frame (header
 * + payload) must fit in one datagram of at most WIRE_UDP_MAX_DATAGRAM
 * (65,507) bytes, so payloads are at most WIRE_UDP_MAX_PAYLOAD (65,479).
 * UDP carries no registry broadcasts (they could be lost) and has no
 * liveness: a silent peer is not detected as gone.
 */
#ifndef MICROKERNEL_TRANSPORT_UDP_H
#define MICROKERNEL_TRANSPORT_UDP_H

#include "microkernel/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Bind a UDP socket to `host` (NULL or "" for every address) and `port`
 * (0: the kernel picks, see transport_udp_port()) for node `peer_node`.
 * The peer is unknown at first (is_connected() false, send() fails with a
 * reason); the first valid frame received teaches it: the socket is then
 * connect()ed to that address, so datagrams from anyone else are dropped by
 * the kernel. Invalid datagrams (empty, truncated, garbage, too large) are
 * logged and skipped and teach nothing. NULL with a reason when the address
 * does not resolve or cannot be bound.
 */
transport_t *transport_udp_bind(const char *host, uint16_t port, node_id_t peer_node);

/*
 * A UDP socket connect()ed to `host`:`port` where node `peer_node` is bound.
 * is_connected() is true from the start (UDP has no handshake). send()
 * fails with a reason for a message above WIRE_UDP_MAX_DATAGRAM bytes once
 * serialised, when the socket buffer is full (the datagram is not queued),
 * or when the peer's port answered "unreachable" (ECONNREFUSED).
 */
transport_t *transport_udp_connect(const char *host, uint16_t port, node_id_t peer_node);

/* Extension: the local UDP port of a transport made by this header, in host
 * byte order; 0 for other transports or on error. */
uint16_t transport_udp_port(transport_t *transport);

#ifdef __cplusplus
}
#endif

#endif
