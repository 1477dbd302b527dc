/*
 * test_ws_frame.c -- WebSocket framing (src/http/ws_frame.c): RFC 6455 5.7
 * examples, fragmentation with interleaved control frames, every protocol
 * violation and its close code, a 16 MiB message fed in pieces, the
 * encoder, UTF-8 validation and the handshake key (RFC 6455 1.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "http/ws_frame.h"

typedef struct {
    int messages, pings, pongs, closes;
    uint8_t *last;
    size_t last_len;
    bool binary;
    uint16_t code;
} seen_t;

static void on_message(void *ctx, uint8_t *buf, size_t prefix, size_t len, bool binary)
{
    seen_t *s = ctx;
    free(s->last);
    s->last = buf;
    memmove(buf, buf + prefix, len + 1);
    s->last_len = len;
    s->binary = binary;
    s->messages++;
}
static void on_ping(void *ctx, const uint8_t *d, size_t n)
{
    (void)d;
    (void)n;
    ((seen_t *)ctx)->pings++;
}
static void on_pong(void *ctx, const uint8_t *d, size_t n)
{
    (void)d;
    (void)n;
    ((seen_t *)ctx)->pongs++;
}
static void on_close(void *ctx, uint16_t code, const char *r, size_t n)
{
    (void)r;
    (void)n;
    ((seen_t *)ctx)->closes++;
    ((seen_t *)ctx)->code = code;
}
static const ws_decoder_cb_t cb = {on_message, on_ping, on_pong, on_close};

/* Feed `n` bytes byte by byte (step 1) or whole; returns the decoder result. */
static bool feed(bool server, const uint8_t *b, size_t n, size_t step, seen_t *s, uint16_t *err)
{
    ws_decoder_t d;
    ws_decoder_init(&d, server, 1 << 20, 8);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i += step)
        ok = ws_decoder_feed(&d, b + i, n - i < step ? n - i : step, &cb, s);
    *err = ok ? 0 : d.error_code;
    ws_decoder_free(&d);
    return ok;
}

static void test_rfc_examples(void **state)
{
    (void)state;
    /* RFC 6455 5.7 */
    static const uint8_t unmasked[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    static const uint8_t masked[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                     0x7f, 0x9f, 0x4d, 0x51, 0x58};
    static const uint8_t frag[] = {0x01, 0x03, 0x48, 0x65, 0x6c, 0x89,
                                   0x00, 0x80, 0x02, 0x6c, 0x6f};
    uint16_t err;
    for (size_t step = 1; step <= 11; step += 10) {
        seen_t s = {0};
        assert_true(feed(false, unmasked, sizeof unmasked, step, &s, &err));
        assert_int_equal(s.messages, 1);
        assert_string_equal((char *)s.last, "Hello");
        assert_true(feed(true, masked, sizeof masked, step, &s, &err));
        assert_int_equal(s.messages, 2);
        assert_string_equal((char *)s.last, "Hello");
        /* fragmented, with a ping in the middle */
        assert_true(feed(false, frag, sizeof frag, step, &s, &err));
        assert_int_equal(s.messages, 3);
        assert_int_equal(s.pings, 1);
        assert_string_equal((char *)s.last, "Hello");
        free(s.last);
    }
    /* 256-byte and 64 KiB binary lengths (5.7 examples of 126/127 encodings) */
    uint8_t *big = calloc(1, 65536 + 10);
    big[0] = 0x82;
    big[1] = 127;
    big[7] = 0x01; /* 65536 */
    seen_t s = {0};
    assert_true(feed(false, big, 65536 + 10, 4096, &s, &err));
    assert_int_equal(s.last_len, 65536);
    assert_true(s.binary);
    free(s.last);
    free(big);
}

static void test_violations(void **state)
{
    (void)state;
    static const struct {
        bool server;
        uint8_t b[16];
        size_t n;
        uint16_t code;
    } cases[] = {
        {false, {0xC1, 0x00}, 2, 1002},                   /* RSV1 */
        {false, {0x83, 0x00}, 2, 1002},                   /* reserved opcode 3 */
        {false, {0x8B, 0x00}, 2, 1002},                   /* reserved control opcode */
        {false, {0x09, 0x00}, 2, 1002},                   /* fragmented ping */
        {false, {0x89, 0x7E, 0x00, 0x7E}, 4, 1002},       /* ping of 126 bytes */
        {true, {0x81, 0x00}, 2, 1002},                    /* unmasked client frame */
        {false, {0x81, 0x80, 1, 2, 3, 4}, 6, 1002},       /* masked server frame */
        {false, {0x80, 0x00}, 2, 1002},                   /* continuation without a start */
        {false, {0x01, 0x00, 0x01, 0x00}, 4, 1002},       /* new message inside a fragmented one */
        {false, {0x81, 0x7E, 0x00, 0x05}, 4, 1002},       /* non-minimal 16-bit length */
        {false, {0x81, 0x02, 0xC3, 0x28}, 4, 1007},       /* invalid UTF-8 */
        {false, {0x81, 0x03, 0xED, 0xA0, 0x80}, 5, 1007}, /* surrogate */
        {false, {0x81, 0x02, 0xC0, 0x80}, 4, 1007},       /* overlong */
        {false, {0x88, 0x01, 0x03}, 3, 1002},             /* 1-byte close */
        {false, {0x88, 0x02, 0x03, 0xED}, 4, 1002},       /* close code 1005 */
        {false, {0x88, 0x02, 0x03, 0xE7}, 4, 1002},       /* close code 999 */
        {false, {0x88, 0x03, 0x03, 0xE8, 0xFF}, 5, 1007}, /* bad close reason */
        {false, {0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}, 10, 1002}, /* top bit of 64-bit length */
        {false, {0x82, 0x7F, 0, 0, 0, 0, 0x10, 0, 0, 0}, 10, 1009}, /* over max_message */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t step = 1; step <= 16; step += 15) {
            seen_t s = {0};
            uint16_t err;
            bool ok = feed(cases[i].server, cases[i].b, cases[i].n, step, &s, &err);
            if (ok || err != cases[i].code)
                fail_msg("case %zu step %zu: ok=%d code=%u, want %u", i, step, ok, err,
                         cases[i].code);
            free(s.last);
        }
    }
    /* a valid close, and nothing after it is decoded */
    static const uint8_t close_then_text[] = {0x88, 0x02, 0x03, 0xE8, 0x81, 0x01, 'x'};
    seen_t s = {0};
    uint16_t err;
    assert_true(feed(false, close_then_text, sizeof close_then_text, 1, &s, &err));
    assert_int_equal(s.closes, 1);
    assert_int_equal(s.code, 1000);
    assert_int_equal(s.messages, 0);
}

static void test_16mib_message(void **state)
{
    (void)state;
    /* 16 MiB + 3 in four masked fragments, decoded as a server, fed in 64 KiB reads. */
    size_t total = (16u << 20) + 3, part = total / 4 + 1;
    size_t cap = total + 4 * 14;
    uint8_t *wire = malloc(cap), *data = malloc(total);
    for (size_t i = 0; i < total; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    size_t n = 0;
    for (size_t off = 0; off < total; off += part) {
        size_t len = total - off < part ? total - off : part;
        uint8_t key[4] = {(uint8_t)off, 0x5a, 0xa5, 0x11};
        size_t hl = ws_frame_header(wire + n, off == 0 ? WS_OP_BINARY : WS_OP_CONT, len, key);
        if (off + len < total)
            wire[n] &= 0x7F; /* not final */
        n += hl;
        memcpy(wire + n, data + off, len);
        ws_mask(wire + n, len, key, 0);
        n += len;
    }
    ws_decoder_t d;
    ws_decoder_init(&d, true, 32u << 20, 16);
    seen_t s = {0};
    for (size_t i = 0; i < n; i += 65536)
        assert_true(ws_decoder_feed(&d, wire + i, n - i < 65536 ? n - i : 65536, &cb, &s));
    assert_int_equal(s.messages, 1);
    assert_int_equal(s.last_len, total);
    assert_memory_equal(s.last, data, total);
    ws_decoder_free(&d);
    free(s.last);
    free(wire);
    free(data);
}

static void test_helpers(void **state)
{
    (void)state;
    uint8_t h[14];
    assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 5, NULL), 2);
    assert_int_equal(h[0], 0x81);
    assert_int_equal(h[1], 5);
    uint8_t key[4] = {1, 2, 3, 4};
    assert_int_equal(ws_frame_header(h, WS_OP_BINARY, 300, key), 8);
    assert_int_equal(h[1], 0x80 | 126);
    assert_int_equal(ws_frame_header(h, WS_OP_BINARY, 70000, NULL), 10);
    /* masking at any offset is reversible and matches byte-wise XOR */
    uint8_t a[37], b[37];
    for (int i = 0; i < 37; i++)
        a[i] = b[i] = (uint8_t)i;
    ws_mask(a + 3, 30, key, 3);
    for (int i = 3; i < 33; i++)
        assert_int_equal(a[i], b[i] ^ key[i & 3]);
    assert_true(ws_utf8_valid((const uint8_t *)"h\xC3\xA9llo \xF0\x9F\x98\x80", 11));
    assert_false(ws_utf8_valid((const uint8_t *)"\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(ws_utf8_valid((const uint8_t *)"\xE2\x82", 2));         /* truncated */
    assert_true(ws_close_code_valid(1000));
    assert_true(ws_close_code_valid(4999));
    assert_false(ws_close_code_valid(1006));
    assert_false(ws_close_code_valid(2999));
    uint8_t dg[20];
    ws_sha1((const uint8_t *)"abc", 3, dg);
    static const uint8_t abc[20] = {0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
                                    0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d};
    assert_memory_equal(dg, abc, 20);
    char acc[29];
    ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, acc); /* RFC 6455 1.3 */
    assert_string_equal(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    char b64[16];
    ws_base64((const uint8_t *)"foob", 4, b64);
    assert_string_equal(b64, "Zm9vYg==");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_examples),
        cmocka_unit_test(test_violations),
        cmocka_unit_test(test_16mib_message),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
