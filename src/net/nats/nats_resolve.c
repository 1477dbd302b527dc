/*
 * nats_resolve.c -- namespace paths resolved through NATS (issue 21,
 * docs/scale-out.md "Paths through the namespace"): actor_lookup() of a
 * "/"-path nobody registered locally or on a mounted peer probes the
 * path's subject, and when some node serves it returns a local proxy actor
 * that publishes what it receives there (queue group: one server per
 * message). Runtime thread only; a probe blocks it for one round trip.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "microkernel/node.h"
#include "net/nats/nats_internal.h"
#include "net/nats/nats_subject.h"
#include "platform/clock.h"

#define PROXY_MAILBOX 64 /* messages waiting to be published, per proxy */

static nats_t *nats_get(const runtime_t *rt)
{
    return rt ? mk_runtime_ext(rt, MK_EXT_NATS) : NULL;
}

bool mk_nats_attached(const runtime_t *rt)
{
    return nats_get(rt) != NULL;
}

/* The proxy's behaviour: its state is the path (a NUL-terminated copy). */
static bool proxy_fn(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    const char *path = state;
    nats_t *n = nats_get(rt);
    if (!n)
        return true; /* detached: runtime_detach_nats stops us next */
    const char *why = NULL;
    if (runtime_is_local_only_type(rt, msg->type))
        why = "a local-only type";
    else if (msg->source != ACTOR_ID_INVALID && actor_id_node(msg->source) != runtime_node_id(rt))
        why = "its source is not of this node (NATS could not carry the reply)";
    else if (!mk_nats_send_path(rt, msg->source, path, msg->type, msg->payload, msg->payload_size))
        why = mk_last_error();
    if (why) {
        n->stats.proxy_dropped++;
        mk_log_limited(rt, &n->lim_proxy, LOG_WARN,
                       "nats: message of type 0x%08x for %s not forwarded: %s", msg->type, path,
                       why);
    }
    return true;
}

static path_proxy_t *proxy_find(nats_t *n, const char *path)
{
    for (size_t i = 0; i < MK_NATS_PROXIES_MAX; i++)
        if (n->proxies[i].path[0] && strcmp(n->proxies[i].path, path) == 0)
            return &n->proxies[i];
    return NULL;
}

/* Stop the proxy in `p` (its slot is freed by the exit hook, and here in
 * case the hook does not run for it). */
static void proxy_stop(runtime_t *rt, path_proxy_t *p)
{
    actor_id_t id = p->id;
    memset(p, 0, sizeof *p);
    actor_stop(rt, id);
}

/* A new proxy for `path`; NULL with a reason. */
static path_proxy_t *proxy_start(runtime_t *rt, nats_t *n, const char *path)
{
    path_proxy_t *slot = NULL;
    for (size_t i = 0; !slot && i < MK_NATS_PROXIES_MAX; i++)
        if (!n->proxies[i].path[0])
            slot = &n->proxies[i];
    if (!slot) { /* all in use: the next in round-robin order goes */
        slot = &n->proxies[n->proxy_next];
        n->proxy_next = (n->proxy_next + 1) % MK_NATS_PROXIES_MAX;
        proxy_stop(rt, slot);
    }
    size_t len = strlen(path);
    char *copy = mk_malloc(len + 1);
    if (!copy) {
        mk_set_error("mk_nats_resolve_path: out of memory");
        return NULL;
    }
    memcpy(copy, path, len + 1);
    actor_id_t id = actor_spawn(rt, proxy_fn, copy, mk_free, PROXY_MAILBOX);
    if (id == ACTOR_ID_INVALID) {
        mk_free(copy);
        char why[200]; /* mk_set_error() writes the buffer mk_last_error() reads */
        snprintf(why, sizeof why, "%s", mk_last_error());
        mk_set_error("mk_nats_resolve_path: no proxy actor for %s: %s", path, why);
        return NULL;
    }
    mk_actor_set_system(rt, id, true);
    snprintf(slot->path, sizeof slot->path, "%s", path);
    slot->id = id;
    return slot;
}

/* Ask NATS whether anyone serves `subject`: NATS_OK (a server answered),
 * NATS_NO_RESPONDERS (nobody subscribes), or another status (timeout...). */
static natsStatus probe(nats_t *n, const char *subject)
{
    natsMsg *req = NULL, *reply = NULL;
    natsStatus s = natsMsg_Create(&req, subject, NULL, NULL, 0);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(req, MK_NATS_PROBE_HEADER, "1");
    if (s == NATS_OK)
        s = natsConnection_RequestMsg(&reply, n->ctl, req, MK_NATS_PROBE_TIMEOUT_MS);
    n->stats.paths_probed++;
    natsMsg_Destroy(req);
    natsMsg_Destroy(reply);
    if (s == NATS_OK)
        n->stats.paths_found++;
    return s;
}

actor_id_t mk_nats_resolve_path(runtime_t *rt, const char *path)
{
    nats_t *n = nats_get(rt);
    if (!n) {
        mk_set_error("mk_nats_resolve_path: the runtime is not attached to NATS");
        return ACTOR_ID_INVALID;
    }
    char subject[MK_NATS_SUBJECT_MAX + 1];
    if (!mk_nats_path_subject(path, subject, sizeof subject))
        return ACTOR_ID_INVALID; /* also refuses paths over 127 bytes */
    if (n->store && strcmp(path, "/node/storage/kv") == 0)
        return n->store_actor; /* the storage tier (mk_nats_kv_start) */
    for (size_t i = 0; n->n_paths && i < MK_NATS_PATHS_MAX; i++)
        if (n->paths[i] && strcmp(n->paths[i]->path, path) == 0)
            return n->paths[i]->id; /* served here: no need to ask */
    path_proxy_t *p = proxy_find(n, path);
    uint64_t now = mk_clock_ms();
    if (p && now - p->checked_ms < n->recheck_ms)
        return p->id;
    if (natsConnection_Status(n->ctl) != NATS_CONN_STATUS_CONNECTED) {
        if (p)
            return p->id; /* trusted until the connection is back */
        mk_set_error("mk_nats_resolve_path: %s: not connected to NATS", path);
        return ACTOR_ID_INVALID;
    }
    char probe_subject[MK_NATS_SUBJECT_MAX + 2];
    mk_nats_probe_subject(subject, probe_subject);
    natsStatus s = probe(n, probe_subject);
    if (s == NATS_OK) {
        if (!p && !(p = proxy_start(rt, n, path)))
            return ACTOR_ID_INVALID;
        p->checked_ms = now;
        return p->id;
    }
    if (p && s == NATS_NO_RESPONDERS)
        proxy_stop(rt, p);
    if (s != NATS_NO_RESPONDERS) {
        mk_set_error("mk_nats_resolve_path: probe of %s: %s", path, natsStatus_GetText(s));
        return ACTOR_ID_INVALID;
    }
    if (n->reg.kv) { /* a path registered by one actor (mk_nats_register) */
        actor_id_t id = mk_nats_lookup(rt, path);
        if (id != ACTOR_ID_INVALID)
            return id;
    }
    mk_set_error("mk_nats_resolve_path: nobody serves \"%s\" over NATS", path);
    return ACTOR_ID_INVALID;
}

void mk_nats_proxy_exit(nats_t *n, actor_id_t id)
{
    for (size_t i = 0; i < MK_NATS_PROXIES_MAX; i++)
        if (n->proxies[i].path[0] && n->proxies[i].id == id)
            memset(&n->proxies[i], 0, sizeof n->proxies[i]);
}

void mk_nats_proxies_stop(runtime_t *rt, nats_t *n)
{
    for (size_t i = 0; i < MK_NATS_PROXIES_MAX; i++)
        if (n->proxies[i].path[0])
            proxy_stop(rt, &n->proxies[i]);
}
