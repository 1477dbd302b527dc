/*
 * wasm_actor_internal.h -- private structures of the WASM actor glue
 * (the .c files of src/wasm): shared compiled modules, per-actor state, the host
 * imports and the per-runtime sleep timers. Only the engine's public header
 * (wasm/engine/wasm_engine.h) is used, so the engine could be swapped
 * without touching anything here but wasm_module.c and wasm_actor.c.
 */
#ifndef MK_WASM_ACTOR_INTERNAL_H
#define MK_WASM_ACTOR_INTERNAL_H

#include <stdatomic.h>

#include "core/runtime_api.h"
#include "microkernel/wasm_actor.h"
#include "wasm/engine/wasm_engine.h"

/* Wake message the glue sends itself (mk_actor_wake): continue a preempted
 * or sleeping execution. Never seen by WASM code. */
#define MK_MSG_WASM_RESUME (MSG_EXTENSION_BASE + 0x50u) /* 0xFF000150 */

/* A compiled module with its resolved imports, shared by every instance
 * made from it; freed with the last reference. */
typedef struct wasm_shared {
    atomic_int refs;        /* factory args + live instances */
    wasm_module_t *module;  /* immutable after compile */
    wasm_extern_t *imports; /* host functions in the module's import order */
    uint32_t nimports;
    bool command;        /* WASI command: exports _start, no handle_message */
    bool has_memory;     /* the module defines memory 0 */
    uint32_t heap_base;  /* first byte of the payload region: memory 0's declared size */
    uint32_t heap_size;  /* its size in bytes (0 without memory) */
    uint32_t heap_pages; /* pages each instance's memory 0 is grown by for it */
} wasm_shared_t;

/* Settings shared by the actors made from one module. */
typedef struct wasm_settings {
    uint32_t stack_size; /* value-stack budget (bytes) without fiber */
    uint32_t heap_size;  /* payload region (bytes) */
    fiber_stack_class_t fiber;
    uint64_t fuel_slice; /* fuel per turn */
    uint64_t fuel_limit; /* fuel per message, 0: none */
} wasm_settings_t;

struct wasm_factory_arg {
    wasm_shared_t *shared; /* one reference */
    wasm_settings_t set;
    char *state_path;        /* malloc'd or NULL */
    wasm_actor_wasi_t *wasi; /* deep copy (wa_wasi_config_copy) or NULL: no WASI */
};

/* mk_log lines one actor may write: a burst of WASM_LOG_BURST, refilled at
 * WASM_LOG_RATE lines a second; the rest are counted, not written. */
#define WASM_LOG_BURST 100u
#define WASM_LOG_RATE  100u

typedef struct wasm_log_budget {
    uint64_t last_ms;    /* clock of the last refill */
    uint32_t tokens;     /* lines that may still be written */
    uint32_t suppressed; /* lines refused since the last one written */
    bool started;        /* first use seen (the bucket starts full) */
} wasm_log_budget_t;

/* Take one line from `b` at `now_ms` (any monotonic ms clock; tests pass
 * their own): true when it may be written, with *suppressed set to the
 * lines refused since the previous one written; false when the budget is
 * spent (the refusal is counted). Pure: no I/O, no clock read. */
bool wasm_log_budget_take(wasm_log_budget_t *b, uint64_t now_ms, uint32_t *suppressed);

/* What a suspended execution waits for. */
typedef enum {
    WA_IDLE = 0,  /* no execution pending */
    WA_SLEEPING,  /* in mk_sleep_ms: held, a timer wakes it */
    WA_RECEIVING, /* in mk_recv: the next message resumes it */
    WA_PREEMPTED, /* out of fuel: a wake message resumes it */
    WA_YIELDED,   /* in WASI sched_yield: a wake message resumes it with 0 */
    WA_START,     /* a WASI command not started yet: the spawn hook's wake runs _start */
    WA_POLLING,   /* in WASI poll_oneoff on fds: held, an fd or the timer wakes it */
} wa_wait_t;

typedef struct wa_wasi wa_wasi_t;

/* One WASM actor (its actor state). Fields marked "bound" are set on the
 * first message, because the supervision factory runs before the actor
 * exists. */
typedef struct wasm_actor {
    runtime_t *rt;         /* bound */
    actor_id_t id;         /* bound */
    wasm_shared_t *shared; /* one reference */
    wasm_instance_t *inst;
    wasm_func_t *handle; /* export handle_message, or _start of a command */
    wasm_settings_t set;
    wa_wait_t wait;
    uint64_t fuel_used;     /* by the current message so far */
    uint32_t recv_type_ptr; /* mk_recv arguments while WA_RECEIVING */
    uint32_t recv_buf;
    uint32_t recv_cap;
    uint32_t recv_size_ptr;
    uint64_t wake_at_ns;        /* WA_SLEEPING: deadline (CLOCK_MONOTONIC) */
    uint32_t sleep_slot;        /* index in the sleep heap + 1; 0: not in it */
    wasm_shared_t *next_shared; /* reload waiting for the execution to end */
    wasm_instance_t *next_inst;
    wasm_func_t *next_handle;
    uint8_t *saved; /* last mk_save_state bytes (mk_malloc'd) */
    size_t saved_len;
    bool has_saved;
    char *state_path;             /* file backing the saved state, or NULL */
    wasm_log_budget_t log_budget; /* mk_log lines (wasm_host.c) */
    wa_wasi_t *wasi;              /* opt-in WASI context (wasm_actor_wasi.c), or NULL */
} wasm_actor_t;

/* ---- wasm_module.c ---- */

/* The host functions every module may import (wasm_actors_init). */
bool wasm_host_init(void);
void wasm_host_cleanup(void);
/* Look up host import `name` from module "env" of type `type`; NULL with a
 * reason in `why` when there is none or the type differs. */
wasm_func_t *wasm_host_find(const char *name, const wasm_functype_t *type, char *why,
                            size_t why_len);

/* Compile `len` bytes (not modified); check handle_message (or, when
 * `wasi`, accept a command: _start () -> () and no handle_message, marked
 * `command`), resolve the imports (also those of wasi_snapshot_preview1 when
 * `wasi`), and check that memory 0 (if any) can grow by a payload region of
 * `heap_size` bytes within its declared maximum. NULL with mk_last_error()
 * set ("<what>: <reason>"). */
wasm_shared_t *wasm_shared_compile(const char *what, const uint8_t *buf, size_t len,
                                   uint32_t heap_size, bool wasi);
void wasm_shared_retain(wasm_shared_t *s);
void wasm_shared_release(wasm_shared_t *s);

/* Make an instance of `s`, grow its memory 0 by the payload region
 * (wasm_memory_grow), then initialise it (segments, start function with a
 * fuel cap); `user` becomes the instance's user pointer and *handle_out its
 * handle_message (_start for a command). NULL with a reason (also when the
 * instance's memory limit leaves no room for the region). */
wasm_instance_t *wasm_shared_instantiate(const char *what, wasm_shared_t *s,
                                         const wasm_settings_t *set, void *user,
                                         wasm_func_t **handle_out);

/* Read a whole module file (mk_malloc'd, caller mk_frees) without ever
 * waiting on it: opened O_NONBLOCK, refused unless fstat says it is a
 * regular file ("not a regular file": FIFO, device, directory, socket),
 * and refused before reading when larger than max_module_bytes. NULL with a
 * reason naming `path` when it cannot be read, is empty, or changed size
 * while being read. A text module (wat_is_text) is translated with
 * wat_to_wasm() and its binary returned; a malformed one fails with
 * "path:line:col: reason" (not in a bounded build, MK_BOUNDED: the text
 * parser uses malloc()). */
uint8_t *wasm_read_file(const char *what, const char *path, size_t *len_out);

/* ---- wasm_sleep.c ---- */

/* Put `wa` in its runtime's sleep heap with deadline wa->wake_at_ns and hold
 * it. False with a reason when memory runs out or the timer cannot be
 * armed. */
bool wasm_sleep_add(wasm_actor_t *wa);
/* Take `wa` out of the sleep heap (no-op when not in it). */
void wasm_sleep_remove(wasm_actor_t *wa);

/* ---- wasm_actor_wasi.c (WASI opt-in; stubs in a bounded build) ---- */

/* The process-wide WASI host functions (wasm_actors_init / cleanup). */
bool wa_wasi_init(void);
void wa_wasi_cleanup(void);
/* Resolve a wasi_snapshot_preview1 import; false with `why`. */
bool wa_wasi_resolve(const wasm_extern_desc_t *d, wasm_extern_t *out, char *why, size_t why_len);
/* A WASI context from `cfg` (copied: strings, preopens opened, output
 * files opened); NULL with a reason naming `what`. */
wa_wasi_t *wa_wasi_create(const char *what, const wasm_actor_wasi_t *cfg);
/* A deep copy of `cfg` (one allocation per string and array, mk_malloc);
 * NULL with a reason naming `what` when memory runs out. Its counts are not
 * checked here (wa_wasi_create does). */
wasm_actor_wasi_t *wa_wasi_config_copy(const char *what, const wasm_actor_wasi_t *cfg);
/* Free a copy made by wa_wasi_config_copy(). NULL ok. */
void wa_wasi_config_free(wasm_actor_wasi_t *cfg);
/* Flush a partial log line (when bound to a runtime) and free. NULL ok. */
void wa_wasi_free(wa_wasi_t *x, wasm_actor_t *wa);
/* Call the reactor's _initialize export of `inst` (an instance of WASI
 * actor `wa`; no-op without WASI or the export); false with a reason when
 * it traps, exits, suspends or runs out of fuel. */
bool wa_wasi_initialize(const char *what, wasm_actor_t *wa, wasm_instance_t *inst);
/* WA_POLLING was woken: take the actor's fds out of the event loop and
 * its deadline out of the sleep heap, then finish the poll_oneoff
 * (mk_wasi_poll_finish). The preview1 errno to resume the guest with, or
 * *again set when nothing was ready after all and the actor waits on. */
int wa_wasi_poll_wake(wasm_actor_t *wa, bool *again);
/* True (and the proc_exit code) once the guest called proc_exit. */
bool wa_wasi_exited(const wasm_actor_t *wa, int *code);

/* ---- wasm_actor.c ---- */

/* The WASM actor state of live actor `id`, or NULL (reason set). */
wasm_actor_t *wasm_actor_lookup(runtime_t *rt, actor_id_t id);

/* Monotonic clock in nanoseconds. */
uint64_t wasm_now_ns(void);

#endif
