/*
 * mailbox.c -- the bounded FIFO of an actor: a power-of-two ring buffer of
 * message pointers with free-running head/tail counters (full when
 * tail - head == capacity). Source: seed "Mailbox". Never allocates after
 * creation; actors keep their mailbox in their own allocation.
 */
#include "core/alloc_internal.h"
#include "core/runtime_internal.h"

size_t mk_round_pow2(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

size_t mk_mailbox_bytes(size_t capacity)
{
    return sizeof(mailbox_t) + capacity * sizeof(message_t *);
}

void mk_mailbox_init(mailbox_t *mb, size_t capacity)
{
    mb->mask = (uint32_t)(capacity - 1);
    mb->head = 0;
    mb->tail = 0;
    mb->reserved = 0;
}

mailbox_t *mailbox_create(size_t capacity)
{
    if (capacity == 0 || capacity > MK_MAILBOX_MAX) {
        mk_set_error("mailbox_create: capacity %zu is outside 1..%u", capacity,
                     (unsigned)MK_MAILBOX_MAX);
        return NULL;
    }
    capacity = mk_round_pow2(capacity);
    mailbox_t *mb = mk_malloc_in(MK_POOL_MAILBOXES, mk_mailbox_bytes(capacity));
    if (!mb) {
        mk_set_error("mailbox_create: %s", mk_arena_oom());
        return NULL;
    }
    mk_mailbox_init(mb, capacity);
    return mb;
}

void mk_mailbox_drain(mailbox_t *mb)
{
    message_t *m;
    while ((m = mailbox_dequeue(mb)) != NULL)
        message_destroy(m);
}

void mailbox_destroy(mailbox_t *mb)
{
    if (!mb)
        return;
    mk_mailbox_drain(mb);
    mk_free(mb);
}

bool mailbox_enqueue(mailbox_t *mb, message_t *msg)
{
    if (!mb || !msg)
        return mk_fail("mailbox_enqueue: NULL %s", mb ? "message" : "mailbox");
    if (mk_mailbox_full(mb))
        return mk_fail("mailbox_enqueue: mailbox is full (%u messages)", mb->mask + 1);
    mb->slots[mb->tail & mb->mask] = msg;
    mb->tail++;
    return true;
}

message_t *mailbox_dequeue(mailbox_t *mb)
{
    if (!mb || mb->head == mb->tail)
        return NULL;
    message_t *m = mb->slots[mb->head & mb->mask];
    mb->head++;
    return m;
}

bool mailbox_is_empty(const mailbox_t *mb)
{
    return !mb || mb->head == mb->tail;
}

size_t mailbox_count(const mailbox_t *mb)
{
    return mb ? (size_t)(mb->tail - mb->head) : 0;
}

size_t mailbox_capacity(const mailbox_t *mb)
{
    return mb ? (size_t)mb->mask + 1 : 0;
}
