/*
 * jit_x64_labels.h -- branches and labels in machine code, and the locals
 * that stay in registers across labels (DESIGN.md "The JIT", "Label
 * caches"): a function with loops is compiled twice, the first pass
 * learning which locals every edge into a label leaves in which register,
 * the second making every edge leave them so and starting the label with
 * them cached. Included by jit_x64.c only.
 */
#ifndef WASM_JIT_X64_LABELS_H
#define WASM_JIT_X64_LABELS_H

/* What a label starts with: per register (as jit_t.cached), the local it
 * holds on every edge into the label, or -1. */
typedef struct lcache {
    bool seen; /* pass 1: an edge was recorded */
    int32_t cached[32];
} lcache_t;

static lcache_t *label_cache(jit_t *J, uint32_t t)
{
    return J->lc && t < J->code->ir_len && J->lnum[t] ? &J->lc[J->lnum[t] - 1] : NULL;
}

/* Local i into register r (general or xmm) from memory. */
static void load_local_reg(jit_t *J, int r, uint32_t i)
{
    if (r >= 16)
        enc(&J->j, 0xF3, 0, 0x0F7E, 2, r - 16, local(i), 0); /* movq xmm, m64 */
    else
        mov_load(&J->j, 1, r, local(i));
}

/* Make register r hold local i: a copy from another register of its bank
 * that holds it, else a load (memory is current: locals are written
 * through). Flags are kept (mov, movapd and movq only). */
static void move_local_reg(jit_t *J, int r, uint32_t i)
{
    int s = cache_find(J, i, r >= 16);
    if (s >= 0 && s != r) {
        if (r >= 16)
            enc(&J->j, 0x66, 0, 0x0F28, 2, r - 16, R(s - 16), 0); /* movapd */
        else
            mov_rr(&J->j, 1, r, s);
    } else if (s != r) {
        load_local_reg(J, r, i);
    }
    J->cached[r] = (int32_t)i;
}

/* Make the registers hold what `want` says (operands synced, so no
 * register holds an operand). Any order is correct (a move reads the
 * cache as it is then, and memory is current); this one copies a register
 * before another move overwrites it, so that few moves are loads, and
 * breaks a cycle with a load from memory. */
static void conform(jit_t *J, const int32_t *want)
{
    bool pend[32];
    int left = 0;
    for (int r = 0; r < 32; r++) {
        pend[r] = want[r] >= 0 && J->cached[r] != want[r];
        left += pend[r];
    }
    while (left) {
        bool progress = false;
        for (int r = 0; r < 32; r++) {
            if (!pend[r])
                continue;
            bool needed = false; /* r's local is the source of another move */
            for (int r2 = 0; r2 < 32 && !needed && J->cached[r] >= 0; r2++)
                needed = pend[r2] && r2 != r && want[r2] == J->cached[r] && (r2 >= 16) == (r >= 16);
            if (needed)
                continue;
            move_local_reg(J, r, (uint32_t)want[r]);
            pend[r] = false;
            left--;
            progress = true;
        }
        for (int r = 0; r < 32 && !progress; r++)
            if (pend[r]) {
                load_local_reg(J, r, (uint32_t)want[r]);
                J->cached[r] = want[r];
                pend[r] = false;
                left--;
                progress = true;
            }
    }
}

/* An edge into label t with the registers as they are now (operands
 * synced): pass 1 keeps, per register, the local every edge so far left
 * there; pass 2 makes this edge leave what the label starts with. */
static void label_edge(jit_t *J, uint32_t t)
{
    lcache_t *L = label_cache(J, t);
    if (!L)
        return;
    if (J->pass == 1) {
        for (int r = 0; r < 32; r++)
            if (!L->seen)
                L->cached[r] = J->cached[r];
            else if (L->cached[r] != J->cached[r])
                L->cached[r] = -1;
        L->seen = true;
    } else if (J->pass == 2) {
        conform(J, L->cached);
    }
}

/* The code reaches label t: falling into it (live), then starting it with
 * what its edges leave in registers. A loop header's fall-in edge does not
 * count in pass 1 (its back-edges decide; the fall-in runs once). */
static void label_enter(jit_t *J, uint32_t t, bool loop_header)
{
    if (!J->dead && !(loop_header && J->pass == 1))
        label_edge(J, t);
    lcache_t *L = label_cache(J, t);
    if (J->pass == 2 && L)
        memcpy(J->cached, L->cached, sizeof J->cached);
    else
        cache_clear(J); /* other predecessors */
}

/* Pass 2, after the body: a label whose cache is not empty gets an entry
 * for the interpreter that loads those registers first, and the label's
 * entry in `native` (the interpreter's and direct calls' way in) becomes
 * that entry. Jumps in machine code were linked to the label itself. */
static void label_entries(jit_t *J)
{
    for (uint32_t p = 0; J->pass == 2 && p < J->code->ir_len; p++) {
        lcache_t *L = label_cache(J, p);
        if (!L || J->native[p] < 0)
            continue;
        bool any = false;
        for (int r = 0; r < 32; r++)
            any |= L->cached[r] >= 0;
        if (!any)
            continue;
        size_t at = J->j.len;
        for (int r = 0; r < 32; r++)
            if (L->cached[r] >= 0)
                load_local_reg(J, r, (uint32_t)L->cached[r]);
        link32(&J->j, jmp32(&J->j), (size_t)J->native[p]);
        J->native[p] = (int32_t)at;
    }
}

/* ---- branches ---- */

/* The jump of a taken branch at op p to IR index t, operands synced:
 * a backward target is a loop header past its FUEL op (compile.c), so the
 * branch charges that op's fuel and, out of fuel, leaves at the FUEL op.
 * The moves the label wants are made on this path only: the registers are
 * as before for code that follows (a conditional branch's fall-through, a
 * br_table's next entry). */
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
    int32_t saved[32];
    memcpy(saved, J->cached, sizeof saved);
    label_edge(J, t);
    jump_label(J, -1, t);
    memcpy(J->cached, saved, sizeof saved);
}

/* Conditional branch on flags `cc` (operands already synced). Forward,
 * the label's moves come before the jcc (they keep the flags) and hold on
 * both paths. */
static void cond_branch(jit_t *J, int cc, uint32_t p, uint32_t t)
{
    if (t > p) {
        label_edge(J, t);
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

#endif
