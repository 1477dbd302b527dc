/*
 * wasm_host.c -- the host functions WASM actors import from "env":
 * mk_send, mk_self, mk_log, mk_sleep_ms, mk_recv (seed "WASM module
 * contract"), and the extensions mk_save_state, mk_load_state, mk_lookup.
 *
 * Called by the engine from inside a WASM actor's behaviour (the instance's
 * user pointer is its wasm_actor_t; NULL while the start function runs).
 * Blocking calls do not block the thread: they record what the actor waits
 * for and return WASM_STATUS_SUSPENDED; wasm_actor.c resumes the execution
 * with the result later. Every guest pointer is bounds-checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "microkernel/services.h"
#include "microkernel/state_persist.h"
#include "wasm/wasm_actor_internal.h"

/* Guest memory [ptr, ptr+len) as a host pointer, or NULL when any of it is
 * outside memory 0. ptr + len is computed in 64 bits, so no pair wraps
 * around (0xffffff00 + 0x7fffffff is past the end, not 0x7ffffeff). The
 * rule of the bulk memory instructions: an empty range is valid up to the
 * end of memory (a non-NULL dummy is returned), not past it. */
static const uint8_t *guest_range(wasm_instance_t *inst, uint32_t ptr, uint32_t len)
{
    static const uint8_t empty;
    size_t size = 0;
    uint8_t *base = wasm_memory_data(inst, &size);
    if ((uint64_t)ptr + (uint64_t)len > (uint64_t)size)
        return NULL;
    return len == 0 || !base ? &empty : base + ptr;
}

/* The actor behind a call, or NULL while no actor is bound (start). */
static wasm_actor_t *actor_of(wasm_instance_t *inst)
{
    wasm_actor_t *wa = wasm_instance_user(inst);
    return wa && wa->rt && wa->id != ACTOR_ID_INVALID ? wa : NULL;
}

/* mk_send(i64 dest, i32 type, ptr payload, i32 size) -> i32: 0 sent, -1
 * refused (unknown actor, full mailbox, no route), -2 bad pointer/size. */
static wasm_status_t h_send(wasm_instance_t *inst, void *user, const wasm_value_t *a,
                            wasm_value_t *r)
{
    (void)user;
    wasm_actor_t *wa = actor_of(inst);
    if (!wa) {
        r[0].i32 = -1;
        return WASM_STATUS_OK;
    }
    if (a[3].i32 < 0) {
        r[0].i32 = -2;
        return WASM_STATUS_OK;
    }
    const uint8_t *p = guest_range(inst, a[2].u32, a[3].u32);
    if (!p) {
        r[0].i32 = -2;
        return WASM_STATUS_OK;
    }
    r[0].i32 = mk_send_from(wa->rt, wa->id, (actor_id_t)a[0].u64, (msg_type_t)a[1].u32,
                            a[3].u32 ? p : NULL, a[3].u32)
                   ? 0
                   : -1;
    return WASM_STATUS_OK;
}

/* mk_self() -> i64: the actor's ID (0 in the start function). */
static wasm_status_t h_self(wasm_instance_t *inst, void *user, const wasm_value_t *a,
                            wasm_value_t *r)
{
    (void)user;
    (void)a;
    wasm_actor_t *wa = actor_of(inst);
    r[0].u64 = wa ? wa->id : ACTOR_ID_INVALID;
    return WASM_STATUS_OK;
}

bool wasm_log_budget_take(wasm_log_budget_t *b, uint64_t now_ms, uint32_t *suppressed)
{
    if (!b->started) {
        b->started = true;
        b->tokens = WASM_LOG_BURST;
        b->last_ms = now_ms;
    } else if (now_ms > b->last_ms) {
        uint64_t add = (now_ms - b->last_ms) * WASM_LOG_RATE / 1000u;
        if (add) {
            b->tokens =
                b->tokens + add > WASM_LOG_BURST ? WASM_LOG_BURST : b->tokens + (uint32_t)add;
            b->last_ms = now_ms;
        }
    }
    if (b->tokens == 0) {
        if (b->suppressed < UINT32_MAX)
            b->suppressed++;
        return false;
    }
    b->tokens--;
    *suppressed = b->suppressed;
    b->suppressed = 0;
    return true;
}

/* mk_log(i32 level, ptr text, i32 len): one log line from the actor (text
 * cut at MK_LOG_MSG_MAX; a range partly or wholly outside memory, or a
 * negative len, logs "<bad pointer>"). A module can call it in a loop, so
 * each actor has a budget (WASM_LOG_BURST lines, WASM_LOG_RATE a second);
 * lines over it are counted and the next line written is preceded by one
 * saying how many were suppressed. */
static wasm_status_t h_log(wasm_instance_t *inst, void *user, const wasm_value_t *a,
                           wasm_value_t *r)
{
    (void)user;
    (void)r;
    wasm_actor_t *wa = actor_of(inst);
    if (!wa)
        return WASM_STATUS_OK;
    uint32_t suppressed = 0;
    if (!wasm_log_budget_take(&wa->log_budget, wasm_now_ns() / 1000000u, &suppressed))
        return WASM_STATUS_OK;
    if (suppressed)
        actor_log(wa->rt, LOG_WARN,
                  "wasm actor 0x%016llx: %u mk_log lines suppressed (over %u a second)",
                  (unsigned long long)wa->id, suppressed, WASM_LOG_RATE);
    /* the whole range is checked, then the text is cut */
    const uint8_t *p = a[2].i32 < 0 ? NULL : guest_range(inst, a[1].u32, a[2].u32);
    uint32_t len = a[2].u32 > MK_LOG_MSG_MAX ? MK_LOG_MSG_MAX : a[2].u32;
    if (p)
        actor_log(wa->rt, a[0].i32, "%.*s", (int)len, (const char *)p);
    else
        actor_log(wa->rt, a[0].i32, "<bad pointer>");
    return WASM_STATUS_OK;
}

static int print_fd = -1; /* wasm_actor_set_print_fd; -1: standard output */

void wasm_actor_set_print_fd(int fd)
{
    print_fd = fd < 0 ? -1 : fd;
}

/* mk_print(ptr text, i32 len): write the bytes to the print fd (a bad
 * range prints nothing). Blocking write, as the original's. */
static wasm_status_t h_print(wasm_instance_t *inst, void *user, const wasm_value_t *a,
                             wasm_value_t *r)
{
    (void)user;
    (void)r;
    uint32_t len = a[1].i32 < 0 ? 0 : a[1].u32;
    const uint8_t *p = guest_range(inst, a[0].u32, len);
    if (!p || len == 0)
        return WASM_STATUS_OK;
    if (print_fd < 0) {
        fwrite(p, 1, len, stdout);
        fflush(stdout);
        return WASM_STATUS_OK;
    }
    while (len > 0) {
        ssize_t n = write(print_fd, p, len);
        if (n <= 0)
            break;
        p += n;
        len -= (uint32_t)n;
    }
    return WASM_STATUS_OK;
}

/* mk_sleep_ms(i32 ms) -> i32: 0 after the sleep; -1 at once without fiber
 * support or when the timer cannot be armed. Suspends only this actor. */
static wasm_status_t h_sleep(wasm_instance_t *inst, void *user, const wasm_value_t *a,
                             wasm_value_t *r)
{
    (void)user;
    wasm_actor_t *wa = actor_of(inst);
    if (!wa || wa->set.fiber == FIBER_STACK_NONE) {
        r[0].i32 = -1;
        return WASM_STATUS_OK;
    }
    int64_t ms = a[0].i32 < 0 ? 0 : a[0].i32;
    wa->wake_at_ns = wasm_now_ns() + (uint64_t)ms * 1000000u;
    if (!wasm_sleep_add(wa)) {
        r[0].i32 = -1;
        return WASM_STATUS_OK;
    }
    wa->wait = WA_SLEEPING;
    return WASM_STATUS_SUSPENDED;
}

/* mk_recv(ptr type_out, ptr buf, i32 buf_size, ptr actual_size_out) -> i32:
 * waits for the next message; 0 received; -1 without fiber support; -2 a
 * pointer or size outside memory. */
static wasm_status_t h_recv(wasm_instance_t *inst, void *user, const wasm_value_t *a,
                            wasm_value_t *r)
{
    (void)user;
    wasm_actor_t *wa = actor_of(inst);
    if (!wa || wa->set.fiber == FIBER_STACK_NONE) {
        r[0].i32 = -1;
        return WASM_STATUS_OK;
    }
    if (a[2].i32 < 0 || !guest_range(inst, a[0].u32, 4) || !guest_range(inst, a[3].u32, 4) ||
        !guest_range(inst, a[1].u32, a[2].u32)) {
        r[0].i32 = -2;
        return WASM_STATUS_OK;
    }
    wa->recv_type_ptr = a[0].u32;
    wa->recv_buf = a[1].u32;
    wa->recv_cap = a[2].u32;
    wa->recv_size_ptr = a[3].u32;
    wa->wait = WA_RECEIVING;
    return WASM_STATUS_SUSPENDED;
}

/* mk_save_state(ptr data, i32 len) -> i32: 0 saved (in memory, and in the
 * state file when one is set); -1 the file write failed (logged; the
 * in-memory copy is kept); -2 bad pointer/size; -3 out of memory. */
static wasm_status_t h_save(wasm_instance_t *inst, void *user, const wasm_value_t *a,
                            wasm_value_t *r)
{
    (void)user;
    wasm_actor_t *wa = actor_of(inst);
    if (!wa) {
        r[0].i32 = -1;
        return WASM_STATUS_OK;
    }
    const uint8_t *p =
        a[1].i32 < 0 || a[1].u32 > STATE_MAX_SIZE ? NULL : guest_range(inst, a[0].u32, a[1].u32);
    if (!p) {
        r[0].i32 = -2;
        return WASM_STATUS_OK;
    }
    size_t n = a[1].u32;
    if (n > wa->saved_len || !wa->saved) {
        uint8_t *nb = mk_realloc(wa->saved, n ? n : 1);
        if (!nb) {
            r[0].i32 = -3;
            return WASM_STATUS_OK;
        }
        wa->saved = nb;
    }
    memcpy(wa->saved, p, n);
    wa->saved_len = n;
    wa->has_saved = true;
    r[0].i32 = 0;
    if (wa->state_path && !state_file_save(wa->state_path, p, n)) {
        actor_log(wa->rt, LOG_ERROR, "mk_save_state: %s", mk_last_error());
        r[0].i32 = -1;
    }
    return WASM_STATUS_OK;
}

/* mk_load_state(ptr buf, i32 cap) -> i32: the state's length (bytes copied:
 * min(length, cap)); -1 no state saved; -2 bad pointer/size; -3 the state
 * file is truncated or corrupt (logged, not loaded). */
static wasm_status_t h_load(wasm_instance_t *inst, void *user, const wasm_value_t *a,
                            wasm_value_t *r)
{
    (void)user;
    wasm_actor_t *wa = actor_of(inst);
    if (!wa) {
        r[0].i32 = -1;
        return WASM_STATUS_OK;
    }
    uint8_t *dst = a[1].i32 < 0 ? NULL : (uint8_t *)guest_range(inst, a[0].u32, a[1].u32);
    if (!dst) {
        r[0].i32 = -2;
        return WASM_STATUS_OK;
    }
    size_t cap = a[1].u32;
    if (!wa->has_saved && wa->state_path) {
        /* First load since the actor started: take the file's state. */
        size_t need = 0;
        state_status_t st = state_file_load(wa->state_path, NULL, 0, &need);
        if (st == STATE_TOO_LARGE && need <= STATE_MAX_SIZE) {
            uint8_t *buf = mk_malloc(need ? need : 1);
            if (buf && state_file_load(wa->state_path, buf, need, &need) == STATE_OK) {
                mk_free(wa->saved);
                wa->saved = buf;
                wa->saved_len = need;
                wa->has_saved = true;
            } else {
                mk_free(buf);
            }
        } else if (st == STATE_OK) {
            wa->saved_len = 0; /* an empty state */
            wa->has_saved = true;
        } else if (st != STATE_MISSING) {
            actor_log(wa->rt, LOG_ERROR, "mk_load_state: %s", mk_last_error());
            r[0].i32 = -3;
            return WASM_STATUS_OK;
        }
    }
    if (!wa->has_saved) {
        r[0].i32 = -1;
        return WASM_STATUS_OK;
    }
    size_t n = wa->saved_len < cap ? wa->saved_len : cap;
    if (n)
        memcpy(dst, wa->saved, n);
    r[0].i32 = (int32_t)wa->saved_len;
    return WASM_STATUS_OK;
}

/* mk_lookup(ptr name, i32 len) -> i64: the ID registered under the name
 * (local, remote or a "/" path); 0 when none (also for an empty name, one
 * over 255 bytes, or no actor yet); -2 when [ptr, ptr+len) is not inside
 * memory or len is negative -- checked first, like every host import. */
static wasm_status_t h_lookup(wasm_instance_t *inst, void *user, const wasm_value_t *a,
                              wasm_value_t *r)
{
    (void)user;
    wasm_actor_t *wa = actor_of(inst);
    const uint8_t *p = a[1].i32 < 0 ? NULL : guest_range(inst, a[0].u32, a[1].u32);
    if (!p) {
        r[0].i64 = -2;
        return WASM_STATUS_OK;
    }
    r[0].u64 = ACTOR_ID_INVALID;
    if (!wa || a[1].i32 == 0 || a[1].i32 > 255)
        return WASM_STATUS_OK;
    char name[256];
    memcpy(name, p, a[1].u32);
    name[a[1].u32] = '\0';
    r[0].u64 = actor_lookup(wa->rt, name);
    return WASM_STATUS_OK;
}

typedef struct {
    const char *name;
    wasm_host_fn fn;
    const char *params; /* value types as letters: i=i32, I=i64 */
    const char *results;
    wasm_func_t *func; /* made by wasm_host_init */
} host_def_t;

static host_def_t defs[] = {
    {"mk_send", h_send, "Iiii", "i", NULL},     {"mk_self", h_self, "", "I", NULL},
    {"mk_log", h_log, "iii", "", NULL},         {"mk_sleep_ms", h_sleep, "i", "i", NULL},
    {"mk_recv", h_recv, "iiii", "i", NULL},     {"mk_save_state", h_save, "ii", "i", NULL},
    {"mk_load_state", h_load, "ii", "i", NULL}, {"mk_lookup", h_lookup, "ii", "I", NULL},
    {"mk_print", h_print, "ii", "", NULL},
};
enum { N_DEFS = sizeof defs / sizeof defs[0] };
static bool host_ready;

/* Value-type bytes for a letter string (at most 8 letters). */
static uint32_t types_of(const char *s, uint8_t *out)
{
    uint32_t n = 0;
    for (; *s; s++)
        out[n++] = *s == 'I' ? WASM_I64 : WASM_I32;
    return n;
}

bool wasm_host_init(void)
{
    if (host_ready)
        return true;
    for (size_t i = 0; i < N_DEFS; i++) {
        uint8_t p[8], r[8];
        wasm_functype_t t = {types_of(defs[i].params, p), types_of(defs[i].results, r), p, r};
        defs[i].func = wasm_func_new_host(&t, defs[i].fn, NULL);
        if (!defs[i].func) {
            wasm_host_cleanup();
            return mk_fail("wasm_actors_init: out of memory for host functions");
        }
    }
    host_ready = true;
    return true;
}

void wasm_host_cleanup(void)
{
    for (size_t i = 0; i < N_DEFS; i++) {
        if (defs[i].func)
            wasm_func_free(defs[i].func);
        defs[i].func = NULL;
    }
    host_ready = false;
}

wasm_func_t *wasm_host_find(const char *name, const wasm_functype_t *type, char *why,
                            size_t why_len)
{
    for (size_t i = 0; i < N_DEFS; i++) {
        if (strcmp(defs[i].name, name) != 0)
            continue;
        if (!defs[i].func) {
            snprintf(why, why_len, "wasm_actors_init() was not called");
            return NULL;
        }
        const wasm_functype_t *t = wasm_func_type(defs[i].func);
        if (t->nparams != type->nparams || t->nresults != type->nresults ||
            (t->nparams && memcmp(t->params, type->params, t->nparams) != 0) ||
            (t->nresults && memcmp(t->results, type->results, t->nresults) != 0)) {
            snprintf(why, why_len, "wrong type (expected %s -> %s in i/I letters)",
                     defs[i].params[0] ? defs[i].params : "()",
                     defs[i].results[0] ? defs[i].results : "()");
            return NULL;
        }
        return defs[i].func;
    }
    snprintf(why, why_len, "the host does not provide this function");
    return NULL;
}
