/* mailbox_h.c -- the original's mailbox.h (seed 000 "Mailbox"): capacity
 * rounded up to a power of two, FIFO order, full refuses, destroy drains.
 * pkg-config flags only. */
#include <microkernel/mailbox.h>
#include <microkernel/message.h>
#include <stdio.h>

int main(void)
{
    mailbox_t *mb = mailbox_create(3); /* rounds up to 4 */
    int ok = mb != NULL && mailbox_is_empty(mb) && mailbox_count(mb) == 0;
    message_t *m[5];
    for (int i = 0; i < 5; i++)
        m[i] = message_create(1, 2, (msg_type_t)(100 + i), NULL, 0);
    for (int i = 0; i < 4; i++)
        ok = ok && mailbox_enqueue(mb, m[i]);
    ok = ok && mailbox_count(mb) == 4 && !mailbox_enqueue(mb, m[4]); /* full */
    message_destroy(m[4]);
    message_t *first = mailbox_dequeue(mb);
    ok = ok && first == m[0] && first->type == 100 && mailbox_count(mb) == 3;
    message_destroy(first);
    mailbox_destroy(mb); /* frees the three still queued */
    puts(ok ? "mailbox_h: ok" : "mailbox_h: FAILED");
    return ok ? 0 : 1;
}
