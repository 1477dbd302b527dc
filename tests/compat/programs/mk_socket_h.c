/* mk_socket_h.c -- the original's mk_socket.h (seed 000 "Socket"): the
 * vtable, TCP connect to a local listener, read/write through it, wrap an
 * fd, and HAVE_TLS with mk_socket_tls_connect when the package has OpenSSL.
 * pkg-config flags only. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <microkernel/mk_socket.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    int ok = 1;
#if defined(HAVE_OPENSSL) && !defined(HAVE_TLS)
    ok = 0; /* the seed: HAVE_TLS follows HAVE_OPENSSL */
#endif
#ifdef HAVE_TLS
    mk_socket_t *(*tls)(const char *, uint16_t) = mk_socket_tls_connect;
    ok = ok && tls != NULL;
#endif
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    ok = ok && l >= 0 && bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 1) == 0 &&
         getsockname(l, (struct sockaddr *)&a, &al) == 0;
    mk_socket_t *s = ok ? mk_socket_tcp_connect("127.0.0.1", ntohs(a.sin_port)) : NULL;
    int c = s ? accept(l, NULL, NULL) : -1;
    ok = ok && s && c >= 0 && s->get_fd(s) >= 0;
    ok = ok && s->write(s, (const uint8_t *)"hey", 3) == 3;
    char buf[8];
    ok = ok && read(c, buf, sizeof buf) == 3 && memcmp(buf, "hey", 3) == 0;
    ok = ok && write(c, "yo", 2) == 2;
    ssize_t n = -1;
    for (int i = 0; i < 200 && ok; i++) { /* non-blocking socket: poll until it arrives */
        n = s->read(s, (uint8_t *)buf, sizeof buf);
        if (n > 0)
            break;
        poll(NULL, 0, 10);
    }
    ok = ok && n == 2 && memcmp(buf, "yo", 2) == 0;
    if (s)
        s->close(s);
    /* Wrap the accepted fd: the wrapper now owns it. */
    mk_socket_t *w = c >= 0 ? mk_socket_tcp_wrap(c) : NULL;
    ok = ok && w && w->get_fd(w) == c;
    if (w)
        w->close(w);
    close(l);
    puts(ok ? "mk_socket_h: ok" : "mk_socket_h: FAILED");
    return ok ? 0 : 1;
}
