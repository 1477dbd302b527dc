/*
 * trap.c -- trap reports: the text of each trap kind (spec 4.4 names the
 * conditions; the texts are the reference interpreter's) and the message an
 * instance keeps for a trap, with the function and the module byte offset of
 * the trapping instruction (found through the body's IR-to-offset map).
 * Split from interp.c, whose dispatch loop (and the JIT's hand-back to it)
 * is what calls wasm_interp_set_trap().
 */
#include <stdio.h>

#include "core/alloc_internal.h"
#include "wasm_internal.h"

const char *wasm_trap_strerror(wasm_trap_kind_t kind)
{
    switch (kind) {
    case WASM_TRAP_NONE: return "no trap";
    case WASM_TRAP_UNREACHABLE: return "unreachable";
    case WASM_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case WASM_TRAP_TABLE_OOB: return "out of bounds table access";
    case WASM_TRAP_DIV_ZERO: return "integer divide by zero";
    case WASM_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case WASM_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
    case WASM_TRAP_INDIRECT_TYPE: return "indirect call type mismatch";
    case WASM_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case WASM_TRAP_HOST: return "host function trapped";
    }
    return "unknown trap";
}

void wasm_interp_set_trap(wasm_instance_t *inst, wasm_trap_kind_t kind, const wasm_func_t *fn,
                          const uint32_t *pc)
{
    wasm_trap_info_t *t = &inst->trap;
    t->kind = kind;
    t->func_index = 0;
    t->func_name = NULL;
    t->code_offset = 0;
    if (fn && fn->kind == WASM_FUNC_WASM) {
        const wasm_module_t *m = fn->inst->module;
        const wasm_code_t *c = fn->code;
        t->func_index = fn->index;
        if (m->func_names)
            t->func_name = m->func_names[fn->index];
        uint32_t at = pc ? (uint32_t)(pc - c->ir) : 0;
        at = at ? at - 1 : 0;
        /* last map entry at or before `at` */
        uint32_t lo = 0, hi = c->pc_map_len;
        while (hi - lo > 1) {
            uint32_t mid = (lo + hi) / 2;
            if (c->pc_map[mid * 2] <= at)
                lo = mid;
            else
                hi = mid;
        }
        t->code_offset = c->pc_map_len ? c->pc_map[lo * 2 + 1] : c->body_offset;
    }
    if (kind == WASM_TRAP_HOST && t->message[0])
        return; /* keep the host's text */
    /* A stack the allocator refused (a full WASM stack pool in bounded
     * mode) is named, so it is not mistaken for deep recursion. */
    const char *why = "";
    if (kind == WASM_TRAP_STACK_EXHAUSTED && inst->exec.stack_oom)
        why = mk_arena_oom();
    inst->exec.stack_oom = false;
    const char *sep = why[0] ? ": " : "";
    if (fn && fn->kind == WASM_FUNC_WASM) {
        if (t->func_name)
            snprintf(t->message, sizeof t->message, "%s in %s (offset 0x%x)%s%s",
                     wasm_trap_strerror(kind), t->func_name, t->code_offset, sep, why);
        else
            snprintf(t->message, sizeof t->message, "%s in func[%u] (offset 0x%x)%s%s",
                     wasm_trap_strerror(kind), t->func_index, t->code_offset, sep, why);
    } else {
        snprintf(t->message, sizeof t->message, "%s%s%s", wasm_trap_strerror(kind), sep, why);
    }
}
