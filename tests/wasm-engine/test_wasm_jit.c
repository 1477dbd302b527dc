/*
 * test_wasm_jit.c -- the machine code of jit_x64.c computes what the
 * interpreter computes (which the spec suite checks): jit.wat's exports run
 * on two instances of the same bytes, one compiled with the JIT and one
 * without, over a grid of inputs, and must return the same values or trap
 * with the same message (kind, function and byte offset: the JIT leaves to
 * the interpreter before a trapping op). Also: the JIT really produced code
 * here, fuel preempts a loop in machine code and resuming finishes it with
 * the same result, a module compiled with the JIT off has none, one whose
 * machine code would pass the cap is compiled for the interpreter, a
 * module gets its machine code once it has run wasm_jit_hot() ticks, and
 * instances of one module on four threads tier up once and compute right.
 * argv[1] is jit.wasm, built from jit.wat by wat2wasm.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wasm/engine/wasm_engine.h"
#include "wasm/engine/wasm_internal.h"

static const char *g_path;
static uint8_t g_bytes[1 << 16];
static size_t g_len;

static const uint64_t k_grid[] = {
    0,
    1,
    2,
    3,
    7,
    31,
    32,
    63,
    64,
    5000,
    9000,
    20000,
    65520,
    65530,
    0x7FFFFFFF,
    0x80000000,
    0xFFFFFFFF,
    0xFFFFFFFFFFFFFFFF, /* -1 */
    0xFFFFFFFFFFFFFFFE,
    0x8000000000000000, /* INT64_MIN */
    0x7FFFFFFFFFFFFFFF,
    0xFFFFFFFF80000000, /* INT32_MIN as i64 */
    0x3FF8000000000000, /* 1.5 */
    0x7FF8000000000000, /* NaN */
    0x7FF0000000000001, /* signaling NaN (as f32: a denormal) */
    0x000000007FA00000, /* as f32: a signaling NaN */
    0xC1E0000000000000, /* -2147483648.0 */
    0x41EFFFFFFFE00000, /* 4294967295.0 */
    0x43E0000000000000, /* 2^63 */
    0xBFE0000000000000, /* -0.5 */
};

static wasm_instance_t *instantiate(bool jit, wasm_module_t **mod)
{
    wasm_jit_set_hot(0); /* machine code at compile time (tier-up: its own test) */
    bool was = wasm_jit_set(jit);
    wasm_error_t err;
    *mod = wasm_module_compile(g_bytes, g_len, &err);
    wasm_jit_set(was);
    assert_non_null(*mod);
    wasm_instance_t *inst = wasm_instance_new(*mod, NULL, 0, NULL, &err);
    assert_non_null(inst);
    assert_int_equal(wasm_instance_initialize(inst), WASM_STATUS_OK);
    return inst;
}

static void test_machine_code_is_made_only_with_the_jit_on(void **state)
{
    (void)state;
    wasm_module_t *with, *without;
    wasm_instance_t *a = instantiate(true, &with), *b = instantiate(false, &without);
    if (WASM_JIT) {
        assert_non_null(with->jit_mem);
        assert_true(with->plain_ir);
        assert_non_null(with->codes[0].jit_at);
    }
    assert_null(without->jit_mem);
    assert_false(without->plain_ir);
    assert_null(without->codes[0].jit_at);
    wasm_instance_free(a);
    wasm_instance_free(b);
    wasm_module_free(with);
    wasm_module_free(without);
}

static void test_every_export_matches_the_interpreter(void **state)
{
    (void)state;
    wasm_module_t *mj, *mi;
    wasm_instance_t *ij = instantiate(true, &mj), *ii = instantiate(false, &mi);
    size_t ng = sizeof k_grid / sizeof k_grid[0];
    unsigned traps = 0, calls = 0, funcs = 0;
    /* every function jit.wat exports: (i64, i64) -> i64 */
    for (uint32_t e = 0; e < wasm_module_export_count(mj); e++) {
        wasm_extern_desc_t d;
        assert_true(wasm_module_export(mj, e, &d));
        if (d.kind != WASM_EXTERN_FUNC)
            continue;
        funcs++;
        const char *name = d.name;
        for (size_t x = 0; x < ng; x++) {
            for (size_t y = 0; y < ng; y++) {
                wasm_value_t args[2] = {{.u64 = k_grid[x]}, {.u64 = k_grid[y]}};
                wasm_value_t rj = {.u64 = 0}, ri = {.u64 = 0};
                wasm_status_t sj = wasm_call_export(ij, name, args, 2, &rj, 1);
                wasm_status_t si = wasm_call_export(ii, name, args, 2, &ri, 1);
                if (sj != si || (si == WASM_STATUS_OK && rj.u64 != ri.u64))
                    fail_msg("%s(0x%llx, 0x%llx): jit status %d value 0x%llx, interpreter "
                             "status %d value 0x%llx (%s)",
                             name, (unsigned long long)k_grid[x], (unsigned long long)k_grid[y], sj,
                             (unsigned long long)rj.u64, si, (unsigned long long)ri.u64,
                             wasm_instance_trap(ii)->message);
                if (si == WASM_STATUS_TRAP) {
                    traps++;
                    assert_string_equal(wasm_instance_trap(ij)->message,
                                        wasm_instance_trap(ii)->message);
                }
                calls++;
            }
        }
    }
    /* the grid reaches the traps: division, bounds, conversion, depth,
     * call_indirect */
    assert_true(traps > 100);
    assert_true(funcs >= 33);
    assert_true(calls == ng * ng * funcs);
    /* memory ends the same */
    size_t nj, ni;
    uint8_t *dj = wasm_memory_data(ij, &nj), *di = wasm_memory_data(ii, &ni);
    assert_int_equal(nj, ni);
    assert_memory_equal(dj, di, ni);
    wasm_instance_free(ij);
    wasm_instance_free(ii);
    wasm_module_free(mj);
    wasm_module_free(mi);
}

static void test_fuel_preempts_machine_code_and_resume_finishes(void **state)
{
    (void)state;
    wasm_module_t *mj, *mi;
    wasm_instance_t *ij = instantiate(true, &mj), *ii = instantiate(false, &mi);
    wasm_value_t args[2] = {{.u64 = 3}, {.u64 = 0xFFF}};
    wasm_value_t want, got = {.u64 = 0};
    assert_int_equal(wasm_call_export(ii, "loop", args, 2, &want, 1), WASM_STATUS_OK);
    wasm_instance_set_fuel(ij, 100);
    wasm_status_t st = wasm_call_export(ij, "loop", args, 2, &got, 1);
    unsigned slices = 0;
    while (st == WASM_STATUS_OUT_OF_FUEL) {
        slices++;
        wasm_instance_set_fuel(ij, 100);
        st = wasm_resume(ij, NULL, 0, &got, 1);
    }
    assert_int_equal(st, WASM_STATUS_OK);
    assert_true(slices > 10); /* 4095 iterations do not fit in 100 units */
    assert_true(got.u64 == want.u64);
    /* and a recursion preempted deep inside calls made in machine code */
    wasm_value_t d[2] = {{.u64 = 3000}, {.u64 = 0}};
    assert_int_equal(wasm_call_export(ii, "deep", d, 2, &want, 1), WASM_STATUS_OK);
    wasm_instance_set_fuel(ij, 500);
    st = wasm_call_export(ij, "deep", d, 2, &got, 1);
    slices = 0;
    while (st == WASM_STATUS_OUT_OF_FUEL) {
        slices++;
        wasm_instance_set_fuel(ij, 500);
        st = wasm_resume(ij, NULL, 0, &got, 1);
    }
    assert_int_equal(st, WASM_STATUS_OK);
    assert_true(slices > 2);
    assert_true(got.u64 == want.u64 && want.u64 == 3000ull * 3001 / 2);
    wasm_instance_free(ij);
    wasm_instance_free(ii);
    wasm_module_free(mj);
    wasm_module_free(mi);
}

static void test_a_module_over_the_code_cap_runs_fused_in_the_interpreter(void **state)
{
    (void)state;
    size_t cap = wasm_jit_max_code;
    wasm_jit_max_code = 4096; /* jit.wasm needs more */
    wasm_module_t *m, *mi;
    wasm_instance_t *a = instantiate(true, &m), *b = instantiate(false, &mi);
    wasm_jit_max_code = cap;
    assert_null(m->jit_mem);
    assert_false(m->plain_ir); /* compiled again, with the fusions */
    wasm_value_t args[2] = {{.u64 = 5}, {.u64 = 77}}, ra, rb;
    assert_int_equal(wasm_call_export(a, "machine", args, 2, &ra, 1), WASM_STATUS_OK);
    assert_int_equal(wasm_call_export(b, "machine", args, 2, &rb, 1), WASM_STATUS_OK);
    assert_true(ra.u64 == rb.u64);
    wasm_instance_free(a);
    wasm_instance_free(b);
    wasm_module_free(m);
    wasm_module_free(mi);
}

static void test_a_module_tiers_up_when_it_gets_hot(void **state)
{
    (void)state;
    bool bg = wasm_jit_set_background(false); /* made by the thread that gets there */
    wasm_jit_set_hot(50);
    bool was = wasm_jit_set(true);
    wasm_error_t err;
    wasm_module_t *m = wasm_module_compile(g_bytes, g_len, &err);
    wasm_jit_set(was);
    assert_non_null(m);
    wasm_instance_t *inst = wasm_instance_new(m, NULL, 0, NULL, &err);
    assert_non_null(inst);
    assert_int_equal(wasm_instance_initialize(inst), WASM_STATUS_OK);
    assert_null(m->jit_mem); /* cold: interpreted */
    wasm_value_t args[2] = {{.u64 = 1}, {.u64 = 10}}, r1, r2;
    assert_int_equal(wasm_call_export(inst, "loop", args, 2, &r1, 1), WASM_STATUS_OK);
    if (WASM_JIT)
        assert_null(m->jit_mem); /* 10 iterations: not yet */
    args[1].u64 = 0xFFF;
    assert_int_equal(wasm_call_export(inst, "loop", args, 2, &r1, 1), WASM_STATUS_OK);
    if (WASM_JIT) { /* made in the middle of that loop, which went on in machine code */
        assert_non_null(m->jit_mem);
        assert_int_equal(m->jit_state, 2);
    }
    assert_int_equal(wasm_call_export(inst, "loop", args, 2, &r2, 1), WASM_STATUS_OK);
    assert_true(r1.u64 == r2.u64);
    wasm_jit_set_hot(0);
    wasm_module_t *mi;
    wasm_instance_t *ii = instantiate(false, &mi);
    assert_int_equal(wasm_call_export(ii, "loop", args, 2, &r2, 1), WASM_STATUS_OK);
    assert_true(r1.u64 == r2.u64);
    wasm_instance_free(inst);
    wasm_instance_free(ii);
    wasm_module_free(m);
    wasm_module_free(mi);
    wasm_jit_set_background(bg);
}

/* The default: the thread that reaches the count queues the module for
 * the background worker and goes on interpreting; the code appears later
 * (wasm_jit_wait() waits for it) and gives the same results. A module
 * freed while queued or being made is dropped or waited for. */
static void test_a_hot_module_gets_its_machine_code_in_the_background(void **state)
{
    (void)state;
    wasm_jit_set_hot(50);
    bool was = wasm_jit_set(true);
    wasm_error_t err;
    wasm_module_t *m = wasm_module_compile(g_bytes, g_len, &err);
    wasm_module_t *m2 = wasm_module_compile(g_bytes, g_len, &err);
    wasm_jit_set(was);
    assert_non_null(m);
    assert_non_null(m2);
    wasm_instance_t *inst = wasm_instance_new(m, NULL, 0, NULL, &err);
    wasm_instance_t *inst2 = wasm_instance_new(m2, NULL, 0, NULL, &err);
    assert_non_null(inst);
    assert_non_null(inst2);
    assert_int_equal(wasm_instance_initialize(inst), WASM_STATUS_OK);
    assert_int_equal(wasm_instance_initialize(inst2), WASM_STATUS_OK);
    wasm_value_t args[2] = {{.u64 = 1}, {.u64 = 0xFFF}}, r1, r2, r3;
    assert_int_equal(wasm_call_export(inst, "loop", args, 2, &r1, 1), WASM_STATUS_OK);
    assert_int_equal(wasm_call_export(inst2, "loop", args, 2, &r3, 1), WASM_STATUS_OK);
    wasm_jit_wait(m, false);
    if (WASM_JIT) {
        assert_int_equal(m->jit_state, 2);
        assert_non_null(m->jit_mem);
    }
    assert_int_equal(wasm_call_export(inst, "loop", args, 2, &r2, 1), WASM_STATUS_OK);
    assert_true(r1.u64 == r2.u64 && r1.u64 == r3.u64);
    wasm_instance_free(inst2);
    wasm_module_free(m2); /* queued, being made or made: no difference outside */
    wasm_instance_free(inst);
    wasm_module_free(m);
    wasm_jit_set_hot(0);
}

typedef struct racer {
    wasm_instance_t *inst;
    uint64_t results[64];
} racer_t;

static void *race(void *arg)
{
    racer_t *r = arg;
    for (int i = 0; i < 64; i++) {
        wasm_value_t args[2] = {{.u64 = (uint64_t)i}, {.u64 = 200}}, res = {.u64 = 0};
        if (wasm_call_export(r->inst, "loop", args, 2, &res, 1) != WASM_STATUS_OK)
            return NULL;
        r->results[i] = res.u64;
    }
    return r;
}

static void test_instances_on_four_threads_share_one_tier_up(void **state)
{
    (void)state;
    wasm_jit_set_hot(300); /* reached while all four are running */
    bool was = wasm_jit_set(true);
    wasm_error_t err;
    wasm_module_t *m = wasm_module_compile(g_bytes, g_len, &err);
    wasm_jit_set(was);
    assert_non_null(m);
    racer_t r[4];
    pthread_t t[4];
    for (int k = 0; k < 4; k++) {
        r[k].inst = wasm_instance_new(m, NULL, 0, NULL, &err);
        assert_non_null(r[k].inst);
        assert_int_equal(wasm_instance_initialize(r[k].inst), WASM_STATUS_OK);
    }
    for (int k = 0; k < 4; k++)
        assert_int_equal(pthread_create(&t[k], NULL, race, &r[k]), 0);
    for (int k = 0; k < 4; k++) {
        void *ok;
        assert_int_equal(pthread_join(t[k], &ok), 0);
        assert_non_null(ok);
    }
    wasm_jit_set_hot(0);
    wasm_jit_wait(m, false); /* by the background worker */
    if (WASM_JIT)
        assert_int_equal(m->jit_state, 2); /* made once */
    wasm_module_t *mi;
    wasm_instance_t *ii = instantiate(false, &mi);
    for (int i = 0; i < 64; i++) {
        wasm_value_t args[2] = {{.u64 = (uint64_t)i}, {.u64 = 200}}, want;
        assert_int_equal(wasm_call_export(ii, "loop", args, 2, &want, 1), WASM_STATUS_OK);
        for (int k = 0; k < 4; k++)
            assert_true(r[k].results[i] == want.u64);
    }
    for (int k = 0; k < 4; k++)
        wasm_instance_free(r[k].inst);
    wasm_instance_free(ii);
    wasm_module_free(m);
    wasm_module_free(mi);
}

int main(int argc, char **argv)
{
    g_path = argc > 1 ? argv[1] : "jit.wasm";
    FILE *f = fopen(g_path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", g_path);
        return 1;
    }
    g_len = fread(g_bytes, 1, sizeof g_bytes, f);
    fclose(f);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_machine_code_is_made_only_with_the_jit_on),
        cmocka_unit_test(test_every_export_matches_the_interpreter),
        cmocka_unit_test(test_fuel_preempts_machine_code_and_resume_finishes),
        cmocka_unit_test(test_a_module_over_the_code_cap_runs_fused_in_the_interpreter),
        cmocka_unit_test(test_a_module_tiers_up_when_it_gets_hot),
        cmocka_unit_test(test_a_hot_module_gets_its_machine_code_in_the_background),
        cmocka_unit_test(test_instances_on_four_threads_share_one_tier_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
