/*
 * jit_x64_emit.h -- the JIT's x86-64 encoder, its lazy
 * operand stack (values kept as a local, a constant or a register until a
 * label, branch or exit writes them to their slots), its cache of locals in
 * registers, and the exits of the machine code (DESIGN.md "The JIT").
 * Included by jit_x64.c only (one translation unit: the helpers stay
 * static and inline).
 */
#ifndef WASM_JIT_X64_EMIT_H
#define WASM_JIT_X64_EMIT_H

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
        uint8_t *p = j->oom || n > wasm_jit_max_code ? NULL : mk_realloc(j->b, n);
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
    /* per register (0-15 general, 16-31 xmm): the local whose value it
     * also holds since a local.set/tee in this block, or -1. Locals are
     * written through (memory is always current), so dropping an entry is
     * always safe; labels, calls and direct register writes drop them. */
    int32_t cached[32];
    uint32_t self;  /* function index of the body being compiled */
    unsigned cpu;   /* CPU_* bits (jit_x64_ops.h) */
    fixup_t *calls; /* rel32 of direct calls, target = callee's code index */
    uint32_t ncalls, call_cap;
    bool fail;
    /* label caches (jit_x64_labels.h): per IR word, 1 + the label's number
     * (0: not a label); per label, the locals its edges leave in registers */
    uint32_t *lnum;
    struct lcache *lc;
    uint32_t nlabels;
    int pass; /* 0: labels start empty; 1: learning the caches; 2: using them */
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

static void cache_clear(jit_t *J)
{
    for (int r = 0; r < 32; r++)
        J->cached[r] = -1;
}

static void cache_drop_local(jit_t *J, uint32_t i)
{
    for (int r = 0; r < 32; r++)
        if (J->cached[r] == (int32_t)i)
            J->cached[r] = -1;
}

/* The register holding local i in the given bank, or -1. */
static int cache_find(const jit_t *J, uint32_t i, bool xmm)
{
    for (int r = xmm ? 16 : 0; r < (xmm ? 32 : 16); r++)
        if (J->cached[r] == (int32_t)i)
            return r;
    return -1;
}

/* A free register (general or xmm), evicting the lowest entry holding one
 * if all are taken; never one in `avoid` (a bit per register number).
 * Registers that only cache a local are taken last (the cache entry is
 * dropped). */
static int alloc_reg(jit_t *J, bool xmm, uint32_t avoid)
{
    static const uint8_t k_gpr[] = {RAX, RDX, RSI, RDI, R8, R9, R10};
    static const uint8_t k_xmm[] = {XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5)};
    const uint8_t *pool = xmm ? k_xmm : k_gpr;
    size_t np = xmm ? sizeof k_xmm : sizeof k_gpr;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < np; i++)
            if (!(avoid & (1u << pool[i])) && !reg_used(J, pool[i]) &&
                (pass || J->cached[pool[i]] < 0)) {
                J->cached[pool[i]] = -1;
                return pool[i];
            }
    for (uint32_t i = 0; i < J->s.n; i++) {
        val_t *e = &J->s.v[i];
        if (e->kind == V_REG && (e->reg >= 16) == xmm && !(avoid & (1u << e->reg))) {
            int r = e->reg;
            materialize(J, i);
            J->cached[r] = -1;
            return r;
        }
    }
    return xmm ? XMM(0) : RAX; /* unreachable: the pool outnumbers the avoided */
}

/* Free register r for a direct write (div's rax/rdx). */
static void evict(jit_t *J, int r)
{
    for (uint32_t i = 0; i < J->s.n; i++)
        if (J->s.v[i].kind == V_REG && J->s.v[i].reg == r)
            materialize(J, i);
    J->cached[r] = -1;
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
    case V_LOCAL: {
        int c = cache_find(J, v->idx, false);
        if (c >= 0)
            mov_rr(j, w, r, c);
        else
            mov_load(j, w, r, local(v->idx));
        break;
    }
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
    case V_LOCAL: {
        int c = cache_find(J, v->idx, true);
        if (c >= 0) {
            if (c - 16 != x)
                enc(j, 0x66, 0, 0x0F28, 2, x, R(c - 16), 0);
        } else {
            enc(j, 0xF3, 0, 0x0F7E, 2, x, local(v->idx), 0);
        }
        break;
    }
    default: enc(j, 0xF3, 0, 0x0F7E, 2, x, mem_of(J, v), 0); break; /* movq xmm, m64 */
    }
}

/* A general-register or memory operand for v; constants and xmm values go
 * through `scratch`. */
static rm_t src_int(jit_t *J, int w, const val_t *v, int scratch)
{
    if (v->kind == V_REG && v->reg < 16)
        return R(v->reg);
    if (v->kind == V_LOCAL && cache_find(J, v->idx, false) >= 0)
        return R(cache_find(J, v->idx, false));
    if (v->kind == V_LOCAL || v->kind == V_MEM)
        return mem_of(J, v);
    load_int(J, w, scratch, v);
    return R(scratch);
}

static rm_t src_xmm(jit_t *J, const val_t *v, int scratch)
{
    if (v->kind == V_REG && v->reg >= 16)
        return R(v->reg - 16);
    if (v->kind == V_LOCAL && cache_find(J, v->idx, true) >= 0)
        return R(cache_find(J, v->idx, true) - 16);
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

#endif
