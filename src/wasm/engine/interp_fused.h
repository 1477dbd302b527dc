/*
 * interp_fused.h -- the superinstruction handlers of the dispatch loop
 * (DESIGN.md "Superinstructions": compare-and-branch, constant operands,
 * local operands, fused loads, rounds 4 and 5), included once inside
 * wasm_interp_run() in interp.c: it uses that function's pc, sp, fp, mem,
 * memsize, fuel and labels; it is not a header for any other file.
 */
#ifndef WASM_INTERP_INSIDE_RUN
#error "interp_fused.h is a fragment of wasm_interp_run() (interp.c)"
#endif

/* The ten i32 comparisons, for each family M(name, type, C operator):
 * name is P<EQ|NE|LT_S|...>S. */
/* The six loads with fused address forms, M(name, type, C type):
 * name is P<I32_LOAD8_S|...|F64_LOAD> (the order of load_index() in
 * compile_fuse.c). */
#define LOAD_FORMS(M, P)                                                                           \
    M(P##I32_LOAD8_S, int8_t, uint32_t)                                                            \
    M(P##I32_LOAD8_U, uint8_t, uint32_t)                                                           \
    M(P##I32_LOAD16_S, int16_t, uint32_t)                                                          \
    M(P##I32_LOAD16_U, uint16_t, uint32_t)                                                         \
    M(P##I32_LOAD, uint32_t, uint32_t)                                                             \
    M(P##F64_LOAD, uint64_t, uint64_t)
#define I32_CMPS(M, P, S)                                                                          \
    M(P##EQ##S, uint32_t, ==)                                                                      \
    M(P##NE##S, uint32_t, !=)                                                                      \
    M(P##LT_S##S, int32_t, <)                                                                      \
    M(P##LT_U##S, uint32_t, <)                                                                     \
    M(P##GT_S##S, int32_t, >)                                                                      \
    M(P##GT_U##S, uint32_t, >)                                                                     \
    M(P##LE_S##S, int32_t, <=)                                                                     \
    M(P##LE_U##S, uint32_t, <=)                                                                    \
    M(P##GE_S##S, int32_t, >=)                                                                     \
    M(P##GE_U##S, uint32_t, >=)

#define CMP_BR(name, T, field, op)                                                                 \
    OP(name)                                                                                       \
    {                                                                                              \
        T b = sp[-1].field, a = sp[-2].field;                                                      \
        sp -= 2;                                                                                   \
        if (a op b)                                                                                \
            JUMP(pc[0]);                                                                           \
        else                                                                                       \
            pc++;                                                                                  \
        NEXT();                                                                                    \
    }
CMP_BR(I32_EQ_BR_IF, uint32_t, u32, ==)
CMP_BR(I32_NE_BR_IF, uint32_t, u32, !=)
CMP_BR(I32_LT_S_BR_IF, int32_t, i32, <)
CMP_BR(I32_LT_U_BR_IF, uint32_t, u32, <)
CMP_BR(I32_GT_S_BR_IF, int32_t, i32, >)
CMP_BR(I32_GT_U_BR_IF, uint32_t, u32, >)
CMP_BR(I32_LE_S_BR_IF, int32_t, i32, <=)
CMP_BR(I32_LE_U_BR_IF, uint32_t, u32, <=)
CMP_BR(I32_GE_S_BR_IF, int32_t, i32, >=)
CMP_BR(I32_GE_U_BR_IF, uint32_t, u32, >=)

#define BIN_IMM(name, expr)                                                                        \
    OP(name)                                                                                       \
    {                                                                                              \
        uint32_t a = sp[-1].u32, k = *pc++;                                                        \
        sp[-1].u64 = (uint32_t)(expr);                                                             \
        NEXT();                                                                                    \
    }
/* comparisons with a constant right operand, alone and fused with br_if */
#define CMP_IMM(name, T, op)                                                                       \
    OP(name)                                                                                       \
    {                                                                                              \
        T a = (T)sp[-1].u32, k = (T)*pc++;                                                         \
        sp[-1].u64 = a op k;                                                                       \
        NEXT();                                                                                    \
    }
#define CMP_IMM_BR(name, T, op)                                                                    \
    OP(name)                                                                                       \
    {                                                                                              \
        T a = (T)(--sp)->u32, k = (T)pc[0];                                                        \
        if (a op k)                                                                                \
            JUMP(pc[1]);                                                                           \
        else                                                                                       \
            pc += 2;                                                                               \
        NEXT();                                                                                    \
    }
I32_CMPS(CMP_IMM, I32_, _IMM)
I32_CMPS(CMP_IMM_BR, I32_, _IMM_BR_IF)
BIN_IMM(I32_ADD_IMM, a + k)
BIN_IMM(I32_AND_IMM, a &k)
BIN_IMM(I32_OR_IMM, a | k)
BIN_IMM(I32_XOR_IMM, a ^ k)
BIN_IMM(I32_SHL_IMM, a << (k & 31))
BIN_IMM(I32_SHR_S_IMM, (int32_t)a >> (k & 31))
BIN_IMM(I32_SHR_U_IMM, a >> (k & 31))
BIN_IMM(I32_MUL_IMM, a *k)
BIN_IMM(I32_ROTL_IMM, rotl32(a, k))
BIN_IMM(I32_ROTR_IMM, rotr32(a, k))
OP(LOCAL_GET_ADD_IMM)
{
    (sp++)->u64 = (uint32_t)(fp[pc[0]].u32 + pc[1]);
    pc += 2;
    NEXT();
}
OP(LOCAL_ADD_IMM_SET)
{
    fp[pc[2]].u64 = (uint32_t)(fp[pc[0]].u32 + pc[1]);
    pc += 3;
    NEXT();
}
OP(LOCAL_COPY) /* local.get x; local.set y */
{
    fp[pc[1]] = fp[pc[0]];
    pc += 2;
    NEXT();
}
OP(LOCAL_SET_GET) /* local.set x; local.get y */
{
    fp[pc[0]] = sp[-1];
    sp[-1] = fp[pc[1]];
    pc += 2;
    NEXT();
}
OP(LOCAL_TEE_GET) /* local.tee x; local.get y */
{
    fp[pc[0]] = sp[-1];
    *sp++ = fp[pc[1]];
    pc += 2;
    NEXT();
}
OP(LOCAL_BR_IF) /* local.get x; br_if target */
{
    if (fp[pc[0]].u32)
        JUMP(pc[1]);
    else
        pc += 2;
    NEXT();
}
OP(LOCAL_BR_UNLESS) /* local.get x; i32.eqz; br_if target, or local.get x; if */
{
    if (!fp[pc[0]].u32)
        JUMP(pc[1]);
    else
        pc += 2;
    NEXT();
}
OP(LOCAL_GET2)
{
    sp[0] = fp[pc[0]];
    sp[1] = fp[pc[1]];
    sp += 2;
    pc += 2;
    NEXT();
}
OP(LOCAL_I32_LOAD)
{
    uint64_t ea = (uint64_t)fp[pc[0]].u32 + pc[1];
    pc += 2;
    if (ea + 4 > memsize)
        TRAP(WASM_TRAP_MEMORY_OOB);
    uint32_t v;
    memcpy(&v, mem + ea, 4);
    (sp++)->u64 = v;
    NEXT();
}
OP(I32_ADD_SET)
{
    fp[*pc++].u64 = (uint32_t)(sp[-2].u32 + sp[-1].u32);
    sp -= 2;
    NEXT();
}

#define BIN_LOCAL(name, T, field, rfield, expr)                                                    \
    OP(name)                                                                                       \
    {                                                                                              \
        T a = sp[-1].field, b = fp[*pc++].field;                                                   \
        sp[-1].rfield = (expr);                                                                    \
        NEXT();                                                                                    \
    }
BIN_LOCAL(I32_ADD_LOCAL, uint32_t, u32, u64, (uint32_t)(a + b))
BIN_LOCAL(I32_SUB_LOCAL, uint32_t, u32, u64, (uint32_t)(a - b))
BIN_LOCAL(I32_AND_LOCAL, uint32_t, u32, u64, a &b)
BIN_LOCAL(I32_OR_LOCAL, uint32_t, u32, u64, a | b)
BIN_LOCAL(I32_XOR_LOCAL, uint32_t, u32, u64, a ^ b)
BIN_LOCAL(I32_MUL_LOCAL, uint32_t, u32, u64, (uint32_t)(a *b))
BIN_LOCAL(F64_ADD_LOCAL, double, f64, f64, a + b)
BIN_LOCAL(F64_SUB_LOCAL, double, f64, f64, a - b)
BIN_LOCAL(F64_MUL_LOCAL, double, f64, f64, a *b)
OP(LOCAL_ADD_IMM_TEE)
{
    uint64_t v = (uint32_t)(fp[pc[0]].u32 + pc[1]);
    fp[pc[2]].u64 = v;
    (sp++)->u64 = v;
    pc += 3;
    NEXT();
}
OP(LOCAL2_I32_ADD)
{
    (sp++)->u64 = (uint32_t)(fp[pc[0]].u32 + fp[pc[1]].u32);
    pc += 2;
    NEXT();
}
/* local.get x; i32.load8/16_s/u off */
#define LOCAL_LOAD_NARROW(name, T)                                                                 \
    OP(name)                                                                                       \
    {                                                                                              \
        uint64_t ea = (uint64_t)fp[pc[0]].u32 + pc[1];                                             \
        pc += 2;                                                                                   \
        if (ea + sizeof(T) > memsize)                                                              \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        T v_;                                                                                      \
        memcpy(&v_, mem + ea, sizeof v_);                                                          \
        (sp++)->u64 = (uint32_t)(int32_t)v_;                                                       \
        NEXT();                                                                                    \
    }
LOCAL_LOAD_NARROW(LOCAL_I32_LOAD8_S, int8_t)
LOCAL_LOAD_NARROW(LOCAL_I32_LOAD8_U, uint8_t)
LOCAL_LOAD_NARROW(LOCAL_I32_LOAD16_S, int16_t)
LOCAL_LOAD_NARROW(LOCAL_I32_LOAD16_U, uint16_t)
OP(LOCAL_F64_LOAD)
{
    uint64_t ea = (uint64_t)fp[pc[0]].u32 + pc[1];
    pc += 2;
    if (ea + 8 > memsize)
        TRAP(WASM_TRAP_MEMORY_OOB);
    uint64_t v;
    memcpy(&v, mem + ea, 8);
    (sp++)->u64 = v;
    NEXT();
}

/* local.get x; <i32 op> k (the family order of bin_imm_index() in compile.c) */
#define LOCAL_BIN_IMM(name, expr)                                                                  \
    OP(name)                                                                                       \
    {                                                                                              \
        uint32_t a = fp[pc[0]].u32, k = pc[1];                                                     \
        pc += 2;                                                                                   \
        (sp++)->u64 = (uint32_t)(expr);                                                            \
        NEXT();                                                                                    \
    }
LOCAL_BIN_IMM(LOCAL_AND_IMM, a &k)
LOCAL_BIN_IMM(LOCAL_OR_IMM, a | k)
LOCAL_BIN_IMM(LOCAL_XOR_IMM, a ^ k)
LOCAL_BIN_IMM(LOCAL_SHL_IMM, a << (k & 31))
LOCAL_BIN_IMM(LOCAL_SHR_S_IMM, (int32_t)a >> (k & 31))
LOCAL_BIN_IMM(LOCAL_SHR_U_IMM, a >> (k & 31))
LOCAL_BIN_IMM(LOCAL_MUL_IMM, a *k)
LOCAL_BIN_IMM(LOCAL_ROTL_IMM, rotl32(a, k))
LOCAL_BIN_IMM(LOCAL_ROTR_IMM, rotr32(a, k))
/* local.tee x; <i32 op> k: the value stays on the stack, changed */
#define TEE_BIN_IMM(name, expr)                                                                    \
    OP(name)                                                                                       \
    {                                                                                              \
        fp[pc[0]] = sp[-1];                                                                        \
        uint32_t a = sp[-1].u32, k = pc[1];                                                        \
        pc += 2;                                                                                   \
        sp[-1].u64 = (uint32_t)(expr);                                                             \
        NEXT();                                                                                    \
    }
TEE_BIN_IMM(TEE_ADD_IMM, a + k)
TEE_BIN_IMM(TEE_AND_IMM, a &k)
TEE_BIN_IMM(TEE_OR_IMM, a | k)
TEE_BIN_IMM(TEE_XOR_IMM, a ^ k)
TEE_BIN_IMM(TEE_SHL_IMM, a << (k & 31))
TEE_BIN_IMM(TEE_SHR_S_IMM, (int32_t)a >> (k & 31))
TEE_BIN_IMM(TEE_SHR_U_IMM, a >> (k & 31))
TEE_BIN_IMM(TEE_MUL_IMM, a *k)
TEE_BIN_IMM(TEE_ROTL_IMM, rotl32(a, k))
TEE_BIN_IMM(TEE_ROTR_IMM, rotr32(a, k))
/* local.get x; i32.const k; <i32 cmp> (+ br_if) */
#define LOCAL_CMP_IMM(name, T, op)                                                                 \
    OP(name)                                                                                       \
    {                                                                                              \
        T a = (T)fp[pc[0]].u32, k = (T)pc[1];                                                      \
        pc += 2;                                                                                   \
        (sp++)->u64 = a op k;                                                                      \
        NEXT();                                                                                    \
    }
#define LOCAL_CMP_IMM_BR(name, T, op)                                                              \
    OP(name)                                                                                       \
    {                                                                                              \
        T a = (T)fp[pc[0]].u32, k = (T)pc[1];                                                      \
        if (a op k)                                                                                \
            JUMP(pc[2]);                                                                           \
        else                                                                                       \
            pc += 3;                                                                               \
        NEXT();                                                                                    \
    }
I32_CMPS(LOCAL_CMP_IMM, LOCAL_, _IMM)
I32_CMPS(LOCAL_CMP_IMM_BR, LOCAL_, _IMM_BR_IF)
/* i32.const k; i32.add; <load> off: the address wraps at 32 bits
 * before the offset is added, as in the unfused pair */
#define ADD_IMM_LOAD(name, T, CT)                                                                  \
    OP(name)                                                                                       \
    {                                                                                              \
        uint64_t ea = (uint64_t)(uint32_t)(sp[-1].u32 + pc[0]) + pc[1];                            \
        pc += 2;                                                                                   \
        if (ea + sizeof(T) > memsize)                                                              \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        T v_;                                                                                      \
        memcpy(&v_, mem + ea, sizeof v_);                                                          \
        sp[-1].u64 = (CT)v_;                                                                       \
        NEXT();                                                                                    \
    }
/* local.get x; i32.const k; i32.add; <load> off */
/* A load pushed from an address computed from immediates and locals
 * (`ADDR`, wrapping at 32 bits), plus the offset in pc[2]. */
#define PUSH_LOAD_AT(name, T, CT, ADDR)                                                            \
    OP(name)                                                                                       \
    {                                                                                              \
        uint64_t ea = (uint64_t)(uint32_t)(ADDR) + pc[2];                                          \
        pc += 3;                                                                                   \
        if (ea + sizeof(T) > memsize)                                                              \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        T v_;                                                                                      \
        memcpy(&v_, mem + ea, sizeof v_);                                                          \
        (sp++)->u64 = (CT)v_;                                                                      \
        NEXT();                                                                                    \
    }
#define LOCAL_ADD_IMM_LOAD(name, T, CT) PUSH_LOAD_AT(name, T, CT, fp[pc[0]].u32 + pc[1])
LOAD_FORMS(ADD_IMM_LOAD, ADD_IMM_)
LOAD_FORMS(LOCAL_ADD_IMM_LOAD, LOCAL_ADD_IMM_)

OP(LOCAL_SET_GET2) /* local.set x; local.get y; local.set z; local.get w */
{
    fp[pc[0]] = sp[-1];
    fp[pc[2]] = fp[pc[1]];
    sp[-1] = fp[pc[3]];
    pc += 4;
    NEXT();
}
OP(LOCAL_COPY2) /* local.get a; local.set b; local.get c; local.set d */
{
    fp[pc[1]] = fp[pc[0]];
    fp[pc[3]] = fp[pc[2]];
    pc += 4;
    NEXT();
}
OP(I32_ADD_IMM_SET) /* i32.const k; i32.add; local.set x */
{
    fp[pc[1]].u64 = (uint32_t)((--sp)->u32 + pc[0]);
    pc += 2;
    NEXT();
}
OP(I32_ADD_IMM_TEE) /* i32.const k; i32.add; local.tee x */
{
    sp[-1].u64 = (uint32_t)(sp[-1].u32 + pc[0]);
    fp[pc[1]] = sp[-1];
    pc += 2;
    NEXT();
}
/* local.get x; local.get y; <binop> (the order of LOCAL2_I32_SUB on) */
#define LOCAL2_BIN(name, T, field, rfield, expr)                                                   \
    OP(name)                                                                                       \
    {                                                                                              \
        T a = fp[pc[0]].field, b = fp[pc[1]].field;                                                \
        pc += 2;                                                                                   \
        sp->u64 = 0;                                                                               \
        (sp++)->rfield = (expr);                                                                   \
        NEXT();                                                                                    \
    }
LOCAL2_BIN(LOCAL2_I32_SUB, uint32_t, u32, u64, (uint32_t)(a - b))
LOCAL2_BIN(LOCAL2_I32_AND, uint32_t, u32, u64, a &b)
LOCAL2_BIN(LOCAL2_I32_OR, uint32_t, u32, u64, a | b)
LOCAL2_BIN(LOCAL2_I32_XOR, uint32_t, u32, u64, a ^ b)
LOCAL2_BIN(LOCAL2_I32_MUL, uint32_t, u32, u64, (uint32_t)(a *b))
LOCAL2_BIN(LOCAL2_F64_ADD, double, f64, f64, a + b)
LOCAL2_BIN(LOCAL2_F64_SUB, double, f64, f64, a - b)
LOCAL2_BIN(LOCAL2_F64_MUL, double, f64, f64, a *b)

/* round-4 stack fusions (DESIGN.md "Superinstructions"): LOCAL_<sh>_IMM_XOR
 * x k is `local.get x; i32.const k; i32.<sh>; i32.xor` on the stack top */
#define LOCAL_SH_IMM_XOR(name, expr)                                                               \
    OP(name)                                                                                       \
    {                                                                                              \
        uint32_t a = fp[pc[0]].u32, k = pc[1];                                                     \
        pc += 2;                                                                                   \
        sp[-1].u64 = sp[-1].u32 ^ (uint32_t)(expr);                                                \
        NEXT();                                                                                    \
    }
LOCAL_SH_IMM_XOR(LOCAL_SHL_IMM_XOR, a << (k & 31))
LOCAL_SH_IMM_XOR(LOCAL_SHR_U_IMM_XOR, a >> (k & 31))
LOCAL_SH_IMM_XOR(LOCAL_ROTL_IMM_XOR, rotl32(a, k))
LOCAL_SH_IMM_XOR(LOCAL_ROTR_IMM_XOR, rotr32(a, k))
#undef LOCAL_SH_IMM_XOR
OP(I32_SHR_U_AND_IMM) /* i32.const k; i32.shr_u; i32.const m; i32.and */
{
    uint32_t a = sp[-1].u32, k = pc[0], m = pc[1];
    pc += 2;
    sp[-1].u64 = (a >> (k & 31)) & m;
    NEXT();
}
OP(I32_XOR_ADD) /* i32.xor; i32.add: a + (b ^ c) */
{
    uint32_t c_ = sp[-1].u32, b = sp[-2].u32, a = sp[-3].u32;
    sp -= 2;
    sp[-1].u64 = (uint32_t)(a + (b ^ c_));
    NEXT();
}
/* i32.const k; i32.and|i32.lt_s; select: the condition from the top
 * value and k, then select between the two below it */
OP(I32_AND_IMM_SELECT)
{
    uint32_t c_ = sp[-1].u32 & *pc++;
    sp -= 2;
    if (!c_)
        sp[-1] = sp[0];
    NEXT();
}
OP(I32_LT_S_IMM_SELECT)
{
    bool c_ = (int32_t)sp[-1].u32 < (int32_t)*pc++;
    sp -= 2;
    if (!c_)
        sp[-1] = sp[0];
    NEXT();
}
/* round-5 fusions (DESIGN.md "Superinstructions"): counted-loop
 * back-edges, phi moves before a branch, a select by a local's bit, a
 * product of three locals, an f64 result stored at once, and a local
 * pushed under a load */
OP(LOCAL_GET_LOCAL_ADD_IMM_TEE) /* local.get a; local.get x; i32.const k; i32.add; local.tee d
                                 */
{
    wasm_value_t a = fp[pc[0]]; /* read before the tee: a may be d */
    uint64_t v = (uint32_t)(fp[pc[1]].u32 + pc[2]);
    fp[pc[3]].u64 = v;
    sp[0] = a;
    sp[1].u64 = v;
    sp += 2;
    pc += 4;
    NEXT();
}
OP(LOCAL_ADD_IMM_TEE_NE_BR_IF) /* the above; i32.ne; br_if t */
{
    uint32_t a = fp[pc[0]].u32;
    uint32_t v = fp[pc[1]].u32 + pc[2];
    fp[pc[3]].u64 = v;
    if (a != v)
        JUMP(pc[4]);
    else
        pc += 5;
    NEXT();
}
OP(LOCAL_ADD_IMM_TEE_NE_IMM_BR_IF) /* local.get x; i32.const k; i32.add; local.tee d;
                                      i32.const m; i32.ne; br_if t */
{
    uint32_t v = fp[pc[0]].u32 + pc[1];
    fp[pc[2]].u64 = v;
    if (v != pc[3])
        JUMP(pc[4]);
    else
        pc += 5;
    NEXT();
}
OP(TEE_NE_IMM_BR_IF) /* local.tee x; i32.const m; i32.ne; br_if t */
{
    wasm_value_t v = *--sp;
    fp[pc[0]] = v;
    if (v.u32 != pc[1])
        JUMP(pc[2]);
    else
        pc += 3;
    NEXT();
}
OP(LOCAL_COPY_BR) /* local.get x; local.set y; br t */
{
    fp[pc[1]] = fp[pc[0]];
    JUMP(pc[2]);
    NEXT();
}
OP(LOCAL_SET_BR) /* local.set x; br t */
{
    fp[pc[0]] = *--sp;
    JUMP(pc[1]);
    NEXT();
}
OP(LOCAL2_AND_IMM_SELECT) /* local.get a; local.get b; i32.const k; i32.and; select */
{
    if (!(fp[pc[1]].u32 & pc[2]))
        sp[-1] = fp[pc[0]];
    pc += 3;
    NEXT();
}
OP(LOCAL3_F64_MUL) /* local.get a; local.get b; f64.mul; local.get c; f64.mul */
{
    double r = fp[pc[0]].f64 * fp[pc[1]].f64;
    r = r * fp[pc[2]].f64;
    (sp++)->f64 = r;
    pc += 3;
    NEXT();
}
#define F64_BIN_STORE(name, op)                                                                    \
    OP(name) /* f64.<op>; f64.store off */                                                         \
    {                                                                                              \
        double r_ = sp[-2].f64 op sp[-1].f64;                                                      \
        uint64_t ea = (uint64_t)sp[-3].u32 + *pc++;                                                \
        sp -= 3;                                                                                   \
        if (ea + 8 > memsize)                                                                      \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        memcpy(mem + ea, &r_, 8);                                                                  \
        NEXT();                                                                                    \
    }
F64_BIN_STORE(F64_ADD_STORE, +)
F64_BIN_STORE(F64_SUB_STORE, -)
#undef F64_BIN_STORE
/* round 6: a constant stored, at an address from the stack, a local or a
 * local + k (wrapping at 32 bits before the offset, as unfused):
 * <X>_STORE_IMM v off, LOCAL_<X>_STORE_IMM x v off,
 * LOCAL_ADD_IMM_<X>_STORE_IMM x k v off; v is two words (low first) for
 * i64. The address is read before pc moves past the op. */
#define STORE_IMM_(name, T, NA, ADDR)                                                              \
    OP(name)                                                                                       \
    {                                                                                              \
        enum { NV_ = sizeof(T) == 8 ? 2 : 1 };                                                     \
        uint64_t ea = (uint64_t)(ADDR) + pc[NA + NV_];                                             \
        uint64_t v64_ = NV_ == 2 ? (uint64_t)pc[NA] | ((uint64_t)pc[NA + 1] << 32) : pc[NA];       \
        T v_ = (T)v64_;                                                                            \
        pc += NA + NV_ + 1;                                                                        \
        if (ea + sizeof(T) > memsize)                                                              \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        memcpy(mem + ea, &v_, sizeof v_);                                                          \
        NEXT();                                                                                    \
    }
#define STORE_IMM(X, W, T)                                                                         \
    STORE_IMM_(X##_STORE##W##_IMM, T, 0, (--sp)->u32)                                              \
    STORE_IMM_(LOCAL_##X##_STORE##W##_IMM, T, 1, fp[pc[0]].u32)                                    \
    STORE_IMM_(LOCAL_ADD_IMM_##X##_STORE##W##_IMM, T, 2, (uint32_t)(fp[pc[0]].u32 + pc[1]))
STORE_IMM(I32, , uint32_t)
STORE_IMM(I32, 8, uint8_t)
STORE_IMM(I32, 16, uint16_t)
STORE_IMM(I64, , uint64_t)
#undef STORE_IMM
#undef STORE_IMM_
OP(LOCAL_SET_IMM) /* i32.const k; local.set x */
{
    fp[pc[0]].u64 = pc[1];
    pc += 2;
    NEXT();
}
OP(LOCAL_ADD_IMM_TEE_SET) /* local.get x; i32.const k; i32.add; local.tee d; local.set e */
{
    uint64_t v = (uint32_t)(fp[pc[0]].u32 + pc[1]);
    fp[pc[2]].u64 = v;
    fp[pc[3]].u64 = v;
    pc += 4;
    NEXT();
}
OP(LOCAL_COPY3_BR) /* three local.get x; local.set y, in order; br t */
{
    fp[pc[1]] = fp[pc[0]];
    fp[pc[3]] = fp[pc[2]];
    fp[pc[5]] = fp[pc[4]];
    JUMP(pc[6]);
    NEXT();
}
/* round 6: local.get a; local.get b; i32.add; <load> off (a base and an
 * index), the sum wrapping at 32 bits before off is added, as unfused */
#define LOCAL2_ADD_LOAD(name, T, CT) PUSH_LOAD_AT(name, T, CT, fp[pc[0]].u32 + fp[pc[1]].u32)
LOAD_FORMS(LOCAL2_ADD_LOAD, LOCAL2_ADD_)
#undef LOCAL2_ADD_LOAD
#undef LOCAL_ADD_IMM_LOAD
#undef PUSH_LOAD_AT
/* f64.const c; f64.<op>: the top value <op> c, c as two words (low first) */
#define F64_BIN_IMM(name, op)                                                                      \
    OP(name)                                                                                       \
    {                                                                                              \
        wasm_value_t c_ = {.u64 = (uint64_t)pc[0] | ((uint64_t)pc[1] << 32)};                      \
        sp[-1].f64 = sp[-1].f64 op c_.f64;                                                         \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }
F64_BIN_IMM(F64_ADD_IMM, +)
F64_BIN_IMM(F64_SUB_IMM, -)
F64_BIN_IMM(F64_MUL_IMM, *)
F64_BIN_IMM(F64_DIV_IMM, /)
#undef F64_BIN_IMM
OP(I32_CONST2) /* i32.const a; i32.const b */
{
    sp[0].u64 = pc[0];
    sp[1].u64 = pc[1];
    sp += 2;
    pc += 2;
    NEXT();
}
OP(LOCAL_SET_IMM64) /* i64.const or f64.const (its bits, low word first); local.set x */
{
    fp[pc[0]].u64 = (uint64_t)pc[1] | ((uint64_t)pc[2] << 32);
    pc += 3;
    NEXT();
}
OP(LOCAL_GET_LOCAL_F64_LOAD) /* local.get a; local.get x; f64.load off */
{
    wasm_value_t a = fp[pc[0]];
    uint64_t ea = (uint64_t)fp[pc[1]].u32 + pc[2];
    pc += 3;
    if (ea + 8 > memsize)
        TRAP(WASM_TRAP_MEMORY_OOB);
    uint64_t v;
    memcpy(&v, mem + ea, 8);
    sp[0] = a;
    sp[1].u64 = v;
    sp += 2;
    NEXT();
}
#undef I32_CMPS
#undef LOAD_FORMS
