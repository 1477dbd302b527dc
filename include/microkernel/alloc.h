/*
 * microkernel/alloc.h -- the allocator the runtime uses for all its memory.
 *
 * An extension of the seed API: a method table, so a program (or a test) can
 * count, limit or fail allocations. Set it before the first runtime_init()
 * and leave it until the last runtime_destroy(): memory must be freed by the
 * allocator that allocated it.
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
