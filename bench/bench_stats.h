/*
 * bench_stats.h -- the median the benchmarks compare peers by, when a
 * measurement is repeated to damp the noise of a shared machine.
 */
#ifndef MK_BENCH_STATS_H
#define MK_BENCH_STATS_H

#include <stdlib.h>

#define BENCH_MAX_REPEATS 15 /* repeats a benchmark accepts on its command line */

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (n >= 1); sorts v in place. */
static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
