/* fuzz_ns_request.c -- libFuzzer target for the parser of the namespace
 * payloads that come from outside (ns_req_parse): MSG_NS_* requests to the
 * ns actor and MSG_PATH_REGISTER / _UNREGISTER sync frames from peers. The
 * first input byte picks the type, the rest is the payload. An accepted
 * payload always has a NUL-terminated string shorter than NS_PATH_MAX, and
 * a valid path wherever a path is required. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/ns_sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const msg_type_t types[] = {MSG_NS_REGISTER,     MSG_NS_LOOKUP, MSG_NS_LIST,
                                       MSG_NS_MOUNT,        MSG_NS_UMOUNT, MSG_PATH_REGISTER,
                                       MSG_PATH_UNREGISTER, MSG_NS_REPLY};
    if (size == 0)
        return 0;
    msg_type_t type = types[data[0] % (sizeof types / sizeof types[0])];
    /* An exact-size heap copy, so reading one byte too far is caught. */
    size_t len = size - 1;
    unsigned char *buf = malloc(len ? len : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, len);
    ns_req_t r;
    int rc = ns_req_parse(type, len ? buf : NULL, len, &r);
    if (rc == NS_OK) {
        if (len < ns_req_size(type) || r.path_len >= NS_PATH_MAX || strlen(r.path) != r.path_len)
            __builtin_trap();
        bool must_be_path = type == MSG_NS_MOUNT || type == MSG_NS_UMOUNT ||
                            type == MSG_PATH_REGISTER || type == MSG_PATH_UNREGISTER;
        if (must_be_path && ns_path_check(r.path, r.path_len, false) != NS_PATH_OK)
            __builtin_trap();
    } else if (rc != NS_EINVAL && !(rc == NS_ENOENT && type == MSG_NS_REPLY)) {
        __builtin_trap();
    }
    free(buf);
    return 0;
}
