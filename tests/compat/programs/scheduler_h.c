/* scheduler_h.c -- the original's scheduler.h (seed 000 "Scheduler"): an
 * initialised queue is empty and dequeues NULL. (Actors cannot be made
 * outside a runtime here, see docs/compat.md "actor.h".) pkg-config flags
 * only. */
#include <microkernel/scheduler.h>
#include <stdio.h>

int main(void)
{
    scheduler_t s;
    scheduler_init(&s);
    int ok = scheduler_is_empty(&s) && scheduler_dequeue(&s) == NULL;
    void (*enq)(scheduler_t *, actor_t *) = scheduler_enqueue;
    ok = ok && enq != NULL;
    puts(ok ? "scheduler_h: ok" : "scheduler_h: FAILED");
    return ok ? 0 : 1;
}
