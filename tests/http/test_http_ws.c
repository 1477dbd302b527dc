/*
 * test_http_ws.c -- WebSocket client and server against Node's `ws`
 * package (installed by the http_node_setup fixture): text, binary, 1 MiB
 * and 16 MiB messages, fragmentation both ways, ping/pong both ways, close
 * codes; plus malformed frames sent to our server by hand (1002/1007).
 * The runtime runs on its own thread; actors poll a shared block for work.
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

#define MSG_START 0x300
#define BIG       (16u << 20)

typedef struct {
    atomic_int port;         /* our server */
    atomic_int server_close; /* close code seen by our server (MSG_WS_CLOSED / _ERROR) */
    atomic_int server_messages;
    char url[128];           /* client: where to connect */
    atomic_bool go;          /* client: start */
    atomic_int client_step;  /* client: steps passed */
    atomic_int client_close; /* client: MSG_WS_CLOSED code (-1: MSG_WS_ERROR) */
    atomic_bool client_done;
    char client_err[160];
} shared_t;

static shared_t sh;
static rt_thread_t rtt; /* the runtime and its thread */
static uint8_t *big;

static bool server(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    switch (msg->type) {
    case MSG_START:
        if (!actor_http_listen(r, 0))
            fprintf(stderr, "listen failed: %s\n", mk_last_error()), abort();
        atomic_store(&sh.port, http_listen_port(r));
        actor_set_timer(r, 20, true);
        return true;
    case MSG_TIMER:
        if (rt_thread_quitting(&rtt))
            runtime_stop(r);
        return true;
    case MSG_HTTP_REQUEST: {
        const http_request_payload_t *p = msg->payload;
        if (strcmp(http_request_path(p), "/ws") == 0) {
            if (!actor_ws_accept(r, p->conn_id))
                fprintf(stderr, "ws_accept failed: %s\n", mk_last_error()), abort();
            assert_false(actor_ws_accept(r, p->conn_id)); /* already answered */
        } else if (strcmp(http_request_path(p), "/notws") == 0) {
            /* play a server that refuses the upgrade */
            assert_true(actor_http_respond(r, p->conn_id, 400, NULL, 0, "no", 2));
        } else {
            actor_http_respond(r, p->conn_id, 404, NULL, 0, NULL, 0);
        }
        return true;
    }
    case MSG_WS_MESSAGE: {
        const ws_message_payload_t *m = msg->payload;
        atomic_fetch_add(&sh.server_messages, 1);
        if (m->is_binary)
            assert_true(actor_ws_send_binary(r, m->conn_id, ws_message_data(m), m->data_size));
        else
            assert_true(actor_ws_send_text(r, m->conn_id, ws_message_data(m), m->data_size));
        return true;
    }
    case MSG_WS_CLOSED:
    case MSG_WS_ERROR: {
        const ws_status_payload_t *s = msg->payload;
        atomic_store(&sh.server_close, s->close_code);
        return true;
    }
    default: return true;
    }
}

typedef struct {
    http_conn_id_t id;
    int step;
} client_t;

static void client_fail(runtime_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sh.client_err, sizeof sh.client_err, fmt, ap);
    va_end(ap);
    atomic_store(&sh.client_done, true);
    (void)r;
}

/* Send what step `s` needs. */
static void client_send(runtime_t *r, client_t *c)
{
    switch (c->step) {
    case 0: assert_true(actor_ws_send_text(r, c->id, "hello", 5)); break;
    case 1: assert_true(actor_ws_send_binary(r, c->id, "\x00\x01\x02\xff", 4)); break;
    case 2: assert_true(actor_ws_send_binary(r, c->id, big, BIG)); break;
    case 3: assert_true(actor_ws_send_text(r, c->id, "frag", 4)); break;
    case 4: assert_true(actor_ws_send_text(r, c->id, "ping", 4)); break;
    case 5:
        assert_false(actor_ws_send_text(r, c->id, "\xc3\x28", 2)); /* invalid UTF-8 refused */
        assert_false(actor_ws_close(r, c->id, 1005, NULL));        /* may not be sent */
        assert_true(actor_ws_close(r, c->id, 4000, "bye"));
        assert_false(actor_ws_send_text(r, c->id, "late", 4)); /* closing */
        break;
    default: break;
    }
}

static bool client(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    client_t *c = state;
    switch (msg->type) {
    case MSG_START: actor_set_timer(r, 20, true); return true;
    case MSG_TIMER:
        if (atomic_exchange(&sh.go, false)) {
            c->step = 0;
            c->id = actor_ws_connect(r, sh.url);
            if (c->id == HTTP_CONN_ID_INVALID)
                client_fail(r, "connect: %s", mk_last_error());
        }
        return true;
    case MSG_WS_OPEN: client_send(r, c); return true;
    case MSG_WS_MESSAGE: {
        const ws_message_payload_t *m = msg->payload;
        const char *d = ws_message_data(m);
        bool ok = false;
        switch (c->step) {
        case 0: ok = !m->is_binary && m->data_size == 5 && memcmp(d, "hello", 5) == 0; break;
        case 1:
            ok = m->is_binary && m->data_size == 4 && memcmp(d, "\x00\x01\x02\xff", 4) == 0;
            break;
        case 2: ok = m->is_binary && m->data_size == BIG && memcmp(d, big, BIG) == 0; break;
        case 3: ok = !m->is_binary && strcmp(d, "abcdefghi") == 0; break;
        case 4: ok = !m->is_binary && strcmp(d, "pong:p1") == 0; break;
        default: break;
        }
        if (!ok) {
            client_fail(r, "step %d: unexpected %s message of %zu bytes", c->step,
                        m->is_binary ? "binary" : "text", m->data_size);
            actor_http_close(r, c->id);
            return true;
        }
        c->step++;
        atomic_store(&sh.client_step, c->step);
        client_send(r, c);
        return true;
    }
    case MSG_WS_CLOSED:
    case MSG_WS_ERROR: {
        const ws_status_payload_t *s = msg->payload;
        atomic_store(&sh.client_close,
                     msg->type == MSG_WS_ERROR ? -(int)s->close_code : s->close_code);
        atomic_store(&sh.client_done, true);
        return true;
    }
    case MSG_HTTP_ERROR: {
        const http_error_payload_t *e = msg->payload;
        snprintf(sh.client_err, sizeof sh.client_err, "%s", e->message);
        return true;
    }
    default: return true;
    }
}

static int setup(void **state)
{
    (void)state;
    peer_require("node");
    peer_require("python3");
    if (peer_system("node -e \"require('ws')\" 2>/dev/null") != 0)
        fail_msg("Node package 'ws' missing: run tests/http/peers/setup-node.sh (ctest fixture "
                 "http_node_setup) and set NODE_PATH");
    big = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 13);
    memset(&sh, 0, sizeof sh);
    runtime_t *rt = runtime_init(1, 64);
    static client_t cs;
    actor_id_t s = actor_spawn(rt, server, NULL, NULL, 1024);
    actor_id_t c = actor_spawn(rt, client, &cs, NULL, 1024);
    actor_send(rt, s, MSG_START, NULL, 0);
    actor_send(rt, c, MSG_START, NULL, 0);
    rt_thread_start(&rtt, rt);
    assert_true(rt_thread_wait_port(&sh.port, 5000));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rt_thread_stop(&rtt);
    free(big);
    return 0;
}

static void run_client(const char *url, int timeout_ms)
{
    atomic_store(&sh.client_done, false);
    atomic_store(&sh.client_step, 0);
    atomic_store(&sh.client_close, 0);
    sh.client_err[0] = 0;
    snprintf(sh.url, sizeof sh.url, "%s", url);
    atomic_store(&sh.go, true);
    for (int i = 0; i < timeout_ms / 10 && !atomic_load(&sh.client_done); i++)
        usleep(10000);
    if (!atomic_load(&sh.client_done))
        fail_msg("client did not finish (step %d, %s)", atomic_load(&sh.client_step),
                 sh.client_err);
}

static void test_client_vs_node(void **state)
{
    (void)state;
    uint16_t port = peer_free_port();
    char ps[16], script[512];
    const char *log = peer_tmpfile("ws-node.log");
    snprintf(ps, sizeof ps, "%u", port);
    snprintf(script, sizeof script, "%s/ws_peer.js", peer_scripts());
    char *argv[] = {"node", script, "server", ps, NULL};
    pid_t pid = peer_spawn(argv, log);
    assert_true(peer_wait_port(port, 10000));
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%u/chat", port);
    run_client(url, 30000);
    char *l = NULL;
    for (int i = 0; i < 200; i++) { /* node logs the close once its socket is gone */
        free(l);
        l = peer_slurp(log, NULL);
        if (l && strstr(l, "server saw close"))
            break;
        usleep(10000);
    }
    peer_stop(pid);
    if (atomic_load(&sh.client_step) != 5 || atomic_load(&sh.client_close) != 4000)
        fail_msg("client reached step %d, close %d (%s); node: %s", atomic_load(&sh.client_step),
                 atomic_load(&sh.client_close), sh.client_err, l ? l : "");
    assert_non_null(strstr(l, "server saw close 4000"));
    free(l);
    /* a refused port and a non-WebSocket server both end in MSG_WS_ERROR 1006 */
    snprintf(url, sizeof url, "ws://127.0.0.1:%u/", peer_free_port());
    run_client(url, 10000);
    assert_int_equal(atomic_load(&sh.client_close), -1006);
    assert_non_null(strstr(sh.client_err, "connect"));
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/notws", atomic_load(&sh.port));
    run_client(url, 10000);
    assert_int_equal(atomic_load(&sh.client_close), -1006);
    assert_non_null(strstr(sh.client_err, "400"));
}

static void test_server_vs_node(void **state)
{
    (void)state;
    char url[64], script[512];
    const char *log = peer_tmpfile("ws-node-client.log");
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/ws", atomic_load(&sh.port));
    snprintf(script, sizeof script, "%s/ws_peer.js", peer_scripts());
    atomic_store(&sh.server_close, 0);
    char *argv[] = {"node", script, "client", url, NULL};
    pid_t pid = peer_spawn(argv, log);
    int st = peer_wait(pid, 30000);
    char *l = peer_slurp(log, NULL);
    if (st != 0)
        fail_msg("node client exit %d: %s", st, l ? l : "");
    free(l);
    for (int i = 0; i < 200 && atomic_load(&sh.server_close) == 0; i++)
        usleep(10000);
    assert_int_equal(atomic_load(&sh.server_close), 4001);
}

static void test_server_rejects_bad_frames(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *code;
    } cases[] = {{"unmasked", "1002"}, {"rsv", "1002"},      {"badop", "1002"},
                 {"bigping", "1002"},  {"fragping", "1002"}, {"badutf8", "1007"},
                 {"badclose", "1002"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *out = peer_tmpfile("rawws.out");
        atomic_store(&sh.server_close, 0);
        peer_system("python3 %s/raw_ws_client.py %d %s > %s 2>&1", peer_scripts(),
                    atomic_load(&sh.port), cases[i].name, out);
        char *o = peer_slurp(out, NULL);
        if (!o || strncmp(o, cases[i].code, 4) != 0)
            fail_msg("%s: server answered close %s, want %s", cases[i].name, o ? o : "?",
                     cases[i].code);
        free(o);
        for (int k = 0; k < 200 && atomic_load(&sh.server_close) == 0; k++)
            usleep(10000);
        assert_int_equal(atomic_load(&sh.server_close), atoi(cases[i].code));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_vs_node),
        cmocka_unit_test(test_server_vs_node),
        cmocka_unit_test(test_server_rejects_bad_frames),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
