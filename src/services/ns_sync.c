/*
 * ns_sync.c -- parser of the binary namespace payloads (ns_sync.h): size,
 * NUL termination and path rules checked before anything reads a field.
 * Pure: reads only (buf, len), allocates nothing, keeps no state. The
 * integers travel in the sender's host order (compat §1: payloads are never
 * converted), read here with memcpy (no alignment assumption on `buf`).
 */
#include <string.h>

#include "services/ns_sync.h"

size_t ns_req_size(msg_type_t type)
{
    switch (type) {
    case MSG_NS_REGISTER: return sizeof(ns_register_t);
    case MSG_NS_LOOKUP: return sizeof(ns_lookup_t);
    case MSG_NS_LIST: return sizeof(ns_list_req_t);
    case MSG_NS_MOUNT: return sizeof(ns_mount_t);
    case MSG_NS_UMOUNT: return sizeof(ns_umount_t);
    case MSG_PATH_REGISTER: return sizeof(path_register_payload_t);
    case MSG_PATH_UNREGISTER: return sizeof(path_unregister_payload_t);
    default: return 0;
    }
}

int ns_req_parse(msg_type_t type, const void *buf, size_t len, ns_req_t *out)
{
    memset(out, 0, sizeof *out);
    out->type = type;
    size_t need = ns_req_size(type);
    if (need == 0)
        return NS_ENOENT;
    if (!buf || len < need)
        return NS_EINVAL;
    const char *s = buf;
    const char *nul = memchr(s, '\0', NS_PATH_MAX);
    if (!nul)
        return NS_EINVAL;
    out->path_len = (size_t)(nul - s);
    memcpy(out->path, s, out->path_len + 1);
    if (need == NS_PATH_MAX + sizeof(actor_id_t))
        memcpy(&out->id, s + NS_PATH_MAX, sizeof out->id);
    bool is_path = out->path_len > 0 && out->path[0] == '/';
    bool path_ok = ns_path_check(out->path, out->path_len, false) == NS_PATH_OK;
    switch (type) {
    case MSG_NS_REGISTER:
        if (out->path_len == 0 || out->id == ACTOR_ID_INVALID || (is_path && !path_ok))
            return NS_EINVAL;
        break;
    case MSG_NS_LOOKUP:
        if (is_path && !path_ok)
            return NS_EINVAL;
        break;
    case MSG_NS_LIST: break; /* any prefix: plain string match */
    case MSG_NS_MOUNT:
    case MSG_PATH_REGISTER:
        if (!path_ok || out->id == ACTOR_ID_INVALID)
            return NS_EINVAL;
        break;
    default: /* MSG_NS_UMOUNT, MSG_PATH_UNREGISTER */
        if (!path_ok)
            return NS_EINVAL;
        break;
    }
    return NS_OK;
}
