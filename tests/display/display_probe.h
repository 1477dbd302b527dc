/*
 * display_probe.h -- shared by the display stack's tests: a probe actor
 * that records the replies it receives, and helpers to send as the probe
 * and step the runtime until the queue is drained.
 */
#ifndef MK_TEST_DISPLAY_PROBE_H
#define MK_TEST_DISPLAY_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/runtime_internal.h"
#include "microkernel/runtime.h"

typedef struct {
    unsigned replies; /* messages received */
    msg_type_t type;  /* of the last one */
    char text[256];   /* its payload, NUL-terminated */
    size_t len;
} probe_t;

static inline bool probe_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    probe_t *p = state;
    p->replies++;
    p->type = msg->type;
    p->len = msg->payload_size < sizeof p->text - 1 ? msg->payload_size : sizeof p->text - 1;
    if (p->len)
        memcpy(p->text, msg->payload, p->len);
    p->text[p->len] = '\0';
    return true;
}

/* Step until nothing is ready (bounded). */
static inline void drain(runtime_t *rt)
{
    for (int i = 0; i < 10000; i++)
        runtime_step(rt);
}

#endif
