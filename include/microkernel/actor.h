/*
 * microkernel/actor.h -- what a behaviour may ask of its own actor handle.
 *
 * The actor structure itself is private to the runtime; the handle passed to
 * a behaviour (`self`) is valid only during that call.
 */
#ifndef MICROKERNEL_ACTOR_H
#define MICROKERNEL_ACTOR_H

#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The ID of the actor behind `self`; ACTOR_ID_INVALID for NULL. */
actor_id_t actor_get_id(const actor_t *self);

/* The state pointer of the actor behind `self`; NULL for NULL. */
void *actor_get_state(const actor_t *self);

/* Number of messages waiting in the actor's mailbox (the one being handled
 * not counted); 0 for NULL. */
size_t actor_mailbox_count(const actor_t *self);

#ifdef __cplusplus
}
#endif

#endif
