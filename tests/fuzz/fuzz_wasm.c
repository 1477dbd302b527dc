/*
 * fuzz_wasm.c -- libFuzzer target for the WebAssembly engine: arbitrary bytes
 * go through decode + validate + compile; modules that compile are
 * instantiated against generated imports (zero-returning host functions,
 * small memories, tables and globals), initialised and every exported
 * function is called with zero arguments, all with small limits and a small
 * fuel budget. Where the JIT is built (jit_x64.c), each module runs twice,
 * with machine code and without, and every status, result and trap message
 * must be the same (fuel is charged per wasm instruction either way). Any
 * crash, leak, sanitizer report, hang or difference is a bug.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_engine.h"
#include "wasm_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wasm_status_t zero_host(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                               wasm_value_t *results)
{
    (void)inst;
    (void)args;
    const wasm_functype_t *t = user;
    for (uint32_t i = 0; i < t->nresults; i++)
        results[i].u64 = 0;
    return WASM_STATUS_OK;
}

typedef struct owned {
    wasm_extern_t ext;
    wasm_functype_t type; /* copy for zero_host's user pointer */
} owned_t;

static void free_owned(owned_t *o, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        switch (o[i].ext.kind) {
        case WASM_EXTERN_FUNC: wasm_func_free(o[i].ext.u.func); break;
        case WASM_EXTERN_TABLE: wasm_table_free(o[i].ext.u.table); break;
        case WASM_EXTERN_MEMORY: wasm_memory_free(o[i].ext.u.memory); break;
        case WASM_EXTERN_GLOBAL: wasm_global_free(o[i].ext.u.global); break;
        }
    }
    free(o);
}

/* FNV-1a over what a run shows: statuses, results, trap messages */
static void mix(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ b[i]) * 0x100000001b3ull;
}

static void mix_results(uint64_t *h, const wasm_functype_t *t, const wasm_value_t *res)
{
    for (uint32_t i = 0; i < t->nresults; i++) {
        uint64_t v = res[i].u64;
        /* NaN payloads may differ (spec 4.3.3: nondeterministic) */
        if ((t->results[i] == WASM_F32 && isnan(res[i].f32)) ||
            (t->results[i] == WASM_F64 && isnan(res[i].f64)))
            v = 0x7FF8;
        else if (t->results[i] == WASM_I32 || t->results[i] == WASM_F32)
            v = res[i].u32;
        mix(h, &v, sizeof v);
    }
}

static void mix_status(uint64_t *h, wasm_instance_t *inst, wasm_status_t st)
{
    mix(h, &st, sizeof st);
    if (st == WASM_STATUS_TRAP) {
        const char *msg = wasm_instance_trap(inst)->message;
        mix(h, msg, strlen(msg));
    }
}

/* One run of `data` with the JIT on or off; returns its digest. */
static uint64_t run(const uint8_t *data, size_t size, bool jit)
{
    uint64_t h = 0xcbf29ce484222325ull;
    wasm_jit_set_hot(0); /* machine code for every module, not only hot ones */
    bool was = wasm_jit_set(jit);
    wasm_error_t err;
    /* the limit checks of wasm_module_compile_limited, with limits small
     * enough for fuzzed modules to cross them */
    wasm_compile_limits_t small = {.max_module_bytes = 4096,
                                   .max_code_bytes = 1024,
                                   .max_types = 8,
                                   .max_funcs = 8,
                                   .max_locals = 16,
                                   .max_imports = 4,
                                   .max_exports = 4,
                                   .max_globals = 4,
                                   .max_segments = 2,
                                   .max_segment_elems = 16};
    wasm_module_free(wasm_module_compile_limited(data, size, &small, &err));
    wasm_module_t *m = wasm_module_compile(data, size, &err);
    wasm_jit_set(was);
    if (!m)
        return h;
    uint32_t n = wasm_module_import_count(m);
    owned_t *imports = calloc(n ? n : 1, sizeof *imports);
    wasm_extern_t *ext = calloc(n ? n : 1, sizeof *ext);
    uint32_t made = 0;
    bool ok = imports && ext;
    for (uint32_t i = 0; ok && i < n; i++) {
        wasm_extern_desc_t d;
        wasm_module_import(m, i, &d);
        owned_t *o = &imports[i];
        o->ext.kind = d.kind;
        switch (d.kind) {
        case WASM_EXTERN_FUNC:
            o->type = d.func; /* points into the module, which outlives the call */
            o->ext.u.func = wasm_func_new_host(&d.func, zero_host, &o->type);
            break;
        case WASM_EXTERN_TABLE:
            if (d.limits.min > 10000)
                ok = false;
            else
                o->ext.u.table =
                    wasm_table_new(d.elemtype, d.limits.min, d.limits.max, d.limits.has_max);
            break;
        case WASM_EXTERN_MEMORY:
            if (d.limits.min > 16)
                ok = false;
            else
                o->ext.u.memory =
                    wasm_memory_new(d.limits.min, d.limits.has_max ? d.limits.max : 16, true);
            break;
        case WASM_EXTERN_GLOBAL: {
            wasm_value_t z = {.u64 = 0};
            o->ext.u.global = wasm_global_new(d.valtype, d.mutable_, z);
            break;
        }
        }
        if (ok && o->ext.u.func == NULL)
            ok = false;
        made = i + 1;
        if (ok)
            ext[i] = o->ext;
    }
    if (ok) {
        wasm_limits_t lim = {.max_memory_pages = 16,
                             .max_call_depth = 200,
                             .max_stack_slots = 1u << 16,
                             .max_table_elems = 1u << 16};
        wasm_instance_t *inst = wasm_instance_new(m, ext, n, &lim, &err);
        if (inst) {
            wasm_instance_set_fuel(inst, 20000);
            wasm_status_t st = wasm_instance_initialize(inst);
            mix_status(&h, inst, st);
            if (st == WASM_STATUS_SUSPENDED || st == WASM_STATUS_OUT_OF_FUEL)
                wasm_instance_abort(inst);
            uint32_t ne = wasm_module_export_count(m);
            for (uint32_t i = 0; i < ne && st != WASM_STATUS_TRAP; i++) {
                wasm_extern_desc_t d;
                wasm_module_export(m, i, &d);
                if (d.kind != WASM_EXTERN_FUNC || d.func.nparams > 16 || d.func.nresults > 16)
                    continue;
                wasm_value_t args[16], res[16];
                memset(args, 0, sizeof args);
                wasm_instance_set_fuel(inst, 20000);
                wasm_status_t cs =
                    wasm_call_export(inst, d.name, args, d.func.nparams, res, d.func.nresults);
                if (cs == WASM_STATUS_OUT_OF_FUEL) {
                    wasm_instance_set_fuel(inst, 1000);
                    cs = wasm_resume(inst, NULL, 0, res, d.func.nresults);
                    if (cs == WASM_STATUS_OUT_OF_FUEL || cs == WASM_STATUS_SUSPENDED)
                        wasm_instance_abort(inst);
                }
                mix_status(&h, inst, cs);
                if (cs == WASM_STATUS_OK)
                    mix_results(&h, &d.func, res);
            }
            wasm_instance_free(inst);
        }
    }
    free(ext);
    if (imports)
        free_owned(imports, made);
    wasm_module_free(m);
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* without a JIT built, both runs interpret (and must agree too) */
    if (run(data, size, true) != run(data, size, false)) {
        fprintf(stderr, "fuzz_wasm: the JIT and the interpreter differ on this module\n");
        abort();
    }
    return 0;
}
