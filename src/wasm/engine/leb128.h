/*
 * leb128.h -- the byte reader every decoding stage uses: bounds-checked
 * LEB128 integers, bytes and names, and the error reporter that records the
 * section, function and byte offset of a failure.
 */
#ifndef WASM_LEB128_H
#define WASM_LEB128_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm_engine.h"

typedef struct wasm_reader {
    const uint8_t *base;              /* start of the module (offsets are relative to it) */
    const uint8_t *p;                 /* next byte */
    const uint8_t *end;               /* end of the bytes (a section is read up to the
                                         module's end and its size checked after, as
                                         the reference interpreter does) */
    wasm_error_t *err;                /* where failures are recorded */
    const char *section;              /* section being decoded, for messages */
    int64_t func;                     /* function index being compiled, or -1 */
    const wasm_compile_limits_t *lim; /* module limits (never NULL while decoding) */
} wasm_reader_t;

/* Record `code` and a printf-style message at the reader's position (the
 * first failure wins). Always returns false, so callers `return wasm_fail()`. */
bool wasm_fail(wasm_reader_t *r, wasm_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Each reader returns false (MALFORMED recorded) on truncation or a
 * non-canonical / too long encoding (spec 5.2.2). */
bool wasm_read_u8(wasm_reader_t *r, uint8_t *out);
bool wasm_read_u32(wasm_reader_t *r, uint32_t *out);
bool wasm_read_s32(wasm_reader_t *r, int32_t *out);
bool wasm_read_s33(wasm_reader_t *r, int64_t *out);
bool wasm_read_s64(wasm_reader_t *r, int64_t *out);
bool wasm_read_bytes(wasm_reader_t *r, size_t n, const uint8_t **out);
/* A byte length (u32) that must not exceed the bytes left counted from
 * the start of its own encoding, else "length out of bounds": the
 * reference interpreter's `len32` (spec interpreter decode.ml), so that
 * names, data and sizes fail for the spec's reason. */
bool wasm_read_len(wasm_reader_t *r, uint32_t *out);
/* A name (spec 5.2.4): length-prefixed valid UTF-8, returned as a new
 * NUL-terminated string the caller frees. */
bool wasm_read_name(wasm_reader_t *r, char **out);
/* Same, also giving the length in bytes (names may contain NUL). */
bool wasm_read_name_len(wasm_reader_t *r, char **out, uint32_t *len);

/* True if [s, s+n) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool wasm_utf8_valid(const uint8_t *s, size_t n);

#endif
