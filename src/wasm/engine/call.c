/*
 * call.c -- starting, resuming and aborting executions (the host side of
 * interp.c): argument checks, the entry frame, fuel, and growth of the value
 * and frame stacks within the instance's limits. An execution's state lives
 * in the calling instance's wasm_exec_t, so it survives SUSPENDED and
 * OUT_OF_FUEL returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "wasm_internal.h"

static wasm_status_t api_error(wasm_instance_t *inst, wasm_err_t code, const char *msg)
{
    inst->error.code = code;
    snprintf(inst->error.message, sizeof inst->error.message, "%s", msg);
    return WASM_STATUS_ERROR;
}

bool wasm_exec_grow_stack(wasm_instance_t *inst, uint32_t need)
{
    wasm_exec_t *ex = &inst->exec;
    if (need > inst->limits.max_stack_slots)
        return false;
    uint64_t cap = ex->stack_cap ? ex->stack_cap : WASM_INITIAL_VALUE_STACK;
    while (cap < need)
        cap *= 2;
    if (cap > inst->limits.max_stack_slots)
        cap = inst->limits.max_stack_slots;
    wasm_value_t *s = mk_realloc_in(MK_POOL_WASM_STACKS, ex->stack, (size_t)cap * sizeof *s);
    ex->stack_oom = !s;
    if (!s)
        return false;
    ex->stack = s;
    ex->stack_cap = (uint32_t)cap;
    return true;
}

bool wasm_exec_grow_frames(wasm_instance_t *inst)
{
    wasm_exec_t *ex = &inst->exec;
    uint64_t cap = ex->frame_cap ? (uint64_t)ex->frame_cap * 2 : 16;
    if (cap > (uint64_t)inst->limits.max_call_depth + 1)
        cap = (uint64_t)inst->limits.max_call_depth + 1;
    if (cap <= ex->frame_cap)
        return false;
    wasm_frame_t *f = mk_realloc_in(MK_POOL_WASM_STACKS, ex->frames, (size_t)cap * sizeof *f);
    ex->stack_oom = !f;
    if (!f)
        return false;
    ex->frames = f;
    ex->frame_cap = (uint32_t)cap;
    return true;
}

void wasm_instance_set_fuel(wasm_instance_t *inst, int64_t fuel)
{
    inst->exec.fuel = fuel;
}

int64_t wasm_instance_fuel(const wasm_instance_t *inst)
{
    return inst->exec.fuel;
}

bool wasm_instance_pending(const wasm_instance_t *inst)
{
    return inst->exec.state == WASM_EXEC_SUSPENDED || inst->exec.state == WASM_EXEC_OUT_OF_FUEL;
}

void wasm_instance_abort(wasm_instance_t *inst)
{
    inst->exec.state = WASM_EXEC_IDLE;
    inst->exec.depth = 0;
    inst->exec.sp = inst->exec.fp = 0;
    inst->exec.fn = NULL;
}

/* Copy the finished call's results out of the stack. */
static wasm_status_t finish(wasm_instance_t *inst, wasm_status_t st, wasm_value_t *results,
                            uint32_t nresults)
{
    if (st == WASM_STATUS_OK && nresults)
        memcpy(results, inst->exec.stack, (size_t)nresults * sizeof *results);
    return st;
}

/* Call a host function directly from the API. */
static wasm_status_t call_host(wasm_instance_t *inst, wasm_func_t *f, const wasm_value_t *args,
                               wasm_value_t *results)
{
    wasm_exec_t *ex = &inst->exec;
    wasm_value_t res[WASM_MAX_HOST_RESULTS];
    inst->trap.message[0] = '\0';
    ex->state = WASM_EXEC_RUNNING;
    wasm_status_t st = f->host(inst, f->user, args, res);
    ex->state = WASM_EXEC_IDLE;
    if (st == WASM_STATUS_OK) {
        if (f->type->nresults)
            memcpy(results, res, (size_t)f->type->nresults * sizeof *res);
        return st;
    }
    if (st == WASM_STATUS_SUSPENDED) {
        ex->state = WASM_EXEC_SUSPENDED;
        ex->fn = NULL; /* nothing to continue: resume returns the host's results */
        ex->entry = f;
        ex->pending_results = f->type->nresults;
        return st;
    }
    wasm_interp_set_trap(inst, WASM_TRAP_HOST, NULL, NULL);
    return WASM_STATUS_TRAP;
}

wasm_status_t wasm_call(wasm_instance_t *inst, wasm_func_t *f, const wasm_value_t *args,
                        uint32_t nargs, wasm_value_t *results, uint32_t nresults)
{
    wasm_exec_t *ex = &inst->exec;
    if (ex->state != WASM_EXEC_IDLE)
        return api_error(inst, WASM_ERR_BUSY, "an execution is running, suspended or out of fuel");
    if (!f)
        return api_error(inst, WASM_ERR_NOT_FOUND, "no function");
    const wasm_functype_t *t = f->type;
    if (nargs != t->nparams || nresults != t->nresults)
        return api_error(inst, WASM_ERR_ARGS,
                         "argument or result count does not match the function type");
    inst->trap.kind = WASM_TRAP_NONE;
    if (f->kind == WASM_FUNC_HOST)
        return call_host(inst, f, args, results);
    const wasm_code_t *code = f->code;
    if ((ex->stack == NULL || code->frame_slots + (uint64_t)t->nresults > ex->stack_cap) &&
        !wasm_exec_grow_stack(inst, code->frame_slots + t->nresults + 1)) {
        wasm_interp_set_trap(inst, WASM_TRAP_STACK_EXHAUSTED, f, code->ir);
        return WASM_STATUS_TRAP;
    }
    if (ex->frame_cap == 0 && !wasm_exec_grow_frames(inst) && inst->limits.max_call_depth > 0)
        return api_error(inst, WASM_ERR_NOMEM, mk_arena_oom());
    if (nargs)
        memcpy(ex->stack, args, (size_t)nargs * sizeof *args);
    if (code->nlocals)
        memset(ex->stack + nargs, 0, (size_t)code->nlocals * sizeof *ex->stack);
    ex->sp = nargs + code->nlocals;
    ex->fp = 0;
    ex->depth = 0;
    ex->pc = code->ir;
    ex->fn = f;
    ex->entry = f;
    return finish(inst, wasm_interp_run(inst), results, nresults);
}

wasm_status_t wasm_call_export(wasm_instance_t *inst, const char *name, const wasm_value_t *args,
                               uint32_t nargs, wasm_value_t *results, uint32_t nresults)
{
    wasm_extern_t e;
    if (!wasm_instance_export(inst, name, &e) || e.kind != WASM_EXTERN_FUNC)
        return api_error(inst, WASM_ERR_NOT_FOUND, "no function export of that name");
    return wasm_call(inst, e.u.func, args, nargs, results, nresults);
}

wasm_status_t wasm_resume(wasm_instance_t *inst, const wasm_value_t *host_results,
                          uint32_t nhost_results, wasm_value_t *results, uint32_t nresults)
{
    wasm_exec_t *ex = &inst->exec;
    if (ex->state != WASM_EXEC_SUSPENDED && ex->state != WASM_EXEC_OUT_OF_FUEL)
        return api_error(inst, WASM_ERR_STATE, "nothing to resume");
    if (nresults != ex->entry->type->nresults)
        return api_error(inst, WASM_ERR_ARGS, "result count does not match the function type");
    if (ex->state == WASM_EXEC_SUSPENDED) {
        if (nhost_results != ex->pending_results)
            return api_error(inst, WASM_ERR_ARGS,
                             "host result count does not match the suspended call");
        if (ex->fn == NULL) { /* the host function was the entry */
            ex->state = WASM_EXEC_IDLE;
            if (nresults)
                memcpy(results, host_results, (size_t)nresults * sizeof *results);
            return WASM_STATUS_OK;
        }
        if (nhost_results)
            memcpy(ex->stack + ex->sp, host_results, (size_t)nhost_results * sizeof *host_results);
        ex->sp += nhost_results;
    }
    inst->trap.kind = WASM_TRAP_NONE;
    return finish(inst, wasm_interp_run(inst), results, nresults);
}
