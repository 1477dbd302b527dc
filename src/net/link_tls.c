/*
 * link_tls.c -- TLS 1.3 under the node links (see link_tls.h): the SSL_CTX
 * with a self-signed certificate from the node key, a socket BIO that
 * writes with MSG_NOSIGNAL, and the per-connection I/O (plain or TLS) used
 * by the mount handshake and then by the stream transport. Runs on the
 * runtime's thread; never blocks (the socket is non-blocking).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "net/link_tls.h"

#define PREAMBLE_MAX 256

struct link_io {
    int fd;                          /* the connection (not owned) */
    SSL *ssl;                        /* NULL: plain */
    unsigned char pre[PREAMBLE_MAX]; /* bytes to write before anything else */
    size_t pre_len, pre_off;
};

/* ---- A socket BIO that never raises SIGPIPE ---------------------------- */

static int bio_write(BIO *b, const char *buf, int len)
{
    int fd = (int)(intptr_t)BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t n;
    do
        n = send(fd, buf, (size_t)len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        BIO_set_retry_write(b);
    return (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
    int fd = (int)(intptr_t)BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t n;
    do
        n = recv(fd, buf, (size_t)len, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        BIO_set_retry_read(b);
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b, (void)num, (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *nosignal_method(void)
{
    static BIO_METHOD *m;
    if (!m) {
        m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "mk-nosignal-socket");
        if (m && (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
                  !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create))) {
            BIO_meth_free(m);
            m = NULL;
        }
    }
    return m;
}

/* ---- Context ------------------------------------------------------------ */

static int accept_any(int ok, X509_STORE_CTX *store)
{
    (void)ok, (void)store;
    return 1; /* self-signed by design: the key is pinned by the link authentication */
}

static X509 *self_signed(const node_key_t *key, const char *cn)
{
    X509 *x = X509_new();
    X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
    if (!x || !name || X509_set_version(x, 2) != 1 ||
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 100L * 365 * 24 * 3600) ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   (const unsigned char *)(cn && cn[0] ? cn : "mk-node"), -1, -1,
                                   0) != 1 ||
        X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, key->pkey) != 1 ||
        X509_sign(x, key->pkey, NULL) <= 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

SSL_CTX *link_tls_ctx(const node_key_t *key, const char *cn)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    X509 *cert = ctx ? self_signed(key, cn) : NULL;
    if (!cert || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key->pkey) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1 || !nosignal_method()) {
        unsigned long e = ERR_get_error();
        X509_free(cert);
        SSL_CTX_free(ctx);
        mk_set_error("link TLS: cannot set up the certificate: %s",
                     e ? ERR_reason_error_string(e) : "OpenSSL failure");
        return NULL;
    }
    X509_free(cert);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
    /* AES-128-GCM first: the cheapest AEAD with AES-NI, as strong as a link needs. */
    SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:"
                                  "TLS_AES_256_GCM_SHA384");
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_default_read_buffer_len(ctx, 64 * 1024); /* with read-ahead: ~4 records a recv */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

void link_tls_ctx_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}

/* ---- One connection ----------------------------------------------------- */

link_io_t *link_io_new(int fd, SSL_CTX *ctx, bool server)
{
    link_io_t *io = mk_calloc(1, sizeof *io);
    if (!io) {
        mk_set_error("link: out of memory");
        return NULL;
    }
    io->fd = fd;
    if (!ctx)
        return io;
    io->ssl = SSL_new(ctx);
    BIO *b = io->ssl ? BIO_new(nosignal_method()) : NULL;
    if (!b) {
        link_io_free(io);
        mk_set_error("link TLS: cannot create the connection (OpenSSL)");
        return NULL;
    }
    BIO_set_data(b, (void *)(intptr_t)fd);
    SSL_set_bio(io->ssl, b, b);
    if (server)
        SSL_set_accept_state(io->ssl);
    else
        SSL_set_connect_state(io->ssl);
    return io;
}

void link_io_free(link_io_t *io)
{
    if (!io)
        return;
    SSL_free(io->ssl);
    mk_free(io);
}

bool link_io_is_tls(const link_io_t *io)
{
    return io->ssl != NULL;
}

/* The last OpenSSL error of this thread as text (and clear the queue). */
static const char *ssl_reason(void)
{
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "connection closed or reset";
}

int link_io_handshake(link_io_t *io, bool *want_write)
{
    *want_write = false;
    if (!io->ssl)
        return 1;
    ERR_clear_error();
    int r = SSL_do_handshake(io->ssl);
    if (r == 1)
        return 1;
    int e = SSL_get_error(io->ssl, r);
    if (e == SSL_ERROR_WANT_READ)
        return 0;
    if (e == SSL_ERROR_WANT_WRITE) {
        *want_write = true;
        return 0;
    }
    mk_set_error("TLS handshake failed: %s", ssl_reason());
    return -1;
}

bool link_io_peer_key(link_io_t *io, unsigned char pub[NODE_KEY_RAW])
{
    X509 *x = io->ssl ? SSL_get1_peer_certificate(io->ssl) : NULL;
    EVP_PKEY *pk = x ? X509_get0_pubkey(x) : NULL;
    size_t n = NODE_KEY_RAW;
    bool ok = pk && EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519 &&
              EVP_PKEY_get_raw_public_key(pk, pub, &n) == 1 && n == NODE_KEY_RAW;
    X509_free(x);
    return ok ? true : mk_fail("the peer's TLS certificate holds no ed25519 key");
}

bool link_io_exporter(link_io_t *io, unsigned char out[LINK_EXPORTER_SIZE])
{
    memset(out, 0, LINK_EXPORTER_SIZE);
    if (!io->ssl)
        return true;
    if (SSL_export_keying_material(io->ssl, out, LINK_EXPORTER_SIZE, LINK_EXPORTER_LABEL,
                                   sizeof LINK_EXPORTER_LABEL - 1, NULL, 0, 0) != 1)
        return mk_fail("TLS exporter failed (OpenSSL)");
    return true;
}

void link_io_set_read_ahead(link_io_t *io)
{
    if (io->ssl)
        SSL_set_read_ahead(io->ssl, 1);
}

bool link_io_set_preamble(link_io_t *io, const void *data, size_t len)
{
    if (len > PREAMBLE_MAX)
        return mk_fail("link: preamble of %zu bytes is over %d", len, PREAMBLE_MAX);
    memcpy(io->pre, data, len);
    io->pre_len = len;
    io->pre_off = 0;
    return true;
}

/* Raw write without the preamble. */
static ssize_t raw_write(link_io_t *io, const void *buf, size_t len)
{
    if (!io->ssl) {
        ssize_t n;
        do
            n = send(io->fd, buf, len, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n;
    }
    if (len == 0)
        return 0;
    ERR_clear_error();
    int n = SSL_write(io->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
    if (n > 0)
        return n;
    int e = SSL_get_error(io->ssl, n);
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
        errno = EAGAIN;
    } else {
        int saved = errno;
        ERR_clear_error();
        errno = e == SSL_ERROR_SYSCALL && saved ? saved : ECONNRESET;
    }
    return -1;
}

bool link_io_flush_preamble(link_io_t *io)
{
    while (io->pre_off < io->pre_len) {
        ssize_t n = raw_write(io, io->pre + io->pre_off, io->pre_len - io->pre_off);
        if (n <= 0)
            return false;
        io->pre_off += (size_t)n;
    }
    return true;
}

ssize_t link_io_write(link_io_t *io, const void *buf, size_t len)
{
    if (io->pre_off < io->pre_len && !link_io_flush_preamble(io)) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        errno = EAGAIN;
        return -1;
    }
    return raw_write(io, buf, len);
}

ssize_t link_io_read(link_io_t *io, void *buf, size_t len)
{
    if (!io->ssl) {
        ssize_t n;
        do
            n = recv(io->fd, buf, len, 0);
        while (n < 0 && errno == EINTR);
        return n;
    }
    ERR_clear_error();
    errno = 0;
    int n = SSL_read(io->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
    if (n > 0)
        return n;
    int e = SSL_get_error(io->ssl, n);
    switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: errno = EAGAIN; return -1;
    case SSL_ERROR_ZERO_RETURN: return 0;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        if (errno == 0)
            return 0; /* EOF without close_notify */
        return -1;
    default:
        ERR_clear_error();
        errno = EPROTO;
        return -1;
    }
}

static ssize_t m_read(void *ctx, void *buf, size_t len)
{
    return link_io_read(ctx, buf, len);
}

static ssize_t m_write(void *ctx, const void *buf, size_t len)
{
    return link_io_write(ctx, buf, len);
}

static size_t m_pending(void *ctx)
{
    link_io_t *io = ctx;
    if (!io->ssl)
        return 0;
    /* With read-ahead, undecoded records may wait in OpenSSL's buffer too. */
    int n = SSL_pending(io->ssl);
    return n > 0 ? (size_t)n : SSL_has_pending(io->ssl) ? 1 : 0;
}

static void m_close(void *ctx)
{
    link_io_free(ctx);
}

const mk_stream_io_t link_io_methods = {m_read, m_write, m_pending, m_close};
