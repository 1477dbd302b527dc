/*
 * An HTTP/JSON server with a timer: one actor listens on 127.0.0.1, counts
 * timer ticks (every 100 ms) and answers GET /status with
 * {"ticks":N,"requests":M} and anything else with a JSON 404.
 *   http_json_server [PORT [MAX_REQUESTS]]
 * PORT 0 (the default 8080 otherwise) lets the kernel pick one; the line
 * "listening on http://127.0.0.1:PORT/" says which. With MAX_REQUESTS the
 * program ends after answering that many. Try: curl 127.0.0.1:8080/status
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/http.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"

enum { MSG_START = 1 };

typedef struct {
    uint16_t port;
    long max_requests; /* 0: serve forever */
    timer_id_t timer;
    long ticks;
    long requests;
} server_t;

static void answer(runtime_t *rt, http_conn_id_t conn, int status, const char *json)
{
    static const char *const headers[] = {"Content-Type: application/json"};
    actor_http_respond(rt, conn, status, headers, 1, json, strlen(json));
}

static bool server(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    server_t *s = state;
    if (msg->type == MSG_START) {
        if (!actor_http_listen(rt, s->port)) {
            fprintf(stderr, "listen: %s\n", mk_last_error());
            runtime_stop(rt);
            return false;
        }
        s->timer = actor_set_timer(rt, 100, true);
        printf("listening on http://127.0.0.1:%u/\n", (unsigned)http_listen_port(rt));
        fflush(stdout);
    } else if (msg->type == MSG_TIMER) {
        s->ticks++;
    } else if (msg->type == MSG_HTTP_REQUEST) {
        const http_request_payload_t *req = msg->payload;
        s->requests++;
        if (strcmp(http_request_method(req), "GET") == 0 &&
            strcmp(http_request_path(req), "/status") == 0) {
            char json[96];
            snprintf(json, sizeof json, "{\"ticks\":%ld,\"requests\":%ld}\n", s->ticks,
                     s->requests);
            answer(rt, req->conn_id, 200, json);
        } else {
            answer(rt, req->conn_id, 404, "{\"error\":\"not found\"}\n");
        }
        if (s->max_requests > 0 && s->requests >= s->max_requests) {
            /* Nothing left to wait for once the answer is written: no
             * timer, no listener. runtime_run() then returns by itself. */
            actor_cancel_timer(rt, s->timer);
            actor_http_unlisten(rt, http_listen_port(rt));
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    server_t s = {.port = 8080};
    if (argc > 1)
        s.port = (uint16_t)atoi(argv[1]);
    if (argc > 2)
        s.max_requests = atol(argv[2]);
    runtime_t *rt = runtime_init(1, 16);
    if (!rt)
        return 1;
    actor_id_t id = actor_spawn(rt, server, &s, NULL, 64);
    actor_send(rt, id, MSG_START, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    printf("http_json_server: %ld requests answered\n", s.requests);
    return 0;
}
