/* test_bytes.c -- the shared byte helpers of src/core/bytes.h: hex text to
 * bytes and back (malformed input included: odd length, bad digits, too
 * long, text that is not NUL-terminated) and FNV-1a 32 against the
 * published test vectors. */
#include <string.h>

#include "core/bytes.h"
#include "test_util.h"

static void hex_decodes_both_cases(void **s)
{
    (void)s;
    unsigned char out[4] = {0};
    assert_int_equal(mk_hex_decode("00fFa5Ab", 8, out, sizeof out, NULL), MK_HEX_OK);
    const unsigned char want[4] = {0x00, 0xff, 0xa5, 0xab};
    assert_memory_equal(out, want, 4);
    /* empty text is zero bytes */
    assert_int_equal(mk_hex_decode("", 0, out, 0, NULL), MK_HEX_OK);
}

static void hex_rejects_odd_length_untouched(void **s)
{
    (void)s;
    unsigned char out[4] = {9, 9, 9, 9};
    assert_int_equal(mk_hex_decode("abc", 3, out, sizeof out, NULL), MK_HEX_ODD);
    assert_int_equal(mk_hex_decode("a", 1, out, sizeof out, NULL), MK_HEX_ODD);
    const unsigned char same[4] = {9, 9, 9, 9};
    assert_memory_equal(out, same, 4);
}

static void hex_rejects_bad_digit_with_its_position(void **s)
{
    (void)s;
    unsigned char out[4] = {9, 9, 9, 9};
    const char *bad[] = {"0g", "x0", "0 ", "-1", "0x", "ab\0c"};
    const size_t pos[] = {1, 0, 1, 0, 1, 2};
    const size_t len[] = {2, 2, 2, 2, 2, 4};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t at = 99;
        assert_int_equal(mk_hex_decode(bad[i], len[i], out, sizeof out, &at), MK_HEX_BAD_DIGIT);
        assert_int_equal(at, pos[i]);
    }
    /* bytes >= 0x80 are not digits either, and a NULL position is allowed */
    const char high[2] = {(char)0xb0, '0'};
    assert_int_equal(mk_hex_decode(high, 2, out, sizeof out, NULL), MK_HEX_BAD_DIGIT);
    /* a bad digit after good ones still leaves out untouched (all-or-nothing) */
    assert_int_equal(mk_hex_decode("0102zz", 6, out, sizeof out, NULL), MK_HEX_BAD_DIGIT);
    const unsigned char same[4] = {9, 9, 9, 9};
    assert_memory_equal(out, same, 4);
}

static void hex_rejects_too_long_untouched(void **s)
{
    (void)s;
    unsigned char out[3] = {9, 9, 9};
    assert_int_equal(mk_hex_decode("0102030405", 10, out, 2, NULL), MK_HEX_TOO_LONG);
    assert_int_equal(out[0], 9);
    assert_int_equal(out[2], 9);
    /* exactly cap bytes fits, and nothing past it is written */
    assert_int_equal(mk_hex_decode("0102", 4, out, 2, NULL), MK_HEX_OK);
    assert_int_equal(out[1], 2);
    assert_int_equal(out[2], 9);
}

static void hex_reads_only_len_bytes(void **s)
{
    (void)s;
    /* not NUL-terminated: the byte after len is never looked at */
    const char text[4] = {'1', '2', 'z', 'z'};
    unsigned char out[1];
    assert_int_equal(mk_hex_decode(text, 2, out, 1, NULL), MK_HEX_OK);
    assert_int_equal(out[0], 0x12);
}

static void hex_encode_round_trips(void **s)
{
    (void)s;
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    char text[513];
    memset(text, '#', sizeof text);
    assert_ptr_equal(mk_hex_encode(all, 256, text), text);
    assert_int_equal(strlen(text), 512);
    assert_memory_equal(text, "000102", 6);
    assert_string_equal(text + 506, "fdfeff");
    unsigned char back[256];
    assert_int_equal(mk_hex_decode(text, 512, back, sizeof back, NULL), MK_HEX_OK);
    assert_memory_equal(back, all, 256);
    char none[1] = {'#'};
    mk_hex_encode(all, 0, none);
    assert_int_equal(none[0], '\0');
    assert_int_equal(mk_hex_digit(10), 'a');
    assert_int_equal(mk_hex_digit(0x1f), 'f'); /* only the low nibble counts */
}

static void fnv1a32_matches_published_vectors(void **s)
{
    (void)s;
    assert_int_equal(mk_fnv1a32("", 0), 0x811c9dc5u);
    assert_int_equal(mk_fnv1a32("a", 1), 0xe40c292cu);
    assert_int_equal(mk_fnv1a32("foobar", 6), 0xbf9cf968u);
    /* bytes, not a C string: an embedded NUL counts */
    assert_int_not_equal(mk_fnv1a32("a\0b", 3), mk_fnv1a32("a", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hex_decodes_both_cases),
        cmocka_unit_test(hex_rejects_odd_length_untouched),
        cmocka_unit_test(hex_rejects_bad_digit_with_its_position),
        cmocka_unit_test(hex_rejects_too_long_untouched),
        cmocka_unit_test(hex_reads_only_len_bytes),
        cmocka_unit_test(hex_encode_round_trips),
        cmocka_unit_test(fnv1a32_matches_published_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
