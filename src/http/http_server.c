/*
 * http_server.c -- the actor-level HTTP/1.1 server (seed "HTTP / SSE /
 * WebSocket", server APIs): listeners on 127.0.0.1, request parsing with
 * limits, responses with Content-Length and Connection: close, SSE
 * streams and the server side of the WebSocket handshake (RFC 6455 4.2).
 *
 * Bad requests are answered here (400, 408, 413, 414, 417, 431, 501; RFC
 * 9110/9112 as cited at each check) and never reach the actor. One
 * request per connection unless keep-alive was switched on
 * (http_server_set_keepalive in microkernel/http.h). Never blocks the loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "http/http_internal.h"
#include "http/socket/socket_internal.h"
#include "platform/clock.h"
#include "platform/sock.h"

#define ANSWER_WRITE_MS 30000      /* a response must be written within this */
#define ACCEPT_RETRY_MS 500        /* a listener paused at EMFILE tries again after this */
#define MAX_PIPELINED   (1u << 20) /* input read ahead while a request is answered, bytes */

static const char *reason_phrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

/* The Date field value for a response sent now (RFC 9110 6.6.1: an origin
 * server with a clock sends Date on 2xx-4xx; we send it on every final
 * response). Formatted once per second. */
static const char *date_now(http_rt_t *h)
{
    int64_t now = (int64_t)time(NULL);
    if (now != h->date_sec || !h->date[0]) {
        http_date_format(now, h->date);
        h->date_sec = now;
    }
    return h->date;
}

/* ---- listeners --------------------------------------------------------- */

static void accept_ready(runtime_t *rt, mk_io_t *io, uint32_t events);

bool actor_http_listen(runtime_t *rt, uint16_t port)
{
    actor_id_t self = actor_self(rt);
    if (self == ACTOR_ID_INVALID)
        return mk_fail("actor_http_listen: must be called from inside a behaviour");
    http_rt_t *h = http_rt(rt);
    if (!h)
        return false;
    http_listener_t *l = NULL;
    for (int i = 0; i < MK_HTTP_MAX_LISTENERS; i++) {
        if (port && h->listeners[i].port == port)
            return mk_fail("actor_http_listen: already listening on port %u", (unsigned)port);
        if (!l && h->listeners[i].port == 0)
            l = &h->listeners[i];
    }
    if (!l)
        return mk_fail("actor_http_listen: %d listeners already exist", MK_HTTP_MAX_LISTENERS);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    int err = 0;
    int fd = mk_sock_open_one(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                              (struct sockaddr *)&a, sizeof a, MK_SOCK_LISTEN, 1024, &err);
    if (fd >= 0 && getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
        err = errno;
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        return mk_fail("actor_http_listen: 127.0.0.1:%u: %s", (unsigned)port, strerror(err));
    if (!mk_io_add(rt, &l->io, fd, EPOLLIN, accept_ready, h, true)) {
        close(fd);
        return false;
    }
    l->fd = fd;
    l->owner = self;
    l->port = ntohs(a.sin_port);
    return true;
}

static void listener_close(http_rt_t *h, http_listener_t *l)
{
    if (l->paused)
        h->n_paused--;
    mk_io_remove(h->rt, &l->io);
    close(l->fd);
    memset(l, 0, sizeof *l);
}

bool actor_http_unlisten(runtime_t *rt, uint16_t port)
{
    actor_id_t self = actor_self(rt);
    http_rt_t *h = http_rt_peek(rt);
    for (int i = 0; h && i < MK_HTTP_MAX_LISTENERS; i++) {
        http_listener_t *l = &h->listeners[i];
        if (l->port && l->port == port && l->owner == self) {
            listener_close(h, l);
            return true;
        }
    }
    return mk_fail("actor_http_unlisten: the caller does not listen on port %u", (unsigned)port);
}

uint16_t http_listen_port(runtime_t *rt)
{
    actor_id_t self = actor_self(rt);
    http_rt_t *h = http_rt_peek(rt);
    uint16_t port = 0;
    for (int i = 0; h && i < MK_HTTP_MAX_LISTENERS; i++)
        if (h->listeners[i].port && h->listeners[i].owner == self)
            port = h->listeners[i].port;
    return port;
}

void server_close_listeners(http_rt_t *h, actor_id_t owner)
{
    for (int i = 0; i < MK_HTTP_MAX_LISTENERS; i++) {
        http_listener_t *l = &h->listeners[i];
        if (l->port && (owner == ACTOR_ID_INVALID || l->owner == owner))
            listener_close(h, l);
    }
}

/* Disarm `l` after accept4 failed with `err` for lack of descriptors or
 * memory: the pending connection stays in the kernel's backlog and the
 * listener stays readable, so a level-triggered loop would call accept4
 * again at once, for ever (issue 13: 54 % CPU). It is re-armed when one of
 * our connections closes (server_resume_listeners from conn_release) or,
 * for descriptors freed elsewhere, after ACCEPT_RETRY_MS by the tick. */
static void listener_pause(http_rt_t *h, http_listener_t *l, int err)
{
    if (l->paused)
        return;
    mk_io_modify(h->rt, &l->io, 0);
    l->paused = true;
    l->pauses++;
    l->retry_at = mk_clock_ms() + ACCEPT_RETRY_MS;
    h->n_paused++;
    mk_log_limited(h->rt, &h->accept_log, LOG_WARN,
                   "http: 127.0.0.1:%u: accept: %s; not accepting until a descriptor is freed "
                   "(retry in %u ms)",
                   (unsigned)l->port, strerror(err), (unsigned)ACCEPT_RETRY_MS);
    http_tick_arm(h);
}

bool server_resume_listeners(http_rt_t *h, uint64_t now)
{
    bool still = false;
    for (int i = 0; i < MK_HTTP_MAX_LISTENERS; i++) {
        http_listener_t *l = &h->listeners[i];
        if (!l->port || !l->paused)
            continue;
        if (now && now < l->retry_at) {
            still = true;
            continue;
        }
        l->paused = false;
        l->resumes++;
        h->n_paused--;
        mk_io_modify(h->rt, &l->io, EPOLLIN);
    }
    return still;
}

static void accept_ready(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)rt;
    (void)events;
    http_rt_t *h = io->ctx;
    http_listener_t *l = NULL;
    for (int i = 0; i < MK_HTTP_MAX_LISTENERS; i++)
        if (&h->listeners[i].io == io)
            l = &h->listeners[i];
    if (!l || l->paused)
        return;
    uint64_t now = mk_clock_ms();
    for (int k = 0; k < 256; k++) {
        l->accept_calls++;
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            int err = errno;
            if (err == EINTR || err == ECONNABORTED)
                continue;
            if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
                listener_pause(h, l, err);
            break; /* EAGAIN: accepted everything there was */
        }
        l->accepted++;
        /* TCP_NODELAY waits for a write that is not the last (conn_flush):
         * a Connection: close answer is one write and a close. */
        http_conn_t *c = conn_new(h, l->owner, SIDE_SERVER);
        mk_socket_t *s = c ? mk_socket_tcp_adopt(fd) : NULL; /* accept4: non-blocking */
        if (!s) {
            if (c)
                conn_free(h, c);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->sock = s;
        c->state = ST_REQ_HEAD;
        c->max_body = h->max_body;
        c->deadline = now + h->idle_ms;
        if (!conn_watch(h, c, EPOLLIN)) {
            conn_free(h, c);
            continue;
        }
    }
    http_tick_arm(h);
}

bool http_listener_stats(runtime_t *rt, uint16_t port, http_listener_stats_t *out)
{
    if (!out)
        return mk_fail("http_listener_stats: NULL output");
    actor_id_t self = actor_self(rt);
    http_rt_t *h = http_rt_peek(rt);
    for (int i = 0; h && i < MK_HTTP_MAX_LISTENERS; i++) {
        http_listener_t *l = &h->listeners[i];
        if (l->port && l->port == port && l->owner == self) {
            memset(out, 0, sizeof *out);
            out->accept_calls = l->accept_calls;
            out->accepted = l->accepted;
            out->pauses = l->pauses;
            out->resumes = l->resumes;
            out->paused = l->paused;
            return true;
        }
    }
    return mk_fail("http_listener_stats: the caller does not listen on port %u", (unsigned)port);
}

/* ---- requests ---------------------------------------------------------- */

/* Answer a bad request ourselves and close (after a lingering drain). */
static bool reject(http_rt_t *h, http_conn_t *c, int status, const char *why)
{
    c->out.len = c->out.off = 0;
    http_buf_printf(&c->out,
                    "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: text/plain\r\n"
                    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
                    status, reason_phrase(status), date_now(h), strlen(why) + 1, why);
    c->state = ST_ANSWERED;
    c->linger = true;
    c->in.len = 0;
    return conn_flush(h, c);
}

/* Hand the complete request to the owner. */
static void deliver_request(http_rt_t *h, http_conn_t *c)
{
    size_t packed = c->hdrs.len, body = c->body_len;
    size_t size = sizeof(http_request_payload_t) + packed + body + 1;
    uint8_t *p = mk_malloc(size);
    if (!p) {
        reject(h, c, 500, "out of memory");
        return;
    }
    http_request_payload_t *r = (http_request_payload_t *)p;
    memset(r, 0, sizeof *r);
    r->conn_id = c->id;
    /* As the original counts them (its http.h: "includes \0"): method and
     * path with their NUL; the packed "Key: Value\0" fields with theirs. */
    r->method_size = c->method_size + 1;
    r->path_size = c->path_size + 1;
    r->headers_size = c->fields_size;
    r->body_size = body;
    memcpy(p + sizeof *r, c->hdrs.data, packed);
    if (body)
        memcpy(p + sizeof *r + packed, c->in.data, body);
    p[size - 1] = '\0';
    /* Keep what came after the body (e.g. early WebSocket frames). */
    memmove(c->in.data, c->in.data + body, c->in.len - body);
    c->in.len -= body;
    c->body_len = 0;
    c->state = ST_WAIT;
    c->deadline = 0;
    http_deliver(h, c, MSG_HTTP_REQUEST, p, size);
}

/* Decode body bytes; returns false when c was freed or answered. */
static bool on_req_body(http_rt_t *h, http_conn_t *c)
{
    bool done;
    if (c->chunked) {
        size_t n = c->in.len - c->body_len;
        ssize_t r = http_chunked_decode(&c->chunk, c->in.data + c->body_len, &n);
        c->body_len += n;
        if (r == HTTP_PARSE_INVALID) {
            reject(h, c, 400, "malformed chunked body");
            return false;
        }
        c->in.len = c->body_len + (r > 0 ? (size_t)r : 0);
        if (c->body_len > c->max_body) {
            reject(h, c, 413, "request body too large");
            return false;
        }
        done = r >= 0;
    } else {
        c->body_len = c->in.len < c->length ? c->in.len : (size_t)c->length;
        done = c->body_len == c->length;
    }
    if (done)
        deliver_request(h, c);
    return true;
}

/* Pack method, path and fields into c->hdrs. */
static bool pack_request(http_conn_t *c, const http_request_head_t *rq)
{
    http_buf_t *b = &c->hdrs;
    /* Sized exactly: a small block from malloc's cache, not a 4 KiB one. */
    size_t need = rq->method_len + rq->target_len + 2;
    for (size_t i = 0; i < rq->n_headers; i++)
        need += rq->headers[i].name_len + rq->headers[i].value_len + 3;
    if (!b->data) {
        b->data = mk_malloc(need);
        if (!b->data)
            return false;
        b->cap = need;
        b->len = b->off = 0;
    }
    bool ok = http_buf_append(b, rq->method, rq->method_len) && http_buf_append(b, "", 1) &&
              http_buf_append(b, rq->target, rq->target_len) && http_buf_append(b, "", 1);
    size_t start = b->len;
    for (size_t i = 0; i < rq->n_headers && ok; i++)
        ok = http_buf_append(b, rq->headers[i].name, rq->headers[i].name_len) &&
             http_buf_append(b, ": ", 2) &&
             http_buf_append(b, rq->headers[i].value, rq->headers[i].value_len) &&
             http_buf_append(b, "", 1);
    c->method_size = rq->method_len;
    c->path_size = rq->target_len;
    c->fields_size = b->len - start;
    return ok;
}

/* True while the request-line in c->in (after the one empty line RFC
 * 9112 2.2 lets us skip) has not ended: an oversized head that is all
 * request-line has an oversized target (414), not oversized fields (431). */
static bool request_line_open(const http_conn_t *c)
{
    const uint8_t *p = c->in.data, *end = p + c->in.len;
    if (p < end && *p == '\r')
        p++;
    if (p < end && *p == '\n')
        p++;
    return !memchr(p, '\n', (size_t)(end - p));
}

/* Parse the head; returns false when c was freed or answered. */
static bool on_req_head(http_rt_t *h, http_conn_t *c)
{
    http_header_t hd[MK_HTTP_MAX_HEADERS];
    http_request_head_t rq = {.headers = hd};
    ssize_t r = http_parse_request((const char *)c->in.data, c->in.len, &rq, MK_HTTP_MAX_HEADERS);
    if (r == HTTP_PARSE_INCOMPLETE) {
        /* RFC 9112 3: a request-line longer than we take is 414; the
         * method, two spaces and the version take at most 32 more bytes. */
        if (c->in.len > MK_HTTP_MAX_TARGET + 32 && request_line_open(c))
            return reject(h, c, 414, "request-target too long"), false;
        if (c->in.len > MK_HTTP_MAX_HEAD)
            return reject(h, c, 431, "request head too large"), false;
        return true;
    }
    if (r >= 0 && rq.target_len > MK_HTTP_MAX_TARGET)
        return reject(h, c, 414, "request-target too long"), false;
    if (r == HTTP_PARSE_TOO_MANY || (r > 0 && (size_t)r > MK_HTTP_MAX_HEAD))
        return reject(h, c, 431, "request head too large"), false;
    if (r < 0)
        return reject(h, c, 400, "malformed request"), false;
    bool te, hl;
    uint64_t len;
    int framing = http_body_framing(hd, rq.n_headers, true, &te, &hl, &len);
    if (framing == HTTP_FRAMING_UNSUPPORTED)
        return reject(h, c, 501, "unsupported transfer coding (only chunked)"), false;
    if (framing < 0)
        return reject(h, c, 400, "bad Content-Length or Transfer-Encoding"), false;
    /* RFC 9112 3.2: 400 for an HTTP/1.1 request without Host, and for any
     * request with several Host lines or an invalid Host value. */
    const http_header_t *host = NULL;
    for (size_t i = 0; i < rq.n_headers; i++)
        if (hd[i].name_len == 4 && strncasecmp(hd[i].name, "Host", 4) == 0) {
            if (host)
                return reject(h, c, 400, "more than one Host header"), false;
            host = &hd[i];
        }
    if (rq.minor_version == 1 && !host)
        return reject(h, c, 400, "HTTP/1.1 request without Host"), false;
    if (host && !http_host_valid(host->value, host->value_len))
        return reject(h, c, 400, "invalid Host header"), false;
    if (hl && len > c->max_body)
        return reject(h, c, 413, "request body too large"), false;
    const http_header_t *ex = http_header_find(hd, rq.n_headers, "Expect");
    if (ex) {
        if (ex->value_len != 12 || strncasecmp(ex->value, "100-continue", 12) != 0)
            return reject(h, c, 417, "unsupported Expect"), false;
        if (te || (hl && len > 0))
            http_buf_printf(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (!pack_request(c, &rq))
        return reject(h, c, 500, "out of memory"), false;
    /* RFC 9112 9.3: HTTP/1.1 persists unless "close"; 1.0 only on "keep-alive". */
    const http_header_t *co = http_header_find(hd, rq.n_headers, "Connection");
    c->http10 = rq.minor_version == 0;
    c->keep = h->keepalive &&
              (c->http10 ? co && http_header_has_token(co->value, co->value_len, "keep-alive")
                         : !co || !http_header_has_token(co->value, co->value_len, "close"));
    /* RFC 9112 6.1: HTTP/1.0 with Transfer-Encoding: the framing is not to
     * be trusted; answer, then close the connection. */
    if (c->http10 && te)
        c->keep = false;
    c->chunked = te;
    c->has_length = hl;
    c->length = hl ? len : 0;
    if (te)
        http_chunked_init(&c->chunk);
    memmove(c->in.data, c->in.data + r, c->in.len - (size_t)r);
    c->in.len -= (size_t)r;
    c->body_len = 0;
    c->state = ST_REQ_BODY;
    if (c->out.len && !conn_flush(h, c))
        return false;
    return on_req_body(h, c);
}

/* Stop reading c (EOF seen, or pipelined input at its cap): EPOLLIN
 * leaves the interest set until server_reuse() wants the next request. */
static void stop_reading(http_rt_t *h, http_conn_t *c)
{
    c->no_read = true;
    conn_watch(h, c, c->want_write ? EPOLLOUT : 0);
}

/* Read again after stop_reading (the connection was taken over by SSE or
 * a WebSocket), unless the end of the stream was seen. */
static void resume_reading(http_rt_t *h, http_conn_t *c)
{
    if (!c->no_read || c->eof)
        return;
    c->no_read = false;
    conn_watch(h, c, EPOLLIN | (c->want_write ? EPOLLOUT : 0));
}

/* Readiness of a server connection; c may be freed on return. */
static void on_input(http_rt_t *h, http_conn_t *c, uint32_t events)
{
    if ((events & EPOLLOUT) && c->out.len > c->out.off && !conn_flush(h, c))
        return;
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        return;
    bool owed = c->state == ST_WAIT || (c->state == ST_ANSWERED && c->reuse);
    if ((c->state == ST_ANSWERED && !c->reuse) || c->state == ST_SSE_SERVER) {
        c->in.len = 0; /* nothing more is read from these: drain */
        c->keep = false;
    } else if (owed && c->in.len >= MAX_PIPELINED) {
        /* Requests pipelined behind the one being answered wait in c->in;
         * past the cap the client waits in TCP instead (nothing dropped). */
        stop_reading(h, c);
        return;
    }
    ssize_t n = conn_read(c);
    if (n == -1)
        return;
    bool eof = c->eof;
    switch (c->state) {
    case ST_REQ_HEAD:
        if (!on_req_head(h, c))
            return;
        break;
    case ST_REQ_BODY:
        if (!on_req_body(h, c))
            return;
        break;
    case ST_WS: ws_on_input(h, c); return;
    default: break;
    }
    if (!eof)
        return;
    if (!c->io_error && (c->state == ST_WAIT || (c->state == ST_ANSWERED && c->reuse))) {
        /* The client shut down its sending side (or closed): every complete
         * request it sent before is still answered, in order; the
         * connection closes after the last answer (server_reuse). */
        stop_reading(h, c);
        return;
    }
    /* A reset client is gone: nothing owed can arrive. */
    if (c->state == ST_SSE_SERVER || c->state == ST_WAIT)
        http_send_ws_status(h, c, MSG_HTTP_CONN_CLOSED, 0);
    conn_free(h, c);
}

void server_on_io(http_rt_t *h, http_conn_t *c, uint32_t events)
{
    http_conn_id_t id = c->id;
    on_input(h, c, events);
    /* A request handed over leaves the read buffer empty: lend it to the
     * next connection instead of holding it while the owner answers. */
    c = conn_find(h, id);
    if (c && c->state == ST_WAIT && c->in.len == 0 && c->in.data)
        http_buf_recycle(&c->in, &h->spare_in);
}

bool server_reuse(http_rt_t *h, http_conn_t *c)
{
    c->state = ST_REQ_HEAD;
    c->served = true;
    c->keep = false;
    c->chunked = c->has_length = false;
    c->length = 0;
    c->body_len = 0;
    c->method_size = c->path_size = c->fields_size = 0;
    c->max_body = h->max_body;
    c->deadline = mk_clock_ms() + h->idle_ms;
    http_tick_arm(h);
    bool was_stopped = c->no_read;
    c->no_read = c->eof; /* nothing more to read after the end */
    if ((c->want_write || was_stopped) && !conn_watch(h, c, EPOLLIN)) {
        conn_free(h, c);
        return false;
    }
    if (c->in.len) {
        if (!on_req_head(h, c)) /* pipelined */
            return false;
        if (c->eof && (c->state == ST_REQ_HEAD || c->state == ST_REQ_BODY)) {
            conn_free(h, c); /* an incomplete request before the end: nothing owed */
            return false;
        }
        return true;
    }
    if (c->eof) {
        conn_free(h, c);
        return false;
    }
    return true;
}

void server_timeout(http_rt_t *h, http_conn_t *c)
{
    if (c->state == ST_REQ_HEAD && c->served && c->in.len == 0) {
        conn_free(h, c); /* an idle keep-alive connection: no 408 */
        return;
    }
    if (c->state == ST_REQ_HEAD || c->state == ST_REQ_BODY) {
        /* Slowloris: the request did not arrive in time. */
        c->out.len = c->out.off = 0;
        http_buf_printf(&c->out,
                        "HTTP/1.1 408 Request Timeout\r\nDate: %s\r\nContent-Length: 0\r\n"
                        "Connection: close\r\n\r\n",
                        date_now(h));
        c->close_after_flush = true;
        conn_flush(h, c);
        return;
    }
    if (c->state == ST_WS) {
        ws_timeout(h, c);
        return;
    }
    conn_free(h, c);
}

/* ---- answers ----------------------------------------------------------- */

/* The caller's request `id` still waiting for an answer, or NULL. */
static http_conn_t *waiting(runtime_t *rt, http_conn_id_t id, const char *who)
{
    http_conn_t *c = conn_owned(rt, id, who);
    if (!c)
        return NULL;
    if (c->side != SIDE_SERVER || c->state != ST_WAIT) {
        mk_set_error("%s: connection %u is not a request waiting for an answer", who, (unsigned)id);
        return NULL;
    }
    return c;
}

static bool skip_header(const char *hdr)
{
    static const char *const ours[] = {"Content-Length:", "Connection:", "Transfer-Encoding:"};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
        if (strncasecmp(hdr, ours[i], strlen(ours[i])) == 0)
            return true;
    return false;
}

/* True when one of the `n` "Name: value" strings starts with `prefix`
 * ("Name:", case-insensitive). */
static bool has_header(const char *const *headers, size_t n, const char *prefix)
{
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < n; i++)
        if (strncasecmp(headers[i], prefix, pl) == 0)
            return true;
    return false;
}

/* Append a C string. */
static bool put(http_buf_t *b, const char *s)
{
    return http_buf_append(b, s, strlen(s));
}

/* Append `v` in decimal. */
static bool put_uint(http_buf_t *b, size_t v)
{
    char t[24];
    size_t i = sizeof t;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return http_buf_append(b, t + i, sizeof t - i);
}

static bool header_valid(const char *hdr)
{
    const char *colon = strchr(hdr, ':');
    return colon && colon != hdr && !strpbrk(hdr, "\r\n") &&
           !memchr(hdr, ' ', (size_t)(colon - hdr));
}

bool actor_http_respond(runtime_t *rt, http_conn_id_t conn_id, int status_code,
                        const char *const *headers, size_t n_headers, const void *body,
                        size_t body_size)
{
    http_conn_t *c = waiting(rt, conn_id, "actor_http_respond");
    if (!c)
        return false;
    if (status_code < 100 || status_code > 999)
        return mk_fail("actor_http_respond: bad status %d", status_code);
    if ((n_headers && !headers) || (body_size && !body))
        return mk_fail("actor_http_respond: NULL headers or body with a non-zero count");
    for (size_t i = 0; i < n_headers; i++)
        if (!headers[i] || !header_valid(headers[i]))
            return mk_fail("actor_http_respond: bad header #%zu", i);
    http_buf_t *b = &c->out;
    http_buf_borrow(b, &c->h->spare_out);
    const char *conn = !c->keep    ? "Connection: close\r\n"
                       : c->http10 ? "Connection: keep-alive\r\n"
                                   : "";
    /* A HEAD answer states the length but carries no body (RFC 9110 9.3.2):
     * on a kept connection those bytes would be read as the next answer. */
    bool head = strcmp((const char *)c->hdrs.data, "HEAD") == 0;
    /* Appended piece by piece: printf was the largest user-space cost of a
     * Connection: close request in bench/http. */
    bool ok = http_buf_reserve(b, 128 + body_size) && put(b, "HTTP/1.1 ") &&
              put_uint(b, (size_t)status_code) && put(b, " ") &&
              put(b, reason_phrase(status_code)) && put(b, "\r\n");
    for (size_t i = 0; i < n_headers && ok; i++)
        if (!skip_header(headers[i]))
            ok = put(b, headers[i]) && put(b, "\r\n");
    /* RFC 9110 6.6.1 Date (unless the actor sent its own); RFC 9110
     * 15.5.6: a 405 must list the allowed methods -- without the actor's
     * Allow, an empty one (the resource allows none, RFC 9110 10.2.1). */
    if (ok && !has_header(headers, n_headers, "Date:"))
        ok = put(b, "Date: ") && put(b, date_now(c->h)) && put(b, "\r\n");
    if (ok && status_code == 405 && !has_header(headers, n_headers, "Allow:"))
        ok = put(b, "Allow: \r\n");
    ok = ok && put(b, "Content-Length: ") && put_uint(b, body_size) && put(b, "\r\n") &&
         put(b, conn) && put(b, "\r\n") && (head || http_buf_append(b, body, body_size));
    if (!ok) {
        b->len = b->off = 0;
        return mk_fail("actor_http_respond: out of memory for a %zu-byte body", body_size);
    }
    http_buf_free(&c->hdrs);
    c->state = ST_ANSWERED;
    c->reuse = c->keep;
    c->close_after_flush = !c->keep;
    c->deadline = mk_clock_ms() + ANSWER_WRITE_MS;
    http_tick_arm(c->h);
    conn_flush(c->h, c);
    return true;
}

bool actor_sse_start(runtime_t *rt, http_conn_id_t conn_id)
{
    http_conn_t *c = waiting(rt, conn_id, "actor_sse_start");
    if (!c)
        return false;
    if (!http_buf_printf(&c->out,
                         "HTTP/1.1 200 OK\r\nDate: %s\r\nContent-Type: text/event-stream\r\n"
                         "Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
                         date_now(c->h)))
        return mk_fail("actor_sse_start: out of memory");
    http_buf_free(&c->hdrs);
    c->state = ST_SSE_SERVER;
    if (c->eof) {
        /* The client's end was read while the request waited: an event
         * stream has no reader. Send the head, then report the close. */
        c->close_after_flush = true;
        http_send_ws_status(c->h, c, MSG_HTTP_CONN_CLOSED, 0);
    } else {
        resume_reading(c->h, c);
    }
    conn_flush(c->h, c);
    return true;
}

/* Bytes actor_sse_push writes for one event (the same line splitting). */
static size_t sse_event_size(const char *event, const char *data, size_t data_size)
{
    size_t n = event ? 8 + strlen(event) : 0; /* "event: " name "\n" */
    size_t i = 0;
    do {
        size_t j = i;
        while (j < data_size && data[j] != '\n' && data[j] != '\r')
            j++;
        n += 7 + (j - i); /* "data: " line "\n" */
        if (j < data_size && data[j] == '\r' && j + 1 < data_size && data[j + 1] == '\n')
            j++;
        i = j + 1;
    } while (i <= data_size);
    return n + 1; /* the empty line */
}

bool actor_sse_push(runtime_t *rt, http_conn_id_t conn_id, const char *event, const char *data,
                    size_t data_size)
{
    http_conn_t *c = conn_owned(rt, conn_id, "actor_sse_push");
    if (!c)
        return false;
    if (c->state != ST_SSE_SERVER)
        return mk_fail("actor_sse_push: connection %u is not an SSE stream", (unsigned)conn_id);
    if (event && strpbrk(event, "\r\n"))
        return mk_fail("actor_sse_push: event name contains CR or LF");
    if (data_size && !data)
        return mk_fail("actor_sse_push: NULL data with size %zu", data_size);
    size_t size = sse_event_size(event, data, data_size);
    if (!conn_out_room(c, size, "actor_sse_push"))
        return false;
    /* Room is reserved: the appends below cannot fail. */
    http_buf_t *b = &c->out;
    if (event) {
        http_buf_append(b, "event: ", 7);
        http_buf_append(b, event, strlen(event));
        http_buf_append(b, "\n", 1);
    }
    /* One data: line per line of data (HTML LS 9.2.6 joins them with LF). */
    size_t i = 0;
    do {
        size_t j = i;
        while (j < data_size && data[j] != '\n' && data[j] != '\r')
            j++;
        http_buf_append(b, "data: ", 6);
        http_buf_append(b, data + i, j - i);
        http_buf_append(b, "\n", 1);
        if (j < data_size && data[j] == '\r' && j + 1 < data_size && data[j + 1] == '\n')
            j++;
        i = j + 1;
    } while (i <= data_size);
    http_buf_append(b, "\n", 1);
    conn_flush(c->h, c);
    return true;
}

/* The value of field `name` among the packed request fields, or NULL. */
static const char *packed_find(const http_conn_t *c, const char *name, size_t *len)
{
    const char *p = (const char *)c->hdrs.data + c->method_size + 1 + c->path_size + 1;
    const char *end = p + c->fields_size;
    size_t nl = strlen(name);
    while (p < end) {
        size_t l = strlen(p);
        if (l > nl + 1 && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            *len = l - nl - 2;
            return p + nl + 2;
        }
        p += l + 1;
    }
    return NULL;
}

bool actor_ws_accept(runtime_t *rt, http_conn_id_t conn_id)
{
    http_conn_t *c = waiting(rt, conn_id, "actor_ws_accept");
    if (!c)
        return false;
    size_t ul = 0, cl = 0, vl = 0, kl = 0;
    const char *up = packed_find(c, "Upgrade", &ul);
    const char *co = packed_find(c, "Connection", &cl);
    const char *ver = packed_find(c, "Sec-WebSocket-Version", &vl);
    const char *key = packed_find(c, "Sec-WebSocket-Key", &kl);
    const char *why = NULL;
    if (strcmp((const char *)c->hdrs.data, "GET") != 0)
        why = "WebSocket upgrade must use GET";
    else if (!up || !http_header_has_token(up, ul, "websocket"))
        why = "no Upgrade: websocket";
    else if (!co || !http_header_has_token(co, cl, "upgrade"))
        why = "no Connection: Upgrade";
    else if (!ver || vl != 2 || memcmp(ver, "13", 2) != 0)
        why = "Sec-WebSocket-Version must be 13";
    else if (!key || kl != 24 || key[22] != '=' || key[23] != '=')
        why = "bad Sec-WebSocket-Key";
    if (why) {
        mk_set_error("actor_ws_accept: %s", why);
        reject(c->h, c, 400, why);
        mk_set_error("actor_ws_accept: %s", why);
        return false;
    }
    char accept[29];
    ws_accept_key(key, kl, accept);
    if (!http_buf_printf(&c->out,
                         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                         accept))
        return mk_fail("actor_ws_accept: out of memory");
    http_buf_free(&c->hdrs);
    http_rt_t *h = c->h;
    ws_start(h, c);
    resume_reading(h, c);
    if (!conn_flush(h, c))
        return true;
    ws_on_input(h, c); /* frames that came with the request */
    return true;
}
