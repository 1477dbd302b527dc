/*
 * test_wasm_memory.c -- proves linear memory (src/wasm/engine/memory.c):
 * wasm_memory_grow returns the old size, keeps the bytes, zeroes the new
 * pages, stops at the declared maximum and at the instance limit, and wasm
 * code sees a host grow at once -- also when the memory moves (growth past
 * the reservation) in the middle of a call.
 * argv[1] is engine_test.wasm (memory 1..3), argv[2] memory_test.wasm
 * (imports its memory), both built by wat2wasm.
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

enum { PAGE = 65536 };

static wasm_module_t *g_engine_test; /* defines memory 1..3, imports env.block */
static wasm_module_t *g_memory_test; /* imports env.mem and env.host_grow */

static wasm_module_t *load(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    wasm_error_t err;
    wasm_module_t *m = wasm_module_compile(buf, n, &err);
    if (!m)
        fprintf(stderr, "compile %s: %s\n", path, err.message);
    return m;
}

static wasm_status_t host_unused(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                 wasm_value_t *results)
{
    (void)inst;
    (void)user;
    results[0].i32 = args[0].i32;
    return WASM_STATUS_OK;
}

/* An initialised instance of engine_test.wasm with `limits` (NULL:
 * defaults); *block_out receives the host function to free. */
static wasm_instance_t *engine_instance(const wasm_limits_t *limits, wasm_func_t **block_out)
{
    static const uint8_t i32[] = {WASM_I32};
    wasm_functype_t t = {1, 1, i32, i32};
    wasm_func_t *block = wasm_func_new_host(&t, host_unused, NULL);
    assert_non_null(block);
    wasm_extern_t imp = {.kind = WASM_EXTERN_FUNC, .u.func = block};
    wasm_error_t err;
    wasm_instance_t *inst = wasm_instance_new(g_engine_test, &imp, 1, limits, &err);
    if (!inst)
        fail_msg("instantiate engine_test: %s", err.message);
    assert_int_equal(wasm_instance_initialize(inst), WASM_STATUS_OK);
    *block_out = block;
    return inst;
}

static int32_t call_i32(wasm_instance_t *inst, const char *name, const int32_t *args,
                        uint32_t nargs)
{
    wasm_value_t a[2] = {{.u64 = 0}, {.u64 = 0}}, r = {.u64 = 0};
    for (uint32_t i = 0; i < nargs; i++)
        a[i].i32 = args[i];
    wasm_status_t st = wasm_call_export(inst, name, a, nargs, &r, 1);
    if (st != WASM_STATUS_OK)
        fail_msg("%s: status %d (%s)", name, (int)st, wasm_instance_trap(inst)->message);
    return r.i32;
}

static void test_grow_returns_old_size_and_keeps_data(void **state)
{
    (void)state;
    wasm_func_t *block;
    wasm_instance_t *inst = engine_instance(NULL, &block);
    wasm_memory_t *mem = wasm_instance_memory(inst, 0);
    assert_non_null(mem);
    assert_null(wasm_instance_memory(inst, 1));
    uint32_t head = 0x11223344u, tail = 0x55667788u, back = 0;
    assert_true(wasm_memory_write(inst, 0, &head, 4));
    assert_true(wasm_memory_write(inst, PAGE - 4, &tail, 4));
    assert_false(wasm_memory_read(inst, PAGE, &back, 4)); /* not there yet */

    uint32_t old = 99;
    assert_int_equal(wasm_memory_grow(mem, 1, &old), WASM_OK);
    assert_int_equal(old, 1);
    assert_int_equal(wasm_memory_pages(mem), 2);
    size_t size = 0;
    assert_non_null(wasm_memory_data(inst, &size));
    assert_int_equal(size, 2 * PAGE);
    assert_true(wasm_memory_read(inst, 0, &back, 4));
    assert_int_equal(back, head);
    assert_true(wasm_memory_read(inst, PAGE - 4, &back, 4));
    assert_int_equal(back, tail);
    uint8_t fresh[PAGE];
    static const uint8_t zero[PAGE];
    assert_true(wasm_memory_read(inst, PAGE, fresh, PAGE));
    assert_memory_equal(fresh, zero, PAGE);

    /* wasm code sees the new size and bounds */
    int32_t arg = 0;
    assert_int_equal(call_i32(inst, "grow", &arg, 1), 2); /* memory.grow 0 = size */
    uint32_t v = 0xCAFEF00Du;
    assert_true(wasm_memory_write(inst, 2 * PAGE - 4, &v, 4));
    arg = 2 * PAGE - 4;
    assert_int_equal((uint32_t)call_i32(inst, "load", &arg, 1), v);

    /* a zero delta reports the size and changes nothing */
    assert_int_equal(wasm_memory_grow(mem, 0, &old), WASM_OK);
    assert_int_equal(old, 2);
    assert_int_equal(wasm_memory_pages(mem), 2);
    wasm_instance_free(inst);
    wasm_func_free(block);
}

static void test_grow_stops_at_declared_max(void **state)
{
    (void)state;
    wasm_func_t *block;
    wasm_instance_t *inst = engine_instance(NULL, &block); /* memory 1..3 */
    wasm_memory_t *mem = wasm_instance_memory(inst, 0);
    uint32_t old = 0;
    assert_int_equal(wasm_memory_grow(mem, 3, &old), WASM_ERR_LIMIT);
    assert_int_equal(old, 1);
    assert_int_equal(wasm_memory_pages(mem), 1);
    assert_int_equal(wasm_memory_grow(mem, 2, &old), WASM_OK);
    assert_int_equal(old, 1);
    assert_int_equal(wasm_memory_grow(mem, 1, &old), WASM_ERR_LIMIT);
    assert_int_equal(old, 3);
    assert_int_equal(wasm_memory_grow(mem, UINT32_MAX, NULL), WASM_ERR_LIMIT);
    assert_int_equal(wasm_memory_pages(mem), 3);
    int32_t arg = 1;
    assert_int_equal(call_i32(inst, "grow", &arg, 1), -1); /* memory.grow agrees */
    wasm_instance_free(inst);
    wasm_func_free(block);
}

static void test_grow_stops_at_instance_limit(void **state)
{
    (void)state;
    wasm_limits_t lim;
    wasm_limits_default(&lim);
    lim.max_memory_pages = 2; /* the module would allow 3 */
    wasm_func_t *block;
    wasm_instance_t *inst = engine_instance(&lim, &block);
    wasm_memory_t *mem = wasm_instance_memory(inst, 0);
    uint32_t old = 0;
    assert_int_equal(wasm_memory_grow(mem, 2, &old), WASM_ERR_LIMIT);
    assert_int_equal(old, 1);
    assert_int_equal(wasm_memory_grow(mem, 1, &old), WASM_OK);
    assert_int_equal(old, 1);
    assert_int_equal(wasm_memory_grow(mem, 1, &old), WASM_ERR_LIMIT);
    assert_int_equal(old, 2);
    assert_int_equal(wasm_memory_pages(mem), 2);
    wasm_instance_free(inst);
    wasm_func_free(block);
}

static void test_grow_null_memory_is_an_argument_error(void **state)
{
    (void)state;
    uint32_t old = 7;
    assert_int_equal(wasm_memory_grow(NULL, 1, &old), WASM_ERR_ARGS);
    assert_int_equal(old, 0);
}

/* host_grow(pages) -> old size or -1: grows the memory passed as user. */
static wasm_status_t host_grow(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                               wasm_value_t *results)
{
    (void)inst;
    uint32_t old = 0;
    wasm_err_t e = wasm_memory_grow(user, args[0].u32, &old);
    results[0].i32 = e == WASM_OK ? (int32_t)old : -1;
    return WASM_STATUS_OK;
}

/* Growth far past the reservation (the memory may move): bytes kept, new
 * pages zero, and a call that asked the host to grow uses the new size and
 * base right after the host call returns. */
static void test_host_grow_past_reservation_inside_a_call(void **state)
{
    (void)state;
    wasm_memory_t *mem = wasm_memory_new(1, 0, false);
    assert_non_null(mem);
    static const uint8_t i32[] = {WASM_I32};
    wasm_functype_t t = {1, 1, i32, i32};
    wasm_func_t *hg = wasm_func_new_host(&t, host_grow, mem);
    assert_non_null(hg);
    wasm_extern_t imps[2] = {{.kind = WASM_EXTERN_MEMORY, .u.memory = mem},
                             {.kind = WASM_EXTERN_FUNC, .u.func = hg}};
    wasm_error_t err;
    wasm_instance_t *inst = wasm_instance_new(g_memory_test, imps, 2, NULL, &err);
    if (!inst)
        fail_msg("instantiate memory_test: %s", err.message);
    assert_int_equal(wasm_instance_initialize(inst), WASM_STATUS_OK);
    assert_ptr_equal(wasm_instance_memory(inst, 0), mem);

    uint32_t mark = 0xA5A5F00Du;
    assert_true(wasm_memory_write(inst, 12, &mark, 4));
    uint32_t big = WASM_MEMORY_RESERVE_PAGES + 40, old = 0;
    assert_int_equal(wasm_memory_grow(mem, big, &old), WASM_OK);
    assert_int_equal(old, 1);
    int32_t a[2] = {12, 0};
    assert_int_equal((uint32_t)call_i32(inst, "load", a, 1), mark);
    assert_int_equal(call_i32(inst, "size", NULL, 0), (int32_t)(1 + big));
    a[0] = (int32_t)((1 + big) * (uint64_t)PAGE - 4);
    assert_int_equal(call_i32(inst, "load", a, 1), 0); /* last word: zero */

    /* host grows again from inside the call; the load right after it
     * reaches the new last page */
    uint32_t before = wasm_memory_pages(mem), grow_by = 2 * (WASM_MEMORY_RESERVE_PAGES + 40);
    a[0] = (int32_t)grow_by;
    a[1] = (int32_t)((before + grow_by) * (uint64_t)PAGE - 4);
    assert_int_equal(call_i32(inst, "grow_then_load", a, 2), 0);
    assert_int_equal(wasm_memory_pages(mem), before + grow_by);
    a[0] = 12;
    assert_int_equal((uint32_t)call_i32(inst, "load", a, 1), mark);

    /* the engine's absolute maximum still holds without a declared one */
    assert_int_equal(wasm_memory_grow(mem, 65536, &old), WASM_ERR_LIMIT);
    assert_int_equal(old, before + grow_by);
    wasm_instance_free(inst);
    wasm_func_free(hg);
    wasm_memory_free(mem);
}

/* A memory of 0 pages has no backing until it grows, then behaves. */
static void test_grow_from_zero_pages(void **state)
{
    (void)state;
    wasm_memory_t *mem = wasm_memory_new(0, 2, true);
    assert_non_null(mem);
    assert_int_equal(wasm_memory_pages(mem), 0);
    static const uint8_t i32[] = {WASM_I32};
    wasm_functype_t t = {1, 1, i32, i32};
    wasm_func_t *hg = wasm_func_new_host(&t, host_grow, mem);
    wasm_extern_t imps[2] = {{.kind = WASM_EXTERN_MEMORY, .u.memory = mem},
                             {.kind = WASM_EXTERN_FUNC, .u.func = hg}};
    wasm_error_t err;
    wasm_instance_t *inst = wasm_instance_new(g_memory_test, imps, 2, NULL, &err);
    assert_non_null(inst);
    size_t size = 1;
    wasm_memory_data(inst, &size);
    assert_int_equal(size, 0);
    uint32_t old = 9;
    assert_int_equal(wasm_memory_grow(mem, 1, &old), WASM_OK);
    assert_int_equal(old, 0);
    int32_t a = 1;
    assert_int_equal(call_i32(inst, "grow", &a, 1), 1); /* wasm takes the last page */
    assert_int_equal(wasm_memory_grow(mem, 1, &old), WASM_ERR_LIMIT);
    assert_int_equal(old, 2);
    a = 2 * PAGE - 4;
    assert_int_equal(call_i32(inst, "load", &a, 1), 0);
    wasm_instance_free(inst);
    wasm_func_free(hg);
    wasm_memory_free(mem);
}

static int setup(void **state)
{
    (void)state;
    return g_engine_test && g_memory_test ? 0 : -1;
}

int main(int argc, char **argv)
{
    g_engine_test = load(argc > 1 ? argv[1] : "engine_test.wasm");
    g_memory_test = load(argc > 2 ? argv[2] : "memory_test.wasm");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_returns_old_size_and_keeps_data),
        cmocka_unit_test(test_grow_stops_at_declared_max),
        cmocka_unit_test(test_grow_stops_at_instance_limit),
        cmocka_unit_test(test_grow_null_memory_is_an_argument_error),
        cmocka_unit_test(test_host_grow_past_reservation_inside_a_call),
        cmocka_unit_test(test_grow_from_zero_pages),
    };
    int rc = cmocka_run_group_tests(tests, setup, NULL);
    wasm_module_free(g_engine_test);
    wasm_module_free(g_memory_test);
    return rc;
}
