/*
 * test_wasm_engine.c -- proves the engine's execution API (instance.c,
 * call.c, interp.c): traps with kind, function name and offset; fuel running
 * out and resuming to the right result; suspension at a host call inside
 * nested wasm calls and resumption with the host's result; abort; per-
 * instance limits (call depth, memory pages); host memory/global access.
 * argv[1] is engine_test.wasm, built from engine_test.wat by wat2wasm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wasm/engine/wasm_engine.h"

static const char *g_path;
static wasm_module_t *g_module;

typedef struct host_state {
    int calls;
    int32_t last_arg;
    wasm_status_t reply; /* what the host returns */
} host_state_t;

static wasm_status_t host_block(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                wasm_value_t *results)
{
    host_state_t *h = user;
    h->calls++;
    h->last_arg = args[0].i32;
    if (h->reply == WASM_STATUS_TRAP)
        return wasm_host_trap(inst, "host says no");
    if (h->reply == WASM_STATUS_OK)
        results[0].i32 = args[0].i32 + 100;
    return h->reply;
}

typedef struct fixture {
    host_state_t host;
    wasm_func_t *block;
    wasm_instance_t *inst;
} fixture_t;

static fixture_t *make(const wasm_limits_t *limits)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    static const uint8_t i32[] = {WASM_I32};
    wasm_functype_t t = {1, 1, i32, i32};
    f->block = wasm_func_new_host(&t, host_block, &f->host);
    assert_non_null(f->block);
    wasm_extern_t imp = {.kind = WASM_EXTERN_FUNC, .u.func = f->block};
    wasm_error_t err;
    f->inst = wasm_instance_new(g_module, &imp, 1, limits, &err);
    if (!f->inst)
        fprintf(stderr, "instantiate: %s\n", err.message);
    assert_non_null(f->inst);
    assert_int_equal(wasm_instance_initialize(f->inst), WASM_STATUS_OK);
    return f;
}

static void destroy(fixture_t *f)
{
    wasm_instance_free(f->inst);
    wasm_func_free(f->block);
    free(f);
}

static wasm_status_t call1(fixture_t *f, const char *name, int32_t a, int32_t *out)
{
    wasm_value_t arg = {.u64 = 0}, res = {.u64 = 0};
    arg.i32 = a;
    wasm_status_t st = wasm_call_export(f->inst, name, &arg, 1, &res, 1);
    *out = res.i32;
    return st;
}

static void test_imports_and_exports_listed(void **state)
{
    (void)state;
    assert_int_equal(wasm_module_import_count(g_module), 1);
    wasm_extern_desc_t d;
    assert_true(wasm_module_import(g_module, 0, &d));
    assert_string_equal(d.module, "env");
    assert_string_equal(d.name, "block");
    assert_int_equal(d.kind, WASM_EXTERN_FUNC);
    assert_int_equal(d.func.nparams, 1);
    assert_int_equal(d.func.params[0], WASM_I32);
    bool saw_mem = false, saw_sum = false;
    for (uint32_t i = 0; wasm_module_export(g_module, i, &d); i++) {
        if (strcmp(d.name, "mem") == 0) {
            saw_mem = d.kind == WASM_EXTERN_MEMORY && d.limits.min == 1 && d.limits.max == 3;
        }
        if (strcmp(d.name, "sum") == 0)
            saw_sum = d.kind == WASM_EXTERN_FUNC && d.func.nresults == 1;
    }
    assert_true(saw_mem);
    assert_true(saw_sum);
}

static void test_call_returns_results(void **state)
{
    (void)state;
    fixture_t *f = make(NULL);
    int32_t r;
    assert_int_equal(call1(f, "sum", 10, &r), WASM_STATUS_OK);
    assert_int_equal(r, 45);
    wasm_value_t args[2], res;
    args[0].f64 = 1.5;
    args[1].f64 = 2.25;
    assert_int_equal(wasm_call_export(f->inst, "f64add", args, 2, &res, 1), WASM_STATUS_OK);
    assert_true(res.f64 == 3.75);
    /* wrong argument count is an API error, not a crash */
    assert_int_equal(wasm_call_export(f->inst, "f64add", args, 1, &res, 1), WASM_STATUS_ERROR);
    assert_int_equal(wasm_instance_error(f->inst)->code, WASM_ERR_ARGS);
    assert_int_equal(wasm_call_export(f->inst, "nope", args, 0, &res, 0), WASM_STATUS_ERROR);
    assert_int_equal(wasm_instance_error(f->inst)->code, WASM_ERR_NOT_FOUND);
    destroy(f);
}

static void test_trap_reports_kind_name_offset(void **state)
{
    (void)state;
    fixture_t *f = make(NULL);
    wasm_value_t args[2] = {{.i32 = 7}, {.i32 = 0}}, res;
    assert_int_equal(wasm_call_export(f->inst, "div", args, 2, &res, 1), WASM_STATUS_TRAP);
    const wasm_trap_info_t *t = wasm_instance_trap(f->inst);
    assert_int_equal(t->kind, WASM_TRAP_DIV_ZERO);
    assert_non_null(t->func_name);
    assert_string_equal(t->func_name, "div");
    assert_true(t->code_offset > 8);
    assert_non_null(strstr(t->message, "integer divide by zero"));
    args[0].i32 = INT32_MIN;
    args[1].i32 = -1;
    assert_int_equal(wasm_call_export(f->inst, "div", args, 2, &res, 1), WASM_STATUS_TRAP);
    assert_int_equal(wasm_instance_trap(f->inst)->kind, WASM_TRAP_INT_OVERFLOW);
    int32_t r;
    assert_int_equal(call1(f, "load", 65535, &r), WASM_STATUS_TRAP);
    assert_int_equal(wasm_instance_trap(f->inst)->kind, WASM_TRAP_MEMORY_OOB);
    assert_int_equal(wasm_call_export(f->inst, "boom", NULL, 0, NULL, 0), WASM_STATUS_TRAP);
    assert_int_equal(wasm_instance_trap(f->inst)->kind, WASM_TRAP_UNREACHABLE);
    /* the instance is usable after a trap */
    assert_int_equal(call1(f, "sum", 4, &r), WASM_STATUS_OK);
    assert_int_equal(r, 6);
    destroy(f);
}

static void test_fuel_runs_out_and_resumes(void **state)
{
    (void)state;
    fixture_t *f = make(NULL);
    wasm_value_t arg = {.i32 = 100000}, res = {.u64 = 0};
    wasm_instance_set_fuel(f->inst, 1000);
    wasm_status_t st = wasm_call_export(f->inst, "sum", &arg, 1, &res, 1);
    assert_int_equal(st, WASM_STATUS_OUT_OF_FUEL);
    assert_true(wasm_instance_pending(f->inst));
    /* a fresh call is refused while one is pending */
    assert_int_equal(wasm_call_export(f->inst, "sum", &arg, 1, &res, 1), WASM_STATUS_ERROR);
    assert_int_equal(wasm_instance_error(f->inst)->code, WASM_ERR_BUSY);
    int resumes = 0;
    while (st == WASM_STATUS_OUT_OF_FUEL) {
        wasm_instance_set_fuel(f->inst, 1000);
        st = wasm_resume(f->inst, NULL, 0, &res, 1);
        resumes++;
        assert_true(resumes < 100000);
    }
    assert_int_equal(st, WASM_STATUS_OK);
    assert_true(resumes > 100);
    assert_int_equal(res.u32, (uint32_t)(100000ull * 99999ull / 2));
    destroy(f);
}

static void test_infinite_loop_is_preempted_and_aborted(void **state)
{
    (void)state;
    fixture_t *f = make(NULL);
    wasm_value_t arg = {.i32 = -1}, res; /* ~4e9 iterations: effectively endless */
    wasm_instance_set_fuel(f->inst, 50000);
    assert_int_equal(wasm_call_export(f->inst, "sum", &arg, 1, &res, 1), WASM_STATUS_OUT_OF_FUEL);
    wasm_instance_abort(f->inst);
    assert_false(wasm_instance_pending(f->inst));
    wasm_instance_set_fuel(f->inst, WASM_FUEL_UNLIMITED);
    int32_t r;
    assert_int_equal(call1(f, "sum", 3, &r), WASM_STATUS_OK);
    assert_int_equal(r, 3);
    destroy(f);
}

static void test_suspend_at_host_call_and_resume(void **state)
{
    (void)state;
    fixture_t *f = make(NULL);
    f->host.reply = WASM_STATUS_SUSPENDED;
    int32_t r;
    /* calls_host(x) = inner(x) + 1, inner(x) = block(x) * 2 */
    assert_int_equal(call1(f, "calls_host", 5, &r), WASM_STATUS_SUSPENDED);
    assert_int_equal(f->host.calls, 1);
    assert_int_equal(f->host.last_arg, 5);
    assert_true(wasm_instance_pending(f->inst));
    /* wrong number of host results is refused, state kept */
    wasm_value_t res = {.u64 = 0};
    assert_int_equal(wasm_resume(f->inst, NULL, 0, &res, 1), WASM_STATUS_ERROR);
    wasm_value_t hr = {.i32 = 20};
    assert_int_equal(wasm_resume(f->inst, &hr, 1, &res, 1), WASM_STATUS_OK);
    assert_int_equal(res.i32, 41);
    assert_int_equal(f->host.calls, 1);
    /* resume with nothing pending */
    assert_int_equal(wasm_resume(f->inst, &hr, 1, &res, 1), WASM_STATUS_ERROR);
    assert_int_equal(wasm_instance_error(f->inst)->code, WASM_ERR_STATE);
    /* host returning OK directly */
    f->host.reply = WASM_STATUS_OK;
    assert_int_equal(call1(f, "calls_host", 5, &r), WASM_STATUS_OK);
    assert_int_equal(r, 211);
    destroy(f);
}

static void test_suspend_then_abort(void **state)
{
    (void)state;
    fixture_t *f = make(NULL);
    f->host.reply = WASM_STATUS_SUSPENDED;
    int32_t r;
    assert_int_equal(call1(f, "calls_host", 1, &r), WASM_STATUS_SUSPENDED);
    wasm_instance_abort(f->inst);
    assert_int_equal(call1(f, "sum", 5, &r), WASM_STATUS_OK);
    assert_int_equal(r, 10);
    destroy(f);
}

static void test_host_trap_message(void **state)
{
    (void)state;
    fixture_t *f = make(NULL);
    f->host.reply = WASM_STATUS_TRAP;
    int32_t r;
    assert_int_equal(call1(f, "calls_host", 1, &r), WASM_STATUS_TRAP);
    assert_int_equal(wasm_instance_trap(f->inst)->kind, WASM_TRAP_HOST);
    assert_string_equal(wasm_instance_trap(f->inst)->message, "host says no");
    destroy(f);
}

static void test_call_depth_limit(void **state)
{
    (void)state;
    wasm_limits_t lim;
    wasm_limits_default(&lim);
    lim.max_call_depth = 50;
    fixture_t *f = make(&lim);
    int32_t r;
    assert_int_equal(call1(f, "rec", 0, &r), WASM_STATUS_TRAP);
    assert_int_equal(wasm_instance_trap(f->inst)->kind, WASM_TRAP_STACK_EXHAUSTED);
    destroy(f);
    /* a tiny value stack exhausts too, cleanly */
    wasm_limits_default(&lim);
    lim.max_stack_slots = 64;
    f = make(&lim);
    assert_int_equal(call1(f, "rec", 0, &r), WASM_STATUS_TRAP);
    assert_int_equal(wasm_instance_trap(f->inst)->kind, WASM_TRAP_STACK_EXHAUSTED);
    destroy(f);
}

static void test_memory_page_limit(void **state)
{
    (void)state;
    wasm_limits_t lim;
    wasm_limits_default(&lim);
    lim.max_memory_pages = 2; /* module allows 3 */
    fixture_t *f = make(&lim);
    int32_t r;
    assert_int_equal(call1(f, "grow", 1, &r), WASM_STATUS_OK);
    assert_int_equal(r, 1);
    assert_int_equal(call1(f, "grow", 1, &r), WASM_STATUS_OK);
    assert_int_equal(r, -1);
    size_t size;
    assert_non_null(wasm_memory_data(f->inst, &size));
    assert_int_equal(size, 2 * 65536);
    destroy(f);
}

static void test_host_memory_and_globals(void **state)
{
    (void)state;
    fixture_t *f = make(NULL);
    uint32_t v = 0xA1B2C3D4u, back = 0;
    assert_true(wasm_memory_write(f->inst, 100, &v, 4));
    int32_t r;
    assert_int_equal(call1(f, "load", 100, &r), WASM_STATUS_OK);
    assert_int_equal((uint32_t)r, v);
    assert_true(wasm_memory_read(f->inst, 100, &back, 4));
    assert_int_equal(back, v);
    assert_false(wasm_memory_read(f->inst, 65534, &back, 4));
    assert_false(wasm_memory_write(f->inst, UINT64_MAX - 1, &v, 4));
    wasm_value_t g;
    assert_true(wasm_global_get(f->inst, "g", &g));
    assert_int_equal(g.i32, 7);
    g.i32 = 8;
    assert_true(wasm_global_set(f->inst, "g", g));
    assert_true(wasm_global_get(f->inst, "g", &g));
    assert_int_equal(g.i32, 8);
    assert_false(wasm_global_set(f->inst, "k", g)); /* immutable */
    assert_false(wasm_global_get(f->inst, "nope", &g));
    destroy(f);
}

static void test_unlinkable_import(void **state)
{
    (void)state;
    static const uint8_t i64[] = {WASM_I64};
    wasm_functype_t t = {1, 1, i64, i64};
    host_state_t h = {0};
    wasm_func_t *wrong = wasm_func_new_host(&t, host_block, &h);
    wasm_extern_t imp = {.kind = WASM_EXTERN_FUNC, .u.func = wrong};
    wasm_error_t err;
    assert_null(wasm_instance_new(g_module, &imp, 1, NULL, &err));
    assert_int_equal(err.code, WASM_ERR_UNLINKABLE);
    assert_null(wasm_instance_new(g_module, NULL, 0, NULL, &err));
    assert_int_equal(err.code, WASM_ERR_ARGS);
    wasm_func_free(wrong);
}

static void test_many_instances_of_one_module(void **state)
{
    (void)state;
    fixture_t *fs[50];
    for (int i = 0; i < 50; i++)
        fs[i] = make(NULL);
    for (int i = 0; i < 50; i++) {
        int32_t r;
        assert_int_equal(call1(fs[i], "sum", i, &r), WASM_STATUS_OK);
        assert_int_equal(r, i * (i - 1) / 2);
    }
    for (int i = 0; i < 50; i++)
        destroy(fs[i]);
}

static int setup(void **state)
{
    (void)state;
    FILE *fp = fopen(g_path, "rb");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", g_path);
        return -1;
    }
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    wasm_error_t err;
    g_module = wasm_module_compile(buf, n, &err);
    if (!g_module)
        fprintf(stderr, "compile %s: %s\n", g_path, err.message);
    return g_module ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wasm_module_free(g_module);
    return 0;
}

int main(int argc, char **argv)
{
    g_path = argc > 1 ? argv[1] : "engine_test.wasm";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_imports_and_exports_listed),
        cmocka_unit_test(test_call_returns_results),
        cmocka_unit_test(test_trap_reports_kind_name_offset),
        cmocka_unit_test(test_fuel_runs_out_and_resumes),
        cmocka_unit_test(test_infinite_loop_is_preempted_and_aborted),
        cmocka_unit_test(test_suspend_at_host_call_and_resume),
        cmocka_unit_test(test_suspend_then_abort),
        cmocka_unit_test(test_host_trap_message),
        cmocka_unit_test(test_call_depth_limit),
        cmocka_unit_test(test_memory_page_limit),
        cmocka_unit_test(test_host_memory_and_globals),
        cmocka_unit_test(test_unlinkable_import),
        cmocka_unit_test(test_many_instances_of_one_module),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
