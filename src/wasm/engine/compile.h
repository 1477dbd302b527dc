/*
 * compile.h -- the function-body compiler's state, shared by compile.c
 * (operand/control stacks, IR emission, control instructions),
 * compile_ops.c (the other instruction groups), compile_slots.c
 * (slot-addressed ops) and compile_fuse.c (the peephole pass). Private to
 * the engine.
 */
#ifndef WASM_COMPILE_H
#define WASM_COMPILE_H

#include "wasm_decode.h"

#define UNKNOWN 0 /* polymorphic operand type in unreachable code */

/* Most `local.get`s kept as aliases at once; older ones are emitted. */
#define WASM_CC_MAX_PENDING 8

enum { K_FUNC, K_BLOCK, K_LOOP, K_IF, K_ELSE };

typedef struct ctrl {
    uint8_t kind;
    bool unreachable; /* rest of this block is unreachable */
    bool dead;        /* whole block sits in unreachable code: emit nothing */
    uint32_t height;  /* operand height at block entry (params excluded) */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t patch;      /* forward-branch chain: IR index + 1 of last placeholder */
    uint32_t loop_pc;    /* LOOP: IR index of its start */
    uint32_t else_patch; /* IF: IR index + 1 of the BR_UNLESS target */
    uint32_t fuel_at;    /* LOOP/FUNC: IR index of the FUEL cost word */
    uint32_t fuel_count; /* instructions charged at this loop / function */
    uint32_t prev_owner; /* LOOP: fuel owner to restore at end */
} ctrl_t;

typedef struct comp {
    wasm_reader_t *r;
    const wasm_module_t *m;
    uint8_t *vals; /* operand types */
    uint32_t nvals, vcap;
    ctrl_t *ctrls;
    uint32_t nctrls, ccap;
    uint32_t *ir;
    uint32_t ir_len, ir_cap;
    uint32_t *map; /* (IR index, byte offset) pairs */
    uint32_t map_len, map_cap;
    uint8_t *locals; /* types of params then locals */
    uint32_t nlocals;
    uint32_t max_height;
    uint32_t fuel_owner; /* ctrl index charged for the current instruction */
    uint32_t last_op_at; /* IR index of the last instruction emitted */
    uint32_t recent[4];  /* IR indices of the last emitted ops, oldest first */
    uint32_t nrecent;
    uint32_t label_at; /* highest IR index a label points to */
    /* Pending `local.get`s (slot-addressed IR, DESIGN.md): the top npend
     * operands exist only as aliases of these locals, bottom first, with
     * the byte offsets of their instructions; nothing was emitted yet. */
    uint32_t pend_local[WASM_CC_MAX_PENDING];
    uint32_t pend_off[WASM_CC_MAX_PENDING];
    uint32_t npend;
    bool plain; /* no pending aliases, slot ops or fusions: one IR op per
                   wasm instruction, the input of the JIT (jit_x64.c) */
} comp_t;

/* Operand type stack (spec appendix, validation algorithm): push a type;
 * pop any type (UNKNOWN below an unreachable block's base); pop one that
 * must equal `want` (the popped type goes to *out if not NULL); pop / push
 * a sequence. All return false with INVALID/LIMIT/NOMEM recorded. */
bool wasm_cc_push(comp_t *c, uint8_t t);
bool wasm_cc_pop(comp_t *c, uint8_t *out);
bool wasm_cc_pop_expect(comp_t *c, uint8_t want, uint8_t *out);
bool wasm_cc_pop_n(comp_t *c, uint32_t n, const uint8_t *types);
bool wasm_cc_push_n(comp_t *c, uint32_t n, const uint8_t *types);

/* Innermost control frame; whether code emitted now can run; mark the rest
 * of the current block unreachable. */
ctrl_t *wasm_cc_top(comp_t *c);
bool wasm_cc_live(comp_t *c);
bool wasm_cc_set_unreachable(comp_t *c);
/* Arity and types of a branch to label `l` (loop: params; else results). */
uint32_t wasm_cc_label_arity(const ctrl_t *l);
const uint8_t *wasm_cc_label_types(const ctrl_t *l);

/* IR emission: a word; an op word (recording its module byte offset for
 * trap reports); a branch target to label `l` (patched at its end when
 * forward). False on NOMEM. */
bool wasm_cc_emit(comp_t *c, uint32_t w);
bool wasm_cc_emit_op(comp_t *c, uint32_t op, uint32_t byte_offset);
bool wasm_cc_emit_target(comp_t *c, ctrl_t *l);
/* Record an out-of-memory failure; returns false. */
bool wasm_cc_nomem(comp_t *c);

/* Slot-addressed IR (DESIGN.md "Slot-addressed ops"). Emit every pending
 * `local.get` as a real push (before any op that is not slot-aware);
 * record a `local.get i` as an alias instead (live code only); emit
 * three-address op `s3op` for an instruction whose `nin` (1 or 2)
 * operands were just validated and whose one result was pushed, reading
 * pending aliases in place (`imm` is a load's offset); turn the
 * last op (a slot op, or a plain load or binary op that has a slot form)
 * into a write of local `i` for `local.set/tee i` (*done when it did; the
 * type stack is already updated). False on NOMEM. */
bool wasm_cc_flush(comp_t *c);
/* The slot op of wasm opcode `op` (a load or binary op with one), else 0. */
uint32_t wasm_cc_slot_op(uint8_t op);
bool wasm_cc_pend_local(comp_t *c, uint32_t i, uint32_t off);
bool wasm_cc_emit_slot3(comp_t *c, uint32_t s3op, uint32_t nin, uint32_t imm, uint32_t off);
bool wasm_cc_slot_set(comp_t *c, uint32_t i, bool tee, uint32_t off, bool *done);
/* The slot store of wasm store opcode `op` (i32/i64/f64.store,
 * i32.store8/16), else 0; emit it for a store whose two operands were just
 * validated (popped), the value and maybe the address being pending
 * aliases (`offset` is the memarg offset). False on NOMEM. */
uint32_t wasm_cc_store_slot_op(uint8_t op);
bool wasm_cc_emit_slot_store(comp_t *c, uint32_t sop, uint32_t offset, uint32_t off);

/* compile_slots.c: whether wasm opcode `op` reads pending aliases in place
 * (anything else flushes them first); whether the last op is a slot op
 * writing the operand-stack slot at height h, nothing emitted after it and
 * no label pointing past its start. */
bool wasm_cc_slot_aware(uint8_t op);
bool wasm_cc_last_is_s3_to(comp_t *c, uint32_t h);

/* compile_fuse.c (DESIGN.md "Superinstructions"): fuse the last emitted
 * ops after an instruction, repeatedly, never across a label; replace the
 * ops from IR index `at` to the end by op `op` (its immediates follow with
 * wasm_cc_emit), keeping the first op's byte offset. False on NOMEM. */
bool wasm_cc_peephole(comp_t *c);
bool wasm_cc_refuse(comp_t *c, uint32_t at, uint32_t op);

/* compile_ops.c: one instruction each, immediates read from c->r; `off` is
 * the instruction's module byte offset. Validate, then emit when live. */
bool wasm_cc_need_memory(comp_t *c);
bool wasm_cc_need_zero(comp_t *c);
bool wasm_cc_need_table(comp_t *c, uint32_t t);
bool wasm_cc_op_memory(comp_t *c, uint8_t op, uint32_t off);
bool wasm_cc_op_numeric(comp_t *c, uint8_t op, uint32_t ir_op, uint32_t off);
bool wasm_cc_op_prefixed(comp_t *c, uint32_t off);
bool wasm_cc_op_br_table(comp_t *c, uint32_t off);
bool wasm_cc_op_call_indirect(comp_t *c, uint32_t off);
bool wasm_cc_op_select(comp_t *c, bool typed, uint32_t off);
bool wasm_cc_op_local(comp_t *c, uint8_t op, uint32_t off);
bool wasm_cc_op_global(comp_t *c, uint8_t op, uint32_t off);
bool wasm_cc_op_const(comp_t *c, uint8_t op, uint32_t off);

#endif
