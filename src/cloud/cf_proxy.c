/*
 * cf_proxy.c -- the cf_proxy actor: one WebSocket to the mk-proxy Worker,
 * local `key=value` requests in, the Worker's JSON out and back
 * (compat/cloud.md §1, docs/cloud.md). Fixes of the original: per-request
 * timeout with an error reply, reconnect with exponential backoff and
 * jitter, a clear error and log line when the token is rejected, requests
 * queued (bounded) while disconnected. Runs on the runtime's thread like
 * any actor; never blocks; allocates per request (the JSON), not per frame.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/alloc_internal.h"
#include "cloud/cf_json.h"
#include "core/error_internal.h"
#include "core/log_limit.h"
#include "microkernel/cf_proxy.h"
#include "microkernel/actor.h"
#include "microkernel/http.h"
#include "microkernel/namespace.h"
#include "microkernel/node_services.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "platform/clock.h"
#include "services/kv_proto.h"

#define MSG_CF_CONNECT 1   /* internal, from the proxy to itself (the original's) */
#define TICK_MS        100 /* deadline and reconnect resolution */

typedef struct {
    bool used;
    bool sent;              /* on the wire, awaiting its reply */
    uint64_t req_id;        /* the Worker's req_id */
    actor_id_t requester;   /* where the reply goes */
    uint32_t type;          /* the request's message type */
    uint32_t cf_type;       /* MSG_CF_KV_PUT .. MSG_CF_AI_EMBED it maps to */
    char id[KV_ID_MAX + 1]; /* local KV protocol: the request's id= ("" none) */
    char *key;              /* local KV protocol: the key, echoed in replies */
    char *json;             /* the request frame until it is sent */
    size_t json_len;        /* bytes of json */
    uint64_t deadline_ms;   /* clock ms when it times out */
} pending_t;

typedef struct {
    cf_proxy_config_t cfg;
    cf_proxy_options_t opt;
    http_conn_id_t conn;   /* HTTP_CONN_ID_INVALID when none */
    bool open;             /* WebSocket open */
    bool authed;           /* auth_ok received on this connection */
    bool rejected;         /* the Worker refused the token: no more tries */
    uint64_t next_req_id;  /* never reset (the original's) */
    uint32_t backoff_ms;   /* next reconnect delay */
    uint64_t reconnect_at; /* clock ms of the next attempt, 0: none scheduled */
    timer_id_t tick;       /* TIMER_ID_INVALID when not armed */
    size_t queued_bytes;   /* JSON bytes of requests not yet sent */
    char last_error[128];  /* why the last connection attempt failed */
    mk_log_limit_t lim_conn, lim_frame;
    pending_t pend[CF_PROXY_PENDING_MAX];
} cf_state_t;

static const char *const canonical_paths[] = {
    "/node/cloudflare/storage/kv", "/node/cloudflare/storage/db", "/node/cloudflare/queue/default",
    "/node/cloudflare/ai/infer",   "/node/cloudflare/ai/embed",
};

/* ---- Replies ------------------------------------------------------------ */

static void reply_cf(runtime_t *rt, actor_id_t to, uint32_t type, const char *data, size_t len)
{
    actor_send(rt, to, type, len ? data : NULL, len);
}

/* Local KV protocol reply: "[id=..\n]" + body (+ raw tail bytes). */
static void reply_kv(runtime_t *rt, const pending_t *p, uint32_t type, const char *tail,
                     size_t tail_len, const char *fmt, ...)
{
    char head[KV_ID_MAX + CF_PROXY_KEY_MAX + 512];
    int n = 0;
    if (p->id[0])
        n = snprintf(head, sizeof head, "id=%s\n", p->id);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(head + n, sizeof head - (size_t)n, fmt, ap);
    va_end(ap);
    size_t hl = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (hl >= sizeof head)
        hl = sizeof head - 1;
    char *buf = mk_malloc(hl + tail_len + 1);
    if (!buf)
        return;
    memcpy(buf, head, hl);
    if (tail_len)
        memcpy(buf + hl, tail, tail_len);
    actor_send(rt, p->requester, type, buf, hl + tail_len);
    mk_free(buf);
}

static bool is_kv_proto(uint32_t type)
{
    return type == MSG_KV_GET || type == MSG_KV_PUT || type == MSG_KV_DELETE || type == MSG_KV_LIST;
}

/* Fail request `p` with `reason` in its protocol's error message. */
static void fail_one(runtime_t *rt, const pending_t *p, const char *reason)
{
    if (is_kv_proto(p->type))
        reply_kv(rt, p, MSG_KV_ERROR, NULL, 0, "error=%s\n", reason);
    else
        reply_cf(rt, p->requester, MSG_CF_ERROR, reason, strlen(reason));
}

static void release(cf_state_t *s, pending_t *p)
{
    if (p->json && !p->sent)
        s->queued_bytes -= p->json_len;
    mk_free(p->json);
    mk_free(p->key);
    memset(p, 0, sizeof *p);
}

/* Answer request `p` with the Worker's reply `r`, then free its slot. */
static void answer(runtime_t *rt, cf_state_t *s, pending_t *p, const cf_reply_t *r)
{
    const char *d = r->data ? r->data : "";
    if (!is_kv_proto(p->type)) {
        static const uint32_t type_of[] = {
            [CF_REPLY_OK] = MSG_CF_OK,
            [CF_REPLY_VALUE] = MSG_CF_VALUE,
            [CF_REPLY_KEYS] = MSG_CF_KEYS,
            [CF_REPLY_ROWS] = MSG_CF_ROWS,
            [CF_REPLY_EMBEDDING] = MSG_CF_EMBEDDING,
            [CF_REPLY_NOT_FOUND] = MSG_CF_NOT_FOUND,
            [CF_REPLY_ERROR] = MSG_CF_ERROR,
        };
        uint32_t t = r->kind < sizeof type_of / sizeof type_of[0] ? type_of[r->kind] : 0;
        if (t)
            reply_cf(rt, p->requester, t, d, r->data_len);
        else
            fail_one(rt, p, "unexpected reply type from the Worker");
    } else if (r->kind == CF_REPLY_ERROR) {
        reply_kv(rt, p, MSG_KV_ERROR, NULL, 0, "error=%s\n", d);
    } else if (p->type == MSG_KV_GET && r->kind == CF_REPLY_VALUE) {
        reply_kv(rt, p, MSG_KV_OK, d, r->data_len, "key=%s\nvalue=", p->key);
    } else if (p->type == MSG_KV_GET && r->kind == CF_REPLY_NOT_FOUND) {
        reply_kv(rt, p, MSG_KV_NOT_FOUND, NULL, 0, "key=%s\n", p->key);
    } else if ((p->type == MSG_KV_PUT || p->type == MSG_KV_DELETE) && r->kind == CF_REPLY_OK) {
        reply_kv(rt, p, MSG_KV_OK, NULL, 0, "key=%s\n", p->key);
    } else if (p->type == MSG_KV_LIST && r->kind == CF_REPLY_KEYS) {
        char *lines = mk_malloc(r->data_len * 2 + 1); /* "key=" per key at most doubles */
        size_t n = 0;
        for (size_t i = 0; lines && i < r->data_len;) {
            const char *nl = memchr(d + i, '\n', r->data_len - i);
            size_t end = nl ? (size_t)(nl - d) : r->data_len;
            n += (size_t)sprintf(lines + n, "key=");
            memcpy(lines + n, d + i, end - i);
            n += end - i;
            lines[n++] = '\n';
            i = end + 1;
        }
        if (lines || r->data_len == 0)
            reply_kv(rt, p, MSG_KV_OK, lines, n, "count=%zu\n", r->n_keys);
        else
            reply_kv(rt, p, MSG_KV_ERROR, NULL, 0, "error=out of memory\n");
        mk_free(lines);
    } else {
        reply_kv(rt, p, MSG_KV_ERROR, NULL, 0, "error=unexpected reply type from the Worker\n");
    }
    release(s, p);
}

/* ---- Connection --------------------------------------------------------- */

static void arm_tick(runtime_t *rt, cf_state_t *s)
{
    if (s->tick == TIMER_ID_INVALID)
        s->tick = actor_set_timer(rt, TICK_MS, true);
}

/* Schedule the next attempt after the current backoff +/- 20 % jitter;
 * the backoff then doubles up to its cap. */
static void schedule_reconnect(runtime_t *rt, cf_state_t *s)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
        r = (uint32_t)mk_clock_ns();
    uint64_t jitter = s->backoff_ms / 5;
    uint64_t delay = s->backoff_ms - jitter + (jitter ? r % (2 * jitter + 1) : 0);
    s->reconnect_at = mk_clock_ms() + delay;
    s->backoff_ms =
        s->backoff_ms * 2 > s->opt.backoff_max_ms ? s->opt.backoff_max_ms : s->backoff_ms * 2;
    arm_tick(rt, s);
}

static void start_connect(runtime_t *rt, cf_state_t *s)
{
    s->reconnect_at = 0;
    if (s->conn != HTTP_CONN_ID_INVALID || !s->cfg.url[0] || s->rejected)
        return;
    s->conn = actor_ws_connect(rt, s->cfg.url);
    if (s->conn == HTTP_CONN_ID_INVALID) {
        snprintf(s->last_error, sizeof s->last_error, "%s", mk_last_error());
        mk_log_limited(rt, &s->lim_conn, LOG_WARN, "cf_proxy: cannot connect to %s: %s", s->cfg.url,
                       s->last_error);
        schedule_reconnect(rt, s);
    }
}

/* Send every queued request (after auth_ok). */
static void flush_queued(runtime_t *rt, cf_state_t *s)
{
    for (size_t i = 0; i < CF_PROXY_PENDING_MAX; i++) {
        pending_t *p = &s->pend[i];
        if (!p->used || p->sent)
            continue;
        if (!actor_ws_send_text(rt, s->conn, p->json, p->json_len)) {
            fail_one(rt, p, "ws send failed");
            release(s, p);
            continue;
        }
        s->queued_bytes -= p->json_len;
        mk_free(p->json);
        p->json = NULL;
        p->sent = true;
    }
}

/* The connection is gone: what was on the wire fails, what was queued
 * waits for the next connection (or fails after the token was refused). */
static void connection_lost(runtime_t *rt, cf_state_t *s, const char *why)
{
    s->conn = HTTP_CONN_ID_INVALID;
    s->open = s->authed = false;
    for (size_t i = 0; i < CF_PROXY_PENDING_MAX; i++) {
        pending_t *p = &s->pend[i];
        if (p->used && (p->sent || s->rejected)) {
            fail_one(rt, p, s->rejected ? why : "connection lost");
            release(s, p);
        }
    }
    if (!s->rejected)
        schedule_reconnect(rt, s);
}

static void on_frame(runtime_t *rt, cf_state_t *s, const char *data, size_t len)
{
    if (len > CF_PROXY_REPLY_MAX) {
        mk_log_limited(rt, &s->lim_frame, LOG_WARN,
                       "cf_proxy: ignored a %zu-byte frame from the Worker (limit %u)", len,
                       CF_PROXY_REPLY_MAX);
        return;
    }
    cf_reply_t r;
    const char *err;
    if (!cf_json_reply(data, len, &r, &err)) {
        mk_log_limited(rt, &s->lim_frame, LOG_WARN, "cf_proxy: ignored a frame from the Worker: %s",
                       err);
        return;
    }
    if (r.kind == CF_REPLY_AUTH_OK) {
        s->authed = true;
        s->backoff_ms = s->opt.backoff_initial_ms;
        actor_log(rt, LOG_INFO, "cf_proxy: connected to %s", s->cfg.url);
        flush_queued(rt, s);
    } else if (r.kind == CF_REPLY_PING) {
        static const char pong[] = "{\"type\":\"pong\"}";
        actor_ws_send_text(rt, s->conn, pong, sizeof pong - 1);
    } else if (!r.has_req_id) {
        if (r.kind == CF_REPLY_ERROR && !s->authed && r.data &&
            strcmp(r.data, "auth failed") == 0) {
            s->rejected = true;
            snprintf(s->last_error, sizeof s->last_error,
                     "auth failed: the Worker at the cloud URL rejected the token (check "
                     "MK_CF_TOKEN and the Worker's AUTH_TOKEN secret)");
            actor_log(rt, LOG_ERROR,
                      "cf_proxy: %s rejected the token: auth failed (check "
                      "MK_CF_TOKEN / --cf-token and the Worker's AUTH_TOKEN); "
                      "not reconnecting",
                      s->cfg.url);
            http_conn_id_t c = s->conn;
            connection_lost(rt, s, s->last_error);
            actor_ws_close(rt, c, 1000, "auth failed");
        } else {
            mk_log_limited(rt, &s->lim_frame, LOG_WARN,
                           "cf_proxy: the Worker sent an error without req_id: %s",
                           r.data ? r.data : "(none)");
        }
    } else {
        for (size_t i = 0; i < CF_PROXY_PENDING_MAX; i++) {
            pending_t *p = &s->pend[i];
            if (p->used && p->sent && p->req_id == r.req_id) {
                answer(rt, s, p, &r);
                break;
            }
        }
    }
    cf_reply_free(&r);
}

static void on_tick(runtime_t *rt, cf_state_t *s)
{
    uint64_t now = mk_clock_ms();
    bool busy = false;
    for (size_t i = 0; i < CF_PROXY_PENDING_MAX; i++) {
        pending_t *p = &s->pend[i];
        if (!p->used)
            continue;
        if (now >= p->deadline_ms) {
            char why[320];
            if (p->sent)
                snprintf(why, sizeof why, "timeout: no reply from the Worker within %u ms",
                         s->opt.timeout_ms);
            else
                snprintf(why, sizeof why, "timeout: not connected to the Worker within %u ms%s%s",
                         s->opt.timeout_ms, s->last_error[0] ? ": " : "", s->last_error);
            fail_one(rt, p, why);
            release(s, p);
        } else {
            busy = true;
        }
    }
    if (s->reconnect_at && now >= s->reconnect_at)
        start_connect(rt, s);
    if (!busy && !s->reconnect_at && s->tick != TIMER_ID_INVALID) {
        actor_cancel_timer(rt, s->tick);
        s->tick = TIMER_ID_INVALID;
    }
}

/* ---- Requests ----------------------------------------------------------- */

static void on_request(runtime_t *rt, cf_state_t *s, const message_t *msg)
{
    pending_t tmp = {.requester = msg->source, .type = msg->type};
    const char *p = msg->payload ? msg->payload : "";
    size_t len = msg->payload_size;
    const char *err = NULL;
    uint64_t req_id = s->next_req_id;

    if (is_kv_proto(msg->type)) {
        kv_request_t kr;
        const char *bad = kv_request_parse(p, len, &kr);
        if (kr.id.ptr && kr.id.len <= KV_ID_MAX) {
            memcpy(tmp.id, kr.id.ptr, kr.id.len);
            tmp.id[kr.id.len] = '\0';
        }
        static const uint32_t map[] = {MSG_CF_KV_GET, MSG_CF_KV_PUT, MSG_CF_KV_DELETE,
                                       MSG_CF_KV_LIST};
        tmp.cf_type = map[msg->type - MSG_KV_GET];
        size_t limit = 0;
        if (bad) {
            err = bad;
        } else if (msg->type != MSG_KV_LIST && !kr.key.ptr) {
            err = "missing field key";
        } else if (msg->type == MSG_KV_PUT && !kr.value.ptr) {
            err = "missing field value";
        } else if (kr.limit.ptr && !kv_parse_limit(kr.limit, 1000, &limit)) {
            err = "limit must be 1..1000";
        } else {
            tmp.json = cf_json_kv(tmp.cf_type, kr.key.ptr, kr.key.len, kr.value.ptr, kr.value.len,
                                  kr.prefix.ptr, kr.prefix.len, (long)limit, req_id, &err);
            if (tmp.json && kr.key.ptr && (tmp.key = mk_strndup(kr.key.ptr, kr.key.len)) == NULL)
                err = "out of memory";
        }
    } else {
        tmp.cf_type = msg->type;
        tmp.json = cf_json_request(msg->type, p, len, req_id, &err);
    }
    if (!err && !s->cfg.url[0])
        err = "no cloud provider configured (cf_proxy has no URL: set MK_CF_URL or --cf-url)";
    if (!err && s->rejected)
        err = s->last_error;
    pending_t *slot = NULL;
    for (size_t i = 0; !err && i < CF_PROXY_PENDING_MAX && !slot; i++)
        if (!s->pend[i].used)
            slot = &s->pend[i];
    if (!err && !slot)
        err = "pending queue full";
    if (!err && tmp.json) {
        tmp.json_len = strlen(tmp.json);
        if (!s->authed && s->queued_bytes + tmp.json_len > CF_PROXY_QUEUED_BYTES)
            err = "pending queue full";
    }
    if (err) {
        fail_one(rt, &tmp, err);
        mk_free(tmp.json);
        mk_free(tmp.key);
        return;
    }
    s->next_req_id++;
    tmp.used = true;
    tmp.req_id = req_id;
    tmp.deadline_ms = mk_clock_ms() + s->opt.timeout_ms;
    *slot = tmp;
    if (s->authed) {
        if (!actor_ws_send_text(rt, s->conn, slot->json, slot->json_len)) {
            fail_one(rt, slot, "ws send failed");
            mk_free(slot->json);
            mk_free(slot->key);
            memset(slot, 0, sizeof *slot);
            return;
        }
        mk_free(slot->json);
        slot->json = NULL;
        slot->sent = true;
    } else {
        s->queued_bytes += slot->json_len;
    }
    arm_tick(rt, s);
}

/* ---- The behaviour ------------------------------------------------------ */

static bool cf_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    cf_state_t *s = state;
    switch (msg->type) {
    case MSG_CF_CONNECT:
        if (msg->source == actor_get_id(self) || msg->source == ACTOR_ID_INVALID)
            start_connect(rt, s);
        return true;
    case MSG_TIMER: on_tick(rt, s); return true;
    case MSG_WS_OPEN: {
        const ws_status_payload_t *w = msg->payload;
        if (msg->payload_size < sizeof *w || w->conn_id != s->conn)
            return true;
        s->open = true;
        char *auth = cf_json_auth(mk_node_identity(), s->cfg.token);
        if (!auth || !actor_ws_send_text(rt, s->conn, auth, strlen(auth)))
            mk_log_limited(rt, &s->lim_conn, LOG_WARN, "cf_proxy: cannot send the auth message");
        mk_free(auth);
        return true;
    }
    case MSG_WS_MESSAGE: {
        const ws_message_payload_t *w = msg->payload;
        if (msg->payload_size < sizeof *w || w->conn_id != s->conn || w->is_binary)
            return true;
        on_frame(rt, s, ws_message_data(w), w->data_size);
        return true;
    }
    case MSG_HTTP_ERROR: {
        const http_error_payload_t *e = msg->payload;
        if (msg->payload_size >= sizeof *e && e->conn_id == s->conn) {
            snprintf(s->last_error, sizeof s->last_error, "%.*s", (int)sizeof e->message,
                     e->message);
            mk_log_limited(rt, &s->lim_conn, LOG_WARN, "cf_proxy: %s: %s", s->cfg.url,
                           s->last_error);
        }
        return true;
    }
    case MSG_WS_CLOSED:
    case MSG_WS_ERROR: {
        const ws_status_payload_t *w = msg->payload;
        if (msg->payload_size < sizeof *w || w->conn_id != s->conn)
            return true;
        if (s->authed)
            actor_log(rt, LOG_WARN, "cf_proxy: connection to %s lost (code %u); reconnecting",
                      s->cfg.url, (unsigned)w->close_code);
        if (!s->last_error[0] || s->authed)
            snprintf(s->last_error, sizeof s->last_error, "connection closed (code %u)",
                     (unsigned)w->close_code);
        connection_lost(rt, s, "connection lost");
        return true;
    }
    default:
        if ((msg->type >= MSG_CF_KV_PUT && msg->type <= MSG_CF_AI_EMBED) || is_kv_proto(msg->type))
            on_request(rt, s, msg);
        else if (msg->type == MSG_DB_QUERY)
            actor_send(rt, msg->source, MSG_DB_ERROR,
                       "error=the cloud provider takes MSG_CF_DB_QUERY / MSG_CF_DB_EXEC "
                       "(cf_proxy.h), not MSG_DB_QUERY\n",
                       sizeof "error=the cloud provider takes MSG_CF_DB_QUERY / MSG_CF_DB_EXEC "
                              "(cf_proxy.h), not MSG_DB_QUERY\n" -
                           1);
        return true;
    }
}

static void cf_free(void *state)
{
    cf_state_t *s = state;
    for (size_t i = 0; i < CF_PROXY_PENDING_MAX; i++) {
        mk_free(s->pend[i].json);
        mk_free(s->pend[i].key);
    }
    mk_free(s);
}

actor_id_t cf_proxy_init_ex(runtime_t *rt, const cf_proxy_config_t *config,
                            const cf_proxy_options_t *opts)
{
    if (!rt || !config) {
        mk_set_error("cf_proxy_init: NULL %s", rt ? "config" : "runtime");
        return ACTOR_ID_INVALID;
    }
    size_t ul = strnlen(config->url, sizeof config->url);
    if (ul == sizeof config->url ||
        strnlen(config->token, sizeof config->token) == sizeof config->token) {
        mk_set_error("cf_proxy_init: url or token is not NUL-terminated");
        return ACTOR_ID_INVALID;
    }
    if (ul && strncmp(config->url, "ws://", 5) != 0 && strncmp(config->url, "wss://", 6) != 0) {
        mk_set_error("cf_proxy_init: url \"%s\" must start with ws:// or wss://", config->url);
        return ACTOR_ID_INVALID;
    }
    if (ns_count(rt) == 0 && !ns_set_cloud_provider(rt, ACTOR_ID_INVALID)) {
        mk_set_error("cf_proxy_init: the namespace is not installed (services_start or "
                     "ns_actor_init first)");
        return ACTOR_ID_INVALID;
    }
    cf_state_t *s = mk_calloc(1, sizeof *s);
    if (!s) {
        mk_set_error("cf_proxy_init: out of memory");
        return ACTOR_ID_INVALID;
    }
    s->cfg = *config;
    if (opts)
        s->opt = *opts;
    if (!s->opt.timeout_ms)
        s->opt.timeout_ms = CF_PROXY_TIMEOUT_MS;
    if (!s->opt.backoff_initial_ms)
        s->opt.backoff_initial_ms = CF_PROXY_BACKOFF_MS;
    if (!s->opt.backoff_max_ms)
        s->opt.backoff_max_ms = CF_PROXY_BACKOFF_MAX_MS;
    s->backoff_ms = s->opt.backoff_initial_ms;
    s->next_req_id = 1;
    s->conn = HTTP_CONN_ID_INVALID;
    s->tick = TIMER_ID_INVALID;
    actor_id_t id = actor_spawn(rt, cf_behavior, s, cf_free, 32);
    if (id == ACTOR_ID_INVALID) {
        mk_free(s);
        return ACTOR_ID_INVALID;
    }
    for (size_t i = 0; i < sizeof canonical_paths / sizeof canonical_paths[0]; i++) {
        if (!actor_register_name(rt, canonical_paths[i], id)) {
            char why[256];
            snprintf(why, sizeof why, "%s", mk_last_error());
            actor_stop(rt, id);
            mk_set_error("cf_proxy_init: %s", why);
            return ACTOR_ID_INVALID;
        }
    }
    ns_set_cloud_provider(rt, id);
    if (ul)
        actor_send(rt, id, MSG_CF_CONNECT, NULL, 0);
    return id;
}

actor_id_t cf_proxy_init(runtime_t *rt, const cf_proxy_config_t *config)
{
    return cf_proxy_init_ex(rt, config, NULL);
}
