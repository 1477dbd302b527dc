/*
 * nats_registry.c -- the cluster-wide name registry in the JetStream KV
 * bucket "mk-names" (issue 21 item 3, docs/scale-out.md "Registry"):
 * atomic create-if-absent registration, a heartbeat that refreshes this
 * node's entries every ttl/3 so a dead node's entries expire after the
 * bucket TTL, and a lookup cache invalidated through the keys' subjects.
 * Runs on the runtime's thread; KV calls block it for one JetStream round
 * trip (jsOptions.Wait, 2 s) -- registration, misses and heartbeats only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "net/nats/nats_internal.h"
#include "net/nats/nats_subject.h"
#include "platform/clock.h"

#define KV_WAIT_MS 2000 /* JetStream API timeout */

static const char *js_why(natsStatus s)
{
    const char *last = nats_GetLastError(NULL);
    return last && *last ? last : natsStatus_GetText(s);
}

/* The registry's calls would block for KV_WAIT_MS while disconnected:
 * callers fail fast (or, for deletes, leave the entry to its TTL). */
static bool connected(const nats_t *n)
{
    return natsConnection_Status(n->ctl) == NATS_CONN_STATUS_CONNECTED;
}

static void cache_drop(mk_nats_registry_t *r, size_t i)
{
    if (!r->cache[i])
        return;
    mk_nats_unsubscribe(r->cache[i]->watch);
    mk_free(r->cache[i]);
    r->cache[i] = NULL;
}

/* Write (create or compare-and-set) own entry `o`; true when it holds. */
static bool own_write(runtime_t *rt, nats_t *n, mk_nats_own_t *o, bool create)
{
    char v[MK_NATS_NAME_VALUE_MAX + 1];
    size_t len = mk_nats_name_value(o->id, v);
    uint64_t rev = 0;
    natsStatus s = create ? kvStore_Create(&rev, n->reg.kv, o->key, v, (int)len)
                          : kvStore_Update(&rev, n->reg.kv, o->key, v, (int)len, o->rev);
    if (s == NATS_OK) {
        o->rev = rev;
        return true;
    }
    mk_set_error("%s", js_why(s));
    (void)rt;
    return false;
}

/* The heartbeat: refresh every own entry; re-create what expired while
 * the connection was down; give up names another node took meanwhile. */
static void on_heartbeat(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)events;
    nats_t *n = io->ctx;
    uint64_t ticks;
    if (read(n->reg.timer_fd, &ticks, sizeof ticks) < 0)
        return;
    if (natsConnection_Status(n->ctl) != NATS_CONN_STATUS_CONNECTED)
        return; /* the next tick after the reconnect */
    for (size_t i = 0; i < MK_NATS_NAMES_MAX; i++) {
        mk_nats_own_t *o = n->reg.own[i];
        if (!o)
            continue;
        if (own_write(rt, n, o, false)) {
            n->stats.names_refreshed++;
            continue;
        }
        if (own_write(rt, n, o, true)) {
            n->stats.names_recreated++;
            continue;
        }
        /* Ours after all (an update whose reply was lost)? */
        kvEntry *e = NULL;
        actor_id_t id;
        if (kvStore_Get(&e, n->reg.kv, o->key) == NATS_OK &&
            mk_nats_parse_name_value(kvEntry_Value(e), (size_t)kvEntry_ValueLen(e), &id) &&
            id == o->id) {
            o->rev = kvEntry_Revision(e);
            kvEntry_Destroy(e);
            continue;
        }
        if (e)
            kvEntry_Destroy(e);
        n->stats.names_lost++;
        mk_log_limited(rt, &n->lim_names, LOG_WARN,
                       "nats: name \"%s\" of actor 0x%016llx lost: another node holds it now",
                       o->name, (unsigned long long)o->id);
        mk_free(o);
        n->reg.own[i] = NULL;
    }
}

static mk_nats_own_t **own_find(mk_nats_registry_t *r, const char *key);

/* The local registry's name hook (publish_names): flat names of local
 * actors follow into the cluster registry. A refusal (the name is held by
 * another node) is logged, rate-limited; the local name stays. */
static void on_local_name(runtime_t *rt, void *ctx, const char *name, actor_id_t id,
                          bool registered)
{
    (void)ctx;
    nats_t *n = mk_runtime_ext(rt, MK_EXT_NATS);
    if (!n || !n->reg.kv || !n->reg.publish_names || name[0] == '/')
        return;
    if (!registered) {
        char key[MK_NATS_KEY_MAX];
        if (mk_nats_name_key(name, key, sizeof key) && own_find(&n->reg, key))
            mk_nats_unregister(rt, name);
        return;
    }
    if (actor_id_node(id) == runtime_node_id(rt) && !mk_nats_register(rt, name, id))
        mk_log_limited(rt, &n->lim_names, LOG_WARN, "nats: name \"%s\" not published: %s", name,
                       mk_last_error());
}

bool mk_nats_registry_open(runtime_t *rt, nats_t *n, const mk_nats_config_t *cfg)
{
    mk_nats_registry_t *r = &n->reg;
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = KV_WAIT_MS;
    natsStatus s = natsConnection_JetStream(&r->js, n->ctl, &jo);
    if (s == NATS_OK) {
        kvConfig kc;
        kvConfig_Init(&kc);
        kc.Bucket = MK_NATS_NAMES_BUCKET;
        kc.History = 1;
        kc.Replicas = cfg->names_replicas ? (int)cfg->names_replicas : 1;
        kc.TTL = (int64_t)cfg->names_ttl_ms * 1000000; /* libnats 3.4: nanoseconds */
        s = js_CreateKeyValue(&r->kv, r->js, &kc);
        if (s != NATS_OK) /* made by another node, maybe with other settings */
            s = js_KeyValue(&r->kv, r->js, MK_NATS_NAMES_BUCKET);
    }
    if (s != NATS_OK) {
        mk_set_error("runtime_attach_nats: registry bucket " MK_NATS_NAMES_BUCKET
                     " (JetStream enabled on the server?): %s",
                     js_why(s));
        goto fail;
    }
    r->ttl_ms = cfg->names_ttl_ms;
    r->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    uint64_t period_ms = r->ttl_ms / 3 ? r->ttl_ms / 3 : 1;
    struct itimerspec its = {
        .it_interval = {(time_t)(period_ms / 1000), (long)(period_ms % 1000) * 1000000L},
        .it_value = {(time_t)(period_ms / 1000), (long)(period_ms % 1000) * 1000000L}};
    if (r->timer_fd < 0 || timerfd_settime(r->timer_fd, 0, &its, NULL) != 0) {
        mk_set_error("runtime_attach_nats: heartbeat timer: %s", strerror(errno));
        goto fail;
    }
    /* The heartbeat alone does not keep runtime_run() going. */
    if (!mk_io_add(rt, &r->timer, r->timer_fd, EPOLLIN, on_heartbeat, n, false))
        goto fail;
    r->publish_names = cfg->publish_names;
    /* The hook finds the state through the ext slot (NULL after detach). */
    /* once per runtime: hooks cannot be removed */
    bool hooked = mk_runtime_has_name_hook(rt, on_local_name);
    if (r->publish_names && !hooked && !mk_runtime_on_name(rt, on_local_name, NULL))
        goto fail;
    return true;
fail : {
    char why[256];
    snprintf(why, sizeof why, "%s", mk_last_error());
    mk_nats_registry_close(rt, n);
    return mk_fail("%s", why);
}
}

void mk_nats_registry_close(runtime_t *rt, nats_t *n)
{
    mk_nats_registry_t *r = &n->reg;
    bool up = r->kv && natsConnection_Status(n->ctl) == NATS_CONN_STATUS_CONNECTED;
    for (size_t i = 0; i < MK_NATS_NAMES_MAX; i++) {
        if (!r->own[i])
            continue;
        if (up) /* a clean leave: our names go now, not after the TTL */
            kvStore_Delete(r->kv, r->own[i]->key);
        mk_free(r->own[i]);
        r->own[i] = NULL;
    }
    for (size_t i = 0; i < MK_NATS_CACHE_MAX; i++)
        cache_drop(r, i);
    mk_io_remove(rt, &r->timer);
    if (r->timer_fd >= 0)
        close(r->timer_fd);
    r->timer_fd = -1;
    kvStore_Destroy(r->kv);
    jsCtx_Destroy(r->js);
    r->kv = NULL;
    r->js = NULL;
}

void mk_nats_registry_changed(nats_t *n, size_t slot, const char *subject)
{
    mk_nats_registry_t *r = &n->reg;
    static const char prefix[] = "$KV." MK_NATS_NAMES_BUCKET ".";
    if (slot >= MK_NATS_CACHE_MAX || !r->cache[slot] || !subject ||
        strncmp(subject, prefix, sizeof prefix - 1) != 0 ||
        strcmp(subject + sizeof prefix - 1, r->cache[slot]->key) != 0)
        return; /* a slot reused since: nothing cached under that key */
    cache_drop(r, slot);
}

static mk_nats_own_t **own_find(mk_nats_registry_t *r, const char *key)
{
    for (size_t i = 0; i < MK_NATS_NAMES_MAX; i++)
        if (r->own[i] && strcmp(r->own[i]->key, key) == 0)
            return &r->own[i];
    return NULL;
}

void mk_nats_registry_actor_exit(runtime_t *rt, nats_t *n, actor_id_t id)
{
    (void)rt;
    mk_nats_registry_t *r = &n->reg;
    bool up = r->kv && connected(n);
    for (size_t i = 0; r->kv && i < MK_NATS_NAMES_MAX; i++)
        if (r->own[i] && r->own[i]->id == id) {
            if (up) /* else it expires after the TTL */
                kvStore_Delete(r->kv, r->own[i]->key);
            mk_free(r->own[i]);
            r->own[i] = NULL;
        }
}

static nats_t *registry_of(runtime_t *rt, const char *fn, bool need_up)
{
    nats_t *n = rt ? mk_runtime_ext(rt, MK_EXT_NATS) : NULL;
    if (!n || !n->reg.kv) {
        mk_set_error("%s: no NATS registry (runtime_attach_nats with names_ttl_ms)", fn);
        return NULL;
    }
    if (need_up && !connected(n)) {
        mk_set_error("%s: not connected to NATS (reconnecting)", fn);
        return NULL;
    }
    return n;
}

bool mk_nats_register(runtime_t *rt, const char *name, actor_id_t id)
{
    nats_t *n = registry_of(rt, "mk_nats_register", true);
    if (!n)
        return false;
    mk_nats_own_t o = {.id = id};
    if (!mk_nats_name_key(name, o.key, sizeof o.key))
        return false;
    if (actor_id_node(id) != runtime_node_id(rt) || !mk_actor_find(rt, id))
        return mk_fail("mk_nats_register: 0x%016llx is not a live actor of this node",
                       (unsigned long long)id);
    mk_nats_own_t **slot = NULL;
    for (size_t i = 0; !slot && i < MK_NATS_NAMES_MAX; i++)
        if (!n->reg.own[i])
            slot = &n->reg.own[i];
    if (!slot)
        return mk_fail("mk_nats_register: %u names are registered here already", MK_NATS_NAMES_MAX);
    snprintf(o.name, sizeof o.name, "%s", name);
    if (!own_write(rt, n, &o, true)) {
        char why[256]; /* mk_fail() writes the buffer mk_last_error() reads */
        snprintf(why, sizeof why, "%s", mk_last_error());
        kvEntry *e = NULL;
        char held[64] = "";
        if (kvStore_Get(&e, n->reg.kv, o.key) == NATS_OK) {
            snprintf(held, sizeof held, "%.*s", kvEntry_ValueLen(e),
                     (const char *)kvEntry_Value(e));
            kvEntry_Destroy(e);
            return mk_fail("mk_nats_register: \"%s\" is already registered (%s)", name, held);
        }
        return mk_fail("mk_nats_register: \"%s\": %s", name, why);
    }
    if (!(*slot = mk_calloc(1, sizeof o))) {
        kvStore_Delete(n->reg.kv, o.key);
        return mk_fail("mk_nats_register: out of memory");
    }
    **slot = o;
    return true;
}

bool mk_nats_unregister(runtime_t *rt, const char *name)
{
    nats_t *n = registry_of(rt, "mk_nats_unregister", false);
    char key[MK_NATS_KEY_MAX];
    if (!n || !mk_nats_name_key(name, key, sizeof key))
        return false;
    mk_nats_own_t **o = own_find(&n->reg, key);
    if (!o)
        return mk_fail("mk_nats_unregister: \"%s\" is not registered by this node", name);
    natsStatus s = connected(n) ? kvStore_Delete(n->reg.kv, key) : NATS_CONNECTION_DISCONNECTED;
    mk_free(*o);
    *o = NULL;
    if (s != NATS_OK)
        return mk_fail("mk_nats_unregister: \"%s\": %s (the entry expires after %u ms)", name,
                       js_why(s), n->reg.ttl_ms);
    return true;
}

actor_id_t mk_nats_lookup(runtime_t *rt, const char *name)
{
    nats_t *n = registry_of(rt, "mk_nats_lookup", false);
    char key[MK_NATS_KEY_MAX];
    if (!n || !mk_nats_name_key(name, key, sizeof key))
        return ACTOR_ID_INVALID;
    mk_nats_registry_t *r = &n->reg;
    uint64_t now = mk_clock_ms();
    size_t slot = MK_NATS_CACHE_MAX;
    for (size_t i = 0; i < MK_NATS_CACHE_MAX; i++) {
        mk_nats_cached_t *c = r->cache[i];
        if (c && strcmp(c->key, key) == 0) {
            if (now < c->fetched_ms + r->ttl_ms) {
                n->stats.lookups_cached++;
                return c->id;
            }
            slot = i; /* stale: read again into the same slot */
            break;
        }
    }
    if (!connected(n)) {
        mk_set_error("mk_nats_lookup: \"%s\": not connected to NATS (reconnecting)", name);
        return ACTOR_ID_INVALID;
    }
    if (slot == MK_NATS_CACHE_MAX) {
        slot = r->cache_next;
        r->cache_next = (r->cache_next + 1) % MK_NATS_CACHE_MAX;
    }
    cache_drop(r, slot);
    /* Watch before reading: the server handles our SUB before the read on
     * the same connection, so no change between them goes unseen. */
    char subject[sizeof "$KV." MK_NATS_NAMES_BUCKET "." + MK_NATS_KEY_MAX];
    snprintf(subject, sizeof subject, "$KV." MK_NATS_NAMES_BUCKET ".%s", key);
    natsSubscription *watch = mk_nats_subscribe(n, subject, NULL, KIND_INVAL, (actor_id_t)slot);
    kvEntry *e = NULL;
    natsStatus s = kvStore_Get(&e, r->kv, key);
    n->stats.lookups_remote++;
    actor_id_t id = ACTOR_ID_INVALID;
    if (s == NATS_NOT_FOUND)
        mk_set_error("mk_nats_lookup: \"%s\" is not registered", name);
    else if (s != NATS_OK)
        mk_set_error("mk_nats_lookup: \"%s\": %s", name, js_why(s));
    else if (!mk_nats_parse_name_value(kvEntry_Value(e), (size_t)kvEntry_ValueLen(e), &id))
        mk_set_error("mk_nats_lookup: \"%s\" has a malformed entry", name);
    if (e)
        kvEntry_Destroy(e);
    mk_nats_cached_t *c = id != ACTOR_ID_INVALID && watch ? mk_calloc(1, sizeof *c) : NULL;
    if (!c) {
        mk_nats_unsubscribe(watch);
        return id;
    }
    snprintf(c->key, sizeof c->key, "%s", key);
    c->id = id;
    c->fetched_ms = now;
    c->watch = watch;
    r->cache[slot] = c;
    return id;
}
