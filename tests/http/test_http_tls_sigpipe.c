/*
 * test_http_tls_sigpipe.c -- regression for issue 13 "Node and shell": TLS
 * writes could raise SIGPIPE (OpenSSL's SSL_set_fd BIO writes with
 * write(2), without MSG_NOSIGNAL), killing the host process when the peer
 * reset the connection. With SIGPIPE at its default disposition, a TLS
 * server of the test's own (OpenSSL, a self-signed certificate made with
 * the openssl CLI in a mkdtemp directory) completes the handshake with
 * mk_socket_tls_connect, reads one byte, then resets (SO_LINGER 0 close)
 * while the client keeps writing: the process must survive and the writes
 * must report EPIPE or ECONNRESET.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "microkernel/error.h"
#include "microkernel/mk_socket.h"
#include "peer.h"

typedef struct {
    int lfd;        /* listening socket */
    char cert[256]; /* PEM files in the temporary directory */
    char key[256];
    atomic_int reset; /* 1: the connection was reset, -1: the server failed */
    char why[256];    /* the server's failure */
} server_t;

/* Accept one TLS connection, read one byte, then reset it. */
static void *server_main(void *arg)
{
    server_t *s = arg;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL *ssl = NULL;
    int fd = -1;
    const char *why = NULL;
    if (!ctx || SSL_CTX_use_certificate_file(ctx, s->cert, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, s->key, SSL_FILETYPE_PEM) != 1)
        why = "cannot load the certificate";
    if (!why && (fd = accept(s->lfd, NULL, NULL)) < 0)
        why = "accept failed";
    if (!why && (!(ssl = SSL_new(ctx)) || SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1))
        why = "TLS handshake failed";
    char c;
    if (!why && SSL_read(ssl, &c, 1) != 1)
        why = "no byte from the client";
    if (!why) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
            why = "SO_LINGER failed";
    }
    if (ssl)
        SSL_free(ssl); /* sends nothing: no shutdown was asked for */
    if (fd >= 0)
        close(fd); /* SO_LINGER 0: RST instead of FIN */
    SSL_CTX_free(ctx);
    if (why) {
        snprintf(s->why, sizeof s->why, "%s", why);
        atomic_store(&s->reset, -1);
    } else {
        atomic_store(&s->reset, 1);
    }
    return NULL;
}

/* Write `len` bytes once, waiting while the socket is full; the result of
 * the first write that did not say EAGAIN (errno kept). */
static ssize_t write_once(mk_socket_t *s, const uint8_t *buf, size_t len)
{
    for (int i = 0; i < 500; i++) {
        errno = 0;
        ssize_t n = s->write(s, buf, len);
        if (n >= 0 || errno != EAGAIN)
            return n;
        struct pollfd p = {.fd = s->get_fd(s), .events = POLLOUT};
        poll(&p, 1, 20);
    }
    fail_msg("the TLS socket stayed full for 10 s");
    return -1;
}

static void test_tls_write_to_reset_peer_does_not_raise_sigpipe(void **state)
{
    (void)state;
    peer_require("openssl");
    /* Default disposition: a SIGPIPE would end this process. */
    signal(SIGPIPE, SIG_DFL);

    const char *dir = peer_tmpdir(); /* mkdtemp, removed at exit */
    static server_t srv;
    memset(&srv, 0, sizeof srv);
    snprintf(srv.cert, sizeof srv.cert, "%s/cert.pem", dir);
    snprintf(srv.key, sizeof srv.key, "%s/key.pem", dir);
    int rc = peer_system("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
                         "-out cert.pem -days 2 -subj /CN=127.0.0.1 "
                         "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
                         dir);
    assert_int_equal(rc, 0);
    setenv("SSL_CERT_FILE", srv.cert, 1); /* trust it (OpenSSL's standard override) */

    srv.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(srv.lfd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    assert_int_equal(bind(srv.lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(srv.lfd, 4), 0);
    assert_int_equal(getsockname(srv.lfd, (struct sockaddr *)&a, &al), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, server_main, &srv), 0);

    mk_socket_t *s = mk_socket_tls_connect("127.0.0.1", ntohs(a.sin_port));
    if (!s)
        fail_msg("mk_socket_tls_connect: %s", mk_last_error());
    assert_int_equal(write_once(s, (const uint8_t *)"x", 1), 1);
    pthread_join(th, NULL);
    if (atomic_load(&srv.reset) != 1)
        fail_msg("the test's TLS server: %s", srv.why);

    /* The peer is gone (RST): keep writing. The first failure may say
     * ECONNRESET; the ones after it are EPIPE, which raised SIGPIPE. */
    static uint8_t buf[16384];
    memset(buf, 'p', sizeof buf);
    int failures = 0, first_errno = 0;
    for (int i = 0; i < 200 && failures < 4; i++) {
        ssize_t n = write_once(s, buf, sizeof buf);
        if (n > 0)
            continue;
        assert_int_equal(n, -1);
        if (errno != EPIPE && errno != ECONNRESET)
            fail_msg("write to a reset peer: errno %d (%s), want EPIPE or ECONNRESET", errno,
                     strerror(errno));
        if (!failures)
            first_errno = errno;
        failures++;
    }
    printf("# %d failed writes, the first with %s; the process is alive\n", failures,
           strerror(first_errno));
    assert_int_equal(failures, 4);
    s->close(s);
    close(srv.lfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_write_to_reset_peer_does_not_raise_sigpipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
