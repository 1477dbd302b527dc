/*
 * wasm_actor.c -- WASM actors (seed "WASM Actors"): spawn, the behaviour
 * that drives an instance message by message, fuel preemption, traps,
 * supervision helpers, hot reload and the state-file binding.
 *
 * A WASI command (_start, no handle_message) is one execution for the
 * actor's whole life: the spawn hook's wake starts it, and its end stops
 * the actor.
 *
 * One execution per actor at a time. handle_message runs with a fuel slice;
 * when it suspends (mk_sleep_ms, mk_recv) or runs out of fuel the behaviour
 * returns and the actor continues later (docs/wasm-actors.md, "Blocking
 * calls" and "Preemption"). Must not block the loop, and copies a payload
 * into linear memory without allocating.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "microkernel/actor.h"
#include "microkernel/services.h"
#include "microkernel/supervision.h"
#include "wasm/wasm_actor_internal.h"

static bool initialized;

#ifndef MK_HAVE_WASI
/* No WASI host in this build (MK_BOUNDED; wasm_actor_wasi.c is empty):
 * the opt-in refuses with a reason, so the port's source lists need no
 * extra file. */

bool wa_wasi_init(void)
{
    return true;
}

void wa_wasi_cleanup(void)
{
}

bool wa_wasi_resolve(const wasm_extern_desc_t *d, wasm_extern_t *out, char *why, size_t why_len)
{
    (void)d;
    (void)out;
    snprintf(why, why_len, "no WASI host in a bounded-memory build (MK_BOUNDED)");
    return false;
}

wa_wasi_t *wa_wasi_create(const char *what, const wasm_actor_wasi_t *cfg)
{
    (void)cfg;
    mk_set_error("%s: no WASI host in a bounded-memory build (MK_BOUNDED)", what);
    return NULL;
}

wasm_actor_wasi_t *wa_wasi_config_copy(const char *what, const wasm_actor_wasi_t *cfg)
{
    (void)cfg;
    mk_set_error("%s: no WASI host in a bounded-memory build (MK_BOUNDED)", what);
    return NULL;
}

void wa_wasi_config_free(wasm_actor_wasi_t *cfg)
{
    (void)cfg;
}

void wa_wasi_free(wa_wasi_t *x, wasm_actor_t *wa)
{
    (void)x;
    (void)wa;
}

bool wa_wasi_initialize(const char *what, wasm_actor_t *wa, wasm_instance_t *inst)
{
    (void)what;
    (void)wa;
    (void)inst;
    return true;
}

int wa_wasi_poll_wake(wasm_actor_t *wa, bool *again)
{
    (void)wa;
    *again = false;
    return 0;
}

bool wa_wasi_exited(const wasm_actor_t *wa, int *code)
{
    (void)wa;
    (void)code;
    return false;
}

#endif

/* Spawn hook (mk_spawn_hook_add) of every WASM actor: bind the actor
 * and, for a WASI command, queue the wake that runs _start -- also when a
 * supervisor spawned it from wasm_actor_factory's state. */
static bool wa_spawned(runtime_t *rt, actor_id_t id, void *state)
{
    wasm_actor_t *wa = state;
    if (!wa)
        return true;
    wa->rt = rt;
    wa->id = id;
    if (wa->wait == WA_START && !mk_actor_wake(rt, id, MK_MSG_WASM_RESUME))
        return mk_fail("wasm actor: cannot start the command's _start: %s", mk_last_error());
    return true;
}

bool wasm_actors_init(void)
{
    if (!mk_spawn_hook_add(wasm_actor_behavior, wa_spawned))
        return false;
    if (!wasm_host_init())
        return false;
    if (!wa_wasi_init()) {
        wasm_host_cleanup();
        return false;
    }
    initialized = true;
    return true;
}

bool wasm_actors_init_pool(void *pool_buf, size_t pool_size)
{
    (void)pool_buf;
    (void)pool_size;
    return wasm_actors_init();
}

void wasm_actors_cleanup(void)
{
    wa_wasi_cleanup();
    wasm_host_cleanup();
    initialized = false;
}

static void settings_init(wasm_settings_t *s, uint32_t stack_size, uint32_t heap_size,
                          fiber_stack_class_t fiber)
{
    s->stack_size = stack_size ? stack_size : WASM_DEFAULT_STACK_SIZE;
    s->heap_size = heap_size;
    s->fiber = fiber;
    s->fuel_slice = WASM_FUEL_SLICE_DEFAULT;
    s->fuel_limit = WASM_FUEL_LIMIT_DEFAULT;
}

static bool fiber_ok(const char *what, fiber_stack_class_t f)
{
    if (f == FIBER_STACK_NONE || f == FIBER_STACK_TINY || f == FIBER_STACK_SMALL ||
        f == FIBER_STACK_MEDIUM || f == FIBER_STACK_LARGE)
        return true;
    return mk_fail("%s: unknown fiber_stack class %d", what, (int)f);
}

/* A new actor state holding a reference to `s` and a fresh instance;
 * `wasi` (may be NULL) becomes the actor's, also when this fails. */
static wasm_actor_t *wa_create(const char *what, wasm_shared_t *s, const wasm_settings_t *set,
                               const char *state_path, wa_wasi_t *wasi)
{
    wasm_actor_t *wa = mk_calloc(1, sizeof *wa);
    if (!wa) {
        mk_set_error("%s: out of memory", what);
        wa_wasi_free(wasi, NULL);
        return NULL;
    }
    wa->set = *set;
    wa->wasi = wasi;
    if (state_path && !(wa->state_path = mk_strdup(state_path))) {
        mk_set_error("%s: out of memory", what);
        goto fail;
    }
    wa->inst = wasm_shared_instantiate(what, s, set, wa, &wa->handle);
    if (!wa->inst)
        goto fail;
    if (s->command)
        wa->wait = WA_START; /* wa_spawned's wake runs _start */
    if (!wa_wasi_initialize(what, wa, wa->inst)) {
        wasm_instance_free(wa->inst);
        goto fail;
    }
    wasm_shared_retain(s);
    wa->shared = s;
    return wa;
fail:
    wa_wasi_free(wa->wasi, NULL);
    mk_free(wa->state_path);
    mk_free(wa);
    return NULL;
}

static void drop_instance(wasm_instance_t *inst)
{
    if (!inst)
        return;
    if (wasm_instance_pending(inst))
        wasm_instance_abort(inst);
    wasm_instance_free(inst);
}

/* Forget a reload that has not been applied yet. */
static void drop_next(wasm_actor_t *wa)
{
    drop_instance(wa->next_inst);
    wasm_shared_release(wa->next_shared);
    wa->next_inst = NULL;
    wa->next_shared = NULL;
    wa->next_handle = NULL;
}

void wasm_actor_free(void *state)
{
    wasm_actor_t *wa = state;
    if (!wa)
        return;
    wasm_sleep_remove(wa);
    drop_instance(wa->inst);
    wasm_shared_release(wa->shared);
    drop_next(wa);
    wa_wasi_free(wa->wasi, wa);
    mk_free(wa->saved);
    mk_free(wa->state_path);
    mk_free(wa);
}

/* actor_spawn_wasm, with the WASI opt-in when `wasi` is not NULL. */
static actor_id_t spawn(const char *what, runtime_t *rt, const uint8_t *wasm_buf, size_t wasm_size,
                        size_t mailbox_size, uint32_t stack_size, uint32_t heap_size,
                        fiber_stack_class_t fiber_stack, const wasm_actor_wasi_t *wasi)
{
    if (!rt || !wasm_buf) {
        mk_set_error("%s: %s is NULL", what, rt ? "wasm_buf" : "runtime");
        return ACTOR_ID_INVALID;
    }
    if (!initialized) {
        mk_set_error("%s: wasm_actors_init() was not called", what);
        return ACTOR_ID_INVALID;
    }
    if (!fiber_ok(what, fiber_stack))
        return ACTOR_ID_INVALID;
    wasm_settings_t set;
    settings_init(&set, stack_size, heap_size, fiber_stack);
    wasm_shared_t *s = wasm_shared_compile(what, wasm_buf, wasm_size, heap_size, wasi != NULL);
    if (!s)
        return ACTOR_ID_INVALID;
    wa_wasi_t *ctx = NULL;
    if (wasi && !(ctx = wa_wasi_create(what, wasi))) {
        wasm_shared_release(s);
        return ACTOR_ID_INVALID;
    }
    wasm_actor_t *wa = wa_create(what, s, &set, NULL, ctx);
    wasm_shared_release(s);
    if (!wa)
        return ACTOR_ID_INVALID;
    actor_id_t id = actor_spawn(rt, wasm_actor_behavior, wa, wasm_actor_free, mailbox_size);
    if (id == ACTOR_ID_INVALID) {
        wasm_actor_free(wa);
        return ACTOR_ID_INVALID;
    }
    wa->rt = rt;
    wa->id = id;
    return id;
}

actor_id_t actor_spawn_wasm(runtime_t *rt, const uint8_t *wasm_buf, size_t wasm_size,
                            size_t mailbox_size, uint32_t stack_size, uint32_t heap_size,
                            fiber_stack_class_t fiber_stack)
{
    return spawn("actor_spawn_wasm", rt, wasm_buf, wasm_size, mailbox_size, stack_size, heap_size,
                 fiber_stack, NULL);
}

actor_id_t actor_spawn_wasm_wasi(runtime_t *rt, const uint8_t *wasm_buf, size_t wasm_size,
                                 size_t mailbox_size, uint32_t stack_size, uint32_t heap_size,
                                 fiber_stack_class_t fiber_stack, const wasm_actor_wasi_t *wasi)
{
    if (!wasi) {
        mk_set_error("actor_spawn_wasm_wasi: wasi is NULL");
        return ACTOR_ID_INVALID;
    }
    return spawn("actor_spawn_wasm_wasi", rt, wasm_buf, wasm_size, mailbox_size, stack_size,
                 heap_size, fiber_stack, wasi);
}

actor_id_t actor_spawn_wasm_file_wasi(runtime_t *rt, const char *path, size_t mailbox_size,
                                      uint32_t stack_size, uint32_t heap_size,
                                      fiber_stack_class_t fiber_stack,
                                      const wasm_actor_wasi_t *wasi)
{
    size_t len = 0;
    uint8_t *buf = wasm_read_file("actor_spawn_wasm_file_wasi", path, &len);
    if (!buf)
        return ACTOR_ID_INVALID;
    actor_id_t id =
        actor_spawn_wasm_wasi(rt, buf, len, mailbox_size, stack_size, heap_size, fiber_stack, wasi);
    mk_free(buf);
    return id;
}

actor_id_t actor_spawn_wasm_file(runtime_t *rt, const char *path, size_t mailbox_size,
                                 uint32_t stack_size, uint32_t heap_size,
                                 fiber_stack_class_t fiber_stack)
{
    size_t len = 0;
    uint8_t *buf = wasm_read_file("actor_spawn_wasm_file", path, &len);
    if (!buf)
        return ACTOR_ID_INVALID;
    actor_id_t id =
        actor_spawn_wasm(rt, buf, len, mailbox_size, stack_size, heap_size, fiber_stack);
    mk_free(buf);
    return id;
}

/* ---- Running an execution ------------------------------------------------ */

/* Results of the actor's entry: handle_message's i32, or none (_start). */
static uint32_t nres(const wasm_actor_t *wa)
{
    return wa->shared->command ? 0 : 1;
}

/* Stop the running actor with `reason` after its behaviour returns. */
static bool stop_with(wasm_actor_t *wa, int reason)
{
    if (wasm_instance_pending(wa->inst))
        wasm_instance_abort(wa->inst);
    wa->wait = WA_IDLE;
    mk_actor_exit(wa->rt, wa->id, reason);
    return true; /* keep_running: the core then uses the recorded reason */
}

/* Swap in a reload that waited for the execution to end. */
static void apply_reload(wasm_actor_t *wa)
{
    if (!wa->next_inst)
        return;
    drop_instance(wa->inst);
    wasm_shared_release(wa->shared);
    wa->inst = wa->next_inst;
    wa->shared = wa->next_shared;
    wa->handle = wa->next_handle;
    wa->next_inst = NULL;
    wa->next_shared = NULL;
    wa->next_handle = NULL;
}

/* Act on what a call or resume returned; the behaviour's result. */
static bool finish(wasm_actor_t *wa, wasm_status_t st, const wasm_value_t *res)
{
    int64_t left = wasm_instance_fuel(wa->inst);
    uint64_t burnt = left >= (int64_t)wa->set.fuel_slice
                         ? 0
                         : wa->set.fuel_slice - (uint64_t)(left < 0 ? 0 : left);
    wa->fuel_used += burnt;
    switch (st) {
    case WASM_STATUS_OK:
        wa->wait = WA_IDLE;
        if (wa->shared->command) {
            actor_log(wa->rt, LOG_INFO, "wasm actor 0x%016llx: _start returned: stopped",
                      (unsigned long long)wa->id);
            return stop_with(wa, EXIT_NORMAL);
        }
        apply_reload(wa);
        return res[0].i32 != 0;
    case WASM_STATUS_SUSPENDED: return true; /* the host call recorded what it waits for */
    case WASM_STATUS_OUT_OF_FUEL:
        if (wa->set.fuel_limit && wa->fuel_used >= wa->set.fuel_limit) {
            actor_log(wa->rt, LOG_ERROR,
                      "wasm actor 0x%016llx: fuel limit %llu exhausted by one message: stopped",
                      (unsigned long long)wa->id, (unsigned long long)wa->set.fuel_limit);
            return stop_with(wa, EXIT_FUEL);
        }
        wa->wait = WA_PREEMPTED;
        if (!mk_actor_wake(wa->rt, wa->id, MK_MSG_WASM_RESUME)) {
            actor_log(wa->rt, LOG_ERROR, "wasm actor: cannot reschedule: %s", mk_last_error());
            return stop_with(wa, EXIT_CRASHED);
        }
        return true;
    case WASM_STATUS_TRAP: {
        int code;
        if (wa_wasi_exited(wa, &code)) {
            int reason = code == 0                 ? EXIT_NORMAL
                         : code > 0 && code <= 191 ? WASM_WASI_EXIT_BASE + code
                                                   : 255;
            actor_log(wa->rt, code ? LOG_WARN : LOG_INFO,
                      "wasm actor 0x%016llx: proc_exit(%d): stopped (exit reason %d)",
                      (unsigned long long)wa->id, code, reason);
            return stop_with(wa, reason);
        }
        const wasm_trap_info_t *t = wasm_instance_trap(wa->inst);
        char fn[32];
        const char *name = t->func_name;
        if (!name) {
            snprintf(fn, sizeof fn, "func[%u]", t->func_index);
            name = fn;
        }
        actor_log(wa->rt, LOG_ERROR, "wasm actor 0x%016llx trapped: %s in %s at offset 0x%x (%s)",
                  (unsigned long long)wa->id, wasm_trap_strerror(t->kind), name, t->code_offset,
                  t->message);
        return stop_with(wa, EXIT_TRAP);
    }
    default: {
        const wasm_error_t *e = wasm_instance_error(wa->inst);
        actor_log(wa->rt, LOG_ERROR, "wasm actor 0x%016llx: engine error: %s: %s",
                  (unsigned long long)wa->id, wasm_strerror(e->code), e->message);
        return stop_with(wa, EXIT_CRASHED);
    }
    }
}

/* Hand `msg` to a call suspended in mk_recv and continue it. */
static wasm_status_t deliver_recv(wasm_actor_t *wa, const message_t *msg, wasm_value_t *res)
{
    uint32_t type = msg->type, size = (uint32_t)msg->payload_size;
    uint32_t n = size < wa->recv_cap ? size : wa->recv_cap;
    wasm_value_t r = {.i32 = 0};
    if (!wasm_memory_write(wa->inst, wa->recv_type_ptr, &type, 4) ||
        !wasm_memory_write(wa->inst, wa->recv_size_ptr, &size, 4) ||
        (n && !wasm_memory_write(wa->inst, wa->recv_buf, msg->payload, n)))
        r.i32 = -2; /* memory shrank? cannot happen, but never write outside */
    wa->wait = WA_IDLE;
    wasm_instance_set_fuel(wa->inst, (int64_t)wa->set.fuel_slice);
    return wasm_resume(wa->inst, &r, 1, res, nres(wa));
}

bool wasm_actor_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    wasm_actor_t *wa = state;
    if (!wa || !msg)
        return false;
    if (!wa->rt) { /* made by the factory: bind on the first message */
        wa->rt = rt;
        wa->id = actor_get_id(self);
    }
    bool wake = msg->type == MK_MSG_WASM_RESUME && msg->source == ACTOR_ID_INVALID;
    wasm_value_t res[1] = {{.i32 = 1}};
    wasm_status_t st;
    switch (wa->wait) {
    case WA_SLEEPING:
    case WA_YIELDED:
    case WA_PREEMPTED:
        if (!wake)
            return true; /* unreachable: held, or the wake comes first */
        wasm_instance_set_fuel(wa->inst, (int64_t)wa->set.fuel_slice);
        if (wa->wait != WA_PREEMPTED) { /* a suspended host call: result 0 */
            wasm_value_t r = {.i32 = 0};
            wa->wait = WA_IDLE;
            st = wasm_resume(wa->inst, &r, 1, res, nres(wa));
        } else {
            wa->wait = WA_IDLE;
            st = wasm_resume(wa->inst, NULL, 0, res, nres(wa));
        }
        break;
    case WA_POLLING: { /* WASI poll_oneoff on fds: an fd or its clock woke it */
        if (!wake)
            return true; /* unreachable: held */
        bool again = false;
        wasm_value_t r = {.i32 = wa_wasi_poll_wake(wa, &again)};
        if (again)
            return true; /* nothing ready after all: waits on, held */
        wa->wait = WA_IDLE;
        wasm_instance_set_fuel(wa->inst, (int64_t)wa->set.fuel_slice);
        st = wasm_resume(wa->inst, &r, 1, res, nres(wa));
        break;
    }
    case WA_START: /* a WASI command: _start is the whole life of the actor */
        if (!wake)
            return true; /* unreachable: the spawn hook's wake comes first */
        wa->wait = WA_IDLE;
        wa->fuel_used = 0;
        wasm_instance_set_fuel(wa->inst, (int64_t)wa->set.fuel_slice);
        st = wasm_call(wa->inst, wa->handle, NULL, 0, res, 0);
        break;
    case WA_RECEIVING:
        if (wake)
            return true;
        st = deliver_recv(wa, msg, res);
        break;
    default: {
        /* A command is never idle while alive (held, woken ahead of its
         * mailbox, or in mk_recv): this is unreachable for it. */
        if (wake || wa->shared->command)
            return true;
        uint32_t ptr = 0, size = 0;
        if (wa->shared->has_memory) {
            if (msg->payload_size > wa->shared->heap_size) {
                actor_log(rt, LOG_ERROR,
                          "wasm actor 0x%016llx: payload of %zu bytes (type 0x%x) is larger "
                          "than heap_size %u: message dropped",
                          (unsigned long long)wa->id, msg->payload_size, msg->type,
                          wa->shared->heap_size);
                return true;
            }
            ptr = wa->shared->heap_base;
            size = (uint32_t)msg->payload_size;
            if (size && !wasm_memory_write(wa->inst, ptr, msg->payload, size)) {
                actor_log(rt, LOG_ERROR, "wasm actor 0x%016llx: payload region outside memory",
                          (unsigned long long)wa->id);
                return true;
            }
        }
        wasm_value_t args[4];
        args[0].i32 = (int32_t)msg->type;
        args[1].u64 = msg->source;
        args[2].u32 = ptr;
        args[3].u32 = size;
        wa->fuel_used = 0;
        wasm_instance_set_fuel(wa->inst, (int64_t)wa->set.fuel_slice);
        st = wasm_call(wa->inst, wa->handle, args, 4, res, 1);
        break;
    }
    }
    return finish(wa, st, res);
}

/* ---- Supervision --------------------------------------------------------- */

void *wasm_actor_factory(void *arg)
{
    wasm_factory_arg_t *fa = arg;
    if (!fa) {
        mk_set_error("wasm_actor_factory: arg is NULL");
        return NULL;
    }
    const char *what = "wasm_actor_factory";
    wa_wasi_t *ctx = NULL; /* each incarnation its own: preopens opened anew */
    if (fa->wasi && !(ctx = wa_wasi_create(what, fa->wasi)))
        return NULL;
    return wa_create(what, fa->shared, &fa->set, fa->state_path, ctx);
}

/* wasm_factory_arg_create, with the WASI opt-in when `wasi` is not NULL. */
static wasm_factory_arg_t *factory_arg_create(const char *what, const uint8_t *wasm_buf,
                                              size_t wasm_size, uint32_t stack_size,
                                              uint32_t heap_size, fiber_stack_class_t fiber_stack,
                                              const wasm_actor_wasi_t *wasi)
{
    if (!initialized) {
        mk_set_error("%s: wasm_actors_init() was not called", what);
        return NULL;
    }
    if (!fiber_ok(what, fiber_stack))
        return NULL;
    wasm_factory_arg_t *fa = mk_calloc(1, sizeof *fa);
    if (!fa) {
        mk_set_error("%s: out of memory", what);
        return NULL;
    }
    settings_init(&fa->set, stack_size, heap_size, fiber_stack);
    fa->shared = wasm_shared_compile(what, wasm_buf, wasm_size, heap_size, wasi != NULL);
    if (!fa->shared)
        goto fail;
    if (wasi) {
        /* The spawn's checks once now (limits, preopens, output files), so
         * a bad configuration fails here and not at the first start. */
        wa_wasi_t *probe = wa_wasi_create(what, wasi);
        if (!probe)
            goto fail;
        wa_wasi_free(probe, NULL);
        if (!(fa->wasi = wa_wasi_config_copy(what, wasi)))
            goto fail;
    }
    return fa;
fail:
    wasm_factory_arg_destroy(fa);
    return NULL;
}

wasm_factory_arg_t *wasm_factory_arg_create(const uint8_t *wasm_buf, size_t wasm_size,
                                            uint32_t stack_size, uint32_t heap_size,
                                            fiber_stack_class_t fiber_stack)
{
    return factory_arg_create("wasm_factory_arg_create", wasm_buf, wasm_size, stack_size, heap_size,
                              fiber_stack, NULL);
}

wasm_factory_arg_t *wasm_factory_arg_create_wasi(const uint8_t *wasm_buf, size_t wasm_size,
                                                 uint32_t stack_size, uint32_t heap_size,
                                                 fiber_stack_class_t fiber_stack,
                                                 const wasm_actor_wasi_t *wasi)
{
    const char *what = "wasm_factory_arg_create_wasi";
    if (!wasi) {
        mk_set_error("%s: wasi is NULL", what);
        return NULL;
    }
    return factory_arg_create(what, wasm_buf, wasm_size, stack_size, heap_size, fiber_stack, wasi);
}

wasm_factory_arg_t *wasm_factory_arg_create_file_wasi(const char *path, uint32_t stack_size,
                                                      uint32_t heap_size,
                                                      fiber_stack_class_t fiber_stack,
                                                      const wasm_actor_wasi_t *wasi)
{
    size_t len = 0;
    uint8_t *buf = wasm_read_file("wasm_factory_arg_create_file_wasi", path, &len);
    if (!buf)
        return NULL;
    wasm_factory_arg_t *fa =
        wasm_factory_arg_create_wasi(buf, len, stack_size, heap_size, fiber_stack, wasi);
    mk_free(buf);
    return fa;
}

void wasm_factory_arg_destroy(wasm_factory_arg_t *arg)
{
    if (!arg)
        return;
    wasm_shared_release(arg->shared);
    wa_wasi_config_free(arg->wasi);
    mk_free(arg->state_path);
    mk_free(arg);
}

/* ---- Settings and inspection ------------------------------------------- */

wasm_actor_t *wasm_actor_lookup(runtime_t *rt, actor_id_t id)
{
    if (!rt) {
        mk_set_error("wasm actor: runtime is NULL");
        return NULL;
    }
    wasm_actor_t *wa = mk_actor_state_of(rt, id, wasm_actor_behavior);
    if (!wa)
        mk_set_error("wasm actor: 0x%016llx is not a live WASM actor", (unsigned long long)id);
    return wa;
}

bool actor_is_wasm(runtime_t *rt, actor_id_t id)
{
    return rt && mk_actor_runs(rt, id, wasm_actor_behavior);
}

bool wasm_actor_memory_bytes(runtime_t *rt, actor_id_t id, size_t *bytes)
{
    if (!bytes)
        return mk_fail("wasm_actor_memory_bytes: output is NULL");
    wasm_actor_t *wa = wasm_actor_lookup(rt, id);
    if (!wa)
        return false;
    size_t size = 0;
    if (wa->inst)
        wasm_memory_data(wa->inst, &size);
    *bytes = size;
    return true;
}

bool wasm_actor_set_fuel(runtime_t *rt, actor_id_t id, uint64_t slice, uint64_t limit)
{
    if (slice == 0 || slice > INT64_MAX)
        return mk_fail("wasm_actor_set_fuel: slice must be 1..INT64_MAX");
    wasm_actor_t *wa = wasm_actor_lookup(rt, id);
    if (!wa)
        return false;
    wa->set.fuel_slice = slice;
    wa->set.fuel_limit = limit;
    return true;
}

bool wasm_factory_arg_set_fuel(wasm_factory_arg_t *arg, uint64_t slice, uint64_t limit)
{
    if (!arg)
        return mk_fail("wasm_factory_arg_set_fuel: arg is NULL");
    if (slice == 0 || slice > INT64_MAX)
        return mk_fail("wasm_factory_arg_set_fuel: slice must be 1..INT64_MAX");
    arg->set.fuel_slice = slice;
    arg->set.fuel_limit = limit;
    return true;
}

/* Replace *slot with a copy of `path` (NULL clears). */
static bool set_path(const char *what, char **slot, const char *path)
{
    char *copy = NULL;
    if (path) {
        if (strlen(path) > 4095)
            return mk_fail("%s: path longer than 4095 bytes", what);
        if (!(copy = mk_strdup(path)))
            return mk_fail("%s: out of memory", what);
    }
    mk_free(*slot);
    *slot = copy;
    return true;
}

bool wasm_actor_set_state_file(runtime_t *rt, actor_id_t id, const char *path)
{
    wasm_actor_t *wa = wasm_actor_lookup(rt, id);
    return wa && set_path("wasm_actor_set_state_file", &wa->state_path, path);
}

bool wasm_factory_arg_set_state_file(wasm_factory_arg_t *arg, const char *path)
{
    if (!arg)
        return mk_fail("wasm_factory_arg_set_state_file: arg is NULL");
    return set_path("wasm_factory_arg_set_state_file", &arg->state_path, path);
}

/* ---- Hot reload ------------------------------------------------------------ */

/* True, with the reason, when `wa` runs a WASI command: its one execution
 * (_start) lasts as long as the actor, so there is never a message boundary
 * to switch modules at (issue 20 follow-up). */
static bool is_command(const char *what, const wasm_actor_t *wa)
{
    if (!wa->shared->command)
        return false;
    mk_set_error("%s: 0x%016llx runs a WASI command (_start, no handle_message): a command "
                 "cannot be reloaded; stop it and spawn the new module",
                 what, (unsigned long long)wa->id);
    return true;
}

/* Compile and instantiate the new module into wa->next_*; applied at once
 * unless an execution is pending. RELOAD_OK or the failing step's code. */
static reload_result_t stage_reload(const char *what, wasm_actor_t *wa, const uint8_t *buf,
                                    size_t len)
{
    if (!buf) {
        mk_set_error("%s: buffer is NULL", what);
        return RELOAD_ERR_MODULE_LOAD;
    }
    if (is_command(what, wa))
        return RELOAD_ERR_FIBER_ACTIVE;
    wasm_shared_t *s = wasm_shared_compile(what, buf, len, wa->set.heap_size, wa->wasi != NULL);
    if (!s)
        return RELOAD_ERR_MODULE_LOAD;
    if (s->command) {
        wasm_shared_release(s);
        mk_set_error("%s: the new module is a WASI command (_start, no handle_message): it "
                     "cannot replace an actor's module",
                     what);
        return RELOAD_ERR_INSTANCE;
    }
    wasm_func_t *handle = NULL;
    wasm_instance_t *inst = wasm_shared_instantiate(what, s, &wa->set, wa, &handle);
    if (inst && !wa_wasi_initialize(what, wa, inst)) {
        wasm_instance_free(inst);
        inst = NULL;
    }
    if (!inst) {
        wasm_shared_release(s);
        return RELOAD_ERR_INSTANCE;
    }
    drop_next(wa);
    wa->next_shared = s;
    wa->next_inst = inst;
    wa->next_handle = handle;
    /* A pending execution finishes on the old module; finish() swaps. */
    if (wa->wait == WA_IDLE && !wasm_instance_pending(wa->inst))
        apply_reload(wa);
    return RELOAD_OK;
}

bool wasm_actor_replace_module(runtime_t *rt, actor_id_t id, const uint8_t *buf, size_t len)
{
    const char *what = "wasm_actor_replace_module";
    wasm_actor_t *wa = wasm_actor_lookup(rt, id);
    if (!wa)
        return mk_fail("%s: 0x%016llx is not a live WASM actor", what, (unsigned long long)id);
    return stage_reload(what, wa, buf, len) == RELOAD_OK;
}

reload_result_t actor_reload_wasm(runtime_t *rt, actor_id_t old_id, const uint8_t *new_buf,
                                  size_t new_size, actor_id_t *new_id_out)
{
    const char *what = "actor_reload_wasm";
    if (new_id_out)
        *new_id_out = ACTOR_ID_INVALID;
    if (!rt || !mk_actor_find(rt, old_id)) {
        mk_set_error("%s: no live local actor 0x%016llx", what, (unsigned long long)old_id);
        return RELOAD_ERR_NOT_FOUND;
    }
    wasm_actor_t *wa = mk_actor_state_of(rt, old_id, wasm_actor_behavior);
    if (!wa) {
        mk_set_error("%s: 0x%016llx is not a WASM actor", what, (unsigned long long)old_id);
        return RELOAD_ERR_NOT_WASM;
    }
    if (is_command(what, wa))
        return RELOAD_ERR_FIBER_ACTIVE;
    if (wa->wait == WA_SLEEPING || wa->wait == WA_RECEIVING || wa->wait == WA_YIELDED ||
        wa->wait == WA_POLLING) {
        mk_set_error("%s: 0x%016llx is suspended in a blocking call", what,
                     (unsigned long long)old_id);
        return RELOAD_ERR_FIBER_ACTIVE;
    }
    reload_result_t r = stage_reload(what, wa, new_buf, new_size);
    if (r == RELOAD_OK && new_id_out)
        *new_id_out = old_id;
    return r;
}

bool actor_reload_wasm_file(runtime_t *rt, actor_id_t id, const char *path)
{
    size_t len = 0;
    uint8_t *buf = wasm_read_file("actor_reload_wasm_file", path, &len);
    if (!buf)
        return false;
    bool ok = wasm_actor_replace_module(rt, id, buf, len);
    mk_free(buf);
    return ok;
}
