/*
 * mk_socket_tls.c -- TLS client sockets on OpenSSL (seed "Socket"), over a
 * socket BIO of our own that sends with MSG_NOSIGNAL.
 *
 * Two uses: mk_socket_tls_connect (blocking, for tools and tests) and the
 * non-blocking session the HTTP client drives from the event loop
 * (mk_tls_client_new + mk_tls_handshake). Certificates are always
 * verified: system CA store, or SSL_CERT_FILE / SSL_CERT_DIR (OpenSSL's own
 * environment override, which the tests use for their test CA). Without
 * OpenSSL every entry point fails with a clear reason.
 */
#include "http/socket/socket_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"

#ifdef HAVE_OPENSSL
#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

/* ---- a socket BIO that never raises SIGPIPE ---------------------------
 *
 * OpenSSL's own socket BIO (SSL_set_fd) writes with write(2): to a peer
 * that reset the connection that raises SIGPIPE, whose default action
 * kills the host process (issue 13). Ours sends with send(...,
 * MSG_NOSIGNAL), so the failed write only returns EPIPE / ECONNRESET, and
 * receives with recv(2). The BIO's data is the descriptor; it does not own
 * it (tls_close closes the fd). */

#ifdef BIO_FLAGS_IN_EOF
#define NOSIG_EOF BIO_FLAGS_IN_EOF /* the peer's end of stream was read (BIO_CTRL_EOF) */
#else
#define NOSIG_EOF 0x800
#endif

static int nosig_write(BIO *b, const char *buf, int len)
{
    int fd = (int)(intptr_t)BIO_get_data(b);
    ssize_t n;
    do
        n = send(fd, buf, (size_t)len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    BIO_clear_retry_flags(b);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        BIO_set_retry_write(b);
    return (int)n;
}

static int nosig_read(BIO *b, char *buf, int len)
{
    int fd = (int)(intptr_t)BIO_get_data(b);
    ssize_t n;
    do
        n = recv(fd, buf, (size_t)len, 0);
    while (n < 0 && errno == EINTR);
    BIO_clear_retry_flags(b);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        BIO_set_retry_read(b);
    else if (n == 0)
        BIO_set_flags(b, NOSIG_EOF);
    return (int)n;
}

static int nosig_puts(BIO *b, const char *str)
{
    return nosig_write(b, str, (int)strlen(str));
}

static long nosig_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    switch (cmd) {
    case BIO_CTRL_FLUSH: return 1; /* nothing is buffered here */
    case BIO_CTRL_EOF: return BIO_test_flags(b, NOSIG_EOF) != 0;
    case BIO_C_GET_FD: {
        int fd = (int)(intptr_t)BIO_get_data(b);
        if (ptr)
            *(int *)ptr = fd;
        return fd;
    }
    default: return 0;
    }
}

static int nosig_create(BIO *b)
{
    BIO_set_data(b, (void *)(intptr_t)-1);
    BIO_set_init(b, 0);
    return 1;
}

static BIO_METHOD *nosig_method;
static pthread_once_t nosig_once = PTHREAD_ONCE_INIT;

/* Made once per process and kept (OpenSSL frees methods only at exit). */
static void nosig_method_init(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                 "microkernel socket (MSG_NOSIGNAL)");
    if (m && BIO_meth_set_write(m, nosig_write) && BIO_meth_set_read(m, nosig_read) &&
        BIO_meth_set_puts(m, nosig_puts) && BIO_meth_set_ctrl(m, nosig_ctrl) &&
        BIO_meth_set_create(m, nosig_create)) {
        nosig_method = m;
        return;
    }
    if (m)
        BIO_meth_free(m);
}

bool mk_tls_set_fd(void *ssl, int fd)
{
    pthread_once(&nosig_once, nosig_method_init);
    if (!nosig_method)
        return false;
    BIO *b = BIO_new(nosig_method);
    if (!b)
        return false;
    BIO_set_data(b, (void *)(intptr_t)fd);
    BIO_set_init(b, 1);
    SSL_set_bio(ssl, b, b); /* one reference, owned by ssl from now on */
    return true;
}

typedef struct {
    SSL *ssl;
    int fd;
} tls_sock_t;

/* The most useful text for the last failure of `ssl` (return value `rc`). */
static void tls_reason(SSL *ssl, int rc, char *err, size_t errlen)
{
    long vr = SSL_get_verify_result(ssl);
    if (vr != X509_V_OK) {
        snprintf(err, errlen, "certificate verify failed: %s", X509_verify_cert_error_string(vr));
        ERR_clear_error();
        return;
    }
    unsigned long e = ERR_get_error();
    if (e) {
        char buf[200];
        ERR_error_string_n(e, buf, sizeof buf);
        snprintf(err, errlen, "TLS error: %s", buf);
        ERR_clear_error();
        return;
    }
    int se = SSL_get_error(ssl, rc);
    if (se == SSL_ERROR_SYSCALL)
        snprintf(err, errlen, "TLS: connection closed during handshake%s%s", errno ? ": " : "",
                 errno ? strerror(errno) : "");
    else
        snprintf(err, errlen, "TLS error %d", se);
}

static ssize_t tls_read(mk_socket_t *self, uint8_t *buf, size_t len)
{
    tls_sock_t *t = self->ctx;
    size_t got = 0;
    int rc = SSL_read_ex(t->ssl, buf, len, &got);
    if (rc > 0)
        return (ssize_t)got;
    switch (SSL_get_error(t->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: errno = EAGAIN; return -1;
    case SSL_ERROR_ZERO_RETURN: return 0;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        if (errno == 0)
            return 0; /* EOF without close_notify: treat as end of stream */
        return -1;
    default:
        ERR_clear_error();
        errno = EPROTO;
        return -1;
    }
}

static ssize_t tls_write(mk_socket_t *self, const uint8_t *buf, size_t len)
{
    tls_sock_t *t = self->ctx;
    size_t done = 0;
    int rc = SSL_write_ex(t->ssl, buf, len, &done);
    if (rc > 0)
        return (ssize_t)done;
    switch (SSL_get_error(t->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: errno = EAGAIN; return -1;
    default:
        ERR_clear_error();
        if (errno == 0 || errno == EAGAIN)
            errno = EPIPE;
        return -1;
    }
}

static void tls_close(mk_socket_t *self)
{
    tls_sock_t *t = self->ctx;
    if (SSL_is_init_finished(t->ssl))
        SSL_shutdown(t->ssl); /* best effort close_notify; never waits */
    SSL_free(t->ssl);
    ERR_clear_error();
    close(t->fd);
    mk_free(t);
    mk_free(self);
}

static int tls_get_fd(mk_socket_t *self)
{
    return ((tls_sock_t *)self->ctx)->fd;
}

void *mk_tls_config_new(char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(err, errlen, "TLS: cannot create a context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    /* Honours SSL_CERT_FILE / SSL_CERT_DIR, else the system store. */
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        snprintf(err, errlen, "TLS: cannot load the CA store");
        SSL_CTX_free(ctx);
        ERR_clear_error();
        return NULL;
    }
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

void mk_tls_config_free(void *config)
{
    SSL_CTX_free(config);
}

mk_socket_t *mk_tls_client_new(void *config, int fd, const char *host, char *err, size_t errlen)
{
    mk_socket_t *s = mk_calloc(1, sizeof *s);
    tls_sock_t *t = mk_calloc(1, sizeof *t);
    SSL *ssl = SSL_new(config);
    if (!s || !t || !ssl) {
        snprintf(err, errlen, "TLS: out of memory");
        goto fail;
    }
    unsigned char addr[16];
    bool is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
    if (is_ip) {
        /* An IP literal is checked against the certificate's IP SANs; no SNI (RFC 6066 3). */
        X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
        if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1) {
            snprintf(err, errlen, "TLS: bad IP address %s", host);
            goto fail;
        }
    } else {
        if (SSL_set_tlsext_host_name(ssl, host) != 1 || SSL_set1_host(ssl, host) != 1) {
            snprintf(err, errlen, "TLS: cannot set host name %s", host);
            goto fail;
        }
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
    if (!mk_tls_set_fd(ssl, fd)) {
        snprintf(err, errlen, "TLS: cannot attach the socket");
        goto fail;
    }
    SSL_set_connect_state(ssl);
    t->ssl = ssl;
    t->fd = fd;
    s->read = tls_read;
    s->write = tls_write;
    s->close = tls_close;
    s->get_fd = tls_get_fd;
    s->ctx = t;
    return s;
fail:
    ERR_clear_error();
    if (ssl)
        SSL_free(ssl);
    mk_free(t);
    mk_free(s);
    return NULL;
}

int mk_tls_handshake(mk_socket_t *s, char *err, size_t errlen)
{
    tls_sock_t *t = s->ctx;
    errno = 0;
    int rc = SSL_do_handshake(t->ssl);
    if (rc == 1)
        return MK_TLS_DONE;
    switch (SSL_get_error(t->ssl, rc)) {
    case SSL_ERROR_WANT_READ: return MK_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return MK_TLS_WANT_WRITE;
    default: tls_reason(t->ssl, rc, err, errlen); return MK_TLS_FAILED;
    }
}

mk_socket_t *mk_socket_tls_connect(const char *host, uint16_t port)
{
    char err[256];
    int fd = mk_tcp_connect_blocking(host, port, "mk_socket_tls_connect");
    if (fd < 0)
        return NULL;
    void *cfg = mk_tls_config_new(err, sizeof err);
    if (!cfg) {
        close(fd);
        mk_set_error("mk_socket_tls_connect: %s", err);
        return NULL;
    }
    mk_socket_t *s = mk_tls_client_new(cfg, fd, host, err, sizeof err);
    /* The session holds its own reference to the context. */
    mk_tls_config_free(cfg);
    if (!s) {
        close(fd);
        mk_set_error("mk_socket_tls_connect: %s", err);
        return NULL;
    }
    for (;;) {
        int r = mk_tls_handshake(s, err, sizeof err);
        if (r == MK_TLS_DONE)
            return s;
        if (r == MK_TLS_FAILED) {
            s->close(s);
            mk_set_error("mk_socket_tls_connect: %s:%u: %s", host, (unsigned)port, err);
            return NULL;
        }
        struct pollfd p = {.fd = fd, .events = r == MK_TLS_WANT_READ ? POLLIN : POLLOUT};
        if (poll(&p, 1, 30000) <= 0) {
            s->close(s);
            mk_set_error("mk_socket_tls_connect: %s:%u: handshake timed out", host, (unsigned)port);
            return NULL;
        }
    }
}

#else /* !HAVE_OPENSSL */

void *mk_tls_config_new(char *err, size_t errlen)
{
    snprintf(err, errlen, "TLS is not available: built without OpenSSL");
    return NULL;
}

void mk_tls_config_free(void *config)
{
    (void)config;
}

mk_socket_t *mk_tls_client_new(void *config, int fd, const char *host, char *err, size_t errlen)
{
    (void)config;
    (void)fd;
    (void)host;
    snprintf(err, errlen, "TLS is not available: built without OpenSSL");
    return NULL;
}

int mk_tls_handshake(mk_socket_t *s, char *err, size_t errlen)
{
    (void)s;
    snprintf(err, errlen, "TLS is not available: built without OpenSSL");
    return MK_TLS_FAILED;
}

bool mk_tls_set_fd(void *ssl, int fd)
{
    (void)ssl;
    (void)fd;
    return false;
}

#endif
