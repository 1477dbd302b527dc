/*
 * supervisor.c -- the supervisor actor (seed 000, "Supervision"): starts
 * children from specs in order, restarts them by strategy and restart type
 * when MSG_CHILD_EXIT arrives, and gives up past its restart intensity.
 *
 * A supervisor is an ordinary actor whose state is a sup_t. Its free_state
 * (called once by the core however it stops) stops its children in reverse
 * start order, which is how a whole subtree goes down. Stops the supervisor
 * causes itself drop the child's edge first, so they never come back as
 * MSG_CHILD_EXIT. Semantics: docs/supervision.md.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "microkernel/actor.h"
#include "platform/clock.h"
#include "supervision/supervision_internal.h"

#define SUP_MAX_RESTARTS 1000000 /* bound on max_restarts (its history is allocated) */
#define SUP_MIN_MAILBOX  64      /* a supervisor's mailbox: max(this, 4 x children) */

typedef struct {
    child_spec_t spec; /* copy; spec.name points to `name` or is NULL */
    char *name;        /* owned copy of the spec's name */
    actor_id_t id;     /* current incarnation; ACTOR_ID_INVALID when none */
    bool running;      /* `id` is alive */
    bool restart;      /* scratch: to be started again by the restart under way */
    uint64_t restarts; /* times this child was started again (supervisor_info) */
} sup_child_t;

typedef struct {
    runtime_t *rt;   /* set when the supervisor actor exists */
    actor_id_t self; /* the supervisor's ID */
    restart_strategy_t strategy;
    uint64_t window_ms;  /* intensity window */
    int max_restarts;    /* restarts allowed within the window */
    uint64_t *history;   /* times (ms) of the last max_restarts restarts, a ring */
    size_t history_n;    /* entries used (<= max_restarts) */
    size_t history_head; /* the oldest entry when history_n == max_restarts */
    uint64_t restarts;   /* restarts counted since the supervisor started */
    size_t n;            /* children */
    sup_child_t child[]; /* in spec order */
} sup_t;

static void *nested_factory(void *arg);
static void sup_free(void *state);

/* Check everything supervisor_start takes; false with a reason. */
static bool validate(restart_strategy_t strategy, int max_restarts, uint64_t window_ms,
                     const child_spec_t *specs, size_t n_specs)
{
    if (!specs || n_specs == 0)
        return mk_fail("supervisor_start: no child specs (specs %s, n_specs %zu)",
                       specs ? "set" : "NULL", n_specs);
    if ((unsigned)strategy > STRATEGY_REST_FOR_ONE)
        return mk_fail("supervisor_start: unknown strategy %d", (int)strategy);
    if (max_restarts <= 0 || max_restarts > SUP_MAX_RESTARTS)
        return mk_fail("supervisor_start: max_restarts %d is outside 1..%d", max_restarts,
                       SUP_MAX_RESTARTS);
    if (window_ms == 0)
        return mk_fail("supervisor_start: window_ms is 0");
    for (size_t i = 0; i < n_specs; i++) {
        const child_spec_t *s = &specs[i];
        if (!s->behavior)
            return mk_fail("supervisor_start: specs[%zu].behavior is NULL", i);
        if (s->mailbox_size == 0 || s->mailbox_size > MK_MAILBOX_MAX)
            return mk_fail("supervisor_start: specs[%zu].mailbox_size %zu is outside 1..%u", i,
                           s->mailbox_size, (unsigned)MK_MAILBOX_MAX);
        if (s->behavior == supervisor_behavior &&
            (s->factory != nested_factory || s->free_state != sup_free))
            return mk_fail("supervisor_start: specs[%zu] runs a supervisor; build it with "
                           "supervisor_child_spec()",
                           i);
        if ((unsigned)s->restart_type > RESTART_TEMPORARY)
            return mk_fail("supervisor_start: specs[%zu].restart_type %d is unknown", i,
                           (int)s->restart_type);
        if (!s->name)
            continue;
        size_t len = strnlen(s->name, MK_NAME_MAX + 1);
        if (len == 0 || len > MK_NAME_MAX)
            return mk_fail("supervisor_start: specs[%zu].name is %s", i,
                           len ? "longer than MK_NAME_MAX" : "empty");
        for (size_t j = 0; j < i; j++)
            if (specs[j].name && strcmp(specs[j].name, s->name) == 0)
                return mk_fail("supervisor_start: specs[%zu] and specs[%zu] are both named \"%s\"",
                               j, i, s->name);
    }
    return true;
}

static void sup_destroy(sup_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        mk_free(s->child[i].name);
    mk_free(s->history);
    mk_free(s);
}

/* A supervisor's state, not yet attached to an actor. NULL with a reason. */
static sup_t *sup_create(restart_strategy_t strategy, int max_restarts, uint64_t window_ms,
                         const child_spec_t *specs, size_t n_specs)
{
    if (!validate(strategy, max_restarts, window_ms, specs, n_specs))
        return NULL;
    sup_t *s = mk_calloc(1, sizeof *s + n_specs * sizeof s->child[0]);
    if (!s)
        goto nomem;
    s->n = n_specs;
    s->history = mk_calloc((size_t)max_restarts, sizeof *s->history);
    if (!s->history)
        goto nomem;
    s->strategy = strategy;
    s->max_restarts = max_restarts;
    s->window_ms = window_ms;
    for (size_t i = 0; i < n_specs; i++) {
        sup_child_t *c = &s->child[i];
        c->spec = specs[i];
        if (specs[i].name) {
            c->name = mk_strdup(specs[i].name);
            if (!c->name)
                goto nomem;
        }
        c->spec.name = c->name;
    }
    return s;
nomem:
    mk_set_error("supervisor_start: out of memory for %zu children", n_specs);
    if (s)
        sup_destroy(s);
    return NULL;
}

/* The state of supervisor `id`; NULL with "<fn>: ..." when it is not a live supervisor. */
static sup_t *sup_of(runtime_t *rt, actor_id_t id, const char *fn)
{
    if (!rt || !mk_actor_find(rt, id)) {
        mk_set_error("%s: no live actor 0x%016llx", fn, (unsigned long long)id);
        return NULL;
    }
    sup_t *s = mk_actor_state_of(rt, id, supervisor_behavior);
    if (!s)
        mk_set_error("%s: actor 0x%016llx is not a supervisor", fn, (unsigned long long)id);
    return s;
}

static bool boot(runtime_t *rt, sup_t *s, actor_id_t self);

/* Start child `i` of `s`: fresh state, spawn, parent edge, name, and for a
 * nested supervisor its own children. False with a reason; nothing left. */
static bool start_child(sup_t *s, size_t i)
{
    runtime_t *rt = s->rt;
    sup_child_t *c = &s->child[i];
    const child_spec_t *spec = &c->spec;
    void *state = spec->factory ? spec->factory(spec->factory_arg) : NULL;
    bool nested = spec->behavior == supervisor_behavior;
    if (nested && !state)
        return false; /* nested_factory said why */
    actor_id_t id = actor_spawn(rt, spec->behavior, state, spec->free_state, spec->mailbox_size);
    if (id == ACTOR_ID_INVALID) {
        if (spec->free_state)
            spec->free_state(state);
        return false;
    }
    mk_actor_set_parent(rt, id, s->self); /* for inspection (actor_info) */
    if (!mk_sup_edge_add(rt, MK_EDGE_CHILD, id, s->self, i))
        goto fail;
    if (nested && !boot(rt, state, id))
        goto fail;
    if (c->name && !mk_registry_register(rt, c->name, id, true))
        goto fail;
    c->id = id;
    c->running = true;
    return true;
fail:
    mk_sup_edge_remove_child(rt, id);
    mk_actor_exit(rt, id, EXIT_START_FAILED);
    return false;
}

/* Stop running child `i` without being told (reverse-order shutdowns). */
static void stop_child(sup_t *s, size_t i)
{
    sup_child_t *c = &s->child[i];
    if (!c->running) {
        c->id = ACTOR_ID_INVALID; /* a notice still queued for it is now stale */
        return;
    }
    actor_id_t id = c->id;
    c->running = false;
    c->id = ACTOR_ID_INVALID;
    mk_sup_edge_remove_child(s->rt, id);
    mk_actor_exit(s->rt, id, EXIT_SHUTDOWN);
}

/* Attach `s` to actor `self` and start its children in spec order. */
static bool boot(runtime_t *rt, sup_t *s, actor_id_t self)
{
    s->rt = rt;
    s->self = self;
    for (size_t i = 0; i < s->n; i++)
        if (!start_child(s, i))
            return false; /* the caller stops `self`; free_state stops the rest */
    return true;
}

void mk_sup_child_died(void *state, uint64_t index, actor_id_t child)
{
    sup_t *s = state;
    if (index < s->n && s->child[index].id == child)
        s->child[index].running = false;
}

/* Whether a child that stopped with `reason` is restarted (seed "Restart
 * types"; EXIT_SHUTDOWN counts as normal, as Erlang's `shutdown`). */
static bool wants_restart(restart_type_t type, int reason)
{
    if (type == RESTART_PERMANENT)
        return true;
    if (type == RESTART_TRANSIENT)
        return reason != EXIT_NORMAL && reason != EXIT_SHUTDOWN;
    return false;
}

/* Count a restart; false when it is one more than max_restarts within
 * window_ms (the supervisor must give up). */
static bool count_restart(sup_t *s)
{
    uint64_t now = mk_clock_ms();
    size_t max = (size_t)s->max_restarts;
    if (s->history_n == max) {
        uint64_t oldest = s->history[s->history_head];
        if (now - oldest < s->window_ms)
            return false;
        s->history[s->history_head] = now;
        s->history_head = (s->history_head + 1) % max;
        s->restarts++;
        return true;
    }
    s->history[(s->history_head + s->history_n) % max] = now;
    s->history_n++;
    s->restarts++;
    return true;
}

/* Child `dead` of `s` stopped with `reason`: restart by strategy. */
static void handle_exit(runtime_t *rt, sup_t *s, size_t dead, int reason)
{
    sup_child_t *d = &s->child[dead];
    actor_id_t old = d->id;
    d->id = ACTOR_ID_INVALID;
    if (!wants_restart(d->spec.restart_type, reason))
        return;
    if (!count_restart(s)) {
        actor_log(rt, LOG_WARN, "supervisor: more than %d restarts in %llu ms, giving up",
                  s->max_restarts, (unsigned long long)s->window_ms);
        mk_actor_exit(rt, s->self, EXIT_RESTART_LIMIT);
        return;
    }
    size_t lo = dead, hi = dead + 1;
    if (s->strategy == STRATEGY_ONE_FOR_ALL)
        lo = 0, hi = s->n;
    else if (s->strategy == STRATEGY_REST_FOR_ONE)
        hi = s->n;
    for (size_t i = lo; i < hi; i++) {
        sup_child_t *c = &s->child[i];
        /* A child whose death notice is still queued restarts with the
         * group; the notice then names a stale ID and is ignored. */
        bool member = i == dead || c->running || c->id != ACTOR_ID_INVALID;
        c->restart = member && c->spec.restart_type != RESTART_TEMPORARY;
    }
    for (size_t i = hi; i-- > lo;)
        stop_child(s, i);
    for (size_t i = lo; i < hi; i++) {
        if (!s->child[i].restart)
            continue;
        s->child[i].restart = false;
        s->child[i].restarts++;
        if (!start_child(s, i)) {
            actor_log(rt, LOG_ERROR, "supervisor: restarting child %zu failed: %s", i,
                      mk_last_error());
            mk_actor_exit(rt, s->self, EXIT_START_FAILED);
            return;
        }
        /* Bounded by the restart intensity (max_restarts per window_ms). */
        sup_child_t *c = &s->child[i];
        actor_log(rt, LOG_INFO,
                  "supervisor: restarted child %zu%s%s%s as 0x%016llx (restart %llu: child %zu "
                  "0x%016llx exited with reason %d)",
                  i, c->name ? " (" : "", c->name ? c->name : "", c->name ? ")" : "",
                  (unsigned long long)c->id, (unsigned long long)c->restarts, dead,
                  (unsigned long long)old, reason);
    }
}

bool supervisor_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    sup_t *s = state;
    if (msg->type != MSG_CHILD_EXIT || msg->payload_size != sizeof(child_exit_payload_t))
        return true;
    child_exit_payload_t p;
    memcpy(&p, msg->payload, sizeof p);
    for (size_t i = 0; i < s->n; i++) {
        /* Only the death of the current incarnation counts; stale or forged
         * notices (the child is still running) are ignored. */
        if (s->child[i].id == p.child_id && p.child_id != ACTOR_ID_INVALID &&
            !s->child[i].running && msg->source == p.child_id) {
            handle_exit(rt, s, i, p.exit_reason);
            break;
        }
    }
    return true;
}

/* free_state of every supervisor: stop the subtree, then free. */
static void sup_free(void *state)
{
    sup_t *s = state;
    if (!s)
        return;
    if (s->rt) {
        mk_sup_edge_remove_children_of(s->rt, s->self); /* the exit hook did, unless it never ran */
        for (size_t i = s->n; i-- > 0;)
            stop_child(s, i);
    }
    sup_destroy(s);
}

static size_t mailbox_for(size_t n)
{
    return n > SUP_MIN_MAILBOX / 4 ? n * 4 : SUP_MIN_MAILBOX;
}

actor_id_t supervisor_start(runtime_t *rt, restart_strategy_t strategy, int max_restarts,
                            uint64_t window_ms, const child_spec_t *specs, size_t n_specs)
{
    if (!rt) {
        mk_set_error("supervisor_start: runtime is NULL");
        return ACTOR_ID_INVALID;
    }
    sup_t *s = sup_create(strategy, max_restarts, window_ms, specs, n_specs);
    if (!s)
        return ACTOR_ID_INVALID;
    if (!mk_sup_ext(rt)) {
        sup_destroy(s);
        return ACTOR_ID_INVALID;
    }
    actor_id_t id = actor_spawn(rt, supervisor_behavior, s, sup_free, mailbox_for(n_specs));
    if (id == ACTOR_ID_INVALID) {
        sup_destroy(s);
        return ACTOR_ID_INVALID;
    }
    if (!boot(rt, s, id)) {
        char why[256];
        snprintf(why, sizeof why, "%s", mk_last_error());
        mk_actor_exit(rt, id, EXIT_START_FAILED);
        mk_set_error("supervisor_start: a child failed to start: %s", why);
        return ACTOR_ID_INVALID;
    }
    actor_id_t parent = actor_self(rt);
    if (parent != ACTOR_ID_INVALID &&
        !mk_sup_edge_add(rt, MK_EDGE_CHILD, id, parent, MK_EDGE_NO_INDEX)) {
        mk_actor_exit(rt, id, EXIT_START_FAILED);
        mk_set_error("supervisor_start: out of memory");
        return ACTOR_ID_INVALID;
    }
    return id;
}

actor_id_t supervisor_get_child(runtime_t *rt, actor_id_t sup_id, size_t index)
{
    sup_t *s = sup_of(rt, sup_id, "supervisor_get_child");
    if (!s)
        return ACTOR_ID_INVALID;
    if (index >= s->n) {
        mk_set_error("supervisor_get_child: index %zu is outside 0..%zu", index, s->n - 1);
        return ACTOR_ID_INVALID;
    }
    if (!s->child[index].running) {
        mk_set_error("supervisor_get_child: child %zu is not running", index);
        return ACTOR_ID_INVALID;
    }
    return s->child[index].id;
}

bool supervisor_info(runtime_t *rt, actor_id_t sup_id, supervisor_info_t *out,
                     supervisor_child_info_t *children, size_t max_children)
{
    if (!out)
        return mk_fail("supervisor_info: output is NULL");
    sup_t *s = sup_of(rt, sup_id, "supervisor_info");
    if (!s)
        return false;
    out->strategy = s->strategy;
    out->max_restarts = s->max_restarts;
    out->window_ms = s->window_ms;
    out->n_children = s->n;
    out->restarts = s->restarts;
    uint64_t now = mk_clock_ms();
    size_t in_window = 0;
    for (size_t k = 0; k < s->history_n; k++) {
        uint64_t t = s->history[(s->history_head + k) % (size_t)s->max_restarts];
        in_window += now - t < s->window_ms;
    }
    out->restarts_in_window = in_window;
    for (size_t i = 0; children && i < s->n && i < max_children; i++) {
        const sup_child_t *c = &s->child[i];
        children[i].name = c->name;
        children[i].id = c->running ? c->id : ACTOR_ID_INVALID;
        children[i].restart_type = c->spec.restart_type;
        children[i].restarts = c->restarts;
        children[i].supervisor = c->spec.behavior == supervisor_behavior;
    }
    return true;
}

void *supervisor_get_factory_arg(runtime_t *rt, actor_id_t sup_id, size_t index)
{
    sup_t *s = sup_of(rt, sup_id, "supervisor_get_factory_arg");
    if (!s)
        return NULL;
    if (index >= s->n) {
        mk_set_error("supervisor_get_factory_arg: index %zu is outside 0..%zu", index, s->n - 1);
        return NULL;
    }
    return s->child[index].spec.factory_arg;
}

int supervisor_replace_child(runtime_t *rt, actor_id_t sup_id, actor_id_t old_child,
                             actor_id_t new_child, void *new_factory_arg,
                             void **old_factory_arg_out)
{
    const char *fn = "supervisor_replace_child";
    sup_t *s = sup_of(rt, sup_id, fn);
    if (!s)
        return -1;
    size_t i = 0;
    while (i < s->n && !(s->child[i].running && s->child[i].id == old_child))
        i++;
    if (i == s->n || old_child == ACTOR_ID_INVALID) {
        mk_set_error("%s: 0x%016llx is not a running child of supervisor 0x%016llx", fn,
                     (unsigned long long)old_child, (unsigned long long)sup_id);
        return -1;
    }
    if (new_child != old_child) {
        if (!mk_actor_find(rt, new_child)) {
            mk_set_error("%s: 0x%016llx is not a live local actor", fn,
                         (unsigned long long)new_child);
            return -1;
        }
        if (!mk_sup_edge_add(rt, MK_EDGE_CHILD, new_child, s->self, i))
            return -1;
        mk_sup_edge_remove_child(rt, old_child);
        mk_actor_set_parent(rt, old_child, ACTOR_ID_INVALID);
        mk_actor_set_parent(rt, new_child, s->self);
        s->child[i].id = new_child;
    }
    if (old_factory_arg_out)
        *old_factory_arg_out = s->child[i].spec.factory_arg;
    s->child[i].spec.factory_arg = new_factory_arg;
    return (int)i;
}

void supervisor_stop(runtime_t *rt, actor_id_t sup_id)
{
    if (sup_of(rt, sup_id, "supervisor_stop"))
        mk_actor_exit(rt, sup_id, EXIT_SHUTDOWN);
}

/* Factory of a nested supervisor: a sup_t from a supervisor_spec_t, or
 * NULL (the parent then fails to start it, with this reason). */
static void *nested_factory(void *arg)
{
    const supervisor_spec_t *sp = arg;
    if (!sp) {
        mk_set_error("supervisor_child_spec: supervisor spec is NULL");
        return NULL;
    }
    return sup_create(sp->strategy, sp->max_restarts, sp->window_ms, sp->specs, sp->n_specs);
}

child_spec_t supervisor_child_spec(const char *name, const supervisor_spec_t *sup,
                                   restart_type_t restart_type)
{
    child_spec_t c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.behavior = supervisor_behavior;
    c.factory = nested_factory;
    c.factory_arg = (void *)(uintptr_t)sup;
    c.free_state = sup_free;
    c.mailbox_size = mailbox_for(sup ? sup->n_specs : 0);
    c.restart_type = restart_type;
    return c;
}
