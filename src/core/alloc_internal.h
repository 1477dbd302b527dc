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
/* mk_malloc & co for memory of kind `kind`: from that kind's fixed pool
 * when an arena with one is installed (a block that does not fit is
 * refused, never taken elsewhere), else as mk_malloc. mk_realloc_in keeps
 * a block in the pool it came from; `kind` only matters for a NULL `ptr`.
 * mk_free releases any of them. */
void *mk_malloc_in(mk_pool_kind_t kind, size_t size);
void *mk_calloc_in(mk_pool_kind_t kind, size_t count, size_t size);
void *mk_realloc_in(mk_pool_kind_t kind, void *ptr, size_t size);
/* The reason for the last refused allocation, for a caller's error text:
 * "out of memory", or with an arena that refused, the pool that was full
 * ("out of memory (message pool full: MK_BOUNDED_MESSAGE_POOL_BYTES 32768)").
 * A static buffer, valid until the next call. */
const char *mk_arena_oom(void);
/* True while mk_arena_init()'s arena serves the allocations. */
bool mk_arena_active(void);

#endif
