/*
 * microkernel/alloc.h -- the allocator the runtime uses for all its memory.
 *
 * An extension of the seed API: a method table, so a program (or a test) can
 * count, limit or fail allocations. Set it before the first runtime_init()
 * and leave it until the last runtime_destroy(): memory must be freed by the
 * allocator that allocated it.
 *
 * What it sees: every allocation of the runtime, http, services, shell,
 * hardware, cloud, NATS and the WASM engine (tests/shell/test_alloc_failure.c
 * fails every Nth one across a shell session with KV and SQL traffic).
 * Not seen: message_create()'s payload, a malloc(3) block released by
 * free(3) (the original's layout, microkernel/message.h), and the memory the
 * libraries allocate for themselves (OpenSSL, SQLite, cJSON, c-ares,
 * libpng): what they return is copied or released with their own free.
 */
#ifndef MICROKERNEL_ALLOC_H
#define MICROKERNEL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mk_allocator {
    void *(*malloc)(size_t size);               /* as malloc(3) */
    void *(*calloc)(size_t count, size_t size); /* as calloc(3) */
    void *(*realloc)(void *ptr, size_t size);   /* as realloc(3) */
    void (*free)(void *ptr);                    /* as free(3) */
} mk_allocator_t;

/*
 * Install `allocator` (copied) for every later allocation of the library.
 * NULL restores the C library's malloc family. Not thread-safe: call it
 * while no runtime exists.
 */
void mk_set_allocator(const mk_allocator_t *allocator);

/*
 * Bounded memory mode (docs/mcu.md "Memory model"; issue 19, hive's rule
 * "all memory statically bounded"). mk_arena_init() hands the library one
 * caller-owned block of `bytes` bytes at `base`; from then on every
 * allocation of the library (mk_malloc & co, and message_create()'s
 * payload in an MK_BOUNDED build) is served from it and neither the
 * allocator above nor the C library's malloc is called. The block is cut
 * once, at this call, into:
 *   - fixed pools of 16, 32, ... MK_ARENA_POOL_MAX-byte blocks,
 *     MK_ARENA_POOL_BLOCKS of each (config.h; fewer when the pools would
 *     take more than half the block), O(1) take and give back;
 *   - the rest, a first-fit region with coalescing for larger or
 *     variable-size blocks (actor slots with their mailboxes, WASM module
 *     copies and code, linear memories, engine stacks), also used when a
 *     pool is empty.
 * Blocks are aligned for any type (max_align_t). When the arena cannot
 * serve a request the allocation returns NULL and the caller fails with
 * its usual error ("... out of memory ..." in mk_last_error()); nothing
 * crashes, and the refusal is counted (mk_arena_stats().refused).
 * Returns false (arena unchanged) for a NULL `base`, a block too small
 * for the per-kind pools plus 1 KiB of general region, a per-kind pool
 * under 32 bytes but not 0, or an arena already installed.
 * Process-wide and not thread-safe: install it before the first
 * runtime_init() and wasm_actors_init(), with every runtime on one thread
 * (a block allocated before it still goes back to its own allocator). `base` stays the
 * caller's; it must outlive the library's use of it.
 * An MK_BOUNDED build (CMake option MK_BOUNDED) never falls back to the
 * system allocator: without an arena every allocation fails, and
 * runtime_init() says so.
 */
bool mk_arena_init(void *base, size_t bytes);

/* The kinds of arena memory with a fixed pool of their own. */
typedef enum {
    MK_POOL_GENERAL = 0, /* everything else: size-class pools + general region */
    MK_POOL_MESSAGES,    /* message blocks and payloads (core/message.c) */
    MK_POOL_MAILBOXES,   /* an actor with its mailbox ring (core/actor.c, mailbox.c) */
    MK_POOL_WASM_MEMORY, /* WASM linear memories (wasm/engine/memory.c) */
    MK_POOL_WASM_STACKS, /* WASM value and call-frame stacks (wasm/engine/call.c) */
    MK_POOL_KINDS
} mk_pool_kind_t;

/* Bytes of each per-kind pool; 0 puts that kind in the general region. */
typedef struct {
    size_t messages;    /* MK_POOL_MESSAGES */
    size_t mailboxes;   /* MK_POOL_MAILBOXES */
    size_t wasm_memory; /* MK_POOL_WASM_MEMORY: 64 KiB per page + 16 bytes per memory */
    size_t wasm_stacks; /* MK_POOL_WASM_STACKS */
} mk_arena_layout_t;

/*
 * mk_arena_init() with the per-kind pool sizes in `layout` (bytes, rounded
 * down to the 16-byte alignment) instead of the config.h macros. Same
 * results as mk_arena_init(); false also for a NULL `layout`.
 */
bool mk_arena_init_layout(void *base, size_t bytes, const mk_arena_layout_t *layout);

/*
 * Give the arena back: later allocations use the allocator above again
 * (or fail, MK_BOUNDED). Returns false (arena kept) while blocks of it
 * are still allocated or when none is installed.
 */
bool mk_arena_release(void);

/* Counters of the installed arena, all in bytes unless said otherwise. */
typedef struct {
    size_t size;           /* usable bytes after alignment */
    size_t pool_bytes;     /* of which fixed pools */
    size_t in_use;         /* bytes of blocks now allocated (pool block or region block) */
    size_t peak;           /* highest in_use since mk_arena_init() */
    size_t largest_free;   /* largest free block of the region */
    unsigned long allocs;  /* allocations served (count) */
    unsigned long refused; /* allocations refused for want of room (count) */
} mk_arena_stats_t;

/* Fill `out` (the whole arena; largest_free is the general region's);
 * false (out untouched) when no arena is installed. */
bool mk_arena_stats(mk_arena_stats_t *out);

/* Counters of one pool, in bytes unless said otherwise. */
typedef struct {
    const char *name;      /* "message pool", ... (static) */
    size_t size;           /* bytes of the pool (0: the kind uses the general region) */
    size_t in_use;         /* bytes of its blocks now allocated, headers included */
    size_t peak;           /* highest in_use since mk_arena_init() */
    size_t largest_free;   /* largest block it can still give */
    unsigned long allocs;  /* allocations served (count) */
    unsigned long refused; /* allocations refused because it was full (count) */
} mk_arena_pool_stats_t;

/*
 * Fill `out` for the pool of `kind`. MK_POOL_GENERAL counts the size-class
 * pools and the general region together (its peak is then the sum of both
 * peaks, an upper bound). False (out untouched) when no arena is installed
 * or `kind` is out of range.
 */
bool mk_arena_pool_stats(mk_pool_kind_t kind, mk_arena_pool_stats_t *out);

#endif
