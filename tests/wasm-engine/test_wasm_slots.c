/*
 * test_wasm_slots.c -- proves the slot-addressed ops of the engine's
 * compiler (compile.c: pending local.get aliases, three-address ops, results
 * written straight to a local; interp_slots.h) compute what the stack
 * instructions would (spec 4.3 numerics, 4.4.7 memory access): aliases read
 * before a local.set/tee overwrites their local, more pending aliases than
 * the compiler keeps, an alias below a constant, a trap in a slot load
 * reporting the load's own byte offset, fuel preemption at a slot
 * compare-and-branch back-edge, and a host suspension between slot ops.
 * argv[1] is slots.wasm, built from slots.wat by wat2wasm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wasm/engine/wasm_engine.h"

static const char *g_path;
static uint8_t g_bytes[1 << 16];
static size_t g_len;
static wasm_module_t *g_module;
static wasm_func_t *g_host;
static wasm_instance_t *g_inst;
static wasm_status_t g_host_reply = WASM_STATUS_OK;

static const uint32_t k_inputs[] = {0, 1, 5, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678, 65532};

static wasm_status_t host_h(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                            wasm_value_t *results)
{
    (void)inst;
    (void)user;
    if (g_host_reply == WASM_STATUS_OK)
        results[0].u64 = args[0].u32 + 100u;
    return g_host_reply;
}

static uint32_t call2(const char *name, uint32_t a, uint32_t b)
{
    wasm_value_t args[2] = {{.u64 = a}, {.u64 = b}}, res = {.u64 = 0};
    assert_int_equal(wasm_call_export(g_inst, name, args, 2, &res, 1), WASM_STATUS_OK);
    return res.u32;
}

static void test_aliases_are_read_before_their_local_is_overwritten(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof k_inputs / sizeof k_inputs[0]; i++) {
        for (size_t j = 0; j < sizeof k_inputs / sizeof k_inputs[0]; j++) {
            uint32_t a = k_inputs[i], b = k_inputs[j];
            assert_int_equal(call2("get_then_set", a, b), a - b);
            assert_int_equal(call2("tee_retarget", a, b), (a + b) * (a + b));
            assert_int_equal(call2("set_own_operand", a, b), (a - b) ^ a);
            assert_int_equal(call2("alias_under_const", a, b), a * (7 + b));
            uint32_t v[10], s;
            for (int k = 0; k < 10; k++)
                v[k] = k % 2 ? b : a;
            s = v[9];
            for (int k = 8; k >= 0; k--)
                s = v[k] - s;
            assert_int_equal(call2("many_pending", a, b), s);
            assert_int_equal(call2("cmp_if", a, b), (int32_t)a < (int32_t)b ? 1u : 2u);
            assert_int_equal(call2("local_unless", a, b), !a ? 1u : b ? 3u : 2u);
            uint32_t f =
                b ^ ((a << 7) | (a >> 25)) ^ ((a >> 13) | (a << 19)) ^ (a << 3) ^ (a >> 10);
            f = ((f >> 5) & 0x3ffu) + ((a + 1) ^ (b * 2));
            assert_int_equal(call2("fuse_chain", a, b), f);
            uint32_t sel = (((a + b) & 1) ? a : b) ^ ((int32_t)(b << 3) < 0 ? b : a);
            assert_int_equal(call2("select_imm", a, b), sel);
        }
    }
}

static void test_slot_loads_and_float_ops_match_stack_ops(void **state)
{
    (void)state;
    size_t size = 0;
    uint8_t *mem = wasm_memory_data(g_inst, &size);
    assert_non_null(mem);
    assert_true(size >= 108);
    const uint32_t word = 0x01020304u;
    memcpy(mem + 104, &word, 4);
    assert_int_equal(call2("load_tee", 100, 0), 2 * word);
    static const double d[] = {1.5, -2.25, 1e300, -1e-300, 3.0};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        for (size_t j = 0; j < sizeof d / sizeof d[0]; j++) {
            wasm_value_t args[2] = {{.f64 = d[i]}, {.f64 = d[j]}}, res;
            double want = d[i] * d[j] / d[i] - d[j];
            assert_int_equal(wasm_call_export(g_inst, "f64_ops", args, 2, &res, 1), WASM_STATUS_OK);
            assert_memory_equal(&res.f64, &want, sizeof want);
        }
    }
}

static uint64_t rotl64(uint64_t a, uint64_t b)
{
    return (a << (b & 63)) | (a >> ((64 - b) & 63));
}

static uint64_t call64(const char *name, uint64_t a, uint64_t b)
{
    wasm_value_t args[2] = {{.u64 = a}, {.u64 = b}}, res = {.u64 = 0};
    assert_int_equal(wasm_call_export(g_inst, name, args, 2, &res, 1), WASM_STATUS_OK);
    return res.u64;
}

static void test_i64_and_rotate_slot_ops_match_stack_ops(void **state)
{
    (void)state;
    static const uint64_t v[] = {0,
                                 1,
                                 63,
                                 64,
                                 0x7FFFFFFFFFFFFFFFull,
                                 0x8000000000000000ull,
                                 0xFFFFFFFFFFFFFFFFull,
                                 0x0123456789ABCDEFull};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
            uint64_t a = v[i], b = v[j], s = b & 63, t = a + b;
            int64_t sa = (int64_t)a, sb = (int64_t)b;
            uint64_t r = (rotl64(t, b) ^ a) - a * b;
            r ^= (a >> s) | (uint64_t)(sa >> s);
            r += t << s;
            r += rotl64(a, 64 - s);
            r -= a & b;
            r += b | a;
            assert_true(call64("i64_mix", a, b) == r);
            assert_true(call64("i64_alias", a, b) == b);
            uint32_t m = (a == b) | (a != b) << 1 | (sa < sb) << 2 | (a < b) << 3 | (sa > sb) << 4 |
                         (a > b) << 5 | (sa <= sb) << 6 | (a <= b) << 7 | (sa >= sb) << 8 |
                         (uint32_t)(a >= b) << 9;
            if (!(a < b))
                m |= 1024;
            if (sb > sa)
                m |= 2048;
            assert_int_equal((uint32_t)call64("i64_cmps", a, b), m);
            uint32_t x = (uint32_t)a, y = (uint32_t)b, k = y & 31;
            uint32_t rl = k ? (x << k) | (x >> (32 - k)) : x;
            uint32_t k2 = rl & 31;
            uint32_t rr = k2 ? (y >> k2) | (y << (32 - k2)) : y;
            assert_int_equal(call2("i32_rot", x, y), rl ^ rr);
        }
    }
}

static void test_trap_in_slot_load_reports_the_load_offset(void **state)
{
    (void)state;
    uint32_t ok_addr = 65536 - 16 - 4, bad_addr = ok_addr + 1;
    wasm_value_t arg = {.u64 = ok_addr}, res;
    assert_int_equal(wasm_call_export(g_inst, "trap_load", &arg, 1, &res, 1), WASM_STATUS_OK);
    arg.u64 = bad_addr;
    assert_int_equal(wasm_call_export(g_inst, "trap_load", &arg, 1, &res, 1), WASM_STATUS_TRAP);
    const wasm_trap_info_t *t = wasm_instance_trap(g_inst);
    assert_int_equal(t->kind, WASM_TRAP_MEMORY_OOB);
    assert_non_null(t->func_name);
    assert_string_equal(t->func_name, "trap_load");
    /* the offset names the i32.load (0x28) right after `local.get 0` */
    assert_true(t->code_offset >= 2 && t->code_offset < g_len);
    assert_int_equal(g_bytes[t->code_offset], 0x28);
    assert_int_equal(g_bytes[t->code_offset - 2], 0x20);
    assert_int_equal(g_bytes[t->code_offset - 1], 0x00);
}

static void test_slot_stores_write_every_width_and_trap_at_the_store(void **state)
{
    (void)state;
    size_t size = 0;
    uint8_t *mem = wasm_memory_data(g_inst, &size);
    assert_non_null(mem);
    const uint32_t base = 512;
    memset(mem + base, 0xAA, 40);
    wasm_value_t args[3] = {{.u64 = base}, {.u64 = 0x0123456789ABCDEFull}, {.f64 = -2.5}};
    assert_int_equal(wasm_call_export(g_inst, "stores", args, 3, NULL, 0), WASM_STATUS_OK);
    uint32_t w;
    uint64_t q;
    double d;
    memcpy(&w, mem + base + 4, 4);
    assert_int_equal(w, base);
    assert_int_equal(mem[base + 8], (uint8_t)base); /* store8 at (base + 4) + 4 */
    assert_int_equal(mem[base + 9], 0xAA);
    uint16_t h;
    memcpy(&h, mem + base + 10, 2);
    assert_int_equal(h, (uint16_t)base);
    assert_int_equal(mem[base + 12], 0xAA);
    memcpy(&q, mem + base + 16, 8);
    assert_true(q == 0x0123456789ABCDEFull);
    memcpy(&d, mem + base + 24, 8);
    assert_true(d == -2.5);

    wasm_value_t targs[2] = {{.u64 = 65536 - 16 - 4}, {.u64 = 7}};
    assert_int_equal(wasm_call_export(g_inst, "trap_store", targs, 2, NULL, 0), WASM_STATUS_OK);
    targs[0].u64 += 1;
    assert_int_equal(wasm_call_export(g_inst, "trap_store", targs, 2, NULL, 0), WASM_STATUS_TRAP);
    const wasm_trap_info_t *t = wasm_instance_trap(g_inst);
    assert_int_equal(t->kind, WASM_TRAP_MEMORY_OOB);
    assert_string_equal(t->func_name, "trap_store");
    /* the offset names the i32.store (0x36) after `local.get 0; local.get 1` */
    assert_true(t->code_offset >= 4 && t->code_offset < g_len);
    assert_int_equal(g_bytes[t->code_offset], 0x36);
    assert_int_equal(g_bytes[t->code_offset - 2], 0x20);
    assert_int_equal(g_bytes[t->code_offset - 1], 0x01);
}

static void test_fuel_preempts_slot_back_edge(void **state)
{
    (void)state;
    wasm_instance_set_fuel(g_inst, 50);
    wasm_value_t arg = {.u64 = 10000}, res = {.u64 = 0};
    wasm_status_t st = wasm_call_export(g_inst, "count", &arg, 1, &res, 1);
    int resumes = 0;
    while (st == WASM_STATUS_OUT_OF_FUEL) {
        wasm_instance_set_fuel(g_inst, 50);
        st = wasm_resume(g_inst, NULL, 0, &res, 1);
        resumes++;
        assert_true(resumes < 1000000);
    }
    wasm_instance_set_fuel(g_inst, WASM_FUEL_UNLIMITED);
    assert_int_equal(st, WASM_STATUS_OK);
    assert_int_equal(res.u32, 10000);
    assert_true(resumes > 100); /* each iteration is charged at the back-edge */
}

static void test_suspension_between_slot_ops_resumes_correctly(void **state)
{
    (void)state;
    assert_int_equal(call2("around_host", 7, 5), (5 + 100) * (7 + 5) - 7);
    g_host_reply = WASM_STATUS_SUSPENDED;
    wasm_value_t args[2] = {{.u64 = 7}, {.u64 = 5}}, res = {.u64 = 0};
    assert_int_equal(wasm_call_export(g_inst, "around_host", args, 2, &res, 1),
                     WASM_STATUS_SUSPENDED);
    g_host_reply = WASM_STATUS_OK;
    wasm_value_t host_res = {.u64 = 1000};
    assert_int_equal(wasm_resume(g_inst, &host_res, 1, &res, 1), WASM_STATUS_OK);
    assert_int_equal(res.u32, 1000u * 12u - 7u);
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
        fprintf(stderr, "compile %s: %s\n", g_path, err.message);
        return -1;
    }
    static const uint8_t i32[] = {WASM_I32};
    wasm_functype_t t = {1, 1, i32, i32};
    g_host = wasm_func_new_host(&t, host_h, NULL);
    if (!g_host)
        return -1;
    wasm_extern_t imp = {.kind = WASM_EXTERN_FUNC, .u.func = g_host};
    g_inst = wasm_instance_new(g_module, &imp, 1, NULL, &err);
    if (!g_inst || wasm_instance_initialize(g_inst) != WASM_STATUS_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wasm_instance_free(g_inst);
    wasm_func_free(g_host);
    wasm_module_free(g_module);
    return 0;
}

int main(int argc, char **argv)
{
    g_path = argc > 1 ? argv[1] : "slots.wasm";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aliases_are_read_before_their_local_is_overwritten),
        cmocka_unit_test(test_slot_loads_and_float_ops_match_stack_ops),
        cmocka_unit_test(test_i64_and_rotate_slot_ops_match_stack_ops),
        cmocka_unit_test(test_trap_in_slot_load_reports_the_load_offset),
        cmocka_unit_test(test_slot_stores_write_every_width_and_trap_at_the_store),
        cmocka_unit_test(test_fuel_preempts_slot_back_edge),
        cmocka_unit_test(test_suspension_between_slot_ops_resumes_correctly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
