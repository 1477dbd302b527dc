/*
 * kv_cache.h -- a bounded read cache in front of the local KV store, filled
 * by reads and kept current by writes. The KV actor is the only writer of
 * its database, so the cache is coherent as long as every put refreshes or
 * drops the key's copy, every delete drops it and a failed commit clears it.
 * Private to src/services.
 */
#ifndef MK_SERVICES_KV_CACHE_H
#define MK_SERVICES_KV_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef KV_CACHE_SETS
#define KV_CACHE_SETS 16384 /* a power of two */
#endif
#define KV_CACHE_WAYS 4
#ifndef KV_CACHE_BYTES
#define KV_CACHE_BYTES (16u << 20) /* keys + values held at most */
#endif
#define KV_CACHE_VALUE_MAX 4096 /* larger values are not cached */

typedef struct {
    uint32_t hash; /* of the key */
    uint16_t klen; /* key bytes */
    uint32_t vlen; /* value bytes */
    char *data;    /* key then value (malloc'd); NULL: empty way */
} kv_cache_way_t;

typedef struct {
    kv_cache_way_t *ways;  /* KV_CACHE_SETS * KV_CACHE_WAYS, NULL if disabled */
    uint8_t *next;         /* per set: the way to replace next */
    size_t bytes;          /* key + value bytes held */
    uint64_t hits, misses; /* for caps and the benchmark */
} kv_cache_t;

/* Allocate; false (cache disabled, still safe to call) when memory runs out. */
bool kv_cache_init(kv_cache_t *c);
void kv_cache_free(kv_cache_t *c);
/* The cached value of the key, or NULL (*vlen set on a hit). */
const char *kv_cache_get(kv_cache_t *c, const char *key, size_t klen, size_t *vlen);
/* Store (or replace) key -> value; values over KV_CACHE_VALUE_MAX only drop
 * an older entry. */
void kv_cache_put(kv_cache_t *c, const char *key, size_t klen, const char *val, size_t vlen);
/* A write of key -> value: a cached copy of the key is replaced (in place
 * when the size is unchanged); a key not cached stays uncached, so a put
 * of a new key costs no allocation (reads fill the cache). */
void kv_cache_refresh(kv_cache_t *c, const char *key, size_t klen, const char *val, size_t vlen);
/* Forget the key. */
void kv_cache_del(kv_cache_t *c, const char *key, size_t klen);
/* Forget everything (a transaction was rolled back). */
void kv_cache_clear(kv_cache_t *c);

#endif
