/*
 * alloc.c -- the replaceable allocator (see microkernel/alloc.h).
 *
 * A method table rather than direct malloc calls, so tests can count
 * allocations on the message path and inject out-of-memory failures.
 */
#include "core/alloc_internal.h"
#include "platform/mem.h"

#include <stdlib.h>
#include <string.h>

static mk_allocator_t current = {malloc, calloc, realloc, free};

void mk_set_allocator(const mk_allocator_t *allocator)
{
    if (allocator)
        current = *allocator;
    else
        current = (mk_allocator_t){malloc, calloc, realloc, free};
}

void *mk_malloc(size_t size)
{
    return current.malloc(size);
}

void *mk_calloc(size_t count, size_t size)
{
    return current.calloc(count, size);
}

void *mk_realloc(void *ptr, size_t size)
{
    return current.realloc(ptr, size);
}

void mk_free(void *ptr)
{
    current.free(ptr);
}

/* The platform layer's memory (platform/mem.h): the same hooks. */
void *mk_platform_realloc(void *ptr, size_t size)
{
    return current.realloc(ptr, size);
}

void mk_platform_free(void *ptr)
{
    current.free(ptr);
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
