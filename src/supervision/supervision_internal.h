/*
 * supervision_internal.h -- the death-notification table shared by
 * watch.c (monitors, links, the exit hook) and supervisor.c.
 *
 * One table per runtime (MK_EXT_SUPERVISION) of edges between actors. The
 * core's exit hook walks it when any actor stops and turns the edges that
 * name the dead actor into messages: MSG_CHILD_EXIT for a parent,
 * MSG_DOWN for a monitor, MSG_LINK_EXIT for a link.
 */
#ifndef MK_SUPERVISION_INTERNAL_H
#define MK_SUPERVISION_INTERNAL_H

#include "core/runtime_api.h"
#include "microkernel/supervision.h"

typedef enum {
    MK_EDGE_CHILD,   /* a = child, b = parent, ref = child index or MK_EDGE_NO_INDEX */
    MK_EDGE_MONITOR, /* a = watched, b = watcher, ref = monitor reference */
    MK_EDGE_LINK     /* a, b = the two ends; ref unused */
} mk_edge_kind_t;

#define MK_EDGE_NO_INDEX UINT64_MAX /* parent that is not a supervisor */

typedef struct {
    actor_id_t a; /* see mk_edge_kind_t */
    actor_id_t b;
    uint64_t ref;
    uint8_t kind; /* mk_edge_kind_t */
} mk_edge_t;

/* A death notice waiting for room in its receiver's mailbox. */
typedef struct {
    actor_id_t source; /* as it will be delivered */
    actor_id_t dest;   /* the receiver */
    msg_type_t type;   /* MSG_CHILD_EXIT, MSG_DOWN, MSG_LINK_EXIT */
    uint32_t size;     /* payload bytes */
    unsigned char payload[32];
} mk_sup_notice_t;

typedef struct {
    mk_edge_t *edges;         /* unordered; removal swaps in the last edge */
    size_t n;                 /* edges in use */
    size_t cap;               /* edges allocated */
    uint64_t next_ref;        /* last monitor reference handed out */
    mk_sup_notice_t *pending; /* notices for full mailboxes, oldest first */
    size_t n_pending, cap_pending;
} mk_sup_ext_t;

/* The runtime's table, created (and the exit hook installed) on first
 * use. NULL with a reason when memory or exit-hook slots run out. */
mk_sup_ext_t *mk_sup_ext(runtime_t *rt);
/* The table if it exists (never creates it). */
mk_sup_ext_t *mk_sup_ext_peek(const runtime_t *rt);

/* Add an edge; false with a reason when memory runs out. */
bool mk_sup_edge_add(runtime_t *rt, mk_edge_kind_t kind, actor_id_t a, actor_id_t b, uint64_t ref);
/* Remove the child edge of `child`, if any (a supervisor is about to stop
 * it and must not be told). */
void mk_sup_edge_remove_child(runtime_t *rt, actor_id_t child);
/* Remove every child edge whose parent is `parent`. */
void mk_sup_edge_remove_children_of(runtime_t *rt, actor_id_t parent);

/* Told by the exit hook that child `index` of supervisor state `state`
 * (whose actor is alive) died: supervisor.c marks it not running. */
void mk_sup_child_died(void *state, uint64_t index, actor_id_t child);

#endif
