/*
 * Timers and named actors: a "clock" actor ticks every 100 ms and tells the
 * actor registered as "counter", which logs each tick and stops the demo
 * after five. A one-shot timer says when the demo is half-way.
 */
#include <stdio.h>

#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"

enum { MSG_START = 1, MSG_TICK = 2 };

static bool clock_actor(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    timer_id_t *half_way = state;
    if (msg->type == MSG_START) {
        actor_set_timer(rt, 100, true);
        *half_way = actor_set_timer(rt, 250, false);
    } else if (msg->type == MSG_TIMER) {
        const timer_payload_t *t = msg->payload;
        if (t->id == *half_way)
            actor_log(rt, LOG_INFO, "one-shot timer %u fired: half-way", t->id);
        else
            actor_send_named(rt, "counter", MSG_TICK, NULL, 0);
    }
    return true;
}

static bool counter_actor(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    int *ticks = state;
    if (msg->type == MSG_TICK) {
        actor_log(rt, LOG_INFO, "tick %d", ++*ticks);
        if (*ticks == 5)
            runtime_stop(rt);
    }
    return true;
}

int main(void)
{
    runtime_t *rt = runtime_init(1, 16);
    runtime_enable_logging(rt);
    int ticks = 0;
    actor_id_t counter = actor_spawn(rt, counter_actor, &ticks, NULL, 16);
    timer_id_t half_way = TIMER_ID_INVALID;
    actor_id_t clock = actor_spawn(rt, clock_actor, &half_way, NULL, 16);
    actor_register_name(rt, "counter", counter);
    printf("counter is 0x%016llx, found by name as 0x%016llx\n", (unsigned long long)counter,
           (unsigned long long)actor_lookup(rt, "counter"));
    actor_send(rt, clock, MSG_START, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    printf("timers_names: %d ticks\n", ticks);
    return 0;
}
