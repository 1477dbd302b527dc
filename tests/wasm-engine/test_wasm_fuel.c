/*
 * test_wasm_fuel.c -- proves that bulk instructions are charged by length
 * and never run past a fuel budget (src/wasm/engine/interp.c, DESIGN.md
 * "Fuel"): one 4 MiB memory.fill costs at least 4 MiB / 64 units; under a
 * small budget memory.fill/copy/init and table.fill/copy/init stop with
 * OUT_OF_FUEL part-way and, resumed slice by slice, end with exactly the
 * bytes and elements of one uninterrupted run (overlapping copies in both
 * directions included); grows are charged per page / element; a bulk
 * instruction out of bounds traps and writes nothing; a call pays one unit
 * per 8 locals it zeroes.
 * argv[1] is bulk_fuel.wasm, built by wat2wasm.
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

enum { MIB = 1024 * 1024, TABLE = 4096 };

static wasm_module_t *g_mod;

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

static int setup(void **state)
{
    wasm_error_t err;
    wasm_instance_t *inst = wasm_instance_new(g_mod, NULL, 0, NULL, &err);
    if (!inst)
        return -1;
    if (wasm_instance_initialize(inst) != WASM_STATUS_OK)
        return -1;
    *state = inst;
    return 0;
}

static int teardown(void **state)
{
    wasm_instance_free(*state);
    return 0;
}

/* Call export `name` with a budget of `slice` units, resuming with a fresh
 * slice after each OUT_OF_FUEL; the final status, *slices (may be NULL)
 * the number of slices used. */
static wasm_status_t run_sliced(wasm_instance_t *inst, const char *name, const uint32_t *args,
                                uint32_t nargs, wasm_value_t *res, uint32_t nres, int64_t slice,
                                unsigned *slices)
{
    wasm_value_t a[3];
    for (uint32_t i = 0; i < nargs; i++)
        a[i].u64 = args[i];
    unsigned n = 1;
    wasm_instance_set_fuel(inst, slice);
    wasm_status_t st = wasm_call_export(inst, name, a, nargs, res, nres);
    while (st == WASM_STATUS_OUT_OF_FUEL) {
        n++;
        assert_true(n < 10000000u);
        wasm_instance_set_fuel(inst, slice);
        st = wasm_resume(inst, NULL, 0, res, nres);
    }
    if (slices)
        *slices = n;
    return st;
}

static uint8_t *mem_of(wasm_instance_t *inst, size_t *size)
{
    uint8_t *m = wasm_memory_data(inst, size);
    assert_non_null(m);
    return m;
}

static void memory_fill_of_4_mib_costs_at_least_4_mib_over_64(void **state)
{
    wasm_instance_t *inst = *state;
    const int64_t budget = 1000000000;
    wasm_instance_set_fuel(inst, budget);
    wasm_value_t a[3] = {{.u64 = 0}, {.u64 = 0xAB}, {.u64 = 4 * MIB}};
    assert_int_equal(wasm_call_export(inst, "fill", a, 3, NULL, 0), WASM_STATUS_OK);
    int64_t used = budget - wasm_instance_fuel(inst);
    if (used < 4 * MIB / 64)
        fail_msg("one 4 MiB memory.fill consumed %lld fuel, expected >= %d", (long long)used,
                 4 * MIB / 64);
    size_t size;
    uint8_t *m = mem_of(inst, &size);
    assert_int_equal(m[0], 0xAB);
    assert_int_equal(m[4 * MIB - 1], 0xAB);
    assert_int_equal(m[4 * MIB], 0);
}

static void memory_fill_stops_at_the_end_of_a_slice_and_resumes(void **state)
{
    wasm_instance_t *inst = *state;
    const uint32_t args[3] = {100, 0x5A, 4 * MIB};
    wasm_value_t a[3] = {{.u64 = args[0]}, {.u64 = args[1]}, {.u64 = args[2]}};
    wasm_instance_set_fuel(inst, 1000);
    assert_int_equal(wasm_call_export(inst, "fill", a, 3, NULL, 0), WASM_STATUS_OUT_OF_FUEL);
    size_t size;
    uint8_t *m = mem_of(inst, &size);
    /* one slice of 1000 units wrote at most 64,000 bytes */
    assert_int_equal(m[100], 0x5A);
    assert_int_equal(m[100 + 1000 * 64], 0);
    assert_int_equal(m[100 + 4 * MIB - 1], 0);
    unsigned slices = 1;
    wasm_status_t st;
    do {
        slices++;
        wasm_instance_set_fuel(inst, 1000);
        st = wasm_resume(inst, NULL, 0, NULL, 0);
    } while (st == WASM_STATUS_OUT_OF_FUEL);
    assert_int_equal(st, WASM_STATUS_OK);
    assert_true(slices >= 4 * MIB / 64 / 1000);
    m = mem_of(inst, &size);
    assert_int_equal(m[99], 0);
    for (size_t i = 100; i < 100 + 4 * (size_t)MIB; i++)
        if (m[i] != 0x5A)
            fail_msg("byte %zu is 0x%02x after the sliced fill", i, m[i]);
    assert_int_equal(m[100 + 4 * MIB], 0);
}

/* memory.copy of `n` bytes from `s` to `d` in slices of `slice` units gives
 * what memmove gives. */
static void check_copy(wasm_instance_t *inst, uint32_t d, uint32_t s, uint32_t n, int64_t slice)
{
    size_t size;
    uint8_t *m = mem_of(inst, &size);
    const size_t span = 3 * (size_t)MIB;
    for (size_t i = 0; i < span; i++)
        m[i] = (uint8_t)(i * 7 + i / 251);
    uint8_t *want = malloc(span);
    assert_non_null(want);
    memcpy(want, m, span);
    memmove(want + d, want + s, n);
    const uint32_t args[3] = {d, s, n};
    unsigned slices = 0;
    assert_int_equal(run_sliced(inst, "copy", args, 3, NULL, 0, slice, &slices), WASM_STATUS_OK);
    assert_true(slices > 1);
    m = mem_of(inst, &size);
    if (memcmp(m, want, span) != 0)
        fail_msg("sliced memory.copy d=%u s=%u n=%u differs from memmove", d, s, n);
    free(want);
}

static void overlapping_memory_copy_in_slices_equals_memmove(void **state)
{
    wasm_instance_t *inst = *state;
    check_copy(inst, 1000, 0, MIB, 100);     /* upwards, overlapping */
    check_copy(inst, 0, 1000, MIB, 100);     /* downwards, overlapping */
    check_copy(inst, 5, 3, MIB + 17, 1000);  /* upwards by 2 bytes */
    check_copy(inst, 2 * MIB, 0, MIB, 1000); /* disjoint */
    check_copy(inst, 77, 77, 100000, 10);    /* onto itself */
}

static void memory_init_in_slices_copies_the_segment(void **state)
{
    wasm_instance_t *inst = *state;
    const uint32_t args[3] = {1000, 3, 250};
    unsigned slices = 0;
    assert_int_equal(run_sliced(inst, "init", args, 3, NULL, 0, 1, &slices), WASM_STATUS_OK);
    assert_true(slices >= 4); /* 250 bytes at 64 per unit */
    size_t size;
    uint8_t *m = mem_of(inst, &size);
    static const char hex[] = "0123456789abcdef";
    for (uint32_t i = 0; i < 250; i++)
        assert_int_equal(m[1000 + i], (uint8_t)hex[(3 + i) % 16]);
    assert_int_equal(m[999], 0);
    assert_int_equal(m[1250], 0);
}

/* Element `i` of the exported table: 0 null, 1 function 0, 2 function 1. */
static int elem(wasm_instance_t *inst, uint32_t i)
{
    wasm_extern_t e;
    assert_true(wasm_instance_export(inst, "tab", &e));
    wasm_value_t v;
    assert_true(wasm_table_get(e.u.table, i, &v));
    if (v.ref == 0)
        return 0;
    if (v.ref == (uintptr_t)wasm_instance_func(inst, 0))
        return 1;
    if (v.ref == (uintptr_t)wasm_instance_func(inst, 1))
        return 2;
    return -1;
}

static void table_bulk_instructions_in_slices_equal_one_run(void **state)
{
    wasm_instance_t *inst = *state;
    int want[TABLE];
    /* table.init: the segment is f0 f1 f0 f1 ... (8 items) */
    const uint32_t init[3] = {10, 1, 7};
    assert_int_equal(run_sliced(inst, "tinit", init, 3, NULL, 0, 2, NULL), WASM_STATUS_OK);
    for (uint32_t i = 0; i < TABLE; i++)
        want[i] = i >= 10 && i < 17 ? ((i - 10 + 1) % 2 ? 2 : 1) : 0;
    for (uint32_t i = 0; i < TABLE; i++)
        assert_int_equal(elem(inst, i), want[i]);
    /* table.fill with f1 over [100, 3100) */
    const uint32_t fill[3] = {100, 1, 3000};
    unsigned slices = 0;
    assert_int_equal(run_sliced(inst, "tfill", fill, 3, NULL, 0, 50, &slices), WASM_STATUS_OK);
    assert_true(slices >= 3000 / 50);
    for (uint32_t i = 100; i < 3100; i++)
        want[i] = 2;
    /* table.copy upwards and downwards, overlapping */
    const uint32_t up[3] = {12, 8, 3050}, down[3] = {0, 9, 4000};
    assert_int_equal(run_sliced(inst, "tcopy", up, 3, NULL, 0, 40, NULL), WASM_STATUS_OK);
    memmove(want + 12, want + 8, 3050 * sizeof *want);
    for (uint32_t i = 0; i < TABLE; i++)
        if (elem(inst, i) != want[i])
            fail_msg("after table.copy up: element %u is %d, want %d", i, elem(inst, i), want[i]);
    assert_int_equal(run_sliced(inst, "tcopy", down, 3, NULL, 0, 40, NULL), WASM_STATUS_OK);
    memmove(want, want + 9, 4000 * sizeof *want);
    for (uint32_t i = 0; i < TABLE; i++)
        if (elem(inst, i) != want[i])
            fail_msg("after table.copy down: element %u is %d, want %d", i, elem(inst, i), want[i]);
}

static void grows_are_charged_per_page_and_per_element(void **state)
{
    wasm_instance_t *inst = *state;
    const int64_t budget = 1000000000;
    wasm_value_t n = {.u64 = 64}, r;
    wasm_instance_set_fuel(inst, budget);
    assert_int_equal(wasm_call_export(inst, "grow", &n, 1, &r, 1), WASM_STATUS_OK);
    assert_int_equal(r.i32, 128);
    assert_true(budget - wasm_instance_fuel(inst) >= 64 * (int64_t)WASM_FUEL_PER_PAGE);
    n.u64 = 1000;
    wasm_instance_set_fuel(inst, budget);
    assert_int_equal(wasm_call_export(inst, "tgrow", &n, 1, &r, 1), WASM_STATUS_OK);
    assert_int_equal(r.i32, TABLE);
    assert_true(budget - wasm_instance_fuel(inst) >= 1000);
    /* a grow met with a spent budget waits for the next slice */
    const uint32_t one[1] = {1};
    unsigned slices = 0;
    assert_int_equal(run_sliced(inst, "grow", one, 1, &r, 1, 1, &slices), WASM_STATUS_OK);
    assert_int_equal(r.i32, 192);
    assert_true(slices >= 2);
}

static void a_call_pays_for_zeroing_its_locals(void **state)
{
    (void)state;
    /* (func (export "f") (local i64 x 8000)) */
    static const uint8_t mod[] = {0, 'a', 's', 'm', 1, 0, 0,    0,    1,    4,   1,   0x60,
                                  0, 0,   3,   2,   1, 0, 7,    5,    1,    1,   'f', 0,
                                  0, 10,  7,   1,   5, 1, 0xC0, 0x3E, 0x7E, 0x0B};
    wasm_error_t err;
    wasm_module_t *m = wasm_module_compile(mod, sizeof mod, &err);
    if (!m)
        fail_msg("compile: %s", err.message);
    wasm_instance_t *inst = wasm_instance_new(m, NULL, 0, NULL, &err);
    assert_non_null(inst);
    const int64_t budget = 1000000;
    wasm_instance_set_fuel(inst, budget);
    assert_int_equal(wasm_call_export(inst, "f", NULL, 0, NULL, 0), WASM_STATUS_OK);
    assert_true(budget - wasm_instance_fuel(inst) >= 8000 / 8);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

static void bulk_out_of_bounds_traps_and_writes_nothing(void **state)
{
    wasm_instance_t *inst = *state;
    size_t size;
    uint8_t *m = mem_of(inst, &size);
    const uint32_t fill[3] = {(uint32_t)size - 100, 0x77, 200};
    assert_int_equal(run_sliced(inst, "fill", fill, 3, NULL, 0, 1, NULL), WASM_STATUS_TRAP);
    m = mem_of(inst, &size);
    assert_int_equal(m[size - 100], 0);
    assert_int_equal(m[size - 1], 0);
    const uint32_t tfill[3] = {TABLE - 10, 1, 11};
    assert_int_equal(run_sliced(inst, "tfill", tfill, 3, NULL, 0, 1, NULL), WASM_STATUS_TRAP);
    assert_int_equal(elem(inst, TABLE - 10), 0);
}

int main(int argc, char **argv)
{
    g_mod = load(argc > 1 ? argv[1] : "bulk_fuel.wasm");
    if (!g_mod)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(memory_fill_of_4_mib_costs_at_least_4_mib_over_64, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(memory_fill_stops_at_the_end_of_a_slice_and_resumes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(overlapping_memory_copy_in_slices_equals_memmove, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(memory_init_in_slices_copies_the_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(table_bulk_instructions_in_slices_equal_one_run, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(grows_are_charged_per_page_and_per_element, setup,
                                        teardown),
        cmocka_unit_test(a_call_pays_for_zeroing_its_locals),
        cmocka_unit_test_setup_teardown(bulk_out_of_bounds_traps_and_writes_nothing, setup,
                                        teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    wasm_module_free(g_mod);
    return rc;
}
