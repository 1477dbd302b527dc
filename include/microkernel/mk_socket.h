/*
 * microkernel/mk_socket.h -- a byte stream behind a small method table, so
 * the HTTP layer reads and writes plain TCP and TLS the same way.
 *
 * Source: seed API reference (000), "Socket". The constructors here block
 * (name resolution, connect, TLS handshake) as the seed says and are meant
 * for tools and tests; actors use http.h, whose connections never block the
 * event loop. Once made, a socket is non-blocking: read and write return -1
 * with errno EAGAIN when they would block.
 */
#ifndef MICROKERNEL_MK_SOCKET_H
#define MICROKERNEL_MK_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "microkernel/types.h"

/* The seed ("mk_socket_tls_connect ... #ifdef HAVE_TLS"): HAVE_TLS is
 * defined when a TLS backend is, OpenSSL on Linux (HAVE_OPENSSL) or mbedTLS
 * on ESP32 (HAVE_MBEDTLS). The library's build defines HAVE_OPENSSL and
 * HAVE_TLS itself when it found OpenSSL; a consumer that defines only the
 * backend macro gets HAVE_TLS here. */
#if !defined(HAVE_TLS) && (defined(HAVE_OPENSSL) || defined(HAVE_MBEDTLS))
#define HAVE_TLS 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct mk_socket {
    /* Read up to `len` bytes into `buf`. Returns the count (> 0), 0 when the
     * peer closed the stream, or -1 with errno set (EAGAIN: nothing now;
     * EPROTO: TLS failure). */
    ssize_t (*read)(mk_socket_t *self, uint8_t *buf, size_t len);
    /* Write up to `len` bytes. Returns the count written (> 0), or -1 with
     * errno set (EAGAIN: try again when writable; EPIPE/ECONNRESET). */
    ssize_t (*write)(mk_socket_t *self, const uint8_t *buf, size_t len);
    /* Close the descriptor (TLS: send close_notify first) and free `self`. */
    void (*close)(mk_socket_t *self);
    /* The underlying descriptor, for the event loop. */
    int (*get_fd)(mk_socket_t *self);
    void *ctx; /* the implementation's state */
};

/*
 * Connect to `host`:`port` over TCP: resolves with getaddrinfo (blocking),
 * tries each address with a blocking connect(), then makes the socket
 * non-blocking and sets TCP_NODELAY. Returns a socket the caller owns
 * (free with ->close), or NULL with a reason in mk_last_error() when the
 * name does not resolve, every connect fails, or memory runs out.
 */
mk_socket_t *mk_socket_tcp_connect(const char *host, uint16_t port);

/*
 * Wrap an already connected descriptor `fd` (made non-blocking here).
 * Ownership of `fd` passes to the socket: ->close closes it. Returns NULL,
 * with a reason, for a negative fd or out of memory (fd is then untouched).
 */
mk_socket_t *mk_socket_tcp_wrap(int fd);

#if defined(HAVE_TLS)
/*
 * Connect to `host`:`port` over TCP and run a TLS handshake (OpenSSL;
 * blocking). The server certificate is verified against the system CA
 * store -- or the file named by the SSL_CERT_FILE environment variable /
 * directory named by SSL_CERT_DIR, OpenSSL's standard override -- and must
 * match `host` (RFC 6125 name check; IP literals against IP SANs); SNI is
 * set for names. Afterwards the socket is non-blocking. Returns NULL, with
 * the reason (resolution, connect, handshake, verification error text) in
 * mk_last_error(), on failure.
 */
mk_socket_t *mk_socket_tls_connect(const char *host, uint16_t port);
#endif

#ifdef __cplusplus
}
#endif

#endif
