/*
 * node_link_int.h -- what the two halves of the node link share: the link
 * and per-runtime state (node_link.c: link table, hooks, public API;
 * node_link_in.c: reading, checking and delivering incoming frames). Not
 * for use outside src/net/.
 */
#ifndef MK_NODE_LINK_INT_H
#define MK_NODE_LINK_INT_H

#include "core/log_limit.h"
#include "core/runtime_api.h"
#include "microkernel/node.h"
#include "net/net_internal.h"

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

/* ---- node_link.c ---- */

/* The runtime's node-link state, or NULL before the first transport. */
net_t *nl_net_of(const runtime_t *rt);

/* Reconcile `l` with its transport's state: resume reading later if the
 * budget ended a read, announce up/down, fix the loop registration. */
void nl_link_update(runtime_t *rt, net_t *net, link_t *l);

/* ---- node_link_in.c ---- */

/* True when frames of `type` are never accepted from a link. */
bool nl_local_only(const net_t *net, msg_type_t type);

/* Check and deliver one frame `m` from the peer of `l` (takes ownership). */
void nl_incoming(runtime_t *rt, link_t *l, message_t *m);

/* Read and deliver what l's transport has, within MK_NET_RECV_BUDGET. */
void nl_link_read(runtime_t *rt, link_t *l);

/* The kick's event: one more budget for every pending link. */
void nl_on_kick(runtime_t *rt, mk_io_t *io, uint32_t events);

/* A mailbox a held frame waits for has room (alive) or its actor stopped. */
void nl_on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive);

/* Forget the frame `l` holds and its wait (the transport goes away). */
void nl_link_release(runtime_t *rt, link_t *l);

/* Readiness of a transport fd: flush queued output, read, update. */
void nl_on_io(runtime_t *rt, mk_io_t *io, uint32_t events);

/* Put l->t->fd in the loop (EPOLLOUT too while output is queued), or take
 * a stale fd out. False with a reason when epoll refuses the fd. */
bool nl_sync_io(runtime_t *rt, link_t *l);

#endif
