/*
 * microkernel/message.h -- the message: what an actor receives.
 *
 * Source: seed API reference (000), "Message"; payload ownership as the
 * original (../shared/compat, issue 14 section 3). Messages a runtime
 * creates come from per-runtime free lists (no malloc in steady state):
 * small payloads (up to MK_MSG_INLINE_PAYLOAD bytes) live inside the
 * message, others in pooled or malloc'd buffers. message_create() gives the
 * original's layout: the payload is a separate malloc(3) block and
 * free_payload is free(3). message_destroy() frees either.
 *
 * Ownership rule (docs/compat.md, "Taking a payload"): a behaviour, or the
 * holder of a message_create() message, may
 *   - take the payload: save msg->payload and msg->free_payload, set
 *     msg->payload to NULL; the message no longer frees it, and the taker
 *     releases it by calling the saved free_payload on it (at once, later,
 *     or after runtime_destroy()). For a message_create() message that function is
 *     free(3), so free(p) is right; for a message delivered by actor_send()
 *     it may be an internal function, so call the saved pointer, never
 *     free(3) directly;
 *   - replace the payload: store its own buffer in msg->payload (and
 *     payload_size) and its destructor in msg->free_payload (NULL: the
 *     message frees nothing), after taking the old one (an overwritten,
 *     untaken payload is never freed).
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
    void (*free_payload)(void *); /* frees payload; NULL: nothing to free */
};

/*
 * Create a message with a deep copy of `payload_size` bytes of `payload`,
 * stored in a separate malloc(3) block with free_payload set to free(3) (as
 * the original), so the caller may take it or set its own free_payload.
 * Returns NULL (reason in mk_last_error()) when payload is NULL with a
 * non-zero size, or when memory runs out. A zero size gives payload NULL
 * and free_payload NULL. The caller owns the message and frees it with
 * message_destroy().
 */
message_t *message_create(actor_id_t source, actor_id_t dest, msg_type_t type, const void *payload,
                          size_t payload_size);

/* Free a message and its payload (via free_payload when both are set; a
 * taken payload, msg->payload NULL, is left to its taker). NULL is
 * ignored. */
void message_destroy(message_t *msg);

#ifdef __cplusplus
}
#endif

#endif
