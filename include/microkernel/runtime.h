/*
 * microkernel/runtime.h -- the runtime: actor lifecycle, messaging, the loop.
 *
 * Source: seed API reference (000), "Runtime". One runtime is one node: a
 * cooperative scheduler and an event loop on one thread. None of these
 * functions is thread-safe; call them from the thread that runs the runtime
 * (behaviours run there too). Several cores are used by running several
 * runtimes joined by transports.
 */
#ifndef MICROKERNEL_RUNTIME_H
#define MICROKERNEL_RUNTIME_H

#include "microkernel/config.h"
#include "microkernel/error.h"
#include "microkernel/http.h"     /* the original's runtime.h brings both in */
#include "microkernel/services.h" /* (programs use timers, names, HTTP without more) */
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Create a runtime for node `node_id` able to hold `max_actors` live actors
 * at once (system actors such as the log actor count too). Any node ID is
 * accepted; use a non-zero one, unique in the cluster, when nodes connect.
 * Returns NULL when max_actors is 0 or above 2^31, or when memory or the
 * event loop (epoll) cannot be had; mk_last_error() says which.
 * The caller owns the runtime and frees it with runtime_destroy().
 */
runtime_t *runtime_init(node_id_t node_id, size_t max_actors);

/*
 * Destroy the runtime and free everything it holds: every actor (its
 * free_state is called once on its state), queued messages, timers, fd
 * watches (the watched fds themselves are not closed: they belong to the
 * caller), names, transports and connections. NULL is ignored. Must not be
 * called from inside a behaviour.
 */
void runtime_destroy(runtime_t *rt);

/*
 * Spawn an actor running `behavior` with `initial_state`, and return its ID.
 * `mailbox_size` (messages, 1 .. MK_MAILBOX_MAX) is rounded up to the next
 * power of two. `free_state` (may be NULL) is called exactly once on the
 * state when the actor stops or the runtime is destroyed; the runtime never
 * frees the state otherwise. IDs are never reused: a stale ID of a stopped
 * actor never reaches a newer one, although its slot is reused.
 * Returns ACTOR_ID_INVALID, with the reason in mk_last_error(), for a NULL
 * runtime or behaviour, a mailbox size of 0 or above MK_MAILBOX_MAX, when
 * max_actors actors are alive, or when memory runs out; free_state is then
 * NOT called (the state still belongs to the caller).
 */
actor_id_t actor_spawn(runtime_t *rt, actor_behavior_fn behavior, void *initial_state,
                       void (*free_state)(void *), size_t mailbox_size);

/*
 * Stop actor `id` (exit reason EXIT_KILLED): its timers are cancelled, its fd
 * watches removed, its names unregistered, its queued messages destroyed and
 * free_state called on its state. Stopping the running actor from its own
 * behaviour takes effect when the behaviour returns. Unknown, remote or
 * already stopped IDs are ignored (mk_last_error() says so).
 */
void actor_stop(runtime_t *rt, actor_id_t id);

/*
 * Send a message of `type` to `dest`, from the running actor (or from
 * ACTOR_ID_INVALID when called outside a behaviour). The payload
 * (`payload_size` bytes) is deep-copied; the caller keeps its buffer.
 * A destination on another node is serialised and sent over the transport
 * registered for that node (see runtime_add_transport).
 * Returns false, with the reason in mk_last_error(), for a NULL runtime, a
 * NULL payload with a non-zero size, an unknown or stopped destination, a
 * full mailbox, a remote node no transport reaches, or no memory. Nothing is
 * queued when it returns false. A non-NULL payload with size 0 is accepted
 * and delivers an empty payload (payload NULL, size 0).
 */
bool actor_send(runtime_t *rt, actor_id_t dest, msg_type_t type, const void *payload,
                size_t payload_size);

/* The ID of the actor whose behaviour is running; ACTOR_ID_INVALID outside
 * a behaviour or for a NULL runtime. */
actor_id_t actor_self(runtime_t *rt);

/* The state pointer of the running actor; NULL outside a behaviour. */
void *actor_state(runtime_t *rt);

/*
 * Register a transport to reach node transport->peer_node. On success the
 * runtime takes ownership (destroys it in runtime_destroy) and polls its fd
 * in the event loop. Up to MK_MAX_TRANSPORTS (16); a connected transport
 * whose peer is lost is destroyed and frees its slot (docs/multi-node.md),
 * a listener keeps it -- also inside this call: a connected transport
 * whose first writes (the hello, the name sync) fail is already destroyed
 * when this returns true, so the caller must not touch `transport` after
 * success (ask runtime_link_stats() or watch MSG_NODE_UP/DOWN instead).
 * Returns false, with the reason
 * in mk_last_error(), for a NULL runtime, a NULL or incomplete transport (a
 * NULL method), a peer node of 0 or this node's own ID, a transport for
 * that node that is connected or still has a socket (one whose peer is
 * gone and whose socket is closed is replaced), a full table, no memory
 * for the multi-node state, or epoll refusing the transport's fd; the
 * transport then still belongs to the caller.
 * Source: seed "Transport"; implemented by the multi-node layer (src/net/,
 * docs/multi-node.md).
 */
bool runtime_add_transport(runtime_t *rt, transport_t *transport);

/*
 * Run the event loop on the calling thread: dispatch messages and poll I/O
 * until (1) runtime_stop() is called, or (2) no actor other than system
 * actors (the log actor) is alive, or (3) nothing can wake any actor any
 * more: no actor has a queued message and there is no timer, fd watch,
 * connection, listener or transport left. When no actor is ready it blocks
 * in epoll until an event arrives, using no CPU. Ready actors take turns in
 * FIFO order, each handling up to MK_DISPATCH_BATCH messages per turn; I/O
 * is polled without blocking at least every MK_IO_POLL_INTERVAL messages, so
 * busy actors cannot starve timers and sockets. See docs/event-loop.md.
 */
void runtime_run(runtime_t *rt);

/*
 * One scheduling iteration: poll I/O without blocking, then dequeue one ready
 * actor, deliver one message to its behaviour. Does nothing more when no
 * actor is ready. Never blocks.
 */
void runtime_step(runtime_t *rt);

/* Make runtime_run() return after the current dispatch. Callable from a
 * behaviour. The runtime can be run again afterwards. */
void runtime_stop(runtime_t *rt);

/*
 * Introspection, as the original's runtime.h (../shared/compat/index.md;
 * docs/compat.md). O(table capacity): for shells, status pages and tests,
 * not for hot paths. Every function accepts a NULL runtime (returns 0).
 */

/* The max_actors given to runtime_init(). */
size_t runtime_get_max_actors(const runtime_t *rt);

/* Transports registered with runtime_add_transport() and not yet released
 * (a slot is freed when its peer is gone and its socket closed), 0..
 * MK_MAX_TRANSPORTS. Implemented by the multi-node layer (src/net/). */
size_t runtime_get_transport_count(const runtime_t *rt);

/*
 * Fill `ids` with the IDs of up to `max` live actors (system actors
 * included), in increasing ID order, and return how many were written
 * (min(live actors, max); `ids` may be NULL when max is 0). Use
 * runtime_actor_count() for the total.
 */
size_t runtime_list_actors(const runtime_t *rt, actor_id_t *ids, size_t max);

/* A snapshot of one live actor. The first five fields are the original's,
 * in its order; the rest are extensions. */
typedef struct {
    actor_id_t id;         /* the actor */
    actor_status_t status; /* ACTOR_IDLE, ACTOR_READY, ACTOR_RUNNING, ACTOR_STOPPED */
    size_t mailbox_used;   /* messages queued */
    size_t mailbox_cap;    /* mailbox capacity in messages (a power of two) */
    actor_id_t parent;     /* the actor that spawned it (or its supervisor);
                              ACTOR_ID_INVALID when spawned outside a behaviour */
    bool system;           /* extension: a system actor (does not keep runtime_run going) */
    uint64_t msgs_in;      /* extension: messages its behaviour handled since it started */
    uint64_t msgs_out;     /* extension: successful actor_send() calls from its behaviour */
} actor_info_t;

/*
 * Fill `out` with up to `max` live actors in increasing ID order and return
 * how many were written (min(live actors, max); `out` may be NULL when max
 * is 0), as the original's runtime_actor_info.
 */
size_t runtime_actor_info(const runtime_t *rt, actor_info_t *out, size_t max);

/*
 * Extensions (not in the seed or the original).
 */

/* This runtime's node ID. */
node_id_t runtime_node_id(const runtime_t *rt);

/* Number of live actors, system actors included. */
size_t runtime_actor_count(const runtime_t *rt);

/* Whether `id` names a live actor of this runtime. */
bool actor_is_alive(const runtime_t *rt, actor_id_t id);

/* Information about one live local actor; false (with a reason) for a NULL
 * runtime or output, or no such live local actor. */
bool actor_info(const runtime_t *rt, actor_id_t id, actor_info_t *out);

#ifdef __cplusplus
}
#endif

#endif
