/*
 * clock.h -- monotonic time for the runtime.
 */
#ifndef MK_PLATFORM_CLOCK_H
#define MK_PLATFORM_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC (arbitrary origin, never goes back). */
uint64_t mk_clock_ms(void);
/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t mk_clock_ns(void);

#endif
