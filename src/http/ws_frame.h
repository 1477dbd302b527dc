/*
 * ws_frame.h -- WebSocket framing (RFC 6455 5) and handshake helpers (4).
 *
 * The decoder is incremental and streams payload bytes straight into the
 * message buffer it hands over, so a 16 MiB message is held once. No I/O,
 * no global state; it allocates only the message buffer (bounded by
 * max_message).
 */
#ifndef MK_HTTP_WS_FRAME_H
#define MK_HTTP_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA
};

/* Close codes used here (RFC 6455 7.4.1). */
enum {
    WS_CLOSE_NORMAL = 1000,
    WS_CLOSE_GOING_AWAY = 1001,
    WS_CLOSE_PROTOCOL = 1002,
    WS_CLOSE_NO_STATUS = 1005,
    WS_CLOSE_ABNORMAL = 1006,
    WS_CLOSE_INVALID_DATA = 1007,
    WS_CLOSE_TOO_BIG = 1009,
    WS_CLOSE_INTERNAL = 1011
};

typedef struct {
    /* A complete data message. `buf` (malloc'd) passes to the callee, who
     * frees it with mk_free(); the message is at buf + prefix, `len` bytes,
     * followed by a NUL. */
    void (*message)(void *ctx, uint8_t *buf, size_t prefix, size_t len, bool binary);
    /* A ping (answer with a pong of the same payload) or pong; len <= 125. */
    void (*ping)(void *ctx, const uint8_t *data, size_t len);
    void (*pong)(void *ctx, const uint8_t *data, size_t len);
    /* A close frame: `code` is WS_CLOSE_NO_STATUS when it had no body;
     * `reason` (len bytes, valid UTF-8) may be empty. */
    void (*close)(void *ctx, uint16_t code, const char *reason, size_t len);
} ws_decoder_cb_t;

typedef struct {
    uint8_t hdr[14];    /* header bytes being collected */
    uint8_t hdr_len;    /* bytes in hdr */
    uint8_t opcode;     /* current frame's opcode */
    bool fin;           /* current frame is final */
    bool masked;        /* current frame carries a mask */
    uint8_t key[4];     /* its masking key */
    uint64_t remaining; /* payload bytes still to read for the current frame */
    uint64_t mask_pos;  /* payload bytes of this frame already unmasked */
    bool in_payload;    /* reading a payload (else a header) */
    uint8_t msg_op;     /* opcode of the message being assembled (0: none) */
    uint8_t *msg;       /* message buffer (prefix + data + NUL) */
    size_t msg_len, msg_cap;
    uint8_t ctl[125]; /* control frame payload */
    size_t ctl_len;
    size_t prefix;       /* bytes reserved at the start of each message buffer */
    size_t max_message;  /* largest message, bytes (1009 when exceeded) */
    bool expect_masked;  /* server side: client frames must be masked */
    bool closed;         /* a close frame was decoded: ignore the rest */
    uint16_t error_code; /* close code to send after a failure */
    const char *error;   /* why, static */
} ws_decoder_t;

/* Prepare a decoder. `expect_masked`: true on the server (RFC 6455 5.1). */
void ws_decoder_init(ws_decoder_t *d, bool expect_masked, size_t max_message, size_t prefix);
/* Free the partial message, if any. */
void ws_decoder_free(ws_decoder_t *d);

/*
 * Decode `len` bytes, calling `cb` for each message and control frame. All
 * bytes are consumed. Returns false on a protocol violation, with
 * d->error_code (1002 protocol error: reserved bits, unknown opcode,
 * fragmented or over-long control frame, bad masking, non-minimal length,
 * bad continuation, bad close payload; 1007 invalid UTF-8 in a text message
 * or close reason; 1009 message over max_message; 1011 out of memory) and
 * d->error set. After a close frame, further bytes are ignored.
 */
bool ws_decoder_feed(ws_decoder_t *d, const uint8_t *buf, size_t len, const ws_decoder_cb_t *cb,
                     void *ctx);

/*
 * Write a frame header for a payload of `len` bytes into `out` (at least 14
 * bytes): FIN set, `opcode`, and the masking key `key` when non-NULL.
 * Returns the header length (2..14).
 */
size_t ws_frame_header(uint8_t *out, uint8_t opcode, uint64_t len, const uint8_t key[4]);

/* XOR `len` bytes with the key, starting at key offset `pos` (RFC 6455 5.3). */
void ws_mask(uint8_t *data, size_t len, const uint8_t key[4], uint64_t pos);

/* True when `len` bytes are well-formed UTF-8 (RFC 3629; no surrogates, no overlongs). */
bool ws_utf8_valid(const uint8_t *s, size_t len);

/* True for a close code an endpoint may send (RFC 6455 7.4). */
bool ws_close_code_valid(uint16_t code);

/* SHA-1 of `len` bytes (FIPS 180-4), for the handshake. */
void ws_sha1(const uint8_t *data, size_t len, uint8_t out[20]);

/* Base64 (RFC 4648 4) of `len` bytes into `out` (4*ceil(len/3)+1 bytes, NUL-terminated). */
void ws_base64(const uint8_t *data, size_t len, char *out);

/* Sec-WebSocket-Accept for `key` (`len` bytes) into `out` (29 bytes), RFC 6455 4.2.2. */
void ws_accept_key(const char *key, size_t len, char out[29]);

#endif
