/*
 * kv_cache.c -- the local KV's read cache (kv_cache.h): a 4-way
 * set-associative table of key -> value copies with round-robin
 * replacement in each set, bounded in entries and bytes. Used only by
 * local_kv.c on the runtime's thread.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/bytes.h"
#include "services/kv_cache.h"

/* The bucket hash of key s[0..n) (FNV-1a 32). */
static uint32_t hash_key(const char *s, size_t n)
{
    return mk_fnv1a32(s, n);
}

bool kv_cache_init(kv_cache_t *c)
{
    memset(c, 0, sizeof *c);
    c->ways = mk_calloc((size_t)KV_CACHE_SETS * KV_CACHE_WAYS, sizeof *c->ways);
    c->next = mk_calloc(KV_CACHE_SETS, 1);
    if (!c->ways || !c->next) {
        kv_cache_free(c);
        return false;
    }
    return true;
}

static void drop_way(kv_cache_t *c, kv_cache_way_t *w)
{
    if (!w->data)
        return;
    c->bytes -= (size_t)w->klen + w->vlen;
    mk_free(w->data);
    w->data = NULL;
}

void kv_cache_clear(kv_cache_t *c)
{
    if (!c->ways)
        return;
    for (size_t i = 0; i < (size_t)KV_CACHE_SETS * KV_CACHE_WAYS; i++)
        drop_way(c, &c->ways[i]);
}

void kv_cache_free(kv_cache_t *c)
{
    kv_cache_clear(c);
    mk_free(c->ways);
    mk_free(c->next);
    c->ways = NULL;
    c->next = NULL;
}

/* The way holding the key in its set, or NULL; *set gets the set. */
static kv_cache_way_t *find(kv_cache_t *c, const char *key, size_t klen, uint32_t h,
                            kv_cache_way_t **set)
{
    *set = &c->ways[(size_t)(h & (KV_CACHE_SETS - 1)) * KV_CACHE_WAYS];
    for (int i = 0; i < KV_CACHE_WAYS; i++) {
        kv_cache_way_t *w = &(*set)[i];
        if (w->data && w->hash == h && w->klen == klen && memcmp(w->data, key, klen) == 0)
            return w;
    }
    return NULL;
}

const char *kv_cache_get(kv_cache_t *c, const char *key, size_t klen, size_t *vlen)
{
    if (!c->ways)
        return NULL;
    kv_cache_way_t *set, *w = find(c, key, klen, hash_key(key, klen), &set);
    if (!w) {
        c->misses++;
        return NULL;
    }
    c->hits++;
    *vlen = w->vlen;
    return w->data + w->klen;
}

void kv_cache_put(kv_cache_t *c, const char *key, size_t klen, const char *val, size_t vlen)
{
    if (!c->ways)
        return;
    uint32_t h = hash_key(key, klen);
    kv_cache_way_t *set, *w = find(c, key, klen, h, &set);
    if (w)
        drop_way(c, w);
    if (vlen > KV_CACHE_VALUE_MAX || klen > UINT16_MAX)
        return;
    if (!w) {
        for (int i = 0; i < KV_CACHE_WAYS && !w; i++)
            if (!set[i].data)
                w = &set[i];
        if (!w) {
            uint8_t *next = &c->next[(size_t)(h & (KV_CACHE_SETS - 1))];
            w = &set[*next % KV_CACHE_WAYS];
            *next = (uint8_t)((*next + 1) % KV_CACHE_WAYS);
            drop_way(c, w);
        }
    }
    if (c->bytes + klen + vlen > KV_CACHE_BYTES)
        return;
    char *d = mk_malloc(klen + vlen + 1);
    if (!d)
        return;
    memcpy(d, key, klen);
    if (vlen)
        memcpy(d + klen, val, vlen);
    w->data = d;
    w->hash = h;
    w->klen = (uint16_t)klen;
    w->vlen = (uint32_t)vlen;
    c->bytes += klen + vlen;
}

void kv_cache_refresh(kv_cache_t *c, const char *key, size_t klen, const char *val, size_t vlen)
{
    if (!c->ways)
        return;
    kv_cache_way_t *set, *w = find(c, key, klen, hash_key(key, klen), &set);
    if (!w)
        return;
    if (vlen == w->vlen) { /* same size: overwrite the copy in place */
        if (vlen)
            memcpy(w->data + w->klen, val, vlen);
        return;
    }
    kv_cache_put(c, key, klen, val, vlen);
}

void kv_cache_del(kv_cache_t *c, const char *key, size_t klen)
{
    if (!c->ways)
        return;
    kv_cache_way_t *set, *w = find(c, key, klen, hash_key(key, klen), &set);
    if (w)
        drop_way(c, w);
}
