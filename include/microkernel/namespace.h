/*
 * microkernel/namespace.h -- the hierarchical namespace: "/"-prefixed paths
 * next to the seed's flat names, the namespace actor ("ns") and its binary
 * request protocol, path sync between nodes, node identity and the
 * capabilities actor.
 *
 * Source: the original's namespace.h (../shared/compat/wire-and-mount.md
 * §3 registry sync, §4.1-4.2 and §4.6 mount constants and identity, §5
 * namespace actor, §6 caps), whose names, values and layouts are matched
 * exactly; seed 002, "Hierarchical namespace". Our extensions (strict path
 * rules, sorted listing, peer quotas, cloud fallback) are marked as such.
 *
 * Once the namespace is installed (ns_actor_init(), ns_install() or
 * services_start()), actor_register_name(), actor_unregister_name(),
 * actor_lookup() and actor_send_named() accept paths transparently: any
 * name that starts with '/' goes to the path table, any other name to the
 * seed's flat table. Like everything in the runtime, none of this is
 * thread-safe: call it on the runtime's thread.
 *
 * Path rules (our extension, checked by ns_path_check(); the original takes
 * any string that starts with '/'):
 *   - starts with '/', at most NS_PATH_MAX - 1 = 127 bytes;
 *   - segments separated by single '/': no empty segment ("//"), no trailing
 *     '/', no "." or ".." segment; the root "/" alone is only a listing
 *     prefix, never a registered path;
 *   - bytes 0x21..0x7E except '\\' (no spaces, control bytes or non-ASCII).
 */
#ifndef MICROKERNEL_NAMESPACE_H
#define MICROKERNEL_NAMESPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/services.h"
#include "microkernel/transport.h"
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Namespace actor protocol (compat §5.1-5.3) ------------------------ */

#define MSG_NS_REGISTER 0xFF000014u /* request, ns_register_t */
#define MSG_NS_LOOKUP   0xFF000015u /* request, ns_lookup_t */
#define MSG_NS_LIST     0xFF000016u /* request, ns_list_req_t */
#define MSG_NS_MOUNT    0xFF000017u /* request, ns_mount_t */
#define MSG_NS_UMOUNT   0xFF000018u /* request, ns_umount_t */
#define MSG_NS_REPLY    0xFF000019u /* reply, ns_reply_t (always all 1048 bytes) */
#define MSG_NS_NOTIFY   0xFF00001Au /* ns_notify_t; reserved, never sent or handled */

#define NS_REPLY_PAYLOAD_MAX 1024 /* bytes of ns_reply_t.data */

/* Status codes of ns_reply_t.status and of ns_register_path(). */
#define NS_OK     0  /* success */
#define NS_ENOENT -1 /* not found */
#define NS_EEXIST -2 /* path, name or mount point already exists */
#define NS_EFULL  -3 /* table full (or, extension: the sender's quota is used up) */
#define NS_EINVAL                                                                                  \
    -4 /* payload too short, string not NUL-terminated within its                                  \
          field, invalid path (extension), or no namespace */

#ifndef NS_MAX_PATHS
#define NS_MAX_PATHS 1024 /* path table entries (the original has 64) */
#endif
#define NS_MAX_PATH_ENTRIES NS_MAX_PATHS /* the original's name for it */
#ifndef NS_MAX_MOUNTS
#define NS_MAX_MOUNTS 16 /* mount table entries (as the original) */
#endif

/* Quotas for what other nodes may plant (extension, issue 13); change them
 * per runtime with ns_set_peer_quota(). */
#ifndef NS_PEER_PATHS_MAX
#define NS_PEER_PATHS_MAX 256 /* paths one peer node may hold in our table */
#endif
#ifndef NS_REMOTE_PATHS_MAX
#define NS_REMOTE_PATHS_MAX (NS_MAX_PATHS / 2) /* paths all peers together may hold */
#endif
#ifndef NS_PEER_MOUNTS_MAX
#define NS_PEER_MOUNTS_MAX 4 /* mount points one peer node may hold */
#endif

/* MSG_NS_REGISTER, 136 bytes: a '/'-path or a bare flat name. */
typedef struct {
    char path[NS_PATH_MAX]; /* @0, NUL-terminated */
    actor_id_t actor_id;    /* @128, host order */
} ns_register_t;

/* MSG_NS_LOOKUP, 128 bytes. */
typedef struct {
    char path[NS_PATH_MAX]; /* '/'-path or bare name */
} ns_lookup_t;

/* MSG_NS_LIST, 128 bytes: plain string prefix ("" lists flat names too). */
typedef struct {
    char prefix[NS_PATH_MAX]; /* NUL-terminated */
} ns_list_req_t;

/* MSG_NS_MOUNT, 136 bytes. */
typedef struct {
    char mount_point[NS_PATH_MAX]; /* @0 */
    actor_id_t target;             /* @128: the actor that handles the subtree */
} ns_mount_t;

/* MSG_NS_UMOUNT, 128 bytes. */
typedef struct {
    char mount_point[NS_PATH_MAX]; /* NUL-terminated */
} ns_umount_t;

/* MSG_NS_REPLY, 1048 bytes, padding zero. */
typedef struct {
    int32_t status;                  /* @0: NS_* */
    actor_id_t actor_id;             /* @8: lookup result, echo for register, else 0 */
    uint32_t data_len;               /* @16: bytes used in data (list) */
    char data[NS_REPLY_PAYLOAD_MAX]; /* @20: "<path>=<decimal id>\n" lines, else zeros */
} ns_reply_t;

/* MSG_NS_NOTIFY, 144 bytes (reserved by the original, unused). */
typedef struct {
    char path[NS_PATH_MAX]; /* @0 */
    actor_id_t actor_id;    /* @128 */
    int32_t event;          /* @136: 1 register, 2 unregister */
} ns_notify_t;

/* ---- Mount protocol constants (compat §4.1-4.2, §5.3) ------------------ */

#define MK_MOUNT_PORT     4200       /* default TCP port of the original's mount listener */
#define MOUNT_HELLO_MAGIC 0x4D4B3031 /* "MK01", sent big-endian */

/* The 40-byte hello each side of a mount sends before any wire frame. */
typedef struct __attribute__((packed)) {
    uint32_t magic;    /* @0: MOUNT_HELLO_MAGIC, network order */
    uint32_t node_id;  /* @4: sender's node id, network order */
    char identity[32]; /* @8: sender's mk_node_identity(), NUL-terminated, zero-padded */
} mount_hello_t;

/* Result of a mount: the peer's identity and node id, 36 bytes. */
typedef struct {
    char identity[32]; /* @0 */
    node_id_t node_id; /* @32 */
} mount_result_t;

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(ns_register_t) == 136 && offsetof(ns_register_t, actor_id) == 128,
               "ns_register_t layout");
_Static_assert(sizeof(ns_lookup_t) == 128, "ns_lookup_t layout");
_Static_assert(sizeof(ns_list_req_t) == 128, "ns_list_req_t layout");
_Static_assert(sizeof(ns_mount_t) == 136 && offsetof(ns_mount_t, target) == 128,
               "ns_mount_t layout");
_Static_assert(sizeof(ns_umount_t) == 128, "ns_umount_t layout");
_Static_assert(sizeof(ns_reply_t) == 1048 && offsetof(ns_reply_t, actor_id) == 8 &&
                   offsetof(ns_reply_t, data_len) == 16 && offsetof(ns_reply_t, data) == 20,
               "ns_reply_t layout");
_Static_assert(sizeof(ns_notify_t) == 144 && offsetof(ns_notify_t, event) == 136,
               "ns_notify_t layout");
_Static_assert(sizeof(mount_hello_t) == 40 && offsetof(mount_hello_t, node_id) == 4 &&
                   offsetof(mount_hello_t, identity) == 8,
               "mount_hello_t layout");
_Static_assert(sizeof(mount_result_t) == 36 && offsetof(mount_result_t, node_id) == 32,
               "mount_result_t layout");
_Static_assert(offsetof(path_register_payload_t, actor_id) == 128, "path_register_payload_t");
#endif

/* ---- The original's functions (compat §5.5) ---------------------------- */

/*
 * Spawn the namespace actor "ns" (mailbox 64, a system actor), install the
 * path table on `rt` (ns_install) and add "/node/<identity>" and "/sys/ns"
 * for it (no broadcast), then register the flat name "ns" (broadcast by the
 * registry). <identity> is this runtime's node name (node_info.h), which is
 * mk_node_identity() unless node_set_name() chose another. The actor answers
 * MSG_NS_* requests (docs/services.md), drops the paths of a child named in
 * MSG_CHILD_EXIT, and removes what a peer node planted when it hears
 * MSG_NODE_DOWN. Returns its id, or ACTOR_ID_INVALID with a reason in
 * mk_last_error() (no memory, no actor slot, "ns" or a path taken,
 * already running).
 */
actor_id_t ns_actor_init(runtime_t *rt);

/*
 * Add `path` -> `id` to the path table directly (no broadcast). Returns
 * NS_OK, NS_EEXIST (taken by a local registration), NS_EFULL (table full),
 * or NS_EINVAL (no namespace on `rt`, NULL or invalid path: see the rules
 * above). A path a peer node planted is replaced: local wins.
 */
int ns_register_path(runtime_t *rt, const char *path, actor_id_t id);

/*
 * Resolve `path`: the longest mount point that is a prefix of it at a
 * component boundary (next byte '/' or the end) gives its target; else the
 * exact path-table entry; else ACTOR_ID_INVALID (no reason recorded: hot
 * path). actor_lookup() on a '/'-name does this, then asks NATS when the
 * node is attached (mk_nats_resolve_path, microkernel/nats.h), and then,
 * for the five cloud service paths, falls back to the cloud provider
 * (ns_set_cloud_provider).
 */
actor_id_t ns_lookup_path(runtime_t *rt, const char *path);

/*
 * Remove every path mapped to `id`; for each one this node registered,
 * MSG_PATH_UNREGISTER is broadcast first. Called automatically when a
 * local actor stops.
 */
void ns_deregister_actor_paths(runtime_t *rt, actor_id_t id);

/*
 * Copy the first path (table order) mapped to `id` into `buf` (truncated
 * to buf_size - 1 bytes, NUL-terminated when buf_size > 0). Returns the
 * bytes copied, 0 when none or no namespace.
 */
size_t ns_reverse_lookup_path(runtime_t *rt, actor_id_t id, char *buf, size_t buf_size);

/*
 * Append every path of `id` to `buf` at *offset, separated by ", " (a
 * separator only when *offset > 0); paths that do not fit are skipped;
 * keeps `buf` NUL-terminated and advances *offset. Returns how many paths
 * were appended.
 */
size_t ns_reverse_lookup_all_paths(runtime_t *rt, actor_id_t id, char *buf, size_t buf_size,
                                   size_t *offset);

/*
 * Synchronous request to "ns" for code outside the scheduler (init code,
 * tests): sends `type` with the `payload_size` bytes at `payload` from a
 * temporary actor (mailbox 4) and runs runtime_step() up to 1000 times
 * until MSG_NS_REPLY arrives. Returns 0 with *reply filled, or -1 with a
 * reason: no "ns", empty payload (as the original: such a request always
 * fails), called from inside a behaviour, no actor slot, or no reply.
 */
int ns_call(runtime_t *rt, msg_type_t type, const void *payload, size_t payload_size,
            ns_reply_t *reply);

/*
 * Write "<path>=<decimal id>\n" for every path that starts with `prefix`
 * (plain string prefix; NULL or "" = all), in table order, into `buf`; a
 * line that does not fit is skipped. Flat names are never listed. Returns
 * the bytes written; `buf` is NUL-terminated when buf_size > 0.
 */
size_t ns_list_paths(runtime_t *rt, const char *prefix, char *buf, size_t buf_size);

/* Remove `path` from the table, no broadcast; nothing when absent. */
void ns_remove_path(runtime_t *rt, const char *path);

/*
 * Send the registry sync over `tp` (compat §4.4), every frame with
 * source = dest = 0: one MSG_NAME_REGISTER (72 bytes, id host order) per
 * flat name of a local actor in registry slot order, then one
 * MSG_PATH_REGISTER (136 bytes) per path of a local actor in table order.
 * Entries that point at other nodes are not sent (the original sends them;
 * a peer may only plant its own actors, see ns_control_in). Stops at the
 * first failed send. The mount code calls it right after
 * runtime_add_transport().
 */
void ns_sync_to_transport(runtime_t *rt, struct transport *tp);

/*
 * This process's node identity, cached on first call: env MK_NODE_NAME if
 * non-empty (cut to 31 bytes); else "linux-XXXX", XXXX = lowercase hex of
 * bytes 18 and 19 of SHA-1(host name) (OpenSSL); "linux-unknown" if the
 * host name is unknown or the build has no OpenSSL. Never NULL.
 */
const char *mk_node_identity(void);

/*
 * This process's node id: env MK_NODE_ID if atoi() gives 1..15, else
 * (FNV-1a-32 of mk_node_identity()) mod 15 + 1. Always 1..15.
 */
node_id_t mk_node_id(void);

/*
 * Spawn the capabilities actor (mailbox 8, a system actor) at
 * "/node/<identity>/caps" (requires the namespace; the path syncs to
 * peers). It answers MSG_CAPS_REQUEST from anyone, local or remote, with
 * MSG_CAPS_REPLY: text lines platform=, identity=, node_id=, wasm=, tls=,
 * http=, max_actors=, actor_count=, transports= in that order, each ending
 * in '\n', no NUL (docs/services.md). Other types are ignored. Returns its
 * id or ACTOR_ID_INVALID with a reason.
 */
actor_id_t caps_actor_init(runtime_t *rt);

/*
 * The original's mount listener (compat wire-and-mount.md §4, §5.5): listen
 * on 0.0.0.0:`port` (host order; MK_MOUNT_PORT is the original's default)
 * and register the listener actor at "/sys/mount-listen". Returns its id,
 * or ACTOR_ID_INVALID with a reason (port in use, or this runtime's mount
 * listener already listens on another port; the same port returns the
 * running listener).
 *
 * Differs from the original, on purpose (docs/security.md): the links it
 * accepts are authenticated. With services_start() the node's settings
 * apply; otherwise they come from the environment: $MK_COOKIE (shared
 * secret), $MK_INSECURE=1 (also accept nodes that cannot authenticate: the
 * original's firmware), and the node key and trust list in the default data
 * directory ($XDG_DATA_HOME/microkernel, else ~/.local/share/microkernel).
 * Nothing blocks: the handshake runs in the event loop, not inside a
 * behaviour as in the original. Installs the namespace if needed.
 */
actor_id_t ns_mount_listen(runtime_t *rt, uint16_t port);

/*
 * The original's blocking mount (compat wire-and-mount.md §4.3): connect to
 * `host`:`port` (host order), run the handshake, add the link and sync
 * names and paths. Drives the runtime (runtime_step) until the mount ends,
 * at most 10 s, so call it from outside any behaviour, like ns_call().
 * Returns 0 and fills `result` (may be NULL) with the peer's identity and
 * node id; -1 with a reason in mk_last_error() on any failure (refused,
 * unreachable, not a microkernel node, authentication failed, timeout,
 * called from a behaviour). `host` may be an IPv4 literal (as the
 * original) or any name or address ours resolves. Authentication settings
 * as for ns_mount_listen().
 */
int ns_mount_connect(runtime_t *rt, const char *host, uint16_t port, mount_result_t *result);

/* ---- Extensions ---------------------------------------------------------- */

/* Why a path was refused (ns_path_check). */
typedef enum {
    NS_PATH_OK = 0,
    NS_PATH_EMPTY,         /* NULL or "" */
    NS_PATH_NO_SLASH,      /* does not start with '/' */
    NS_PATH_TOO_LONG,      /* NS_PATH_MAX (128) bytes or more */
    NS_PATH_EMPTY_SEGMENT, /* "//" or a trailing '/' */
    NS_PATH_DOT_SEGMENT,   /* a "." or ".." segment */
    NS_PATH_BAD_BYTE,      /* a byte outside 0x21..0x7E, or '\\' */
    NS_PATH_ROOT           /* "/" alone where a full path is needed */
} ns_path_error_t;

/*
 * Check the `len` bytes at `buf` (not NUL-terminated; may be NULL when len
 * is 0) against the path rules above. Pure: no state, no allocation, safe on
 * any bytes. `allow_root`: accept "/" alone (listing prefixes).
 */
ns_path_error_t ns_path_check(const char *buf, size_t len, bool allow_root);

/* A static English sentence for `err`, e.g. "contains an empty segment". */
const char *ns_path_strerror(ns_path_error_t err);

/*
 * Install the path table on `rt` without the ns actor (idempotent), move
 * '/'-names already in the flat table into it, and make the registry calls
 * accept paths. Paths of a stopped actor are removed automatically.
 * Returns false (reason in mk_last_error()) for a NULL runtime or no memory.
 */
bool ns_install(runtime_t *rt);

/* One entry of a listing. */
typedef struct {
    const char *path; /* valid until the next change of the table */
    actor_id_t id;    /* the actor (local, or on a peer) */
    node_id_t origin; /* node that planted it (this node for local paths) */
} ns_entry_t;

/*
 * List every path equal to `prefix` or under it at a component boundary
 * ("/node" lists "/node/x", never "/nodes"), sorted by path. `prefix` "/"
 * or NULL lists everything. Fills up to `max` entries (out may be NULL when
 * max is 0) and returns how many matched, which may exceed `max`; returns 0
 * with a reason for an invalid prefix or when the namespace is not
 * installed. Source: seed 002, shell command `ls [/prefix]`.
 */
size_t ns_list(runtime_t *rt, const char *prefix, ns_entry_t *out, size_t max);

/* The exact path-table entry for `path` (no mounts, no fallback), or
 * ACTOR_ID_INVALID with a reason. */
actor_id_t ns_lookup_exact(runtime_t *rt, const char *path);

/*
 * Register `id` as the cloud provider: actor_lookup() of one of the
 * original's short service paths (/node/storage/kv, /node/storage/db,
 * /node/queue/default, /node/ai/infer, /node/ai/embed; compat/cloud.md 1.3)
 * that neither a mount nor the table resolves returns it, while that actor
 * lives (a stopped provider is forgotten). Other paths never fall back.
 * ACTOR_ID_INVALID removes it. Returns false when the namespace is not
 * installed.
 */
bool ns_set_cloud_provider(runtime_t *rt, actor_id_t id);

/* Where a path's messages go (our extension, issue 15: `caps` reports it). */
typedef enum {
    NS_BACKEND_NONE = 0, /* nothing serves it: actor_lookup() fails */
    NS_BACKEND_LOCAL,    /* an actor of this node, in the path table or a mount */
    NS_BACKEND_PEER,     /* an actor of a mounted peer node (planted path or mount) */
    NS_BACKEND_NATS,     /* a proxy to whoever serves it over NATS (microkernel/nats.h) */
    NS_BACKEND_CLOUD     /* the cloud provider (ns_set_cloud_provider) */
} ns_backend_t;

/*
 * Which backend serves `path`, in actor_lookup()'s resolution order (local
 * > mounted peer > NATS > cloud, seed 002 "local flash/RAM > mounted peer >
 * Cloudflare"); *id (may be NULL) gets the actor messages go to, or
 * ACTOR_ID_INVALID. Like actor_lookup() it may probe NATS when the node is
 * attached (bounded by the NATS probe timeout). NS_BACKEND_NONE with
 * mk_last_error() set when nothing serves it, the path is malformed, or the
 * namespace is not installed.
 */
ns_backend_t ns_path_backend(runtime_t *rt, const char *path, actor_id_t *id);

/* "none", "local", "peer", "nats" or "cloud" ("?" for other values). */
const char *ns_backend_name(ns_backend_t b);

/* Number of paths in the table (local and planted by peers), 0 when not
 * installed. */
size_t ns_count(const runtime_t *rt);

/*
 * Set the quotas of what peers may plant (MSG_PATH_REGISTER, and
 * MSG_NS_REGISTER / MSG_NS_MOUNT from a remote sender): `per_peer` paths per
 * peer node (default NS_PEER_PATHS_MAX = 256), `all_peers` paths all peers
 * together (default NS_REMOTE_PATHS_MAX = 512, at most NS_MAX_PATHS, so
 * the rest always stays free for local registrations), `mounts_per_peer`
 * mount points per peer (default NS_PEER_MOUNTS_MAX = 4). Returns false
 * when the namespace is not installed or all_peers > NS_MAX_PATHS.
 */
bool ns_set_peer_quota(runtime_t *rt, size_t per_peer, size_t all_peers, size_t mounts_per_peer);

/*
 * Incoming registry control frame from peer node `peer` (a dest = 0 frame).
 * Handles MSG_PATH_REGISTER and MSG_PATH_UNREGISTER and returns true (the
 * frame is consumed, applied or refused); false for any other type. Rules:
 * payload shorter than its struct or path not NUL-terminated within 128
 * bytes or not a valid path: ignored; a path that exists is ignored (local
 * wins; a peer re-registering its own path updates the id); the id must be
 * on node `peer`; the quotas above apply; a full table is ignored; an
 * unregister removes only a path `peer` planted. Refusals are logged at
 * most once a second per cause (mk_log_limited). `ctx` is unused.
 * To be installed with mk_net_set_control_handler(rt, ns_control_in, NULL).
 */
bool ns_control_in(runtime_t *rt, node_id_t peer, const message_t *m, void *ctx);

/*
 * How path changes of local actors reach every peer: `fn(rt, type, p, n)`
 * sends one dest = 0 control frame to every linked node (the net layer's
 * mk_net_broadcast_control, installed by services_start). NULL: no
 * broadcast. Returns false when the namespace is not installed.
 */
typedef bool (*ns_broadcast_fn)(runtime_t *rt, msg_type_t type, const void *p, size_t n);
/* Install `fn` (see ns_broadcast_fn above) as the namespace's broadcast;
 * false when the namespace is not installed on `rt`. */
bool ns_set_broadcast(runtime_t *rt, ns_broadcast_fn fn);

#ifdef __cplusplus
}
#endif

#endif
