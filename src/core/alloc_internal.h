/*
 * alloc_internal.h -- the library's allocation entry points; all runtime
 * memory goes through the allocator installed by mk_set_allocator().
 */
#ifndef MK_CORE_ALLOC_INTERNAL_H
#define MK_CORE_ALLOC_INTERNAL_H

#include <stddef.h>

#include "microkernel/alloc.h"

void *mk_malloc(size_t size);
void *mk_calloc(size_t count, size_t size);
void *mk_realloc(void *ptr, size_t size);
void mk_free(void *ptr);
/* strdup through the library allocator; NULL when out of memory. */
char *mk_strdup(const char *s);
/* The first `n` bytes of `s` (which need no NUL among them) and a NUL,
 * through the library allocator; NULL when out of memory. */
char *mk_strndup(const char *s, size_t n);
/* True while mk_arena_init()'s arena serves the allocations. */
bool mk_arena_active(void);

#endif
