/*
 * microkernel/nats.h -- scale-out through NATS (issue 21, docs/scale-out.md):
 * a node's runtime joins a NATS cluster through libnats; any node id in the
 * cluster is then reachable by actor_send() without a direct link, and
 * namespace paths served over NATS are reachable from every node.
 *
 * Subjects (docs/scale-out.md, "Subjects"):
 *   mk.node.<dest>.<src>  a frame for an actor of node <dest>, published by
 *                         node <src> (decimal u32). The server's per-node
 *                         publish permission (mk.node.*.<src>) makes <src>
 *                         the authenticated publisher; a frame whose source
 *                         actor is not of node <src> is dropped and counted.
 *   mk.path.<t1>.<t2>...  a frame for the actor serving path /t1/t2/...,
 *                         tokens escaped (mk_nats_path_subject()); served
 *                         with queue group "mk.path" so several servers of
 *                         one path share its messages.
 * Payload: the wire frame of ../shared/compat/wire-and-mount.md section 1
 * (28-byte header, big-endian, then the payload), exactly one frame per
 * NATS message.
 *
 * Every function here is called on the runtime's thread (none is
 * thread-safe); libnats' own threads only queue messages for that thread.
 */
#ifndef MICROKERNEL_NATS_H
#define MICROKERNEL_NATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest subject made from a path (bytes, without the NUL). */
#define MK_NATS_SUBJECT_MAX     512u
/* Default bound on NATS messages received and not yet delivered to actors
 * (libnats' pending queue plus ours); beyond it messages are dropped and
 * counted (dropped_overflow / libnats' slow-consumer count). */
#define MK_NATS_PENDING_DEFAULT 65536u

/* How to reach and authenticate to NATS. Strings are copied by
 * runtime_attach_nats(); NULL or "" means "not used". */
typedef struct {
    const char *servers;        /* "nats://host:port[,nats://host:port...]"; required */
    const char *user;           /* user/password authentication */
    const char *password;       /*   (both or neither) */
    const char *token;          /* token authentication */
    const char *creds_file;     /* NATS .creds file (user JWT + NKey seed) */
    const char *nkey_seed_file; /* NKey seed file, with nkey_public */
    const char *nkey_public;    /*   the user's public NKey ("U...") */
    bool tls;                   /* require TLS (also implied by tls:// URLs) */
    const char *ca_file;        /* TLS trust anchors (PEM); NULL: system store */
    const char *cert_file;      /* TLS client certificate (PEM), with key_file */
    const char *key_file;
    const char *name;           /* connection name shown by the server; NULL: "mk-node-<id>" */
    uint32_t pending_max;       /* 0: MK_NATS_PENDING_DEFAULT messages */
    uint32_t reconnect_wait_ms; /* between reconnect attempts; 0: 250 ms */
} mk_nats_config_t;

/*
 * Connect `rt` to NATS and subscribe mk.node.<id>.* for its node id. Sends
 * to nodes without a direct transport then go to NATS (direct links keep
 * priority). The libnats connection reconnects on its own for ever (every
 * reconnect_wait_ms) and re-subscribes. Incoming messages are queued by
 * libnats' delivery thread and handed to the runtime's loop through an
 * eventfd (docs/scale-out.md, "Threads"). The attachment lives until
 * runtime_detach_nats() or runtime_destroy().
 * Returns false with a reason for mk_last_error(): NULL arguments, no
 * servers, an attachment already present, a libnats error (unreachable
 * server, refused credentials, TLS failure: libnats' text is quoted), or no
 * memory (nothing stays attached).
 */
bool runtime_attach_nats(runtime_t *rt, const mk_nats_config_t *cfg);

/* Close the NATS connection of `rt` (no-op without one). Messages queued
 * and not yet delivered are dropped. Sends to nodes without a transport
 * fail again afterwards. */
void runtime_detach_nats(runtime_t *rt);

/*
 * Serve namespace path `path` ("/a/b/c") for local actor `id` over NATS:
 * subscribes mk.path.<escaped tokens> in queue group "mk.path" (several
 * nodes serving one path share its messages; NATS picks one per message).
 * Messages arrive with their original source and type. One actor per path
 * per node; serving it again replaces the actor. The subscription goes
 * when the actor stops or with mk_nats_unserve_path().
 * False with a reason: no attachment, an invalid path (ns_path_check), a
 * path whose subject would exceed MK_NATS_SUBJECT_MAX, a non-local actor,
 * MK_NATS_PATHS_MAX paths already served, or a libnats error.
 */
bool mk_nats_serve_path(runtime_t *rt, const char *path, actor_id_t id);
#define MK_NATS_PATHS_MAX 256u

/* Stop serving `path`; false with a reason when it is not served. */
bool mk_nats_unserve_path(runtime_t *rt, const char *path);

/*
 * Send a message from `source` (ACTOR_ID_INVALID or a local actor) to
 * whichever node serves `path` over NATS. At most once: true means the
 * frame was handed to libnats, not that a server of the path exists.
 * False with a reason: no attachment, an invalid path, a payload above the
 * server's max_payload minus 28 header bytes, or the connection is closed.
 */
bool mk_nats_send_path(runtime_t *rt, actor_id_t source, const char *path, msg_type_t type,
                       const void *payload, size_t payload_size);

/*
 * Pure: the NATS subject for `path` into `out` (`out_size` bytes, NUL
 * included): "mk.path." then one token per path component. A component's
 * bytes [A-Za-z0-9_-] are kept; every other byte (".", "*", ">", "~",
 * spaces, controls, UTF-8 bytes...) becomes "~" and two upper-case hex
 * digits, so no name can add a token, a wildcard or whitespace to a subject
 * (docs/scale-out.md, "Escaping"). Returns the length written, or 0 with a
 * reason for mk_last_error() for a NULL argument, a path that is not "/"
 * followed by non-empty components separated by single "/", or an output
 * that does not fit.
 */
size_t mk_nats_path_subject(const char *path, char *out, size_t out_size);

/* What the attachment has done; counters since attach. */
typedef struct {
    bool connected;                 /* libnats reports the connection up */
    uint64_t reconnects;            /* times libnats reconnected */
    uint64_t published;             /* frames published */
    uint64_t received;              /* NATS messages taken from the queue */
    uint64_t delivered;             /* messages delivered to local actors */
    uint64_t dropped_malformed;     /* not exactly one valid frame, or bad subject */
    uint64_t dropped_forged;        /* source actor not of the publishing node */
    uint64_t dropped_local_only;    /* a type only this runtime may produce */
    uint64_t dropped_undeliverable; /* no such actor / not for this node / control */
    uint64_t dropped_overflow;      /* over pending_max, or libnats' slow-consumer drops */
} mk_nats_stats_t;

/* Copy the counters of `rt`'s attachment into *out; false with a reason
 * without an attachment or with NULL arguments. */
bool mk_nats_stats(runtime_t *rt, mk_nats_stats_t *out);

#ifdef __cplusplus
}
#endif

#endif
