/*
 * memory.c -- linear memories (spec 4.2.8): their backing store, growth by
 * memory.grow (interp.c) and by the host (wasm_memory_grow), and release.
 *
 * Two backends, chosen at build time by WASM_MEMORY_MMAP (wasm_config.h).
 * The mmap backend reserves address space that the kernel zero-fills page by
 * page on first touch, so a new memory costs one system call instead of a
 * pass over every byte, and growth inside the reservation costs nothing.
 * The malloc backend (calloc/realloc) serves hosts without virtual memory.
 * Neither relies on guard pages: the interpreter checks every access against
 * `size`. Grows never shrink and never run while another thread uses the
 * memory (an instance is driven by one thread at a time).
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "wasm_internal.h"

#if WASM_MEMORY_MMAP
#include <sys/mman.h>
#endif

/* Under AddressSanitizer the reserved bytes past `size` are poisoned, so a
 * missing bounds check in the interpreter is reported as it would be for a
 * calloc'd memory. Whole reservations are unpoisoned before they are
 * unmapped or moved, so no stale poison outlives a mapping. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WASM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(WASM_ASAN)
#define WASM_ASAN 1
#endif
#if defined(WASM_ASAN) && WASM_MEMORY_MMAP
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Only [0, size) of the backing is addressable (AddressSanitizer builds). */
static void mark_in_use(wasm_memory_t *m)
{
    if (!m->data)
        return;
    UNPOISON(m->data, (size_t)m->size);
    POISON(m->data + m->size, m->reserved - (size_t)m->size);
}

/* Bytes of `pages` pages, or 0 when they do not fit in size_t (32-bit
 * hosts cannot hold the full 4 GiB). */
static size_t pages_bytes(uint64_t pages)
{
    uint64_t n = pages * WASM_PAGE_SIZE;
    return n > SIZE_MAX ? 0 : (size_t)n;
}

#if WASM_MEMORY_MMAP

/* Map `bytes` of fresh zero pages; NULL when the kernel refuses. */
static uint8_t *map_zero(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Pages to reserve when `need` pages must be backed: the configured
 * reservation, doubled past it so repeated small grows stay cheap, never
 * beyond the memory's effective maximum. */
static uint64_t reserve_pages(const wasm_memory_t *m, uint64_t need)
{
    uint64_t want = (uint64_t)m->reserved / WASM_PAGE_SIZE * 2;
    if (want < WASM_MEMORY_RESERVE_PAGES)
        want = WASM_MEMORY_RESERVE_PAGES;
    if (want < need)
        want = need;
    return want > m->max_pages ? m->max_pages : want;
}

/* Make at least `need` pages addressable at m->data, keeping the first
 * m->size bytes; pages never written stay zero. False (memory unchanged)
 * when address space runs out. */
static bool backing_reserve(wasm_memory_t *m, uint64_t need)
{
    size_t want = pages_bytes(reserve_pages(m, need)), least = pages_bytes(need);
    if (!least)
        return false;
    if (!want)
        want = least;
    for (size_t bytes = want;; bytes = least) {
        uint8_t *p;
        if (!m->data) {
            p = map_zero(bytes);
        } else {
            UNPOISON(m->data, m->reserved);
#ifdef MREMAP_MAYMOVE
            /* Linux moves the page tables, not the bytes. */
            void *q = mremap(m->data, m->reserved, bytes, MREMAP_MAYMOVE);
            p = q == MAP_FAILED ? NULL : q;
#else
            p = map_zero(bytes);
            if (p) {
                memcpy(p, m->data, (size_t)m->size);
                munmap(m->data, m->reserved);
            }
#endif
        }
        if (p) {
            m->data = p;
            m->reserved = bytes;
            return true;
        }
        mark_in_use(m); /* unchanged */
        if (bytes == least)
            return false;
    }
}

static void backing_free(wasm_memory_t *m)
{
    if (!m->data)
        return;
    UNPOISON(m->data, m->reserved);
    munmap(m->data, m->reserved);
}

#else /* malloc backend: exactly the bytes in use, zeroed by hand on growth */

static bool backing_reserve(wasm_memory_t *m, uint64_t need)
{
    size_t bytes = pages_bytes(need);
    if (!bytes)
        return false;
    uint8_t *p = m->data ? mk_realloc_in(MK_POOL_WASM_MEMORY, m->data, bytes)
                         : mk_calloc_in(MK_POOL_WASM_MEMORY, 1, bytes);
    if (!p)
        return false;
    if (m->data)
        memset(p + m->size, 0, bytes - (size_t)m->size);
    m->data = p;
    m->reserved = bytes;
    return true;
}

static void backing_free(wasm_memory_t *m)
{
    mk_free(m->data);
}

#endif

bool wasm_memory_init_object(wasm_memory_t *m, uint32_t min, uint32_t max_effective,
                             wasm_limits_desc_t declared)
{
    memset(m, 0, sizeof *m);
    m->declared = declared;
    m->max_pages = max_effective;
    /* A memory of 0 pages gets no backing until its first grow. */
    if (min && !backing_reserve(m, min))
        return false;
    m->pages = min;
    m->size = (uint64_t)min * WASM_PAGE_SIZE;
    mark_in_use(m);
    return true;
}

void wasm_memory_release(wasm_memory_t *m)
{
    backing_free(m);
    m->data = NULL;
    m->reserved = 0;
}

wasm_memory_t *wasm_memory_new(uint32_t min_pages, uint32_t max_pages, bool has_max)
{
    if (min_pages > WASM_MAX_PAGES ||
        (has_max && (max_pages > WASM_MAX_PAGES || max_pages < min_pages)))
        return NULL;
    wasm_memory_t *m = mk_malloc(sizeof *m);
    if (!m)
        return NULL;
    wasm_limits_desc_t d = {min_pages, has_max ? max_pages : 0, has_max};
    if (!wasm_memory_init_object(m, min_pages, has_max ? max_pages : WASM_MAX_PAGES, d)) {
        mk_free(m);
        return NULL;
    }
    return m;
}

void wasm_memory_free(wasm_memory_t *m)
{
    if (!m)
        return;
    wasm_memory_release(m);
    mk_free(m);
}

uint32_t wasm_memory_pages(const wasm_memory_t *m)
{
    return m->pages;
}

/* The one growth rule behind memory.grow and wasm_memory_grow. */
static wasm_err_t grow(wasm_memory_t *m, uint32_t delta, uint32_t *old_pages)
{
    uint32_t old = m->pages;
    *old_pages = old;
    if (delta == 0)
        return WASM_OK;
    uint64_t want = (uint64_t)old + delta;
    if (want > m->max_pages)
        return WASM_ERR_LIMIT;
    if (want * WASM_PAGE_SIZE > m->reserved && !backing_reserve(m, want))
        return WASM_ERR_NOMEM;
    m->pages = (uint32_t)want;
    m->size = want * WASM_PAGE_SIZE;
    mark_in_use(m);
    return WASM_OK;
}

int32_t wasm_memory_grow_pages(wasm_memory_t *m, uint32_t delta)
{
    uint32_t old;
    return grow(m, delta, &old) == WASM_OK ? (int32_t)old : -1;
}

wasm_err_t wasm_memory_grow(wasm_memory_t *m, uint32_t delta_pages, uint32_t *old_pages)
{
    uint32_t old = 0;
    wasm_err_t e = m ? grow(m, delta_pages, &old) : WASM_ERR_ARGS;
    if (old_pages)
        *old_pages = old;
    return e;
}

wasm_memory_t *wasm_instance_memory(wasm_instance_t *inst, uint32_t index)
{
    return index < inst->module->nmems ? inst->mems[index] : NULL;
}
