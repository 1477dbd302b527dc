/*
 * runtime.c -- runtime lifecycle, sending, and the scheduling loop.
 *
 * The loop's fairness rule (docs/event-loop.md): ready actors take turns in
 * FIFO order, each handling at most MK_DISPATCH_BATCH queued messages per
 * turn; I/O is polled without blocking at least every MK_IO_POLL_INTERVAL
 * messages; when no actor is ready the loop blocks in epoll, after an
 * adaptive idle spin (loop.c) while wake-ups come fast. The send path (actor_send -> mailbox
 * -> ready queue) allocates nothing in steady state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/runtime_internal.h"

/* MK_IDLE_SPIN_US from the environment (0 switches the spin off), else the
 * build's default; values past 10 ms are capped there. */
static uint32_t idle_spin_ns(void)
{
    const char *env = getenv("MK_IDLE_SPIN_US");
    unsigned long us = MK_IDLE_SPIN_US;
    if (env && *env >= '0' && *env <= '9') {
        char *end;
        unsigned long v = strtoul(env, &end, 10);
        if (*end == '\0')
            us = v;
    }
    return (uint32_t)(us > 10000 ? 10000 : us) * 1000u;
}

runtime_t *runtime_init(node_id_t node_id, size_t max_actors)
{
    if (max_actors == 0 || max_actors > (1u << 31)) {
        mk_set_error("runtime_init: max_actors %zu is outside 1..2^31", max_actors);
        return NULL;
    }
#if defined(MK_BOUNDED) && MK_BOUNDED
    if (!mk_arena_active()) {
        mk_set_error("runtime_init: bounded build (MK_BOUNDED): call mk_arena_init() first");
        return NULL;
    }
#endif
    runtime_t *rt = mk_calloc(1, sizeof *rt);
    if (!rt) {
        mk_set_error("runtime_init: out of memory");
        return NULL;
    }
    size_t capacity = mk_round_pow2(max_actors);
    /* calloc: pages of a large table are only touched as slots get used. */
    rt->table = mk_calloc(capacity, sizeof *rt->table);
    rt->poller = mk_poller_create();
    if (!rt->table || !rt->poller) {
        if (!rt->table)
            mk_set_error("runtime_init: out of memory for %zu actor slots", capacity);
        else
            mk_set_error("runtime_init: event loop: %s", strerror(errno));
        mk_poller_destroy(rt->poller);
        mk_free(rt->table);
        mk_free(rt);
        return NULL;
    }
    rt->node_id = node_id;
    rt->max_actors = max_actors;
    rt->table_mask = (uint32_t)(capacity - 1);
    rt->free_head = MK_SLOT_NONE;
    scheduler_init(&rt->ready);
    mk_pool_init(&rt->pool);
    rt->log_level = LOG_INFO;
    rt->spin_ns = idle_spin_ns();
    return rt;
}

void runtime_destroy(runtime_t *rt)
{
    if (!rt)
        return;
    mk_log_flush(rt);
    mk_actors_destroy_all(rt);
    for (int i = MK_EXT_COUNT - 1; i >= 0; i--) {
        mk_ext_t ext = rt->ext[i];
        rt->ext[i].data = NULL;
        rt->ext[i].destroy = NULL;
        if (ext.destroy)
            ext.destroy(rt, ext.data);
    }
    /* Layers may have stopped actors they owned while shutting down. */
    mk_actors_destroy_all(rt);
    mk_timers_destroy(rt);
    mk_space_destroy(rt);
    mk_poller_destroy(rt->poller);
    mk_cpu_probe_close(&rt->cpu_probe);
    mk_pool_destroy(&rt->pool);
    mk_free(rt->table);
    mk_free(rt);
}

/* Queue `msg` (owned) for live local actor `a`. */
static inline bool enqueue(runtime_t *rt, actor_t *a, message_t *msg)
{
    mailbox_t *mb = a->mbox;
    if (mk_mailbox_full(mb)) {
        message_destroy(msg);
        return mk_fail_mailbox_full("actor_send", (unsigned long long)a->id, mb->mask + 1);
    }
    mb->slots[mb->tail & mb->mask] = msg;
    mb->tail++;
    if (!a->queued && a != rt->current && !(a->flags & MK_ACTOR_HELD))
        scheduler_enqueue(&rt->ready, a);
    return true;
}

static bool send_remote(runtime_t *rt, actor_id_t source, actor_id_t dest, msg_type_t type,
                        const void *payload, size_t payload_size)
{
    if (!rt->route)
        return mk_fail("actor_send: no transport reaches node %u (actor 0x%016llx)",
                       actor_id_node(dest), (unsigned long long)dest);
    message_t *msg = mk_pool_message(&rt->pool, source, dest, type, payload, payload_size);
    if (!msg)
        return false;
    bool ok = rt->route(rt, rt->route_ctx, msg);
    message_destroy(msg);
    return ok;
}

bool mk_send_from(runtime_t *rt, actor_id_t source, actor_id_t dest, msg_type_t type,
                  const void *payload, size_t payload_size)
{
    if (!rt)
        return mk_fail("actor_send: runtime is NULL");
    if (!payload && payload_size > 0)
        return mk_fail("actor_send: payload is NULL but payload_size is %zu", payload_size);
    if (actor_id_node(dest) != rt->node_id && dest != ACTOR_ID_INVALID)
        return send_remote(rt, source, dest, type, payload, payload_size);
    actor_t *a = mk_actor_find(rt, dest);
    if (!a)
        return mk_fail("actor_send: no live actor 0x%016llx", (unsigned long long)dest);
    if (mk_mailbox_full(a->mbox))
        return mk_fail_mailbox_full("actor_send", (unsigned long long)dest, a->mbox->mask + 1);
    message_t *msg = mk_pool_message(&rt->pool, source, dest, type, payload, payload_size);
    if (!msg)
        return false;
    return enqueue(rt, a, msg);
}

bool actor_send(runtime_t *rt, actor_id_t dest, msg_type_t type, const void *payload,
                size_t payload_size)
{
    if (!rt)
        return mk_fail("actor_send: runtime is NULL");
    actor_t *cur = rt->current;
    if (!cur)
        return mk_send_from(rt, ACTOR_ID_INVALID, dest, type, payload, payload_size);
    bool ok = mk_send_from(rt, cur->id, dest, type, payload, payload_size);
    cur->msgs_out += ok; /* the observer's counter: one add, no branch on the hot path */
    return ok;
}

bool mk_deliver(runtime_t *rt, message_t *msg)
{
    if (!rt || !msg) {
        message_destroy(msg);
        return mk_fail("deliver: NULL %s", rt ? "message" : "runtime");
    }
    actor_t *a = mk_actor_find(rt, msg->dest);
    if (!a) {
        mk_set_error("deliver: no live actor 0x%016llx", (unsigned long long)msg->dest);
        message_destroy(msg);
        return false;
    }
    return enqueue(rt, a, msg);
}

actor_id_t actor_self(runtime_t *rt)
{
    return rt && rt->current ? rt->current->id : ACTOR_ID_INVALID;
}

void *actor_state(runtime_t *rt)
{
    return rt && rt->current ? rt->current->state : NULL;
}

/*
 * Give the first ready actor one turn: up to `budget` of its queued
 * messages, fewer if it stops, its mailbox empties or runtime_stop() is
 * called. Returns the number of messages handled.
 */
static inline unsigned dispatch(runtime_t *rt, unsigned budget)
{
    actor_t *a = scheduler_dequeue(&rt->ready);
    if (!a)
        return 0;
    mailbox_t *mb = a->mbox;
    bool keep;
    unsigned n = 0;
    rt->current = a;
    do {
        message_t *msg = a->wake;
        if (msg) {
            a->wake = NULL; /* mk_actor_wake: ahead of the mailbox */
        } else {
            msg = mb->slots[mb->head & mb->mask];
            mb->head++;
        }
        keep = a->behavior(rt, a, msg, a->state);
        if (msg->type == MSG_FD_EVENT && msg->source == ACTOR_ID_INVALID)
            mk_fdwatch_handled(rt, a->id, msg);
        message_destroy(msg);
        n++;
    } while (keep && n < budget && mb->head != mb->tail && a->status == MK_ACTOR_ALIVE &&
             !(a->flags & MK_ACTOR_HELD) && !a->wake && !rt->stop_requested);
    rt->current = NULL;
    a->msgs_in += n; /* the observer's counter: one add per turn */
    mk_actor_after_dispatch(rt, a, keep);
    return n;
}

void runtime_step(runtime_t *rt)
{
    if (!rt)
        return;
    mk_io_poll(rt, 0);
    dispatch(rt, 1);
}

void runtime_run(runtime_t *rt)
{
    if (!rt)
        return;
    rt->stop_requested = 0;
    while (!rt->stop_requested) {
        if (rt->ready.head) {
            unsigned handled = 0;
            while (handled < MK_IO_POLL_INTERVAL && rt->ready.head && !rt->stop_requested)
                handled += dispatch(rt, MK_DISPATCH_BATCH);
            /* Still busy: look at I/O without blocking. Idle: the blocking
             * poll below does it, saving a syscall per wake-up. */
            if (rt->ready.head)
                mk_io_poll(rt, 0);
            continue;
        }
        /* Nothing ready: return if nothing could ever make an actor ready. */
        if (rt->alive_user == 0 || rt->wake_sources == 0)
            break;
        mk_io_idle(rt);
    }
}

void runtime_stop(runtime_t *rt)
{
    if (rt)
        rt->stop_requested = 1;
}

node_id_t runtime_node_id(const runtime_t *rt)
{
    return rt ? rt->node_id : 0;
}

size_t runtime_actor_count(const runtime_t *rt)
{
    return rt ? rt->alive : 0;
}

size_t runtime_get_max_actors(const runtime_t *rt)
{
    return rt ? rt->max_actors : 0;
}

bool mk_runtime_on_exit(runtime_t *rt, mk_exit_hook_fn fn, void *ctx)
{
    if (rt->n_exit_hooks >= MK_MAX_EXIT_HOOKS)
        return mk_fail("runtime: more than %d exit hooks", MK_MAX_EXIT_HOOKS);
    rt->exit_hooks[rt->n_exit_hooks++] = (mk_exit_hook_t){fn, ctx};
    return true;
}

bool mk_runtime_on_name(runtime_t *rt, mk_name_hook_fn fn, void *ctx)
{
    if (rt->n_name_hooks >= MK_MAX_EXIT_HOOKS)
        return mk_fail("runtime: more than %d name hooks", MK_MAX_EXIT_HOOKS);
    rt->name_hooks[rt->n_name_hooks++] = (mk_name_hook_t){fn, ctx};
    return true;
}

void mk_runtime_set_router(runtime_t *rt, mk_route_fn fn, void *ctx)
{
    rt->route = fn;
    rt->route_ctx = ctx;
}

void mk_runtime_set_ext(runtime_t *rt, mk_ext_slot_t slot, void *data,
                        void (*destroy)(runtime_t *rt, void *data))
{
    rt->ext[slot].data = data;
    rt->ext[slot].destroy = destroy;
}

void *mk_runtime_ext(const runtime_t *rt, mk_ext_slot_t slot)
{
    return rt->ext[slot].data;
}

/* ---- Accessors for the layers above (runtime_api.h) ------------------ */

bool mk_runtime_ready_empty(const runtime_t *rt)
{
    return scheduler_is_empty(&rt->ready);
}

mk_msg_pool_t *mk_runtime_pool(runtime_t *rt)
{
    return &rt->pool;
}

void *mk_runtime_path_ctx(const runtime_t *rt)
{
    return rt->path_ctx;
}

bool mk_runtime_has_exit_hook(const runtime_t *rt, mk_exit_hook_fn fn)
{
    for (size_t i = 0; i < rt->n_exit_hooks; i++)
        if (rt->exit_hooks[i].fn == fn)
            return true;
    return false;
}

bool mk_runtime_has_name_hook(const runtime_t *rt, mk_name_hook_fn fn)
{
    for (size_t i = 0; i < rt->n_name_hooks; i++)
        if (rt->name_hooks[i].fn == fn)
            return true;
    return false;
}
