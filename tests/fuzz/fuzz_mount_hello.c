/* fuzz_mount_hello.c -- libFuzzer target for the mount handshake parser
 * (mount_hello_parse), which reads the first bytes any TCP peer sends to
 * /sys/mount-listen. An accepted hello must survive format -> parse. */
#include <stdint.h>
#include <string.h>

#include "services/mount_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mount_text_hello_t h, h2;
    const char *why;
    long used = mount_hello_parse((const char *)data, size, &h, &why);
    if (used < 0 && !why)
        __builtin_trap();
    if (used > (long)size || used > MOUNT_HELLO_MAX)
        __builtin_trap();
    if (used > 0) {
        char out[MOUNT_HELLO_MAX];
        size_t n = mount_hello_format(out, &h);
        long again = mount_hello_parse(out, n, &h2, &why);
        if (again != (long)n || (h.error[0] == '\0') != (h2.error[0] == '\0'))
            __builtin_trap();
        /* A refusal carries only its reason; an accepted hello all fields. */
        if (!h.error[0] &&
            (h2.node != h.node || strcmp(h2.name, h.name) != 0 || h2.port != h.port ||
             h2.ns != h.ns || h2.already != h.already || h2.version != h.version))
            __builtin_trap();
    }
    return 0;
}
