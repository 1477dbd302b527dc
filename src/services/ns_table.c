/*
 * ns_table.c -- the namespace's path table: open addressing (linear probing,
 * backward-shift deletion) over a fixed array of entries, so lookups cost one
 * hash and usually one comparison and nothing allocates after init.
 * Called only by namespace.c on the runtime's thread.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/bytes.h"
#include "core/error_internal.h"
#include "services/ns_table.h"

#define NO_ENTRY UINT32_MAX

bool ns_table_init(ns_table_t *t)
{
    memset(t, 0, sizeof *t);
    t->entries = mk_calloc(NS_MAX_PATHS, sizeof *t->entries);
    t->index = mk_calloc(NS_INDEX_SLOTS, sizeof *t->index);
    if (!t->entries || !t->index) {
        ns_table_free(t);
        return mk_fail("namespace: out of memory for the path table");
    }
    for (uint32_t i = 0; i < NS_MAX_PATHS; i++)
        t->entries[i].hash = i + 1 < NS_MAX_PATHS ? i + 1 : NO_ENTRY;
    t->free_head = 0;
    return true;
}

void ns_table_free(ns_table_t *t)
{
    mk_free(t->entries);
    mk_free(t->index);
    t->entries = NULL;
    t->index = NULL;
    t->count = 0;
}

/* The index slot holding the entry for `path`, or the empty slot where it
 * would go. */
static uint32_t probe(const ns_table_t *t, const char *path, size_t len, uint32_t hash)
{
    uint32_t mask = NS_INDEX_SLOTS - 1;
    uint32_t s = hash & mask;
    while (t->index[s]) {
        const ns_table_entry_t *e = &t->entries[t->index[s] - 1];
        if (e->hash == hash && e->len == len && memcmp(e->path, path, len) == 0)
            return s;
        s = (s + 1) & mask;
    }
    return s;
}

ns_table_entry_t *ns_table_find(const ns_table_t *t, const char *path, size_t len)
{
    if (!t->entries || t->count == 0)
        return NULL;
    uint32_t s = probe(t, path, len, mk_fnv1a32(path, len));
    return t->index[s] ? &t->entries[t->index[s] - 1] : NULL;
}

bool ns_table_add(ns_table_t *t, const char *path, size_t len, actor_id_t id, node_id_t origin)
{
    uint32_t hash = mk_fnv1a32(path, len);
    uint32_t s = probe(t, path, len, hash);
    if (t->index[s])
        return mk_fail("namespace: \"%s\" is already registered to actor 0x%016llx",
                       t->entries[t->index[s] - 1].path,
                       (unsigned long long)t->entries[t->index[s] - 1].id);
    if (t->free_head == NO_ENTRY)
        return mk_fail("namespace: all %d paths are in use", NS_MAX_PATHS);
    uint32_t i = t->free_head;
    ns_table_entry_t *e = &t->entries[i];
    t->free_head = e->hash;
    memcpy(e->path, path, len);
    e->path[len] = '\0';
    e->len = (uint16_t)len;
    e->hash = hash;
    e->id = id;
    e->origin = origin;
    t->index[s] = i + 1;
    t->count++;
    return true;
}

void ns_table_remove(ns_table_t *t, ns_table_entry_t *e)
{
    uint32_t mask = NS_INDEX_SLOTS - 1;
    uint32_t i = (uint32_t)(e - t->entries);
    uint32_t s = probe(t, e->path, e->len, e->hash);
    if (t->index[s] != i + 1)
        return; /* not in the table */
    /* Backward-shift deletion: pull later members of the cluster into the
     * hole when their home slot does not lie between the hole and them. */
    uint32_t hole = s;
    uint32_t j = (s + 1) & mask;
    while (t->index[j]) {
        uint32_t home = t->entries[t->index[j] - 1].hash & mask;
        bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            t->index[hole] = t->index[j];
            hole = j;
        }
        j = (j + 1) & mask;
    }
    t->index[hole] = 0;
    e->path[0] = '\0';
    e->len = 0;
    e->id = ACTOR_ID_INVALID;
    e->hash = t->free_head;
    t->free_head = i;
    t->count--;
}
