/*
 * http_conn.c -- the HTTP layer's per-runtime state: the connection table,
 * socket I/O in the event loop, deadlines (one timerfd tick), ownership
 * (connections close when their actor stops) and messages to actors.
 *
 * Called by the client, server and WebSocket files and by the core's loop.
 * Never blocks; allocates per connection, not per message on the hot path
 * beyond the payloads it hands over.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "http/http_internal.h"
#include "microkernel/http.h"
#include "http/socket/socket_internal.h"
#include "platform/clock.h"

#define TICK_MS   50 /* deadline resolution */
#define SLOT_BITS 20
#define SLOT_MASK ((1u << SLOT_BITS) - 1)

/* ---- buffers --------------------------------------------------------- */

bool http_buf_reserve(http_buf_t *b, size_t n)
{
    if (b->len + n <= b->cap)
        return true;
    if (b->off && b->off == b->len) {
        b->off = b->len = 0; /* all consumed: start over */
        if (n <= b->cap)
            return true;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    uint8_t *d = mk_realloc(b->data, cap);
    if (!d)
        return false;
    b->data = d;
    b->cap = cap;
    return true;
}

bool http_buf_append(http_buf_t *b, const void *p, size_t n)
{
    if (!http_buf_reserve(b, n))
        return false;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return true;
}

bool http_buf_printf(http_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !http_buf_reserve(b, (size_t)n + 1))
        return false;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

void http_buf_free(http_buf_t *b)
{
    mk_free(b->data);
    memset(b, 0, sizeof *b);
}

#define SPARE_MAX (64 * 1024) /* larger buffers are freed, not kept */

void http_buf_borrow(http_buf_t *b, http_buf_t *spare)
{
    if (b->data || !spare->data)
        return;
    *b = *spare;
    memset(spare, 0, sizeof *spare);
}

void http_buf_recycle(http_buf_t *b, http_buf_t *spare)
{
    if (b->data && !spare->data && b->cap <= SPARE_MAX) {
        *spare = *b;
        spare->len = spare->off = 0;
        memset(b, 0, sizeof *b);
        return;
    }
    http_buf_free(b);
}

/* ---- state ----------------------------------------------------------- */

static void spaces_destroy(http_rt_t *h);

static void http_rt_destroy(runtime_t *rt, void *data)
{
    (void)rt;
    http_rt_t *h = data;
    http_dns_destroy(h);
    spaces_destroy(h);
    for (uint32_t i = 0; i < h->n_slots; i++)
        if (h->slots[i])
            conn_destroy(h, h->slots[i]);
    server_close_listeners(h, ACTOR_ID_INVALID);
    mk_io_remove(h->rt, &h->tick_io);
    if (h->tick_fd >= 0)
        close(h->tick_fd);
    if (h->tls_config)
        mk_tls_config_free(h->tls_config);
    mk_free(h->slots);
    mk_free(h->gens);
    mk_free(h->free_list);
    http_buf_free(&h->spare_in);
    http_buf_free(&h->spare_out);
    mk_free(h);
}

/* An actor stopped: close its connections and listeners. */
static void actor_exited(runtime_t *rt, void *ctx, actor_id_t id, int reason)
{
    (void)reason;
    http_rt_t *h = ctx;
    (void)rt;
    for (uint32_t i = 0; i < h->n_slots; i++)
        if (h->slots[i] && h->slots[i]->owner == id)
            conn_destroy(h, h->slots[i]);
    server_close_listeners(h, id);
}

http_rt_t *http_rt_peek(runtime_t *rt)
{
    return rt ? mk_runtime_ext(rt, MK_EXT_HTTP) : NULL;
}

static void on_tick(runtime_t *rt, mk_io_t *io, uint32_t events);

http_rt_t *http_rt(runtime_t *rt)
{
    if (!rt) {
        mk_set_error("http: NULL runtime");
        return NULL;
    }
    http_rt_t *h = mk_runtime_ext(rt, MK_EXT_HTTP);
    if (h)
        return h;
    h = mk_calloc(1, sizeof *h);
    if (!h) {
        mk_set_error("http: out of memory");
        return NULL;
    }
    h->rt = rt;
    h->max_body = MK_HTTP_DEFAULT_MAX_BODY;
    h->idle_ms = MK_HTTP_DEFAULT_IDLE_MS;
    h->timeout_ms = MK_HTTP_DEFAULT_TIMEOUT_MS;
    h->ws_max_message = MK_WS_DEFAULT_MAX_MESSAGE;
    h->max_output = MK_HTTP_DEFAULT_MAX_OUTPUT;
    h->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (h->tick_fd < 0 || !mk_io_add(rt, &h->tick_io, h->tick_fd, EPOLLIN, on_tick, h, false) ||
        !mk_runtime_on_exit(rt, actor_exited, h)) {
        mk_set_error("http: cannot set up the deadline timer or exit hook");
        if (h->tick_fd >= 0) {
            mk_io_remove(rt, &h->tick_io);
            close(h->tick_fd);
        }
        mk_free(h);
        return NULL;
    }
    mk_runtime_set_ext(rt, MK_EXT_HTTP, h, http_rt_destroy);
    return h;
}

void http_tick_arm(http_rt_t *h)
{
    if (h->tick_armed)
        return;
    struct itimerspec its = {
        .it_interval = {0, TICK_MS * 1000000L},
        .it_value = {0, TICK_MS * 1000000L},
    };
    if (timerfd_settime(h->tick_fd, 0, &its, NULL) == 0)
        h->tick_armed = true;
}

static void on_tick(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)rt;
    (void)events;
    http_rt_t *h = io->ctx;
    uint64_t exp;
    while (read(h->tick_fd, &exp, sizeof exp) > 0) {
    }
    uint64_t now = mk_clock_ms();
    bool any = false;
    for (uint32_t i = 0; i < h->n_slots; i++) {
        http_conn_t *c = h->slots[i];
        if (!c || !c->deadline)
            continue;
        if (c->deadline > now) {
            any = true;
            continue;
        }
        c->deadline = 0;
        if (c->side == SIDE_CLIENT)
            client_timeout(h, c);
        else
            server_timeout(h, c);
    }
    if (http_dns_tick(h))
        any = true;
    if (h->n_paused && server_resume_listeners(h, now))
        any = true;
    if (!any) {
        struct itimerspec off = {{0, 0}, {0, 0}};
        timerfd_settime(h->tick_fd, 0, &off, NULL);
        h->tick_armed = false;
    }
}

/* ---- connection table ------------------------------------------------ */

http_conn_t *conn_new(http_rt_t *h, actor_id_t owner, http_side_t side)
{
    http_conn_t *c = mk_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    uint32_t slot;
    if (h->n_free) {
        slot = h->free_list[--h->n_free];
    } else {
        if (h->n_slots == h->cap) {
            uint32_t cap = h->cap ? h->cap * 2 : 64;
            if (cap > SLOT_MASK) {
                mk_free(c);
                return NULL;
            }
            http_conn_t **s = mk_realloc(h->slots, cap * sizeof *s);
            if (s)
                h->slots = s;
            uint16_t *g = mk_realloc(h->gens, cap * sizeof *g);
            if (g)
                h->gens = g;
            uint32_t *f = mk_realloc(h->free_list, cap * sizeof *f);
            if (f)
                h->free_list = f;
            if (!s || !g || !f) {
                mk_free(c);
                return NULL;
            }
            h->cap = cap;
        }
        slot = h->n_slots++;
        h->gens[slot] = 0;
    }
    h->gens[slot] = (uint16_t)((h->gens[slot] + 1) & 0xFFF);
    if (h->gens[slot] == 0)
        h->gens[slot] = 1;
    c->id = ((uint32_t)h->gens[slot] << SLOT_BITS) | (slot + 1);
    c->h = h;
    c->owner = owner;
    c->side = (uint8_t)side;
    c->fd = -1;
    c->max_output = h->max_output;
    h->slots[slot] = c;
    h->n_conns++;
    return c;
}

http_conn_t *conn_find(http_rt_t *h, http_conn_id_t id)
{
    if (!h || id == HTTP_CONN_ID_INVALID)
        return NULL;
    uint32_t slot = (id & SLOT_MASK) - 1;
    if ((id & SLOT_MASK) == 0 || slot >= h->n_slots)
        return NULL;
    http_conn_t *c = h->slots[slot];
    return c && c->id == id ? c : NULL;
}

http_conn_t *conn_owned(runtime_t *rt, http_conn_id_t id, const char *who)
{
    actor_id_t self = actor_self(rt);
    if (self == ACTOR_ID_INVALID) {
        mk_set_error("%s: must be called from inside a behaviour", who);
        return NULL;
    }
    http_conn_t *c = conn_find(http_rt_peek(rt), id);
    if (!c) {
        mk_set_error("%s: no connection %u", who, (unsigned)id);
        return NULL;
    }
    if (c->owner != self) {
        mk_set_error("%s: connection %u belongs to another actor", who, (unsigned)id);
        return NULL;
    }
    return c;
}

/* Close the socket and free the buffers; the entry itself stays. */
static void conn_release(http_rt_t *h, http_conn_t *c)
{
    mk_io_remove(h->rt, &c->io);
    bool had_fd = c->sock || c->fd >= 0;
    if (c->sock)
        c->sock->close(c->sock);
    else if (c->fd >= 0)
        close(c->fd);
    if (had_fd && h->n_paused)
        server_resume_listeners(h, 0); /* a descriptor is free: accept again */
    c->sock = NULL;
    c->fd = -1;
    http_buf_recycle(&c->in, &h->spare_in);
    http_buf_recycle(&c->out, &h->spare_out);
    http_buf_free(&c->hdrs);
    if (c->sse_init)
        sse_parser_free(&c->sse);
    if (c->ws_init)
        ws_decoder_free(&c->ws);
    c->sse_init = c->ws_init = false;
    c->want_write = false;
}

void conn_destroy(http_rt_t *h, http_conn_t *c)
{
    uint32_t slot = (c->id & SLOT_MASK) - 1;
    for (size_t i = c->held_head; i < c->n_held; i++)
        message_destroy(c->held[i]);
    mk_free(c->held);
    conn_release(h, c);
    h->slots[slot] = NULL;
    h->free_list[h->n_free++] = slot;
    h->n_conns--;
    mk_free(c);
}

void conn_free(http_rt_t *h, http_conn_t *c)
{
    if (c->held_head == c->n_held) {
        conn_destroy(h, c);
        return;
    }
    /* The owner has not seen everything yet (the close comes last): keep
     * the entry until on_space() has delivered the rest. */
    conn_release(h, c);
    c->state = ST_DETACHED;
    c->deadline = 0;
    c->close_after_flush = c->linger = false;
}

static void conn_on_io(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)rt;
    http_conn_t *c = io->ctx;
    http_rt_t *h = http_rt_peek(rt);
    if (c->paused) {
        /* Only writes go on (EPOLLHUP/ERR end up in the failed write). */
        conn_flush(h, c);
        return;
    }
    if (c->side == SIDE_CLIENT)
        client_on_io(h, c, events);
    else
        server_on_io(h, c, events);
}

bool conn_watch(http_rt_t *h, http_conn_t *c, uint32_t events)
{
    c->want_write = (events & EPOLLOUT) != 0;
    if (c->paused || c->no_read)
        events &= ~(uint32_t)EPOLLIN;
    if (!events) {
        mk_io_remove(h->rt, &c->io); /* a paused reader with nothing to write */
        return true;
    }
    if (c->io.registered)
        return mk_io_modify(h->rt, &c->io, events);
    return mk_io_add(h->rt, &c->io, c->fd, events, conn_on_io, c, true);
}

ssize_t conn_read(http_conn_t *c)
{
    ssize_t total = 0;
    http_buf_borrow(&c->in, &c->h->spare_in);
    for (;;) {
        if (!http_buf_reserve(&c->in, 16384)) {
            errno = ENOMEM;
            c->eof = true;
            return total ? total : -2;
        }
        size_t room = c->in.cap - c->in.len;
        ssize_t n = c->sock->read(c->sock, c->in.data + c->in.len, room);
        if (n > 0) {
            c->in.len += (size_t)n;
            total += n;
            /* Hand over in pieces so one fast peer cannot hold the loop. A
             * server socket is plain TCP (no bytes buffered above the
             * kernel): a short read means it had no more. */
            if (total >= (1 << 20) || (c->side == SIDE_SERVER && (size_t)n < room))
                return total;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return total ? total : -1;
        /* End of stream or error: remembered, so data read in the same
         * call is not mistaken for "more may come" (TLS close_notify). */
        c->eof = true;
        c->io_error = n < 0;
        if (total)
            return total;
        return n == 0 ? 0 : -2;
    }
}

bool conn_out_fits(http_conn_t *c, size_t n)
{
    http_buf_t *b = &c->out;
    size_t unsent = b->len - b->off;
    size_t max = c->max_output;
    if (unsent != 0 && (n > max || unsent > max - n))
        return false;
    /* A peer that reads as fast as we queue may never let the buffer run
     * empty: drop the written front instead of growing when it is at least
     * half, so memory stays bounded by the limit, not by what was ever
     * sent. */
    if (b->off && b->len + n > b->cap && b->off >= b->len / 2) {
        memmove(b->data, b->data + b->off, unsent);
        b->len = unsent;
        b->off = 0;
    }
    http_buf_borrow(b, &c->h->spare_out);
    return http_buf_reserve(b, n);
}

bool conn_out_room(http_conn_t *c, size_t n, const char *who)
{
    http_buf_t *b = &c->out;
    size_t unsent = b->len - b->off;
    size_t max = c->max_output;
    if (unsent == 0 || (n <= max && unsent <= max - n)) {
        if (!conn_out_fits(c, n))
            return mk_fail("%s: out of memory for %zu output bytes", who, n);
        return true;
    }
    /* Told when a repeat of this call fits, and not before half the limit
     * is free, so the owner is not woken for every few bytes written. */
    size_t at = max / 2;
    size_t fits = n < max ? max - n : 0;
    if (fits < at)
        at = fits;
    if (!c->out_blocked || at < c->out_resume)
        c->out_resume = at;
    c->out_blocked = true;
    return mk_fail("%s: output queue full: %zu bytes unsent (limit %zu) to a peer that is not "
                   "reading; MSG_HTTP_WRITABLE follows when there is room",
                   who, unsent, max);
}

/* A refused sender waits and c's unsent output is low enough: tell it. */
static void check_writable(http_rt_t *h, http_conn_t *c)
{
    size_t unsent = c->out.len - c->out.off;
    if (!c->out_blocked || unsent > c->out_resume)
        return;
    c->out_blocked = false;
    if ((c->state != ST_WS && c->state != ST_SSE_SERVER) || c->ws_close_sent || c->ws_done)
        return; /* nothing more may be sent anyway */
    http_writable_payload_t p;
    memset(&p, 0, sizeof p);
    p.conn_id = c->id;
    p.unsent = unsent;
    p.limit = c->max_output;
    message_t *m = mk_pool_message(mk_runtime_pool(h->rt), ACTOR_ID_INVALID, c->owner,
                                   MSG_HTTP_WRITABLE, &p, sizeof p);
    if (m)
        http_post(h, c, m);
}

bool conn_flush(http_rt_t *h, http_conn_t *c)
{
    if (c->side == SIDE_SERVER && !c->nodelay && !c->close_after_flush && !c->linger &&
        c->out.off < c->out.len) {
        /* More writes may follow this one (keep-alive, SSE, WebSocket, 100
         * Continue): Nagle must not hold them for the peer's delayed ACK. A
         * last write before the close needs nothing: the FIN pushes it. */
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->nodelay = true;
    }
again:
    if (c->ws_pong_pending)
        ws_pong_push(c);
    conn_note_unsent(c);
    while (c->out.off < c->out.len) {
        ssize_t n = c->sock->write(c->sock, c->out.data + c->out.off, c->out.len - c->out.off);
        if (n > 0) {
            c->out.off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_write)
                conn_watch(h, c, EPOLLIN | EPOLLOUT);
            check_writable(h, c);
            return true;
        }
        /* The peer is gone. */
        int err = errno;
        if (c->close_after_flush) {
            conn_free(h, c);
        } else if (c->state == ST_WS) {
            ws_on_eof(h, c);
        } else if (c->side == SIDE_SERVER) {
            http_send_ws_status(h, c, MSG_HTTP_CONN_CLOSED, 0);
            conn_free(h, c);
        } else {
            http_send_error(h, c, HTTP_ERR_IO, "write to %s:%u failed: %s", c->host,
                            (unsigned)c->port, strerror(err));
            if (c->kind == KIND_SSE)
                http_send_status(h, c, MSG_SSE_CLOSED, c->status);
            else if (c->kind == KIND_WS)
                http_send_ws_status(h, c, MSG_WS_ERROR, WS_CLOSE_ABNORMAL);
            conn_free(h, c);
        }
        return false;
    }
    c->out.off = c->out.len = 0;
    if (c->ws_pong_pending && ws_pong_push(c))
        goto again; /* it waited for room: an empty queue has it */
    check_writable(h, c);
    if (c->reuse) {
        c->reuse = false;
        return server_reuse(h, c);
    }
    if (c->linger) {
        /* Let the client read our answer before the close: no RST from
         * unread request bytes (RFC 9112 9.6). Drain until EOF or deadline. */
        c->linger = false;
        c->close_after_flush = false;
        c->state = ST_ANSWERED;
        shutdown(c->fd, SHUT_WR);
        c->deadline = mk_clock_ms() + 1000;
        http_tick_arm(h);
        conn_watch(h, c, EPOLLIN);
        return true;
    }
    if (c->close_after_flush) {
        conn_free(h, c);
        return false;
    }
    if (c->want_write)
        conn_watch(h, c, EPOLLIN);
    return true;
}

/* ---- messages -------------------------------------------------------- */

static void on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive);

/* Ask to be told when `owner` has room, unless already asked. */
static bool wait_space(http_rt_t *h, actor_id_t owner)
{
    for (http_space_t *w = h->spaces; w; w = w->next)
        if (w->owner == owner)
            return true;
    http_space_t *w = mk_malloc(sizeof *w);
    if (!w)
        return mk_fail("http: out of memory waiting for mailbox room");
    *w = (http_space_t){h, owner, h->spaces};
    if (!mk_actor_wait_space(h->rt, owner, on_space, w)) {
        mk_free(w);
        return false;
    }
    h->spaces = w;
    return true;
}

/* Cancel every wait (the HTTP state is being destroyed). */
static void spaces_destroy(http_rt_t *h)
{
    while (h->spaces) {
        http_space_t *w = h->spaces;
        h->spaces = w->next;
        mk_actor_cancel_space(h->rt, w);
        mk_free(w);
    }
}

/* Keep `m` until the owner has room; false (m destroyed) when out of memory. */
static bool hold(http_rt_t *h, http_conn_t *c, message_t *m)
{
    if (c->held_head == c->n_held)
        c->held_head = c->n_held = 0;
    if (c->n_held == c->cap_held) {
        size_t cap = c->cap_held ? c->cap_held * 2 : 16;
        message_t **q = mk_realloc(c->held, cap * sizeof *q);
        if (!q) {
            message_destroy(m);
            return mk_fail("http: out of memory holding a message for a full mailbox");
        }
        c->held = q;
        c->cap_held = cap;
    }
    if (!wait_space(h, c->owner)) {
        message_destroy(m);
        return false;
    }
    c->held[c->n_held++] = m;
    if (!c->paused) {
        c->paused = true;
        if (c->io.registered)
            conn_watch(h, c, c->want_write ? EPOLLOUT : 0);
    }
    return true;
}

/* Deliver c's held messages in order while the owner has room. Returns
 * false when its mailbox filled up first. Once all went out, a detached
 * connection is freed and a paused one reads again. */
static bool drain(http_rt_t *h, http_conn_t *c, bool alive)
{
    while (alive && c->held_head < c->n_held) {
        if (!mk_actor_find(h->rt, c->owner))
            break;
        if (mk_actor_mailbox_full(h->rt, c->owner))
            return false;
        mk_deliver(h->rt, c->held[c->held_head++]);
    }
    for (; c->held_head < c->n_held; c->held_head++)
        message_destroy(c->held[c->held_head]); /* the owner is gone */
    c->held_head = c->n_held = 0;
    if (c->state == ST_DETACHED) {
        conn_destroy(h, c);
        return true;
    }
    c->paused = false;
    if ((c->state == ST_WS || c->state == ST_SSE) && (c->in.off < c->in.len || c->eof)) {
        /* what was read before the pause, and the end of the stream */
        if (!(c->state == ST_WS ? ws_on_input(h, c) : client_resume(h, c)))
            return true;
        if (c->paused)
            return true; /* held again (one more wait is registered) */
    }
    if (c->fd >= 0 && c->sock)
        conn_watch(h, c, EPOLLIN | (c->want_write ? EPOLLOUT : 0));
    return true;
}

/* mk_actor_wait_space: owner `id` has room (or stopped). Drain its
 * connections, starting one slot further each time so none starves. */
static void on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive)
{
    (void)rt;
    http_space_t *w = ctx;
    http_rt_t *h = w->h;
    for (http_space_t **p = &h->spaces; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    mk_free(w);
    uint32_t n = h->n_slots;
    if (n == 0)
        return;
    uint32_t start = h->space_next++ % n;
    for (uint32_t k = 0; k < n; k++) {
        http_conn_t *c = h->slots[(start + k) % n];
        if (!c || c->owner != id || c->held_head == c->n_held)
            continue;
        if (!drain(h, c, alive)) {
            wait_space(h, id); /* told once more when there is room */
            return;
        }
    }
}

bool http_post(http_rt_t *h, http_conn_t *c, message_t *m)
{
    if (mk_actor_find(h->rt, c->owner) &&
        (c->held_head < c->n_held || mk_actor_mailbox_full(h->rt, c->owner)))
        return hold(h, c, m);
    return mk_deliver(h->rt, m); /* fails (m destroyed) when the owner is gone */
}

bool http_deliver(http_rt_t *h, http_conn_t *c, msg_type_t type, void *buf, size_t size)
{
    message_t *m =
        mk_pool_message(mk_runtime_pool(h->rt), ACTOR_ID_INVALID, c->owner, type, NULL, 0);
    if (!m) {
        mk_free(buf);
        return false;
    }
    m->payload = buf;
    m->payload_size = size;
    m->free_payload = mk_free;
    return http_post(h, c, m);
}

/* Post a copy of the small payload `p`. */
static void post_copy(http_rt_t *h, http_conn_t *c, msg_type_t type, const void *p, size_t size)
{
    message_t *m =
        mk_pool_message(mk_runtime_pool(h->rt), ACTOR_ID_INVALID, c->owner, type, p, size);
    if (m)
        http_post(h, c, m);
}

void http_send_error(http_rt_t *h, http_conn_t *c, int code, const char *fmt, ...)
{
    http_error_payload_t p;
    memset(&p, 0, sizeof p);
    p.conn_id = c->id;
    p.error_code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p.message, sizeof p.message, fmt, ap);
    va_end(ap);
    post_copy(h, c, MSG_HTTP_ERROR, &p, sizeof p);
}

void http_send_status(http_rt_t *h, http_conn_t *c, msg_type_t type, int status)
{
    sse_status_payload_t p;
    memset(&p, 0, sizeof p);
    p.conn_id = c->id;
    p.status_code = status;
    post_copy(h, c, type, &p, sizeof p);
}

void http_send_ws_status(http_rt_t *h, http_conn_t *c, msg_type_t type, uint16_t code)
{
    ws_status_payload_t p;
    memset(&p, 0, sizeof p);
    p.conn_id = c->id;
    p.close_code = code;
    post_copy(h, c, type, &p, sizeof p);
}

/* ---- public: close, settings, accessors ------------------------------ */

bool http_conn_stats(runtime_t *rt, http_conn_id_t id, http_conn_stats_t *out)
{
    if (!out)
        return mk_fail("http_conn_stats: NULL output");
    http_conn_t *c = conn_owned(rt, id, "http_conn_stats");
    if (!c)
        return false;
    memset(out, 0, sizeof *out);
    out->unsent = c->out.len - c->out.off;
    out->unsent_peak = c->out_peak;
    out->limit = c->max_output;
    out->ws_pings = c->ws_pings;
    out->ws_pongs_replaced = c->ws_pongs_replaced;
    out->ws_pong_pending = c->ws_pong_pending;
    out->peer_eof = c->eof;
    return true;
}

void actor_http_close(runtime_t *rt, http_conn_id_t id)
{
    http_conn_t *c = conn_owned(rt, id, "actor_http_close");
    if (c)
        conn_destroy(http_rt_peek(rt), c); /* held messages for it are dropped */
}

void http_server_set_max_body(runtime_t *rt, size_t bytes)
{
    http_rt_t *h = http_rt(rt);
    if (h)
        h->max_body = bytes ? bytes : MK_HTTP_DEFAULT_MAX_BODY;
}

void http_server_set_idle_timeout(runtime_t *rt, uint32_t ms)
{
    http_rt_t *h = http_rt(rt);
    if (h)
        h->idle_ms = ms ? ms : MK_HTTP_DEFAULT_IDLE_MS;
}

void http_server_set_keepalive(runtime_t *rt, bool on)
{
    http_rt_t *h = http_rt(rt);
    if (h)
        h->keepalive = on;
}

void http_client_set_timeout(runtime_t *rt, uint32_t ms)
{
    http_rt_t *h = http_rt(rt);
    if (h)
        h->timeout_ms = ms ? ms : MK_HTTP_DEFAULT_TIMEOUT_MS;
}

void http_ws_set_max_message(runtime_t *rt, size_t bytes)
{
    http_rt_t *h = http_rt(rt);
    if (h)
        h->ws_max_message = bytes ? bytes : MK_WS_DEFAULT_MAX_MESSAGE;
}

void http_set_max_output(runtime_t *rt, size_t bytes)
{
    http_rt_t *h = http_rt(rt);
    if (h)
        h->max_output = bytes ? bytes : MK_HTTP_DEFAULT_MAX_OUTPUT;
}

const char *http_response_headers(const http_response_payload_t *p)
{
    return (const char *)(p + 1);
}

const void *http_response_body(const http_response_payload_t *p)
{
    return (const char *)(p + 1) + p->headers_size;
}

const char *sse_event_name(const sse_event_payload_t *p)
{
    return (const char *)(p + 1);
}

const char *sse_event_data(const sse_event_payload_t *p)
{
    return (const char *)(p + 1) + p->event_size;
}

const void *ws_message_data(const ws_message_payload_t *p)
{
    return (const char *)(p + 1);
}

const char *http_request_method(const http_request_payload_t *p)
{
    return (const char *)(p + 1);
}

const char *http_request_path(const http_request_payload_t *p)
{
    return (const char *)(p + 1) + p->method_size;
}

const char *http_request_headers(const http_request_payload_t *p)
{
    return (const char *)(p + 1) + p->method_size + p->path_size;
}

const void *http_request_body(const http_request_payload_t *p)
{
    return (const char *)(p + 1) + p->method_size + p->path_size + p->headers_size;
}
