/*
 * test_wasm_fused.c -- proves the superinstructions of the engine's
 * compiler (compile.c peephole(), interp.c handlers) compute what the
 * unfused wasm instructions would (spec 4.3 numerics, 4.4.7 memory access):
 * local/tee with a constant operand, local-with-constant compares alone and
 * fused with br_if, and loads whose address is `x + k` (wrapping at 32 bits
 * before the static offset is added, trapping out of bounds), two-local
 * binops and local set/get/copy pairs; and that fuel
 * still preempts a loop whose back-edge is a fused op and a call made with
 * the budget spent. argv[1] is fused.wasm, built from fused.wat by wat2wasm.
 * Since the slot-addressed ops, two-local binops and loads whose address is
 * a local compile to S3_* ops (test_wasm_slots.c has their own cases), so
 * the same expectations now cover those too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wasm/engine/wasm_engine.h"

#define K 0x80000013u /* the constant operand in fused.wat */

static const char *g_path;
static wasm_module_t *g_module;
static wasm_instance_t *g_inst;

static const uint32_t k_inputs[] = {0,          1,          5,          0x7FFFFFFF, 0x80000000,
                                    0xFFFFFFFF, 0xFFFFFFFB, 0xFFFFFFFA, 0xFFFFFFF0, 0xFFFFFFE0,
                                    0xFFFFFFDD, 0x12345678, 65500,      65504,      65508};

static wasm_status_t call(const char *name, uint32_t a, uint32_t *out)
{
    wasm_value_t arg = {.u64 = a}, res = {.u64 = 0};
    wasm_status_t st = wasm_call_export(g_inst, name, &arg, 1, &res, 1);
    *out = res.u32;
    return st;
}

static uint32_t rotl(uint32_t a, uint32_t k)
{
    k &= 31;
    return k ? (a << k) | (a >> (32 - k)) : a;
}

static uint32_t bin(const char *op, uint32_t a, uint32_t k)
{
    if (!strcmp(op, "add"))
        return a + k;
    if (!strcmp(op, "and"))
        return a & k;
    if (!strcmp(op, "or"))
        return a | k;
    if (!strcmp(op, "xor"))
        return a ^ k;
    if (!strcmp(op, "shl"))
        return a << (k & 31);
    if (!strcmp(op, "shr_s"))
        return (uint32_t)((int32_t)a >> (k & 31));
    if (!strcmp(op, "shr_u"))
        return a >> (k & 31);
    if (!strcmp(op, "mul"))
        return a * k;
    if (!strcmp(op, "rotl"))
        return rotl(a, k);
    return rotl(a, 32 - (k & 31)); /* rotr */
}

static const char *const k_bins[] = {"add",   "and",   "or",  "xor",  "shl",
                                     "shr_s", "shr_u", "mul", "rotl", "rotr"};

static void test_local_and_tee_with_constant_match_unfused(void **state)
{
    (void)state;
    char name[32];
    for (size_t o = 0; o < sizeof k_bins / sizeof k_bins[0]; o++) {
        for (size_t i = 0; i < sizeof k_inputs / sizeof k_inputs[0]; i++) {
            uint32_t a = k_inputs[i], r;
            snprintf(name, sizeof name, "local_%s", k_bins[o]);
            assert_int_equal(call(name, a, &r), WASM_STATUS_OK);
            assert_int_equal(r, bin(k_bins[o], a, K));
            snprintf(name, sizeof name, "tee_%s", k_bins[o]);
            assert_int_equal(call(name, a, &r), WASM_STATUS_OK);
            assert_int_equal(r, bin(k_bins[o], a, K) + a);
        }
    }
}

static uint32_t cmp(const char *c, uint32_t a, uint32_t b)
{
    int32_t sa = (int32_t)a, sb = (int32_t)b;
    if (!strcmp(c, "eq"))
        return a == b;
    if (!strcmp(c, "ne"))
        return a != b;
    if (!strcmp(c, "lt_s"))
        return sa < sb;
    if (!strcmp(c, "lt_u"))
        return a < b;
    if (!strcmp(c, "gt_s"))
        return sa > sb;
    if (!strcmp(c, "gt_u"))
        return a > b;
    if (!strcmp(c, "le_s"))
        return sa <= sb;
    if (!strcmp(c, "le_u"))
        return a <= b;
    if (!strcmp(c, "ge_s"))
        return sa >= sb;
    return a >= b; /* ge_u */
}

static void test_local_compare_with_constant_and_branch_match_unfused(void **state)
{
    (void)state;
    static const char *const cmps[] = {"eq",   "ne",   "lt_s", "lt_u", "gt_s",
                                       "gt_u", "le_s", "le_u", "ge_s", "ge_u"};
    char name[32];
    for (size_t c = 0; c < sizeof cmps / sizeof cmps[0]; c++) {
        for (size_t i = 0; i < sizeof k_inputs / sizeof k_inputs[0]; i++) {
            uint32_t a = k_inputs[i], r, want = cmp(cmps[c], a, (uint32_t)-5);
            snprintf(name, sizeof name, "cmp_%s", cmps[c]);
            assert_int_equal(call(name, a, &r), WASM_STATUS_OK);
            assert_int_equal(r, want);
            snprintf(name, sizeof name, "brif_%s", cmps[c]);
            assert_int_equal(call(name, a, &r), WASM_STATUS_OK);
            assert_int_equal(r, want);
        }
    }
}

/* fused.wat's memory: one page, bytes 0..63 are 0x80 + index, then zero */
static uint8_t mem_byte(uint64_t i)
{
    return i < 64 ? (uint8_t)(0x80 + i) : 0;
}

typedef struct load_kind {
    const char *name;
    unsigned size;
    bool sign;
} load_kind_t;

static void check_load(const char *prefix, const load_kind_t *l, uint32_t a, uint32_t base)
{
    char name[40];
    snprintf(name, sizeof name, "%s_%s", prefix, l->name);
    /* the address wraps at 32 bits, then the static offset adds in 64 */
    uint64_t ea = (uint64_t)(uint32_t)(base + 0x20) + 3;
    uint32_t r;
    wasm_status_t st = call(name, a, &r);
    if (ea + l->size > 65536) {
        assert_int_equal(st, WASM_STATUS_TRAP);
        assert_int_equal(wasm_instance_trap(g_inst)->kind, WASM_TRAP_MEMORY_OOB);
        return;
    }
    assert_int_equal(st, WASM_STATUS_OK);
    uint32_t want = 0;
    unsigned n = l->size > 4 ? 4 : l->size; /* f64: its low word */
    for (unsigned b = 0; b < n; b++)
        want |= (uint32_t)mem_byte(ea + b) << (8 * b);
    if (l->sign && n < 4 && (want >> (8 * n - 1)) & 1)
        want |= ~0u << (8 * n);
    assert_int_equal(r, want);
}

static void test_loads_with_added_constant_wrap_and_trap_like_unfused(void **state)
{
    (void)state;
    static const load_kind_t loads[] = {
        {"i32_load8_s", 1, true},   {"i32_load8_u", 1, false}, {"i32_load16_s", 2, true},
        {"i32_load16_u", 2, false}, {"i32_load", 4, false},    {"f64_load", 8, false},
    };
    for (size_t l = 0; l < sizeof loads / sizeof loads[0]; l++) {
        for (size_t i = 0; i < sizeof k_inputs / sizeof k_inputs[0]; i++) {
            uint32_t a = k_inputs[i];
            check_load("ll", &loads[l], a, a);
            check_load("al", &loads[l], a, a ^ 1);
        }
    }
}

static uint32_t call2(const char *name, uint32_t a, uint32_t b)
{
    wasm_value_t args[2] = {{.u64 = a}, {.u64 = b}}, res = {.u64 = 0};
    assert_int_equal(wasm_call_export(g_inst, name, args, 2, &res, 1), WASM_STATUS_OK);
    return res.u32;
}

static void test_two_local_ops_and_local_moves_match_unfused(void **state)
{
    (void)state;
    static const char *const ops[] = {"add", "sub", "and", "or", "xor", "mul"};
    char name[32];
    for (size_t i = 0; i < sizeof k_inputs / sizeof k_inputs[0]; i++) {
        for (size_t j = 0; j < sizeof k_inputs / sizeof k_inputs[0]; j += 3) {
            uint32_t a = k_inputs[i], b = k_inputs[j];
            for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
                snprintf(name, sizeof name, "l2_%s", ops[o]);
                uint32_t want = !strcmp(ops[o], "sub") ? a - b : bin(ops[o], a, b);
                assert_int_equal(call2(name, a, b), want);
            }
            assert_int_equal(call2("setget2", a, b), 3 * a - b);
            assert_int_equal(call2("copy2", a, b), a - b);
            assert_int_equal(call2("addimm_set", a, b), (a ^ b) + 7);
            assert_int_equal(call2("addimm_tee", a, b), 2 * ((a ^ b) + 7));
        }
    }
    static const double d[] = {0.0, -0.0, 1.5, -2.25, 1e300, -1e-300};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        for (size_t j = 0; j < sizeof d / sizeof d[0]; j++) {
            wasm_value_t args[2] = {{.f64 = d[i]}, {.f64 = d[j]}}, res;
            double want[3] = {d[i] + d[j], d[i] - d[j], d[i] * d[j]};
            static const char *const fops[] = {"l2f_add", "l2f_sub", "l2f_mul"};
            for (int o = 0; o < 3; o++) {
                assert_int_equal(wasm_call_export(g_inst, fops[o], args, 2, &res, 1),
                                 WASM_STATUS_OK);
                assert_memory_equal(&res.f64, &want[o], sizeof(double));
            }
        }
    }
}

static void test_fuel_preempts_fused_back_edge_and_call(void **state)
{
    (void)state;
    uint32_t r;
    /* the back-edge is LOCAL_GT_S_IMM_BR_IF: each iteration is charged */
    wasm_instance_set_fuel(g_inst, 1000);
    wasm_value_t arg = {.u64 = 100000}, res = {.u64 = 0};
    wasm_status_t st = wasm_call_export(g_inst, "count", &arg, 1, &res, 1);
    int resumes = 0;
    while (st == WASM_STATUS_OUT_OF_FUEL) {
        wasm_instance_set_fuel(g_inst, 1000);
        st = wasm_resume(g_inst, NULL, 0, &res, 1);
        resumes++;
        assert_true(resumes < 1000000);
    }
    assert_int_equal(st, WASM_STATUS_OK);
    assert_int_equal(res.u32, 100000);
    assert_true(resumes > 100);
    /* "outer"'s entry charge spends the budget of 1: its call stops at the
     * callee's entry, and the resume runs the callee from there */
    wasm_instance_set_fuel(g_inst, 1);
    arg.u64 = 5;
    assert_int_equal(wasm_call_export(g_inst, "outer", &arg, 1, &res, 1), WASM_STATUS_OUT_OF_FUEL);
    wasm_instance_set_fuel(g_inst, WASM_FUEL_UNLIMITED);
    assert_int_equal(wasm_resume(g_inst, NULL, 0, &res, 1), WASM_STATUS_OK);
    assert_int_equal(res.u32, 6);
    assert_int_equal(call("outer", 7, &r), WASM_STATUS_OK);
    assert_int_equal(r, 8);
}

static int setup(void **state)
{
    (void)state;
    FILE *f = fopen(g_path, "rb");
    if (!f)
        return -1;
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    wasm_error_t err;
    g_module = wasm_module_compile(buf, n, &err);
    if (!g_module) {
        fprintf(stderr, "compile %s: %s\n", g_path, err.message);
        return -1;
    }
    g_inst = wasm_instance_new(g_module, NULL, 0, NULL, &err);
    if (!g_inst || wasm_instance_initialize(g_inst) != WASM_STATUS_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wasm_instance_free(g_inst);
    wasm_module_free(g_module);
    return 0;
}

int main(int argc, char **argv)
{
    g_path = argc > 1 ? argv[1] : "fused.wasm";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_and_tee_with_constant_match_unfused),
        cmocka_unit_test(test_local_compare_with_constant_and_branch_match_unfused),
        cmocka_unit_test(test_loads_with_added_constant_wrap_and_trap_like_unfused),
        cmocka_unit_test(test_two_local_ops_and_local_moves_match_unfused),
        cmocka_unit_test(test_fuel_preempts_fused_back_edge_and_call),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
