/*
 * test_wasm_link.c -- proves cross-instance linking in instance.c and
 * interp.c: a memory, table, mutable global and function exported by one
 * instance and imported by another are the same objects (writes are seen on
 * both sides, calls cross instances), element segments of both land in the
 * shared table, and a trapping start function makes initialisation return
 * TRAP without freeing the instance. argv[1..3]: link_a, link_b, start_trap.
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

static char **g_paths;

static wasm_module_t *load(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    wasm_error_t err;
    wasm_module_t *m = wasm_module_compile(buf, n, &err);
    if (!m)
        fprintf(stderr, "%s: %s\n", path, err.message);
    assert_non_null(m);
    return m;
}

static void test_shared_objects(void **state)
{
    (void)state;
    wasm_module_t *ma = load(g_paths[1]), *mb = load(g_paths[2]);
    wasm_error_t err;
    wasm_instance_t *a = wasm_instance_new(ma, NULL, 0, NULL, &err);
    assert_non_null(a);
    assert_int_equal(wasm_instance_initialize(a), WASM_STATUS_OK);
    static const char *names[] = {"mem", "tab", "counter", "seven"};
    wasm_extern_t imports[4];
    for (int i = 0; i < 4; i++)
        assert_true(wasm_instance_export(a, names[i], &imports[i]));
    wasm_instance_t *b = wasm_instance_new(mb, imports, 4, NULL, &err);
    if (!b)
        fprintf(stderr, "link: %s\n", err.message);
    assert_non_null(b);
    assert_int_equal(wasm_instance_initialize(b), WASM_STATUS_OK);

    /* memory written through b is read through a */
    wasm_value_t args[2] = {{.i32 = 64}, {.i32 = 0x1234}}, res;
    assert_int_equal(wasm_call_export(b, "poke", args, 2, NULL, 0), WASM_STATUS_OK);
    assert_int_equal(wasm_call_export(a, "peek", args, 1, &res, 1), WASM_STATUS_OK);
    assert_int_equal(res.i32, 0x1234);

    /* the global is shared, the call crosses into a */
    assert_int_equal(wasm_call_export(b, "bump", NULL, 0, &res, 1), WASM_STATUS_OK);
    assert_int_equal(wasm_call_export(b, "bump", NULL, 0, &res, 1), WASM_STATUS_OK);
    assert_int_equal(res.i32, 14);
    wasm_value_t g;
    assert_true(wasm_global_get(a, "counter", &g));
    assert_int_equal(g.i32, 14);

    /* both element segments landed in the shared table */
    wasm_value_t slot = {.i32 = 0};
    assert_int_equal(wasm_call_export(b, "call_slot", &slot, 1, &res, 1), WASM_STATUS_OK);
    assert_int_equal(res.i32, 7);
    slot.i32 = 1;
    assert_int_equal(wasm_call_export(b, "call_slot", &slot, 1, &res, 1), WASM_STATUS_OK);
    assert_int_equal(res.i32, 8);
    slot.i32 = 2;
    assert_int_equal(wasm_call_export(b, "call_slot", &slot, 1, &res, 1), WASM_STATUS_TRAP);
    assert_int_equal(wasm_instance_trap(b)->kind, WASM_TRAP_UNDEFINED_ELEMENT);
    assert_int_equal(wasm_table_size(imports[1].u.table), 2);

    wasm_instance_free(b);
    wasm_instance_free(a);
    wasm_module_free(mb);
    wasm_module_free(ma);
}

static void test_import_kind_mismatch(void **state)
{
    (void)state;
    wasm_module_t *ma = load(g_paths[1]), *mb = load(g_paths[2]);
    wasm_error_t err;
    wasm_instance_t *a = wasm_instance_new(ma, NULL, 0, NULL, &err);
    assert_non_null(a);
    wasm_extern_t imports[4];
    /* every slot given the memory: the table import must be refused */
    for (int i = 0; i < 4; i++)
        assert_true(wasm_instance_export(a, "mem", &imports[i]));
    assert_null(wasm_instance_new(mb, imports, 4, NULL, &err));
    assert_int_equal(err.code, WASM_ERR_UNLINKABLE);
    assert_non_null(strstr(err.message, "tab"));
    wasm_instance_free(a);
    wasm_module_free(mb);
    wasm_module_free(ma);
}

static void test_start_trap_keeps_instance(void **state)
{
    (void)state;
    wasm_module_t *m = load(g_paths[3]);
    wasm_error_t err;
    wasm_instance_t *inst = wasm_instance_new(m, NULL, 0, NULL, &err);
    assert_non_null(inst);
    assert_int_equal(wasm_instance_initialize(inst), WASM_STATUS_TRAP);
    assert_int_equal(wasm_instance_trap(inst)->kind, WASM_TRAP_MEMORY_OOB);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s link_a.wasm link_b.wasm start_trap.wasm\n", argv[0]);
        return 2;
    }
    g_paths = argv;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_objects),
        cmocka_unit_test(test_import_kind_mismatch),
        cmocka_unit_test(test_start_trap_keeps_instance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
