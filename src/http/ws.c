/*
 * ws.c -- WebSocket connections after the handshake, both sides (RFC 6455
 * 5-7): messages to the owner, pings answered, the close handshake, and
 * protocol errors closed with 1002/1007/1009.
 *
 * Called by http_client.c / http_server.c with received bytes and by actors
 * through actor_ws_send_*. Decoder callbacks only queue output; the
 * connection is flushed or freed after decoding, never in the middle.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/alloc_internal.h"
#include "http/http_internal.h"
#include "platform/clock.h"

#define WS_CLOSE_WAIT_MS    2000  /* how long we wait for the peer's close frame */
#define WS_FEED_SLICE       16384 /* bytes decoded between checks for a paused connection */
#define WS_MAX_CLOSE_REASON 123   /* close reason bytes that fit with the code (RFC 6455 5.5) */

void ws_random(void *buf, size_t len)
{
    /* A per-thread pool from getrandom(): one syscall per 4 KiB of keys. */
    static _Thread_local uint8_t pool[4096];
    static _Thread_local size_t left;
    uint8_t *out = buf;
    while (len) {
        if (left == 0) {
            size_t got = 0;
            while (got < sizeof pool) {
                ssize_t n = getrandom(pool + got, sizeof pool - got, 0);
                if (n > 0)
                    got += (size_t)n;
                else if (errno != EINTR)
                    abort(); /* no kernel entropy: keys must never be predictable */
            }
            left = sizeof pool;
        }
        size_t take = len < left ? len : left;
        memcpy(out, pool + sizeof pool - left, take);
        memset(pool + sizeof pool - left, 0, take);
        left -= take;
        out += take;
        len -= take;
    }
}

/* Queue one frame; masked with a fresh key on the client side (RFC 6455
 * 5.3). A frame for an actor's call (`who` names it) is held to the output
 * limit (conn_out_room; false with the reason set); our own control frames
 * (`who` NULL: pongs, close replies) are small and only need memory. */
static bool queue_frame(http_conn_t *c, uint8_t opcode, const void *data, size_t len,
                        const char *who)
{
    uint8_t hdr[14], key[4];
    bool client = c->side == SIDE_CLIENT;
    if (client)
        ws_random(key, 4);
    size_t hl = ws_frame_header(hdr, opcode, len, client ? key : NULL);
    if (who ? !conn_out_room(c, hl + len, who) : !http_buf_reserve(&c->out, hl + len))
        return false;
    http_buf_append(&c->out, hdr, hl);
    uint8_t *dst = c->out.data + c->out.len;
    http_buf_append(&c->out, data, len);
    if (client)
        ws_mask(dst, len, key, 0);
    conn_note_unsent(c);
    return true;
}

bool ws_pong_push(http_conn_t *c)
{
    if (!c->ws_pong_pending)
        return true;
    if (c->ws_close_sent || c->ws_done) {
        c->ws_pong_pending = false; /* no pong after our close (RFC 6455 5.5.1) */
        return true;
    }
    /* Header (<= 6 bytes for a control frame, mask key included) + payload. */
    if (!conn_out_fits(c, 6u + c->ws_pong_len))
        return false;
    c->ws_pong_pending = false;
    queue_frame(c, WS_OP_PONG, c->ws_pong, c->ws_pong_len, NULL); /* room is reserved */
    return true;
}

/* Cut a `len`-byte close reason to what fits in a close frame: at most
 * 123 bytes (125 of control payload less the code, RFC 6455 5.5), and
 * never inside a character -- a partial sequence would make the peer fail
 * the connection with 1007 (RFC 6455 8.1). The cut is the longest valid
 * UTF-8 prefix of 123 down to 120 bytes (a character is at most 4 bytes,
 * so one of them ends between characters). False when the reason is
 * invalid UTF-8 within what would be sent. */
static bool close_reason_cut(const uint8_t *reason, size_t len, size_t *cut)
{
    if (len <= WS_MAX_CLOSE_REASON) {
        *cut = len;
        return ws_utf8_valid(reason, len);
    }
    for (size_t n = WS_MAX_CLOSE_REASON; n + 3 >= WS_MAX_CLOSE_REASON; n--)
        if (ws_utf8_valid(reason, n)) {
            *cut = n;
            return true;
        }
    return false;
}

/* Queue a close frame with `code` and `rlen` bytes of `reason` (cut by
 * close_reason_cut); `who` as for queue_frame. */
static bool queue_close(http_conn_t *c, uint16_t code, const char *reason, size_t rlen,
                        const char *who)
{
    uint8_t body[125];
    size_t n = 0;
    if (code != WS_CLOSE_NO_STATUS) {
        body[0] = (uint8_t)(code >> 8);
        body[1] = (uint8_t)code;
        if (!close_reason_cut((const uint8_t *)reason, rlen, &rlen))
            rlen = 0; /* only our own reasons come unchecked: plain ASCII */
        memcpy(body + 2, reason, rlen);
        n = 2 + rlen;
    }
    if (!queue_frame(c, WS_OP_CLOSE, body, n, who))
        return false;
    c->ws_close_sent = true;
    return true;
}

/* Tell the owner the socket is finished (once). */
static void notify_end(http_rt_t *h, http_conn_t *c, uint16_t code, bool error)
{
    if (c->ws_done)
        return;
    c->ws_done = true;
    /* Both sides alike (issue 14 §3, as the original): MSG_HTTP_CONN_CLOSED
     * stays for plain HTTP and SSE server connections. */
    http_send_ws_status(h, c, error ? MSG_WS_ERROR : MSG_WS_CLOSED, code);
}

static void cb_message(void *ctx, uint8_t *buf, size_t prefix, size_t len, bool binary)
{
    http_conn_t *c = ctx;
    (void)prefix;
    if (c->ws_done) {
        mk_free(buf);
        return;
    }
    ws_message_payload_t *m = (ws_message_payload_t *)buf;
    memset(m, 0, sizeof *m);
    m->conn_id = c->id;
    m->is_binary = binary;
    m->data_size = len;
    http_deliver(c->h, c, MSG_WS_MESSAGE, buf, sizeof *m + len + 1);
}

/* A ping is answered with a pong carrying its payload (RFC 6455 5.5.2).
 * Pongs count against the output limit like everything else we queue: a
 * peer that floods pings and never reads must not grow our output without
 * end. So the pong waits in one slot per connection until it fits, and a
 * newer ping replaces a pong still waiting there -- RFC 6455 5.5.3 allows
 * answering only the most recent ping. Memory per connection: the limit
 * plus one 125-byte slot. */
static void cb_ping(void *ctx, const uint8_t *data, size_t len)
{
    http_conn_t *c = ctx;
    c->ws_pings++;
    if (c->ws_close_sent)
        return;
    if (c->ws_pong_pending)
        c->ws_pongs_replaced++;
    if (len > sizeof c->ws_pong)
        len = sizeof c->ws_pong; /* cannot happen: the decoder refuses > 125 (1002) */
    memcpy(c->ws_pong, data, len);
    c->ws_pong_len = (uint8_t)len;
    c->ws_pong_pending = true;
    ws_pong_push(c);
}

static void cb_pong(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
}

static void cb_close(void *ctx, uint16_t code, const char *reason, size_t len)
{
    http_conn_t *c = ctx;
    (void)reason;
    (void)len;
    c->ws_peer_code = code;
    c->ws_close_received = true;
}

static const ws_decoder_cb_t callbacks = {cb_message, cb_ping, cb_pong, cb_close};

void ws_start(http_rt_t *h, http_conn_t *c)
{
    ws_decoder_init(&c->ws, c->side == SIDE_SERVER, h->ws_max_message,
                    sizeof(ws_message_payload_t));
    c->ws_init = true;
    c->state = ST_WS;
    /* Client: after the 101 was checked; server: after actor_ws_accept
     * queued the 101, before any message the peer sends. */
    http_send_ws_status(h, c, MSG_WS_OPEN, 0);
}

bool ws_on_data(http_rt_t *h, http_conn_t *c, const uint8_t *data, size_t len)
{
    if (c->ws_done)
        return true; /* closing: the rest is ignored */
    bool ok = ws_decoder_feed(&c->ws, data, len, &callbacks, c);
    if (!ok) {
        if (!c->ws_close_sent)
            queue_close(c, c->ws.error_code, c->ws.error, strlen(c->ws.error), NULL);
        notify_end(h, c, c->ws.error_code, true);
        c->close_after_flush = true;
        c->deadline = mk_clock_ms() + WS_CLOSE_WAIT_MS;
        http_tick_arm(h);
    } else if (c->ws_close_received) {
        /* Echo the code (RFC 6455 5.5.1), then the server closes TCP first
         * (7.1.1); as a client we close after our reply is written too. */
        if (!c->ws_close_sent)
            queue_close(c, c->ws_peer_code, "", 0, NULL);
        notify_end(h, c, c->ws_peer_code, false);
        c->close_after_flush = true;
        c->deadline = mk_clock_ms() + WS_CLOSE_WAIT_MS;
        http_tick_arm(h);
    }
    return conn_flush(h, c);
}

bool ws_on_input(http_rt_t *h, http_conn_t *c)
{
    /* In slices, so a full mailbox stops decoding too: what was read but
     * not decoded waits in c->in, and at most one slice of messages is
     * held per connection (tiny frames would otherwise multiply 1 MiB of
     * input into hundreds of thousands of held messages). */
    while (c->in.off < c->in.len && !c->paused) {
        size_t n = c->in.len - c->in.off;
        if (n > WS_FEED_SLICE)
            n = WS_FEED_SLICE;
        const uint8_t *p = c->in.data + c->in.off;
        c->in.off += n;
        if (!ws_on_data(h, c, p, n))
            return false;
    }
    if (c->in.off < c->in.len)
        return true; /* paused: on_space() calls us again */
    c->in.off = c->in.len = 0;
    if (c->eof) {
        ws_on_eof(h, c);
        return false;
    }
    return true;
}

void ws_on_eof(http_rt_t *h, http_conn_t *c)
{
    notify_end(h, c, WS_CLOSE_ABNORMAL, true);
    conn_free(h, c);
}

void ws_timeout(http_rt_t *h, http_conn_t *c)
{
    notify_end(h, c, WS_CLOSE_ABNORMAL, true);
    conn_free(h, c);
}

/* The caller's open WebSocket `id`, or NULL with a reason. */
static http_conn_t *ws_conn(runtime_t *rt, http_conn_id_t id, const char *who)
{
    http_conn_t *c = conn_owned(rt, id, who);
    if (!c)
        return NULL;
    if (c->state != ST_WS) {
        mk_set_error("%s: connection %u is not an open WebSocket", who, (unsigned)id);
        return NULL;
    }
    if (c->ws_close_sent || c->ws_done) {
        mk_set_error("%s: WebSocket %u is closing", who, (unsigned)id);
        return NULL;
    }
    return c;
}

static bool ws_send(runtime_t *rt, http_conn_id_t id, uint8_t op, const void *data, size_t len,
                    const char *who)
{
    http_conn_t *c = ws_conn(rt, id, who);
    if (!c)
        return false;
    if (len && !data)
        return mk_fail("%s: NULL data with length %zu", who, len);
    if (op == WS_OP_TEXT && !ws_utf8_valid(data, len))
        return mk_fail("%s: text is not valid UTF-8", who);
    if (!queue_frame(c, op, data, len, who))
        return false; /* output limit or memory; the reason is set */
    conn_flush(c->h, c);
    return true;
}

bool actor_ws_send_text(runtime_t *rt, http_conn_id_t id, const char *text, size_t len)
{
    return ws_send(rt, id, WS_OP_TEXT, text, len, "actor_ws_send_text");
}

bool actor_ws_send_binary(runtime_t *rt, http_conn_id_t id, const void *data, size_t len)
{
    return ws_send(rt, id, WS_OP_BINARY, data, len, "actor_ws_send_binary");
}

bool actor_ws_close(runtime_t *rt, http_conn_id_t id, uint16_t code, const char *reason)
{
    http_conn_t *c = ws_conn(rt, id, "actor_ws_close");
    if (!c)
        return false;
    if (!ws_close_code_valid(code))
        return mk_fail("actor_ws_close: close code %u may not be sent (RFC 6455 7.4)",
                       (unsigned)code);
    if (!reason)
        reason = "";
    size_t rl;
    if (!close_reason_cut((const uint8_t *)reason, strlen(reason), &rl))
        return mk_fail("actor_ws_close: reason is not valid UTF-8");
    if (!queue_close(c, code, reason, rl, "actor_ws_close"))
        return false; /* output limit or memory; the reason is set */
    c->deadline = mk_clock_ms() + WS_CLOSE_WAIT_MS;
    http_tick_arm(c->h);
    conn_flush(c->h, c);
    return true;
}
