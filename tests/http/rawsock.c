/*
 * rawsock.c -- see rawsock.h.
 */
#include "rawsock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in loopback(uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

int raw_connect(uint16_t port, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    /* Before connect, so the window the kernel announces is small too. */
    if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0)
        fail_msg("SO_RCVBUF: %s", strerror(errno));
    struct sockaddr_in a = loopback(port);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        fail_msg("connect to 127.0.0.1:%u: %s", (unsigned)port, strerror(errno));
    return fd;
}

int raw_listen(int rcvbuf, uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0)
        fail_msg("SO_RCVBUF: %s", strerror(errno));
    struct sockaddr_in a = loopback(0);
    socklen_t l = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) != 0)
        fail_msg("listen on 127.0.0.1: %s", strerror(errno));
    *port = ntohs(a.sin_port);
    return fd;
}

int raw_accept(int lfd, int timeout_ms)
{
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) != 1)
        fail_msg("no connection to accept within %d ms", timeout_ms);
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        fail_msg("accept: %s", strerror(errno));
    return fd;
}

void raw_send(int fd, const void *p, size_t len)
{
    const char *s = p;
    while (len) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail_msg("send: %s", strerror(errno));
        s += n;
        len -= (size_t)n;
    }
}

long raw_read_some(int fd, raw_buf_t *b, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) != 1)
        return -1;
    if (b->cap - b->len < 65536) {
        b->cap = b->cap ? b->cap * 2 : 1 << 20;
        b->data = realloc(b->data, b->cap);
        assert_non_null(b->data);
    }
    ssize_t n = recv(fd, b->data + b->len, b->cap - b->len, 0);
    if (n < 0)
        return errno == ECONNRESET ? 0 : -1;
    b->len += (size_t)n;
    return (long)n;
}

bool raw_read_at_least(int fd, raw_buf_t *b, size_t want, int timeout_ms)
{
    while (b->len < want)
        if (raw_read_some(fd, b, timeout_ms) <= 0)
            return false;
    return true;
}

size_t raw_read_until(int fd, raw_buf_t *b, const char *needle, int timeout_ms)
{
    size_t nl = strlen(needle);
    size_t from = 0; /* bytes before this were searched already */
    for (;;) {
        for (size_t i = from; i + nl <= b->len; i++)
            if (memcmp(b->data + i, needle, nl) == 0)
                return i + nl;
        if (b->len >= nl)
            from = b->len - nl + 1;
        if (raw_read_some(fd, b, timeout_ms) <= 0)
            return 0;
    }
}

void raw_buf_free(raw_buf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

size_t raw_ws_upgrade(int fd, const char *path, raw_buf_t *b)
{
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     path);
    raw_send(fd, req, (size_t)n);
    size_t head = raw_read_until(fd, b, "\r\n\r\n", 10000);
    if (!head || memcmp(b->data, "HTTP/1.1 101 ", 13) != 0)
        fail_msg("no 101 answer to the upgrade of %s (%zu bytes read)", path, b->len);
    /* RFC 6455 1.3: the accept value of the sample key. */
    if (!memmem(b->data, head, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28))
        fail_msg("101 without the right Sec-WebSocket-Accept");
    return head;
}

bool raw_ws_frame(uint8_t *p, size_t n, raw_frame_t *f)
{
    if (n < 2)
        return false;
    memset(f, 0, sizeof *f);
    f->fin = (p[0] & 0x80) != 0;
    f->opcode = p[0] & 0x0F;
    f->masked = (p[1] & 0x80) != 0;
    size_t hl = 2;
    uint64_t len = p[1] & 0x7F;
    if (len == 126) {
        if (n < 4)
            return false;
        len = (uint64_t)p[2] << 8 | p[3];
        hl = 4;
    } else if (len == 127) {
        if (n < 10)
            return false;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = len << 8 | p[2 + i];
        hl = 10;
    }
    const uint8_t *key = p + hl;
    if (f->masked)
        hl += 4;
    if (n < hl || n - hl < len)
        return false;
    f->payload = p + hl;
    f->len = (size_t)len;
    f->size = hl + (size_t)len;
    if (f->masked)
        for (size_t i = 0; i < f->len; i++)
            p[hl + i] ^= key[i % 4];
    return true;
}
