/* WAT lexer and number parsing (issue 20, goal 4): turns the (buf,len) text
 * into tokens (spec 6.2 "Lexical format": comments, strings with escapes,
 * ids, keywords, numbers; bounded by WAT_MAX_DEPTH and WAT_MAX_TOKEN), reads
 * integer and float tokens (spec 6.3.1-2), and records the parser's first
 * error. Also the entry points the WAST reader shares (wat_lex,
 * wat_tokens_free, wat_const) and the text sniffer wat_is_text. */
#include "core/alloc_internal.h"
#include "wat_parse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool wat_fail(P *p, const tok_t *t, const char *fmt, ...)
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
            return wat_fail(p, NULL, "out of memory");
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
            return wat_fail(p, t, "unterminated string");
        }
        unsigned char c = (unsigned char)p->text[i];
        if (c == '"')
            break;
        if (c < 0x20 || c == 0x7f) {
            mk_free(b.p);
            return wat_fail(p, &at, "control character in string");
        }
        if (c != '\\') {
            wat_byte(&b, c);
            i++;
        } else {
            char e = i + 1 < p->len ? p->text[i + 1] : 0;
            i += 2;
            if (e == 'n')
                wat_byte(&b, '\n');
            else if (e == 't')
                wat_byte(&b, '\t');
            else if (e == 'r')
                wat_byte(&b, '\r');
            else if (e == '\\' || e == '\'' || e == '"')
                wat_byte(&b, (unsigned)e);
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
                    wat_byte(&b, cp);
                else if (cp < 0x800) {
                    wat_byte(&b, 0xc0 | (cp >> 6));
                    wat_byte(&b, 0x80 | (cp & 0x3f));
                } else if (cp < 0x10000) {
                    wat_byte(&b, 0xe0 | (cp >> 12));
                    wat_byte(&b, 0x80 | ((cp >> 6) & 0x3f));
                    wat_byte(&b, 0x80 | (cp & 0x3f));
                } else {
                    wat_byte(&b, 0xf0 | (cp >> 18));
                    wat_byte(&b, 0x80 | ((cp >> 12) & 0x3f));
                    wat_byte(&b, 0x80 | ((cp >> 6) & 0x3f));
                    wat_byte(&b, 0x80 | (cp & 0x3f));
                }
            } else if (hexval(e) >= 0 && i < p->len && hexval(p->text[i]) >= 0) {
                wat_byte(&b, (unsigned)(hexval(e) * 16 + hexval(p->text[i])));
                i++;
            } else {
            bad:
                mk_free(b.p);
                return wat_fail(p, &at, "bad escape in string");
            }
        }
        if (b.n > WAT_MAX_TOKEN) {
            mk_free(b.p);
            return wat_fail(p, t, "string longer than %u bytes", WAT_MAX_TOKEN);
        }
    }
    if (b.oom) {
        mk_free(b.p);
        return wat_fail(p, t, "out of memory");
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
        return wat_fail(p, &at, "missing space after string");
    }
    return true;
}

bool wat_lex_text(P *p)
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
                    return wat_fail(p, &t, "unterminated block comment");
                if (p->text[i] == '\n') {
                    line++;
                    ls = i + 1;
                    i++;
                } else if (p->text[i] == '(' && i + 1 < p->len && p->text[i + 1] == ';') {
                    if (++nest > WAT_MAX_DEPTH)
                        return wat_fail(p, &t, "comments nested deeper than %u", WAT_MAX_DEPTH);
                    i += 2;
                } else if (p->text[i] == ';' && i + 1 < p->len && p->text[i + 1] == ')') {
                    nest--;
                    i += 2;
                } else
                    i++;
            }
        } else if (c == '(') {
            if (++depth > WAT_MAX_DEPTH)
                return wat_fail(p, &t, "nested deeper than %u", WAT_MAX_DEPTH);
            t.kind = T_LP;
            t.n = 1;
            i++;
            if (!push_tok(p, t))
                return false;
        } else if (c == ')') {
            if (!depth)
                return wat_fail(p, &t, "unbalanced ')'");
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
                return wat_fail(p, &t, "token longer than %u bytes", WAT_MAX_TOKEN);
            t.kind = c == '$' ? T_ID : T_KW;
            if (c == '$' && t.n == 1)
                return wat_fail(p, &t, "empty identifier");
            if (i < p->len && p->text[i] == '"')
                return wat_fail(p, &t, "missing space before string");
            if (!push_tok(p, t))
                return false;
        } else {
            return wat_fail(p, &t, "unexpected character 0x%02x", c);
        }
    }
    if (depth) {
        tok_t t = {.line = line, .col = (unsigned)(i - ls + 1)};
        return wat_fail(p, &t, "missing ')' (unexpected end of text)");
    }
    tok_t e = {.kind = T_EOF, .s = p->text + i, .line = line, .col = (unsigned)(i - ls + 1)};
    return push_tok(p, e);
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
bool wat_parse_u64(const tok_t *t, uint64_t *v, bool *neg)
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

bool wat_parse_int(P *p, unsigned bits, int64_t *out)
{
    uint64_t v;
    bool neg;
    tok_t *t = cur(p);
    if (!wat_parse_u64(t, &v, &neg))
        return wat_fail(p, t, "expected integer");
    uint64_t umax = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
    if (neg ? v > (1ull << (bits - 1)) : v > umax)
        return wat_fail(p, t, "integer out of range for i%u", bits);
    uint64_t r = neg ? (uint64_t)0 - v : v;
    if (bits == 32)
        *out = (int32_t)(uint32_t)r;
    else
        *out = (int64_t)r;
    p->pos++;
    return true;
}

bool wat_parse_u32(P *p, uint32_t *out)
{
    uint64_t v;
    bool neg;
    tok_t *t = cur(p);
    if (!wat_parse_u64(t, &v, &neg) || neg || t->s[0] == '+' || v > UINT32_MAX)
        return wat_fail(p, t, "expected unsigned 32-bit integer");
    *out = (uint32_t)v;
    p->pos++;
    return true;
}

/* Float token to bits: bits==32 gives f32 pattern in *out (low 32). */
bool wat_parse_float(P *p, unsigned bits, uint64_t *out)
{
    char b[512];
    size_t n;
    tok_t *t = cur(p);
    if (t->kind != T_KW || !clean_num(t, b, sizeof b, &n))
        return wat_fail(p, t, "expected float");
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
                return wat_fail(p, t, "bad nan payload");
            pay = 0;
            for (const char *q = s + 6; *q; q++) {
                if (hexval(*q) < 0 || pay >> 60)
                    return wat_fail(p, t, "bad nan payload");
                pay = pay * 16 + (uint64_t)hexval(*q);
            }
            uint64_t lim = bits == 32 ? 0x7fffff : 0xfffffffffffffull;
            if (!pay || pay > lim)
                return wat_fail(p, t, "nan payload out of range");
        } else if (s[3])
            return wat_fail(p, t, "expected float");
        *out = sign | (bits == 32 ? 0x7f800000ull : 0x7ff0000000000000ull) | pay;
    } else {
        /* strtod/strtof accept decimal and hex floats (C11 7.22.1.3);
         * reject what the text format does not allow (inf spellings etc.). */
        if (!(s[0] >= '0' && s[0] <= '9'))
            return wat_fail(p, t, "expected float");
        for (const char *q = s; *q; q++)
            if (!strchr("0123456789abcdefABCDEFxX.pP+-", *q))
                return wat_fail(p, t, "expected float");
        char *end;
        errno = 0;
        if (bits == 32) {
            float f = strtof(s, &end);
            if (*end || (errno == ERANGE && isinf(f)))
                return wat_fail(p, t, "bad f32 constant");
            uint32_t u;
            memcpy(&u, &f, 4);
            *out = u | sign;
        } else {
            double d = strtod(s, &end);
            if (*end || (errno == ERANGE && isinf(d)))
                return wat_fail(p, t, "bad f64 constant");
            uint64_t u;
            memcpy(&u, &d, 8);
            *out = u | sign;
        }
    }
    p->pos++;
    return true;
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
    if (!wat_lex_text(&p)) {
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
        if (!wat_parse_int(&p, vt == 0x7F ? 32 : 64, &v))
            return false;
        *bits = vt == 0x7F ? (uint64_t)(uint32_t)v : (uint64_t)v;
        return true;
    }
    return wat_parse_float(&p, vt == 0x7D ? 32 : 64, bits);
}
