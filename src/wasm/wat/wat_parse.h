/* Private state and helpers of the text format parser, shared by its four
 * parts (issue 20 §4): wat_lex.c (lexer, numbers, wat_lex/wat_const/
 * wat_is_text), wat_names.c (byte buffers, names, types), wat_instr.c
 * (instructions, spec 6.5) and wat.c (module fields, wat_to_wasm). Not a
 * public interface and not used by the WAST reader (wast.c has its own
 * cursor). */
#ifndef MK_WAT_PARSE_H
#define MK_WAT_PARSE_H

#include "microkernel/wat.h"
#include "wat_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    unsigned char *p;
    size_t n, cap;
    bool oom;
} buf_t;

typedef struct {
    const char *name;
    size_t n;
} name_t;

typedef struct {
    name_t *v;
    size_t n, cap;
} names_t;

typedef struct {
    unsigned char params[128], results[32]; /* per function type (docs/wasm-engine.md) */
    unsigned np, nr;
} ftype_t;

typedef struct {
    const char *text;
    size_t len;
    tok_t *t;
    size_t nt, cap, pos;
    char *err;
    size_t err_cap;
    bool failed;
    names_t funcs, globals, mems, tables, types, datas, elems;
    ftype_t *ftypes;
    size_t nftypes, ftcap;
    names_t locals, labels;
    unsigned nimp_func;
    buf_t sec[13];
    unsigned cnt[13];
    unsigned nfuncs_decl;
    buf_t *code;
    bool anon_params; /* block types, call_indirect: (param $x) is malformed */
} P;

/* ---- errors (wat_lex.c) ---- */

/* Record the first error as "line:column: message" (t NULL: 0:0) in p->err
 * (truncated to p->err_cap bytes); later calls keep the first. Always false,
 * so callers write `return wat_fail(...)`. */
bool wat_fail(P *p, const tok_t *t, const char *fmt, ...);

/* ---- lexer and numbers (wat_lex.c) ---- */

/* Lex p->text[0..p->len) into p->t/p->nt (library allocator, last token
 * T_EOF; spec 6.2, bounded by WAT_MAX_DEPTH/WAT_MAX_TOKEN). False with the
 * error recorded; tokens made so far stay in p->t for the caller to free. */
bool wat_lex_text(P *p);

/* Integer token t to its 64-bit magnitude *v, *neg set for '-' (spec
 * 6.3.1, '_' between digits). False, nothing recorded, if not an integer. */
bool wat_parse_u64(const tok_t *t, uint64_t *v, bool *neg);

/* The current token as an integer of `bits` (32 or 64) bits, signed or
 * unsigned range, into *out (i32 sign-extended); advances. False with
 * "expected integer" or "integer out of range for iN". */
bool wat_parse_int(P *p, unsigned bits, int64_t *out);

/* The current token as an unsigned 32-bit integer; advances. False with
 * "expected unsigned 32-bit integer". */
bool wat_parse_u32(P *p, uint32_t *out);

/* The current token as a float of `bits` (32 or 64) bits (spec 6.3.2:
 * decimal, hex, inf, nan, nan:0x payload) into *out (f32 in the low 32
 * bits); advances. False with the error recorded. */
bool wat_parse_float(P *p, unsigned bits, uint64_t *out);

/* ---- token cursor ---- */

static inline tok_t *cur(P *p)
{
    return &p->t[p->pos];
}
static inline bool is_kw(const tok_t *t, const char *kw)
{
    return t->kind == T_KW && t->n == strlen(kw) && !memcmp(t->s, kw, t->n);
}
static inline bool peek_field(P *p, const char *kw)
{
    return cur(p)->kind == T_LP && is_kw(&p->t[p->pos + 1], kw);
}
static inline bool expect(P *p, int kind, const char *what)
{
    if (cur(p)->kind != kind)
        return wat_fail(p, cur(p), "expected %s", what);
    p->pos++;
    return true;
}
static inline void skip_sexpr(P *p) /* at '(' : skip to after matching ')' */
{
    unsigned d = 0;
    do {
        if (cur(p)->kind == T_LP)
            d++;
        else if (cur(p)->kind == T_RP)
            d--;
        else if (cur(p)->kind == T_EOF)
            return;
        p->pos++;
    } while (d);
}

/* ---- byte buffers (wat_names.c) ---- */

/* Append n bytes of d to b (library allocator, doubling from 64 bytes). On
 * no memory b->oom is set and every later append is dropped; the caller
 * checks b->oom once at the end. */
void wat_put(buf_t *b, const void *d, size_t n);
/* Append one byte (low 8 bits of v). */
void wat_byte(buf_t *b, unsigned v);
/* Append v as unsigned / signed LEB128 (spec 5.2.2). */
void wat_uleb(buf_t *b, uint64_t v);
void wat_sleb(buf_t *b, int64_t v);
/* Append a vector: uleb length n, then the n bytes of d (spec 5.1.3). */
void wat_vecbytes(buf_t *b, const unsigned char *d, size_t n);

/* ---- names and types (wat_names.c) ---- */

/* Give the next index of ns to id (NULL: anonymous). False with "duplicate
 * identifier $x" or "out of memory". */
bool wat_name_add(P *p, names_t *ns, const tok_t *id);
/* The current token as an index: a u32 or an $id looked up in ns (searched
 * from the end so inner labels shadow outer ones; from_end_relative gives
 * the label depth). Advances; false with "unknown identifier $x". */
bool wat_parse_idx(P *p, names_t *ns, uint32_t *out, bool from_end_relative);
/* *id = the current token if it is an $id (and advance), else NULL. True. */
bool wat_opt_id(P *p, const tok_t **id);
/* The value type keyword t as its binary code (i32 0x7F, i64 0x7E, f32
 * 0x7D, f64 0x7C, funcref 0x70, externref 0x6F; spec 5.3.1), or -1. */
int wat_valtype(const tok_t *t);
/* The current token as a value type into *out; advances. False with
 * "expected value type". */
bool wat_parse_valtype(P *p, unsigned char *out);
/* Index of a type equal to f in p->ftypes, or -1. */
int wat_ftype_find(P *p, const ftype_t *f);
/* Append f as a new type (and to the type section); its index, or -1 with
 * "out of memory". */
int wat_ftype_add(P *p, const ftype_t *f);
/* (param ...)* (result ...)* into f; param ids go to locals when not NULL.
 * False with the error recorded (too many params/results: the ftype_t
 * bounds). */
bool wat_parse_sig(P *p, ftype_t *f, bool with_params, names_t *locals);
/* typeuse: (type x)? params results (spec 6.6.3). The type index
 * (0..2^32-1), or -1 with the error recorded; the signature in *sig_out. */
int64_t wat_parse_typeuse(P *p, names_t *locals, ftype_t *sig_out);

/* ---- instructions (wat_instr.c) ---- */

/* One instruction, plain or folded (spec 6.5), encoded to p->code; depth
 * bounds the folded recursion by WAT_MAX_DEPTH. False with the error. */
bool wat_parse_instr(P *p, unsigned depth);
/* Plain instructions until ')' or end/else (not consumed). */
bool wat_parse_instrs(P *p, unsigned depth);

#endif
