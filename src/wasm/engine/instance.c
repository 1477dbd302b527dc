/*
 * instance.c -- instantiation (spec 4.5.4): checks and binds imports,
 * allocates the module's own functions, tables, memory and globals in one
 * block, applies segments and runs the start function; also the host's view
 * of an instance (exports, memory, globals). Cheap by design: one allocation
 * for the instance plus one per own table / memory; the value stack is only
 * allocated at the first call (call.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "wasm_internal.h"

static void set_err(wasm_error_t *err, wasm_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(wasm_error_t *err, wasm_err_t code, const char *fmt, ...)
{
    if (!err)
        return;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

void wasm_limits_default(wasm_limits_t *l)
{
    l->max_memory_pages = WASM_DEFAULT_MAX_MEMORY_PAGES;
    l->max_call_depth = WASM_DEFAULT_MAX_CALL_DEPTH;
    l->max_stack_slots = WASM_DEFAULT_VALUE_STACK;
    l->max_table_elems = WASM_MAX_TABLE_ELEMS;
}

/* Import matching of limits (spec 4.5.2): actual at least as large, and no
 * larger a maximum than the import allows. */
static bool limits_match(uint32_t cur, const wasm_limits_desc_t *actual,
                         const wasm_limits_desc_t *want)
{
    if (cur < want->min)
        return false;
    if (want->has_max) {
        if (!actual->has_max || actual->max > want->max)
            return false;
    }
    return true;
}

/* Check import `i` against extern `e`; bind it into `inst`. */
static bool bind_import(wasm_instance_t *inst, uint32_t i, const wasm_extern_t *e, uint32_t *nfunc,
                        wasm_error_t *err)
{
    const wasm_module_t *m = inst->module;
    const wasm_import_t *im = &m->imports[i];
    static const char *kinds[] = {"function", "table", "memory", "global"};
    if ((uint8_t)e->kind != im->kind || e->u.func == NULL) {
        set_err(err, WASM_ERR_UNLINKABLE, "incompatible import type: %s.%s is a %s", im->module,
                im->name, kinds[im->kind]);
        return false;
    }
    switch (im->kind) {
    case WASM_EXTERN_FUNC: {
        if (!wasm_functype_equal(e->u.func->type, &m->types[im->index])) {
            set_err(err, WASM_ERR_UNLINKABLE,
                    "incompatible import type: function %s.%s has another signature", im->module,
                    im->name);
            return false;
        }
        inst->funcs[(*nfunc)++] = e->u.func;
        return true;
    }
    case WASM_EXTERN_TABLE: {
        const wasm_table_type_t *tt = &m->tables[im->index];
        wasm_table_t *t = e->u.table;
        if (t->elemtype != tt->elemtype || !limits_match(t->size, &t->declared, &tt->limits)) {
            set_err(err, WASM_ERR_UNLINKABLE, "incompatible import type: table %s.%s", im->module,
                    im->name);
            return false;
        }
        inst->tables[im->index] = t;
        return true;
    }
    case WASM_EXTERN_MEMORY: {
        wasm_memory_t *mem = e->u.memory;
        if (!limits_match(mem->pages, &mem->declared, &m->mems[im->index])) {
            set_err(err, WASM_ERR_UNLINKABLE, "incompatible import type: memory %s.%s", im->module,
                    im->name);
            return false;
        }
        inst->mems[im->index] = mem;
        return true;
    }
    default: {
        const wasm_global_type_t *gt = &m->globals[im->index];
        wasm_global_t *g = e->u.global;
        if (g->valtype != gt->valtype || g->mutable_ != gt->mutable_) {
            set_err(err, WASM_ERR_UNLINKABLE, "incompatible import type: global %s.%s", im->module,
                    im->name);
            return false;
        }
        inst->globals[im->index] = g;
        return true;
    }
    }
}

uintptr_t wasm_instance_eval_ref(wasm_instance_t *inst, const wasm_const_expr_t *e)
{
    switch (e->op) {
    case 0xD2: return (uintptr_t)inst->funcs[e->value.u32];
    case 0x23: return inst->globals[e->value.u32]->value.ref;
    default: return 0;
    }
}

static wasm_value_t eval_const(wasm_instance_t *inst, const wasm_const_expr_t *e)
{
    wasm_value_t v = {.u64 = 0};
    switch (e->op) {
    case 0x23: return inst->globals[e->value.u32]->value;
    case 0xD2:
    case 0xD0: v.ref = wasm_instance_eval_ref(inst, e); return v;
    default: return e->value;
    }
}

/* Round `n` up to a multiple of 16 (alignment inside the instance block). */
static size_t al16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

wasm_instance_t *wasm_instance_new(const wasm_module_t *m, const wasm_extern_t *imports,
                                   uint32_t nimports, const wasm_limits_t *limits,
                                   wasm_error_t *err)
{
    if (err) {
        err->code = WASM_OK;
        err->message[0] = '\0';
    }
    if (nimports != m->nimports) {
        set_err(err, WASM_ERR_ARGS, "module has %u imports, %u given", m->nimports, nimports);
        return NULL;
    }
    uint32_t own_f = m->nfuncs - m->nfunc_imports, own_t = m->ntables - m->ntable_imports;
    uint32_t own_m = m->nmems - m->nmem_imports, own_g = m->nglobals - m->nglobal_imports;
    size_t off_funcs = al16(sizeof(wasm_instance_t));
    size_t off_tables = off_funcs + al16((size_t)m->nfuncs * sizeof(void *));
    size_t off_mems = off_tables + al16((size_t)m->ntables * sizeof(void *));
    size_t off_globals = off_mems + al16((size_t)m->nmems * sizeof(void *));
    size_t off_of = off_globals + al16((size_t)m->nglobals * sizeof(void *));
    size_t off_ot = off_of + al16((size_t)own_f * sizeof(wasm_func_t));
    size_t off_om = off_ot + al16((size_t)own_t * sizeof(wasm_table_t));
    size_t off_og = off_om + al16((size_t)own_m * sizeof(wasm_memory_t));
    size_t off_ed = off_og + al16((size_t)own_g * sizeof(wasm_global_t));
    size_t off_dd = off_ed + al16(m->nelems);
    size_t total = off_dd + al16(m->ndatas);
    char *block = mk_calloc(1, total);
    if (!block) {
        set_err(err, WASM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    wasm_instance_t *inst = (wasm_instance_t *)block;
    inst->module = m;
    inst->funcs = (wasm_func_t **)(block + off_funcs);
    inst->tables = (wasm_table_t **)(block + off_tables);
    inst->mems = (wasm_memory_t **)(block + off_mems);
    inst->globals = (wasm_global_t **)(block + off_globals);
    inst->own_funcs = (wasm_func_t *)(block + off_of);
    inst->own_tables = (wasm_table_t *)(block + off_ot);
    inst->own_mems = (wasm_memory_t *)(block + off_om);
    inst->own_globals = (wasm_global_t *)(block + off_og);
    inst->elem_dropped = (uint8_t *)(block + off_ed);
    inst->data_dropped = (uint8_t *)(block + off_dd);
    if (limits)
        inst->limits = *limits;
    else
        wasm_limits_default(&inst->limits);
    inst->exec.fuel = WASM_FUEL_UNLIMITED;

    uint32_t nfunc = 0;
    for (uint32_t i = 0; i < m->nimports; i++)
        if (!bind_import(inst, i, &imports[i], &nfunc, err))
            goto fail;
    for (uint32_t i = 0; i < own_f; i++) {
        wasm_func_t *f = &inst->own_funcs[i];
        uint32_t idx = m->nfunc_imports + i;
        f->kind = WASM_FUNC_WASM;
        f->type = &m->types[m->type_canon[m->func_types[idx]]];
        f->inst = inst;
        f->code = &m->codes[i];
        f->index = idx;
        inst->funcs[idx] = f;
    }
    for (uint32_t i = 0; i < own_t; i++) {
        const wasm_table_type_t *tt = &m->tables[m->ntable_imports + i];
        uint32_t cap =
            inst->limits.max_table_elems && inst->limits.max_table_elems < WASM_MAX_TABLE_ELEMS
                ? inst->limits.max_table_elems
                : WASM_MAX_TABLE_ELEMS;
        uint32_t eff = tt->limits.has_max && tt->limits.max < cap ? tt->limits.max : cap;
        if (tt->limits.min > cap) {
            set_err(err, WASM_ERR_LIMIT, "table of %u elements over the limit max_table_elems = %u",
                    tt->limits.min, cap);
            goto fail;
        }
        if (!wasm_table_init_object(&inst->own_tables[i], tt->elemtype, tt->limits, eff)) {
            set_err(err, WASM_ERR_NOMEM, "out of memory for table %u", i);
            goto fail;
        }
        inst->tables[m->ntable_imports + i] = &inst->own_tables[i];
    }
    for (uint32_t i = 0; i < own_m; i++) {
        const wasm_limits_desc_t *l = &m->mems[m->nmem_imports + i];
        uint32_t eff = l->has_max ? l->max : WASM_MAX_PAGES;
        if (eff > inst->limits.max_memory_pages)
            eff = inst->limits.max_memory_pages;
        if (l->min > eff) {
            set_err(err, WASM_ERR_LIMIT, "memory of %u pages over the instance limit %u", l->min,
                    eff);
            goto fail;
        }
        if (!wasm_memory_init_object(&inst->own_mems[i], l->min, eff, *l)) {
            set_err(err, WASM_ERR_NOMEM, "%s for %u pages", mk_arena_oom(), l->min);
            goto fail;
        }
        inst->mems[m->nmem_imports + i] = &inst->own_mems[i];
    }
    for (uint32_t i = 0; i < own_g; i++) {
        const wasm_global_type_t *gt = &m->globals[m->nglobal_imports + i];
        wasm_global_t *g = &inst->own_globals[i];
        g->valtype = gt->valtype;
        g->mutable_ = gt->mutable_;
        g->value = eval_const(inst, &gt->init);
        inst->globals[m->nglobal_imports + i] = g;
    }
    return inst;
fail:
    wasm_instance_free(inst);
    return NULL;
}

/* A trap outside any function (segment initialisation). */
static wasm_status_t init_trap(wasm_instance_t *inst, wasm_trap_kind_t kind)
{
    inst->trap.message[0] = '\0';
    wasm_interp_set_trap(inst, kind, NULL, NULL);
    return WASM_STATUS_TRAP;
}

wasm_status_t wasm_instance_initialize(wasm_instance_t *inst)
{
    const wasm_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem_t *e = &m->elems[i];
        if (e->mode == WASM_SEG_ACTIVE) {
            wasm_table_t *t = inst->tables[e->table];
            uint32_t off = eval_const(inst, &e->offset).u32;
            if ((uint64_t)off + e->count > t->size)
                return init_trap(inst, WASM_TRAP_TABLE_OOB);
            for (uint32_t k = 0; k < e->count; k++)
                t->elems[off + k] = wasm_instance_eval_ref(inst, &e->items[k]);
        }
        if (e->mode != WASM_SEG_PASSIVE)
            inst->elem_dropped[i] = 1;
    }
    for (uint32_t i = 0; i < m->ndatas && m->datas; i++) {
        const wasm_data_t *d = &m->datas[i];
        if (d->mode != WASM_SEG_ACTIVE)
            continue;
        wasm_memory_t *mem = inst->mems[d->memory];
        uint32_t off = eval_const(inst, &d->offset).u32;
        if ((uint64_t)off + d->len > mem->size)
            return init_trap(inst, WASM_TRAP_MEMORY_OOB);
        if (d->len)
            memcpy(mem->data + off, d->bytes, d->len);
        inst->data_dropped[i] = 1;
    }
    if (!m->has_start)
        return WASM_STATUS_OK;
    return wasm_call(inst, inst->funcs[m->start], NULL, 0, NULL, 0);
}

void wasm_instance_free(wasm_instance_t *inst)
{
    if (!inst)
        return;
    const wasm_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++)
        mk_free(inst->own_tables[i].elems);
    for (uint32_t i = 0; i < m->nmems - m->nmem_imports; i++)
        wasm_memory_release(&inst->own_mems[i]);
    mk_free(inst->exec.stack);
    mk_free(inst->exec.frames);
    mk_free(inst);
}

const wasm_module_t *wasm_instance_module(const wasm_instance_t *inst)
{
    return inst->module;
}

bool wasm_instance_export(const wasm_instance_t *inst, const char *name, wasm_extern_t *out)
{
    return wasm_instance_export_n(inst, name, strlen(name), out);
}

bool wasm_instance_export_n(const wasm_instance_t *inst, const char *name, size_t len,
                            wasm_extern_t *out)
{
    const wasm_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export_t *e = &m->exports[i];
        if (len != e->name_len || memcmp(e->name, name, len) != 0)
            continue;
        out->kind = (wasm_extern_kind_t)e->kind;
        switch (e->kind) {
        case WASM_EXTERN_FUNC: out->u.func = inst->funcs[e->index]; break;
        case WASM_EXTERN_TABLE: out->u.table = inst->tables[e->index]; break;
        case WASM_EXTERN_MEMORY: out->u.memory = inst->mems[e->index]; break;
        default: out->u.global = inst->globals[e->index]; break;
        }
        return true;
    }
    return false;
}

wasm_func_t *wasm_instance_func(const wasm_instance_t *inst, uint32_t index)
{
    return index < inst->module->nfuncs ? inst->funcs[index] : NULL;
}

void wasm_instance_set_user(wasm_instance_t *inst, void *user)
{
    inst->user = user;
}

void *wasm_instance_user(const wasm_instance_t *inst)
{
    return inst->user;
}

wasm_status_t wasm_host_trap(wasm_instance_t *inst, const char *message)
{
    snprintf(inst->trap.message, sizeof inst->trap.message, "%s", message ? message : "host trap");
    return WASM_STATUS_TRAP;
}

const wasm_trap_info_t *wasm_instance_trap(const wasm_instance_t *inst)
{
    return &inst->trap;
}

const wasm_error_t *wasm_instance_error(const wasm_instance_t *inst)
{
    return &inst->error;
}

static wasm_memory_t *memory0(const wasm_instance_t *inst)
{
    return inst->module->nmems ? inst->mems[0] : NULL;
}

uint8_t *wasm_memory_data(wasm_instance_t *inst, size_t *size)
{
    wasm_memory_t *m = memory0(inst);
    if (size)
        *size = m ? (size_t)m->size : 0;
    return m ? m->data : NULL;
}

bool wasm_memory_read(wasm_instance_t *inst, uint64_t offset, void *dst, size_t n)
{
    wasm_memory_t *m = memory0(inst);
    if (!m || offset > m->size || n > m->size - offset)
        return false;
    if (n)
        memcpy(dst, m->data + offset, n);
    return true;
}

bool wasm_memory_write(wasm_instance_t *inst, uint64_t offset, const void *src, size_t n)
{
    wasm_memory_t *m = memory0(inst);
    if (!m || offset > m->size || n > m->size - offset)
        return false;
    if (n)
        memcpy(m->data + offset, src, n);
    return true;
}

bool wasm_global_get(const wasm_instance_t *inst, const char *name, wasm_value_t *out)
{
    wasm_extern_t e;
    if (!wasm_instance_export(inst, name, &e) || e.kind != WASM_EXTERN_GLOBAL)
        return false;
    *out = e.u.global->value;
    return true;
}

bool wasm_global_set(wasm_instance_t *inst, const char *name, wasm_value_t v)
{
    wasm_extern_t e;
    if (!wasm_instance_export(inst, name, &e) || e.kind != WASM_EXTERN_GLOBAL ||
        !e.u.global->mutable_)
        return false;
    e.u.global->value = v;
    return true;
}
