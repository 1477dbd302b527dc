/*
 * jit_x64_ops.h -- the JIT's code for numeric ops
 * (spec 4.3: integer and float arithmetic, compares, conversions with their
 * traps left to the interpreter) and memory access (spec 4.4.7: every
 * access bounds-checked against the memory's size).
 * Included by jit_x64.c only (one translation unit: the helpers stay
 * static and inline).
 */
#ifndef WASM_JIT_X64_OPS_H
#define WASM_JIT_X64_OPS_H

/* ---- ops ---- */

/* i32/i64 binary ops: x86 ALU group digit (add 0, or 1, and 4, sub 5,
 * xor 6) or -1 */
static int alu_digit(uint32_t op, int *w)
{
    static const struct {
        uint16_t op;
        int8_t dig;
    } k[] = {
        {WASM_OP_I32_ADD, 0}, {WASM_OP_I32_SUB, 5}, {WASM_OP_I32_AND, 4}, {WASM_OP_I32_OR, 1},
        {WASM_OP_I32_XOR, 6}, {WASM_OP_I64_ADD, 0}, {WASM_OP_I64_SUB, 5}, {WASM_OP_I64_AND, 4},
        {WASM_OP_I64_OR, 1},  {WASM_OP_I64_XOR, 6},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (k[i].op == op) {
            *w = op >= WASM_OP_I64_CLZ;
            return k[i].dig;
        }
    return -1;
}

static void op_alu(jit_t *J, int w, int dig)
{
    jbuf_t *j = &J->j;
    val_t b = pop(J), a = pop(J);
    int r;
    bool commut = dig != 5;
    if (commut && a.kind != V_REG && b.kind == V_REG && b.reg < 16) {
        val_t t = a;
        a = b;
        b = t;
    }
    if (a.kind == V_REG && a.reg < 16) {
        r = a.reg;
    } else {
        r = alloc_reg(J, false, bit_of(&b));
        load_int(J, w, r, &a);
    }
    if (b.kind == V_CONST && (!w || fits32s(b.k))) {
        enc(j, 0, w, 0x81, 1, dig, R(r), 0);
        put32(j, (uint32_t)b.k);
    } else {
        enc(j, 0, w, (uint32_t)(dig * 8 + 3), 1, r, src_int(J, w, &b, R11), 0);
    }
    push(J, vreg(r));
}

static void op_mul(jit_t *J, int w)
{
    jbuf_t *j = &J->j;
    val_t b = pop(J), a = pop(J);
    if (a.kind == V_CONST || (b.kind == V_REG && b.reg < 16 && a.kind != V_REG)) {
        val_t t = a;
        a = b;
        b = t;
    }
    int r;
    if (b.kind == V_CONST && (!w || fits32s(b.k))) {
        r = alloc_reg(J, false, 0); /* imul r, a, imm reads a first */
        enc(j, 0, w, 0x69, 1, r, src_int(J, w, &a, R11), 0);
        put32(j, (uint32_t)b.k);
    } else {
        if (a.kind == V_REG && a.reg < 16) {
            r = a.reg;
        } else {
            r = alloc_reg(J, false, bit_of(&b));
            load_int(J, w, r, &a);
        }
        enc(j, 0, w, 0x0FAF, 2, r, src_int(J, w, &b, R11), 0);
    }
    push(J, vreg(r));
}

/* shl 4, shr 5, sar 7, rol 0, ror 1 */
static void op_shift(jit_t *J, int w, int dig)
{
    jbuf_t *j = &J->j;
    val_t b = pop(J), a = pop(J);
    int r;
    if (a.kind == V_REG && a.reg < 16) {
        r = a.reg;
    } else {
        r = alloc_reg(J, false, bit_of(&b));
        load_int(J, w, r, &a);
    }
    if (b.kind == V_CONST) {
        enc(j, 0, w, 0xC1, 1, dig, R(r), 0);
        put(j, (uint8_t)(b.k & (w ? 63 : 31)));
    } else {
        load_int(J, 0, RCX, &b);
        enc(j, 0, w, 0xD3, 1, dig, R(r), 0);
    }
    push(J, vreg(r));
}

/* Compare the two top values (cmp a, b) and leave the flags. */
static void cmp_top(jit_t *J, int w)
{
    jbuf_t *j = &J->j;
    val_t b = pop(J), a = pop(J);
    if (a.kind == V_REG && a.reg < 16) {
        if (b.kind == V_CONST && (!w || fits32s(b.k))) {
            enc(j, 0, w, 0x81, 1, 7, R(a.reg), 0);
            put32(j, (uint32_t)b.k);
        } else {
            enc(j, 0, w, 0x3B, 1, a.reg, src_int(J, w, &b, R11), 0);
        }
        return;
    }
    if (b.kind == V_CONST && (!w || fits32s(b.k))) {
        enc(j, 0, w, 0x81, 1, 7, src_int(J, w, &a, R11), 0);
        put32(j, (uint32_t)b.k);
        return;
    }
    if (b.kind == V_REG && b.reg < 16) {
        enc(j, 0, w, 0x39, 1, b.reg, src_int(J, w, &a, R11), 0);
        return;
    }
    load_int(J, w, R11, &a);
    enc(j, 0, w, 0x3B, 1, R11, src_int(J, w, &b, RCX), 0);
}

/* Test the top value against 0 (flags: E when zero). */
static void test_top(jit_t *J, int w)
{
    jbuf_t *j = &J->j;
    val_t a = pop(J);
    if (a.kind == V_REG && a.reg < 16) {
        enc(j, 0, w, 0x85, 1, a.reg, R(a.reg), 0);
    } else if (a.kind == V_LOCAL || a.kind == V_MEM) {
        enc(j, 0, w, 0x83, 1, 7, mem_of(J, &a), 0);
        put(j, 0);
    } else {
        load_int(J, w, R11, &a);
        enc(j, 0, w, 0x85, 1, R11, R(R11), 0);
    }
}

/* Push the flags' condition cc as 0/1. */
static void push_cc(jit_t *J, int cc)
{
    jbuf_t *j = &J->j;
    enc(j, 0, 0, 0x0F90 | (uint32_t)cc, 2, 0, R(RCX), BYTE_RM); /* setcc cl */
    int r = alloc_reg(J, false, 0);
    enc(j, 0, 0, 0x0FB6, 2, r, R(RCX), BYTE_RM); /* movzx r32, cl */
    push(J, vreg(r));
}

/* i32/i64 compares: x86 condition per op (after cmp a, b) */
static int int_cc(uint32_t op, int *w)
{
    static const uint8_t k[10] = {CC_E, CC_NE, CC_L, CC_B, CC_G, CC_A, CC_LE, CC_BE, CC_GE, CC_AE};
    if (op >= WASM_OP_I32_EQ && op <= WASM_OP_I32_GE_U) {
        *w = 0;
        return k[op - WASM_OP_I32_EQ];
    }
    if (op >= WASM_OP_I64_EQ && op <= WASM_OP_I64_GE_U) {
        *w = 1;
        return k[op - WASM_OP_I64_EQ];
    }
    return -1;
}

/* Float compares: ucomis[sd] with operands in the order that makes each a
 * single "above" test (unordered sets CF, so it is false); eq/ne need PF. */
static int float_cmp(jit_t *J, uint32_t op)
{
    bool f64 = op >= WASM_OP_F64_EQ;
    uint32_t k = op - (f64 ? WASM_OP_F64_EQ : WASM_OP_F32_EQ); /* eq ne lt gt le ge */
    val_t b = pop(J), a = pop(J);
    bool swap = k == 2 || k == 4; /* lt, le: b > a, b >= a */
    val_t *x = swap ? &b : &a, *y = swap ? &a : &b;
    load_xmm(J, 7, x);
    enc(&J->j, f64 ? 0x66 : 0, 0, 0x0F2E, 2, 7, src_xmm(J, y, 6), 0);
    static const int8_t cc[6] = {-1, -2, CC_A, CC_A, CC_AE, CC_AE};
    return cc[k];
}

static void push_float_cc(jit_t *J, int cc)
{
    jbuf_t *j = &J->j;
    if (cc >= 0) {
        push_cc(J, cc);
        return;
    }
    /* eq: ZF and not PF; ne: not ZF or PF */
    enc(j, 0, 0, 0x0F90 | (uint32_t)(cc == -1 ? CC_E : CC_NE), 2, 0, R(RCX), BYTE_RM);
    enc(j, 0, 0, 0x0F90 | (uint32_t)(cc == -1 ? CC_NP : CC_P), 2, 0, R(R11), BYTE_RM);
    enc(j, 0, 0, cc == -1 ? 0x20 : 0x08, 1, R11, R(RCX), BYTE_RM | BYTE_REG); /* and/or cl, r11b */
    int r = alloc_reg(J, false, 0);
    enc(j, 0, 0, 0x0FB6, 2, r, R(RCX), BYTE_RM);
    push(J, vreg(r));
}

static void float_bin(jit_t *J, bool f64, uint32_t opc)
{
    val_t b = pop(J), a = pop(J);
    int r;
    if (a.kind == V_REG && a.reg >= 16) {
        r = a.reg;
    } else {
        r = alloc_reg(J, true, bit_of(&b));
        load_xmm(J, r - 16, &a);
    }
    enc(&J->j, f64 ? 0xF2 : 0xF3, 0, opc, 2, r - 16, src_xmm(J, &b, 7), 0);
    push(J, vreg(r));
}

/* f32/f64 min and max as wasm defines them (spec 4.3.3 fmin, fmax), bit
 * for bit as interp_helpers.h computes them: a NaN operand gives the first
 * NaN operand, quieted; equal operands, +0 and -0 included, the OR (min:
 * -0 wins) or AND (max: +0 wins) of their bits; otherwise minss/minsd
 * (a < b ? a : b) or maxss/maxsd (a > b ? a : b). */
static void float_minmax(jit_t *J, bool f64, bool max)
{
    jbuf_t *j = &J->j;
    val_t b = pop(J), a = pop(J);
    load_xmm(J, 7, &b);
    int r = (a.kind == V_REG && a.reg >= 16) ? a.reg : alloc_reg(J, true, 0);
    load_xmm(J, r - 16, &a);
    int x = r - 16, pfx = f64 ? 0xF2 : 0xF3;
    enc(j, f64 ? 0x66 : 0, 0, 0x0F2E, 2, x, R(7), 0); /* ucomisd / ucomiss */
    size_t nan = jcc32(j, CC_P);
    size_t ne = jcc32(j, CC_NE);
    enc(j, 0x66, 0, max ? 0x0F54 : 0x0F56, 2, x, R(7), 0); /* andpd / orpd */
    size_t done = jmp32(j);
    link32(j, ne, j->len);
    enc(j, pfx, 0, max ? 0x0F5F : 0x0F5D, 2, x, R(7), 0); /* max / min */
    size_t done2 = jmp32(j);
    link32(j, nan, j->len);
    enc(j, f64 ? 0x66 : 0, 0, 0x0F2E, 2, x, R(x), 0); /* a NaN? */
    size_t keep = jcc32(j, CC_P);
    enc(j, 0x66, 0, 0x0F28, 2, x, R(7), 0); /* no: b (movapd) */
    link32(j, keep, j->len);
    mov_imm(j, R11, f64 ? 0x0008000000000000u : 0x00400000u); /* the quiet bit */
    enc(j, 0x66, 1, 0x0F6E, 2, 7, R(R11), 0);                 /* movq xmm7, r11 */
    enc(j, 0x66, 0, 0x0F56, 2, x, R(7), 0);                   /* orpd */
    link32(j, done, j->len);
    link32(j, done2, j->len);
    push(J, vreg(r));
}

/* copysign (spec 4.3.3 fcopysign) on the bits in general registers: a
 * without its sign bit, OR b's sign bit (NaN payloads kept, as libm's). */
static void float_copysign(jit_t *J, int w)
{
    jbuf_t *j = &J->j;
    val_t b = pop(J), a = pop(J);
    int r = alloc_reg(J, false, bit_of(&b));
    load_int(J, w, R11, &b);
    load_int(J, w, r, &a);
    enc(j, 0, w, 0x0FBA, 2, 6, R(r), 0); /* btr r, sign */
    put(j, w ? 63 : 31);
    if (w) {
        enc(j, 0, 1, 0xC1, 1, 5, R(R11), 0); /* shr r11, 63 */
        put(j, 63);
        enc(j, 0, 1, 0xC1, 1, 4, R(R11), 0); /* shl r11, 63 */
        put(j, 63);
    } else {
        enc(j, 0, 0, 0x81, 1, 4, R(R11), 0); /* and r11d, 0x80000000 */
        put32(j, 0x80000000u);
    }
    enc(j, 0, w, 0x0B, 1, r, R(R11), 0); /* or r, r11 */
    push(J, vreg(r));
}

static void float_un(jit_t *J, int pfx, uint32_t opc, int imm)
{
    val_t a = pop(J);
    int r = alloc_reg(J, true, 0);
    enc(&J->j, pfx, 0, opc, opc > 0xFFFF ? 3 : 2, r - 16, src_xmm(J, &a, 7), 0);
    if (imm >= 0)
        put(&J->j, (uint8_t)imm);
    push(J, vreg(r));
}

/* abs (btr) / neg (btc) on the sign bit, in a general register */
static void float_sign(jit_t *J, int w, int dig)
{
    val_t a = pop(J);
    int r = alloc_reg(J, false, 0);
    load_int(J, w, r, &a);
    enc(&J->j, 0, w, 0x0FBA, 2, dig, R(r), 0);
    put(&J->j, w ? 63 : 31);
    push(J, vreg(r));
}

/* movsx/movzx/mov family: value -> r via `opc` reading width from a
 * general register or memory. */
static void int_un(jit_t *J, int w, uint32_t opc, int nopc, int bytes)
{
    val_t a = pop(J);
    int r = alloc_reg(J, false, 0);
    rm_t s = src_int(J, 1, &a, R11);
    enc(&J->j, 0, w, opc, nopc, r, s, bytes);
    push(J, vreg(r));
}

/* memory.fill and memory.copy with `rep stosb` / `rep movsb`, when the
 * whole range is in bounds and the fuel pays for all of it (one unit per
 * WASM_FUEL_BULK_BYTES, as interp_bulk.h charges); otherwise the
 * interpreter runs the op (it traps, or does part and preempts).
 * Operands d, v|s, n in their slots (synced). */
static bool op_bulk(jit_t *J, uint32_t p, bool copy)
{
    jbuf_t *j = &J->j;
    int shift = 0;
    while ((1u << shift) < WASM_FUEL_BULK_BYTES)
        shift++;
    if ((1u << shift) != WASM_FUEL_BULK_BYTES)
        return false;
    static const vstate_t empty = {0, 0, {{0, 0, 0, 0}}};
    sync(J);
    cache_clear(J); /* rax, rsi, rdi are written below */
    mov_load(j, 0, RCX, M(RBX, -8));
    mov_load(j, 0, copy ? RSI : RAX, M(RBX, -16));
    mov_load(j, 0, RDI, M(RBX, -24));
    if (copy) {
        lea(j, R11, MX(RSI, RCX, 0, 0));
        enc(j, 0, 1, 0x3B, 1, R11, R(R14), 0);
        stub_jcc(J, CC_A, p, &empty);
    }
    lea(j, R11, MX(RDI, RCX, 0, 0));
    enc(j, 0, 1, 0x3B, 1, R11, R(R14), 0);
    stub_jcc(J, CC_A, p, &empty);
    lea(j, R11, M(RCX, (int32_t)WASM_FUEL_BULK_BYTES - 1)); /* cost */
    enc(j, 0, 1, 0xC1, 1, 5, R(R11), 0);
    put(j, (uint8_t)shift);
    enc(j, 0, 1, 0x3B, 1, R15, R(R11), 0); /* fuel < cost: the interpreter splits it */
    stub_jcc(J, CC_L, p, &empty);
    enc(j, 0, 1, 0x2B, 1, R15, R(R11), 0);
    enc(j, 0, 1, 0x03, 1, RDI, R(R13), 0);
    if (!copy) {
        put(j, 0xF3);
        put(j, 0xAA); /* rep stosb */
    } else {
        enc(j, 0, 1, 0x03, 1, RSI, R(R13), 0);
        /* d > s and overlapping: backwards, as memmove does */
        enc(j, 0, 1, 0x3B, 1, RDI, R(RSI), 0);
        size_t fwd1 = jcc32(j, CC_BE);
        lea(j, R11, MX(RSI, RCX, 0, 0));
        enc(j, 0, 1, 0x3B, 1, RDI, R(R11), 0);
        size_t fwd2 = jcc32(j, CC_AE);
        lea(j, RSI, MX(RSI, RCX, 0, -1));
        lea(j, RDI, MX(RDI, RCX, 0, -1));
        put(j, 0xFD); /* std */
        put(j, 0xF3);
        put(j, 0xA4); /* rep movsb */
        put(j, 0xFC); /* cld */
        size_t done = jmp32(j);
        link32(j, fwd1, j->len);
        link32(j, fwd2, j->len);
        put(j, 0xF3);
        put(j, 0xA4);
        link32(j, done, j->len);
    }
    lea(j, RBX, M(RBX, -24));
    return true;
}

/* clz (lzcnt), ctz (tzcnt), popcnt: each gives the operand width for 0,
 * as wasm's do (spec 4.3.2), where the CPU has it (jit_t.cpu) */
enum { CPU_LZCNT = 1, CPU_TZCNT = 2, CPU_POPCNT = 4 };

static unsigned cpu_bits(void)
{
    unsigned a, b, c, d, bits = 0;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 23)))
        bits |= CPU_POPCNT;
    if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 5)))
        bits |= CPU_LZCNT;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 3)))
        bits |= CPU_TZCNT;
    return bits;
}

static bool op_bitcount(jit_t *J, uint32_t op)
{
    static const struct {
        uint16_t op;
        uint8_t w, need;
        uint32_t opc;
    } k[] = {
        {WASM_OP_I32_CLZ, 0, CPU_LZCNT, 0x0FBD},     {WASM_OP_I64_CLZ, 1, CPU_LZCNT, 0x0FBD},
        {WASM_OP_I32_CTZ, 0, CPU_TZCNT, 0x0FBC},     {WASM_OP_I64_CTZ, 1, CPU_TZCNT, 0x0FBC},
        {WASM_OP_I32_POPCNT, 0, CPU_POPCNT, 0x0FB8}, {WASM_OP_I64_POPCNT, 1, CPU_POPCNT, 0x0FB8},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        if (k[i].op != op)
            continue;
        if (!(J->cpu & k[i].need))
            return false;
        val_t a = pop(J);
        int r = alloc_reg(J, false, 0);
        enc(&J->j, 0xF3, k[i].w, k[i].opc, 2, r, src_int(J, 1, &a, R11), 0);
        push(J, vreg(r));
        return true;
    }
    return false;
}

/* div/rem: the interpreter runs it (and traps) for a zero divisor and for
 * INT_MIN / -1 (rem: any -1) */
static void op_div(jit_t *J, uint32_t p, int w, bool sign, bool rem)
{
    jbuf_t *j = &J->j;
    vstate_t before = J->s;
    val_t b = pop(J), a = pop(J);
    load_int(J, w, RCX, &b);
    load_int(J, w, R11, &a);
    enc(j, 0, w, 0x85, 1, RCX, R(RCX), 0);
    stub_jcc(J, CC_E, p, &before);
    if (sign) {
        enc(j, 0, w, 0x83, 1, 7, R(RCX), 0); /* cmp rcx, -1 */
        put(j, 0xFF);
        if (rem) {
            stub_jcc(J, CC_E, p, &before);
        } else {
            size_t ok = jcc32(j, CC_NE);
            enc(j, 0, w, 0x83, 1, 7, R(R11), 0); /* cmp r11, 1: OF iff INT_MIN */
            put(j, 1);
            stub_jcc(J, CC_O, p, &before);
            link32(j, ok, j->len);
        }
    }
    evict(J, RAX);
    evict(J, RDX);
    mov_rr(j, w, RAX, R11);
    if (sign) {
        if (w)
            put(j, 0x48);
        put(j, 0x99); /* cdq / cqo */
        enc(j, 0, w, 0xF7, 1, 7, R(RCX), 0);
    } else {
        enc(j, 0, 0, 0x33, 1, RDX, R(RDX), 0);
        enc(j, 0, w, 0xF7, 1, 6, R(RCX), 0);
    }
    push(J, vreg(rem ? RDX : RAX));
}

/* Address of a load/store into ecx, bounds check (else the stub). */
static bool mem_addr(jit_t *J, uint32_t p, const val_t *a, uint32_t off, uint32_t size,
                     const vstate_t *before)
{
    jbuf_t *j = &J->j;
    if ((uint64_t)off + size > 0x7FFFFFF0u)
        return false;
    load_int(J, 0, RCX, a);
    lea(j, R11, M(RCX, (int32_t)(off + size)));
    enc(j, 0, 1, 0x3B, 1, R11, R(R14), 0); /* cmp r11, r14 */
    stub_jcc(J, CC_A, p, before);
    return true;
}

typedef struct memop {
    uint16_t op;
    uint8_t size;
    uint8_t w;
    uint32_t opc; /* load: reg <- m; 0: mov (w), movss/movsd by xmm */
    uint8_t nopc;
    uint8_t xmm; /* 1: f32/f64 in an xmm register */
} memop_t;

static const memop_t k_loads[] = {
    {WASM_OP_I32_LOAD, 4, 0, 0x8B, 1, 0},       {WASM_OP_I64_LOAD, 8, 1, 0x8B, 1, 0},
    {WASM_OP_F32_LOAD, 4, 0, 0, 0, 1},          {WASM_OP_F64_LOAD, 8, 0, 0, 0, 1},
    {WASM_OP_I32_LOAD8_S, 1, 0, 0x0FBE, 2, 0},  {WASM_OP_I32_LOAD8_U, 1, 0, 0x0FB6, 2, 0},
    {WASM_OP_I32_LOAD16_S, 2, 0, 0x0FBF, 2, 0}, {WASM_OP_I32_LOAD16_U, 2, 0, 0x0FB7, 2, 0},
    {WASM_OP_I64_LOAD8_S, 1, 1, 0x0FBE, 2, 0},  {WASM_OP_I64_LOAD8_U, 1, 0, 0x0FB6, 2, 0},
    {WASM_OP_I64_LOAD16_S, 2, 1, 0x0FBF, 2, 0}, {WASM_OP_I64_LOAD16_U, 2, 0, 0x0FB7, 2, 0},
    {WASM_OP_I64_LOAD32_S, 4, 1, 0x63, 1, 0},   {WASM_OP_I64_LOAD32_U, 4, 0, 0x8B, 1, 0},
};

static bool op_load(jit_t *J, uint32_t p, const memop_t *mo, uint32_t off)
{
    vstate_t before = J->s;
    val_t a = pop(J);
    if (!mem_addr(J, p, &a, off, mo->size, &before)) {
        J->s = before;
        return false;
    }
    rm_t m = MX(R13, RCX, 0, (int32_t)off);
    int r = alloc_reg(J, mo->xmm, 0);
    if (mo->xmm)
        enc(&J->j, mo->size == 8 ? 0xF2 : 0xF3, 0, 0x0F10, 2, r - 16, m, 0);
    else
        enc(&J->j, 0, mo->w, mo->opc, mo->nopc, r, m, 0);
    push(J, vreg(r));
    return true;
}

static bool op_store(jit_t *J, uint32_t p, uint32_t size, uint32_t off)
{
    jbuf_t *j = &J->j;
    vstate_t before = J->s;
    val_t v = pop(J), a = pop(J);
    if (!mem_addr(J, p, &a, off, size, &before)) {
        J->s = before;
        return false;
    }
    rm_t m = MX(R13, RCX, 0, (int32_t)off);
    if (v.kind == V_REG && v.reg >= 16 && size >= 4) {
        enc(j, size == 8 ? 0xF2 : 0xF3, 0, 0x0F11, 2, v.reg - 16, m, 0);
        return true;
    }
    int r;
    if (v.kind == V_REG && v.reg < 16) {
        r = v.reg;
    } else {
        load_int(J, size == 8, R11, &v);
        r = R11;
    }
    switch (size) {
    case 1: enc(j, 0, 0, 0x88, 1, r, m, BYTE_REG); break;
    case 2: enc(j, 0x66, 0, 0x89, 1, r, m, 0); break;
    default: enc(j, 0, size == 8, 0x89, 1, r, m, 0); break;
    }
    return true;
}

static const struct {
    uint16_t op;
    uint8_t size;
} k_stores[] = {
    {WASM_OP_I32_STORE, 4},  {WASM_OP_I64_STORE, 8},   {WASM_OP_F32_STORE, 4},
    {WASM_OP_F64_STORE, 8},  {WASM_OP_I32_STORE8, 1},  {WASM_OP_I32_STORE16, 2},
    {WASM_OP_I64_STORE8, 1}, {WASM_OP_I64_STORE16, 2}, {WASM_OP_I64_STORE32, 4},
};

/* local.set/tee i: entries aliasing local i are written out first */
static void unalias(jit_t *J, uint32_t i, uint32_t upto)
{
    for (uint32_t k = 0; k < upto; k++)
        if (J->s.v[k].kind == V_LOCAL && J->s.v[k].idx == i)
            materialize(J, k);
}

static void set_local(jit_t *J, uint32_t i, const val_t *v)
{
    jbuf_t *j = &J->j;
    if (v->kind == V_LOCAL && v->idx == i)
        return;
    cache_drop_local(J, i);
    if (v->kind == V_REG) /* written through; the register keeps the value */
        J->cached[v->reg] = (int32_t)i;
    if (v->kind == V_REG && v->reg >= 16) {
        enc(j, 0xF2, 0, 0x0F11, 2, v->reg - 16, local(i), 0);
    } else if (v->kind == V_REG) {
        mov_store(j, 1, local(i), v->reg);
    } else if (v->kind == V_CONST && fits32s(v->k)) {
        enc(j, 0, 1, 0xC7, 1, 0, local(i), 0);
        put32(j, (uint32_t)v->k);
    } else {
        load_int(J, 1, R11, v);
        mov_store(j, 1, local(i), R11);
    }
}

/* Truncation to an integer, exact or leave to the interpreter (which
 * traps): cvtts[sd]2si gives the "integer indefinite" value for NaN and
 * out of range, so that result (and, unsigned i32, anything over 32 bits)
 * goes to the stub; a true INT_MIN takes the slow path too. */
static void op_trunc(jit_t *J, uint32_t p, bool f64, bool i64, bool sign)
{
    jbuf_t *j = &J->j;
    vstate_t before = J->s;
    val_t a = pop(J);
    int w = i64 || !sign;
    enc(j, f64 ? 0xF2 : 0xF3, w, 0x0F2C, 2, R11, src_xmm(J, &a, 7), 0);
    if (!sign) { /* i32 unsigned: must fit 32 bits */
        mov_rr(j, 1, RCX, R11);
        enc(j, 0, 1, 0xC1, 1, 5, R(RCX), 0); /* shr rcx, 32 */
        put(j, 32);
        stub_jcc(J, CC_NE, p, &before);
    } else {
        enc(j, 0, w, 0x83, 1, 7, R(R11), 0); /* cmp r11, 1: OF iff INT_MIN */
        put(j, 1);
        stub_jcc(J, CC_O, p, &before);
    }
    int r = alloc_reg(J, false, 0);
    mov_rr(j, 1, r, R11);
    push(J, vreg(r));
}

static bool next_is_branch(jit_t *J, uint32_t q, uint32_t *op)
{
    if (q >= J->code->ir_len || J->label[q])
        return false;
    uint32_t o = J->opnum[q];
    if (o != WASM_OP_BR_IF && o != WASM_OP_BR_UNLESS)
        return false;
    *op = o;
    return true;
}

/* After flags for "true" (cc): a following br_if/br_unless takes them. */
static uint32_t finish_cond(jit_t *J, int cc, uint32_t p, uint32_t q, bool is_float)
{
    uint32_t bop;
    if (cc >= 0 && next_is_branch(J, q, &bop)) {
        sync(J);
        uint32_t t = J->ir[q + 1];
        cond_branch(J, bop == WASM_OP_BR_IF ? cc : cc ^ 1, q, t);
        return q + 2;
    }
    if (is_float)
        push_float_cc(J, cc);
    else
        push_cc(J, cc);
    (void)p;
    return q;
}

#endif
