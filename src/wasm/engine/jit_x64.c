/*
 * jit_x64.c -- a baseline compiler from the plain IR (compile.c with
 * `plain`: one IR op per wasm instruction) to x86-64 machine code.
 *
 * The machine code keeps the interpreter's frame exactly (DESIGN.md "The
 * JIT"): locals at fp[i], operands at sp[-1], sp[-2] ... in 8-byte slots,
 * so it can hand an execution back to the interpreter at any IR op
 * boundary. It does, with the IR address of the op, whenever it meets
 * something it does not do itself: a call, a return, an op it has no code
 * for, fuel running out at a loop header, and every trap (a load out of
 * bounds, a division by zero ...): the interpreter then runs that op
 * itself, traps with the right offset, suspends at a host call or stops
 * out of fuel, and enters machine code again at the next label (a loop
 * header, a branch target, the op after a call). There is no recursion on
 * the C stack: each entry returns before the interpreter goes on.
 *
 * Registers while in machine code: rbx = sp (at the last label; the
 * compiler tracks the height above it), r12 = fp, r13 = linear memory,
 * r14 = its size in bytes, r15 = fuel, rbp = the wasm_jit_state_t. Values
 * on the operand stack stay virtual as long as possible (a local, a
 * constant or a register) and are written to their slots only at labels,
 * branches and exits (a "lazy operand stack", as baseline compilers do).
 */
#include "wasm_internal.h"

#if WASM_JIT

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/alloc_internal.h"

/* ---- registers and encoding ---- */

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
#define XMM(n) (16 + (n)) /* register numbers 16.. are xmm0.. in vals */

typedef struct rm {
    int8_t is_reg;
    int8_t reg; /* is_reg: register number (0..15; xmm as 0..15 too) */
    int8_t base, index;
    int8_t scale; /* log2 of the index's factor */
    int32_t disp;
} rm_t;

static rm_t R(int r)
{
    return (rm_t){1, (int8_t)(r & 15), -1, -1, 0, 0};
}

static rm_t M(int base, int32_t disp)
{
    return (rm_t){0, 0, (int8_t)base, -1, 0, disp};
}

static rm_t MX(int base, int index, int scale, int32_t disp)
{
    return (rm_t){0, 0, (int8_t)base, (int8_t)index, (int8_t)scale, disp};
}

typedef struct jbuf {
    uint8_t *b;
    size_t len, cap;
    bool oom;
} jbuf_t;

static void put(jbuf_t *j, uint8_t v)
{
    if (j->len == j->cap) {
        size_t n = j->cap ? j->cap * 2 : 4096;
        uint8_t *p = j->oom ? NULL : mk_realloc(j->b, n);
        if (!p) {
            j->oom = true;
            j->len = 0; /* keep writing somewhere; the result is dropped */
            return;
        }
        j->b = p;
        j->cap = n;
    }
    j->b[j->len++] = v;
}

static void put32(jbuf_t *j, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put(j, (uint8_t)(v >> (8 * i)));
}

static void put64(jbuf_t *j, uint64_t v)
{
    put32(j, (uint32_t)v);
    put32(j, (uint32_t)(v >> 32));
}

static void patch32(jbuf_t *j, size_t at, uint32_t v)
{
    if (j->oom)
        return;
    for (int i = 0; i < 4; i++)
        j->b[at + i] = (uint8_t)(v >> (8 * i));
}

#define BYTE_REG 1 /* ModRM.reg is a byte register (sil/dil need a REX) */
#define BYTE_RM  2 /* ModRM.rm is */

/* One instruction: [prefix] [REX] opcode(1-3 bytes, high byte first in
 * `opc`) ModRM [SIB] [disp]. `reg` is a register or an opcode extension. */
static void enc(jbuf_t *j, int pfx, int w, uint32_t opc, int nopc, int reg, rm_t rm, int bytes)
{
    if (pfx)
        put(j, (uint8_t)pfx);
    int rex = 0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0);
    if (rm.is_reg)
        rex |= (rm.reg & 8) ? 1 : 0;
    else
        rex |= ((rm.index >= 0 && (rm.index & 8)) ? 2 : 0) | ((rm.base & 8) ? 1 : 0);
    bool need = rex != 0x40 || ((bytes & BYTE_REG) && reg >= 4 && reg < 8) ||
                ((bytes & BYTE_RM) && rm.is_reg && rm.reg >= 4 && rm.reg < 8);
    if (need)
        put(j, (uint8_t)rex);
    for (int i = nopc - 1; i >= 0; i--)
        put(j, (uint8_t)(opc >> (8 * i)));
    if (rm.is_reg) {
        put(j, (uint8_t)(0xC0 | (reg & 7) << 3 | (rm.reg & 7)));
        return;
    }
    int mod = (rm.disp == 0 && (rm.base & 7) != 5)  ? 0
              : (rm.disp >= -128 && rm.disp <= 127) ? 1
                                                    : 2;
    if (rm.index >= 0) {
        put(j, (uint8_t)(mod << 6 | (reg & 7) << 3 | 4));
        put(j, (uint8_t)(rm.scale << 6 | (rm.index & 7) << 3 | (rm.base & 7)));
    } else if ((rm.base & 7) == 4) {
        put(j, (uint8_t)(mod << 6 | (reg & 7) << 3 | 4));
        put(j, 0x24);
    } else {
        put(j, (uint8_t)(mod << 6 | (reg & 7) << 3 | (rm.base & 7)));
    }
    if (mod == 1)
        put(j, (uint8_t)rm.disp);
    else if (mod == 2)
        put32(j, (uint32_t)rm.disp);
}

static void mov_rr(jbuf_t *j, int w, int dst, int src) /* mov dst, src */
{
    if (dst != src || !w)
        enc(j, 0, w, 0x8B, 1, dst, R(src), 0);
}

static void mov_load(jbuf_t *j, int w, int dst, rm_t m) /* mov dst, [m] */
{
    enc(j, 0, w, 0x8B, 1, dst, m, 0);
}

static void mov_store(jbuf_t *j, int w, rm_t m, int src) /* mov [m], src */
{
    enc(j, 0, w, 0x89, 1, src, m, 0);
}

static bool fits32s(uint64_t k)
{
    return (int64_t)k == (int64_t)(int32_t)(uint32_t)k;
}

static void mov_imm(jbuf_t *j, int dst, uint64_t k) /* dst = k (64 bits) */
{
    if (k <= UINT32_MAX) { /* mov r32, imm32 zero-extends */
        if (dst & 8)
            put(j, 0x41);
        put(j, (uint8_t)(0xB8 + (dst & 7)));
        put32(j, (uint32_t)k);
    } else if (fits32s(k)) {
        enc(j, 0, 1, 0xC7, 1, 0, R(dst), 0);
        put32(j, (uint32_t)k);
    } else {
        put(j, (uint8_t)(0x48 | ((dst & 8) ? 1 : 0)));
        put(j, (uint8_t)(0xB8 + (dst & 7)));
        put64(j, k);
    }
}

static void lea(jbuf_t *j, int dst, rm_t m)
{
    enc(j, 0, 1, 0x8D, 1, dst, m, 0);
}

static size_t jmp32(jbuf_t *j) /* jmp rel32; returns where rel32 is */
{
    put(j, 0xE9);
    put32(j, 0);
    return j->len - 4;
}

static size_t jcc32(jbuf_t *j, int cc)
{
    put(j, 0x0F);
    put(j, (uint8_t)(0x80 + cc));
    put32(j, 0);
    return j->len - 4;
}

static void link32(jbuf_t *j, size_t at, size_t target)
{
    patch32(j, at, (uint32_t)(int32_t)((int64_t)target - (int64_t)(at + 4)));
}

/* x86 condition codes */
enum {
    CC_O = 0,
    CC_B = 2,
    CC_AE = 3,
    CC_E = 4,
    CC_NE = 5,
    CC_BE = 6,
    CC_A = 7,
    CC_P = 0xA,
    CC_NP = 0xB,
    CC_L = 0xC,
    CC_GE = 0xD,
    CC_LE = 0xE,
    CC_G = 0xF
};

/* ---- the lazy operand stack ---- */

enum { V_MEM, V_LOCAL, V_CONST, V_REG };

typedef struct val {
    uint8_t kind;
    uint8_t reg;  /* V_REG: 0..15 general, 16..31 xmm */
    uint32_t idx; /* V_LOCAL */
    uint64_t k;   /* V_CONST: the slot's 64 bits */
} val_t;

#define VMAX 12

typedef struct vstate {
    int32_t d;  /* operand height above rbx, in slots */
    uint32_t n; /* virtual entries: slots d - n .. d - 1 */
    val_t v[VMAX];
} vstate_t;

typedef struct stub {
    size_t patch;       /* rel32 of the jump to this stub */
    const uint32_t *pc; /* the op the interpreter runs */
    vstate_t st;        /* the operand stack before that op */
} stub_t;

typedef struct fixup {
    size_t patch;    /* rel32 */
    uint32_t target; /* IR index of a label */
} fixup_t;

typedef struct jit {
    jbuf_t j;
    const wasm_module_t *m;
    const wasm_code_t *code;
    const uint32_t *ir;
    uint8_t *ops;    /* op number at each IR op start, 0xFF.. elsewhere */
    uint16_t *opnum; /* op number per IR word (WASM_OP_COUNT: not an op start) */
    uint8_t *label;  /* per IR word: a branch target or entry */
    int32_t *native; /* per IR word: code offset of a label, -1 */
    vstate_t s;
    bool dead;
    stub_t *stubs;
    uint32_t nstubs, stub_cap;
    fixup_t *fix;
    uint32_t nfix, fix_cap;
    size_t exit_at; /* the shared exit sequence */
    uint32_t self;  /* function index of the body being compiled */
    fixup_t *calls; /* rel32 of direct calls, target = callee's code index */
    uint32_t ncalls, call_cap;
    bool fail;
} jit_t;

static bool grow_arr(void **a, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return true;
    uint32_t n = *cap ? *cap * 2 : 32;
    while (n < need)
        n *= 2;
    void *p = mk_realloc(*a, (size_t)n * size);
    if (!p)
        return false;
    *a = p;
    *cap = n;
    return true;
}

static rm_t slot(jit_t *J, int32_t s)
{
    (void)J;
    return M(RBX, s * 8);
}

static rm_t local(uint32_t i)
{
    return M(R12, (int32_t)(i * 8));
}

/* Write entry `e` (at slot s) to memory. */
static void store_val(jit_t *J, const val_t *e, int32_t s)
{
    jbuf_t *j = &J->j;
    switch (e->kind) {
    case V_MEM: break;
    case V_LOCAL:
        mov_load(j, 1, R11, local(e->idx));
        mov_store(j, 1, slot(J, s), R11);
        break;
    case V_CONST:
        if (fits32s(e->k)) {
            enc(j, 0, 1, 0xC7, 1, 0, slot(J, s), 0);
            put32(j, (uint32_t)e->k);
        } else {
            mov_imm(j, R11, e->k);
            mov_store(j, 1, slot(J, s), R11);
        }
        break;
    case V_REG:
        if (e->reg >= 16)
            enc(j, 0xF2, 0, 0x0F11, 2, e->reg - 16, slot(J, s), 0); /* movsd */
        else
            mov_store(j, 1, slot(J, s), e->reg);
        break;
    }
}

static void materialize(jit_t *J, uint32_t i)
{
    vstate_t *s = &J->s;
    store_val(J, &s->v[i], s->d - (int32_t)s->n + (int32_t)i);
    s->v[i].kind = V_MEM;
}

static void flush(jit_t *J)
{
    for (uint32_t i = 0; i < J->s.n; i++)
        materialize(J, i);
    J->s.n = 0;
}

/* Flush and make rbx the real sp (flags are kept: mov and lea only). */
static void sync(jit_t *J)
{
    flush(J);
    if (J->s.d)
        lea(&J->j, RBX, M(RBX, J->s.d * 8));
    J->s.d = 0;
}

static void push(jit_t *J, val_t v)
{
    vstate_t *s = &J->s;
    if (s->n == VMAX) {
        materialize(J, 0);
        memmove(s->v, s->v + 1, (VMAX - 1) * sizeof s->v[0]);
        s->n--;
    }
    s->v[s->n++] = v;
    s->d++;
}

static val_t pop(jit_t *J)
{
    vstate_t *s = &J->s;
    val_t v = {V_MEM, 0, 0, 0};
    s->d--;
    if (s->n) {
        v = s->v[--s->n];
        if (v.kind == V_MEM)
            v.idx = (uint32_t)s->d;
    } else {
        v.idx = (uint32_t)s->d;
    }
    return v;
}

/* operand of a popped V_MEM: its slot is idx (relative to rbx) */
static rm_t mem_of(jit_t *J, const val_t *v)
{
    return v->kind == V_LOCAL ? local(v->idx) : slot(J, (int32_t)v->idx);
}

static bool reg_used(jit_t *J, int r)
{
    for (uint32_t i = 0; i < J->s.n; i++)
        if (J->s.v[i].kind == V_REG && J->s.v[i].reg == r)
            return true;
    return false;
}

/* A free register (general or xmm), evicting the lowest entry holding one
 * if all are taken; never one in `avoid` (a bit per register number). */
static int alloc_reg(jit_t *J, bool xmm, uint32_t avoid)
{
    static const uint8_t k_gpr[] = {RAX, RDX, RSI, RDI, R8, R9, R10};
    static const uint8_t k_xmm[] = {XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5)};
    const uint8_t *pool = xmm ? k_xmm : k_gpr;
    size_t np = xmm ? sizeof k_xmm : sizeof k_gpr;
    for (size_t i = 0; i < np; i++)
        if (!(avoid & (1u << pool[i])) && !reg_used(J, pool[i]))
            return pool[i];
    for (uint32_t i = 0; i < J->s.n; i++) {
        val_t *e = &J->s.v[i];
        if (e->kind == V_REG && (e->reg >= 16) == xmm && !(avoid & (1u << e->reg))) {
            int r = e->reg;
            materialize(J, i);
            return r;
        }
    }
    return xmm ? XMM(0) : RAX; /* unreachable: the pool outnumbers the avoided */
}

static void evict(jit_t *J, int r)
{
    for (uint32_t i = 0; i < J->s.n; i++)
        if (J->s.v[i].kind == V_REG && J->s.v[i].reg == r)
            materialize(J, i);
}

static uint32_t bit_of(const val_t *v)
{
    return v->kind == V_REG ? 1u << v->reg : 0;
}

/* Value into general register r (w: 64 bits, else 32 zero-extended). */
static void load_int(jit_t *J, int w, int r, const val_t *v)
{
    jbuf_t *j = &J->j;
    switch (v->kind) {
    case V_CONST: mov_imm(j, r, w ? v->k : (uint32_t)v->k); break;
    case V_REG:
        if (v->reg >= 16)
            enc(j, 0x66, w, 0x0F7E, 2, v->reg - 16, R(r), 0); /* movq/movd r, xmm */
        else
            mov_rr(j, w, r, v->reg);
        break;
    default: mov_load(j, w, r, mem_of(J, v)); break;
    }
}

/* Value into xmm register x (0..15). */
static void load_xmm(jit_t *J, int x, const val_t *v)
{
    jbuf_t *j = &J->j;
    switch (v->kind) {
    case V_CONST:
        mov_imm(j, R11, v->k);
        enc(j, 0x66, 1, 0x0F6E, 2, x, R(R11), 0); /* movq xmm, r11 */
        break;
    case V_REG:
        if (v->reg >= 16) {
            if (v->reg - 16 != x)
                enc(j, 0x66, 0, 0x0F28, 2, x, R(v->reg - 16), 0); /* movapd */
        } else {
            enc(j, 0x66, 1, 0x0F6E, 2, x, R(v->reg), 0);
        }
        break;
    default: enc(j, 0xF3, 0, 0x0F7E, 2, x, mem_of(J, v), 0); break; /* movq xmm, m64 */
    }
}

/* A general-register or memory operand for v; constants and xmm values go
 * through `scratch`. */
static rm_t src_int(jit_t *J, int w, const val_t *v, int scratch)
{
    if (v->kind == V_REG && v->reg < 16)
        return R(v->reg);
    if (v->kind == V_LOCAL || v->kind == V_MEM)
        return mem_of(J, v);
    load_int(J, w, scratch, v);
    return R(scratch);
}

static rm_t src_xmm(jit_t *J, const val_t *v, int scratch)
{
    if (v->kind == V_REG && v->reg >= 16)
        return R(v->reg - 16);
    if (v->kind == V_LOCAL || v->kind == V_MEM)
        return mem_of(J, v);
    load_xmm(J, scratch, v);
    return R(scratch);
}

static val_t vreg(int r)
{
    return (val_t){V_REG, (uint8_t)r, 0, 0};
}

static val_t vconst(uint64_t k)
{
    return (val_t){V_CONST, 0, 0, k};
}

/* ---- exits ---- */

/* Jump to a stub that writes back the operand stack `st` and leaves with
 * pc = the op at IR index p (the interpreter runs it). */
static void stub_jcc(jit_t *J, int cc, uint32_t p, const vstate_t *st)
{
    if (!grow_arr((void **)&J->stubs, &J->stub_cap, J->nstubs + 1, sizeof *J->stubs)) {
        J->fail = true;
        return;
    }
    stub_t *s = &J->stubs[J->nstubs++];
    s->patch = cc < 0 ? jmp32(&J->j) : jcc32(&J->j, cc);
    s->pc = J->ir + p;
    s->st = *st;
}

static void exit_now(jit_t *J, uint32_t p)
{
    sync(J);
    mov_imm(&J->j, RAX, (uint64_t)(uintptr_t)(J->ir + p));
    link32(&J->j, jmp32(&J->j), J->exit_at);
    J->dead = true;
}

static void jump_label(jit_t *J, int cc, uint32_t target)
{
    if (!grow_arr((void **)&J->fix, &J->fix_cap, J->nfix + 1, sizeof *J->fix)) {
        J->fail = true;
        return;
    }
    J->fix[J->nfix].patch = cc < 0 ? jmp32(&J->j) : jcc32(&J->j, cc);
    J->fix[J->nfix].target = target;
    J->nfix++;
}

/* The jump of a taken branch at op p to IR index t, operands synced:
 * a backward target is a loop header past its FUEL op (compile.c), so the
 * branch charges that op's fuel and, out of fuel, leaves at the FUEL op. */
static void branch_to(jit_t *J, uint32_t p, uint32_t t)
{
    jbuf_t *j = &J->j;
    if (t <= p) {
        static const vstate_t empty = {0, 0, {{0, 0, 0, 0}}};
        enc(j, 0, 1, 0x85, 1, R15, R(R15), 0); /* test r15, r15 */
        stub_jcc(J, CC_LE, t - 2, &empty);
        enc(j, 0, 1, 0x81, 1, 5, R(R15), 0); /* sub r15, imm32 */
        put32(j, J->ir[t - 1]);
    }
    jump_label(J, -1, t);
}

/* Conditional branch on flags `cc` (operands already synced). */
static void cond_branch(jit_t *J, int cc, uint32_t p, uint32_t t)
{
    if (t > p) {
        jump_label(J, cc, t);
        return;
    }
    size_t skip = jcc32(&J->j, cc ^ 1);
    branch_to(J, p, t);
    link32(&J->j, skip, J->j.len);
}

/* Move the top `arity` slots down over `drop` (synced). */
static void move_down(jit_t *J, uint32_t drop, uint32_t arity)
{
    for (uint32_t k = 0; k < arity; k++) {
        int32_t from = -(int32_t)arity + (int32_t)k;
        mov_load(&J->j, 1, R11, slot(J, from));
        mov_store(&J->j, 1, slot(J, from - (int32_t)drop), R11);
    }
    if (drop)
        lea(&J->j, RBX, M(RBX, -(int32_t)drop * 8));
}

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

/* ---- one function ---- */

static uint32_t op_len(const wasm_code_t *c, uint32_t k)
{
    uint32_t end = k + 1 < c->pc_map_len ? c->pc_map[(k + 1) * 2] : c->ir_len;
    return end - c->pc_map[k * 2];
}

static void mark_labels(jit_t *J)
{
    const wasm_code_t *c = J->code;
    const uint32_t *ir = J->ir;
    J->label[0] = 1;
    if (c->ir_len > 2)
        J->label[2] = 1;
    for (uint32_t k = 0; k < c->pc_map_len; k++) {
        uint32_t p = c->pc_map[k * 2], len = op_len(c, k), op = J->opnum[p];
        switch (op) {
        case WASM_OP_BR:
        case WASM_OP_BR_IF:
        case WASM_OP_BR_UNLESS:
        case WASM_OP_BR_MOVE:
        case WASM_OP_BR_IF_MOVE:
            if (ir[p + 1] < c->ir_len)
                J->label[ir[p + 1]] = 1;
            break;
        case WASM_OP_BR_TABLE:
            for (uint32_t e = 0; e <= ir[p + 1]; e++)
                if (ir[p + 3 + 2 * e] < c->ir_len)
                    J->label[ir[p + 3 + 2 * e]] = 1;
            break;
        case WASM_OP_CALL:
        case WASM_OP_CALL_INDIRECT:
            if (p + len < c->ir_len)
                J->label[p + len] = 1;
            break;
        default: break;
        }
    }
}

static void op_br_table(jit_t *J, uint32_t p)
{
    jbuf_t *j = &J->j;
    const uint32_t *ir = J->ir;
    uint32_t n = ir[p + 1], arity = ir[p + 2];
    val_t i = pop(J);
    load_int(J, 0, RCX, &i);
    sync(J);
    enc(j, 0, 0, 0x81, 1, 7, R(RCX), 0); /* cmp ecx, n */
    put32(j, n);
    size_t def = jcc32(j, CC_AE);
    put(j, 0x4C);
    put(j, 0x8D);
    put(j, 0x1D); /* lea r11, [rip + rel32] */
    put32(j, 0);
    size_t tab_rel = j->len - 4;
    enc(j, 0, 1, 0x63, 1, RCX, MX(R11, RCX, 2, 0), 0); /* movsxd rcx, [r11 + rcx * 4] */
    enc(j, 0, 1, 0x03, 1, RCX, R(R11), 0);             /* add rcx, r11 */
    enc(j, 0, 0, 0xFF, 1, 4, R(RCX), 0);               /* jmp rcx */
    size_t table = j->len;
    link32(j, tab_rel, table);
    for (uint32_t e = 0; e < n; e++)
        put32(j, 0);
    /* one trampoline per entry (moves, fuel, jump), the default last */
    for (uint32_t e = 0; e <= n; e++) {
        size_t here = j->len;
        if (e < n)
            patch32(j, table + 4 * e, (uint32_t)(here - table));
        else
            link32(j, def, here);
        uint32_t t = ir[p + 3 + 2 * e], drop = ir[p + 4 + 2 * e];
        if (drop)
            move_down(J, drop, arity);
        branch_to(J, p, t);
    }
}

/* The machine stack a chain of calls in machine code may use (16 bytes a
 * call): deeper, the call goes through the interpreter, which enters
 * machine code again with an empty machine stack. */
#define JIT_MAX_NATIVE_STACK (64 * 1024)

static rm_t state(size_t off)
{
    return M(RBP, (int32_t)off);
}

/* The checks before a call made in machine code, each leaving at the call
 * op (the interpreter then makes the call, preempts or traps): fuel left,
 * frame depth, machine stack, value stack room for `slots_rm` more slots
 * above the arguments (rcx is sp + that room). rdi = ex, eax = depth. */
static void call_checks(jit_t *J, uint32_t p, const vstate_t *st)
{
    jbuf_t *j = &J->j;
    enc(j, 0, 1, 0x85, 1, R15, R(R15), 0); /* test r15, r15 */
    stub_jcc(J, CC_LE, p, st);
    mov_load(j, 1, RDI, state(offsetof(wasm_jit_state_t, ex)));
    mov_load(j, 0, RAX, M(RDI, offsetof(wasm_exec_t, depth)));
    enc(j, 0, 1, 0x3B, 1, RAX, state(offsetof(wasm_jit_state_t, max_depth)), 0);
    stub_jcc(J, CC_AE, p, st);
    mov_load(j, 1, R11, state(offsetof(wasm_jit_state_t, entry_rsp)));
    enc(j, 0, 1, 0x2B, 1, R11, R(RSP), 0); /* sub r11, rsp */
    enc(j, 0, 1, 0x81, 1, 7, R(R11), 0);
    put32(j, JIT_MAX_NATIVE_STACK);
    stub_jcc(J, CC_A, p, st);
    enc(j, 0, 1, 0x3B, 1, RCX, state(offsetof(wasm_jit_state_t, stack_end)), 0);
    stub_jcc(J, CC_A, p, st);
}

/* Push the interpreter's frame for a call at op p (next op at q): rdi =
 * ex, eax = depth. */
static void push_frame(jit_t *J, uint32_t q)
{
    jbuf_t *j = &J->j;
    enc(j, 0, 1, 0x69, 1, R10, R(RAX), 0); /* imul r10, rax, sizeof frame */
    put32(j, (uint32_t)sizeof(wasm_frame_t));
    enc(j, 0, 1, 0x03, 1, R10, M(RDI, offsetof(wasm_exec_t, frames)), 0);
    mov_imm(j, R11, (uint64_t)(uintptr_t)(J->ir + q));
    mov_store(j, 1, M(R10, offsetof(wasm_frame_t, pc)), R11);
    mov_rr(j, 1, R11, R12);
    enc(j, 0, 1, 0x2B, 1, R11, M(RDI, offsetof(wasm_exec_t, stack)), 0);
    enc(j, 0, 1, 0xC1, 1, 5, R(R11), 0); /* shr r11, 3: slots */
    put(j, 3);
    mov_store(j, 0, M(R10, offsetof(wasm_frame_t, fp)), R11);
    mov_load(j, 1, R11, state(offsetof(wasm_jit_state_t, fn)));
    mov_store(j, 1, M(R10, offsetof(wasm_frame_t, fn)), R11);
    enc(j, 0, 0, 0xFF, 1, 0, M(RDI, offsetof(wasm_exec_t, depth)), 0); /* inc depth */
}

/* state->fn = funcs[fi] (the running function, for an exit) */
static void set_fn(jit_t *J, uint32_t fi)
{
    mov_load(&J->j, 1, R11, state(offsetof(wasm_jit_state_t, funcs)));
    mov_load(&J->j, 1, R11, M(R11, (int32_t)(fi * 8)));
    mov_store(&J->j, 1, state(offsetof(wasm_jit_state_t, fn)), R11);
}

/* Zero `n` declared locals at rbx (rcx = n when n_in_rcx). */
static void zero_locals(jit_t *J, uint32_t n, bool n_in_rcx)
{
    jbuf_t *j = &J->j;
    if (!n_in_rcx && n <= 8) {
        for (uint32_t k = 0; k < n; k++) {
            enc(j, 0, 1, 0xC7, 1, 0, M(RBX, (int32_t)(k * 8)), 0);
            put32(j, 0);
        }
        return;
    }
    if (!n_in_rcx)
        mov_imm(j, RCX, n);
    mov_rr(j, 1, RDI, RBX);
    enc(j, 0, 0, 0x85, 1, RCX, R(RCX), 0); /* rep stos has a start-up cost: skip it for 0 */
    size_t skip = jcc32(j, CC_E);
    enc(j, 0, 0, 0x33, 1, RAX, R(RAX), 0); /* xor eax, eax */
    put(j, 0xF3);
    put(j, 0x48);
    put(j, 0xAB); /* rep stosq */
    link32(j, skip, j->len);
}

/* call: a function of this module runs in machine code, on the machine
 * stack, in an interpreter frame it pushes as the interpreter would
 * (interp.c do_call); anything else goes through the interpreter. */
static bool op_call(jit_t *J, uint32_t p, uint32_t q)
{
    jbuf_t *j = &J->j;
    const wasm_module_t *m = J->m;
    uint32_t fi = J->ir[p + 1];
    if (fi < m->nfunc_imports)
        return false;
    const wasm_code_t *cc = &m->codes[fi - m->nfunc_imports];
    const wasm_functype_t *t = &m->types[m->func_types[fi]];
    if (cc->ir_len < 3 || cc->frame_slots > 0x0FFFFFFF)
        return false;
    sync(J);
    static const vstate_t empty = {0, 0, {{0, 0, 0, 0}}};
    lea(j, RCX, M(RBX, (int32_t)((cc->frame_slots - t->nparams) * 8)));
    call_checks(J, p, &empty);
    push_frame(J, q);
    enc(j, 0, 1, 0x81, 1, 5, R(R15), 0); /* the callee's entry FUEL */
    put32(j, cc->ir[1]);
    zero_locals(J, cc->nlocals, false);
    set_fn(J, fi);
    put(j, 0x41);
    put(j, 0x54); /* push r12 */
    lea(j, R12, M(RBX, -(int32_t)(t->nparams * 8)));
    lea(j, RBX, M(RBX, (int32_t)(cc->nlocals * 8)));
    put(j, 0xE8); /* call rel32 */
    put32(j, 0);
    if (!grow_arr((void **)&J->calls, &J->call_cap, J->ncalls + 1, sizeof *J->calls)) {
        J->fail = true;
        return true;
    }
    J->calls[J->ncalls].patch = j->len - 4;
    J->calls[J->ncalls].target = fi - m->nfunc_imports;
    J->ncalls++;
    put(j, 0x41);
    put(j, 0x5C); /* pop r12 */
    set_fn(J, J->self);
    return true;
}

/* call_indirect: checked as interp.c does (index, null, type by identity,
 * then a function of this instance with machine code); any other case,
 * and every trap, goes through the interpreter. */
static bool op_call_indirect(jit_t *J, uint32_t p, uint32_t q)
{
    jbuf_t *j = &J->j;
    const wasm_module_t *m = J->m;
    uint32_t ti = J->ir[p + 1], tab = J->ir[p + 2];
    if (tab > 0x0FFFFFFF)
        return false;
    const wasm_functype_t *want = &m->types[ti];
    uint32_t np = want->nparams;
    static const vstate_t empty = {0, 0, {{0, 0, 0, 0}}};
    sync(J); /* the index on top, in memory */
    mov_load(j, 0, RDX, M(RBX, -8));
    mov_load(j, 1, R11, state(offsetof(wasm_jit_state_t, tables)));
    mov_load(j, 1, R11, M(R11, (int32_t)(tab * 8)));
    enc(j, 0, 0, 0x3B, 1, RDX, M(R11, offsetof(wasm_table_t, size)), 0);
    stub_jcc(J, CC_AE, p, &empty);
    mov_load(j, 1, R11, M(R11, offsetof(wasm_table_t, elems)));
    mov_load(j, 1, RSI, MX(R11, RDX, 3, 0));
    enc(j, 0, 1, 0x85, 1, RSI, R(RSI), 0);
    stub_jcc(J, CC_E, p, &empty);
    mov_imm(j, R11, (uint64_t)(uintptr_t)want);
    enc(j, 0, 1, 0x3B, 1, R11, M(RSI, offsetof(wasm_func_t, type)), 0);
    stub_jcc(J, CC_NE, p, &empty);
    enc(j, 0, 0, 0x81, 1, 7, M(RSI, offsetof(wasm_func_t, kind)), 0);
    put32(j, WASM_FUNC_WASM);
    stub_jcc(J, CC_NE, p, &empty);
    mov_load(j, 1, R11, state(offsetof(wasm_jit_state_t, fn)));
    mov_load(j, 1, R11, M(R11, offsetof(wasm_func_t, inst)));
    enc(j, 0, 1, 0x3B, 1, R11, M(RSI, offsetof(wasm_func_t, inst)), 0);
    stub_jcc(J, CC_NE, p, &empty);
    mov_load(j, 1, R8, M(RSI, offsetof(wasm_func_t, code)));
    mov_load(j, 1, R9, M(R8, offsetof(wasm_code_t, jit_at)));
    enc(j, 0, 1, 0x85, 1, R9, R(R9), 0);
    stub_jcc(J, CC_E, p, &empty);
    enc(j, 0, 1, 0x63, 1, R9, M(R9, 8), 0); /* movsxd r9, jit_at[2] */
    enc(j, 0, 1, 0x85, 1, R9, R(R9), 0);
    stub_jcc(J, CC_L, p, &empty);
    mov_load(j, 0, RCX, M(R8, offsetof(wasm_code_t, frame_slots)));
    lea(j, RCX, MX(RBX, RCX, 3, -(int32_t)((np + 1) * 8)));
    call_checks(J, p, &empty);
    lea(j, RBX, M(RBX, -8)); /* the index is consumed */
    push_frame(J, q);
    mov_load(j, 1, R11, M(R8, offsetof(wasm_code_t, ir)));
    mov_load(j, 0, R11, M(R11, 4));
    enc(j, 0, 1, 0x2B, 1, R15, R(R11), 0); /* the callee's entry FUEL */
    mov_load(j, 0, RCX, M(R8, offsetof(wasm_code_t, nlocals)));
    zero_locals(J, 0, true);
    mov_store(j, 1, state(offsetof(wasm_jit_state_t, fn)), RSI);
    put(j, 0x41);
    put(j, 0x54); /* push r12 */
    lea(j, R12, M(RBX, -(int32_t)(np * 8)));
    mov_rr(j, 1, RBX, RDI); /* past the zeroed locals */
    mov_load(j, 1, R11, M(R8, offsetof(wasm_code_t, jit_code)));
    enc(j, 0, 1, 0x03, 1, R11, R(R9), 0);
    enc(j, 0, 0, 0xFF, 1, 2, R(R11), 0); /* call r11 */
    put(j, 0x41);
    put(j, 0x5C); /* pop r12 */
    set_fn(J, J->self);
    return true;
}

/* return: to a caller in machine code, natively; to the interpreter (the
 * entry's own frame), through it. */
static void op_return(jit_t *J, uint32_t p)
{
    jbuf_t *j = &J->j;
    uint32_t n = J->ir[p + 1];
    enc(j, 0, 1, 0x3B, 1, RSP, state(offsetof(wasm_jit_state_t, entry_rsp)), 0);
    stub_jcc(J, CC_E, p, &J->s);
    if (n == 1) {
        val_t v = pop(J);
        set_local(J, 0, &v); /* fp[0]; what is below is dropped */
    } else {
        sync(J);
        for (uint32_t k = 0; k < n; k++) {
            mov_load(j, 1, R11, M(RBX, -(int32_t)((n - k) * 8)));
            mov_store(j, 1, local(k), R11);
        }
    }
    lea(j, RBX, local(n));
    mov_load(j, 1, RCX, state(offsetof(wasm_jit_state_t, ex)));
    enc(j, 0, 0, 0xFF, 1, 1, M(RCX, offsetof(wasm_exec_t, depth)), 0); /* dec depth */
    put(j, 0xC3);
    J->dead = true;
}

static bool compile_op(jit_t *J, uint32_t p, uint32_t *next);

static bool jit_function(jit_t *J)
{
    const wasm_code_t *c = J->code;
    J->s.d = 0;
    J->s.n = 0;
    J->dead = false;
    J->nstubs = 0;
    J->nfix = 0;
    mark_labels(J);
    uint32_t p = 0;
    while (p < c->ir_len && !J->fail && !J->j.oom) {
        if (J->label[p]) {
            if (!J->dead)
                sync(J);
            J->s.d = 0;
            J->s.n = 0;
            J->dead = false;
            J->native[p] = (int32_t)J->j.len;
        }
        uint32_t next = p + 1;
        if (J->opnum[p] == WASM_OP_COUNT) { /* not an op start: cannot happen */
            J->fail = true;
            break;
        }
        /* the op's length from the map */
        if (J->dead) {
            while (next < c->ir_len && J->opnum[next] == WASM_OP_COUNT)
                next++;
            p = next;
            continue;
        }
        if (!compile_op(J, p, &next))
            exit_now(J, p);
        p = next;
    }
    if (!J->dead)
        exit_now(J, c->ir_len); /* cannot happen: a body ends with RETURN */
    /* stubs, then the label fixups */
    for (uint32_t k = 0; k < J->nstubs && !J->fail; k++) {
        stub_t *s = &J->stubs[k];
        link32(&J->j, s->patch, J->j.len);
        J->s = s->st;
        sync(J);
        mov_imm(&J->j, RAX, (uint64_t)(uintptr_t)s->pc);
        link32(&J->j, jmp32(&J->j), J->exit_at);
    }
    for (uint32_t k = 0; k < J->nfix; k++) {
        int32_t to = J->native[J->fix[k].target];
        if (to < 0) {
            J->fail = true;
            break;
        }
        link32(&J->j, J->fix[k].patch, (size_t)to);
    }
    return !J->fail && !J->j.oom;
}

static uint32_t next_op(jit_t *J, uint32_t p)
{
    uint32_t q = p + 1;
    while (q < J->code->ir_len && J->opnum[q] == WASM_OP_COUNT)
        q++;
    return q;
}

static bool compile_op(jit_t *J, uint32_t p, uint32_t *next)
{
    jbuf_t *j = &J->j;
    const uint32_t *ir = J->ir;
    uint32_t op = J->opnum[p];
    uint32_t q = next_op(J, p);
    int w = 0, cc;
    *next = q;
    if ((cc = alu_digit(op, &w)) >= 0) {
        op_alu(J, w, cc);
        return true;
    }
    if ((cc = int_cc(op, &w)) >= 0) {
        cmp_top(J, w);
        *next = finish_cond(J, cc, p, q, false);
        return true;
    }
    for (size_t k = 0; k < sizeof k_loads / sizeof k_loads[0]; k++)
        if (k_loads[k].op == op)
            return op_load(J, p, &k_loads[k], ir[p + 1]);
    for (size_t k = 0; k < sizeof k_stores / sizeof k_stores[0]; k++)
        if (k_stores[k].op == op)
            return op_store(J, p, k_stores[k].size, ir[p + 1]);
    switch (op) {
    case WASM_OP_FUEL: {
        static const vstate_t empty = {0, 0, {{0, 0, 0, 0}}};
        sync(J);
        enc(j, 0, 1, 0x85, 1, R15, R(R15), 0);
        stub_jcc(J, CC_LE, p, &empty);
        enc(j, 0, 1, 0x81, 1, 5, R(R15), 0);
        put32(j, ir[p + 1]);
        return true;
    }
    case WASM_OP_BR:
        sync(J);
        branch_to(J, p, ir[p + 1]);
        J->dead = true;
        return true;
    case WASM_OP_BR_IF:
    case WASM_OP_BR_UNLESS:
        test_top(J, 0);
        sync(J);
        cond_branch(J, op == WASM_OP_BR_IF ? CC_NE : CC_E, p, ir[p + 1]);
        return true;
    case WASM_OP_BR_MOVE:
        sync(J);
        if (ir[p + 3] > 64)
            return false;
        move_down(J, ir[p + 2], ir[p + 3]);
        branch_to(J, p, ir[p + 1]);
        J->dead = true;
        return true;
    case WASM_OP_BR_IF_MOVE: {
        if (ir[p + 3] > 64)
            return false;
        test_top(J, 0);
        sync(J);
        size_t skip = jcc32(j, CC_E);
        move_down(J, ir[p + 2], ir[p + 3]);
        branch_to(J, p, ir[p + 1]);
        link32(j, skip, j->len);
        return true;
    }
    case WASM_OP_BR_TABLE:
        op_br_table(J, p);
        J->dead = true;
        return true;
    case WASM_OP_CALL: return op_call(J, p, q);
    case WASM_OP_CALL_INDIRECT:
        if (J->ir[p + 1] >= J->m->ntypes || J->m->types[J->ir[p + 1]].nparams > 0x0FFFFFF)
            return false;
        return op_call_indirect(J, p, q);
    case WASM_OP_RETURN:
        if (ir[p + 1] > 64)
            return false;
        op_return(J, p);
        return true;
    case WASM_OP_DROP: (void)pop(J); return true;
    case WASM_OP_SELECT: {
        val_t cnd = pop(J), b = pop(J), a = pop(J);
        uint32_t avoid = bit_of(&b) | bit_of(&cnd);
        int r = (a.kind == V_REG && a.reg < 16) ? a.reg : alloc_reg(J, false, avoid);
        load_int(J, 1, r, &a);
        rm_t bs = src_int(J, 1, &b, R11);
        if (cnd.kind == V_REG && cnd.reg < 16) {
            enc(j, 0, 0, 0x85, 1, cnd.reg, R(cnd.reg), 0);
        } else if (cnd.kind == V_LOCAL || cnd.kind == V_MEM) {
            enc(j, 0, 0, 0x83, 1, 7, mem_of(J, &cnd), 0);
            put(j, 0);
        } else {
            load_int(J, 0, RCX, &cnd);
            enc(j, 0, 0, 0x85, 1, RCX, R(RCX), 0);
        }
        enc(j, 0, 1, 0x0F44, 2, r, bs, 0); /* cmovz r, b */
        push(J, vreg(r));
        return true;
    }
    case WASM_OP_LOCAL_GET: push(J, (val_t){V_LOCAL, 0, ir[p + 1], 0}); return true;
    case WASM_OP_LOCAL_SET: {
        val_t v = pop(J);
        unalias(J, ir[p + 1], J->s.n);
        set_local(J, ir[p + 1], &v);
        return true;
    }
    case WASM_OP_LOCAL_TEE: {
        val_t v = pop(J);
        unalias(J, ir[p + 1], J->s.n);
        set_local(J, ir[p + 1], &v);
        if (v.kind == V_REG)
            push(J, v);
        else
            push(J, (val_t){V_LOCAL, 0, ir[p + 1], 0});
        return true;
    }
    case WASM_OP_GLOBAL_GET: {
        if (ir[p + 1] > 0x0FFFFFFF)
            return false;
        int r = alloc_reg(J, false, 0);
        mov_load(j, 1, R11, M(RBP, offsetof(wasm_jit_state_t, globals)));
        mov_load(j, 1, R11, M(R11, (int32_t)(ir[p + 1] * 8)));
        mov_load(j, 1, r, M(R11, offsetof(wasm_global_t, value)));
        push(J, vreg(r));
        return true;
    }
    case WASM_OP_GLOBAL_SET: {
        if (ir[p + 1] > 0x0FFFFFFF)
            return false;
        val_t v = pop(J);
        load_int(J, 1, RCX, &v);
        mov_load(j, 1, R11, M(RBP, offsetof(wasm_jit_state_t, globals)));
        mov_load(j, 1, R11, M(R11, (int32_t)(ir[p + 1] * 8)));
        mov_store(j, 1, M(R11, offsetof(wasm_global_t, value)), RCX);
        return true;
    }
    case WASM_OP_MEMORY_SIZE: {
        int r = alloc_reg(J, false, 0);
        mov_rr(j, 1, r, R14);
        enc(j, 0, 1, 0xC1, 1, 5, R(r), 0);
        put(j, 16);
        push(J, vreg(r));
        return true;
    }
    case WASM_OP_I32_CONST:
    case WASM_OP_F32_CONST: push(J, vconst(ir[p + 1])); return true;
    case WASM_OP_I64_CONST:
    case WASM_OP_F64_CONST:
        push(J, vconst((uint64_t)ir[p + 1] | ((uint64_t)ir[p + 2] << 32)));
        return true;
    case WASM_OP_I32_EQZ:
    case WASM_OP_I64_EQZ:
        test_top(J, op == WASM_OP_I64_EQZ);
        *next = finish_cond(J, CC_E, p, q, false);
        return true;
    case WASM_OP_I32_MUL:
    case WASM_OP_I64_MUL: op_mul(J, op == WASM_OP_I64_MUL); return true;
    case WASM_OP_I32_SHL: op_shift(J, 0, 4); return true;
    case WASM_OP_I32_SHR_S: op_shift(J, 0, 7); return true;
    case WASM_OP_I32_SHR_U: op_shift(J, 0, 5); return true;
    case WASM_OP_I32_ROTL: op_shift(J, 0, 0); return true;
    case WASM_OP_I32_ROTR: op_shift(J, 0, 1); return true;
    case WASM_OP_I64_SHL: op_shift(J, 1, 4); return true;
    case WASM_OP_I64_SHR_S: op_shift(J, 1, 7); return true;
    case WASM_OP_I64_SHR_U: op_shift(J, 1, 5); return true;
    case WASM_OP_I64_ROTL: op_shift(J, 1, 0); return true;
    case WASM_OP_I64_ROTR: op_shift(J, 1, 1); return true;
    case WASM_OP_I32_DIV_S: op_div(J, p, 0, true, false); return true;
    case WASM_OP_I32_DIV_U: op_div(J, p, 0, false, false); return true;
    case WASM_OP_I32_REM_S: op_div(J, p, 0, true, true); return true;
    case WASM_OP_I32_REM_U: op_div(J, p, 0, false, true); return true;
    case WASM_OP_I64_DIV_S: op_div(J, p, 1, true, false); return true;
    case WASM_OP_I64_DIV_U: op_div(J, p, 1, false, false); return true;
    case WASM_OP_I64_REM_S: op_div(J, p, 1, true, true); return true;
    case WASM_OP_I64_REM_U: op_div(J, p, 1, false, true); return true;
    case WASM_OP_F32_EQ:
    case WASM_OP_F32_NE:
    case WASM_OP_F32_LT:
    case WASM_OP_F32_GT:
    case WASM_OP_F32_LE:
    case WASM_OP_F32_GE:
    case WASM_OP_F64_EQ:
    case WASM_OP_F64_NE:
    case WASM_OP_F64_LT:
    case WASM_OP_F64_GT:
    case WASM_OP_F64_LE:
    case WASM_OP_F64_GE: *next = finish_cond(J, float_cmp(J, op), p, q, true); return true;
    case WASM_OP_F32_ADD: float_bin(J, false, 0x0F58); return true;
    case WASM_OP_F32_SUB: float_bin(J, false, 0x0F5C); return true;
    case WASM_OP_F32_MUL: float_bin(J, false, 0x0F59); return true;
    case WASM_OP_F32_DIV: float_bin(J, false, 0x0F5E); return true;
    case WASM_OP_F64_ADD: float_bin(J, true, 0x0F58); return true;
    case WASM_OP_F64_SUB: float_bin(J, true, 0x0F5C); return true;
    case WASM_OP_F64_MUL: float_bin(J, true, 0x0F59); return true;
    case WASM_OP_F64_DIV: float_bin(J, true, 0x0F5E); return true;
    case WASM_OP_F32_SQRT: float_un(J, 0xF3, 0x0F51, -1); return true;
    case WASM_OP_F64_SQRT: float_un(J, 0xF2, 0x0F51, -1); return true;
    case WASM_OP_F32_ABS: float_sign(J, 0, 6); return true;
    case WASM_OP_F32_NEG: float_sign(J, 0, 7); return true;
    case WASM_OP_F64_ABS: float_sign(J, 1, 6); return true;
    case WASM_OP_F64_NEG: float_sign(J, 1, 7); return true;
    case WASM_OP_F32_DEMOTE_F64: float_un(J, 0xF2, 0x0F5A, -1); return true;
    case WASM_OP_F64_PROMOTE_F32: float_un(J, 0xF3, 0x0F5A, -1); return true;
    case WASM_OP_F64_CONVERT_I32_S:
    case WASM_OP_F64_CONVERT_I64_S:
    case WASM_OP_F32_CONVERT_I32_S:
    case WASM_OP_F32_CONVERT_I64_S:
    case WASM_OP_F64_CONVERT_I32_U:
    case WASM_OP_F32_CONVERT_I32_U: {
        bool f64 = op == WASM_OP_F64_CONVERT_I32_S || op == WASM_OP_F64_CONVERT_I64_S ||
                   op == WASM_OP_F64_CONVERT_I32_U;
        bool i64 = op == WASM_OP_F64_CONVERT_I64_S || op == WASM_OP_F32_CONVERT_I64_S;
        bool u32 = op == WASM_OP_F64_CONVERT_I32_U || op == WASM_OP_F32_CONVERT_I32_U;
        val_t a = pop(J);
        load_int(J, i64, R11, &a); /* a 32-bit load zero-extends: exact for u32 */
        int r = alloc_reg(J, true, 0);
        enc(j, 0x66, 0, 0x0F57, 2, r - 16, R(r - 16), 0); /* xorpd: no false dependency */
        enc(j, f64 ? 0xF2 : 0xF3, i64 || u32, 0x0F2A, 2, r - 16, R(R11), 0);
        push(J, vreg(r));
        return true;
    }
    case WASM_OP_I32_TRUNC_F32_S: op_trunc(J, p, false, false, true); return true;
    case WASM_OP_I32_TRUNC_F32_U: op_trunc(J, p, false, false, false); return true;
    case WASM_OP_I32_TRUNC_F64_S: op_trunc(J, p, true, false, true); return true;
    case WASM_OP_I32_TRUNC_F64_U: op_trunc(J, p, true, false, false); return true;
    case WASM_OP_I64_TRUNC_F32_S: op_trunc(J, p, false, true, true); return true;
    case WASM_OP_I64_TRUNC_F64_S: op_trunc(J, p, true, true, true); return true;
    case WASM_OP_I32_REINTERPRET_F32:
    case WASM_OP_I64_REINTERPRET_F64:
    case WASM_OP_F32_REINTERPRET_I32:
    case WASM_OP_F64_REINTERPRET_I64: return true; /* the slot's bits, unchanged */
    case WASM_OP_I32_WRAP_I64:
    case WASM_OP_I64_EXTEND_I32_U: int_un(J, 0, 0x8B, 1, 0); return true;
    case WASM_OP_I64_EXTEND_I32_S:
    case WASM_OP_I64_EXTEND32_S: int_un(J, 1, 0x63, 1, 0); return true;
    case WASM_OP_I32_EXTEND8_S: int_un(J, 0, 0x0FBE, 2, BYTE_RM); return true;
    case WASM_OP_I32_EXTEND16_S: int_un(J, 0, 0x0FBF, 2, 0); return true;
    case WASM_OP_I64_EXTEND8_S: int_un(J, 1, 0x0FBE, 2, BYTE_RM); return true;
    case WASM_OP_I64_EXTEND16_S: int_un(J, 1, 0x0FBF, 2, 0); return true;
    default: return false; /* the interpreter runs it */
    }
}

/* ---- module ---- */

/* Op number of each op word (handler offsets when direct-threaded). */
static int cmp_pair(const void *a, const void *b)
{
    uint32_t x = ((const uint32_t *)a)[0], y = ((const uint32_t *)b)[0];
    return x < y ? -1 : x > y;
}

static uint32_t word_to_op(const uint32_t *pairs, uint32_t w)
{
    uint32_t lo = 0, hi = WASM_OP_COUNT;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (pairs[mid * 2] < w)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < WASM_OP_COUNT && pairs[lo * 2] == w ? pairs[lo * 2 + 1] : WASM_OP_COUNT;
}

/* The entry and exit sequences at the start of the module's code. */
static void emit_trampolines(jit_t *J)
{
    jbuf_t *j = &J->j;
    static const uint8_t k_push[] = {RBP, RBX, R12, R13, R14, R15};
    for (int i = 0; i < 6; i++) {
        if (k_push[i] & 8)
            put(j, 0x41);
        put(j, (uint8_t)(0x50 + (k_push[i] & 7)));
    }
    mov_rr(j, 1, RBP, RDI);
    mov_load(j, 1, RBX, M(RBP, offsetof(wasm_jit_state_t, sp)));
    mov_load(j, 1, R12, M(RBP, offsetof(wasm_jit_state_t, fp)));
    mov_load(j, 1, R13, M(RBP, offsetof(wasm_jit_state_t, mem)));
    mov_load(j, 1, R14, M(RBP, offsetof(wasm_jit_state_t, memsize)));
    mov_load(j, 1, R15, M(RBP, offsetof(wasm_jit_state_t, fuel)));
    mov_store(j, 1, M(RBP, offsetof(wasm_jit_state_t, entry_rsp)), RSP);
    enc(j, 0, 0, 0xFF, 1, 4, R(RSI), 0); /* jmp rsi */
    J->exit_at = j->len;
    /* leaving from inside calls made in machine code drops their return
     * addresses: the interpreter continues in the frames they pushed */
    mov_load(j, 1, RSP, M(RBP, offsetof(wasm_jit_state_t, entry_rsp)));
    mov_store(j, 1, M(RBP, offsetof(wasm_jit_state_t, fp)), R12);
    mov_store(j, 1, M(RBP, offsetof(wasm_jit_state_t, sp)), RBX);
    mov_store(j, 1, M(RBP, offsetof(wasm_jit_state_t, fuel)), R15);
    for (int i = 5; i >= 0; i--) {
        if (k_push[i] & 8)
            put(j, 0x41);
        put(j, (uint8_t)(0x58 + (k_push[i] & 7)));
    }
    put(j, 0xC3);
    while (j->len % 16)
        put(j, 0xCC);
}

static bool g_jit_on = true;
static bool g_jit_env_read;

bool wasm_jit_enabled(void)
{
    if (!g_jit_env_read) {
        const char *e = getenv("MK_WASM_JIT");
        if (e && e[0] == '0')
            g_jit_on = false;
        g_jit_env_read = true;
    }
    return g_jit_on;
}

bool wasm_jit_set(bool on)
{
    bool was = wasm_jit_enabled();
    g_jit_on = on;
    return was;
}

bool wasm_jit_module(wasm_module_t *m)
{
    uint32_t ncodes = m->nfuncs - m->nfunc_imports;
    if (!m->plain_ir || ncodes == 0)
        return true;
    uint32_t pairs[WASM_OP_COUNT * 2];
    for (uint32_t op = 0; op < WASM_OP_COUNT; op++) {
        pairs[op * 2] = wasm_interp_op_word(op);
        pairs[op * 2 + 1] = op;
    }
    qsort(pairs, WASM_OP_COUNT, 2 * sizeof pairs[0], cmp_pair);
    jit_t J = {.m = m};
    emit_trampolines(&J);
    bool ok = true;
    for (uint32_t f = 0; f < ncodes && ok; f++) {
        wasm_code_t *c = &m->codes[f];
        J.code = c;
        J.self = m->nfunc_imports + f;
        J.ir = c->ir;
        J.opnum = mk_malloc((size_t)c->ir_len * sizeof *J.opnum);
        J.label = mk_calloc(c->ir_len ? c->ir_len : 1, 1);
        c->jit_at = mk_malloc((size_t)(c->ir_len ? c->ir_len : 1) * sizeof *c->jit_at);
        if (!J.opnum || !J.label || !c->jit_at) {
            ok = false;
        } else {
            for (uint32_t i = 0; i < c->ir_len; i++) {
                J.opnum[i] = WASM_OP_COUNT;
                c->jit_at[i] = -1;
            }
            for (uint32_t k = 0; k < c->pc_map_len; k++) {
                uint32_t at = c->pc_map[k * 2];
                J.opnum[at] = (uint16_t)word_to_op(pairs, c->ir[at]);
            }
            J.native = c->jit_at;
            ok = jit_function(&J);
        }
        mk_free(J.opnum);
        mk_free(J.label);
        J.opnum = NULL;
        J.label = NULL;
    }
    for (uint32_t k = 0; ok && k < J.ncalls; k++) {
        const int32_t *at = m->codes[J.calls[k].target].jit_at;
        if (!at || at[2] < 0)
            ok = false;
        else
            link32(&J.j, J.calls[k].patch, (size_t)at[2]);
    }
    mk_free(J.stubs);
    mk_free(J.fix);
    mk_free(J.calls);
    void *mem = MAP_FAILED;
    if (ok && !J.j.oom && J.j.len) {
        mem = mmap(NULL, J.j.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem != MAP_FAILED) {
            memcpy(mem, J.j.b, J.j.len);
            if (mprotect(mem, J.j.len, PROT_READ | PROT_EXEC) != 0) {
                munmap(mem, J.j.len);
                mem = MAP_FAILED;
            }
        }
    }
    mk_free(J.j.b);
    if (mem == MAP_FAILED) { /* no machine code: the interpreter runs all of it */
        for (uint32_t f = 0; f < ncodes; f++) {
            mk_free(m->codes[f].jit_at);
            m->codes[f].jit_at = NULL;
        }
        return false;
    }
    m->jit_mem = mem;
    m->jit_size = J.j.len;
    for (uint32_t f = 0; f < ncodes; f++)
        m->codes[f].jit_code = mem;
    return true;
}

void wasm_jit_free(wasm_module_t *m)
{
    if (m->jit_mem)
        munmap(m->jit_mem, m->jit_size);
    m->jit_mem = NULL;
    uint32_t ncodes = m->codes ? m->nfuncs - m->nfunc_imports : 0;
    for (uint32_t f = 0; f < ncodes; f++) {
        mk_free(m->codes[f].jit_at);
        m->codes[f].jit_at = NULL;
    }
}

#else /* !WASM_JIT */

bool wasm_jit_module(wasm_module_t *m)
{
    (void)m;
    return false;
}

void wasm_jit_free(wasm_module_t *m)
{
    (void)m;
}

bool wasm_jit_enabled(void)
{
    return false;
}

bool wasm_jit_set(bool on)
{
    (void)on;
    return false;
}

#endif
