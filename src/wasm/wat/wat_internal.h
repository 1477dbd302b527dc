/* Internals of the text format parser shared by wat_lex.c and the WAST script
 * reader wast.c (issue 20 §4): the token list of wat_lex.c's lexer and its
 * constant parsers, so a script is lexed and its values read exactly as a
 * module's text is. Not a public interface. */
#ifndef MK_WAT_INTERNAL_H
#define MK_WAT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { T_LP, T_RP, T_KW, T_ID, T_STR, T_EOF };

typedef struct {
    int kind;
    const char *s; /* start in text (T_STR: decoded bytes in str) */
    size_t n;
    unsigned char *str; /* T_STR only, owned */
    size_t str_n;
    unsigned line, col;
} tok_t;

/* Lex text[0..len) (spec 6.2, the rules of wat_to_wasm, including
 * WAT_MAX_DEPTH and WAT_MAX_TOKEN) into *toks (library allocator, *n tokens, the
 * last one T_EOF; free with wat_tokens_free). False with err =
 * "line:column: message" and *toks NULL on malformed text or no memory. */
bool wat_lex(const char *text, size_t len, tok_t **toks, size_t *n, char *err, size_t err_cap);
void wat_tokens_free(tok_t *toks, size_t n);

/* Read the number token t as a constant of value type vt (0x7F i32, 0x7E
 * i64, 0x7D f32, 0x7C f64; spec 6.3.1-2) into *bits (f32: low 32 bits,
 * i32: zero-extended). False with err = "line:column: message". */
bool wat_const(const tok_t *t, unsigned char vt, uint64_t *bits, char *err, size_t err_cap);

#endif
