/*
 * test_http_status.c -- regressions for issue 13 "HTTP status codes (RFC
 * 9110/9112)": what the server answers by itself, read off the wire by raw
 * clients that send exactly the bytes under test. Two Host lines or an
 * invalid Host value are 400 (RFC 9112 3.2); an HTTP/1.0 request with
 * Transfer-Encoding is answered, then the connection closes (6.1); an
 * over-long request-target is 414, not 431 (3); one empty line before the
 * request-line is ignored (2.2); a 405 carries Allow (RFC 9110 15.5.6);
 * "gzip, chunked" is 501 (RFC 9112 6.1); every response has a Date
 * (RFC 9110 6.6.1); and a client that pipelines and then shuts down its
 * sending side gets every answer, whatever the body sizes.
 * Keep-alive is on. The runtime runs on its own thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "microkernel/error.h"
#include "peer.h"
#include "rawsock.h"
#include "rt_thread.h"

#define MSG_START 0x500

typedef struct {
    atomic_int port;
    rt_fail_t fail;
} shared_t;

static http_conn_id_t slow_conn; /* "/slow": answered once the client's FIN was read */

static shared_t sh;
static rt_thread_t rtt;

/* Answers: "/405" 405 without Allow, "/405a" 405 with Allow, "/date" 200
 * with the actor's own Date; anything else 200 "m=<method> p=<path> n=<body bytes>". */
static bool server(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    switch (msg->type) {
    case MSG_START:
        http_server_set_keepalive(r, true);
        if (!actor_http_listen(r, 0))
            rt_fail_once(&sh.fail, "listen: %s", mk_last_error());
        atomic_store(&sh.port, http_listen_port(r));
        actor_set_timer(r, 20, true);
        break;
    case MSG_TIMER: {
        if (rt_thread_quitting(&rtt))
            runtime_stop(r);
        http_conn_stats_t st;
        if (slow_conn && http_conn_stats(r, slow_conn, &st) && st.peer_eof) {
            if (!actor_http_respond(r, slow_conn, 200, NULL, 0, "m=GET p=/slow n=0", 17))
                rt_fail_once(&sh.fail, "respond /slow: %s", mk_last_error());
            slow_conn = HTTP_CONN_ID_INVALID;
        } else if (slow_conn && !http_conn_stats(r, slow_conn, &st)) {
            rt_fail_once(&sh.fail, "/slow: the connection went away at the client's FIN: %s",
                         mk_last_error());
            slow_conn = HTTP_CONN_ID_INVALID;
        }
        break;
    }
    case MSG_HTTP_REQUEST: {
        const http_request_payload_t *p = msg->payload;
        const char *path = http_request_path(p);
        bool ok;
        if (strcmp(path, "/slow") == 0) {
            slow_conn = p->conn_id; /* answered by the timer, after the FIN */
            ok = true;
        } else if (strcmp(path, "/405") == 0) {
            ok = actor_http_respond(r, p->conn_id, 405, NULL, 0, NULL, 0);
        } else if (strcmp(path, "/405a") == 0) {
            static const char *const h[] = {"Allow: GET, HEAD"};
            ok = actor_http_respond(r, p->conn_id, 405, h, 1, NULL, 0);
        } else if (strcmp(path, "/date") == 0) {
            static const char *const h[] = {"date: Sun, 06 Nov 1994 08:49:37 GMT"};
            ok = actor_http_respond(r, p->conn_id, 200, h, 1, NULL, 0);
        } else {
            char body[400];
            int n = snprintf(body, sizeof body, "m=%s p=%.300s n=%zu", http_request_method(p), path,
                             p->body_size);
            ok = actor_http_respond(r, p->conn_id, 200, NULL, 0, body, (size_t)n);
        }
        if (!ok)
            rt_fail_once(&sh.fail, "respond: %s", mk_last_error());
        break;
    }
    default: break;
    }
    return true;
}

static int setup(void **state)
{
    memset(&sh, 0, sizeof sh);
    runtime_t *rt = runtime_init(1, 64);
    actor_id_t a = actor_spawn(rt, server, NULL, NULL, 256);
    assert_true(a != ACTOR_ID_INVALID);
    actor_send(rt, a, MSG_START, NULL, 0);
    rt_thread_start(&rtt, rt);
    *state = &rtt;
    assert_true(rt_thread_wait_port(&sh.port, 5000));
    return 0;
}

/* Send `len` bytes of `req` on a new connection, shut down our sending
 * side, and read until the server closes. Returns everything (malloc'd,
 * NUL-terminated). */
static char *exchange(const char *req, size_t len)
{
    int fd = raw_connect((uint16_t)atomic_load(&sh.port), 0);
    raw_send(fd, req, len);
    shutdown(fd, SHUT_WR);
    raw_buf_t b = {0};
    for (;;) {
        long n = raw_read_some(fd, &b, 10000);
        if (n == 0)
            break;
        if (n < 0)
            fail_msg("the server neither answered nor closed within 10 s (%zu bytes read)", b.len);
    }
    close(fd);
    char *s = malloc(b.len + 1);
    assert_non_null(s);
    memcpy(s, b.data, b.len);
    s[b.len] = '\0';
    raw_buf_free(&b);
    if (atomic_load(&sh.fail.failed))
        fail_msg("%s", sh.fail.text);
    return s;
}

static char *exchange_str(const char *req)
{
    return exchange(req, strlen(req));
}

/* The status of the response at `resp`. */
static int status_of(const char *resp)
{
    if (strncmp(resp, "HTTP/1.1 ", 9) != 0)
        fail_msg("not a response: \"%.60s\"", resp);
    return atoi(resp + 9);
}

/* Count the responses in `all` (their bodies here never hold "HTTP/1.1 "). */
static int count_responses(const char *all)
{
    int n = 0;
    for (const char *p = all; (p = strstr(p, "HTTP/1.1 ")) != NULL; p += 9)
        n++;
    return n;
}

/* The value of header `name` in the head of `resp` (static copy), or NULL. */
static const char *header_of(const char *resp, const char *name)
{
    static char v[256];
    const char *end = strstr(resp, "\r\n\r\n");
    size_t nl = strlen(name);
    for (const char *p = strstr(resp, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *val = line + nl + 1;
            while (*val == ' ')
                val++;
            const char *e = strstr(val, "\r\n");
            snprintf(v, sizeof v, "%.*s", (int)(e - val), val);
            return v;
        }
    }
    return NULL;
}

static void expect_status(const char *req, int status)
{
    char *r = exchange_str(req);
    if (status_of(r) != status)
        fail_msg("%d for \"%s\", want %d: \"%.120s\"", status_of(r), req, status, r);
    free(r);
}

static void test_host_twice_or_invalid_is_400(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400);
    expect_status("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\n\r\n", 400);
    /* Valid ones still reach the actor. */
    expect_status("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", 200);
    expect_status("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 200);
    expect_status("GET / HTTP/1.1\r\nHost:\r\n\r\n", 200);
    expect_status("GET / HTTP/1.0\r\n\r\n", 200);
}

static void test_http10_transfer_encoding_answers_then_closes(void **state)
{
    (void)state;
    /* Keep-alive asked for and on, yet the connection must close after the answer. */
    const char req[] = "POST /te HTTP/1.0\r\nConnection: keep-alive\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    int fd = raw_connect((uint16_t)atomic_load(&sh.port), 0);
    raw_send(fd, req, sizeof req - 1);
    /* Not shut down: the server must close by itself. */
    raw_buf_t b = {0};
    for (;;) {
        long n = raw_read_some(fd, &b, 10000);
        if (n == 0)
            break;
        if (n < 0)
            fail_msg("HTTP/1.0 + Transfer-Encoding: no close after the answer (%zu bytes)", b.len);
    }
    close(fd);
    assert_true(b.len > 0 && b.len < b.cap); /* raw_read_some keeps room */
    b.data[b.len] = '\0';
    char *r = (char *)b.data;
    assert_int_equal(status_of(r), 200);
    assert_non_null(strstr(r, "m=POST p=/te n=5"));
    const char *conn = header_of(r, "Connection");
    assert_non_null(conn);
    assert_string_equal(conn, "close");
    assert_int_equal(count_responses(r), 1);
    raw_buf_free(&b);
    /* The same request over HTTP/1.1 keeps the connection (control). */
    const char req11[] = "POST /te HTTP/1.1\r\nHost: x\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    char *r11 = exchange(req11, sizeof req11 - 1);
    assert_int_equal(status_of(r11), 200);
    assert_null(header_of(r11, "Connection"));
    free(r11);
}

/* A request whose target is `target_len` bytes. */
static char *long_target_request(size_t target_len)
{
    char *req = malloc(target_len + 64);
    assert_non_null(req);
    strcpy(req, "GET /");
    memset(req + 5, 'a', target_len - 1);
    strcpy(req + 4 + target_len, " HTTP/1.1\r\nHost: x\r\n\r\n");
    return req;
}

static void test_long_target_is_414(void **state)
{
    (void)state;
    size_t sizes[] = {MK_HTTP_MAX_TARGET + 1, MK_HTTP_MAX_HEAD + 100, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *req = long_target_request(sizes[i]);
        char *r = exchange_str(req);
        if (status_of(r) != 414)
            fail_msg("a %zu-byte target: %d, want 414", sizes[i], status_of(r));
        free(r);
        free(req);
    }
    /* At the limit: served. */
    char *req = long_target_request(MK_HTTP_MAX_TARGET);
    char *r = exchange_str(req);
    assert_int_equal(status_of(r), 200);
    free(r);
    free(req);
    /* Big fields with a short target are still 431. */
    size_t big = MK_HTTP_MAX_HEAD + 10;
    char *hreq = malloc(big + 64);
    assert_non_null(hreq);
    strcpy(hreq, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    size_t at = strlen(hreq);
    memset(hreq + at, 'b', big);
    strcpy(hreq + at + big, "\r\n\r\n");
    r = exchange_str(hreq);
    assert_int_equal(status_of(r), 431);
    free(r);
    free(hreq);
}

static void test_leading_empty_line_is_ignored(void **state)
{
    (void)state;
    expect_status("\r\nGET /lead HTTP/1.1\r\nHost: x\r\n\r\n", 200);
    expect_status("\nGET /lead HTTP/1.1\r\nHost: x\r\n\r\n", 200);
    /* Between pipelined requests too (a client's CRLF after a POST body). */
    char *r = exchange_str("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi\r\n"
                           "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(count_responses(r), 2);
    assert_non_null(strstr(r, "m=POST p=/a n=2"));
    assert_non_null(strstr(r, "m=GET p=/b n=0"));
    free(r);
}

static void test_405_carries_allow(void **state)
{
    (void)state;
    char *r = exchange_str("GET /405 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(status_of(r), 405);
    if (!header_of(r, "Allow"))
        fail_msg("405 without Allow: \"%s\"", r);
    free(r);
    r = exchange_str("GET /405a HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(status_of(r), 405);
    assert_string_equal(header_of(r, "Allow"), "GET, HEAD");
    assert_int_equal(strstr(strstr(r, "Allow:") + 1, "Allow:") == NULL, 1); /* only once */
    free(r);
}

static void test_unsupported_transfer_coding_is_501(void **state)
{
    (void)state;
    expect_status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                  "0\r\n\r\n",
                  501);
    expect_status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                  501);
    /* chunked not final: the length cannot be known (RFC 9112 6.3): 400. */
    expect_status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400);
    /* TE states what the client accepts in the response: no reason to refuse. */
    expect_status("GET / HTTP/1.1\r\nHost: x\r\nTE: trailers, gzip\r\n\r\n", 200);
}

/* An IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
static bool is_imf_fixdate(const char *d)
{
    static const char *const days = "Mon Tue Wed Thu Fri Sat Sun";
    static const char *const months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec";
    if (strlen(d) != 29 || d[3] != ',' || d[4] != ' ' || d[7] != ' ' || d[11] != ' ' ||
        d[16] != ' ' || d[19] != ':' || d[22] != ':' || strcmp(d + 25, " GMT") != 0)
        return false;
    char day[4], mon[4];
    memcpy(day, d, 3);
    memcpy(mon, d + 8, 3);
    day[3] = mon[3] = '\0';
    if (!strstr(days, day) || !strstr(months, mon))
        return false;
    static const int digits[] = {5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24};
    for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++)
        if (d[digits[i]] < '0' || d[digits[i]] > '9')
            return false;
    return true;
}

static void test_responses_carry_date(void **state)
{
    (void)state;
    static const char *const reqs[] = {
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",              /* the actor's 200 */
        "GET /405 HTTP/1.1\r\nHost: x\r\n\r\n",           /* the actor's 405 */
        "garbage\r\n\r\n",                                /* our 400 */
        "GET / HTTP/1.1\r\nHost: x\r\nExpect: x\r\n\r\n", /* our 417 */
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        char *r = exchange_str(reqs[i]);
        const char *d = header_of(r, "Date");
        if (!d || !is_imf_fixdate(d))
            fail_msg("response %zu: Date \"%s\" is not an IMF-fixdate: \"%.100s\"", i,
                     d ? d : "(none)", r);
        free(r);
    }
    /* The actor's own Date replaces ours. */
    char *r = exchange_str("GET /date HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_string_equal(header_of(r, "Date"), "Sun, 06 Nov 1994 08:49:37 GMT");
    const char *first = strcasestr(r, "\r\nDate:");
    assert_null(strcasestr(first + 2, "\r\nDate:"));
    free(r);
}

static void test_half_close_after_pipelining_gets_every_answer(void **state)
{
    (void)state;
    /* GET, a 3 MiB POST (more than the server reads ahead), a GET answered
     * only after the server read the FIN, then the FIN. */
    size_t big = 3u << 20;
    const char *h1 = "GET /one HTTP/1.1\r\nHost: x\r\n\r\n";
    char h2[128];
    snprintf(h2, sizeof h2, "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", big);
    const char *h3 = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n";
    size_t len = strlen(h1) + strlen(h2) + big + strlen(h3);
    char *req = malloc(len);
    assert_non_null(req);
    size_t at = 0;
    memcpy(req + at, h1, strlen(h1));
    at += strlen(h1);
    memcpy(req + at, h2, strlen(h2));
    at += strlen(h2);
    memset(req + at, 'z', big);
    at += big;
    memcpy(req + at, h3, strlen(h3));
    char *r = exchange(req, len);
    free(req);
    if (count_responses(r) != 3)
        fail_msg("%d answers to 3 pipelined requests before a half-close: \"%.300s\"",
                 count_responses(r), r);
    char want2[64];
    snprintf(want2, sizeof want2, "m=POST p=/two n=%zu", big);
    const char *a1 = strstr(r, "m=GET p=/one n=0"), *a2 = strstr(r, want2),
               *a3 = strstr(r, "m=GET p=/slow n=0");
    assert_non_null(a1);
    assert_non_null(a2);
    assert_non_null(a3);
    assert_true(a1 < a2 && a2 < a3);
    free(r);
    /* A single request, half-closed: answered. */
    r = exchange_str("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(count_responses(r), 1);
    assert_non_null(strstr(r, "m=GET p=/slow n=0"));
    free(r);
    /* An incomplete request after the complete ones is not owed an answer. */
    r = exchange_str("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /part");
    assert_int_equal(count_responses(r), 1);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_twice_or_invalid_is_400),
        cmocka_unit_test(test_http10_transfer_encoding_answers_then_closes),
        cmocka_unit_test(test_long_target_is_414),
        cmocka_unit_test(test_leading_empty_line_is_ignored),
        cmocka_unit_test(test_405_carries_allow),
        cmocka_unit_test(test_unsupported_transfer_coding_is_501),
        cmocka_unit_test(test_responses_carry_date),
        cmocka_unit_test(test_half_close_after_pipelining_gets_every_answer),
    };
    return cmocka_run_group_tests(tests, setup, rt_thread_teardown);
}
