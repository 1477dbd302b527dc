/*
 * http_client.c -- actor-level HTTP/1.1 client, SSE client and the client
 * side of the WebSocket handshake (seed "HTTP / SSE / WebSocket", client
 * APIs; RFC 9112, HTML LS 9.2, RFC 6455 4.1).
 *
 * A request is a state machine on the runtime's loop: resolve (c-ares),
 * non-blocking connect over each address, TLS handshake, write the request,
 * parse the response head and body. Every failure ends in MSG_HTTP_ERROR
 * with a code and a reason; nothing here blocks or trusts the peer.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "http/http_internal.h"
#include "http/socket/socket_internal.h"
#include "platform/clock.h"

#define SSE_FEED_SLICE 16384 /* bytes parsed between checks for a paused stream */

void client_fail(http_rt_t *h, http_conn_t *c, int code, const char *fmt, ...)
{
    char msg[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    http_send_error(h, c, code, "%s", msg);
    if (c->kind == KIND_SSE)
        http_send_status(h, c, MSG_SSE_CLOSED, c->status);
    else if (c->kind == KIND_WS)
        http_send_ws_status(h, c, MSG_WS_ERROR, WS_CLOSE_ABNORMAL);
    conn_free(h, c);
}

/* ---- request --------------------------------------------------------- */

/* A caller's "Name: value" header: token name, colon, no CR/LF. */
static bool header_ok(const char *hdr)
{
    const char *colon = strchr(hdr, ':');
    if (!colon || colon == hdr)
        return false;
    for (const char *p = hdr; p < colon; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= 0x20 || ch >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", ch))
            return false;
    }
    return strpbrk(hdr, "\r\n") == NULL;
}

static bool has_header(const char *const *headers, size_t n, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (strncasecmp(headers[i], name, nl) == 0 && headers[i][nl] == ':')
            return true;
    return false;
}

static bool build_request(http_conn_t *c, const char *method, const http_url_t *u,
                          const char *const *headers, size_t n_headers, const void *body,
                          size_t body_size)
{
    http_buf_t *b = &c->out;
    bool ok = http_buf_printf(b, "%s %s%.*s HTTP/1.1\r\n", method, u->path[0] == '?' ? "/" : "",
                              (int)u->path_len, u->path);
    if (!has_header(headers, n_headers, "Host")) {
        bool dflt = u->port == (u->tls ? 443 : 80);
        ok = ok && http_buf_printf(b, "Host: %s%s%s", u->host_is_ipv6 ? "[" : "", u->host,
                                   u->host_is_ipv6 ? "]" : "");
        ok = ok && (dflt || http_buf_printf(b, ":%u", (unsigned)u->port));
        ok = ok && http_buf_append(b, "\r\n", 2);
    }
    for (size_t i = 0; i < n_headers && ok; i++)
        ok = http_buf_printf(b, "%s\r\n", headers[i]);
    if (c->kind == KIND_WS) {
        uint8_t key[16];
        ws_random(key, sizeof key);
        ws_base64(key, sizeof key, c->ws_key);
        ok = ok && http_buf_printf(b,
                                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n",
                                   c->ws_key);
    } else {
        if (c->kind == KIND_SSE && !has_header(headers, n_headers, "Accept"))
            ok = ok && http_buf_printf(b, "Accept: text/event-stream\r\n");
        if (c->kind == KIND_SSE)
            ok = ok && http_buf_printf(b, "Cache-Control: no-cache\r\n");
        if (!has_header(headers, n_headers, "Connection"))
            ok = ok && http_buf_printf(b, "Connection: close\r\n");
    }
    bool wants_length = body_size > 0 || strcmp(method, "POST") == 0 ||
                        strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
    if (wants_length && !has_header(headers, n_headers, "Content-Length") &&
        !has_header(headers, n_headers, "Transfer-Encoding"))
        ok = ok && http_buf_printf(b, "Content-Length: %zu\r\n", body_size);
    ok = ok && http_buf_append(b, "\r\n", 2);
    ok = ok && http_buf_append(b, body, body_size);
    return ok;
}

static http_conn_id_t client_start(runtime_t *rt, http_kind_t kind, const char *who,
                                   const char *method, const char *url, const char *const *headers,
                                   size_t n_headers, const void *body, size_t body_size)
{
    actor_id_t self = actor_self(rt);
    if (self == ACTOR_ID_INVALID) {
        mk_set_error("%s: must be called from inside a behaviour", who);
        return HTTP_CONN_ID_INVALID;
    }
    if (!url || !method) {
        mk_set_error("%s: NULL %s", who, url ? "method" : "URL");
        return HTTP_CONN_ID_INVALID;
    }
    if (!*method || strlen(method) > 32 || strpbrk(method, " \t\r\n:/")) {
        mk_set_error("%s: bad method \"%.32s\"", who, method);
        return HTTP_CONN_ID_INVALID;
    }
    if ((n_headers && !headers) || (body_size && !body)) {
        mk_set_error("%s: NULL %s with a non-zero count", who,
                     body_size && !body ? "body" : "headers");
        return HTTP_CONN_ID_INVALID;
    }
    for (size_t i = 0; i < n_headers; i++)
        if (!headers[i] || !header_ok(headers[i])) {
            mk_set_error("%s: bad header #%zu (want \"Name: value\" without CR/LF)", who, i);
            return HTTP_CONN_ID_INVALID;
        }
    http_url_t u;
    const char *why;
    if (!http_url_parse(url, strlen(url), &u, &why)) {
        mk_set_error("%s: %s: %.100s", who, why, url);
        return HTTP_CONN_ID_INVALID;
    }
    bool ws_scheme = u.scheme == URL_WS || u.scheme == URL_WSS;
    if ((kind == KIND_WS) != ws_scheme) {
        mk_set_error("%s: %s URLs need %s", who, ws_scheme ? "ws/wss" : "http/https",
                     ws_scheme ? "actor_ws_connect" : "actor_http_fetch or actor_sse_connect");
        return HTTP_CONN_ID_INVALID;
    }
    http_rt_t *h = http_rt(rt);
    if (!h)
        return HTTP_CONN_ID_INVALID;
    http_conn_t *c = conn_new(h, self, SIDE_CLIENT);
    if (!c) {
        mk_set_error("%s: out of memory", who);
        return HTTP_CONN_ID_INVALID;
    }
    c->kind = (uint8_t)kind;
    snprintf(c->host, sizeof c->host, "%s", u.host);
    c->port = u.port;
    c->tls = u.tls;
    c->head_request = strcmp(method, "HEAD") == 0;
    if (!build_request(c, method, &u, headers, n_headers, body, body_size)) {
        conn_free(h, c);
        mk_set_error("%s: out of memory", who);
        return HTTP_CONN_ID_INVALID;
    }
    c->deadline = mk_clock_ms() + h->timeout_ms;
    http_tick_arm(h);
    http_conn_id_t id = c->id;
    char err[160];
    /* From here on failures are reported by message (the callback may even
     * run and free `c` before http_dns_resolve returns). */
    if (!http_dns_resolve(h, c, err, sizeof err))
        client_fail(h, c, HTTP_ERR_DNS, "%s", err);
    return id;
}

http_conn_id_t actor_http_get(runtime_t *rt, const char *url)
{
    return client_start(rt, KIND_HTTP, "actor_http_get", "GET", url, NULL, 0, NULL, 0);
}

http_conn_id_t actor_http_fetch(runtime_t *rt, const char *method, const char *url,
                                const char *const *headers, size_t n_headers, const void *body,
                                size_t body_size)
{
    return client_start(rt, KIND_HTTP, "actor_http_fetch", method, url, headers, n_headers, body,
                        body_size);
}

http_conn_id_t actor_sse_connect(runtime_t *rt, const char *url)
{
    return client_start(rt, KIND_SSE, "actor_sse_connect", "GET", url, NULL, 0, NULL, 0);
}

http_conn_id_t actor_ws_connect(runtime_t *rt, const char *url)
{
    return client_start(rt, KIND_WS, "actor_ws_connect", "GET", url, NULL, 0, NULL, 0);
}

/* ---- connect ---------------------------------------------------------- */

static void connected(http_rt_t *h, http_conn_t *c);

/* Try addresses from c->cur_addr on. */
static void try_connect(http_rt_t *h, http_conn_t *c)
{
    while (c->cur_addr < c->n_addrs) {
        const struct sockaddr *sa = (const struct sockaddr *)&c->addrs[c->cur_addr];
        int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            c->connect_errno = errno;
            c->cur_addr++;
            continue;
        }
        c->fd = fd;
        if (connect(fd, sa, c->addr_lens[c->cur_addr]) == 0) {
            connected(h, c);
            return;
        }
        if (errno == EINPROGRESS) {
            c->state = ST_CONNECTING;
            if (conn_watch(h, c, EPOLLOUT))
                return;
        }
        c->connect_errno = errno;
        mk_io_remove(h->rt, &c->io);
        close(fd);
        c->fd = -1;
        c->cur_addr++;
    }
    client_fail(h, c, HTTP_ERR_CONNECT, "cannot connect to %s:%u: %s", c->host, (unsigned)c->port,
                strerror(c->connect_errno ? c->connect_errno : ECONNREFUSED));
}

void client_resolved(http_rt_t *h, http_conn_t *c, int n, const char *err)
{
    if (n == 0) {
        client_fail(h, c, HTTP_ERR_DNS, "%s", err);
        return;
    }
    c->cur_addr = 0;
    try_connect(h, c);
}

static void tls_step(http_rt_t *h, http_conn_t *c)
{
    char err[200];
    int r = mk_tls_handshake(c->sock, err, sizeof err);
    if (r == MK_TLS_FAILED) {
        client_fail(h, c, HTTP_ERR_TLS, "%s:%u: %s", c->host, (unsigned)c->port, err);
        return;
    }
    if (r == MK_TLS_WANT_READ) {
        conn_watch(h, c, EPOLLIN);
        return;
    }
    if (r == MK_TLS_WANT_WRITE) {
        conn_watch(h, c, EPOLLIN | EPOLLOUT);
        return;
    }
    c->state = ST_HEAD;
    conn_watch(h, c, EPOLLIN);
    conn_flush(h, c);
}

static void connected(http_rt_t *h, http_conn_t *c)
{
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (c->tls) {
        if (!h->tls_config) {
            char err[160];
            h->tls_config = mk_tls_config_new(err, sizeof err);
            if (!h->tls_config) {
                client_fail(h, c, HTTP_ERR_TLS, "%s", err);
                return;
            }
        }
        char err[160];
        c->sock = mk_tls_client_new(h->tls_config, c->fd, c->host, err, sizeof err);
        if (!c->sock) {
            client_fail(h, c, HTTP_ERR_TLS, "%s", err);
            return;
        }
        c->state = ST_TLS;
        if (!c->io.registered && !conn_watch(h, c, EPOLLIN | EPOLLOUT)) {
            client_fail(h, c, HTTP_ERR_IO, "cannot watch the socket");
            return;
        }
        tls_step(h, c);
        return;
    }
    c->sock = mk_socket_tcp_wrap(c->fd);
    if (!c->sock) {
        client_fail(h, c, HTTP_ERR_NOMEM, "out of memory");
        return;
    }
    c->state = ST_HEAD;
    if (!conn_watch(h, c, EPOLLIN)) {
        client_fail(h, c, HTTP_ERR_IO, "cannot watch the socket");
        return;
    }
    conn_flush(h, c);
}

/* ---- response ---------------------------------------------------------- */

/* Deliver MSG_HTTP_RESPONSE with the body at the start of c->in, then free. */
static void complete(http_rt_t *h, http_conn_t *c)
{
    size_t hs = c->hdrs.len, bs = c->body_len;
    size_t size = sizeof(http_response_payload_t) + hs + bs + 1;
    uint8_t *p = mk_malloc(size);
    if (!p) {
        client_fail(h, c, HTTP_ERR_NOMEM, "out of memory for a %zu-byte response", bs);
        return;
    }
    http_response_payload_t *r = (http_response_payload_t *)p;
    memset(r, 0, sizeof *r);
    r->conn_id = c->id;
    r->status_code = c->status;
    r->headers_size = hs;
    r->body_size = bs;
    if (hs)
        memcpy(p + sizeof *r, c->hdrs.data, hs);
    if (bs)
        memcpy(p + sizeof *r + hs, c->in.data, bs);
    p[sizeof *r + hs + bs] = '\0';
    http_deliver(h, c, MSG_HTTP_RESPONSE, p, size);
    conn_free(h, c);
}

static bool sse_event(void *ctx, const sse_event_t *ev)
{
    http_conn_t *c = ctx;
    size_t size = sizeof(sse_event_payload_t) + ev->type_len + 1 + ev->data_len + 1;
    uint8_t *p = mk_malloc(size);
    if (!p)
        return false;
    sse_event_payload_t *e = (sse_event_payload_t *)p;
    memset(e, 0, sizeof *e);
    e->conn_id = c->id;
    e->event_size = ev->type_len + 1; /* the name's NUL included, as the original counts */
    e->data_size = ev->data_len;
    memcpy(p + sizeof *e, ev->type, ev->type_len + 1);
    memcpy(p + sizeof *e + ev->type_len + 1, ev->data, ev->data_len + 1);
    http_deliver(c->h, c, MSG_SSE_EVENT, p, size);
    return true;
}

/* Decode the body bytes at c->in[body_len ..) per the framing. Returns 1
 * when the body is complete, 0 when more is needed, -1 on malformed coding
 * (reported and freed). */
static int body_progress(http_rt_t *h, http_conn_t *c)
{
    if (c->chunked) {
        size_t n = c->in.len - c->body_len;
        ssize_t r = http_chunked_decode(&c->chunk, c->in.data + c->body_len, &n);
        c->body_len += n;
        c->in.len = c->body_len;
        if (r == HTTP_PARSE_INVALID) {
            client_fail(h, c, HTTP_ERR_PROTOCOL, "malformed chunked body from %s:%u", c->host,
                        (unsigned)c->port);
            return -1;
        }
        return r >= 0;
    }
    if (c->has_length) {
        /* An SSE body is parsed and dropped as it comes (body_done bytes so
         * far): the length left is what may still be in c->in. */
        uint64_t left = c->length - c->body_done;
        c->body_len = c->in.len < left ? c->in.len : (size_t)left;
        c->in.len = c->body_len; /* anything after the body is ignored */
        return c->body_len == left;
    }
    c->body_len = c->in.len; /* until close */
    return 0;
}

/* SSE bytes decoded in the same call are still waiting (the owner is full). */
static bool sse_waiting(const http_conn_t *c)
{
    return c->kind == KIND_SSE && c->in.off < c->body_len;
}

/* Handle body bytes in c->in. Returns false when c was freed. */
static bool on_body(http_rt_t *h, http_conn_t *c)
{
    int r = body_progress(h, c);
    if (r < 0)
        return false;
    if (c->kind == KIND_SSE) {
        /* In slices, stopping while paused (a full mailbox): the decoded
         * rest waits at c->in[off, body_len) and at most one slice of
         * events is held. */
        while (c->in.off < c->body_len && !c->paused) {
            size_t n = c->body_len - c->in.off;
            if (n > SSE_FEED_SLICE)
                n = SSE_FEED_SLICE;
            const char *p = (const char *)c->in.data + c->in.off;
            c->in.off += n;
            if (!sse_parser_feed(&c->sse, p, n, sse_event, c)) {
                client_fail(h, c, HTTP_ERR_PROTOCOL, "SSE stream: %s", c->sse.error);
                return false;
            }
        }
        if (c->in.off < c->body_len)
            return true; /* paused: client_resume() goes on */
        c->body_done += c->body_len;
        c->in.off = c->in.len = 0;
        c->body_len = 0;
        if (r == 1) {
            http_send_status(h, c, MSG_SSE_CLOSED, c->status);
            conn_free(h, c);
            return false;
        }
        return true;
    }
    if (c->body_len > MK_HTTP_DEFAULT_MAX_RESPONSE) {
        client_fail(h, c, HTTP_ERR_TOO_LARGE, "response body over %u bytes",
                    (unsigned)MK_HTTP_DEFAULT_MAX_RESPONSE);
        return false;
    }
    if (r == 1) {
        complete(h, c);
        return false;
    }
    return true;
}

/* Pack the parsed header fields into c->hdrs. */
static bool pack_headers(http_conn_t *c, const http_header_t *hd, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!http_buf_append(&c->hdrs, hd[i].name, hd[i].name_len) ||
            !http_buf_append(&c->hdrs, ": ", 2) ||
            !http_buf_append(&c->hdrs, hd[i].value, hd[i].value_len) ||
            !http_buf_append(&c->hdrs, "", 1))
            return false;
    }
    return true;
}

/* Check the 101 answer to our upgrade (RFC 6455 4.1, client step 5). */
static bool ws_handshake_ok(http_conn_t *c, const http_response_head_t *res, const char **why)
{
    const http_header_t *hd = res->headers;
    size_t n = res->n_headers;
    if (res->status != 101) {
        *why = "server did not switch protocols";
        return false;
    }
    const http_header_t *up = http_header_find(hd, n, "Upgrade");
    const http_header_t *co = http_header_find(hd, n, "Connection");
    const http_header_t *ac = http_header_find(hd, n, "Sec-WebSocket-Accept");
    if (!up || !http_header_has_token(up->value, up->value_len, "websocket")) {
        *why = "101 without Upgrade: websocket";
        return false;
    }
    if (!co || !http_header_has_token(co->value, co->value_len, "upgrade")) {
        *why = "101 without Connection: Upgrade";
        return false;
    }
    char want[29];
    ws_accept_key(c->ws_key, strlen(c->ws_key), want);
    if (!ac || ac->value_len != 28 || memcmp(ac->value, want, 28) != 0) {
        *why = "wrong Sec-WebSocket-Accept";
        return false;
    }
    if (http_header_find(hd, n, "Sec-WebSocket-Extensions")) {
        *why = "server selected an extension we did not offer";
        return false;
    }
    return true;
}

/* Try to parse the response head. Returns false when c was freed. */
static bool on_head(http_rt_t *h, http_conn_t *c, bool eof)
{
    for (;;) {
        http_header_t hd[MK_HTTP_MAX_HEADERS];
        http_response_head_t res = {.headers = hd};
        ssize_t r =
            http_parse_response((const char *)c->in.data, c->in.len, &res, MK_HTTP_MAX_HEADERS);
        if (r == HTTP_PARSE_INCOMPLETE) {
            if (c->in.len > MK_HTTP_MAX_HEAD) {
                client_fail(h, c, HTTP_ERR_TOO_LARGE, "response head over %u bytes",
                            (unsigned)MK_HTTP_MAX_HEAD);
                return false;
            }
            if (eof) {
                client_fail(h, c, HTTP_ERR_CLOSED, "%s:%u closed the connection %s", c->host,
                            (unsigned)c->port,
                            c->in.len ? "inside the response head" : "without a response");
                return false;
            }
            return true;
        }
        if (r < 0) {
            client_fail(h, c, r == HTTP_PARSE_TOO_MANY ? HTTP_ERR_TOO_LARGE : HTTP_ERR_PROTOCOL,
                        "malformed response head from %s:%u", c->host, (unsigned)c->port);
            return false;
        }
        if ((size_t)r > MK_HTTP_MAX_HEAD) {
            client_fail(h, c, HTTP_ERR_TOO_LARGE, "response head over %u bytes",
                        (unsigned)MK_HTTP_MAX_HEAD);
            return false;
        }
        size_t head_len = (size_t)r;
        c->status = res.status;
        if (c->kind == KIND_WS) {
            const char *why;
            if (!ws_handshake_ok(c, &res, &why)) {
                client_fail(h, c, res.status == 101 ? HTTP_ERR_PROTOCOL : HTTP_ERR_STATUS,
                            "WebSocket handshake with %s:%u failed: %s (status %d)", c->host,
                            (unsigned)c->port, why, res.status);
                return false;
            }
            memmove(c->in.data, c->in.data + head_len, c->in.len - head_len);
            c->in.len -= head_len;
            c->deadline = 0;
            ws_start(h, c);
            return ws_on_input(h, c); /* frames after the 101; the end of the stream */
        }
        if (res.status >= 100 && res.status < 200) {
            /* Interim response (100 Continue, 103 ...): skip it. */
            memmove(c->in.data, c->in.data + head_len, c->in.len - head_len);
            c->in.len -= head_len;
            continue;
        }
        bool te, hl;
        uint64_t len;
        if (http_body_framing(hd, res.n_headers, false, &te, &hl, &len) < 0) {
            client_fail(h, c, HTTP_ERR_PROTOCOL, "bad Content-Length/Transfer-Encoding from %s:%u",
                        c->host, (unsigned)c->port);
            return false;
        }
        c->chunked = te;
        c->has_length = hl;
        c->length = len;
        if (c->head_request || res.status == 204 || res.status == 304) {
            c->chunked = false;
            c->has_length = true;
            c->length = 0;
        }
        if (c->has_length && c->length > MK_HTTP_DEFAULT_MAX_RESPONSE) {
            client_fail(h, c, HTTP_ERR_TOO_LARGE, "response body of %llu bytes is over the limit",
                        (unsigned long long)c->length);
            return false;
        }
        if (c->chunked)
            http_chunked_init(&c->chunk);
        c->state = ST_BODY;
        if (c->kind == KIND_SSE) {
            const http_header_t *ct = http_header_find(hd, res.n_headers, "Content-Type");
            bool is_stream =
                ct && ct->value_len >= 17 && strncasecmp(ct->value, "text/event-stream", 17) == 0;
            if (res.status < 200 || res.status > 299 || !is_stream) {
                client_fail(h, c, HTTP_ERR_STATUS, "SSE: %s:%u answered %d%s", c->host,
                            (unsigned)c->port, res.status,
                            is_stream ? "" : " without Content-Type: text/event-stream");
                return false;
            }
            sse_parser_init(&c->sse, MK_SSE_MAX_EVENT);
            c->sse_init = true;
            c->deadline = 0;
            c->state = ST_SSE;
            http_send_status(h, c, MSG_SSE_OPEN, res.status);
        } else if (!pack_headers(c, hd, res.n_headers)) {
            client_fail(h, c, HTTP_ERR_NOMEM, "out of memory");
            return false;
        }
        /* Only now: the header slices point into the head being dropped. */
        memmove(c->in.data, c->in.data + head_len, c->in.len - head_len);
        c->in.len -= head_len;
        c->body_len = 0;
        if (!c->chunked && !c->has_length)
            c->until_close = true;
        return on_body(h, c);
    }
}

/* The peer closed while we read a body. */
static void body_eof(http_rt_t *h, http_conn_t *c)
{
    if (c->kind == KIND_SSE && c->has_length && c->body_done < c->length) {
        client_fail(h, c, HTTP_ERR_CLOSED,
                    "%s:%u closed the event stream after %llu of %llu body bytes", c->host,
                    (unsigned)c->port, (unsigned long long)c->body_done,
                    (unsigned long long)c->length);
    } else if (c->kind == KIND_SSE && c->chunked) {
        client_fail(h, c, HTTP_ERR_CLOSED,
                    "%s:%u closed the event stream before its last chunk, after %llu body bytes",
                    c->host, (unsigned)c->port, (unsigned long long)(c->body_done + c->body_len));
    } else if (c->kind == KIND_SSE) {
        http_send_status(h, c, MSG_SSE_CLOSED, c->status);
        conn_free(h, c);
    } else if (c->until_close) {
        complete(h, c);
    } else if (c->chunked) {
        client_fail(h, c, HTTP_ERR_CLOSED, "%s:%u closed inside the chunked body after %zu bytes",
                    c->host, (unsigned)c->port, c->body_len);
    } else {
        client_fail(h, c, HTTP_ERR_CLOSED, "%s:%u closed after %zu of %llu body bytes", c->host,
                    (unsigned)c->port, c->body_len, (unsigned long long)c->length);
    }
}

void client_on_io(http_rt_t *h, http_conn_t *c, uint32_t events)
{
    if (c->state == ST_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
            err = errno;
        if (err == 0 && !(events & EPOLLERR)) {
            connected(h, c);
            return;
        }
        c->connect_errno = err ? err : ECONNREFUSED;
        mk_io_remove(h->rt, &c->io);
        close(c->fd);
        c->fd = -1;
        c->cur_addr++;
        try_connect(h, c);
        return;
    }
    if (c->state == ST_TLS) {
        tls_step(h, c);
        return;
    }
    if ((events & EPOLLOUT) && c->out.len > c->out.off && !conn_flush(h, c))
        return;
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        return;
    ssize_t n = conn_read(c);
    if (n == -1)
        return;
    bool eof = c->eof;
    if (n == -2 && c->state == ST_HEAD && c->in.len == 0) {
        client_fail(h, c, HTTP_ERR_IO, "reading from %s:%u failed: %s", c->host, (unsigned)c->port,
                    strerror(errno));
        return;
    }
    switch (c->state) {
    case ST_HEAD:
        if (!on_head(h, c, eof))
            return;
        if (eof && c->state != ST_HEAD && c->state != ST_WS && !sse_waiting(c))
            body_eof(h, c); /* (ws_on_input saw it for WebSocket) */
        return;
    case ST_BODY:
    case ST_SSE:
        if (!on_body(h, c))
            return;
        if (eof && !sse_waiting(c))
            body_eof(h, c);
        return;
    case ST_WS: ws_on_input(h, c); return;
    default: return;
    }
}

bool client_resume(http_rt_t *h, http_conn_t *c)
{
    if (!on_body(h, c))
        return false;
    if (c->eof && !sse_waiting(c)) {
        body_eof(h, c);
        return false;
    }
    return true;
}

void client_timeout(http_rt_t *h, http_conn_t *c)
{
    if (c->state == ST_WS) {
        ws_timeout(h, c);
        return;
    }
    client_fail(h, c, HTTP_ERR_TIMEOUT, "%s:%u: no complete %s within %u ms", c->host,
                (unsigned)c->port, c->kind == KIND_HTTP ? "response" : "handshake",
                (unsigned)h->timeout_ms);
}
