/*
 * test_http_browser.c -- our server seen by headless Chromium (issue 4):
 * a page served by us opens an EventSource and a WebSocket back to us,
 * exchanges messages (text and binary), writes what it got into the DOM
 * and posts it to /result. The page's <img src="/wait"> is answered only
 * after /result arrived, so the load event -- and `--dump-dom` -- come
 * after the exchange. A missing browser fails the test; the browser's
 * process group is always killed and its profile directory removed.
 */
#include <setjmp.h>
#include <signal.h>
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

#define MSG_START  0x500
#define BROWSER_MS 60000 /* the whole browser run, start to exit */
#define WAIT_MS    15000 /* /wait is answered after this even without /result */

static const char page[] =
    "<!doctype html><html><head><title>mk</title></head><body>\n"
    "<div id=\"sse\"></div><div id=\"ws\"></div><div id=\"status\">running</div>\n"
    "<script>\n"
    "const got = {sse: [], ws: []};\n"
    "let left = 2;\n"
    "function show() {\n"
    "  document.getElementById('sse').textContent = 'sse=' + got.sse.join('|');\n"
    "  document.getElementById('ws').textContent = 'ws=' + got.ws.join('|');\n"
    "}\n"
    "function finish() {\n"
    "  if (--left) return;\n"
    "  show();\n"
    "  document.getElementById('status').textContent = 'done';\n"
    "  fetch('/result', {method: 'POST', body: JSON.stringify(got)});\n"
    "}\n"
    "const es = new EventSource('/events');\n"
    "es.onmessage = (e) => got.sse.push('message:' + e.data.replace('\\n', '+'));\n"
    "es.addEventListener('tick', (e) => got.sse.push('tick:' + e.data + ':' + e.lastEventId));\n"
    "es.addEventListener('end', () => { es.close(); finish(); });\n"
    "es.onerror = () => { got.sse.push('error'); es.close(); finish(); };\n"
    "const ws = new WebSocket('ws://' + location.host + '/ws');\n"
    "ws.binaryType = 'arraybuffer';\n"
    "ws.onopen = () => { ws.send('hello'); ws.send(new Uint8Array([1, 2, 250])); "
    "ws.send('h\\u00e9 \\u{1F600}'); };\n"
    "ws.onmessage = (e) => {\n"
    "  got.ws.push(typeof e.data === 'string' ? e.data : 'bin:' + "
    "Array.from(new Uint8Array(e.data)).join(','));\n"
    "  if (got.ws.length === 3) ws.close(4003, 'page done');\n"
    "};\n"
    "ws.onclose = (e) => { got.ws.push('close:' + e.code); finish(); };\n"
    "</script>\n"
    "<img src=\"/wait\" alt=\"\">\n"
    "</body></html>\n";

typedef struct {
    atomic_int port;
    atomic_int ws_close;    /* MSG_WS_CLOSED code of the WebSocket */
    atomic_bool result_in;  /* /result arrived */
    char result[1024];      /* its body */
    http_conn_id_t wait_id; /* the held /wait request, or invalid */
    int wait_ticks;         /* timer ticks /wait has been held */
    http_conn_id_t ws_id;
} shared_t;

static shared_t sh;
static rt_thread_t rtt; /* the runtime and its thread */

/* Answer the held /wait once /result is in -- or after WAIT_MS, so a page
 * that got stuck is still dumped and the failure shows how far it got. */
static void answer_wait(runtime_t *r)
{
    if (sh.wait_id != HTTP_CONN_ID_INVALID &&
        (atomic_load(&sh.result_in) || sh.wait_ticks * 20 >= WAIT_MS)) {
        actor_http_respond(r, sh.wait_id, 204, NULL, 0, NULL, 0);
        sh.wait_id = HTTP_CONN_ID_INVALID;
    }
}

static void on_request(runtime_t *r, const http_request_payload_t *p)
{
    const char *path = http_request_path(p);
    if (strcmp(path, "/") == 0) {
        static const char *const h[] = {"Content-Type: text/html; charset=utf-8"};
        assert_true(actor_http_respond(r, p->conn_id, 200, h, 1, page, sizeof page - 1));
    } else if (strcmp(path, "/events") == 0) {
        assert_true(actor_sse_start(r, p->conn_id));
        assert_true(actor_sse_push(r, p->conn_id, NULL, "one", 3));
        assert_true(actor_sse_push(r, p->conn_id, "tick", "two", 3));
        assert_true(actor_sse_push(r, p->conn_id, NULL, "three\nlines", 11));
        assert_true(actor_sse_push(r, p->conn_id, "end", "", 0));
    } else if (strcmp(path, "/ws") == 0) {
        assert_true(actor_ws_accept(r, p->conn_id));
        sh.ws_id = p->conn_id;
    } else if (strcmp(path, "/result") == 0) {
        size_t n = p->body_size < sizeof sh.result - 1 ? p->body_size : sizeof sh.result - 1;
        memcpy(sh.result, http_request_body(p), n);
        sh.result[n] = 0;
        atomic_store(&sh.result_in, true);
        assert_true(actor_http_respond(r, p->conn_id, 204, NULL, 0, NULL, 0));
        answer_wait(r);
    } else if (strcmp(path, "/wait") == 0) {
        sh.wait_id = p->conn_id;
        sh.wait_ticks = 0;
        answer_wait(r);
    } else {
        assert_true(actor_http_respond(r, p->conn_id, 404, NULL, 0, "no", 2));
    }
}

static bool server(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    switch (msg->type) {
    case MSG_START:
        assert_true(actor_http_listen(r, 0));
        atomic_store(&sh.port, http_listen_port(r));
        actor_set_timer(r, 20, true);
        return true;
    case MSG_TIMER:
        if (sh.wait_id != HTTP_CONN_ID_INVALID) {
            sh.wait_ticks++;
            answer_wait(r);
        }
        if (rt_thread_quitting(&rtt))
            runtime_stop(r);
        return true;
    case MSG_HTTP_REQUEST: on_request(r, msg->payload); return true;
    case MSG_WS_MESSAGE: {
        const ws_message_payload_t *m = msg->payload;
        if (m->is_binary) {
            assert_true(actor_ws_send_binary(r, m->conn_id, ws_message_data(m), m->data_size));
        } else {
            char buf[128];
            int n = snprintf(buf, sizeof buf, "echo:%.*s", (int)m->data_size,
                             (const char *)ws_message_data(m));
            assert_true(actor_ws_send_text(r, m->conn_id, buf, (size_t)n));
        }
        return true;
    }
    case MSG_WS_CLOSED:
    case MSG_WS_ERROR: {
        const ws_status_payload_t *s = msg->payload;
        if (s->conn_id == sh.ws_id)
            atomic_store(&sh.ws_close, s->close_code);
        return true;
    }
    default: return true;
    }
}

static int setup(void **state)
{
    memset(&sh, 0, sizeof sh);
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t s = actor_spawn(rt, server, NULL, NULL, 256);
    actor_send(rt, s, MSG_START, NULL, 0);
    rt_thread_start(&rtt, rt);
    *state = &rtt; /* for rt_thread_teardown */
    assert_true(rt_thread_wait_port(&sh.port, 5000));
    return 0;
}

static void test_chromium_sse_and_websocket_page(void **state)
{
    (void)state;
    peer_require("chromium");
    const char *profile = peer_tmpdir();
    char dir_arg[300], url[64], log[320];
    snprintf(dir_arg, sizeof dir_arg, "--user-data-dir=%s", profile);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", atomic_load(&sh.port));
    snprintf(log, sizeof log, "%s.dom", profile);
    char *argv[] = {"chromium",
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    dir_arg,
                    "--dump-dom",
                    url,
                    NULL};
    pid_t pid = peer_spawn(argv, log);
    int st = peer_wait(pid, BROWSER_MS);
    if (st < 0)
        peer_stop(pid);  /* SIGTERM, then SIGKILL, to the whole group */
    kill(-pid, SIGKILL); /* helpers that outlived the browser */
    char *dom = peer_slurp(log, NULL);
    peer_system("rm -rf '%s' '%s'", profile, log);
    if (st != 0 || !dom || !strstr(dom, "<div id=\"status\">done</div>"))
        fail_msg("chromium exit %d (-1: killed after %d ms); result \"%s\"; output:\n%.3000s", st,
                 BROWSER_MS, sh.result, dom ? dom : "(none)");
    static const char *const want[] = {
        "sse=message:one|tick:two:|message:three+lines",
        "ws=echo:hello|bin:1,2,250|echo:h\xc3\xa9 \xf0\x9f\x98\x80|close:4003",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(dom, want[i]))
            fail_msg("the page's DOM lacks \"%s\":\n%.3000s", want[i], dom);
    free(dom);
    assert_true(atomic_load(&sh.result_in));
    assert_non_null(strstr(sh.result, "\"close:4003\""));
    for (int i = 0; i < 200 && atomic_load(&sh.ws_close) == 0; i++)
        usleep(10000);
    assert_int_equal(atomic_load(&sh.ws_close), 4003);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chromium_sse_and_websocket_page),
    };
    return cmocka_run_group_tests(tests, setup, rt_thread_teardown);
}
