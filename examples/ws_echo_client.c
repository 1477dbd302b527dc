/*
 * A WebSocket echo client: connects to a ws:// (or wss://) URL, sends three
 * text messages, prints each echo, then closes the connection with 1000.
 *   ws_echo_client [URL]
 * Without a URL, the program also starts an echo server actor on an
 * ephemeral port of 127.0.0.1 (actor_ws_accept + actor_ws_send_text) and
 * talks to that, so it runs on its own.
 */
#include <stdio.h>
#include <string.h>

#include "microkernel/http.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"

enum { MSG_CONNECT = 1, N_MESSAGES = 3 };

/* ---- The client ---------------------------------------------------------- */

typedef struct {
    char url[256];
    http_conn_id_t conn;
    int echoes;
} client_t;

static void send_next(runtime_t *rt, client_t *c)
{
    char text[32];
    int n = snprintf(text, sizeof text, "hello %d", c->echoes + 1);
    actor_ws_send_text(rt, c->conn, text, (size_t)n);
}

static bool client(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    client_t *c = state;
    switch (msg->type) {
    case MSG_CONNECT:
        if (msg->payload_size > 0) /* the in-process server's URL */
            snprintf(c->url, sizeof c->url, "%s", (const char *)msg->payload);
        printf("connecting to %s\n", c->url);
        c->conn = actor_ws_connect(rt, c->url);
        if (c->conn == 0) {
            fprintf(stderr, "connect: %s\n", mk_last_error());
            return false;
        }
        break;
    case MSG_WS_OPEN: send_next(rt, c); break;
    case MSG_WS_MESSAGE: {
        const ws_message_payload_t *m = msg->payload;
        printf("echo: %.*s\n", (int)m->data_size, (const char *)ws_message_data(m));
        if (++c->echoes < N_MESSAGES)
            send_next(rt, c);
        else
            actor_ws_close(rt, c->conn, 1000, "done");
        break;
    }
    case MSG_HTTP_ERROR: {
        const http_error_payload_t *e = msg->payload;
        fprintf(stderr, "error: %s\n", e->message);
        break;
    }
    case MSG_WS_CLOSED:
    case MSG_WS_ERROR: {
        const ws_status_payload_t *st = msg->payload;
        printf("closed with %u\n", (unsigned)st->close_code);
        return false; /* the client is done */
    }
    default: break;
    }
    return true;
}

/* ---- The echo server (only without a URL) -------------------------------- */

static bool echo_server(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    actor_id_t *client_id = state;
    if (msg->type == MSG_CONNECT) {
        if (!actor_http_listen(rt, 0)) {
            fprintf(stderr, "listen: %s\n", mk_last_error());
            return false;
        }
        char url[64];
        int n = snprintf(url, sizeof url, "ws://127.0.0.1:%u/echo", (unsigned)http_listen_port(rt));
        actor_send(rt, *client_id, MSG_CONNECT, url, (size_t)n + 1);
    } else if (msg->type == MSG_HTTP_REQUEST) {
        const http_request_payload_t *req = msg->payload;
        if (strcmp(http_request_path(req), "/echo") == 0)
            actor_ws_accept(rt, req->conn_id);
        else
            actor_http_respond(rt, req->conn_id, 404, NULL, 0, NULL, 0);
    } else if (msg->type == MSG_WS_MESSAGE) {
        const ws_message_payload_t *m = msg->payload;
        if (m->is_binary)
            actor_ws_send_binary(rt, m->conn_id, ws_message_data(m), m->data_size);
        else
            actor_ws_send_text(rt, m->conn_id, ws_message_data(m), m->data_size);
    } else if (msg->type == MSG_WS_CLOSED || msg->type == MSG_WS_ERROR) {
        return false; /* one client served: stop (its listener closes) */
    }
    return true;
}

int main(int argc, char **argv)
{
    runtime_t *rt = runtime_init(1, 16);
    if (!rt)
        return 1;
    client_t c = {.conn = 0};
    actor_id_t cid = actor_spawn(rt, client, &c, NULL, 64);
    if (argc > 1) {
        snprintf(c.url, sizeof c.url, "%s", argv[1]);
        actor_send(rt, cid, MSG_CONNECT, NULL, 0);
    } else {
        static actor_id_t client_id;
        client_id = cid;
        actor_id_t sid = actor_spawn(rt, echo_server, &client_id, NULL, 64);
        actor_send(rt, sid, MSG_CONNECT, NULL, 0);
    }
    runtime_run(rt);
    runtime_destroy(rt);
    printf("ws_echo_client: %d echoes\n", c.echoes);
    return c.echoes == N_MESSAGES ? 0 : 1;
}
