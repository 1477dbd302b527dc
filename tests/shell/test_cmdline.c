/* test_cmdline.c -- proves src/shell/cmdline.c: splitting lines into words,
 * message types, x:hex payloads, and quoting for display, with malformed
 * input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "shell/cmdline.h"

#define assert_err_mentions(err, needle)                                                           \
    do {                                                                                           \
        if (!strstr((err), (needle)))                                                              \
            fail_msg("error \"%s\", expected it to mention \"%s\"", (err), (needle));              \
    } while (0)

static shell_args_t *split_ok(const char *line)
{
    static shell_args_t a;
    char err[SHELL_ERR_MAX] = "";
    if (!shell_split(line, strlen(line), &a, err))
        fail_msg("shell_split(\"%s\") failed: %s", line, err);
    return &a;
}

static void split_words(void **state)
{
    (void)state;
    shell_args_t *a = split_ok("  call   echo\t200 hello  ");
    assert_int_equal(a->argc, 4);
    assert_string_equal(a->argv[0], "call");
    assert_string_equal(a->argv[1], "echo");
    assert_string_equal(a->argv[2], "200");
    assert_string_equal(a->argv[3], "hello");
    assert_int_equal(a->offset[3], 18);
    assert_false(a->quoted[3]);
    a = split_ok("");
    assert_int_equal(a->argc, 0);
    a = split_ok("   \t ");
    assert_int_equal(a->argc, 0);
}

static void split_quotes_and_escapes(void **state)
{
    (void)state;
    shell_args_t *a = split_ok("send x 1 \"hello world\" 'it''s' a\\ b \"q\\\"\\\\\\n\\x41\"");
    assert_int_equal(a->argc, 7);
    assert_string_equal(a->argv[3], "hello world");
    assert_true(a->quoted[3]);
    assert_string_equal(a->argv[4], "its");
    assert_string_equal(a->argv[5], "a b");
    assert_string_equal(a->argv[6], "q\"\\\nA");
    /* An escaped NUL is kept, and counted in the word's length. */
    a = split_ok("\"a\\0b\"");
    assert_int_equal(a->argc, 1);
    assert_int_equal(a->len[0], 3);
    assert_memory_equal(a->argv[0], "a\0b", 3);
}

static void split_errors(void **state)
{
    (void)state;
    shell_args_t a;
    char err[SHELL_ERR_MAX];
    const char *bad[] = {"say \"unterminated", "say 'open",     "say \"\\q\"",
                         "say \"\\x4\"",       "say \"\\xZZ\"", "trailing\\"};
    const char *why[] = {"unterminated quote",   "unterminated quote",   "unknown escape",
                         "needs two hex digits", "needs two hex digits", "backslash at the end"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(shell_split(bad[i], strlen(bad[i]), &a, err));
        assert_err_mentions(err, why[i]);
    }
    char many[256] = "";
    for (int i = 0; i < SHELL_ARGS_MAX + 1; i++)
        strcat(many, "w ");
    assert_false(shell_split(many, strlen(many), &a, err));
    assert_err_mentions(err, "too many words");
    const char nul[] = {'a', ' ', 'b', '\0', 'c'};
    assert_false(shell_split(nul, sizeof nul, &a, err));
    assert_err_mentions(err, "NUL byte");
}

static void types(void **state)
{
    (void)state;
    uint32_t t;
    char err[SHELL_ERR_MAX];
    assert_true(shell_parse_type("200", &t, err));
    assert_int_equal(t, 200);
    assert_true(shell_parse_type("0xC8", &t, err));
    assert_int_equal(t, 200);
    assert_true(shell_parse_type("0Xff000041", &t, err));
    assert_int_equal(t, 0xFF000041u);
    assert_true(shell_parse_type("4294967295", &t, err));
    assert_int_equal(t, UINT32_MAX);
    assert_false(shell_parse_type("4294967296", &t, err));
    assert_err_mentions(err, "32 bits");
    assert_false(shell_parse_type("0x100000000", &t, err));
    assert_err_mentions(err, "32 bits");
    assert_false(shell_parse_type("-1", &t, err));
    assert_err_mentions(err, "not a number");
    assert_false(shell_parse_type("12a", &t, err));
    assert_err_mentions(err, "not a number");
    assert_false(shell_parse_type("0x", &t, err));
    assert_err_mentions(err, "no hex digits");
    assert_false(shell_parse_type("0xfg", &t, err));
    assert_err_mentions(err, "'g' is not a hex digit");
    assert_false(shell_parse_type("", &t, err));
    uint64_t v;
    assert_true(shell_parse_u64("0x0000000100000007", &v, err));
    assert_true(v == 0x100000007ull);
    assert_true(shell_parse_u64("18446744073709551615", &v, err));
    assert_true(v == UINT64_MAX);
    assert_false(shell_parse_u64("18446744073709551616", &v, err));
    assert_false(shell_parse_u64("0x10000000000000000", &v, err));
}

static void hex(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t n = 99;
    char err[SHELL_ERR_MAX];
    assert_true(shell_parse_hex("0000fF00", 8, out, sizeof out, &n, err));
    assert_int_equal(n, 4);
    assert_memory_equal(out, "\x00\x00\xff\x00", 4);
    assert_true(shell_parse_hex("", 0, out, sizeof out, &n, err));
    assert_int_equal(n, 0);
    assert_false(shell_parse_hex("abc", 3, out, sizeof out, &n, err));
    assert_err_mentions(err, "odd number of hex digits (3)");
    assert_false(shell_parse_hex("zz", 2, out, sizeof out, &n, err));
    assert_err_mentions(err, "non-hex character at position 1");
    assert_false(shell_parse_hex("00g0", 4, out, sizeof out, &n, err));
    assert_err_mentions(err, "position 3");
    assert_false(shell_parse_hex("000000000000000000", 18, out, sizeof out, &n, err));
    assert_err_mentions(err, "at most 8");
}

/* Parse a whole send line and return its payload. */
static bool payload_of(const char *line, uint8_t *out, size_t *n, char *err)
{
    static shell_args_t a;
    if (!shell_split(line, strlen(line), &a, err))
        return false;
    return shell_parse_payload(line, strlen(line), &a, 3, out, 64, n, err);
}

static void payloads(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n;
    char err[SHELL_ERR_MAX];
    assert_true(payload_of("call echo 200", out, &n, err));
    assert_int_equal(n, 0);
    assert_true(payload_of("call echo 200 hello", out, &n, err));
    assert_int_equal(n, 5);
    assert_memory_equal(out, "hello", 5);
    assert_true(payload_of("call echo 200 hello   big  world  ", out, &n, err));
    assert_int_equal(n, 18);
    assert_memory_equal(out, "hello   big  world", 18);
    assert_true(payload_of("call echo 200 \"two words\"", out, &n, err));
    assert_int_equal(n, 9);
    assert_memory_equal(out, "two words", 9);
    assert_true(payload_of("call led 4278190145 x:0000ff000000", out, &n, err));
    assert_int_equal(n, 6);
    assert_memory_equal(out, "\x00\x00\xff\x00\x00\x00", 6);
    assert_true(payload_of("call echo 1 \"a\\0b\"", out, &n, err));
    assert_int_equal(n, 3);
    assert_memory_equal(out, "a\0b", 3);
    /* A quoted "x:" is text, not hex. */
    assert_true(payload_of("call echo 1 \"x:zz\"", out, &n, err));
    assert_int_equal(n, 4);
    assert_memory_equal(out, "x:zz", 4);
    assert_false(payload_of("call led 1 x:abc", out, &n, err));
    assert_err_mentions(err, "odd number");
    assert_false(payload_of("call led 1 x:12zz", out, &n, err));
    assert_err_mentions(err, "non-hex character at position 3");
    assert_false(payload_of("call led 1 x:12 34", out, &n, err));
    assert_err_mentions(err, "one word");
    char big[200] = "call echo 1 ";
    memset(big + strlen(big), 'a', 100);
    assert_false(payload_of(big, out, &n, err));
    assert_err_mentions(err, "at most 64");
}

static void quoting(void **state)
{
    (void)state;
    char out[64];
    shell_quote((const uint8_t *)"hello", 5, 64, out, sizeof out);
    assert_string_equal(out, "\"hello\"");
    shell_quote((const uint8_t *)"a\"\\\n\x01\xff", 6, 64, out, sizeof out);
    assert_string_equal(out, "\"a\\\"\\\\\\n\\x01\\xff\"");
    shell_quote((const uint8_t *)"abcdefgh", 8, 3, out, sizeof out);
    assert_string_equal(out, "\"abc\"...");
    shell_quote(NULL, 0, 64, out, sizeof out);
    assert_string_equal(out, "\"\"");
    /* A small buffer cuts the text but stays terminated and quoted. */
    char tiny[12];
    shell_quote((const uint8_t *)"0123456789abcdef", 16, 64, tiny, sizeof tiny);
    assert_string_equal(tiny, "\"012345\"...");
}

/* Escape `in` completely into a NUL-terminated static string. */
static const char *escaped(const char *in, size_t n)
{
    static char out[512];
    size_t used;
    size_t o = shell_escape_text((const uint8_t *)in, n, out, sizeof out - 1, &used);
    assert_int_equal(used, n);
    out[o] = '\0';
    return out;
}
#define ESCAPED(lit) escaped(lit, sizeof lit - 1)

/* Regression (issue 13): text from a remote or WASM actor reached the
 * terminal raw, ESC[2J and all. */
static void escape_terminal_controls(void **state)
{
    (void)state;
    assert_string_equal(ESCAPED("\x1b[2Jpwned"), "\\x1b[2Jpwned");
    assert_string_equal(ESCAPED("a\nb\tc"), "a\nb\tc"); /* kept */
    assert_string_equal(ESCAPED("\r\x07\x7f\x00"), "\\x0d\\x07\\x7f\\x00");
    assert_string_equal(ESCAPED("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
    /* C1 controls: a raw 8-bit CSI, and U+009B encoded in UTF-8. */
    assert_string_equal(ESCAPED("\x9b"
                                "2J"),
                        "\\x9b2J");
    assert_string_equal(ESCAPED("\xc2\x9b"
                                "2J"),
                        "\\xc2\\x9b2J");
    /* Well-formed UTF-8 from U+00A0 up is text. */
    assert_string_equal(ESCAPED("caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x98\x80"),
                        "caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x98\x80");
    /* Malformed: a lone lead byte, overlong forms, a surrogate, past U+10FFFF,
     * a sequence cut by the end of the text. */
    assert_string_equal(ESCAPED("\xc3x"), "\\xc3x");
    assert_string_equal(ESCAPED("\xc0\x80"), "\\xc0\\x80");
    assert_string_equal(ESCAPED("\xe0\x80\x80"), "\\xe0\\x80\\x80");
    assert_string_equal(ESCAPED("\xed\xa0\x80"), "\\xed\\xa0\\x80");
    assert_string_equal(ESCAPED("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
    assert_string_equal(ESCAPED("\xe2\x82"), "\\xe2\\x82");
}

/* An item is never split: the output stops before one that does not fit,
 * and *used says where to go on. */
static void escape_in_pieces(void **state)
{
    (void)state;
    const uint8_t in[] = "ab\x1b\xc3\xa9";
    char out[8];
    size_t used;
    assert_int_equal(shell_escape_text(in, 5, out, 3, &used), 2); /* "ab", not half of \x1b */
    assert_int_equal(used, 2);
    assert_int_equal(shell_escape_text(in + 2, 3, out, 5, &used), 4); /* "\x1b", not half of é */
    assert_int_equal(used, 1);
    assert_memory_equal(out, "\\x1b", 4);
    assert_int_equal(shell_escape_text(in + 3, 2, out, 2, &used), 2);
    assert_int_equal(used, 2);
    assert_int_equal(shell_escape_text(in, 5, out, 0, &used), 0);
    assert_int_equal(used, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_words),
        cmocka_unit_test(split_quotes_and_escapes),
        cmocka_unit_test(split_errors),
        cmocka_unit_test(types),
        cmocka_unit_test(hex),
        cmocka_unit_test(payloads),
        cmocka_unit_test(quoting),
        cmocka_unit_test(escape_terminal_controls),
        cmocka_unit_test(escape_in_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
