/*
 * watch.c -- death notifications: the exit hook, monitors and links
 * (peer runtime seed 004, "Actor Lifecycle"), and the parent edges that
 * supervisor.c relies on for MSG_CHILD_EXIT (seed 000, "Supervision").
 *
 * The hook runs inside the core's teardown of an actor, on the runtime's
 * thread: it only queues messages and edits the edge table, never stops or
 * spawns an actor. Cost per exit is linear in the number of edges.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "supervision/supervision_internal.h"

static void ext_destroy(runtime_t *rt, void *data)
{
    mk_sup_ext_t *x = data;
    mk_actor_cancel_space(rt, x);
    mk_free(x->pending);
    mk_free(x->edges);
    mk_free(x);
}

mk_sup_ext_t *mk_sup_ext_peek(const runtime_t *rt)
{
    return mk_runtime_ext(rt, MK_EXT_SUPERVISION);
}

static void remove_at(mk_sup_ext_t *x, size_t i)
{
    x->edges[i] = x->edges[--x->n];
}

_Static_assert(sizeof(down_payload_t) <= sizeof(((mk_sup_notice_t *)0)->payload) &&
                   sizeof(child_exit_payload_t) <= sizeof(((mk_sup_notice_t *)0)->payload),
               "death notices must fit mk_sup_notice_t");

static bool has_pending(const mk_sup_ext_t *x, actor_id_t dest)
{
    for (size_t i = 0; i < x->n_pending; i++)
        if (x->pending[i].dest == dest)
            return true;
    return false;
}

static void on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive);

/* Deliver a death notice, or keep it (in order) until the receiver's
 * mailbox has room: a supervisor must never miss a child's death. Only a
 * receiver that is gone, or no memory at all, loses it (logged). */
static void deliver(runtime_t *rt, actor_id_t source, actor_id_t dest, msg_type_t type,
                    const void *payload, size_t size)
{
    mk_sup_ext_t *x = mk_sup_ext_peek(rt);
    bool queued_before = x && has_pending(x, dest);
    if (!queued_before && mk_send_from(rt, source, dest, type, payload, size))
        return;
    if (!x || !actor_is_alive(rt, dest))
        return; /* the receiver is gone: nobody to tell */
    if (x->n_pending == x->cap_pending) {
        size_t cap = x->cap_pending ? x->cap_pending * 2 : 8;
        mk_sup_notice_t *p = mk_realloc(x->pending, cap * sizeof *p);
        if (!p) {
            mk_log_write(rt, LOG_ERROR, dest, "supervision: out of memory, a death notice is lost");
            return;
        }
        x->pending = p;
        x->cap_pending = cap;
    }
    mk_sup_notice_t *n = &x->pending[x->n_pending++];
    n->source = source;
    n->dest = dest;
    n->type = type;
    n->size = (uint32_t)size;
    memcpy(n->payload, payload, size);
    if (!queued_before && !mk_actor_wait_space(rt, dest, on_space, x))
        mk_log_write(rt, LOG_ERROR, dest, "supervision: cannot wait for mailbox room");
}

/* The receiver has room (or is gone): deliver what waited, in order. */
static void on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive)
{
    mk_sup_ext_t *x = ctx;
    size_t kept = 0;
    bool blocked = !alive;
    for (size_t i = 0; i < x->n_pending; i++) {
        mk_sup_notice_t n = x->pending[i];
        if (n.dest == id && !blocked &&
            mk_send_from(rt, n.source, n.dest, n.type, n.payload, n.size))
            continue;
        if (n.dest == id && !alive)
            continue; /* gone: drop */
        if (n.dest == id)
            blocked = true; /* full again: keep this and the rest, in order */
        x->pending[kept++] = n;
    }
    x->n_pending = kept;
    if (blocked && alive)
        mk_actor_wait_space(rt, id, on_space, x);
}

static void send_down(runtime_t *rt, msg_type_t type, actor_id_t to, actor_id_t dead, uint64_t ref,
                      int reason)
{
    down_payload_t p;
    memset(&p, 0, sizeof p);
    p.actor = dead;
    p.ref = ref;
    p.reason = (uint8_t)reason;
    deliver(rt, ACTOR_ID_INVALID, to, type, &p, sizeof p);
}

/* Tell the parent of `child` that it died; the supervisor's record is
 * marked first so supervisor_get_child() never returns a dead ID. */
static void notify_parent(runtime_t *rt, const mk_edge_t *e, actor_id_t child, int reason)
{
    if (!mk_actor_find(rt, e->b))
        return;
    void *sup = mk_actor_state_of(rt, e->b, supervisor_behavior);
    if (e->ref != MK_EDGE_NO_INDEX && sup)
        mk_sup_child_died(sup, e->ref, child);
    child_exit_payload_t p;
    memset(&p, 0, sizeof p);
    p.child_id = child;
    p.exit_reason = (uint8_t)reason;
    deliver(rt, child, e->b, MSG_CHILD_EXIT, &p, sizeof p);
}

/* The core's exit hook: turn every edge naming `id` into its message. */
static void exit_hook(runtime_t *rt, void *ctx, actor_id_t id, int reason)
{
    (void)ctx;
    mk_sup_ext_t *x = mk_sup_ext_peek(rt);
    if (!x)
        return; /* runtime_destroy already dropped the table */
    size_t i = 0;
    while (i < x->n) {
        mk_edge_t e = x->edges[i];
        if (e.a != id && e.b != id) {
            i++;
            continue;
        }
        switch (e.kind) {
        case MK_EDGE_CHILD:
            remove_at(x, i);
            /* A dying parent is told nothing; a supervisor's free_state
             * then stops the children it no longer has edges for. */
            if (e.a == id)
                notify_parent(rt, &e, id, reason);
            break;
        case MK_EDGE_MONITOR:
            remove_at(x, i);
            if (e.a == id)
                send_down(rt, MSG_DOWN, e.b, id, e.ref, reason);
            break;
        default:
            remove_at(x, i);
            send_down(rt, MSG_LINK_EXIT, e.a == id ? e.b : e.a, id, 0, reason);
            break;
        }
    }
}

mk_sup_ext_t *mk_sup_ext(runtime_t *rt)
{
    mk_sup_ext_t *x = mk_sup_ext_peek(rt);
    if (x)
        return x;
    x = mk_calloc(1, sizeof *x);
    if (!x) {
        mk_set_error("supervision: out of memory");
        return NULL;
    }
    if (!mk_runtime_on_exit(rt, exit_hook, NULL)) {
        mk_free(x);
        return NULL;
    }
    mk_runtime_set_ext(rt, MK_EXT_SUPERVISION, x, ext_destroy);
    return x;
}

bool mk_sup_edge_add(runtime_t *rt, mk_edge_kind_t kind, actor_id_t a, actor_id_t b, uint64_t ref)
{
    mk_sup_ext_t *x = mk_sup_ext(rt);
    if (!x)
        return false;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        mk_edge_t *edges = mk_realloc(x->edges, cap * sizeof *edges);
        if (!edges)
            return mk_fail("supervision: out of memory for %zu edges", cap);
        x->edges = edges;
        x->cap = cap;
    }
    x->edges[x->n++] = (mk_edge_t){.a = a, .b = b, .ref = ref, .kind = (uint8_t)kind};
    return true;
}

void mk_sup_edge_remove_child(runtime_t *rt, actor_id_t child)
{
    mk_sup_ext_t *x = mk_sup_ext_peek(rt);
    if (!x)
        return;
    for (size_t i = 0; i < x->n; i++) {
        if (x->edges[i].kind == MK_EDGE_CHILD && x->edges[i].a == child) {
            remove_at(x, i);
            return;
        }
    }
}

void mk_sup_edge_remove_children_of(runtime_t *rt, actor_id_t parent)
{
    mk_sup_ext_t *x = mk_sup_ext_peek(rt);
    if (!x)
        return;
    size_t i = 0;
    while (i < x->n) {
        if (x->edges[i].kind == MK_EDGE_CHILD && x->edges[i].b == parent)
            remove_at(x, i);
        else
            i++;
    }
}

void actor_exit(runtime_t *rt, actor_id_t id, int reason)
{
    if (reason < 0 || reason > 255) {
        mk_set_error("actor_exit: reason %d is outside 0..255", reason);
        return;
    }
    mk_actor_exit(rt, id, reason);
}

const char *exit_reason_name(int reason)
{
    static const char *const names[] = {"NORMAL", "KILLED",   "CRASHED",       "TRAP",
                                        "FUEL",   "SHUTDOWN", "RESTART_LIMIT", "START_FAILED"};
    if (reason < 0 || (size_t)reason >= sizeof names / sizeof names[0])
        return "OTHER";
    return names[reason];
}

/* The caller of a monitor/link call, or ACTOR_ID_INVALID with a reason. */
static actor_id_t caller(runtime_t *rt, const char *fn, actor_id_t other)
{
    if (!rt) {
        mk_set_error("%s: runtime is NULL", fn);
        return ACTOR_ID_INVALID;
    }
    actor_id_t self = actor_self(rt);
    if (self == ACTOR_ID_INVALID) {
        mk_set_error("%s: called outside a behaviour", fn);
        return ACTOR_ID_INVALID;
    }
    if (other == self) {
        mk_set_error("%s: an actor cannot watch itself", fn);
        return ACTOR_ID_INVALID;
    }
    if (!mk_actor_find(rt, other)) {
        mk_set_error("%s: no live local actor 0x%016llx", fn, (unsigned long long)other);
        return ACTOR_ID_INVALID;
    }
    return self;
}

uint64_t actor_monitor(runtime_t *rt, actor_id_t target)
{
    actor_id_t self = caller(rt, "actor_monitor", target);
    if (self == ACTOR_ID_INVALID)
        return 0;
    mk_sup_ext_t *x = mk_sup_ext(rt);
    if (!x)
        return 0;
    uint64_t ref = x->next_ref + 1;
    if (!mk_sup_edge_add(rt, MK_EDGE_MONITOR, target, self, ref))
        return 0;
    x->next_ref = ref;
    return ref;
}

bool actor_demonitor(runtime_t *rt, uint64_t ref)
{
    mk_sup_ext_t *x = rt ? mk_sup_ext_peek(rt) : NULL;
    actor_id_t self = rt ? actor_self(rt) : ACTOR_ID_INVALID;
    for (size_t i = 0; x && ref != 0 && i < x->n; i++) {
        mk_edge_t *e = &x->edges[i];
        if (e->kind == MK_EDGE_MONITOR && e->ref == ref && e->b == self) {
            remove_at(x, i);
            return true;
        }
    }
    return mk_fail("actor_demonitor: the caller has no monitor %llu", (unsigned long long)ref);
}

/* Index of the link between `p` and `q`, or x->n. */
static size_t find_link(const mk_sup_ext_t *x, actor_id_t p, actor_id_t q)
{
    size_t i = 0;
    for (; i < x->n; i++) {
        const mk_edge_t *e = &x->edges[i];
        if (e->kind == MK_EDGE_LINK && ((e->a == p && e->b == q) || (e->a == q && e->b == p)))
            break;
    }
    return i;
}

bool actor_link(runtime_t *rt, actor_id_t other)
{
    actor_id_t self = caller(rt, "actor_link", other);
    if (self == ACTOR_ID_INVALID)
        return false;
    mk_sup_ext_t *x = mk_sup_ext(rt);
    if (!x)
        return false;
    if (find_link(x, self, other) < x->n)
        return true;
    return mk_sup_edge_add(rt, MK_EDGE_LINK, self, other, 0);
}

bool actor_unlink(runtime_t *rt, actor_id_t other)
{
    mk_sup_ext_t *x = rt ? mk_sup_ext_peek(rt) : NULL;
    actor_id_t self = rt ? actor_self(rt) : ACTOR_ID_INVALID;
    size_t i = x ? find_link(x, self, other) : 0;
    if (!x || self == ACTOR_ID_INVALID || i == x->n)
        return mk_fail("actor_unlink: no link between the caller and 0x%016llx",
                       (unsigned long long)other);
    remove_at(x, i);
    return true;
}
