/*
 * observer_overhead.h -- the web observer's cost on ping-pong, printed by
 * actor_bench (observer_overhead.c).
 */
#ifndef MK_BENCH_OBSERVER_OVERHEAD_H
#define MK_BENCH_OBSERVER_OVERHEAD_H

#include <stdbool.h>

/* Measure and print the three configurations (no observer, idle, one
 * client); `quick`: tiny counts, one run each (a smoke test). */
void observer_overhead_print(bool quick);

#endif
