/*
 * compile_slots.c -- slot-addressed IR (DESIGN.md "Slot-addressed ops"):
 * `local.get`s kept as pending aliases of frame slots, three-address ops
 * that read them in place, and `local.set/tee` retargeting the last op's
 * result to a local. Called by compile.c and compile_ops.c.
 */
#include <string.h>

#include "compile.h"

/* ---- slot-addressed ops (DESIGN.md "Slot-addressed ops") ---- */

/* Wasm opcodes that read pending local.get aliases in place (compile_ops.c
 * wasm_cc_slot_op()); every other instruction sees them emitted first. */
bool wasm_cc_slot_aware(uint8_t op)
{
    return op == 0x20 || wasm_cc_slot_op(op) != 0 || wasm_cc_store_slot_op(op) != 0;
}

/* Emit the bottom `n` pending local.gets as real pushes (each through the
 * peephole, so the stack-op fusions still apply to them). */
static bool materialise(comp_t *c, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        if (!wasm_cc_emit_op(c, WASM_OP_LOCAL_GET, c->pend_off[k]) ||
            !wasm_cc_emit(c, c->pend_local[k]) || !wasm_cc_peephole(c))
            return false;
    }
    c->npend -= n;
    memmove(c->pend_local, c->pend_local + n, c->npend * sizeof c->pend_local[0]);
    memmove(c->pend_off, c->pend_off + n, c->npend * sizeof c->pend_off[0]);
    return true;
}

bool wasm_cc_flush(comp_t *c)
{
    return materialise(c, c->npend);
}

bool wasm_cc_pend_local(comp_t *c, uint32_t i, uint32_t off)
{
    if (c->npend == WASM_CC_MAX_PENDING && !materialise(c, 1))
        return false;
    c->pend_local[c->npend] = i;
    c->pend_off[c->npend] = off;
    c->npend++;
    return true;
}

/* The fused stack op (result pushed) equal to slot op `s3op` whose first
 * operand is a local (a_local) or the stack top, second a local
 * (b_local), or 0 when there is none. Index order of both families:
 * add sub mul and or xor for i32, then f64 add sub mul. */
static const uint32_t k_s3_bin[9] = {WASM_OP_S3_I32_ADD, WASM_OP_S3_I32_SUB, WASM_OP_S3_I32_MUL,
                                     WASM_OP_S3_I32_AND, WASM_OP_S3_I32_OR,  WASM_OP_S3_I32_XOR,
                                     WASM_OP_S3_F64_ADD, WASM_OP_S3_F64_SUB, WASM_OP_S3_F64_MUL};
static const uint32_t k_local2[9] = {
    WASM_OP_LOCAL2_I32_ADD, WASM_OP_LOCAL2_I32_SUB, WASM_OP_LOCAL2_I32_MUL,
    WASM_OP_LOCAL2_I32_AND, WASM_OP_LOCAL2_I32_OR,  WASM_OP_LOCAL2_I32_XOR,
    WASM_OP_LOCAL2_F64_ADD, WASM_OP_LOCAL2_F64_SUB, WASM_OP_LOCAL2_F64_MUL};
static const uint32_t k_bin_local[9] = {
    WASM_OP_I32_ADD_LOCAL, WASM_OP_I32_SUB_LOCAL, WASM_OP_I32_MUL_LOCAL,
    WASM_OP_I32_AND_LOCAL, WASM_OP_I32_OR_LOCAL,  WASM_OP_I32_XOR_LOCAL,
    WASM_OP_F64_ADD_LOCAL, WASM_OP_F64_SUB_LOCAL, WASM_OP_F64_MUL_LOCAL};
static const uint32_t k_s3_load[6] = {WASM_OP_S3_I32_LOAD,     WASM_OP_S3_F64_LOAD,
                                      WASM_OP_S3_I32_LOAD8_S,  WASM_OP_S3_I32_LOAD8_U,
                                      WASM_OP_S3_I32_LOAD16_S, WASM_OP_S3_I32_LOAD16_U};
static const uint32_t k_local_load[6] = {WASM_OP_LOCAL_I32_LOAD,     WASM_OP_LOCAL_F64_LOAD,
                                         WASM_OP_LOCAL_I32_LOAD8_S,  WASM_OP_LOCAL_I32_LOAD8_U,
                                         WASM_OP_LOCAL_I32_LOAD16_S, WASM_OP_LOCAL_I32_LOAD16_U};

static uint32_t legacy_form(uint32_t s3op, uint32_t nin, bool a_local, bool b_local)
{
    if (nin == 1) {
        for (int k = 0; k < 6; k++)
            if (k_s3_load[k] == s3op && a_local)
                return k_local_load[k];
        return 0;
    }
    for (int k = 0; k < 9; k++)
        if (k_s3_bin[k] == s3op && b_local)
            return a_local ? k_local2[k] : k_bin_local[k];
    return 0;
}

bool wasm_cc_emit_slot3(comp_t *c, uint32_t s3op, uint32_t nin, uint32_t imm, uint32_t off)
{
    uint32_t hb = c->nvals - 1 + nin; /* operand height before the op */
    uint32_t nl = c->nlocals;
    if (c->npend > nin && !materialise(c, c->npend - nin))
        return false;
    uint32_t slot[2] = {0, 0};
    for (uint32_t k = 0; k < nin; k++) {
        uint32_t from_top = nin - k; /* 1 = top operand */
        slot[k] = from_top <= c->npend ? c->pend_local[c->npend - from_top] : nl + hb - from_top;
    }
    c->npend = 0;
    uint32_t dst = nl + hb - nin;
    /* Where a fused stack op does the same (result pushed), it is cheaper
     * per dispatch; local.set/tee turns it into the slot form later. */
    uint32_t legacy = legacy_form(s3op, nin, slot[0] < nl, nin == 2 && slot[1] < nl);
    if (legacy && nin == 1)
        return wasm_cc_emit_op(c, legacy, off) && wasm_cc_emit(c, slot[0]) && wasm_cc_emit(c, imm);
    if (legacy && slot[0] < nl)
        return wasm_cc_emit_op(c, legacy, off) && wasm_cc_emit(c, slot[0]) &&
               wasm_cc_emit(c, slot[1]);
    if (legacy)
        return wasm_cc_emit_op(c, legacy, off) && wasm_cc_emit(c, slot[1]);
    return wasm_cc_emit_op(c, s3op, off) && wasm_cc_emit(c, dst) && wasm_cc_emit(c, slot[0]) &&
           wasm_cc_emit(c, nin == 2 ? slot[1] : imm) && wasm_cc_emit(c, dst + 1);
}

bool wasm_cc_emit_slot_store(comp_t *c, uint32_t sop, uint32_t offset, uint32_t off)
{
    uint32_t hb = c->nvals + 2; /* operand height before the store */
    uint32_t nl = c->nlocals;
    if (c->npend > 2 && !materialise(c, c->npend - 2))
        return false;
    uint32_t slot[2] = {0, 0};
    for (uint32_t k = 0; k < 2; k++) {
        uint32_t from_top = 2 - k; /* 1 = the value */
        slot[k] = from_top <= c->npend ? c->pend_local[c->npend - from_top] : nl + hb - from_top;
    }
    c->npend = 0;
    return wasm_cc_emit_op(c, sop, off) && wasm_cc_emit(c, slot[0]) && wasm_cc_emit(c, slot[1]) &&
           wasm_cc_emit(c, offset) && wasm_cc_emit(c, nl + hb - 2);
}

static bool is_s3_value(uint32_t op)
{
    return op >= WASM_OP_S3_I32_ADD && op <= WASM_OP_S3_I32_LOAD16_U;
}

/* The last op is a slot op writing the operand-stack slot at height h,
 * nothing emitted after it and no label pointing past its start. */
bool wasm_cc_last_is_s3_to(comp_t *c, uint32_t h)
{
    uint32_t at = c->last_op_at;
    return at + 5 == c->ir_len && c->label_at <= at && is_s3_value(c->ir[at]) &&
           c->ir[at + 1] == c->nlocals + h && c->ir[at + 4] == c->nlocals + h + 1;
}

/* The last op is a plain stack op with a slot form (a load, or a binary
 * op of wasm_cc_slot_op()) whose result is the value at height h: rewrite
 * it in place into that slot form writing local i (operands stay on the
 * operand stack, at heights h and h + 1). */
static bool stack_op_to_local(comp_t *c, uint32_t h, uint32_t i, bool *done)
{
    uint32_t at = c->last_op_at, op = c->ir[at], nl = c->nlocals;
    if (c->label_at > at)
        return true;
    for (int k = 0; k < 9; k++) {
        if (op == k_local2[k] && at + 3 == c->ir_len) { /* LOCAL2_<op> a b */
            uint32_t a = c->ir[at + 1], b = c->ir[at + 2];
            *done = true;
            c->ir[at] = k_s3_bin[k];
            c->ir_len = at + 1;
            return wasm_cc_emit(c, i) && wasm_cc_emit(c, a) && wasm_cc_emit(c, b) &&
                   wasm_cc_emit(c, nl + h);
        }
        if (op == k_bin_local[k] && at + 2 == c->ir_len) { /* <op>_LOCAL b, a on the stack */
            uint32_t b = c->ir[at + 1];
            *done = true;
            c->ir[at] = k_s3_bin[k];
            c->ir_len = at + 1;
            return wasm_cc_emit(c, i) && wasm_cc_emit(c, nl + h) && wasm_cc_emit(c, b) &&
                   wasm_cc_emit(c, nl + h);
        }
    }
    for (int k = 0; k < 6; k++) {
        if (op == k_local_load[k] && at + 3 == c->ir_len) { /* LOCAL_<load> x offset */
            uint32_t x = c->ir[at + 1], offset = c->ir[at + 2];
            *done = true;
            c->ir[at] = k_s3_load[k];
            c->ir_len = at + 1;
            return wasm_cc_emit(c, i) && wasm_cc_emit(c, x) && wasm_cc_emit(c, offset) &&
                   wasm_cc_emit(c, nl + h);
        }
    }
    if (op >= WASM_OP_I32_LOAD && op <= WASM_OP_I64_STORE32 && at + 2 == c->ir_len) {
        uint32_t s3 = wasm_cc_slot_op((uint8_t)(0x28 + (op - WASM_OP_I32_LOAD)));
        if (!s3)
            return true;
        uint32_t offset = c->ir[at + 1];
        *done = true;
        c->ir[at] = s3;
        c->ir_len = at + 1;
        return wasm_cc_emit(c, i) && wasm_cc_emit(c, nl + h) && wasm_cc_emit(c, offset) &&
               wasm_cc_emit(c, nl + h);
    }
    if (op >= WASM_OP_I32_EQZ && op <= WASM_OP_I32_EQZ + (0xC4 - 0x45) && at + 1 == c->ir_len) {
        uint32_t s3 = wasm_cc_slot_op((uint8_t)(0x45 + (op - WASM_OP_I32_EQZ)));
        if (!s3 || s3 >= WASM_OP_S3_I32_LOAD) /* loads were handled above */
            return true;
        *done = true;
        c->ir[at] = s3;
        return wasm_cc_emit(c, i) && wasm_cc_emit(c, nl + h) && wasm_cc_emit(c, nl + h + 1) &&
               wasm_cc_emit(c, nl + h);
    }
    return true;
}

bool wasm_cc_slot_set(comp_t *c, uint32_t i, bool tee, uint32_t off, bool *done)
{
    uint32_t h = tee ? c->nvals - 1 : c->nvals; /* height of the value set */
    *done = false;
    if (c->npend || c->plain)
        return true;
    uint32_t at = c->last_op_at;
    if (wasm_cc_last_is_s3_to(c, h)) {
        c->ir[at + 1] = i;
        c->ir[at + 4]--; /* the result no longer occupies a stack slot */
        *done = true;
    } else if (!stack_op_to_local(c, h, i, done)) {
        return false;
    }
    if (!*done)
        return true;
    if (tee) /* the value stays an operand, as an alias of local i (npend was 0) */
        (void)wasm_cc_pend_local(c, i, off);
    return true;
}
