/* WAT: WebAssembly text format to binary format (issue 20, goal 4).
 * wat_lex.c turns the (buf,len) text into tokens; here a first pass gives
 * every named function, global, memory, table and type its index (spec 6.6
 * "Modules", identifier contexts, tables in wat_names.c) and a second pass
 * encodes the module fields into sections (spec 5.5), function bodies by
 * wat_instr.c; wat_to_wasm orders the sections and frees the parser state.
 * Bounded by WAT_MAX_TEXT/DEPTH/TOKEN. */
#include "core/alloc_internal.h"
#include "wat_parse.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- module fields ---- */
static bool limits(P *p, buf_t *b)
{
    uint32_t mn, mx;
    if (!wat_parse_u32(p, &mn))
        return false;
    if (cur(p)->kind == T_KW && cur(p)->s[0] >= '0' && cur(p)->s[0] <= '9') {
        if (!wat_parse_u32(p, &mx))
            return false;
        wat_byte(b, 1);
        wat_uleb(b, mn);
        wat_uleb(b, mx);
    } else {
        wat_byte(b, 0);
        wat_uleb(b, mn);
    }
    return true;
}

static bool name_str(P *p, buf_t *b)
{
    if (cur(p)->kind != T_STR)
        return wat_fail(p, cur(p), "expected string");
    wat_vecbytes(b, cur(p)->str, cur(p)->str_n);
    p->pos++;
    return true;
}

/* Constant expression (offset/init): instructions then end. */
static bool const_expr(P *p, buf_t *b)
{
    buf_t *save = p->code;
    p->code = b;
    bool ok = wat_parse_instrs(p, 1);
    p->code = save;
    wat_byte(b, 0x0b);
    return ok;
}

static bool globaltype(P *p, buf_t *b)
{
    unsigned char t;
    if (peek_field(p, "mut")) {
        p->pos += 2;
        if (!wat_parse_valtype(p, &t))
            return false;
        wat_byte(b, t);
        wat_byte(b, 1);
        return expect(p, T_RP, "')'");
    }
    if (!wat_parse_valtype(p, &t))
        return false;
    wat_byte(b, t);
    wat_byte(b, 0);
    return true;
}

static bool inline_exports(P *p, unsigned kind, uint32_t idx)
{
    while (peek_field(p, "export")) {
        p->pos += 2;
        if (!name_str(p, &p->sec[7]))
            return false;
        wat_byte(&p->sec[7], kind);
        wat_uleb(&p->sec[7], idx);
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
                wat_opt_id(p, &id);
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
            wat_opt_id(p, &id);
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
            wat_opt_id(p, &id);
        } else if (is_kw(k, "type")) {
            if (imports) {
                wat_opt_id(p, &id);
                if (!wat_name_add(p, &p->types, id))
                    return false;
                if (!peek_field(p, "func"))
                    return wat_fail(p, cur(p), "expected (func ...)");
                p->pos += 2;
                ftype_t f = {0};
                if (!wat_parse_sig(p, &f, true, NULL))
                    return false;
                if (!expect(p, T_RP, "')'"))
                    return false;
                if (wat_ftype_add(p, &f) < 0)
                    return false;
            }
        } else if (!is_kw(k, "export") && !is_kw(k, "start")) {
            return wat_fail(p, k, "unknown module field %.*s", (int)k->n, k->s);
        }
        /* imports come before every definition (spec 6.6.13) */
        if (imp && defined && imports)
            return wat_fail(p, k, "import after %s", defined);
        if (ns && imp == imports && !wat_name_add(p, ns, id))
            return false;
        if (p->failed)
            return false;
        p->pos = at;
        skip_sexpr(p);
    }
    if (cur(p)->kind != T_RP && cur(p)->kind != T_EOF)
        return wat_fail(p, cur(p), "expected module field");
    return true;
}

static bool func_field(P *p, uint32_t idx)
{
    const tok_t *id;
    wat_opt_id(p, &id);
    if (!inline_exports(p, 0, idx))
        return false;
    bool imp;
    if (!inline_import(p, &imp))
        return false;
    p->locals.n = 0;
    p->labels.n = 0;
    int64_t t = wat_parse_typeuse(p, &p->locals, NULL);
    if (t < 0)
        return false;
    if (imp) {
        wat_byte(&p->sec[2], 0);
        wat_uleb(&p->sec[2], (uint64_t)t);
        return true;
    }
    wat_uleb(&p->sec[3], (uint64_t)t);
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
            if (named && !wat_name_add(p, &p->locals, cur(p)))
                goto out;
            if (named)
                p->pos++;
            else if (!wat_name_add(p, &p->locals, NULL))
                goto out;
            if (!wat_parse_valtype(p, &vt))
                goto out;
            if (run && vt == last)
                run++;
            else {
                if (run) {
                    wat_uleb(&loc, run);
                    wat_byte(&loc, last);
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
        wat_uleb(&loc, run);
        wat_byte(&loc, last);
        ngroups++;
    }
    wat_uleb(&body, ngroups);
    wat_put(&body, loc.p, loc.n);
    p->code = &body;
    if (!wat_parse_instrs(p, 1))
        goto out;
    if (cur(p)->kind != T_RP) {
        wat_fail(p, cur(p), "unexpected %.*s", (int)cur(p)->n, cur(p)->s);
        goto out;
    }
    wat_byte(&body, 0x0b);
    if (body.oom || loc.oom) {
        wat_fail(p, NULL, "out of memory");
        goto out;
    }
    wat_vecbytes(&p->sec[10], body.p, body.n);
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
            wat_opt_id(p, &id);
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
            wat_opt_id(p, &id);
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
                return wat_fail(p, cur(p), "expected import description");
            tok_t *d = &p->t[p->pos + 1];
            p->pos += 2;
            wat_opt_id(p, &id);
            if (is_kw(d, "func")) {
                p->locals.n = 0;
                int64_t t = wat_parse_typeuse(p, &p->locals, NULL);
                if (t < 0)
                    return false;
                wat_byte(s, 0);
                wat_uleb(s, (uint64_t)t);
                fimp++;
            } else if (is_kw(d, "table")) {
                wat_byte(s, 1);
                unsigned char rt;
                buf_t lim = {0};
                if (!limits(p, &lim) || !wat_parse_valtype(p, &rt))
                    return mk_free(lim.p), false;
                wat_byte(s, rt);
                wat_put(s, lim.p, lim.n);
                mk_free(lim.p);
                timp_i++;
            } else if (is_kw(d, "memory")) {
                wat_byte(s, 2);
                if (!limits(p, s))
                    return false;
                mimp_i++;
            } else if (is_kw(d, "global")) {
                wat_byte(s, 3);
                if (!globaltype(p, s))
                    return false;
                gimp_i++;
            } else
                return wat_fail(p, d, "unknown import kind");
            if (!expect(p, T_RP, "')'"))
                return false;
        } else if (is_kw(k, "memory")) {
            wat_opt_id(p, &id);
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
                wat_byte(dst, 2);
            else
                p->cnt[5]++;
            if (peek_field(p, "data")) { /* (memory (data "..")) abbreviation */
                p->pos += 2;
                buf_t d = {0};
                while (cur(p)->kind == T_STR) {
                    wat_put(&d, cur(p)->str, cur(p)->str_n);
                    p->pos++;
                }
                uint64_t pages = (d.n + 65535) / 65536;
                wat_byte(dst, 1);
                wat_uleb(dst, pages);
                wat_uleb(dst, pages);
                buf_t *ds = &p->sec[11];
                if (my) {
                    wat_byte(ds, 2);
                    wat_uleb(ds, my);
                } else
                    wat_byte(ds, 0);
                wat_byte(ds, 0x41);
                wat_byte(ds, 0);
                wat_byte(ds, 0x0b);
                wat_vecbytes(ds, d.p, d.n);
                mk_free(d.p);
                p->cnt[11]++;
                if (!expect(p, T_RP, "')'"))
                    return false;
            } else if (!limits(p, dst))
                return false;
        } else if (is_kw(k, "table")) {
            wat_opt_id(p, &id);
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
                wat_byte(dst, 1);
            else
                p->cnt[4]++;
            unsigned char rt;
            if (wat_valtype(cur(p)) >= 0) { /* (table funcref (elem ...)) */
                if (!wat_parse_valtype(p, &rt))
                    return false;
                if (!peek_field(p, "elem"))
                    return wat_fail(p, cur(p), "expected limits or (elem ...)");
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
                        bool ok = item ? wat_parse_instrs(p, 1) : wat_parse_instr(p, 1);
                        p->code = save;
                        if (!ok || (item && !expect(p, T_RP, "')'")))
                            return mk_free(e.p), false;
                        wat_byte(&e, 0x0b);
                    } else {
                        if (!wat_parse_idx(p, &p->funcs, &x, false))
                            return mk_free(e.p), false;
                        wat_uleb(&e, x);
                    }
                    n++;
                }
                p->pos++;
                wat_byte(dst, rt);
                wat_byte(dst, 1);
                wat_uleb(dst, n);
                wat_uleb(dst, n);
                buf_t *es = &p->sec[9];
                unsigned ex = exprs ? 4 : 0;
                if (my || (exprs && rt != 0x70)) {
                    wat_byte(es, 2 | ex);
                    wat_uleb(es, my);
                } else
                    wat_byte(es, ex);
                wat_byte(es, 0x41);
                wat_byte(es, 0);
                wat_byte(es, 0x0b);
                if (my || (exprs && rt != 0x70))
                    wat_byte(es, exprs ? rt : 0);
                wat_uleb(es, n);
                wat_put(es, e.p, e.n);
                mk_free(e.p);
                p->cnt[9]++;
            } else {
                buf_t lim = {0};
                if (!limits(p, &lim) || !wat_parse_valtype(p, &rt))
                    return mk_free(lim.p), false;
                wat_byte(dst, rt);
                wat_put(dst, lim.p, lim.n);
                mk_free(lim.p);
            }
        } else if (is_kw(k, "global")) {
            wat_opt_id(p, &id);
            size_t s = p->pos;
            while (peek_field(p, "export"))
                skip_sexpr(p);
            bool isimp = peek_field(p, "import");
            p->pos = s;
            uint32_t my = isimp ? gimp_i++ : gi++;
            if (!inline_exports(p, 3, my) || !inline_import(p, &imp))
                return false;
            if (imp) {
                wat_byte(&p->sec[2], 3);
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
                return wat_fail(p, cur(p), "expected export description");
            tok_t *d = &p->t[p->pos + 1];
            p->pos += 2;
            uint32_t x;
            names_t *ns[] = {&p->funcs, &p->tables, &p->mems, &p->globals};
            int kd = -1;
            for (int i = 0; i < 4; i++)
                if (is_kw(d, kinds[i]))
                    kd = i;
            if (kd < 0)
                return wat_fail(p, d, "unknown export kind");
            if (!wat_parse_idx(p, ns[kd], &x, false) || !expect(p, T_RP, "')'"))
                return false;
            wat_byte(s, (unsigned)kd);
            wat_uleb(s, x);
            p->cnt[7]++;
        } else if (is_kw(k, "start")) {
            uint32_t x;
            if (p->cnt[8])
                return wat_fail(p, k, "multiple start sections");
            if (!wat_parse_idx(p, &p->funcs, &x, false))
                return false;
            wat_uleb(&p->sec[8], x);
            p->cnt[8] = 1;
        } else if (is_kw(k, "data")) {
            buf_t *s = &p->sec[11];
            wat_opt_id(p, &id);
            uint32_t mem = 0;
            bool active = false, explicit_mem = false;
            if (peek_field(p, "memory")) {
                p->pos += 2;
                if (!wat_parse_idx(p, &p->mems, &mem, false) || !expect(p, T_RP, "')'"))
                    return false;
                explicit_mem = true;
            } else if (cur(p)->kind == T_ID || (cur(p)->kind == T_KW)) {
                if (!wat_parse_idx(p, &p->mems, &mem, false))
                    return false;
                explicit_mem = true;
            }
            if (cur(p)->kind == T_LP) {
                active = true;
                if (mem || explicit_mem) {
                    if (mem) {
                        wat_byte(s, 2);
                        wat_uleb(s, mem);
                    } else
                        wat_byte(s, 0);
                } else
                    wat_byte(s, 0);
                if (peek_field(p, "offset")) {
                    p->pos += 2;
                    if (!const_expr(p, s) || !expect(p, T_RP, "')'"))
                        return false;
                } else {
                    buf_t *save = p->code;
                    p->code = s;
                    bool ok = wat_parse_instr(p, 1);
                    p->code = save;
                    if (!ok)
                        return false;
                    wat_byte(s, 0x0b);
                }
            }
            if (!active)
                wat_byte(s, 1);
            buf_t d = {0};
            while (cur(p)->kind == T_STR) {
                wat_put(&d, cur(p)->str, cur(p)->str_n);
                p->pos++;
            }
            wat_vecbytes(s, d.p, d.n);
            mk_free(d.p);
            p->cnt[11]++;
            di++;
        } else if (is_kw(k, "elem")) {
            buf_t *s = &p->sec[9];
            wat_opt_id(p, &id);
            uint32_t tab = 0, x, n = 0;
            bool declare = false;
            if (is_kw(cur(p), "declare")) {
                declare = true;
                p->pos++;
            }
            if (peek_field(p, "table")) {
                p->pos += 2;
                if (!wat_parse_idx(p, &p->tables, &tab, false) || !expect(p, T_RP, "')'"))
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
                    bool ok = wat_parse_instr(p, 1);
                    p->code = save;
                    if (!ok)
                        goto elem_bad;
                    wat_byte(&off, 0x0b);
                }
            }
            bool kw_func = is_kw(cur(p), "func");
            int rt = wat_valtype(cur(p));
            if (kw_func || rt >= 0)
                p->pos++;
            while (cur(p)->kind != T_RP) {
                if (rt >= 0) { /* element expressions: (item e) or (e) */
                    bool item = peek_field(p, "item");
                    if (item)
                        p->pos += 2;
                    buf_t *save = p->code;
                    p->code = &e;
                    bool ok = item ? wat_parse_instrs(p, 1) : wat_parse_instr(p, 1);
                    p->code = save;
                    if (!ok || (item && !expect(p, T_RP, "')'")))
                        goto elem_bad;
                    wat_byte(&e, 0x0b);
                } else {
                    if (!wat_parse_idx(p, &p->funcs, &x, false))
                        goto elem_bad;
                    wat_uleb(&e, x);
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
                        wat_put(&ix, e.p + q + 1, r - q);
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
                wat_byte(s, ex);
            else if (active) {
                wat_byte(s, 2 | ex);
                wat_uleb(s, tab);
            } else
                wat_byte(s, (declare ? 3 : 1) | ex);
            wat_put(s, off.p, off.n);
            if (!short_form)
                wat_byte(s, rt >= 0 ? (unsigned)rt : 0); /* reftype / elemkind */
            wat_uleb(s, n);
            wat_put(s, e.p, e.n);
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
        return wat_fail(&p, NULL, "invalid argument");
    if (len > WAT_MAX_TEXT)
        return wat_fail(&p, NULL, "text longer than %u bytes", WAT_MAX_TEXT);
    bool ok = false;
    if (!wat_lex_text(&p))
        goto done;
    size_t first = 0;
    if (peek_field(&p, "module")) {
        p.pos = 2;
        const tok_t *id;
        wat_opt_id(&p, &id);
        first = p.pos;
    }
    if (!pass1(&p, first, true) || !pass1(&p, first, false) || !pass2(&p, first))
        goto done;
    if (first) {
        if (!expect(&p, T_RP, "')'"))
            goto done;
    }
    if (cur(&p)->kind != T_EOF) {
        wat_fail(&p, cur(&p), "text after the module");
        goto done;
    }
    buf_t o = {0};
    wat_put(&o, "\0asm\1\0\0\0", 8);
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
            wat_uleb(&c, p.cnt[11]);
            wat_byte(&o, 12);
            wat_vecbytes(&o, c.p, c.n);
            mk_free(c.p);
            continue;
        }
        if (!p.cnt[s])
            continue;
        buf_t c = {0};
        if (s != 8)
            wat_uleb(&c, p.cnt[s]);
        wat_put(&c, p.sec[s].p, p.sec[s].n);
        if (p.sec[s].oom)
            c.oom = true;
        wat_byte(&o, (unsigned)s);
        wat_vecbytes(&o, c.p, c.n);
        bool bad = c.oom;
        mk_free(c.p);
        if (bad)
            o.oom = true;
    }
    if (o.oom) {
        mk_free(o.p);
        wat_fail(&p, NULL, "out of memory");
        goto done;
    }
    *out = o.p ? o.p : mk_malloc(1);
    *out_len = o.n;
    ok = *out != NULL;
done:
    free_all(&p);
    return ok;
}
