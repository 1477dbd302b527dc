/*
 * microkernel/scheduler.h -- the ready queue of actors with work to do.
 *
 * Source: seed API reference (000), "Scheduler": a FIFO that refuses to
 * enqueue an actor twice. Intrusive: the links live in the actor, so
 * enqueue, dequeue and removal are O(1) and never allocate.
 */
#ifndef MICROKERNEL_SCHEDULER_H
#define MICROKERNEL_SCHEDULER_H

#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct scheduler {
    actor_t *head; /* next actor to run */
    actor_t *tail; /* last actor enqueued */
    size_t count;  /* actors queued */
};

/* Make `sched` an empty queue. */
void scheduler_init(scheduler_t *sched);

/* Append `actor` unless it is already queued (then nothing happens). */
void scheduler_enqueue(scheduler_t *sched, actor_t *actor);

/* Remove and return the first actor; NULL when empty. */
actor_t *scheduler_dequeue(scheduler_t *sched);

/* True when no actor is queued. */
bool scheduler_is_empty(const scheduler_t *sched);

/* Remove `actor` wherever it is in the queue; nothing if not queued.
 * Extension, used when an actor stops. */
void scheduler_remove(scheduler_t *sched, actor_t *actor);

#ifdef __cplusplus
}
#endif

#endif
