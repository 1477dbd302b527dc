/*
 * link_tls.h -- the connection under an authenticated node link
 * (docs/security.md, "TLS"): TLS 1.3 with OpenSSL, each side presenting a
 * self-signed X.509 certificate made at start-up from the node's ed25519
 * key (no CA: the chain is accepted and the key is pinned by the link
 * authentication that follows), over a BIO whose writes use
 * send(..., MSG_NOSIGNAL) so a peer that resets never raises SIGPIPE.
 * link_io_t is the I/O state of one connection (plain or TLS), usable by
 * the handshake and then handed to the stream transport (stream_io.h).
 */
#ifndef MK_NET_LINK_TLS_H
#define MK_NET_LINK_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "net/link_auth.h"
#include "net/node_key.h"
#include "net/stream_io.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

/*
 * An SSL_CTX for node links (client and server side alike): TLS 1.3 only,
 * the certificate is self-signed from `key` (subject CN = `cn`, valid from
 * one hour ago for 100 years), peers must present a certificate, any chain
 * is accepted, no session tickets. NULL with a reason on OpenSSL failure.
 * Free with SSL_CTX_free (link_tls_ctx_free).
 */
SSL_CTX *link_tls_ctx(const node_key_t *key, const char *cn);
/* Free a context from link_tls_ctx (NULL is ignored); connections made
 * from it keep their own reference. */
void link_tls_ctx_free(SSL_CTX *ctx);

typedef struct link_io link_io_t;

/*
 * I/O state over the connected non-blocking socket `fd` (not owned: the
 * caller or the stream transport closes it). With `ctx`, a TLS connection
 * is made (`server`: accept side) over a MSG_NOSIGNAL BIO; without, plain.
 * NULL with a reason on no memory / OpenSSL failure.
 */
link_io_t *link_io_new(int fd, SSL_CTX *ctx, bool server);
/* Free the I/O state and its TLS connection, without a close_notify and
 * without closing the fd (NULL is ignored). */
void link_io_free(link_io_t *io);

/* Drive the TLS handshake: 1 done, 0 in progress (*want_write: wait for
 * the fd to be writable, else readable), -1 failed with a reason. A plain
 * io returns 1. */
int link_io_handshake(link_io_t *io, bool *want_write);

/* Whether the connection is TLS. */
bool link_io_is_tls(const link_io_t *io);

/* The ed25519 key of the peer's certificate (after the handshake). False
 * with a reason when there is none or it is not ed25519. */
bool link_io_peer_key(link_io_t *io, unsigned char pub[NODE_KEY_RAW]);

/* SSL_export_keying_material(label "EXPORTER-mk-link-auth", no context),
 * 32 bytes; zeros for a plain io. */
bool link_io_exporter(link_io_t *io, unsigned char out[LINK_EXPORTER_SIZE]);

/*
 * Let OpenSSL read whole socket buffers at once (many records per read)
 * instead of exactly one record. Only once the handshake messages are
 * read: from then on bytes may wait decoded or not inside OpenSSL, which
 * the stream learns through the pending method.
 */
void link_io_set_read_ahead(link_io_t *io);

/*
 * Bytes written before anything the stream transport writes (the verdict or
 * hello that must precede the first frame), at most 256. The stream's first
 * write sends them first; link_io_flush_preamble() sends what is left.
 */
bool link_io_set_preamble(link_io_t *io, const void *data, size_t len);
/* Write what is left of the preamble: true when all of it is out. */
bool link_io_flush_preamble(link_io_t *io);

/* read/write/pending/close for the stream transport, with a link_io_t as
 * ctx (stream_io.h): close frees the link_io_t. */
extern const mk_stream_io_t link_io_methods;
/* Like read(2) on the connection (decrypted with TLS): > 0 bytes, 0 end of
 * stream (close_notify or EOF), -1 with errno (EAGAIN: wait for the fd;
 * EPROTO: a TLS error). At most `len` bytes: with read-ahead off, nothing
 * past them is taken from the socket. */
ssize_t link_io_read(link_io_t *io, void *buf, size_t len);
/* Like send(2) with MSG_NOSIGNAL, after any preamble: bytes taken (with TLS
 * possibly fewer than len: partial writes), -1 with errno (EAGAIN: retry
 * with at least the same bytes when writable; ECONNRESET, EPIPE...). */
ssize_t link_io_write(link_io_t *io, const void *buf, size_t len);

#endif
