/*
 * mount_hello.h -- the mount hello: the original's mount_hello_t, 40 raw
 * bytes before any wire frame (../shared/compat/wire-and-mount.md §4.2):
 * magic 0x4D4B3031 ("MK01") big-endian, node ID u32 big-endian, identity
 * char[32] NUL-terminated and zero-padded. Our extension, invisible to an
 * original node (it reads identity as a C string): identity cut to at most
 * 23 characters, bytes 24..27 of identity "MKA1", bytes 28..31 a u32
 * big-endian flags word (LINK_F_* in src/net/link_auth.h). Private to
 * src/services; the parser is pure and fuzzed by tests/fuzz/fuzz_mount_hello.c.
 */
#ifndef MK_SERVICES_MOUNT_HELLO_H
#define MK_SERVICES_MOUNT_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/namespace.h"
#include "microkernel/types.h"

#define MOUNT_HELLO_SIZE    40 /* bytes on the wire */
/* MOUNT_HELLO_MAGIC ("MK01") and the wire struct mount_hello_t: namespace.h */
#define MOUNT_IDENTITY_SIZE 32     /* identity field, NUL included */
#define MOUNT_IDENTITY_EXT  23     /* identity characters beside the extension */
#define MOUNT_EXT_MARK      "MKA1" /* at identity[24..27] */

_Static_assert(sizeof(mount_hello_t) == MOUNT_HELLO_SIZE, "mount_hello_t is the 40 wire bytes");

/* A decoded hello (named apart from the original's public mount_hello_t). */
typedef struct {
    node_id_t node;                     /* sender's node ID */
    char identity[MOUNT_IDENTITY_SIZE]; /* NUL-terminated, printable ASCII */
    bool ext;                           /* the "MKA1" extension is present */
    uint32_t flags;                     /* extension flags (0 without it) */
} mk_mount_hello_t;

/*
 * Parse a hello at the start of (buf, len). Returns MOUNT_HELLO_SIZE when
 * whole, 0 when more bytes are needed (and the ones so far may still be a
 * hello), or -1 with a static reason in *why: wrong magic (checked as soon
 * as its bytes arrive), node ID 0, identity without a NUL, empty, or with
 * a byte outside 0x21..0x7E. The node-ID checks that need context (not our
 * own) are the caller's. Pure: no I/O, no allocation.
 */
long mount_hello_parse(const void *buf, size_t len, mk_mount_hello_t *out, const char **why);

/* Write the 40 bytes of a hello: `identity` is cut to 31 characters, or to
 * 23 with the extension (`ext`, `flags`). */
void mount_hello_write(unsigned char out[MOUNT_HELLO_SIZE], node_id_t node, const char *identity,
                       bool ext, uint32_t flags);

#endif
