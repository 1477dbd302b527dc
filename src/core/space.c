/*
 * space.c -- telling producers outside the actors when a full mailbox has
 * room again (see mk_actor_wait_space in runtime_internal.h), so transports
 * and sockets pause instead of dropping messages. Only the slow path
 * (a mailbox was full) allocates; the dispatch loop pays one flag test.
 */
#include "core/alloc_internal.h"
#include "core/runtime_internal.h"

struct mk_space_waiter {
    actor_id_t id;  /* the actor whose mailbox is awaited */
    mk_space_fn fn; /* told once */
    void *ctx;
    uint32_t round; /* rt->space_round when it asked */
};

bool mk_actor_wait_space(runtime_t *rt, actor_id_t id, mk_space_fn fn, void *ctx)
{
    actor_t *a = mk_actor_find(rt, id);
    if (!a)
        return mk_fail("wait for mailbox room: no live actor 0x%016llx", (unsigned long long)id);
    if (rt->n_space_waiters == rt->cap_space_waiters) {
        size_t cap = rt->cap_space_waiters ? rt->cap_space_waiters * 2 : 8;
        struct mk_space_waiter *w = mk_realloc(rt->space_waiters, cap * sizeof *w);
        if (!w)
            return mk_fail("wait for mailbox room: out of memory");
        rt->space_waiters = w;
        rt->cap_space_waiters = cap;
    }
    rt->space_waiters[rt->n_space_waiters++] =
        (struct mk_space_waiter){id, fn, ctx, rt->space_round};
    a->flags |= MK_ACTOR_SPACE;
    return true;
}

void mk_actor_cancel_space(runtime_t *rt, void *ctx)
{
    size_t kept = 0;
    for (size_t i = 0; i < rt->n_space_waiters; i++)
        if (rt->space_waiters[i].ctx != ctx)
            rt->space_waiters[kept++] = rt->space_waiters[i];
    rt->n_space_waiters = kept;
}

void mk_space_notify(runtime_t *rt, actor_t *a, bool alive)
{
    a->flags &= (uint8_t)~MK_ACTOR_SPACE;
    actor_id_t id = a->id;
    /* Tell only the waiters that asked before this call: a callback may
     * ask again (for this actor too, when it fills the mailbox again), and
     * those waits belong to the next time there is room. Taken out in
     * batches before any callback runs, so the table may change under the
     * callbacks; no allocation. */
    uint32_t round = rt->space_round++;
    for (;;) {
        struct mk_space_waiter due[16];
        size_t take = 0, kept = 0;
        for (size_t i = 0; i < rt->n_space_waiters; i++) {
            struct mk_space_waiter w = rt->space_waiters[i];
            if (w.id == id && w.round == round && take < 16)
                due[take++] = w;
            else
                rt->space_waiters[kept++] = w;
        }
        rt->n_space_waiters = kept;
        if (take == 0)
            return;
        for (size_t i = 0; i < take; i++)
            due[i].fn(rt, due[i].ctx, id, alive);
        if (alive && !mk_actor_find(rt, id))
            alive = false;
    }
}

void mk_space_destroy(runtime_t *rt)
{
    mk_free(rt->space_waiters);
    rt->space_waiters = NULL;
    rt->n_space_waiters = rt->cap_space_waiters = 0;
}
