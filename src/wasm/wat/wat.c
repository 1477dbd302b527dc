/* WAT: WebAssembly text format to binary format (issue 20, goal 4).
 * A lexer turns the (buf,len) text into tokens (spec 6.2 "Lexical format":
 * comments, strings with escapes, ids, numbers), a first pass gives every
 * named function, global, memory, table and type its index (spec 6.6
 * "Modules", identifier contexts), a second pass encodes the sections
 * (spec 5.5). Instructions in plain and folded form (spec 6.5). Bounded by
 * WAT_MAX_TEXT/DEPTH/TOKEN; the only recursion (folded instructions) is
 * bounded by WAT_MAX_DEPTH. */
#include "core/alloc_internal.h"
#include "microkernel/wat.h"
#include "wat_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

static bool fail(P *p, const tok_t *t, const char *fmt, ...)
{
    if (p->failed)
        return false;
    p->failed = true;
    if (!p->err || !p->err_cap)
        return false;
    int k = snprintf(p->err, p->err_cap, "%u:%u: ", t ? t->line : 0, t ? t->col : 0);
    if (k < 0 || (size_t)k >= p->err_cap)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + k, p->err_cap - (size_t)k, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- byte buffers ---- */
static void put(buf_t *b, const void *d, size_t n)
{
    if (b->oom || !n)
        return;
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap * 2 : 64;
        while (c < b->n + n)
            c *= 2;
        unsigned char *q = mk_realloc(b->p, c);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void byte(buf_t *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}
static void uleb(buf_t *b, uint64_t v)
{
    do {
        unsigned char c = v & 0x7f;
        v >>= 7;
        if (v)
            c |= 0x80;
        put(b, &c, 1);
    } while (v);
}
static void sleb(buf_t *b, int64_t v)
{
    for (;;) {
        unsigned char c = v & 0x7f;
        v >>= 7; /* arithmetic shift on every supported compiler */
        bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
        if (!done)
            c |= 0x80;
        put(b, &c, 1);
        if (done)
            break;
    }
}
static void vecbytes(buf_t *b, const unsigned char *d, size_t n)
{
    uleb(b, n);
    put(b, d, n);
}

/* ---- lexer ---- */
static bool idchar(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("\"(),;[]{}", c);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool push_tok(P *p, tok_t t)
{
    if (p->nt == p->cap) {
        size_t c = p->cap ? p->cap * 2 : 256;
        tok_t *q = mk_realloc(p->t, c * sizeof *q);
        if (!q)
            return fail(p, NULL, "out of memory");
        p->t = q;
        p->cap = c;
    }
    p->t[p->nt++] = t;
    return true;
}

static bool lex_string(P *p, size_t *ip, tok_t *t, unsigned line, size_t ls)
{
    size_t i = *ip + 1;
    buf_t b = {0};
    for (;;) {
        tok_t at = {.line = line, .col = (unsigned)(i - ls + 1)};
        if (i >= p->len || p->text[i] == '\n') {
            mk_free(b.p);
            return fail(p, t, "unterminated string");
        }
        unsigned char c = (unsigned char)p->text[i];
        if (c == '"')
            break;
        if (c < 0x20 || c == 0x7f) {
            mk_free(b.p);
            return fail(p, &at, "control character in string");
        }
        if (c != '\\') {
            byte(&b, c);
            i++;
        } else {
            char e = i + 1 < p->len ? p->text[i + 1] : 0;
            i += 2;
            if (e == 'n')
                byte(&b, '\n');
            else if (e == 't')
                byte(&b, '\t');
            else if (e == 'r')
                byte(&b, '\r');
            else if (e == '\\' || e == '\'' || e == '"')
                byte(&b, (unsigned)e);
            else if (e == 'u') {
                uint32_t cp = 0;
                int digits = 0;
                if (i >= p->len || p->text[i] != '{')
                    goto bad;
                i++;
                while (i < p->len && (hexval(p->text[i]) >= 0 || p->text[i] == '_')) {
                    if (p->text[i] != '_') {
                        cp = cp * 16 + (uint32_t)hexval(p->text[i]);
                        if (cp > 0x10ffff)
                            goto bad;
                        digits++;
                    }
                    i++;
                }
                if (!digits || i >= p->len || p->text[i] != '}' || (cp >= 0xd800 && cp < 0xe000))
                    goto bad;
                i++;
                if (cp < 0x80)
                    byte(&b, cp);
                else if (cp < 0x800) {
                    byte(&b, 0xc0 | (cp >> 6));
                    byte(&b, 0x80 | (cp & 0x3f));
                } else if (cp < 0x10000) {
                    byte(&b, 0xe0 | (cp >> 12));
                    byte(&b, 0x80 | ((cp >> 6) & 0x3f));
                    byte(&b, 0x80 | (cp & 0x3f));
                } else {
                    byte(&b, 0xf0 | (cp >> 18));
                    byte(&b, 0x80 | ((cp >> 12) & 0x3f));
                    byte(&b, 0x80 | ((cp >> 6) & 0x3f));
                    byte(&b, 0x80 | (cp & 0x3f));
                }
            } else if (hexval(e) >= 0 && i < p->len && hexval(p->text[i]) >= 0) {
                byte(&b, (unsigned)(hexval(e) * 16 + hexval(p->text[i])));
                i++;
            } else {
            bad:
                mk_free(b.p);
                return fail(p, &at, "bad escape in string");
            }
        }
        if (b.n > WAT_MAX_TOKEN) {
            mk_free(b.p);
            return fail(p, t, "string longer than %u bytes", WAT_MAX_TOKEN);
        }
    }
    if (b.oom) {
        mk_free(b.p);
        return fail(p, t, "out of memory");
    }
    t->kind = T_STR;
    t->str = b.p;
    t->str_n = b.n;
    t->n = i + 1 - *ip;
    *ip = i + 1;
    /* tokens are separated by white space, a comment or a parenthesis
     * (spec 6.2.1): "a""b" is one malformed token, not two strings */
    if (*ip < p->len && (p->text[*ip] == '"' || idchar((unsigned char)p->text[*ip]))) {
        tok_t at = {.line = line, .col = (unsigned)(*ip - ls + 1)};
        mk_free(b.p);
        t->str = NULL;
        return fail(p, &at, "missing space after string");
    }
    return true;
}

static bool lex(P *p)
{
    size_t i = 0, ls = 0;
    unsigned line = 1, depth = 0;
    while (i < p->len) {
        unsigned char c = (unsigned char)p->text[i];
        tok_t t = {.s = p->text + i, .line = line, .col = (unsigned)(i - ls + 1)};
        if (c == '\n') {
            line++;
            ls = ++i;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            i++;
        } else if (c == ';' && i + 1 < p->len && p->text[i + 1] == ';') {
            /* a line comment ends at LF or a lone CR (spec 6.2.4, newline) */
            while (i < p->len && p->text[i] != '\n' && p->text[i] != '\r')
                i++;
        } else if (c == '(' && i + 1 < p->len && p->text[i + 1] == ';') {
            unsigned nest = 1;
            i += 2;
            while (nest) {
                if (i >= p->len)
                    return fail(p, &t, "unterminated block comment");
                if (p->text[i] == '\n') {
                    line++;
                    ls = i + 1;
                    i++;
                } else if (p->text[i] == '(' && i + 1 < p->len && p->text[i + 1] == ';') {
                    if (++nest > WAT_MAX_DEPTH)
                        return fail(p, &t, "comments nested deeper than %u", WAT_MAX_DEPTH);
                    i += 2;
                } else if (p->text[i] == ';' && i + 1 < p->len && p->text[i + 1] == ')') {
                    nest--;
                    i += 2;
                } else
                    i++;
            }
        } else if (c == '(') {
            if (++depth > WAT_MAX_DEPTH)
                return fail(p, &t, "nested deeper than %u", WAT_MAX_DEPTH);
            t.kind = T_LP;
            t.n = 1;
            i++;
            if (!push_tok(p, t))
                return false;
        } else if (c == ')') {
            if (!depth)
                return fail(p, &t, "unbalanced ')'");
            depth--;
            t.kind = T_RP;
            t.n = 1;
            i++;
            if (!push_tok(p, t))
                return false;
        } else if (c == '"') {
            if (!lex_string(p, &i, &t, line, ls) || !push_tok(p, t)) {
                mk_free(t.str);
                return false;
            }
        } else if (idchar(c)) {
            size_t s = i;
            while (i < p->len && idchar((unsigned char)p->text[i]))
                i++;
            t.n = i - s;
            if (t.n > WAT_MAX_TOKEN)
                return fail(p, &t, "token longer than %u bytes", WAT_MAX_TOKEN);
            t.kind = c == '$' ? T_ID : T_KW;
            if (c == '$' && t.n == 1)
                return fail(p, &t, "empty identifier");
            if (i < p->len && p->text[i] == '"')
                return fail(p, &t, "missing space before string");
            if (!push_tok(p, t))
                return false;
        } else {
            return fail(p, &t, "unexpected character 0x%02x", c);
        }
    }
    if (depth) {
        tok_t t = {.line = line, .col = (unsigned)(i - ls + 1)};
        return fail(p, &t, "missing ')' (unexpected end of text)");
    }
    tok_t e = {.kind = T_EOF, .s = p->text + i, .line = line, .col = (unsigned)(i - ls + 1)};
    return push_tok(p, e);
}

/* ---- token helpers ---- */
static tok_t *cur(P *p)
{
    return &p->t[p->pos];
}
static bool is_kw(const tok_t *t, const char *kw)
{
    return t->kind == T_KW && t->n == strlen(kw) && !memcmp(t->s, kw, t->n);
}
static bool peek_field(P *p, const char *kw)
{
    return cur(p)->kind == T_LP && is_kw(&p->t[p->pos + 1], kw);
}
static bool expect(P *p, int kind, const char *what)
{
    if (cur(p)->kind != kind)
        return fail(p, cur(p), "expected %s", what);
    p->pos++;
    return true;
}
static void skip_sexpr(P *p) /* at '(' : skip to after matching ')' */
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

/* ---- numbers ---- */
static bool clean_num(const tok_t *t, char *o, size_t cap, size_t *on)
{
    size_t n = 0;
    /* '_' only between two digits (spec 6.3.1): hex digits in a hex
     * mantissa, decimal digits elsewhere (so not next to 'e' or '.') */
    size_t sgn = t->n && (t->s[0] == '+' || t->s[0] == '-');
    if (t->n > sgn + 4 && !memcmp(t->s + sgn, "nan:", 4))
        sgn += 4; /* nan:0x... payload */
    bool hex = t->n > sgn + 1 && t->s[sgn] == '0' && t->s[sgn + 1] == 'x';
    bool in_exp = false;
    for (size_t i = 0; i < t->n; i++) {
        if (hex && (t->s[i] == 'p' || t->s[i] == 'P'))
            in_exp = true;
        if (t->s[i] == '_') {
            if (!i || i + 1 == t->n)
                return false;
            int a = hexval(t->s[i - 1]), z = hexval(t->s[i + 1]);
            bool hexdig = hex && !in_exp;
            if (a < 0 || z < 0 || (!hexdig && (a > 9 || z > 9)))
                return false;
            continue;
        }
        if (n + 1 >= cap)
            return false;
        o[n++] = t->s[i];
    }
    o[n] = 0;
    *on = n;
    return true;
}

/* Integer token to 64-bit pattern; *neg set for '-'. False if not an integer. */
static bool parse_u64(const tok_t *t, uint64_t *v, bool *neg)
{
    char b[128];
    size_t n;
    if (t->kind != T_KW || !clean_num(t, b, sizeof b, &n))
        return false;
    const char *s = b;
    *neg = false;
    if (*s == '+' || *s == '-')
        *neg = *s++ == '-';
    unsigned base = 10;
    if (s[0] == '0' && s[1] == 'x') {
        base = 16;
        s += 2;
    }
    if (!*s)
        return false;
    uint64_t r = 0;
    for (; *s; s++) {
        int d = hexval(*s);
        if (d < 0 || (unsigned)d >= base)
            return false;
        if (r > (UINT64_MAX - (unsigned)d) / base)
            return false;
        r = r * base + (unsigned)d;
    }
    *v = r;
    return true;
}

static bool parse_int(P *p, unsigned bits, int64_t *out)
{
    uint64_t v;
    bool neg;
    tok_t *t = cur(p);
    if (!parse_u64(t, &v, &neg))
        return fail(p, t, "expected integer");
    uint64_t umax = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
    if (neg ? v > (1ull << (bits - 1)) : v > umax)
        return fail(p, t, "integer out of range for i%u", bits);
    uint64_t r = neg ? (uint64_t)0 - v : v;
    if (bits == 32)
        *out = (int32_t)(uint32_t)r;
    else
        *out = (int64_t)r;
    p->pos++;
    return true;
}

static bool parse_u32(P *p, uint32_t *out)
{
    uint64_t v;
    bool neg;
    tok_t *t = cur(p);
    if (!parse_u64(t, &v, &neg) || neg || t->s[0] == '+' || v > UINT32_MAX)
        return fail(p, t, "expected unsigned 32-bit integer");
    *out = (uint32_t)v;
    p->pos++;
    return true;
}

/* Float token to bits: bits==32 gives f32 pattern in *out (low 32). */
static bool parse_float(P *p, unsigned bits, uint64_t *out)
{
    char b[512];
    size_t n;
    tok_t *t = cur(p);
    if (t->kind != T_KW || !clean_num(t, b, sizeof b, &n))
        return fail(p, t, "expected float");
    const char *s = b;
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    uint64_t sign = neg ? (bits == 32 ? 1ull << 31 : 1ull << 63) : 0;
    if (!strcmp(s, "inf")) {
        *out = sign | (bits == 32 ? 0x7f800000ull : 0x7ff0000000000000ull);
    } else if (!strncmp(s, "nan", 3)) {
        uint64_t pay = bits == 32 ? 0x400000 : 0x8000000000000ull;
        if (s[3] == ':') {
            if (strncmp(s + 4, "0x", 2) || !s[6])
                return fail(p, t, "bad nan payload");
            pay = 0;
            for (const char *q = s + 6; *q; q++) {
                if (hexval(*q) < 0 || pay >> 60)
                    return fail(p, t, "bad nan payload");
                pay = pay * 16 + (uint64_t)hexval(*q);
            }
            uint64_t lim = bits == 32 ? 0x7fffff : 0xfffffffffffffull;
            if (!pay || pay > lim)
                return fail(p, t, "nan payload out of range");
        } else if (s[3])
            return fail(p, t, "expected float");
        *out = sign | (bits == 32 ? 0x7f800000ull : 0x7ff0000000000000ull) | pay;
    } else {
        /* strtod/strtof accept decimal and hex floats (C11 7.22.1.3);
         * reject what the text format does not allow (inf spellings etc.). */
        if (!(s[0] >= '0' && s[0] <= '9'))
            return fail(p, t, "expected float");
        for (const char *q = s; *q; q++)
            if (!strchr("0123456789abcdefABCDEFxX.pP+-", *q))
                return fail(p, t, "expected float");
        char *end;
        errno = 0;
        if (bits == 32) {
            float f = strtof(s, &end);
            if (*end || (errno == ERANGE && isinf(f)))
                return fail(p, t, "bad f32 constant");
            uint32_t u;
            memcpy(&u, &f, 4);
            *out = u | sign;
        } else {
            double d = strtod(s, &end);
            if (*end || (errno == ERANGE && isinf(d)))
                return fail(p, t, "bad f64 constant");
            uint64_t u;
            memcpy(&u, &d, 8);
            *out = u | sign;
        }
    }
    p->pos++;
    return true;
}

/* ---- names and indices ---- */
static bool name_add(P *p, names_t *ns, const tok_t *id)
{
    if (id) {
        for (size_t i = 0; i < ns->n; i++)
            if (ns->v[i].n == id->n && !memcmp(ns->v[i].name, id->s, id->n))
                return fail(p, id, "duplicate identifier %.*s", (int)id->n, id->s);
    }
    if (ns->n == ns->cap) {
        size_t c = ns->cap ? ns->cap * 2 : 16;
        name_t *q = mk_realloc(ns->v, c * sizeof *q);
        if (!q)
            return fail(p, id, "out of memory");
        ns->v = q;
        ns->cap = c;
    }
    ns->v[ns->n].name = id ? id->s : NULL;
    ns->v[ns->n++].n = id ? id->n : 0;
    return true;
}

/* An index: a u32 or an $id looked up in ns (searched from the end so that
 * inner labels shadow outer ones). */
static bool parse_idx(P *p, names_t *ns, uint32_t *out, bool from_end_relative)
{
    tok_t *t = cur(p);
    if (t->kind == T_ID) {
        for (size_t k = ns->n; k-- > 0;) {
            if (ns->v[k].n == t->n && !memcmp(ns->v[k].name, t->s, t->n)) {
                *out = from_end_relative ? (uint32_t)(ns->n - 1 - k) : (uint32_t)k;
                p->pos++;
                return true;
            }
        }
        return fail(p, t, "unknown identifier %.*s", (int)t->n, t->s);
    }
    return parse_u32(p, out);
}

static bool opt_id(P *p, const tok_t **id)
{
    *id = NULL;
    if (cur(p)->kind == T_ID)
        *id = &p->t[p->pos++];
    return true;
}

static int valtype(const tok_t *t)
{
    static const struct {
        const char *n;
        int c;
    } vt[] = {{"i32", 0x7f}, {"i64", 0x7e},     {"f32", 0x7d},
              {"f64", 0x7c}, {"funcref", 0x70}, {"externref", 0x6f}};
    for (size_t i = 0; i < sizeof vt / sizeof vt[0]; i++)
        if (is_kw(t, vt[i].n))
            return vt[i].c;
    return -1;
}

static bool parse_valtype(P *p, unsigned char *out)
{
    int v = valtype(cur(p));
    if (v < 0)
        return fail(p, cur(p), "expected value type");
    *out = (unsigned char)v;
    p->pos++;
    return true;
}

static int ftype_find(P *p, const ftype_t *f)
{
    for (size_t i = 0; i < p->nftypes; i++) {
        const ftype_t *g = &p->ftypes[i];
        if (g->np == f->np && g->nr == f->nr && !memcmp(g->params, f->params, f->np) &&
            !memcmp(g->results, f->results, f->nr))
            return (int)i;
    }
    return -1;
}

static int ftype_add(P *p, const ftype_t *f)
{
    if (p->nftypes == p->ftcap) {
        size_t c = p->ftcap ? p->ftcap * 2 : 16;
        ftype_t *q = mk_realloc(p->ftypes, c * sizeof *q);
        if (!q)
            return fail(p, NULL, "out of memory"), -1;
        p->ftypes = q;
        p->ftcap = c;
    }
    p->ftypes[p->nftypes] = *f;
    buf_t *s = &p->sec[1];
    byte(s, 0x60);
    vecbytes(s, f->params, f->np);
    vecbytes(s, f->results, f->nr);
    p->cnt[1]++;
    return (int)p->nftypes++;
}

/* (param ...)* (result ...)*; param ids go to p->locals when locals != NULL. */
static bool parse_sig(P *p, ftype_t *f, bool with_params, names_t *locals)
{
    while (with_params && peek_field(p, "param")) {
        p->pos += 2;
        if (cur(p)->kind == T_ID && p->anon_params)
            return fail(p, cur(p), "unexpected token %.*s: no parameter names here", (int)cur(p)->n,
                        cur(p)->s);
        if (cur(p)->kind == T_ID) {
            if (locals && !name_add(p, locals, cur(p)))
                return false;
            p->pos++;
            if (f->np >= sizeof f->params)
                return fail(p, cur(p), "too many params");
            if (!parse_valtype(p, &f->params[f->np++]))
                return false;
        } else {
            while (cur(p)->kind != T_RP) {
                if (f->np >= sizeof f->params)
                    return fail(p, cur(p), "too many params");
                if (locals && !name_add(p, locals, NULL))
                    return false;
                if (!parse_valtype(p, &f->params[f->np++]))
                    return false;
            }
        }
        if (!expect(p, T_RP, "')'"))
            return false;
    }
    while (peek_field(p, "result")) {
        p->pos += 2;
        while (cur(p)->kind != T_RP) {
            if (f->nr >= sizeof f->results)
                return fail(p, cur(p), "too many results");
            if (!parse_valtype(p, &f->results[f->nr++]))
                return false;
        }
        p->pos++;
    }
    return true;
}

/* typeuse: (type x)? params results. Returns type index (0..2^32-1) or -1. */
static int64_t parse_typeuse(P *p, names_t *locals, ftype_t *sig_out)
{
    ftype_t f = {0};
    int idx = -1;
    if (peek_field(p, "type")) {
        p->pos += 2;
        uint32_t x;
        if (!parse_idx(p, &p->types, &x, false))
            return -1;
        if (!expect(p, T_RP, "')'"))
            return -1;
        if (x >= p->nftypes) {
            /* a numeric index past the types: encoded as written, the
             * validator rejects it ("unknown type", spec 3.4.10) as
             * wat2wasm leaves it to the validator */
            tok_t *at = cur(p);
            if (!parse_sig(p, &f, true, locals))
                return -1;
            /* with an inline signature it cannot be checked: malformed
             * (func.wast "unknown type" assert_malformed) */
            if (f.np || f.nr)
                return fail(p, at, "unknown type"), -1;
            if (sig_out)
                *sig_out = f;
            return (int64_t)x;
        }
        idx = (int)x;
    }
    tok_t *at = cur(p);
    if (!parse_sig(p, &f, true, locals))
        return -1;
    if (idx >= 0) {
        if ((f.np || f.nr) && memcmp(&f, &p->ftypes[idx], sizeof f) != 0) {
            ftype_t g = p->ftypes[idx];
            if (g.np != f.np || g.nr != f.nr || memcmp(g.params, f.params, f.np) ||
                memcmp(g.results, f.results, f.nr))
                return fail(p, at, "inline function type does not match (type)"), -1;
        }
        if (!f.np && !f.nr && locals) /* names for the type's params */
            for (unsigned i = 0; i < p->ftypes[idx].np; i++)
                if (!name_add(p, locals, NULL))
                    return -1;
        if (sig_out)
            *sig_out = p->ftypes[idx];
        return idx;
    }
    if (sig_out)
        *sig_out = f;
    idx = ftype_find(p, &f);
    return idx >= 0 ? idx : ftype_add(p, &f);
}

/* ---- instructions ---- */
enum {
    I_NONE,
    I_BLOCK,
    I_LOCAL,
    I_GLOBAL,
    I_FUNC,
    I_LABEL,
    I_BRTABLE,
    I_CALLIND,
    I_MEM,
    I_I32,
    I_I64,
    I_F32,
    I_F64,
    I_MEM0,  /* memory.size/grow: one 0x00 byte */
    I_DATA,  /* data.drop */
    I_MINIT, /* memory.init x, 0x00 */
    I_MCOPY, /* 0x00 0x00 */
    I_REFNULL,
    I_TABLE, /* table.get/set/size/grow/fill */
    I_TINIT, /* table.init elem table */
    I_ELEM,  /* elem.drop */
    I_TCOPY,
    I_SELECTT,
};

typedef struct {
    const char *name;
    unsigned short op; /* 0xFCxx for prefixed */
    unsigned char imm, align;
} op_t;

static const op_t ops[] = {
    {"unreachable", 0x00, I_NONE, 0},
    {"nop", 0x01, I_NONE, 0},
    {"block", 0x02, I_BLOCK, 0},
    {"loop", 0x03, I_BLOCK, 0},
    {"if", 0x04, I_BLOCK, 0},
    {"br", 0x0c, I_LABEL, 0},
    {"br_if", 0x0d, I_LABEL, 0},
    {"br_table", 0x0e, I_BRTABLE, 0},
    {"return", 0x0f, I_NONE, 0},
    {"call", 0x10, I_FUNC, 0},
    {"call_indirect", 0x11, I_CALLIND, 0},
    {"drop", 0x1a, I_NONE, 0},
    {"select", 0x1b, I_SELECTT, 0},
    {"local.get", 0x20, I_LOCAL, 0},
    {"local.set", 0x21, I_LOCAL, 0},
    {"local.tee", 0x22, I_LOCAL, 0},
    {"global.get", 0x23, I_GLOBAL, 0},
    {"global.set", 0x24, I_GLOBAL, 0},
    {"table.get", 0x25, I_TABLE, 0},
    {"table.set", 0x26, I_TABLE, 0},
    {"i32.load", 0x28, I_MEM, 2},
    {"i64.load", 0x29, I_MEM, 3},
    {"f32.load", 0x2a, I_MEM, 2},
    {"f64.load", 0x2b, I_MEM, 3},
    {"i32.load8_s", 0x2c, I_MEM, 0},
    {"i32.load8_u", 0x2d, I_MEM, 0},
    {"i32.load16_s", 0x2e, I_MEM, 1},
    {"i32.load16_u", 0x2f, I_MEM, 1},
    {"i64.load8_s", 0x30, I_MEM, 0},
    {"i64.load8_u", 0x31, I_MEM, 0},
    {"i64.load16_s", 0x32, I_MEM, 1},
    {"i64.load16_u", 0x33, I_MEM, 1},
    {"i64.load32_s", 0x34, I_MEM, 2},
    {"i64.load32_u", 0x35, I_MEM, 2},
    {"i32.store", 0x36, I_MEM, 2},
    {"i64.store", 0x37, I_MEM, 3},
    {"f32.store", 0x38, I_MEM, 2},
    {"f64.store", 0x39, I_MEM, 3},
    {"i32.store8", 0x3a, I_MEM, 0},
    {"i32.store16", 0x3b, I_MEM, 1},
    {"i64.store8", 0x3c, I_MEM, 0},
    {"i64.store16", 0x3d, I_MEM, 1},
    {"i64.store32", 0x3e, I_MEM, 2},
    {"memory.size", 0x3f, I_MEM0, 0},
    {"memory.grow", 0x40, I_MEM0, 0},
    {"i32.const", 0x41, I_I32, 0},
    {"i64.const", 0x42, I_I64, 0},
    {"f32.const", 0x43, I_F32, 0},
    {"f64.const", 0x44, I_F64, 0},
    {"ref.null", 0xd0, I_REFNULL, 0},
    {"ref.is_null", 0xd1, I_NONE, 0},
    {"ref.func", 0xd2, I_FUNC, 0},
    {"memory.init", 0xfc08, I_MINIT, 0},
    {"data.drop", 0xfc09, I_DATA, 0},
    {"memory.copy", 0xfc0a, I_MCOPY, 0},
    {"memory.fill", 0xfc0b, I_MEM0, 0},
    {"table.init", 0xfc0c, I_TINIT, 0},
    {"elem.drop", 0xfc0d, I_ELEM, 0},
    {"table.copy", 0xfc0e, I_TCOPY, 0},
    {"table.grow", 0xfc0f, I_TABLE, 0},
    {"table.size", 0xfc10, I_TABLE, 0},
    {"table.fill", 0xfc11, I_TABLE, 0},
};

/* Numeric instructions without immediates, 0x45..0xc4 in order (spec 5.4.7). */
static const char *const numops[] = {"i32.eqz",
                                     "i32.eq",
                                     "i32.ne",
                                     "i32.lt_s",
                                     "i32.lt_u",
                                     "i32.gt_s",
                                     "i32.gt_u",
                                     "i32.le_s",
                                     "i32.le_u",
                                     "i32.ge_s",
                                     "i32.ge_u",
                                     "i64.eqz",
                                     "i64.eq",
                                     "i64.ne",
                                     "i64.lt_s",
                                     "i64.lt_u",
                                     "i64.gt_s",
                                     "i64.gt_u",
                                     "i64.le_s",
                                     "i64.le_u",
                                     "i64.ge_s",
                                     "i64.ge_u",
                                     "f32.eq",
                                     "f32.ne",
                                     "f32.lt",
                                     "f32.gt",
                                     "f32.le",
                                     "f32.ge",
                                     "f64.eq",
                                     "f64.ne",
                                     "f64.lt",
                                     "f64.gt",
                                     "f64.le",
                                     "f64.ge",
                                     "i32.clz",
                                     "i32.ctz",
                                     "i32.popcnt",
                                     "i32.add",
                                     "i32.sub",
                                     "i32.mul",
                                     "i32.div_s",
                                     "i32.div_u",
                                     "i32.rem_s",
                                     "i32.rem_u",
                                     "i32.and",
                                     "i32.or",
                                     "i32.xor",
                                     "i32.shl",
                                     "i32.shr_s",
                                     "i32.shr_u",
                                     "i32.rotl",
                                     "i32.rotr",
                                     "i64.clz",
                                     "i64.ctz",
                                     "i64.popcnt",
                                     "i64.add",
                                     "i64.sub",
                                     "i64.mul",
                                     "i64.div_s",
                                     "i64.div_u",
                                     "i64.rem_s",
                                     "i64.rem_u",
                                     "i64.and",
                                     "i64.or",
                                     "i64.xor",
                                     "i64.shl",
                                     "i64.shr_s",
                                     "i64.shr_u",
                                     "i64.rotl",
                                     "i64.rotr",
                                     "f32.abs",
                                     "f32.neg",
                                     "f32.ceil",
                                     "f32.floor",
                                     "f32.trunc",
                                     "f32.nearest",
                                     "f32.sqrt",
                                     "f32.add",
                                     "f32.sub",
                                     "f32.mul",
                                     "f32.div",
                                     "f32.min",
                                     "f32.max",
                                     "f32.copysign",
                                     "f64.abs",
                                     "f64.neg",
                                     "f64.ceil",
                                     "f64.floor",
                                     "f64.trunc",
                                     "f64.nearest",
                                     "f64.sqrt",
                                     "f64.add",
                                     "f64.sub",
                                     "f64.mul",
                                     "f64.div",
                                     "f64.min",
                                     "f64.max",
                                     "f64.copysign",
                                     "i32.wrap_i64",
                                     "i32.trunc_f32_s",
                                     "i32.trunc_f32_u",
                                     "i32.trunc_f64_s",
                                     "i32.trunc_f64_u",
                                     "i64.extend_i32_s",
                                     "i64.extend_i32_u",
                                     "i64.trunc_f32_s",
                                     "i64.trunc_f32_u",
                                     "i64.trunc_f64_s",
                                     "i64.trunc_f64_u",
                                     "f32.convert_i32_s",
                                     "f32.convert_i32_u",
                                     "f32.convert_i64_s",
                                     "f32.convert_i64_u",
                                     "f32.demote_f64",
                                     "f64.convert_i32_s",
                                     "f64.convert_i32_u",
                                     "f64.convert_i64_s",
                                     "f64.convert_i64_u",
                                     "f64.promote_f32",
                                     "i32.reinterpret_f32",
                                     "i64.reinterpret_f64",
                                     "f32.reinterpret_i32",
                                     "f64.reinterpret_i64",
                                     "i32.extend8_s",
                                     "i32.extend16_s",
                                     "i64.extend8_s",
                                     "i64.extend16_s",
                                     "i64.extend32_s"};

static const char *const satops[] = {
    "i32.trunc_sat_f32_s", "i32.trunc_sat_f32_u", "i32.trunc_sat_f64_s", "i32.trunc_sat_f64_u",
    "i64.trunc_sat_f32_s", "i64.trunc_sat_f32_u", "i64.trunc_sat_f64_s", "i64.trunc_sat_f64_u"};

static bool find_op(const tok_t *t, op_t *o)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (is_kw(t, ops[i].name))
            return *o = ops[i], true;
    for (size_t i = 0; i < sizeof numops / sizeof numops[0]; i++)
        if (is_kw(t, numops[i]))
            return *o = (op_t){numops[i], (unsigned short)(0x45 + i), I_NONE, 0}, true;
    for (size_t i = 0; i < sizeof satops / sizeof satops[0]; i++)
        if (is_kw(t, satops[i]))
            return *o = (op_t){satops[i], (unsigned short)(0xfc00 + i), I_NONE, 0}, true;
    return false;
}

static void emit_op(buf_t *b, unsigned op)
{
    if (op >= 0xfc00) {
        byte(b, 0xfc);
        uleb(b, op & 0xff);
    } else
        byte(b, op);
}

static bool parse_instr(P *p, unsigned depth);

static bool is_index_tok(const tok_t *t)
{
    return t->kind == T_ID || (t->kind == T_KW && t->s[0] >= '0' && t->s[0] <= '9');
}

/* label? blocktype for block/loop/if. */
static bool block_head(P *p)
{
    buf_t *b = p->code;
    const tok_t *id;
    opt_id(p, &id);
    if (!name_add(p, &p->labels, NULL))
        return false;
    if (id)
        p->labels.v[p->labels.n - 1] = (name_t){id->s, id->n};
    p->anon_params = true;
    if (peek_field(p, "type")) {
        int64_t x = parse_typeuse(p, NULL, NULL);
        p->anon_params = false;
        if (x < 0)
            return false;
        sleb(b, x);
        return true;
    }
    ftype_t f = {0};
    bool sig_ok = parse_sig(p, &f, true, NULL);
    p->anon_params = false;
    if (!sig_ok)
        return false;
    if (!f.np && !f.nr)
        byte(b, 0x40);
    else if (!f.np && f.nr == 1)
        byte(b, f.results[0]);
    else {
        int x = ftype_find(p, &f);
        if (x < 0)
            x = ftype_add(p, &f);
        if (x < 0)
            return false;
        sleb(b, x);
    }
    return true;
}

static bool end_label(P *p)
{
    const tok_t *id;
    opt_id(p, &id);
    if (id) {
        name_t *l = &p->labels.v[p->labels.n - 1];
        if (l->n != id->n || memcmp(l->name, id->s, id->n))
            return fail(p, id, "mismatching label %.*s", (int)id->n, id->s);
    }
    return true;
}

static bool memarg(P *p, unsigned natural)
{
    uint64_t off = 0, al = 1ull << natural;
    buf_t *b = p->code;
    for (int k = 0; k < 2; k++) {
        tok_t *t = cur(p);
        bool is_off = t->kind == T_KW && t->n > 7 && !memcmp(t->s, "offset=", 7);
        bool is_al = t->kind == T_KW && t->n > 6 && !memcmp(t->s, "align=", 6);
        if ((k == 0 && !is_off && !is_al) || (k == 1 && !is_al))
            continue;
        tok_t v = *t;
        size_t skip = is_off ? 7 : 6;
        v.s += skip;
        v.n -= skip;
        bool neg;
        uint64_t x;
        if (!parse_u64(&v, &x, &neg) || neg || v.s[0] == '+' || x > UINT32_MAX)
            return fail(p, t, "bad %s", is_off ? "offset" : "alignment");
        if (is_al && (x == 0 || (x & (x - 1))))
            return fail(p, t, "alignment must be a power of two");
        if (is_off)
            off = x;
        else
            al = x;
        p->pos++;
    }
    unsigned lg = 0;
    while ((1ull << lg) < al)
        lg++;
    uleb(b, lg);
    uleb(b, off);
    return true;
}

/* One plain instruction at the cursor (keyword), immediates included. For
 * block/loop/if the body is parsed by the caller (plain) or by folded. */
static bool instr_imm(P *p, const op_t *o)
{
    buf_t *b = p->code;
    uint32_t x;
    int64_t v;
    uint64_t f;
    switch (o->imm) {
    case I_NONE: return true;
    case I_BLOCK: return block_head(p);
    case I_LOCAL:
        if (!parse_idx(p, &p->locals, &x, false))
            return false;
        return uleb(b, x), true;
    case I_GLOBAL:
        if (!parse_idx(p, &p->globals, &x, false))
            return false;
        return uleb(b, x), true;
    case I_FUNC:
        if (!parse_idx(p, &p->funcs, &x, false))
            return false;
        return uleb(b, x), true;
    case I_DATA:
        if (!parse_idx(p, &p->datas, &x, false))
            return false;
        return uleb(b, x), true;
    case I_ELEM:
        if (!parse_idx(p, &p->elems, &x, false))
            return false;
        return uleb(b, x), true;
    case I_MINIT:
        if (!parse_idx(p, &p->datas, &x, false))
            return false;
        uleb(b, x);
        return byte(b, 0), true;
    case I_LABEL:
        if (!parse_idx(p, &p->labels, &x, true))
            return false;
        return uleb(b, x), true;
    case I_BRTABLE: {
        buf_t tmp = {0};
        uint32_t n = 0;
        while (cur(p)->kind == T_ID || cur(p)->kind == T_KW) {
            tok_t *t = cur(p);
            bool neg;
            uint64_t u;
            if (t->kind == T_KW && !parse_u64(t, &u, &neg))
                break;
            if (!parse_idx(p, &p->labels, &x, true))
                return mk_free(tmp.p), false;
            uleb(&tmp, x);
            n++;
        }
        if (!n)
            return mk_free(tmp.p), fail(p, cur(p), "br_table needs a label");
        uleb(b, n - 1);
        put(b, tmp.p, tmp.n);
        mk_free(tmp.p);
        return !tmp.oom || fail(p, NULL, "out of memory");
    }
    case I_CALLIND: {
        uint32_t tab = 0;
        if (is_index_tok(cur(p)))
            if (!parse_idx(p, &p->tables, &tab, false))
                return false;
        p->anon_params = true;
        int64_t t = parse_typeuse(p, NULL, NULL);
        p->anon_params = false;
        if (t < 0)
            return false;
        uleb(b, (uint64_t)t);
        return uleb(b, tab), true;
    }
    case I_TABLE:
    case I_TINIT:
    case I_TCOPY: {
        uint32_t t1 = 0, t2 = 0, e = 0;
        if (o->imm == I_TINIT) {
            if (is_index_tok(&p->t[p->pos + 1]) && !parse_idx(p, &p->tables, &t1, false))
                return false;
            if (!parse_idx(p, &p->elems, &e, false))
                return false;
            uleb(b, e);
            return uleb(b, t1), true;
        }
        if (is_index_tok(cur(p)))
            if (!parse_idx(p, &p->tables, &t1, false))
                return false;
        if (o->imm == I_TCOPY && (is_index_tok(cur(p))))
            if (!parse_idx(p, &p->tables, &t2, false))
                return false;
        uleb(b, t1);
        if (o->imm == I_TCOPY)
            uleb(b, t2);
        return true;
    }
    case I_MEM: return memarg(p, o->align);
    case I_MEM0: return byte(b, 0), true;
    case I_MCOPY: return byte(b, 0), byte(b, 0), true;
    case I_I32:
        if (!parse_int(p, 32, &v))
            return false;
        return sleb(b, v), true;
    case I_I64:
        if (!parse_int(p, 64, &v))
            return false;
        return sleb(b, v), true;
    case I_F32: {
        if (!parse_float(p, 32, &f))
            return false;
        uint32_t u = (uint32_t)f;
        unsigned char le[4] = {u, u >> 8, u >> 16, u >> 24};
        return put(b, le, 4), true;
    }
    case I_F64: {
        if (!parse_float(p, 64, &f))
            return false;
        unsigned char le[8];
        for (int i = 0; i < 8; i++)
            le[i] = (unsigned char)(f >> (8 * i));
        return put(b, le, 8), true;
    }
    case I_REFNULL:
        if (is_kw(cur(p), "func"))
            byte(b, 0x70);
        else if (is_kw(cur(p), "extern"))
            byte(b, 0x6f);
        else
            return fail(p, cur(p), "expected func or extern");
        p->pos++;
        return true;
    case I_SELECTT:
        if (peek_field(p, "result")) {
            ftype_t ft = {0};
            if (!parse_sig(p, &ft, false, NULL))
                return false;
            p->code->p[p->code->n - 1] = 0x1c; /* typed select */
            return vecbytes(b, ft.results, ft.nr), true;
        }
        return true;
    }
    return false;
}

/* Plain instructions until a ')' or a block-ending keyword (end/else). */
static bool parse_instrs(P *p, unsigned depth)
{
    for (;;) {
        tok_t *t = cur(p);
        if (t->kind == T_RP || t->kind == T_EOF || is_kw(t, "end") || is_kw(t, "else"))
            return true;
        if (!parse_instr(p, depth))
            return false;
    }
}

static bool parse_instr(P *p, unsigned depth)
{
    if (depth > WAT_MAX_DEPTH)
        return fail(p, cur(p), "nested deeper than %u", WAT_MAX_DEPTH);
    tok_t *t = cur(p);
    op_t o;
    if (t->kind == T_LP) { /* folded (spec 6.5.9) */
        p->pos++;
        tok_t *k = cur(p);
        if (!find_op(k, &o))
            return fail(p, k, "unknown instruction %.*s", (int)k->n, k->s);
        p->pos++;
        if (o.imm == I_BLOCK) {
            size_t nl = p->labels.n;
            buf_t *b = p->code;
            size_t at = b->n;
            emit_op(b, o.op);
            if (!block_head(p))
                return false;
            if (o.op == 0x04) {
                /* condition first: move op+blocktype after the folded condition */
                buf_t head = {0};
                put(&head, b->p + at, b->n - at);
                b->n = at;
                while (cur(p)->kind == T_LP && !peek_field(p, "then"))
                    if (!parse_instr(p, depth + 1))
                        return mk_free(head.p), false;
                put(b, head.p, head.n);
                mk_free(head.p);
                if (!peek_field(p, "then"))
                    return fail(p, cur(p), "expected (then ...)");
                p->pos += 2;
                if (!parse_instrs(p, depth + 1) || !expect(p, T_RP, "')'"))
                    return false;
                if (peek_field(p, "else")) {
                    p->pos += 2;
                    byte(b, 0x05);
                    if (!parse_instrs(p, depth + 1) || !expect(p, T_RP, "')'"))
                        return false;
                }
            } else if (!parse_instrs(p, depth + 1))
                return false;
            byte(b, 0x0b);
            p->labels.n = nl;
            return expect(p, T_RP, "')'");
        }
        size_t start = p->code->n;
        emit_op(p->code, o.op);
        if (!instr_imm(p, &o))
            return false;
        /* operands come first: encode them, then move the op after them */
        size_t mid = p->code->n;
        while (cur(p)->kind == T_LP)
            if (!parse_instr(p, depth + 1))
                return false;
        if (!expect(p, T_RP, "')'"))
            return false;
        buf_t *b = p->code;
        if (b->oom)
            return fail(p, NULL, "out of memory");
        size_t hn = mid - start, rn = b->n - mid;
        unsigned char *tmp = mk_malloc(hn ? hn : 1);
        if (!tmp)
            return fail(p, NULL, "out of memory");
        memcpy(tmp, b->p + start, hn);
        memmove(b->p + start, b->p + mid, rn);
        memcpy(b->p + start + rn, tmp, hn);
        mk_free(tmp);
        return true;
    }
    if (!find_op(t, &o))
        return fail(p, t, "unknown instruction %.*s", (int)t->n, t->s);
    p->pos++;
    emit_op(p->code, o.op);
    if (!instr_imm(p, &o))
        return false;
    if (o.imm == I_BLOCK) {
        size_t nl = p->labels.n;
        if (!parse_instrs(p, depth + 1))
            return false;
        if (o.op == 0x04 && is_kw(cur(p), "else")) {
            p->pos++;
            if (!end_label(p))
                return false;
            byte(p->code, 0x05);
            if (!parse_instrs(p, depth + 1))
                return false;
        }
        if (!is_kw(cur(p), "end"))
            return fail(p, cur(p), "expected end");
        p->pos++;
        if (!end_label(p))
            return false;
        byte(p->code, 0x0b);
        p->labels.n = nl - 1;
    }
    return true;
}

/* ---- module fields ---- */
static bool limits(P *p, buf_t *b)
{
    uint32_t mn, mx;
    if (!parse_u32(p, &mn))
        return false;
    if (cur(p)->kind == T_KW && cur(p)->s[0] >= '0' && cur(p)->s[0] <= '9') {
        if (!parse_u32(p, &mx))
            return false;
        byte(b, 1);
        uleb(b, mn);
        uleb(b, mx);
    } else {
        byte(b, 0);
        uleb(b, mn);
    }
    return true;
}

static bool name_str(P *p, buf_t *b)
{
    if (cur(p)->kind != T_STR)
        return fail(p, cur(p), "expected string");
    vecbytes(b, cur(p)->str, cur(p)->str_n);
    p->pos++;
    return true;
}

/* Constant expression (offset/init): instructions then end. */
static bool const_expr(P *p, buf_t *b)
{
    buf_t *save = p->code;
    p->code = b;
    bool ok = parse_instrs(p, 1);
    p->code = save;
    byte(b, 0x0b);
    return ok;
}

static bool globaltype(P *p, buf_t *b)
{
    unsigned char t;
    if (peek_field(p, "mut")) {
        p->pos += 2;
        if (!parse_valtype(p, &t))
            return false;
        byte(b, t);
        byte(b, 1);
        return expect(p, T_RP, "')'");
    }
    if (!parse_valtype(p, &t))
        return false;
    byte(b, t);
    byte(b, 0);
    return true;
}

static bool inline_exports(P *p, unsigned kind, uint32_t idx)
{
    while (peek_field(p, "export")) {
        p->pos += 2;
        if (!name_str(p, &p->sec[7]))
            return false;
        byte(&p->sec[7], kind);
        uleb(&p->sec[7], idx);
        p->cnt[7]++;
        if (!expect(p, T_RP, "')'"))
            return false;
    }
    return true;
}

/* (import "m" "n") inline: writes module+name into the import section. */
static bool inline_import(P *p, bool *is_imp)
{
    *is_imp = false;
    if (!peek_field(p, "import"))
        return true;
    p->pos += 2;
    if (!name_str(p, &p->sec[2]) || !name_str(p, &p->sec[2]))
        return false;
    *is_imp = true;
    p->cnt[2]++;
    return expect(p, T_RP, "')'");
}

static const char *const kinds[] = {"func", "table", "memory", "global"};

/* Pass 1: give indices to named things; imports first (spec 6.6.1). */
static bool pass1(P *p, size_t first, bool imports)
{
    p->pos = first;
    const char *defined = NULL; /* first func/table/memory/global defined */
    while (cur(p)->kind == T_LP) {
        size_t at = p->pos;
        tok_t *k = &p->t[at + 1];
        p->pos += 2;
        const tok_t *id = NULL;
        names_t *ns = NULL;
        bool imp = false;
        if (is_kw(k, "import")) {
            if (cur(p)->kind == T_STR)
                p->pos++;
            if (cur(p)->kind == T_STR)
                p->pos++;
            if (cur(p)->kind == T_LP) {
                tok_t *d = &p->t[p->pos + 1];
                p->pos += 2;
                opt_id(p, &id);
                for (int i = 0; i < 4; i++)
                    if (is_kw(d, kinds[i]))
                        ns = i == 0   ? &p->funcs
                             : i == 1 ? &p->tables
                             : i == 2 ? &p->mems
                                      : &p->globals;
                if (d->kind == T_KW && is_kw(d, "func") && imports)
                    p->nimp_func++;
            }
            imp = true;
        } else if (is_kw(k, "func") || is_kw(k, "table") || is_kw(k, "memory") ||
                   is_kw(k, "global")) {
            ns = is_kw(k, "func")     ? &p->funcs
                 : is_kw(k, "table")  ? &p->tables
                 : is_kw(k, "memory") ? &p->mems
                                      : &p->globals;
            opt_id(p, &id);
            while (peek_field(p, "export"))
                skip_sexpr(p);
            imp = peek_field(p, "import");
            if (imp && imports && ns == &p->funcs)
                p->nimp_func++;
            if (!imp && !defined)
                defined = ns == &p->funcs    ? "function"
                          : ns == &p->tables ? "table"
                          : ns == &p->mems   ? "memory"
                                             : "global";
        } else if (is_kw(k, "data") || is_kw(k, "elem")) {
            ns = is_kw(k, "data") ? &p->datas : &p->elems;
            opt_id(p, &id);
        } else if (is_kw(k, "type")) {
            if (imports) {
                opt_id(p, &id);
                if (!name_add(p, &p->types, id))
                    return false;
                if (!peek_field(p, "func"))
                    return fail(p, cur(p), "expected (func ...)");
                p->pos += 2;
                ftype_t f = {0};
                if (!parse_sig(p, &f, true, NULL))
                    return false;
                if (!expect(p, T_RP, "')'"))
                    return false;
                if (ftype_add(p, &f) < 0)
                    return false;
            }
        } else if (!is_kw(k, "export") && !is_kw(k, "start")) {
            return fail(p, k, "unknown module field %.*s", (int)k->n, k->s);
        }
        /* imports come before every definition (spec 6.6.13) */
        if (imp && defined && imports)
            return fail(p, k, "import after %s", defined);
        if (ns && imp == imports && !name_add(p, ns, id))
            return false;
        if (p->failed)
            return false;
        p->pos = at;
        skip_sexpr(p);
    }
    if (cur(p)->kind != T_RP && cur(p)->kind != T_EOF)
        return fail(p, cur(p), "expected module field");
    return true;
}

static bool func_field(P *p, uint32_t idx)
{
    const tok_t *id;
    opt_id(p, &id);
    if (!inline_exports(p, 0, idx))
        return false;
    bool imp;
    if (!inline_import(p, &imp))
        return false;
    p->locals.n = 0;
    p->labels.n = 0;
    int64_t t = parse_typeuse(p, &p->locals, NULL);
    if (t < 0)
        return false;
    if (imp) {
        byte(&p->sec[2], 0);
        uleb(&p->sec[2], (uint64_t)t);
        return true;
    }
    uleb(&p->sec[3], (uint64_t)t);
    p->cnt[3]++;
    buf_t body = {0}, loc = {0};
    unsigned ngroups = 0;
    unsigned char last = 0;
    uint32_t run = 0;
    while (peek_field(p, "local")) {
        p->pos += 2;
        bool named = cur(p)->kind == T_ID;
        while (cur(p)->kind != T_RP) {
            unsigned char vt;
            if (named && !name_add(p, &p->locals, cur(p)))
                goto out;
            if (named)
                p->pos++;
            else if (!name_add(p, &p->locals, NULL))
                goto out;
            if (!parse_valtype(p, &vt))
                goto out;
            if (run && vt == last)
                run++;
            else {
                if (run) {
                    uleb(&loc, run);
                    byte(&loc, last);
                    ngroups++;
                }
                last = vt;
                run = 1;
            }
            if (named)
                break;
        }
        if (!expect(p, T_RP, "')'"))
            goto out;
    }
    if (run) {
        uleb(&loc, run);
        byte(&loc, last);
        ngroups++;
    }
    uleb(&body, ngroups);
    put(&body, loc.p, loc.n);
    p->code = &body;
    if (!parse_instrs(p, 1))
        goto out;
    if (cur(p)->kind != T_RP) {
        fail(p, cur(p), "unexpected %.*s", (int)cur(p)->n, cur(p)->s);
        goto out;
    }
    byte(&body, 0x0b);
    if (body.oom || loc.oom) {
        fail(p, NULL, "out of memory");
        goto out;
    }
    vecbytes(&p->sec[10], body.p, body.n);
    p->cnt[10]++;
out:
    mk_free(body.p);
    mk_free(loc.p);
    p->code = NULL;
    return !p->failed;
}

static bool pass2(P *p, size_t first)
{
    uint32_t fi = p->nimp_func, fimp = 0, gi = 0, mi = 0, ti = 0, di = 0, ei = 0;
    /* imported globals/memories/tables count first as well */
    p->pos = first;
    uint32_t gimp = 0, mimp = 0, timp = 0;
    for (size_t i = 0; i < p->globals.n; i++)
        (void)i;
    /* count imports of each kind in a quick scan */
    while (cur(p)->kind == T_LP) {
        size_t at = p->pos;
        tok_t *k = &p->t[at + 1];
        if (is_kw(k, "import")) {
            p->pos += 2;
            while (cur(p)->kind == T_STR)
                p->pos++;
            if (cur(p)->kind == T_LP) {
                tok_t *d = &p->t[p->pos + 1];
                gimp += is_kw(d, "global");
                mimp += is_kw(d, "memory");
                timp += is_kw(d, "table");
            }
        } else if (is_kw(k, "global") || is_kw(k, "memory") || is_kw(k, "table")) {
            p->pos += 2;
            const tok_t *id;
            opt_id(p, &id);
            while (peek_field(p, "export"))
                skip_sexpr(p);
            if (peek_field(p, "import")) {
                gimp += is_kw(k, "global");
                mimp += is_kw(k, "memory");
                timp += is_kw(k, "table");
            }
        }
        p->pos = at;
        skip_sexpr(p);
    }
    gi = gimp;
    mi = mimp;
    ti = timp;
    uint32_t gimp_i = 0, mimp_i = 0, timp_i = 0;
    p->pos = first;
    while (cur(p)->kind == T_LP && !p->failed) {
        size_t at = p->pos;
        tok_t *k = &p->t[at + 1];
        p->pos += 2;
        bool imp;
        const tok_t *id;
        if (is_kw(k, "type")) { /* done in pass 1 */
            p->pos = at;
            skip_sexpr(p);
            continue;
        } else if (is_kw(k, "func")) {
            size_t s = p->pos;
            opt_id(p, &id);
            while (peek_field(p, "export"))
                skip_sexpr(p);
            bool isimp = peek_field(p, "import");
            p->pos = s;
            if (!func_field(p, isimp ? fimp++ : fi++))
                return false;
        } else if (is_kw(k, "import")) {
            buf_t *s = &p->sec[2];
            if (!name_str(p, s) || !name_str(p, s))
                return false;
            p->cnt[2]++;
            if (cur(p)->kind != T_LP)
                return fail(p, cur(p), "expected import description");
            tok_t *d = &p->t[p->pos + 1];
            p->pos += 2;
            opt_id(p, &id);
            if (is_kw(d, "func")) {
                p->locals.n = 0;
                int64_t t = parse_typeuse(p, &p->locals, NULL);
                if (t < 0)
                    return false;
                byte(s, 0);
                uleb(s, (uint64_t)t);
                fimp++;
            } else if (is_kw(d, "table")) {
                byte(s, 1);
                unsigned char rt;
                buf_t lim = {0};
                if (!limits(p, &lim) || !parse_valtype(p, &rt))
                    return mk_free(lim.p), false;
                byte(s, rt);
                put(s, lim.p, lim.n);
                mk_free(lim.p);
                timp_i++;
            } else if (is_kw(d, "memory")) {
                byte(s, 2);
                if (!limits(p, s))
                    return false;
                mimp_i++;
            } else if (is_kw(d, "global")) {
                byte(s, 3);
                if (!globaltype(p, s))
                    return false;
                gimp_i++;
            } else
                return fail(p, d, "unknown import kind");
            if (!expect(p, T_RP, "')'"))
                return false;
        } else if (is_kw(k, "memory")) {
            opt_id(p, &id);
            size_t s = p->pos;
            while (peek_field(p, "export"))
                skip_sexpr(p);
            bool isimp = peek_field(p, "import");
            p->pos = s;
            uint32_t my = isimp ? mimp_i++ : mi++;
            if (!inline_exports(p, 2, my) || !inline_import(p, &imp))
                return false;
            buf_t *dst = imp ? &p->sec[2] : &p->sec[5];
            if (imp)
                byte(dst, 2);
            else
                p->cnt[5]++;
            if (peek_field(p, "data")) { /* (memory (data "..")) abbreviation */
                p->pos += 2;
                buf_t d = {0};
                while (cur(p)->kind == T_STR) {
                    put(&d, cur(p)->str, cur(p)->str_n);
                    p->pos++;
                }
                uint64_t pages = (d.n + 65535) / 65536;
                byte(dst, 1);
                uleb(dst, pages);
                uleb(dst, pages);
                buf_t *ds = &p->sec[11];
                if (my) {
                    byte(ds, 2);
                    uleb(ds, my);
                } else
                    byte(ds, 0);
                byte(ds, 0x41);
                byte(ds, 0);
                byte(ds, 0x0b);
                vecbytes(ds, d.p, d.n);
                mk_free(d.p);
                p->cnt[11]++;
                if (!expect(p, T_RP, "')'"))
                    return false;
            } else if (!limits(p, dst))
                return false;
        } else if (is_kw(k, "table")) {
            opt_id(p, &id);
            size_t s = p->pos;
            while (peek_field(p, "export"))
                skip_sexpr(p);
            bool isimp = peek_field(p, "import");
            p->pos = s;
            uint32_t my = isimp ? timp_i++ : ti++;
            if (!inline_exports(p, 1, my) || !inline_import(p, &imp))
                return false;
            buf_t *dst = imp ? &p->sec[2] : &p->sec[4];
            if (imp)
                byte(dst, 1);
            else
                p->cnt[4]++;
            unsigned char rt;
            if (valtype(cur(p)) >= 0) { /* (table funcref (elem ...)) */
                if (!parse_valtype(p, &rt))
                    return false;
                if (!peek_field(p, "elem"))
                    return fail(p, cur(p), "expected limits or (elem ...)");
                p->pos += 2;
                buf_t e = {0};
                uint32_t n = 0, x;
                /* (elem x*) or (elem expr*) with expr (ref.func x),
                 * (ref.null t) or (item instr*) (spec 6.6.8, abbreviations) */
                bool exprs = cur(p)->kind == T_LP;
                while (cur(p)->kind != T_RP) {
                    if (exprs) {
                        bool item = peek_field(p, "item");
                        if (item)
                            p->pos += 2;
                        buf_t *save = p->code;
                        p->code = &e;
                        bool ok = item ? parse_instrs(p, 1) : parse_instr(p, 1);
                        p->code = save;
                        if (!ok || (item && !expect(p, T_RP, "')'")))
                            return mk_free(e.p), false;
                        byte(&e, 0x0b);
                    } else {
                        if (!parse_idx(p, &p->funcs, &x, false))
                            return mk_free(e.p), false;
                        uleb(&e, x);
                    }
                    n++;
                }
                p->pos++;
                byte(dst, rt);
                byte(dst, 1);
                uleb(dst, n);
                uleb(dst, n);
                buf_t *es = &p->sec[9];
                unsigned ex = exprs ? 4 : 0;
                if (my || (exprs && rt != 0x70)) {
                    byte(es, 2 | ex);
                    uleb(es, my);
                } else
                    byte(es, ex);
                byte(es, 0x41);
                byte(es, 0);
                byte(es, 0x0b);
                if (my || (exprs && rt != 0x70))
                    byte(es, exprs ? rt : 0);
                uleb(es, n);
                put(es, e.p, e.n);
                mk_free(e.p);
                p->cnt[9]++;
            } else {
                buf_t lim = {0};
                if (!limits(p, &lim) || !parse_valtype(p, &rt))
                    return mk_free(lim.p), false;
                byte(dst, rt);
                put(dst, lim.p, lim.n);
                mk_free(lim.p);
            }
        } else if (is_kw(k, "global")) {
            opt_id(p, &id);
            size_t s = p->pos;
            while (peek_field(p, "export"))
                skip_sexpr(p);
            bool isimp = peek_field(p, "import");
            p->pos = s;
            uint32_t my = isimp ? gimp_i++ : gi++;
            if (!inline_exports(p, 3, my) || !inline_import(p, &imp))
                return false;
            if (imp) {
                byte(&p->sec[2], 3);
                if (!globaltype(p, &p->sec[2]))
                    return false;
            } else {
                if (!globaltype(p, &p->sec[6]) || !const_expr(p, &p->sec[6]))
                    return false;
                p->cnt[6]++;
            }
        } else if (is_kw(k, "export")) {
            buf_t *s = &p->sec[7];
            if (!name_str(p, s))
                return false;
            if (cur(p)->kind != T_LP)
                return fail(p, cur(p), "expected export description");
            tok_t *d = &p->t[p->pos + 1];
            p->pos += 2;
            uint32_t x;
            names_t *ns[] = {&p->funcs, &p->tables, &p->mems, &p->globals};
            int kd = -1;
            for (int i = 0; i < 4; i++)
                if (is_kw(d, kinds[i]))
                    kd = i;
            if (kd < 0)
                return fail(p, d, "unknown export kind");
            if (!parse_idx(p, ns[kd], &x, false) || !expect(p, T_RP, "')'"))
                return false;
            byte(s, (unsigned)kd);
            uleb(s, x);
            p->cnt[7]++;
        } else if (is_kw(k, "start")) {
            uint32_t x;
            if (p->cnt[8])
                return fail(p, k, "multiple start sections");
            if (!parse_idx(p, &p->funcs, &x, false))
                return false;
            uleb(&p->sec[8], x);
            p->cnt[8] = 1;
        } else if (is_kw(k, "data")) {
            buf_t *s = &p->sec[11];
            opt_id(p, &id);
            uint32_t mem = 0;
            bool active = false, explicit_mem = false;
            if (peek_field(p, "memory")) {
                p->pos += 2;
                if (!parse_idx(p, &p->mems, &mem, false) || !expect(p, T_RP, "')'"))
                    return false;
                explicit_mem = true;
            } else if (cur(p)->kind == T_ID || (cur(p)->kind == T_KW)) {
                if (!parse_idx(p, &p->mems, &mem, false))
                    return false;
                explicit_mem = true;
            }
            if (cur(p)->kind == T_LP) {
                active = true;
                if (mem || explicit_mem) {
                    if (mem) {
                        byte(s, 2);
                        uleb(s, mem);
                    } else
                        byte(s, 0);
                } else
                    byte(s, 0);
                if (peek_field(p, "offset")) {
                    p->pos += 2;
                    if (!const_expr(p, s) || !expect(p, T_RP, "')'"))
                        return false;
                } else {
                    buf_t *save = p->code;
                    p->code = s;
                    bool ok = parse_instr(p, 1);
                    p->code = save;
                    if (!ok)
                        return false;
                    byte(s, 0x0b);
                }
            }
            if (!active)
                byte(s, 1);
            buf_t d = {0};
            while (cur(p)->kind == T_STR) {
                put(&d, cur(p)->str, cur(p)->str_n);
                p->pos++;
            }
            vecbytes(s, d.p, d.n);
            mk_free(d.p);
            p->cnt[11]++;
            di++;
        } else if (is_kw(k, "elem")) {
            buf_t *s = &p->sec[9];
            opt_id(p, &id);
            uint32_t tab = 0, x, n = 0;
            bool declare = false;
            if (is_kw(cur(p), "declare")) {
                declare = true;
                p->pos++;
            }
            if (peek_field(p, "table")) {
                p->pos += 2;
                if (!parse_idx(p, &p->tables, &tab, false) || !expect(p, T_RP, "')'"))
                    return false;
            }
            bool active = cur(p)->kind == T_LP;
            buf_t off = {0}, e = {0};
            if (active) {
                if (peek_field(p, "offset")) {
                    p->pos += 2;
                    if (!const_expr(p, &off) || !expect(p, T_RP, "')'"))
                        goto elem_bad;
                } else {
                    buf_t *save = p->code;
                    p->code = &off;
                    bool ok = parse_instr(p, 1);
                    p->code = save;
                    if (!ok)
                        goto elem_bad;
                    byte(&off, 0x0b);
                }
            }
            bool kw_func = is_kw(cur(p), "func");
            int rt = valtype(cur(p));
            if (kw_func || rt >= 0)
                p->pos++;
            while (cur(p)->kind != T_RP) {
                if (rt >= 0) { /* element expressions: (item e) or (e) */
                    bool item = peek_field(p, "item");
                    if (item)
                        p->pos += 2;
                    buf_t *save = p->code;
                    p->code = &e;
                    bool ok = item ? parse_instrs(p, 1) : parse_instr(p, 1);
                    p->code = save;
                    if (!ok || (item && !expect(p, T_RP, "')'")))
                        goto elem_bad;
                    byte(&e, 0x0b);
                } else {
                    if (!parse_idx(p, &p->funcs, &x, false))
                        goto elem_bad;
                    uleb(&e, x);
                }
                n++;
            }
            if (rt == 0x70 && !e.oom) { /* all (ref.func x): use the index form as wat2wasm */
                buf_t ix = {0};
                size_t q = 0;
                bool all = true;
                while (q < e.n && all) {
                    if (e.p[q] != 0xd2) {
                        all = false;
                        break;
                    }
                    size_t r = q + 1;
                    while (r < e.n && (e.p[r] & 0x80))
                        r++;
                    if (r + 1 >= e.n || e.p[r + 1] != 0x0b)
                        all = false;
                    else
                        put(&ix, e.p + q + 1, r - q);
                    q = r + 2;
                }
                if (all && !ix.oom) {
                    mk_free(e.p);
                    e = ix;
                    rt = -1;
                } else
                    mk_free(ix.p);
            }
            unsigned ex = rt >= 0 ? 4 : 0;
            bool short_form = active && !tab && (rt < 0 || rt == 0x70);
            if (short_form)
                byte(s, ex);
            else if (active) {
                byte(s, 2 | ex);
                uleb(s, tab);
            } else
                byte(s, (declare ? 3 : 1) | ex);
            put(s, off.p, off.n);
            if (!short_form)
                byte(s, rt >= 0 ? (unsigned)rt : 0); /* reftype / elemkind */
            uleb(s, n);
            put(s, e.p, e.n);
            mk_free(off.p);
            mk_free(e.p);
            p->cnt[9]++;
            ei++;
            goto elem_ok;
        elem_bad:
            mk_free(off.p);
            mk_free(e.p);
            return false;
        elem_ok:;
        }
        if (p->failed)
            return false;
        if (!expect(p, T_RP, "')' closing the field"))
            return false;
        (void)at;
    }
    return !p->failed;
}

static void free_all(P *p)
{
    for (size_t i = 0; i < p->nt; i++)
        mk_free(p->t[i].str);
    mk_free(p->t);
    names_t *ns[] = {&p->funcs, &p->globals, &p->mems,   &p->tables, &p->types,
                     &p->datas, &p->elems,   &p->locals, &p->labels};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        mk_free(ns[i]->v);
    mk_free(p->ftypes);
    for (int i = 0; i < 13; i++)
        mk_free(p->sec[i].p);
}

bool wat_to_wasm(const char *text, size_t len, unsigned char **out, size_t *out_len, char *err,
                 size_t err_cap)
{
    P p = {.text = text, .len = len, .err = err, .err_cap = err_cap};
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (err && err_cap)
        err[0] = 0;
    if (!out || !out_len || (!text && len))
        return fail(&p, NULL, "invalid argument");
    if (len > WAT_MAX_TEXT)
        return fail(&p, NULL, "text longer than %u bytes", WAT_MAX_TEXT);
    bool ok = false;
    if (!lex(&p))
        goto done;
    size_t first = 0;
    if (peek_field(&p, "module")) {
        p.pos = 2;
        const tok_t *id;
        opt_id(&p, &id);
        first = p.pos;
    }
    if (!pass1(&p, first, true) || !pass1(&p, first, false) || !pass2(&p, first))
        goto done;
    if (first) {
        if (!expect(&p, T_RP, "')'"))
            goto done;
    }
    if (cur(&p)->kind != T_EOF) {
        fail(&p, cur(&p), "text after the module");
        goto done;
    }
    buf_t o = {0};
    put(&o, "\0asm\1\0\0\0", 8);
    static const int order[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        int s = order[i];
        if (s == 12) {
            if (!p.cnt[11] || !p.datas.n)
                continue;
            /* data count only when bulk memory needs it, as wat2wasm does */
            bool need = false;
            for (size_t k = 0; k + 1 < p.nt; k++)
                if (is_kw(&p.t[k], "memory.init") || is_kw(&p.t[k], "data.drop"))
                    need = true;
            if (!need)
                continue;
            buf_t c = {0};
            uleb(&c, p.cnt[11]);
            byte(&o, 12);
            vecbytes(&o, c.p, c.n);
            mk_free(c.p);
            continue;
        }
        if (!p.cnt[s])
            continue;
        buf_t c = {0};
        if (s != 8)
            uleb(&c, p.cnt[s]);
        put(&c, p.sec[s].p, p.sec[s].n);
        if (p.sec[s].oom)
            c.oom = true;
        byte(&o, (unsigned)s);
        vecbytes(&o, c.p, c.n);
        bool bad = c.oom;
        mk_free(c.p);
        if (bad)
            o.oom = true;
    }
    if (o.oom) {
        mk_free(o.p);
        fail(&p, NULL, "out of memory");
        goto done;
    }
    *out = o.p ? o.p : mk_malloc(1);
    *out_len = o.n;
    ok = *out != NULL;
done:
    free_all(&p);
    return ok;
}

bool wat_is_text(const unsigned char *buf, size_t len)
{
    size_t i = 0;
    if (len >= 4 && !memcmp(buf, "\0asm", 4))
        return false;
    while (i < len) {
        if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')
            i++;
        else if (buf[i] == ';' && i + 1 < len && buf[i + 1] == ';')
            while (i < len && buf[i] != '\n' && buf[i] != '\r')
                i++;
        else if (buf[i] == '(' && i + 1 < len && buf[i + 1] == ';') {
            unsigned d = 1;
            i += 2;
            while (i < len && d) {
                if (buf[i] == '(' && i + 1 < len && buf[i + 1] == ';')
                    d++, i += 2;
                else if (buf[i] == ';' && i + 1 < len && buf[i + 1] == ')')
                    d--, i += 2;
                else
                    i++;
            }
        } else
            return buf[i] == '(';
    }
    return false;
}

bool wat_lex(const char *text, size_t len, tok_t **toks, size_t *n, char *err, size_t err_cap)
{
    P p = {.text = text, .len = len, .err = err, .err_cap = err_cap};
    *toks = NULL;
    *n = 0;
    if (err && err_cap)
        err[0] = 0;
    if (!lex(&p)) {
        wat_tokens_free(p.t, p.nt);
        return false;
    }
    *toks = p.t;
    *n = p.nt;
    return true;
}

void wat_tokens_free(tok_t *toks, size_t n)
{
    for (size_t i = 0; toks && i < n; i++)
        mk_free(toks[i].str);
    mk_free(toks);
}

bool wat_const(const tok_t *t, unsigned char vt, uint64_t *bits, char *err, size_t err_cap)
{
    tok_t one[2] = {*t, {.kind = T_EOF, .line = t->line, .col = t->col}};
    P p = {.t = one, .nt = 2, .err = err, .err_cap = err_cap};
    if (err && err_cap)
        err[0] = 0;
    if (vt == 0x7F || vt == 0x7E) {
        int64_t v;
        if (!parse_int(&p, vt == 0x7F ? 32 : 64, &v))
            return false;
        *bits = vt == 0x7F ? (uint64_t)(uint32_t)v : (uint64_t)v;
        return true;
    }
    return parse_float(&p, vt == 0x7D ? 32 : 64, bits);
}
