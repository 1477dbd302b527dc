/*
 * bytes.h -- byte-order and hex-digit helpers shared by the parsers of
 * outside bytes (wire frames, the mount hello, link authentication, node
 * keys, chunked HTTP). Big-endian is network byte order (RFC 1700); the
 * helpers read and write byte by byte, so any alignment works.
 */
#ifndef MK_CORE_BYTES_H
#define MK_CORE_BYTES_H

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

#endif
