/*
 * runtime_api.h -- the core's internal API for the layers above it (net,
 * http, supervision, wasm, services, cloud, hw, shell): event-loop sources,
 * hooks, extension slots, sending with a given source, hold/wake, the name
 * registry, path names, room in mailboxes, and small accessors for the
 * runtime's fields those layers read. runtime_t and actor_t stay opaque
 * here: only the core (src/core, through runtime_internal.h) sees their
 * fields, so it can change them without touching the layers above
 * (../shared/DESIGN.md, "Layers"). Everything here runs on the runtime's
 * thread.
 */
#ifndef MK_CORE_RUNTIME_API_H
#define MK_CORE_RUNTIME_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error_internal.h"
#include "core/message_internal.h"
#include "microkernel/actor.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"

/* ---- Actors --------------------------------------------------------- */

/* The live local actor with ID `id`, or NULL. O(1). */
actor_t *mk_actor_find(const runtime_t *rt, actor_id_t id);

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

/* ---- Names ---------------------------------------------------------- */

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

/*
 * Spawn hooks (process-wide): once actor_spawn() has made a live actor
 * whose behaviour is `behavior`, `fn(rt, id, state)` runs on the spawning
 * thread before actor_spawn() returns, for every spawn of that behaviour,
 * a supervisor's restarts included. A layer whose actors must start
 * working without a first message (WASM command modules, whose `_start`
 * runs at once: issue 20) wakes the actor there (mk_actor_wake). When `fn`
 * returns false (its reason set with mk_fail) the spawn is undone as if it
 * had failed: actor_spawn() returns ACTOR_ID_INVALID with that reason, the
 * ID is never seen by anyone, and the state stays the caller's (free_state
 * is not called), as on any failed spawn.
 * mk_spawn_hook_add() registers `fn` for `behavior`; registering the same
 * pair again is a no-op. Register before runtimes spawn on other threads
 * (the table is read without a lock; wasm_actors_init does it). False with
 * a reason for a NULL argument, another hook already on `behavior`, or
 * MK_SPAWN_HOOKS_MAX behaviours with hooks. Tested by
 * tests/core/test_spawn_hook.c.
 */
#define MK_SPAWN_HOOKS_MAX 4
typedef bool (*mk_spawn_hook_fn)(runtime_t *rt, actor_id_t id, void *state);
bool mk_spawn_hook_add(actor_behavior_fn behavior, mk_spawn_hook_fn fn);

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

/* Write a finished log line to the sink (log.c); for paths that must not
 * allocate a message, such as reporting that memory ran out. */
void mk_log_write(runtime_t *rt, int level, actor_id_t source, const char *text);

/* ---- Accessors for the layers above ---------------------------------- *
 * What those layers read of the runtime's fields, without the fields
 * (runtime.c unless said otherwise). Public accessors cover the rest:
 * runtime_node_id(), runtime_get_max_actors(), runtime_actor_count(),
 * actor_self() (ACTOR_ID_INVALID outside a behaviour), actor_mailbox_count(). */

/* Entry `i` (0 <= i < MK_MAX_NAMES) of the flat name table, in table order:
 * an entry with name[0] == '\0' is free. NULL when i is out of range. The
 * pointer is valid until the table changes (registry.c). */
const mk_name_t *mk_registry_slot(const runtime_t *rt, size_t i);

/* Whether no actor is waiting in the ready queue (the running one is not in
 * it): a batching actor can tell whether yielding would let others run. */
bool mk_runtime_ready_empty(const runtime_t *rt);

/* The message pool of the runtime (message_internal.h's mk_pool_message)
 * for layers that build messages without a copy (http). */
mk_msg_pool_t *mk_runtime_pool(runtime_t *rt);

/* The log sink installed with runtime_set_log_sink() (NULL: stderr), and
 * its context in *ctx when ctx is not NULL (log.c). */
mk_log_sink_fn mk_runtime_log_sink(const runtime_t *rt, void **ctx);

/* The log actor started by runtime_enable_log_actor(), or ACTOR_ID_INVALID
 * (log.c). */
actor_id_t mk_runtime_log_actor(const runtime_t *rt);

/* The context given to mk_runtime_set_path_ops() (NULL when none). */
void *mk_runtime_path_ctx(const runtime_t *rt);

/* Whether `fn` is among the exit hooks (mk_runtime_on_exit) / name hooks
 * (mk_runtime_on_name): hooks cannot be removed, so a layer attached again
 * checks before adding its own a second time. */
bool mk_runtime_has_exit_hook(const runtime_t *rt, mk_exit_hook_fn fn);
bool mk_runtime_has_name_hook(const runtime_t *rt, mk_name_hook_fn fn);

/* The state of the live local actor `id` when its behaviour is `behavior`
 * (a layer finding its own actors: supervisors, WASM actors); NULL for an
 * unknown actor, another behaviour or a NULL state (actor.c). */
void *mk_actor_state_of(const runtime_t *rt, actor_id_t id, actor_behavior_fn behavior);

/* Whether the live local actor `id` runs `behavior` (actor.c). */
bool mk_actor_runs(const runtime_t *rt, actor_id_t id, actor_behavior_fn behavior);

/* Whether the live local actor `id` has a full mailbox (a send to it would
 * fail with "mailbox full"); false for an unknown actor (actor.c). */
bool mk_actor_mailbox_full(const runtime_t *rt, actor_id_t id);

#endif
