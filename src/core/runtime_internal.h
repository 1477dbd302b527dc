/*
 * runtime_internal.h -- the runtime's private structures, for src/core
 * only. The layers above include core/runtime_api.h (the internal API and
 * accessors, included here too) and never walk these fields.
 *
 * Everything here runs on the runtime's thread. Nothing on the message path
 * allocates in steady state (see message_internal.h for the pools).
 */
#ifndef MK_CORE_RUNTIME_INTERNAL_H
#define MK_CORE_RUNTIME_INTERNAL_H

#include <signal.h>

#include "core/error_internal.h"
#include "core/message_internal.h"
#include "core/runtime_api.h"
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

/* After a behaviour returned: finish a stop it asked for, or requeue the
 * actor when its mailbox is not empty. */
void mk_actor_after_dispatch(runtime_t *rt, actor_t *a, bool keep_running);
/* Stop every actor, in slot order (runtime_destroy). */
void mk_actors_destroy_all(runtime_t *rt);

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

/* Hook and extension slots (the types are in runtime_api.h). */

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

/* ---- The core's own side -------------------------------------------- */

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

#endif
