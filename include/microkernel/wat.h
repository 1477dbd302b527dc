/* WebAssembly text format (WAT) to binary format (issue 20, goal 4). */
#ifndef MICROKERNEL_WAT_H
#define MICROKERNEL_WAT_H

#include <stdbool.h>
#include <stddef.h>

/* Limits of wat_to_wasm (documented in docs/wasm-engine.md, "Text format"). */
#define WAT_MAX_TEXT  (16u * 1024u * 1024u) /* input text, bytes */
#define WAT_MAX_DEPTH 256u                  /* parenthesis nesting */
#define WAT_MAX_TOKEN 65536u                /* one token (string, id, number), bytes */

/* Translate the text module text[0..len) (WebAssembly spec 3.x, "Text
 * Format"; a UTF-8 text, no NUL needed) into the binary format (spec 5.x).
 * On success *out is a buffer of *out_len bytes from the library's
 * allocator (mk_set_allocator(), alloc.h; malloc(3) unless a host installed
 * its own) that the caller frees with that allocator's free (free(3) by
 * default); returns true. On failure returns false, *out is NULL,
 * and err (err_cap bytes, NUL-terminated, may be NULL) holds
 * "line:column: message" (1-based line and column, column in bytes) naming
 * the first malformed token, an unknown identifier, or a limit exceeded
 * (text over WAT_MAX_TEXT, nesting over WAT_MAX_DEPTH, token over
 * WAT_MAX_TOKEN) or "0:0: out of memory". Supported: one (module ...) or
 * bare module fields; see docs/wasm-engine.md for the instructions. */
bool wat_to_wasm(const char *text, size_t len, unsigned char **out, size_t *out_len, char *err,
                 size_t err_cap);

/* True if buf[0..len) looks like a text module: after white space and
 * comments it starts with "(module" or another "(" field. False for the
 * binary magic "\0asm". */
bool wat_is_text(const unsigned char *buf, size_t len);

#endif
