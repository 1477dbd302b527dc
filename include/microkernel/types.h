/*
 * microkernel/types.h -- core types shared by every public header.
 *
 * Source: seed API reference (000), "Core types". An actor ID carries the
 * node that owns the actor in its upper 32 bits and a node-local sequence in
 * the lower 32 bits, so any ID says where to route a message.
 */
#ifndef MICROKERNEL_TYPES_H
#define MICROKERNEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t actor_id_t;     /* node (upper 32 bits) | sequence (lower 32) */
typedef uint32_t node_id_t;      /* node identity within a cluster */
typedef uint32_t msg_type_t;     /* 0xFF000000 and above: system messages */
typedef uint32_t timer_id_t;     /* handle returned by actor_set_timer */
typedef uint32_t http_conn_id_t; /* HTTP/SSE/WS connection handle */

#define ACTOR_ID_INVALID     ((actor_id_t)0)
#define TIMER_ID_INVALID     ((timer_id_t)0)
#define HTTP_CONN_ID_INVALID ((http_conn_id_t)0)

/* An actor's lifecycle state as runtime_actor_info() reports it (the
 * original's types.h; values 0..3 in this order). */
typedef enum {
    ACTOR_IDLE,    /* alive, nothing queued */
    ACTOR_READY,   /* messages queued, waiting for its turn */
    ACTOR_RUNNING, /* its behaviour is executing now */
    ACTOR_STOPPED  /* stop requested; torn down when its behaviour returns */
} actor_status_t;

/* First message type reserved for the runtime's own messages. */
#define MSG_SYSTEM_BASE ((msg_type_t)0xFF000000u)

typedef struct runtime runtime_t;
typedef struct actor actor_t;
typedef struct message message_t;
typedef struct mailbox mailbox_t;
typedef struct scheduler scheduler_t;
typedef struct transport transport_t;
typedef struct mk_socket mk_socket_t;

/*
 * Build an actor ID from a node ID and a node-local sequence number.
 * Source: seed "Actor ID helpers".
 */
static inline actor_id_t actor_id_make(node_id_t node, uint32_t seq)
{
    return ((actor_id_t)node << 32) | (actor_id_t)seq;
}

/* The node that owns the actor: the upper 32 bits of the ID. */
static inline node_id_t actor_id_node(actor_id_t id)
{
    return (node_id_t)(id >> 32);
}

/* The node-local sequence number: the lower 32 bits of the ID. */
static inline uint32_t actor_id_seq(actor_id_t id)
{
    return (uint32_t)(id & 0xFFFFFFFFu);
}

/*
 * An actor's behaviour: called once per message, on the runtime's thread.
 * `msg` and its payload are owned by the runtime and valid only until the
 * function returns (copy what must outlive the call). `state` is the actor's
 * state pointer. Return true to keep running, false to stop the actor (exit
 * reason EXIT_NORMAL). Source: seed "Behavior function".
 */
typedef bool (*actor_behavior_fn)(runtime_t *rt, actor_t *self, message_t *msg, void *state);

#endif
