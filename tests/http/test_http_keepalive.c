/*
 * test_http_keepalive.c -- server keep-alive (http_server_set_keepalive,
 * include/microkernel/http.h): curl reuses one connection for several
 * requests (HTTP/1.1, and HTTP/1.0 with Connection: keep-alive), a client's
 * Connection: close is honoured, pipelined requests are answered in order,
 * (a HEAD answer without its body), and an idle connection closes without
 * a 408.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "microkernel/http.h"
#include "microkernel/error.h"
#include "peer.h"
#include "rt_thread.h"

#define MSG_START 0x600
#define IDLE_MS   400

typedef struct {
    atomic_int port;
    atomic_int requests;
} shared_t;

static shared_t sh;
static rt_thread_t rtt; /* the runtime and its thread */

/* Answers every request with its path as the body. */
static bool server(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    switch (msg->type) {
    case MSG_START:
        http_server_set_keepalive(r, true);
        http_server_set_idle_timeout(r, IDLE_MS);
        assert_true(actor_http_listen(r, 0));
        atomic_store(&sh.port, http_listen_port(r));
        actor_set_timer(r, 20, true);
        return true;
    case MSG_TIMER:
        if (rt_thread_quitting(&rtt))
            runtime_stop(r);
        return true;
    case MSG_HTTP_REQUEST: {
        const http_request_payload_t *p = msg->payload;
        const char *path = http_request_path(p);
        atomic_fetch_add(&sh.requests, 1);
        assert_true(actor_http_respond(r, p->conn_id, 200, NULL, 0, path, strlen(path)));
        return true;
    }
    default: return true;
    }
}

static int setup(void **state)
{
    peer_require("curl");
    memset(&sh, 0, sizeof sh);
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t s = actor_spawn(rt, server, NULL, NULL, 64);
    actor_send(rt, s, MSG_START, NULL, 0);
    rt_thread_start(&rtt, rt);
    *state = &rtt; /* for rt_thread_teardown */
    assert_true(rt_thread_wait_port(&sh.port, 5000));
    return 0;
}

/* Run curl with `opts` on /a, /b, /c; returns its -w output (static). */
static const char *curl3(const char *opts)
{
    static char out[512];
    const char *file = peer_tmpfile("ka-curl.out");
    int port = atomic_load(&sh.port);
    int st = peer_system("curl -s --max-time 10 %s -w '%%{num_connects}:%%{http_code}:' "
                         "http://127.0.0.1:%d/a http://127.0.0.1:%d/b http://127.0.0.1:%d/c > %s",
                         opts, port, port, port, file);
    char *o = peer_slurp(file, NULL);
    snprintf(out, sizeof out, "exit %d: %s", st, o ? o : "");
    free(o);
    return out;
}

static void test_curl_reuses_one_connection(void **state)
{
    (void)state;
    assert_string_equal(curl3(""), "exit 0: /a1:200:/b0:200:/c0:200:");
    assert_string_equal(curl3("--http1.0 -H 'Connection: keep-alive'"),
                        "exit 0: /a1:200:/b0:200:/c0:200:");
    /* the client's Connection: close, or HTTP/1.0 without keep-alive, close */
    assert_string_equal(curl3("-H 'Connection: close'"), "exit 0: /a1:200:/b1:200:/c1:200:");
    assert_string_equal(curl3("--http1.0"), "exit 0: /a1:200:/b1:200:/c1:200:");
}

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atomic_load(&sh.port))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Read until EOF (or the 5 s receive timeout); NUL-terminated. */
static size_t read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    return n;
}

static void test_pipelined_requests_answered_in_order(void **state)
{
    (void)state;
    int fd = dial();
    static const char req[] = "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
                              "HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n"
                              "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                              "GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(write(fd, req, sizeof req - 1), (ssize_t)(sizeof req - 1));
    char buf[2048];
    read_all(fd, buf, sizeof buf); /* EOF: the server closed after /three */
    close(fd);
    const char *one = strstr(buf, "\r\n\r\n/one");
    const char *two = strstr(buf, "\r\n\r\n/two");
    const char *three = strstr(buf, "Connection: close\r\n\r\n/three");
    const char *head = strstr(buf, "Content-Length: 5\r\n\r\nHTTP/1.1 200"); /* no body */
    if (!one || !head || !two || !three || !(one < head && head < two && two < three))
        fail_msg("pipelined answers missing or out of order:\n%s", buf);
    /* only the last answer closes */
    assert_null(strstr(buf, "Connection: close\r\n\r\n/one"));
    assert_null(strstr(buf, "Connection: close\r\n\r\n/two"));
}

static void test_idle_connection_closes_without_408(void **state)
{
    (void)state;
    int fd = dial();
    static const char req[] = "GET /idle HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(write(fd, req, sizeof req - 1), (ssize_t)(sizeof req - 1));
    char buf[1024];
    read_all(fd, buf, sizeof buf); /* the answer, then EOF after IDLE_MS */
    close(fd);
    if (!strstr(buf, "\r\n\r\n/idle") || strstr(buf, "408"))
        fail_msg("idle keep-alive connection: got\n%s", buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curl_reuses_one_connection),
        cmocka_unit_test(test_pipelined_requests_answered_in_order),
        cmocka_unit_test(test_idle_connection_closes_without_408),
    };
    return cmocka_run_group_tests(tests, setup, rt_thread_teardown);
}
