/*
 * outbox.h -- messages from one actor to another that wait for room in a
 * full mailbox instead of being dropped: the shell's lines to the console
 * (output, READY, edit history, QUIT), the console's lines to the shell, and
 * each one's messages to itself. Private to src/shell.
 *
 * Why: a dropped MSG_TTY_QUIT left mk-shell running forever after
 * "Goodbye." (issue 13): 100 history lines sent at start filled the
 * console's 64-slot mailbox. Control messages are never dropped; plain
 * output past SH_OUTBOX_OUTPUT_MAX queued bytes is dropped and counted.
 */
#ifndef MK_SHELL_OUTBOX_H
#define MK_SHELL_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/runtime_api.h"

#ifndef SH_OUTBOX_OUTPUT_MAX
#define SH_OUTBOX_OUTPUT_MAX (256u * 1024u) /* bytes of droppable output queued at most */
#endif

struct sh_outmsg;

/* Called for each queued message when the receiver stops before taking it
 * (e.g. the shell writes lost console output to stderr). May be NULL. */
typedef void (*sh_outbox_lost_fn)(void *ctx, msg_type_t type, const void *data, size_t len);

typedef struct {
    runtime_t *rt;
    actor_id_t from;        /* the source the receiver sees */
    actor_id_t to;          /* the receiver (a local actor) */
    struct sh_outmsg *head; /* oldest queued message, or NULL */
    struct sh_outmsg *tail; /* newest queued message */
    size_t queued;          /* messages queued */
    size_t output_bytes;    /* payload bytes of droppable messages queued */
    size_t dropped;         /* droppable bytes refused since sh_outbox_take_dropped */
    bool waiting;           /* registered with mk_actor_wait_space */
    sh_outbox_lost_fn lost; /* or NULL */
    void *lost_ctx;         /* for `lost` */
} sh_outbox_t;

/* Set up an empty outbox from `from` to local actor `to`. No allocation. */
void sh_outbox_init(sh_outbox_t *ob, runtime_t *rt, actor_id_t from, actor_id_t to,
                    sh_outbox_lost_fn lost, void *lost_ctx);

/*
 * Send `len` bytes of `data` (copied) as a message of `type`, in order
 * after everything queued before. When the receiver's mailbox is full the
 * message is queued and sent once the receiver has room (mk_actor_wait_space).
 * `control` messages are always queued; others are refused when
 * SH_OUTBOX_OUTPUT_MAX bytes of them already wait (counted in ob->dropped).
 * Returns true when the message was sent or queued; false with the reason
 * for mk_last_error() when the receiver is gone, memory runs out, or
 * droppable output was refused -- the caller decides what to do with it.
 */
bool sh_outbox_send(sh_outbox_t *ob, msg_type_t type, const void *data, size_t len, bool control);

/* Droppable bytes refused since the last call; resets the count. */
size_t sh_outbox_take_dropped(sh_outbox_t *ob);

/* Free what is still queued (calling `lost` for each) and forget the wait.
 * Call before freeing the memory that holds `ob`. */
void sh_outbox_destroy(sh_outbox_t *ob);

#endif
