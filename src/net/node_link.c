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
#include "platform/clock.h"

#define HELLO_SIZE      8 /* u32 node ID, u32 protocol version, both big-endian */
#define HELLO_VERSION   1u
#define NAME_FIELD      64 /* name[64], NUL-terminated, zero-padded */
#define NAME_REG_SIZE   72 /* name[64] + actor ID in host order (compat section 3.2) */
#define NAME_UNREG_SIZE 64 /* name[64] */

typedef struct {
    transport_t *t;          /* NULL: free slot */
    mk_io_t io;              /* t->fd in the event loop */
    bool up;                 /* connected as last seen (MSG_NODE_UP sent) */
    message_t *held;         /* frame waiting for room in its actor's mailbox; reading paused */
    bool parked;             /* hung up while paused or pending: fd out of the loop until resumed */
    bool pending;            /* the budget ended the last read: recv() may have more, even
                                frames already buffered in user space that no readiness
                                event will report; the kick reads on, EPOLLIN is off */
    bool original;           /* speak only what the original understands (no hello) */
    bool ever_up;            /* connected at least once (a lost one frees its slot) */
    node_link_stats_t stats; /* what came in and what was refused */
    /* One log line per cause per second (a peer can repeat every cause). */
    mk_log_limit_t lim_forged, lim_local_only, lim_control, lim_undeliverable, lim_names;
    mk_log_limit_t lim_handshake, lim_updown, lim_transport;
    runtime_t *rt; /* for the transport's log lines */
} link_t;

typedef struct {
    msg_type_t first, last; /* inclusive */
} type_range_t;

typedef struct {
    link_t links[MK_MAX_TRANSPORTS];
    type_range_t local_only[MK_NET_LOCAL_ONLY_MAX]; /* never accepted from a link */
    size_t n_local_only;
    node_id_t original[MK_MAX_TRANSPORTS]; /* nodes spoken to in original mode; 0: free */
    struct {
        node_id_t node; /* 0: free */
        char why[96];
    } gone[MK_MAX_TRANSPORTS];    /* why the last freed links went, for send errors */
    size_t gone_next;             /* ring index */
    uint32_t handshake_ms;        /* given to every stream transport added (0: no limit) */
    int deadline_fd;              /* timerfd for accepted peers' first frame; -1 until needed */
    mk_io_t deadline;             /* deadline_fd in the loop while some deadline is pending */
    uint64_t deadline_armed;      /* the mk_clock_ms() time it is set for, 0: disarmed */
    mk_net_control_fn control_fn; /* dest 0 frames the net layer does not handle */
    void *control_ctx;
    actor_id_t monitors[MK_MAX_NODE_MONITORS]; /* ACTOR_ID_INVALID: free */
    int kick_fd;  /* eventfd with a count of 1, never read: always readable; -1 until needed */
    mk_io_t kick; /* kick_fd in the loop while some link is pending, else out */
    mk_net_fallback_fn fallback; /* nodes without a transport (NATS), or NULL */
    void *fallback_ctx;
} net_t;

static void link_update(runtime_t *rt, net_t *net, link_t *l);
static void deadline_arm(runtime_t *rt, net_t *net);
static void link_read(runtime_t *rt, link_t *l);
static void on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive);
static void on_kick(runtime_t *rt, mk_io_t *io, uint32_t events);

static net_t *net_of(const runtime_t *rt)
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

static void link_release(runtime_t *rt, link_t *l);

/* Destroy l's transport and free its slot (issue 13: after 8 short-lived
 * peers every add failed while none was connected). */
static void link_free(runtime_t *rt, link_t *l)
{
    link_release(rt, l);
    mk_io_remove(rt, &l->io);
    l->t->destroy(l->t);
    memset(l, 0, sizeof *l);
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
        l->ever_up = l->ever_up || connected;
        if (connected)
            link_on_up(rt, net, l);
        else
            link_on_down(rt, net, l);
    }
    if (!l->up && l->ever_up && l->t->fd < 0 && !l->held && !l->pending) {
        link_free(rt, l); /* a connection that cannot come back (a listener keeps its slot) */
    } else if (!sync_io(rt, l)) {
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
        link_update(rt, net, l);
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

/* ---- Incoming frames --------------------------------------------------- */

/* A name change broadcast by the peer of `l` (compat section 3.3), stored
 * without telling the hooks, so it is not broadcast again. Rules beyond
 * the original (issue 13): a peer registers names only for actors of its
 * own node, at most MK_NET_PEER_NAMES_MAX of them, and removes only names
 * it planted; everything it planted goes when its link does. */
static void name_in(runtime_t *rt, link_t *l, const message_t *m)
{
    node_id_t peer = l->t->peer_node;
    bool reg = m->type == MSG_NAME_REGISTER;
    const unsigned char *p = m->payload;
    /* The framer checked the size (72 / 64 bytes). */
    if (memchr(p, '\0', NAME_FIELD) == NULL || p[0] == '\0' ||
        strlen((const char *)p) > MK_NAME_MAX) {
        l->stats.dropped_control++;
        mk_log_limited(rt, &l->lim_control, LOG_WARN,
                       "net: malformed %s from node %u (name not NUL-terminated or empty) ignored",
                       reg ? "MSG_NAME_REGISTER" : "MSG_NAME_UNREGISTER", peer);
        return;
    }
    const char *name = (const char *)p;
    const mk_name_t *e = mk_registry_find(rt, name);
    if (reg) {
        actor_id_t id;
        memcpy(&id, p + NAME_FIELD, sizeof id); /* host order, as the original */
        if (e && e->id == id)
            return; /* already known (a resync after reconnecting) */
        if (e && actor_id_node(e->id) == runtime_node_id(rt)) {
            /* Every node has its own "ns", "local_kv", "shell": the local
             * actor wins by design (docs/multi-node.md), nothing to warn of. */
            mk_log_limited(rt, &l->lim_names, LOG_DEBUG,
                           "net: name \"%s\" of node %u shadowed by local actor 0x%016llx", name,
                           peer, (unsigned long long)e->id);
            return;
        }
        char why[160] = "";
        if (actor_id_node(id) != peer)
            snprintf(why, sizeof why, "it names an actor of another node");
        else if (mk_registry_count_origin(rt, peer) >= (size_t)MK_NET_PEER_NAMES_MAX)
            snprintf(why, sizeof why, "the node's quota of %d names is used up",
                     (int)MK_NET_PEER_NAMES_MAX);
        else if (!mk_registry_register_from(rt, name, id, peer))
            snprintf(why, sizeof why, "%s", mk_last_error());
        if (why[0]) {
            l->stats.names_refused++;
            mk_log_limited(rt, &l->lim_names, LOG_WARN,
                           "net: name \"%s\" -> 0x%016llx from node %u not stored: %s", name,
                           (unsigned long long)id, peer, why);
        }
        return;
    }
    if (!e)
        return;
    if (e->origin != peer) {
        l->stats.names_refused++;
        mk_log_limited(rt, &l->lim_names, LOG_WARN,
                       "net: node %u asked to remove name \"%s\", which it did not register; "
                       "refused",
                       peer, name);
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
        node_id_t claimed = (node_id_t)mk_get_be(m->payload, 4);
        if (claimed == peer)
            return;
        snprintf(why, sizeof why, "peer says it is node %u, expected node %u", claimed, peer);
    }
    l->stats.dropped_control++;
    mk_log_limited(rt, &l->lim_control, LOG_ERROR, "net: transport to node %u: %s; closing", peer,
                   why);
    mk_net_common_t *c = mk_net_common(l->t);
    if (c)
        c->drop(l->t, why);
}

static bool local_only(const net_t *net, msg_type_t type)
{
    for (size_t i = 0; i < net->n_local_only; i++)
        if (type >= net->local_only[i].first && type <= net->local_only[i].last)
            return true;
    return false;
}

/* One message from the peer of `l` (owned here). Refused, counted and
 * logged (rate-limited) before anything else: a source that is not an
 * actor of the peer's node (forged), and a type only this runtime may
 * produce (console input, timers, exits...). A message for a local actor
 * whose mailbox is full is kept in l->held and the link stops reading
 * until on_space() delivers it: nothing that arrived is dropped for lack
 * of room. A message for an actor that does not exist is dropped. */
static void incoming(runtime_t *rt, link_t *l, message_t *m)
{
    net_t *net = net_of(rt);
    node_id_t peer = l->t->peer_node;
    node_id_t src_node = actor_id_node(m->source);
    l->stats.frames_in++;
    if (src_node != 0 && src_node != peer) {
        l->stats.dropped_forged_source++;
        mk_log_limited(rt, &l->lim_forged, LOG_WARN,
                       "net: frame of type 0x%08x from node %u claims source 0x%016llx of "
                       "node %u; dropped (forged source)",
                       m->type, peer, (unsigned long long)m->source, src_node);
        message_destroy(m);
        return;
    }
    if (m->dest == ACTOR_ID_INVALID) {
        if (m->type == MSG_NODE_HELLO)
            hello_in(rt, l, m);
        else if (m->type == MSG_NAME_REGISTER || m->type == MSG_NAME_UNREGISTER)
            name_in(rt, l, m);
        else if (net->control_fn && net->control_fn(rt, peer, m, net->control_ctx))
            ;
        else {
            l->stats.dropped_control++;
            mk_log_limited(rt, &l->lim_control, LOG_WARN,
                           "net: message of type 0x%08x from node %u has no "
                           "destination; dropped",
                           m->type, peer);
        }
        message_destroy(m);
        return;
    }
    if (local_only(net, m->type)) {
        l->stats.dropped_local_only++;
        mk_log_limited(rt, &l->lim_local_only, LOG_WARN,
                       "net: frame of local-only type 0x%08x from node %u for actor 0x%016llx "
                       "refused",
                       m->type, peer, (unsigned long long)m->dest);
        message_destroy(m);
        return;
    }
    if (actor_id_node(m->dest) != runtime_node_id(rt)) {
        l->stats.dropped_undeliverable++;
        mk_log_limited(rt, &l->lim_undeliverable, LOG_WARN,
                       "net: message from node %u for actor 0x%016llx of node %u "
                       "dropped (messages are not forwarded)",
                       peer, (unsigned long long)m->dest, actor_id_node(m->dest));
        message_destroy(m);
        return;
    }
    if (mk_actor_mailbox_full(rt, m->dest)) {
        if (mk_actor_wait_space(rt, m->dest, on_space, l)) {
            l->held = m;
            return;
        }
        l->stats.dropped_undeliverable++;
        mk_log_limited(rt, &l->lim_undeliverable, LOG_WARN,
                       "net: message from node %u dropped: mailbox full and %s", peer,
                       mk_last_error());
        message_destroy(m);
        return;
    }
    if (!mk_deliver(rt, m)) {
        l->stats.dropped_undeliverable++;
        mk_log_limited(rt, &l->lim_undeliverable, LOG_WARN, "net: message from node %u dropped: %s",
                       peer, mk_last_error());
        return;
    }
    l->stats.delivered++;
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
    for (unsigned n = 0; fd >= 0 && !l->held; n++) {
        if (t->fd != fd) {
            /* A listener accepted inside recv() and read on: go on with
             * the new connection (its next frames may be buffered already,
             * which no readiness event would report). A lost one ends. */
            if (!t->is_connected(t))
                break;
            fd = t->fd;
        }
        if (n == MK_NET_RECV_BUDGET) {
            l->pending = true;
            return;
        }
        message_t *m = t->recv(t);
        if (!m)
            break;
        if (!l->up && t->is_connected(t)) {
            link_update(rt, net_of(rt), l); /* hello and names out before anything is handled */
            if (l->t != t) {                /* lost and freed meanwhile (never a listener) */
                message_destroy(m);
                return;
            }
        }
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
        l->stats.dropped_undeliverable++;
        mk_log_limited(rt, &l->lim_undeliverable, LOG_WARN,
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
        link_read(rt, l);
        link_update(rt, net, l);
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
    mk_io_remove(rt, &net->deadline);
    if (net->deadline_fd >= 0)
        close(net->deadline_fd);
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
    if (!sync_io(rt, l)) {
        link_release(rt, l);
        l->t = NULL;
        return false;
    }
    mk_net_common_t *c = mk_net_common(t);
    if (c) {
        c->log = transport_log;
        c->log_ctx = l;
        c->handshake_ms = net->handshake_ms;
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
    return net && local_only(net, type);
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
        link_update(rt, net, l);
        return mk_fail("%s", why);
    }
    if (!(l->io.events & EPOLLOUT))
        sync_io(rt, l);
    return true;
}

bool mk_net_broadcast_control(runtime_t *rt, msg_type_t type, const void *p, size_t n)
{
    net_t *net = rt ? net_of(rt) : NULL;
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
    net_t *net = rt ? net_of(rt) : NULL;
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
    link_t *l = rt ? link_find(net_of(rt), node) : NULL;
    return l && l->up && l->t == t;
}

bool runtime_link_stats(runtime_t *rt, node_id_t node, node_link_stats_t *out)
{
    if (!rt || !out)
        return mk_fail("runtime_link_stats: %s is NULL", rt ? "out" : "runtime");
    link_t *l = link_find(net_of(rt), node);
    if (!l)
        return mk_fail("runtime_link_stats: no transport for node %u", node);
    *out = l->stats;
    return true;
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
