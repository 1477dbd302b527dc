/* http_h.c -- the original's http.h (seed 000 "HTTP / SSE / WebSocket"):
 * the client and server functions exist with the seed's signatures, and a
 * GET to a closed local port ends in MSG_HTTP_ERROR. pkg-config flags only. */
#include <microkernel/http.h>
#include <microkernel/message.h>
#include <microkernel/runtime.h>
#include <microkernel/services.h>
#include <stdio.h>

static int got_error;

static bool client(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == 1) {
        if (actor_http_get(rt, "http://127.0.0.1:1/") == HTTP_CONN_ID_INVALID)
            runtime_stop(rt);
    } else if (msg->type == MSG_HTTP_ERROR || msg->type == MSG_HTTP_RESPONSE) {
        got_error = msg->type == MSG_HTTP_ERROR;
        runtime_stop(rt);
    }
    return true;
}

int main(void)
{
    http_conn_id_t (*get)(runtime_t *, const char *) = actor_http_get;
    http_conn_id_t (*fetch)(runtime_t *, const char *, const char *, const char *const *, size_t,
                            const void *, size_t) = actor_http_fetch;
    http_conn_id_t (*sse)(runtime_t *, const char *) = actor_sse_connect;
    http_conn_id_t (*ws)(runtime_t *, const char *) = actor_ws_connect;
    bool (*text)(runtime_t *, http_conn_id_t, const char *, size_t) = actor_ws_send_text;
    bool (*bin)(runtime_t *, http_conn_id_t, const void *, size_t) = actor_ws_send_binary;
    bool (*wsclose)(runtime_t *, http_conn_id_t, uint16_t, const char *) = actor_ws_close;
    int ok = get && fetch && sse && ws && text && bin && wsclose;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t a = actor_spawn(rt, client, NULL, NULL, 8);
    ok = ok && actor_send(rt, a, 1, NULL, 0);
    runtime_run(rt);
    ok = ok && got_error;
    runtime_destroy(rt);
    puts(ok ? "http_h: ok" : "http_h: FAILED");
    return ok ? 0 : 1;
}
