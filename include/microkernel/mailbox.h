/*
 * microkernel/mailbox.h -- a bounded FIFO of messages (a ring buffer).
 *
 * Source: seed API reference (000), "Mailbox". The capacity is a power of
 * two. Not thread-safe: a mailbox belongs to one runtime's thread.
 */
#ifndef MICROKERNEL_MAILBOX_H
#define MICROKERNEL_MAILBOX_H

#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Create an empty mailbox for `capacity` messages rounded up to a power of
 * two. NULL (with a reason) for 0, above MK_MAILBOX_MAX, or out of memory. */
mailbox_t *mailbox_create(size_t capacity);

/* Destroy the mailbox and every message still in it. NULL is ignored. */
void mailbox_destroy(mailbox_t *mb);

/* Append `msg`; the mailbox takes ownership. Returns false (ownership stays
 * with the caller) when the mailbox is full or an argument is NULL. */
bool mailbox_enqueue(mailbox_t *mb, message_t *msg);

/* Remove and return the oldest message (caller owns it); NULL when empty. */
message_t *mailbox_dequeue(mailbox_t *mb);

/* True when no message is queued (and for NULL). */
bool mailbox_is_empty(const mailbox_t *mb);

/* Number of queued messages (0 for NULL). */
size_t mailbox_count(const mailbox_t *mb);

/* Capacity in messages (a power of two; 0 for NULL). Extension. */
size_t mailbox_capacity(const mailbox_t *mb);

#ifdef __cplusplus
}
#endif

#endif
