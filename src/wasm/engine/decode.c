/*
 * decode.c -- turns the bytes of a module into a wasm_module_t (spec 5.5).
 *
 * Reads the sections in their required order, checks each against the
 * module-level validation rules (validate.c) as it goes, and hands every
 * function body to the compiler (compile.c). Pure: (bytes, len) in, module or
 * error out; no I/O, no global state. Never reads outside the buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "leb128.h"
#include "wasm_decode.h"
#include "wasm_internal.h"

/* Required order of the non-custom sections (spec 5.5.2); 0 = unknown. */
static int section_rank(uint8_t id)
{
    static const int rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return id <= 12 ? rank[id] : -1;
}

static const char *section_name(uint8_t id)
{
    static const char *names[13] = {"custom", "type",   "import",   "function", "table",
                                    "memory", "global", "export",   "start",    "element",
                                    "code",   "data",   "datacount"};
    return id <= 12 ? names[id] : "unknown";
}

bool wasm_decode_valtype(wasm_reader_t *r, uint8_t *out)
{
    uint8_t b;
    if (!wasm_read_u8(r, &b))
        return false;
    switch (b) {
    case WASM_I32:
    case WASM_I64:
    case WASM_F32:
    case WASM_F64:
    case WASM_FUNCREF:
    case WASM_EXTERNREF: *out = b; return true;
    case WASM_V128:
        r->p--;
        return wasm_fail(r, WASM_ERR_SIMD, "SIMD not supported (v128 value type)");
    default: r->p--; return wasm_fail(r, WASM_ERR_MALFORMED, "malformed value type 0x%02x", b);
    }
}

void wasm_compile_limits_default(wasm_compile_limits_t *l)
{
    l->max_module_bytes = WASM_MAX_MODULE_SIZE;
    l->max_code_bytes = WASM_MAX_MODULE_SIZE;
    l->max_types = WASM_MAX_TYPES;
    l->max_funcs = WASM_MAX_FUNCS;
    l->max_locals = WASM_MAX_LOCALS;
    l->max_imports = WASM_MAX_IMPORTS;
    l->max_exports = WASM_MAX_EXPORTS;
    l->max_globals = WASM_MAX_GLOBALS;
    l->max_segments = WASM_MAX_SEGMENTS;
    l->max_segment_elems = WASM_MAX_TABLE_ELEMS;
}

/* The smaller of a configured limit and the engine's static one. */
static uint32_t lim_min(uint32_t configured, uint32_t engine)
{
    return configured < engine ? configured : engine;
}

/* Check that a vector of `n` entries, each at least `min_size` bytes, can
 * fit, and that `n` is within `limit`; `what` names the entries and `name`
 * the limit ("max_types") in the error. */
static bool check_count(wasm_reader_t *r, uint32_t n, size_t min_size, uint32_t limit,
                        const char *what, const char *name)
{
    /* Every entry takes at least one byte: a count past the bytes left is
     * cut short at once (so what we allocate stays within a constant times
     * the module's size); a smaller one that still cannot fit fails where
     * the reference interpreter fails, at the first entry that runs out or
     * is malformed. */
    (void)min_size;
    if ((uint64_t)n > (uint64_t)(r->end - r->p))
        return wasm_fail(r, WASM_ERR_MALFORMED,
                         "unexpected end of section or function (count %u too large)", n);
    if (n > limit)
        return wasm_fail(r, WASM_ERR_LIMIT, "%u %s over the limit %s = %u", n, what, name, limit);
    return true;
}

/* A hash of a function type, for finding its first structurally equal one. */
static uint32_t type_hash(const wasm_functype_t *t)
{
    uint32_t h = 2166136261u ^ (t->nparams * 31u + t->nresults);
    for (uint32_t i = 0; i < t->nparams; i++)
        h = (h ^ t->params[i]) * 16777619u;
    h = (h ^ 0xFFu) * 16777619u;
    for (uint32_t i = 0; i < t->nresults; i++)
        h = (h ^ t->results[i]) * 16777619u;
    return h ^ (h >> 15);
}

static bool decode_types_into(wasm_reader_t *r, wasm_module_t *m, uint32_t n, uint32_t *bucket,
                              uint32_t mask);

static bool decode_types(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n) ||
        !check_count(r, n, 3, lim_min(r->lim->max_types, WASM_MAX_TYPES), "types", "max_types"))
        return false;
    m->types = mk_calloc(n ? n : 1, sizeof *m->types);
    m->type_canon = mk_calloc(n ? n : 1, sizeof *m->type_canon);
    if (!m->types || !m->type_canon)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    /* open addressing over 2n..4n slots holding type index + 1: finding
     * the first equal type is linear in the section, not quadratic */
    uint32_t slots = 16;
    while (slots < 2 * (uint64_t)n)
        slots *= 2;
    uint32_t *bucket = mk_calloc(slots, sizeof *bucket);
    if (!bucket)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    bool ok = decode_types_into(r, m, n, bucket, slots - 1);
    mk_free(bucket);
    return ok;
}

static bool decode_types_into(wasm_reader_t *r, wasm_module_t *m, uint32_t n, uint32_t *bucket,
                              uint32_t mask)
{
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        if (!wasm_read_u8(r, &form))
            return false;
        if (form != 0x60)
            return wasm_fail(r, WASM_ERR_MALFORMED,
                             "integer representation too long (bad functype form 0x%02x)", form);
        uint32_t np, nr;
        uint8_t *types = NULL;
        if (!wasm_read_u32(r, &np) ||
            !check_count(r, np, 1, WASM_MAX_PARAMS, "parameters", "WASM_MAX_PARAMS"))
            return false;
        types = mk_malloc((size_t)np + 1);
        if (!types)
            return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
        m->types[i].params = types;
        m->types[i].nparams = np;
        m->ntypes = i + 1;
        for (uint32_t k = 0; k < np; k++)
            if (!wasm_decode_valtype(r, &types[k]))
                return false;
        if (!wasm_read_u32(r, &nr) ||
            !check_count(r, nr, 1, WASM_MAX_PARAMS, "results", "WASM_MAX_PARAMS"))
            return false;
        uint8_t *all = mk_realloc(types, (size_t)np + nr + 1);
        if (!all)
            return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
        m->types[i].params = all;
        m->types[i].results = all + np;
        for (uint32_t k = 0; k < nr; k++)
            if (!wasm_decode_valtype(r, &all[np + k]))
                return false;
        m->types[i].nresults = nr;
        m->type_canon[i] = i;
        uint32_t h = type_hash(&m->types[i]) & mask;
        for (; bucket[h]; h = (h + 1) & mask)
            if (wasm_functype_equal(&m->types[bucket[h] - 1], &m->types[i])) {
                m->type_canon[i] = bucket[h] - 1;
                break;
            }
        if (!bucket[h])
            bucket[h] = i + 1;
    }
    return true;
}

bool wasm_decode_limits(wasm_reader_t *r, wasm_limits_desc_t *l)
{
    uint8_t flags;
    if (!wasm_read_u8(r, &flags))
        return false;
    /* a flags byte is a one-byte LEB128 (spec 5.5.5 limits) */
    if (flags & 0x80)
        return wasm_fail(r, WASM_ERR_MALFORMED,
                         "integer representation too long (limits flags 0x%02x)", flags);
    if (flags > 1)
        return wasm_fail(r, WASM_ERR_MALFORMED, "integer too large (limits flags 0x%02x)", flags);
    l->has_max = flags == 1;
    if (!wasm_read_u32(r, &l->min))
        return false;
    l->max = 0;
    if (l->has_max && !wasm_read_u32(r, &l->max))
        return false;
    return true;
}

static bool decode_table_type(wasm_reader_t *r, wasm_table_type_t *t)
{
    uint8_t et;
    if (!wasm_read_u8(r, &et))
        return false;
    if (et != WASM_FUNCREF && et != WASM_EXTERNREF)
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed reference type 0x%02x", et);
    t->elemtype = et;
    return wasm_decode_limits(r, &t->limits) && wasm_validate_table_limits(r, &t->limits);
}

static bool decode_global_type(wasm_reader_t *r, wasm_global_type_t *g)
{
    uint8_t mut;
    if (!wasm_decode_valtype(r, &g->valtype) || !wasm_read_u8(r, &mut))
        return false;
    if (mut > 1)
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed mutability 0x%02x", mut);
    g->mutable_ = mut == 1;
    return true;
}

/* Grow an array of `size`-byte entries from `count` to `count + 1`. */
static bool push_entry(wasm_reader_t *r, void **arr, uint32_t *count, size_t size)
{
    uint32_t n = *count;
    if ((n & (n - 1)) == 0) { /* capacity doubles at powers of two */
        size_t cap = n ? (size_t)n * 2 : 4;
        void *p = mk_realloc(*arr, cap * size);
        if (!p)
            return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
        *arr = p;
    }
    memset((char *)*arr + (size_t)n * size, 0, size);
    *count = n + 1;
    return true;
}

static bool decode_imports(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n) ||
        !check_count(r, n, 4, lim_min(r->lim->max_imports, WASM_MAX_IMPORTS), "imports",
                     "max_imports"))
        return false;
    m->imports = mk_calloc(n ? n : 1, sizeof *m->imports);
    if (!m->imports)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_import_t *im = &m->imports[i];
        m->nimports = i + 1;
        uint8_t kind;
        if (!wasm_read_name(r, &im->module) || !wasm_read_name(r, &im->name) ||
            !wasm_read_u8(r, &kind))
            return false;
        im->kind = kind;
        switch (kind) {
        case WASM_EXTERN_FUNC: {
            uint32_t t;
            if (!wasm_read_u32(r, &t))
                return false;
            if (t >= m->ntypes)
                return wasm_fail(r, WASM_ERR_INVALID, "unknown type %u", t);
            if (m->nfuncs >= lim_min(r->lim->max_funcs, WASM_MAX_FUNCS))
                return wasm_fail(r, WASM_ERR_LIMIT, "%u functions over the limit max_funcs = %u",
                                 m->nfuncs + 1, lim_min(r->lim->max_funcs, WASM_MAX_FUNCS));
            if (!push_entry(r, (void **)&m->func_types, &m->nfuncs, sizeof(uint32_t)))
                return false;
            m->func_types[m->nfuncs - 1] = t;
            m->nfunc_imports = m->nfuncs;
            im->index = t;
            break;
        }
        case WASM_EXTERN_TABLE:
            if (!push_entry(r, (void **)&m->tables, &m->ntables, sizeof *m->tables) ||
                !decode_table_type(r, &m->tables[m->ntables - 1]))
                return false;
            m->ntable_imports = m->ntables;
            im->index = m->ntables - 1;
            break;
        case WASM_EXTERN_MEMORY:
            if (!push_entry(r, (void **)&m->mems, &m->nmems, sizeof *m->mems) ||
                !wasm_decode_limits(r, &m->mems[m->nmems - 1]) ||
                !wasm_validate_memory_limits(r, &m->mems[m->nmems - 1]))
                return false;
            m->nmem_imports = m->nmems;
            im->index = m->nmems - 1;
            break;
        case WASM_EXTERN_GLOBAL:
            if (!push_entry(r, (void **)&m->globals, &m->nglobals, sizeof *m->globals) ||
                !decode_global_type(r, &m->globals[m->nglobals - 1]))
                return false;
            m->nglobal_imports = m->nglobals;
            im->index = m->nglobals - 1;
            break;
        default: return wasm_fail(r, WASM_ERR_MALFORMED, "malformed import kind %u", kind);
        }
    }
    if (m->nmems > 1)
        return wasm_fail(r, WASM_ERR_INVALID, "multiple memories");
    return true;
}

static bool decode_functions(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    uint32_t max = lim_min(r->lim->max_funcs, WASM_MAX_FUNCS);
    if (!wasm_read_u32(r, &n) || !check_count(r, n, 1, UINT32_MAX, "functions", "max_funcs"))
        return false;
    if ((uint64_t)m->nfuncs + n > max)
        return wasm_fail(r, WASM_ERR_LIMIT, "%llu functions over the limit max_funcs = %u",
                         (unsigned long long)m->nfuncs + n, max);
    uint32_t *ft = mk_realloc(m->func_types, ((size_t)m->nfuncs + n + 1) * sizeof *ft);
    if (!ft)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    m->func_types = ft;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        if (!wasm_read_u32(r, &t))
            return false;
        if (t >= m->ntypes)
            return wasm_fail(r, WASM_ERR_INVALID, "unknown type %u", t);
        ft[m->nfuncs++] = t;
    }
    return true;
}

static bool decode_tables(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n) ||
        !check_count(r, n, 3, WASM_MAX_TABLES, "tables", "WASM_MAX_TABLES"))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!push_entry(r, (void **)&m->tables, &m->ntables, sizeof *m->tables) ||
            !decode_table_type(r, &m->tables[m->ntables - 1]))
            return false;
    return true;
}

static bool decode_memories(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n) || !check_count(r, n, 2, 16, "memories", "16"))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!push_entry(r, (void **)&m->mems, &m->nmems, sizeof *m->mems) ||
            !wasm_decode_limits(r, &m->mems[m->nmems - 1]) ||
            !wasm_validate_memory_limits(r, &m->mems[m->nmems - 1]))
            return false;
    if (m->nmems > 1)
        return wasm_fail(r, WASM_ERR_INVALID, "multiple memories");
    return true;
}

static bool decode_globals(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n) ||
        !check_count(r, n, 4, lim_min(r->lim->max_globals, WASM_MAX_GLOBALS), "globals",
                     "max_globals"))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        if (!push_entry(r, (void **)&m->globals, &m->nglobals, sizeof *m->globals))
            return false;
        wasm_global_type_t *g = &m->globals[m->nglobals - 1];
        if (!decode_global_type(r, g) || !wasm_decode_const_expr(r, m, g->valtype, &g->init))
            return false;
    }
    return true;
}

static bool decode_exports(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n) ||
        !check_count(r, n, 3, lim_min(r->lim->max_exports, WASM_MAX_EXPORTS), "exports",
                     "max_exports"))
        return false;
    m->exports = mk_calloc(n ? n : 1, sizeof *m->exports);
    if (!m->exports)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_export_t *e = &m->exports[i];
        m->nexports = i + 1;
        uint8_t kind;
        if (!wasm_read_name_len(r, &e->name, &e->name_len) || !wasm_read_u8(r, &kind) ||
            !wasm_read_u32(r, &e->index))
            return false;
        e->kind = kind;
        if (!wasm_validate_export(r, m, e))
            return false;
    }
    return wasm_validate_export_names(r, m);
}

static bool decode_start(wasm_reader_t *r, wasm_module_t *m)
{
    if (!wasm_read_u32(r, &m->start))
        return false;
    m->has_start = true;
    return wasm_validate_start(r, m);
}

/* Elements given as plain function indices (forms 0-3). */
static bool decode_elem_funcs(wasm_reader_t *r, wasm_module_t *m, wasm_elem_t *e)
{
    if (!wasm_read_u32(r, &e->count) ||
        !check_count(r, e->count, 1, lim_min(r->lim->max_segment_elems, WASM_MAX_TABLE_ELEMS),
                     "segment elements", "max_segment_elems"))
        return false;
    e->items = mk_calloc(e->count ? e->count : 1, sizeof *e->items);
    if (!e->items)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < e->count; i++) {
        uint32_t f;
        if (!wasm_read_u32(r, &f))
            return false;
        if (f >= m->nfuncs)
            return wasm_fail(r, WASM_ERR_INVALID, "unknown function %u", f);
        e->items[i].op = 0xD2;
        e->items[i].value.u64 = f;
        m->declared_funcs[f / 8] |= (uint8_t)(1u << (f % 8));
    }
    return true;
}

/* Elements given as constant expressions (forms 4-7). */
static bool decode_elem_exprs(wasm_reader_t *r, wasm_module_t *m, wasm_elem_t *e)
{
    if (!wasm_read_u32(r, &e->count) ||
        !check_count(r, e->count, 2, lim_min(r->lim->max_segment_elems, WASM_MAX_TABLE_ELEMS),
                     "segment elements", "max_segment_elems"))
        return false;
    e->items = mk_calloc(e->count ? e->count : 1, sizeof *e->items);
    if (!e->items)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < e->count; i++)
        if (!wasm_decode_const_expr(r, m, e->elemtype, &e->items[i]))
            return false;
    return true;
}

static bool decode_elems(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n) ||
        !check_count(r, n, 2, lim_min(r->lim->max_segments, WASM_MAX_SEGMENTS), "segments",
                     "max_segments"))
        return false;
    m->elems = mk_calloc(n ? n : 1, sizeof *m->elems);
    if (!m->elems)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_elem_t *e = &m->elems[i];
        m->nelems = i + 1;
        uint32_t flags;
        if (!wasm_read_u32(r, &flags))
            return false;
        if (flags > 7)
            return wasm_fail(r, WASM_ERR_MALFORMED, "malformed elements segment kind %u", flags);
        e->elemtype = WASM_FUNCREF;
        e->mode =
            (flags & 1) ? ((flags & 2) ? WASM_SEG_DECLARATIVE : WASM_SEG_PASSIVE) : WASM_SEG_ACTIVE;
        if (e->mode == WASM_SEG_ACTIVE) {
            if ((flags & 2) && !wasm_read_u32(r, &e->table))
                return false;
            if (!wasm_decode_const_expr(r, m, WASM_I32, &e->offset))
                return false;
        }
        if (flags & 3) { /* explicit elemkind / reftype */
            uint8_t k;
            if (!wasm_read_u8(r, &k))
                return false;
            if (flags & 4) {
                if (k != WASM_FUNCREF && k != WASM_EXTERNREF)
                    return wasm_fail(r, WASM_ERR_MALFORMED, "malformed reference type 0x%02x", k);
                e->elemtype = k;
            } else if (k != 0x00) {
                return wasm_fail(r, WASM_ERR_MALFORMED, "malformed element kind 0x%02x", k);
            }
        }
        if (!((flags & 4) ? decode_elem_exprs(r, m, e) : decode_elem_funcs(r, m, e)))
            return false;
        if (!wasm_validate_elem(r, m, e))
            return false;
    }
    return true;
}

static bool decode_datas(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n) ||
        !check_count(r, n, 2, lim_min(r->lim->max_segments, WASM_MAX_SEGMENTS), "segments",
                     "max_segments"))
        return false;
    if (m->has_datacount && n != m->ndatas)
        return wasm_fail(r, WASM_ERR_MALFORMED,
                         "data count and data section have inconsistent lengths");
    mk_free(m->datas);
    m->datas = mk_calloc(n ? n : 1, sizeof *m->datas);
    if (!m->datas)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    m->ndatas = n;
    for (uint32_t i = 0; i < n; i++) {
        wasm_data_t *d = &m->datas[i];
        uint32_t flags;
        if (!wasm_read_u32(r, &flags))
            return false;
        if (flags > 2)
            return wasm_fail(r, WASM_ERR_MALFORMED, "malformed data segment kind %u", flags);
        d->mode = flags == 1 ? WASM_SEG_PASSIVE : WASM_SEG_ACTIVE;
        if (flags == 2 && !wasm_read_u32(r, &d->memory))
            return false;
        if (d->mode == WASM_SEG_ACTIVE) {
            if (d->memory >= m->nmems)
                return wasm_fail(r, WASM_ERR_INVALID, "unknown memory %u", d->memory);
            if (!wasm_decode_const_expr(r, m, WASM_I32, &d->offset))
                return false;
        }
        if (!wasm_read_len(r, &d->len) || !wasm_read_bytes(r, d->len, &d->bytes))
            return false;
    }
    return true;
}

static bool decode_code(wasm_reader_t *r, wasm_module_t *m, const uint8_t *sec_end)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n))
        return false;
    if (n != m->nfuncs - m->nfunc_imports) {
        /* reported after the last section (as the reference interpreter
         * does), so a misplaced section is named first */
        m->code_count_mismatch = true;
        r->p = sec_end;
        return true;
    }
    if (!check_count(r, n, 2, WASM_MAX_FUNCS, "functions", "WASM_MAX_FUNCS"))
        return false;
    uint64_t code_bytes = (uint64_t)(sec_end - r->p);
    uint64_t max_code = r->lim->max_code_bytes < WASM_MAX_MODULE_SIZE ? r->lim->max_code_bytes
                                                                      : WASM_MAX_MODULE_SIZE;
    if (code_bytes > max_code)
        return wasm_fail(r, WASM_ERR_LIMIT,
                         "%llu bytes of code over the limit max_code_bytes = %llu",
                         (unsigned long long)code_bytes, (unsigned long long)max_code);
    m->codes = mk_calloc(n ? n : 1, sizeof *m->codes);
    if (!m->codes)
        return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        const uint8_t *body;
        if (!wasm_read_len(r, &size))
            return false;
        body = r->p;
        /* the body is read up to the module's end and its size checked
         * after: a body missing its `end` fails as the reference
         * interpreter's does (on the bytes that follow) */
        wasm_reader_t br = *r;
        br.func = (int64_t)m->nfunc_imports + i;
        m->codes[i].module = m;
        if (!wasm_compile_function(&br, m, m->nfunc_imports + i, &m->codes[i]))
            return false;
        if (br.p != body + size) {
            r->p = br.p;
            return wasm_fail(r, WASM_ERR_MALFORMED,
                             "section size mismatch (function body of %u bytes used %zu)", size,
                             (size_t)(br.p - body));
        }
        r->p = br.p;
    }
    return true;
}

/* Best-effort read of the `name` section's function names (subsection 1).
 * A malformed name section is ignored, as the spec allows (appendix 7.4). */
static void decode_names(wasm_module_t *m, const uint8_t *p, const uint8_t *end)
{
    wasm_error_t scratch = {0};
    wasm_reader_t r = {
        .base = p, .p = p, .end = end, .err = &scratch, .section = "name", .func = -1};
    if (m->nfuncs == 0 || m->func_names)
        return;
    m->func_names = mk_calloc(m->nfuncs, sizeof *m->func_names);
    if (!m->func_names)
        return;
    while (r.p < r.end) {
        uint8_t id;
        uint32_t size;
        const uint8_t *sub;
        if (!wasm_read_u8(&r, &id) || !wasm_read_u32(&r, &size) || !wasm_read_bytes(&r, size, &sub))
            return;
        if (id != 1)
            continue;
        wasm_reader_t s = r;
        s.p = sub;
        s.end = sub + size;
        uint32_t n;
        if (!wasm_read_u32(&s, &n))
            return;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t idx;
            char *name;
            if (!wasm_read_u32(&s, &idx) || !wasm_read_name(&s, &name))
                return;
            if (idx < m->nfuncs && m->func_names[idx] == NULL)
                m->func_names[idx] = name;
            else
                mk_free(name);
        }
    }
}

/* Whether the module has a data section, looked up before decoding so the
 * compiler can tell a missing data count section (malformed with a data
 * section, spec 5.5.16) from a data index with no segments at all
 * (invalid). Stops quietly at the first bad header: decoding reports it. */
static bool has_data_section(const uint8_t *p, const uint8_t *end)
{
    wasm_error_t scratch = {0};
    wasm_reader_t r = {.base = p, .p = p, .end = end, .err = &scratch, .func = -1};
    while (r.p < r.end) {
        uint8_t id;
        uint32_t size;
        const uint8_t *skip;
        if (!wasm_read_u8(&r, &id) || !wasm_read_u32(&r, &size) ||
            !wasm_read_bytes(&r, size, &skip))
            return false;
        if (id == 11)
            return true;
    }
    return false;
}

static bool decode_sections(wasm_reader_t *r, wasm_module_t *m)
{
    m->has_data_section = has_data_section(r->p, r->end);
    const uint8_t *end = r->end;
    const uint8_t *names = NULL, *names_end = NULL;
    int last_rank = 0;
    bool have_code = false;
    while (r->p < end) {
        uint8_t id;
        uint32_t size;
        r->section = "header";
        if (!wasm_read_u8(r, &id))
            return false;
        if (section_rank(id) < 0)
            return wasm_fail(r, WASM_ERR_MALFORMED, "malformed section id %u", id);
        r->section = section_name(id);
        if (!wasm_read_len(r, &size))
            return false;
        if ((size_t)(end - r->p) < size) /* the size's own bytes were counted */
            return wasm_fail(r, WASM_ERR_MALFORMED,
                             "unexpected end of section or function (section of %u bytes)", size);
        const uint8_t *sec_end = r->p + size;
        if (id == 0) {
            char *name;
            if (!wasm_read_name(r, &name))
                return false;
            bool is_names = strcmp(name, "name") == 0;
            mk_free(name);
            if (r->p > sec_end)
                return wasm_fail(r, WASM_ERR_MALFORMED,
                                 "unexpected end of section (custom section name)");
            if (is_names) {
                names = r->p;
                names_end = sec_end;
            }
            r->p = sec_end;
            continue;
        }
        int rank = section_rank(id);
        if (rank <= last_rank)
            return wasm_fail(r, WASM_ERR_MALFORMED,
                             "unexpected content after last section (section %s out of order)",
                             section_name(id));
        last_rank = rank;
        bool ok = true;
        switch (id) {
        case 1: ok = decode_types(r, m); break;
        case 2: ok = decode_imports(r, m); break;
        case 3: ok = decode_functions(r, m); break;
        case 4: ok = decode_tables(r, m); break;
        case 5: ok = decode_memories(r, m); break;
        case 6: ok = decode_globals(r, m); break;
        case 7: ok = decode_exports(r, m); break;
        case 8: ok = decode_start(r, m); break;
        case 9: ok = decode_elems(r, m); break;
        case 10:
            ok = decode_code(r, m, sec_end);
            have_code = true;
            break;
        case 11: ok = decode_datas(r, m); break;
        case 12:
            ok = wasm_read_u32(r, &m->ndatas);
            m->has_datacount = true;
            break;
        }
        if (!ok)
            return false;
        if (r->p != sec_end)
            return wasm_fail(r, WASM_ERR_MALFORMED, "section size mismatch");
        /* ref.func in code needs the declared set, complete once exports
         * and elements are known: both precede the code section. */
        if (id == 3 && !m->declared_funcs) {
            m->declared_funcs = mk_calloc((size_t)m->nfuncs / 8 + 1, 1);
            if (!m->declared_funcs)
                return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
        }
        if (id == 2 || id == 3) {
            /* keep a bitmap sized for every function once the count is known */
            mk_free(m->declared_funcs);
            m->declared_funcs = mk_calloc((size_t)m->nfuncs / 8 + 1, 1);
            if (!m->declared_funcs)
                return wasm_fail(r, WASM_ERR_NOMEM, "out of memory");
        }
    }
    r->section = "module";
    if (m->code_count_mismatch || (!have_code && m->nfuncs != m->nfunc_imports))
        return wasm_fail(r, WASM_ERR_MALFORMED,
                         "function and code section have inconsistent lengths");
    if (m->has_datacount && m->datas == NULL && m->ndatas != 0)
        return wasm_fail(r, WASM_ERR_MALFORMED,
                         "data count and data section have inconsistent lengths");

    if (names)
        decode_names(m, names, names_end);
    return true;
}

wasm_module_t *wasm_module_compile(const uint8_t *bytes, size_t len, wasm_error_t *err)
{
    return wasm_module_compile_limited(bytes, len, NULL, err);
}

static wasm_module_t *compile_module(const uint8_t *bytes, size_t len,
                                     const wasm_compile_limits_t *lim, wasm_error_t *err,
                                     bool plain);

wasm_module_t *wasm_module_compile_limited(const uint8_t *bytes, size_t len,
                                           const wasm_compile_limits_t *lim, wasm_error_t *err)
{
    bool jit = WASM_JIT && wasm_jit_enabled();
    wasm_module_t *m = compile_module(bytes, len, lim, err, jit);
    if (!m || !jit)
        return m;
    /* machine code (DESIGN.md "The JIT"): now, or after wasm_jit_hot()
     * ticks; where it cannot be made (no executable mapping, out of
     * memory, over WASM_JIT_MAX_CODE, or likely to be) the module is
     * compiled again for the interpreter alone, fused */
    uint64_t ir_bytes = 0;
    for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++)
        ir_bytes += (uint64_t)m->codes[i].ir_len * 4;
    bool fits = ir_bytes * 4 <= wasm_jit_max_code;
    if (fits && wasm_jit_hot() == 0 && wasm_jit_module(m))
        return m;
    if (fits && wasm_jit_hot() > 0) {
        for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++)
            m->codes[i].jit_pending = 1;
        return m;
    }
    wasm_module_free(m);
    return compile_module(bytes, len, lim, err, false);
}

static wasm_module_t *compile_module(const uint8_t *bytes, size_t len,
                                     const wasm_compile_limits_t *lim, wasm_error_t *err,
                                     bool plain)
{
    wasm_compile_limits_t defaults;
    if (lim == NULL) {
        wasm_compile_limits_default(&defaults);
        lim = &defaults;
    }
    wasm_error_t local;
    if (err == NULL)
        err = &local;
    err->code = WASM_OK;
    err->message[0] = '\0';
    wasm_module_t *m = mk_calloc(1, sizeof *m);
    if (!m) {
        err->code = WASM_ERR_NOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    wasm_reader_t r = {.base = NULL, .err = err, .section = "header", .func = -1, .lim = lim};
    uint64_t max_bytes =
        lim->max_module_bytes < WASM_MAX_MODULE_SIZE ? lim->max_module_bytes : WASM_MAX_MODULE_SIZE;
    if (len > max_bytes) {
        r.base = r.p = r.end = bytes;
        wasm_fail(&r, WASM_ERR_LIMIT, "module of %zu bytes over the limit max_module_bytes = %llu",
                  len, (unsigned long long)max_bytes);
        goto fail;
    }
    m->bytes = mk_malloc(len ? len : 1);
    if (!m->bytes) {
        r.base = r.p = r.end = bytes;
        wasm_fail(&r, WASM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (len)
        memcpy(m->bytes, bytes, len);
    m->len = len;
    r.base = r.p = m->bytes;
    r.end = m->bytes + len;
    m->declared_funcs = mk_calloc(1, 1);
    if (!m->declared_funcs) {
        wasm_fail(&r, WASM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
    static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
    /* each is read as a 4-byte word first: a short module is cut short */
    if (len < 4 || (len < 8 && memcmp(m->bytes, magic, 4) == 0)) {
        r.p = r.end;
        wasm_fail(&r, WASM_ERR_MALFORMED, "unexpected end");
        goto fail;
    }
    if (memcmp(m->bytes, magic, 4) != 0) {
        wasm_fail(&r, WASM_ERR_MALFORMED, "magic header not detected");
        goto fail;
    }
    r.p += 4;
    if (memcmp(m->bytes + 4, version, 4) != 0) {
        wasm_fail(&r, WASM_ERR_MALFORMED, "unknown binary version");
        goto fail;
    }
    r.p += 4;
    m->plain_ir = plain;
    if (!decode_sections(&r, m))
        goto fail;
    return m;
fail:
    wasm_module_free(m);
    return NULL;
}

void wasm_module_free(wasm_module_t *m)
{
    if (!m)
        return;
    wasm_jit_wait(m, true); /* the background JIT reads the module */
    for (uint32_t i = 0; i < m->ntypes; i++)
        mk_free((void *)m->types[i].params);
    mk_free(m->types);
    mk_free(m->type_canon);
    for (uint32_t i = 0; i < m->nimports; i++) {
        mk_free(m->imports[i].module);
        mk_free(m->imports[i].name);
    }
    mk_free(m->imports);
    mk_free(m->func_types);
    wasm_jit_free(m);
    if (m->codes)
        for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
            mk_free(m->codes[i].ir);
            mk_free(m->codes[i].pc_map);
        }
    mk_free(m->codes);
    mk_free(m->tables);
    mk_free(m->mems);
    mk_free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++)
        mk_free(m->exports[i].name);
    mk_free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++)
        mk_free(m->elems[i].items);
    mk_free(m->elems);
    mk_free(m->datas);
    mk_free(m->declared_funcs);
    if (m->func_names)
        for (uint32_t i = 0; i < m->nfuncs; i++)
            mk_free(m->func_names[i]);
    mk_free(m->func_names);
    mk_free(m->bytes);
    mk_free(m);
}
