/*
 * mount_hello.h -- the text handshake that opens a mount connection
 * (docs/services.md, "Mount protocol"). Private to src/services; the parser
 * is pure and fuzzed by tests/fuzz/fuzz_mount_hello.c.
 */
#ifndef MK_SERVICES_MOUNT_HELLO_H
#define MK_SERVICES_MOUNT_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/node_info.h"

#define MOUNT_HELLO_MAX 1024 /* bytes of a whole hello, blank line included */
#define MOUNT_MAGIC     "MKMOUNT "

typedef struct {
    uint32_t version;             /* from "MKMOUNT <version>" */
    node_id_t node;               /* node= (0 in an error reply) */
    char name[NODE_NAME_MAX + 1]; /* name= */
    actor_id_t ns;                /* ns= : the sender's ns actor */
    uint16_t port;                /* port= : the sender's mount listener, 0 none */
    bool already;                 /* already=1 : this pair was mounted before */
    char error[160];              /* error= : refusal reason ("" when accepted) */
} mount_text_hello_t;

/*
 * Parse a hello at the start of (buf, len). Returns the bytes it takes
 * (through the blank line) when complete, 0 when more bytes are needed, or
 * -1 with a static reason in *why when the bytes are not a hello (wrong
 * magic, bad field, over MOUNT_HELLO_MAX, missing node or name). A hello
 * with error= needs no other field. Pure: no I/O, no allocation.
 */
long mount_hello_parse(const char *buf, size_t len, mount_text_hello_t *out, const char **why);

/* Write a hello (error NULL) or a refusal (error set) into out (at least
 * MOUNT_HELLO_MAX bytes); returns its length. */
size_t mount_hello_format(char *out, const mount_text_hello_t *h);

#endif
