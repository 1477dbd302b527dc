/*
 * actor.c -- the actor table: spawn, stop, lookup by ID, teardown.
 *
 * IDs map to table slots in O(1): slot = (seq - 1) & (capacity - 1), and a
 * reused slot gets seq + capacity, so a stale ID never reaches a newer
 * actor (seed "actor_spawn"). An actor and its mailbox are one allocation.
 * Teardown order (docs/event-loop.md): out of the ready queue, timers,
 * watches, names, exit hooks, free_state, queued messages, memory.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/runtime_internal.h"
#include "microkernel/actor.h"

enum { EXIT_REASON_NORMAL = 0, EXIT_REASON_KILLED = 1 };

actor_t *mk_actor_find(const runtime_t *rt, actor_id_t id)
{
    if (actor_id_node(id) != rt->node_id)
        return NULL;
    uint32_t seq = actor_id_seq(id);
    if (seq == 0)
        return NULL;
    const mk_actor_slot_t *s = &rt->table[(seq - 1) & rt->table_mask];
    if (s->seq != seq || !s->actor || s->actor->status != MK_ACTOR_ALIVE)
        return NULL;
    return s->actor;
}

static bool take_slot(runtime_t *rt, uint32_t *slot_out, uint32_t *seq_out)
{
    uint32_t capacity = rt->table_mask + 1;
    if (rt->free_head != MK_SLOT_NONE) {
        uint32_t slot = rt->free_head;
        mk_actor_slot_t *s = &rt->table[slot];
        rt->free_head = s->next_free;
        *slot_out = slot;
        *seq_out = s->seq + capacity;
        return true;
    }
    if (rt->next_unused < capacity) {
        *slot_out = rt->next_unused++;
        *seq_out = *slot_out + 1;
        return true;
    }
    return mk_fail("actor_spawn: every actor slot has used up its sequence numbers");
}

static void release_slot(runtime_t *rt, uint32_t slot)
{
    mk_actor_slot_t *s = &rt->table[slot];
    s->actor = NULL;
    /* A slot whose next sequence would wrap is retired: IDs stay unique. */
    if ((uint64_t)s->seq + rt->table_mask + 1 > UINT32_MAX)
        return;
    s->next_free = rt->free_head;
    rt->free_head = slot;
}

/* Spawn hooks (mk_spawn_hook_add): written before runtimes run on other
 * threads, read by every actor_spawn. */
static struct {
    actor_behavior_fn behavior;
    mk_spawn_hook_fn fn;
} spawn_hooks[MK_SPAWN_HOOKS_MAX];
static size_t n_spawn_hooks;

bool mk_spawn_hook_add(actor_behavior_fn behavior, mk_spawn_hook_fn fn)
{
    if (!behavior || !fn)
        return mk_fail("mk_spawn_hook_add: %s is NULL", behavior ? "fn" : "behavior");
    for (size_t i = 0; i < n_spawn_hooks; i++)
        if (spawn_hooks[i].behavior == behavior) {
            if (spawn_hooks[i].fn == fn)
                return true;
            return mk_fail("mk_spawn_hook_add: that behaviour already has another hook");
        }
    if (n_spawn_hooks == MK_SPAWN_HOOKS_MAX)
        return mk_fail("mk_spawn_hook_add: %d behaviours already have hooks", MK_SPAWN_HOOKS_MAX);
    spawn_hooks[n_spawn_hooks].behavior = behavior;
    spawn_hooks[n_spawn_hooks].fn = fn;
    n_spawn_hooks++;
    return true;
}

/* Undo a spawn whose hook refused: nothing but the hook has seen the
 * actor, so no timers, watches, names or exit hooks; the state stays the
 * caller's. */
static void unspawn(runtime_t *rt, actor_t *a)
{
    a->status = MK_ACTOR_DEAD;
    scheduler_remove(&rt->ready, a);
    if (a->wake)
        message_destroy(a->wake);
    mk_mailbox_drain(a->mbox);
    rt->alive--;
    rt->alive_user--;
    release_slot(rt, a->slot);
    mk_free(a);
}

actor_id_t actor_spawn(runtime_t *rt, actor_behavior_fn behavior, void *initial_state,
                       void (*free_state)(void *), size_t mailbox_size)
{
    if (!rt) {
        mk_set_error("actor_spawn: runtime is NULL");
        return ACTOR_ID_INVALID;
    }
    if (!behavior) {
        mk_set_error("actor_spawn: behavior is NULL");
        return ACTOR_ID_INVALID;
    }
    if (mailbox_size == 0 || mailbox_size > MK_MAILBOX_MAX) {
        mk_set_error("actor_spawn: mailbox_size %zu is outside 1..%u", mailbox_size,
                     (unsigned)MK_MAILBOX_MAX);
        return ACTOR_ID_INVALID;
    }
    if (rt->alive >= rt->max_actors) {
        mk_set_error("actor_spawn: %zu actors are alive, the runtime's max_actors", rt->alive);
        return ACTOR_ID_INVALID;
    }
    size_t capacity = mk_round_pow2(mailbox_size);
    size_t head = (sizeof(actor_t) + 15) & ~(size_t)15;
    actor_t *a = mk_malloc_in(MK_POOL_MAILBOXES, head + mk_mailbox_bytes(capacity));
    if (!a) {
        mk_set_error("actor_spawn: %s for an actor with a %zu-slot mailbox", mk_arena_oom(),
                     capacity);
        return ACTOR_ID_INVALID;
    }
    uint32_t slot = 0, seq = 0;
    if (!take_slot(rt, &slot, &seq)) {
        mk_free(a);
        return ACTOR_ID_INVALID;
    }
    memset(a, 0, sizeof *a);
    a->id = actor_id_make(rt->node_id, seq);
    a->behavior = behavior;
    a->state = initial_state;
    a->free_state = free_state;
    a->mbox = (mailbox_t *)((unsigned char *)a + head);
    mk_mailbox_init(a->mbox, capacity);
    a->slot = slot;
    a->parent = rt->current ? rt->current->id : ACTOR_ID_INVALID;
    a->status = MK_ACTOR_ALIVE;
    rt->table[slot].actor = a;
    rt->table[slot].seq = seq;
    rt->alive++;
    rt->alive_user++;
    for (size_t i = 0; i < n_spawn_hooks; i++)
        if (spawn_hooks[i].behavior == behavior && !spawn_hooks[i].fn(rt, a->id, initial_state)) {
            unspawn(rt, a);
            return ACTOR_ID_INVALID;
        }
    return a->id;
}

/* Tear down `a` now (it is not running). */
static void finalize(runtime_t *rt, actor_t *a, int reason)
{
    actor_id_t id = a->id;
    a->status = MK_ACTOR_DEAD;
    scheduler_remove(&rt->ready, a);
    mk_timers_release_owner(rt, id);
    mk_fdwatch_release_owner(rt, id);
    mk_registry_release_owner(rt, id);
    for (size_t i = 0; i < rt->n_exit_hooks; i++)
        rt->exit_hooks[i].fn(rt, rt->exit_hooks[i].ctx, id, reason);
    if (a->flags & MK_ACTOR_SPACE)
        mk_space_notify(rt, a, false);
    if (a->free_state)
        a->free_state(a->state);
    if (a->wake)
        message_destroy(a->wake);
    mk_mailbox_drain(a->mbox);
    rt->alive--;
    if (!(a->flags & MK_ACTOR_SYSTEM))
        rt->alive_user--;
    release_slot(rt, a->slot);
    mk_free(a);
}

void mk_actor_exit(runtime_t *rt, actor_id_t id, int reason)
{
    if (!rt) {
        mk_set_error("actor_stop: runtime is NULL");
        return;
    }
    actor_t *a = mk_actor_find(rt, id);
    if (!a) {
        mk_set_error("actor_stop: no live actor 0x%016llx", (unsigned long long)id);
        return;
    }
    if (a == rt->current) {
        /* Its behaviour is on the stack: finish the stop when it returns. */
        a->status = MK_ACTOR_STOPPING;
        a->exit_reason = (uint8_t)reason;
        return;
    }
    finalize(rt, a, reason);
}

void actor_stop(runtime_t *rt, actor_id_t id)
{
    mk_actor_exit(rt, id, EXIT_REASON_KILLED);
}

/* After a behaviour returned: finish a stop it asked for, or requeue. */
void mk_actor_after_dispatch(runtime_t *rt, actor_t *a, bool keep_running)
{
    if (a->status == MK_ACTOR_STOPPING)
        finalize(rt, a, keep_running ? a->exit_reason : EXIT_REASON_NORMAL);
    else if (!keep_running)
        finalize(rt, a, EXIT_REASON_NORMAL);
    else {
        if (!(a->flags & MK_ACTOR_HELD) && (a->wake || a->mbox->head != a->mbox->tail))
            scheduler_enqueue(&rt->ready, a);
        if ((a->flags & MK_ACTOR_SPACE) && !mk_mailbox_full(a->mbox))
            mk_space_notify(rt, a, true);
    }
}

void mk_actor_hold(runtime_t *rt, actor_id_t id)
{
    actor_t *a = mk_actor_find(rt, id);
    if (!a)
        return;
    a->flags |= MK_ACTOR_HELD;
    scheduler_remove(&rt->ready, a);
}

bool mk_actor_wake(runtime_t *rt, actor_id_t id, msg_type_t type)
{
    actor_t *a = mk_actor_find(rt, id);
    if (!a)
        return mk_fail("actor_wake: no live actor 0x%016llx", (unsigned long long)id);
    if (a->wake)
        return mk_fail("actor_wake: actor 0x%016llx already has a wake message pending",
                       (unsigned long long)id);
    a->wake = mk_pool_message(&rt->pool, ACTOR_ID_INVALID, id, type, NULL, 0);
    if (!a->wake)
        return false;
    a->flags &= (uint8_t)~MK_ACTOR_HELD;
    if (a != rt->current)
        scheduler_enqueue(&rt->ready, a);
    return true;
}

/* Stop every actor, in slot order (runtime_destroy). */
void mk_actors_destroy_all(runtime_t *rt)
{
    for (uint32_t slot = 0; slot < rt->next_unused; slot++) {
        actor_t *a = rt->table[slot].actor;
        if (a && a->status != MK_ACTOR_DEAD)
            finalize(rt, a, EXIT_REASON_KILLED);
    }
}

void mk_actor_set_system(runtime_t *rt, actor_id_t id, bool system)
{
    actor_t *a = mk_actor_find(rt, id);
    if (!a || (bool)(a->flags & MK_ACTOR_SYSTEM) == system)
        return;
    if (system) {
        a->flags |= MK_ACTOR_SYSTEM;
        rt->alive_user--;
    } else {
        a->flags &= (uint8_t)~MK_ACTOR_SYSTEM;
        rt->alive_user++;
    }
}

void mk_actor_set_parent(runtime_t *rt, actor_id_t id, actor_id_t parent)
{
    actor_t *a = mk_actor_find(rt, id);
    if (a)
        a->parent = parent;
}

static void describe(const runtime_t *rt, const actor_t *a, actor_info_t *out)
{
    out->id = a->id;
    out->status = a->status == MK_ACTOR_STOPPING ? ACTOR_STOPPED
                  : a == rt->current             ? ACTOR_RUNNING
                  : a->queued                    ? ACTOR_READY
                                                 : ACTOR_IDLE;
    out->mailbox_used = mailbox_count(a->mbox);
    out->mailbox_cap = mailbox_capacity(a->mbox);
    out->parent = a->parent;
    out->system = (a->flags & MK_ACTOR_SYSTEM) != 0;
    out->msgs_in = a->msgs_in;
    out->msgs_out = a->msgs_out;
}

static int by_id(const void *x, const void *y)
{
    actor_id_t a = ((const actor_info_t *)x)->id, b = ((const actor_info_t *)y)->id;
    return a < b ? -1 : a > b;
}

static int by_value(const void *x, const void *y)
{
    actor_id_t a = *(const actor_id_t *)x, b = *(const actor_id_t *)y;
    return a < b ? -1 : a > b;
}

size_t runtime_actor_info(const runtime_t *rt, actor_info_t *out, size_t max)
{
    if (!rt || !out)
        return 0;
    size_t n = 0;
    for (uint32_t slot = 0; slot < rt->next_unused && n < max; slot++) {
        const actor_t *a = rt->table[slot].actor;
        if (a && a->status != MK_ACTOR_DEAD)
            describe(rt, a, &out[n++]);
    }
    if (n > 1)
        qsort(out, n, sizeof *out, by_id);
    return n;
}

size_t runtime_list_actors(const runtime_t *rt, actor_id_t *ids, size_t max)
{
    if (!rt || !ids)
        return 0;
    size_t n = 0;
    for (uint32_t slot = 0; slot < rt->next_unused && n < max; slot++) {
        const actor_t *a = rt->table[slot].actor;
        if (a && a->status != MK_ACTOR_DEAD)
            ids[n++] = a->id;
    }
    if (n > 1)
        qsort(ids, n, sizeof *ids, by_value);
    return n;
}

bool actor_info(const runtime_t *rt, actor_id_t id, actor_info_t *out)
{
    if (!rt || !out)
        return mk_fail("actor_info: NULL %s", rt ? "output" : "runtime");
    const actor_t *a = mk_actor_find(rt, id);
    if (!a)
        return mk_fail("actor_info: no live actor 0x%016llx", (unsigned long long)id);
    describe(rt, a, out);
    return true;
}

bool actor_is_alive(const runtime_t *rt, actor_id_t id)
{
    return rt && mk_actor_find(rt, id) != NULL;
}

actor_id_t actor_get_id(const actor_t *self)
{
    return self ? self->id : ACTOR_ID_INVALID;
}

void *actor_get_state(const actor_t *self)
{
    return self ? self->state : NULL;
}

size_t actor_mailbox_count(const actor_t *self)
{
    return self ? mailbox_count(self->mbox) : 0;
}

bool mk_actor_mailbox_full(const runtime_t *rt, actor_id_t id)
{
    actor_t *a = mk_actor_find(rt, id);
    return a && mk_mailbox_full(a->mbox);
}

void *mk_actor_state_of(const runtime_t *rt, actor_id_t id, actor_behavior_fn behavior)
{
    actor_t *a = mk_actor_find(rt, id);
    return a && a->behavior == behavior ? a->state : NULL;
}

bool mk_actor_runs(const runtime_t *rt, actor_id_t id, actor_behavior_fn behavior)
{
    actor_t *a = mk_actor_find(rt, id);
    return a && a->behavior == behavior;
}
