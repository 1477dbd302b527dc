/*
 * collector.c -- see collector.h.
 */
#include "collector.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static collect_res_t *find(collector_t *c, http_conn_id_t id)
{
    for (int i = 0; i < c->n; i++)
        if (c->res[i].id == id)
            return &c->res[i];
    return NULL;
}

static void finish(runtime_t *rt, collector_t *c, collect_res_t *r)
{
    if (r->done)
        return;
    r->done = true;
    if (--c->pending == 0)
        runtime_stop(rt);
}

static bool behaviour(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    collector_t *c = state;
    switch (msg->type) {
    case MSG_GO:
        if (c->timeout_ms)
            http_client_set_timeout(rt, c->timeout_ms);
        c->pending = c->n;
        for (int i = 0; i < c->n; i++) {
            collect_req_t *q = &c->req[i];
            http_conn_id_t id;
            if (q->method && strcmp(q->method, "SSE") == 0)
                id = actor_sse_connect(rt, q->url);
            else if (!q->method && !q->n_headers && !q->body)
                id = actor_http_get(rt, q->url);
            else
                id = actor_http_fetch(rt, q->method ? q->method : "GET", q->url, q->headers,
                                      q->n_headers, q->body, q->body_size);
            c->res[i].id = id;
            if (id == HTTP_CONN_ID_INVALID) {
                c->res[i].err_code = -1;
                snprintf(c->res[i].err, sizeof c->res[i].err, "%s", mk_last_error());
                finish(rt, c, &c->res[i]);
            }
        }
        break;
    case MSG_HTTP_RESPONSE: {
        const http_response_payload_t *p = msg->payload;
        collect_res_t *r = find(c, p->conn_id);
        assert_non_null(r);
        r->status = p->status_code;
        r->body_len = p->body_size;
        r->body = malloc(p->body_size + 1);
        memcpy(r->body, http_response_body(p), p->body_size + 1);
        r->headers_len = p->headers_size;
        r->headers = malloc(p->headers_size + 1);
        memcpy(r->headers, http_response_headers(p), p->headers_size);
        finish(rt, c, r);
        break;
    }
    case MSG_HTTP_ERROR: {
        const http_error_payload_t *p = msg->payload;
        collect_res_t *r = find(c, p->conn_id);
        assert_non_null(r);
        r->err_code = p->error_code;
        snprintf(r->err, sizeof r->err, "%s", p->message);
        if (strcmp(c->req[r - c->res].method ? c->req[r - c->res].method : "", "SSE") != 0)
            finish(rt, c, r);
        break;
    }
    case MSG_SSE_OPEN: {
        const sse_status_payload_t *p = msg->payload;
        collect_res_t *r = find(c, p->conn_id);
        r->sse_open = true;
        r->status = p->status_code;
        break;
    }
    case MSG_SSE_EVENT: {
        const sse_event_payload_t *p = msg->payload;
        collect_res_t *r = find(c, p->conn_id);
        size_t l = strlen(r->sse_log);
        snprintf(r->sse_log + l, sizeof r->sse_log - l, "%s=%s;", sse_event_name(p),
                 sse_event_data(p));
        assert_int_equal(strlen(sse_event_data(p)), p->data_size);
        break;
    }
    case MSG_SSE_CLOSED: {
        const sse_status_payload_t *p = msg->payload;
        collect_res_t *r = find(c, p->conn_id);
        r->sse_closed = true;
        if (!r->status)
            r->status = p->status_code;
        finish(rt, c, r);
        break;
    }
    default: break;
    }
    return true;
}

void collector_run(runtime_t *rt, collector_t *c, int timeout_ms)
{
    actor_id_t a = actor_spawn(rt, behaviour, c, NULL, 256);
    assert_true(a != ACTOR_ID_INVALID);
    assert_true(actor_send(rt, a, MSG_GO, NULL, 0));
    peer_run(rt, timeout_ms);
    actor_stop(rt, a);
}

void collector_free(collector_t *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->res[i].body);
        free(c->res[i].headers);
    }
}

const char *collect_header(const collect_res_t *r, const char *name)
{
    static char val[512];
    size_t nl = strlen(name);
    for (const char *p = r->headers; p && p < r->headers + r->headers_len; p += strlen(p) + 1) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            snprintf(val, sizeof val, "%s", p + nl + 2);
            return val;
        }
    }
    return NULL;
}
