/*
 * runtime_internal.h -- the runtime's private structures and the internal
 * API other layers (net, http, supervision, wasm, services) build on.
 *
 * Everything here runs on the runtime's thread. Nothing on the message path
 * allocates in steady state (see message_internal.h for the pools).
 */
#ifndef MK_CORE_RUNTIME_INTERNAL_H
#define MK_CORE_RUNTIME_INTERNAL_H

#include <signal.h>

#include "core/error_internal.h"
#include "core/message_internal.h"
#include "microkernel/mailbox.h"
#include "microkernel/runtime.h"
#include "microkernel/scheduler.h"
#include "microkernel/services.h"
#include "platform/cpu.h"
#include "platform/event.h"

/* ---- Mailbox: a power-of-two ring of message pointers ---------------- */

struct mailbox {
    uint32_t mask; /* capacity - 1 */
    uint32_t head; /* index of the oldest message (free-running) */
    uint32_t tail; /* index one past the newest (free-running) */
    uint32_t reserved;
    message_t *slots[]; /* capacity entries */
};

/* Bytes a mailbox of `capacity` (a power of two) needs. */
size_t mk_mailbox_bytes(size_t capacity);
/* Make the memory at `mb` an empty mailbox of `capacity` (a power of two). */
void mk_mailbox_init(mailbox_t *mb, size_t capacity);
/* Destroy every queued message; the mailbox itself stays. */
void mk_mailbox_drain(mailbox_t *mb);
/* Smallest power of two >= n, for n >= 1. */
size_t mk_round_pow2(size_t n);

static inline bool mk_mailbox_full(const mailbox_t *mb)
{
    return mb->tail - mb->head > mb->mask;
}

/* ---- Actors --------------------------------------------------------- */

enum {
    MK_ACTOR_ALIVE = 1,    /* receives messages */
    MK_ACTOR_STOPPING = 2, /* stop requested while its behaviour runs */
    MK_ACTOR_DEAD = 3      /* being torn down; sends fail */
};

#define MK_ACTOR_SYSTEM 0x01u /* does not keep runtime_run() going */
#define MK_ACTOR_HELD   0x02u /* not dispatched until mk_actor_wake() (mk_actor_hold) */
#define MK_ACTOR_SPACE  0x04u /* someone waits for room in its mailbox (mk_actor_wait_space) */

struct actor {
    actor_id_t id;              /* node | sequence */
    actor_behavior_fn behavior; /* called once per message */
    void *state;                /* owned by the actor; freed with free_state */
    void (*free_state)(void *); /* may be NULL */
    actor_t *ready_next;        /* ready-queue links (scheduler.c) */
    actor_t *ready_prev;
    mailbox_t *mbox;     /* lives in the same allocation, after the actor */
    actor_id_t parent;   /* spawner or supervisor (inspection only) */
    uint32_t slot;       /* index in the actor table */
    uint8_t status;      /* MK_ACTOR_* */
    uint8_t queued;      /* 1 while in the ready queue */
    uint8_t exit_reason; /* reason recorded by a deferred stop */
    uint8_t flags;       /* MK_ACTOR_SYSTEM, MK_ACTOR_HELD, MK_ACTOR_SPACE */
    message_t *wake;     /* handled before the mailbox (mk_actor_wake), or NULL */
    uint64_t msgs_in;    /* messages handled (plain increment per turn; the observer samples) */
    uint64_t msgs_out;   /* actor_send calls that queued or routed a message */
};

/* One entry of the actor table. The slot of a stopped actor is reused, but
 * with a sequence number advanced by the table capacity, so old IDs stay
 * dead: slot = (seq - 1) & (capacity - 1). */
typedef struct {
    actor_t *actor;     /* NULL when free */
    uint32_t seq;       /* sequence of the last actor in this slot (0: never used) */
    uint32_t next_free; /* free-list link (index), MK_SLOT_NONE at the end */
} mk_actor_slot_t;

#define MK_SLOT_NONE UINT32_MAX

/* The live local actor with ID `id`, or NULL. O(1). */
actor_t *mk_actor_find(const runtime_t *rt, actor_id_t id);

/* After a behaviour returned: finish a stop it asked for, or requeue the
 * actor when its mailbox is not empty. */
void mk_actor_after_dispatch(runtime_t *rt, actor_t *a, bool keep_running);
/* Stop every actor, in slot order (runtime_destroy). */
void mk_actors_destroy_all(runtime_t *rt);

/* ---- I/O sources (the event loop, loop.c) --------------------------- */

typedef struct mk_io mk_io_t;
/* Called on the runtime's thread when `io`'s fd is ready; `events` are
 * EPOLL* bits. The callback may remove any source, itself included. */
typedef void (*mk_io_fn)(runtime_t *rt, mk_io_t *io, uint32_t events);

/* An fd in the event loop. Owned and placed by the caller (no hidden
 * allocation); must stay valid until mk_io_remove(). */
struct mk_io {
    int fd;           /* the descriptor */
    uint32_t events;  /* EPOLL* interest bits */
    mk_io_fn fn;      /* readiness callback */
    void *ctx;        /* the caller's context */
    bool keeps_alive; /* counts as something that can wake an actor */
    bool registered;  /* in the poller */
};

/*
 * Add `fd` with `events` (EPOLL* bits; EPOLLONESHOT allowed) to the loop.
 * `keeps_alive` sources stop runtime_run() from returning for lack of
 * anything that could wake an actor (timers, watches, sockets, transports).
 * Returns false with a reason when epoll refuses the fd.
 */
bool mk_io_add(runtime_t *rt, mk_io_t *io, int fd, uint32_t events, mk_io_fn fn, void *ctx,
               bool keeps_alive);
/* Change the interest bits of a registered source (re-arms EPOLLONESHOT). */
bool mk_io_modify(runtime_t *rt, mk_io_t *io, uint32_t events);
/* Remove a source; pending events for it in the current batch are dropped.
 * Safe on a source that is not registered. Does not close the fd. */
void mk_io_remove(runtime_t *rt, mk_io_t *io);
/* Poll the loop once: wait up to `timeout_ms` (-1: until an event) and run
 * the callbacks of ready sources. Returns the number of events handled (0 on
 * timeout, on EINTR, or when called re-entrantly from a callback). */
int mk_io_poll(runtime_t *rt, int timeout_ms);
/*
 * Wait for I/O when no actor is ready: the adaptive idle spin of
 * docs/event-loop.md ("Idle spin"), then a blocking poll. Polls without
 * blocking for up to rt->spin_ns nanoseconds, but only while recent waits
 * were shorter than that (rt->spin_credit); otherwise blocks at once, so an
 * idle runtime still uses no CPU.
 */
void mk_io_idle(runtime_t *rt);

/* ---- Services state -------------------------------------------------- */

typedef struct {
    timer_id_t id;    /* TIMER_ID_INVALID when the entry is free */
    actor_id_t owner; /* the actor that armed it */
    bool periodic;    /* repeats until cancelled */
    uint64_t pending; /* expirations not yet delivered */
    mk_io_t io;       /* the timerfd in the loop */
} mk_timer_t;

typedef struct {
    actor_id_t owner; /* ACTOR_ID_INVALID when the entry is free */
    uint32_t events;  /* EPOLL* interest (without EPOLLONESHOT) */
    bool in_flight;   /* an MSG_FD_EVENT is queued and not yet handled */
    mk_io_t io;       /* the user's fd in the loop */
} mk_fdwatch_t;

typedef struct {
    char name[MK_NAME_MAX + 1]; /* "" when free */
    actor_id_t id;              /* the actor it maps to (may be remote) */
    node_id_t origin;           /* peer node that planted it (MSG_NAME_REGISTER); 0: local */
} mk_name_t;

/* ---- Hooks for the layers above the core ---------------------------- */

/* Told of every actor exit, after its timers, watches and names are gone
 * and before its state is freed. `reason`: EXIT_NORMAL (0), EXIT_KILLED (1)
 * or a reason defined in supervision.h. */
typedef void (*mk_exit_hook_fn)(runtime_t *rt, void *ctx, actor_id_t id, int reason);
/* Told of every change of the local registry made with notify=true. */
typedef void (*mk_name_hook_fn)(runtime_t *rt, void *ctx, const char *name, actor_id_t id,
                                bool registered);
/* Sends a message to another node; returns false with a reason when no
 * transport reaches it. The message stays the caller's. */
typedef bool (*mk_route_fn)(runtime_t *rt, void *ctx, const message_t *msg);

/* Per-runtime state of a layer above the core, destroyed (in reverse
 * order) by runtime_destroy after every actor has stopped. */
typedef enum {
    MK_EXT_NET,
    MK_EXT_HTTP,
    MK_EXT_SUPERVISION,
    MK_EXT_WASM,
    MK_EXT_SERVICES,
    MK_EXT_HW,
    MK_EXT_SHELL,
    MK_EXT_STATE, /* state_persist_init's base directory (src/wasm/state_persist.c) */
    MK_EXT_NATS,  /* the NATS attachment (src/net/nats/nats_link.c) */
    MK_EXT_COUNT
} mk_ext_slot_t;

typedef struct {
    void *data;
    void (*destroy)(runtime_t *rt, void *data);
} mk_ext_t;

typedef struct {
    mk_exit_hook_fn fn;
    void *ctx;
} mk_exit_hook_t;

typedef struct {
    mk_name_hook_fn fn;
    void *ctx;
} mk_name_hook_t;

#define MK_EVENT_BATCH 64

struct runtime {
    node_id_t node_id;                    /* this node */
    size_t max_actors;                    /* live actors allowed */
    size_t alive;                         /* live actors */
    size_t alive_user;                    /* live actors without MK_ACTOR_SYSTEM */
    mk_actor_slot_t *table;               /* table_mask + 1 slots */
    uint32_t table_mask;                  /* capacity - 1 (capacity a power of two) */
    uint32_t next_unused;                 /* slots [next_unused, capacity) never used */
    uint32_t free_head;                   /* free list of reused slots */
    scheduler_t ready;                    /* actors with queued messages */
    actor_t *current;                     /* actor whose behaviour runs, or NULL */
    volatile sig_atomic_t stop_requested; /* runtime_stop() was called */

    mk_poller_t *poller;                    /* epoll */
    size_t wake_sources;                    /* sources with keeps_alive */
    mk_poll_event_t events[MK_EVENT_BATCH]; /* batch being processed */
    int n_events;                           /* events in the batch */
    int event_index;                        /* the one being handled */
    uint32_t spin_ns;                       /* idle spin budget (0: off) */
    uint32_t spin_credit;                   /* >0: recent waits were short */
    uint64_t spin_hits;                     /* spins that caught an event (tests, bench) */
    uint64_t spin_misses;                   /* spins that ran out of budget */
    uint64_t io_polls;                      /* poller waits, blocking or not (tests) */
    bool spin_contended;                    /* last probe: CPUs contested */
    uint64_t spin_probed_ns;                /* when it was taken */
    mk_cpu_probe_t cpu_probe;               /* the run-queue probe */

    mk_msg_pool_t pool; /* message and payload free lists */

    mk_timer_t timers[MK_MAX_TIMERS];
    timer_id_t last_timer_id; /* IDs increase; 0 skipped */
    size_t n_timers;
    mk_fdwatch_t watches[MK_MAX_FD_WATCHES];
    size_t n_watches;
    mk_name_t names[MK_MAX_NAMES];
    size_t n_names;

    actor_id_t log_actor;    /* ACTOR_ID_INVALID until enabled */
    int log_level;           /* minimum level written */
    mk_log_sink_fn log_sink; /* NULL: stderr */
    void *log_sink_ctx;

    mk_exit_hook_t exit_hooks[MK_MAX_EXIT_HOOKS];
    size_t n_exit_hooks;
    mk_name_hook_t name_hooks[MK_MAX_EXIT_HOOKS];
    size_t n_name_hooks;
    mk_route_fn route; /* remote sends (set by the net layer) */
    void *route_ctx;
    struct mk_space_waiter *space_waiters; /* mk_actor_wait_space (space.c) */
    size_t n_space_waiters, cap_space_waiters;
    uint32_t space_round; /* advanced by every mk_space_notify */
    mk_ext_t ext[MK_EXT_COUNT];
    const struct mk_path_ops *path_ops; /* "/"-names (set by src/services), or NULL */
    void *path_ctx;
};

/* ---- Internal API ---------------------------------------------------- */

/*
 * Deliver a message to a local actor as if `source` had sent it (transports
 * use it to keep the original sender; the runtime sends system messages
 * with source ACTOR_ID_INVALID). Copies the payload. Remote destinations go
 * through the router. Same errors as actor_send().
 */
bool mk_send_from(runtime_t *rt, actor_id_t source, actor_id_t dest, msg_type_t type,
                  const void *payload, size_t payload_size);

/*
 * Deliver `msg` (ownership passes to the runtime, success or not: on
 * failure it is destroyed) to its local destination msg->dest. Lets large
 * payloads (HTTP bodies, WebSocket messages) travel without a copy.
 */
bool mk_deliver(runtime_t *rt, message_t *msg);

/* Stop actor `id` with exit reason `reason` (see mk_exit_hook_fn). */
void mk_actor_exit(runtime_t *rt, actor_id_t id, int reason);

/*
 * Hold and wake: how a layer parks an actor in the middle of handling a
 * message without a native stack (WASM actors blocked in mk_sleep_ms).
 *
 * mk_actor_hold(): the live actor `id` is no longer dispatched. Messages
 * sent to it keep queueing in its mailbox, in order, and count against its
 * capacity (senders see "mailbox full" as usual). May be called on the
 * running actor from its own behaviour: its turn ends when it returns.
 *
 * mk_actor_wake(): ends a hold (if any) and makes a message of `type` (no
 * payload, source ACTOR_ID_INVALID) the next one the actor handles, ahead of
 * its mailbox; the actor is queued behind the actors already ready. Called
 * on the running actor from its own behaviour it is a yield: the turn ends
 * and the wake message comes after the other ready actors had theirs.
 * Returns false with a reason for an unknown actor, when a wake message is
 * already pending, or when memory runs out. An actor that stops with a
 * pending wake message has it destroyed. Tested by
 * tests/wasm/test_actor_hold.c; WASM actors (src/wasm) are the user so far.
 */
void mk_actor_hold(runtime_t *rt, actor_id_t id);
bool mk_actor_wake(runtime_t *rt, actor_id_t id, msg_type_t type);

/* Record `parent` as the parent of live actor `id` (supervisors do, for
 * children they start outside a behaviour). */
void mk_actor_set_parent(runtime_t *rt, actor_id_t id, actor_id_t parent);

/* Mark a live actor as a system actor (or not): system actors do not keep
 * runtime_run() going. */
void mk_actor_set_system(runtime_t *rt, actor_id_t id, bool system);

bool mk_runtime_on_exit(runtime_t *rt, mk_exit_hook_fn fn, void *ctx);
bool mk_runtime_on_name(runtime_t *rt, mk_name_hook_fn fn, void *ctx);
void mk_runtime_set_router(runtime_t *rt, mk_route_fn fn, void *ctx);
/* Attach a layer's state; the previous one in that slot is NOT destroyed. */
void mk_runtime_set_ext(runtime_t *rt, mk_ext_slot_t slot, void *data,
                        void (*destroy)(runtime_t *rt, void *data));
void *mk_runtime_ext(const runtime_t *rt, mk_ext_slot_t slot);

/*
 * Register / remove a name with control over the hooks: the net layer adds
 * names learnt from peers with notify=false so they are not re-broadcast.
 * Same rules and errors as actor_register_name().
 */
bool mk_registry_register(runtime_t *rt, const char *name, actor_id_t id, bool notify);
bool mk_registry_unregister(runtime_t *rt, const char *name, bool notify);
/*
 * A name learnt from peer node `origin` (its MSG_NAME_REGISTER): stored
 * with notify=false and remembered as planted by `origin`, so that it goes
 * with that peer (mk_registry_remove_node) and counts against its quota
 * (mk_registry_count_origin). Same rules and errors as
 * actor_register_name().
 */
bool mk_registry_register_from(runtime_t *rt, const char *name, actor_id_t id, node_id_t origin);
/* How many names peer node `origin` planted. */
size_t mk_registry_count_origin(const runtime_t *rt, node_id_t origin);
/* The entry for `name`, or NULL (read-only view for the net layer). */
const mk_name_t *mk_registry_find(const runtime_t *rt, const char *name);
/* Remove every name that maps to an actor of node `node` and every name
 * node `node` planted, whatever it maps to (hooks not told). Returns how
 * many were removed. */
size_t mk_registry_remove_node(runtime_t *rt, node_id_t node);

/*
 * Path names: once the namespace layer (src/services/namespace.c) installs
 * its table with mk_runtime_set_path_ops(), actor_register_name(),
 * actor_unregister_name(), actor_lookup() and actor_send_named() hand every
 * name that starts with '/' to these functions instead of the flat table.
 * Paths are not told to the name hooks (the namespace syncs them itself).
 * Until then a '/'-name is an ordinary flat name. Each function records a
 * reason with mk_fail()/mk_set_error() when it fails.
 */
typedef struct mk_path_ops {
    bool (*reg)(runtime_t *rt, void *ctx, const char *path, actor_id_t id);
    bool (*unreg)(runtime_t *rt, void *ctx, const char *path);
    actor_id_t (*lookup)(runtime_t *rt, void *ctx, const char *path);
} mk_path_ops_t;
/* Install (or with NULL remove) the path table. */
void mk_runtime_set_path_ops(runtime_t *rt, const mk_path_ops_t *ops, void *ctx);

/*
 * Room in a mailbox (space.c): how a producer outside the actors -- a
 * transport, a socket -- avoids dropping what it cannot deliver to a full
 * mailbox. It keeps the message, stops reading its source, and asks to be
 * told when the mailbox has room again.
 *
 * mk_actor_wait_space(): `fn(rt, ctx, id, alive)` is called once, on the
 * runtime's thread, after live actor `id` has handled messages and has at
 * least one free slot (alive = true), or when it stops (alive = false).
 * It is never called from inside mk_actor_wait_space(). Several waiters per
 * actor are fine; they are told in the order they asked. Returns false with
 * a reason for an unknown actor or when memory runs out (the only
 * allocation, on this slow path).
 * mk_actor_cancel_space(): forget every wait registered with `ctx` (call it
 * before freeing ctx).
 */
typedef void (*mk_space_fn)(runtime_t *rt, void *ctx, actor_id_t id, bool alive);
bool mk_actor_wait_space(runtime_t *rt, actor_id_t id, mk_space_fn fn, void *ctx);
void mk_actor_cancel_space(runtime_t *rt, void *ctx);
/* The core's side: tell the waiters of `a` (room, or stopped). */
void mk_space_notify(runtime_t *rt, actor_t *a, bool alive);
void mk_space_destroy(runtime_t *rt);

/* Teardown helpers called when an actor stops (timer.c, fdwatch.c,
 * registry.c) and when the runtime is destroyed. */
void mk_timers_release_owner(runtime_t *rt, actor_id_t owner);
void mk_timers_destroy(runtime_t *rt);
void mk_fdwatch_release_owner(runtime_t *rt, actor_id_t owner);
void mk_fdwatch_handled(runtime_t *rt, actor_id_t owner, const message_t *msg);
void mk_registry_release_owner(runtime_t *rt, actor_id_t owner);
/* Write every line still queued for the log actor (runtime_destroy). */
void mk_log_flush(runtime_t *rt);
/* Write a finished log line to the sink. */
void mk_log_write(runtime_t *rt, int level, actor_id_t source, const char *text);

#endif
