/*
 * ns_table.h -- the path table behind the namespace: a fixed-capacity hash
 * table of path -> (actor, origin node). Private to src/services.
 */
#ifndef MK_SERVICES_NS_TABLE_H
#define MK_SERVICES_NS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/namespace.h"

typedef struct {
    char path[NS_PATH_MAX]; /* "" when the entry is free */
    uint32_t hash;          /* FNV-1a of path */
    uint16_t len;           /* strlen(path) */
    actor_id_t id;          /* the actor it maps to */
    node_id_t origin;       /* node that registered it */
} ns_table_entry_t;

typedef struct {
    ns_table_entry_t *entries; /* NS_MAX_PATHS entries */
    uint32_t *index;           /* NS_INDEX_SLOTS slots: entry index + 1, 0 empty */
    uint32_t free_head;        /* free entries are chained through .hash */
    size_t count;              /* entries in use */
} ns_table_t;

#define NS_INDEX_SLOTS (2 * NS_MAX_PATHS) /* a power of two, load <= 1/2 */

/* Allocate the table; false (reason set) when memory runs out. */
bool ns_table_init(ns_table_t *t);
void ns_table_free(ns_table_t *t);

/* The entry for the `len` bytes at `path`, or NULL. O(1) expected. */
ns_table_entry_t *ns_table_find(const ns_table_t *t, const char *path, size_t len);

/* Add a (checked) path; false with a reason when it exists or the table is full. */
bool ns_table_add(ns_table_t *t, const char *path, size_t len, actor_id_t id, node_id_t origin);

/* Remove `e` (a pointer returned by find or met while iterating). */
void ns_table_remove(ns_table_t *t, ns_table_entry_t *e);

#endif
