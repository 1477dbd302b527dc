/* Tests of wat_to_wasm (src/wasm/wat): every module of tests/wat/corpus
 * gives the same bytes as wabt's wat2wasm (run here on the same file), and
 * malformed texts fail with the expected "line:column: message" and no
 * output. argv[1] = wat2wasm path, argv[2] = corpus directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "microkernel/wat.h"
#include "wast.h"

static const char *g_wat2wasm, *g_corpus;

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *b = malloc(1 << 20);
    *n = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static void corpus_matches_wat2wasm(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/test_wat_XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    DIR *d = opendir(g_corpus);
    assert_non_null(d);
    struct dirent *de;
    int count = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".wat"))
            continue;
        char src[1024], ref[1024], cmd[3072];
        snprintf(src, sizeof src, "%s/%s", g_corpus, de->d_name);
        snprintf(ref, sizeof ref, "%s/ref.wasm", dir);
        snprintf(cmd, sizeof cmd, "'%s' '%s' -o '%s'", g_wat2wasm, src, ref);
        assert_int_equal(system(cmd), 0);
        size_t tn = 0, rn = 0, on = 0;
        unsigned char *text = slurp(src, &tn), *want = slurp(ref, &rn), *out;
        char err[256];
        bool ok = wat_to_wasm((const char *)text, tn, &out, &on, err, sizeof err);
        if (!ok)
            fprintf(stderr, "%s: %s\n", de->d_name, err);
        assert_true(ok);
        if (on != rn || memcmp(out, want, rn))
            fail_msg("%s: bytes differ from wat2wasm", de->d_name);
        assert_true(wat_is_text(text, tn));
        assert_false(wat_is_text(out, on));
        free(text);
        free(want);
        free(out);
        unlink(ref);
        count++;
    }
    closedir(d);
    rmdir(dir);
    assert_true(count >= 14);
}

static const struct {
    const char *text, *want;
} bad[] = {
    {"(module", "1:8: missing ')' (unexpected end of text)"},
    {"(module))", "1:9: unbalanced ')'"},
    {"(module (func (result i32) (i32.const 1))\n  (fnuc))", "2:4: unknown module field fnuc"},
    {"(module (func i32.ad))", "1:15: unknown instruction i32.ad"},
    {"(module (func (i32.const 0x1_0000_0000) drop))", "1:26: integer out of range for i32"},
    {"(module (func (i64.const 18446744073709551616) drop))", "1:26: expected integer"},
    {"(module (func (i32.const -2147483649) drop))", "1:26: integer out of range for i32"},
    {"(module (func (i32.const 1__0) drop))", "1:26: expected integer"},
    {"(module (func (i32.const _1) drop))", "1:26: expected integer"},
    {"(module (func (i32.const 1_) drop))", "1:26: expected integer"},
    {"(module (func (f32.const 1e99) drop))", "1:26: bad f32 constant"},
    {"(module (func (f32.const nan:0x800000) drop))", "1:26: nan payload out of range"},
    {"(module (func (f64.const nan:0x0) drop))", "1:26: nan payload out of range"},
    {"(module (func (f64.const infinity) drop))", "1:26: expected float"},
    {"(module (func (f64.const 0x) drop))", "1:26: bad f64 constant"},
    {"(module (data \"abc))", "1:15: unterminated string"},
    {"(module (data \"a\\qb\"))", "1:17: bad escape in string"},
    {"(module (data \"\\u{110000}\"))", "1:16: bad escape in string"},
    {"(module (data \"\\u{d800}\"))", "1:16: bad escape in string"},
    {"(module (data \"\\4\"))", "1:16: bad escape in string"},
    {"(module (data \"a\tb\"))", "1:17: control character in string"},
    {"(module (; never closed", "1:9: unterminated block comment"},
    {"(module (; (; nested ;) still open", "1:9: unterminated block comment"},
    {"(module (func $))", "1:15: empty identifier"},
    {"(module (func (local.get $x)))", "1:26: unknown identifier $x"},
    {"(module (func $f) (func $f))", "1:25: duplicate identifier $f"},
    {"(module (func (call $nope)))", "1:21: unknown identifier $nope"},
    {"(module (func (br $l)))", "1:19: unknown identifier $l"},
    {"(module (func block $a end $b))", "1:28: mismatching label $b"},
    {"(module (func block nop))", "1:24: expected end"},
    {"(module (func (if (i32.const 1) nop)))", "1:33: expected (then ...)"},
    {"(module (func (i32.load align=3 (i32.const 0)) drop))",
     "1:25: alignment must be a power of two"},
    {"(module (func (i32.load offset=-1 (i32.const 0)) drop))", "1:25: bad offset"},
    {"(module (memory -1))", "1:17: expected unsigned 32-bit integer"},
    {"(module (memory 1) (export \"m\" (mem 0)))", "1:33: unknown export kind"},
    {"(module (func (param i33)))", "1:22: expected value type"},
    {"(module (type (func)) (func (type $t)))", "1:35: unknown identifier $t"},
    {"(module (type (func (param i32))) (func (type 0) (param i64)))",
     "1:50: inline function type does not match (type)"},
    {"(module (start 0) (start 0) (func))", "1:20: multiple start sections"},
    {"(module (func (ref.null any)))", "1:25: expected func or extern"},
    {"(module) (module)", "1:10: text after the module"},
    {"(module \x01)", "1:9: unexpected character 0x01"},
    {"(module (import \"a\" \"b\" (bogus)))", "1:26: unknown import kind"},
    {"(module (data\"x\"))", "1:10: missing space before string"},
    /* the spec suite's text-form assert_malformed cases the parser accepted
     * before (issue 20 §4): token.wast, float_literals.wast, imports.wast,
     * block.wast/loop.wast, call_indirect.wast */
    {"(module (data \"a\"\"b\"))", "1:18: missing space after string"},
    {"(module (global f32 (f32.const 1_e1)))", "1:32: expected float"},
    {"(module (global f64 (f64.const 1.0e_1)))", "1:32: expected float"},
    {"(module (global f64 (f64.const 1.0_e1)))", "1:32: expected float"},
    {"(module (func) (import \"\" \"\" (func)))", "1:17: import after function"},
    {"(module (memory 0) (import \"\" \"\" (memory 1 2)))", "1:21: import after memory"},
    {"(module (global i64 (i64.const 0)) (func (import \"\" \"\")))", "1:37: import after global"},
    {"(module (func (i32.const 0) (block (param $x i32) (drop))))",
     "1:43: unexpected token $x: no parameter names here"},
    {"(module (table 0 funcref) (func (call_indirect (param $x i32) (i32.const 0))))",
     "1:55: unexpected token $x: no parameter names here"},
};

static void malformed_texts_give_line_and_column(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char *out = (unsigned char *)1;
        size_t on = 7;
        char err[256];
        bool ok = wat_to_wasm(bad[i].text, strlen(bad[i].text), &out, &on, err, sizeof err);
        if (ok || strcmp(err, bad[i].want)) {
            fprintf(stderr, "case %zu %s: got %s, want %s\n", i, bad[i].text, ok ? "success" : err,
                    bad[i].want);
            failures++;
        }
        assert_null(out);
        assert_int_equal(on, 0);
    }
    assert_int_equal(failures, 0);
}

static void nesting_over_the_limit_is_an_error_not_a_crash(void **state)
{
    (void)state;
    size_t n = 100000;
    char *t = malloc(n * 2);
    memset(t, '(', n);
    memset(t + n, ')', n);
    unsigned char *out;
    size_t on;
    char err[128];
    assert_false(wat_to_wasm(t, 2 * n, &out, &on, err, sizeof err));
    assert_string_equal(err, "1:257: nested deeper than 256");
    /* deep folded instructions just under the limit still work */
    char buf[8192];
    size_t k = (size_t)snprintf(buf, sizeof buf, "(module (func (result i32) ");
    for (int i = 0; i < 200; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "(i32.eqz ");
    k += (size_t)snprintf(buf + k, sizeof buf - k, "(i32.const 0)");
    for (int i = 0; i < 200; i++)
        buf[k++] = ')';
    k += (size_t)snprintf(buf + k, sizeof buf - k, "))");
    assert_true(wat_to_wasm(buf, k, &out, &on, err, sizeof err));
    free(out);
    free(t);
}

/* call_indirect.wast, func.wast: (type 5) past the module's types is
 * encoded as written for the validator to reject ("unknown type"), as
 * wat2wasm does; the parser rejected the assert_invalid modules before */
static void numeric_type_index_past_the_types_is_left_to_the_validator(void **state)
{
    (void)state;
    static const char t[] = "(module (type (func)) (func (type 5)))";
    unsigned char *out;
    size_t on;
    char err[128];
    assert_true(wat_to_wasm(t, sizeof t - 1, &out, &on, err, sizeof err));
    /* function section: id 3, size 2, one function of type 5 */
    static const unsigned char fsec[] = {0x03, 0x02, 0x01, 0x05};
    bool found = false;
    for (size_t i = 0; i + sizeof fsec <= on; i++)
        found |= !memcmp(out + i, fsec, sizeof fsec);
    assert_true(found);
    free(out);
}

/* comments.wast: a lone CR ends a line comment (spec 6.2.4); the code
 * after it was swallowed by the comment before */
static void line_comment_ends_at_lone_cr(void **state)
{
    (void)state;
    static const char t[] = "(module (func (result i32) ;; c\r(i32.const 2)))";
    unsigned char *out;
    size_t on;
    char err[128];
    assert_true(wat_to_wasm(t, sizeof t - 1, &out, &on, err, sizeof err));
    static const unsigned char body[] = {0x41, 0x02, 0x0b}; /* i32.const 2, end */
    assert_true(on > sizeof body && !memcmp(out + on - sizeof body, body, sizeof body));
    free(out);
}

static void small_error_buffer_is_truncated_safely(void **state)
{
    (void)state;
    unsigned char *out;
    size_t on;
    char err[6];
    assert_false(wat_to_wasm("(module", 7, &out, &on, err, sizeof err));
    assert_string_equal(err, "1:8: ");
    assert_false(wat_to_wasm("(module", 7, &out, &on, NULL, 0));
}

/* ---- the WAST script reader (src/wasm/wat/wast.c) ---- */

static void script_gives_the_commands_wast2json_would(void **state)
{
    (void)state;
    static const char t[] =
        "(module $m (func (export \"f\") (param i32) (result i32) local.get 0))\n"
        "(register \"reg\" $m)\n"
        "(assert_return (invoke $m \"f\" (i32.const -1)) (i32.const 0xffffffff))\n"
        "(assert_return (invoke \"g\" (ref.extern 3) (ref.null func))\n"
        "  (f64.const nan:arithmetic) (ref.func))\n"
        "(assert_trap (module (func $s unreachable) (start $s)) \"unreachable\")\n"
        "(assert_malformed (module quote \"(func\" \")\") \"x\")\n"
        "(assert_malformed (module binary \"\\00asm\") \"y\")\n"
        "(get \"a\\00b\")\n";
    wast_script_t sc;
    char err[160];
    assert_true(wast_parse(t, sizeof t - 1, &sc, err, sizeof err));
    assert_int_equal(sc.n, 8);
    const wast_cmd_t *c = sc.cmds;
    assert_int_equal(c[0].kind, WAST_MODULE);
    assert_string_equal(c[0].name, "$m");
    assert_false(c[0].module_text);
    assert_memory_equal(c[0].module, "\0asm", 4);
    assert_int_equal(c[1].kind, WAST_REGISTER);
    assert_string_equal(c[1].as, "reg");
    assert_string_equal(c[1].name, "$m");
    assert_int_equal(c[2].kind, WAST_ASSERT_RETURN);
    assert_int_equal(c[2].line, 3);
    assert_string_equal(c[2].action_module, "$m");
    assert_int_equal(c[2].nargs, 1);
    assert_int_equal(c[2].args[0].bits, 0xffffffffu);
    assert_int_equal(c[2].results[0].bits, 0xffffffffu);
    assert_int_equal(c[3].nargs, 2);
    assert_string_equal(c[3].args[0].type, "externref");
    assert_int_equal(c[3].args[0].bits, 3);
    assert_true(c[3].args[1].null);
    assert_int_equal(c[3].results[0].nan, WAST_NAN_ARITHMETIC);
    assert_true(c[3].results[1].any);
    assert_int_equal(c[4].kind, WAST_ASSERT_UNINSTANTIABLE);
    assert_string_equal(c[4].text, "unreachable");
    assert_int_equal(c[5].kind, WAST_ASSERT_MALFORMED);
    assert_true(c[5].module_text);
    assert_int_equal(c[5].module_len, 6);
    assert_memory_equal(c[5].module, "(func)", 6);
    assert_int_equal(c[6].kind, WAST_ASSERT_MALFORMED);
    assert_false(c[6].module_text);
    assert_int_equal(c[6].module_len, 4);
    assert_int_equal(c[7].kind, WAST_ACTION);
    assert_true(c[7].get);
    assert_int_equal(c[7].field_len, 3);
    assert_memory_equal(c[7].field, "a\0b", 3);
    wast_script_free(&sc);
}

static const struct {
    const char *text, *want;
} bad_scripts[] = {
    {"(assert_return (invoke \"f\") (i32.const 1)", "1:42: missing ')' (unexpected end of text)"},
    {"(frobnicate)", "1:2: unknown command frobnicate"},
    {"\n  (invoke f)", "2:11: expected the export name"},
    {"(assert_return (invoke \"f\") (i32.const 0x1_0000_0000))",
     "1:40: integer out of range for i32"},
    {"(assert_return (invoke \"f\") (f32.const nan:x))", "1:40: bad nan payload"},
    {"(assert_trap (invoke \"f\"))", "1:26: expected the failure message"},
    {"(register $m)", "1:11: expected the register name"},
    {"(assert_return (invoke \"f\") (v128.const i32x4 0 0 0 0))",
     "1:29: expected a constant value"},
    {"(module binary \"\\00asm\" 1)", "1:25: expected ')' or a string"},
    {"(assert_invalid (invoke \"f\") \"x\")", "1:17: expected (module ...)"},
    {"(assert_return (invoke \"f\") (ref.null any))", "1:39: expected func or extern"},
    {"(invoke \"f\") x", "1:14: expected a command"},
    {"(assert_return (invoke \"f\") (i32.const))", "1:39: expected integer"},
};

/* Regression: (register "") passed the empty string's NULL bytes to memchr
 * (undefined behaviour, found by fuzz_wast under UBSan); it registers "". */
static void register_with_empty_name_is_empty_string(void **state)
{
    (void)state;
    const char *text = "(register \"\" $m)";
    wast_script_t sc = {0};
    char err[160];
    assert_true(wast_parse(text, strlen(text), &sc, err, sizeof err));
    assert_int_equal(sc.n, 1);
    assert_int_equal(sc.cmds[0].kind, WAST_REGISTER);
    assert_string_equal(sc.cmds[0].as, "");
    wast_script_free(&sc);
}

static void malformed_scripts_give_line_and_column(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof bad_scripts / sizeof bad_scripts[0]; i++) {
        wast_script_t sc = {(wast_cmd_t *)1, 7};
        char err[160];
        bool ok =
            wast_parse(bad_scripts[i].text, strlen(bad_scripts[i].text), &sc, err, sizeof err);
        if (ok || strcmp(err, bad_scripts[i].want)) {
            fprintf(stderr, "script %zu %s: got %s, want %s\n", i, bad_scripts[i].text,
                    ok ? "success" : err, bad_scripts[i].want);
            failures++;
        }
        if (ok)
            wast_script_free(&sc);
        assert_null(sc.cmds);
        assert_int_equal(sc.n, 0);
    }
    /* more than WAST_MAX_VALUES arguments */
    char big[2048];
    size_t k = (size_t)snprintf(big, sizeof big, "(invoke \"f\"");
    for (unsigned i = 0; i <= WAST_MAX_VALUES; i++)
        k += (size_t)snprintf(big + k, sizeof big - k, " (i32.const %u)", i);
    k += (size_t)snprintf(big + k, sizeof big - k, ")");
    wast_script_t sc;
    char err[160];
    assert_false(wast_parse(big, k, &sc, err, sizeof err));
    assert_non_null(strstr(err, "more than 64 values"));
    assert_int_equal(failures, 0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_wat WAT2WASM CORPUS_DIR\n");
        return 2;
    }
    g_wat2wasm = argv[1];
    g_corpus = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus_matches_wat2wasm),
        cmocka_unit_test(malformed_texts_give_line_and_column),
        cmocka_unit_test(nesting_over_the_limit_is_an_error_not_a_crash),
        cmocka_unit_test(small_error_buffer_is_truncated_safely),
        cmocka_unit_test(line_comment_ends_at_lone_cr),
        cmocka_unit_test(numeric_type_index_past_the_types_is_left_to_the_validator),
        cmocka_unit_test(script_gives_the_commands_wast2json_would),
        cmocka_unit_test(malformed_scripts_give_line_and_column),
        cmocka_unit_test(register_with_empty_name_is_empty_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
