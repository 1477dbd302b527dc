/* fuzz_mount_hello.c -- libFuzzer target for the 40-byte mount hello
 * parser (mount_hello_parse), which reads the first bytes any TCP peer
 * sends to /sys/mount-listen. An accepted hello must survive write ->
 * parse with the same node, identity, extension and flags; a refusal
 * always has a reason; nothing past 40 bytes is ever taken. */
#include <stdint.h>
#include <string.h>

#include "services/mount_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mk_mount_hello_t h, h2;
    const char *why;
    long used = mount_hello_parse(data, size, &h, &why);
    if (used < 0 && !why)
        __builtin_trap();
    if (used > (long)size || (used != 0 && used != -1 && used != MOUNT_HELLO_SIZE))
        __builtin_trap();
    if (used == 0 && size >= MOUNT_HELLO_SIZE)
        __builtin_trap();
    if (used == MOUNT_HELLO_SIZE) {
        unsigned char out[MOUNT_HELLO_SIZE];
        mount_hello_write(out, h.node, h.identity, h.ext, h.flags);
        if (mount_hello_parse(out, sizeof out, &h2, &why) != MOUNT_HELLO_SIZE ||
            h2.node != h.node || strcmp(h2.identity, h.identity) != 0 || h2.ext != h.ext ||
            h2.flags != h.flags)
            __builtin_trap();
    }
    return 0;
}
