/*
 * outbox.c -- an ordered queue of messages from one shell actor to another
 * that waits for mailbox room (mk_actor_wait_space, src/core/space.c) rather
 * than dropping: see outbox.h. Used by shell.c, console.c and history.c on
 * the runtime's thread. Only a full mailbox makes it allocate (one copy per
 * queued message); it never blocks.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "shell/outbox.h"

struct sh_outmsg {
    struct sh_outmsg *next;
    msg_type_t type;
    bool control; /* never dropped */
    size_t len;   /* bytes in data */
    unsigned char data[];
};

void sh_outbox_init(sh_outbox_t *ob, runtime_t *rt, actor_id_t from, actor_id_t to,
                    sh_outbox_lost_fn lost, void *lost_ctx)
{
    memset(ob, 0, sizeof *ob);
    ob->rt = rt;
    ob->from = from;
    ob->to = to;
    ob->lost = lost;
    ob->lost_ctx = lost_ctx;
}

static void pop(sh_outbox_t *ob)
{
    struct sh_outmsg *m = ob->head;
    ob->head = m->next;
    if (!ob->head)
        ob->tail = NULL;
    ob->queued--;
    if (!m->control)
        ob->output_bytes -= m->len;
    mk_free(m);
}

/* The receiver is gone: hand everything to `lost` and empty the queue. */
static void lose_all(sh_outbox_t *ob)
{
    while (ob->head) {
        if (ob->lost)
            ob->lost(ob->lost_ctx, ob->head->type, ob->head->data, ob->head->len);
        pop(ob);
    }
}

static void on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive);

/* Send from the head while the receiver has room; wait when it has none. */
static void drain(sh_outbox_t *ob)
{
    while (ob->head) {
        if (!mk_actor_find(ob->rt, ob->to)) {
            lose_all(ob);
            return;
        }
        if (mk_actor_mailbox_full(ob->rt, ob->to)) {
            if (!ob->waiting && mk_actor_wait_space(ob->rt, ob->to, on_space, ob))
                ob->waiting = true;
            return;
        }
        struct sh_outmsg *m = ob->head;
        if (!mk_send_from(ob->rt, ob->from, ob->to, m->type, m->len ? m->data : NULL, m->len))
            return; /* out of memory: kept; retried on the next send or room */
        pop(ob);
    }
}

static void on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive)
{
    (void)rt;
    (void)id;
    sh_outbox_t *ob = ctx;
    ob->waiting = false;
    if (!alive)
        lose_all(ob);
    else
        drain(ob);
}

bool sh_outbox_send(sh_outbox_t *ob, msg_type_t type, const void *data, size_t len, bool control)
{
    if (!mk_actor_find(ob->rt, ob->to))
        return mk_fail("shell: no live actor 0x%016llx to send to", (unsigned long long)ob->to);
    if (ob->head)
        drain(ob); /* room may have come without a notification (e.g. after OOM) */
    if (!ob->head && !mk_actor_mailbox_full(ob->rt, ob->to))
        return mk_send_from(ob->rt, ob->from, ob->to, type, len ? data : NULL, len);
    if (!control && ob->output_bytes + len > SH_OUTBOX_OUTPUT_MAX) {
        ob->dropped += len;
        return mk_fail("shell: output dropped: %zu bytes already wait for actor 0x%016llx",
                       ob->output_bytes, (unsigned long long)ob->to);
    }
    struct sh_outmsg *m = mk_malloc(sizeof *m + len);
    if (!m)
        return mk_fail("shell: out of memory queueing a %zu-byte message", len);
    m->next = NULL;
    m->type = type;
    m->control = control;
    m->len = len;
    if (len)
        memcpy(m->data, data, len);
    if (ob->tail)
        ob->tail->next = m;
    else
        ob->head = m;
    ob->tail = m;
    ob->queued++;
    if (!control)
        ob->output_bytes += len;
    drain(ob);
    return true;
}

size_t sh_outbox_take_dropped(sh_outbox_t *ob)
{
    size_t n = ob->dropped;
    ob->dropped = 0;
    return n;
}

void sh_outbox_destroy(sh_outbox_t *ob)
{
    if (ob->waiting)
        mk_actor_cancel_space(ob->rt, ob);
    ob->waiting = false;
    lose_all(ob);
}
