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
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/runtime_internal.h"
#include "microkernel/node.h"
#include "microkernel/wire.h"
#include "net/net_internal.h"

#define HELLO_SIZE      8 /* u32 node ID, u32 protocol version, both big-endian */
#define HELLO_VERSION   1u
#define NAME_REG_SIZE   72 /* name[64] + u64 actor ID big-endian */
#define NAME_UNREG_SIZE 64 /* name[64] */

typedef struct {
    transport_t *t;  /* NULL: free slot */
    mk_io_t io;      /* t->fd in the event loop */
    bool up;         /* connected as last seen (MSG_NODE_UP sent) */
    message_t *held; /* frame waiting for room in its actor's mailbox; reading paused */
    bool parked;     /* hung up while paused or pending: fd out of the loop until resumed */
    bool pending;    /* the budget ended the last read: recv() may have more, even
                        frames already buffered in user space that no readiness
                        event will report; the kick reads on, EPOLLIN is off */
} link_t;

typedef struct {
    link_t links[MK_MAX_TRANSPORTS];
    actor_id_t monitors[MK_MAX_NODE_MONITORS]; /* ACTOR_ID_INVALID: free */
    int kick_fd;  /* eventfd with a count of 1, never read: always readable; -1 until needed */
    mk_io_t kick; /* kick_fd in the loop while some link is pending, else out */
} net_t;

static void link_update(runtime_t *rt, net_t *net, link_t *l);
static void link_read(runtime_t *rt, link_t *l);
static void on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive);
static void on_kick(runtime_t *rt, mk_io_t *io, uint32_t events);

static net_t *net_of(const runtime_t *rt)
{
    return mk_runtime_ext(rt, MK_EXT_NET);
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
}

static uint64_t get_be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = (v << 8) | p[i];
    return v;
}

static void transport_log(void *ctx, int level, const char *text)
{
    actor_log(ctx, level, "%s", text);
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

static void encode_name(unsigned char out[NAME_REG_SIZE], const char *name, actor_id_t id)
{
    memset(out, 0, NAME_REG_SIZE);
    snprintf((char *)out, 64, "%s", name);
    put_be(out + 64, id, 8);
}

/* The connection to l's node came up: introduce ourselves and tell the peer
 * every name of a local actor (late joiners learn the existing table). */
static void link_on_up(runtime_t *rt, net_t *net, link_t *l)
{
    unsigned char hello[HELLO_SIZE];
    put_be(hello, rt->node_id, 4);
    put_be(hello + 4, HELLO_VERSION, 4);
    if (!send_control(rt, l, MSG_NODE_HELLO, hello, sizeof hello))
        return;
    mk_net_common_t *c = mk_net_common(l->t);
    size_t synced = 0;
    if (c && c->reliable) {
        for (size_t i = 0; i < MK_MAX_NAMES; i++) {
            const mk_name_t *e = &rt->names[i];
            if (!e->name[0] || actor_id_node(e->id) != rt->node_id)
                continue;
            unsigned char p[NAME_REG_SIZE];
            encode_name(p, e->name, e->id);
            if (!send_control(rt, l, MSG_NAME_REGISTER, p, sizeof p))
                return;
            synced++;
        }
    }
    actor_log(rt, LOG_INFO, "net: node %u up (%zu local names sent)", l->t->peer_node, synced);
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
    actor_log(rt, LOG_WARN, "net: node %u down: %s; %zu of its names removed", node, reason,
              removed);
    notify_monitors(rt, net, MSG_NODE_DOWN, node, removed, reason);
}

/* Put l->t->fd in the loop (EPOLLOUT too while output is queued), or take
 * a stale fd out. False with a reason when epoll refuses the fd. */
static bool sync_io(runtime_t *rt, link_t *l);

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
    else if (mk_io_add(rt, &net->kick, net->kick_fd, EPOLLIN, on_kick, net, true))
        return;
    actor_log(rt, LOG_ERROR, "net: cannot poll the receive kick (%s); node %u read to the end",
              mk_last_error(), l->t->peer_node);
    while (l->pending && !l->held)
        link_read(rt, l);
}

/* Reconcile l with its transport's state: resume reading later if the
 * budget ended a read, announce up/down, fix the loop registration. Up and
 * down can follow each other (a connection lost while sending the hello),
 * hence the bounded loop. */
static void link_update(runtime_t *rt, net_t *net, link_t *l)
{
    kick_arm(rt, net, l);
    for (int pass = 0; pass < 4; pass++) {
        bool connected = l->t->is_connected(l->t);
        if (connected == l->up)
            break;
        l->up = connected;
        if (connected)
            link_on_up(rt, net, l);
        else
            link_on_down(rt, net, l);
    }
    if (!sync_io(rt, l))
        actor_log(rt, LOG_ERROR, "net: transport to node %u cannot be polled: %s", l->t->peer_node,
                  mk_last_error());
}

/* ---- Incoming frames --------------------------------------------------- */

static const mk_name_t *name_find(const runtime_t *rt, const char *name)
{
    for (size_t i = 0; i < MK_MAX_NAMES; i++)
        if (rt->names[i].name[0] && strcmp(rt->names[i].name, name) == 0)
            return &rt->names[i];
    return NULL;
}

/* A name change broadcast by the peer of `l`; stored without telling the
 * hooks, so it is not broadcast again. */
static void name_in(runtime_t *rt, link_t *l, const message_t *m)
{
    node_id_t peer = l->t->peer_node;
    bool reg = m->type == MSG_NAME_REGISTER;
    size_t want = reg ? NAME_REG_SIZE : NAME_UNREG_SIZE;
    const unsigned char *p = m->payload;
    if (m->payload_size != want || memchr(p, '\0', 64) == NULL || p[0] == '\0') {
        actor_log(rt, LOG_WARN, "net: malformed %s from node %u (%zu bytes) ignored",
                  reg ? "MSG_NAME_REGISTER" : "MSG_NAME_UNREGISTER", peer, m->payload_size);
        return;
    }
    const char *name = (const char *)p;
    const mk_name_t *e = name_find(rt, name);
    if (reg) {
        actor_id_t id = get_be(p + 64, 8);
        if (e && e->id == id)
            return; /* already known (a resync after reconnecting) */
        if (e && actor_id_node(e->id) == rt->node_id) {
            /* Every node has its own "ns", "local_kv", "shell": the local
             * actor wins by design (docs/multi-node.md), nothing to warn of. */
            actor_log(rt, LOG_DEBUG,
                      "net: name \"%s\" of node %u shadowed by local actor 0x%016llx", name, peer,
                      (unsigned long long)e->id);
            return;
        }
        if (!mk_registry_register(rt, name, id, false))
            actor_log(rt, LOG_WARN, "net: name \"%s\" from node %u not stored: %s", name, peer,
                      mk_last_error());
        return;
    }
    if (!e)
        return;
    if (actor_id_node(e->id) == rt->node_id) {
        actor_log(rt, LOG_WARN, "net: node %u asked to remove local name \"%s\"; refused", peer,
                  name);
        return;
    }
    mk_registry_unregister(rt, name, false);
}

static void hello_in(runtime_t *rt, link_t *l, const message_t *m)
{
    node_id_t peer = l->t->peer_node;
    char why[96];
    if (m->payload_size != HELLO_SIZE) {
        snprintf(why, sizeof why, "malformed hello (%zu bytes)", m->payload_size);
    } else {
        node_id_t claimed = (node_id_t)get_be(m->payload, 4);
        if (claimed == peer)
            return;
        snprintf(why, sizeof why, "peer says it is node %u, expected node %u", claimed, peer);
    }
    actor_log(rt, LOG_ERROR, "net: transport to node %u: %s; closing", peer, why);
    mk_net_common_t *c = mk_net_common(l->t);
    if (c)
        c->drop(l->t, why);
}

/* One message from the peer of `l` (owned here). A message for a local
 * actor whose mailbox is full is kept in l->held and the link stops
 * reading until on_space() delivers it: nothing that arrived is dropped for
 * lack of room. A message for an actor that does not exist is dropped. */
static void incoming(runtime_t *rt, link_t *l, message_t *m)
{
    node_id_t peer = l->t->peer_node;
    if (m->dest == ACTOR_ID_INVALID) {
        if (m->type == MSG_NODE_HELLO)
            hello_in(rt, l, m);
        else if (m->type == MSG_NAME_REGISTER || m->type == MSG_NAME_UNREGISTER)
            name_in(rt, l, m);
        else
            actor_log(rt, LOG_WARN,
                      "net: message of type 0x%08x from node %u has no "
                      "destination; dropped",
                      m->type, peer);
        message_destroy(m);
        return;
    }
    if (actor_id_node(m->dest) != rt->node_id) {
        actor_log(rt, LOG_WARN,
                  "net: message from node %u for actor 0x%016llx of node %u "
                  "dropped (messages are not forwarded)",
                  peer, (unsigned long long)m->dest, actor_id_node(m->dest));
        message_destroy(m);
        return;
    }
    actor_t *a = mk_actor_find(rt, m->dest);
    if (a && mk_mailbox_full(a->mbox)) {
        if (mk_actor_wait_space(rt, m->dest, on_space, l)) {
            l->held = m;
            return;
        }
        actor_log(rt, LOG_WARN, "net: message from node %u dropped: mailbox full and %s", peer,
                  mk_last_error());
        message_destroy(m);
        return;
    }
    if (!mk_deliver(rt, m))
        actor_log(rt, LOG_WARN, "net: message from node %u dropped: %s", peer, mk_last_error());
}

/* Read and deliver what the transport of `l` has, until it has no more, its
 * connection changes (dropped, or a new peer accepted: the new fd is polled
 * after re-registration), a full mailbox pauses the link, or
 * MK_NET_RECV_BUDGET messages were delivered. The last leaves the link
 * pending (link_update() arms the kick): a peer flooding at full speed gets
 * one budget per poll of the loop, never the whole loop. */
static void link_read(runtime_t *rt, link_t *l)
{
    transport_t *t = l->t;
    int fd = t->fd;
    l->pending = false;
    for (unsigned n = 0; fd >= 0 && !l->held && t->fd == fd; n++) {
        if (n == MK_NET_RECV_BUDGET) {
            l->pending = true;
            return;
        }
        message_t *m = t->recv(t);
        if (!m)
            break;
        incoming(rt, l, m);
    }
    if (!l->held)
        l->parked = false; /* read to the end: a hang-up shows as EOF or is reported again */
}

/* The kick is readable, so every poll of the loop runs this while it is
 * registered: give each pending link one more budget, and leave the loop
 * when none is pending any more. */
static void on_kick(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)events;
    net_t *net = io->ctx;
    bool again = false;
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++) {
        link_t *l = &net->links[i];
        if (!l->t || !l->pending || l->held)
            continue;
        link_read(rt, l);
        link_update(rt, net, l);
        again = again || (l->pending && !l->held);
    }
    if (!again)
        mk_io_remove(rt, &net->kick);
}

/* The mailbox l->held waits for has room (alive) or its actor stopped:
 * deliver or drop the held frame, then read on. Frames the transport had
 * already buffered are read here, not left for a readiness event that may
 * never come. */
static void on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive)
{
    link_t *l = ctx;
    message_t *m = l->held;
    l->held = NULL;
    l->parked = false;
    if (!m)
        return;
    if (alive) {
        incoming(rt, l, m); /* may pause again if another producer took the room */
    } else {
        actor_log(rt, LOG_WARN,
                  "net: message from node %u dropped: actor 0x%016llx stopped while its "
                  "mailbox was full",
                  l->t->peer_node, (unsigned long long)id);
        message_destroy(m);
    }
    link_read(rt, l);
    link_update(rt, net_of(rt), l);
}

/* Forget the frame `l` holds and its wait (the transport goes away). */
static void link_release(runtime_t *rt, link_t *l)
{
    mk_actor_cancel_space(rt, l);
    if (l->held) {
        actor_log(rt, LOG_WARN,
                  "net: message for actor 0x%016llx dropped: its transport was removed while "
                  "the mailbox was full",
                  (unsigned long long)l->held->dest);
        message_destroy(l->held);
        l->held = NULL;
    }
    l->parked = false;
    l->pending = false;
}

static void on_io(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    net_t *net = net_of(rt);
    link_t *l = io->ctx;
    transport_t *t = l->t;
    mk_net_common_t *c = mk_net_common(t);
    if ((events & EPOLLOUT) && c)
        c->flush(t);
    if (l->held || l->pending) {
        /* Paused, or pending and read by the kick (an event of this batch
         * may predate either). A hang-up would be reported again and again:
         * leave the loop until resumed; the data before it is still read
         * then. */
        if (events & (EPOLLERR | EPOLLHUP))
            l->parked = true;
    } else if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        int fd = t->fd;
        link_read(rt, l);
        bool hup = (events & (EPOLLERR | EPOLLHUP)) && t->fd == fd;
        if (hup && (l->held || l->pending)) {
            l->parked = true;
        } else if (hup && t->is_connected(t)) {
            if (c) {
                c->drop(t, "connection hung up (EPOLLHUP/EPOLLERR)");
            } else {
                actor_log(rt, LOG_ERROR,
                          "net: transport to node %u hung up but says it is "
                          "connected; no longer polled",
                          t->peer_node);
                mk_io_remove(rt, io);
            }
        }
    }
    link_update(rt, net, l);
}

static bool sync_io(runtime_t *rt, link_t *l)
{
    transport_t *t = l->t;
    mk_net_common_t *c = mk_net_common(t);
    /* Paused links keep flushing output but read nothing; pending ones are
     * read by the kick, once per poll. */
    uint32_t want = (l->held || l->pending ? 0 : EPOLLIN) |
                    (c && t->fd >= 0 && c->wants_write(t) ? EPOLLOUT : 0);
    if (l->io.registered && (l->io.fd != t->fd || l->parked))
        mk_io_remove(rt, &l->io);
    if (t->fd < 0 || l->parked)
        return true;
    if (!l->io.registered)
        return mk_io_add(rt, &l->io, t->fd, want, on_io, l, true);
    if (l->io.events != want)
        return mk_io_modify(rt, &l->io, want);
    return true;
}

/* ---- Hooks: router, registry, exits ------------------------------------ */

static bool route(runtime_t *rt, void *ctx, const message_t *msg)
{
    (void)ctx;
    net_t *net = net_of(rt);
    node_id_t node = actor_id_node(msg->dest);
    link_t *l = link_find(net, node);
    if (!l)
        return mk_fail("actor_send: no transport reaches node %u (actor 0x%016llx)", node,
                       (unsigned long long)msg->dest);
    if (!l->up) {
        mk_net_common_t *c = mk_net_common(l->t);
        const char *why = c && c->down_reason(l->t)[0] ? c->down_reason(l->t) : "no connection yet";
        return mk_fail("actor_send: node %u is not connected (%s)", node, why);
    }
    if (l->t->send(l->t, msg)) {
        if (!(l->io.events & EPOLLOUT))
            sync_io(rt, l); /* output queued: poll for writability */
        return true;
    }
    char why[256];
    snprintf(why, sizeof why, "%s", mk_last_error());
    link_update(rt, net, l);
    return mk_fail("actor_send: %s", why);
}

static void on_name(runtime_t *rt, void *ctx, const char *name, actor_id_t id, bool registered)
{
    (void)ctx;
    net_t *net = net_of(rt);
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
            link_update(rt, net, l);
        else if (!(l->io.events & EPOLLOUT))
            sync_io(rt, l);
    }
}

static void on_exit_hook(runtime_t *rt, void *ctx, actor_id_t id, int reason)
{
    (void)ctx;
    (void)reason;
    net_t *net = net_of(rt);
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
        link_release(rt, l);
        mk_io_remove(rt, &l->io);
        l->t->destroy(l->t);
        l->t = NULL;
    }
    mk_io_remove(rt, &net->kick);
    if (net->kick_fd >= 0)
        close(net->kick_fd);
    mk_free(net);
}

/* The runtime's net state, made (with its hooks) on first use. */
static net_t *net_get(runtime_t *rt)
{
    net_t *net = net_of(rt);
    if (net)
        return net;
    net = mk_calloc(1, sizeof *net);
    if (!net) {
        mk_set_error("net: out of memory");
        return NULL;
    }
    net->kick_fd = -1; /* made by the first link that spends its budget */
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

/* ---- Public API ---------------------------------------------------------- */

bool runtime_add_transport(runtime_t *rt, transport_t *t)
{
    if (!rt)
        return mk_fail("runtime_add_transport: runtime is NULL");
    if (!t || !t->send || !t->recv || !t->is_connected || !t->destroy)
        return mk_fail("runtime_add_transport: transport is %s",
                       t ? "incomplete (a method is NULL)" : "NULL");
    if (t->peer_node == rt->node_id || t->peer_node == 0)
        return mk_fail("runtime_add_transport: peer node %u is %s", t->peer_node,
                       t->peer_node ? "this node" : "not a valid node ID");
    net_t *net = net_get(rt);
    if (!net)
        return false;
    link_t *l = link_find(net, t->peer_node);
    message_t *held = NULL;
    if (l) {
        /* A connecting transport whose peer is gone can be replaced. */
        if (l->t->is_connected(l->t) || l->t->fd >= 0)
            return mk_fail("runtime_add_transport: a transport for node %u exists", t->peer_node);
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
        if (!l)
            return mk_fail("runtime_add_transport: all %d transports are in use",
                           MK_MAX_TRANSPORTS);
    }
    memset(l, 0, sizeof *l);
    l->t = t;
    l->held = held;
    if (!sync_io(rt, l)) {
        link_release(rt, l);
        l->t = NULL;
        return false;
    }
    mk_net_common_t *c = mk_net_common(t);
    if (c) {
        c->log = transport_log;
        c->log_ctx = rt;
    }
    link_update(rt, net, l);
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
    net_t *net = rt ? net_of(rt) : NULL;
    for (size_t i = 0; net && i < MK_MAX_NODE_MONITORS; i++) {
        if (net->monitors[i] == watcher && watcher != ACTOR_ID_INVALID) {
            net->monitors[i] = ACTOR_ID_INVALID;
            return true;
        }
    }
    return mk_fail("node_demonitor: actor 0x%016llx does not monitor nodes",
                   (unsigned long long)watcher);
}

bool node_is_connected(runtime_t *rt, node_id_t node)
{
    link_t *l = rt ? link_find(net_of(rt), node) : NULL;
    return l && l->up;
}

size_t runtime_get_transport_count(const runtime_t *rt)
{
    const net_t *net = rt ? net_of(rt) : NULL;
    size_t n = 0;
    for (size_t i = 0; net && i < MK_MAX_TRANSPORTS; i++)
        n += net->links[i].t != NULL;
    return n;
}
