/* fuzz_ns_path.c -- libFuzzer target for the namespace path rules
 * (ns_path_check), which judge paths sent by other nodes and typed by
 * users: never reads past `size`, and an accepted path always starts with
 * '/' and is shorter than NS_PATH_MAX. */
#include <stdint.h>
#include <string.h>

#include "microkernel/namespace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    ns_path_error_t e = ns_path_check(buf, size, size & 1);
    if (e == NS_PATH_OK && size > 0 && (buf[0] != '/' || size >= NS_PATH_MAX))
        __builtin_trap();
    (void)ns_path_strerror(e);
    return 0;
}
