/*
 * compile.c -- validates one function body with the spec's algorithm
 * (spec 3.3 and appendix "Validation Algorithm": an operand-type stack and a
 * control stack) and, in the same pass, emits the IR that interp.c runs:
 * stack-height-resolved branches, decoded immediates, fuel charges at
 * function entry and loop headers. See DESIGN.md. Called by decode.c for
 * each entry of the code section; allocates only the IR it returns. This
 * file holds the stacks, IR emission and control flow; compile_ops.c the
 * other instruction groups, compile_slots.c the slot-addressed ops and
 * compile_fuse.c the peephole pass.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "compile.h"

static const uint8_t k_valtypes[] = {WASM_I32, WASM_I64,     WASM_F32,
                                     WASM_F64, WASM_FUNCREF, WASM_EXTERNREF};

static const uint8_t *single_type(uint8_t t)
{
    const uint8_t *p = memchr(k_valtypes, t, sizeof k_valtypes);
    return p;
}

bool wasm_cc_nomem(comp_t *c)
{
    return wasm_fail(c->r, WASM_ERR_NOMEM, "out of memory");
}

static bool grow(comp_t *c, void **arr, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return true;
    uint32_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = mk_realloc(*arr, (size_t)n * size);
    if (!p)
        return wasm_cc_nomem(c);
    *arr = p;
    *cap = n;
    return true;
}

ctrl_t *wasm_cc_top(comp_t *c)
{
    return &c->ctrls[c->nctrls - 1];
}

bool wasm_cc_live(comp_t *c)
{
    ctrl_t *t = wasm_cc_top(c);
    return !t->unreachable && !t->dead;
}

/* ---- operand type stack ---- */

bool wasm_cc_push(comp_t *c, uint8_t t)
{
    if (c->nvals >= WASM_MAX_FUNC_STACK)
        return wasm_fail(c->r, WASM_ERR_LIMIT, "operand stack deeper than %u", WASM_MAX_FUNC_STACK);
    if (!grow(c, (void **)&c->vals, &c->vcap, c->nvals + 1, 1))
        return false;
    c->vals[c->nvals++] = t;
    if (c->nvals > c->max_height)
        c->max_height = c->nvals;
    return true;
}

bool wasm_cc_pop(comp_t *c, uint8_t *out)
{
    ctrl_t *t = wasm_cc_top(c);
    if (c->nvals == t->height) {
        if (t->unreachable) {
            *out = UNKNOWN;
            return true;
        }
        return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (operand stack empty)");
    }
    *out = c->vals[--c->nvals];
    return true;
}

bool wasm_cc_pop_expect(comp_t *c, uint8_t want, uint8_t *out)
{
    uint8_t got = UNKNOWN;
    if (!wasm_cc_pop(c, &got))
        return false;
    if (got != want && got != UNKNOWN && want != UNKNOWN)
        return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (expected 0x%02x, got 0x%02x)",
                         want, got);
    if (out)
        *out = got == UNKNOWN ? want : got;
    return true;
}

bool wasm_cc_pop_n(comp_t *c, uint32_t n, const uint8_t *types)
{
    for (uint32_t i = n; i-- > 0;)
        if (!wasm_cc_pop_expect(c, types[i], NULL))
            return false;
    return true;
}

bool wasm_cc_push_n(comp_t *c, uint32_t n, const uint8_t *types)
{
    for (uint32_t i = 0; i < n; i++)
        if (!wasm_cc_push(c, types[i]))
            return false;
    return true;
}

/* ---- IR emission ---- */

bool wasm_cc_emit(comp_t *c, uint32_t w)
{
    if (!grow(c, (void **)&c->ir, &c->ir_cap, c->ir_len + 1, sizeof(uint32_t)))
        return false;
    c->ir[c->ir_len++] = w;
    return true;
}

/* Start an instruction: remember its byte offset for trap reports. */
bool wasm_cc_emit_op(comp_t *c, uint32_t op, uint32_t byte_offset)
{
    if (!grow(c, (void **)&c->map, &c->map_cap, c->map_len * 2 + 2, 2 * sizeof(uint32_t)))
        return false;
    c->map[c->map_len * 2] = c->ir_len;
    c->map[c->map_len * 2 + 1] = byte_offset;
    c->map_len++;
    c->last_op_at = c->ir_len;
    if (c->nrecent == 4) {
        memmove(c->recent, c->recent + 1, 3 * sizeof c->recent[0]);
        c->nrecent = 3;
    }
    c->recent[c->nrecent++] = c->ir_len;
    return wasm_cc_emit(c, op);
}

/* br_if right after an i32 comparison becomes one fused compare-and-branch
 * (only when no label points between the two). */

/* Whether the op before the last one (at IR index `at`) is `op`, exactly
 * `len` words long and not the target of a label, so both can fuse. */
static bool prev_op_is(const comp_t *c, uint32_t at, uint32_t op, uint32_t len)
{
    return at >= len && c->nrecent >= 2 && c->recent[c->nrecent - 2] + len == at &&
           c->label_at + len <= at && c->ir[at - len] == op;
}

static bool emit_br_if(comp_t *c, uint32_t off, ctrl_t *l)
{
    uint32_t at = c->last_op_at;
    if (c->plain)
        return wasm_cc_emit_op(c, WASM_OP_BR_IF, off) && wasm_cc_emit_target(c, l);
    /* slot compare; br_if: compare two slots and branch, one op */
    if (wasm_cc_last_is_s3_to(c, c->nvals) && c->ir[at] >= WASM_OP_S3_I32_EQ &&
        c->ir[at] <= WASM_OP_S3_I32_GE_U) {
        c->ir[at] = WASM_OP_S3_I32_EQ_BR_IF + (c->ir[at] - WASM_OP_S3_I32_EQ);
        c->ir[at + 1] = c->ir[at + 2];
        c->ir[at + 2] = c->ir[at + 3];
        c->ir[at + 3] = c->nlocals + c->nvals;
        c->ir_len = at + 4;
        return wasm_cc_emit_target(c, l);
    }
    if (at + 1 == c->ir_len && c->label_at <= at) {
        uint32_t op = c->ir[at];
        if (op == WASM_OP_I32_EQZ) {
            /* local.get x; i32.eqz; br_if: test the local in place */
            if (c->nrecent >= 2 && c->recent[c->nrecent - 2] + 2 == at && c->label_at + 2 <= at &&
                c->ir[at - 2] == WASM_OP_LOCAL_GET) {
                uint32_t x = c->ir[at - 1];
                return wasm_cc_refuse(c, at - 2, WASM_OP_LOCAL_BR_UNLESS) && wasm_cc_emit(c, x) &&
                       wasm_cc_emit_target(c, l);
            }
            c->ir[at] = WASM_OP_BR_UNLESS;
            return wasm_cc_emit_target(c, l);
        }
        if (op == WASM_OP_I32_NE && prev_op_is(c, at, WASM_OP_LOCAL_GET_LOCAL_ADD_IMM_TEE, 5)) {
            /* local.get n; local.get i; i32.const k; i32.add; local.tee i;
             * i32.ne; br_if: a counted loop's back-edge, one op */
            uint32_t *w = &c->ir[at - 4];
            uint32_t n = w[0], x = w[1], k = w[2], d = w[3];
            return wasm_cc_refuse(c, at - 5, WASM_OP_LOCAL_ADD_IMM_TEE_NE_BR_IF) &&
                   wasm_cc_emit(c, n) && wasm_cc_emit(c, x) && wasm_cc_emit(c, k) &&
                   wasm_cc_emit(c, d) && wasm_cc_emit_target(c, l);
        }
        if (op >= WASM_OP_I32_EQ && op <= WASM_OP_I32_GE_U) {
            c->ir[at] = WASM_OP_I32_EQ_BR_IF + (op - WASM_OP_I32_EQ);
            return wasm_cc_emit_target(c, l);
        }
    }
    /* i32.const k; compare; br_if */
    if (at + 2 == c->ir_len && c->label_at <= at && c->ir[at] == WASM_OP_I32_NE_IMM) {
        uint32_t m = c->ir[at + 1];
        if (prev_op_is(c, at, WASM_OP_LOCAL_ADD_IMM_TEE, 4)) {
            /* local.get x; i32.const k; i32.add; local.tee d; i32.const m;
             * i32.ne; br_if */
            uint32_t x = c->ir[at - 3], k = c->ir[at - 2], d = c->ir[at - 1];
            return wasm_cc_refuse(c, at - 4, WASM_OP_LOCAL_ADD_IMM_TEE_NE_IMM_BR_IF) &&
                   wasm_cc_emit(c, x) && wasm_cc_emit(c, k) && wasm_cc_emit(c, d) &&
                   wasm_cc_emit(c, m) && wasm_cc_emit_target(c, l);
        }
        if (prev_op_is(c, at, WASM_OP_LOCAL_TEE, 2)) { /* local.tee x; i32.const m; i32.ne; br_if */
            uint32_t x = c->ir[at - 1];
            return wasm_cc_refuse(c, at - 2, WASM_OP_TEE_NE_IMM_BR_IF) && wasm_cc_emit(c, x) &&
                   wasm_cc_emit(c, m) && wasm_cc_emit_target(c, l);
        }
    }
    if (at + 2 == c->ir_len && c->label_at <= at && c->ir[at] >= WASM_OP_I32_EQ_IMM &&
        c->ir[at] <= WASM_OP_I32_GE_U_IMM) {
        c->ir[at] = WASM_OP_I32_EQ_IMM_BR_IF + (c->ir[at] - WASM_OP_I32_EQ_IMM);
        return wasm_cc_emit_target(c, l);
    }
    /* local.get x; i32.const k; compare; br_if */
    if (at + 3 == c->ir_len && c->label_at <= at && c->ir[at] >= WASM_OP_LOCAL_EQ_IMM &&
        c->ir[at] <= WASM_OP_LOCAL_GE_U_IMM) {
        c->ir[at] = WASM_OP_LOCAL_EQ_IMM_BR_IF + (c->ir[at] - WASM_OP_LOCAL_EQ_IMM);
        return wasm_cc_emit_target(c, l);
    }
    /* local.get x; br_if: test the local in place */
    if (at + 2 == c->ir_len && c->label_at <= at && c->ir[at] == WASM_OP_LOCAL_GET) {
        c->ir[at] = WASM_OP_LOCAL_BR_IF;
        return wasm_cc_emit_target(c, l);
    }
    return wasm_cc_emit_op(c, WASM_OP_BR_IF, off) && wasm_cc_emit_target(c, l);
}

uint32_t wasm_cc_label_arity(const ctrl_t *l)
{
    return l->kind == K_LOOP ? l->nparams : l->nresults;
}

const uint8_t *wasm_cc_label_types(const ctrl_t *l)
{
    return l->kind == K_LOOP ? l->params : l->results;
}

/* Emit the target word of a branch to `l` (patched later if forward). */
bool wasm_cc_emit_target(comp_t *c, ctrl_t *l)
{
    if (l->kind == K_LOOP) /* past the loop's FUEL op: the branch charges it (interp.c JUMP) */
        return wasm_cc_emit(c, l->loop_pc + 2);
    uint32_t at = c->ir_len;
    if (!wasm_cc_emit(c, l->patch))
        return false;
    l->patch = at + 1;
    return true;
}

/* A branch to depth `d` from the current height (condition already popped). */
static bool emit_branch(comp_t *c, uint32_t op_plain, uint32_t op_move, uint32_t d, uint32_t off)
{
    ctrl_t *l = &c->ctrls[c->nctrls - 1 - d];
    uint32_t arity = wasm_cc_label_arity(l);
    uint32_t drop = c->nvals - (l->height + arity);
    if (drop == 0 && op_plain == WASM_OP_BR_IF)
        return emit_br_if(c, off, l);
    uint32_t at = c->last_op_at;
    if (drop == 0 && op_plain == WASM_OP_BR && !c->plain && c->nrecent &&
        c->recent[c->nrecent - 1] == at && c->label_at <= at) {
        /* the moves into a loop's or join's variables, then br: one op */
        if (c->ir[at] == WASM_OP_LOCAL_COPY && at + 3 == c->ir_len) {
            uint32_t x = c->ir[at + 1], y = c->ir[at + 2];
            if (prev_op_is(c, at, WASM_OP_LOCAL_COPY2, 5)) { /* three moves (round 6) */
                uint32_t p = at - 5,
                         m[4] = {c->ir[p + 1], c->ir[p + 2], c->ir[p + 3], c->ir[p + 4]};
                return wasm_cc_refuse(c, p, WASM_OP_LOCAL_COPY3_BR) && wasm_cc_emit(c, m[0]) &&
                       wasm_cc_emit(c, m[1]) && wasm_cc_emit(c, m[2]) && wasm_cc_emit(c, m[3]) &&
                       wasm_cc_emit(c, x) && wasm_cc_emit(c, y) && wasm_cc_emit_target(c, l);
            }
            return wasm_cc_refuse(c, at, WASM_OP_LOCAL_COPY_BR) && wasm_cc_emit(c, x) &&
                   wasm_cc_emit(c, y) && wasm_cc_emit_target(c, l);
        }
        if (c->ir[at] == WASM_OP_LOCAL_SET && at + 2 == c->ir_len) {
            uint32_t x = c->ir[at + 1];
            return wasm_cc_refuse(c, at, WASM_OP_LOCAL_SET_BR) && wasm_cc_emit(c, x) &&
                   wasm_cc_emit_target(c, l);
        }
    }
    if (drop == 0)
        return wasm_cc_emit_op(c, op_plain, off) && wasm_cc_emit_target(c, l);
    return wasm_cc_emit_op(c, op_move, off) && wasm_cc_emit_target(c, l) && wasm_cc_emit(c, drop) &&
           wasm_cc_emit(c, arity);
}

static void patch_chain(comp_t *c, uint32_t head, uint32_t target)
{
    if (target > c->label_at)
        c->label_at = target;
    while (head) {
        uint32_t at = head - 1;
        head = c->ir[at];
        c->ir[at] = target;
    }
}

/* ---- control ---- */

static bool push_ctrl(comp_t *c, uint8_t kind, uint32_t np, const uint8_t *p, uint32_t nr,
                      const uint8_t *res)
{
    if (c->nctrls >= WASM_MAX_BLOCK_DEPTH)
        return wasm_fail(c->r, WASM_ERR_LIMIT, "blocks nested deeper than %u",
                         WASM_MAX_BLOCK_DEPTH);
    bool dead = c->nctrls ? (wasm_cc_top(c)->unreachable || wasm_cc_top(c)->dead) : false;
    if (!grow(c, (void **)&c->ctrls, &c->ccap, c->nctrls + 1, sizeof(ctrl_t)))
        return false;
    ctrl_t *t = &c->ctrls[c->nctrls++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->dead = dead;
    t->nparams = np;
    t->params = p;
    t->nresults = nr;
    t->results = res;
    t->height = c->nvals;
    return wasm_cc_push_n(c, np, p);
}

bool wasm_cc_set_unreachable(comp_t *c)
{
    ctrl_t *t = wasm_cc_top(c);
    c->nvals = t->height;
    c->npend = 0;
    t->unreachable = true;
    return true;
}

/* Read a block type (spec 5.4.1): empty, one value type or a type index. */
static bool read_blocktype(comp_t *c, uint32_t *np, const uint8_t **p, uint32_t *nr,
                           const uint8_t **res)
{
    wasm_reader_t *r = c->r;
    if (r->p >= r->end)
        return wasm_fail(r, WASM_ERR_MALFORMED, "unexpected end of section or function");
    uint8_t b = *r->p;
    *np = 0;
    *p = NULL;
    if (b == 0x40) {
        r->p++;
        *nr = 0;
        *res = NULL;
        return true;
    }
    if (b == WASM_V128)
        return wasm_fail(r, WASM_ERR_SIMD, "SIMD not supported (v128 block type)");
    if (single_type(b)) {
        r->p++;
        *nr = 1;
        *res = single_type(b);
        return true;
    }
    int64_t idx;
    if (!wasm_read_s33(r, &idx))
        return false;
    if (idx < 0)
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed block type");
    if ((uint64_t)idx >= c->m->ntypes)
        return wasm_fail(r, WASM_ERR_INVALID, "unknown type %lld", (long long)idx);
    const wasm_functype_t *t = &c->m->types[idx];
    *np = t->nparams;
    *p = t->params;
    *nr = t->nresults;
    *res = t->results;
    return true;
}

/* Validate the operands of `end` / `else` against the block's results. */
static bool check_block_end(comp_t *c)
{
    ctrl_t *t = wasm_cc_top(c);
    if (!wasm_cc_pop_n(c, t->nresults, t->results))
        return false;
    if (c->nvals != t->height)
        return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (values remain at block end)");
    return true;
}

static bool op_end(comp_t *c, uint32_t off, bool *done)
{
    ctrl_t *t = wasm_cc_top(c);
    if (!check_block_end(c))
        return false;
    if (t->kind == K_IF) {
        if (t->nparams != t->nresults || (t->nparams && memcmp(t->params, t->results, t->nparams)))
            return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (if without else)");
    }
    if (t->kind == K_FUNC) {
        bool need = (!t->dead && !t->unreachable) || t->patch;
        patch_chain(c, t->patch, c->ir_len);
        if (need && (!wasm_cc_emit_op(c, WASM_OP_RETURN, off) || !wasm_cc_emit(c, t->nresults)))
            return false;
        c->ir[t->fuel_at] = t->fuel_count ? t->fuel_count : 1;
        c->nctrls--;
        *done = true;
        return true;
    }
    if (t->kind == K_IF && t->else_patch) {
        c->ir[t->else_patch - 1] = c->ir_len;
        c->label_at = c->ir_len;
    }
    patch_chain(c, t->patch, c->ir_len);
    if (t->kind == K_LOOP) {
        if (t->fuel_at)
            c->ir[t->fuel_at] = t->fuel_count ? t->fuel_count : 1;
        c->fuel_owner = t->prev_owner;
    }
    uint32_t nr = t->nresults;
    const uint8_t *res = t->results;
    c->nctrls--;
    return wasm_cc_push_n(c, nr, res);
}

static bool op_else(comp_t *c, uint32_t off)
{
    ctrl_t *t = wasm_cc_top(c);
    if (t->kind != K_IF)
        /* the binary grammar only has `else` inside `if` (spec 5.4.1): the
         * reference interpreter ends the block there and wants `end` */
        return wasm_fail(c->r, WASM_ERR_MALFORMED, "END opcode expected (else without if)");
    if (!check_block_end(c))
        return false;
    if (wasm_cc_live(c)) {
        if (!wasm_cc_emit_op(c, WASM_OP_BR, off) || !wasm_cc_emit_target(c, t))
            return false;
    }
    if (t->else_patch)
        c->ir[t->else_patch - 1] = c->ir_len;
    c->label_at = c->ir_len;
    t->else_patch = 0;
    t->kind = K_ELSE;
    t->unreachable = false;
    c->nvals = t->height;
    return wasm_cc_push_n(c, t->nparams, t->params);
}

/* The branch of `if` to its else/end, placeholder target last: a slot
 * compare just before becomes the negated compare-and-branch. */
static bool emit_if_branch(comp_t *c, uint32_t off)
{
    /* eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u, each negated */
    static const uint8_t k_neg[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};
    uint32_t at = c->last_op_at;
    if (c->plain)
        return wasm_cc_emit_op(c, WASM_OP_BR_UNLESS, off) && wasm_cc_emit(c, 0);
    if (wasm_cc_last_is_s3_to(c, c->nvals) && c->ir[at] >= WASM_OP_S3_I32_EQ &&
        c->ir[at] <= WASM_OP_S3_I32_GE_U) {
        c->ir[at] = WASM_OP_S3_I32_EQ_BR_IF + k_neg[c->ir[at] - WASM_OP_S3_I32_EQ];
        c->ir[at + 1] = c->ir[at + 2];
        c->ir[at + 2] = c->ir[at + 3];
        c->ir[at + 3] = c->nlocals + c->nvals;
        c->ir_len = at + 4;
        return wasm_cc_emit(c, 0);
    }
    /* local.get x; if: test the local in place */
    if (at + 2 == c->ir_len && c->label_at <= at && c->ir[at] == WASM_OP_LOCAL_GET) {
        c->ir[at] = WASM_OP_LOCAL_BR_UNLESS;
        return wasm_cc_emit(c, 0);
    }
    return wasm_cc_emit_op(c, WASM_OP_BR_UNLESS, off) && wasm_cc_emit(c, 0);
}

/* One instruction at r->p. Sets *done after the function's final `end`. */
static bool compile_instr(comp_t *c, bool *done)
{
    wasm_reader_t *r = c->r;
    uint32_t off = (uint32_t)(r->p - r->base);
    uint8_t op;
    uint32_t a;
    if (!wasm_read_u8(r, &op))
        return false;
    if (wasm_cc_live(c))
        c->ctrls[c->fuel_owner].fuel_count++;
    if (c->npend && !wasm_cc_slot_aware(op) && !wasm_cc_flush(c))
        return false;
    switch (op) {
    case 0x00:
        return (!wasm_cc_live(c) || wasm_cc_emit_op(c, WASM_OP_UNREACHABLE, off)) &&
               wasm_cc_set_unreachable(c);
    case 0x01: return true;
    case 0x02:
    case 0x03:
    case 0x04: {
        uint32_t np = 0, nr = 0;
        const uint8_t *p = NULL, *res = NULL;
        if (!read_blocktype(c, &np, &p, &nr, &res))
            return false;
        if (op == 0x04 && !wasm_cc_pop_expect(c, WASM_I32, NULL))
            return false;
        if (!wasm_cc_pop_n(c, np, p))
            return false;
        bool was_live = wasm_cc_live(c);
        if (!push_ctrl(c, op == 0x02 ? K_BLOCK : op == 0x03 ? K_LOOP : K_IF, np, p, nr, res))
            return false;
        ctrl_t *t = wasm_cc_top(c);
        if (op == 0x03) {
            t->loop_pc = c->ir_len;
            c->label_at = c->ir_len;
            t->prev_owner = c->fuel_owner;
            if (was_live) {
                c->fuel_owner = c->nctrls - 1;
                if (!wasm_cc_emit_op(c, WASM_OP_FUEL, off))
                    return false;
                t->fuel_at = c->ir_len;
                if (!wasm_cc_emit(c, 1))
                    return false;
                c->label_at = c->ir_len; /* back-edges land after the FUEL op */
            }
        } else if (op == 0x04 && was_live) {
            if (!emit_if_branch(c, off))
                return false;
            t->else_patch = c->ir_len;
        }
        return true;
    }
    case 0x05: return op_else(c, off);
    case 0x0B: return op_end(c, off, done);
    case 0x0C:
    case 0x0D: {
        if (!wasm_read_u32(r, &a))
            return false;
        if (a >= c->nctrls)
            return wasm_fail(r, WASM_ERR_INVALID, "unknown label %u", a);
        if (op == 0x0D && !wasm_cc_pop_expect(c, WASM_I32, NULL))
            return false;
        ctrl_t *l = &c->ctrls[c->nctrls - 1 - a];
        uint32_t n = wasm_cc_label_arity(l);
        const uint8_t *lt = wasm_cc_label_types(l);
        if (!wasm_cc_pop_n(c, n, lt))
            return false;
        if (op == 0x0C) {
            if (wasm_cc_live(c)) {
                c->nvals += n; /* operands are still on the runtime stack */
                bool ok = emit_branch(c, WASM_OP_BR, WASM_OP_BR_MOVE, a, off);
                c->nvals -= n;
                if (!ok)
                    return false;
            }
            return wasm_cc_set_unreachable(c);
        }
        if (!wasm_cc_push_n(c, n, lt))
            return false;
        return !wasm_cc_live(c) || emit_branch(c, WASM_OP_BR_IF, WASM_OP_BR_IF_MOVE, a, off);
    }
    case 0x0E: return wasm_cc_op_br_table(c, off);
    case 0x0F: {
        ctrl_t *f = &c->ctrls[0];
        if (!wasm_cc_pop_n(c, f->nresults, f->results))
            return false;
        if (wasm_cc_live(c) &&
            (!wasm_cc_emit_op(c, WASM_OP_RETURN, off) || !wasm_cc_emit(c, f->nresults)))
            return false;
        return wasm_cc_set_unreachable(c);
    }
    case 0x10: {
        if (!wasm_read_u32(r, &a))
            return false;
        if (a >= c->m->nfuncs)
            return wasm_fail(r, WASM_ERR_INVALID, "unknown function %u", a);
        const wasm_functype_t *t = &c->m->types[c->m->func_types[a]];
        if (!wasm_cc_pop_n(c, t->nparams, t->params) || !wasm_cc_push_n(c, t->nresults, t->results))
            return false;
        return !wasm_cc_live(c) || (wasm_cc_emit_op(c, WASM_OP_CALL, off) && wasm_cc_emit(c, a));
    }
    case 0x11: return wasm_cc_op_call_indirect(c, off);
    case 0x1A: {
        uint8_t t;
        if (!wasm_cc_pop(c, &t))
            return false;
        return !wasm_cc_live(c) || wasm_cc_emit_op(c, WASM_OP_DROP, off);
    }
    case 0x1B:
    case 0x1C: return wasm_cc_op_select(c, op == 0x1C, off);
    case 0x20:
    case 0x21:
    case 0x22: return wasm_cc_op_local(c, op, off);
    case 0x23:
    case 0x24: return wasm_cc_op_global(c, op, off);
    case 0x25:
    case 0x26: {
        if (!wasm_read_u32(r, &a) || !wasm_cc_need_table(c, a))
            return false;
        uint8_t et = c->m->tables[a].elemtype;
        if (op == 0x25) {
            if (!wasm_cc_pop_expect(c, WASM_I32, NULL) || !wasm_cc_push(c, et))
                return false;
        } else if (!wasm_cc_pop_expect(c, et, NULL) || !wasm_cc_pop_expect(c, WASM_I32, NULL)) {
            return false;
        }
        return !wasm_cc_live(c) ||
               (wasm_cc_emit_op(c, op == 0x25 ? WASM_OP_TABLE_GET : WASM_OP_TABLE_SET, off) &&
                wasm_cc_emit(c, a));
    }
    case 0x3F:
    case 0x40:
        if (!wasm_cc_need_zero(c) || !wasm_cc_need_memory(c))
            return false;
        if (op == 0x40 && !wasm_cc_pop_expect(c, WASM_I32, NULL))
            return false;
        if (!wasm_cc_push(c, WASM_I32))
            return false;
        return !wasm_cc_live(c) ||
               wasm_cc_emit_op(c, op == 0x3F ? WASM_OP_MEMORY_SIZE : WASM_OP_MEMORY_GROW, off);
    case 0x41:
    case 0x42:
    case 0x43:
    case 0x44: return wasm_cc_op_const(c, op, off);
    case 0xD0: {
        uint8_t t;
        if (!wasm_read_u8(r, &t))
            return false;
        if (t != WASM_FUNCREF && t != WASM_EXTERNREF)
            return wasm_fail(r, WASM_ERR_MALFORMED, "malformed reference type 0x%02x", t);
        return wasm_cc_push(c, t) &&
               (!wasm_cc_live(c) || wasm_cc_emit_op(c, WASM_OP_REF_NULL, off));
    }
    case 0xD1: {
        uint8_t t;
        if (!wasm_cc_pop(c, &t))
            return false;
        if (t != UNKNOWN && t != WASM_FUNCREF && t != WASM_EXTERNREF)
            return wasm_fail(r, WASM_ERR_INVALID, "type mismatch (ref.is_null on a number)");
        return wasm_cc_push(c, WASM_I32) &&
               (!wasm_cc_live(c) || wasm_cc_emit_op(c, WASM_OP_REF_IS_NULL, off));
    }
    case 0xD2:
        if (!wasm_read_u32(r, &a))
            return false;
        if (a >= c->m->nfuncs)
            return wasm_fail(r, WASM_ERR_INVALID, "unknown function %u", a);
        if (!(c->m->declared_funcs[a / 8] & (1u << (a % 8))))
            return wasm_fail(r, WASM_ERR_INVALID, "undeclared function reference %u", a);
        return wasm_cc_push(c, WASM_FUNCREF) &&
               (!wasm_cc_live(c) ||
                (wasm_cc_emit_op(c, WASM_OP_REF_FUNC, off) && wasm_cc_emit(c, a)));
    case 0xFC: return wasm_cc_op_prefixed(c, off);
    case 0xFD: return wasm_fail(r, WASM_ERR_SIMD, "SIMD not supported (opcode 0xfd)");
    default:
        if (op >= 0x28 && op <= 0x3E)
            return wasm_cc_op_memory(c, op, off);
        if (op >= 0x45 && op <= 0xC4)
            return wasm_cc_op_numeric(c, op, WASM_OP_I32_EQZ + (op - 0x45u), off);
        return wasm_fail(r, WASM_ERR_MALFORMED, "illegal opcode 0x%02x", op);
    }
}

static bool read_locals(comp_t *c, const wasm_functype_t *t)
{
    wasm_reader_t *r = c->r;
    uint32_t groups;
    if (!wasm_read_u32(r, &groups))
        return false;
    uint64_t total = t->nparams;
    const uint8_t *save = r->p;
    for (uint32_t i = 0; i < groups; i++) {
        uint32_t n;
        uint8_t vt;
        if (!wasm_read_u32(r, &n) || !wasm_decode_valtype(r, &vt))
            return false;
        total += n;
        if (total > WASM_MAX_LOCALS)
            return wasm_fail(r, WASM_ERR_MALFORMED, "too many locals");
    }
    if (r->lim && total > r->lim->max_locals)
        return wasm_fail(r, WASM_ERR_LIMIT, "%llu locals over the limit max_locals = %u",
                         (unsigned long long)total, r->lim->max_locals);
    c->locals = mk_malloc(total ? total : 1);
    if (!c->locals)
        return wasm_cc_nomem(c);
    memcpy(c->locals, t->params, t->nparams);
    c->nlocals = t->nparams;
    r->p = save;
    for (uint32_t i = 0; i < groups; i++) {
        uint32_t n;
        uint8_t vt;
        wasm_read_u32(r, &n);
        wasm_decode_valtype(r, &vt);
        memset(c->locals + c->nlocals, vt, n);
        c->nlocals += n;
    }
    return true;
}

bool wasm_compile_function(wasm_reader_t *r, const wasm_module_t *m, uint32_t func_index,
                           wasm_code_t *code)
{
    comp_t c = {.r = r, .m = m, .plain = m->plain_ir};
    const wasm_functype_t *t = &m->types[m->func_types[func_index]];
    uint32_t body_offset = (uint32_t)(r->p - r->base);
    bool ok = read_locals(&c, t);
    if (ok)
        ok = push_ctrl(&c, K_FUNC, 0, NULL, t->nresults, t->results);
    if (ok) {
        ok = wasm_cc_emit_op(&c, WASM_OP_FUEL, body_offset);
        c.ctrls[0].fuel_at = c.ir_len;
        /* each call zeroes the declared locals: 8 slots (64 bytes) a unit */
        c.ctrls[0].fuel_count = (c.nlocals - t->nparams) / 8;
        ok = ok && wasm_cc_emit(&c, 1);
    }
    bool done = false;
    while (ok && !done) {
        if (r->p >= r->end) {
            ok = wasm_fail(r, WASM_ERR_MALFORMED,
                           "unexpected end of section or function (END opcode expected)");
            break;
        }
        ok = compile_instr(&c, &done);
        if (ok && !done && !c.plain)
            ok = wasm_cc_peephole(&c);
    }
    if (ok) {
        /* keep only what is used: a module of many small functions would
         * otherwise hold the growth slack of every one */
        uint32_t *ir = mk_realloc(c.ir, (size_t)c.ir_len * sizeof *c.ir);
        if (ir)
            c.ir = ir;
        uint32_t *map = mk_realloc(c.map, (size_t)c.map_len * 2 * sizeof *c.map);
        if (map)
            c.map = map;
#if WASM_DIRECT_THREADED
        /* every op is in the map: turn op numbers into handler offsets */
        for (uint32_t i = 0; i < c.map_len; i++)
            c.ir[c.map[i * 2]] = wasm_interp_op_word(c.ir[c.map[i * 2]]);
#endif
        code->type_index = m->func_types[func_index];
        code->nlocals = c.nlocals - t->nparams;
        code->frame_slots = c.nlocals + c.max_height;
        code->ir = c.ir;
        code->ir_len = c.ir_len;
        code->pc_map = c.map;
        code->pc_map_len = c.map_len;
        code->body_offset = body_offset;
        c.ir = NULL;
        c.map = NULL;
    }
    mk_free(c.ir);
    mk_free(c.map);
    mk_free(c.vals);
    mk_free(c.ctrls);
    mk_free(c.locals);
    return ok;
}
