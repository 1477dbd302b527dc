/*
 * leb128.c -- bounds-checked reading of the binary format's primitives
 * (spec 5.2): LEB128 integers, byte runs and UTF-8 names. Pure functions over
 * the reader's buffer; they never read past `end` and never allocate except
 * for names.
 */
#include "core/alloc_internal.h"
#include "leb128.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool wasm_fail(wasm_reader_t *r, wasm_err_t code, const char *fmt, ...)
{
    if (r->err == NULL || r->err->code != WASM_OK)
        return false;
    r->err->code = code;
    char text[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t off = (size_t)(r->p - r->base);
    if (r->func >= 0)
        snprintf(r->err->message, sizeof r->err->message,
                 "section %s: function %lld: offset 0x%zx: %s", r->section ? r->section : "?",
                 (long long)r->func, off, text);
    else
        snprintf(r->err->message, sizeof r->err->message, "section %s: offset 0x%zx: %s",
                 r->section ? r->section : "?", off, text);
    return false;
}

bool wasm_read_u8(wasm_reader_t *r, uint8_t *out)
{
    if (r->p >= r->end)
        return wasm_fail(r, WASM_ERR_MALFORMED, "unexpected end of section or function");
    *out = *r->p++;
    return true;
}

/* Unsigned LEB128 of at most `bits` bits. */
static bool read_uleb(wasm_reader_t *r, unsigned bits, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        if (r->p >= r->end)
            return wasm_fail(r, WASM_ERR_MALFORMED,
                             "unexpected end of section or function (in LEB128 integer)");
        uint8_t b = *r->p++;
        if (shift + 7 >= bits && shift < 64) {
            /* last permitted byte: no continuation, unused bits zero */
            unsigned used = bits - shift;
            if (b & 0x80)
                return wasm_fail(r, WASM_ERR_MALFORMED, "integer representation too long");
            if (used < 7 && (b >> used) != 0)
                return wasm_fail(r, WASM_ERR_MALFORMED, "integer too large");
            v |= (uint64_t)b << shift;
            break;
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    *out = v;
    return true;
}

/* Signed LEB128 of at most `bits` bits. */
static bool read_sleb(wasm_reader_t *r, unsigned bits, int64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    for (;;) {
        if (r->p >= r->end)
            return wasm_fail(r, WASM_ERR_MALFORMED,
                             "unexpected end of section or function (in LEB128 integer)");
        b = *r->p++;
        if (shift + 7 >= bits) {
            unsigned used = bits - shift; /* value bits in this byte, 1..7 */
            if (b & 0x80)
                return wasm_fail(r, WASM_ERR_MALFORMED, "integer representation too long");
            /* bits from `used-1` up to 6 must all equal the sign bit */
            uint8_t rest = (uint8_t)(b >> (used - 1)) & (uint8_t)(0x7F >> (used - 1));
            uint8_t ones = (uint8_t)(0x7F >> (used - 1));
            if (rest != 0 && rest != ones)
                return wasm_fail(r, WASM_ERR_MALFORMED, "integer too large");
            v |= (uint64_t)(b & 0x7F) << shift;
            shift += 7;
            break;
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
    *out = (int64_t)v;
    return true;
}

bool wasm_read_u32(wasm_reader_t *r, uint32_t *out)
{
    uint64_t v = 0;
    if (!read_uleb(r, 32, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool wasm_read_s32(wasm_reader_t *r, int32_t *out)
{
    int64_t v = 0;
    if (!read_sleb(r, 32, &v))
        return false;
    *out = (int32_t)v;
    return true;
}

bool wasm_read_s33(wasm_reader_t *r, int64_t *out)
{
    return read_sleb(r, 33, out);
}

bool wasm_read_s64(wasm_reader_t *r, int64_t *out)
{
    return read_sleb(r, 64, out);
}

bool wasm_read_len(wasm_reader_t *r, uint32_t *out)
{
    const uint8_t *at = r->p;
    if (!wasm_read_u32(r, out))
        return false;
    if (*out > (size_t)(r->end - at)) {
        r->p = at;
        return wasm_fail(r, WASM_ERR_MALFORMED, "length out of bounds (%u bytes)", *out);
    }
    return true;
}

bool wasm_read_bytes(wasm_reader_t *r, size_t n, const uint8_t **out)
{
    if ((size_t)(r->end - r->p) < n)
        return wasm_fail(r, WASM_ERR_MALFORMED, "unexpected end of section or function");
    *out = r->p;
    r->p += n;
    return true;
}

bool wasm_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
            return false; /* overlong */
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

bool wasm_read_name(wasm_reader_t *r, char **out)
{
    uint32_t len;
    return wasm_read_name_len(r, out, &len);
}

bool wasm_read_name_len(wasm_reader_t *r, char **out, uint32_t *len)
{
    uint32_t n = 0;
    const uint8_t *s = NULL;
    if (!wasm_read_len(r, &n) || !wasm_read_bytes(r, n, &s))
        return false;
    if (!wasm_utf8_valid(s, n))
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed UTF-8 encoding");
    char *c = mk_malloc((size_t)n + 1);
    if (c == NULL)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    memcpy(c, s, n);
    c[n] = '\0';
    *out = c;
    *len = n;
    return true;
}
