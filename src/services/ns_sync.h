/*
 * ns_sync.h -- pure parser of the namespace payloads that arrive from
 * outside: MSG_NS_* requests to the ns actor (ns_register_t, ns_lookup_t,
 * ns_list_req_t, ns_mount_t, ns_umount_t) and the path-sync control frames
 * (path_register_payload_t, path_unregister_payload_t), layouts in
 * namespace.h / services.h (compat §3.2, §5.3). Private to src/services;
 * fuzzed by tests/fuzz/fuzz_ns_request.c.
 */
#ifndef MK_SERVICES_NS_SYNC_H
#define MK_SERVICES_NS_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "microkernel/namespace.h"

/* One parsed request or control frame. */
typedef struct {
    msg_type_t type;
    char path[NS_PATH_MAX]; /* the string field, NUL-terminated copy */
    size_t path_len;        /* strlen(path) */
    actor_id_t id;          /* actor_id / target (host order); 0 for others */
} ns_req_t;

/*
 * Parse the `len` bytes at `buf` as the payload of `type`. Returns:
 *   NS_OK      *out filled;
 *   NS_EINVAL  shorter than the struct of `type`, the string field has no
 *              NUL within its 128 bytes, or a field that must be a path is
 *              not valid (ns_path_check): MSG_NS_MOUNT, MSG_NS_UMOUNT,
 *              MSG_PATH_REGISTER, MSG_PATH_UNREGISTER always, and
 *              MSG_NS_REGISTER / MSG_NS_LOOKUP when it starts with '/';
 *              an empty MSG_NS_REGISTER name; a zero register/mount id;
 *   NS_ENOENT  `type` is none of the seven.
 * Bytes after the struct are ignored (as the original). Pure: reads only
 * (buf, len), no allocation, no state.
 */
int ns_req_parse(msg_type_t type, const void *buf, size_t len, ns_req_t *out);

/* Size of the payload struct of `type`, 0 for other types. */
size_t ns_req_size(msg_type_t type);

#endif
