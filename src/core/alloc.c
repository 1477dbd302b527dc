/*
 * alloc.c -- the replaceable allocator (see microkernel/alloc.h) and the
 * bounded-memory arena (mk_arena_init, docs/mcu.md "Memory model").
 *
 * A method table rather than direct malloc calls, so tests can count
 * allocations on the message path and inject out-of-memory failures. With
 * an arena installed every allocation is served from the caller's block:
 * fixed size-class pools for small blocks, a first-fit region for the rest.
 * Nothing here records errors (the engine library links this file alone):
 * callers report a NULL return with their own "out of memory" reason.
 */
#include "core/alloc_internal.h"
#include "platform/mem.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/config.h"

/* Under AddressSanitizer the arena poisons what is not handed out, so a
 * use after free or an overflow inside the arena is still reported. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static mk_allocator_t current = {malloc, calloc, realloc, free};

void mk_set_allocator(const mk_allocator_t *allocator)
{
    if (allocator)
        current = *allocator;
    else
        current = (mk_allocator_t){malloc, calloc, realloc, free};
}

/* ---- the arena -------------------------------------------------------- */

#define ALIGN     ((size_t)alignof(max_align_t))
#define HDR       ALIGN /* region block header: its size and state, padded */
#define POOL_MIN  16u
#define N_CLASSES 16 /* upper bound; MK_ARENA_POOL_MAX decides how many are used */

/* A region block: `size` bytes including this header; `used` the bytes
 * asked for (at least 1), 0 when free. Headers are never poisoned. */
typedef struct {
    size_t size;
    size_t used;
} block_t;

typedef struct pool_free {
    struct pool_free *next;
} pool_free_t;

static struct {
    bool on;
    unsigned char *pool_lo[N_CLASSES], *pool_hi[N_CLASSES]; /* [lo, hi) of each class */
    pool_free_t *pool_free[N_CLASSES];
    size_t block_size[N_CLASSES];
    int n_classes;
    unsigned char *region, *region_end; /* first-fit region: consecutive blocks */
    mk_arena_stats_t st;
} arena;

static size_t round_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

bool mk_arena_init(void *base, size_t bytes)
{
    if (!base || arena.on || bytes < 1024)
        return false;
    uintptr_t lo = ((uintptr_t)base + ALIGN - 1) / ALIGN * ALIGN;
    uintptr_t hi = ((uintptr_t)base + bytes) / ALIGN * ALIGN;
    if (hi <= lo || hi - lo < 1024)
        return false;
    size_t usable = (size_t)(hi - lo);
    memset(&arena, 0, sizeof arena);
    size_t per_round = 0; /* bytes of one block of every class */
    for (size_t sz = POOL_MIN < ALIGN ? ALIGN : POOL_MIN;
         sz <= MK_ARENA_POOL_MAX && arena.n_classes < N_CLASSES; sz *= 2) {
        arena.block_size[arena.n_classes++] = sz;
        per_round += sz;
    }
    size_t count = MK_ARENA_POOL_BLOCKS;
    if (per_round && count * per_round > usable / 2)
        count = usable / 2 / per_round;
    unsigned char *p = (unsigned char *)lo;
    for (int c = 0; c < arena.n_classes; c++) {
        arena.pool_lo[c] = p;
        for (size_t i = 0; i < count; i++) {
            pool_free_t *f = (pool_free_t *)(void *)(p + i * arena.block_size[c]);
            f->next =
                i + 1 < count ? (pool_free_t *)(void *)(p + (i + 1) * arena.block_size[c]) : NULL;
        }
        arena.pool_free[c] = count ? (pool_free_t *)(void *)p : NULL;
        for (size_t i = 0; i < count; i++) /* a free block keeps its link readable */
            POISON(p + i * arena.block_size[c] + ALIGN, arena.block_size[c] - ALIGN);
        p += count * arena.block_size[c];
        arena.pool_hi[c] = p;
    }
    arena.region = p;
    arena.region_end = (unsigned char *)hi;
    block_t *b = (block_t *)(void *)p;
    b->size = (size_t)(arena.region_end - p);
    b->used = 0;
    POISON(p + HDR, b->size - HDR);
    arena.st.size = usable;
    arena.st.pool_bytes = (size_t)(p - (unsigned char *)lo);
    arena.on = true;
    return true;
}

bool mk_arena_release(void)
{
    if (!arena.on || arena.st.in_use != 0)
        return false;
    unsigned char *lo = arena.n_classes ? arena.pool_lo[0] : arena.region;
    UNPOISON(lo, (size_t)(arena.region_end - lo)); /* the caller's again */
    memset(&arena, 0, sizeof arena);
    return true;
}

/* Merge the free blocks that follow free block `b` into it. */
static void absorb_free(block_t *b)
{
    for (;;) {
        unsigned char *next = (unsigned char *)b + b->size;
        if (next >= arena.region_end)
            return;
        block_t *n = (block_t *)(void *)next;
        if (n->used)
            return;
        b->size += n->size;
    }
}

/* Make used block `b` exactly `need` bytes when the rest is worth a block. */
static void split(block_t *b, size_t need)
{
    if (b->size - need >= HDR + ALIGN) {
        block_t *rest = (block_t *)(void *)((unsigned char *)b + need);
        UNPOISON(rest, HDR);
        rest->size = b->size - need;
        rest->used = 0;
        absorb_free(rest);
        b->size = need;
    }
}

static int pool_class(size_t size)
{
    for (int c = 0; c < arena.n_classes; c++)
        if (size <= arena.block_size[c])
            return c;
    return -1;
}

static int pool_of(const void *ptr)
{
    const unsigned char *p = ptr;
    for (int c = 0; c < arena.n_classes; c++)
        if (p >= arena.pool_lo[c] && p < arena.pool_hi[c])
            return c;
    return -1;
}

static void took(size_t bytes)
{
    arena.st.in_use += bytes;
    if (arena.st.in_use > arena.st.peak)
        arena.st.peak = arena.st.in_use;
    arena.st.allocs++;
}

static void *arena_malloc(size_t size)
{
    if (size == 0)
        size = 1;
    int c = pool_class(size);
    if (c >= 0 && arena.pool_free[c]) {
        pool_free_t *f = arena.pool_free[c];
        arena.pool_free[c] = f->next;
        took(arena.block_size[c]);
        UNPOISON(f, arena.block_size[c]);
        return f;
    }
    if (size > (size_t)(arena.region_end - arena.region)) {
        arena.st.refused++;
        return NULL;
    }
    size_t need = round_up(size, ALIGN) + HDR;
    for (unsigned char *p = arena.region; p < arena.region_end;) {
        block_t *b = (block_t *)(void *)p;
        if (!b->used) {
            absorb_free(b);
            if (b->size >= need) {
                b->used = size;
                split(b, need);
                took(b->size);
                UNPOISON(p + HDR, size);
                return p + HDR;
            }
        }
        p += b->size;
    }
    arena.st.refused++;
    return NULL;
}

static void arena_free(void *ptr)
{
    if (!ptr)
        return;
    int c = pool_of(ptr);
    if (c >= 0) {
        pool_free_t *f = ptr;
        f->next = arena.pool_free[c];
        arena.pool_free[c] = f;
        arena.st.in_use -= arena.block_size[c];
        POISON((unsigned char *)f + ALIGN, arena.block_size[c] - ALIGN);
        return;
    }
    block_t *b = (block_t *)(void *)((unsigned char *)ptr - HDR);
    b->used = 0;
    arena.st.in_use -= b->size;
    POISON(ptr, b->size - HDR);
    absorb_free(b);
}

static void *arena_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) {
        arena.st.refused++;
        return NULL;
    }
    size_t bytes = count * size;
    void *p = arena_malloc(bytes);
    if (p)
        memset(p, 0, bytes > 0 ? bytes : 1);
    return p;
}

static void *arena_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return arena_malloc(size);
    if (size == 0)
        size = 1; /* as realloc(p, 1): callers never see a freed block */
    size_t have;
    int c = pool_of(ptr);
    if (c >= 0) {
        have = arena.block_size[c];
        if (size <= have)
            return ptr;
    } else {
        block_t *b = (block_t *)(void *)((unsigned char *)ptr - HDR);
        have = b->used; /* the bytes the caller may hold */
        size_t need = round_up(size, ALIGN) + HDR;
        if (size <= (size_t)(arena.region_end - arena.region)) {
            /* In place: grow into the free blocks that follow. */
            size_t old = b->size;
            b->used = 0;
            absorb_free(b);
            b->used = have;
            if (b->size >= need) {
                split(b, need > old ? need : old);
                b->used = size;
                if (size < have)
                    POISON((unsigned char *)ptr + size, have - size);
                else
                    UNPOISON(ptr, size);
                arena.st.in_use += b->size - old;
                if (arena.st.in_use > arena.st.peak)
                    arena.st.peak = arena.st.in_use;
                return ptr;
            }
            split(b, old);
        }
    }
    void *n = arena_malloc(size);
    if (!n)
        return NULL; /* the old block stays valid, as realloc(3) */
    memcpy(n, ptr, have < size ? have : size);
    arena_free(ptr);
    return n;
}

bool mk_arena_stats(mk_arena_stats_t *out)
{
    if (!arena.on)
        return false;
    size_t largest = 0;
    for (unsigned char *p = arena.region; p < arena.region_end;) {
        block_t *b = (block_t *)(void *)p;
        if (!b->used) {
            absorb_free(b);
            if (b->size - HDR > largest)
                largest = b->size - HDR;
        }
        p += b->size;
    }
    *out = arena.st;
    out->largest_free = largest;
    return true;
}

bool mk_arena_active(void)
{
    return arena.on;
}

/* ---- the entry points ------------------------------------------------- */

/* True when `ptr` is a block of the arena (not one allocated before it). */
static bool in_arena(const void *ptr)
{
    const unsigned char *p = ptr;
    const unsigned char *lo = arena.n_classes ? arena.pool_lo[0] : arena.region;
    return p >= lo && p < arena.region_end;
}

/* An MK_BOUNDED build never falls back to the system allocator. */
#if defined(MK_BOUNDED) && MK_BOUNDED
#define NO_ARENA(call) return NULL
#else
#define NO_ARENA(call) return call
#endif

void *mk_malloc(size_t size)
{
    if (arena.on)
        return arena_malloc(size);
    NO_ARENA(current.malloc(size));
}

void *mk_calloc(size_t count, size_t size)
{
    if (arena.on)
        return arena_calloc(count, size);
    NO_ARENA(current.calloc(count, size));
}

void *mk_realloc(void *ptr, size_t size)
{
    if (arena.on && (!ptr || in_arena(ptr)))
        return arena_realloc(ptr, size);
    NO_ARENA(current.realloc(ptr, size));
}

void mk_free(void *ptr)
{
    if (arena.on && (!ptr || in_arena(ptr)))
        arena_free(ptr);
    else
        current.free(ptr); /* a block from before the arena: its allocator's */
}

/* The platform layer's memory (platform/mem.h): the library's, so the
 * hooks and, in bounded mode, the arena serve it too. */
void *mk_platform_realloc(void *ptr, size_t size)
{
    return mk_realloc(ptr, size);
}

void mk_platform_free(void *ptr)
{
    mk_free(ptr);
}

char *mk_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = mk_malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

char *mk_strndup(const char *s, size_t n)
{
    char *copy = mk_malloc(n + 1);
    if (copy) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}
