/*
 * workloads.c -- the benchmark's C workloads, compiled twice by the build:
 * natively (linked into wasm_bench) and to wasm32 with clang -O2 (loaded by
 * the engine). Each returns a checksum so both builds can be compared and
 * the work cannot be optimised away. No libc: memcpy/memset come from
 * bulk-memory instructions in wasm and builtins natively.
 */
#include <stdint.h>

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(#name)))
#else
#define EXPORT(name)
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

static uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

EXPORT(fib) uint32_t wl_fib(uint32_t n)
{
    return fib(n);
}

static uint8_t g_sieve[1 << 22];

EXPORT(sieve) uint32_t wl_sieve(uint32_t n)
{
    if (n > sizeof g_sieve)
        n = sizeof g_sieve;
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++)
        g_sieve[i] = 1;
    for (uint32_t i = 2; i < n; i++) {
        if (!g_sieve[i])
            continue;
        count++;
        for (uint32_t j = i + i; j < n; j += i)
            g_sieve[j] = 0;
    }
    return count;
}

#define MAXN 200
static int32_t g_ia[MAXN * MAXN], g_ib[MAXN * MAXN], g_ic[MAXN * MAXN];
static double g_da[MAXN * MAXN], g_db[MAXN * MAXN], g_dc[MAXN * MAXN];

EXPORT(matmul_int) uint32_t wl_matmul_int(uint32_t n)
{
    if (n > MAXN)
        n = MAXN;
    for (uint32_t i = 0; i < n * n; i++) {
        g_ia[i] = (int32_t)(i * 7 + 3) % 101;
        g_ib[i] = (int32_t)(i * 13 + 5) % 97;
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            int32_t s = 0;
            for (uint32_t k = 0; k < n; k++)
                s += g_ia[i * n + k] * g_ib[k * n + j];
            g_ic[i * n + j] = s;
        }
    uint32_t h = 0;
    for (uint32_t i = 0; i < n * n; i++)
        h = h * 31 + (uint32_t)g_ic[i];
    return h;
}

EXPORT(matmul_double) uint32_t wl_matmul_double(uint32_t n)
{
    if (n > MAXN)
        n = MAXN;
    for (uint32_t i = 0; i < n * n; i++) {
        g_da[i] = (double)(i % 101) * 0.5;
        g_db[i] = (double)(i % 97) * 0.25;
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            double s = 0;
            for (uint32_t k = 0; k < n; k++)
                s += g_da[i * n + k] * g_db[k * n + j];
            g_dc[i * n + j] = s;
        }
    double t = 0;
    for (uint32_t i = 0; i < n * n; i++)
        t += g_dc[i];
    return (uint32_t)(int64_t)t;
}

static const uint32_t k_sha[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(uint32_t st[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + k_sha[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
}

static uint8_t g_buf[1 << 20];

/* SHA-256 (compression only; n KiB of data, repeated over the buffer) */
EXPORT(sha256) uint32_t wl_sha256(uint32_t n)
{
    for (uint32_t i = 0; i < sizeof g_buf; i++)
        g_buf[i] = (uint8_t)(i * 2654435761u >> 24);
    uint32_t st[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint32_t blocks = n * 16;
    for (uint32_t b = 0; b < blocks; b++)
        sha_block(st, g_buf + (b * 64) % sizeof g_buf);
    return st[0] ^ st[7];
}

static int32_t g_arr[1 << 20];

static void qsort_i32(int32_t *a, int32_t lo, int32_t hi)
{
    while (lo < hi) {
        int32_t p = a[(lo + hi) / 2], i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p)
                i++;
            while (a[j] > p)
                j--;
            if (i <= j) {
                int32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        if (j - lo < hi - i) {
            qsort_i32(a, lo, j);
            lo = i;
        } else {
            qsort_i32(a, i, hi);
            hi = j;
        }
    }
}

EXPORT(quicksort) uint32_t wl_quicksort(uint32_t n)
{
    if (n > (1u << 20))
        n = 1u << 20;
    uint32_t x = 12345;
    for (uint32_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        g_arr[i] = (int32_t)(x % 1000000);
    }
    qsort_i32(g_arr, 0, (int32_t)n - 1);
    uint32_t h = 0;
    for (uint32_t i = 0; i < n; i += 97)
        h = h * 31 + (uint32_t)g_arr[i];
    return h;
}

typedef struct body {
    double x, y, z, vx, vy, vz, m;
} body_t;

EXPORT(nbody) uint32_t wl_nbody(uint32_t steps)
{
    body_t b[5] = {
        {0, 0, 0, 0, 0, 0, 39.47841760435743},
        {4.84, -1.16, -0.10, 0.606, 2.81, -0.02, 0.037},
        {8.34, 4.12, -0.40, -1.01, 1.82, 0.008, 0.011},
        {12.89, -15.11, -0.22, 1.08, 0.868, -0.01, 0.0017},
        {15.37, -25.91, 0.179, 0.979, 0.594, -0.034, 0.002},
    };
    const double dt = 0.01;
    for (uint32_t s = 0; s < steps; s++) {
        for (int i = 0; i < 5; i++)
            for (int j = i + 1; j < 5; j++) {
                double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = dt / (d2 * __builtin_sqrt(d2));
                b[i].vx -= dx * b[j].m * mag;
                b[i].vy -= dy * b[j].m * mag;
                b[i].vz -= dz * b[j].m * mag;
                b[j].vx += dx * b[i].m * mag;
                b[j].vy += dy * b[i].m * mag;
                b[j].vz += dz * b[i].m * mag;
            }
        for (int i = 0; i < 5; i++) {
            b[i].x += dt * b[i].vx;
            b[i].y += dt * b[i].vy;
            b[i].z += dt * b[i].vz;
        }
    }
    double e = 0;
    for (int i = 0; i < 5; i++)
        e += b[i].x + b[i].y + b[i].z;
    return (uint32_t)(int64_t)(e * 1000.0);
}

static uint8_t g_src[1 << 16], g_dst[1 << 16];

EXPORT(memops) uint32_t wl_memops(uint32_t n)
{
    uint32_t h = 0;
    for (uint32_t r = 0; r < n; r++) {
        __builtin_memset(g_src, (int)(r & 0xFF), sizeof g_src);
        for (uint32_t k = 0; k < 64; k++)
            __builtin_memcpy(g_dst + (k * 1000) % 32768, g_src + (k * 333) % 32768, 1024 + k * 64);
        h = h * 31 + g_dst[r % sizeof g_dst];
    }
    return h;
}

/* ---- CoreMark-like kernels, written here (not CoreMark's code): list
 * processing, small-matrix arithmetic, a state machine and CRC, the kinds
 * of work CoreMark mixes. ---- */

typedef struct node {
    struct node *next;
    int16_t value, index;
} node_t;

#define LIST_NODES 512
static node_t g_nodes[LIST_NODES];

static node_t *list_reverse(node_t *h)
{
    node_t *r = 0;
    while (h) {
        node_t *n = h->next;
        h->next = r;
        r = h;
        h = n;
    }
    return r;
}

static node_t *list_find(node_t *h, int16_t v)
{
    while (h && h->value != v)
        h = h->next;
    return h;
}

/* merge sort of a singly linked list by value (or index), no recursion */
static node_t *list_sort(node_t *h, int by_index)
{
    for (uint32_t k = 1;; k *= 2) {
        node_t *p = h, *tail = 0;
        h = 0;
        uint32_t merges = 0;
        while (p) {
            merges++;
            node_t *q = p;
            uint32_t ps = 0, qs = k;
            for (uint32_t i = 0; i < k && q; i++) {
                ps++;
                q = q->next;
            }
            while (ps > 0 || (qs > 0 && q)) {
                node_t *e;
                int take_p;
                if (ps == 0)
                    take_p = 0;
                else if (qs == 0 || !q)
                    take_p = 1;
                else
                    take_p = by_index ? p->index <= q->index : p->value <= q->value;
                if (take_p) {
                    e = p;
                    p = p->next;
                    ps--;
                } else {
                    e = q;
                    q = q->next;
                    qs--;
                }
                if (tail)
                    tail->next = e;
                else
                    h = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1)
            return h;
    }
}

EXPORT(list) uint32_t wl_list(uint32_t n)
{
    uint32_t x = 7, h = 0;
    node_t *head = 0;
    for (int i = LIST_NODES - 1; i >= 0; i--) {
        x = x * 1103515245u + 12345u;
        g_nodes[i].value = (int16_t)(x >> 16);
        g_nodes[i].index = (int16_t)i;
        g_nodes[i].next = head;
        head = &g_nodes[i];
    }
    for (uint32_t r = 0; r < n; r++) {
        for (int k = 0; k < 8; k++) {
            node_t *f = list_find(head, g_nodes[(r * 37 + k * 61) % LIST_NODES].value);
            h = h * 31 + (f ? (uint32_t)f->index : 0xFFFFu);
        }
        head = list_reverse(head);
        head = list_sort(head, 0);
        h = h * 31 + (uint32_t)(uint16_t)head->value;
        head = list_sort(head, 1);
        g_nodes[r % LIST_NODES].value ^= (int16_t)r; /* the next round differs */
    }
    return h;
}

#define MAT 24
static int16_t g_ma[MAT * MAT], g_mb[MAT * MAT];
static int32_t g_mc[MAT * MAT];

EXPORT(matrix) uint32_t wl_matrix(uint32_t n)
{
    uint32_t h = 0;
    for (uint32_t i = 0; i < MAT * MAT; i++) {
        g_ma[i] = (int16_t)((i * 29 + 7) & 0xFF);
        g_mb[i] = (int16_t)((i * 41 + 3) & 0xFF);
    }
    for (uint32_t r = 0; r < n; r++) {
        int16_t c = (int16_t)(r & 0x3F);
        for (uint32_t i = 0; i < MAT * MAT; i++) /* add a constant */
            g_ma[i] = (int16_t)(g_ma[i] + c);
        for (uint32_t i = 0; i < MAT * MAT; i++) /* times a constant */
            g_mc[i] = (int32_t)g_ma[i] * c;
        for (uint32_t i = 0; i < MAT; i++) { /* times a vector */
            int32_t s = 0;
            for (uint32_t j = 0; j < MAT; j++)
                s += (int32_t)g_ma[i * MAT + j] * g_mb[j];
            g_mc[i] = s;
        }
        for (uint32_t i = 0; i < MAT; i++) /* times a matrix, bit extraction */
            for (uint32_t j = 0; j < MAT; j++) {
                int32_t s = 0;
                for (uint32_t k = 0; k < MAT; k++)
                    s += ((int32_t)g_ma[i * MAT + k] * g_mb[k * MAT + j] >> 2) & 0x0FFF;
                g_mc[i * MAT + j] = s;
            }
        for (uint32_t i = 0; i < MAT * MAT; i++)
            h += (uint32_t)g_mc[i];
        for (uint32_t i = 0; i < MAT * MAT; i++) /* keep values small */
            g_ma[i] = (int16_t)(g_ma[i] & 0x1FF);
    }
    return h;
}

/* A scanner classifying comma-separated tokens: integer, float, scientific,
 * hex or invalid, counting states entered. */
enum {
    ST_START,
    ST_INT,
    ST_SIGN,
    ST_FLOAT,
    ST_EXP,
    ST_EXPSIGN,
    ST_SCI,
    ST_HEX0,
    ST_HEX,
    ST_BAD,
    ST_N
};

static uint8_t g_text[8192];

static const char *const k_tokens[] = {"5012",     "1234",   "-874",     "+122",     "35.54",
                                       "0.032",    "-110.7", "5.5e+3",   "-.123e-2", "-87e+832",
                                       "+0.6e-12", "0x1f",   "T0.3e-1F", "-T.T++Tq", "1T3.4e4z",
                                       "34.0e-T^", ".",      "0x",       "7e"};

EXPORT(state) uint32_t wl_state(uint32_t n)
{
    uint32_t len = 0, x = 1;
    while (len + 16 < sizeof g_text) {
        x = x * 1103515245u + 12345u;
        const char *t = k_tokens[(x >> 16) % (sizeof k_tokens / sizeof k_tokens[0])];
        while (*t)
            g_text[len++] = (uint8_t)*t++;
        g_text[len++] = ',';
    }
    uint32_t count[ST_N] = {0}, h = 0;
    for (uint32_t r = 0; r < n; r++) {
        int st = ST_START;
        for (uint32_t i = 0; i < len; i++) {
            uint8_t ch = g_text[i];
            if (ch == ',') {
                count[st]++;
                st = ST_START;
                continue;
            }
            int digit = ch >= '0' && ch <= '9';
            switch (st) {
            case ST_START:
                st = digit                      ? (ch == '0' ? ST_HEX0 : ST_INT)
                     : (ch == '+' || ch == '-') ? ST_SIGN
                     : ch == '.'                ? ST_FLOAT
                                                : ST_BAD;
                break;
            case ST_SIGN: st = digit ? ST_INT : ch == '.' ? ST_FLOAT : ST_BAD; break;
            case ST_HEX0:
                st = (ch == 'x' || ch == 'X') ? ST_HEX
                     : digit                  ? ST_INT
                     : ch == '.'              ? ST_FLOAT
                                              : ST_BAD;
                break;
            case ST_HEX:
                st = (digit || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')) ? ST_HEX
                                                                                     : ST_BAD;
                break;
            case ST_INT:
                st = digit ? ST_INT : ch == '.' ? ST_FLOAT : ch == 'e' ? ST_EXP : ST_BAD;
                break;
            case ST_FLOAT:
                st = digit ? ST_FLOAT : (ch == 'e' || ch == 'E') ? ST_EXP : ST_BAD;
                break;
            case ST_EXP:
                st = (ch == '+' || ch == '-') ? ST_EXPSIGN : digit ? ST_SCI : ST_BAD;
                break;
            case ST_EXPSIGN:
            case ST_SCI: st = digit ? ST_SCI : ST_BAD; break;
            default: break;
            }
        }
        g_text[(r * 131) % len] ^= 1; /* the next round differs */
    }
    for (int i = 0; i < ST_N; i++)
        h = h * 31 + count[i];
    return h;
}

/* CRC-16/CCITT and CRC-32, bit by bit, over a buffer. */
static uint8_t g_crcbuf[4096];

EXPORT(crc) uint32_t wl_crc(uint32_t n)
{
    for (uint32_t i = 0; i < sizeof g_crcbuf; i++)
        g_crcbuf[i] = (uint8_t)(i * 167 + (i >> 3));
    uint32_t h = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint16_t c16 = (uint16_t)r;
        uint32_t c32 = 0xFFFFFFFFu;
        for (uint32_t i = 0; i < sizeof g_crcbuf; i++) {
            uint8_t b = g_crcbuf[i];
            c16 ^= (uint16_t)(b << 8);
            c32 ^= b;
            for (int k = 0; k < 8; k++) {
                c16 = (uint16_t)((c16 & 0x8000) ? (c16 << 1) ^ 0x1021 : c16 << 1);
                c32 = (c32 & 1) ? (c32 >> 1) ^ 0xEDB88320u : c32 >> 1;
            }
        }
        h = h * 31 + (c16 ^ ~c32);
    }
    return h;
}

/* Calls through a table of function pointers (call_indirect in wasm). */
typedef uint32_t (*op_fn)(uint32_t, uint32_t);
static uint32_t op_add(uint32_t a, uint32_t b)
{
    return a + b;
}
static uint32_t op_xor(uint32_t a, uint32_t b)
{
    return a ^ (b << 1);
}
static uint32_t op_mul(uint32_t a, uint32_t b)
{
    return a * (b | 1);
}
static uint32_t op_rot(uint32_t a, uint32_t b)
{
    return (a << (b & 31)) | (a >> ((32 - b) & 31));
}
static uint32_t op_sub(uint32_t a, uint32_t b)
{
    return a - b;
}
static uint32_t op_min(uint32_t a, uint32_t b)
{
    return a < b ? a : b + 1;
}
static uint32_t op_and(uint32_t a, uint32_t b)
{
    return (a & b) + 3;
}
static uint32_t op_mix(uint32_t a, uint32_t b)
{
    return (a ^ (a >> 7)) + b;
}
static op_fn volatile g_ops[8] = {op_add, op_xor, op_mul, op_rot, op_sub, op_min, op_and, op_mix};

EXPORT(indirect) uint32_t wl_indirect(uint32_t n)
{
    uint32_t acc = 1;
    for (uint32_t i = 0; i < n; i++)
        acc = g_ops[(i ^ (acc >> 5)) & 7](acc, i);
    return acc;
}
