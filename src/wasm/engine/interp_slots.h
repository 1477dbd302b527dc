/*
 * interp_slots.h -- the slot-addressed (three-address) handlers of the
 * dispatch loop, included once inside wasm_interp_run() in interp.c (it
 * uses that function's pc, fp, sp, mem, memsize, fuel and labels; it is not
 * a header for any other file). Each op names frame slots, fp-relative:
 * locals and operand-stack temporaries alike (DESIGN.md "Slot-addressed
 * ops"), so a `local.get` feeding it costs no dispatch.
 */
#ifndef WASM_INTERP_SLOTS_INSIDE_RUN
#error "interp_slots.h is a fragment of wasm_interp_run() (interp.c)"
#endif

/* S3_<op> dst a b sp: fp[dst] = fp[a] <op> fp[b]; then sp = fp + sp-word
 * (operand-stack temporaries consumed or produced, known statically). */
#define S3_BIN(name, T, field, rfield, expr)                                                       \
    OP(name)                                                                                       \
    {                                                                                              \
        T a = fp[pc[1]].field, b = fp[pc[2]].field;                                                \
        fp[pc[0]].rfield = (expr);                                                                 \
        sp = fp + pc[3];                                                                           \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    }
S3_BIN(S3_I32_ADD, uint32_t, u32, u64, (uint32_t)(a + b))
S3_BIN(S3_I32_SUB, uint32_t, u32, u64, (uint32_t)(a - b))
S3_BIN(S3_I32_MUL, uint32_t, u32, u64, (uint32_t)(a *b))
S3_BIN(S3_I32_AND, uint32_t, u32, u64, a &b)
S3_BIN(S3_I32_OR, uint32_t, u32, u64, a | b)
S3_BIN(S3_I32_XOR, uint32_t, u32, u64, a ^ b)
S3_BIN(S3_I32_SHL, uint32_t, u32, u64, (uint32_t)(a << (b & 31)))
S3_BIN(S3_I32_SHR_S, uint32_t, u32, u64, (uint32_t)((int32_t)a >> (b & 31)))
S3_BIN(S3_I32_SHR_U, uint32_t, u32, u64, a >> (b & 31))
S3_BIN(S3_I32_EQ, uint32_t, u32, u64, a == b)
S3_BIN(S3_I32_NE, uint32_t, u32, u64, a != b)
S3_BIN(S3_I32_LT_S, int32_t, i32, u64, a < b)
S3_BIN(S3_I32_LT_U, uint32_t, u32, u64, a < b)
S3_BIN(S3_I32_GT_S, int32_t, i32, u64, a > b)
S3_BIN(S3_I32_GT_U, uint32_t, u32, u64, a > b)
S3_BIN(S3_I32_LE_S, int32_t, i32, u64, a <= b)
S3_BIN(S3_I32_LE_U, uint32_t, u32, u64, a <= b)
S3_BIN(S3_I32_GE_S, int32_t, i32, u64, a >= b)
S3_BIN(S3_I32_GE_U, uint32_t, u32, u64, a >= b)
S3_BIN(S3_F64_ADD, double, f64, f64, a + b)
S3_BIN(S3_F64_SUB, double, f64, f64, a - b)
S3_BIN(S3_F64_MUL, double, f64, f64, a *b)
S3_BIN(S3_F64_DIV, double, f64, f64, a / b)
S3_BIN(S3_I32_ROTL, uint32_t, u32, u64, (uint32_t)((a << (b & 31)) | (a >> ((32 - b) & 31))))
S3_BIN(S3_I32_ROTR, uint32_t, u32, u64, (uint32_t)((a >> (b & 31)) | (a << ((32 - b) & 31))))
S3_BIN(S3_I64_ADD, uint64_t, u64, u64, a + b)
S3_BIN(S3_I64_SUB, uint64_t, u64, u64, a - b)
S3_BIN(S3_I64_MUL, uint64_t, u64, u64, a *b)
S3_BIN(S3_I64_AND, uint64_t, u64, u64, a &b)
S3_BIN(S3_I64_OR, uint64_t, u64, u64, a | b)
S3_BIN(S3_I64_XOR, uint64_t, u64, u64, a ^ b)
S3_BIN(S3_I64_SHL, uint64_t, u64, u64, a << (b & 63))
S3_BIN(S3_I64_SHR_S, uint64_t, u64, u64, (uint64_t)((int64_t)a >> (b & 63)))
S3_BIN(S3_I64_SHR_U, uint64_t, u64, u64, a >> (b & 63))
S3_BIN(S3_I64_ROTL, uint64_t, u64, u64, (a << (b & 63)) | (a >> ((64 - b) & 63)))
S3_BIN(S3_I64_ROTR, uint64_t, u64, u64, (a >> (b & 63)) | (a << ((64 - b) & 63)))
S3_BIN(S3_I64_EQ, uint64_t, u64, u64, a == b)
S3_BIN(S3_I64_NE, uint64_t, u64, u64, a != b)
S3_BIN(S3_I64_LT_S, int64_t, i64, u64, a < b)
S3_BIN(S3_I64_LT_U, uint64_t, u64, u64, a < b)
S3_BIN(S3_I64_GT_S, int64_t, i64, u64, a > b)
S3_BIN(S3_I64_GT_U, uint64_t, u64, u64, a > b)
S3_BIN(S3_I64_LE_S, int64_t, i64, u64, a <= b)
S3_BIN(S3_I64_LE_U, uint64_t, u64, u64, a <= b)
S3_BIN(S3_I64_GE_S, int64_t, i64, u64, a >= b)
S3_BIN(S3_I64_GE_U, uint64_t, u64, u64, a >= b)
#undef S3_BIN

/* S3_<load> dst addr offset sp: fp[dst] = load(fp[addr] + offset). The
 * bounds check is the unfused one; a trap leaves pc on the first
 * immediate, so the report names this op's (the load's) byte offset. */
#define S3_LOAD(name, T, rfield, CT)                                                               \
    OP(name)                                                                                       \
    {                                                                                              \
        uint64_t ea = (uint64_t)fp[pc[1]].u32 + pc[2];                                             \
        if (ea + sizeof(T) > memsize)                                                              \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        T v_;                                                                                      \
        memcpy(&v_, mem + ea, sizeof v_);                                                          \
        fp[pc[0]].rfield = (CT)v_;                                                                 \
        sp = fp + pc[3];                                                                           \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    }
S3_LOAD(S3_I32_LOAD, uint32_t, u64, uint32_t)
S3_LOAD(S3_F64_LOAD, uint64_t, u64, uint64_t)
S3_LOAD(S3_I32_LOAD8_S, int8_t, u64, uint32_t)
S3_LOAD(S3_I32_LOAD8_U, uint8_t, u64, uint32_t)
S3_LOAD(S3_I32_LOAD16_S, int16_t, u64, uint32_t)
S3_LOAD(S3_I32_LOAD16_U, uint16_t, u64, uint32_t)
#undef S3_LOAD

/* S3_<cmp>_BR_IF a b sp target: compare two slots and branch; sp is set
 * first, so a preemption at a loop's FUEL op saves the post-branch state. */
#define S3_CMP_BR(name, T, field, op)                                                              \
    OP(name)                                                                                       \
    {                                                                                              \
        T a = fp[pc[0]].field, b = fp[pc[1]].field;                                                \
        sp = fp + pc[2];                                                                           \
        if (a op b)                                                                                \
            JUMP(pc[3]);                                                                           \
        else                                                                                       \
            pc += 4;                                                                               \
        NEXT();                                                                                    \
    }
S3_CMP_BR(S3_I32_EQ_BR_IF, uint32_t, u32, ==)
S3_CMP_BR(S3_I32_NE_BR_IF, uint32_t, u32, !=)
S3_CMP_BR(S3_I32_LT_S_BR_IF, int32_t, i32, <)
S3_CMP_BR(S3_I32_LT_U_BR_IF, uint32_t, u32, <)
S3_CMP_BR(S3_I32_GT_S_BR_IF, int32_t, i32, >)
S3_CMP_BR(S3_I32_GT_U_BR_IF, uint32_t, u32, >)
S3_CMP_BR(S3_I32_LE_S_BR_IF, int32_t, i32, <=)
S3_CMP_BR(S3_I32_LE_U_BR_IF, uint32_t, u32, <=)
S3_CMP_BR(S3_I32_GE_S_BR_IF, int32_t, i32, >=)
S3_CMP_BR(S3_I32_GE_U_BR_IF, uint32_t, u32, >=)
#undef S3_CMP_BR

/* S3_<store> addr value offset sp: store(fp[addr] + offset) = fp[value];
 * sp set first (both operands consumed), so a trap leaves the stack as
 * the stack store does; pc stays on the first immediate, so the report
 * names the store's byte offset. */
#define S3_STORE(name, T, field)                                                                   \
    OP(name)                                                                                       \
    {                                                                                              \
        uint64_t ea = (uint64_t)fp[pc[0]].u32 + pc[2];                                             \
        T v_ = (T)fp[pc[1]].field;                                                                 \
        sp = fp + pc[3];                                                                           \
        if (ea + sizeof(T) > memsize)                                                              \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        memcpy(mem + ea, &v_, sizeof v_);                                                          \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    }
S3_STORE(S3_I32_STORE, uint32_t, u32)
S3_STORE(S3_I64_STORE, uint64_t, u64)
S3_STORE(S3_F64_STORE, uint64_t, u64)
S3_STORE(S3_I32_STORE8, uint8_t, u32)
S3_STORE(S3_I32_STORE16, uint16_t, u32)
#undef S3_STORE
