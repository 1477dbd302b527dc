/* fuzz_ns_path.c -- libFuzzer target for the namespace's parsers of outside
 * bytes: the path rules (ns_path_check) and the MSG_NS_SYNC line parser
 * (ns_sync_next), which read payloads sent by other nodes. */
#include <stdint.h>
#include <string.h>

#include "microkernel/namespace.h"
#include "services/ns_sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    ns_path_error_t e = ns_path_check(buf, size, size & 1);
    if (e == NS_PATH_OK && size > 0 && (buf[0] != '/' || size > NS_PATH_MAX))
        __builtin_trap();
    (void)ns_path_strerror(e);
    size_t pos = 0, lines = 0;
    ns_sync_item_t it;
    do {
        size_t before = pos;
        ns_sync_next(buf, size, &pos, &it);
        if (it.kind != NS_SYNC_END && pos <= before)
            __builtin_trap(); /* must always advance */
        if ((it.kind == NS_SYNC_ADD || it.kind == NS_SYNC_REMOVE) &&
            ns_path_check(it.path, it.path_len, false) != NS_PATH_OK)
            __builtin_trap();
        if (it.kind == NS_SYNC_PEER && (strlen(it.name) == 0 || it.port == 0))
            __builtin_trap();
    } while (it.kind != NS_SYNC_END && ++lines < 100000);
    return 0;
}
