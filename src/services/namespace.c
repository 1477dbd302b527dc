/*
 * namespace.c -- the hierarchical namespace (namespace.h): the path
 * operations the core registry hands '/'-names to, service resolution
 * (local > mounted peer > cloud), listing, and the `ns` actor that answers
 * MSG_NS_LIST and applies MSG_NS_SYNC from mounted peers.
 *
 * Source: seed 002, "Hierarchical namespace" and "Cloudflare cloud
 * services". Runs on the runtime's thread; lookups allocate nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/actor.h"
#include "services/ns_sync.h"
#include "services/svc_internal.h"

/* Record why `path` was refused, for function `fn`. */
static bool path_fail(const char *fn, const char *path, size_t len, ns_path_error_t err)
{
    return mk_fail("%s: path \"%.*s\" %s", fn, (int)(len > 64 ? 64 : len), path ? path : "",
                   ns_path_strerror(err));
}

static bool is_peers_path(const char *path, size_t len)
{
    size_t n = sizeof NS_PEERS_PREFIX - 2; /* "/peers" */
    return len >= n && memcmp(path, NS_PEERS_PREFIX, n) == 0 && (len == n || path[n] == '/');
}

/* Tell every mounted peer about a change of a local path. */
static void broadcast(runtime_t *rt, svc_t *s, const char *line, size_t len)
{
    char head[32];
    int hl = snprintf(head, sizeof head, "node=%" PRIu32 "\n", rt->node_id);
    char buf[sizeof head + NS_PATH_MAX + 32];
    if (len > sizeof buf - (size_t)hl)
        return;
    memcpy(buf, head, (size_t)hl);
    memcpy(buf + hl, line, len);
    for (size_t i = 0; i < SVC_MAX_PEERS; i++)
        if (s->peers[i].node && s->peers[i].ns != ACTOR_ID_INVALID)
            mk_send_from(rt, s->ns_actor, s->peers[i].ns, MSG_NS_SYNC, buf, (size_t)hl + len);
}

static void broadcast_add(runtime_t *rt, svc_t *s, const ns_table_entry_t *e)
{
    char line[NS_PATH_MAX + 32];
    int n = snprintf(line, sizeof line, "+%s 0x%016" PRIx64 "\n", e->path, e->id);
    broadcast(rt, s, line, (size_t)n);
}

static void broadcast_remove(runtime_t *rt, svc_t *s, const char *path)
{
    char line[NS_PATH_MAX + 4];
    int n = snprintf(line, sizeof line, "-%s\n", path);
    broadcast(rt, s, line, (size_t)n);
}

/* ---- Path operations (called by the core registry) ------------------- */

static bool op_register(runtime_t *rt, void *ctx, const char *path, actor_id_t id)
{
    svc_t *s = ctx;
    size_t len = strnlen(path, NS_PATH_MAX + 1);
    ns_path_error_t err = ns_path_check(path, len, false);
    if (err != NS_PATH_OK)
        return path_fail("actor_register_name", path, len, err);
    if (is_peers_path(path, len))
        return mk_fail("actor_register_name: \"%s\" is under %s, which holds mounted peers' paths",
                       path, NS_PEERS_PREFIX);
    if (id == ACTOR_ID_INVALID)
        return mk_fail("actor_register_name: actor ID is ACTOR_ID_INVALID");
    if (actor_id_node(id) == rt->node_id && !mk_actor_find(rt, id))
        return mk_fail("actor_register_name: no live actor 0x%016" PRIx64, id);
    if (!ns_table_add(&s->paths, path, len, id, rt->node_id))
        return false;
    broadcast_add(rt, s, ns_table_find(&s->paths, path, len));
    return true;
}

static bool op_unregister(runtime_t *rt, void *ctx, const char *path)
{
    svc_t *s = ctx;
    size_t len = strnlen(path, NS_PATH_MAX + 1);
    ns_path_error_t err = ns_path_check(path, len, false);
    if (err != NS_PATH_OK)
        return path_fail("actor_unregister_name", path, len, err);
    ns_table_entry_t *e = ns_table_find(&s->paths, path, len);
    if (!e)
        return mk_fail("actor_unregister_name: \"%s\" is not registered", path);
    if (e->origin != rt->node_id)
        return mk_fail("actor_unregister_name: \"%s\" belongs to node %" PRIu32
                       " and goes away with it",
                       path, e->origin);
    ns_table_remove(&s->paths, e);
    broadcast_remove(rt, s, path);
    return true;
}

/* Resolution step two: the first mounted peer (in mount order) that has
 * `path` under its "/peers/<name>" prefix. */
static actor_id_t lookup_peers(svc_t *s, const char *path, size_t len)
{
    const svc_peer_t *best = NULL;
    actor_id_t best_id = ACTOR_ID_INVALID;
    char buf[NS_PATH_MAX + 1];
    for (size_t i = 0; i < SVC_MAX_PEERS; i++) {
        const svc_peer_t *p = &s->peers[i];
        if (!p->node)
            continue;
        int n = snprintf(buf, sizeof buf, NS_PEERS_PREFIX "%s%.*s", p->name, (int)len, path);
        if (n < 0 || (size_t)n >= sizeof buf)
            continue;
        const ns_table_entry_t *e = ns_table_find(&s->paths, buf, (size_t)n);
        if (e && (!best || p->seq < best->seq)) {
            best = p;
            best_id = e->id;
        }
    }
    return best_id;
}

static actor_id_t op_lookup(runtime_t *rt, void *ctx, const char *path)
{
    (void)rt;
    svc_t *s = ctx;
    size_t len = strnlen(path, NS_PATH_MAX + 1);
    ns_path_error_t err = ns_path_check(path, len, false);
    if (err != NS_PATH_OK) {
        path_fail("actor_lookup", path, len, err);
        return ACTOR_ID_INVALID;
    }
    const ns_table_entry_t *e = ns_table_find(&s->paths, path, len);
    if (e)
        return e->id;
    if (len > 6 && memcmp(path, "/node/", 6) == 0) {
        actor_id_t id = lookup_peers(s, path, len);
        if (id != ACTOR_ID_INVALID)
            return id;
        if (s->cloud != ACTOR_ID_INVALID)
            return s->cloud;
        mk_set_error("actor_lookup: no provider for %s: not registered locally, no mounted peer "
                     "has it, and no cloud provider is configured",
                     path);
        return ACTOR_ID_INVALID;
    }
    mk_set_error("actor_lookup: \"%s\" is not registered", path);
    return ACTOR_ID_INVALID;
}

static const mk_path_ops_t path_ops = {op_register, op_unregister, op_lookup};

/* An actor stopped: its local paths go, and peers are told. */
static void on_exit_hook(runtime_t *rt, void *ctx, actor_id_t id, int reason)
{
    (void)reason;
    svc_t *s = ctx;
    if (s->paths.count == 0 || actor_id_node(id) != rt->node_id)
        return;
    for (size_t i = 0; i < NS_MAX_PATHS; i++) {
        ns_table_entry_t *e = &s->paths.entries[i];
        if (e->path[0] && e->id == id && e->origin == rt->node_id) {
            char path[NS_PATH_MAX + 1];
            memcpy(path, e->path, (size_t)e->len + 1);
            ns_table_remove(&s->paths, e);
            broadcast_remove(rt, s, path);
        }
    }
    if (id == s->ns_actor)
        s->ns_actor = ACTOR_ID_INVALID;
}

bool ns_install(runtime_t *rt)
{
    if (!rt)
        return mk_fail("ns_install: runtime is NULL");
    svc_t *s = svc_get(rt);
    if (!s)
        return false;
    if (s->ns_installed)
        return true;
    if (!s->paths.entries && !ns_table_init(&s->paths))
        return false;
    if (!mk_runtime_on_exit(rt, on_exit_hook, s))
        return false;
    /* '/'-names registered before the namespace existed move over. */
    for (size_t i = 0; i < MK_MAX_NAMES; i++) {
        mk_name_t *n = &rt->names[i];
        if (n->name[0] != '/')
            continue;
        size_t len = strlen(n->name);
        if (ns_path_check(n->name, len, false) == NS_PATH_OK && !is_peers_path(n->name, len) &&
            ns_table_add(&s->paths, n->name, len, n->id, actor_id_node(n->id))) {
            char name[MK_NAME_MAX + 1];
            strcpy(name, n->name);
            mk_registry_unregister(rt, name, false);
        }
    }
    mk_runtime_set_path_ops(rt, &path_ops, s);
    s->ns_installed = true;
    return true;
}

/* ---- Listing ----------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
    const ns_table_entry_t *x = *(const ns_table_entry_t *const *)a;
    const ns_table_entry_t *y = *(const ns_table_entry_t *const *)b;
    return strcmp(x->path, y->path);
}

/* Fill `hits` with the entries under `prefix` (checked), return the count. */
static size_t collect(svc_t *s, const char *prefix, size_t plen, const ns_table_entry_t **hits)
{
    size_t n = 0;
    bool all = plen == 1;
    for (size_t i = 0; i < NS_MAX_PATHS; i++) {
        const ns_table_entry_t *e = &s->paths.entries[i];
        if (!e->path[0])
            continue;
        if (all || (e->len >= plen && memcmp(e->path, prefix, plen) == 0 &&
                    (e->len == plen || e->path[plen] == '/')))
            hits[n++] = e;
    }
    qsort(hits, n, sizeof *hits, cmp_entry);
    return n;
}

size_t ns_list(runtime_t *rt, const char *prefix, ns_entry_t *out, size_t max)
{
    svc_t *s = svc_peek(rt);
    if (!s || !s->ns_installed) {
        mk_set_error("ns_list: the namespace is not installed (call ns_install or services_start)");
        return 0;
    }
    if (!prefix)
        prefix = "/";
    size_t plen = strnlen(prefix, NS_PATH_MAX + 1);
    ns_path_error_t err = ns_path_check(prefix, plen, true);
    if (err != NS_PATH_OK) {
        path_fail("ns_list", prefix, plen, err);
        return 0;
    }
    const ns_table_entry_t **hits = malloc(NS_MAX_PATHS * sizeof *hits);
    if (!hits) {
        mk_set_error("ns_list: out of memory");
        return 0;
    }
    size_t n = collect(s, prefix, plen, hits);
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = (ns_entry_t){hits[i]->path, hits[i]->id, hits[i]->origin};
    free(hits);
    return n;
}

actor_id_t ns_lookup_exact(runtime_t *rt, const char *path)
{
    svc_t *s = svc_peek(rt);
    if (!s || !s->ns_installed) {
        mk_set_error("ns_lookup_exact: the namespace is not installed");
        return ACTOR_ID_INVALID;
    }
    size_t len = path ? strnlen(path, NS_PATH_MAX + 1) : 0;
    ns_path_error_t err = ns_path_check(path, len, false);
    if (err != NS_PATH_OK) {
        path_fail("ns_lookup_exact", path, len, err);
        return ACTOR_ID_INVALID;
    }
    const ns_table_entry_t *e = ns_table_find(&s->paths, path, len);
    if (!e) {
        mk_set_error("ns_lookup_exact: \"%s\" is not registered", path);
        return ACTOR_ID_INVALID;
    }
    return e->id;
}

bool ns_set_cloud_provider(runtime_t *rt, actor_id_t id)
{
    svc_t *s = svc_peek(rt);
    if (!s || !s->ns_installed)
        return mk_fail("ns_set_cloud_provider: the namespace is not installed");
    s->cloud = id;
    return true;
}

size_t ns_count(const runtime_t *rt)
{
    const svc_t *s = svc_peek(rt);
    return s && s->ns_installed ? s->paths.count : 0;
}

/* ---- Peers ------------------------------------------------------------- */

svc_peer_t *svc_peer_find(svc_t *s, node_id_t node)
{
    for (size_t i = 0; i < SVC_MAX_PEERS; i++)
        if (s->peers[i].node == node && node)
            return &s->peers[i];
    return NULL;
}

/* Remove every path learnt from `node`. */
static void drop_node_paths(svc_t *s, node_id_t node)
{
    for (size_t i = 0; i < NS_MAX_PATHS && s->paths.count; i++) {
        ns_table_entry_t *e = &s->paths.entries[i];
        if (e->path[0] && e->origin == node)
            ns_table_remove(&s->paths, e);
    }
}

void ns_peer_up(runtime_t *rt, svc_t *s, svc_peer_t *p)
{
    /* Full table: local paths plus the nodes we mounted (for auto-mount). */
    size_t cap = 64 + s->paths.count * (NS_PATH_MAX + 24) + SVC_MAX_PEERS * 160;
    char *buf = malloc(cap);
    if (!buf)
        return;
    size_t n = (size_t)snprintf(buf, cap, "node=%" PRIu32 "\nreset=1\n", rt->node_id);
    for (size_t i = 0; i < NS_MAX_PATHS; i++) {
        const ns_table_entry_t *e = &s->paths.entries[i];
        if (e->path[0] && e->origin == rt->node_id)
            n += (size_t)snprintf(buf + n, cap - n, "+%s 0x%016" PRIx64 "\n", e->path, e->id);
    }
    for (size_t i = 0; i < SVC_MAX_PEERS; i++) {
        const svc_peer_t *q = &s->peers[i];
        if (q->node && q != p && q->port)
            n += (size_t)snprintf(buf + n, cap - n, "peer=%" PRIu32 " %s %s:%u\n", q->node, q->name,
                                  q->host, q->port);
    }
    if (p->ns != ACTOR_ID_INVALID && !mk_send_from(rt, s->ns_actor, p->ns, MSG_NS_SYNC, buf, n))
        actor_log(rt, LOG_WARN, "ns: sending the path table to node %" PRIu32 " failed: %s",
                  p->node, mk_last_error());
    free(buf);
    /* Tell the other peers about the new one, so they can mount it too. */
    if (p->port) {
        char line[160];
        int ln = snprintf(line, sizeof line, "peer=%" PRIu32 " %s %s:%u\n", p->node, p->name,
                          p->host, p->port);
        for (size_t i = 0; i < SVC_MAX_PEERS; i++) {
            svc_peer_t *q = &s->peers[i];
            if (q->node && q != p && q->ns != ACTOR_ID_INVALID) {
                char msg[200];
                int ml = snprintf(msg, sizeof msg, "node=%" PRIu32 "\n%.*s", rt->node_id, ln, line);
                mk_send_from(rt, s->ns_actor, q->ns, MSG_NS_SYNC, msg, (size_t)ml);
            }
        }
    }
}

void ns_peer_down(runtime_t *rt, svc_t *s, node_id_t node)
{
    (void)rt;
    drop_node_paths(s, node);
    svc_peer_t *p = svc_peer_find(s, node);
    if (p)
        memset(p, 0, sizeof *p);
}

/* Apply one MSG_NS_SYNC from a mounted peer. */
static void apply_sync(runtime_t *rt, svc_t *s, const message_t *msg)
{
    size_t pos = 0;
    ns_sync_item_t it;
    const char *buf = msg->payload;
    ns_sync_next(buf, msg->payload_size, &pos, &it);
    if (it.kind != NS_SYNC_NODE) {
        actor_log(rt, LOG_WARN, "ns: sync from 0x%016" PRIx64 " ignored: %s", msg->source,
                  it.kind == NS_SYNC_ERROR ? it.error : "the first line is not node=<id>");
        return;
    }
    node_id_t node = it.node;
    svc_peer_t *p = svc_peer_find(s, node);
    if (!p || actor_id_node(msg->source) != node) {
        actor_log(rt, LOG_WARN, "ns: sync from node %" PRIu32 " ignored: not a mounted peer", node);
        return;
    }
    char full[NS_PATH_MAX + 1];
    for (;;) {
        ns_sync_next(buf, msg->payload_size, &pos, &it);
        if (it.kind == NS_SYNC_END)
            break;
        int n;
        ns_table_entry_t *e;
        switch (it.kind) {
        case NS_SYNC_RESET: drop_node_paths(s, node); break;
        case NS_SYNC_ADD:
        case NS_SYNC_REMOVE:
            n = snprintf(full, sizeof full, NS_PEERS_PREFIX "%s%.*s", p->name, (int)it.path_len,
                         it.path);
            if (n < 0 || (size_t)n >= sizeof full) {
                actor_log(rt, LOG_WARN, "ns: path %.*s of node %s is too long under /peers/",
                          (int)it.path_len, it.path, p->name);
                break;
            }
            e = ns_table_find(&s->paths, full, (size_t)n);
            if (it.kind == NS_SYNC_REMOVE) {
                if (e && e->origin == node)
                    ns_table_remove(&s->paths, e);
            } else if (actor_id_node(it.id) != node) {
                actor_log(rt, LOG_WARN, "ns: node %" PRIu32 " sent %s for a foreign actor", node,
                          full);
            } else if (e && e->origin == node) {
                e->id = it.id;
            } else if (!e && !ns_table_add(&s->paths, full, (size_t)n, it.id, node)) {
                actor_log(rt, LOG_WARN, "ns: %s", mk_last_error());
            }
            break;
        case NS_SYNC_PEER: mount_auto(rt, s, it.node, it.name, it.host, it.port); break;
        case NS_SYNC_ERROR:
            actor_log(rt, LOG_WARN, "ns: bad sync line from node %" PRIu32 ": %s", node, it.error);
            break;
        default: break;
        }
    }
}

static void reply_list(runtime_t *rt, svc_t *s, const message_t *msg)
{
    char prefix[NS_PATH_MAX + 2];
    size_t plen = msg->payload_size;
    while (plen > 0 && ((const char *)msg->payload)[plen - 1] == '\n')
        plen--;
    if (plen == 0) {
        strcpy(prefix, "/");
    } else if (plen > NS_PATH_MAX) {
        svc_reply_error(rt, msg->source, MSG_NS_ERROR, NULL, 0, "prefix %s",
                        ns_path_strerror(NS_PATH_TOO_LONG));
        return;
    } else {
        memcpy(prefix, msg->payload, plen);
        prefix[plen] = '\0';
    }
    ns_path_error_t err = ns_path_check(prefix, strlen(prefix), true);
    if (err != NS_PATH_OK) {
        svc_reply_error(rt, msg->source, MSG_NS_ERROR, NULL, 0, "prefix \"%s\" %s", prefix,
                        ns_path_strerror(err));
        return;
    }
    const ns_table_entry_t **hits = malloc(NS_MAX_PATHS * sizeof *hits);
    char *out = NULL;
    size_t n = hits ? collect(s, prefix, strlen(prefix), hits) : 0;
    size_t cap = n * (NS_PATH_MAX + 40) + 1, used = 0;
    if (hits && (out = malloc(cap)) != NULL) {
        for (size_t i = 0; i < n; i++)
            used += (size_t)snprintf(out + used, cap - used, "%s %" PRIu32 " 0x%016" PRIx64 "\n",
                                     hits[i]->path, hits[i]->origin, hits[i]->id);
        actor_send(rt, msg->source, MSG_NS_LIST_REPLY, out, used);
    } else {
        svc_reply_error(rt, msg->source, MSG_NS_ERROR, NULL, 0, "out of memory");
    }
    free(out);
    free(hits);
}

static bool ns_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    svc_t *s = state;
    switch (msg->type) {
    case MSG_NS_LIST: reply_list(rt, s, msg); break;
    case MSG_NS_SYNC: apply_sync(rt, s, msg); break;
    default:
        if (msg->type < MSG_SYSTEM_BASE)
            svc_reply_error(rt, msg->source, MSG_NS_ERROR, NULL, 0,
                            "ns does not handle message type 0x%08" PRIx32, msg->type);
        break;
    }
    return true;
}

bool ns_spawn(runtime_t *rt, svc_t *s)
{
    actor_id_t id = actor_spawn(rt, ns_behavior, s, NULL, 64);
    if (id == ACTOR_ID_INVALID)
        return false;
    mk_actor_set_system(rt, id, true);
    s->ns_actor = id;
    if (!actor_register_name(rt, "ns", id) || !actor_register_name(rt, "/sys/ns", id)) {
        actor_stop(rt, id);
        s->ns_actor = ACTOR_ID_INVALID;
        return false;
    }
    return true;
}
