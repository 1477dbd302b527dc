/*
 * socket_internal.h -- what the HTTP layer needs from the socket files
 * beyond the public mk_socket.h: non-blocking TLS for the event loop.
 */
#ifndef MK_HTTP_SOCKET_INTERNAL_H
#define MK_HTTP_SOCKET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "microkernel/mk_socket.h"

/* mk_socket_tcp_wrap for an fd that is already non-blocking (accept4 with
 * SOCK_NONBLOCK): saves the two fcntl calls per accepted connection. On
 * success the socket owns fd; NULL with a reason when fd < 0 or memory runs
 * out (fd stays the caller's). */
mk_socket_t *mk_socket_tcp_adopt(int fd);

/* Set O_NONBLOCK on `fd`; false when fcntl fails. */
bool mk_fd_set_nonblocking(int fd);

/* Resolve and connect blocking (getaddrinfo + connect), then set
 * O_NONBLOCK and TCP_NODELAY. Returns the fd, or -1 with a reason prefixed
 * by `who` in mk_last_error(). */
int mk_tcp_connect_blocking(const char *host, uint16_t port, const char *who);

/* Results of mk_tls_handshake. */
enum { MK_TLS_DONE = 0, MK_TLS_WANT_READ = 1, MK_TLS_WANT_WRITE = 2, MK_TLS_FAILED = -1 };

/*
 * A client TLS configuration: verification against the system CA store
 * (or SSL_CERT_FILE / SSL_CERT_DIR), TLS 1.2 minimum. NULL with `err`
 * filled when TLS is not compiled in or OpenSSL fails. Free with
 * mk_tls_config_free.
 */
void *mk_tls_config_new(char *err, size_t errlen);
void mk_tls_config_free(void *config);

/*
 * Start a client TLS session over the connected non-blocking `fd` (the
 * socket takes ownership of fd), with SNI and hostname verification for
 * `host`. Drive it with mk_tls_handshake until MK_TLS_DONE. NULL with
 * `err` filled on failure (fd then untouched).
 */
mk_socket_t *mk_tls_client_new(void *config, int fd, const char *host, char *err, size_t errlen);

/*
 * Attach the connected descriptor `fd` to `ssl` (an OpenSSL SSL *, client
 * or server) through a socket BIO whose writes use send(..., MSG_NOSIGNAL)
 * and reads recv(2): unlike SSL_set_fd, a write to a peer that reset the
 * connection returns EPIPE / ECONNRESET instead of raising SIGPIPE, which
 * would kill the host process (issue 13). The BIO does not own fd. For
 * every TLS socket of the runtime (HTTP client here; node links may use it
 * too). False when OpenSSL is not built in or memory runs out (ssl is then
 * unchanged).
 */
bool mk_tls_set_fd(void *ssl, int fd);

/* Advance the handshake. On MK_TLS_FAILED `err` holds the reason
 * (certificate verification errors name what failed). */
int mk_tls_handshake(mk_socket_t *s, char *err, size_t errlen);

#endif
