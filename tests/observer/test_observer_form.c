/*
 * test_observer_form.c -- the pure parsers of the observer's write requests
 * (src/shell/observer_form.c): form fields decoded as WHATWG's
 * application/x-www-form-urlencoded, the send request's rules (the shell's
 * type and hex syntax), and every malformed input refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "shell/observer.h"

static obs_send_t req;

static bool parse(const char *body)
{
    char err[SHELL_ERR_MAX];
    return obs_parse_send(body, strlen(body), &req, err);
}

static void test_form_get_decodes_plus_and_escapes(void **state)
{
    (void)state;
    char out[32], err[SHELL_ERR_MAX];
    size_t n;
    const char *b = "a=1&&b=x+y%2Bz%00!&c&d=";
    assert_int_equal(obs_form_get(b, strlen(b), "b", out, sizeof out, &n, err), 1);
    assert_int_equal(n, 7);
    assert_memory_equal(out, "x y+z\0!", 7);
    assert_int_equal(obs_form_get(b, strlen(b), "c", out, sizeof out, &n, err), 1);
    assert_int_equal(n, 0);
    assert_int_equal(obs_form_get(b, strlen(b), "d", out, sizeof out, &n, err), 1);
    assert_int_equal(obs_form_get(b, strlen(b), "e", out, sizeof out, &n, err), 0);
    /* only the given length is read */
    assert_int_equal(obs_form_get("a=12345", 4, "a", out, sizeof out, &n, err), 1);
    assert_string_equal(out, "12");
    assert_int_equal(obs_form_get("a=%4", 4, "a", out, sizeof out, &n, err), -1);
    assert_int_equal(obs_form_get("a=%", 3, "a", out, sizeof out, &n, err), -1);
    assert_int_equal(obs_form_get("a=1&a=2", 7, "a", out, sizeof out, &n, err), -1);
    assert_non_null(strstr(err, "twice"));
    assert_int_equal(obs_form_get("a=123456", 8, "a", out, 4, &n, err), -1);
    assert_non_null(strstr(err, "longer than 3"));
    assert_int_equal(obs_form_get(NULL, 0, "a", out, sizeof out, &n, err), 0);
}

static void test_send_request_text_hex_and_none(void **state)
{
    (void)state;
    assert_true(parse("to=worker&type=200&text=hi+there"));
    assert_string_equal(req.to, "worker");
    assert_int_equal(req.type, 200);
    assert_int_equal(req.n, 8);
    assert_memory_equal(req.payload, "hi there", 8);
    assert_true(parse("type=0xC8&hex=00FF&to=%2Fsys%2Flog"));
    assert_string_equal(req.to, "/sys/log");
    assert_int_equal(req.type, 0xC8);
    assert_int_equal(req.n, 2);
    assert_memory_equal(req.payload, "\x00\xff", 2);
    assert_true(parse("to=0x0000000100000002&type=4294967295"));
    assert_int_equal(req.type, 0xFFFFFFFFu);
    assert_int_equal(req.n, 0);
}

static void test_send_request_malformed_inputs_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "type=1",
        "to=&type=1",
        "to=a",
        "to=a&type=",
        "to=a&type=-1",
        "to=a&type=4294967296",
        "to=a&type=1%002",
        "to=a&type=1&text=x&hex=00",
        "to=a&type=1&hex=0",
        "to=a&type=1&hex=0g",
        "to=a&type=1&x=1",
        "to=a&type=1&type=2",
        "to=a%0a&type=1",
        "to=a&type=1&text=%G0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[SHELL_ERR_MAX] = "";
        bool ok = obs_parse_send(bad[i], strlen(bad[i]), &req, err);
        if (ok)
            fprintf(stderr, "accepted: '%s'\n", bad[i]);
        assert_false(ok);
        assert_true(err[0] != '\0');
    }
    /* the payload limit is the shell's: 4096 bytes, of text or hex */
    static char big[3 * SHELL_PAYLOAD_MAX];
    strcpy(big, "to=a&type=1&text=");
    size_t at = strlen(big);
    memset(big + at, 'x', SHELL_PAYLOAD_MAX);
    big[at + SHELL_PAYLOAD_MAX] = '\0';
    assert_true(parse(big));
    assert_int_equal(req.n, SHELL_PAYLOAD_MAX);
    strcat(big, "x");
    assert_false(parse(big));
    strcpy(big, "to=a&type=1&hex=");
    at = strlen(big);
    memset(big + at, 'a', 2 * SHELL_PAYLOAD_MAX + 2);
    big[at + 2 * SHELL_PAYLOAD_MAX + 2] = '\0';
    assert_false(parse(big));
}

static void test_target_request(void **state)
{
    (void)state;
    char to[OBS_REF_MAX + 1], err[SHELL_ERR_MAX];
    assert_true(obs_parse_target("to=worker", 9, to, sizeof to, err));
    assert_string_equal(to, "worker");
    assert_false(obs_parse_target("", 0, to, sizeof to, err));
    assert_false(obs_parse_target("to=a&type=1", 11, to, sizeof to, err));
    assert_non_null(strstr(err, "unknown field"));
    static char longref[600];
    strcpy(longref, "to=");
    memset(longref + 3, 'n', 256);
    assert_false(obs_parse_target(longref, strlen(longref), to, sizeof to, err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_get_decodes_plus_and_escapes),
        cmocka_unit_test(test_send_request_text_hex_and_none),
        cmocka_unit_test(test_send_request_malformed_inputs_are_refused),
        cmocka_unit_test(test_target_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
