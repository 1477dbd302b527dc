/*
 * microkernel/message.h -- the message: what an actor receives.
 *
 * Source: seed API reference (000), "Message". Messages a runtime creates
 * come from per-runtime free lists (no malloc in steady state); those made by
 * message_create() use the library allocator. message_destroy() frees either.
 */
#ifndef MICROKERNEL_MESSAGE_H
#define MICROKERNEL_MESSAGE_H

#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct message {
    actor_id_t source;            /* sender; ACTOR_ID_INVALID for the runtime itself */
    actor_id_t dest;              /* receiver */
    msg_type_t type;              /* discriminator; 0xFF000000+ are system messages */
    size_t payload_size;          /* bytes at payload */
    void *payload;                /* NULL when payload_size is 0 */
    void (*free_payload)(void *); /* frees payload; NULL when the message owns it inline */
};

/*
 * Create a message with a deep copy of `payload_size` bytes of `payload`.
 * Returns NULL (reason in mk_last_error()) when payload is NULL with a
 * non-zero size, or when memory runs out. A zero size gives payload NULL.
 * The caller owns the message and frees it with message_destroy().
 */
message_t *message_create(actor_id_t source, actor_id_t dest, msg_type_t type, const void *payload,
                          size_t payload_size);

/* Free a message and its payload (via free_payload when set). NULL is
 * ignored. */
void message_destroy(message_t *msg);

#ifdef __cplusplus
}
#endif

#endif
