/*
 * jit_x64_calls.h -- calls, call_indirect and returns
 * in machine code: interpreter frames pushed and popped exactly as
 * interp.c's do_call and RETURN do, so the interpreter can take over below
 * any of them.
 * Included by jit_x64.c only (one translation unit: the helpers stay
 * static and inline).
 */
#ifndef WASM_JIT_X64_CALLS_H
#define WASM_JIT_X64_CALLS_H

/* The machine stack a chain of calls in machine code may use (16 bytes a
 * call): deeper, the call goes through the interpreter, which enters
 * machine code again with an empty machine stack. */
#define JIT_MAX_NATIVE_STACK (64 * 1024)

static rm_t state(size_t off)
{
    return M(RBP, (int32_t)off);
}

/* The checks before a call made in machine code, each leaving at the call
 * op (the interpreter then makes the call, preempts or traps): fuel left,
 * frame depth, machine stack, value stack room for `slots_rm` more slots
 * above the arguments (rcx is sp + that room). rdi = ex, eax = depth. */
static void call_checks(jit_t *J, uint32_t p, const vstate_t *st)
{
    jbuf_t *j = &J->j;
    enc(j, 0, 1, 0x85, 1, R15, R(R15), 0); /* test r15, r15 */
    stub_jcc(J, CC_LE, p, st);
    mov_load(j, 1, RDI, state(offsetof(wasm_jit_state_t, ex)));
    mov_load(j, 0, RAX, M(RDI, offsetof(wasm_exec_t, depth)));
    enc(j, 0, 1, 0x3B, 1, RAX, state(offsetof(wasm_jit_state_t, max_depth)), 0);
    stub_jcc(J, CC_AE, p, st);
    mov_load(j, 1, R11, state(offsetof(wasm_jit_state_t, entry_rsp)));
    enc(j, 0, 1, 0x2B, 1, R11, R(RSP), 0); /* sub r11, rsp */
    enc(j, 0, 1, 0x81, 1, 7, R(R11), 0);
    put32(j, JIT_MAX_NATIVE_STACK);
    stub_jcc(J, CC_A, p, st);
    enc(j, 0, 1, 0x3B, 1, RCX, state(offsetof(wasm_jit_state_t, stack_end)), 0);
    stub_jcc(J, CC_A, p, st);
}

/* Push the interpreter's frame for a call at op p (next op at q): rdi =
 * ex, eax = depth. */
static void push_frame(jit_t *J, uint32_t q)
{
    jbuf_t *j = &J->j;
    enc(j, 0, 1, 0x69, 1, R10, R(RAX), 0); /* imul r10, rax, sizeof frame */
    put32(j, (uint32_t)sizeof(wasm_frame_t));
    enc(j, 0, 1, 0x03, 1, R10, M(RDI, offsetof(wasm_exec_t, frames)), 0);
    mov_imm(j, R11, (uint64_t)(uintptr_t)(J->ir + q));
    mov_store(j, 1, M(R10, offsetof(wasm_frame_t, pc)), R11);
    mov_rr(j, 1, R11, R12);
    enc(j, 0, 1, 0x2B, 1, R11, M(RDI, offsetof(wasm_exec_t, stack)), 0);
    enc(j, 0, 1, 0xC1, 1, 5, R(R11), 0); /* shr r11, 3: slots */
    put(j, 3);
    mov_store(j, 0, M(R10, offsetof(wasm_frame_t, fp)), R11);
    mov_load(j, 1, R11, state(offsetof(wasm_jit_state_t, fn)));
    mov_store(j, 1, M(R10, offsetof(wasm_frame_t, fn)), R11);
    enc(j, 0, 0, 0xFF, 1, 0, M(RDI, offsetof(wasm_exec_t, depth)), 0); /* inc depth */
}

/* state->fn = funcs[fi] (the running function, for an exit) */
static void set_fn(jit_t *J, uint32_t fi)
{
    mov_load(&J->j, 1, R11, state(offsetof(wasm_jit_state_t, funcs)));
    mov_load(&J->j, 1, R11, M(R11, (int32_t)(fi * 8)));
    mov_store(&J->j, 1, state(offsetof(wasm_jit_state_t, fn)), R11);
}

/* Zero `n` declared locals at rbx (rcx = n when n_in_rcx). */
static void zero_locals(jit_t *J, uint32_t n, bool n_in_rcx)
{
    jbuf_t *j = &J->j;
    if (!n_in_rcx && n <= 8) {
        for (uint32_t k = 0; k < n; k++) {
            enc(j, 0, 1, 0xC7, 1, 0, M(RBX, (int32_t)(k * 8)), 0);
            put32(j, 0);
        }
        return;
    }
    if (!n_in_rcx)
        mov_imm(j, RCX, n);
    mov_rr(j, 1, RDI, RBX);
    enc(j, 0, 0, 0x85, 1, RCX, R(RCX), 0); /* rep stos has a start-up cost: skip it for 0 */
    size_t skip = jcc32(j, CC_E);
    enc(j, 0, 0, 0x33, 1, RAX, R(RAX), 0); /* xor eax, eax */
    put(j, 0xF3);
    put(j, 0x48);
    put(j, 0xAB); /* rep stosq */
    link32(j, skip, j->len);
}

/* call: a function of this module runs in machine code, on the machine
 * stack, in an interpreter frame it pushes as the interpreter would
 * (interp.c do_call); anything else goes through the interpreter. */
static bool op_call(jit_t *J, uint32_t p, uint32_t q)
{
    jbuf_t *j = &J->j;
    const wasm_module_t *m = J->m;
    uint32_t fi = J->ir[p + 1];
    if (fi < m->nfunc_imports)
        return false;
    const wasm_code_t *cc = &m->codes[fi - m->nfunc_imports];
    const wasm_functype_t *t = &m->types[m->func_types[fi]];
    if (cc->ir_len < 3 || cc->frame_slots > 0x0FFFFFFF)
        return false;
    sync(J);
    cache_clear(J); /* the callee uses every register */
    static const vstate_t empty = {0, 0, {{0, 0, 0, 0}}};
    lea(j, RCX, M(RBX, (int32_t)((cc->frame_slots - t->nparams) * 8)));
    call_checks(J, p, &empty);
    push_frame(J, q);
    enc(j, 0, 1, 0x81, 1, 5, R(R15), 0); /* the callee's entry FUEL */
    put32(j, cc->ir[1]);
    zero_locals(J, cc->nlocals, false);
    set_fn(J, fi);
    put(j, 0x41);
    put(j, 0x54); /* push r12 */
    lea(j, R12, M(RBX, -(int32_t)(t->nparams * 8)));
    lea(j, RBX, M(RBX, (int32_t)(cc->nlocals * 8)));
    put(j, 0xE8); /* call rel32 */
    put32(j, 0);
    if (!grow_arr((void **)&J->calls, &J->call_cap, J->ncalls + 1, sizeof *J->calls)) {
        J->fail = true;
        return true;
    }
    J->calls[J->ncalls].patch = j->len - 4;
    J->calls[J->ncalls].target = fi - m->nfunc_imports;
    J->ncalls++;
    put(j, 0x41);
    put(j, 0x5C); /* pop r12 */
    set_fn(J, J->self);
    return true;
}

/* call_indirect: checked as interp.c does (index, null, type by identity,
 * then a function of this instance with machine code); any other case,
 * and every trap, goes through the interpreter. */
static bool op_call_indirect(jit_t *J, uint32_t p, uint32_t q)
{
    jbuf_t *j = &J->j;
    const wasm_module_t *m = J->m;
    uint32_t ti = J->ir[p + 1], tab = J->ir[p + 2];
    if (tab > 0x0FFFFFFF)
        return false;
    const wasm_functype_t *want = &m->types[ti];
    uint32_t np = want->nparams;
    static const vstate_t empty = {0, 0, {{0, 0, 0, 0}}};
    sync(J); /* the index on top, in memory */
    cache_clear(J);
    mov_load(j, 0, RDX, M(RBX, -8));
    mov_load(j, 1, R11, state(offsetof(wasm_jit_state_t, tables)));
    mov_load(j, 1, R11, M(R11, (int32_t)(tab * 8)));
    enc(j, 0, 0, 0x3B, 1, RDX, M(R11, offsetof(wasm_table_t, size)), 0);
    stub_jcc(J, CC_AE, p, &empty);
    mov_load(j, 1, R11, M(R11, offsetof(wasm_table_t, elems)));
    mov_load(j, 1, RSI, MX(R11, RDX, 3, 0));
    enc(j, 0, 1, 0x85, 1, RSI, R(RSI), 0);
    stub_jcc(J, CC_E, p, &empty);
    mov_imm(j, R11, (uint64_t)(uintptr_t)want);
    enc(j, 0, 1, 0x3B, 1, R11, M(RSI, offsetof(wasm_func_t, type)), 0);
    stub_jcc(J, CC_NE, p, &empty);
    enc(j, 0, 0, 0x81, 1, 7, M(RSI, offsetof(wasm_func_t, kind)), 0);
    put32(j, WASM_FUNC_WASM);
    stub_jcc(J, CC_NE, p, &empty);
    mov_load(j, 1, R11, state(offsetof(wasm_jit_state_t, fn)));
    mov_load(j, 1, R11, M(R11, offsetof(wasm_func_t, inst)));
    enc(j, 0, 1, 0x3B, 1, R11, M(RSI, offsetof(wasm_func_t, inst)), 0);
    stub_jcc(J, CC_NE, p, &empty);
    mov_load(j, 1, R8, M(RSI, offsetof(wasm_func_t, code)));
    mov_load(j, 1, R9, M(R8, offsetof(wasm_code_t, jit_at)));
    enc(j, 0, 1, 0x85, 1, R9, R(R9), 0);
    stub_jcc(J, CC_E, p, &empty);
    enc(j, 0, 1, 0x63, 1, R9, M(R9, 8), 0); /* movsxd r9, jit_at[2] */
    enc(j, 0, 1, 0x85, 1, R9, R(R9), 0);
    stub_jcc(J, CC_L, p, &empty);
    mov_load(j, 0, RCX, M(R8, offsetof(wasm_code_t, frame_slots)));
    lea(j, RCX, MX(RBX, RCX, 3, -(int32_t)((np + 1) * 8)));
    call_checks(J, p, &empty);
    lea(j, RBX, M(RBX, -8)); /* the index is consumed */
    push_frame(J, q);
    mov_load(j, 1, R11, M(R8, offsetof(wasm_code_t, ir)));
    mov_load(j, 0, R11, M(R11, 4));
    enc(j, 0, 1, 0x2B, 1, R15, R(R11), 0); /* the callee's entry FUEL */
    mov_load(j, 0, RCX, M(R8, offsetof(wasm_code_t, nlocals)));
    zero_locals(J, 0, true);
    mov_store(j, 1, state(offsetof(wasm_jit_state_t, fn)), RSI);
    put(j, 0x41);
    put(j, 0x54); /* push r12 */
    lea(j, R12, M(RBX, -(int32_t)(np * 8)));
    mov_rr(j, 1, RBX, RDI); /* past the zeroed locals */
    mov_load(j, 1, R11, M(R8, offsetof(wasm_code_t, jit_code)));
    enc(j, 0, 1, 0x03, 1, R11, R(R9), 0);
    enc(j, 0, 0, 0xFF, 1, 2, R(R11), 0); /* call r11 */
    put(j, 0x41);
    put(j, 0x5C); /* pop r12 */
    set_fn(J, J->self);
    return true;
}

/* return: to a caller in machine code, natively; to the interpreter (the
 * entry's own frame), through it. */
static void op_return(jit_t *J, uint32_t p)
{
    jbuf_t *j = &J->j;
    uint32_t n = J->ir[p + 1];
    enc(j, 0, 1, 0x3B, 1, RSP, state(offsetof(wasm_jit_state_t, entry_rsp)), 0);
    stub_jcc(J, CC_E, p, &J->s);
    if (n == 1) {
        val_t v = pop(J);
        set_local(J, 0, &v); /* fp[0]; what is below is dropped */
    } else {
        sync(J);
        for (uint32_t k = 0; k < n; k++) {
            mov_load(j, 1, R11, M(RBX, -(int32_t)((n - k) * 8)));
            mov_store(j, 1, local(k), R11);
        }
    }
    lea(j, RBX, local(n));
    mov_load(j, 1, RCX, state(offsetof(wasm_jit_state_t, ex)));
    enc(j, 0, 0, 0xFF, 1, 1, M(RCX, offsetof(wasm_exec_t, depth)), 0); /* dec depth */
    put(j, 0xC3);
    J->dead = true;
}

#endif
