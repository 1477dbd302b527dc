/*
 * An SSE push server: GET /events opens a Server-Sent Events stream, and a
 * timer pushes a "tick" event with a counter every 100 ms to every open
 * stream (up to 16 at once). Other paths get 404.
 *   sse_server [PORT [EVENTS]]
 * PORT 0 lets the kernel pick one (default 8081); with EVENTS, each stream
 * is closed after that many events and the program ends after the first
 * stream. Try: curl -N 127.0.0.1:8081/events
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/http.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"

enum { MSG_START = 1, MAX_STREAMS = 16 };

typedef struct {
    http_conn_id_t conn; /* 0: free slot */
    long sent;
} stream_t;

typedef struct {
    uint16_t port;
    long events_per_stream; /* 0: stream forever */
    timer_id_t timer;
    stream_t streams[MAX_STREAMS];
    long streams_done;
} pusher_t;

static void finish(runtime_t *rt, pusher_t *p)
{
    /* One stream served: end (no timer, no listener -> runtime_run returns
     * once the last events are written). */
    actor_cancel_timer(rt, p->timer);
    actor_http_unlisten(rt, http_listen_port(rt));
}

static bool pusher(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    pusher_t *p = state;
    if (msg->type == MSG_START) {
        if (!actor_http_listen(rt, p->port)) {
            fprintf(stderr, "listen: %s\n", mk_last_error());
            return false;
        }
        p->timer = actor_set_timer(rt, 100, true);
        printf("listening on http://127.0.0.1:%u/events\n", (unsigned)http_listen_port(rt));
        fflush(stdout);
    } else if (msg->type == MSG_HTTP_REQUEST) {
        const http_request_payload_t *req = msg->payload;
        if (strcmp(http_request_path(req), "/events") != 0) {
            actor_http_respond(rt, req->conn_id, 404, NULL, 0, "not found\n", 10);
            return true;
        }
        for (int i = 0; i < MAX_STREAMS; i++) {
            if (p->streams[i].conn == 0) {
                if (actor_sse_start(rt, req->conn_id))
                    p->streams[i] = (stream_t){.conn = req->conn_id};
                return true;
            }
        }
        actor_http_respond(rt, req->conn_id, 503, NULL, 0, "too many streams\n", 17);
    } else if (msg->type == MSG_TIMER) {
        for (int i = 0; i < MAX_STREAMS; i++) {
            stream_t *s = &p->streams[i];
            if (s->conn == 0)
                continue;
            http_conn_stats_t st;
            if (p->events_per_stream > 0 && s->sent >= p->events_per_stream) {
                /* All events sent: close once the client has every byte
                 * (actor_http_close drops what is still unsent). */
                if (http_conn_stats(rt, s->conn, &st) && st.unsent > 0)
                    continue;
                actor_http_close(rt, s->conn);
                s->conn = 0;
                if (++p->streams_done == 1)
                    finish(rt, p);
                continue;
            }
            char data[32];
            int n = snprintf(data, sizeof data, "%ld", ++s->sent);
            actor_sse_push(rt, s->conn, "tick", data, (size_t)n);
        }
    } else if (msg->type == MSG_HTTP_CONN_CLOSED) {
        const ws_status_payload_t *st = msg->payload;
        for (int i = 0; i < MAX_STREAMS; i++)
            if (p->streams[i].conn == st->conn_id)
                p->streams[i].conn = 0; /* the client went away */
    }
    return true;
}

int main(int argc, char **argv)
{
    pusher_t p = {.port = 8081};
    if (argc > 1)
        p.port = (uint16_t)atoi(argv[1]);
    if (argc > 2)
        p.events_per_stream = atol(argv[2]);
    runtime_t *rt = runtime_init(1, 16);
    if (!rt)
        return 1;
    actor_id_t id = actor_spawn(rt, pusher, &p, NULL, 64);
    actor_send(rt, id, MSG_START, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    printf("sse_server: %ld stream(s) served\n", p.streams_done);
    return 0;
}
