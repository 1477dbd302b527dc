/*
 * namespace.c -- the hierarchical namespace (namespace.h): the path
 * operations the core registry hands '/'-names to, the mount table, the
 * `ns` actor and its binary MSG_NS_* protocol, path sync with peers
 * (MSG_PATH_REGISTER / _UNREGISTER broadcast out, ns_control_in in,
 * ns_sync_to_transport on mount) with per-peer quotas, and cleanup when a
 * peer's node goes down.
 *
 * Source: ../shared/compat/wire-and-mount.md §3.3, §4.4, §5 (the original's
 * protocol, matched byte for byte); issue 13 (quotas, own-node rule,
 * cleanup). Runs on the runtime's thread; lookups allocate nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "microkernel/actor.h"
#include "microkernel/nats.h"
#include "microkernel/node.h"
#include "microkernel/supervision.h"
#include "net/net_internal.h"
#include "services/ns_sync.h"
#include "services/svc_internal.h"

/* The services state when the namespace is installed, else NULL. */
svc_t *ns_state(const runtime_t *rt)
{
    svc_t *s = svc_peek(rt);
    return s && s->ns_installed ? s : NULL;
}

/* Record why `path` was refused, for function `fn`. */
static bool path_fail(const char *fn, const char *path, size_t len, ns_path_error_t err)
{
    return mk_fail("%s: path \"%.*s\" %s", fn, (int)(len > 64 ? 64 : len), path ? path : "",
                   ns_path_strerror(err));
}

/* Tell every peer about a path change (compat §3.3), when a broadcaster is
 * installed. Only paths of this node's actors travel: peers refuse others. */
static void broadcast_path(runtime_t *rt, svc_t *s, msg_type_t type, const char *path,
                           actor_id_t id)
{
    if (!s->broadcast || actor_id_node(id) != runtime_node_id(rt))
        return;
    path_register_payload_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.path, sizeof p.path, "%s", path);
    p.actor_id = id;
    size_t n = type == MSG_PATH_REGISTER ? sizeof p : sizeof(path_unregister_payload_t);
    if (!s->broadcast(rt, type, &p, n))
        mk_log_limited(rt, &s->lim_broadcast, LOG_WARN, "ns: broadcast of %s failed: %s", path,
                       mk_last_error());
}

/* Paths planted by `node` (all peers when node is 0). */
static size_t planted(const svc_t *s, node_id_t local, node_id_t node)
{
    size_t n = 0;
    for (size_t i = 0; i < NS_MAX_PATHS && n < s->paths.count; i++) {
        const ns_table_entry_t *e = &s->paths.entries[i];
        if (e->path[0] && e->origin != local && (node == 0 || e->origin == node))
            n++;
    }
    return n;
}

/* Add a path planted by peer `node` (MSG_PATH_REGISTER, or MSG_NS_REGISTER
 * from one of its actors). Returns NS_*; *why says why it was refused. */
static int peer_add_path(runtime_t *rt, svc_t *s, node_id_t node, const char *path, size_t len,
                         actor_id_t id, const char **why)
{
    *why = NULL;
    if (actor_id_node(id) != node) {
        *why = "the actor is not on the sending node";
        return NS_EINVAL;
    }
    ns_table_entry_t *e = ns_table_find(&s->paths, path, len);
    if (e) {
        if (e->origin != node)
            return NS_EEXIST; /* local (or another peer's) entry wins, quietly */
        e->id = id;
        return NS_OK;
    }
    if (planted(s, runtime_node_id(rt), node) >= s->quota_peer) {
        *why = "the node's path quota is used up";
        return NS_EFULL;
    }
    if (planted(s, runtime_node_id(rt), 0) >= s->quota_all) {
        *why = "the quota of all peers' paths is used up";
        return NS_EFULL;
    }
    if (!ns_table_add(&s->paths, path, len, id, node)) {
        *why = "the path table is full";
        return NS_EFULL;
    }
    return NS_OK;
}

/* Add a local path: a path a peer planted gives way (local wins). */
static int local_add_path(runtime_t *rt, svc_t *s, const char *path, size_t len, actor_id_t id)
{
    ns_table_entry_t *e = ns_table_find(&s->paths, path, len);
    if (e && e->origin != runtime_node_id(rt))
        ns_table_remove(&s->paths, e);
    else if (e)
        return NS_EEXIST;
    return ns_table_add(&s->paths, path, len, id, runtime_node_id(rt)) ? NS_OK : NS_EFULL;
}

/* ---- Mount table --------------------------------------------------------- */

/* The target of the longest mount point that is a prefix of `path` at a
 * component boundary, or ACTOR_ID_INVALID. */
static actor_id_t mount_match(const svc_t *s, const char *path, size_t len)
{
    const ns_mount_entry_t *best = NULL;
    for (size_t i = 0; i < NS_MAX_MOUNTS; i++) {
        const ns_mount_entry_t *m = &s->mounts[i];
        if (m->point[0] && m->len <= len && memcmp(m->point, path, m->len) == 0 &&
            (len == m->len || path[m->len] == '/') && (!best || m->len > best->len))
            best = m;
    }
    return best ? best->target : ACTOR_ID_INVALID;
}

/* Add mount r->path -> r->id for node `origin` (quota-checked for peers); NS_OK or NS_E*. */
static int mount_add(runtime_t *rt, svc_t *s, const ns_req_t *r, node_id_t origin)
{
    bool remote = origin != runtime_node_id(rt);
    if (remote && actor_id_node(r->id) != origin)
        return NS_EINVAL;
    size_t mine = 0, remote_all = 0;
    ns_mount_entry_t *free_slot = NULL;
    for (size_t i = 0; i < NS_MAX_MOUNTS; i++) {
        ns_mount_entry_t *m = &s->mounts[i];
        if (!m->point[0]) {
            free_slot = free_slot ? free_slot : m;
            continue;
        }
        if (strcmp(m->point, r->path) == 0)
            return NS_EEXIST;
        mine += m->origin == origin;
        remote_all += m->origin != runtime_node_id(rt);
    }
    if (!free_slot || (remote && (mine >= s->quota_mounts || remote_all >= NS_MAX_MOUNTS / 2)))
        return NS_EFULL;
    memcpy(free_slot->point, r->path, r->path_len + 1);
    free_slot->len = r->path_len;
    free_slot->target = r->id;
    free_slot->origin = origin;
    return NS_OK;
}

/* Remove mount `point` (a peer only its own); NS_OK or NS_ENOENT. */
static int mount_remove(runtime_t *rt, svc_t *s, const char *point, node_id_t origin)
{
    for (size_t i = 0; i < NS_MAX_MOUNTS; i++) {
        ns_mount_entry_t *m = &s->mounts[i];
        if (m->point[0] && strcmp(m->point, point) == 0 &&
            (origin == runtime_node_id(rt) || m->origin == origin)) {
            memset(m, 0, sizeof *m);
            return NS_OK;
        }
    }
    return NS_ENOENT;
}

/* ---- Path operations (called by the core registry) ------------------- */

/* mk_path_ops_t.reg: register path -> id in the namespace; false with a reason. */
static bool op_register(runtime_t *rt, void *ctx, const char *path, actor_id_t id)
{
    svc_t *s = ctx;
    size_t len = strnlen(path, NS_PATH_MAX);
    ns_path_error_t err = ns_path_check(path, len, false);
    if (err != NS_PATH_OK)
        return path_fail("actor_register_name", path, len, err);
    if (id == ACTOR_ID_INVALID)
        return mk_fail("actor_register_name: actor ID is ACTOR_ID_INVALID");
    if (actor_id_node(id) == runtime_node_id(rt) && !mk_actor_find(rt, id))
        return mk_fail("actor_register_name: no live actor 0x%016" PRIx64, id);
    int rc = local_add_path(rt, s, path, len, id);
    if (rc == NS_EEXIST) {
        const ns_table_entry_t *e = ns_table_find(&s->paths, path, len);
        return mk_fail("actor_register_name: \"%s\" is already registered to actor 0x%016" PRIx64,
                       path, e ? e->id : 0);
    }
    if (rc != NS_OK)
        return mk_fail("actor_register_name: all %d paths are in use", NS_MAX_PATHS);
    broadcast_path(rt, s, MSG_PATH_REGISTER, path, id);
    return true;
}

/* mk_path_ops_t.unreg: remove a path this node registered; false with a reason. */
static bool op_unregister(runtime_t *rt, void *ctx, const char *path)
{
    svc_t *s = ctx;
    size_t len = strnlen(path, NS_PATH_MAX);
    ns_path_error_t err = ns_path_check(path, len, false);
    if (err != NS_PATH_OK)
        return path_fail("actor_unregister_name", path, len, err);
    ns_table_entry_t *e = ns_table_find(&s->paths, path, len);
    if (!e)
        return mk_fail("actor_unregister_name: \"%s\" is not registered", path);
    if (e->origin != runtime_node_id(rt))
        return mk_fail("actor_unregister_name: \"%s\" belongs to node %" PRIu32
                       " and goes away with it",
                       path, e->origin);
    actor_id_t id = e->id;
    ns_table_remove(&s->paths, e);
    broadcast_path(rt, s, MSG_PATH_UNREGISTER, path, id);
    return true;
}

/* The short service paths the cloud provider serves when nobody else does
 * (compat/cloud.md 1.3): the resolution order's floor, local > mounted
 * peer > cloud. Other /node/ paths never fall back to the cloud. */
static bool cloud_service_path(const char *path)
{
    static const char *const paths[] = {"/node/storage/kv", "/node/storage/db",
                                        "/node/queue/default", "/node/ai/infer", "/node/ai/embed"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (strcmp(path, paths[i]) == 0)
            return true;
    return false;
}

static actor_id_t op_lookup(runtime_t *rt, void *ctx, const char *path)
{
    svc_t *s = ctx;
    size_t len = strnlen(path, NS_PATH_MAX);
    ns_path_error_t err = ns_path_check(path, len, false);
    if (err != NS_PATH_OK) {
        path_fail("actor_lookup", path, len, err);
        return ACTOR_ID_INVALID;
    }
    actor_id_t id = ns_lookup_path(rt, path);
    if (id != ACTOR_ID_INVALID)
        return id;
    /* Resolution order: local > mounted peer (both in the table) > NATS >
     * cloud (docs/scale-out.md, "Paths through the namespace"). */
    char nats_why[200] = "";
    if (mk_nats_attached(rt)) {
        if ((id = mk_nats_resolve_path(rt, path)) != ACTOR_ID_INVALID)
            return id;
        const char *why = mk_last_error();
        const char *colon = strstr(why, ": ");
        snprintf(nats_why, sizeof nats_why, " (NATS: %s)", colon ? colon + 2 : why);
    }
    if (cloud_service_path(path)) {
        if (s->cloud != ACTOR_ID_INVALID && !mk_actor_find(rt, s->cloud))
            s->cloud = ACTOR_ID_INVALID; /* the proxy stopped: no stale provider */
        if (s->cloud != ACTOR_ID_INVALID)
            return s->cloud;
        mk_set_error("actor_lookup: no provider for %s: not registered on this node or by a "
                     "mounted peer, and no cloud provider is configured%s",
                     path, nats_why);
        return ACTOR_ID_INVALID;
    }
    mk_set_error("actor_lookup: \"%s\" is not registered%s", path, nats_why);
    return ACTOR_ID_INVALID;
}

static const mk_path_ops_t path_ops = {op_register, op_unregister, op_lookup};

/* An actor stopped: its paths go, and peers are told. */
static void on_exit_hook(runtime_t *rt, void *ctx, actor_id_t id, int reason)
{
    (void)reason;
    svc_t *s = ctx;
    if (actor_id_node(id) != runtime_node_id(rt))
        return;
    if (s->paths.count)
        ns_deregister_actor_paths(rt, id);
    if (id == s->ns_actor)
        s->ns_actor = ACTOR_ID_INVALID;
    if (id == s->caps_actor)
        s->caps_actor = ACTOR_ID_INVALID;
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
    s->quota_peer = NS_PEER_PATHS_MAX;
    s->quota_all = NS_REMOTE_PATHS_MAX;
    s->quota_mounts = NS_PEER_MOUNTS_MAX;
    /* '/'-names registered before the namespace existed move over. */
    for (size_t i = 0; i < MK_MAX_NAMES; i++) {
        const mk_name_t *n = mk_registry_slot(rt, i);
        if (n->name[0] != '/')
            continue;
        size_t len = strlen(n->name);
        if (ns_path_check(n->name, len, false) == NS_PATH_OK &&
            ns_table_add(&s->paths, n->name, len, n->id, runtime_node_id(rt))) {
            char name[MK_NAME_MAX + 1];
            strcpy(name, n->name);
            mk_registry_unregister(rt, name, false);
        }
    }
    mk_runtime_set_path_ops(rt, &path_ops, s);
    s->ns_installed = true;
    /* Path sync over node links (compat §3.3, §4.4): registry frames from
     * links come here, local path changes go out on every link. Whichever
     * way the node boots (services_start, or ns_actor_init as the original). */
    mk_net_set_control_handler(rt, ns_control_in, NULL);
    s->broadcast = mk_net_broadcast_control;
    return true;
}

bool ns_set_peer_quota(runtime_t *rt, size_t per_peer, size_t all_peers, size_t mounts_per_peer)
{
    svc_t *s = ns_state(rt);
    if (!s)
        return mk_fail("ns_set_peer_quota: the namespace is not installed");
    if (all_peers > NS_MAX_PATHS)
        return mk_fail("ns_set_peer_quota: %zu paths for all peers is more than the table (%d)",
                       all_peers, NS_MAX_PATHS);
    s->quota_peer = per_peer;
    s->quota_all = all_peers;
    s->quota_mounts = mounts_per_peer;
    return true;
}

bool ns_set_broadcast(runtime_t *rt, ns_broadcast_fn fn)
{
    svc_t *s = ns_state(rt);
    if (!s)
        return mk_fail("ns_set_broadcast: the namespace is not installed");
    s->broadcast = fn;
    return true;
}

/* ---- The original's path functions (compat §5.5) -------------------------- */

int ns_register_path(runtime_t *rt, const char *path, actor_id_t id)
{
    svc_t *s = ns_state(rt);
    if (!s || !path) {
        mk_set_error("ns_register_path: %s", s ? "path is NULL" : "the namespace is not installed");
        return NS_EINVAL;
    }
    size_t len = strnlen(path, NS_PATH_MAX);
    ns_path_error_t err = ns_path_check(path, len, false);
    if (err != NS_PATH_OK) {
        path_fail("ns_register_path", path, len, err);
        return NS_EINVAL;
    }
    int rc = local_add_path(rt, s, path, len, id);
    if (rc != NS_OK)
        mk_set_error("ns_register_path: \"%s\" %s", path,
                     rc == NS_EEXIST ? "is already registered" : "does not fit: the table is full");
    return rc;
}

actor_id_t ns_lookup_path(runtime_t *rt, const char *path)
{
    svc_t *s = ns_state(rt);
    if (!s || !path)
        return ACTOR_ID_INVALID;
    size_t len = strnlen(path, NS_PATH_MAX);
    if (len >= NS_PATH_MAX)
        return ACTOR_ID_INVALID;
    actor_id_t id = mount_match(s, path, len);
    if (id != ACTOR_ID_INVALID)
        return id;
    const ns_table_entry_t *e = ns_table_find(&s->paths, path, len);
    return e ? e->id : ACTOR_ID_INVALID;
}

void ns_deregister_actor_paths(runtime_t *rt, actor_id_t id)
{
    svc_t *s = ns_state(rt);
    if (!s || id == ACTOR_ID_INVALID)
        return;
    for (size_t i = 0; i < NS_MAX_PATHS && s->paths.count; i++) {
        ns_table_entry_t *e = &s->paths.entries[i];
        if (!e->path[0] || e->id != id)
            continue;
        char path[NS_PATH_MAX];
        memcpy(path, e->path, (size_t)e->len + 1);
        bool mine = e->origin == runtime_node_id(rt);
        if (mine)
            broadcast_path(rt, s, MSG_PATH_UNREGISTER, path, id);
        /* The broadcast may not touch the table; find the entry again. */
        e = ns_table_find(&s->paths, path, strlen(path));
        if (e)
            ns_table_remove(&s->paths, e);
    }
}

size_t ns_reverse_lookup_path(runtime_t *rt, actor_id_t id, char *buf, size_t buf_size)
{
    svc_t *s = ns_state(rt);
    if (!s || !buf || buf_size == 0)
        return 0;
    for (size_t i = 0; i < NS_MAX_PATHS; i++) {
        const ns_table_entry_t *e = &s->paths.entries[i];
        if (e->path[0] && e->id == id) {
            size_t n = e->len < buf_size - 1 ? e->len : buf_size - 1;
            memcpy(buf, e->path, n);
            buf[n] = '\0';
            return n;
        }
    }
    buf[0] = '\0';
    return 0;
}

size_t ns_reverse_lookup_all_paths(runtime_t *rt, actor_id_t id, char *buf, size_t buf_size,
                                   size_t *offset)
{
    svc_t *s = ns_state(rt);
    if (!s || !buf || !offset || buf_size == 0 || *offset >= buf_size)
        return 0;
    size_t added = 0;
    for (size_t i = 0; i < NS_MAX_PATHS; i++) {
        const ns_table_entry_t *e = &s->paths.entries[i];
        if (!e->path[0] || e->id != id)
            continue;
        size_t sep = *offset > 0 ? 2 : 0;
        if (*offset + sep + e->len + 1 > buf_size)
            continue;
        memcpy(buf + *offset, ", ", sep);
        memcpy(buf + *offset + sep, e->path, e->len);
        *offset += sep + e->len;
        added++;
    }
    buf[*offset] = '\0';
    return added;
}

/* Append "<key>=<id>\n" to out[*used..cap) if it fits with room for a NUL;
 * a line that does not fit is skipped (compat §5.4). */
static void list_line(char *out, size_t cap, size_t *used, const char *key, actor_id_t id)
{
    char line[NS_PATH_MAX + 32];
    int n = snprintf(line, sizeof line, "%s=%" PRIu64 "\n", key, id);
    if (n > 0 && (size_t)n < cap - *used) {
        memcpy(out + *used, line, (size_t)n);
        *used += (size_t)n;
        out[*used] = '\0';
    }
}

/* The list text of compat §5.4 into out (cap bytes, cap > 0). */
static size_t list_text(runtime_t *rt, svc_t *s, const char *prefix, bool names, char *out,
                        size_t cap)
{
    size_t used = 0, plen = prefix ? strlen(prefix) : 0;
    out[0] = '\0';
    for (size_t i = 0; i < NS_MAX_PATHS; i++) {
        const ns_table_entry_t *e = &s->paths.entries[i];
        if (e->path[0] && e->len >= plen && memcmp(e->path, prefix, plen) == 0)
            list_line(out, cap, &used, e->path, e->id);
    }
    for (size_t i = 0; names && plen == 0 && i < MK_MAX_NAMES; i++) {
        const mk_name_t *e = mk_registry_slot(rt, i);
        if (e->name[0])
            list_line(out, cap, &used, e->name, e->id);
    }
    return used;
}

size_t ns_list_paths(runtime_t *rt, const char *prefix, char *buf, size_t buf_size)
{
    svc_t *s = ns_state(rt);
    if (!buf || buf_size == 0)
        return 0;
    buf[0] = '\0';
    return s ? list_text(rt, s, prefix ? prefix : "", false, buf, buf_size) : 0;
}

void ns_remove_path(runtime_t *rt, const char *path)
{
    svc_t *s = ns_state(rt);
    if (!s || !path)
        return;
    ns_table_entry_t *e = ns_table_find(&s->paths, path, strnlen(path, NS_PATH_MAX));
    if (e)
        ns_table_remove(&s->paths, e);
}

/* ---- Path sync (compat §3.3, §4.4) --------------------------------------- */

void ns_sync_to_transport(runtime_t *rt, struct transport *tp)
{
    if (!rt || !tp || !tp->send)
        return;
    message_t m = {0};
    for (size_t i = 0; i < MK_MAX_NAMES; i++) {
        const mk_name_t *e = mk_registry_slot(rt, i);
        if (!e->name[0] || actor_id_node(e->id) != runtime_node_id(rt))
            continue;
        name_register_payload_t p;
        memset(&p, 0, sizeof p);
        snprintf(p.name, sizeof p.name, "%s", e->name);
        p.actor_id = e->id;
        m.type = MSG_NAME_REGISTER;
        m.payload = &p;
        m.payload_size = sizeof p;
        if (!tp->send(tp, &m))
            return;
    }
    svc_t *s = ns_state(rt);
    for (size_t i = 0; s && i < NS_MAX_PATHS; i++) {
        const ns_table_entry_t *e = &s->paths.entries[i];
        if (!e->path[0] || actor_id_node(e->id) != runtime_node_id(rt))
            continue;
        path_register_payload_t p;
        memset(&p, 0, sizeof p);
        memcpy(p.path, e->path, e->len);
        p.actor_id = e->id;
        m.type = MSG_PATH_REGISTER;
        m.payload = &p;
        m.payload_size = sizeof p;
        if (!tp->send(tp, &m))
            return;
    }
}

bool ns_control_in(runtime_t *rt, node_id_t peer, const message_t *m, void *ctx)
{
    (void)ctx;
    if (!rt || !m || (m->type != MSG_PATH_REGISTER && m->type != MSG_PATH_UNREGISTER))
        return false;
    svc_t *s = ns_state(rt);
    if (!s)
        return true;
    ns_req_t r;
    if (ns_req_parse(m->type, m->payload, m->payload_size, &r) != NS_OK) {
        mk_log_limited(rt, &s->lim_malformed, LOG_WARN,
                       "ns: malformed path %s from node %" PRIu32 " (%zu bytes) ignored",
                       m->type == MSG_PATH_REGISTER ? "register" : "unregister", peer,
                       m->payload_size);
        return true;
    }
    if (m->type == MSG_PATH_UNREGISTER) {
        ns_table_entry_t *e = ns_table_find(&s->paths, r.path, r.path_len);
        if (e && e->origin == peer && peer != runtime_node_id(rt))
            ns_table_remove(&s->paths, e);
        return true;
    }
    const char *why = NULL;
    if (peer == runtime_node_id(rt))
        why = "the peer claims this node's id";
    else
        peer_add_path(rt, s, peer, r.path, r.path_len, r.id, &why);
    if (why)
        mk_log_limited(rt, &s->lim_refused, LOG_WARN,
                       "ns: path %s -> 0x%016" PRIx64 " from node %" PRIu32 " refused: %s", r.path,
                       r.id, peer, why);
    return true;
}

/* ---- Peers ------------------------------------------------------------- */

svc_peer_t *svc_peer_find(svc_t *s, node_id_t node)
{
    for (size_t i = 0; i < SVC_MAX_PEERS; i++)
        if (s->peers[i].node == node && node)
            return &s->peers[i];
    return NULL;
}

/* Remove every path and mount point `node` planted. */
static void drop_node(runtime_t *rt, svc_t *s, node_id_t node)
{
    if (node == runtime_node_id(rt))
        return;
    for (size_t i = 0; i < NS_MAX_PATHS && s->paths.count; i++) {
        ns_table_entry_t *e = &s->paths.entries[i];
        if (e->path[0] && e->origin == node)
            ns_table_remove(&s->paths, e);
    }
    for (size_t i = 0; i < NS_MAX_MOUNTS; i++)
        if (s->mounts[i].point[0] && s->mounts[i].origin == node)
            memset(&s->mounts[i], 0, sizeof s->mounts[i]);
}

void ns_peer_down(runtime_t *rt, svc_t *s, node_id_t node)
{
    drop_node(rt, s, node);
    svc_peer_t *p = svc_peer_find(s, node);
    if (p)
        memset(p, 0, sizeof *p);
}

/* ---- The ns actor (compat §5.4) ------------------------------------------ */

static void reply(runtime_t *rt, const message_t *msg, int status, actor_id_t id)
{
    ns_reply_t r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.actor_id = id;
    if (msg->source != ACTOR_ID_INVALID)
        actor_send(rt, msg->source, MSG_NS_REPLY, &r, sizeof r);
}

/* MSG_NS_REGISTER from a local actor or a peer: add the path or mount; replies with the code. */
static void handle_register(runtime_t *rt, svc_t *s, const message_t *msg, const ns_req_t *r)
{
    node_id_t from = actor_id_node(msg->source);
    bool remote = msg->source != ACTOR_ID_INVALID && from != runtime_node_id(rt);
    int rc;
    if (r->path[0] == '/') {
        const char *why = NULL;
        rc = remote ? peer_add_path(rt, s, from, r->path, r->path_len, r->id, &why)
                    : local_add_path(rt, s, r->path, r->path_len, r->id);
        if (why)
            mk_log_limited(rt, &s->lim_refused, LOG_WARN,
                           "ns: MSG_NS_REGISTER of %s from 0x%016" PRIx64 " refused: %s", r->path,
                           msg->source, why);
    } else if (remote) {
        rc = NS_EINVAL; /* flat names come from peers by registry sync only */
    } else {
        rc = actor_register_name(rt, r->path, r->id) ? NS_OK : NS_EEXIST;
    }
    reply(rt, msg, rc, r->id);
}

/* MSG_NS_LOOKUP: a path or flat name to an ID; replies NS_OK with it or NS_ENOENT. */
static void handle_lookup(runtime_t *rt, const message_t *msg, const ns_req_t *r)
{
    actor_id_t id = ACTOR_ID_INVALID;
    if (r->path[0] == '/') {
        id = ns_lookup_path(rt, r->path);
    } else if (r->path_len > 0) {
        for (size_t i = 0; i < MK_MAX_NAMES && id == ACTOR_ID_INVALID; i++) {
            const mk_name_t *e = mk_registry_slot(rt, i);
            if (e->name[0] && strcmp(e->name, r->path) == 0)
                id = e->id;
        }
    }
    reply(rt, msg, id != ACTOR_ID_INVALID ? NS_OK : NS_ENOENT, id);
}

static void handle_list(runtime_t *rt, svc_t *s, const message_t *msg, const ns_req_t *r)
{
    ns_reply_t out;
    memset(&out, 0, sizeof out);
    out.status = NS_OK;
    out.data_len = (uint32_t)list_text(rt, s, r->path, true, out.data, sizeof out.data);
    if (msg->source != ACTOR_ID_INVALID)
        actor_send(rt, msg->source, MSG_NS_REPLY, &out, sizeof out);
}

/* The namespace actor ('ns'): requests, peer syncs and child exits; always keeps running. */
static bool ns_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    svc_t *s = state;
    bool local_source =
        msg->source == ACTOR_ID_INVALID || actor_id_node(msg->source) == runtime_node_id(rt);
    if (msg->type == MSG_CHILD_EXIT) {
        child_exit_payload_t p;
        if (local_source && msg->payload && msg->payload_size >= sizeof p) {
            memcpy(&p, msg->payload, sizeof p);
            ns_deregister_actor_paths(rt, p.child_id);
        }
        return true;
    }
    if (msg->type == MSG_NODE_DOWN) {
        node_event_payload_t ev;
        if (msg->source == ACTOR_ID_INVALID && msg->payload && msg->payload_size == sizeof ev) {
            memcpy(&ev, msg->payload, sizeof ev);
            drop_node(rt, s, ev.node);
        }
        return true;
    }
    if (msg->type < MSG_NS_REGISTER || msg->type > MSG_NS_UMOUNT)
        return true; /* MSG_NS_REPLY, MSG_NS_NOTIFY and anything else: ignored */
    ns_req_t r;
    if (ns_req_parse(msg->type, msg->payload, msg->payload_size, &r) != NS_OK) {
        reply(rt, msg, NS_EINVAL, ACTOR_ID_INVALID);
        return true;
    }
    node_id_t from = local_source ? runtime_node_id(rt) : actor_id_node(msg->source);
    switch (msg->type) {
    case MSG_NS_REGISTER: handle_register(rt, s, msg, &r); break;
    case MSG_NS_LOOKUP: handle_lookup(rt, msg, &r); break;
    case MSG_NS_LIST: handle_list(rt, s, msg, &r); break;
    case MSG_NS_MOUNT: reply(rt, msg, mount_add(rt, s, &r, from), ACTOR_ID_INVALID); break;
    default: reply(rt, msg, mount_remove(rt, s, r.path, from), ACTOR_ID_INVALID); break;
    }
    return true;
}

actor_id_t ns_actor_init(runtime_t *rt)
{
    if (!ns_install(rt))
        return ACTOR_ID_INVALID;
    svc_t *s = svc_get(rt);
    if (s->ns_actor != ACTOR_ID_INVALID) {
        mk_set_error("ns_actor_init: the namespace actor already runs (0x%016" PRIx64 ")",
                     s->ns_actor);
        return ACTOR_ID_INVALID;
    }
    actor_id_t id = actor_spawn(rt, ns_behavior, s, NULL, 64);
    if (id == ACTOR_ID_INVALID)
        return ACTOR_ID_INVALID;
    mk_actor_set_system(rt, id, true);
    s->ns_actor = id;
    char node_path[NS_PATH_MAX];
    snprintf(node_path, sizeof node_path, "/node/%s", s->info.name);
    char why[256] = "";
    if (ns_register_path(rt, node_path, id) != NS_OK ||
        ns_register_path(rt, "/sys/ns", id) != NS_OK || !actor_register_name(rt, "ns", id) ||
        !node_monitor(rt, id)) {
        snprintf(why, sizeof why, "ns_actor_init: %s", mk_last_error());
        actor_stop(rt, id);
        s->ns_actor = ACTOR_ID_INVALID;
        mk_set_error("%s", why);
        return ACTOR_ID_INVALID;
    }
    return id;
}

bool ns_spawn(runtime_t *rt, svc_t *s)
{
    (void)s;
    return ns_actor_init(rt) != ACTOR_ID_INVALID;
}

/* ---- Extensions: sorted listing, exact lookup, cloud, count ------------- */

static int cmp_entry(const void *a, const void *b)
{
    const ns_table_entry_t *x = *(const ns_table_entry_t *const *)a;
    const ns_table_entry_t *y = *(const ns_table_entry_t *const *)b;
    return strcmp(x->path, y->path);
}

size_t ns_list(runtime_t *rt, const char *prefix, ns_entry_t *out, size_t max)
{
    svc_t *s = ns_state(rt);
    if (!s) {
        mk_set_error("ns_list: the namespace is not installed (call ns_install or services_start)");
        return 0;
    }
    if (!prefix)
        prefix = "/";
    size_t plen = strnlen(prefix, NS_PATH_MAX);
    ns_path_error_t err = ns_path_check(prefix, plen, true);
    if (err != NS_PATH_OK) {
        path_fail("ns_list", prefix, plen, err);
        return 0;
    }
    const ns_table_entry_t **hits = mk_malloc(NS_MAX_PATHS * sizeof *hits);
    if (!hits) {
        mk_set_error("ns_list: out of memory");
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < NS_MAX_PATHS; i++) {
        const ns_table_entry_t *e = &s->paths.entries[i];
        if (e->path[0] && (plen == 1 || (e->len >= plen && memcmp(e->path, prefix, plen) == 0 &&
                                         (e->len == plen || e->path[plen] == '/'))))
            hits[n++] = e;
    }
    qsort(hits, n, sizeof *hits, cmp_entry);
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = (ns_entry_t){hits[i]->path, hits[i]->id, hits[i]->origin};
    mk_free(hits);
    return n;
}

actor_id_t ns_lookup_exact(runtime_t *rt, const char *path)
{
    svc_t *s = ns_state(rt);
    if (!s) {
        mk_set_error("ns_lookup_exact: the namespace is not installed");
        return ACTOR_ID_INVALID;
    }
    size_t len = path ? strnlen(path, NS_PATH_MAX) : 0;
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
    svc_t *s = ns_state(rt);
    if (!s)
        return mk_fail("ns_set_cloud_provider: the namespace is not installed");
    s->cloud = id;
    return true;
}

ns_backend_t ns_path_backend(runtime_t *rt, const char *path, actor_id_t *id)
{
    actor_id_t got = ACTOR_ID_INVALID;
    ns_backend_t b = NS_BACKEND_NONE;
    svc_t *s = rt ? ns_state(rt) : NULL;
    if (!s) {
        mk_set_error("ns_path_backend: the namespace is not installed");
    } else if (!path || path[0] != '/') {
        mk_set_error("ns_path_backend: \"%s\" is not a path", path ? path : "(null)");
    } else if ((got = actor_lookup(rt, path)) != ACTOR_ID_INVALID) {
        /* actor_lookup() tried the table, then NATS, then the cloud: see
         * which one answered. */
        if (ns_lookup_path(rt, path) == got)
            b = actor_id_node(got) == runtime_node_id(rt) ? NS_BACKEND_LOCAL : NS_BACKEND_PEER;
        else if (got == s->cloud)
            b = NS_BACKEND_CLOUD;
        else
            b = NS_BACKEND_NATS;
    }
    if (id)
        *id = got;
    return b;
}

const char *ns_backend_name(ns_backend_t b)
{
    static const char *const names[] = {"none", "local", "peer", "nats", "cloud"};
    return (unsigned)b < sizeof names / sizeof names[0] ? names[b] : "?";
}

size_t ns_count(const runtime_t *rt)
{
    const svc_t *s = ns_state(rt);
    return s ? s->paths.count : 0;
}
