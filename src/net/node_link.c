/*
 * node_link.c -- joins runtimes into one system: runtime_add_transport(),
 * routing of sends to other nodes, delivery of incoming frames with their
 * original source, the hello exchange, registry broadcast and sync, and
 * node up/down handling (names of a lost node die with it; monitors hear),
 * and backpressure: a frame for a full mailbox is kept and the link stops
 * reading until the mailbox has room (mk_actor_wait_space), so the kernel
 * socket buffer and then the peer's send queue push back on the sender.
 * Fairness: a link delivers at most MK_NET_RECV_BUDGET messages per turn;
 * one with more to read stays pending and is resumed by the next poll of
 * the loop through an always-readable eventfd (the kick), after timers,
 * other sockets and ready actors had their turn.
 *
 * Runs on the runtime's thread, called by the event loop (transport fds),
 * by actor_send() (the router), by the registry (name hook) and by the core
 * when a mailbox has room again. Never blocks; the router allocates nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/bytes.h"
#include "core/log_limit.h"
#include "core/runtime_api.h"
#include "microkernel/node.h"
#include "microkernel/wire.h"
#include "net/net_internal.h"
#include "net/node_link_int.h"
#include "platform/clock.h"

static void deadline_arm(runtime_t *rt, net_t *net);

net_t *nl_net_of(const runtime_t *rt)
{
    return mk_runtime_ext(rt, MK_EXT_NET);
}

/* The transport's own lines (bad frames, accept errors): a peer can repeat
 * them at will, so one line per second per link. */
static void transport_log(void *ctx, int level, const char *text)
{
    link_t *l = ctx;
    mk_log_limited(l->rt, &l->lim_transport, level, "%s", text);
}

static link_t *link_find(net_t *net, node_id_t node)
{
    if (!net)
        return NULL;
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++)
        if (net->links[i].t && net->links[i].t->peer_node == node)
            return &net->links[i];
    return NULL;
}

/* ---- Node events ------------------------------------------------------ */

static void notify_monitors(runtime_t *rt, net_t *net, msg_type_t type, node_id_t node,
                            size_t removed, const char *reason)
{
    node_event_payload_t p = {.node = node, .names_removed = (uint32_t)removed};
    snprintf(p.reason, sizeof p.reason, "%s", reason ? reason : "");
    for (size_t i = 0; i < MK_MAX_NODE_MONITORS; i++) {
        actor_id_t w = net->monitors[i];
        if (w != ACTOR_ID_INVALID && !mk_send_from(rt, ACTOR_ID_INVALID, w, type, &p, sizeof p))
            actor_log(rt, LOG_WARN, "net: node event for actor 0x%016llx lost: %s",
                      (unsigned long long)w, mk_last_error());
    }
}

/* Send a runtime-to-runtime frame (no source, no destination actor). */
static bool send_control(runtime_t *rt, link_t *l, msg_type_t type, const void *payload,
                         size_t size)
{
    message_t m = {.source = ACTOR_ID_INVALID,
                   .dest = ACTOR_ID_INVALID,
                   .type = type,
                   .payload_size = size,
                   .payload = (void *)payload};
    if (l->t->send(l->t, &m))
        return true;
    actor_log(rt, LOG_WARN, "net: control message 0x%08x to node %u not sent: %s", type,
              l->t->peer_node, mk_last_error());
    return false;
}

/* name_register_payload_t of the original: name[64] zero-padded, then the
 * actor ID in host order (compat section 3.2). */
static void encode_name(unsigned char out[NAME_REG_SIZE], const char *name, actor_id_t id)
{
    memset(out, 0, NAME_REG_SIZE);
    snprintf((char *)out, NAME_FIELD, "%s", name);
    memcpy(out + NAME_FIELD, &id, sizeof id);
}

/* The connection to l's node came up: introduce ourselves and tell the peer
 * every name of a local actor (late joiners learn the existing table). */
static void link_on_up(runtime_t *rt, net_t *net, link_t *l)
{
    unsigned char hello[HELLO_SIZE];
    mk_put_be(hello, runtime_node_id(rt), 4);
    mk_put_be(hello + 4, HELLO_VERSION, 4);
    /* The hello is our extension: an original peer never gets one. */
    if (!l->original && !send_control(rt, l, MSG_NODE_HELLO, hello, sizeof hello))
        return;
    mk_net_common_t *c = mk_net_common(l->t);
    size_t synced = 0;
    if (c && c->reliable) {
        for (size_t i = 0; i < MK_MAX_NAMES; i++) {
            const mk_name_t *e = mk_registry_slot(rt, i);
            if (!e->name[0] || actor_id_node(e->id) != runtime_node_id(rt))
                continue;
            unsigned char p[NAME_REG_SIZE];
            encode_name(p, e->name, e->id);
            if (!send_control(rt, l, MSG_NAME_REGISTER, p, sizeof p))
                return;
            synced++;
        }
    }
    mk_log_limited(rt, &l->lim_updown, LOG_INFO, "net: node %u up (%zu local names sent)",
                   l->t->peer_node, synced);
    notify_monitors(rt, net, MSG_NODE_UP, l->t->peer_node, 0, NULL);
}

static void link_on_down(runtime_t *rt, net_t *net, link_t *l)
{
    node_id_t node = l->t->peer_node;
    mk_net_common_t *c = mk_net_common(l->t);
    const char *why =
        c && c->down_reason(l->t)[0] ? c->down_reason(l->t) : "transport reports not connected";
    char reason[96];
    snprintf(reason, sizeof reason, "%s", why);
    size_t removed = mk_registry_remove_node(rt, node);
    size_t g = net->gone_next++ % MK_MAX_TRANSPORTS;
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++)
        if (net->gone[i].node == node)
            g = i; /* one record per node */
    net->gone[g].node = node;
    snprintf(net->gone[g].why, sizeof net->gone[g].why, "%s", reason);
    mk_log_limited(rt, &l->lim_updown, LOG_WARN, "net: node %u down: %s; %zu of its names removed",
                   node, reason, removed);
    notify_monitors(rt, net, MSG_NODE_DOWN, node, removed, reason);
}

/* Destroy l's transport and free its slot (issue 13: after 8 short-lived
 * peers every add failed while none was connected). */
static void link_free(runtime_t *rt, link_t *l)
{
    nl_link_release(rt, l);
    mk_io_remove(rt, &l->io);
    l->t->destroy(l->t);
    memset(l, 0, sizeof *l);
}

/* Put the kick in the loop for a pending link (a no-op when it is there),
 * making its eventfd the first time. Should that fail (no fd left, epoll
 * refuses it), the link is read to the end at once, unfairly but losing
 * nothing, as before the budget existed. */
static void kick_arm(runtime_t *rt, net_t *net, link_t *l)
{
    if (!l->pending || l->held || net->kick.registered)
        return;
    if (net->kick_fd < 0 && (net->kick_fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
        mk_set_error("eventfd: %s", strerror(errno));
    else if (mk_io_add(rt, &net->kick, net->kick_fd, EPOLLIN, nl_on_kick, net, true))
        return;
    actor_log(rt, LOG_ERROR, "net: cannot poll the receive kick (%s); node %u read to the end",
              mk_last_error(), l->t->peer_node);
    while (l->pending && !l->held)
        nl_link_read(rt, l);
}

/* Reconcile l with its transport's state: resume reading later if the
 * budget ended a read, announce up/down, fix the loop registration. Up and
 * down can follow each other (a connection lost while sending the hello),
 * hence the bounded loop. */
void nl_link_update(runtime_t *rt, net_t *net, link_t *l)
{
    kick_arm(rt, net, l);
    for (int pass = 0; pass < 4; pass++) {
        bool connected = l->t->is_connected(l->t);
        if (connected == l->up)
            break;
        l->up = connected;
        l->ever_up = l->ever_up || connected;
        if (connected)
            link_on_up(rt, net, l);
        else
            link_on_down(rt, net, l);
    }
    if (!l->up && l->ever_up && l->t->fd < 0 && !l->held && !l->pending) {
        link_free(rt, l); /* a connection that cannot come back (a listener keeps its slot) */
    } else if (!nl_sync_io(rt, l)) {
        actor_log(rt, LOG_ERROR, "net: transport to node %u cannot be polled: %s", l->t->peer_node,
                  mk_last_error());
    }
    deadline_arm(rt, net);
}

/* Drop every accepted peer whose first frame is overdue; its listener
 * accepts again (the next peer in the backlog gets through). */
static void on_deadline(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)events;
    net_t *net = io->ctx;
    uint64_t expirations;
    while (read(net->deadline_fd, &expirations, sizeof expirations) > 0)
        ;
    net->deadline_armed = 0;
    uint64_t now = mk_clock_ms();
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++) {
        link_t *l = &net->links[i];
        mk_net_common_t *c = l->t ? mk_net_common(l->t) : NULL;
        if (!c || !c->handshake_deadline_ms || c->handshake_deadline_ms > now)
            continue;
        l->stats.handshakes_timed_out++;
        char why[128];
        snprintf(why, sizeof why,
                 "no valid frame within %u ms of connecting; dropped, accepting again",
                 c->handshake_ms);
        mk_log_limited(rt, &l->lim_handshake, LOG_WARN, "net: peer accepted for node %u: %s",
                       l->t->peer_node, why);
        c->drop(l->t, why);
        nl_link_update(rt, net, l);
    }
    deadline_arm(rt, net);
}

static void deadline_arm(runtime_t *rt, net_t *net)
{
    uint64_t first = 0;
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++) {
        mk_net_common_t *c = net->links[i].t ? mk_net_common(net->links[i].t) : NULL;
        if (c && c->handshake_deadline_ms && (!first || c->handshake_deadline_ms < first))
            first = c->handshake_deadline_ms;
    }
    if (first == net->deadline_armed)
        return;
    if (net->deadline_fd < 0 &&
        (net->deadline_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0) {
        actor_log(rt, LOG_ERROR, "net: timerfd_create: %s; accepted peers have no deadline",
                  strerror(errno));
        return;
    }
    struct itimerspec its = {0};
    if (first) {
        uint64_t now = mk_clock_ms();
        uint64_t delay = first > now ? first - now : 1;
        its.it_value.tv_sec = (time_t)(delay / 1000);
        its.it_value.tv_nsec = (long)(delay % 1000) * 1000000L;
    }
    timerfd_settime(net->deadline_fd, 0, &its, NULL);
    net->deadline_armed = first;
    if (first && !net->deadline.registered &&
        !mk_io_add(rt, &net->deadline, net->deadline_fd, EPOLLIN, on_deadline, net, false))
        actor_log(rt, LOG_ERROR, "net: cannot poll the handshake timer: %s", mk_last_error());
    else if (!first)
        mk_io_remove(rt, &net->deadline);
}

/* ---- Hooks: router, registry, exits ------------------------------------ */

static bool route(runtime_t *rt, void *ctx, const message_t *msg)
{
    (void)ctx;
    net_t *net = nl_net_of(rt);
    node_id_t node = actor_id_node(msg->dest);
    link_t *l = link_find(net, node);
    if (!l && net && net->fallback && node != 0)
        return net->fallback(rt, net->fallback_ctx, msg);
    if (!l) {
        for (size_t i = 0; net && i < MK_MAX_TRANSPORTS; i++)
            if (net->gone[i].node == node && node != 0)
                return mk_fail("actor_send: node %u is not connected (its transport was removed "
                               "when the connection was lost: %s)",
                               node, net->gone[i].why);
        return mk_fail("actor_send: no transport reaches node %u (actor 0x%016llx)", node,
                       (unsigned long long)msg->dest);
    }
    if (!l->up && !l->held && !l->pending && l->t->fd >= 0) {
        /* Seed: a listener accepts lazily, on the first send as on the
         * first poll: take a waiting peer (and what it sent) now. */
        nl_link_read(rt, l);
        nl_link_update(rt, net, l);
        if (!(l = link_find(net, node)))
            return mk_fail("actor_send: no transport reaches node %u", node);
    }
    if (!l->up) {
        mk_net_common_t *c = mk_net_common(l->t);
        const char *why = c && c->down_reason(l->t)[0] ? c->down_reason(l->t) : "no connection yet";
        return mk_fail("actor_send: node %u is not connected (%s)", node, why);
    }
    if (l->t->send(l->t, msg)) {
        if (!(l->io.events & EPOLLOUT))
            nl_sync_io(rt, l); /* output queued: poll for writability */
        return true;
    }
    char why[256];
    snprintf(why, sizeof why, "%s", mk_last_error());
    nl_link_update(rt, net, l);
    return mk_fail("actor_send: %s", why);
}

static void on_name(runtime_t *rt, void *ctx, const char *name, actor_id_t id, bool registered)
{
    (void)ctx;
    net_t *net = nl_net_of(rt);
    if (!net)
        return;
    unsigned char p[NAME_REG_SIZE];
    encode_name(p, name, id);
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++) {
        link_t *l = &net->links[i];
        mk_net_common_t *c = l->t ? mk_net_common(l->t) : NULL;
        if (!l->up || !c || !c->reliable)
            continue;
        if (!send_control(rt, l, registered ? MSG_NAME_REGISTER : MSG_NAME_UNREGISTER, p,
                          registered ? NAME_REG_SIZE : NAME_UNREG_SIZE))
            nl_link_update(rt, net, l);
        else if (!(l->io.events & EPOLLOUT))
            nl_sync_io(rt, l);
    }
}

static void on_exit_hook(runtime_t *rt, void *ctx, actor_id_t id, int reason)
{
    (void)ctx;
    (void)reason;
    net_t *net = nl_net_of(rt);
    if (!net)
        return;
    for (size_t i = 0; i < MK_MAX_NODE_MONITORS; i++)
        if (net->monitors[i] == id)
            net->monitors[i] = ACTOR_ID_INVALID;
}

static void net_destroy(runtime_t *rt, void *data)
{
    net_t *net = data;
    mk_runtime_set_router(rt, NULL, NULL);
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++) {
        link_t *l = &net->links[i];
        if (!l->t)
            continue;
        nl_link_release(rt, l);
        mk_io_remove(rt, &l->io);
        l->t->destroy(l->t);
        l->t = NULL;
    }
    mk_io_remove(rt, &net->kick);
    if (net->kick_fd >= 0)
        close(net->kick_fd);
    mk_io_remove(rt, &net->deadline);
    if (net->deadline_fd >= 0)
        close(net->deadline_fd);
    mk_free(net);
}

/* The runtime's net state, made (with its hooks) on first use. */
static net_t *net_get(runtime_t *rt)
{
    net_t *net = nl_net_of(rt);
    if (net)
        return net;
    net = mk_calloc(1, sizeof *net);
    if (!net) {
        mk_set_error("net: out of memory");
        return NULL;
    }
    net->kick_fd = -1; /* made by the first link that spends its budget */
    net->deadline_fd = -1;
    net->handshake_ms = MK_NET_HANDSHAKE_MS;
    /* Types only this runtime produces (docs/multi-node.md, "What a peer
     * may send"): a peer that sends them is forging local events. */
    static const type_range_t defaults[] = {
        {0xFF000001u, 0xFF000011u}, /* MSG_TIMER, MSG_FD_EVENT, MSG_LOG, HTTP/SSE/WS
                                       events, MSG_CHILD_EXIT (services.h, http.h) */
        {0xFF000110u, 0xFF00011Fu}, /* MSG_NODE_UP/DOWN (node.h; the hello is dest 0) */
        {0xFF000120u, 0xFF00012Fu}, /* MSG_DOWN, MSG_LINK_EXIT (supervision.h) */
        {0xFF000140u, 0xFF000142u}, /* MSG_MOUNT and its replies: dialling out */
        {0xFF00014Fu, 0xFF00016Fu}, /* KV flush, WASM resume, MSG_HTTP_WRITABLE */
        {0xFF000A00u, 0xFF000AFFu}, /* console and shell (shell.h) */
    };
    memcpy(net->local_only, defaults, sizeof defaults);
    net->n_local_only = sizeof defaults / sizeof defaults[0];
    /* Hooks find the state through the ext slot, which runtime_destroy
     * clears before destroying it, so a late hook call finds NULL. */
    if (!mk_runtime_on_name(rt, on_name, NULL) || !mk_runtime_on_exit(rt, on_exit_hook, NULL)) {
        mk_free(net);
        return NULL;
    }
    mk_runtime_set_ext(rt, MK_EXT_NET, net, net_destroy);
    mk_runtime_set_router(rt, route, NULL);
    return net;
}

/* Room for a link to `node`: a free slot, or its dead link to replace (a
 * connecting transport whose peer is gone). Sets the error otherwise. */
static bool link_room(net_t *net, node_id_t node)
{
    link_t *l = link_find(net, node);
    if (l)
        return !(l->t->is_connected(l->t) || l->t->fd >= 0) ||
               mk_fail("runtime_add_transport: a transport for node %u exists", node);
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++)
        if (!net->links[i].t)
            return true;
    return mk_fail("runtime_add_transport: all %d transports are in use", MK_MAX_TRANSPORTS);
}

/* ---- Public API ---------------------------------------------------------- */

bool runtime_add_transport(runtime_t *rt, transport_t *t)
{
    if (!rt)
        return mk_fail("runtime_add_transport: runtime is NULL");
    if (!t || !t->send || !t->recv || !t->is_connected || !t->destroy)
        return mk_fail("runtime_add_transport: transport is %s",
                       t ? "incomplete (a method is NULL)" : "NULL");
    if (t->peer_node == runtime_node_id(rt) || t->peer_node == 0)
        return mk_fail("runtime_add_transport: peer node %u is %s", t->peer_node,
                       t->peer_node ? "this node" : "not a valid node ID");
    net_t *net = net_get(rt);
    if (!net)
        return false;
    if (!link_room(net, t->peer_node))
        return false;
    link_t *l = link_find(net, t->peer_node);
    message_t *held = NULL;
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++)
        if (net->gone[i].node == t->peer_node)
            net->gone[i].node = 0;
    if (l) {
        mk_io_remove(rt, &l->io);
        l->t->destroy(l->t);
        l->t = NULL;
        /* A frame held from the old connection keeps its place: it is
         * delivered before anything the new one brings. */
        held = l->held;
    } else {
        for (size_t i = 0; i < MK_MAX_TRANSPORTS && !l; i++)
            if (!net->links[i].t)
                l = &net->links[i];
    }
    memset(l, 0, sizeof *l);
    l->t = t;
    l->rt = rt;
    l->held = held;
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++)
        l->original = l->original || net->original[i] == t->peer_node;
    if (!nl_sync_io(rt, l)) {
        nl_link_release(rt, l);
        l->t = NULL;
        return false;
    }
    mk_net_common_t *c = mk_net_common(t);
    if (c) {
        c->log = transport_log;
        c->log_ctx = l;
        c->handshake_ms = net->handshake_ms;
    }
    nl_link_update(rt, net, l);
    return true;
}

bool node_monitor(runtime_t *rt, actor_id_t watcher)
{
    if (!rt)
        return mk_fail("node_monitor: runtime is NULL");
    if (!mk_actor_find(rt, watcher))
        return mk_fail("node_monitor: no live local actor 0x%016llx", (unsigned long long)watcher);
    net_t *net = net_get(rt);
    if (!net)
        return false;
    actor_id_t *slot = NULL;
    for (size_t i = 0; i < MK_MAX_NODE_MONITORS; i++) {
        if (net->monitors[i] == watcher)
            return true;
        if (!slot && net->monitors[i] == ACTOR_ID_INVALID)
            slot = &net->monitors[i];
    }
    if (!slot)
        return mk_fail("node_monitor: all %d monitor slots are in use", MK_MAX_NODE_MONITORS);
    *slot = watcher;
    return true;
}

bool node_demonitor(runtime_t *rt, actor_id_t watcher)
{
    net_t *net = rt ? nl_net_of(rt) : NULL;
    for (size_t i = 0; net && i < MK_MAX_NODE_MONITORS; i++) {
        if (net->monitors[i] == watcher && watcher != ACTOR_ID_INVALID) {
            net->monitors[i] = ACTOR_ID_INVALID;
            return true;
        }
    }
    return mk_fail("node_demonitor: actor 0x%016llx does not monitor nodes",
                   (unsigned long long)watcher);
}

bool runtime_set_local_only_types(runtime_t *rt, msg_type_t first, msg_type_t last)
{
    if (!rt)
        return mk_fail("runtime_set_local_only_types: runtime is NULL");
    if (first > last)
        return mk_fail("runtime_set_local_only_types: range 0x%08x..0x%08x is empty", first, last);
    net_t *net = net_get(rt);
    if (!net)
        return false;
    for (size_t i = 0; i < net->n_local_only; i++)
        if (first >= net->local_only[i].first && last <= net->local_only[i].last)
            return true; /* already covered */
    if (net->n_local_only >= MK_NET_LOCAL_ONLY_MAX)
        return mk_fail("runtime_set_local_only_types: all %d ranges are in use",
                       MK_NET_LOCAL_ONLY_MAX);
    net->local_only[net->n_local_only++] = (type_range_t){first, last};
    return true;
}

bool runtime_is_local_only_type(runtime_t *rt, msg_type_t type)
{
    net_t *net = rt ? net_get(rt) : NULL;
    return net && nl_local_only(net, type);
}

bool mk_net_set_handshake_ms(runtime_t *rt, uint32_t ms)
{
    net_t *net = rt ? net_get(rt) : NULL;
    if (!net)
        return rt ? false : mk_fail("mk_net_set_handshake_ms: runtime is NULL");
    net->handshake_ms = ms;
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++) {
        mk_net_common_t *c = net->links[i].t ? mk_net_common(net->links[i].t) : NULL;
        if (c)
            c->handshake_ms = ms;
    }
    return true;
}

bool mk_net_link_set_original(runtime_t *rt, node_id_t node, bool on)
{
    if (!rt || node == 0)
        return mk_fail("mk_net_link_set_original: %s",
                       rt ? "node 0 is not a node" : "runtime is NULL");
    net_t *net = net_get(rt);
    if (!net)
        return false;
    node_id_t *slot = NULL, *free_slot = NULL;
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++) {
        if (net->original[i] == node)
            slot = &net->original[i];
        else if (!free_slot && net->original[i] == 0)
            free_slot = &net->original[i];
    }
    if (on && !slot) {
        if (!free_slot)
            return mk_fail("mk_net_link_set_original: %d nodes are in original mode already",
                           MK_MAX_TRANSPORTS);
        *free_slot = node;
    } else if (!on && slot) {
        *slot = 0;
    }
    link_t *l = link_find(net, node);
    if (l)
        l->original = on;
    return true;
}

bool mk_net_set_fallback(runtime_t *rt, mk_net_fallback_fn fn, void *ctx)
{
    if (!rt)
        return mk_fail("mk_net_set_fallback: runtime is NULL");
    net_t *net = net_get(rt);
    if (!net)
        return false;
    net->fallback = fn;
    net->fallback_ctx = fn ? ctx : NULL;
    return true;
}

void mk_net_set_control_handler(runtime_t *rt, mk_net_control_fn fn, void *ctx)
{
    net_t *net = rt ? net_get(rt) : NULL;
    if (!net)
        return;
    net->control_fn = fn;
    net->control_ctx = ctx;
}

/* Send one runtime-to-runtime frame on `l` and poll for writability when
 * output was queued; a failed send updates the link (it may be down now). */
static bool control_out(runtime_t *rt, net_t *net, link_t *l, msg_type_t type, const void *p,
                        size_t n)
{
    if (!send_control(rt, l, type, p, n)) {
        char why[256];
        snprintf(why, sizeof why, "%s", mk_last_error());
        nl_link_update(rt, net, l);
        return mk_fail("%s", why);
    }
    if (!(l->io.events & EPOLLOUT))
        nl_sync_io(rt, l);
    return true;
}

bool mk_net_broadcast_control(runtime_t *rt, msg_type_t type, const void *p, size_t n)
{
    net_t *net = rt ? nl_net_of(rt) : NULL;
    if (!rt || (n > 0 && !p))
        return mk_fail("mk_net_broadcast_control: %s is NULL", rt ? "payload" : "runtime");
    bool all = true;
    char why[256] = "";
    for (size_t i = 0; net && i < MK_MAX_TRANSPORTS; i++) {
        link_t *l = &net->links[i];
        mk_net_common_t *c = l->t ? mk_net_common(l->t) : NULL;
        if (!l->up || !c || !c->reliable)
            continue;
        if (!control_out(rt, net, l, type, p, n)) {
            all = false;
            snprintf(why, sizeof why, "%s", mk_last_error());
        }
    }
    return all || mk_fail("mk_net_broadcast_control: %s", why);
}

bool mk_net_send_control(runtime_t *rt, node_id_t node, msg_type_t type, const void *p, size_t n)
{
    net_t *net = rt ? nl_net_of(rt) : NULL;
    link_t *l = link_find(net, node);
    if (!l || !l->up)
        return mk_fail("mk_net_send_control: node %u is %s", node,
                       l ? "not connected" : "not reached by any transport");
    if (n > 0 && !p)
        return mk_fail("mk_net_send_control: payload is NULL");
    return control_out(rt, net, l, type, p, n);
}

bool mk_net_link_can_add(runtime_t *rt, node_id_t node)
{
    net_t *net = rt ? net_get(rt) : NULL;
    return net ? link_room(net, node) : mk_fail("mk_net_link_can_add: no runtime");
}

bool mk_net_link_is(runtime_t *rt, node_id_t node, const transport_t *t)
{
    link_t *l = rt ? link_find(nl_net_of(rt), node) : NULL;
    return l && l->up && l->t == t;
}

bool runtime_link_stats(runtime_t *rt, node_id_t node, node_link_stats_t *out)
{
    if (!rt || !out)
        return mk_fail("runtime_link_stats: %s is NULL", rt ? "out" : "runtime");
    link_t *l = link_find(nl_net_of(rt), node);
    if (!l)
        return mk_fail("runtime_link_stats: no transport for node %u", node);
    *out = l->stats;
    return true;
}

bool node_is_connected(runtime_t *rt, node_id_t node)
{
    link_t *l = rt ? link_find(nl_net_of(rt), node) : NULL;
    return l && l->up;
}

size_t runtime_get_transport_count(const runtime_t *rt)
{
    const net_t *net = rt ? nl_net_of(rt) : NULL;
    size_t n = 0;
    for (size_t i = 0; net && i < MK_MAX_TRANSPORTS; i++)
        n += net->links[i].t != NULL;
    return n;
}
