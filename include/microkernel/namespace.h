/*
 * microkernel/namespace.h -- the hierarchical namespace: "/"-prefixed paths
 * next to the seed's flat names, listing by prefix, mounted peers and
 * service resolution.
 *
 * Source: seed 002 (later README), "Hierarchical namespace", "Dynamic node
 * interconnection" and "Cloudflare cloud services" (virtual paths resolve to
 * the best available implementation: local > mounted peer > cloud).
 *
 * Once the namespace is installed (ns_install(), or services_start() which
 * calls it), actor_register_name(), actor_unregister_name(), actor_lookup()
 * and actor_send_named() accept paths transparently: any name that starts
 * with '/' goes to the path table, any other name to the seed's flat table
 * (63 characters, 128 names). Before that, a '/'-name is an ordinary flat
 * name. Like everything in the runtime, none of this is thread-safe: call it
 * on the runtime's thread.
 *
 * Path rules (checked by ns_path_check(), every failure has a reason):
 *   - starts with '/', at most NS_PATH_MAX bytes (the NUL not counted);
 *   - segments separated by single '/': no empty segment ("//"), no trailing
 *     '/', no "." or ".." segment; the root "/" alone is only a listing
 *     prefix, never a registered path;
 *   - bytes 0x21..0x7E except '\\' (no spaces, control bytes or non-ASCII),
 *     so paths travel in line-based text payloads unchanged.
 *
 * Reserved prefixes: "/peers/<node-name>/..." holds the paths of mounted
 * peers (a peer's "/node/storage/kv" is "/peers/<its name>/node/storage/kv"
 * here); local registrations there are refused. "/sys/..." holds system
 * actors (ns, mount listener, caps). "/node/..." holds services, which
 * resolve across nodes (see actor_lookup below).
 */
#ifndef MICROKERNEL_NAMESPACE_H
#define MICROKERNEL_NAMESPACE_H

#include <stdbool.h>
#include <stddef.h>

#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef NS_PATH_MAX
#define NS_PATH_MAX 255 /* bytes in a path, NUL not counted */
#endif
#ifndef NS_MAX_PATHS
#define NS_MAX_PATHS 1024 /* paths per node, local and learnt from peers */
#endif
#define NS_PEERS_PREFIX "/peers/" /* where mounted peers' paths appear */

/* Why a path was refused (ns_path_check). */
typedef enum {
    NS_PATH_OK = 0,
    NS_PATH_EMPTY,         /* NULL or "" */
    NS_PATH_NO_SLASH,      /* does not start with '/' */
    NS_PATH_TOO_LONG,      /* more than NS_PATH_MAX bytes */
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
 * Install the namespace on `rt`: create the path table (idempotent), move
 * any '/'-names already in the flat table into it, and make the registry
 * calls accept paths. Paths of a stopped actor are removed automatically.
 * Returns false (reason in mk_last_error()) for a NULL runtime or no memory.
 */
bool ns_install(runtime_t *rt);

/* One entry of a listing. */
typedef struct {
    const char *path; /* valid until the next change of the table */
    actor_id_t id;    /* the actor (local, or on a mounted peer) */
    node_id_t origin; /* node that registered it (this node for local paths) */
} ns_entry_t;

/*
 * List every path equal to `prefix` or under it ("/node" lists "/node/x",
 * "/node/storage/kv", never "/nodes"), sorted by path. `prefix` "/" or NULL
 * lists everything. Fills up to `max` entries (out may be NULL when max is
 * 0) and returns how many matched, which may exceed `max`; returns 0 with a
 * reason for an invalid prefix or when the namespace is not installed.
 * Source: seed 002, shell command `ls [/prefix]`.
 */
size_t ns_list(runtime_t *rt, const char *prefix, ns_entry_t *out, size_t max);

/*
 * Resolve `path` without the service fallback: the exact entry or
 * ACTOR_ID_INVALID with a reason. actor_lookup() on a path does more: for a
 * path under "/node/" with no local entry it tries each mounted peer's
 * "/peers/<name><path>" (in mount order), then the cloud provider; with no
 * cloud provider configured (the cloud proxy is a later issue) it fails with
 * "no provider for <path>: not registered locally, no mounted peer has it,
 * and no cloud provider is configured".
 */
actor_id_t ns_lookup_exact(runtime_t *rt, const char *path);

/*
 * Register `id` as the cloud provider of service paths (resolution step
 * three). ACTOR_ID_INVALID removes it. Returns false when the namespace is
 * not installed.
 */
bool ns_set_cloud_provider(runtime_t *rt, actor_id_t id);

/* Number of paths in the table (local and learnt), 0 when not installed. */
size_t ns_count(const runtime_t *rt);

#ifdef __cplusplus
}
#endif

#endif
