/*
 * scheduler.c -- the FIFO ready queue (seed "Scheduler"), intrusive and
 * doubly linked through the actors so that every operation is O(1) and an
 * actor that stops can leave the queue from anywhere. Refuses double
 * enqueue. Never allocates.
 */
#include "core/runtime_internal.h"

void scheduler_init(scheduler_t *sched)
{
    sched->head = NULL;
    sched->tail = NULL;
    sched->count = 0;
}

void scheduler_enqueue(scheduler_t *sched, actor_t *actor)
{
    if (!sched || !actor || actor->queued)
        return;
    actor->queued = 1;
    actor->ready_next = NULL;
    actor->ready_prev = sched->tail;
    if (sched->tail)
        sched->tail->ready_next = actor;
    else
        sched->head = actor;
    sched->tail = actor;
    sched->count++;
}

actor_t *scheduler_dequeue(scheduler_t *sched)
{
    if (!sched)
        return NULL;
    actor_t *a = sched->head;
    if (!a)
        return NULL;
    sched->head = a->ready_next;
    if (sched->head)
        sched->head->ready_prev = NULL;
    else
        sched->tail = NULL;
    a->ready_next = NULL;
    a->queued = 0;
    sched->count--;
    return a;
}

void scheduler_remove(scheduler_t *sched, actor_t *actor)
{
    if (!sched || !actor || !actor->queued)
        return;
    if (actor->ready_prev)
        actor->ready_prev->ready_next = actor->ready_next;
    else
        sched->head = actor->ready_next;
    if (actor->ready_next)
        actor->ready_next->ready_prev = actor->ready_prev;
    else
        sched->tail = actor->ready_prev;
    actor->ready_next = NULL;
    actor->ready_prev = NULL;
    actor->queued = 0;
    sched->count--;
}

bool scheduler_is_empty(const scheduler_t *sched)
{
    return !sched || sched->head == NULL;
}
