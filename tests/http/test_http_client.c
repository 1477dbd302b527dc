/*
 * test_http_client.c -- actor_http_get / actor_http_fetch / actor_sse_connect
 * against real peers on 127.0.0.1, started here: python3 -m http.server,
 * nginx (static file; chunked response proxied from an HTTP/1.0 upstream),
 * and tests/http/peers/raw_server.py for what well-behaved servers never
 * send (garbage, truncated bodies, silence, oversized heads, SSE streams).
 * Every failure must arrive as MSG_HTTP_ERROR with the right code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "microkernel/error.h"

static char dir[64];
static pid_t py_pid, raw_pid, nginx_pid;
static uint16_t py_port, raw_port, nginx_port;
static char *big;
static size_t big_len = 300000;

static int setup(void **state)
{
    (void)state;
    peer_require("python3");
    peer_require("nginx");
    snprintf(dir, sizeof dir, "%s", peer_tmpdir());
    chmod(dir, 0755);
    char path[256];
    snprintf(path, sizeof path, "%s/hello.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("hello from python\n", f);
    fclose(f);
    big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)('a' + (i * 7) % 26);
    snprintf(path, sizeof path, "%s/static.bin", dir);
    f = fopen(path, "wb");
    fwrite(big, 1, big_len, f);
    fclose(f);

    py_port = peer_free_port();
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%u", py_port);
    char *py[] = {"python3",   "-m",          "http.server", port_s, "--bind",
                  "127.0.0.1", "--directory", dir,           NULL};
    py_pid = peer_spawn(py, NULL);

    raw_port = peer_free_port();
    char raw_s[16], script[512];
    snprintf(raw_s, sizeof raw_s, "%u", raw_port);
    snprintf(script, sizeof script, "%s/raw_server.py", peer_scripts());
    char *raw[] = {"python3", script, raw_s, NULL};
    raw_pid = peer_spawn(raw, NULL);

    nginx_port = peer_free_port();
    char conf[256];
    snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
    f = fopen(conf, "w");
    fprintf(f,
            "worker_processes 1;\ndaemon off;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
            "events { worker_connections 256; }\n"
            "http {\n access_log off;\n client_body_temp_path %s;\n proxy_temp_path %s;\n"
            " fastcgi_temp_path %s;\n uwsgi_temp_path %s;\n scgi_temp_path %s;\n"
            " server {\n  listen 127.0.0.1:%u;\n  root %s;\n"
            "  location /proxy/ { proxy_pass http://127.0.0.1:%u/; proxy_buffering off; }\n"
            " }\n}\n",
            dir, dir, dir, dir, dir, dir, dir, nginx_port, dir, raw_port);
    fclose(f);
    char log[256];
    snprintf(log, sizeof log, "%s/nginx.out", dir);
    char *ng[] = {"nginx", "-p", dir, "-c", conf, NULL};
    nginx_pid = peer_spawn(ng, log);

    if (!peer_wait_port(py_port, 10000) || !peer_wait_port(raw_port, 10000) ||
        !peer_wait_port(nginx_port, 10000)) {
        char *l = peer_slurp(log, NULL);
        fail_msg("peers did not start (nginx said: %s)", l ? l : "?");
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    peer_stop(py_pid);
    peer_stop(raw_pid);
    peer_stop(nginx_pid);
    peer_system("rm -rf %s", dir);
    free(big);
    return 0;
}

static collect_req_t *add(collector_t *c, const char *method, const char *fmt, ...)
{
    collect_req_t *q = &c->req[c->n++];
    q->method = method;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->url, sizeof q->url, fmt, ap);
    va_end(ap);
    return q;
}

static void test_real_servers(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 64);
    collector_t *c = calloc(1, sizeof *c);
    add(c, NULL, "http://127.0.0.1:%u/hello.txt", py_port);
    add(c, NULL, "http://localhost:%u/missing", py_port);
    add(c, NULL, "http://127.0.0.1:%u/static.bin", nginx_port);
    add(c, NULL, "http://127.0.0.1:%u/proxy/nolength", nginx_port);
    add(c, "HEAD", "http://127.0.0.1:%u/static.bin", nginx_port);
    static const char *const hdrs[] = {"X-Test: 1", "Accept: */*"};
    collect_req_t *q = add(c, "POST", "http://127.0.0.1:%u/hello.txt", nginx_port);
    q->headers = hdrs;
    q->n_headers = 2;
    q->body = "abc";
    q->body_size = 3;
    collector_run(rt, c, 20000);

    collect_res_t *r = c->res;
    assert_int_equal(r[0].err_code, 0);
    assert_int_equal(r[0].status, 200);
    assert_string_equal(r[0].body, "hello from python\n");
    assert_non_null(collect_header(&r[0], "Content-Length"));
    assert_int_equal(r[1].status, 404);
    assert_int_equal(r[2].status, 200);
    assert_int_equal(r[2].body_len, big_len);
    assert_memory_equal(r[2].body, big, big_len);
    assert_int_equal(r[3].status, 200);
    const char *te = collect_header(&r[3], "Transfer-Encoding");
    if (!te || strcmp(te, "chunked") != 0)
        fail_msg("nginx did not answer chunked: Transfer-Encoding=%s", te ? te : "(none)");
    assert_string_equal(r[3].body, "part0-part1-part2-part3-part4-");
    assert_int_equal(r[4].status, 200);
    assert_int_equal(r[4].body_len, 0);
    assert_int_equal(r[5].status, 405); /* nginx: POST to a static file */
    collector_free(c);
    free(c);
    runtime_destroy(rt);
}

static void test_bad_servers(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 64);
    collector_t *c = calloc(1, sizeof *c);
    c->timeout_ms = 1500;
    add(c, NULL, "http://127.0.0.1:%u/garbage", raw_port);
    add(c, NULL, "http://127.0.0.1:%u/truncated", raw_port);
    add(c, NULL, "http://127.0.0.1:%u/badchunk", raw_port);
    add(c, NULL, "http://127.0.0.1:%u/chunked-cut", raw_port);
    add(c, NULL, "http://127.0.0.1:%u/bighead", raw_port);
    add(c, NULL, "http://127.0.0.1:%u/", peer_free_port());
    add(c, NULL, "http://127.0.0.1:%u/hang", raw_port);
    add(c, NULL, "ftp://127.0.0.1/");
    add(c, NULL, "http://127.0.0.1:%u/proxy/nolength", raw_port); /* raw: 404 with body */
    collector_run(rt, c, 20000);
    static const int want[] = {
        HTTP_ERR_PROTOCOL,  HTTP_ERR_CLOSED,  HTTP_ERR_PROTOCOL, HTTP_ERR_CLOSED,
        HTTP_ERR_TOO_LARGE, HTTP_ERR_CONNECT, HTTP_ERR_TIMEOUT,  -1};
    for (int i = 0; i < 8; i++) {
        if (c->res[i].err_code != want[i])
            fail_msg("request %d (%s): error %d (%s), want %d", i, c->req[i].url,
                     c->res[i].err_code, c->res[i].err, want[i]);
        assert_true(c->res[i].err[0] != '\0');
        printf("# %s -> %s\n", c->req[i].url, c->res[i].err);
    }
    assert_non_null(strstr(c->res[7].err, "scheme"));
    assert_int_equal(c->res[8].status, 404);
    assert_string_equal(c->res[8].body, "not found");
    collector_free(c);
    free(c);
    runtime_destroy(rt);
}

static void test_dns_failure(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 64);
    collector_t *c = calloc(1, sizeof *c);
    add(c, NULL, "http://no-such-host.invalid/");
    collector_run(rt, c, 40000);
    if (c->res[0].err_code != HTTP_ERR_DNS)
        fail_msg("got error %d (%s), want HTTP_ERR_DNS", c->res[0].err_code, c->res[0].err);
    printf("# %s\n", c->res[0].err);
    collector_free(c);
    free(c);
    runtime_destroy(rt);
}

static void test_sse_client(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 64);
    collector_t *c = calloc(1, sizeof *c);
    add(c, "SSE", "http://127.0.0.1:%u/sse", raw_port);
    add(c, "SSE", "http://127.0.0.1:%u/sse-404", raw_port);
    collector_run(rt, c, 10000);
    if (!c->res[0].sse_open)
        fail_msg("SSE stream did not open: error %d (%s)", c->res[0].err_code, c->res[0].err);
    assert_true(c->res[0].sse_closed);
    assert_int_equal(c->res[0].status, 200);
    assert_string_equal(c->res[0].sse_log,
                        "message=hello;update=line1\nline2;message=split across reads;");
    assert_false(c->res[1].sse_open);
    assert_true(c->res[1].sse_closed);
    assert_int_equal(c->res[1].err_code, HTTP_ERR_STATUS);
    assert_int_equal(c->res[1].status, 404);
    collector_free(c);
    free(c);
    runtime_destroy(rt);
}

static void test_call_errors(void **state)
{
    (void)state;
    /* outside a behaviour, every client call fails with a reason */
    runtime_t *rt = runtime_init(1, 8);
    assert_int_equal(actor_http_get(rt, "http://127.0.0.1/"), HTTP_CONN_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "behaviour"));
    assert_false(actor_ws_send_text(rt, 1, "x", 1));
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_servers), cmocka_unit_test(test_bad_servers),
        cmocka_unit_test(test_sse_client),   cmocka_unit_test(test_dns_failure),
        cmocka_unit_test(test_call_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
