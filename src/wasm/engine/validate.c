/*
 * validate.c -- module-level validation rules (spec 3.2, 3.4): limits,
 * constant expressions, exports, the start function and element segments.
 * Called by decode.c as each section is read; the rules for instructions
 * inside function bodies live with the compiler (compile.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "wasm_decode.h"

bool wasm_functype_equal(const wasm_functype_t *a, const wasm_functype_t *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           memcmp(a->params, b->params, a->nparams) == 0 &&
           memcmp(a->results, b->results, a->nresults) == 0;
}

bool wasm_validate_memory_limits(wasm_reader_t *r, const wasm_limits_desc_t *l)
{
    if (l->min > WASM_MAX_PAGES || (l->has_max && l->max > WASM_MAX_PAGES))
        return wasm_fail(r, WASM_ERR_INVALID, "memory size must be at most 65536 pages (4GiB)");
    if (l->has_max && l->min > l->max)
        return wasm_fail(r, WASM_ERR_INVALID, "size minimum must not be greater than maximum");
    return true;
}

bool wasm_validate_table_limits(wasm_reader_t *r, const wasm_limits_desc_t *l)
{
    if (l->has_max && l->min > l->max)
        return wasm_fail(r, WASM_ERR_INVALID, "size minimum must not be greater than maximum");
    return true;
}

static bool is_ref(uint8_t t)
{
    return t == WASM_FUNCREF || t == WASM_EXTERNREF;
}

bool wasm_opcode_exists(uint8_t op)
{
    return op <= 0x05 || (op >= 0x0B && op <= 0x11) || (op >= 0x1A && op <= 0x1C) ||
           (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xC4) || (op >= 0xD0 && op <= 0xD2) ||
           op == 0xFC || op == 0xFD;
}

bool wasm_decode_const_expr(wasm_reader_t *r, wasm_module_t *m, uint8_t type,
                            wasm_const_expr_t *out)
{
    uint8_t op;
    uint8_t got;
    if (!wasm_read_u8(r, &op))
        return false;
    out->op = op;
    out->value.u64 = 0;
    switch (op) {
    case 0x41: {
        int32_t v;
        if (!wasm_read_s32(r, &v))
            return false;
        out->value.i32 = v;
        got = WASM_I32;
        break;
    }
    case 0x42: {
        int64_t v;
        if (!wasm_read_s64(r, &v))
            return false;
        out->value.i64 = v;
        got = WASM_I64;
        break;
    }
    case 0x43: {
        const uint8_t *b;
        if (!wasm_read_bytes(r, 4, &b))
            return false;
        memcpy(&out->value.u32, b, 4);
        got = WASM_F32;
        break;
    }
    case 0x44: {
        const uint8_t *b;
        if (!wasm_read_bytes(r, 8, &b))
            return false;
        memcpy(&out->value.u64, b, 8);
        got = WASM_F64;
        break;
    }
    case 0xD0: {
        uint8_t t;
        if (!wasm_read_u8(r, &t))
            return false;
        if (!is_ref(t))
            return wasm_fail(r, WASM_ERR_MALFORMED, "malformed reference type 0x%02x", t);
        got = t;
        break;
    }
    case 0xD2: {
        uint32_t f;
        if (!wasm_read_u32(r, &f))
            return false;
        if (f >= m->nfuncs)
            return wasm_fail(r, WASM_ERR_INVALID, "unknown function %u", f);
        m->declared_funcs[f / 8] |= (uint8_t)(1u << (f % 8));
        out->value.u64 = f;
        got = WASM_FUNCREF;
        break;
    }
    case 0x23: {
        uint32_t g;
        if (!wasm_read_u32(r, &g))
            return false;
        /* wasm 2.0: only imported globals are visible here */
        if (g >= m->nglobal_imports)
            return wasm_fail(r, WASM_ERR_INVALID, "unknown global %u", g);
        if (m->globals[g].mutable_)
            return wasm_fail(r, WASM_ERR_INVALID, "constant expression required");
        out->value.u64 = g;
        got = m->globals[g].valtype;
        break;
    }
    case 0x0B: return wasm_fail(r, WASM_ERR_INVALID, "type mismatch (empty constant expression)");
    default:
        if (!wasm_opcode_exists(op))
            return wasm_fail(r, WASM_ERR_MALFORMED, "illegal opcode 0x%02x", op);
        return wasm_fail(r, WASM_ERR_INVALID, "constant expression required (opcode 0x%02x)", op);
    }
    uint8_t end;
    if (!wasm_read_u8(r, &end))
        return false;
    if (end != 0x0B) {
        static const uint8_t consts[] = {0x41, 0x42, 0x43, 0x44, 0xD0, 0xD2, 0x23};
        if (memchr(consts, end, sizeof consts))
            return wasm_fail(r, WASM_ERR_INVALID, "type mismatch (constant expression too long)");
        if (!wasm_opcode_exists(end))
            return wasm_fail(r, WASM_ERR_MALFORMED, "illegal opcode 0x%02x", end);
        return wasm_fail(r, WASM_ERR_INVALID, "constant expression required (opcode 0x%02x)", end);
    }
    if (got != type)
        return wasm_fail(r, WASM_ERR_INVALID, "type mismatch in constant expression");
    return true;
}

bool wasm_validate_export(wasm_reader_t *r, wasm_module_t *m, const wasm_export_t *e)
{
    uint32_t n;
    switch (e->kind) {
    case WASM_EXTERN_FUNC: n = m->nfuncs; break;
    case WASM_EXTERN_TABLE: n = m->ntables; break;
    case WASM_EXTERN_MEMORY: n = m->nmems; break;
    case WASM_EXTERN_GLOBAL: n = m->nglobals; break;
    default: return wasm_fail(r, WASM_ERR_MALFORMED, "malformed export kind %u", e->kind);
    }
    if (e->index >= n)
        return wasm_fail(r, WASM_ERR_INVALID, "unknown %s %u",
                         e->kind == WASM_EXTERN_FUNC     ? "function"
                         : e->kind == WASM_EXTERN_TABLE  ? "table"
                         : e->kind == WASM_EXTERN_MEMORY ? "memory"
                                                         : "global",
                         e->index);
    if (e->kind == WASM_EXTERN_FUNC)
        m->declared_funcs[e->index / 8] |= (uint8_t)(1u << (e->index % 8));
    return true;
}

static int cmp_names(const void *a, const void *b)
{
    const wasm_export_t *x = *(const wasm_export_t *const *)a,
                        *y = *(const wasm_export_t *const *)b;
    uint32_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    if (c)
        return c;
    return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

bool wasm_validate_export_names(wasm_reader_t *r, const wasm_module_t *m)
{
    if (m->nexports < 2)
        return true;
    const wasm_export_t **names = mk_malloc(m->nexports * sizeof *names);
    if (!names)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < m->nexports; i++)
        names[i] = &m->exports[i];
    qsort(names, m->nexports, sizeof *names, cmp_names);
    bool ok = true;
    for (uint32_t i = 1; i < m->nexports && ok; i++)
        if (cmp_names(&names[i - 1], &names[i]) == 0)
            ok = wasm_fail(r, WASM_ERR_INVALID, "duplicate export name \"%s\"", names[i]->name);
    mk_free(names);
    return ok;
}

bool wasm_validate_start(wasm_reader_t *r, const wasm_module_t *m)
{
    if (m->start >= m->nfuncs)
        return wasm_fail(r, WASM_ERR_INVALID, "unknown function %u", m->start);
    const wasm_functype_t *t = &m->types[m->func_types[m->start]];
    if (t->nparams || t->nresults)
        return wasm_fail(r, WASM_ERR_INVALID, "start function must have type [] -> []");
    return true;
}

bool wasm_validate_elem(wasm_reader_t *r, const wasm_module_t *m, const wasm_elem_t *e)
{
    if (e->mode != WASM_SEG_ACTIVE)
        return true;
    if (e->table >= m->ntables)
        return wasm_fail(r, WASM_ERR_INVALID, "unknown table %u", e->table);
    if (m->tables[e->table].elemtype != e->elemtype)
        return wasm_fail(r, WASM_ERR_INVALID, "type mismatch (element segment vs table)");
    return true;
}
