/*
 * spectest.c -- the spec suite's `spectest` host module (print functions
 * that do nothing, four constant globals, a table and a memory), which every
 * .wast may import from. Called by spec_commands.c's instantiate; one set
 * per file run, freed with it.
 */
#include <string.h>

#include "spec_runner.h"

static wasm_status_t host_print(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                wasm_value_t *results)
{
    (void)inst;
    (void)user;
    (void)args;
    (void)results;
    return WASM_STATUS_OK;
}

static wasm_func_t *mk_print(const char *params)
{
    wasm_functype_t t = {(uint32_t)strlen(params), 0, (const uint8_t *)params, NULL};
    return wasm_func_new_host(&t, host_print, NULL);
}

void spectest_init(spectest_t *s)
{
    static const char p_i32[] = {(char)WASM_I32, 0}, p_i64[] = {(char)WASM_I64, 0};
    static const char p_f32[] = {(char)WASM_F32, 0}, p_f64[] = {(char)WASM_F64, 0};
    static const char p_if[] = {(char)WASM_I32, (char)WASM_F32, 0};
    static const char p_dd[] = {(char)WASM_F64, (char)WASM_F64, 0};
    s->print = mk_print("");
    s->print_i32 = mk_print(p_i32);
    s->print_i64 = mk_print(p_i64);
    s->print_f32 = mk_print(p_f32);
    s->print_f64 = mk_print(p_f64);
    s->print_i32_f32 = mk_print(p_if);
    s->print_f64_f64 = mk_print(p_dd);
    wasm_value_t v = {.u64 = 0};
    v.i32 = 666;
    s->g_i32 = wasm_global_new(WASM_I32, false, v);
    v.i64 = 666;
    s->g_i64 = wasm_global_new(WASM_I64, false, v);
    v.u64 = 0;
    v.f32 = 666.6f;
    s->g_f32 = wasm_global_new(WASM_F32, false, v);
    v.f64 = 666.6;
    s->g_f64 = wasm_global_new(WASM_F64, false, v);
    s->table = wasm_table_new(WASM_FUNCREF, 10, 20, true);
    s->memory = wasm_memory_new(1, 2, true);
}

void spectest_free(spectest_t *s)
{
    wasm_func_free(s->print);
    wasm_func_free(s->print_i32);
    wasm_func_free(s->print_i64);
    wasm_func_free(s->print_f32);
    wasm_func_free(s->print_f64);
    wasm_func_free(s->print_i32_f32);
    wasm_func_free(s->print_f64_f64);
    wasm_global_free(s->g_i32);
    wasm_global_free(s->g_i64);
    wasm_global_free(s->g_f32);
    wasm_global_free(s->g_f64);
    wasm_table_free(s->table);
    wasm_memory_free(s->memory);
}

bool spectest_lookup(spectest_t *s, const char *name, wasm_extern_t *out)
{
    struct {
        const char *name;
        wasm_extern_kind_t kind;
        void *obj;
    } table[] = {
        {"print", WASM_EXTERN_FUNC, s->print},
        {"print_i32", WASM_EXTERN_FUNC, s->print_i32},
        {"print_i64", WASM_EXTERN_FUNC, s->print_i64},
        {"print_f32", WASM_EXTERN_FUNC, s->print_f32},
        {"print_f64", WASM_EXTERN_FUNC, s->print_f64},
        {"print_i32_f32", WASM_EXTERN_FUNC, s->print_i32_f32},
        {"print_f64_f64", WASM_EXTERN_FUNC, s->print_f64_f64},
        {"global_i32", WASM_EXTERN_GLOBAL, s->g_i32},
        {"global_i64", WASM_EXTERN_GLOBAL, s->g_i64},
        {"global_f32", WASM_EXTERN_GLOBAL, s->g_f32},
        {"global_f64", WASM_EXTERN_GLOBAL, s->g_f64},
        {"table", WASM_EXTERN_TABLE, s->table},
        {"memory", WASM_EXTERN_MEMORY, s->memory},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0) {
            out->kind = table[i].kind;
            out->u.func = table[i].obj;
            return true;
        }
    return false;
}
