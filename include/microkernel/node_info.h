/*
 * microkernel/node_info.h -- node identity: ID, name, platform, version.
 *
 * Source: issue 8 and seed 003 (the peer SDK's node metadata: "node_id",
 * names, capability advertisement). The ID is the runtime's node ID
 * (runtime_init); the name is the original's node identity
 * (mk_node_identity(), namespace.h) unless set per runtime; the
 * platform ("linux-x86_64") and version (the project version) are fixed at
 * build time. The mount handshake and the caps reply carry these fields.
 */
#ifndef MICROKERNEL_NODE_INFO_H
#define MICROKERNEL_NODE_INFO_H

#include <stdbool.h>
#include <stddef.h>

#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NODE_NAME_MAX     31 /* bytes in a node name, NUL not counted (mount_hello_t.identity) */
#define NODE_PLATFORM_MAX 31 /* bytes in the platform string */
#define NODE_VERSION_MAX  31 /* bytes in the version string */

typedef struct {
    node_id_t id;                         /* runtime_node_id() */
    char name[NODE_NAME_MAX + 1];         /* mk_node_identity() unless set */
    char platform[NODE_PLATFORM_MAX + 1]; /* "<os>-<machine>", e.g. "linux-x86_64" */
    char version[NODE_VERSION_MAX + 1];   /* microkernel version, e.g. "0.1.0" */
} node_info_t;

/*
 * Fill `out` with the identity of `rt`'s node. Returns false (reason set)
 * for NULL arguments or when the services state cannot be allocated.
 */
bool node_info_get(runtime_t *rt, node_info_t *out);

/*
 * Set the node's name (its identity in paths "/node/<name>" and the mount
 * hello). A valid name is 1..NODE_NAME_MAX bytes of [A-Za-z0-9._-], not
 * "." or "..". Returns false with a reason otherwise. Set it before
 * services_start(): the paths named after it are registered there.
 */
bool node_set_name(runtime_t *rt, const char *name);

/* Whether the `len` bytes at `name` form a valid node name (rules above). */
bool node_name_valid(const char *name, size_t len);

#ifdef __cplusplus
}
#endif

#endif
