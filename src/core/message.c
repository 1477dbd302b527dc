/*
 * message.c -- message creation and destruction, and the per-runtime pools
 * that keep the steady-state send path free of malloc.
 *
 * Called by actor_send (through the runtime) and by transports. Must not
 * allocate when a free block of the right class is available. A behaviour
 * may take a payload (keep it and its free_payload, set msg->payload NULL):
 * message_destroy() then leaves it alone, whatever its origin (inline,
 * pooled or malloc'd), and the taker frees it later with free_payload.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/message_internal.h"

static const size_t class_size[MK_PAYLOAD_CLASSES] = {256, 1024, 4096};

void mk_pool_init(mk_msg_pool_t *pool)
{
    memset(pool, 0, sizeof *pool);
}

/* Free a pooled payload buffer for good; the anchor goes with the last
 * buffer once its pool is gone. */
static void hdr_release(mk_payload_hdr_t *h)
{
    mk_pool_anchor_t *anchor = h->anchor;
    mk_free(h);
    if (--anchor->n_hdrs == 0 && !anchor->pool)
        mk_free(anchor);
}

void mk_pool_destroy(mk_msg_pool_t *pool)
{
    while (pool->free_blocks) {
        mk_msg_block_t *b = pool->free_blocks;
        pool->free_blocks = b->next_free;
        mk_free(b);
    }
    mk_pool_anchor_t *anchor = pool->anchor;
    if (anchor) {
        anchor->pool = NULL; /* payloads still out are freed, not recycled */
        anchor->n_hdrs++;    /* hold the anchor while the lists are emptied */
    }
    for (int c = 0; c < MK_PAYLOAD_CLASSES; c++) {
        while (pool->free_payloads[c]) {
            mk_payload_hdr_t *h = pool->free_payloads[c];
            pool->free_payloads[c] = h->next_free;
            hdr_release(h);
        }
    }
    if (anchor && --anchor->n_hdrs == 0)
        mk_free(anchor);
    memset(pool, 0, sizeof *pool);
}

/* free_payload of a pooled payload: back to its class list, or freed when
 * the list already keeps MK_POOL_KEEP buffers or the pool is gone. */
static void pool_payload_free(void *data)
{
    mk_payload_hdr_t *h =
        (mk_payload_hdr_t *)((unsigned char *)data - offsetof(mk_payload_hdr_t, data));
    mk_msg_pool_t *pool = h->anchor->pool;
    if (pool && pool->n_free_payloads[h->cls] < MK_POOL_KEEP) {
        h->next_free = pool->free_payloads[h->cls];
        pool->free_payloads[h->cls] = h;
        pool->n_free_payloads[h->cls]++;
    } else {
        hdr_release(h);
    }
}

/*
 * free_payload of an inline payload. message_destroy() never calls it for a
 * payload still in its message; it runs only when a behaviour took the
 * payload, and then frees the whole block, which message_destroy() left
 * alive for the taker.
 */
static void inline_payload_free(void *data)
{
    mk_msg_block_t *b =
        (mk_msg_block_t *)((unsigned char *)data - offsetof(mk_msg_block_t, inline_payload));
    if (b->msg_done)
        mk_free(b); /* the message is gone: the block was the taker's alone */
    else
        b->payload_released = true; /* freed while the message lives: destroy frees the block */
}

static int payload_class(size_t size)
{
    for (int c = 0; c < MK_PAYLOAD_CLASSES; c++)
        if (size <= class_size[c] && class_size[c] <= MK_MSG_POOL_PAYLOAD_MAX)
            return c;
    return -1;
}

/* Give `msg` room for `size` payload bytes (inline, pooled or malloc'd)
 * and copy `payload` there. */
static bool attach_payload(mk_msg_block_t *b, mk_msg_pool_t *pool, const void *payload, size_t size)
{
    message_t *msg = &b->msg;
    msg->payload_size = size;
    msg->free_payload = NULL;
    if (size == 0) {
        msg->payload = NULL;
        return true;
    }
    if (size <= MK_MSG_INLINE_PAYLOAD && pool) {
        msg->payload = b->inline_payload;
        msg->free_payload = inline_payload_free;
    } else if (!pool) {
        /* message_create(): the original's layout, a malloc(3) block that
         * free(3) releases, so a caller may take it or swap free_payload.
         * A bounded build (MK_BOUNDED, docs/mcu.md) takes it from the arena
         * instead: free_payload is then mk_free. */
#if defined(MK_BOUNDED) && MK_BOUNDED
        msg->payload = mk_malloc_in(MK_POOL_MESSAGES, size);
        msg->free_payload = mk_free;
#else
        msg->payload = malloc(size);
        msg->free_payload = free;
#endif
        if (!msg->payload)
            return mk_fail("message_create: %s for a %zu-byte payload", mk_arena_oom(), size);
    } else {
        int c = pool ? payload_class(size) : -1;
        if (c >= 0) {
            mk_payload_hdr_t *h = pool->free_payloads[c];
            if (h) {
                pool->free_payloads[c] = h->next_free;
                pool->n_free_payloads[c]--;
            } else {
                if (!pool->anchor) {
                    pool->anchor = mk_malloc_in(MK_POOL_MESSAGES, sizeof *pool->anchor);
                    if (!pool->anchor)
                        return mk_fail("message: %s for a %zu-byte payload", mk_arena_oom(), size);
                    pool->anchor->pool = pool;
                    pool->anchor->n_hdrs = 0;
                }
                h = mk_malloc_in(MK_POOL_MESSAGES, sizeof *h + class_size[c]);
                if (!h)
                    return mk_fail("message: %s for a %zu-byte payload", mk_arena_oom(), size);
                h->anchor = pool->anchor;
                h->cls = (uint32_t)c;
                pool->anchor->n_hdrs++;
            }
            msg->payload = h->data;
            msg->free_payload = pool_payload_free;
        } else {
            msg->payload = mk_malloc_in(MK_POOL_MESSAGES, size);
            if (!msg->payload)
                return mk_fail("message: %s for a %zu-byte payload", mk_arena_oom(), size);
            msg->free_payload = mk_free;
        }
    }
    memcpy(msg->payload, payload, size);
    return true;
}

static message_t *fill(mk_msg_block_t *b, mk_msg_pool_t *pool, actor_id_t source, actor_id_t dest,
                       msg_type_t type, const void *payload, size_t size)
{
    b->pool = pool;
    b->msg.source = source;
    b->msg.dest = dest;
    b->msg.type = type;
    if (!attach_payload(b, pool, payload, size)) {
        b->msg.payload = NULL;
        b->msg.free_payload = NULL;
        b->given_payload = NULL;
        message_destroy(&b->msg);
        return NULL;
    }
    b->given_payload = b->msg.payload;
    b->msg_done = false;
    b->payload_released = false;
    return &b->msg;
}

message_t *mk_pool_message(mk_msg_pool_t *pool, actor_id_t source, actor_id_t dest, msg_type_t type,
                           const void *payload, size_t size)
{
    mk_msg_block_t *b = pool->free_blocks;
    if (b) {
        pool->free_blocks = b->next_free;
        pool->n_free_blocks--;
    } else {
        b = mk_malloc_in(MK_POOL_MESSAGES, sizeof *b);
        if (!b) {
            mk_set_error("message: %s", mk_arena_oom());
            return NULL;
        }
    }
    return fill(b, pool, source, dest, type, payload, size);
}

message_t *message_create(actor_id_t source, actor_id_t dest, msg_type_t type, const void *payload,
                          size_t payload_size)
{
    if (!payload && payload_size > 0) {
        mk_set_error("message_create: payload is NULL but payload_size is %zu", payload_size);
        return NULL;
    }
    mk_msg_block_t *b = mk_malloc_in(MK_POOL_MESSAGES, sizeof *b);
    if (!b) {
        mk_set_error("message_create: %s", mk_arena_oom());
        return NULL;
    }
    return fill(b, NULL, source, dest, type, payload, payload_size);
}

void message_destroy(message_t *msg)
{
    if (!msg)
        return;
    mk_msg_block_t *b = (mk_msg_block_t *)msg;
    bool inline_taken = b->given_payload == b->inline_payload && msg->payload != b->inline_payload;
    if (msg->free_payload && msg->payload && msg->payload != b->inline_payload)
        msg->free_payload(msg->payload);
    if (inline_taken && !b->payload_released) {
        b->msg_done = true; /* the block holds the taker's payload; inline_payload_free frees it */
        return;
    }
    mk_msg_pool_t *pool = b->pool;
    if (pool && pool->n_free_blocks < MK_POOL_KEEP) {
        b->next_free = pool->free_blocks;
        pool->free_blocks = b;
        pool->n_free_blocks++;
    } else {
        mk_free(b);
    }
}
