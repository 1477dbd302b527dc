/*
 * clock.c -- monotonic clock (CLOCK_MONOTONIC), the one time source of the
 * runtime so tests and ports can reason about a single clock.
 */
#include "platform/clock.h"

#include <time.h>

uint64_t mk_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t mk_clock_ms(void)
{
    return mk_clock_ns() / 1000000u;
}
