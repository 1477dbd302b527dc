/*
 * nats_link.c -- a runtime's attachment to NATS (issue 21, docs/scale-out.md):
 * the libnats connection, the node subscription mk.node.<id>.*, path
 * subscriptions in queue group "mk.path", the fallback route that publishes
 * frames for nodes without a direct transport, and delivery of what arrives.
 * In the default mode libnats calls the message handlers on its own
 * threads; they only append the natsMsg to a mutex-guarded inbox and write
 * the inbox's eventfd, and the runtime's loop drains the inbox on its
 * thread. In event-loop mode (nats_evloop.c) frames skip the inbox: the
 * loop takes them from synchronous subscriptions and hands them to
 * mk_nats_handle() itself. No actor is touched from a libnats thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/log_limit.h"
#include "core/runtime_api.h"
#include "microkernel/nats.h"
#include "microkernel/node.h"
#include "microkernel/wire.h"
#include "net/nats/nats_internal.h"
#include "net/nats/nats_subject.h"
#include "net/net_internal.h"

static nats_t *nats_of(const runtime_t *rt)
{
    return mk_runtime_ext(rt, MK_EXT_NATS);
}

/* ---- The inbox (both threads) ------------------------------------------ */

static void inbox_unref(inbox_t *in)
{
    pthread_mutex_lock(&in->mu);
    bool last = --in->refs == 0;
    pthread_mutex_unlock(&in->mu);
    if (!last)
        return;
    for (item_t *it = in->head, *next; it; it = next) {
        next = it->next;
        natsMsg_Destroy(it->msg);
        mk_free(it);
    }
    close(in->efd);
    pthread_mutex_destroy(&in->mu);
    mk_free(in);
}

static void inbox_signal(inbox_t *in)
{
    uint64_t one = 1;
    ssize_t r = write(in->efd, &one, sizeof one);
    (void)r; /* only fails when the counter is saturated: readable anyway */
}

void mk_nats_inbox_wake(inbox_t *in)
{
    inbox_signal(in);
}

/* A probe of a path (mk_nats_resolve_path): answered at once, empty. */
static void answer_probe(natsConnection *nc, natsMsg *msg)
{
    const char *probe = NULL;
    if (natsMsg_GetReply(msg) && natsMsgHeader_Get(msg, MK_NATS_PROBE_HEADER, &probe) == NATS_OK)
        natsConnection_Publish(nc, natsMsg_GetReply(msg), NULL, 0);
}

static void inbox_push(inbox_t *in, natsMsg *msg, int kind, actor_id_t dest);

/* libnats' delivery thread. */
static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)sub;
    sub_ctx_t *sc = closure;
    /* mk_nats_resolve_path() asks whether the path is served: answer here
     * (libnats calls are thread-safe), so a probe never waits for a
     * runtime, not even the asker's own. */
    if (sc->kind == KIND_PROBE) {
        answer_probe(nc, msg);
        natsMsg_Destroy(msg);
        return;
    }
    inbox_push(sc->in, msg, sc->kind, sc->dest);
}

/* Queue `msg` (owned from here on) for the runtime's thread; dropped and
 * counted as overflow when the inbox is full or out of memory. */
static void inbox_push(inbox_t *in, natsMsg *msg, int kind, actor_id_t dest)
{
    item_t *it = mk_malloc(sizeof *it);
    pthread_mutex_lock(&in->mu);
    if (in->closing || !it || in->count >= in->max) {
        if (!in->closing)
            in->overflow++;
        pthread_mutex_unlock(&in->mu);
        mk_free(it);
        natsMsg_Destroy(msg);
        return;
    }
    *it = (item_t){.msg = msg, .kind = kind, .dest = dest};
    bool was_empty = in->head == NULL;
    if (in->tail)
        in->tail->next = it;
    else
        in->head = it;
    in->tail = it;
    in->count++;
    if (was_empty)
        inbox_signal(in);
    pthread_mutex_unlock(&in->mu);
}

static void on_sub_complete(void *closure)
{
    sub_ctx_t *sc = closure;
    inbox_t *in = sc->in;
    mk_free(sc);
    inbox_unref(in);
}

static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void)nc;
    (void)sub;
    inbox_t *in = closure;
    if (err == NATS_SLOW_CONSUMER) {
        pthread_mutex_lock(&in->mu);
        in->overflow++;
        pthread_mutex_unlock(&in->mu);
    }
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    inbox_t *in = closure;
    pthread_mutex_lock(&in->mu);
    in->reconnects++;
    pthread_mutex_unlock(&in->mu);
}

/* libnats' last connection callback (its callback thread runs them in
 * order, so none of on_error / on_reconnected comes after it): drops the
 * connection's reference to the inbox. */
static void on_closed(natsConnection *nc, void *closure)
{
    (void)nc;
    inbox_unref(closure);
}

/* ---- Subscriptions --------------------------------------------------- */

natsSubscription *mk_nats_subscribe(nats_t *n, const char *subject, const char *queue, int kind,
                                    actor_id_t dest)
{
    natsSubscription *sub = NULL;
    natsStatus s;
    if (n->evloop && (kind == KIND_NODE || kind == KIND_PATH)) { /* drained by the loop */
        s = queue ? natsConnection_QueueSubscribeSync(&sub, n->nc, subject, queue)
                  : natsConnection_SubscribeSync(&sub, n->nc, subject);
        if (s == NATS_OK) {
            natsSubscription_SetPendingLimits(sub, (int)n->in->max, -1);
            return sub;
        }
        mk_set_error("NATS: subscribe %s: %s", subject, nats_GetLastError(NULL));
        return NULL;
    }
    natsConnection *nc = kind == KIND_INVAL || kind == KIND_PROBE ? n->ctl : n->nc;
    sub_ctx_t *sc = mk_malloc(sizeof *sc);
    if (!sc) {
        mk_set_error("NATS: out of memory");
        return NULL;
    }
    *sc = (sub_ctx_t){.in = n->in, .kind = kind, .dest = dest};
    s = queue ? natsConnection_QueueSubscribe(&sub, nc, subject, queue, on_msg, sc)
              : natsConnection_Subscribe(&sub, nc, subject, on_msg, sc);
    if (s == NATS_OK) {
        pthread_mutex_lock(&n->in->mu);
        n->in->refs++;
        pthread_mutex_unlock(&n->in->mu);
        s = natsSubscription_SetOnCompleteCB(sub, on_sub_complete, sc);
        if (s != NATS_OK) { /* cannot happen on a fresh async subscription */
            natsSubscription_Destroy(sub);
            return NULL;
        }
        natsSubscription_SetPendingLimits(sub, (int)n->in->max, -1);
        return sub;
    }
    mk_free(sc);
    mk_set_error("NATS: subscribe %s: %s", subject, nats_GetLastError(NULL));
    return NULL;
}

void mk_nats_unsubscribe(natsSubscription *sub)
{
    if (!sub)
        return;
    natsSubscription_Unsubscribe(sub); /* on-complete frees the closure */
    natsSubscription_Destroy(sub);
}

/* ---- Delivery (runtime thread) ---------------------------------------- */

static void drain(runtime_t *rt, nats_t *n);

static void on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive)
{
    (void)id;
    nats_t *n = ctx;
    message_t *m = n->held;
    n->held = NULL;
    if (!m)
        return;
    if (!alive) {
        message_destroy(m); /* its actor stopped while it waited */
        n->stats.dropped_undeliverable++;
    } else if (mk_deliver(rt, m))
        n->stats.delivered++;
    else
        n->stats.dropped_undeliverable++;
    inbox_signal(n->in); /* read on */
}

void mk_nats_handle(runtime_t *rt, nats_t *n, natsMsg *nm, int kind, actor_id_t dest)
{
    const char *data = natsMsg_GetData(nm);
    size_t len = (size_t)natsMsg_GetDataLength(nm);
    node_id_t src = 0;
    message_t *m = NULL;
    mk_nats_in_t r;
    if (kind == KIND_INVAL) {
        mk_nats_registry_changed(n, (size_t)dest, natsMsg_GetSubject(nm));
        return;
    }
    n->stats.received++;
    if (kind == KIND_NODE) {
        const char *subj = natsMsg_GetSubject(nm);
        r = mk_nats_decode_node(subj, subj ? strlen(subj) : 0, runtime_node_id(rt), data, len, &src,
                                &m);
    } else {
        const char *hdr = NULL;
        if (natsMsgHeader_Get(nm, MK_NATS_SRC_HEADER, &hdr) != NATS_OK)
            hdr = NULL;
        r = mk_nats_decode_path(hdr, hdr ? strlen(hdr) : 0, data, len, &src, &m);
        if (m)
            m->dest = dest;
    }
    if (r != MK_NATS_IN_OK) {
        if (r == MK_NATS_IN_FORGED)
            n->stats.dropped_forged++;
        else
            n->stats.dropped_malformed++;
        mk_log_limited(rt, &n->lim_in, LOG_WARN, "nats: message on %s dropped: %s",
                       natsMsg_GetSubject(nm), mk_last_error());
        return;
    }
    if (m->dest == ACTOR_ID_INVALID || actor_id_node(m->dest) != runtime_node_id(rt)) {
        n->stats.dropped_undeliverable++;
        mk_log_limited(rt, &n->lim_in, LOG_WARN,
                       "nats: frame of type 0x%08x from node %u for actor 0x%016llx dropped "
                       "(not an actor of this node)",
                       m->type, (unsigned)src, (unsigned long long)m->dest);
        message_destroy(m);
        return;
    }
    if (runtime_is_local_only_type(rt, m->type)) {
        n->stats.dropped_local_only++;
        mk_log_limited(rt, &n->lim_in, LOG_WARN,
                       "nats: frame of local-only type 0x%08x from node %u refused", m->type,
                       (unsigned)src);
        message_destroy(m);
        return;
    }
    if (mk_actor_mailbox_full(rt, m->dest) && mk_actor_wait_space(rt, m->dest, on_space, n)) {
        n->held = m;
        return;
    }
    if (!mk_deliver(rt, m)) {
        n->stats.dropped_undeliverable++;
        mk_log_limited(rt, &n->lim_in, LOG_WARN, "nats: frame from node %u dropped: %s",
                       (unsigned)src, mk_last_error());
        return;
    }
    n->stats.delivered++;
}

void mk_nats_msg_flush(nats_t *n)
{
    for (size_t i = 0; i < n->n_dead; i++)
        natsMsg_Destroy(n->dead[i]);
    n->n_dead = 0;
    n->dead_bytes = 0;
}

void mk_nats_msg_done(nats_t *n, natsMsg *m)
{
    if (!m)
        return;
    n->dead[n->n_dead++] = m;
    n->dead_bytes += (size_t)natsMsg_GetDataLength(m);
    if (n->n_dead == MK_NATS_DEAD_MAX || n->dead_bytes >= MK_NATS_DEAD_BYTES_MAX)
        mk_nats_msg_flush(n);
}

/* Take everything the libnats threads queued (NULL when nothing). */
static item_t *inbox_take(inbox_t *in)
{
    pthread_mutex_lock(&in->mu);
    item_t *all = in->head;
    in->head = in->tail = NULL;
    in->count = 0;
    pthread_mutex_unlock(&in->mu);
    return all;
}

/* Deliver up to MK_NATS_DRAIN_BUDGET queued messages, taking new ones from the
 * inbox as the batch runs out. When some remain (in the batch or the
 * inbox), signal the eventfd again so other sources get their turn first:
 * the signal that announced them may have been consumed by this turn's
 * read, and libnats signals only when the inbox turns non-empty. */
static void drain(runtime_t *rt, nats_t *n)
{
    for (int done = 0; !n->held && done < MK_NATS_DRAIN_BUDGET; done++) {
        if (!n->batch && !(n->batch = inbox_take(n->in)))
            break;
        item_t *it = n->batch;
        n->batch = it->next;
        if (it->kind != KIND_INVAL)
            n->stats.handed_over++; /* a frame that crossed from libnats' thread */
        mk_nats_handle(rt, n, it->msg, it->kind, it->dest);
        mk_nats_msg_done(n, it->msg);
        mk_free(it);
    }
    if (n->held)
        return; /* on_space() signals */
    pthread_mutex_lock(&n->in->mu);
    bool more = n->batch || n->in->head;
    pthread_mutex_unlock(&n->in->mu);
    if (more)
        inbox_signal(n->in);
}

static void on_inbox(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)events;
    nats_t *n = io->ctx;
    uint64_t v;
    ssize_t r = read(n->in->efd, &v, sizeof v); /* reset; EAGAIN: nothing new */
    (void)r;
    if (n->evloop) {
        mk_nats_evloop_apply(rt, n);
        mk_nats_evloop_deliver(rt, n);
    }
    if (!n->held)
        drain(rt, n);
}

/* ---- Sending (runtime thread) ----------------------------------------- */

/* The frame of `msg` in n->scratch; false with a reason when too big. */
static bool encode(nats_t *n, const message_t *msg, size_t *len)
{
    int64_t max = natsConnection_GetMaxPayload(n->nc);
    size_t need = WIRE_HEADER_SIZE + msg->payload_size;
    if (max > 0 && need > (uint64_t)max)
        return mk_fail("NATS: frame of %zu bytes exceeds the server's max_payload of %" PRId64
                       " bytes",
                       need, max);
    if (need > n->scratch_size) {
        unsigned char *p = mk_realloc(n->scratch, need);
        if (!p)
            return mk_fail("NATS: out of memory for a %zu-byte frame", need);
        n->scratch = p;
        n->scratch_size = need;
    }
    if (!wire_encode_header(msg, true, n->scratch))
        return false;
    if (msg->payload_size)
        memcpy(n->scratch + WIRE_HEADER_SIZE, msg->payload, msg->payload_size);
    *len = need;
    return true;
}

static bool publish_failed(runtime_t *rt, nats_t *n, natsStatus s, const char *subject)
{
    mk_set_error("NATS: publish to %s: %s", subject, natsStatus_GetText(s));
    mk_log_limited(rt, &n->lim_out, LOG_WARN, "nats: %s", mk_last_error());
    return false;
}

/* The fallback route: nodes without a direct transport. */
static bool route_nats(runtime_t *rt, void *ctx, const message_t *msg)
{
    (void)ctx;
    nats_t *n = nats_of(rt);
    if (!n)
        return mk_fail("actor_send: no transport reaches node %u", actor_id_node(msg->dest));
    size_t len;
    if (!encode(n, msg, &len))
        return false;
    char subject[MK_NATS_NODE_SUBJECT_MAX];
    mk_nats_node_subject(actor_id_node(msg->dest), runtime_node_id(rt), subject);
    natsStatus s = natsConnection_Publish(n->nc, subject, n->scratch, (int)len);
    if (s != NATS_OK)
        return publish_failed(rt, n, s, subject);
    if (n->evloop)
        mk_nats_evloop_sent(rt, n);
    n->stats.published++;
    return true;
}

/* ---- Lifecycle ---------------------------------------------------------- */

static path_sub_t **path_find(nats_t *n, const char *path)
{
    for (size_t i = 0; i < MK_NATS_PATHS_MAX; i++)
        if (n->paths[i] && strcmp(n->paths[i]->path, path) == 0)
            return &n->paths[i];
    return NULL;
}

static void path_drop(nats_t *n, path_sub_t **slot)
{
    mk_nats_unsubscribe((*slot)->probe_sub);
    mk_nats_unsubscribe((*slot)->sub);
    mk_free(*slot);
    *slot = NULL;
    n->n_paths--;
}

/* The server has processed everything sent so far; false with a reason. */
static bool flush(runtime_t *rt, nats_t *n)
{
    if (n->evloop)
        return mk_nats_evloop_flush(rt, n, 5000);
    natsStatus s = natsConnection_FlushTimeout(n->nc, 5000);
    if (s != NATS_OK)
        return mk_fail("NATS: flush: %s", natsStatus_GetText(s));
    return true;
}

static void on_actor_exit(runtime_t *rt, void *ctx, actor_id_t id, int reason)
{
    (void)ctx;
    (void)reason;
    nats_t *n = nats_of(rt);
    for (size_t i = 0; n && i < MK_NATS_PATHS_MAX; i++)
        if (n->paths[i] && n->paths[i]->id == id)
            path_drop(n, &n->paths[i]);
    if (n) {
        if (n->store && id == n->store_actor)
            mk_nats_kv_close(n);
        mk_nats_proxy_exit(n, id);
        mk_nats_registry_actor_exit(rt, n, id);
    }
}

static void nats_destroy(runtime_t *rt, void *data)
{
    nats_t *n = data;
    mk_nats_registry_close(rt, n);
    mk_nats_kv_close(n);
    mk_net_set_fallback(rt, NULL, NULL);
    mk_actor_cancel_space(rt, n);
    if (n->held)
        message_destroy(n->held);
    mk_nats_msg_flush(n);
    pthread_mutex_lock(&n->in->mu);
    n->in->closing = true;
    pthread_mutex_unlock(&n->in->mu);
    for (size_t i = 0; i < MK_NATS_PATHS_MAX; i++)
        if (n->paths[i])
            path_drop(n, &n->paths[i]);
    mk_nats_unsubscribe(n->node_sub);
    mk_io_remove(rt, &n->io);
    if (n->ctl != n->nc) {
        natsConnection_Close(n->ctl);
        natsConnection_Destroy(n->ctl);
    }
    if (n->evloop) { /* libnats' close would wait (0.5 s) for output nobody writes */
        mk_nats_evloop_write(rt, n);
        mk_nats_evloop_stop(rt, n); /* out of the loop before libnats closes the fd */
    }
    natsConnection_Close(n->nc);
    natsConnection_Destroy(n->nc);
    if (n->evloop)
        pthread_mutex_destroy(&n->ev.mu);
    for (item_t *it = n->batch, *next; it; it = next) {
        next = it->next;
        natsMsg_Destroy(it->msg);
        mk_free(it);
    }
    inbox_unref(n->in);
    mk_free(n->scratch);
    mk_free(n);
}

/* A copy of cfg->servers split at commas, for natsOptions_SetServers. */
static natsStatus set_servers(natsOptions *o, const char *servers)
{
    char *copy = mk_strdup(servers);
    const char *urls[32];
    int count = 0;
    if (!copy)
        return NATS_NO_MEMORY;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok && count < 32;
         tok = strtok_r(NULL, ",", &save))
        if (*tok)
            urls[count++] = tok;
    natsStatus s = count ? natsOptions_SetServers(o, urls, count) : NATS_INVALID_ARG;
    mk_free(copy);
    return s;
}

static bool set(const char *s)
{
    return s && *s;
}

static natsStatus make_options(natsOptions **out, const mk_nats_config_t *cfg, node_id_t node,
                               inbox_t *in)
{
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    char name[64];
    if (set(cfg->name))
        snprintf(name, sizeof name, "%s", cfg->name);
    else
        snprintf(name, sizeof name, "mk-node-%u", (unsigned)node);
    if (s == NATS_OK)
        s = set_servers(o, cfg->servers);
    if (s == NATS_OK)
        s = natsOptions_SetName(o, name);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, -1); /* for ever */
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(o, cfg->reconnect_wait_ms ? cfg->reconnect_wait_ms : 250);
    if (s == NATS_OK) /* libnats' flusher thread otherwise adds ~1 ms per hop */
        s = natsOptions_SetSendAsap(o, !cfg->batch_sends);
    if (s == NATS_OK) /* one shared delivery thread, not one per subscription */
        s = natsOptions_UseGlobalMessageDelivery(o, true);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(o, on_error, in);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(o, on_reconnected, in);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(o, on_closed, in);
    if (s == NATS_OK && (set(cfg->user) || set(cfg->password)))
        s = natsOptions_SetUserInfo(o, cfg->user, cfg->password);
    if (s == NATS_OK && set(cfg->token))
        s = natsOptions_SetToken(o, cfg->token);
    if (s == NATS_OK && set(cfg->creds_file))
        s = natsOptions_SetUserCredentialsFromFiles(o, cfg->creds_file, NULL);
    if (s == NATS_OK && set(cfg->nkey_seed_file))
        s = natsOptions_SetNKeyFromSeed(o, cfg->nkey_public, cfg->nkey_seed_file);
    if (s == NATS_OK && (cfg->tls || set(cfg->ca_file) || set(cfg->cert_file)))
        s = natsOptions_SetSecure(o, true);
    if (s == NATS_OK && set(cfg->ca_file))
        s = natsOptions_LoadCATrustedCertificates(o, cfg->ca_file);
    if (s == NATS_OK && set(cfg->cert_file))
        s = natsOptions_LoadCertificatesChain(o, cfg->cert_file, cfg->key_file);
    if (s != NATS_OK) {
        natsOptions_Destroy(o);
        o = NULL;
    }
    *out = o;
    return s;
}

/* Connect one libnats connection (`evloop`: driven by the runtime's loop)
 * into *out; false with a reason. */
static bool connect_one(runtime_t *rt, nats_t *n, const mk_nats_config_t *cfg, bool evloop,
                        natsConnection **out)
{
    natsOptions *opts = NULL;
    natsStatus s = make_options(&opts, cfg, runtime_node_id(rt), n->in);
    if (s == NATS_OK && evloop)
        s = mk_nats_evloop_options(opts, n);
    if (s != NATS_OK) {
        natsOptions_Destroy(opts);
        return mk_fail("runtime_attach_nats: options: %s (%s)", natsStatus_GetText(s),
                       nats_GetLastError(NULL));
    }
    pthread_mutex_lock(&n->in->mu);
    n->in->refs++; /* the connection's, dropped by on_closed() */
    pthread_mutex_unlock(&n->in->mu);
    s = natsConnection_Connect(out, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK) {
        inbox_unref(n->in); /* no connection: no on_closed() */
        return mk_fail("runtime_attach_nats: connect to %s: %s (%s)", cfg->servers,
                       natsStatus_GetText(s), nats_GetLastError(NULL));
    }
    return true;
}

bool runtime_attach_nats(runtime_t *rt, const mk_nats_config_t *cfg)
{
    if (!rt || !cfg || !set(cfg->servers))
        return mk_fail("runtime_attach_nats: runtime, config and servers are required");
    if (nats_of(rt))
        return mk_fail("runtime_attach_nats: node %u is already attached to NATS",
                       runtime_node_id(rt));
    nats_t *n = mk_calloc(1, sizeof *n);
    inbox_t *in = mk_calloc(1, sizeof *in);
    if (!n || !in) {
        mk_set_error("runtime_attach_nats: out of memory");
        goto fail_mem;
    }
    n->reg.timer_fd = -1;
    n->recheck_ms = cfg->path_recheck_ms ? cfg->path_recheck_ms : MK_NATS_PATH_RECHECK_MS;
    in->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->efd < 0) {
        mk_set_error("runtime_attach_nats: eventfd: %s", strerror(errno));
        goto fail_mem;
    }
    pthread_mutex_init(&in->mu, NULL);
    in->refs = 1;
    in->max = cfg->pending_max ? cfg->pending_max : MK_NATS_PENDING_DEFAULT;
    n->in = in;
    n->evloop = cfg->event_loop;
    if (n->evloop) {
        pthread_mutex_init(&n->ev.mu, NULL);
        n->ev.fd = -1;
        n->ev.loop_thread = pthread_self();
    }
    if (!connect_one(rt, n, cfg, n->evloop, &n->nc))
        goto fail;
    if (n->evloop) { /* the socket into the loop; the registry gets its own connection */
        mk_nats_evloop_apply(rt, n);
        if (!connect_one(rt, n, cfg, false, &n->ctl))
            goto fail;
    } else
        n->ctl = n->nc;
    char subject[MK_NATS_NODE_SUBJECT_MAX];
    mk_nats_node_wildcard(runtime_node_id(rt), subject);
    if (!(n->node_sub = mk_nats_subscribe(n, subject, NULL, KIND_NODE, ACTOR_ID_INVALID)))
        goto fail;
    /* The subscription must be known to the server before we say we are
     * attached: a peer may send right away. */
    if (!flush(rt, n))
        goto fail;
    if (cfg->names_ttl_ms && !mk_nats_registry_open(rt, n, cfg))
        goto fail;
    if (!mk_io_add(rt, &n->io, in->efd, EPOLLIN, on_inbox, n, true))
        goto fail;
    /* Hooks cannot be removed and are few (MK_MAX_EXIT_HOOKS for every
     * subsystem): an attach after a detach reuses the one already there. */
    bool hooked = mk_runtime_has_exit_hook(rt, on_actor_exit);
    if (!mk_net_set_fallback(rt, route_nats, NULL) ||
        (!hooked && !mk_runtime_on_exit(rt, on_actor_exit, NULL))) {
        mk_io_remove(rt, &n->io);
        goto fail;
    }
    mk_runtime_set_ext(rt, MK_EXT_NATS, n, nats_destroy);
    return true;
fail : {
    char why[256];
    snprintf(why, sizeof why, "%s", mk_last_error());
    mk_net_set_fallback(rt, NULL, NULL);
    mk_nats_registry_close(rt, n);
    mk_nats_unsubscribe(n->node_sub);
    if (n->ctl && n->ctl != n->nc) {
        natsConnection_Close(n->ctl);
        natsConnection_Destroy(n->ctl);
    }
    if (n->evloop)
        mk_nats_evloop_stop(rt, n);
    if (n->nc) {
        natsConnection_Close(n->nc);
        natsConnection_Destroy(n->nc);
    }
    if (n->evloop)
        pthread_mutex_destroy(&n->ev.mu);
    mk_nats_msg_flush(n);
    inbox_unref(in);
    mk_free(n);
    return mk_fail("%s", why);
}
fail_mem:
    mk_free(in);
    mk_free(n);
    return false;
}

void runtime_detach_nats(runtime_t *rt)
{
    nats_t *n = rt ? nats_of(rt) : NULL;
    if (!n)
        return;
    mk_nats_proxies_stop(rt, n);
    mk_runtime_set_ext(rt, MK_EXT_NATS, NULL, NULL);
    nats_destroy(rt, n);
}

bool mk_nats_serve_path(runtime_t *rt, const char *path, actor_id_t id)
{
    nats_t *n = rt ? nats_of(rt) : NULL;
    if (!n)
        return mk_fail("mk_nats_serve_path: the runtime is not attached to NATS");
    char subject[MK_NATS_SUBJECT_MAX + 1];
    if (!mk_nats_path_subject(path, subject, sizeof subject))
        return false;
    if (actor_id_node(id) != runtime_node_id(rt) || !mk_actor_find(rt, id))
        return mk_fail("mk_nats_serve_path: 0x%016llx is not a live actor of this node",
                       (unsigned long long)id);
    path_sub_t **slot = path_find(n, path);
    if (slot)
        path_drop(n, slot);
    for (size_t i = 0; !slot && i < MK_NATS_PATHS_MAX; i++)
        if (!n->paths[i])
            slot = &n->paths[i];
    if (!slot)
        return mk_fail("mk_nats_serve_path: %u paths are served already", MK_NATS_PATHS_MAX);
    path_sub_t *p = mk_calloc(1, sizeof *p);
    if (!p)
        return mk_fail("mk_nats_serve_path: out of memory");
    snprintf(p->path, sizeof p->path, "%s", path);
    p->id = id;
    p->sub = mk_nats_subscribe(n, subject, MK_NATS_PATH_QUEUE, KIND_PATH, id);
    char probe[MK_NATS_SUBJECT_MAX + 2];
    mk_nats_probe_subject(subject, probe);
    if (p->sub)
        p->probe_sub = mk_nats_subscribe(n, probe, MK_NATS_PATH_QUEUE, KIND_PROBE, id);
    if (!p->sub || !p->probe_sub || !flush(rt, n) ||
        (n->ctl != n->nc && natsConnection_FlushTimeout(n->ctl, 5000) != NATS_OK &&
         mk_fail("NATS: flush of the probe subscription failed"))) {
        mk_nats_unsubscribe(p->probe_sub);
        mk_nats_unsubscribe(p->sub);
        mk_free(p);
        char why[256]; /* mk_fail() writes the buffer mk_last_error() reads */
        snprintf(why, sizeof why, "%s", mk_last_error());
        return mk_fail("mk_nats_serve_path: %s", why);
    }
    *slot = p;
    n->n_paths++;
    return true;
}

bool mk_nats_unserve_path(runtime_t *rt, const char *path)
{
    nats_t *n = rt ? nats_of(rt) : NULL;
    path_sub_t **slot = n && path ? path_find(n, path) : NULL;
    if (!slot)
        return mk_fail("mk_nats_unserve_path: \"%.64s\" is not served over NATS here",
                       path ? path : "");
    path_drop(n, slot);
    return true;
}

bool mk_nats_send_path(runtime_t *rt, actor_id_t source, const char *path, msg_type_t type,
                       const void *payload, size_t payload_size)
{
    nats_t *n = rt ? nats_of(rt) : NULL;
    if (!n)
        return mk_fail("mk_nats_send_path: the runtime is not attached to NATS");
    char subject[MK_NATS_SUBJECT_MAX + 1];
    if (!mk_nats_path_subject(path, subject, sizeof subject))
        return false;
    if (source != ACTOR_ID_INVALID && actor_id_node(source) != runtime_node_id(rt))
        return mk_fail("mk_nats_send_path: source 0x%016llx is not of this node",
                       (unsigned long long)source);
    message_t m = {.source = source,
                   .dest = ACTOR_ID_INVALID,
                   .type = type,
                   .payload = (void *)payload,
                   .payload_size = payload_size};
    size_t len;
    if (!encode(n, &m, &len))
        return false;
    natsMsg *nm = NULL;
    char src[16];
    snprintf(src, sizeof src, "%u", (unsigned)runtime_node_id(rt));
    natsStatus s = natsMsg_Create(&nm, subject, NULL, (const char *)n->scratch, (int)len);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(nm, MK_NATS_SRC_HEADER, src);
    if (s == NATS_OK)
        s = natsConnection_PublishMsg(n->nc, nm);
    mk_nats_msg_done(n, nm);
    if (s != NATS_OK)
        return publish_failed(rt, n, s, subject);
    if (n->evloop)
        mk_nats_evloop_sent(rt, n);
    n->stats.published++;
    return true;
}

bool mk_nats_stats(runtime_t *rt, mk_nats_stats_t *out)
{
    nats_t *n = rt ? nats_of(rt) : NULL;
    if (!n || !out)
        return mk_fail("mk_nats_stats: no NATS attachment");
    *out = n->stats;
    out->connected = natsConnection_Status(n->nc) == NATS_CONN_STATUS_CONNECTED;
    pthread_mutex_lock(&n->in->mu);
    out->dropped_overflow = n->in->overflow;
    out->reconnects = n->in->reconnects;
    pthread_mutex_unlock(&n->in->mu);
    return true;
}
