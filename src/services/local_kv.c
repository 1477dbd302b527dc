/*
 * local_kv.c -- the local KV actor ("local_kv", "/node/storage/kv" and
 * "/node/storage/db"): get / put / delete / list-by-prefix on SQLite (WAL,
 * synchronous=FULL) in the data directory, plus SQL queries (sql_db.c).
 *
 * Source: seed 002, "Local KV storage" and "Cloudflare cloud services".
 * Durability: a write's reply is sent only after the transaction holding it
 * has committed. Writes that arrive while the actor's mailbox still holds
 * requests share one transaction (group commit, at most KV_BATCH_MAX
 * writes); every reply of the batch, reads included, is held back and sent
 * in request order after the commit. Statements are prepared once and
 * always bound, never built from payload bytes. Gets go through a bounded
 * read cache (kv_cache.c) first, which gets fill and puts only refresh (a
 * put of a new key copies nothing into it). A store file that fails PRAGMA
 * quick_check at open (kv_check.c) is refused, never served.
 * The same table also answers the original's MSG_CF_KV_* text protocol
 * (compat/services.md section 2, issue 14): see "The original's protocol".
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/runtime_api.h"
#include "microkernel/actor.h"
#include "microkernel/local_kv.h"
#include "services/kv_cache.h"
#include "services/kv_proto.h"
#include "services/local_kv.h"
#include "services/svc_internal.h"

/* Private: the KV actor's note to itself that a loop turn went by (group
 * commit). Other senders' messages of this type are ignored. */
#define MSG_KV_FLUSH  0xFF00014Fu
#define KV_MAX_YIELDS 8 /* turns a batch may wait for other ready actors */

/* A reply held back until the open transaction commits. */
typedef struct {
    actor_id_t dest;
    msg_type_t type;
    size_t off, len;    /* bytes in kv_t.out */
    char id[KV_ID_MAX]; /* request id, for an error reply if COMMIT fails */
    size_t id_len;
} pending_t;

/* A reply of the original's protocol (MSG_CF_OK..MSG_CF_ERROR): its errors
 * are MSG_CF_ERROR with bare text, not MSG_KV_ERROR. */
static bool is_cf_reply(msg_type_t t)
{
    return t >= MSG_CF_OK && t <= MSG_CF_ERROR;
}

/* Tell `dest` why its request failed, in the protocol of `type`. */
static void send_failure(runtime_t *rt, actor_id_t dest, msg_type_t type, const char *id,
                         size_t id_len, const char *why)
{
    if (is_cf_reply(type))
        actor_send(rt, dest, MSG_CF_ERROR, why, strlen(why));
    else
        svc_reply_error(rt, dest, MSG_KV_ERROR, id, id_len, "%s", why);
}

typedef struct {
    sqlite3 *db;  /* kv.sqlite3 */
    sqlite3 *sql; /* db.sqlite3 (MSG_DB_QUERY) */
    sqlite3_stmt *get, *put, *del, *list_range, *list_from, *begin, *commit, *rollback;
    bool in_txn;         /* a write transaction is open */
    size_t batch_writes; /* writes in it */
    unsigned yields;     /* flush messages sent while it is open */
    bool flush_queued;   /* a MSG_KV_FLUSH to ourselves is in the mailbox */
    pending_t *pending;  /* held replies */
    size_t n_pending, cap_pending;
    kv_buf_t out;        /* bytes of held replies */
    kv_buf_t scratch;    /* one reply being built when nothing is held */
    kv_cache_t cache;    /* read cache, refreshed by writes */
    char kv_damage[400]; /* why kv.sqlite3 failed MSG_KV_CHECK; "" while sound */
    char db_damage[400]; /* same for db.sqlite3 */
} kv_t;

/* ---- Reply buffers ------------------------------------------------------ */

bool kv_buf_reserve(kv_buf_t *b, size_t more)
{
    if (b->len + more <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more)
        cap *= 2;
    char *p = mk_realloc(b->data, cap);
    if (!p)
        return false;
    b->data = p;
    b->cap = cap;
    return true;
}

bool kv_buf_add(kv_buf_t *b, const void *data, size_t len)
{
    if (!kv_buf_reserve(b, len))
        return false;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return true;
}

bool kv_buf_field(kv_buf_t *b, const char *name, const void *data, size_t len)
{
    size_t n = strlen(name);
    return kv_buf_add(b, name, n) && kv_buf_add(b, "=", 1) && kv_buf_add(b, data, len) &&
           kv_buf_add(b, "\n", 1);
}

/* Send, or hold while a transaction is open, one reply built in `b` from
 * `start`. */
static void emit(runtime_t *rt, kv_t *kv, actor_id_t dest, msg_type_t type, size_t start,
                 kv_slice_t id)
{
    kv_buf_t *b = kv->in_txn ? &kv->out : &kv->scratch;
    if (!kv->in_txn) {
        actor_send(rt, dest, type, b->data + start, b->len - start);
        b->len = start;
        return;
    }
    if (kv->n_pending == kv->cap_pending) {
        size_t cap = kv->cap_pending ? kv->cap_pending * 2 : 64;
        pending_t *p = mk_realloc(kv->pending, cap * sizeof *p);
        if (!p) {
            b->len = start;
            send_failure(rt, dest, type, id.ptr, id.len, "out of memory");
            return;
        }
        kv->pending = p;
        kv->cap_pending = cap;
    }
    pending_t *p = &kv->pending[kv->n_pending++];
    p->dest = dest;
    p->type = type;
    p->off = start;
    p->len = b->len - start;
    p->id_len = id.len <= KV_ID_MAX ? id.len : 0;
    if (p->id_len)
        memcpy(p->id, id.ptr, p->id_len);
}

/* Start a reply: the buffer to write into, with "id=..\n" already in it. */
static kv_buf_t *begin_reply(kv_t *kv, kv_slice_t id, size_t *start)
{
    kv_buf_t *b = kv->in_txn ? &kv->out : &kv->scratch;
    *start = b->len;
    if (id.ptr)
        kv_buf_field(b, "id", id.ptr, id.len);
    return b;
}

static void reply_error(runtime_t *rt, kv_t *kv, actor_id_t dest, msg_type_t type, kv_slice_t id,
                        const char *fmt, const char *detail)
{
    size_t start;
    kv_buf_t *b = begin_reply(kv, id, &start);
    char text[1024];
    snprintf(text, sizeof text, fmt, detail);
    for (char *c = text; *c; c++)
        if (*c == '\n')
            *c = ' ';
    kv_buf_field(b, "error", text, strlen(text));
    emit(rt, kv, dest, type, start, id);
}

/* ---- Transactions --------------------------------------------------- */

static bool step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

/* Commit the open transaction and release every held reply (as errors if
 * the commit failed: nothing of the batch is durable then). */
static void finish_batch(runtime_t *rt, kv_t *kv)
{
    if (!kv->in_txn)
        return;
    bool ok = step_done(kv->commit);
    char why[300] = "";
    if (!ok) {
        snprintf(why, sizeof why, "commit failed: %s", sqlite3_errmsg(kv->db));
        step_done(kv->rollback);
        kv_cache_clear(&kv->cache); /* it holds writes that are now undone */
        actor_log(rt, LOG_ERROR, "local_kv: %s", why);
    }
    kv->in_txn = false;
    kv->batch_writes = 0;
    kv->yields = 0;
    for (size_t i = 0; i < kv->n_pending; i++) {
        pending_t *p = &kv->pending[i];
        if (ok)
            actor_send(rt, p->dest, p->type, kv->out.data + p->off, p->len);
        else
            send_failure(rt, p->dest, p->type, p->id, p->id_len, why);
    }
    kv->n_pending = 0;
    kv->out.len = 0;
}

static bool ensure_txn(kv_t *kv)
{
    if (kv->in_txn)
        return true;
    if (!step_done(kv->begin))
        return false;
    kv->in_txn = true;
    return true;
}

/* ---- Requests ------------------------------------------------------- */

static bool need_key(runtime_t *rt, kv_t *kv, const message_t *msg, const kv_request_t *rq)
{
    if (rq->key.ptr && rq->key.len > 0)
        return true;
    reply_error(rt, kv, msg->source, MSG_KV_ERROR, rq->id, "%s",
                rq->key.ptr ? "key is empty" : "missing field key");
    return false;
}

static void do_get(runtime_t *rt, kv_t *kv, const message_t *msg, const kv_request_t *rq)
{
    if (!need_key(rt, kv, msg, rq))
        return;
    size_t start, vlen;
    const char *cached = kv_cache_get(&kv->cache, rq->key.ptr, rq->key.len, &vlen);
    if (cached) {
        kv_buf_t *b = begin_reply(kv, rq->id, &start);
        kv_buf_field(b, "key", rq->key.ptr, rq->key.len);
        kv_buf_add(b, "value=", 6);
        kv_buf_add(b, cached, vlen);
        emit(rt, kv, msg->source, MSG_KV_OK, start, rq->id);
        return;
    }
    sqlite3_stmt *st = kv->get;
    sqlite3_bind_blob(st, 1, rq->key.ptr, (int)rq->key.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    kv_buf_t *b = begin_reply(kv, rq->id, &start);
    kv_buf_field(b, "key", rq->key.ptr, rq->key.len);
    if (rc == SQLITE_ROW) {
        const void *v = sqlite3_column_blob(st, 0);
        vlen = (size_t)sqlite3_column_bytes(st, 0);
        kv_cache_put(&kv->cache, rq->key.ptr, rq->key.len, v, vlen);
        kv_buf_add(b, "value=", 6);
        kv_buf_add(b, v, vlen);
        sqlite3_reset(st);
        emit(rt, kv, msg->source, MSG_KV_OK, start, rq->id);
    } else {
        sqlite3_reset(st);
        if (rc == SQLITE_DONE) {
            emit(rt, kv, msg->source, MSG_KV_NOT_FOUND, start, rq->id);
        } else {
            b->len = start;
            reply_error(rt, kv, msg->source, MSG_KV_ERROR, rq->id, "get failed: %s",
                        sqlite3_errmsg(kv->db));
        }
    }
    sqlite3_clear_bindings(st);
}

/* Put (`value` non-NULL, `vlen` bytes) or delete the row of the `klen`-byte
 * `key` inside the open batch (opening one if needed) and keep the read
 * cache in step. NULL on success, else a format with one %s for
 * sqlite3_errmsg(kv->db). Shared by MSG_KV_* and MSG_CF_KV_*, so both get
 * the same group commit and durability. */
static const char *write_row(kv_t *kv, const char *key, size_t klen, const char *value, size_t vlen)
{
    if (!ensure_txn(kv))
        return "cannot begin a transaction: %s";
    sqlite3_stmt *st = value ? kv->put : kv->del;
    sqlite3_bind_blob(st, 1, key, (int)klen, SQLITE_STATIC);
    if (value)
        sqlite3_bind_blob(st, 2, vlen ? value : "", (int)vlen, SQLITE_STATIC);
    bool ok = step_done(st);
    sqlite3_clear_bindings(st);
    if (!ok)
        return "write failed: %s";
    kv->batch_writes++;
    if (value)
        kv_cache_refresh(&kv->cache, key, klen, value, vlen);
    else
        kv_cache_del(&kv->cache, key, klen);
    return NULL;
}

static void do_write(runtime_t *rt, kv_t *kv, const message_t *msg, const kv_request_t *rq)
{
    if (!need_key(rt, kv, msg, rq))
        return;
    bool put = msg->type == MSG_KV_PUT;
    if (put && !rq->value.ptr) {
        reply_error(rt, kv, msg->source, MSG_KV_ERROR, rq->id, "%s",
                    "missing field value (it must be the last field)");
        return;
    }
    const char *bad =
        write_row(kv, rq->key.ptr, rq->key.len, put ? rq->value.ptr : NULL, rq->value.len);
    if (bad) {
        reply_error(rt, kv, msg->source, MSG_KV_ERROR, rq->id, bad, sqlite3_errmsg(kv->db));
        return;
    }
    size_t start;
    kv_buf_t *b = begin_reply(kv, rq->id, &start);
    kv_buf_field(b, "key", rq->key.ptr, rq->key.len);
    if (!put)
        kv_buf_field(b, "deleted", sqlite3_changes(kv->db) > 0 ? "1" : "0", 1);
    emit(rt, kv, msg->source, MSG_KV_OK, start, rq->id);
}

/* Bind the statement listing the keys that start with the `plen`-byte
 * `prefix` (<= KV_KEY_MAX), in key order, at most `rows`: keys in
 * [prefix, upper) where upper is the prefix with its last non-0xFF byte
 * incremented (no upper bound if there is none). `upper` must live until
 * the caller resets the statement. */
static sqlite3_stmt *list_stmt(kv_t *kv, const char *prefix, size_t plen,
                               unsigned char upper[KV_KEY_MAX], size_t rows)
{
    size_t ulen = plen;
    memcpy(upper, prefix ? prefix : "", ulen);
    while (ulen > 0 && upper[ulen - 1] == 0xFF)
        ulen--;
    sqlite3_stmt *st = ulen ? kv->list_range : kv->list_from;
    if (ulen)
        upper[ulen - 1]++;
    sqlite3_bind_blob(st, 1, plen ? prefix : "", (int)plen, SQLITE_STATIC);
    int lim_idx = 2;
    if (ulen)
        sqlite3_bind_blob(st, lim_idx++, upper, (int)ulen, SQLITE_STATIC);
    sqlite3_bind_int64(st, lim_idx, (sqlite3_int64)rows);
    return st;
}

static void do_list(runtime_t *rt, kv_t *kv, const message_t *msg, const kv_request_t *rq)
{
    size_t limit = KV_LIST_MAX;
    if (rq->limit.ptr && !kv_parse_limit(rq->limit, KV_LIST_MAX, &limit)) {
        reply_error(rt, kv, msg->source, MSG_KV_ERROR, rq->id, "%s",
                    "limit is not a number 1..1000");
        return;
    }
    unsigned char upper[KV_KEY_MAX];
    sqlite3_stmt *st = list_stmt(kv, rq->prefix.ptr, rq->prefix.len, upper, limit + 1);
    size_t start;
    kv_buf_t *b = begin_reply(kv, rq->id, &start);
    size_t n = 0;
    bool truncated = false;
    kv_buf_t keys = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == limit) {
            truncated = true;
            break;
        }
        kv_buf_field(&keys, "key", sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        n++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        b->len = start;
        mk_free(keys.data);
        reply_error(rt, kv, msg->source, MSG_KV_ERROR, rq->id, "list failed: %s",
                    sqlite3_errmsg(kv->db));
        return;
    }
    char count[32];
    int cl = snprintf(count, sizeof count, "%zu", n);
    kv_buf_field(b, "count", count, (size_t)cl);
    if (truncated)
        kv_buf_field(b, "truncated", "1", 1);
    kv_buf_add(b, keys.data, keys.len);
    mk_free(keys.data);
    emit(rt, kv, msg->source, MSG_KV_OK, start, rq->id);
}

/* MSG_KV_CHECK: PRAGMA integrity_check on both files. A file found damaged
 * is not served any more (every request gets the reason) until restart,
 * when the open-time quick_check decides again. Local senders only: a full
 * check reads every page, nothing a peer may make us do at will. */
static void do_check(runtime_t *rt, kv_t *kv, const message_t *msg, const kv_request_t *rq)
{
    if (actor_id_node(msg->source) != runtime_node_id(rt)) {
        reply_error(rt, kv, msg->source, MSG_KV_ERROR, rq->id, "%s",
                    "check is only for actors of this node");
        return;
    }
    char why[300];
    if (!kv_store_check(kv->db, true, why, sizeof why))
        snprintf(kv->kv_damage, sizeof kv->kv_damage, "kv.sqlite3: %s", why);
    if (!kv_store_check(kv->sql, true, why, sizeof why))
        snprintf(kv->db_damage, sizeof kv->db_damage, "db.sqlite3: %s", why);
    if (kv->kv_damage[0] || kv->db_damage[0]) {
        char text[820];
        snprintf(text, sizeof text, "%s%s%s", kv->kv_damage,
                 kv->kv_damage[0] && kv->db_damage[0] ? "; " : "", kv->db_damage);
        reply_error(rt, kv, msg->source, MSG_KV_ERROR, rq->id, "damaged: %s", text);
        return;
    }
    size_t start;
    kv_buf_t *b = begin_reply(kv, rq->id, &start);
    kv_buf_field(b, "kv", "ok", 2);
    kv_buf_field(b, "db", "ok", 2);
    emit(rt, kv, msg->source, MSG_KV_OK, start, rq->id);
}

static void do_query(runtime_t *rt, kv_t *kv, const message_t *msg, const kv_request_t *rq)
{
    size_t start;
    kv_buf_t *b = begin_reply(kv, (kv_slice_t){0}, &start);
    char why[512];
    if (sql_db_query(kv->sql, rq, b, why, sizeof why)) {
        emit(rt, kv, msg->source, MSG_DB_RESULT, start, rq->id);
    } else {
        b->len = start;
        reply_error(rt, kv, msg->source, MSG_DB_ERROR, rq->id, "%s", why);
    }
}

/* ---- The original's protocol (MSG_CF_KV_*) ------------------------------ */

/*
 * MSG_CF_KV_PUT/GET/DELETE/LIST with `key=value` lines, parsed by the same
 * pure local_kv_text_get() as local_kv_compat.c, answered from the same
 * table (a key put here is read by MSG_KV_GET and the other way round) and
 * written through write_row(), so with the same group commit: the reply is
 * sent after the commit. Replies as the original's local KV
 * (compat/services.md section 2): MSG_CF_OK empty, MSG_CF_VALUE raw bytes,
 * MSG_CF_NOT_FOUND empty, MSG_CF_KEYS keys joined by "\n" without a
 * trailing one. Where the original silently truncated, this refuses with
 * MSG_CF_ERROR and a sentence, so nothing is cut: a key or prefix over
 * LOCAL_KV_KEY_MAX (127) bytes or with a NUL, a value over
 * LOCAL_KV_VALUE_MAX (4096) bytes, and a GET of a value (put with
 * MSG_KV_PUT) longer than a reply may carry.
 */

/* Reply `n` bytes of `p` as `type` (held until the commit if a batch is open). */
static void cf_reply(runtime_t *rt, kv_t *kv, actor_id_t dest, msg_type_t type, const void *p,
                     size_t n)
{
    size_t start;
    kv_buf_t *b = begin_reply(kv, (kv_slice_t){0}, &start);
    if (!kv_buf_add(b, p, n)) {
        b->len = start;
        send_failure(rt, dest, type, NULL, 0, "out of memory");
        return;
    }
    emit(rt, kv, dest, type, start, (kv_slice_t){0});
}

static void cf_error(runtime_t *rt, kv_t *kv, actor_id_t dest, const char *fmt, const char *detail)
{
    char text[600];
    snprintf(text, sizeof text, fmt, detail);
    cf_reply(rt, kv, dest, MSG_CF_ERROR, text, strlen(text));
}

/* Field `name` of the request into `out` (LOCAL_KV_KEY_MAX + 2 bytes); its
 * length, or (size_t)-1 after replying why it is unusable. */
static size_t cf_name(runtime_t *rt, kv_t *kv, const message_t *msg, const char *name, char *out)
{
    size_t n = local_kv_text_get(msg->payload ? msg->payload : "", msg->payload_size, name, out,
                                 LOCAL_KV_KEY_MAX + 2);
    if (n > LOCAL_KV_KEY_MAX) {
        cf_error(rt, kv, msg->source, "%s is longer than 127 bytes", name);
        return (size_t)-1;
    }
    if (strlen(out) != n) {
        cf_error(rt, kv, msg->source, "%s contains a NUL byte", name);
        return (size_t)-1;
    }
    return n;
}

static void cf_get(runtime_t *rt, kv_t *kv, const message_t *msg, const char *key, size_t klen)
{
    if (!klen) { /* the original: no key is a key not found */
        cf_reply(rt, kv, msg->source, MSG_CF_NOT_FOUND, NULL, 0);
        return;
    }
    size_t vlen;
    const char *v = kv_cache_get(&kv->cache, key, klen, &vlen);
    sqlite3_stmt *st = kv->get;
    int rc = SQLITE_ROW;
    if (!v) {
        sqlite3_bind_blob(st, 1, key, (int)klen, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            v = sqlite3_column_blob(st, 0);
            vlen = (size_t)sqlite3_column_bytes(st, 0);
            kv_cache_put(&kv->cache, key, klen, v, vlen);
        }
    }
    if (rc == SQLITE_DONE) {
        cf_reply(rt, kv, msg->source, MSG_CF_NOT_FOUND, NULL, 0);
    } else if (rc != SQLITE_ROW) {
        cf_error(rt, kv, msg->source, "get failed: %s", sqlite3_errmsg(kv->db));
    } else if (vlen > LOCAL_KV_VALUE_MAX) {
        char why[200];
        snprintf(why, sizeof why,
                 "value is %zu bytes, more than the 4096 a MSG_CF_VALUE carries; read it with "
                 "MSG_KV_GET",
                 vlen);
        cf_reply(rt, kv, msg->source, MSG_CF_ERROR, why, strlen(why));
    } else {
        cf_reply(rt, kv, msg->source, MSG_CF_VALUE, vlen ? v : NULL, vlen);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Keys starting with `prefix`, in key order, joined by "\n", at most
 * LOCAL_KV_VALUE_MAX bytes (stopping at the first key that does not fit,
 * as the original). Keys this protocol cannot name (over 127 bytes, or
 * with a "\n" or NUL; put with MSG_KV_PUT) are left out. */
static void cf_list(runtime_t *rt, kv_t *kv, const message_t *msg, const char *prefix, size_t plen)
{
    unsigned char upper[KV_KEY_MAX];
    /* Even 1-byte keys fill a reply after 2048 rows: a bounded scan. */
    sqlite3_stmt *st = list_stmt(kv, prefix, plen, upper, LOCAL_KV_VALUE_MAX);
    char out[LOCAL_KV_VALUE_MAX];
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = sqlite3_column_blob(st, 0);
        size_t klen = (size_t)sqlite3_column_bytes(st, 0);
        if (klen == 0 || klen > LOCAL_KV_KEY_MAX || memchr(k, '\n', klen) || memchr(k, 0, klen))
            continue;
        if (n + klen + (n ? 1 : 0) > sizeof out)
            break;
        if (n)
            out[n++] = '\n';
        memcpy(out + n, k, klen);
        n += klen;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        cf_error(rt, kv, msg->source, "list failed: %s", sqlite3_errmsg(kv->db));
    else
        cf_reply(rt, kv, msg->source, MSG_CF_KEYS, out, n);
}

static void do_cf(runtime_t *rt, kv_t *kv, const message_t *msg)
{
    if (kv->kv_damage[0]) {
        cf_error(rt, kv, msg->source, "the store is damaged, refusing to serve it: %s",
                 kv->kv_damage);
        return;
    }
    char name[LOCAL_KV_KEY_MAX + 2];
    size_t n = cf_name(rt, kv, msg, msg->type == MSG_CF_KV_LIST ? "prefix" : "key", name);
    if (n == (size_t)-1)
        return;
    if (msg->type == MSG_CF_KV_LIST) {
        cf_list(rt, kv, msg, name, n);
    } else if (msg->type == MSG_CF_KV_GET) {
        cf_get(rt, kv, msg, name, n);
    } else if (msg->type == MSG_CF_KV_DELETE && n == 0) {
        cf_reply(rt, kv, msg->source, MSG_CF_OK, NULL, 0); /* the original: always OK */
    } else if (msg->type == MSG_CF_KV_PUT && n == 0) {
        cf_error(rt, kv, msg->source, "%s", "missing key"); /* the original's text */
    } else {
        /* PUT: one line, so no "\n" in it; no value line stores "" (the original). */
        char value[LOCAL_KV_VALUE_MAX + 2];
        size_t vlen = 0;
        if (msg->type == MSG_CF_KV_PUT) {
            vlen = local_kv_text_get(msg->payload ? msg->payload : "", msg->payload_size, "value",
                                     value, sizeof value);
            if (vlen > LOCAL_KV_VALUE_MAX) {
                cf_error(rt, kv, msg->source, "%s", "value is longer than 4096 bytes");
                return;
            }
        }
        const char *bad = write_row(kv, name, n, msg->type == MSG_CF_KV_PUT ? value : NULL, vlen);
        if (bad)
            cf_error(rt, kv, msg->source, bad, sqlite3_errmsg(kv->db));
        else
            cf_reply(rt, kv, msg->source, MSG_CF_OK, NULL, 0);
    }
}

static bool kv_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    kv_t *kv = state;
    msg_type_t t = msg->type;
    if (t == MSG_KV_CHECK) {
        kv_request_t rq;
        const char *bad = kv_request_parse(msg->payload, msg->payload_size, &rq);
        if (bad)
            reply_error(rt, kv, msg->source, MSG_KV_ERROR, rq.id, "bad request: %s", bad);
        else
            do_check(rt, kv, msg, &rq);
    } else if (t == MSG_KV_GET || t == MSG_KV_PUT || t == MSG_KV_DELETE || t == MSG_KV_LIST ||
               t == MSG_DB_QUERY) {
        kv_request_t rq;
        const char *bad = kv_request_parse(msg->payload, msg->payload_size, &rq);
        msg_type_t err_type = t == MSG_DB_QUERY ? MSG_DB_ERROR : MSG_KV_ERROR;
        const char *damage = t == MSG_DB_QUERY ? kv->db_damage : kv->kv_damage;
        if (bad)
            reply_error(rt, kv, msg->source, err_type, rq.id, "bad request: %s", bad);
        else if (damage[0])
            reply_error(rt, kv, msg->source, err_type, rq.id,
                        "the store is damaged, refusing to serve it: %s", damage);
        else if (t == MSG_KV_GET)
            do_get(rt, kv, msg, &rq);
        else if (t == MSG_KV_PUT || t == MSG_KV_DELETE)
            do_write(rt, kv, msg, &rq);
        else if (t == MSG_KV_LIST)
            do_list(rt, kv, msg, &rq);
        else
            do_query(rt, kv, msg, &rq);
    } else if (t >= MSG_CF_KV_PUT && t <= MSG_CF_KV_LIST) {
        do_cf(rt, kv, msg);
    } else if (t < MSG_SYSTEM_BASE) {
        reply_error(rt, kv, msg->source, MSG_KV_ERROR, (kv_slice_t){0},
                    "local_kv does not handle message type %s", "(see docs/services.md)");
    }
    if (t == MSG_KV_FLUSH && msg->source == actor_self(rt))
        kv->flush_queued = false;
    /* Group commit: close the batch at the end of the loop's turn, when no
     * request waits behind this one and no other actor is ready (one that
     * is may be about to send more writes). Until then yield with a flush
     * message to ourselves, a bounded number of times. */
    if (!kv->in_txn)
        return true;
    if (kv->batch_writes >= KV_BATCH_MAX) {
        finish_batch(rt, kv);
    } else if (actor_mailbox_count(self) == 0) {
        if (mk_runtime_ready_empty(rt) || kv->yields >= KV_MAX_YIELDS) {
            finish_batch(rt, kv);
        } else if (!kv->flush_queued) {
            kv->flush_queued =
                mk_send_from(rt, actor_self(rt), actor_self(rt), MSG_KV_FLUSH, NULL, 0);
            kv->yields++;
            if (!kv->flush_queued)
                finish_batch(rt, kv);
        }
    }
    return true;
}

static void kv_free(void *state)
{
    kv_t *kv = state;
    sqlite3_stmt *sts[] = {kv->get,       kv->put,   kv->del,    kv->list_range,
                           kv->list_from, kv->begin, kv->commit, kv->rollback};
    if (kv->in_txn && kv->rollback)
        step_done(kv->rollback);
    for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++)
        sqlite3_finalize(sts[i]);
    sqlite3_close(kv->db);
    sqlite3_close(kv->sql);
    kv_cache_free(&kv->cache);
    mk_free(kv->pending);
    mk_free(kv->out.data);
    mk_free(kv->scratch.data);
    mk_free(kv);
}

/* Open `file` in `dir` with WAL and synchronous=FULL, after refusing a
 * 0-byte or non-regular file and one that fails PRAGMA quick_check. NULL
 * with the reason for mk_last_error(). */
static sqlite3 *open_db(const char *dir, const char *file)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (!kv_store_precheck(path))
        return NULL;
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        mk_set_error("local_kv: cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 200);
    /* Before anything writes to it (journal_mode, CREATE TABLE): a damaged
     * file is refused and left exactly as it is (issue 13: one with 50x64
     * bytes overwritten was served, damaged values returned as OK). */
    char why[300];
    if (!kv_store_check(db, false, why, sizeof why)) {
        mk_set_error("local_kv: %s is damaged (%s): refusing to serve it; the file is left as "
                     "it is (restore a backup, or move it away to start a new store)",
                     path, why);
        sqlite3_close(db);
        return NULL;
    }
    char *err = NULL;
    /* EXCLUSIVE: the files belong to this actor alone, so SQLite may keep
     * its locks and the WAL index in heap memory instead of taking file
     * locks on every read (a several-fold faster get). A 16 MiB page cache
     * and reads through mmap keep gets out of read(2). */
    if (sqlite3_exec(db,
                     "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; "
                     "PRAGMA synchronous=FULL; PRAGMA cache_size=-16384; "
                     "PRAGMA mmap_size=268435456;",
                     NULL, NULL, &err) != SQLITE_OK) {
        mk_set_error("local_kv: %s: %s", path, err ? err : "cannot enable WAL");
        sqlite3_free(err);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static bool prepare(kv_t *kv)
{
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } list[] = {
        {&kv->get, "SELECT value FROM kv WHERE key = ?1"},
        {&kv->put, "INSERT INTO kv(key, value) VALUES(?1, ?2) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value"},
        {&kv->del, "DELETE FROM kv WHERE key = ?1"},
        {&kv->list_range, "SELECT key FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key LIMIT ?3"},
        {&kv->list_from, "SELECT key FROM kv WHERE key >= ?1 ORDER BY key LIMIT ?2"},
        {&kv->begin, "BEGIN IMMEDIATE"},
        {&kv->commit, "COMMIT"},
        {&kv->rollback, "ROLLBACK"},
    };
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        if (sqlite3_prepare_v2(kv->db, list[i].sql, -1, list[i].st, NULL) != SQLITE_OK)
            return mk_fail("local_kv: cannot prepare \"%s\": %s", list[i].sql,
                           sqlite3_errmsg(kv->db));
    return true;
}

bool kv_spawn(runtime_t *rt, svc_t *s)
{
    kv_t *kv = mk_calloc(1, sizeof *kv);
    if (!kv)
        return mk_fail("local_kv: out of memory");
    char *err = NULL;
    if (!(kv->db = open_db(s->data_dir, "kv.sqlite3")) ||
        !(kv->sql = open_db(s->data_dir, "db.sqlite3")))
        goto fail;
    if (sqlite3_exec(kv->db,
                     "CREATE TABLE IF NOT EXISTS kv(key BLOB PRIMARY KEY, value BLOB NOT NULL) "
                     "WITHOUT ROWID",
                     NULL, NULL, &err) != SQLITE_OK) {
        mk_set_error("local_kv: cannot create the kv table: %s", err ? err : "?");
        sqlite3_free(err);
        goto fail;
    }
    if (!prepare(kv) || !sql_db_setup(kv->sql))
        goto fail;
    kv_cache_init(&kv->cache); /* without memory for it, gets just miss */
    actor_id_t id = actor_spawn(rt, kv_behavior, kv, kv_free, 256);
    if (id == ACTOR_ID_INVALID)
        goto fail;
    mk_actor_set_system(rt, id, true);
    s->kv_actor = id;
    if (!actor_register_name(rt, "local_kv", id) ||
        !actor_register_name(rt, "/node/storage/kv", id) ||
        !actor_register_name(rt, "/node/storage/db", id))
        return false; /* services_start stops the actor, which frees kv */
    return true;
fail:
    kv_free(kv);
    return false;
}
