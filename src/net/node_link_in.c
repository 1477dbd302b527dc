/*
 * node_link_in.c -- the receiving half of the node link: reads frames from
 * a link's transport within a budget per turn, checks each (forged
 * sources, local-only types, the peer's name and hello rules of issue 13),
 * delivers it with its original source, and holds a frame for a full
 * mailbox until it has room (the link stops reading meanwhile). Runs on
 * the runtime's thread, from the event loop; never blocks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "core/alloc_internal.h"
#include "core/bytes.h"
#include "microkernel/wire.h"
#include "net/node_link_int.h"
#include "platform/clock.h"

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

bool nl_local_only(const net_t *net, msg_type_t type)
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
 * until nl_on_space() delivers it: nothing that arrived is dropped for lack
 * of room. A message for an actor that does not exist is dropped. */
void nl_incoming(runtime_t *rt, link_t *l, message_t *m)
{
    net_t *net = nl_net_of(rt);
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
    if (nl_local_only(net, m->type)) {
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
        if (mk_actor_wait_space(rt, m->dest, nl_on_space, l)) {
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
 * pending (nl_link_update() arms the kick): a peer flooding at full speed gets
 * one budget per poll of the loop, never the whole loop. */
void nl_link_read(runtime_t *rt, link_t *l)
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
            nl_link_update(rt, nl_net_of(rt),
                           l); /* hello and names out before anything is handled */
            if (l->t != t) {   /* lost and freed meanwhile (never a listener) */
                message_destroy(m);
                return;
            }
        }
        nl_incoming(rt, l, m);
    }
    if (!l->held)
        l->parked = false; /* read to the end: a hang-up shows as EOF or is reported again */
}

/* The kick is readable, so every poll of the loop runs this while it is
 * registered: give each pending link one more budget, and leave the loop
 * when none is pending any more. */
void nl_on_kick(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)events;
    net_t *net = io->ctx;
    bool again = false;
    for (size_t i = 0; i < MK_MAX_TRANSPORTS; i++) {
        link_t *l = &net->links[i];
        if (!l->t || !l->pending || l->held)
            continue;
        nl_link_read(rt, l);
        nl_link_update(rt, net, l);
        again = again || (l->pending && !l->held);
    }
    if (!again)
        mk_io_remove(rt, &net->kick);
}

/* The mailbox l->held waits for has room (alive) or its actor stopped:
 * deliver or drop the held frame, then read on. Frames the transport had
 * already buffered are read here, not left for a readiness event that may
 * never come. */
void nl_on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive)
{
    link_t *l = ctx;
    message_t *m = l->held;
    l->held = NULL;
    l->parked = false;
    if (!m)
        return;
    if (alive) {
        nl_incoming(rt, l, m); /* may pause again if another producer took the room */
    } else {
        l->stats.dropped_undeliverable++;
        mk_log_limited(rt, &l->lim_undeliverable, LOG_WARN,
                       "net: message from node %u dropped: actor 0x%016llx stopped while its "
                       "mailbox was full",
                       l->t->peer_node, (unsigned long long)id);
        message_destroy(m);
    }
    nl_link_read(rt, l);
    nl_link_update(rt, nl_net_of(rt), l);
}

/* Forget the frame `l` holds and its wait (the transport goes away). */
void nl_link_release(runtime_t *rt, link_t *l)
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

void nl_on_io(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    net_t *net = nl_net_of(rt);
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
        nl_link_read(rt, l);
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
    nl_link_update(rt, net, l);
}

bool nl_sync_io(runtime_t *rt, link_t *l)
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
        return mk_io_add(rt, &l->io, t->fd, want, nl_on_io, l, true);
    if (l->io.events != want)
        return mk_io_modify(rt, &l->io, want);
    return true;
}
