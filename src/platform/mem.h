/*
 * mem.h -- the memory the platform layer may use, supplied from above.
 *
 * The platform includes no core header (docs: ../shared/DESIGN.md,
 * "Layers"), yet its memory must reach the user's allocation hooks
 * (include/microkernel/alloc.h) like the rest of the library's. So the
 * platform only declares these two functions and the core defines them
 * (src/core/alloc.c) on top of mk_realloc / mk_free. A port that links the
 * platform without the core must define them itself.
 */
#ifndef MK_PLATFORM_MEM_H
#define MK_PLATFORM_MEM_H

#include <stddef.h>

/* realloc(3) semantics (p may be NULL; n > 0), through the user's hooks.
 * NULL when memory runs out; p is then still valid. */
void *mk_platform_realloc(void *p, size_t n);
/* free(3) semantics, through the user's hooks; NULL is allowed. */
void mk_platform_free(void *p);

#endif
