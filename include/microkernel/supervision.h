/*
 * microkernel/supervision.h -- supervisors, child specs, restart strategies,
 * and the death notifications they rest on: monitors and links.
 *
 * Source: seed API reference (000), "Supervision" (names, values and struct
 * layouts fixed), and the peer runtime's links and monitors (seed 004,
 * "Actor Lifecycle", "Exit Message Handling"). Everything beyond the seed is
 * marked "Extension". Semantics in docs/supervision.md; message values in
 * docs/system-messages.md. Like the rest of the API, none of this is
 * thread-safe: call it on the runtime's thread.
 */
#ifndef MICROKERNEL_SUPERVISION_H
#define MICROKERNEL_SUPERVISION_H

#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Exit reasons ----------------------------------------------------- */

/* Seed values. */
#define EXIT_NORMAL        0 /* the behaviour returned false */
#define EXIT_KILLED        1 /* stopped with actor_stop() */
/*
 * Extension: reasons the runtime or its layers give. Every reason other than
 * EXIT_NORMAL and EXIT_SHUTDOWN is abnormal (RESTART_TRANSIENT restarts it).
 */
#define EXIT_CRASHED       2 /* a native actor gave up: actor_exit(rt, id, EXIT_CRASHED) */
#define EXIT_TRAP          3 /* a WASM actor trapped (unreachable, bounds, ...) */
#define EXIT_FUEL          4 /* a WASM actor exhausted its fuel budget */
#define EXIT_SHUTDOWN      5 /* stopped by its supervisor (supervisor_stop, sibling restart) */
#define EXIT_RESTART_LIMIT 6 /* a supervisor exceeded max_restarts within window_ms */
#define EXIT_START_FAILED  7 /* a supervisor could not (re)start a child */

/* ---- Restart types and strategies -------------------------------------- */

/* Per-child restart policy (seed "Restart types"). */
typedef enum {
    RESTART_PERMANENT, /* always restart, whatever the exit reason */
    RESTART_TRANSIENT, /* restart only on an abnormal exit (not EXIT_NORMAL / EXIT_SHUTDOWN) */
    RESTART_TEMPORARY  /* never restart */
} restart_type_t;

/* Per-supervisor strategy (seed "Restart strategies"). */
typedef enum {
    STRATEGY_ONE_FOR_ONE, /* only the dead child is restarted */
    STRATEGY_ONE_FOR_ALL, /* all children are stopped and restarted */
    STRATEGY_REST_FOR_ONE /* the dead child and those started after it */
} restart_strategy_t;

/* ---- Types ------------------------------------------------------------ */

/* Produces fresh actor state on each (re)start (seed "state_factory_fn"). */
typedef void *(*state_factory_fn)(void *factory_arg);

/*
 * A child managed by a supervisor (seed "child_spec_t"). `factory` (NULL: no
 * state) is called with `factory_arg` on every (re)start; `free_state` on
 * the state when that incarnation stops. `name` (may be NULL) is also
 * registered for each incarnation, so actor_send_named() reaches the
 * current one. `factory_arg` must stay valid while the supervisor lives.
 */
typedef struct {
    const char *name; /* for logging, may be NULL */
    actor_behavior_fn behavior;
    state_factory_fn factory; /* creates initial state; NULL = no state */
    void *factory_arg;        /* passed to factory on each (re)start */
    void (*free_state)(void *);
    size_t mailbox_size;
    restart_type_t restart_type;
} child_spec_t;

/* Payload of MSG_CHILD_EXIT (seed), sent with source = the dead child. */
typedef struct {
    actor_id_t child_id;
    uint8_t exit_reason;
} child_exit_payload_t;

/* ---- Supervisors (seed) -------------------------------------------------- */

/*
 * Start a supervisor actor managing `n_specs` children described by `specs`
 * (copied; names copied too), started at once in spec order. When called
 * from a behaviour, the calling actor becomes the supervisor's parent and
 * gets MSG_CHILD_EXIT when the supervisor stops (restart limit, failed
 * restart, actor_stop, supervisor_stop). More than `max_restarts` restarts
 * within `window_ms` milliseconds stop the supervisor and all its children
 * (reason EXIT_RESTART_LIMIT).
 * Returns the supervisor's ID, or ACTOR_ID_INVALID with mk_last_error() set
 * and no actor left behind for: a NULL runtime; NULL specs or n_specs 0;
 * an unknown strategy; max_restarts <= 0 (or above 1,000,000); window_ms 0;
 * a spec with a NULL behaviour, a mailbox_size of 0 or above MK_MAILBOX_MAX,
 * an unknown restart type, or a name that is too long, duplicated or already
 * registered; no memory or actor slots; a child that fails to start.
 */
actor_id_t supervisor_start(runtime_t *rt, restart_strategy_t strategy, int max_restarts,
                            uint64_t window_ms, const child_spec_t *specs, size_t n_specs);

/*
 * The current ID of child `index` (0-based, spec order) of supervisor
 * `sup_id`. ACTOR_ID_INVALID (with a reason) when the supervisor does not
 * exist, the index is out of range, or the child is not running (dead and
 * not yet restarted, or not to be restarted).
 */
actor_id_t supervisor_get_child(runtime_t *rt, actor_id_t sup_id, size_t index);

/*
 * Stop supervisor `sup_id` (exit reason EXIT_SHUTDOWN) and its whole
 * subtree: children are stopped in reverse start order, each free_state
 * called once. Its parent is told with MSG_CHILD_EXIT. Unknown IDs and
 * actors that are not supervisors are ignored (mk_last_error() says so).
 */
void supervisor_stop(runtime_t *rt, actor_id_t sup_id);

/*
 * The factory_arg currently stored in child spec `index` of supervisor
 * `sup_id` (after supervisor_replace_child, the one it stored), so a caller
 * can free the last one before or after stopping the supervisor. NULL (with
 * a reason) when the supervisor does not exist or index >= the number of
 * specs. Source: the original's supervision.h (../shared/compat/services.md
 * section 4).
 */
void *supervisor_get_factory_arg(runtime_t *rt, actor_id_t sup_id, size_t index);

/*
 * Make live actor `new_child` take the place of child `old_child` of
 * supervisor `sup_id`: the spec's current ID becomes `new_child` (its death
 * is reported to and handled by the supervisor from now on; its parent is
 * the supervisor), `old_child` is no longer supervised (its death is not
 * reported), the spec's factory_arg becomes `new_factory_arg` and the
 * previous one is stored in `*old_factory_arg_out` (may be NULL) for the
 * caller to free. Returns the child's index, or -1 (with a reason, nothing
 * changed) when the supervisor does not exist, `old_child` is not one of
 * its running children, or `new_child` is not a live local actor or no
 * memory is left. Source: the original's supervision.h (compat/services.md
 * section 4); hot reload here keeps the actor's ID, so it needs no swap.
 */
int supervisor_replace_child(runtime_t *rt, actor_id_t sup_id, actor_id_t old_child,
                             actor_id_t new_child, void *new_factory_arg,
                             void **old_factory_arg_out);

/* ---- Inspection (extension) -------------------------------------------- */

/* A supervisor as supervisor_info() reports it. */
typedef struct {
    restart_strategy_t strategy;
    int max_restarts;          /* restarts allowed within window_ms */
    uint64_t window_ms;        /* the intensity window, milliseconds */
    size_t n_children;         /* child specs */
    uint64_t restarts;         /* restarts since the supervisor started (all children) */
    size_t restarts_in_window; /* restarts within the last window_ms (0..max_restarts) */
} supervisor_info_t;

/* One child spec of a supervisor, in spec order. */
typedef struct {
    const char *name;            /* the spec's name, or NULL; valid while the supervisor lives */
    actor_id_t id;               /* running incarnation, or ACTOR_ID_INVALID */
    restart_type_t restart_type; /* the spec's */
    uint64_t restarts;           /* times this child was started again */
    bool supervisor;             /* the child is itself a supervisor (nested) */
} supervisor_child_info_t;

/*
 * Describe supervisor `sup_id` into *out and its first `max_children`
 * children into `children` (may be NULL when max_children is 0); read
 * out->n_children for the total. For tools (the web observer,
 * docs/observer.md): O(children + max_restarts). Returns false with a
 * reason for a NULL output, or when `sup_id` is not a live local supervisor.
 */
bool supervisor_info(runtime_t *rt, actor_id_t sup_id, supervisor_info_t *out,
                     supervisor_child_info_t *children, size_t max_children);

/* ---- Nested supervisors (extension) ---------------------------------- */

/* What supervisor_start takes, as one value (factory_arg of a nested
 * supervisor). `specs` must stay valid while any supervisor made from it
 * may be (re)started. */
typedef struct {
    restart_strategy_t strategy;
    int max_restarts;
    uint64_t window_ms;
    const child_spec_t *specs;
    size_t n_specs;
} supervisor_spec_t;

/*
 * A child spec whose child is itself a supervisor built from `sup` (which
 * must outlive the parent): the parent starts it like any child, it starts
 * its own children, and when it gives up the parent sees MSG_CHILD_EXIT
 * with EXIT_RESTART_LIMIT and applies `restart_type` to it.
 */
child_spec_t supervisor_child_spec(const char *name, const supervisor_spec_t *sup,
                                   restart_type_t restart_type);

/* The behaviour of every supervisor (lets tools recognise one). */
bool supervisor_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state);

/* ---- Exits, monitors and links (extension) ----------------------------- */

/* System messages (listed in docs/system-messages.md). */
#define MSG_DOWN      (MSG_EXTENSION_BASE + 0x20u) /* 0xFF000120, down_payload_t */
#define MSG_LINK_EXIT (MSG_EXTENSION_BASE + 0x21u) /* 0xFF000121, down_payload_t */

/* Payload of MSG_DOWN and MSG_LINK_EXIT; source ACTOR_ID_INVALID. */
typedef struct {
    actor_id_t actor; /* the actor that stopped */
    uint64_t ref;     /* the monitor's reference (MSG_DOWN); 0 for MSG_LINK_EXIT */
    uint8_t reason;   /* EXIT_* */
} down_payload_t;

/*
 * Stop actor `id` with exit `reason` (0..255; EXIT_* above, or an
 * application's own values from 64 up). Like actor_stop(), which is
 * actor_exit(rt, id, EXIT_KILLED); from the actor's own behaviour the stop
 * takes effect when the behaviour returns. Unknown IDs are ignored with a
 * reason in mk_last_error().
 */
void actor_exit(runtime_t *rt, actor_id_t id, int reason);

/* "NORMAL", "KILLED", "CRASHED", "TRAP", "FUEL", "SHUTDOWN", "RESTART_LIMIT",
 * "START_FAILED", or "OTHER". */
const char *exit_reason_name(int reason);

/*
 * Monitor `target` for the calling actor (one-way, as in the peer runtime):
 * when `target` stops, the caller gets one MSG_DOWN {target, ref, reason}.
 * Several monitors of the same target give one message each. A monitor
 * ends when it fires, when either side stops, or with actor_demonitor().
 * Returns the reference (never 0), or 0 with a reason outside a behaviour,
 * for a target that is not a live local actor, or for the caller itself.
 */
uint64_t actor_monitor(runtime_t *rt, actor_id_t target);

/*
 * Remove monitor `ref` of the calling actor. A MSG_DOWN already queued is
 * not withdrawn. Returns false when the caller has no such monitor.
 */
bool actor_demonitor(runtime_t *rt, uint64_t ref);

/*
 * Link the calling actor and `other` (two-way): when either stops, the
 * other gets MSG_LINK_EXIT {dead actor, 0, reason}. A link is a
 * notification, not a kill: the survivor decides (return false to follow).
 * Linking twice is one link. Returns false with a reason outside a
 * behaviour, for the caller itself, or an actor that is not live and local.
 */
bool actor_link(runtime_t *rt, actor_id_t other);

/* Remove the link between the caller and `other`. Returns false when there
 * is none. */
bool actor_unlink(runtime_t *rt, actor_id_t other);

#ifdef __cplusplus
}
#endif

#endif
