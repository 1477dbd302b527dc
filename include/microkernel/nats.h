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
 *   mk.probe.<t1>.<t2>... a probe (request, no frame) asking whether the
 *                         path is served (mk_nats_resolve_path()).
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
    const char *key_file;       /* its private key (PEM) */
    const char *name;           /* connection name shown by the server; NULL: "mk-node-<id>" */
    uint32_t pending_max;       /* 0: MK_NATS_PENDING_DEFAULT messages */
    uint32_t reconnect_wait_ms; /* between reconnect attempts; 0: 250 ms */
    /* false (default): every publish is written at once (libnats SendAsap):
     * lowest latency. true: libnats' flusher thread batches writes: more
     * one-way throughput, about 1 ms more per hop (docs/scale-out.md). */
    bool batch_sends;
    /* Registry (JetStream KV bucket MK_NATS_NAMES_BUCKET): how long a name
     * outlives the last heartbeat of its node, in ms; 0: no registry (the
     * server need not run JetStream). The bucket is made with this TTL by
     * the first node; every node must use the same value. */
    uint32_t names_ttl_ms;
    uint32_t names_replicas; /* copies of the bucket in a cluster (1..5); 0: 1 */
    /* Flat names local actors register with actor_register_name() also go
     * to the registry (mk_nats_register) and leave it when unregistered.
     * Off by default: every node registers the same system names ("ns",
     * "shell"...), and only the first node would get them. */
    bool publish_names;
    /* How long a path found through NATS (mk_nats_resolve_path) is trusted
     * before actor_lookup() probes it again, in ms; 0: 5000 ms. */
    uint32_t path_recheck_ms;
    /* false (default): libnats reads the socket on its own threads and
     * hands messages to the loop through an eventfd. true: the connection
     * that carries frames is read and written by the runtime's epoll loop
     * (natsOptions_SetEventLoop, synchronous subscriptions drained after
     * each read): no thread hand-off per message; the registry, its
     * watches and path probes then use a second, ordinary connection
     * (docs/scale-out.md, "Threads"). */
    bool event_loop;
} mk_nats_config_t;

/*
 * Connect `rt` to NATS and subscribe mk.node.<id>.* for its node id. Sends
 * to nodes without a direct transport then go to NATS (direct links keep
 * priority). The libnats connection reconnects on its own for ever (every
 * reconnect_wait_ms) and re-subscribes. Incoming messages are queued by
 * libnats' delivery thread and handed to the runtime's loop through an
 * eventfd, or with cfg->event_loop read and delivered by the loop itself
 * (docs/scale-out.md, "Threads"). The attachment lives until
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
 * Messages arrive with their original source and type. Also subscribes
 * mk.probe.<tokens> (same group), answering the probes of
 * mk_nats_resolve_path() on libnats' thread. One actor per path per node;
 * serving it again replaces the actor. The subscriptions go when the actor
 * stops or with mk_nats_unserve_path().
 * False with a reason: no attachment, an invalid path (ns_path_check), a
 * path whose subject would exceed MK_NATS_SUBJECT_MAX, a non-local actor,
 * MK_NATS_PATHS_MAX paths already served, or a libnats error.
 */
bool mk_nats_serve_path(runtime_t *rt, const char *path, actor_id_t id);
#define MK_NATS_PATHS_MAX 256u /* paths one node serves over NATS */

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
 * Resolve namespace path `path` through NATS: the third step of
 * actor_lookup() / actor_send_named() for a "/"-path once the namespace is
 * installed (local > mounted peer > NATS > cloud; docs/scale-out.md,
 * "Paths through the namespace"). Probes mk.probe.<escaped tokens> (every
 * server of the path subscribes it beside mk.path.<tokens>) with a request
 * carrying header "Mk-Probe" and no frame (the server answers "no
 * responders" at once when nobody serves it; a node serving it answers
 * from libnats' thread, so the probe never waits on a runtime). A path
 * this node serves itself returns its actor without a probe. Blocks the
 * runtime's thread for that round trip, MK_NATS_PROBE_TIMEOUT_MS at most.
 * When served: returns a local proxy actor (a system actor of this node,
 * one per path, at most MK_NATS_PROXIES_MAX, the oldest stopped when a new
 * one needs the slot) that publishes every message it receives to the
 * path's subject with its original source and type (mk_nats_send_path), so
 * the queue group picks a server and replies go straight to the sender.
 * A proxy found within path_recheck_ms is returned without a probe; a
 * proxy whose path is no longer served is stopped. When nobody serves the
 * path and the registry is on, a path registered with mk_nats_register()
 * is looked up there (mk_nats_lookup) and its remote actor returned.
 * ACTOR_ID_INVALID with a reason: no attachment, an invalid path, not
 * connected (a proxy already found is still returned), nobody serves it
 * ("nobody serves \"<path>\" over NATS"), a probe timeout or libnats error, no memory or
 * no actor slot for the proxy.
 */
actor_id_t mk_nats_resolve_path(runtime_t *rt, const char *path);
#define MK_NATS_PROXIES_MAX      64u   /* paths resolved through NATS per node */
#define MK_NATS_PROBE_TIMEOUT_MS 1000u /* a probe without an answer fails */
#define MK_NATS_PATH_RECHECK_MS  5000u /* default path_recheck_ms */

/*
 * The storage tier (docs/scale-out.md, "Storage tier"): start an actor that
 * answers the local KV's requests (MSG_KV_GET/PUT/DELETE/LIST with the
 * payloads and replies of node_services.h / docs/services.md) from the
 * JetStream KV bucket `bucket` (1..64 bytes of [A-Za-z0-9_-]; made with
 * history 1 by the first node that names it), so every node naming the
 * same bucket shares one store. Keys (1..KV_KEY_MAX bytes, any bytes) are
 * escaped into one bucket key ("=XX" for bytes outside [A-Za-z0-9_-]).
 * The actor is registered at MK_NATS_KV_PATH; with `take_path` it also
 * takes "/node/storage/kv" from a local holder (that actor keeps its other
 * names, e.g. "local_kv"). Without `take_path`, actor_lookup() of
 * "/node/storage/kv" reaches it only when neither this node nor a mounted
 * peer has the path (order local > mounted peer > NATS > cloud). Each
 * request blocks the runtime's thread for one JetStream round trip (2 s at
 * most; a delete two); a list reads every key of the bucket. Replies while
 * NATS is down are MSG_KV_ERROR "not connected to NATS".
 * Returns the actor, or ACTOR_ID_INVALID with a reason: no attachment, a
 * bad bucket name, a bucket already served here, a JetStream error (not
 * enabled on the server), no actor slot, or a path registration refused.
 */
actor_id_t mk_nats_kv_start(runtime_t *rt, const char *bucket, bool take_path);
#define MK_NATS_KV_PATH "/node/nats/storage/kv" /* where mk_nats_kv_start registers */

/* True when `rt` has a NATS attachment (connected or reconnecting). */
bool mk_nats_attached(const runtime_t *rt);

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

/*
 * The cluster-wide registry (docs/scale-out.md, "Registry"): JetStream KV
 * bucket "mk-names", key "n.<name>" for flat names and "p.<t1>.<t2>" for
 * paths (bytes outside [A-Za-z0-9_-] escaped as "=XX"), value
 * "<node> <actor id as 16 hex digits>". Needs names_ttl_ms in the config
 * and JetStream on the server.
 *
 * mk_nats_register(): record `name` for local actor `id` if no node holds
 * it (KV create: atomic, so of two nodes racing for a name exactly one
 * wins). The node then refreshes the entry every names_ttl_ms / 3
 * (compare-and-set on its revision); when the node dies its entries expire
 * names_ttl_ms after its last refresh. After a lost connection the refresh
 * re-creates entries that expired meanwhile (unless another node took the
 * name: then it is dropped and logged). The entry goes with its actor.
 * Blocks the calling thread for one JetStream round trip (at most 5 s).
 * False with a reason: no registry, a bad name (empty, over 127 bytes,
 * a path with an empty component), a non-local actor, the name held by
 * another entry ("already registered" with its value), MK_NATS_NAMES_MAX
 * names held here, or a JetStream error.
 */
bool mk_nats_register(runtime_t *rt, const char *name, actor_id_t id);
#define MK_NATS_NAMES_MAX    256u       /* names one node holds in the registry */
#define MK_NATS_CACHE_MAX    256u       /* lookups cached per node */
#define MK_NATS_NAMES_BUCKET "mk-names" /* JetStream KV bucket of the registry */

/* Remove a name this node registered; false with a reason otherwise. */
bool mk_nats_unregister(runtime_t *rt, const char *name);

/*
 * The actor registered under `name` anywhere in the cluster, or
 * ACTOR_ID_INVALID with a reason (not registered, no registry, JetStream
 * error, a malformed entry). Answers from a per-node cache of
 * MK_NATS_CACHE_MAX entries; a cached name is watched (its KV subject is
 * subscribed) so a change or delete drops it, and an entry is re-read
 * after names_ttl_ms because expiry is silent. A miss blocks for one
 * JetStream round trip.
 */
actor_id_t mk_nats_lookup(runtime_t *rt, const char *name);

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
    uint64_t lookups_cached;        /* mk_nats_lookup answered from the cache */
    uint64_t lookups_remote;        /* mk_nats_lookup that read the bucket */
    uint64_t names_refreshed;       /* heartbeat refreshes of own entries */
    uint64_t names_recreated;       /* own entries re-created after expiring */
    uint64_t names_lost;            /* own entries taken by another node meanwhile */
    uint64_t paths_probed;          /* mk_nats_resolve_path probes sent */
    uint64_t paths_found;           /* probes a server of the path answered */
    uint64_t proxy_dropped;         /* messages a path proxy could not forward */
    /* Frames handed from libnats' delivery thread to the runtime's thread
     * through the inbox (default mode: every frame; event_loop: 0, the
     * loop takes them from the socket itself). */
    uint64_t handed_over;
} mk_nats_stats_t;

/* Copy the counters of `rt`'s attachment into *out; false with a reason
 * without an attachment or with NULL arguments. */
bool mk_nats_stats(runtime_t *rt, mk_nats_stats_t *out);

#ifdef __cplusplus
}
#endif

#endif
