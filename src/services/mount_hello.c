/*
 * mount_hello.c -- parser and writer of the 40-byte mount hello (see
 * mount_hello.h). The parser reads only (buf, len) and keeps no state, so
 * it can be fed the bytes received so far on every readiness event.
 */
#include <string.h>

#include "core/bytes.h"
#include "services/mount_hello.h"

long mount_hello_parse(const void *buf, size_t len, mk_mount_hello_t *out, const char **why)
{
    static const unsigned char magic[4] = {0x4D, 0x4B, 0x30, 0x31};
    const unsigned char *p = buf;
    *why = NULL;
    memset(out, 0, sizeof *out);
    size_t m = len < 4 ? len : 4;
    if (m && memcmp(p, magic, m) != 0) {
        *why = "not a microkernel mount hello (no MK01 magic)";
        return -1;
    }
    if (len < MOUNT_HELLO_SIZE)
        return 0;
    out->node = mk_get_be32(p + 4);
    if (out->node == 0) {
        *why = "hello with node ID 0";
        return -1;
    }
    const unsigned char *id = p + 8;
    const unsigned char *nul = memchr(id, 0, MOUNT_IDENTITY_SIZE);
    if (!nul) {
        *why = "hello identity is not NUL-terminated";
        return -1;
    }
    size_t n = (size_t)(nul - id);
    if (n == 0) {
        *why = "hello with an empty identity";
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (id[i] < 0x21 || id[i] > 0x7E) {
            *why = "hello identity has a byte outside printable ASCII";
            return -1;
        }
    memcpy(out->identity, id, n);
    out->identity[n] = '\0';
    if (n <= MOUNT_IDENTITY_EXT && memcmp(id + 24, MOUNT_EXT_MARK, 4) == 0) {
        out->ext = true;
        out->flags = mk_get_be32(id + 28);
    }
    return MOUNT_HELLO_SIZE;
}

void mount_hello_write(unsigned char out[MOUNT_HELLO_SIZE], node_id_t node, const char *identity,
                       bool ext, uint32_t flags)
{
    memset(out, 0, MOUNT_HELLO_SIZE);
    mk_put_be32(out, MOUNT_HELLO_MAGIC);
    mk_put_be32(out + 4, node);
    size_t max = ext ? MOUNT_IDENTITY_EXT : MOUNT_IDENTITY_SIZE - 1;
    size_t n = identity ? strnlen(identity, max) : 0;
    memcpy(out + 8, identity, n);
    if (ext) {
        memcpy(out + 8 + 24, MOUNT_EXT_MARK, 4);
        mk_put_be32(out + 8 + 28, flags);
    }
}
