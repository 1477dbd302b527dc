/*
 * ws_frame.c -- the WebSocket frame decoder and encoder (RFC 6455 5).
 *
 * Used by ws.c for both client and server connections. Pure: bytes in,
 * callbacks out; every violation ends decoding with the close code the
 * RFC asks for, never a crash.
 */
#include "core/alloc_internal.h"
#include "http/ws_frame.h"

#include <stdlib.h>
#include <string.h>

void ws_decoder_init(ws_decoder_t *d, bool expect_masked, size_t max_message, size_t prefix)
{
    memset(d, 0, sizeof *d);
    d->expect_masked = expect_masked;
    d->max_message = max_message;
    d->prefix = prefix;
}

void ws_decoder_free(ws_decoder_t *d)
{
    mk_free(d->msg);
    d->msg = NULL;
    d->msg_len = d->msg_cap = 0;
    d->msg_op = 0;
}

static bool fail(ws_decoder_t *d, uint16_t code, const char *why)
{
    d->error_code = code;
    d->error = why;
    return false;
}

bool ws_close_code_valid(uint16_t c)
{
    if (c >= 3000 && c <= 4999)
        return true;
    return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011);
}

bool ws_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

void ws_mask(uint8_t *data, size_t len, const uint8_t key[4], uint64_t pos)
{
    size_t i = 0;
    /* Byte-wise until the key is aligned, then 8 bytes at a time. */
    while (i < len && ((pos + i) & 3) != 0) {
        data[i] ^= key[(pos + i) & 3];
        i++;
    }
    uint64_t k8;
    uint8_t kb[8] = {key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]};
    memcpy(&k8, kb, 8);
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, data + i, 8);
        w ^= k8;
        memcpy(data + i, &w, 8);
    }
    for (; i < len; i++)
        data[i] ^= key[(pos + i) & 3];
}

size_t ws_frame_header(uint8_t *out, uint8_t opcode, uint64_t len, const uint8_t key[4])
{
    size_t n = 0;
    out[n++] = (uint8_t)(0x80 | (opcode & 0x0F));
    uint8_t mbit = key ? 0x80 : 0;
    if (len < 126) {
        out[n++] = (uint8_t)(mbit | len);
    } else if (len <= 0xFFFF) {
        out[n++] = (uint8_t)(mbit | 126);
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    } else {
        out[n++] = (uint8_t)(mbit | 127);
        for (int s = 56; s >= 0; s -= 8)
            out[n++] = (uint8_t)(len >> s);
    }
    if (key) {
        memcpy(out + n, key, 4);
        n += 4;
    }
    return n;
}

/* Bytes the header needs once its first two bytes are known. */
static size_t header_size(const uint8_t *h)
{
    size_t n = 2;
    uint8_t l = h[1] & 0x7F;
    if (l == 126)
        n += 2;
    else if (l == 127)
        n += 8;
    if (h[1] & 0x80)
        n += 4;
    return n;
}

/* A full header is in d->hdr: validate it and start the payload. */
static bool begin_frame(ws_decoder_t *d)
{
    const uint8_t *h = d->hdr;
    d->fin = (h[0] & 0x80) != 0;
    d->opcode = h[0] & 0x0F;
    d->masked = (h[1] & 0x80) != 0;
    if (h[0] & 0x70)
        return fail(d, WS_CLOSE_PROTOCOL, "reserved bits set (no extension negotiated)");
    if (d->masked != d->expect_masked)
        return fail(d, WS_CLOSE_PROTOCOL,
                    d->expect_masked ? "unmasked frame from client" : "masked frame from server");
    uint64_t len = h[1] & 0x7F;
    size_t p = 2;
    if (len == 126) {
        len = ((uint64_t)h[2] << 8) | h[3];
        p = 4;
        if (len < 126)
            return fail(d, WS_CLOSE_PROTOCOL, "non-minimal payload length");
    } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++)
            len = (len << 8) | h[2 + i];
        p = 10;
        if (len >> 63)
            return fail(d, WS_CLOSE_PROTOCOL, "payload length with the top bit set");
        if (len <= 0xFFFF)
            return fail(d, WS_CLOSE_PROTOCOL, "non-minimal payload length");
    }
    if (d->masked)
        memcpy(d->key, h + p, 4);
    d->remaining = len;
    d->mask_pos = 0;
    switch (d->opcode) {
    case WS_OP_CLOSE:
    case WS_OP_PING:
    case WS_OP_PONG:
        if (!d->fin)
            return fail(d, WS_CLOSE_PROTOCOL, "fragmented control frame");
        if (len > 125)
            return fail(d, WS_CLOSE_PROTOCOL, "control frame payload over 125 bytes");
        d->ctl_len = 0;
        break;
    case WS_OP_TEXT:
    case WS_OP_BINARY:
        if (d->msg_op)
            return fail(d, WS_CLOSE_PROTOCOL, "new message inside a fragmented one");
        d->msg_op = d->opcode;
        d->msg_len = 0;
        break;
    case WS_OP_CONT:
        if (!d->msg_op)
            return fail(d, WS_CLOSE_PROTOCOL, "continuation frame without a message");
        break;
    default: return fail(d, WS_CLOSE_PROTOCOL, "unknown opcode");
    }
    if (d->opcode < 8) {
        if (len > d->max_message || d->msg_len > d->max_message - len)
            return fail(d, WS_CLOSE_TOO_BIG, "message exceeds the size limit");
        size_t need = d->prefix + d->msg_len + (size_t)len + 1;
        if (need > d->msg_cap) {
            size_t cap = d->msg_cap ? d->msg_cap : 256;
            while (cap < need)
                cap = cap * 2 > cap ? cap * 2 : need;
            uint8_t *m = mk_realloc(d->msg, cap);
            if (!m)
                return fail(d, WS_CLOSE_INTERNAL, "out of memory");
            d->msg = m;
            d->msg_cap = cap;
        }
    }
    d->in_payload = true;
    return true;
}

/* The current frame's payload is complete. */
static bool end_frame(ws_decoder_t *d, const ws_decoder_cb_t *cb, void *ctx)
{
    d->in_payload = false;
    d->hdr_len = 0;
    switch (d->opcode) {
    case WS_OP_PING: cb->ping(ctx, d->ctl, d->ctl_len); return true;
    case WS_OP_PONG: cb->pong(ctx, d->ctl, d->ctl_len); return true;
    case WS_OP_CLOSE: {
        uint16_t code = WS_CLOSE_NO_STATUS;
        if (d->ctl_len == 1)
            return fail(d, WS_CLOSE_PROTOCOL, "close frame with a 1-byte payload");
        if (d->ctl_len >= 2) {
            code = (uint16_t)((d->ctl[0] << 8) | d->ctl[1]);
            if (!ws_close_code_valid(code))
                return fail(d, WS_CLOSE_PROTOCOL, "invalid close code");
            if (!ws_utf8_valid(d->ctl + 2, d->ctl_len - 2))
                return fail(d, WS_CLOSE_INVALID_DATA, "close reason is not UTF-8");
        }
        d->closed = true;
        cb->close(ctx, code, d->ctl_len > 2 ? (const char *)d->ctl + 2 : "",
                  d->ctl_len > 2 ? d->ctl_len - 2 : 0);
        return true;
    }
    default: break;
    }
    if (!d->fin)
        return true;
    bool binary = d->msg_op == WS_OP_BINARY;
    if (!binary && !ws_utf8_valid(d->msg + d->prefix, d->msg_len))
        return fail(d, WS_CLOSE_INVALID_DATA, "text message is not valid UTF-8");
    uint8_t *m = d->msg;
    size_t n = d->msg_len;
    m[d->prefix + n] = '\0';
    d->msg = NULL;
    d->msg_cap = d->msg_len = 0;
    d->msg_op = 0;
    cb->message(ctx, m, d->prefix, n, binary);
    return true;
}

bool ws_decoder_feed(ws_decoder_t *d, const uint8_t *buf, size_t len, const ws_decoder_cb_t *cb,
                     void *ctx)
{
    size_t i = 0;
    while (i < len && !d->closed) {
        if (!d->in_payload) {
            if (d->hdr_len < 2) {
                d->hdr[d->hdr_len++] = buf[i++];
                if (d->hdr_len < 2)
                    continue;
                /* Reject early what the first two bytes already show. */
                if (d->hdr[0] & 0x70)
                    return fail(d, WS_CLOSE_PROTOCOL,
                                "reserved bits set (no extension negotiated)");
            }
            size_t need = header_size(d->hdr);
            while (d->hdr_len < need && i < len)
                d->hdr[d->hdr_len++] = buf[i++];
            if (d->hdr_len < need)
                break;
            if (!begin_frame(d))
                return false;
            if (d->remaining == 0 && !end_frame(d, cb, ctx))
                return false;
            continue;
        }
        size_t take = (size_t)(d->remaining < len - i ? d->remaining : len - i);
        uint8_t *dst = d->opcode >= 8 ? d->ctl + d->ctl_len : d->msg + d->prefix + d->msg_len;
        memcpy(dst, buf + i, take);
        if (d->masked)
            ws_mask(dst, take, d->key, d->mask_pos);
        d->mask_pos += take;
        if (d->opcode >= 8)
            d->ctl_len += take;
        else
            d->msg_len += take;
        d->remaining -= take;
        i += take;
        if (d->remaining == 0 && !end_frame(d, cb, ctx))
            return false;
    }
    return true;
}

/* ---- SHA-1 (FIPS 180-4 6.1) and base64 (RFC 4648 4) ----------------- */

static uint32_t rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const uint8_t *b)
{
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = ((uint32_t)b[4 * t] << 24) | ((uint32_t)b[4 * t + 1] << 16) |
               ((uint32_t)b[4 * t + 2] << 8) | b[4 * t + 3];
    for (int t = 16; t < 80; t++)
        w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20) {
            f = (bb & c) | (~bb & d);
            k = 0x5A827999;
        } else if (t < 40) {
            f = bb ^ c ^ d;
            k = 0x6ED9EBA1;
        } else if (t < 60) {
            f = (bb & c) | (bb & d) | (c & d);
            k = 0x8F1BBCDC;
        } else {
            f = bb ^ c ^ d;
            k = 0xCA62C1D6;
        }
        uint32_t tmp = rol(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = rol(bb, 30);
        bb = a;
        a = tmp;
    }
    h[0] += a;
    h[1] += bb;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void ws_sha1(const uint8_t *data, size_t len, uint8_t out[20])
{
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    size_t i = 0;
    for (; i + 64 <= len; i += 64)
        sha1_block(h, data + i);
    uint8_t last[128];
    size_t rest = len - i;
    memcpy(last, data + i, rest);
    last[rest++] = 0x80;
    size_t total = rest + 8 <= 64 ? 64 : 128;
    memset(last + rest, 0, total - rest);
    uint64_t bits = (uint64_t)len * 8;
    for (int k = 0; k < 8; k++)
        last[total - 1 - k] = (uint8_t)(bits >> (8 * k));
    sha1_block(h, last);
    if (total == 128)
        sha1_block(h, last + 64);
    for (int k = 0; k < 5; k++) {
        out[4 * k] = (uint8_t)(h[k] >> 24);
        out[4 * k + 1] = (uint8_t)(h[k] >> 16);
        out[4 * k + 2] = (uint8_t)(h[k] >> 8);
        out[4 * k + 3] = (uint8_t)h[k];
    }
}

void ws_base64(const uint8_t *s, size_t len, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = ((uint32_t)s[i] << 16) | ((uint32_t)s[i + 1] << 8) | s[i + 2];
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = tbl[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = ((uint32_t)s[i] << 16) | ((uint32_t)s[i + 1] << 8);
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
}

void ws_accept_key(const char *key, size_t len, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    uint8_t buf[256 + sizeof guid];
    if (len > 256)
        len = 256;
    memcpy(buf, key, len);
    memcpy(buf + len, guid, sizeof guid - 1);
    uint8_t digest[20];
    ws_sha1(buf, len + sizeof guid - 1, digest);
    ws_base64(digest, 20, out);
}
