/* WAT byte buffers, names and types (issue 20, goal 4): the growing byte
 * buffers every section and function body is encoded into (LEB128, spec
 * 5.2.2), the identifier tables that give each named function, global,
 * memory, table, type, label and local its index (spec 6.6 identifier
 * contexts), value types and function types with type uses (spec 6.4,
 * 6.6.3). Shared by wat.c and wat_instr.c through wat_parse.h. */
#include "core/alloc_internal.h"
#include "wat_parse.h"

#include <stdint.h>
#include <string.h>

/* ---- byte buffers ---- */
void wat_put(buf_t *b, const void *d, size_t n)
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
void wat_byte(buf_t *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    wat_put(b, &c, 1);
}
void wat_uleb(buf_t *b, uint64_t v)
{
    do {
        unsigned char c = v & 0x7f;
        v >>= 7;
        if (v)
            c |= 0x80;
        wat_put(b, &c, 1);
    } while (v);
}
void wat_sleb(buf_t *b, int64_t v)
{
    for (;;) {
        unsigned char c = v & 0x7f;
        v >>= 7; /* arithmetic shift on every supported compiler */
        bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
        if (!done)
            c |= 0x80;
        wat_put(b, &c, 1);
        if (done)
            break;
    }
}
void wat_vecbytes(buf_t *b, const unsigned char *d, size_t n)
{
    wat_uleb(b, n);
    wat_put(b, d, n);
}

/* ---- names and indices ---- */
bool wat_name_add(P *p, names_t *ns, const tok_t *id)
{
    if (id) {
        for (size_t i = 0; i < ns->n; i++)
            if (ns->v[i].n == id->n && !memcmp(ns->v[i].name, id->s, id->n))
                return wat_fail(p, id, "duplicate identifier %.*s", (int)id->n, id->s);
    }
    if (ns->n == ns->cap) {
        size_t c = ns->cap ? ns->cap * 2 : 16;
        name_t *q = mk_realloc(ns->v, c * sizeof *q);
        if (!q)
            return wat_fail(p, id, "out of memory");
        ns->v = q;
        ns->cap = c;
    }
    ns->v[ns->n].name = id ? id->s : NULL;
    ns->v[ns->n++].n = id ? id->n : 0;
    return true;
}

/* An index: a u32 or an $id looked up in ns (searched from the end so that
 * inner labels shadow outer ones). */
bool wat_parse_idx(P *p, names_t *ns, uint32_t *out, bool from_end_relative)
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
        return wat_fail(p, t, "unknown identifier %.*s", (int)t->n, t->s);
    }
    return wat_parse_u32(p, out);
}

bool wat_opt_id(P *p, const tok_t **id)
{
    *id = NULL;
    if (cur(p)->kind == T_ID)
        *id = &p->t[p->pos++];
    return true;
}

int wat_valtype(const tok_t *t)
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

bool wat_parse_valtype(P *p, unsigned char *out)
{
    int v = wat_valtype(cur(p));
    if (v < 0)
        return wat_fail(p, cur(p), "expected value type");
    *out = (unsigned char)v;
    p->pos++;
    return true;
}

int wat_ftype_find(P *p, const ftype_t *f)
{
    for (size_t i = 0; i < p->nftypes; i++) {
        const ftype_t *g = &p->ftypes[i];
        if (g->np == f->np && g->nr == f->nr && !memcmp(g->params, f->params, f->np) &&
            !memcmp(g->results, f->results, f->nr))
            return (int)i;
    }
    return -1;
}

int wat_ftype_add(P *p, const ftype_t *f)
{
    if (p->nftypes == p->ftcap) {
        size_t c = p->ftcap ? p->ftcap * 2 : 16;
        ftype_t *q = mk_realloc(p->ftypes, c * sizeof *q);
        if (!q)
            return wat_fail(p, NULL, "out of memory"), -1;
        p->ftypes = q;
        p->ftcap = c;
    }
    p->ftypes[p->nftypes] = *f;
    buf_t *s = &p->sec[1];
    wat_byte(s, 0x60);
    wat_vecbytes(s, f->params, f->np);
    wat_vecbytes(s, f->results, f->nr);
    p->cnt[1]++;
    return (int)p->nftypes++;
}

/* (param ...)* (result ...)*; param ids go to p->locals when locals != NULL. */
bool wat_parse_sig(P *p, ftype_t *f, bool with_params, names_t *locals)
{
    while (with_params && peek_field(p, "param")) {
        p->pos += 2;
        if (cur(p)->kind == T_ID && p->anon_params)
            return wat_fail(p, cur(p), "unexpected token %.*s: no parameter names here",
                            (int)cur(p)->n, cur(p)->s);
        if (cur(p)->kind == T_ID) {
            if (locals && !wat_name_add(p, locals, cur(p)))
                return false;
            p->pos++;
            if (f->np >= sizeof f->params)
                return wat_fail(p, cur(p), "too many params");
            if (!wat_parse_valtype(p, &f->params[f->np++]))
                return false;
        } else {
            while (cur(p)->kind != T_RP) {
                if (f->np >= sizeof f->params)
                    return wat_fail(p, cur(p), "too many params");
                if (locals && !wat_name_add(p, locals, NULL))
                    return false;
                if (!wat_parse_valtype(p, &f->params[f->np++]))
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
                return wat_fail(p, cur(p), "too many results");
            if (!wat_parse_valtype(p, &f->results[f->nr++]))
                return false;
        }
        p->pos++;
    }
    return true;
}

/* typeuse: (type x)? params results. Returns type index (0..2^32-1) or -1. */
int64_t wat_parse_typeuse(P *p, names_t *locals, ftype_t *sig_out)
{
    ftype_t f = {0};
    int idx = -1;
    if (peek_field(p, "type")) {
        p->pos += 2;
        uint32_t x;
        if (!wat_parse_idx(p, &p->types, &x, false))
            return -1;
        if (!expect(p, T_RP, "')'"))
            return -1;
        if (x >= p->nftypes) {
            /* a numeric index past the types: encoded as written, the
             * validator rejects it ("unknown type", spec 3.4.10) as
             * wat2wasm leaves it to the validator */
            tok_t *at = cur(p);
            if (!wat_parse_sig(p, &f, true, locals))
                return -1;
            /* with an inline signature it cannot be checked: malformed
             * (func.wast "unknown type" assert_malformed) */
            if (f.np || f.nr)
                return wat_fail(p, at, "unknown type"), -1;
            if (sig_out)
                *sig_out = f;
            return (int64_t)x;
        }
        idx = (int)x;
    }
    tok_t *at = cur(p);
    if (!wat_parse_sig(p, &f, true, locals))
        return -1;
    if (idx >= 0) {
        if ((f.np || f.nr) && memcmp(&f, &p->ftypes[idx], sizeof f) != 0) {
            ftype_t g = p->ftypes[idx];
            if (g.np != f.np || g.nr != f.nr || memcmp(g.params, f.params, f.np) ||
                memcmp(g.results, f.results, f.nr))
                return wat_fail(p, at, "inline function type does not match (type)"), -1;
        }
        if (!f.np && !f.nr && locals) /* names for the type's params */
            for (unsigned i = 0; i < p->ftypes[idx].np; i++)
                if (!wat_name_add(p, locals, NULL))
                    return -1;
        if (sig_out)
            *sig_out = p->ftypes[idx];
        return idx;
    }
    if (sig_out)
        *sig_out = f;
    idx = wat_ftype_find(p, &f);
    return idx >= 0 ? idx : wat_ftype_add(p, &f);
}
