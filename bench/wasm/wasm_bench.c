/*
 * wasm_bench.c -- the engine against native code: runs each workload of
 * workloads.c natively and inside the engine (workloads.wasm, built by
 * clang --target=wasm32 -O2), with machine code (the JIT, where built and
 * not turned off by MK_WASM_JIT=0) and with the interpreter alone, one
 * after the other for each workload, and prints the times (CPU time, best
 * of 3 native and 2 engine runs in the same process), the ratios and their
 * geometric means; then times
 * compile+instantiate of a generated 1 MB module, and the time and memory of 10,000 instantiations
 * of a small compiled module. A benchmark, not a test: it prints figures and fails only on
 * mismatches.
 *
 * Environment: WASM_BENCH_ONLY=name[,name...] runs only those workloads (and
 * skips the module and instantiation figures), for profiling one kernel;
 * WASM_BENCH_RUNS=n times each engine run n times (default 2, best kept),
 * for A/B comparisons on a noisy machine.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasm_config.h"
#include "wasm_engine.h"
#include "wasm_internal.h"

#if WASM_IR_PROFILE
extern unsigned long long wasm_ir_profile_ops; /* interp.c, counted per dispatch */
extern unsigned long long wasm_ir_profile_pairs[];
extern const char *const wasm_ir_profile_names[];
extern const unsigned wasm_ir_profile_nops;

/* The `k` most frequent consecutive op pairs since the last call (then
 * cleared): where a superinstruction would remove the most dispatches. */
static void print_top_pairs(int k, int runs)
{
    unsigned n = wasm_ir_profile_nops;
    for (int j = 0; j < k; j++) {
        unsigned long long best = 0;
        unsigned bi = 0;
        for (unsigned i = 0; i < n * n; i++)
            if (wasm_ir_profile_pairs[i] > best) {
                best = wasm_ir_profile_pairs[i];
                bi = i;
            }
        if (!best)
            break;
        printf("    %8.2f M  %s -> %s\n", (double)best / (runs * 1e6),
               wasm_ir_profile_names[bi / n], wasm_ir_profile_names[bi % n]);
        wasm_ir_profile_pairs[bi] = 0;
    }
    memset(wasm_ir_profile_pairs, 0, (size_t)n * n * sizeof *wasm_ir_profile_pairs);
}
#endif

uint32_t wl_fib(uint32_t n);
uint32_t wl_sieve(uint32_t n);
uint32_t wl_matmul_int(uint32_t n);
uint32_t wl_matmul_double(uint32_t n);
uint32_t wl_sha256(uint32_t n);
uint32_t wl_quicksort(uint32_t n);
uint32_t wl_nbody(uint32_t n);
uint32_t wl_memops(uint32_t n);
uint32_t wl_list(uint32_t n);
uint32_t wl_matrix(uint32_t n);
uint32_t wl_state(uint32_t n);
uint32_t wl_crc(uint32_t n);
uint32_t wl_indirect(uint32_t n);

typedef struct workload {
    const char *name;
    uint32_t (*native)(uint32_t);
    uint32_t arg;
} workload_t;

static const workload_t k_workloads[] = {
    {"fib", wl_fib, 32},
    {"sieve", wl_sieve, 4000000},
    {"matmul_int", wl_matmul_int, 200},
    {"matmul_double", wl_matmul_double, 200},
    {"sha256", wl_sha256, 4096},
    {"quicksort", wl_quicksort, 1000000},
    {"nbody", wl_nbody, 1000000},
    {"memops", wl_memops, 3000},
    {"list", wl_list, 2000},
    {"matrix", wl_matrix, 1000},
    {"state", wl_state, 1000},
    {"crc", wl_crc, 200},
    {"indirect", wl_indirect, 5000000},
};

/* CPU time of this thread: the machine is shared, wall time is not fair. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long rss_kib(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* ---- a byte buffer for generated modules ---- */
typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf_t;

static void put(buf_t *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put_u8(buf_t *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_leb(buf_t *b, uint32_t v)
{
    do {
        uint8_t x = v & 0x7F;
        v >>= 7;
        put_u8(b, (uint8_t)(x | (v ? 0x80 : 0)));
    } while (v);
}

static void put_section(buf_t *b, uint8_t id, const buf_t *s)
{
    put_u8(b, id);
    put_leb(b, (uint32_t)s->n);
    put(b, s->p, s->n);
}

/* A module of `nfuncs` functions (i32)->i32 of ~5*ops bytes each. */
static buf_t make_big_module(uint32_t nfuncs, uint32_t ops)
{
    buf_t m = {0}, s = {0};
    static const uint8_t hdr[] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    put(&m, hdr, sizeof hdr);
    static const uint8_t types[] = {0x01, 0x60, 0x01, 0x7F, 0x01, 0x7F};
    put(&s, types, sizeof types);
    put_section(&m, 1, &s);
    s.n = 0;
    put_leb(&s, nfuncs);
    for (uint32_t i = 0; i < nfuncs; i++)
        put_u8(&s, 0);
    put_section(&m, 3, &s);
    s.n = 0;
    static const uint8_t exp[] = {0x01, 0x01, 'f', 0x00, 0x00};
    put(&s, exp, sizeof exp);
    put_section(&m, 7, &s);
    s.n = 0;
    put_leb(&s, nfuncs);
    buf_t body = {0};
    for (uint32_t i = 0; i < nfuncs; i++) {
        body.n = 0;
        put_u8(&body, 0); /* no locals */
        for (uint32_t k = 0; k < ops; k++) {
            static const uint8_t op[] = {0x20, 0x00, 0x41, 0x07, 0x6A, 0x21, 0x00}; /* x = x + 7 */
            put(&body, op, sizeof op);
        }
        static const uint8_t end[] = {0x20, 0x00, 0x0B};
        put(&body, end, sizeof end);
        put_leb(&s, (uint32_t)body.n);
        put(&s, body.p, body.n);
    }
    put_section(&m, 10, &s);
    free(body.p);
    free(s.p);
    return m;
}

static const uint8_t k_small_module[] = {
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, /* header */
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7F,       /* type () -> i32 */
    0x03, 0x02, 0x01, 0x00,                         /* one function */
    0x05, 0x04, 0x01, 0x01, 0x00, 0x01,             /* memory 0..1 pages */
    0x06, 0x06, 0x01, 0x7F, 0x01, 0x41, 0x2A, 0x0B, /* global mut i32 = 42 */
    0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,       /* export "f" */
    0x0A, 0x06, 0x01, 0x04, 0x00, 0x23, 0x00, 0x0B, /* f: global.get 0 */
};

/* Whether workload `name` is in the comma-separated list `only` (NULL: all). */
static int selected(const char *only, const char *name)
{
    if (!only)
        return 1;
    size_t n = strlen(name);
    for (const char *p = only; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0)
            return 1;
        p += len + (e ? 1 : 0);
    }
    return 0;
}

/* The engine's ways of running a module: with machine code (where the
 * JIT is built and on) and the interpreter alone. */
typedef struct engine {
    const char *name;
    wasm_module_t *m;
    wasm_instance_t *inst;
    double logsum;
} engine_t;

static bool engine_load(engine_t *e, const char *name, bool jit, const uint8_t *bytes, size_t len)
{
    wasm_error_t err;
    bool was = wasm_jit_set(jit);
    uint32_t hot = wasm_jit_hot();
    wasm_jit_set_hot(0); /* machine code from the first run, not after a tier-up */
    e->name = name;
    e->logsum = 0;
    e->m = wasm_module_compile(bytes, len, &err);
    wasm_jit_set_hot(hot);
    wasm_jit_set(was);
    if (!e->m) {
        fprintf(stderr, "wasm_bench: %s\n", err.message);
        return false;
    }
    e->inst = wasm_instance_new(e->m, NULL, 0, NULL, &err);
    if (!e->inst || wasm_instance_initialize(e->inst) != WASM_STATUS_OK) {
        fprintf(stderr, "wasm_bench: instantiate: %s\n", err.message);
        return false;
    }
    return true;
}

/* Best engine time of `runs` (seconds), or a negative value on a wrong
 * result. */
static double engine_time(engine_t *e, const workload_t *w, uint32_t want, int runs)
{
    wasm_value_t arg = {.u32 = w->arg}, res = {.u64 = 0};
    double dt = 1e9;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        wasm_status_t st = wasm_call_export(e->inst, w->name, &arg, 1, &res, 1);
        double t = now() - t0;
        if (st != WASM_STATUS_OK || res.u32 != want) {
            fprintf(stderr, "wasm_bench: %s (%s): status %d, result %u, native %u\n", w->name,
                    e->name, (int)st, res.u32, want);
            return -1;
        }
        if (t < dt)
            dt = t;
    }
    return dt;
}

static int bench_workloads(const char *path, const char *only, int runs)
{
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "wasm_bench: cannot read %s\n", path);
        return 1;
    }
    engine_t eng[2];
    int ne = 0;
    bool ok = true;
    if (WASM_JIT && wasm_jit_enabled())
        ok = engine_load(&eng[ne++], "jit", true, bytes, len);
    ok = ok && engine_load(&eng[ne++], "interp", false, bytes, len);
    free(bytes);
    if (!ok)
        return 1;
    printf("%-14s %12s", "workload", "native ms");
    for (int e = 0; e < ne; e++)
        printf(" %9s ms %8s", eng[e].name, "ratio");
    printf("\n");
    int n = 0, bad = 0;
    for (size_t i = 0; i < sizeof k_workloads / sizeof k_workloads[0]; i++) {
        const workload_t *w = &k_workloads[i];
        if (!selected(only, w->name))
            continue;
        double best_native = 1e9;
        uint32_t want = 0;
        for (int r = 0; r < 3; r++) {
            double t0 = now();
            want = w->native(w->arg);
            double dt = now() - t0;
            if (dt < best_native)
                best_native = dt;
        }
        double dt[2];
#if WASM_IR_PROFILE
        unsigned long long ops0 = wasm_ir_profile_ops;
#endif
        bool wrong = false;
        for (int e = 0; e < ne; e++)
            wrong |= (dt[e] = engine_time(&eng[e], w, want, runs)) < 0;
        if (wrong) {
            bad++;
            continue;
        }
        printf("%-14s %12.2f", w->name, best_native * 1e3);
        for (int e = 0; e < ne; e++) {
            printf(" %12.2f %8.2f", dt[e] * 1e3, dt[e] / best_native);
            eng[e].logsum += log(dt[e] / best_native);
        }
#if WASM_IR_PROFILE
        printf(" %10.1f M IR ops", (double)(wasm_ir_profile_ops - ops0) / (runs * 1e6));
#endif
        printf("\n");
#if WASM_IR_PROFILE
        print_top_pairs(12, runs);
#endif
        n++;
    }
    if (n) {
        printf("%-14s %12s", "geomean", "");
        for (int e = 0; e < ne; e++)
            printf(" %12s %8.2f", "", exp(eng[e].logsum / n));
        printf("\n");
    }
    for (int e = 0; e < ne; e++) {
        wasm_instance_free(eng[e].inst);
        wasm_module_free(eng[e].m);
    }
    return bad;
}

static void bench_big_module(bool jit)
{
    buf_t big = make_big_module(1500, 100);
    double t0 = now();
    wasm_error_t err;
    bool was = wasm_jit_set(jit);
    uint32_t hot = wasm_jit_hot();
    wasm_jit_set_hot(0); /* the machine code made now, not on tier-up */
    wasm_module_t *m = wasm_module_compile(big.p, big.n, &err);
    wasm_jit_set_hot(hot);
    wasm_jit_set(was);
    double t1 = now();
    wasm_instance_t *inst = m ? wasm_instance_new(m, NULL, 0, NULL, &err) : NULL;
    wasm_status_t st = inst ? wasm_instance_initialize(inst) : WASM_STATUS_ERROR;
    double t2 = now();
    if (!m || st != WASM_STATUS_OK)
        printf("1 MB module: FAILED: %s\n", err.message);
    else
        printf("compile+instantiate %.2f MB module (1500 functions), %s: %.2f ms (compile "
               "%.2f ms)\n",
               (double)big.n / 1048576.0, jit ? "machine code at once" : "interpreter only",
               (t2 - t0) * 1e3, (t1 - t0) * 1e3);
    wasm_instance_free(inst);
    wasm_module_free(m);
    free(big.p);
}

static void bench_instantiate(void)
{
    enum { N = 10000 };
    wasm_error_t err;
    wasm_module_t *m = wasm_module_compile(k_small_module, sizeof k_small_module, &err);
    if (!m) {
        printf("small module: FAILED: %s\n", err.message);
        return;
    }
    wasm_instance_t **insts = calloc(N, sizeof *insts);
    long rss0 = rss_kib();
    double t0 = now();
    for (int i = 0; i < N; i++) {
        insts[i] = wasm_instance_new(m, NULL, 0, NULL, &err);
        if (!insts[i] || wasm_instance_initialize(insts[i]) != WASM_STATUS_OK) {
            printf("instantiate: FAILED\n");
            return;
        }
    }
    double t1 = now();
    long rss1 = rss_kib();
    /* first call allocates each instance's value stack */
    double t2 = now();
    for (int i = 0; i < N; i++) {
        wasm_value_t r;
        wasm_call_export(insts[i], "f", NULL, 0, &r, 1);
    }
    double t3 = now();
    long rss2 = rss_kib();
    printf("instantiate small module x%d: %.2f us each, %ld KiB RSS total (%.0f bytes each); "
           "first call %.2f us each, RSS after calls +%ld KiB\n",
           N, (t1 - t0) * 1e6 / N, rss1 - rss0, (double)(rss1 - rss0) * 1024.0 / N,
           (t3 - t2) * 1e6 / N, rss2 - rss1);
    for (int i = 0; i < N; i++)
        wasm_instance_free(insts[i]);
    free(insts);
    wasm_module_free(m);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : WASM_BENCH_MODULE;
    const char *only = getenv("WASM_BENCH_ONLY");
    const char *runs_s = getenv("WASM_BENCH_RUNS");
    int runs = runs_s ? atoi(runs_s) : 2;
    if (runs < 1)
        runs = 1;
    int bad = bench_workloads(path, only, runs);
    if (!only) {
        if (WASM_JIT && wasm_jit_enabled())
            bench_big_module(true);
        bench_big_module(false);
        bench_instantiate();
    }
    return bad ? 1 : 0;
}
