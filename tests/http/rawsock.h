/*
 * rawsock.h -- blocking raw TCP helpers for tests/http that need to see or
 * shape the exact bytes on the wire: a client or server socket on
 * 127.0.0.1 with a small receive buffer (a peer that does not read),
 * reading with a deadline, a WebSocket upgrade by hand and a frame reader.
 * Every failure fails the test (cmocka) with the reason.
 */
#ifndef MK_TESTS_HTTP_RAWSOCK_H
#define MK_TESTS_HTTP_RAWSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes read so far from a raw socket (malloc'd, grows). */
typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} raw_buf_t;

/* Connect to 127.0.0.1:`port`; SO_RCVBUF set to `rcvbuf` first (0: default). */
int raw_connect(uint16_t port, int rcvbuf);
/* Listen on 127.0.0.1, ephemeral port in *port; accepted sockets inherit
 * SO_RCVBUF `rcvbuf` (0: default). */
int raw_listen(int rcvbuf, uint16_t *port);
/* Accept one connection within `timeout_ms`. */
int raw_accept(int lfd, int timeout_ms);
/* Write all `len` bytes. */
void raw_send(int fd, const void *p, size_t len);
/* Read what arrives within `timeout_ms` into `b`; returns bytes read, 0 on
 * EOF, -1 when nothing came in time. */
long raw_read_some(int fd, raw_buf_t *b, int timeout_ms);
/* Read until `b` holds at least `want` bytes; false on EOF or timeout. */
bool raw_read_at_least(int fd, raw_buf_t *b, size_t want, int timeout_ms);
/* Read until `needle` occurs in `b`; its end offset, or 0 on EOF or timeout. */
size_t raw_read_until(int fd, raw_buf_t *b, const char *needle, int timeout_ms);
void raw_buf_free(raw_buf_t *b);

/* Send a WebSocket upgrade for `path` and read the 101 head; returns the
 * head's length in `b` (frames may follow it there). */
size_t raw_ws_upgrade(int fd, const char *path, raw_buf_t *b);

/* One WebSocket frame parsed from bytes. */
typedef struct {
    bool fin;
    uint8_t opcode;
    bool masked;
    const uint8_t *payload; /* unmasked in place when masked */
    size_t len;             /* payload bytes */
    size_t size;            /* whole frame, header included */
} raw_frame_t;

/* Parse the frame at `p` (`n` bytes available): true when complete. A
 * masked payload is unmasked in place. */
bool raw_ws_frame(uint8_t *p, size_t n, raw_frame_t *f);

#endif
