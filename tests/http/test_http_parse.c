/*
 * test_http_parse.c -- the pure HTTP/1.1 head parsers, body framing, the
 * chunked decoder and the URL parser (src/http/http_parse.c,
 * http_chunked.c, http_url.c), with valid and malformed input, fed whole
 * and split at every byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_parse.h"

static ssize_t req(const char *s, http_request_head_t *r, http_header_t *h, size_t max)
{
    r->headers = h;
    return http_parse_request(s, strlen(s), r, max);
}

static void test_request_valid(void **state)
{
    (void)state;
    http_header_t h[8];
    http_request_head_t r;
    const char *s =
        "POST /a/b?c=d HTTP/1.1\r\nHost: x\r\nContent-Length:  5 \r\nX-Empty:\r\n\r\nhello";
    ssize_t n = req(s, &r, h, 8);
    assert_int_equal(n, strlen(s) - 5);
    assert_int_equal(r.method_len, 4);
    assert_memory_equal(r.method, "POST", 4);
    assert_int_equal(r.target_len, 8);
    assert_memory_equal(r.target, "/a/b?c=d", 8);
    assert_int_equal(r.minor_version, 1);
    assert_int_equal(r.n_headers, 3);
    assert_int_equal(h[1].value_len, 1);
    assert_memory_equal(h[1].value, "5", 1);
    assert_int_equal(h[2].value_len, 0);
    const http_header_t *f = http_header_find(h, r.n_headers, "content-length");
    assert_non_null(f);
    /* bare LF line ends and a leading empty line are accepted */
    s = "\r\nGET / HTTP/1.0\nA: b\n\n";
    assert_int_equal(req(s, &r, h, 8), strlen(s));
    assert_int_equal(r.minor_version, 0);
    assert_int_equal(r.n_headers, 1);
}

static void test_request_incremental(void **state)
{
    (void)state;
    const char *s = "GET /x HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n";
    size_t len = strlen(s);
    http_header_t h[8];
    http_request_head_t r = {.headers = h};
    for (size_t i = 0; i < len; i++)
        assert_int_equal(http_parse_request(s, i, &r, 8), HTTP_PARSE_INCOMPLETE);
    assert_int_equal(http_parse_request(s, len, &r, 8), (ssize_t)len);
}

static void test_request_malformed(void **state)
{
    (void)state;
    static const char *bad[] = {
        "GET /x HTTP/1.1\r\nHost : h\r\n\r\n",           /* space before colon */
        "GET /x HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", /* obs-fold */
        "GET /x HTTP/2.0\r\n\r\n",                       /* version */
        "GET /x HTTP/1.1 \r\n\r\n",                      /* trailing space */
        "GET  /x HTTP/1.1\r\n\r\n",                      /* double space */
        "G(T /x HTTP/1.1\r\n\r\n",                       /* non-token method */
        "GET /x\x01 HTTP/1.1\r\n\r\n",                   /* control in target */
        "GET /x HTTP/1.1\r\nA: b\x01c\r\n\r\n",          /* control in value */
        "GET /x HTTP/1.1\r\nA\rB: c\r\n\r\n",            /* lone CR */
        "GET /x HTTP/1.1\r\n: v\r\n\r\n",                /* empty name */
        "GET /x HTTP/1.1\r\nNoColon\r\n\r\n",            /* no colon */
        "GET\r\n\r\n",
        "\x16\x03\x01\x02", /* TLS hello: rejected early */
    };
    http_header_t h[8];
    http_request_head_t r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ssize_t n = req(bad[i], &r, h, 8);
        if (n != HTTP_PARSE_INVALID)
            fail_msg("case %zu: got %zd, want INVALID", i, n);
    }
    assert_int_equal(req("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &r, h, 2),
                     HTTP_PARSE_TOO_MANY);
}

static void test_response(void **state)
{
    (void)state;
    http_header_t h[8];
    http_response_head_t r = {.headers = h};
    const char *s = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nbody";
    ssize_t n = http_parse_response(s, strlen(s), &r, 8);
    assert_int_equal(n, strlen(s) - 4);
    assert_int_equal(r.status, 404);
    assert_int_equal(r.reason_len, 9);
    s = "HTTP/1.0 200\r\n\r\n"; /* empty reason, no space */
    assert_int_equal(http_parse_response(s, strlen(s), &r, 8), strlen(s));
    assert_int_equal(r.status, 200);
    static const char *bad[] = {"HTTP/1.1 20 OK\r\n\r\n",
                                "HTTP/1.1 2000 OK\r\n\r\n",
                                "HTTX/1.1 200 OK\r\n\r\n",
                                "HTTP/1.1 099 x\r\n\r\n",
                                "garbage",
                                "HTTP/1.1 200 OK\r\nA b: c\r\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ssize_t m = http_parse_response(bad[i], strlen(bad[i]), &r, 8);
        if (m != HTTP_PARSE_INVALID)
            fail_msg("case %zu: got %zd, want INVALID", i, m);
    }
    assert_int_equal(http_parse_response("HTTP/1.1 200 OK\r\n", 17, &r, 8), HTTP_PARSE_INCOMPLETE);
}

static int framing(const char *head, bool is_request, bool *te, bool *hl, uint64_t *len)
{
    http_header_t h[8];
    http_request_head_t r = {.headers = h};
    ssize_t n = http_parse_request(head, strlen(head), &r, 8);
    assert_true(n > 0);
    return http_body_framing(h, r.n_headers, is_request, te, hl, len);
}

static void test_framing(void **state)
{
    (void)state;
    bool te, hl;
    uint64_t len;
    assert_int_equal(framing("P / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", true, &te, &hl, &len),
                     0);
    assert_true(hl);
    assert_false(te);
    assert_int_equal(len, 12);
    assert_int_equal(framing("P / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", true, &te, &hl, &len),
                     0);
    assert_int_equal(len, 5);
    assert_int_equal(
        framing("P / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", true, &te, &hl, &len), 0);
    assert_true(te);
    assert_int_equal(framing("P / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", true,
                             &te, &hl, &len),
                     -1);
    assert_int_equal(framing("P / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", true, &te, &hl, &len),
                     -1);
    assert_int_equal(framing("P / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                             true, &te, &hl, &len),
                     -1);
    assert_int_equal(
        framing("P / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", true, &te, &hl, &len), -1);
    /* RFC 9112 6.1: chunked is final but a coding we cannot undo precedes it: 501. */
    assert_int_equal(
        framing("P / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", true, &te, &hl, &len),
        HTTP_FRAMING_UNSUPPORTED);
    assert_int_equal(
        framing("P / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", true, &te, &hl, &len),
        HTTP_FRAMING_BAD);
    assert_int_equal(framing("P / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n",
                             true, &te, &hl, &len),
                     HTTP_FRAMING_BAD);
    assert_int_equal(
        framing("P / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", true,
                &te, &hl, &len),
        -1);
    assert_int_equal(
        framing("P / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", false,
                &te, &hl, &len),
        0);
    assert_true(te);
    assert_false(hl);
    assert_true(http_header_has_token("keep-alive, Upgrade", 19, "upgrade"));
    assert_false(http_header_has_token("keep-alive, Upgraded", 20, "upgrade"));
}

/* RFC 9112 3.2 / RFC 3986 3.2.2: what a Host value may be. */
static void test_host_valid(void **state)
{
    (void)state;
    static const char *const good[] = {
        "",         "example.com", "a.b-c_d~e:8080", "127.0.0.1",    "[::1]",
        "[::1]:80", "x:",          "%41b",           "a!$&'()*+,;=", "[v1.fe80::a+en1]"};
    static const char *const bad[] = {"a b",  "a@b",       "a/b",      "a?b",    "[::1",
                                      "[]",   "a:b",       "a:123456", "[::1]x", "a:80:80",
                                      "a\tb", "[::1 ]:80", "a#b"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!http_host_valid(good[i], strlen(good[i])))
            fail_msg("Host \"%s\" refused", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (http_host_valid(bad[i], strlen(bad[i])))
            fail_msg("Host \"%s\" accepted", bad[i]);
}

/* RFC 9110 5.6.7: IMF-fixdate, the RFC's own example and edges. */
static void test_date_format(void **state)
{
    (void)state;
    char d[HTTP_DATE_LEN + 1];
    assert_int_equal(http_date_format(784111777, d), HTTP_DATE_LEN);
    assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT");
    http_date_format(0, d);
    assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
    http_date_format(951782400, d); /* a leap day */
    assert_string_equal(d, "Tue, 29 Feb 2000 00:00:00 GMT");
    http_date_format(4102444799, d);
    assert_string_equal(d, "Thu, 31 Dec 2099 23:59:59 GMT");
    http_date_format(-5, d);
    assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
}

/* Decode `in` fed in pieces of `step` bytes; returns the body (malloc'd) or NULL on error. */
static char *dechunk(const char *in, size_t step, size_t *out_len, ssize_t *last)
{
    size_t n = strlen(in);
    uint8_t *buf = malloc(n + 1);
    size_t body = 0, fed = 0;
    http_chunked_t d;
    http_chunked_init(&d);
    ssize_t r = HTTP_PARSE_INCOMPLETE;
    while (fed < n && r == HTTP_PARSE_INCOMPLETE) {
        size_t take = n - fed < step ? n - fed : step;
        memcpy(buf + body, in + fed, take);
        fed += take;
        size_t len = take;
        r = http_chunked_decode(&d, buf + body, &len);
        body += len;
    }
    *last = r;
    *out_len = body;
    if (r == HTTP_PARSE_INVALID) {
        free(buf);
        return NULL;
    }
    buf[body] = 0;
    return (char *)buf;
}

static void test_chunked(void **state)
{
    (void)state;
    const char *in =
        "5;ext=1\r\nhello\r\n7\r\n, world\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
    for (size_t step = 1; step <= strlen(in); step++) {
        size_t len;
        ssize_t r;
        char *b = dechunk(in, step, &len, &r);
        assert_non_null(b);
        assert_int_equal(r, 0);
        assert_int_equal(len, 22);
        assert_string_equal(b, "hello, world0123456789");
        free(b);
    }
    /* bytes after the end are reported and kept */
    uint8_t buf[64];
    memcpy(buf, "3\r\nabc\r\n0\r\n\r\nXYZ", 16);
    size_t len = 16;
    http_chunked_t d;
    http_chunked_init(&d);
    assert_int_equal(http_chunked_decode(&d, buf, &len), 3);
    assert_int_equal(len, 3);
    assert_memory_equal(buf, "abcXYZ", 6);
    static const char *bad[] = {"x\r\n",
                                "5\r\nhelloXX",
                                "\r\n",
                                "5\r\nhello\r\n-1\r\n",
                                "fffffffffffffffff\r\n",
                                "3\r\nabc\r\n0\r\nA\x01\r\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ssize_t r;
        char *b = dechunk(bad[i], 1000, &len, &r);
        if (b || r != HTTP_PARSE_INVALID)
            fail_msg("case %zu: got %zd, want INVALID", i, r);
    }
}

static void test_url(void **state)
{
    (void)state;
    http_url_t u;
    const char *why;
    const char *s = "HTTPS://Example.com:8443/a/b?x=1#frag";
    assert_true(http_url_parse(s, strlen(s), &u, &why));
    assert_int_equal(u.scheme, URL_HTTPS);
    assert_true(u.tls);
    assert_string_equal(u.host, "Example.com");
    assert_int_equal(u.port, 8443);
    assert_int_equal(u.path_len, 8);
    assert_memory_equal(u.path, "/a/b?x=1", 8);
    s = "ws://[::1]/chat";
    assert_true(http_url_parse(s, strlen(s), &u, &why));
    assert_string_equal(u.host, "::1");
    assert_true(u.host_is_ipv6);
    assert_int_equal(u.port, 80);
    s = "http://h";
    assert_true(http_url_parse(s, strlen(s), &u, &why));
    assert_int_equal(u.path_len, 1);
    assert_int_equal(u.port, 80);
    s = "wss://h:";
    assert_true(http_url_parse(s, strlen(s), &u, &why));
    assert_int_equal(u.port, 443);
    static const char *bad[] = {
        "ftp://h/",     "http:/h",         "http://",      "http://:80/", "http://u@h/",
        "http://h:0/",  "http://h:65536/", "http://h:8a/", "http://h /",  "http://h\x01/",
        "http://[::1/", "http://[::1]x/",  "http://h$/",   "http//h",     "://h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (http_url_parse(bad[i], strlen(bad[i]), &u, &why))
            fail_msg("case %zu (%s) parsed", i, bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_valid),
        cmocka_unit_test(test_request_incremental),
        cmocka_unit_test(test_request_malformed),
        cmocka_unit_test(test_response),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_host_valid),
        cmocka_unit_test(test_date_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
