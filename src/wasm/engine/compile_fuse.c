/*
 * compile_fuse.c -- the compiler's peephole pass (DESIGN.md
 * "Superinstructions"): after each instruction, the last emitted ops are
 * rewritten into one fused op when they form a known idiom, never across a
 * label; wasm_cc_refuse() replaces the tail of the IR by a fused op and
 * keeps the pc map (trap offsets) right. Called by compile.c and
 * compile_slots.c.
 */
#include "compile.h"

/* Replace the ops from IR index `at` to the end by op `op` (its immediates
 * follow with wasm_cc_emit); the fused op keeps the first op's byte offset. */
bool wasm_cc_refuse(comp_t *c, uint32_t at, uint32_t op)
{
    uint32_t off = 0;
    while (c->map_len && c->map[(c->map_len - 1) * 2] >= at) {
        off = c->map[(c->map_len - 1) * 2 + 1];
        c->map_len--;
    }
    while (c->nrecent && c->recent[c->nrecent - 1] >= at)
        c->nrecent--;
    c->ir_len = at;
    return wasm_cc_emit_op(c, op, off);
}

/* wasm_cc_refuse() for a fusion whose only trapping part is its last op (a load or
 * store): the fused op reports that op's byte offset, `q` being its IR index
 * (the last entry of the pc map). */
static bool refuse_trap_last(comp_t *c, uint32_t at, uint32_t op)
{
    uint32_t off = c->map[(c->map_len - 1) * 2 + 1];
    if (!wasm_cc_refuse(c, at, op))
        return false;
    c->map[(c->map_len - 1) * 2 + 1] = off;
    return true;
}

/* Position of an i32 op-with-constant in the order ADD AND OR XOR SHL SHR_S
 * SHR_U MUL ROTL ROTR (the LOCAL_*_IMM and TEE_*_IMM families), or -1. */
static int bin_imm_index(uint32_t op)
{
    if (op >= WASM_OP_I32_ADD_IMM && op <= WASM_OP_I32_MUL_IMM)
        return (int)(op - WASM_OP_I32_ADD_IMM);
    if (op == WASM_OP_I32_ROTL_IMM || op == WASM_OP_I32_ROTR_IMM)
        return 8 + (int)(op - WASM_OP_I32_ROTL_IMM);
    return -1;
}

/* Position of a load in the order I32_LOAD8_S 8_U 16_S 16_U I32_LOAD
 * F64_LOAD (the *ADD_IMM_*LOAD families), or -1. */
static int load_index(uint32_t op)
{
    if (op >= WASM_OP_I32_LOAD8_S && op <= WASM_OP_I32_LOAD16_U)
        return (int)(op - WASM_OP_I32_LOAD8_S);
    if (op == WASM_OP_I32_LOAD)
        return 4;
    if (op == WASM_OP_F64_LOAD)
        return 5;
    return -1;
}

/* Position of a store in the order I32_STORE I32_STORE8 I32_STORE16
 * I64_STORE (the <X>_STORE_IMM families), or -1. */
static int store_index(uint32_t op)
{
    switch (op) {
    case WASM_OP_I32_STORE: return 0;
    case WASM_OP_I32_STORE8: return 1;
    case WASM_OP_I32_STORE16: return 2;
    case WASM_OP_I64_STORE: return 3;
    default: return -1;
    }
}

/* Round 6: a constant stored (`i32.const v; <store> off` ->
 * <X>_STORE_IMM v off), then its address from a local or a local + k
 * (LOCAL_<X>_STORE_IMM x v off, LOCAL_ADD_IMM_<X>_STORE_IMM x k v off).
 * The store is the only trapping part: the fused op reports its offset.
 * *fused when it rewrote; false on NOMEM. */
static bool fuse_store_imm(comp_t *c, uint32_t p, uint32_t q, bool *fused)
{
    uint32_t *ir = c->ir, a = ir[p], b = ir[q], w[5], nw = 0;
    *fused = false;
    int si = store_index(b);
    uint32_t op;
    if (si >= 0 && si < 3 && a == WASM_OP_I32_CONST && q == p + 2 && q + 2 == c->ir_len) {
        op = WASM_OP_I32_STORE_IMM + (uint32_t)si;
        w[nw++] = ir[p + 1];
    } else if (si == 3 && a == WASM_OP_I64_CONST && q == p + 3 && q + 2 == c->ir_len) {
        op = WASM_OP_I64_STORE_IMM;
        w[nw++] = ir[p + 1];
        w[nw++] = ir[p + 2];
    } else if (b >= WASM_OP_I32_STORE_IMM && b <= WASM_OP_I64_STORE_IMM &&
               (a == WASM_OP_LOCAL_GET || a == WASM_OP_LOCAL_GET_ADD_IMM) &&
               q == p + (a == WASM_OP_LOCAL_GET ? 2 : 3) &&
               c->ir_len == q + (b == WASM_OP_I64_STORE_IMM ? 4 : 3)) {
        op = (a == WASM_OP_LOCAL_GET ? WASM_OP_LOCAL_I32_STORE_IMM
                                     : WASM_OP_LOCAL_ADD_IMM_I32_STORE_IMM) +
             (b - WASM_OP_I32_STORE_IMM);
        for (uint32_t i = p + 1; i < q; i++) /* x (and k) */
            w[nw++] = ir[i];
        for (uint32_t i = q + 1; i + 1 < c->ir_len; i++) /* v */
            w[nw++] = ir[i];
    } else {
        return true;
    }
    w[nw++] = ir[c->ir_len - 1]; /* off */
    if (!refuse_trap_last(c, p, op))
        return false;
    for (uint32_t i = 0; i < nw; i++)
        if (!wasm_cc_emit(c, w[i]))
            return false;
    *fused = true;
    return true;
}

/* Superinstructions (see DESIGN.md): rewrite the last two ops when they form
 * a common idiom and no label points between them. Runs after every
 * instruction, repeatedly, so three-op idioms fuse in two steps. */
bool wasm_cc_peephole(comp_t *c)
{
    for (;;) {
        if (c->nrecent < 2)
            return true;
        uint32_t p = c->recent[c->nrecent - 2], q = c->recent[c->nrecent - 1];
        if (c->label_at > p)
            return true;
        uint32_t a = c->ir[p], b = c->ir[q];
        uint32_t *ir = c->ir;
        bool fused;
        if (!fuse_store_imm(c, p, q, &fused))
            return false;
        if (fused)
            continue; /* a local address before it */
        if (a == WASM_OP_LOCAL_ADD_IMM_TEE && b == WASM_OP_LOCAL_SET && q == p + 4 &&
            q + 2 == c->ir_len) { /* one sum into two locals (round 6) */
            uint32_t x = ir[p + 1], k = ir[p + 2], d = ir[p + 3], e = ir[q + 1];
            return wasm_cc_refuse(c, p, WASM_OP_LOCAL_ADD_IMM_TEE_SET) && wasm_cc_emit(c, x) &&
                   wasm_cc_emit(c, k) && wasm_cc_emit(c, d) && wasm_cc_emit(c, e);
        }
        if (a == WASM_OP_LOCAL2_I32_ADD && q == p + 3 && load_index(b) >= 0 &&
            q + 2 == c->ir_len) { /* a load at base + index (round 6) */
            uint32_t x = ir[p + 1], y = ir[p + 2], off = ir[q + 1];
            return refuse_trap_last(c, p,
                                    WASM_OP_LOCAL2_ADD_I32_LOAD8_S + (uint32_t)load_index(b)) &&
                   wasm_cc_emit(c, x) && wasm_cc_emit(c, y) && wasm_cc_emit(c, off);
        }
        if (a == WASM_OP_F64_CONST && q == p + 3 && q + 1 == c->ir_len &&
            (b == WASM_OP_F64_ADD || b == WASM_OP_F64_SUB || b == WASM_OP_F64_MUL ||
             b == WASM_OP_F64_DIV)) { /* an f64 constant operand (round 6) */
            static const uint32_t k_imm[] = {WASM_OP_F64_ADD_IMM, WASM_OP_F64_SUB_IMM,
                                             WASM_OP_F64_MUL_IMM, WASM_OP_F64_DIV_IMM};
            uint32_t lo = ir[p + 1], hi = ir[p + 2];
            uint32_t op = k_imm[b == WASM_OP_F64_ADD   ? 0
                                : b == WASM_OP_F64_SUB ? 1
                                : b == WASM_OP_F64_MUL ? 2
                                                       : 3];
            if (!wasm_cc_refuse(c, p, op) || !wasm_cc_emit(c, lo) || !wasm_cc_emit(c, hi))
                return false;
            continue;
        }
        if (a == WASM_OP_I32_CONST && b == WASM_OP_I32_CONST && q == p + 2 &&
            q + 2 == c->ir_len) { /* two constants pushed (round 6) */
            uint32_t k1 = ir[p + 1], k2 = ir[q + 1];
            return wasm_cc_refuse(c, p, WASM_OP_I32_CONST2) && wasm_cc_emit(c, k1) &&
                   wasm_cc_emit(c, k2);
        }
        if (b == WASM_OP_LOCAL_SET && q + 2 == c->ir_len &&
            ((a == WASM_OP_I32_CONST && q == p + 2) ||
             ((a == WASM_OP_I64_CONST || a == WASM_OP_F64_CONST) && q == p + 3))) {
            /* a constant into a local (round 6) */
            uint32_t x = ir[q + 1], lo = ir[p + 1], hi = ir[p + 2];
            bool wide = a != WASM_OP_I32_CONST;
            return wasm_cc_refuse(c, p, wide ? WASM_OP_LOCAL_SET_IMM64 : WASM_OP_LOCAL_SET_IMM) &&
                   wasm_cc_emit(c, x) && wasm_cc_emit(c, lo) && (!wide || wasm_cc_emit(c, hi));
        }
        if (a == WASM_OP_I32_CONST && q == p + 2 && q + 1 == c->ir_len) {
            uint32_t k = ir[p + 1], op;
            switch (b) {
            case WASM_OP_I32_ADD: op = WASM_OP_I32_ADD_IMM; break;
            case WASM_OP_I32_SUB:
                op = WASM_OP_I32_ADD_IMM;
                k = 0u - k;
                break;
            case WASM_OP_I32_AND: op = WASM_OP_I32_AND_IMM; break;
            case WASM_OP_I32_OR: op = WASM_OP_I32_OR_IMM; break;
            case WASM_OP_I32_XOR: op = WASM_OP_I32_XOR_IMM; break;
            case WASM_OP_I32_SHL: op = WASM_OP_I32_SHL_IMM; break;
            case WASM_OP_I32_SHR_S: op = WASM_OP_I32_SHR_S_IMM; break;
            case WASM_OP_I32_SHR_U: op = WASM_OP_I32_SHR_U_IMM; break;
            case WASM_OP_I32_MUL: op = WASM_OP_I32_MUL_IMM; break;
            case WASM_OP_I32_ROTL: op = WASM_OP_I32_ROTL_IMM; break;
            case WASM_OP_I32_ROTR: op = WASM_OP_I32_ROTR_IMM; break;
            default:
                if (b < WASM_OP_I32_EQ || b > WASM_OP_I32_GE_U)
                    return true;
                op = WASM_OP_I32_EQ_IMM + (b - WASM_OP_I32_EQ);
            }
            if (!wasm_cc_refuse(c, p, op) || !wasm_cc_emit(c, k))
                return false;
            continue;
        }
        if ((a == WASM_OP_LOCAL_SET || a == WASM_OP_LOCAL_TEE) && q == p + 2 &&
            b == WASM_OP_LOCAL_GET && q + 2 == c->ir_len) {
            uint32_t x = ir[p + 1], y = ir[q + 1];
            uint32_t op = a == WASM_OP_LOCAL_SET ? WASM_OP_LOCAL_SET_GET : WASM_OP_LOCAL_TEE_GET;
            return wasm_cc_refuse(c, p, op) && wasm_cc_emit(c, x) && wasm_cc_emit(c, y);
        }
        if (a == WASM_OP_LOCAL_GET && q == p + 2) {
            uint32_t x = ir[p + 1];
            if (b == WASM_OP_LOCAL_SET && q + 2 == c->ir_len) {
                uint32_t y = ir[q + 1];
                return wasm_cc_refuse(c, p, WASM_OP_LOCAL_COPY) && wasm_cc_emit(c, x) &&
                       wasm_cc_emit(c, y);
            }
            if (b == WASM_OP_I32_ADD_IMM && q + 2 == c->ir_len) {
                uint32_t k = ir[q + 1];
                if (!wasm_cc_refuse(c, p, WASM_OP_LOCAL_GET_ADD_IMM) || !wasm_cc_emit(c, x) ||
                    !wasm_cc_emit(c, k))
                    return false;
                continue;
            }
            if (b == WASM_OP_LOCAL_GET && q + 2 == c->ir_len) {
                uint32_t y = ir[q + 1];
                return wasm_cc_refuse(c, p, WASM_OP_LOCAL_GET2) && wasm_cc_emit(c, x) &&
                       wasm_cc_emit(c, y);
            }
            if ((b == WASM_OP_I32_LOAD || b == WASM_OP_F64_LOAD ||
                 (b >= WASM_OP_I32_LOAD8_S && b <= WASM_OP_I32_LOAD16_U)) &&
                q + 2 == c->ir_len) {
                uint32_t off = ir[q + 1];
                uint32_t op = b == WASM_OP_I32_LOAD ? WASM_OP_LOCAL_I32_LOAD
                              : b == WASM_OP_F64_LOAD
                                  ? WASM_OP_LOCAL_F64_LOAD
                                  : WASM_OP_LOCAL_I32_LOAD8_S + (b - WASM_OP_I32_LOAD8_S);
                if (!refuse_trap_last(c, p, op) || !wasm_cc_emit(c, x) || !wasm_cc_emit(c, off))
                    return false;
                continue; /* a LOCAL_GET before it: LOCAL_GET_LOCAL_F64_LOAD */
            }
            int bi = bin_imm_index(b);
            if (bi > 0 && q + 2 == c->ir_len) { /* local x <op> k (add has its own) */
                uint32_t k = ir[q + 1];
                return wasm_cc_refuse(c, p, WASM_OP_LOCAL_AND_IMM + (uint32_t)(bi - 1)) &&
                       wasm_cc_emit(c, x) && wasm_cc_emit(c, k);
            }
            if (b >= WASM_OP_I32_EQ_IMM && b <= WASM_OP_I32_GE_U_IMM && q + 2 == c->ir_len) {
                uint32_t k = ir[q + 1];
                return wasm_cc_refuse(c, p, WASM_OP_LOCAL_EQ_IMM + (b - WASM_OP_I32_EQ_IMM)) &&
                       wasm_cc_emit(c, x) && wasm_cc_emit(c, k);
            }
            if (b == WASM_OP_LOCAL_F64_LOAD && q + 3 == c->ir_len) {
                /* a local pushed under a load from another local (round 5) */
                uint32_t y = ir[q + 1], off = ir[q + 2];
                return refuse_trap_last(c, p, WASM_OP_LOCAL_GET_LOCAL_F64_LOAD) &&
                       wasm_cc_emit(c, x) && wasm_cc_emit(c, y) && wasm_cc_emit(c, off);
            }
            if (q + 1 == c->ir_len) { /* binary op whose right operand is local x */
                uint32_t op;
                switch (b) {
                case WASM_OP_I32_ADD: op = WASM_OP_I32_ADD_LOCAL; break;
                case WASM_OP_I32_SUB: op = WASM_OP_I32_SUB_LOCAL; break;
                case WASM_OP_I32_AND: op = WASM_OP_I32_AND_LOCAL; break;
                case WASM_OP_I32_OR: op = WASM_OP_I32_OR_LOCAL; break;
                case WASM_OP_I32_XOR: op = WASM_OP_I32_XOR_LOCAL; break;
                case WASM_OP_I32_MUL: op = WASM_OP_I32_MUL_LOCAL; break;
                case WASM_OP_F64_ADD: op = WASM_OP_F64_ADD_LOCAL; break;
                case WASM_OP_F64_SUB: op = WASM_OP_F64_SUB_LOCAL; break;
                case WASM_OP_F64_MUL: op = WASM_OP_F64_MUL_LOCAL; break;
                default: return true;
                }
                if (!wasm_cc_refuse(c, p, op) || !wasm_cc_emit(c, x))
                    return false;
                continue; /* LOCAL2_F64_MUL before it: LOCAL3_F64_MUL */
            }
            return true;
        }
        if (a == WASM_OP_LOCAL_TEE && q == p + 2 && bin_imm_index(b) >= 0 && q + 2 == c->ir_len) {
            uint32_t x = ir[p + 1], k = ir[q + 1];
            return wasm_cc_refuse(c, p, WASM_OP_TEE_ADD_IMM + (uint32_t)bin_imm_index(b)) &&
                   wasm_cc_emit(c, x) && wasm_cc_emit(c, k);
        }
        if (a == WASM_OP_I32_ADD_IMM && q == p + 2 && load_index(b) >= 0 && q + 2 == c->ir_len) {
            uint32_t k = ir[p + 1], off = ir[q + 1];
            return refuse_trap_last(c, p, WASM_OP_ADD_IMM_I32_LOAD8_S + (uint32_t)load_index(b)) &&
                   wasm_cc_emit(c, k) && wasm_cc_emit(c, off);
        }
        if (a == WASM_OP_LOCAL_GET_ADD_IMM && q == p + 3 && load_index(b) >= 0 &&
            q + 2 == c->ir_len) {
            uint32_t x = ir[p + 1], k = ir[p + 2], off = ir[q + 1];
            return refuse_trap_last(c, p,
                                    WASM_OP_LOCAL_ADD_IMM_I32_LOAD8_S + (uint32_t)load_index(b)) &&
                   wasm_cc_emit(c, x) && wasm_cc_emit(c, k) && wasm_cc_emit(c, off);
        }
        if (a == WASM_OP_LOCAL_GET_ADD_IMM && q == p + 3 &&
            (b == WASM_OP_LOCAL_SET || b == WASM_OP_LOCAL_TEE) && q + 2 == c->ir_len) {
            uint32_t x = ir[p + 1], k = ir[p + 2], d = ir[q + 1];
            uint32_t op =
                b == WASM_OP_LOCAL_SET ? WASM_OP_LOCAL_ADD_IMM_SET : WASM_OP_LOCAL_ADD_IMM_TEE;
            return wasm_cc_refuse(c, p, op) && wasm_cc_emit(c, x) && wasm_cc_emit(c, k) &&
                   wasm_cc_emit(c, d);
        }
        if (a == WASM_OP_LOCAL_GET2 && q == p + 3 && q + 1 == c->ir_len) {
            uint32_t x = ir[p + 1], y = ir[p + 2], op;
            switch (b) {
            case WASM_OP_I32_ADD: op = WASM_OP_LOCAL2_I32_ADD; break;
            case WASM_OP_I32_SUB: op = WASM_OP_LOCAL2_I32_SUB; break;
            case WASM_OP_I32_AND: op = WASM_OP_LOCAL2_I32_AND; break;
            case WASM_OP_I32_OR: op = WASM_OP_LOCAL2_I32_OR; break;
            case WASM_OP_I32_XOR: op = WASM_OP_LOCAL2_I32_XOR; break;
            case WASM_OP_I32_MUL: op = WASM_OP_LOCAL2_I32_MUL; break;
            case WASM_OP_F64_ADD: op = WASM_OP_LOCAL2_F64_ADD; break;
            case WASM_OP_F64_SUB: op = WASM_OP_LOCAL2_F64_SUB; break;
            case WASM_OP_F64_MUL: op = WASM_OP_LOCAL2_F64_MUL; break;
            default: return true;
            }
            return wasm_cc_refuse(c, p, op) && wasm_cc_emit(c, x) && wasm_cc_emit(c, y);
        }
        if (a == WASM_OP_LOCAL_SET_GET && q == p + 3 && b == WASM_OP_LOCAL_SET_GET &&
            q + 3 == c->ir_len) {
            uint32_t x = ir[p + 1], y = ir[p + 2], z = ir[q + 1], w = ir[q + 2];
            return wasm_cc_refuse(c, p, WASM_OP_LOCAL_SET_GET2) && wasm_cc_emit(c, x) &&
                   wasm_cc_emit(c, y) && wasm_cc_emit(c, z) && wasm_cc_emit(c, w);
        }
        if (a == WASM_OP_LOCAL_COPY && q == p + 3 && b == WASM_OP_LOCAL_COPY &&
            q + 3 == c->ir_len) {
            uint32_t x = ir[p + 1], y = ir[p + 2], z = ir[q + 1], w = ir[q + 2];
            return wasm_cc_refuse(c, p, WASM_OP_LOCAL_COPY2) && wasm_cc_emit(c, x) &&
                   wasm_cc_emit(c, y) && wasm_cc_emit(c, z) && wasm_cc_emit(c, w);
        }
        if (a == WASM_OP_I32_ADD_IMM && q == p + 2 &&
            (b == WASM_OP_LOCAL_SET || b == WASM_OP_LOCAL_TEE) && q + 2 == c->ir_len) {
            uint32_t k = ir[p + 1], x = ir[q + 1];
            uint32_t op =
                b == WASM_OP_LOCAL_SET ? WASM_OP_I32_ADD_IMM_SET : WASM_OP_I32_ADD_IMM_TEE;
            if (!wasm_cc_refuse(c, p, op) || !wasm_cc_emit(c, k) || !wasm_cc_emit(c, x))
                return false;
            continue; /* LOCAL_GET2 before a tee: LOCAL_GET_LOCAL_ADD_IMM_TEE */
        }
        if (b == WASM_OP_I32_XOR && q == p + 3 && q + 1 == c->ir_len &&
            (a == WASM_OP_LOCAL_SHL_IMM || a == WASM_OP_LOCAL_SHR_U_IMM ||
             a == WASM_OP_LOCAL_ROTL_IMM || a == WASM_OP_LOCAL_ROTR_IMM)) {
            uint32_t x = ir[p + 1], k = ir[p + 2];
            uint32_t op = a == WASM_OP_LOCAL_SHL_IMM     ? WASM_OP_LOCAL_SHL_IMM_XOR
                          : a == WASM_OP_LOCAL_SHR_U_IMM ? WASM_OP_LOCAL_SHR_U_IMM_XOR
                          : a == WASM_OP_LOCAL_ROTL_IMM  ? WASM_OP_LOCAL_ROTL_IMM_XOR
                                                         : WASM_OP_LOCAL_ROTR_IMM_XOR;
            return wasm_cc_refuse(c, p, op) && wasm_cc_emit(c, x) && wasm_cc_emit(c, k);
        }
        if (a == WASM_OP_I32_SHR_U_IMM && q == p + 2 && b == WASM_OP_I32_AND_IMM &&
            q + 2 == c->ir_len) {
            uint32_t k = ir[p + 1], m = ir[q + 1];
            return wasm_cc_refuse(c, p, WASM_OP_I32_SHR_U_AND_IMM) && wasm_cc_emit(c, k) &&
                   wasm_cc_emit(c, m);
        }
        if ((a == WASM_OP_I32_AND_IMM || a == WASM_OP_I32_LT_S_IMM) && q == p + 2 &&
            b == WASM_OP_SELECT && q + 1 == c->ir_len) {
            uint32_t k = ir[p + 1];
            uint32_t op =
                a == WASM_OP_I32_AND_IMM ? WASM_OP_I32_AND_IMM_SELECT : WASM_OP_I32_LT_S_IMM_SELECT;
            if (!wasm_cc_refuse(c, p, op) || !wasm_cc_emit(c, k))
                return false;
            continue; /* LOCAL_GET2 before it: LOCAL2_AND_IMM_SELECT */
        }
        if (a == WASM_OP_I32_XOR && q == p + 1 && b == WASM_OP_I32_ADD && q + 1 == c->ir_len)
            return wasm_cc_refuse(c, p, WASM_OP_I32_XOR_ADD);
        /* round 5 */
        if (a == WASM_OP_I32_SHL_IMM && q == p + 2 && b == WASM_OP_I32_SHR_S_IMM &&
            q + 2 == c->ir_len && (ir[p + 1] & 31) == (ir[q + 1] & 31) &&
            ((ir[p + 1] & 31) == 16 || (ir[p + 1] & 31) == 24)) {
            /* (x << 16) >> 16 signed: the sign extension of the low half */
            uint32_t op = (ir[p + 1] & 31) == 16 ? WASM_OP_I32_EXTEND16_S : WASM_OP_I32_EXTEND8_S;
            if (!wasm_cc_refuse(c, p, op))
                return false;
            continue;
        }
        if (a == WASM_OP_LOCAL_GET2 && q == p + 3 && b == WASM_OP_I32_ADD_IMM_TEE &&
            q + 3 == c->ir_len) {
            uint32_t x = ir[p + 1], y = ir[p + 2], k = ir[q + 1], d = ir[q + 2];
            return wasm_cc_refuse(c, p, WASM_OP_LOCAL_GET_LOCAL_ADD_IMM_TEE) &&
                   wasm_cc_emit(c, x) && wasm_cc_emit(c, y) && wasm_cc_emit(c, k) &&
                   wasm_cc_emit(c, d);
        }
        if (a == WASM_OP_LOCAL_GET2 && q == p + 3 && b == WASM_OP_I32_AND_IMM_SELECT &&
            q + 2 == c->ir_len) {
            uint32_t x = ir[p + 1], y = ir[p + 2], k = ir[q + 1];
            return wasm_cc_refuse(c, p, WASM_OP_LOCAL2_AND_IMM_SELECT) && wasm_cc_emit(c, x) &&
                   wasm_cc_emit(c, y) && wasm_cc_emit(c, k);
        }
        if (a == WASM_OP_LOCAL2_F64_MUL && q == p + 3 && b == WASM_OP_F64_MUL_LOCAL &&
            q + 2 == c->ir_len) {
            uint32_t x = ir[p + 1], y = ir[p + 2], z = ir[q + 1];
            return wasm_cc_refuse(c, p, WASM_OP_LOCAL3_F64_MUL) && wasm_cc_emit(c, x) &&
                   wasm_cc_emit(c, y) && wasm_cc_emit(c, z);
        }
        if ((a == WASM_OP_F64_ADD || a == WASM_OP_F64_SUB) && q == p + 1 &&
            b == WASM_OP_F64_STORE && q + 2 == c->ir_len) {
            uint32_t off = ir[q + 1];
            uint32_t op = a == WASM_OP_F64_ADD ? WASM_OP_F64_ADD_STORE : WASM_OP_F64_SUB_STORE;
            return refuse_trap_last(c, p, op) && wasm_cc_emit(c, off);
        }
        if (a == WASM_OP_I32_ADD && q == p + 1 && b == WASM_OP_LOCAL_SET && q + 2 == c->ir_len) {
            uint32_t d = ir[q + 1];
            return wasm_cc_refuse(c, p, WASM_OP_I32_ADD_SET) && wasm_cc_emit(c, d);
        }
        return true;
    }
}
