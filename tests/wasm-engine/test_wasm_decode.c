/*
 * test_wasm_decode.c -- proves src/wasm/engine/decode.c, validate.c and
 * compile.c reject malformed and invalid bytes with the right named error and
 * a message that says where (section, function, offset), and accept the
 * smallest valid modules. The byte arrays are hand-made, a few bytes each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wasm/engine/wasm_engine.h"

#define HDR 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00

static wasm_err_t compile_err(const uint8_t *b, size_t n, char *msg, size_t msglen)
{
    wasm_error_t err;
    wasm_module_t *m = wasm_module_compile(b, n, &err);
    if (m) {
        wasm_module_free(m);
        return WASM_OK;
    }
    if (msg)
        snprintf(msg, msglen, "%s", err.message);
    return err.code;
}

static void expect(const uint8_t *b, size_t n, wasm_err_t want, const char *needle)
{
    char msg[256] = "";
    wasm_err_t got = compile_err(b, n, msg, sizeof msg);
    if (got != want)
        fprintf(stderr, "got %s (%s), want %s\n", wasm_strerror(got), msg, wasm_strerror(want));
    assert_int_equal(got, want);
    if (needle && !strstr(msg, needle)) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg, needle);
        fail();
    }
}

static void test_empty_module_is_valid(void **state)
{
    (void)state;
    static const uint8_t b[] = {HDR};
    expect(b, sizeof b, WASM_OK, NULL);
}

static void test_bad_magic_and_version(void **state)
{
    (void)state;
    static const uint8_t magic[] = {0x00, 0x61, 0x73, 0x6E, 0x01, 0, 0, 0};
    static const uint8_t version[] = {0x00, 0x61, 0x73, 0x6D, 0x02, 0, 0, 0};
    expect(magic, sizeof magic, WASM_ERR_MALFORMED, "magic");
    expect(version, sizeof version, WASM_ERR_MALFORMED, "version");
    expect(magic, 3, WASM_ERR_MALFORMED, NULL);
    expect(NULL, 0, WASM_ERR_MALFORMED, NULL);
}

static void test_truncated_section(void **state)
{
    (void)state;
    /* type section claims 10 bytes, has 2 */
    static const uint8_t b[] = {HDR, 0x01, 0x0A, 0x01, 0x60};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "section");
}

static void test_overlong_leb128(void **state)
{
    (void)state;
    /* type count encoded in 6 bytes */
    static const uint8_t b[] = {HDR, 0x01, 0x07, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "integer");
}

static void test_sections_out_of_order(void **state)
{
    (void)state;
    /* function section (3) before type section (1) */
    static const uint8_t b[] = {HDR, 0x03, 0x01, 0x00, 0x01, 0x01, 0x00};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "order");
}

static void test_simd_rejected(void **state)
{
    (void)state;
    /* type (v128) -> () */
    static const uint8_t b[] = {HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7B, 0x00};
    expect(b, sizeof b, WASM_ERR_SIMD, "SIMD not supported");
    /* a body using the 0xFD prefix */
    static const uint8_t c[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
                                0x00, 0x0A, 0x06, 0x01, 0x04, 0x00, 0xFD, 0x0C, 0x0B};
    expect(c, sizeof c, WASM_ERR_SIMD, "SIMD not supported");
}

static void test_type_mismatch_names_function(void **state)
{
    (void)state;
    /* func () -> i32 whose body is i64.const 0 */
    static const uint8_t b[] = {HDR,  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7F, 0x03, 0x02,
                                0x01, 0x00, 0x0A, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0B};
    expect(b, sizeof b, WASM_ERR_INVALID, "function 0");
    char msg[256];
    compile_err(b, sizeof b, msg, sizeof msg);
    assert_non_null(strstr(msg, "type mismatch"));
    assert_non_null(strstr(msg, "section code"));
}

static void test_missing_end(void **state)
{
    (void)state;
    static const uint8_t b[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
                                0x01, 0x00, 0x0A, 0x04, 0x01, 0x02, 0x00, 0x01};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "END");
}

static void test_function_code_count_mismatch(void **state)
{
    (void)state;
    /* one function declared, no code section */
    static const uint8_t b[] = {HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "inconsistent");
}

static void test_unknown_local_and_label(void **state)
{
    (void)state;
    static const uint8_t local[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
                                    0x00, 0x0A, 0x07, 0x01, 0x05, 0x00, 0x20, 0x03, 0x1A, 0x0B};
    expect(local, sizeof local, WASM_ERR_INVALID, "unknown local");
    static const uint8_t label[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
                                    0x00, 0x0A, 0x06, 0x01, 0x04, 0x00, 0x0C, 0x05, 0x0B};
    expect(label, sizeof label, WASM_ERR_INVALID, "unknown label");
}

static void test_illegal_opcode(void **state)
{
    (void)state;
    static const uint8_t b[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
                                0x01, 0x00, 0x0A, 0x05, 0x01, 0x03, 0x00, 0xFF, 0x0B};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "illegal opcode");
}

static void test_too_many_locals(void **state)
{
    (void)state;
    /* 2^32-1 locals of i32 */
    static const uint8_t b[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
                                0x02, 0x01, 0x00, 0x0A, 0x0A, 0x01, 0x08, 0x01,
                                0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x0B};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "too many locals");
}

static void test_memory_limits(void **state)
{
    (void)state;
    /* memory min 65537 pages */
    static const uint8_t b[] = {HDR, 0x05, 0x05, 0x01, 0x00, 0x81, 0x80, 0x04};
    expect(b, sizeof b, WASM_ERR_INVALID, "65536 pages");
}

/* Regressions of the stricter spec runner (issue 20 §3): each module was
 * rejected, but for another reason than the spec's. */
static void test_short_module_is_unexpected_end(void **state)
{
    (void)state;
    static const uint8_t b[] = {HDR};
    expect(b, 1, WASM_ERR_MALFORMED, "unexpected end"); /* was "magic header" */
    expect(b, 5, WASM_ERR_MALFORMED, "unexpected end"); /* was "binary version" */
}

static void test_section_size_past_module_is_length_out_of_bounds(void **state)
{
    (void)state;
    static const uint8_t b[] = {HDR, 0x01, 0x07, 0x02, 0x60, 0x00, 0x00};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "length out of bounds");
}

static void test_count_checked_entry_by_entry(void **state)
{
    (void)state;
    /* one import of 3 bytes with kind 0x04: the kind is what is wrong */
    static const uint8_t b[] = {HDR, 0x02, 0x04, 0x01, 0x00, 0x00, 0x04};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "malformed import kind");
    /* a table declared, none given */
    static const uint8_t c[] = {HDR, 0x04, 0x01, 0x01};
    expect(c, sizeof c, WASM_ERR_MALFORMED, "unexpected end of section or function");
}

static void test_limits_flags_with_continuation_bit(void **state)
{
    (void)state;
    static const uint8_t b[] = {HDR, 0x05, 0x03, 0x01, 0x81, 0x00};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "integer representation too long");
}

static void test_body_missing_end_reads_on_like_the_reference(void **state)
{
    (void)state;
    /* body of 4 bytes without `end`, then a data section starting 0x0B:
     * read as the `end`, the body is longer than its size */
    static const uint8_t b[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
                                0x00, 0x05, 0x03, 0x01, 0x00, 0x00, 0x0A, 0x06, 0x01, 0x04,
                                0x00, 0x41, 0x01, 0x1A, 0x0B, 0x03, 0x01, 0x01, 0x00};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "section size mismatch");
}

static void test_const_expr_illegal_opcode_is_malformed(void **state)
{
    (void)state;
    /* global i32 = (i32.const 0) without end, followed by a code section
     * id 0x0A, which is no opcode */
    static const uint8_t b[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
                                0x02, 0x01, 0x00, 0x06, 0x05, 0x01, 0x7F, 0x00,
                                0x41, 0x00, 0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "illegal opcode");
}

static void test_memop_alignment_past_32_bits_is_malformed(void **state)
{
    (void)state;
    /* i32.load align=2^32 */
    static const uint8_t b[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
                                0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0A, 0x0A, 0x01, 0x08,
                                0x00, 0x41, 0x00, 0x28, 0x20, 0x00, 0x1A, 0x0B};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "malformed memop flags");
}

static void test_data_drop_without_data_is_unknown_segment(void **state)
{
    (void)state;
    /* data.drop 0, no data count section and no data section */
    static const uint8_t b[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
                                0x00, 0x0A, 0x07, 0x01, 0x05, 0x00, 0xFC, 0x09, 0x00, 0x0B};
    expect(b, sizeof b, WASM_ERR_INVALID, "unknown data segment");
}

static void test_duplicate_code_section_named_before_count(void **state)
{
    (void)state;
    /* two functions, two code sections of one body each */
    static const uint8_t b[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
                                0x03, 0x02, 0x00, 0x00, 0x0A, 0x04, 0x01, 0x02,
                                0x00, 0x0B, 0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B};
    expect(b, sizeof b, WASM_ERR_MALFORMED, "unexpected content after last section");
}

static void test_every_truncation_fails_cleanly(void **state)
{
    (void)state;
    /* a valid module with a loop, memory and an export: each prefix fails */
    static const uint8_t b[] = {HDR,  0x01, 0x06, 0x01, 0x60, 0x01, 0x7F, 0x01, 0x7F, 0x03,
                                0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x05,
                                0x01, 0x01, 0x66, 0x00, 0x00, 0x0A, 0x0D, 0x01, 0x0B, 0x00,
                                0x03, 0x40, 0x20, 0x00, 0x0D, 0x00, 0x0B, 0x20, 0x00, 0x0B};
    expect(b, sizeof b, WASM_OK, NULL);
    for (size_t n = 0; n < sizeof b; n++) {
        if (n == 8 || n == 16) /* header alone, header + type section: valid */
            continue;
        assert_int_not_equal(compile_err(b, n, NULL, 0), WASM_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_module_is_valid),
        cmocka_unit_test(test_bad_magic_and_version),
        cmocka_unit_test(test_truncated_section),
        cmocka_unit_test(test_overlong_leb128),
        cmocka_unit_test(test_sections_out_of_order),
        cmocka_unit_test(test_simd_rejected),
        cmocka_unit_test(test_type_mismatch_names_function),
        cmocka_unit_test(test_missing_end),
        cmocka_unit_test(test_function_code_count_mismatch),
        cmocka_unit_test(test_unknown_local_and_label),
        cmocka_unit_test(test_illegal_opcode),
        cmocka_unit_test(test_too_many_locals),
        cmocka_unit_test(test_memory_limits),
        cmocka_unit_test(test_every_truncation_fails_cleanly),
        cmocka_unit_test(test_short_module_is_unexpected_end),
        cmocka_unit_test(test_section_size_past_module_is_length_out_of_bounds),
        cmocka_unit_test(test_count_checked_entry_by_entry),
        cmocka_unit_test(test_limits_flags_with_continuation_bit),
        cmocka_unit_test(test_body_missing_end_reads_on_like_the_reference),
        cmocka_unit_test(test_const_expr_illegal_opcode_is_malformed),
        cmocka_unit_test(test_memop_alignment_past_32_bits_is_malformed),
        cmocka_unit_test(test_data_drop_without_data_is_unknown_segment),
        cmocka_unit_test(test_duplicate_code_section_named_before_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
