/*
 * test_http_compat.c -- issue 14 §3, the HTTP items where the seed is
 * silent and the original is specific: a server-side WebSocket delivers
 * MSG_WS_OPEN after actor_ws_accept and MSG_WS_CLOSED with the peer's
 * close code (MSG_WS_ERROR 1006 when TCP drops), like the client side,
 * while MSG_HTTP_CONN_CLOSED stays for plain HTTP and SSE connections;
 * method_size, path_size, headers_size and event_size count what the
 * original's do (method and path with their NUL, packed "Key: Value\0"
 * fields with theirs, the event name with its NUL); and mk_socket.h
 * defines HAVE_TLS from HAVE_OPENSSL or HAVE_MBEDTLS (have_tls_*.c).
 * Raw clients on 127.0.0.1; the runtime runs on its own thread.
 */
#include <pthread.h>
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
#include <unistd.h>

#include "microkernel/error.h"
#include "peer.h"
#include "rawsock.h"
#include "rt_thread.h"

#define MSG_START 0x500

int have_tls_with_openssl(void);
int have_tls_with_mbedtls(void);
int have_tls_without_backend(void);

typedef struct {
    atomic_int port;
    pthread_mutex_t lock;
    char log[2048];      /* "<event>;" per message about a connection, in order */
    atomic_int n_events; /* events logged */
    char sizes[256];     /* what the last "/sizes" request measured */
    atomic_bool sizes_done;
    char sse[256]; /* what the SSE client measured */
    atomic_bool sse_done;
    atomic_bool sse_go; /* set by the test: the SSE client connects */
    rt_fail_t fail;
} shared_t;

static shared_t sh;
static rt_thread_t rtt;
static http_conn_id_t late_sse; /* "/sse-late": started once the client's FIN was read */

static void logf_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_event(const char *fmt, ...)
{
    pthread_mutex_lock(&sh.lock);
    size_t n = strlen(sh.log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sh.log + n, sizeof sh.log - n, fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&sh.lock);
    atomic_fetch_add(&sh.n_events, 1);
}

/* Measure a request's sizes the way the original's layout defines them. */
static void measure(const http_request_payload_t *p)
{
    const char *m = http_request_method(p), *path = http_request_path(p);
    const char *hd = http_request_headers(p);
    size_t fields = 0, packed = 0;
    for (const char *q = hd; q < hd + p->headers_size; q += strlen(q) + 1) {
        fields++;
        packed += strlen(q) + 1;
    }
    /* The original's accessors: each part starts where the sizes say. */
    const char *raw = (const char *)(p + 1);
    bool layout =
        path == raw + p->method_size && hd == raw + p->method_size + p->path_size &&
        (const char *)http_request_body(p) == raw + p->method_size + p->path_size + p->headers_size;
    snprintf(sh.sizes, sizeof sh.sizes,
             "method=%s/%zu path=%s/%zu fields=%zu headers=%zu/%zu body=%.*s/%zu layout=%d", m,
             p->method_size, path, p->path_size, fields, packed, p->headers_size, (int)p->body_size,
             (const char *)http_request_body(p), p->body_size, layout);
    atomic_store(&sh.sizes_done, true);
}

static bool server(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    switch (msg->type) {
    case MSG_START:
        if (!actor_http_listen(r, 0))
            rt_fail_once(&sh.fail, "listen: %s", mk_last_error());
        atomic_store(&sh.port, http_listen_port(r));
        actor_set_timer(r, 20, true);
        break;
    case MSG_TIMER: {
        if (rt_thread_quitting(&rtt))
            runtime_stop(r);
        http_conn_stats_t st;
        if (late_sse && http_conn_stats(r, late_sse, &st) && st.peer_eof) {
            if (!actor_sse_start(r, late_sse))
                rt_fail_once(&sh.fail, "late sse_start: %s", mk_last_error());
            logf_event("sse-late-start;");
            late_sse = HTTP_CONN_ID_INVALID;
        }
        break;
    }
    case MSG_HTTP_REQUEST: {
        const http_request_payload_t *p = msg->payload;
        const char *path = http_request_path(p);
        if (strcmp(path, "/ws") == 0) {
            if (!actor_ws_accept(r, p->conn_id))
                rt_fail_once(&sh.fail, "ws_accept: %s", mk_last_error());
        } else if (strcmp(path, "/sse") == 0) {
            if (!actor_sse_start(r, p->conn_id))
                rt_fail_once(&sh.fail, "sse_start: %s", mk_last_error());
            logf_event("sse-start;");
        } else if (strcmp(path, "/events") == 0) {
            /* For the SSE client: a named and an unnamed event, then the end. */
            bool ok = actor_sse_start(r, p->conn_id) &&
                      actor_sse_push(r, p->conn_id, "tick", "abc", 3) &&
                      actor_sse_push(r, p->conn_id, NULL, "xy\nz", 4);
            if (!ok)
                rt_fail_once(&sh.fail, "sse push: %s", mk_last_error());
            actor_http_close(r, p->conn_id);
        } else if (strncmp(path, "/sizes", 6) == 0) {
            measure(p);
            actor_http_respond(r, p->conn_id, 200, NULL, 0, NULL, 0);
        } else if (strcmp(path, "/sse-late") == 0) {
            late_sse = p->conn_id;
        } else if (strcmp(path, "/hold") == 0) {
            logf_event("hold;"); /* never answered */
        } else {
            actor_http_respond(r, p->conn_id, 404, NULL, 0, NULL, 0);
        }
        break;
    }
    case MSG_WS_OPEN: logf_event("ws-open;"); break;
    case MSG_WS_MESSAGE: {
        const ws_message_payload_t *m = msg->payload;
        logf_event("ws-message %.*s;", (int)m->data_size, (const char *)ws_message_data(m));
        break;
    }
    case MSG_WS_CLOSED:
    case MSG_WS_ERROR: {
        const ws_status_payload_t *s = msg->payload;
        logf_event("%s %u;", msg->type == MSG_WS_CLOSED ? "ws-closed" : "ws-error",
                   (unsigned)s->close_code);
        break;
    }
    case MSG_HTTP_CONN_CLOSED: {
        const ws_status_payload_t *s = msg->payload;
        logf_event("conn-closed %u;", (unsigned)s->close_code);
        break;
    }
    default: break;
    }
    return true;
}

/* An SSE client of our own server: records event_size and the accessors. */
static bool sse_client(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    switch (msg->type) {
    case MSG_START: actor_set_timer(r, 10, true); break;
    case MSG_TIMER: {
        if (!atomic_exchange(&sh.sse_go, false))
            break;
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/events", atomic_load(&sh.port));
        if (actor_sse_connect(r, url) == HTTP_CONN_ID_INVALID)
            rt_fail_once(&sh.fail, "sse_connect: %s", mk_last_error());
        break;
    }
    case MSG_SSE_EVENT: {
        const sse_event_payload_t *e = msg->payload;
        const char *name = sse_event_name(e), *data = sse_event_data(e);
        size_t n = strlen(sh.sse);
        snprintf(sh.sse + n, sizeof sh.sse - n, "%s/%zu=%s/%zu layout=%d;", name, e->event_size,
                 data, e->data_size, data == (const char *)(e + 1) + e->event_size);
        break;
    }
    case MSG_SSE_CLOSED: atomic_store(&sh.sse_done, true); break;
    default: break;
    }
    return true;
}

static int setup(void **state)
{
    memset(&sh, 0, sizeof sh);
    pthread_mutex_init(&sh.lock, NULL);
    runtime_t *rt = runtime_init(1, 64);
    actor_id_t a = actor_spawn(rt, server, NULL, NULL, 256);
    actor_id_t c = actor_spawn(rt, sse_client, NULL, NULL, 256);
    assert_true(a != ACTOR_ID_INVALID && c != ACTOR_ID_INVALID);
    actor_send(rt, a, MSG_START, NULL, 0);
    actor_send(rt, c, MSG_START, NULL, 0);
    rt_thread_start(&rtt, rt);
    *state = &rtt;
    assert_true(rt_thread_wait_port(&sh.port, 5000));
    return 0;
}

/* Wait until `n` events were logged, then return the log (static copy) and clear it. */
static const char *take_log(int n)
{
    for (int i = 0; i < 1000 && atomic_load(&sh.n_events) < n; i++)
        usleep(10000);
    if (atomic_load(&sh.fail.failed))
        fail_msg("%s", sh.fail.text);
    static char copy[2048];
    pthread_mutex_lock(&sh.lock);
    snprintf(copy, sizeof copy, "%s", sh.log);
    sh.log[0] = '\0';
    atomic_store(&sh.n_events, 0);
    pthread_mutex_unlock(&sh.lock);
    return copy;
}

/* A masked client frame (RFC 6455 5.3) with `len` <= 125 payload bytes. */
static size_t client_frame(uint8_t op, const void *payload, size_t len, uint8_t *out)
{
    static const uint8_t key[4] = {1, 2, 3, 4};
    out[0] = (uint8_t)(0x80 | op);
    out[1] = (uint8_t)(0x80 | len);
    memcpy(out + 2, key, 4);
    for (size_t i = 0; i < len; i++)
        out[6 + i] = ((const uint8_t *)payload)[i] ^ key[i % 4];
    return 6 + len;
}

static void test_server_websocket_open_message_closed_with_code(void **state)
{
    (void)state;
    int fd = raw_connect((uint16_t)atomic_load(&sh.port), 0);
    raw_buf_t b = {0};
    size_t head = raw_ws_upgrade(fd, "/ws", &b);
    uint8_t f[140];
    raw_send(fd, f, client_frame(0x1, "hi", 2, f));
    const uint8_t close_body[] = {4001 >> 8, 4001 & 0xff, 'b', 'y', 'e'};
    raw_send(fd, f, client_frame(0x8, close_body, sizeof close_body, f));
    /* The server echoes the code and closes TCP first (RFC 6455 5.5.1, 7.1.1). */
    while (raw_read_some(fd, &b, 5000) > 0) {
    }
    raw_frame_t fr;
    assert_true(raw_ws_frame(b.data + head, b.len - head, &fr));
    assert_int_equal(fr.opcode, 0x8);
    assert_int_equal(fr.payload[0] << 8 | fr.payload[1], 4001);
    raw_buf_free(&b);
    close(fd);
    assert_string_equal(take_log(3), "ws-open;ws-message hi;ws-closed 4001;");
}

static void test_server_websocket_dropped_is_ws_error_1006(void **state)
{
    (void)state;
    int fd = raw_connect((uint16_t)atomic_load(&sh.port), 0);
    raw_buf_t b = {0};
    raw_ws_upgrade(fd, "/ws", &b);
    raw_buf_free(&b);
    assert_string_equal(take_log(1), "ws-open;");
    close(fd); /* no close frame */
    assert_string_equal(take_log(1), "ws-error 1006;");
}

static void test_sse_and_plain_http_keep_conn_closed(void **state)
{
    (void)state;
    /* SSE: the client goes away. */
    int fd = raw_connect((uint16_t)atomic_load(&sh.port), 0);
    const char sse[] = "GET /sse HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_send(fd, sse, sizeof sse - 1);
    raw_buf_t b = {0};
    assert_true(raw_read_until(fd, &b, "\r\n\r\n", 5000) > 0);
    raw_buf_free(&b);
    assert_string_equal(take_log(1), "sse-start;");
    close(fd);
    assert_string_equal(take_log(1), "conn-closed 0;");
    /* Plain HTTP: a request waits for its answer and the client resets. */
    fd = raw_connect((uint16_t)atomic_load(&sh.port), 0);
    const char hold[] = "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_send(fd, hold, sizeof hold - 1);
    assert_string_equal(take_log(1), "hold;");
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    close(fd); /* RST */
    assert_string_equal(take_log(1), "conn-closed 0;");
    /* SSE started after the client's end was read: the head, then the close. */
    fd = raw_connect((uint16_t)atomic_load(&sh.port), 0);
    const char late[] = "GET /sse-late HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_send(fd, late, sizeof late - 1);
    shutdown(fd, SHUT_WR);
    raw_buf_t lb = {0};
    while (raw_read_some(fd, &lb, 5000) > 0) {
    }
    assert_true(lb.len > 13);
    assert_memory_equal(lb.data, "HTTP/1.1 200 ", 13);
    raw_buf_free(&lb);
    close(fd);
    assert_string_equal(take_log(2), "sse-late-start;conn-closed 0;");
}

static void test_request_sizes_count_like_the_original(void **state)
{
    (void)state;
    int fd = raw_connect((uint16_t)atomic_load(&sh.port), 0);
    const char req[] = "POST /sizes?q=1 HTTP/1.1\r\nHost: h\r\nX-A:  b c \r\n"
                       "Content-Length: 4\r\n\r\nbody";
    raw_send(fd, req, sizeof req - 1);
    for (int i = 0; i < 500 && !atomic_load(&sh.sizes_done); i++)
        usleep(10000);
    close(fd);
    assert_true(atomic_load(&sh.sizes_done));
    /* "POST\0" 5, "/sizes?q=1\0" 11, "Host: h\0X-A: b c\0Content-Length: 4\0" 8+9+18. */
    assert_string_equal(sh.sizes, "method=POST/5 path=/sizes?q=1/11 fields=3 headers=35/35 "
                                  "body=body/4 layout=1");
}

static void test_sse_event_size_counts_the_nul(void **state)
{
    (void)state;
    atomic_store(&sh.sse_go, true);
    for (int i = 0; i < 500 && !atomic_load(&sh.sse_done); i++)
        usleep(10000);
    if (atomic_load(&sh.fail.failed))
        fail_msg("%s", sh.fail.text);
    assert_true(atomic_load(&sh.sse_done));
    assert_string_equal(sh.sse, "tick/5=abc/3 layout=1;message/8=xy\nz/4 layout=1;");
}

static void test_have_tls_follows_the_backend_macros(void **state)
{
    (void)state;
    assert_int_equal(have_tls_with_openssl(), 1);
    assert_int_equal(have_tls_with_mbedtls(), 1);
    assert_int_equal(have_tls_without_backend(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_websocket_open_message_closed_with_code),
        cmocka_unit_test(test_server_websocket_dropped_is_ws_error_1006),
        cmocka_unit_test(test_sse_and_plain_http_keep_conn_closed),
        cmocka_unit_test(test_request_sizes_count_like_the_original),
        cmocka_unit_test(test_sse_event_size_counts_the_nul),
        cmocka_unit_test(test_have_tls_follows_the_backend_macros),
    };
    return cmocka_run_group_tests(tests, setup, rt_thread_teardown);
}
