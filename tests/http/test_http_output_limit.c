/*
 * test_http_output_limit.c -- backpressure on output to a peer that does
 * not read: actor_sse_push and actor_ws_send_* are refused with "output
 * queue full" once the connection's unsent bytes would pass the limit
 * (http_set_max_output, default 8 MiB), nothing refused reaches the wire,
 * nothing accepted is lost or reordered, and MSG_HTTP_WRITABLE arrives
 * once -- only after the peer started reading -- so the actor can go on.
 * Peers are raw sockets on 127.0.0.1 with a 4 KiB receive buffer: an SSE
 * reader and a WebSocket client against our server, and a WebSocket server
 * that our client writes to. The runtime runs on its own thread.
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
#include <unistd.h>

#include "http/ws_frame.h"
#include "microkernel/error.h"
#include "peer.h"
#include "rawsock.h"
#include "rt_thread.h"

#define MSG_START  0x500
#define RCVBUF     4096          /* the peer's receive buffer: it barely reads */
#define WS_LIMIT   (256u * 1024) /* limit set for the WebSocket tests */
#define WS_BIG     (300u * 1024) /* a message over WS_LIMIT */
#define MAX_EVENTS 200000        /* pushes before giving up on a refusal */

typedef struct {
    atomic_int port;        /* our server */
    size_t limit;           /* http_set_max_output at start (0: default) */
    char url[128];          /* client mode: where actor_ws_connect goes */
    atomic_int accepted;    /* events/messages accepted before the refusal */
    atomic_int tiny;        /* WebSocket: 1-byte messages accepted after it */
    atomic_bool refused;    /* the refusal happened (err holds its text) */
    atomic_bool reading;    /* the peer started reading */
    atomic_int writable;    /* MSG_HTTP_WRITABLE count */
    atomic_bool early;      /* MSG_HTTP_WRITABLE came before the peer read */
    atomic_size_t unsent;   /* http_writable_payload_t.unsent */
    atomic_size_t wlimit;   /* http_writable_payload_t.limit */
    atomic_bool after_sent; /* the send after MSG_HTTP_WRITABLE was accepted */
    char err[256];          /* mk_last_error() of the refusal */
    rt_fail_t fail;         /* first unexpected result in an actor */
} shared_t;

static shared_t sh;
static rt_thread_t rtt; /* the runtime and its thread */

/* Data of SSE event / WebSocket message `i`: distinct, ~1 KiB. */
static size_t payload(int i, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "msg %d ", i);
    size_t len = 900 + (size_t)(i % 200);
    for (size_t k = (size_t)n; k < len && k < cap; k++)
        buf[k] = (char)('a' + (k + (size_t)i) % 26);
    return len;
}

/* WebSocket message `i` goes out as binary when odd, text when even. */
static bool ws_send_nth(runtime_t *r, http_conn_id_t id, int i)
{
    char buf[1200];
    size_t n = payload(i, buf, sizeof buf);
    return i % 2 ? actor_ws_send_binary(r, id, buf, n) : actor_ws_send_text(r, id, buf, n);
}

/* Fill the connection until the first refusal; record what happened. */
static void fill_sse(runtime_t *r, http_conn_id_t id)
{
    char buf[1200];
    for (int i = 0; i < MAX_EVENTS; i++) {
        size_t n = payload(i, buf, sizeof buf);
        if (actor_sse_push(r, id, "n", buf, n))
            continue;
        snprintf(sh.err, sizeof sh.err, "%s", mk_last_error());
        /* Still full: the same push is refused again. */
        if (actor_sse_push(r, id, "n", buf, n))
            rt_fail_once(&sh.fail, "a second push right after the refusal was accepted");
        atomic_store(&sh.accepted, i);
        atomic_store(&sh.refused, true);
        return;
    }
    rt_fail_once(&sh.fail, "%d pushes (about 200 MB) were never refused", MAX_EVENTS);
}

static void fill_ws(runtime_t *r, http_conn_id_t id, uint8_t *big)
{
    /* Nothing is unsent yet: a message over the limit is taken. */
    if (!actor_ws_send_binary(r, id, big, WS_BIG)) {
        rt_fail_once(&sh.fail, "a %u-byte message on an empty queue was refused: %s", WS_BIG,
                     mk_last_error());
        return;
    }
    for (int i = 1; i < MAX_EVENTS; i++) {
        if (ws_send_nth(r, id, i))
            continue;
        snprintf(sh.err, sizeof sh.err, "%s", mk_last_error());
        /* Top the queue up with 3-byte frames until even those are refused.
         * Each accepted send also flushes, and the kernel may take more
         * bytes meanwhile (its buffers, finite, fill at their own pace
         * under load): no small cap on the count, only one for safety. */
        int t = 0;
        while (t < 4000000 && actor_ws_send_binary(r, id, "t", 1))
            t++;
        atomic_store(&sh.tiny, t);
        if (t == 4000000) {
            rt_fail_once(&sh.fail, "4000000 tiny frames were never refused");
            return;
        }
        if (actor_ws_close(r, id, 1000, "full"))
            rt_fail_once(&sh.fail, "actor_ws_close was accepted on a full queue");
        else if (!strstr(mk_last_error(), "output queue full"))
            rt_fail_once(&sh.fail, "actor_ws_close refused for another reason: %s",
                         mk_last_error());
        /* A big one waits for an empty queue: MSG_HTTP_WRITABLE comes then. */
        if (actor_ws_send_binary(r, id, big, WS_BIG))
            rt_fail_once(&sh.fail, "a %u-byte message was accepted on a full queue", WS_BIG);
        atomic_store(&sh.accepted, i);
        atomic_store(&sh.refused, true);
        return;
    }
    rt_fail_once(&sh.fail, "%d messages were never refused", MAX_EVENTS);
}

static uint8_t *big_message(void)
{
    uint8_t *b = malloc(WS_BIG);
    assert_non_null(b);
    for (size_t i = 0; i < WS_BIG; i++)
        b[i] = (uint8_t)(i * 2654435761u >> 11);
    return b;
}

static void on_writable(runtime_t *r, const message_t *msg, http_conn_id_t id, bool ws,
                        uint8_t *big)
{
    const http_writable_payload_t *w = msg->payload;
    if (msg->payload_size != sizeof *w || w->conn_id != id) {
        rt_fail_once(&sh.fail, "MSG_HTTP_WRITABLE for connection %u (%zu bytes), want %u",
                     (unsigned)w->conn_id, msg->payload_size, (unsigned)id);
        return;
    }
    if (!atomic_load(&sh.reading))
        atomic_store(&sh.early, true);
    atomic_store(&sh.unsent, w->unsent);
    atomic_store(&sh.wlimit, w->limit);
    if (atomic_fetch_add(&sh.writable, 1) > 0)
        return;
    bool ok;
    if (ws)
        ok = actor_ws_send_binary(r, id, big, WS_BIG) && actor_ws_close(r, id, 1000, "done");
    else
        ok =
            actor_sse_push(r, id, "after", "room again", 10) && actor_sse_push(r, id, "end", "", 0);
    if (!ok)
        rt_fail_once(&sh.fail, "send after MSG_HTTP_WRITABLE refused: %s", mk_last_error());
    atomic_store(&sh.after_sent, ok);
}

/* The server: "/sse" streams, "/ws" accepts a WebSocket. */
static bool server(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    static http_conn_id_t conn;
    static bool is_ws;
    uint8_t **big = state;
    switch (msg->type) {
    case MSG_START:
        if (sh.limit)
            http_set_max_output(r, sh.limit);
        if (!actor_http_listen(r, 0))
            rt_fail_once(&sh.fail, "listen: %s", mk_last_error());
        atomic_store(&sh.port, http_listen_port(r));
        actor_set_timer(r, 20, true);
        break;
    case MSG_TIMER:
        if (rt_thread_quitting(&rtt))
            runtime_stop(r);
        break;
    case MSG_HTTP_REQUEST: {
        const http_request_payload_t *p = msg->payload;
        conn = p->conn_id;
        is_ws = strcmp(http_request_path(p), "/ws") == 0;
        if (is_ws) {
            if (!actor_ws_accept(r, conn))
                rt_fail_once(&sh.fail, "ws_accept: %s", mk_last_error());
            else
                fill_ws(r, conn, *big);
        } else if (!actor_sse_start(r, conn)) {
            rt_fail_once(&sh.fail, "sse_start: %s", mk_last_error());
        } else {
            fill_sse(r, conn);
        }
        break;
    }
    case MSG_HTTP_WRITABLE: on_writable(r, msg, conn, is_ws, *big); break;
    default: break;
    }
    return true;
}

/* The client: opens a WebSocket to sh.url and fills it. */
static bool client(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    static http_conn_id_t conn;
    uint8_t **big = state;
    switch (msg->type) {
    case MSG_START:
        if (sh.limit)
            http_set_max_output(r, sh.limit);
        conn = actor_ws_connect(r, sh.url);
        if (conn == HTTP_CONN_ID_INVALID)
            rt_fail_once(&sh.fail, "ws_connect: %s", mk_last_error());
        actor_set_timer(r, 20, true);
        break;
    case MSG_TIMER:
        if (rt_thread_quitting(&rtt))
            runtime_stop(r);
        break;
    case MSG_WS_OPEN: fill_ws(r, conn, *big); break;
    case MSG_HTTP_WRITABLE: on_writable(r, msg, conn, true, *big); break;
    case MSG_HTTP_ERROR: {
        const http_error_payload_t *e = msg->payload;
        rt_fail_once(&sh.fail, "client error: %s", e->message);
        break;
    }
    default: break;
    }
    return true;
}

static uint8_t *big;

/* A runtime on its own thread with `b` (server or client) started; `url`
 * for the client (NULL for the server, whose port is then waited for). */
static void start(actor_behavior_fn b, size_t limit, const char *url)
{
    memset(&sh, 0, sizeof sh);
    sh.limit = limit;
    if (url)
        snprintf(sh.url, sizeof sh.url, "%s", url);
    big = big_message();
    runtime_t *rt = runtime_init(1, 64);
    actor_id_t a = actor_spawn(rt, b, &big, NULL, 256);
    assert_true(a != ACTOR_ID_INVALID);
    actor_send(rt, a, MSG_START, NULL, 0);
    rt_thread_start(&rtt, rt);
    if (!url) /* the server: its port, for the test's raw_connect */
        (void)rt_thread_wait_port(&sh.port, 5000);
}

static void stop(void)
{
    rt_thread_stop(&rtt);
    free(big);
}

static void wait_refused(void)
{
    for (int i = 0; i < 2000 && !atomic_load(&sh.refused) && !atomic_load(&sh.fail.failed); i++)
        usleep(10000);
    if (atomic_load(&sh.fail.failed))
        fail_msg("%s", sh.fail.text);
    if (!atomic_load(&sh.refused))
        fail_msg("no send was refused within 20 s");
    /* The peer has not read: no MSG_HTTP_WRITABLE may come, however long. */
    usleep(300000);
    assert_int_equal(atomic_load(&sh.writable), 0);
    atomic_store(&sh.reading, true);
}

/* The refusal said why, with the limit in bytes. */
static void check_reason(const char *call, size_t limit)
{
    char want[64];
    snprintf(want, sizeof want, "(limit %zu)", limit);
    printf("# %s\n", sh.err);
    if (strncmp(sh.err, call, strlen(call)) != 0 || !strstr(sh.err, "output queue full") ||
        !strstr(sh.err, want) || !strstr(sh.err, "not reading"))
        fail_msg("refusal reason \"%s\" does not say %s: output queue full %s", sh.err, call, want);
}

static void check_writable(size_t limit, size_t at_most)
{
    for (int i = 0; i < 500 && !atomic_load(&sh.after_sent) && !atomic_load(&sh.fail.failed); i++)
        usleep(10000);
    if (atomic_load(&sh.fail.failed))
        fail_msg("%s", sh.fail.text);
    assert_int_equal(atomic_load(&sh.writable), 1);
    assert_false(atomic_load(&sh.early));
    assert_int_equal(atomic_load(&sh.wlimit), limit);
    if (atomic_load(&sh.unsent) > at_most)
        fail_msg("MSG_HTTP_WRITABLE with %zu bytes unsent, want <= %zu", atomic_load(&sh.unsent),
                 at_most);
}

static void test_sse_default_limit(void **state)
{
    (void)state;
    start(server, 0, NULL);
    int fd = raw_connect((uint16_t)atomic_load(&sh.port), RCVBUF);
    static const char req[] = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    raw_send(fd, req, sizeof req - 1);
    wait_refused();
    int accepted = atomic_load(&sh.accepted);
    printf("# %d events accepted before the refusal\n", accepted);
    /* Over 8 MiB were taken before the first refusal. */
    assert_true((size_t)accepted * 900 > MK_HTTP_DEFAULT_MAX_OUTPUT);
    check_reason("actor_sse_push", MK_HTTP_DEFAULT_MAX_OUTPUT);

    raw_buf_t b = {0};
    size_t end = raw_read_until(fd, &b, "event: end\ndata: \n\n", 20000);
    if (!end)
        fail_msg("the stream did not reach the end event (%zu bytes read; %s)", b.len,
                 atomic_load(&sh.fail.failed) ? sh.fail.text : "no actor error");
    check_writable(MK_HTTP_DEFAULT_MAX_OUTPUT, MK_HTTP_DEFAULT_MAX_OUTPUT / 2);

    /* Every accepted event, intact and in order; then "after" and "end". */
    size_t pos = raw_read_until(fd, &b, "\r\n\r\n", 1);
    assert_true(pos > 0);
    char data[1200], want[1400];
    for (int i = 0; i < accepted; i++) {
        size_t n = payload(i, data, sizeof data);
        int wl = snprintf(want, sizeof want, "event: n\ndata: %.*s\n\n", (int)n, data);
        if (b.len - pos < (size_t)wl || memcmp(b.data + pos, want, (size_t)wl) != 0)
            fail_msg("event %d of %d missing or damaged at byte %zu", i, accepted, pos);
        pos += (size_t)wl;
    }
    static const char tail[] = "event: after\ndata: room again\n\nevent: end\ndata: \n\n";
    if (b.len - pos != sizeof tail - 1 || memcmp(b.data + pos, tail, sizeof tail - 1) != 0)
        fail_msg("after the %d events: %zu bytes that are not the after/end events", accepted,
                 b.len - pos);
    raw_buf_free(&b);
    close(fd);
    stop();
}

/* Read the frames in `b` from `pos`: messages 0 (big) .. accepted-1, the
 * tiny ones, the big one again, then a close 1000 "done". */
static void check_ws_stream(int fd, raw_buf_t *b, size_t pos, bool masked)
{
    int accepted = atomic_load(&sh.accepted) + atomic_load(&sh.tiny);
    char data[1200];
    for (int i = 0;; i++) {
        raw_frame_t f;
        while (!raw_ws_frame(b->data + pos, b->len - pos, &f))
            if (raw_read_some(fd, b, 20000) <= 0)
                fail_msg("stream ended before frame %d of %d (%s)", i, accepted + 2,
                         atomic_load(&sh.fail.failed) ? sh.fail.text : "no actor error");
        if (!f.fin || f.masked != masked)
            fail_msg("frame %d: fin %d masked %d", i, f.fin, f.masked);
        pos += f.size;
        if (i == 0 || i == accepted) {
            if (f.opcode != WS_OP_BINARY || f.len != WS_BIG || memcmp(f.payload, big, WS_BIG))
                fail_msg("frame %d is not the %u-byte message (opcode %u, %zu bytes)", i, WS_BIG,
                         f.opcode, f.len);
            continue;
        }
        if (i == accepted + 1) {
            if (f.opcode != WS_OP_CLOSE || f.len != 6 ||
                memcmp(f.payload,
                       "\x03\xe8"
                       "done",
                       6))
                fail_msg("frame %d is not close 1000 \"done\" (opcode %u, %zu bytes)", i, f.opcode,
                         f.len);
            break;
        }
        if (i >= atomic_load(&sh.accepted)) {
            if (f.opcode != WS_OP_BINARY || f.len != 1 || f.payload[0] != 't')
                fail_msg("frame %d is not a 1-byte message \"t\"", i);
            continue;
        }
        size_t n = payload(i, data, sizeof data);
        uint8_t op = i % 2 ? WS_OP_BINARY : WS_OP_TEXT;
        if (f.opcode != op || f.len != n || memcmp(f.payload, data, n) != 0)
            fail_msg("message %d of %d missing or damaged (opcode %u, %zu bytes)", i, accepted,
                     f.opcode, f.len);
    }
    assert_int_equal(pos, b->len); /* nothing refused was sent */
}

static void test_ws_server_limit(void **state)
{
    (void)state;
    start(server, WS_LIMIT, NULL);
    int fd = raw_connect((uint16_t)atomic_load(&sh.port), RCVBUF);
    raw_buf_t b = {0};
    size_t head = raw_ws_upgrade(fd, "/ws", &b);
    wait_refused();
    printf("# %d messages accepted before the refusal, then %d of 1 byte\n",
           atomic_load(&sh.accepted), atomic_load(&sh.tiny));
    check_reason("actor_ws_send_", WS_LIMIT);
    check_ws_stream(fd, &b, head, false);
    /* The big message needed an empty queue: that is when it was told. */
    check_writable(WS_LIMIT, 0);
    raw_buf_free(&b);
    close(fd);
    stop();
}

static void test_ws_client_limit(void **state)
{
    (void)state;
    uint16_t port;
    int lfd = raw_listen(RCVBUF, &port);
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%u/", (unsigned)port);
    start(client, WS_LIMIT, url);
    int fd = raw_accept(lfd, 10000);
    raw_buf_t b = {0};
    size_t head = raw_read_until(fd, &b, "\r\n\r\n", 10000);
    assert_true(head > 0);
    const char *k = memmem(b.data, head, "Sec-WebSocket-Key: ", 19);
    assert_non_null(k);
    char accept[29], resp[256];
    ws_accept_key(k + 19, 24, accept);
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                     accept);
    raw_send(fd, resp, (size_t)n);
    b.len = 0;
    wait_refused();
    check_reason("actor_ws_send_", WS_LIMIT);
    check_ws_stream(fd, &b, 0, true);
    check_writable(WS_LIMIT, 0);
    raw_buf_free(&b);
    close(fd);
    close(lfd);
    stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sse_default_limit),
        cmocka_unit_test(test_ws_server_limit),
        cmocka_unit_test(test_ws_client_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
