/*
 * microkernel/node.h -- node events of the multi-node layer (extension, not
 * in the seed): which peer nodes are reachable, and messages telling
 * interested actors when one comes or goes.
 *
 * A node is "up" while the transport registered for it (runtime_add_transport)
 * reports is_connected(); it goes "down" when the peer closes or resets the
 * connection, is killed, sends a frame that cannot be trusted, or a write
 * fails. On the way down every name that mapped to an actor of that node is
 * removed from the local registry. See docs/system-messages.md.
 */
#ifndef MICROKERNEL_NODE_H
#define MICROKERNEL_NODE_H

#include "microkernel/services.h"
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* System messages (range 0xFF000110..0xFF00011F belongs to this header).
 * Source ACTOR_ID_INVALID; sent only to actors that called node_monitor(). */
#define MSG_NODE_UP    0xFF000110u /* node_event_payload_t: transport connected */
#define MSG_NODE_DOWN  0xFF000111u /* node_event_payload_t: transport lost */
/* Exchanged between runtimes, never delivered to actors: the first frame on
 * every new connection, carrying the sender's node ID (docs/wire-format.md). */
#define MSG_NODE_HELLO 0xFF000112u

#ifndef MK_MAX_NODE_MONITORS
#define MK_MAX_NODE_MONITORS 32 /* actors subscribed to node events, per runtime */
#endif

/* Payload of MSG_NODE_UP and MSG_NODE_DOWN. */
typedef struct {
    node_id_t node;         /* the peer node */
    uint32_t names_removed; /* MSG_NODE_DOWN: names of that node dropped from the registry */
    char reason[96]; /* MSG_NODE_DOWN: why, NUL-terminated (e.g. "peer closed the connection") */
} node_event_payload_t;

/*
 * Subscribe actor `watcher` (a live local actor) to MSG_NODE_UP and
 * MSG_NODE_DOWN for every peer node. Subscribing twice is harmless. The
 * subscription ends with node_demonitor() or when the actor stops. Returns
 * false with a reason for a NULL runtime, a dead or remote actor, or when
 * MK_MAX_NODE_MONITORS actors are subscribed. Callable outside behaviours.
 */
bool node_monitor(runtime_t *rt, actor_id_t watcher);

/* End `watcher`'s subscription; false when it had none. */
bool node_demonitor(runtime_t *rt, actor_id_t watcher);

/* Whether a transport for node `node` is registered and connected. */
bool node_is_connected(runtime_t *rt, node_id_t node);

#ifdef __cplusplus
}
#endif

#endif
