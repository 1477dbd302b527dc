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

#endif
