/*
 * bytes.h -- byte-order, hex and hash helpers shared by the parsers of
 * outside bytes (wire frames, the mount hello, link authentication, node
 * keys, chunked HTTP, shell payloads) and by the hash tables above the core.
 * Big-endian is network byte order (RFC 1700); the helpers read and write
 * byte by byte, so any alignment works. libc only, header only: every layer
 * from the core up may use them. Tested by tests/core/test_bytes.c.
 */
#ifndef MK_CORE_BYTES_H
#define MK_CORE_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* The `bytes` (1..8) bytes at p as a big-endian unsigned number. */
static inline uint64_t mk_get_be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Write the low `bytes` (1..8) bytes of v at p, big-endian. */
static inline void mk_put_be(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
}

static inline uint32_t mk_get_be32(const unsigned char *p)
{
    return (uint32_t)mk_get_be(p, 4);
}

static inline void mk_put_be32(unsigned char *p, uint32_t v)
{
    mk_put_be(p, v, 4);
}

/* The value of hex digit c (either case), or -1 for any other byte. */
static inline int mk_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The lower-case hex digit of v & 15. */
static inline char mk_hex_digit(unsigned v)
{
    return "0123456789abcdef"[v & 15];
}

/*
 * Write the `n` bytes at `in` as 2n lower-case hex digits and a NUL at
 * `out`, which holds 2n + 1 bytes. Returns `out`.
 */
static inline char *mk_hex_encode(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = mk_hex_digit(in[i] >> 4);
        out[2 * i + 1] = mk_hex_digit(in[i]);
    }
    out[2 * n] = '\0';
    return out;
}

/* Outcome of mk_hex_decode(), in the order the checks run. */
typedef enum {
    MK_HEX_OK = 0,    /* decoded */
    MK_HEX_ODD,       /* `len` is odd */
    MK_HEX_BAD_DIGIT, /* a byte that is not a hex digit; *bad_pos says where */
    MK_HEX_TOO_LONG   /* more than `cap` bytes would result */
} mk_hex_status_t;

/*
 * Decode the `len` bytes of hex text at `hex` (digits of either case, two
 * per byte, nothing else: no prefix, spaces or NUL) into len / 2 bytes at
 * `out` (room for `cap`). Pure (buf, len) in: `hex` need not be
 * NUL-terminated. On any error `out` is left untouched and the status says
 * why; for MK_HEX_BAD_DIGIT, `*bad_pos` (when not NULL) gets the 0-based
 * index of the first bad byte. Checks run in the enum's order.
 */
static inline mk_hex_status_t mk_hex_decode(const char *hex, size_t len, unsigned char *out,
                                            size_t cap, size_t *bad_pos)
{
    if (len % 2)
        return MK_HEX_ODD;
    for (size_t i = 0; i < len; i++)
        if (mk_hex_value((unsigned char)hex[i]) < 0) {
            if (bad_pos)
                *bad_pos = i;
            return MK_HEX_BAD_DIGIT;
        }
    if (len / 2 > cap)
        return MK_HEX_TOO_LONG;
    for (size_t i = 0; i < len; i += 2)
        out[i / 2] = (unsigned char)(mk_hex_value((unsigned char)hex[i]) << 4 |
                                     mk_hex_value((unsigned char)hex[i + 1]));
    return MK_HEX_OK;
}

/*
 * FNV-1a, 32 bits (offset basis 2166136261, prime 16777619: Fowler, Noll
 * and Vo's published parameters) of the `len` bytes at `p`. For hash
 * tables, not for anything an attacker must not steer.
 */
static inline uint32_t mk_fnv1a32(const void *p, size_t len)
{
    const unsigned char *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    return h;
}

#endif
