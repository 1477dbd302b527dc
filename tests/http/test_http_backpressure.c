/*
 * test_http_backpressure.c -- nothing is lost when the owning actor's
 * mailbox is full: an actor with a 4-slot mailbox that handles slowly
 * receives every WebSocket message of a burst from Node's `ws`, every SSE
 * event of a long stream, in order, and answers every request of a curl
 * burst. The HTTP layer holds what does not fit and stops reading the
 * connection until mk_actor_wait_space says there is room.
 * The runtime runs on its own thread; the test thread drives the peers.
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

#include "microkernel/error.h"
#include "peer.h"
#include "rt_thread.h"

#define MSG_START     0x400
#define MAILBOX       4     /* the slow actors' mailbox capacity */
#define WS_BURST      400   /* messages Node sends at once */
#define WS_TINY       20000 /* tiny messages Node sends at once */
#define SSE_EVENTS    5000  /* events pushed on one stream */
#define CURL_REQUESTS 200   /* requests curl sends, 50 at a time */

typedef struct {
    atomic_int slow_port;   /* the slow server */
    atomic_int fast_port;   /* the SSE pusher */
    atomic_int ws_seen;     /* WebSocket messages received in order */
    atomic_int ws_close;    /* close code of the burst connection */
    atomic_int ws_at_close; /* ws_seen when the close arrived */
    atomic_int requests;    /* requests answered by the slow server */
    atomic_int sse_seen;    /* SSE events received in order */
    atomic_bool sse_end;    /* the "end" event arrived */
    atomic_bool sse_go;     /* the reader should connect */
    rt_fail_t fail;         /* first ordering error */
    atomic_int ws_pad;      /* 'x' per (i % 7) in burst message i */
} shared_t;

static shared_t sh;
static rt_thread_t rtt; /* the runtime and its thread */

/* Message i of the Node burst: "m<i>:" and (i % 7) * pad 'x'. */
static bool burst_message_ok(int i, const char *d, size_t len)
{
    char want[24];
    int n = snprintf(want, sizeof want, "m%d:", i);
    size_t pad = (size_t)atomic_load(&sh.ws_pad);
    if (len != (size_t)n + (size_t)(i % 7) * pad || memcmp(d, want, (size_t)n) != 0)
        return false;
    for (size_t k = (size_t)n; k < len; k++)
        if (d[k] != 'x')
            return false;
    return true;
}

/* The slow server: WebSocket upgrades on /ws, a short answer elsewhere,
 * and some "work" per message. */
static bool slow(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    switch (msg->type) {
    case MSG_START:
        assert_true(actor_http_listen(r, 0));
        atomic_store(&sh.slow_port, http_listen_port(r));
        actor_set_timer(r, 20, true);
        return true;
    case MSG_TIMER:
        if (rt_thread_quitting(&rtt))
            runtime_stop(r);
        return true;
    case MSG_HTTP_REQUEST: {
        const http_request_payload_t *p = msg->payload;
        usleep(500);
        if (strcmp(http_request_path(p), "/ws") == 0) {
            assert_true(actor_ws_accept(r, p->conn_id));
        } else {
            atomic_fetch_add(&sh.requests, 1); /* before curl can see the answer */
            assert_true(actor_http_respond(r, p->conn_id, 200, NULL, 0, "ok", 2));
        }
        return true;
    }
    case MSG_WS_MESSAGE: {
        const ws_message_payload_t *m = msg->payload;
        int i = atomic_load(&sh.ws_seen);
        usleep(atomic_load(&sh.ws_pad) ? 200 : 20);
        if (!burst_message_ok(i, ws_message_data(m), m->data_size))
            rt_fail_once(&sh.fail, "WebSocket message %d: got %zu bytes starting \"%.12s\"", i,
                         m->data_size, (const char *)ws_message_data(m));
        else
            atomic_store(&sh.ws_seen, i + 1);
        return true;
    }
    case MSG_WS_CLOSED:
    case MSG_WS_ERROR: {
        const ws_status_payload_t *s = msg->payload;
        if (s->close_code) {
            atomic_store(&sh.ws_at_close, atomic_load(&sh.ws_seen));
            atomic_store(&sh.ws_close, s->close_code);
        }
        return true;
    }
    default: return true;
    }
}

/* The SSE source: a fast actor that pushes SSE_EVENTS events and "end". */
static bool pusher(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == MSG_START) {
        assert_true(actor_http_listen(r, 0));
        atomic_store(&sh.fast_port, http_listen_port(r));
    } else if (msg->type == MSG_HTTP_REQUEST) {
        const http_request_payload_t *p = msg->payload;
        assert_true(actor_sse_start(r, p->conn_id));
        char data[160];
        for (int i = 0; i < SSE_EVENTS; i++) {
            int n = snprintf(data, sizeof data, "e%d %0*d", i, 60 + i % 64, i);
            assert_true(actor_sse_push(r, p->conn_id, "n", data, (size_t)n));
        }
        assert_true(actor_sse_push(r, p->conn_id, "end", "", 0));
    }
    return true;
}

/* The slow SSE reader. */
static bool reader(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    switch (msg->type) {
    case MSG_START: actor_set_timer(r, 20, true); return true;
    case MSG_TIMER:
        if (atomic_exchange(&sh.sse_go, false)) {
            char url[64];
            snprintf(url, sizeof url, "http://127.0.0.1:%d/events", atomic_load(&sh.fast_port));
            if (actor_sse_connect(r, url) == HTTP_CONN_ID_INVALID)
                rt_fail_once(&sh.fail, "sse connect: %s", mk_last_error());
        }
        return true;
    case MSG_SSE_EVENT: {
        const sse_event_payload_t *e = msg->payload;
        usleep(50);
        if (strcmp(sse_event_name(e), "end") == 0) {
            atomic_store(&sh.sse_end, true);
            actor_http_close(r, e->conn_id);
            return true;
        }
        int i = atomic_load(&sh.sse_seen);
        char want[160];
        snprintf(want, sizeof want, "e%d %0*d", i, 60 + i % 64, i);
        if (strcmp(sse_event_data(e), want) != 0)
            rt_fail_once(&sh.fail, "SSE event %d: got \"%.20s\"", i, sse_event_data(e));
        else
            atomic_store(&sh.sse_seen, i + 1);
        return true;
    }
    case MSG_HTTP_ERROR: {
        const http_error_payload_t *e = msg->payload;
        rt_fail_once(&sh.fail, "sse: %s", e->message);
        return true;
    }
    default: return true;
    }
}

static int setup(void **state)
{
    peer_require("node");
    peer_require("curl");
    memset(&sh, 0, sizeof sh);
    runtime_t *rt = runtime_init(1, 64);
    actor_id_t s = actor_spawn(rt, slow, NULL, NULL, MAILBOX);
    actor_id_t p = actor_spawn(rt, pusher, NULL, NULL, 64);
    actor_id_t rd = actor_spawn(rt, reader, NULL, NULL, MAILBOX);
    actor_send(rt, s, MSG_START, NULL, 0);
    actor_send(rt, p, MSG_START, NULL, 0);
    actor_send(rt, rd, MSG_START, NULL, 0);
    rt_thread_start(&rtt, rt);
    *state = &rtt; /* for rt_thread_teardown */
    assert_true(rt_thread_wait_port(&sh.slow_port, 5000));
    (void)rt_thread_wait_port(&sh.fast_port, 5000); /* the SSE test reads it */
    return 0;
}

/* Node sends `n` messages (padded, or "tiny") and closes with 4002; the
 * slow server must see all of them in order, then the close. */
static void ws_burst(int n, bool tiny)
{
    if (peer_system("node -e \"require('ws')\" 2>/dev/null") != 0)
        fail_msg("Node package 'ws' missing: run tests/http/peers/setup-node.sh (ctest fixture "
                 "http_node_setup) and set NODE_PATH");
    atomic_store(&sh.ws_seen, 0);
    atomic_store(&sh.ws_close, 0);
    atomic_store(&sh.ws_at_close, 0);
    atomic_store(&sh.ws_pad, tiny ? 0 : 5000);
    char url[64], script[512], ns[16];
    const char *log = peer_tmpfile("bp-node.log");
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/ws", atomic_load(&sh.slow_port));
    snprintf(script, sizeof script, "%s/ws_peer.js", peer_scripts());
    snprintf(ns, sizeof ns, "%d", n);
    char *argv[] = {"node", script, "burst", url, ns, tiny ? "tiny" : "padded", NULL};
    pid_t pid = peer_spawn(argv, log);
    int st = peer_wait(pid, 60000);
    if (st < 0)
        peer_stop(pid);
    char *l = peer_slurp(log, NULL);
    for (int i = 0; i < 3000 && !atomic_load(&sh.ws_close) && !atomic_load(&sh.fail.failed); i++)
        usleep(10000);
    if (st != 0 || atomic_load(&sh.fail.failed) || atomic_load(&sh.ws_at_close) != n)
        fail_msg("node exit %d (%s); server saw %d of %d in order, %d before close %d: %s", st,
                 l ? l : "", atomic_load(&sh.ws_seen), n, atomic_load(&sh.ws_at_close),
                 atomic_load(&sh.ws_close), sh.fail.text);
    free(l);
    assert_int_equal(atomic_load(&sh.ws_close), 4002);
}

static void test_ws_burst_from_node_all_delivered_in_order(void **state)
{
    (void)state;
    ws_burst(WS_BURST, false);
}

/* Tiny frames: what was read but not decoded waits in the input buffer. */
static void test_ws_tiny_frame_burst_all_delivered_in_order(void **state)
{
    (void)state;
    ws_burst(WS_TINY, true);
}

static void test_sse_stream_all_events_in_order(void **state)
{
    (void)state;
    atomic_store(&sh.sse_go, true);
    for (int i = 0; i < 6000 && !atomic_load(&sh.sse_end) && !atomic_load(&sh.fail.failed); i++)
        usleep(10000);
    if (!atomic_load(&sh.sse_end) || atomic_load(&sh.sse_seen) != SSE_EVENTS)
        fail_msg("reader saw %d of %d events in order (end %d): %s", atomic_load(&sh.sse_seen),
                 SSE_EVENTS, atomic_load(&sh.sse_end), sh.fail.text);
}

static void test_curl_request_burst_all_answered(void **state)
{
    (void)state;
    const char *out = peer_tmpfile("bp-curl.out");
    int before = atomic_load(&sh.requests);
    int st =
        peer_system("curl -s --no-progress-meter --max-time 30 --parallel --parallel-immediate "
                    "--parallel-max 100 "
                    "-o /dev/null "
                    "-w '%%{http_code}\\n' 'http://127.0.0.1:%d/r/[1-%d]' > %s",
                    atomic_load(&sh.slow_port), CURL_REQUESTS, out);
    char *o = peer_slurp(out, NULL);
    int ok = 0;
    for (const char *q = o; q && (q = strstr(q, "200\n")) != NULL; q += 4)
        ok++;
    if (st != 0 || ok != CURL_REQUESTS)
        fail_msg("curl exit %d, %d of %d answered 200 (server counted %d)", st, ok, CURL_REQUESTS,
                 atomic_load(&sh.requests) - before);
    free(o);
    assert_int_equal(atomic_load(&sh.requests) - before, CURL_REQUESTS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ws_burst_from_node_all_delivered_in_order),
        cmocka_unit_test(test_ws_tiny_frame_burst_all_delivered_in_order),
        cmocka_unit_test(test_sse_stream_all_events_in_order),
        cmocka_unit_test(test_curl_request_burst_all_answered),
    };
    return cmocka_run_group_tests(tests, setup, rt_thread_teardown);
}
