/*
 * message_internal.h -- pooled messages.
 *
 * Every message_t lives in an mk_msg_block_t. Blocks made by a runtime come
 * from its free list and carry payloads up to MK_MSG_INLINE_PAYLOAD bytes
 * inline; payloads up to MK_MSG_POOL_PAYLOAD_MAX come from per-size-class
 * free lists; larger ones are allocated per message. message_destroy()
 * returns each part where it came from.
 */
#ifndef MK_CORE_MESSAGE_INTERNAL_H
#define MK_CORE_MESSAGE_INTERNAL_H

#include "microkernel/config.h"
#include "microkernel/message.h"

typedef struct mk_msg_pool mk_msg_pool_t;

typedef struct mk_msg_block {
    message_t msg;                  /* what the user sees; must stay first */
    mk_msg_pool_t *pool;            /* owner pool; NULL: from message_create */
    struct mk_msg_block *next_free; /* free-list link */
    _Alignas(16) unsigned char inline_payload[MK_MSG_INLINE_PAYLOAD];
} mk_msg_block_t;

/* Header in front of a pooled payload buffer. */
typedef struct mk_payload_hdr {
    mk_msg_pool_t *pool; /* owner pool */
    struct mk_payload_hdr *next_free;
    uint32_t cls; /* size class index */
    _Alignas(16) unsigned char data[];
} mk_payload_hdr_t;

#define MK_PAYLOAD_CLASSES 3 /* 256, 1024, 4096 bytes (capped by MK_MSG_POOL_PAYLOAD_MAX) */

struct mk_msg_pool {
    mk_msg_block_t *free_blocks; /* free message blocks */
    size_t n_free_blocks;
    mk_payload_hdr_t *free_payloads[MK_PAYLOAD_CLASSES];
    size_t n_free_payloads[MK_PAYLOAD_CLASSES];
};

void mk_pool_init(mk_msg_pool_t *pool);
/* Free everything kept in the pool (messages still out are unaffected and
 * must not be destroyed afterwards). */
void mk_pool_destroy(mk_msg_pool_t *pool);
/* A message from the pool with a copy of the payload; NULL (reason set)
 * when memory runs out. `payload` may be NULL only if `size` is 0. */
message_t *mk_pool_message(mk_msg_pool_t *pool, actor_id_t source, actor_id_t dest, msg_type_t type,
                           const void *payload, size_t size);

#endif
