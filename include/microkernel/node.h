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
 * every new connection, carrying the sender's node ID (docs/wire-format.md);
 * an extension the original lacks, not sent on links in original mode. */
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

#ifndef MK_NET_LOCAL_ONLY_MAX
#define MK_NET_LOCAL_ONLY_MAX 32 /* local-only type ranges per runtime (6 by default) */
#endif

/*
 * Mark message types first..last (inclusive) as local-only: a frame of such
 * a type that arrives from any node link is never delivered, whatever its
 * source; it is dropped, counted in node_link_stats_t.dropped_local_only and
 * logged (one line per second per link). Meant for subsystems at init, for
 * types whose receivers trust that only this runtime produces them.
 * By default (docs/multi-node.md, "What a peer may send") the runtime marks:
 * 0xFF000001..0xFF000011 (timers, fd events, log lines, HTTP/SSE/WebSocket
 * events, child exits), 0xFF000110..0xFF00011F (node events),
 * 0xFF000120..0xFF00012F (monitor/link exits), 0xFF000140..0xFF000142
 * (mount requests and replies), 0xFF00014F..0xFF00016F (KV flush, WASM
 * resume, HTTP writable) and 0xFF000A00..0xFF000AFF (console and shell).
 * Runtime-to-runtime frames (dest 0: hello, names, paths) are not affected.
 * Returns true (also when the range is already covered); false with a
 * reason for a NULL runtime, first > last, when MK_NET_LOCAL_ONLY_MAX ranges
 * are in use, or when memory runs out. Source: issue 13 (a peer drove the
 * shell with a forged MSG_TTY_LINE).
 */
bool runtime_set_local_only_types(runtime_t *rt, msg_type_t first, msg_type_t last);

/* Whether `type` is local-only in `rt` (false for a NULL runtime). */
bool runtime_is_local_only_type(runtime_t *rt, msg_type_t type);

/* What one node link received, counted since its transport was added. */
typedef struct {
    uint64_t frames_in;             /* frames read from the transport */
    uint64_t delivered;             /* handed to a local actor */
    uint64_t dropped_forged_source; /* source not 0 and not an actor of the peer's node */
    uint64_t dropped_local_only;    /* a local-only type (runtime_set_local_only_types) */
    uint64_t dropped_undeliverable; /* no such actor, another node's actor, mailbox gone */
    uint64_t dropped_control;       /* dest 0 frames nobody handles, or malformed ones */
    uint64_t names_refused;         /* MSG_NAME_REGISTER refused (foreign actor, quota) */
    uint64_t handshakes_timed_out;  /* accepted peers dropped: no frame in time */
} node_link_stats_t;

/*
 * Copy the counters of the link to node `node` into *out. Returns false
 * with a reason for NULL arguments or when no transport for that node is
 * registered (a link's counters go with its transport).
 */
bool runtime_link_stats(runtime_t *rt, node_id_t node, node_link_stats_t *out);

/* Whether a transport for node `node` is registered and connected. */
bool node_is_connected(runtime_t *rt, node_id_t node);

#ifdef __cplusplus
}
#endif

#endif
