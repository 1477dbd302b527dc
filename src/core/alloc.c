/*
 * alloc.c -- the replaceable allocator (see microkernel/alloc.h) and the
 * bounded-memory arena (mk_arena_init, docs/mcu.md "Memory model").
 *
 * A method table rather than direct malloc calls, so tests can count
 * allocations on the message path and inject out-of-memory failures. With
 * an arena installed every allocation is served from the caller's block:
 * one fixed first-fit pool per kind (messages, mailboxes, WASM linear
 * memories, engine stacks; config.h MK_BOUNDED_*_POOL_BYTES), fixed
 * size-class pools for other small blocks, a first-fit region for the rest.
 * Nothing here records errors (the engine library links this file alone):
 * callers report a NULL return with mk_arena_oom(), which names the pool.
 */
#include "core/alloc_internal.h"
#include "platform/mem.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* A first-fit region of consecutive blocks: the general one, or the fixed
 * pool of one kind (mk_pool_kind_t). */
typedef struct {
    unsigned char *lo, *hi;
    size_t in_use, peak;
    unsigned long allocs, refused;
} region_t;

static const char *const kind_name[MK_POOL_KINDS] = {
    "general region", "message pool", "mailbox pool", "WASM memory pool", "WASM stack pool"};
static const char *const kind_macro[MK_POOL_KINDS] = {
    "the arena", "MK_BOUNDED_MESSAGE_POOL_BYTES", "MK_BOUNDED_MAILBOX_POOL_BYTES",
    "MK_BOUNDED_WASM_MEMORY_POOL_BYTES", "MK_BOUNDED_WASM_STACK_POOL_BYTES"};

static struct {
    bool on;
    unsigned char *lo, *hi;                                 /* the whole arena after alignment */
    unsigned char *pool_lo[N_CLASSES], *pool_hi[N_CLASSES]; /* [lo, hi) of each class */
    pool_free_t *pool_free[N_CLASSES];
    size_t block_size[N_CLASSES];
    int n_classes;
    size_t pool_in_use, pool_peak; /* the size-class pools (kind general) */
    unsigned long pool_allocs;
    region_t region[MK_POOL_KINDS]; /* [MK_POOL_GENERAL] the rest of the arena */
    mk_pool_kind_t last_refused;    /* the kind of the last refusal */
    bool refused_any;
    mk_arena_stats_t st;
} arena;

static size_t round_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

static size_t round_down(size_t n, size_t a)
{
    return n / a * a;
}

/* Make [lo, lo+bytes) one free block of region `r`. */
static void region_init(region_t *r, unsigned char *lo, size_t bytes)
{
    r->lo = lo;
    r->hi = lo + bytes;
    if (bytes) {
        block_t *b = (block_t *)(void *)lo;
        b->size = bytes;
        b->used = 0;
        POISON(lo + HDR, bytes - HDR);
    }
}

bool mk_arena_init(void *base, size_t bytes)
{
    const mk_arena_layout_t layout = {
        MK_BOUNDED_MESSAGE_POOL_BYTES,
        MK_BOUNDED_MAILBOX_POOL_BYTES,
        MK_BOUNDED_WASM_MEMORY_POOL_BYTES,
        MK_BOUNDED_WASM_STACK_POOL_BYTES,
    };
    return mk_arena_init_layout(base, bytes, &layout);
}

bool mk_arena_init_layout(void *base, size_t bytes, const mk_arena_layout_t *layout)
{
    if (!base || !layout || arena.on || bytes < 1024)
        return false;
    uintptr_t lo = ((uintptr_t)base + ALIGN - 1) / ALIGN * ALIGN;
    uintptr_t hi = ((uintptr_t)base + bytes) / ALIGN * ALIGN;
    if (hi <= lo || hi - lo < 1024)
        return false;
    size_t usable = (size_t)(hi - lo);
    const size_t want[MK_POOL_KINDS] = {0, layout->messages, layout->mailboxes, layout->wasm_memory,
                                        layout->wasm_stacks};
    size_t kinds = 0;
    for (int k = 1; k < MK_POOL_KINDS; k++) {
        size_t w = round_down(want[k], ALIGN);
        if (want[k] && w < HDR + ALIGN)
            return false; /* too small for one block */
        if (w > usable - kinds)
            return false;
        kinds += w;
    }
    if (usable - kinds < 1024)
        return false; /* the general region keeps at least 1 KiB */
    memset(&arena, 0, sizeof arena);
    size_t rest = usable - kinds; /* size-class pools + general region */
    size_t per_round = 0;         /* bytes of one block of every class */
    for (size_t sz = POOL_MIN < ALIGN ? ALIGN : POOL_MIN;
         sz <= MK_ARENA_POOL_MAX && arena.n_classes < N_CLASSES; sz *= 2) {
        arena.block_size[arena.n_classes++] = sz;
        per_round += sz;
    }
    size_t count = MK_ARENA_POOL_BLOCKS;
    if (per_round && count * per_round > rest / 2)
        count = rest / 2 / per_round;
    unsigned char *p = (unsigned char *)lo;
    arena.lo = p;
    arena.hi = (unsigned char *)hi;
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
    arena.st.pool_bytes = (size_t)(p - (unsigned char *)lo);
    for (int k = 1; k < MK_POOL_KINDS; k++) {
        size_t w = round_down(want[k], ALIGN);
        region_init(&arena.region[k], p, w);
        p += w;
    }
    region_init(&arena.region[MK_POOL_GENERAL], p, (size_t)(arena.hi - p));
    arena.st.size = usable;
    arena.on = true;
    return true;
}

bool mk_arena_release(void)
{
    if (!arena.on || arena.st.in_use != 0)
        return false;
    UNPOISON(arena.lo, (size_t)(arena.hi - arena.lo)); /* the caller's again */
    memset(&arena, 0, sizeof arena);
    return true;
}

/* Merge the free blocks that follow free block `b` of `r` into it. */
static void absorb_free(const region_t *r, block_t *b)
{
    for (;;) {
        unsigned char *next = (unsigned char *)b + b->size;
        if (next >= r->hi)
            return;
        block_t *n = (block_t *)(void *)next;
        if (n->used)
            return;
        b->size += n->size;
    }
}

/* Make used block `b` exactly `need` bytes when the rest is worth a block. */
static void split(const region_t *r, block_t *b, size_t need)
{
    if (b->size - need >= HDR + ALIGN) {
        block_t *rest = (block_t *)(void *)((unsigned char *)b + need);
        UNPOISON(rest, HDR);
        rest->size = b->size - need;
        rest->used = 0;
        absorb_free(r, rest);
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

/* The region holding region block `ptr` (not a size-class pool block). */
static region_t *region_of(const void *ptr)
{
    const unsigned char *p = ptr;
    for (int k = 1; k < MK_POOL_KINDS; k++)
        if (p >= arena.region[k].lo && p < arena.region[k].hi)
            return &arena.region[k];
    return &arena.region[MK_POOL_GENERAL];
}

/* The region that serves kind `kind`: its own pool, or the general region
 * when its pool has 0 bytes. */
static region_t *region_for(mk_pool_kind_t kind)
{
    if (kind > MK_POOL_GENERAL && kind < MK_POOL_KINDS &&
        arena.region[kind].hi > arena.region[kind].lo)
        return &arena.region[kind];
    return &arena.region[MK_POOL_GENERAL];
}

static void took(region_t *r, size_t bytes)
{
    arena.st.in_use += bytes;
    if (arena.st.in_use > arena.st.peak)
        arena.st.peak = arena.st.in_use;
    arena.st.allocs++;
    if (r) {
        r->in_use += bytes;
        if (r->in_use > r->peak)
            r->peak = r->in_use;
        r->allocs++;
    } else {
        arena.pool_in_use += bytes;
        if (arena.pool_in_use > arena.pool_peak)
            arena.pool_peak = arena.pool_in_use;
        arena.pool_allocs++;
    }
}

static void refuse(region_t *r)
{
    arena.st.refused++;
    r->refused++;
    arena.last_refused = (mk_pool_kind_t)(r - arena.region);
    arena.refused_any = true;
}

static void *region_malloc(region_t *r, size_t size)
{
    if (size > (size_t)(r->hi - r->lo)) {
        refuse(r);
        return NULL;
    }
    size_t need = round_up(size, ALIGN) + HDR;
    for (unsigned char *p = r->lo; p < r->hi;) {
        block_t *b = (block_t *)(void *)p;
        if (!b->used) {
            absorb_free(r, b);
            if (b->size >= need) {
                b->used = size;
                split(r, b, need);
                took(r, b->size);
                UNPOISON(p + HDR, size);
                return p + HDR;
            }
        }
        p += b->size;
    }
    refuse(r);
    return NULL;
}

static void *arena_malloc(mk_pool_kind_t kind, size_t size)
{
    if (size == 0)
        size = 1;
    region_t *r = region_for(kind);
    if (r == &arena.region[MK_POOL_GENERAL]) {
        int c = pool_class(size);
        if (c >= 0 && arena.pool_free[c]) {
            pool_free_t *f = arena.pool_free[c];
            arena.pool_free[c] = f->next;
            took(NULL, arena.block_size[c]);
            UNPOISON(f, arena.block_size[c]);
            return f;
        }
    }
    return region_malloc(r, size);
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
        arena.pool_in_use -= arena.block_size[c];
        POISON((unsigned char *)f + ALIGN, arena.block_size[c] - ALIGN);
        return;
    }
    region_t *r = region_of(ptr);
    block_t *b = (block_t *)(void *)((unsigned char *)ptr - HDR);
    b->used = 0;
    arena.st.in_use -= b->size;
    r->in_use -= b->size;
    POISON(ptr, b->size - HDR);
    absorb_free(r, b);
}

static void *arena_calloc(mk_pool_kind_t kind, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) {
        refuse(region_for(kind));
        return NULL;
    }
    size_t bytes = count * size;
    void *p = arena_malloc(kind, bytes);
    if (p)
        memset(p, 0, bytes > 0 ? bytes : 1);
    return p;
}

/* realloc(3) inside the arena: a block stays in the pool of its kind. */
static void *arena_realloc(mk_pool_kind_t kind, void *ptr, size_t size)
{
    if (!ptr)
        return arena_malloc(kind, size);
    if (size == 0)
        size = 1; /* as realloc(p, 1): callers never see a freed block */
    size_t have;
    int c = pool_of(ptr);
    if (c >= 0) {
        have = arena.block_size[c];
        if (size <= have)
            return ptr;
        kind = MK_POOL_GENERAL;
    } else {
        region_t *r = region_of(ptr);
        kind = (mk_pool_kind_t)(r - arena.region);
        block_t *b = (block_t *)(void *)((unsigned char *)ptr - HDR);
        have = b->used; /* the bytes the caller may hold */
        size_t need = round_up(size, ALIGN) + HDR;
        if (size <= (size_t)(r->hi - r->lo)) {
            /* In place: grow into the free blocks that follow. */
            size_t old = b->size;
            b->used = 0;
            absorb_free(r, b);
            b->used = have;
            if (b->size >= need) {
                split(r, b, need > old ? need : old);
                b->used = size;
                if (size < have)
                    POISON((unsigned char *)ptr + size, have - size);
                else
                    UNPOISON(ptr, size);
                arena.st.in_use += b->size - old;
                if (arena.st.in_use > arena.st.peak)
                    arena.st.peak = arena.st.in_use;
                r->in_use += b->size - old;
                if (r->in_use > r->peak)
                    r->peak = r->in_use;
                return ptr;
            }
            split(r, b, old);
        }
    }
    void *n = arena_malloc(kind, size);
    if (!n)
        return NULL; /* the old block stays valid, as realloc(3) */
    memcpy(n, ptr, have < size ? have : size);
    arena_free(ptr);
    return n;
}

static size_t largest_free(const region_t *r)
{
    size_t largest = 0;
    for (unsigned char *p = r->lo; p < r->hi;) {
        block_t *b = (block_t *)(void *)p;
        if (!b->used) {
            absorb_free(r, b);
            if (b->size - HDR > largest)
                largest = b->size - HDR;
        }
        p += b->size;
    }
    return largest;
}

bool mk_arena_stats(mk_arena_stats_t *out)
{
    if (!arena.on)
        return false;
    *out = arena.st;
    out->largest_free = largest_free(&arena.region[MK_POOL_GENERAL]);
    return true;
}

bool mk_arena_pool_stats(mk_pool_kind_t kind, mk_arena_pool_stats_t *out)
{
    if (!arena.on || (int)kind < 0 || kind >= MK_POOL_KINDS)
        return false;
    const region_t *r = &arena.region[kind];
    out->name = kind_name[kind];
    out->size = (size_t)(r->hi - r->lo);
    out->in_use = r->in_use;
    out->peak = r->peak;
    out->largest_free = largest_free(r);
    out->allocs = r->allocs;
    out->refused = r->refused;
    if (kind == MK_POOL_GENERAL) { /* with the size-class pools */
        out->size += arena.st.pool_bytes;
        out->in_use += arena.pool_in_use;
        out->peak += arena.pool_peak; /* an upper bound: the two peaks may differ in time */
        out->allocs += arena.pool_allocs;
    }
    return true;
}

bool mk_arena_active(void)
{
    return arena.on;
}

const char *mk_arena_oom(void)
{
    static char text[128];
    if (!arena.on || !arena.refused_any)
        return "out of memory";
    mk_pool_kind_t k = arena.last_refused;
    const region_t *r = &arena.region[k];
    if (k == MK_POOL_GENERAL)
        snprintf(text, sizeof text, "out of memory (arena general region of %zu bytes full)",
                 (size_t)(r->hi - r->lo));
    else
        snprintf(text, sizeof text, "out of memory (%s full: %s %zu)", kind_name[k], kind_macro[k],
                 (size_t)(r->hi - r->lo));
    return text;
}

/* ---- the entry points ------------------------------------------------- */

/* True when `ptr` is a block of the arena (not one allocated before it). */
static bool in_arena(const void *ptr)
{
    const unsigned char *p = ptr;
    return p >= arena.lo && p < arena.hi;
}

/* An MK_BOUNDED build never falls back to the system allocator. */
#if defined(MK_BOUNDED) && MK_BOUNDED
#define NO_ARENA(call) return NULL
#else
#define NO_ARENA(call) return call
#endif

void *mk_malloc_in(mk_pool_kind_t kind, size_t size)
{
    if (arena.on)
        return arena_malloc(kind, size);
    NO_ARENA(current.malloc(size));
}

void *mk_calloc_in(mk_pool_kind_t kind, size_t count, size_t size)
{
    if (arena.on)
        return arena_calloc(kind, count, size);
    NO_ARENA(current.calloc(count, size));
}

void *mk_realloc_in(mk_pool_kind_t kind, void *ptr, size_t size)
{
    if (arena.on && (!ptr || in_arena(ptr)))
        return arena_realloc(kind, ptr, size);
    NO_ARENA(current.realloc(ptr, size));
}

void *mk_malloc(size_t size)
{
    return mk_malloc_in(MK_POOL_GENERAL, size);
}

void *mk_calloc(size_t count, size_t size)
{
    return mk_calloc_in(MK_POOL_GENERAL, count, size);
}

void *mk_realloc(void *ptr, size_t size)
{
    return mk_realloc_in(MK_POOL_GENERAL, ptr, size);
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
