/*
 * nats_kv.c -- the storage tier through NATS (issue 21, docs/scale-out.md
 * "Storage tier"): an actor that answers the local KV's requests
 * (MSG_KV_GET/PUT/DELETE/LIST, node_services.h, same payloads and replies
 * as src/services/local_kv.c) from a JetStream KV bucket shared by every
 * node that names it. Runs on the runtime's thread; each request blocks it
 * for one JetStream round trip on the registry's connection (n->ctl).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "microkernel/namespace.h"
#include "microkernel/node_services.h"
#include "net/nats/nats_internal.h"
#include "net/nats/nats_subject.h"
#include "services/kv_proto.h"

#define STORE_WAIT_MS  2000 /* JetStream API timeout */
#define STORE_MAILBOX  64
#define STORE_ENC_MAX  (3 * KV_KEY_MAX + 1) /* an escaped key */
#define STORE_REPLY_IN (KV_ID_MAX + 16)     /* "id=...\n" */

static nats_t *nats_get(const runtime_t *rt)
{
    return rt ? mk_runtime_ext(rt, MK_EXT_NATS) : NULL;
}

/* A reply being built (heap; freed after sending). */
typedef struct {
    char *p;
    size_t len, cap;
    bool failed; /* out of memory */
} rbuf_t;

static void radd(rbuf_t *b, const void *data, size_t len)
{
    if (b->failed || len == 0)
        return;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + len)
            cap *= 2;
        char *p = mk_realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

static void rfield(rbuf_t *b, const char *name, const void *v, size_t len)
{
    radd(b, name, strlen(name));
    radd(b, "=", 1);
    radd(b, v, len);
    radd(b, "\n", 1);
}

static void rsend(runtime_t *rt, actor_id_t dest, msg_type_t type, rbuf_t *b)
{
    if (b->failed) {
        static const char oom[] = "error=out of memory\n";
        actor_send(rt, dest, MSG_KV_ERROR, oom, sizeof oom - 1);
    } else {
        actor_send(rt, dest, type, b->p, b->len);
    }
    mk_free(b->p);
}

static void reply_error(runtime_t *rt, actor_id_t dest, kv_slice_t id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void reply_error(runtime_t *rt, actor_id_t dest, kv_slice_t id, const char *fmt, ...)
{
    char why[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    rbuf_t b = {0};
    if (id.ptr)
        rfield(&b, "id", id.ptr, id.len);
    rfield(&b, "error", why, strlen(why));
    rsend(rt, dest, MSG_KV_ERROR, &b);
}

static const char *js_text(natsStatus s)
{
    const char *last = nats_GetLastError(NULL);
    return last && *last ? last : natsStatus_GetText(s);
}

static void do_get(runtime_t *rt, nats_t *n, const message_t *msg, const kv_request_t *rq,
                   const char *ek)
{
    kvEntry *e = NULL;
    natsStatus s = kvStore_Get(&e, n->store, ek);
    rbuf_t b = {0};
    if (rq->id.ptr)
        rfield(&b, "id", rq->id.ptr, rq->id.len);
    rfield(&b, "key", rq->key.ptr, rq->key.len);
    if (s == NATS_OK) {
        radd(&b, "value=", 6);
        radd(&b, kvEntry_Value(e), (size_t)kvEntry_ValueLen(e));
        kvEntry_Destroy(e);
        rsend(rt, msg->source, MSG_KV_OK, &b);
    } else if (s == NATS_NOT_FOUND) {
        rsend(rt, msg->source, MSG_KV_NOT_FOUND, &b);
    } else {
        mk_free(b.p);
        reply_error(rt, msg->source, rq->id, "get failed: %s", js_text(s));
    }
}

static void do_write(runtime_t *rt, nats_t *n, const message_t *msg, const kv_request_t *rq,
                     const char *ek)
{
    bool put = msg->type == MSG_KV_PUT;
    natsStatus s;
    bool existed = false;
    if (put) {
        if (!rq->value.ptr) {
            reply_error(rt, msg->source, rq->id, "%s",
                        "missing field value (it must be the last field)");
            return;
        }
        uint64_t rev = 0;
        s = kvStore_Put(&rev, n->store, ek, rq->value.len ? rq->value.ptr : "", (int)rq->value.len);
    } else {
        kvEntry *e = NULL;
        s = kvStore_Get(&e, n->store, ek); /* for "deleted=": one more round trip */
        existed = s == NATS_OK;
        kvEntry_Destroy(e);
        s = s == NATS_OK || s == NATS_NOT_FOUND ? kvStore_Delete(n->store, ek) : s;
    }
    if (s != NATS_OK) {
        reply_error(rt, msg->source, rq->id, "write failed: %s", js_text(s));
        return;
    }
    rbuf_t b = {0};
    if (rq->id.ptr)
        rfield(&b, "id", rq->id.ptr, rq->id.len);
    rfield(&b, "key", rq->key.ptr, rq->key.len);
    if (!put)
        rfield(&b, "deleted", existed ? "1" : "0", 1);
    rsend(rt, msg->source, MSG_KV_OK, &b);
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keys in byte order; a key another writer put in a form this side does
 * not decode is skipped (counted in the log). */
static void do_list(runtime_t *rt, nats_t *n, const message_t *msg, const kv_request_t *rq)
{
    size_t limit = KV_LIST_MAX;
    if (rq->limit.ptr && !kv_parse_limit(rq->limit, KV_LIST_MAX, &limit)) {
        reply_error(rt, msg->source, rq->id, "%s", "limit is not a number 1..1000");
        return;
    }
    kvKeysList list = {0};
    natsStatus s = kvStore_Keys(&list, n->store, NULL);
    if (s != NATS_OK && s != NATS_NOT_FOUND) {
        reply_error(rt, msg->source, rq->id, "list failed: %s", js_text(s));
        return;
    }
    char **keys = mk_calloc((size_t)list.Count + 1, sizeof *keys);
    size_t nk = 0, skipped = 0;
    for (int i = 0; keys && i < list.Count; i++) {
        char dec[KV_KEY_MAX + 1];
        size_t dl = mk_nats_kv_key_decode(list.Keys[i], strlen(list.Keys[i]), dec, sizeof dec);
        if (dl == 0 || strlen(dec) != dl) { /* malformed, or a NUL we cannot sort as text */
            skipped++;
            continue;
        }
        if (rq->prefix.len && (dl < rq->prefix.len || memcmp(dec, rq->prefix.ptr, rq->prefix.len)))
            continue;
        if ((keys[nk] = mk_strdup(dec)))
            nk++;
    }
    kvKeysList_Destroy(&list);
    if (!keys) {
        reply_error(rt, msg->source, rq->id, "%s", "out of memory");
        return;
    }
    if (skipped)
        mk_log_limited(rt, &n->lim_proxy, LOG_WARN,
                       "nats: storage bucket %s: %zu keys not in this node's encoding skipped",
                       n->store_bucket, skipped);
    qsort(keys, nk, sizeof *keys, cmp_key);
    rbuf_t b = {0};
    if (rq->id.ptr)
        rfield(&b, "id", rq->id.ptr, rq->id.len);
    size_t count = nk < limit ? nk : limit;
    char num[32];
    int cl = snprintf(num, sizeof num, "%zu", count);
    rfield(&b, "count", num, (size_t)cl);
    if (nk > limit)
        rfield(&b, "truncated", "1", 1);
    for (size_t i = 0; i < nk; i++) {
        if (i < count)
            rfield(&b, "key", keys[i], strlen(keys[i]));
        mk_free(keys[i]);
    }
    mk_free(keys);
    rsend(rt, msg->source, MSG_KV_OK, &b);
}

static bool store_fn(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    msg_type_t t = msg->type;
    if (t != MSG_KV_GET && t != MSG_KV_PUT && t != MSG_KV_DELETE && t != MSG_KV_LIST)
        return true; /* as the local KV: other types are ignored */
    kv_request_t rq;
    const char *bad = kv_request_parse(msg->payload, msg->payload_size, &rq);
    if (bad) {
        reply_error(rt, msg->source, rq.id, "bad request: %s", bad);
        return true;
    }
    nats_t *n = nats_get(rt);
    if (!n || !n->store) {
        reply_error(rt, msg->source, rq.id, "%s", "the node is no longer attached to NATS");
        return true;
    }
    if (natsConnection_Status(n->ctl) != NATS_CONN_STATUS_CONNECTED) {
        reply_error(rt, msg->source, rq.id, "%s", "not connected to NATS");
        return true;
    }
    if (t == MSG_KV_LIST) {
        do_list(rt, n, msg, &rq);
        return true;
    }
    if (!rq.key.ptr || rq.key.len == 0) {
        reply_error(rt, msg->source, rq.id, "%s",
                    rq.key.ptr ? "key is empty" : "missing field key");
        return true;
    }
    char ek[STORE_ENC_MAX];
    if (!mk_nats_kv_key_encode(rq.key.ptr, rq.key.len, ek, sizeof ek)) {
        reply_error(rt, msg->source, rq.id, "%s", "key does not fit");
        return true;
    }
    if (t == MSG_KV_GET)
        do_get(rt, n, msg, &rq, ek);
    else
        do_write(rt, n, msg, &rq, ek);
    return true;
}

static bool bucket_ok(const char *b)
{
    size_t len = b ? strlen(b) : 0;
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= 'A' && b[i] <= 'Z') ||
              (b[i] >= '0' && b[i] <= '9') || b[i] == '_' || b[i] == '-'))
            return false;
    return true;
}

actor_id_t mk_nats_kv_start(runtime_t *rt, const char *bucket, bool take_path)
{
    nats_t *n = nats_get(rt);
    if (!n) {
        mk_set_error("mk_nats_kv_start: the runtime is not attached to NATS");
        return ACTOR_ID_INVALID;
    }
    if (!bucket_ok(bucket)) {
        mk_set_error("mk_nats_kv_start: a bucket name is 1..64 bytes of [A-Za-z0-9_-]");
        return ACTOR_ID_INVALID;
    }
    if (n->store) {
        mk_set_error("mk_nats_kv_start: bucket %s is already served on this node", n->store_bucket);
        return ACTOR_ID_INVALID;
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = STORE_WAIT_MS;
    natsStatus s = natsConnection_JetStream(&n->store_js, n->ctl, &jo);
    if (s == NATS_OK) {
        kvConfig kc;
        kvConfig_Init(&kc);
        kc.Bucket = bucket;
        kc.History = 1;
        s = js_CreateKeyValue(&n->store, n->store_js, &kc);
        if (s != NATS_OK) /* made by another node */
            s = js_KeyValue(&n->store, n->store_js, bucket);
    }
    if (s != NATS_OK) {
        mk_set_error("mk_nats_kv_start: bucket %s (JetStream enabled on the server?): %s", bucket,
                     js_text(s));
        mk_nats_kv_close(n);
        return ACTOR_ID_INVALID;
    }
    snprintf(n->store_bucket, sizeof n->store_bucket, "%s", bucket);
    actor_id_t id = actor_spawn(rt, store_fn, NULL, NULL, STORE_MAILBOX);
    if (id == ACTOR_ID_INVALID) {
        mk_nats_kv_close(n);
        return ACTOR_ID_INVALID;
    }
    mk_actor_set_system(rt, id, true);
    n->store_actor = id;
    if (!actor_register_name(rt, MK_NATS_KV_PATH, id))
        goto fail;
    if (take_path) {
        actor_id_t old = ns_lookup_exact(rt, "/node/storage/kv");
        if (old != ACTOR_ID_INVALID && actor_id_node(old) == runtime_node_id(rt))
            actor_unregister_name(rt, "/node/storage/kv");
        if (!actor_register_name(rt, "/node/storage/kv", id))
            goto fail;
    }
    return id;
fail : {
    char why[256];
    snprintf(why, sizeof why, "%s", mk_last_error());
    actor_stop(rt, id); /* the exit hook closes the bucket */
    mk_set_error("mk_nats_kv_start: %s", why);
    return ACTOR_ID_INVALID;
}
}

void mk_nats_kv_close(nats_t *n)
{
    kvStore_Destroy(n->store);
    jsCtx_Destroy(n->store_js);
    n->store = NULL;
    n->store_js = NULL;
    n->store_actor = ACTOR_ID_INVALID;
    n->store_bucket[0] = '\0';
}
