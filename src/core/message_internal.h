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
    void *given_payload;            /* payload as attached; differs when a behaviour took it */
    bool msg_done;                  /* taken inline payload: message_destroy() has run */
    bool payload_released;          /* taken inline payload: its taker has freed it */
    _Alignas(16) unsigned char inline_payload[MK_MSG_INLINE_PAYLOAD];
} mk_msg_block_t;

/*
 * What a pooled payload points back to. It outlives the pool while payloads
 * a behaviour took are still out, so freeing one after runtime_destroy() is
 * safe: `pool` is then NULL and the buffer goes back to the allocator.
 */
typedef struct mk_pool_anchor {
    mk_msg_pool_t *pool; /* NULL once the pool is destroyed */
    size_t n_hdrs;       /* payload buffers alive (free-listed or out) */
} mk_pool_anchor_t;

/* Header in front of a pooled payload buffer. */
typedef struct mk_payload_hdr {
    mk_pool_anchor_t *anchor; /* owner pool, through its anchor */
    struct mk_payload_hdr *next_free;
    uint32_t cls; /* size class index */
    _Alignas(16) unsigned char data[];
} mk_payload_hdr_t;

#define MK_PAYLOAD_CLASSES 3 /* 256, 1024, 4096 bytes (capped by MK_MSG_POOL_PAYLOAD_MAX) */

struct mk_msg_pool {
    mk_pool_anchor_t *anchor;    /* made with the first pooled payload */
    mk_msg_block_t *free_blocks; /* free message blocks */
    size_t n_free_blocks;
    mk_payload_hdr_t *free_payloads[MK_PAYLOAD_CLASSES];
    size_t n_free_payloads[MK_PAYLOAD_CLASSES];
};

void mk_pool_init(mk_msg_pool_t *pool);
/* Free everything kept in the pool (messages still out are unaffected and
 * must not be destroyed afterwards; payloads a behaviour took stay valid
 * and are freed later through their free_payload). */
void mk_pool_destroy(mk_msg_pool_t *pool);
/* A message from the pool with a copy of the payload; NULL (reason set)
 * when memory runs out. `payload` may be NULL only if `size` is 0. */
message_t *mk_pool_message(mk_msg_pool_t *pool, actor_id_t source, actor_id_t dest, msg_type_t type,
                           const void *payload, size_t size);

#endif
