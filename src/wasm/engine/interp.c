/*
 * interp.c -- runs the IR produced by compile.c (see DESIGN.md).
 *
 * One C function holds the whole dispatch loop (computed goto, or a switch
 * where the compiler lacks it); it is the opcode table, hence longer than the
 * other files. Wasm-to-wasm calls push a wasm_frame_t on the execution's own
 * frame stack and never recurse on the C stack, so an execution can stop at
 * any host call (SUSPENDED) or loop header (OUT_OF_FUEL) with all of its state
 * in wasm_exec_t and continue later. Allocates only when the value or frame
 * stack must grow (up to the instance's limits); never in steady state.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "wasm_internal.h"

#include "interp_helpers.h"

/* ---- the loop ---- */

#if WASM_USE_COMPUTED_GOTO
#define OP(name) L_##name:
#if WASM_IR_PROFILE
#define NEXT()                                                                                     \
    do {                                                                                           \
        wasm_ir_profile_ops++;                                                                     \
        wasm_ir_profile_pairs[prof_prev_ * WASM_OP_COUNT + *pc]++;                                 \
        prof_prev_ = *pc;                                                                          \
        goto *labels[*pc++];                                                                       \
    } while (0)
#elif WASM_DIRECT_THREADED
/* the op word is the handler's byte offset from the first one */
#define NEXT() goto *(const void *)((const char *)&&L_UNREACHABLE + (int32_t)*pc++)
#else
#define NEXT() goto *labels[*pc++]
#endif
#else
#define OP(name) case WASM_OP_##name:
#define NEXT()   goto dispatch
#endif

#if WASM_IR_PROFILE
unsigned long long wasm_ir_profile_ops;
/* dispatches of op b right after op a, at [a * WASM_OP_COUNT + b] */
unsigned long long wasm_ir_profile_pairs[WASM_OP_COUNT * WASM_OP_COUNT];
const char *const wasm_ir_profile_names[WASM_OP_COUNT] = {
#define PROF_NAME(name) #name,
    WASM_IR_OPS(PROF_NAME)
#undef PROF_NAME
};
const unsigned wasm_ir_profile_nops = WASM_OP_COUNT;
static uint32_t prof_prev_;
#endif

#define TRAP(kind)                                                                                 \
    do {                                                                                           \
        trap_kind = (kind);                                                                        \
        goto trap;                                                                                 \
    } while (0)

#define RELOAD_MEM()                                                                               \
    do {                                                                                           \
        if (memo) {                                                                                \
            mem = memo->data;                                                                      \
            memsize = memo->size;                                                                  \
        } else {                                                                                   \
            mem = NULL;                                                                            \
            memsize = 0;                                                                           \
        }                                                                                          \
    } while (0)

#define RELOAD()                                                                                   \
    do {                                                                                           \
        inst = fn->inst;                                                                           \
        ir = fn->code->ir;                                                                         \
        funcs = inst->funcs;                                                                       \
        globals = inst->globals;                                                                   \
        tables = inst->tables;                                                                     \
        memo = inst->module->nmems ? inst->mems[0] : NULL;                                         \
        RELOAD_MEM();                                                                              \
    } while (0)

#define SAVE()                                                                                     \
    do {                                                                                           \
        ex->pc = pc;                                                                               \
        ex->sp = (uint32_t)(sp - stack);                                                           \
        ex->fp = (uint32_t)(fp - stack);                                                           \
        ex->fn = fn;                                                                               \
        ex->fuel = fuel;                                                                           \
    } while (0)

/* Stop with OUT_OF_FUEL so that wasm_resume() re-executes the instruction
 * starting at `at` (its op word) with the operands left on the stack. */
#define PREEMPT_AT(at)                                                                             \
    do {                                                                                           \
        pc = (at);                                                                                 \
        SAVE();                                                                                    \
        ex->state = WASM_EXEC_OUT_OF_FUEL;                                                         \
        return WASM_STATUS_OUT_OF_FUEL;                                                            \
    } while (0)

/* Go to IR index `idx`. A backward target is a loop's first instruction
 * after its FUEL op (compile.c): the branch does that op's work, so a loop
 * iteration costs no FUEL dispatch. Out of fuel, it stops at the FUEL op
 * (which charges on resume), exactly as if it had branched to it. */
#define JUMP(idx)                                                                                  \
    do {                                                                                           \
        const uint32_t *t_ = ir + (idx);                                                           \
        if (t_ < pc) {                                                                             \
            if (fuel <= 0)                                                                         \
                PREEMPT_AT(t_ - 2);                                                                \
            fuel -= (int64_t)t_[-1];                                                               \
            JIT_AT(t_);                                                                            \
        }                                                                                          \
        pc = t_;                                                                                   \
    } while (0)

#if WASM_JIT
/* Continue in machine code when the function has it and `p` is one of its
 * labels (jit_x64.c: loop headers, branch targets, after calls, entry);
 * a module whose code is not made yet counts a tick towards it. */
#define JIT_AT(p)                                                                                  \
    do {                                                                                           \
        const int32_t *ja_ = __atomic_load_n(&fn->code->jit_at, __ATOMIC_ACQUIRE);                 \
        if (!ja_ && __atomic_load_n(&fn->code->jit_pending, __ATOMIC_RELAXED))                     \
            ja_ = wasm_jit_tick(fn->code);                                                         \
        if (ja_ && ja_[(p)-ir] >= 0) {                                                             \
            pc = (p);                                                                              \
            goto jit_enter;                                                                        \
        }                                                                                          \
    } while (0)
#else
#define JIT_AT(p) ((void)0)
#endif

/* Move the top `arity` values down over `drop` slots (branch with results). */
#define MOVE_DOWN(drop, arity)                                                                     \
    do {                                                                                           \
        uint32_t a_ = (arity), d_ = (drop);                                                        \
        if (a_ == 1)                                                                               \
            sp[-1 - (int64_t)d_] = sp[-1];                                                         \
        else                                                                                       \
            memmove(sp - a_ - d_, sp - a_, (size_t)a_ * sizeof *sp);                               \
        sp -= d_;                                                                                  \
    } while (0)

/* br_table's jump for index `i`, pc on its `n arity (target drop)x(n+1)`
 * immediates: the last entry for any i >= n. */
#define BR_TABLE_TO(i)                                                                             \
    do {                                                                                           \
        uint32_t n_ = pc[0], arity_ = pc[1], i_ = (i);                                             \
        const uint32_t *e_ = pc + 2 + 2 * (size_t)(i_ > n_ ? n_ : i_);                             \
        if (e_[1])                                                                                 \
            MOVE_DOWN(e_[1], arity_);                                                              \
        JUMP(e_[0]);                                                                               \
    } while (0)

#define LOAD(name, T, field, CT)                                                                   \
    OP(name)                                                                                       \
    {                                                                                              \
        uint64_t ea = (uint64_t)sp[-1].u32 + *pc++;                                                \
        if (ea + sizeof(T) > memsize)                                                              \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        T v_;                                                                                      \
        memcpy(&v_, mem + ea, sizeof v_);                                                          \
        sp[-1].field = (CT)v_;                                                                     \
        NEXT();                                                                                    \
    }

#define STORE(name, T, field)                                                                      \
    OP(name)                                                                                       \
    {                                                                                              \
        T v_ = (T)sp[-1].field;                                                                    \
        uint64_t ea = (uint64_t)sp[-2].u32 + *pc++;                                                \
        sp -= 2;                                                                                   \
        if (ea + sizeof(T) > memsize)                                                              \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        memcpy(mem + ea, &v_, sizeof v_);                                                          \
        NEXT();                                                                                    \
    }

#define BIN(name, T, field, rfield, expr)                                                          \
    OP(name)                                                                                       \
    {                                                                                              \
        T b = sp[-1].field, a = sp[-2].field;                                                      \
        sp--;                                                                                      \
        sp[-1].rfield = (expr);                                                                    \
        NEXT();                                                                                    \
    }

#define UN(name, T, field, rfield, expr)                                                           \
    OP(name)                                                                                       \
    {                                                                                              \
        T a = sp[-1].field;                                                                        \
        sp[-1].rfield = (expr);                                                                    \
        NEXT();                                                                                    \
    }

/* Trapping truncation: NaN -> invalid conversion, out of (lo, hi) -> overflow. */
#define TRUNC(name, T, field, rfield, RT, lo, hi)                                                  \
    OP(name)                                                                                       \
    {                                                                                              \
        T a = sp[-1].field;                                                                        \
        if (isnan(a))                                                                              \
            TRAP(WASM_TRAP_INVALID_CONVERSION);                                                    \
        if (!TRUNC_OK(a, lo, hi))                                                                  \
            TRAP(WASM_TRAP_INT_OVERFLOW);                                                          \
        sp[-1].rfield = (RT)a;                                                                     \
        NEXT();                                                                                    \
    }

#if WASM_DIRECT_THREADED
/* Handler offsets, published by wasm_interp_run(NULL) (label differences
 * are only known inside the function that holds the labels). */
static const int32_t *g_op_offsets;
#endif

uint32_t wasm_interp_op_word(uint32_t op)
{
#if WASM_DIRECT_THREADED
    const int32_t *t = __atomic_load_n(&g_op_offsets, __ATOMIC_ACQUIRE);
    if (t == NULL) {
        (void)wasm_interp_run(NULL);
        t = __atomic_load_n(&g_op_offsets, __ATOMIC_ACQUIRE);
    }
    return (uint32_t)t[op];
#else
    return op;
#endif
}

wasm_status_t wasm_interp_run(wasm_instance_t *inst0)
{
#if WASM_DIRECT_THREADED
#define LABEL_OFFSET(name) (int32_t)((const char *)&&L_##name - (const char *)&&L_UNREACHABLE),
    static const int32_t offsets[WASM_OP_COUNT] = {WASM_IR_OPS(LABEL_OFFSET)};
#undef LABEL_OFFSET
    if (inst0 == NULL) { /* wasm_interp_op_word() asks for the table */
        __atomic_store_n(&g_op_offsets, offsets, __ATOMIC_RELEASE);
        return WASM_STATUS_OK;
    }
#elif WASM_USE_COMPUTED_GOTO
#define LABEL_ENTRY(name) &&L_##name,
    static const void *const labels[WASM_OP_COUNT] = {WASM_IR_OPS(LABEL_ENTRY)};
#undef LABEL_ENTRY
#endif
    wasm_exec_t *ex = &inst0->exec;
    wasm_value_t *stack = ex->stack;
    const uint32_t *pc = ex->pc;
    wasm_value_t *sp = stack + ex->sp;
    wasm_value_t *fp = stack + ex->fp;
    wasm_func_t *fn = ex->fn;
    int64_t fuel = ex->fuel;
    const uint32_t max_depth = inst0->limits.max_call_depth;
    wasm_instance_t *inst;
    const uint32_t *ir;
    wasm_func_t **funcs;
    wasm_global_t **globals;
    wasm_table_t **tables;
    wasm_memory_t *memo;
    uint8_t *mem;
    uint64_t memsize;
    wasm_trap_kind_t trap_kind = WASM_TRAP_NONE;
    wasm_func_t *callee;

    ex->state = WASM_EXEC_RUNNING;
    RELOAD();
    JIT_AT(pc);

#if WASM_USE_COMPUTED_GOTO
    NEXT();
#else
dispatch:
    switch (*pc++) {
#endif

    OP(UNREACHABLE) TRAP(WASM_TRAP_UNREACHABLE);

    OP(BR)
    {
        JUMP(pc[0]);
        NEXT();
    }
    OP(BR_IF)
    {
        if ((--sp)->u32)
            JUMP(pc[0]);
        else
            pc++;
        NEXT();
    }
    OP(BR_UNLESS)
    {
        if (!(--sp)->u32)
            JUMP(pc[0]);
        else
            pc++;
        NEXT();
    }
    OP(BR_MOVE)
    {
        MOVE_DOWN(pc[1], pc[2]);
        JUMP(pc[0]);
        NEXT();
    }
    OP(BR_IF_MOVE)
    {
        if ((--sp)->u32) {
            MOVE_DOWN(pc[1], pc[2]);
            JUMP(pc[0]);
        } else {
            pc += 3;
        }
        NEXT();
    }
    OP(BR_TABLE)
    {
        uint32_t i = (--sp)->u32;
        BR_TABLE_TO(i);
        NEXT();
    }
    OP(LOCAL_BR_TABLE) /* local.get x; br_table: the index read in place */
    {
        uint32_t i = fp[*pc++].u32;
        BR_TABLE_TO(i);
        NEXT();
    }
    OP(RETURN)
    {
        uint32_t n = pc[0];
        if (n == 1)
            fp[0] = sp[-1];
        else if (n && sp - n != fp)
            memmove(fp, sp - n, (size_t)n * sizeof *sp);
        sp = fp + n;
        if (ex->depth == 0)
            goto finished;
        wasm_frame_t *f = &ex->frames[--ex->depth];
        pc = f->pc;
        fp = stack + f->fp;
        fn = f->fn;
        if (fn->inst != inst)
            RELOAD();
        else
            ir = fn->code->ir; /* same instance: memory view already current */
        JIT_AT(pc);
        NEXT();
    }
    OP(CALL)
    {
        callee = funcs[*pc++];
        goto do_call;
    }
    OP(CALL_INDIRECT)
    {
        uint32_t ti = pc[0];
        wasm_table_t *t = tables[pc[1]];
        pc += 2;
        uint32_t i = (--sp)->u32;
        if (i >= t->size)
            TRAP(WASM_TRAP_UNDEFINED_ELEMENT);
        callee = (wasm_func_t *)t->elems[i];
        if (callee == NULL)
            TRAP(WASM_TRAP_UNINITIALIZED_ELEMENT);
        const wasm_functype_t *want = &inst->module->types[ti];
        if (callee->type != want && !wasm_functype_equal(callee->type, want))
            TRAP(WASM_TRAP_INDIRECT_TYPE);
        goto do_call;
    }
    OP(FUEL)
    {
        if (fuel <= 0) {
            pc--;
            SAVE();
            ex->state = WASM_EXEC_OUT_OF_FUEL;
            return WASM_STATUS_OUT_OF_FUEL;
        }
        fuel -= *pc++;
        NEXT();
    }
    OP(DROP)
    {
        sp--;
        NEXT();
    }
    OP(SELECT)
    {
        uint32_t c = sp[-1].u32;
        sp -= 2;
        if (!c)
            sp[-1] = sp[0];
        NEXT();
    }
    OP(LOCAL_GET)
    {
        *sp++ = fp[*pc++];
        NEXT();
    }
    OP(LOCAL_SET)
    {
        fp[*pc++] = *--sp;
        NEXT();
    }
    OP(LOCAL_TEE)
    {
        fp[*pc++] = sp[-1];
        NEXT();
    }
    OP(GLOBAL_GET)
    {
        *sp++ = globals[*pc++]->value;
        NEXT();
    }
    OP(GLOBAL_SET)
    {
        globals[*pc++]->value = *--sp;
        NEXT();
    }
    OP(TABLE_GET)
    {
        wasm_table_t *t = tables[*pc++];
        uint32_t i = sp[-1].u32;
        if (i >= t->size)
            TRAP(WASM_TRAP_TABLE_OOB);
        sp[-1].ref = t->elems[i];
        NEXT();
    }
    OP(TABLE_SET)
    {
        wasm_table_t *t = tables[*pc++];
        uintptr_t v = sp[-1].ref;
        uint32_t i = sp[-2].u32;
        sp -= 2;
        if (i >= t->size)
            TRAP(WASM_TRAP_TABLE_OOB);
        t->elems[i] = v;
        NEXT();
    }

    LOAD(I32_LOAD, uint32_t, u32, uint32_t)
    LOAD(I64_LOAD, uint64_t, u64, uint64_t)
    LOAD(F32_LOAD, uint32_t, u32, uint32_t)
    LOAD(F64_LOAD, uint64_t, u64, uint64_t)
    LOAD(I32_LOAD8_S, int8_t, i32, int32_t)
    LOAD(I32_LOAD8_U, uint8_t, u32, uint32_t)
    LOAD(I32_LOAD16_S, int16_t, i32, int32_t)
    LOAD(I32_LOAD16_U, uint16_t, u32, uint32_t)
    LOAD(I64_LOAD8_S, int8_t, i64, int64_t)
    LOAD(I64_LOAD8_U, uint8_t, u64, uint64_t)
    LOAD(I64_LOAD16_S, int16_t, i64, int64_t)
    LOAD(I64_LOAD16_U, uint16_t, u64, uint64_t)
    LOAD(I64_LOAD32_S, int32_t, i64, int64_t)
    LOAD(I64_LOAD32_U, uint32_t, u64, uint64_t)
    STORE(I32_STORE, uint32_t, u32)
    STORE(I64_STORE, uint64_t, u64)
    STORE(F32_STORE, uint32_t, u32)
    STORE(F64_STORE, uint64_t, u64)
    STORE(I32_STORE8, uint8_t, u32)
    STORE(I32_STORE16, uint16_t, u32)
    STORE(I64_STORE8, uint8_t, u64)
    STORE(I64_STORE16, uint16_t, u64)
    STORE(I64_STORE32, uint32_t, u64)

    OP(MEMORY_SIZE)
    {
        (sp++)->u64 = memo->pages;
        NEXT();
    }
    OP(MEMORY_GROW)
    {
        /* Not split (it either grows or not): runs when the budget is
         * positive and charges its pages afterwards, possibly below 0. */
        if (fuel <= 0)
            PREEMPT_AT(pc - 1);
        uint32_t delta = sp[-1].u32;
        int32_t old = wasm_memory_grow_pages(memo, delta);
        if (old >= 0)
            fuel -= (int64_t)delta * WASM_FUEL_PER_PAGE;
        sp[-1].u64 = (uint32_t)old;
        RELOAD_MEM();
        NEXT();
    }
    OP(I32_CONST)
    {
        (sp++)->u64 = *pc++;
        NEXT();
    }
    OP(I64_CONST)
    {
        (sp++)->u64 = (uint64_t)pc[0] | ((uint64_t)pc[1] << 32);
        pc += 2;
        NEXT();
    }
    OP(F32_CONST)
    {
        (sp++)->u64 = *pc++;
        NEXT();
    }
    OP(F64_CONST)
    {
        (sp++)->u64 = (uint64_t)pc[0] | ((uint64_t)pc[1] << 32);
        pc += 2;
        NEXT();
    }

    UN(I32_EQZ, uint32_t, u32, u64, a == 0)
    BIN(I32_EQ, uint32_t, u32, u64, a == b)
    BIN(I32_NE, uint32_t, u32, u64, a != b)
    BIN(I32_LT_S, int32_t, i32, u64, a < b)
    BIN(I32_LT_U, uint32_t, u32, u64, a < b)
    BIN(I32_GT_S, int32_t, i32, u64, a > b)
    BIN(I32_GT_U, uint32_t, u32, u64, a > b)
    BIN(I32_LE_S, int32_t, i32, u64, a <= b)
    BIN(I32_LE_U, uint32_t, u32, u64, a <= b)
    BIN(I32_GE_S, int32_t, i32, u64, a >= b)
    BIN(I32_GE_U, uint32_t, u32, u64, a >= b)
    UN(I64_EQZ, uint64_t, u64, u64, a == 0)
    BIN(I64_EQ, uint64_t, u64, u64, a == b)
    BIN(I64_NE, uint64_t, u64, u64, a != b)
    BIN(I64_LT_S, int64_t, i64, u64, a < b)
    BIN(I64_LT_U, uint64_t, u64, u64, a < b)
    BIN(I64_GT_S, int64_t, i64, u64, a > b)
    BIN(I64_GT_U, uint64_t, u64, u64, a > b)
    BIN(I64_LE_S, int64_t, i64, u64, a <= b)
    BIN(I64_LE_U, uint64_t, u64, u64, a <= b)
    BIN(I64_GE_S, int64_t, i64, u64, a >= b)
    BIN(I64_GE_U, uint64_t, u64, u64, a >= b)
    BIN(F32_EQ, float, f32, u64, a == b)
    BIN(F32_NE, float, f32, u64, a != b)
    BIN(F32_LT, float, f32, u64, a < b)
    BIN(F32_GT, float, f32, u64, a > b)
    BIN(F32_LE, float, f32, u64, a <= b)
    BIN(F32_GE, float, f32, u64, a >= b)
    BIN(F64_EQ, double, f64, u64, a == b)
    BIN(F64_NE, double, f64, u64, a != b)
    BIN(F64_LT, double, f64, u64, a < b)
    BIN(F64_GT, double, f64, u64, a > b)
    BIN(F64_LE, double, f64, u64, a <= b)
    BIN(F64_GE, double, f64, u64, a >= b)

    UN(I32_CLZ, uint32_t, u32, u64, a ? (uint32_t)__builtin_clz(a) : 32u)
    UN(I32_CTZ, uint32_t, u32, u64, a ? (uint32_t)__builtin_ctz(a) : 32u)
    UN(I32_POPCNT, uint32_t, u32, u64, (uint32_t)__builtin_popcount(a))
    BIN(I32_ADD, uint32_t, u32, u32, a + b)
    BIN(I32_SUB, uint32_t, u32, u32, a - b)
    BIN(I32_MUL, uint32_t, u32, u32, a * b)
    OP(I32_DIV_S)
    {
        int32_t b = sp[-1].i32, a = sp[-2].i32;
        if (b == 0)
            TRAP(WASM_TRAP_DIV_ZERO);
        if (a == INT32_MIN && b == -1)
            TRAP(WASM_TRAP_INT_OVERFLOW);
        sp--;
        sp[-1].i32 = a / b;
        NEXT();
    }
    OP(I32_DIV_U)
    {
        uint32_t b = sp[-1].u32, a = sp[-2].u32;
        if (b == 0)
            TRAP(WASM_TRAP_DIV_ZERO);
        sp--;
        sp[-1].u32 = a / b;
        NEXT();
    }
    OP(I32_REM_S)
    {
        int32_t b = sp[-1].i32, a = sp[-2].i32;
        if (b == 0)
            TRAP(WASM_TRAP_DIV_ZERO);
        sp--;
        sp[-1].i32 = b == -1 ? 0 : a % b;
        NEXT();
    }
    OP(I32_REM_U)
    {
        uint32_t b = sp[-1].u32, a = sp[-2].u32;
        if (b == 0)
            TRAP(WASM_TRAP_DIV_ZERO);
        sp--;
        sp[-1].u32 = a % b;
        NEXT();
    }
    BIN(I32_AND, uint32_t, u32, u32, a & b)
    BIN(I32_OR, uint32_t, u32, u32, a | b)
    BIN(I32_XOR, uint32_t, u32, u32, a ^ b)
    BIN(I32_SHL, uint32_t, u32, u32, a << (b & 31))
    BIN(I32_SHR_S, uint32_t, u32, i32, (int32_t)a >> (b & 31))
    BIN(I32_SHR_U, uint32_t, u32, u32, a >> (b & 31))
    BIN(I32_ROTL, uint32_t, u32, u32, rotl32(a, b))
    BIN(I32_ROTR, uint32_t, u32, u32, rotr32(a, b))

    UN(I64_CLZ, uint64_t, u64, u64, a ? (uint64_t)__builtin_clzll(a) : 64u)
    UN(I64_CTZ, uint64_t, u64, u64, a ? (uint64_t)__builtin_ctzll(a) : 64u)
    UN(I64_POPCNT, uint64_t, u64, u64, (uint64_t)__builtin_popcountll(a))
    BIN(I64_ADD, uint64_t, u64, u64, a + b)
    BIN(I64_SUB, uint64_t, u64, u64, a - b)
    BIN(I64_MUL, uint64_t, u64, u64, a * b)
    OP(I64_DIV_S)
    {
        int64_t b = sp[-1].i64, a = sp[-2].i64;
        if (b == 0)
            TRAP(WASM_TRAP_DIV_ZERO);
        if (a == INT64_MIN && b == -1)
            TRAP(WASM_TRAP_INT_OVERFLOW);
        sp--;
        sp[-1].i64 = a / b;
        NEXT();
    }
    OP(I64_DIV_U)
    {
        uint64_t b = sp[-1].u64, a = sp[-2].u64;
        if (b == 0)
            TRAP(WASM_TRAP_DIV_ZERO);
        sp--;
        sp[-1].u64 = a / b;
        NEXT();
    }
    OP(I64_REM_S)
    {
        int64_t b = sp[-1].i64, a = sp[-2].i64;
        if (b == 0)
            TRAP(WASM_TRAP_DIV_ZERO);
        sp--;
        sp[-1].i64 = b == -1 ? 0 : a % b;
        NEXT();
    }
    OP(I64_REM_U)
    {
        uint64_t b = sp[-1].u64, a = sp[-2].u64;
        if (b == 0)
            TRAP(WASM_TRAP_DIV_ZERO);
        sp--;
        sp[-1].u64 = a % b;
        NEXT();
    }
    BIN(I64_AND, uint64_t, u64, u64, a & b)
    BIN(I64_OR, uint64_t, u64, u64, a | b)
    BIN(I64_XOR, uint64_t, u64, u64, a ^ b)
    BIN(I64_SHL, uint64_t, u64, u64, a << (b & 63))
    BIN(I64_SHR_S, uint64_t, u64, i64, (int64_t)a >> (b & 63))
    BIN(I64_SHR_U, uint64_t, u64, u64, a >> (b & 63))
    BIN(I64_ROTL, uint64_t, u64, u64, rotl64(a, b))
    BIN(I64_ROTR, uint64_t, u64, u64, rotr64(a, b))

    UN(F32_ABS, uint32_t, u32, u64, a & 0x7FFFFFFFu)
    UN(F32_NEG, uint32_t, u32, u64, a ^ 0x80000000u)
    UN(F32_CEIL, float, f32, f32, isnan(a) ? a + a : ceilf(a))
    UN(F32_FLOOR, float, f32, f32, isnan(a) ? a + a : floorf(a))
    UN(F32_TRUNC, float, f32, f32, isnan(a) ? a + a : truncf(a))
    UN(F32_NEAREST, float, f32, f32, isnan(a) ? a + a : nearbyintf(a))
    UN(F32_SQRT, float, f32, f32, sqrtf(a))
    BIN(F32_ADD, float, f32, f32, a + b)
    BIN(F32_SUB, float, f32, f32, a - b)
    BIN(F32_MUL, float, f32, f32, a *b)
    BIN(F32_DIV, float, f32, f32, a / b)
    BIN(F32_MIN, float, f32, f32, f32_min(a, b))
    BIN(F32_MAX, float, f32, f32, f32_max(a, b))
    BIN(F32_COPYSIGN, uint32_t, u32, u64, (a & 0x7FFFFFFFu) | (b & 0x80000000u))
    UN(F64_ABS, uint64_t, u64, u64, a & 0x7FFFFFFFFFFFFFFFull)
    UN(F64_NEG, uint64_t, u64, u64, a ^ 0x8000000000000000ull)
    UN(F64_CEIL, double, f64, f64, isnan(a) ? a + a : ceil(a))
    UN(F64_FLOOR, double, f64, f64, isnan(a) ? a + a : floor(a))
    UN(F64_TRUNC, double, f64, f64, isnan(a) ? a + a : trunc(a))
    UN(F64_NEAREST, double, f64, f64, isnan(a) ? a + a : nearbyint(a))
    UN(F64_SQRT, double, f64, f64, sqrt(a))
    BIN(F64_ADD, double, f64, f64, a + b)
    BIN(F64_SUB, double, f64, f64, a - b)
    BIN(F64_MUL, double, f64, f64, a *b)
    BIN(F64_DIV, double, f64, f64, a / b)
    BIN(F64_MIN, double, f64, f64, f64_min(a, b))
    BIN(F64_MAX, double, f64, f64, f64_max(a, b))
    BIN(F64_COPYSIGN, uint64_t, u64, u64, (a & 0x7FFFFFFFFFFFFFFFull) | (b & 0x8000000000000000ull))

    UN(I32_WRAP_I64, uint64_t, u64, u64, (uint32_t)a)
    TRUNC(I32_TRUNC_F32_S, float, f32, i32, int32_t, -2147483904.0f, 2147483648.0f)
    TRUNC(I32_TRUNC_F32_U, float, f32, u32, uint32_t, -1.0f, 4294967296.0f)
    TRUNC(I32_TRUNC_F64_S, double, f64, i32, int32_t, -2147483649.0, 2147483648.0)
    TRUNC(I32_TRUNC_F64_U, double, f64, u32, uint32_t, -1.0, 4294967296.0)
    UN(I64_EXTEND_I32_S, int32_t, i32, i64, (int64_t)a)
    UN(I64_EXTEND_I32_U, uint32_t, u32, u64, (uint64_t)a)
    TRUNC(I64_TRUNC_F32_S, float, f32, i64, int64_t, -9223373136366403584.0f,
          9223372036854775808.0f)
    TRUNC(I64_TRUNC_F32_U, float, f32, u64, uint64_t, -1.0f, 18446744073709551616.0f)
    TRUNC(I64_TRUNC_F64_S, double, f64, i64, int64_t, -9223372036854777856.0, 9223372036854775808.0)
    TRUNC(I64_TRUNC_F64_U, double, f64, u64, uint64_t, -1.0, 18446744073709551616.0)
    UN(F32_CONVERT_I32_S, int32_t, i32, f32, (float)a)
    UN(F32_CONVERT_I32_U, uint32_t, u32, f32, (float)a)
    UN(F32_CONVERT_I64_S, int64_t, i64, f32, (float)a)
    UN(F32_CONVERT_I64_U, uint64_t, u64, f32, (float)a)
    UN(F32_DEMOTE_F64, double, f64, f32, (float)a)
    UN(F64_CONVERT_I32_S, int32_t, i32, f64, (double)a)
    UN(F64_CONVERT_I32_U, uint32_t, u32, f64, (double)a)
    UN(F64_CONVERT_I64_S, int64_t, i64, f64, (double)a)
    UN(F64_CONVERT_I64_U, uint64_t, u64, f64, (double)a)
    UN(F64_PROMOTE_F32, float, f32, f64, (double)a)
    OP(I32_REINTERPRET_F32)
    OP(I64_REINTERPRET_F64)
    OP(F32_REINTERPRET_I32)
    OP(F64_REINTERPRET_I64)
    {
        NEXT(); /* same bits, new type */
    }
    UN(I32_EXTEND8_S, uint32_t, u32, i32, (int32_t)(int8_t)(uint8_t)a)
    UN(I32_EXTEND16_S, uint32_t, u32, i32, (int32_t)(int16_t)(uint16_t)a)
    UN(I64_EXTEND8_S, uint64_t, u64, i64, (int64_t)(int8_t)(uint8_t)a)
    UN(I64_EXTEND16_S, uint64_t, u64, i64, (int64_t)(int16_t)(uint16_t)a)
    UN(I64_EXTEND32_S, uint64_t, u64, i64, (int64_t)(int32_t)(uint32_t)a)

    OP(REF_NULL)
    {
        (sp++)->u64 = 0;
        NEXT();
    }
    OP(REF_IS_NULL)
    {
        uintptr_t r = sp[-1].ref;
        sp[-1].u64 = r == 0;
        NEXT();
    }
    OP(REF_FUNC)
    {
        sp->u64 = 0;
        (sp++)->ref = (uintptr_t)funcs[*pc++];
        NEXT();
    }

    UN(I32_TRUNC_SAT_F32_S, float, f32, u64, sat_i32_s(a))
    UN(I32_TRUNC_SAT_F32_U, float, f32, u64, sat_i32_u(a))
    UN(I32_TRUNC_SAT_F64_S, double, f64, u64, sat_i32_s(a))
    UN(I32_TRUNC_SAT_F64_U, double, f64, u64, sat_i32_u(a))
    UN(I64_TRUNC_SAT_F32_S, float, f32, u64, sat_i64_s(a))
    UN(I64_TRUNC_SAT_F32_U, float, f32, u64, sat_i64_u(a))
    UN(I64_TRUNC_SAT_F64_S, double, f64, u64, sat_i64_s(a))
    UN(I64_TRUNC_SAT_F64_U, double, f64, u64, sat_i64_u(a))

#define WASM_INTERP_INSIDE_RUN 1
#include "interp_bulk.h"

#include "interp_fused.h"
#undef WASM_INTERP_INSIDE_RUN
#define WASM_INTERP_SLOTS_INSIDE_RUN 1
#include "interp_slots.h"
#undef WASM_INTERP_SLOTS_INSIDE_RUN

#if !WASM_USE_COMPUTED_GOTO
default: TRAP(WASM_TRAP_UNREACHABLE);
}
#endif

do_call : if (callee->kind == WASM_FUNC_HOST)
{
    const wasm_functype_t *t = callee->type;
    wasm_value_t res[WASM_MAX_HOST_RESULTS];
    sp -= t->nparams;
    SAVE();
    inst->trap.message[0] = '\0';
    wasm_status_t st = callee->host(inst, callee->user, sp, res);
    /* the host may have grown memory */
    RELOAD_MEM();
    if (st == WASM_STATUS_OK) {
        memcpy(sp, res, (size_t)t->nresults * sizeof *sp);
        sp += t->nresults;
        JIT_AT(pc); /* the op after a call is a label: back to machine code */
        NEXT();
    }
    if (st == WASM_STATUS_SUSPENDED) {
        SAVE();
        ex->pending_results = t->nresults;
        ex->state = WASM_EXEC_SUSPENDED;
        return WASM_STATUS_SUSPENDED;
    }
    if (inst != inst0)
        memcpy(inst0->trap.message, inst->trap.message, sizeof inst0->trap.message);
    else if (st != WASM_STATUS_TRAP)
        inst0->trap.message[0] = '\0';
    TRAP(WASM_TRAP_HOST);
}
{
    const wasm_code_t *code = callee->code;
    wasm_value_t *nfp = sp - callee->type->nparams;
    if (ex->depth >= max_depth)
        TRAP(WASM_TRAP_STACK_EXHAUSTED);
    size_t need = (size_t)(nfp - stack) + code->frame_slots;
    if (need > ex->stack_cap) {
        size_t spo = (size_t)(sp - stack), fpo = (size_t)(fp - stack), nfpo = (size_t)(nfp - stack);
        if (need > UINT32_MAX || !wasm_exec_grow_stack(inst0, (uint32_t)need))
            TRAP(WASM_TRAP_STACK_EXHAUSTED);
        stack = ex->stack;
        sp = stack + spo;
        fp = stack + fpo;
        nfp = stack + nfpo;
    }
    if (ex->depth >= ex->frame_cap && !wasm_exec_grow_frames(inst0))
        TRAP(WASM_TRAP_STACK_EXHAUSTED);
    wasm_frame_t *f = &ex->frames[ex->depth++];
    f->pc = pc;
    f->fp = (uint32_t)(fp - stack);
    f->fn = fn;
    fp = nfp;
    for (uint32_t k = code->nlocals; k; k--)
        (sp++)->u64 = 0;
    fn = callee;
    if (fn->inst != inst)
        RELOAD();
    else
        ir = code->ir;
    /* The body starts with `FUEL cost` (compile.c): do its work here and
     * go past it, one dispatch less per call. Out of fuel, stop on it,
     * exactly as if it had run (wasm_resume() re-executes the check). */
    if (fuel <= 0)
        PREEMPT_AT(ir);
    fuel -= (int64_t)ir[1];
    pc = ir + 2;
    JIT_AT(pc);
    NEXT();
}

#if WASM_JIT
jit_enter:
{
    /* machine code runs until an op it leaves to us (a call, a return, a
     * trap, fuel out, an op without code); pc is that op */
    wasm_jit_state_t js = {sp,
                           fp,
                           mem,
                           memsize,
                           fuel,
                           globals,
                           ex,
                           funcs,
                           stack + ex->stack_cap,
                           max_depth < ex->frame_cap ? max_depth : ex->frame_cap,
                           0,
                           fn,
                           tables};
    const wasm_code_t *jc = fn->code;
    pc = wasm_jit_run(jc->jit_code, jc->jit_code + jc->jit_at[pc - ir], &js);
    sp = js.sp;
    fp = js.fp;
    fuel = js.fuel;
    if (js.fn != fn) { /* left inside a call made in machine code: same instance */
        fn = js.fn;
        ir = fn->code->ir;
    }
    NEXT();
}
#endif

finished : ex->sp = (uint32_t)(sp - stack);
ex->fp = 0;
ex->fuel = fuel;
ex->state = WASM_EXEC_IDLE;
return WASM_STATUS_OK;

trap : wasm_interp_set_trap(inst0, trap_kind, fn, pc);
ex->fuel = fuel;
ex->depth = 0;
ex->state = WASM_EXEC_IDLE;
return WASM_STATUS_TRAP;
}
