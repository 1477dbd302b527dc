/*
 * interp_helpers.h -- numeric helpers of the interpreter (spec 4.3: float
 * min/max, truncation range checks, saturating truncation, rotations) and
 * the fuel accounting of bulk instructions; included by interp.c only.
 */
#ifndef WASM_INTERP_HELPERS_H
#define WASM_INTERP_HELPERS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "wasm_internal.h"

/* ---- numeric helpers (spec 4.3) ---- */

/* The NaN min/max return when an operand is NaN (spec 4.3.3: any NaN,
 * canonical for canonical operands): the first NaN operand, quieted --
 * chosen explicitly, not by whichever operand order the C compiler gives
 * an addition, so that the JIT (jit_x64_ops.h) returns the same bits. */
static inline float f32_nan2(float a, float b)
{
    float r = isnan(a) ? a : b;
    uint32_t u;
    memcpy(&u, &r, 4);
    u |= 0x00400000u;
    memcpy(&r, &u, 4);
    return r;
}

static inline double f64_nan2(double a, double b)
{
    double r = isnan(a) ? a : b;
    uint64_t u;
    memcpy(&u, &r, 8);
    u |= 0x0008000000000000u;
    memcpy(&r, &u, 8);
    return r;
}

static inline float f32_min(float a, float b)
{
    if (isnan(a) || isnan(b))
        return f32_nan2(a, b);
    if (a == 0.0f && b == 0.0f)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline float f32_max(float a, float b)
{
    if (isnan(a) || isnan(b))
        return f32_nan2(a, b);
    if (a == 0.0f && b == 0.0f)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

static inline double f64_min(double a, double b)
{
    if (isnan(a) || isnan(b))
        return f64_nan2(a, b);
    if (a == 0.0 && b == 0.0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline double f64_max(double a, double b)
{
    if (isnan(a) || isnan(b))
        return f64_nan2(a, b);
    if (a == 0.0 && b == 0.0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Range checks for float -> int truncation: x must satisfy lo < x < hi. */
#define TRUNC_OK(x, lo, hi) ((x) > (lo) && (x) < (hi))

static inline uint32_t sat_i32_s(double d)
{
    if (isnan(d))
        return 0;
    if (d <= -2147483649.0)
        return 0x80000000u;
    if (d >= 2147483648.0)
        return 0x7FFFFFFFu;
    return (uint32_t)(int32_t)d;
}

static inline uint32_t sat_i32_u(double d)
{
    if (isnan(d) || d <= -1.0)
        return 0;
    if (d >= 4294967296.0)
        return 0xFFFFFFFFu;
    return (uint32_t)d;
}

static inline uint64_t sat_i64_s(double d)
{
    if (isnan(d))
        return 0;
    if (d < -9223372036854775808.0)
        return 0x8000000000000000ull;
    if (d >= 9223372036854775808.0)
        return 0x7FFFFFFFFFFFFFFFull;
    return (uint64_t)(int64_t)d;
}

static inline uint64_t sat_i64_u(double d)
{
    if (isnan(d) || d <= -1.0)
        return 0;
    if (d >= 18446744073709551616.0)
        return 0xFFFFFFFFFFFFFFFFull;
    return (uint64_t)d;
}

static inline uint32_t rotl32(uint32_t a, uint32_t k)
{
    k &= 31;
    return (a << k) | (a >> ((32 - k) & 31));
}

static inline uint32_t rotr32(uint32_t a, uint32_t k)
{
    k &= 31;
    return (a >> k) | (a << ((32 - k) & 31));
}

static inline uint64_t rotl64(uint64_t a, uint64_t k)
{
    k &= 63;
    return (a << k) | (a >> ((64 - k) & 63));
}

static inline uint64_t rotr64(uint64_t a, uint64_t k)
{
    k &= 63;
    return (a >> k) | (a << ((64 - k) & 63));
}

/* ---- fuel of bulk instructions (DESIGN.md "Fuel") ---- */

/* How many of the `n` bytes or elements a bulk instruction may process now:
 * all of them when the budget covers ceil(n / per_unit) units (charged),
 * else as many as the positive budget pays for (the budget drops to 0), or
 * 0 when it is already spent (nothing charged: the caller preempts). */
static inline uint32_t bulk_take(int64_t *fuel, uint32_t n, uint32_t per_unit)
{
    if (n == 0)
        return 0;
    int64_t cost = (int64_t)(((uint64_t)n + per_unit - 1) / per_unit);
    if (*fuel >= cost) {
        *fuel -= cost;
        return n;
    }
    if (*fuel <= 0)
        return 0;
    uint64_t part = (uint64_t)*fuel * per_unit; /* < n */
    *fuel = 0;
    return (uint32_t)part;
}

#endif
