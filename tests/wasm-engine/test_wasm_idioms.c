/*
 * test_wasm_idioms.c -- proves the fifth round of superinstructions
 * (compile.c peephole(), emit_br_if(), emit_branch(); interp.c handlers;
 * DESIGN.md "Superinstructions") compute what the unfused wasm instructions
 * would (spec 4.3 numerics, 4.4.7 memory access): counted-loop back-edges,
 * including the one whose compared local is the one it writes; moves before
 * a branch; a select by a local's bit; a three-local f64 product (evaluated
 * left to right); f64 add/sub stored at once and a local pushed under an
 * f64 load, both trapping with the load's or store's own byte offset; and
 * (x << k) >> k as a sign extension for k = 16, 24 only; and the older
 * `local.get x; i32.const k; i32.add; i32.load` fusion trapping at the load. Each case also
 * checks that its fused op is really in the compiled body, and fuel still
 * preempts loops whose back-edge is fused. argv[1] is idioms.wasm, built
 * from idioms.wat by wat2wasm.
 */
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
static wasm_module_t *g_module;
static wasm_instance_t *g_inst;

static const uint32_t k_inputs[] = {0,          1,          5,          0x7F,       0x80,
                                    0xFF,       0x7FFF,     0x8000,     0xFFFF,     0x12345678,
                                    0x7FFFFFFF, 0x80000000, 0xFFFF8000, 0xFFFFFFFF, 0xDEADBEEF};

/* Whether the body of function `index` (idioms.wat has no imports)
 * contains IR op `op`. */
static bool has_op(uint32_t index, uint32_t op)
{
    const wasm_code_t *code = &g_module->codes[index];
    uint32_t word = wasm_interp_op_word(op);
    for (uint32_t i = 0; i < code->pc_map_len; i++)
        if (code->ir[code->pc_map[i * 2]] == word)
            return true;
    return false;
}

static wasm_status_t call(const char *name, const wasm_value_t *args, uint32_t nargs,
                          wasm_value_t *res)
{
    res->u64 = 0;
    return wasm_call_export(g_inst, name, args, nargs, res, 1);
}

static uint32_t call_u32(const char *name, uint32_t a)
{
    wasm_value_t arg = {.u64 = a}, res;
    assert_int_equal(call(name, &arg, 1, &res), WASM_STATUS_OK);
    return res.u32;
}

/* The C version of fib_moves in idioms.wat. */
static uint32_t fib_moves(uint32_t n)
{
    uint32_t a = 0, b = 1, t = 0;
    while (n != 0) {
        n--;
        t = a + b;
        a = b;
        b = t;
        if (n & 1) {
            t = b;
            continue;
        }
        t = (uint32_t)__builtin_popcount(t);
    }
    return a ^ t;
}

static void test_counted_loop_back_edges_match_unfused(void **state)
{
    (void)state;
    assert_true(has_op(0, WASM_OP_LOCAL_ADD_IMM_TEE_NE_BR_IF));
    assert_true(has_op(2, WASM_OP_LOCAL_ADD_IMM_TEE_NE_IMM_BR_IF));
    assert_true(has_op(3, WASM_OP_TEE_NE_IMM_BR_IF));
    for (uint32_t n = 1; n < 300; n += 7) {
        /* s = 0 + 0 + 1 + ... + (n - 1), then + n */
        assert_int_equal(call_u32("count_ne", n), n * (n - 1) / 2 + n);
    }
    for (uint32_t j = 1; j < 12; j++) /* from 30 - 3j: j iterations */
        assert_int_equal(call_u32("count_ne_imm", 30 - 3 * j), j * 1000 + 30);
    size_t size = 0;
    uint8_t *mem = wasm_memory_data(g_inst, &size);
    for (uint32_t i = 0; i < 4096; i++)
        mem[i] = i % 37 == 36 ? 5 : (uint8_t)(i % 5 == 0 ? 6 : i % 5);
    for (uint32_t p = 0; p < 400; p += 11) {
        uint32_t q = p + 1;
        while (mem[q] != 5)
            q++;
        assert_int_equal(call_u32("tee_ne_imm", p), q * 5);
    }
}

static void test_compared_local_is_read_before_the_tee(void **state)
{
    (void)state;
    assert_true(has_op(1, WASM_OP_LOCAL_ADD_IMM_TEE_NE_BR_IF));
    for (size_t i = 0; i < sizeof k_inputs / sizeof k_inputs[0]; i++) {
        wasm_value_t args[2] = {{.u64 = k_inputs[i]}, {.u64 = 0}}, res;
        /* old x == x + 0: no branch */
        assert_int_equal(call("ne_self", args, 2, &res), WASM_STATUS_OK);
        assert_int_equal(res.u32, 7);
    }
}

static void test_moves_before_a_branch_match_unfused(void **state)
{
    (void)state;
    assert_true(has_op(4, WASM_OP_LOCAL_COPY_BR));
    assert_true(has_op(4, WASM_OP_LOCAL_SET_BR));
    for (uint32_t n = 0; n < 100; n++)
        assert_int_equal(call_u32("fib_moves", n), fib_moves(n));
    assert_true(has_op(23, WASM_OP_LOCAL_COPY3_BR));
    for (uint32_t n = 0; n < 60; n++) {
        uint32_t a = 1, b = 2, c = 3;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t t = a + c;
            a = b;
            b = c;
            c = t;
        }
        assert_int_equal(call_u32("rotate3", n), a ^ (b << 8) ^ (c << 16));
    }
}

static void test_select_by_a_locals_bit_matches_unfused(void **state)
{
    (void)state;
    assert_true(has_op(5, WASM_OP_LOCAL2_AND_IMM_SELECT));
    for (size_t i = 0; i < sizeof k_inputs / sizeof k_inputs[0]; i++) {
        for (size_t j = 0; j < sizeof k_inputs / sizeof k_inputs[0]; j++) {
            uint32_t x = k_inputs[i], y = k_inputs[j], c = k_inputs[(i + j) % 15];
            wasm_value_t args[3] = {{.u64 = x}, {.u64 = y}, {.u64 = c}}, res;
            assert_int_equal(call("select_bit", args, 3, &res), WASM_STATUS_OK);
            assert_int_equal(res.u32, (c & 4) ? x * 3 : y);
        }
    }
}

static void test_three_local_product_is_left_to_right(void **state)
{
    (void)state;
    assert_true(has_op(6, WASM_OP_LOCAL3_F64_MUL));
    static const double k[][3] = {
        {1e308, 10.0, 0.1}, /* (a * b) overflows: inf, not 1e308 */
        {3.0, 1.0 / 3.0, 3.0},
        {-0.0, 5.0, 1.0},
        {1e-308, 1e-10, 1e10},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        volatile double a = k[i][0], b = k[i][1], c = k[i][2];
        double want = a * b;
        want = want * c;
        wasm_value_t args[3] = {{.f64 = a}, {.f64 = b}, {.f64 = c}}, res;
        assert_int_equal(call("mul3", args, 3, &res), WASM_STATUS_OK);
        assert_memory_equal(&res.f64, &want, sizeof want);
    }
}

/* The trap of the last call was an out-of-bounds access in `func` reported
 * at a byte whose opcode is `opcode` (f64.load 0x2B, f64.store 0x39). */
static void assert_oob_at(const char *func, uint8_t opcode)
{
    const wasm_trap_info_t *t = wasm_instance_trap(g_inst);
    assert_int_equal(t->kind, WASM_TRAP_MEMORY_OOB);
    assert_non_null(t->func_name);
    assert_string_equal(t->func_name, func);
    assert_true(t->code_offset < g_len);
    assert_int_equal(g_bytes[t->code_offset], opcode);
}

static void test_f64_results_stored_at_once_match_unfused(void **state)
{
    (void)state;
    assert_true(has_op(7, WASM_OP_F64_ADD_STORE));
    assert_true(has_op(8, WASM_OP_F64_SUB_STORE));
    wasm_value_t args[3] = {{.u64 = 1000}, {.f64 = 1.25}, {.f64 = -3.5}}, res;
    assert_int_equal(call("add_store", args, 3, &res), WASM_STATUS_OK);
    assert_true(res.f64 == -1.25 + 3.5);
    assert_int_equal(call("sub_store", args, 3, &res), WASM_STATUS_OK);
    assert_true(res.f64 == -1.25 - 3.5);
    size_t size = 0;
    uint8_t *mem = wasm_memory_data(g_inst, &size);
    double d;
    memcpy(&d, mem + 1008, 8);
    assert_true(d == -4.75);
    /* the last 8 bytes of the page are fine, one byte further traps at
     * the store (not at the add), and nothing is written */
    args[0].u64 = 65536 - 16;
    assert_int_equal(call("add_store", args, 3, &res), WASM_STATUS_OK);
    args[0].u64 = 65536 - 15;
    memset(mem + 65536 - 8, 0x5A, 8);
    assert_int_equal(call("add_store", args, 3, &res), WASM_STATUS_TRAP);
    assert_oob_at("add_store", 0x39);
    assert_int_equal(call("sub_store", args, 3, &res), WASM_STATUS_TRAP);
    assert_oob_at("sub_store", 0x39);
    assert_int_equal(mem[65535], 0x5A);
}

static void test_local_under_a_load_matches_unfused(void **state)
{
    (void)state;
    assert_true(has_op(9, WASM_OP_LOCAL_GET_LOCAL_F64_LOAD));
    size_t size = 0;
    uint8_t *mem = wasm_memory_data(g_inst, &size);
    double v = 0.75;
    memcpy(mem + 2016, &v, 8);
    wasm_value_t args[2] = {{.f64 = 10.0}, {.u64 = 2000}}, res;
    assert_int_equal(call("get_load", args, 2, &res), WASM_STATUS_OK);
    assert_true(res.f64 == 10.0 - 0.75);
    args[1].u64 = 65536 - 24;
    assert_int_equal(call("get_load", args, 2, &res), WASM_STATUS_OK);
    args[1].u64 = 65536 - 23;
    assert_int_equal(call("get_load", args, 2, &res), WASM_STATUS_TRAP);
    assert_oob_at("get_load", 0x2B);
    args[1].u64 = 0xFFFFFFFF; /* the address wraps nowhere: 33-bit sum traps */
    assert_int_equal(call("get_load", args, 2, &res), WASM_STATUS_TRAP);
}

static void test_older_load_fusions_trap_at_the_load(void **state)
{
    (void)state;
    assert_true(has_op(13, WASM_OP_LOCAL_ADD_IMM_I32_LOAD));
    size_t size = 0;
    uint8_t *mem = wasm_memory_data(g_inst, &size);
    memset(mem + 65536 - 4, 0x5A, 4);
    assert_int_equal(call_u32("add_imm_load", 65536 - 8), 0x5A5A5A5Au);
    wasm_value_t arg = {.u64 = 65536 - 7}, res;
    assert_int_equal(call("add_imm_load", &arg, 1, &res), WASM_STATUS_TRAP);
    assert_oob_at("add_imm_load", 0x28); /* i32.load, not local.get */
}

static void test_shift_pairs_sign_extend_only_at_16_and_24(void **state)
{
    (void)state;
    assert_true(has_op(10, WASM_OP_I32_EXTEND16_S));
    assert_true(has_op(11, WASM_OP_I32_EXTEND8_S));
    assert_false(has_op(12, WASM_OP_I32_EXTEND16_S) || has_op(12, WASM_OP_I32_EXTEND8_S));
    for (size_t i = 0; i < sizeof k_inputs / sizeof k_inputs[0]; i++) {
        uint32_t x = k_inputs[i];
        uint32_t y = x ^ 1;
        assert_int_equal(call_u32("sext16", x), (uint32_t)(int32_t)(int16_t)(uint16_t)y);
        assert_int_equal(call_u32("sext8", x), (uint32_t)(int32_t)(int8_t)(uint8_t)y);
        assert_int_equal(call_u32("shift17", x), (uint32_t)((int32_t)(y << 17) >> 17));
    }
}

static void test_constant_stores_match_unfused(void **state)
{
    (void)state;
    assert_true(has_op(14, WASM_OP_LOCAL_I32_STORE_IMM));
    assert_true(has_op(15, WASM_OP_LOCAL_ADD_IMM_I32_STORE8_IMM));
    assert_true(has_op(16, WASM_OP_I32_STORE16_IMM));
    assert_true(has_op(17, WASM_OP_LOCAL_I64_STORE_IMM));
    size_t size = 0;
    uint8_t *mem = wasm_memory_data(g_inst, &size);
    memset(mem + 3000, 0, 64);
    memset(mem, 0, 16);
    static const uint8_t word[] = {0xEF, 0xBE, 0xAD, 0xDE};
    assert_int_equal(call_u32("store_local", 3000), 0xDEADBEEFu);
    assert_memory_equal(mem + 3004, word, 4);
    assert_int_equal(mem[3003] | mem[3008], 0);                      /* four bytes, no more */
    assert_int_equal(call_u32("store8_local_k", 3000), 0xDEADBEABu); /* byte 0x1AB & 0xFF */
    wasm_value_t args[2] = {{.u64 = 0xFFFFFFFEu}, {.u64 = 0}}, res;
    /* p + 3 wraps to 1 before the offset: the byte lands at 2; then the
     * load at p + 4 (33 bits) traps, at the load */
    assert_int_equal(call("store8_local_k", args, 1, &res), WASM_STATUS_TRAP);
    assert_int_equal(mem[2], 0xAB);
    assert_oob_at("store8_local_k", 0x28);
    args[0].u64 = 65536 - 4; /* 65532 + 3 + 1 = 65536: the store traps, nothing written */
    assert_int_equal(call("store8_local_k", args, 1, &res), WASM_STATUS_TRAP);
    assert_oob_at("store8_local_k", 0x3A);
    args[0].u64 = 3000 ^ 0x55;
    args[1].u64 = 0x55;
    assert_int_equal(call("store16_stack", args, 2, &res), WASM_STATUS_OK);
    assert_int_equal(res.u32, 0x5678u); /* two bytes at 3000, zeros after */
    args[0].u64 = 65535;
    args[1].u64 = 0;
    assert_int_equal(call("store16_stack", args, 2, &res), WASM_STATUS_TRAP);
    assert_oob_at("store16_stack", 0x3B);
    args[0].u64 = 3016;
    assert_int_equal(call("store64_local", args, 1, &res), WASM_STATUS_OK);
    assert_true(res.u64 == 0x0123456789ABCDEFull);
    assert_int_equal(mem[3024], 0xEF);
    assert_int_equal(mem[3031], 0x01);
    memset(mem + 65520, 0, 16);
    args[0].u64 = 65536 - 15; /* + 8: the last byte would be at 65536 */
    assert_int_equal(call("store64_local", args, 1, &res), WASM_STATUS_TRAP);
    assert_oob_at("store64_local", 0x37);
    for (int i = 65520; i < 65536; i++) /* a trapping store writes nothing */
        assert_int_equal(mem[i], 0);
}

static void test_switch_on_a_local_matches_unfused(void **state)
{
    (void)state;
    assert_true(has_op(18, WASM_OP_LOCAL_BR_TABLE));
    assert_true(has_op(19, WASM_OP_LOCAL_BR_TABLE));
    static const uint32_t want[] = {10, 11, 12, 99, 99};
    for (uint32_t x = 0; x < 5; x++)
        assert_int_equal(call_u32("switch_local", x), want[x]);
    assert_int_equal(call_u32("switch_local", 0xFFFFFFFFu), 99); /* unsigned: default */
    assert_int_equal(call_u32("switch_value", 0), 107);
    assert_int_equal(call_u32("switch_value", 1), 7);
    assert_int_equal(call_u32("switch_value", 0x80000000u), 7);
}

static void test_constants_match_unfused(void **state)
{
    (void)state;
    assert_true(has_op(20, WASM_OP_LOCAL_SET_IMM));
    assert_true(has_op(20, WASM_OP_LOCAL_SET_IMM64));
    for (size_t i = 0; i < sizeof k_inputs / sizeof k_inputs[0]; i++) {
        wasm_value_t arg = {.u64 = k_inputs[i]}, res;
        assert_int_equal(call("set_consts", &arg, 1, &res), WASM_STATUS_OK);
        int64_t want = 0x7FEDCBA987654321ll + (int64_t)(int32_t)(uint32_t)(k_inputs[i] - 5u) + 2;
        assert_true(res.i64 == want);
    }
    assert_true(has_op(21, WASM_OP_I32_CONST2));
    for (size_t i = 0; i < sizeof k_inputs / sizeof k_inputs[0]; i++)
        assert_int_equal(call_u32("const_arms", k_inputs[i]), k_inputs[i] ? 7u : (uint32_t)-9);
}

static void test_f64_constant_operands_match_unfused(void **state)
{
    (void)state;
    assert_true(has_op(24, WASM_OP_F64_ADD_IMM));
    assert_true(has_op(24, WASM_OP_F64_SUB_IMM));
    assert_true(has_op(24, WASM_OP_F64_MUL_IMM));
    assert_true(has_op(24, WASM_OP_F64_DIV_IMM));
    static const double xs[] = {0.0, -0.0, 1.0, -7.25, 1e300, -1e-300, 3.0e10};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        wasm_value_t arg = {.f64 = xs[i]}, res;
        assert_int_equal(call("f64_imm", &arg, 1, &res), WASM_STATUS_OK);
        volatile double want = ((xs[i] + 1.5) - 0.25) * -2.0 / 3.0;
        assert_memory_equal(&res.f64, (const void *)&want, 8);
    }
    wasm_value_t inf = {.f64 = __builtin_inf()}, res;
    assert_int_equal(call("f64_imm", &inf, 1, &res), WASM_STATUS_OK);
    assert_true(res.f64 < 0 && __builtin_isinf(res.f64));
}

static void test_loads_at_base_plus_index_match_unfused(void **state)
{
    (void)state;
    assert_true(has_op(25, WASM_OP_LOCAL2_ADD_I32_LOAD));
    assert_true(has_op(25, WASM_OP_LOCAL2_ADD_I32_LOAD8_S));
    assert_true(has_op(26, WASM_OP_LOCAL2_ADD_F64_LOAD));
    size_t size = 0;
    uint8_t *mem = wasm_memory_data(g_inst, &size);
    for (int i = 0; i < 64; i++)
        mem[4000 + i] = (uint8_t)(0x81 + i * 7);
    uint32_t w;
    memcpy(&w, mem + 4014, 4);
    wasm_value_t args[2] = {{.u64 = 4000}, {.u64 = 10}}, res;
    assert_int_equal(call("load_bi", args, 2, &res), WASM_STATUS_OK);
    assert_int_equal(res.u32, w ^ (uint32_t)(int32_t)(int8_t)mem[4011]);
    args[0].u64 = 4010 + 0x80000000u; /* the sum wraps at 32 bits: 4010 */
    args[1].u64 = 0x80000000u;
    assert_int_equal(call("load_bi", args, 2, &res), WASM_STATUS_OK);
    assert_int_equal(res.u32, w ^ (uint32_t)(int32_t)(int8_t)mem[4011]);
    double d = -3.75;
    memcpy(mem + 4024, &d, 8);
    args[0].u64 = 4000;
    args[1].u64 = 16;
    assert_int_equal(call("load_bi_f64", args, 2, &res), WASM_STATUS_OK);
    assert_true(res.f64 == -3.75);
    args[0].u64 = 65536 - 16;
    args[1].u64 = 1; /* + 8: the last byte at 65536 */
    assert_int_equal(call("load_bi_f64", args, 2, &res), WASM_STATUS_TRAP);
    assert_oob_at("load_bi_f64", 0x2B);
    args[1].u64 = 0;
    assert_int_equal(call("load_bi_f64", args, 2, &res), WASM_STATUS_OK);
}

static void test_one_sum_into_two_locals_matches_unfused(void **state)
{
    (void)state;
    assert_true(has_op(22, WASM_OP_LOCAL_ADD_IMM_TEE_SET));
    for (size_t i = 0; i < sizeof k_inputs / sizeof k_inputs[0]; i++) {
        uint32_t x = k_inputs[i], b = x + 5, nx = x - 3, a = nx;
        assert_int_equal(call_u32("two_dests", x), (a * 1000u + b) ^ nx);
    }
}

/* Run export `name`(arg) with a budget of `fuel` per slice; the slices
 * taken go to *slices. */
static uint32_t run_sliced(const char *name, uint32_t arg, int64_t fuel, int *slices)
{
    wasm_instance_set_fuel(g_inst, fuel);
    wasm_value_t a = {.u64 = arg}, res = {.u64 = 0};
    wasm_status_t st = wasm_call_export(g_inst, name, &a, 1, &res, 1);
    *slices = 1;
    while (st == WASM_STATUS_OUT_OF_FUEL) {
        wasm_instance_set_fuel(g_inst, fuel);
        st = wasm_resume(g_inst, NULL, 0, &res, 1);
        (*slices)++;
        assert_true(*slices < 1000000);
    }
    wasm_instance_set_fuel(g_inst, WASM_FUEL_UNLIMITED);
    assert_int_equal(st, WASM_STATUS_OK);
    return res.u32;
}

static void test_fuel_preempts_fused_back_edges(void **state)
{
    (void)state;
    int slices;
    assert_int_equal(run_sliced("count_ne", 5000, 40, &slices), 5000u * 4999u / 2 + 5000u);
    assert_true(slices > 100); /* each iteration is charged at the back-edge */
    assert_int_equal(run_sliced("fib_moves", 3000, 40, &slices), fib_moves(3000));
    assert_true(slices > 100);
}

static int setup(void **state)
{
    (void)state;
    FILE *f = fopen(g_path, "rb");
    if (!f)
        return -1;
    g_len = fread(g_bytes, 1, sizeof g_bytes, f);
    fclose(f);
    wasm_error_t err;
    g_module = wasm_module_compile(g_bytes, g_len, &err);
    if (!g_module) {
        fprintf(stderr, "%s: %s\n", g_path, err.message);
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
    g_path = argc > 1 ? argv[1] : "idioms.wasm";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counted_loop_back_edges_match_unfused),
        cmocka_unit_test(test_compared_local_is_read_before_the_tee),
        cmocka_unit_test(test_moves_before_a_branch_match_unfused),
        cmocka_unit_test(test_select_by_a_locals_bit_matches_unfused),
        cmocka_unit_test(test_three_local_product_is_left_to_right),
        cmocka_unit_test(test_f64_results_stored_at_once_match_unfused),
        cmocka_unit_test(test_local_under_a_load_matches_unfused),
        cmocka_unit_test(test_older_load_fusions_trap_at_the_load),
        cmocka_unit_test(test_shift_pairs_sign_extend_only_at_16_and_24),
        cmocka_unit_test(test_constant_stores_match_unfused),
        cmocka_unit_test(test_switch_on_a_local_matches_unfused),
        cmocka_unit_test(test_constants_match_unfused),
        cmocka_unit_test(test_one_sum_into_two_locals_matches_unfused),
        cmocka_unit_test(test_f64_constant_operands_match_unfused),
        cmocka_unit_test(test_loads_at_base_plus_index_match_unfused),
        cmocka_unit_test(test_fuel_preempts_fused_back_edges),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
