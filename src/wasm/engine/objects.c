/*
 * objects.c -- the engine's runtime objects on their own: host functions,
 * tables and globals (spec 4.2 "store"), table growth, error texts, and the
 * descriptions of a module's imports, exports and memories. Used by the
 * host to build import sets (e.g. the spec suite's `spectest`) and by
 * instance.c / interp.c. Linear memories live in memory.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "wasm_internal.h"

const char *wasm_strerror(wasm_err_t err)
{
    switch (err) {
    case WASM_OK: return "ok";
    case WASM_ERR_MALFORMED: return "malformed module";
    case WASM_ERR_INVALID: return "invalid module";
    case WASM_ERR_SIMD: return "SIMD not supported";
    case WASM_ERR_LIMIT: return "implementation limit exceeded";
    case WASM_ERR_UNLINKABLE: return "unknown import or incompatible import type";
    case WASM_ERR_NOMEM: return "out of memory";
    case WASM_ERR_NOT_FOUND: return "no such export";
    case WASM_ERR_ARGS: return "wrong number of arguments or results";
    case WASM_ERR_BUSY: return "instance is busy (execution pending)";
    case WASM_ERR_STATE: return "no suspended execution to resume";
    }
    return "unknown error";
}

wasm_func_t *wasm_func_new_host(const wasm_functype_t *type, wasm_host_fn fn, void *user)
{
    if (!type || !fn || type->nresults > WASM_MAX_HOST_RESULTS || type->nparams > WASM_MAX_PARAMS)
        return NULL;
    size_t n = (size_t)type->nparams + type->nresults;
    wasm_func_t *f = mk_calloc(1, sizeof *f + n + 1);
    if (!f)
        return NULL;
    uint8_t *types = (uint8_t *)(f + 1);
    if (type->nparams)
        memcpy(types, type->params, type->nparams);
    if (type->nresults)
        memcpy(types + type->nparams, type->results, type->nresults);
    f->kind = WASM_FUNC_HOST;
    f->own_type.nparams = type->nparams;
    f->own_type.nresults = type->nresults;
    f->own_type.params = types;
    f->own_type.results = types + type->nparams;
    f->type = &f->own_type;
    f->host = fn;
    f->user = user;
    return f;
}

void wasm_func_free(wasm_func_t *f)
{
    if (f && f->kind == WASM_FUNC_HOST)
        mk_free(f);
}

void *wasm_func_user_data(const wasm_func_t *f)
{
    return f->kind == WASM_FUNC_HOST ? f->user : NULL;
}

const wasm_functype_t *wasm_func_type(const wasm_func_t *f)
{
    return f->type;
}

bool wasm_table_init_object(wasm_table_t *t, uint8_t elemtype, wasm_limits_desc_t declared,
                            uint32_t max_effective)
{
    memset(t, 0, sizeof *t);
    t->elemtype = elemtype;
    t->declared = declared;
    t->has_max = declared.has_max;
    t->max = max_effective;
    t->size = declared.min;
    t->elems = mk_calloc(declared.min ? declared.min : 1, sizeof *t->elems);
    return t->elems != NULL;
}

wasm_table_t *wasm_table_new(uint8_t elemtype, uint32_t min, uint32_t max, bool has_max)
{
    if ((elemtype != WASM_FUNCREF && elemtype != WASM_EXTERNREF) || (has_max && max < min) ||
        min > WASM_MAX_TABLE_ELEMS)
        return NULL;
    wasm_table_t *t = mk_malloc(sizeof *t);
    if (!t)
        return NULL;
    wasm_limits_desc_t d = {min, has_max ? max : 0, has_max};
    uint32_t eff = has_max && max < WASM_MAX_TABLE_ELEMS ? max : WASM_MAX_TABLE_ELEMS;
    if (!wasm_table_init_object(t, elemtype, d, eff)) {
        mk_free(t);
        return NULL;
    }
    return t;
}

void wasm_table_free(wasm_table_t *t)
{
    if (!t)
        return;
    mk_free(t->elems);
    mk_free(t);
}

uint32_t wasm_table_size(const wasm_table_t *t)
{
    return t->size;
}

bool wasm_table_get(const wasm_table_t *t, uint32_t i, wasm_value_t *out)
{
    if (i >= t->size)
        return false;
    out->u64 = 0;
    out->ref = t->elems[i];
    return true;
}

int32_t wasm_table_grow_elems(wasm_table_t *t, uint32_t delta, uintptr_t init)
{
    uint32_t old = t->size;
    if ((uint64_t)old + delta > t->max)
        return -1;
    if (delta == 0)
        return (int32_t)old;
    uintptr_t *p = mk_realloc(t->elems, ((size_t)old + delta) * sizeof *p);
    if (!p)
        return -1;
    for (uint32_t i = 0; i < delta; i++)
        p[old + i] = init;
    t->elems = p;
    t->size = old + delta;
    return (int32_t)old;
}

wasm_global_t *wasm_global_new(uint8_t valtype, bool mutable_, wasm_value_t value)
{
    wasm_global_t *g = mk_malloc(sizeof *g);
    if (!g)
        return NULL;
    g->valtype = valtype;
    g->mutable_ = mutable_;
    g->value = value;
    return g;
}

void wasm_global_free(wasm_global_t *g)
{
    mk_free(g);
}

wasm_value_t wasm_global_value(const wasm_global_t *g)
{
    return g->value;
}

void wasm_global_set_value(wasm_global_t *g, wasm_value_t v)
{
    g->value = v;
}

uint32_t wasm_module_import_count(const wasm_module_t *m)
{
    return m->nimports;
}

uint32_t wasm_module_export_count(const wasm_module_t *m)
{
    return m->nexports;
}

/* Fill the type part of a description for entity `index` of `kind`. */
static void describe(const wasm_module_t *m, uint8_t kind, uint32_t index, bool is_import_func,
                     wasm_extern_desc_t *out)
{
    out->kind = (wasm_extern_kind_t)kind;
    switch (kind) {
    case WASM_EXTERN_FUNC:
        out->func = m->types[is_import_func ? index : m->func_types[index]];
        break;
    case WASM_EXTERN_TABLE:
        out->elemtype = m->tables[index].elemtype;
        out->limits = m->tables[index].limits;
        break;
    case WASM_EXTERN_MEMORY: out->limits = m->mems[index]; break;
    case WASM_EXTERN_GLOBAL:
        out->valtype = m->globals[index].valtype;
        out->mutable_ = m->globals[index].mutable_;
        break;
    }
}

bool wasm_module_import(const wasm_module_t *m, uint32_t i, wasm_extern_desc_t *out)
{
    if (i >= m->nimports)
        return false;
    memset(out, 0, sizeof *out);
    out->module = m->imports[i].module;
    out->name = m->imports[i].name;
    describe(m, m->imports[i].kind, m->imports[i].index, true, out);
    return true;
}

bool wasm_module_export(const wasm_module_t *m, uint32_t i, wasm_extern_desc_t *out)
{
    if (i >= m->nexports)
        return false;
    memset(out, 0, sizeof *out);
    out->name = m->exports[i].name;
    describe(m, m->exports[i].kind, m->exports[i].index, false, out);
    return true;
}

bool wasm_module_memory(const wasm_module_t *m, uint32_t i, wasm_limits_desc_t *out)
{
    if (i >= m->nmems)
        return false;
    *out = m->mems[i];
    return true;
}
