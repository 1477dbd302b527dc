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

#include <cpuid.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/alloc_internal.h"

size_t wasm_jit_max_code = WASM_JIT_MAX_CODE;

#include "jit_x64_emit.h"
#include "jit_x64_labels.h"
#include "jit_x64_ops.h"

/* ---- one function ---- */

static uint32_t op_len(const wasm_code_t *c, uint32_t k)
{
    uint32_t end = k + 1 < c->pc_map_len ? c->pc_map[(k + 1) * 2] : c->ir_len;
    return end - c->pc_map[k * 2];
}

/* Mark the labels (branch targets, entries, the op after each call);
 * bit 2 marks a loop header (the target of a backward branch). */
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
                J->label[ir[p + 1]] |= ir[p + 1] <= p ? 3 : 1;
            break;
        case WASM_OP_BR_TABLE:
            for (uint32_t e = 0; e <= ir[p + 1]; e++) {
                uint32_t t = ir[p + 3 + 2 * e];
                if (t < c->ir_len)
                    J->label[t] |= t <= p ? 3 : 1;
            }
            break;
        case WASM_OP_CALL:
        case WASM_OP_CALL_INDIRECT:
            if (p + len < c->ir_len)
                J->label[p + len] |= 1;
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

#include "jit_x64_calls.h"

static bool compile_op(jit_t *J, uint32_t p, uint32_t *next);

/* One pass over the body: machine code for each op, then the exits, the
 * jumps to labels linked and (pass 2) the entries of cached labels. */
static void jit_pass(jit_t *J)
{
    const wasm_code_t *c = J->code;
    J->s.d = 0;
    J->s.n = 0;
    J->dead = false;
    J->nstubs = 0;
    J->nfix = 0;
    cache_clear(J);
    uint32_t p = 0;
    while (p < c->ir_len && !J->fail && !J->j.oom) {
        if (J->label[p]) {
            if (!J->dead)
                sync(J);
            label_enter(J, p, J->label[p] & 2);
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
    if (J->pass == 1)           /* learning only: this code is thrown away */
        return;
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
    label_entries(J);
}

/* A body with loops is compiled twice (jit_x64_labels.h): the first pass
 * learns what its back-edges and other edges leave in registers, and is
 * thrown away; the second keeps those locals in registers across the
 * labels. A body without loops is compiled once, its labels starting with
 * no local in a register. */
static bool jit_function(jit_t *J)
{
    const wasm_code_t *c = J->code;
    mark_labels(J);
    uint32_t nlabels = 0;
    bool loops = false;
    for (uint32_t p = 0; p < c->ir_len; p++) {
        nlabels += J->label[p] != 0;
        loops |= (J->label[p] & 2) != 0;
    }
    J->pass = 0;
    J->lnum = NULL;
    J->lc = NULL;
    if (loops) {
        J->lnum = mk_calloc(c->ir_len, sizeof *J->lnum);
        J->lc = mk_malloc((size_t)nlabels * sizeof *J->lc);
        if (!J->lnum || !J->lc) {
            mk_free(J->lnum);
            mk_free(J->lc);
            return false;
        }
        for (uint32_t p = 0, n = 0; p < c->ir_len; p++)
            if (J->label[p]) {
                J->lnum[p] = ++n;
                J->lc[n - 1].seen = false;
                for (int r = 0; r < 32; r++)
                    J->lc[n - 1].cached[r] = -1;
            }
        size_t start = J->j.len;
        uint32_t ncalls = J->ncalls;
        J->pass = 1;
        jit_pass(J);
        J->j.len = start;
        J->ncalls = ncalls;
        for (uint32_t p = 0; p < c->ir_len; p++)
            J->native[p] = -1;
        J->pass = 2;
    }
    if (!J->fail && !J->j.oom)
        jit_pass(J);
    mk_free(J->lnum);
    mk_free(J->lc);
    J->lnum = NULL;
    J->lc = NULL;
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
    case WASM_OP_LOCAL_TEE: { /* the value stays as the local (cached if in a register) */
        val_t v = pop(J);
        unalias(J, ir[p + 1], J->s.n);
        set_local(J, ir[p + 1], &v);
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
    case WASM_OP_MEMORY_FILL:
    case WASM_OP_MEMORY_COPY: return op_bulk(J, p, op == WASM_OP_MEMORY_COPY);
    case WASM_OP_I32_CLZ:
    case WASM_OP_I64_CLZ:
    case WASM_OP_I32_CTZ:
    case WASM_OP_I64_CTZ:
    case WASM_OP_I32_POPCNT:
    case WASM_OP_I64_POPCNT: return op_bitcount(J, op);
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
    case WASM_OP_F32_MIN: float_minmax(J, false, false); return true;
    case WASM_OP_F32_MAX: float_minmax(J, false, true); return true;
    case WASM_OP_F64_MIN: float_minmax(J, true, false); return true;
    case WASM_OP_F64_MAX: float_minmax(J, true, true); return true;
    case WASM_OP_F32_COPYSIGN: float_copysign(J, 0); return true;
    case WASM_OP_F64_COPYSIGN: float_copysign(J, 1); return true;
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
    jit_t J = {.m = m, .cpu = cpu_bits()};
    emit_trampolines(&J);
    /* the label tables are published only once all the code is mapped */
    int32_t **ats = mk_calloc(ncodes, sizeof *ats);
    bool ok = ats != NULL;
    for (uint32_t f = 0; f < ncodes && ok; f++) {
        const wasm_code_t *c = &m->codes[f];
        J.code = c;
        J.self = m->nfunc_imports + f;
        J.ir = c->ir;
        J.opnum = mk_malloc((size_t)c->ir_len * sizeof *J.opnum);
        J.label = mk_calloc(c->ir_len ? c->ir_len : 1, 1);
        ats[f] = mk_malloc((size_t)(c->ir_len ? c->ir_len : 1) * sizeof *ats[f]);
        if (!J.opnum || !J.label || !ats[f]) {
            ok = false;
        } else {
            for (uint32_t i = 0; i < c->ir_len; i++) {
                J.opnum[i] = WASM_OP_COUNT;
                ats[f][i] = -1;
            }
            for (uint32_t k = 0; k < c->pc_map_len; k++) {
                uint32_t at = c->pc_map[k * 2];
                J.opnum[at] = (uint16_t)word_to_op(pairs, c->ir[at]);
            }
            J.native = ats[f];
            ok = jit_function(&J);
        }
        mk_free(J.opnum);
        mk_free(J.label);
        J.opnum = NULL;
        J.label = NULL;
    }
    for (uint32_t k = 0; ok && k < J.ncalls; k++) {
        const int32_t *at = ats[J.calls[k].target];
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
        for (uint32_t f = 0; ats && f < ncodes; f++)
            mk_free(ats[f]);
        mk_free(ats);
        return false;
    }
    m->jit_mem = mem;
    m->jit_size = J.j.len;
    for (uint32_t f = 0; f < ncodes; f++) {
        m->codes[f].jit_code = mem;
        __atomic_store_n(&m->codes[f].jit_at, ats[f], __ATOMIC_RELEASE);
    }
    mk_free(ats);
    return true;
}

void wasm_jit_free(wasm_module_t *m)
{
    wasm_jit_wait(m, true);
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

size_t wasm_jit_max_code = WASM_JIT_MAX_CODE;

bool wasm_jit_module(wasm_module_t *m)
{
    (void)m;
    return false;
}

void wasm_jit_free(wasm_module_t *m)
{
    (void)m;
}

#endif
