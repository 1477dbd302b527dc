/*
 * ns_sync.h -- the MSG_NS_SYNC payload (docs/services.md), parsed by a pure
 * iterator so that bytes from other nodes are checked before use. Private to
 * src/services; fuzzed by tests/fuzz/fuzz_ns_sync.c.
 */
#ifndef MK_SERVICES_NS_SYNC_H
#define MK_SERVICES_NS_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/node_info.h"
#include "microkernel/types.h"

typedef enum {
    NS_SYNC_END = 0, /* no more lines */
    NS_SYNC_NODE,    /* "node=<u32>": the sender (must be the first line) */
    NS_SYNC_RESET,   /* "reset=1": forget what the sender told before */
    NS_SYNC_ADD,     /* "+<path> 0x<id>" */
    NS_SYNC_REMOVE,  /* "-<path>" */
    NS_SYNC_PEER,    /* "peer=<node> <name> <host>:<port>": a node the sender mounted */
    NS_SYNC_ERROR    /* malformed line; `error` says why */
} ns_sync_kind_t;

typedef struct {
    ns_sync_kind_t kind;
    const char *path; /* ADD, REMOVE: slice of the payload (not NUL-terminated) */
    size_t path_len;
    actor_id_t id;                /* ADD */
    node_id_t node;               /* NODE, PEER */
    char name[NODE_NAME_MAX + 1]; /* PEER */
    char host[64];                /* PEER */
    uint16_t port;                /* PEER */
    const char *error;            /* ERROR: static text */
} ns_sync_item_t;

/* Read the line at *pos of (buf, len) into `item` and advance *pos past it.
 * Paths are checked with ns_path_check; every field is range-checked. An
 * ERROR item still advances past the bad line, so a caller may skip it. */
void ns_sync_next(const char *buf, size_t len, size_t *pos, ns_sync_item_t *item);

#endif
