/*
 * microkernel/wasm_actor.h -- actors whose behaviour is a WebAssembly module,
 * run by the project's own engine (src/wasm/engine), sandboxed, with
 * blocking calls (mk_sleep_ms, mk_recv) that suspend only the calling actor,
 * fuel preemption, supervision, hot reload and persistent state.
 *
 * Source: seed API reference (000), "WASM Actors" (names, signatures and
 * constants fixed; the seed says WAMR, the engine here is ours). Everything
 * marked "Extension" is beyond the seed. Semantics, the module contract and
 * the host functions are in docs/wasm-actors.md. Like the rest of the API,
 * call it on the runtime's thread; wasm_actors_init/cleanup once per process.
 */
#ifndef MICROKERNEL_WASM_ACTOR_H
#define MICROKERNEL_WASM_ACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/runtime.h"
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default value stack of a WASM actor, in bytes (seed). It bounds the
 * engine's operand stack (8-byte slots, locals included) for actors spawned
 * with FIBER_STACK_NONE. */
#define WASM_DEFAULT_STACK_SIZE 8192
/* Default host-managed heap region in linear memory, in bytes (seed): the
 * largest payload handle_message can receive. */
#define WASM_DEFAULT_HEAP_SIZE  65536
/* Guard region of a fiber stack (seed). Kept for API compatibility: the
 * engine suspends without a native stack, so no guard page is mapped. */
#define FIBER_GUARD_SIZE        8192

/*
 * Blocking-call support (seed "fiber_stack_class_t"). FIBER_STACK_NONE: no
 * blocking calls (mk_sleep_ms and mk_recv return -1 at once). The other
 * classes enable them; their value, in bytes, is the budget of the actor's
 * WASM call stack (the engine's value stack, 8-byte slots) while it may
 * block. No native stack is allocated for them.
 */
typedef enum {
    FIBER_STACK_NONE = 0,       /* No fiber (sync only) -- default */
    FIBER_STACK_TINY = 16384,   /* 16 KB (the original's; compat/index.md) */
    FIBER_STACK_SMALL = 32768,  /* 32 KB */
    FIBER_STACK_MEDIUM = 65536, /* 64 KB */
    FIBER_STACK_LARGE = 131072, /* 128 KB */
} fiber_stack_class_t;

/* A compiled module plus the settings of the actors made from it. */
typedef struct wasm_factory_arg wasm_factory_arg_t;

/* ---- Lifecycle (seed) ---- */

/*
 * Prepare the host functions every WASM actor imports. Call once per
 * process before spawning WASM actors; calling it again is harmless.
 * Returns false (mk_last_error() says why) when memory runs out.
 */
bool wasm_actors_init(void);

/*
 * The original's pool variant (for microcontrollers): the engine here
 * allocates through mk_set_allocator() (alloc.h), so `pool_buf` and
 * `pool_size` are accepted for source compatibility and not used; it is
 * wasm_actors_init(). Returns its result.
 */
bool wasm_actors_init_pool(void *pool_buf, size_t pool_size);

/*
 * Where the text WASM actors print with the host import mk_print(ptr i32,
 * len i32) goes: file descriptor `fd`, or standard output for -1 (the
 * default). Process-wide, as the original. The fd stays the caller's.
 */
void wasm_actor_set_print_fd(int fd);

/* Free what wasm_actors_init() made. Call once at process exit, after every
 * runtime with WASM actors was destroyed and every factory arg freed. */
void wasm_actors_cleanup(void);

/* ---- Spawning (seed) ---- */

/*
 * Spawn a WASM actor from `wasm_size` bytes of a WebAssembly binary at
 * `wasm_buf` (copied; the caller keeps the buffer). `mailbox_size` as for
 * actor_spawn(). `stack_size`: value-stack budget in bytes when
 * `fiber_stack` is FIBER_STACK_NONE (0: WASM_DEFAULT_STACK_SIZE).
 * `heap_size`: bytes of the host-managed region, added to the module's
 * linear memory, that payloads are copied into (0: no payloads; a module
 * without memory always gets pointer 0, size 0). The module must export
 * handle_message(i32, i64, i32, i32) -> i32 and may import only the host
 * functions of docs/wasm-actors.md from "env".
 * Returns the actor ID, or ACTOR_ID_INVALID with mk_last_error() set for: a
 * NULL runtime or buffer, an empty buffer, wasm_actors_init() not called, a
 * module that does not decode or validate (the engine's message), a missing
 * or mistyped handle_message, an import the host does not provide (named),
 * a start function that traps, blocks or runs too long, a module past the
 * module limits (wasm_actors_set_module_limits; the limit is named), or no
 * memory or actor slots.
 */
actor_id_t actor_spawn_wasm(runtime_t *rt, const uint8_t *wasm_buf, size_t wasm_size,
                            size_t mailbox_size, uint32_t stack_size, uint32_t heap_size,
                            fiber_stack_class_t fiber_stack);

/*
 * Read the file at `path` and spawn it with actor_spawn_wasm(). Also fails
 * (ACTOR_ID_INVALID, reason naming the path) when the file cannot be opened
 * or read, is empty, is not a regular file ("not a regular file": a FIFO,
 * device or directory is refused without waiting on it), or is larger than
 * max_module_bytes (wasm_module_limits_t). A text module (WAT, recognised
 * by content: wat_is_text, microkernel/wat.h) is translated first; a
 * malformed one fails with "<path>:<line>:<col>: <reason>". (Not in a
 * bounded-memory build, MK_BOUNDED, docs/mcu.md: binary modules only.)
 */
actor_id_t actor_spawn_wasm_file(runtime_t *rt, const char *path, size_t mailbox_size,
                                 uint32_t stack_size, uint32_t heap_size,
                                 fiber_stack_class_t fiber_stack);

/* ---- Extension: WASI preview1 for actors (opt-in, issue 20) ---- */

/* A directory the actor's WASI guest sees (preopened fd 3, 4, ... in order). */
typedef struct wasm_actor_wasi_dir {
    const char *host;  /* host directory, opened at spawn */
    const char *guest; /* the name fd_prestat_dir_name reports ("/data", "."); NULL: host */
    bool readonly;     /* withhold every right that changes the tree or a file */
} wasm_actor_wasi_dir_t;

/* What a WASM actor that opts in to wasi_snapshot_preview1 gets. Everything
 * is copied at spawn; NULL arrays with a count of 0 are fine. */
typedef struct wasm_actor_wasi {
    const wasm_actor_wasi_dir_t *dirs; /* preopened directories */
    size_t ndirs;                      /* at most WASM_WASI_MAX_DIRS */
    const char *const *args;           /* argv, args[0] the program name */
    size_t nargs;                      /* at most WASM_WASI_MAX_STRINGS */
    const char *const *env;            /* "NAME=value" strings */
    size_t nenv;                       /* at most WASM_WASI_MAX_STRINGS */
    const char *stdout_path; /* appended to (created 0644); NULL: the node's log, LOG_INFO */
    const char *stderr_path; /* appended to (created 0644); NULL: the node's log, LOG_WARN */
} wasm_actor_wasi_t;

#define WASM_WASI_MAX_DIRS      64u    /* preopens per actor */
#define WASM_WASI_MAX_STRINGS   256u   /* args, and env strings, per actor */
#define WASM_WASI_MAX_STR_BYTES 65536u /* bytes of all args and env strings together */
/* fd_read/fd_write subscriptions one poll_oneoff of an actor may wait for
 * in the node's event loop (issue 20); with more the call returns
 * NOTSUP (58) at once, ready or not. */
#define WASM_WASI_POLL_FDS      64u
/* A line of stdout/stderr routed to the log is cut at this many bytes. */
#define WASM_WASI_LINE_MAX      512u
/* proc_exit(n) stops the actor with exit reason EXIT_NORMAL for n == 0,
 * WASM_WASI_EXIT_BASE + n for 1 <= n <= 191, and 255 otherwise (the log
 * line gives n itself). */
#define WASM_WASI_EXIT_BASE     64

/*
 * Extension: actor_spawn_wasm() for a module that may also import
 * functions of "wasi_snapshot_preview1" (all 46; docs/wasm-actors.md,
 * "WASI"), served from the context `wasi` describes. Without this opt-in a
 * WASI import fails to link with an error naming it. Either the module
 * exports handle_message -- a reactor's _initialize export (clang
 * -mexec-model=reactor) is then called once at spawn, with the
 * start-function fuel cap -- or it is a WASI command (exports _start () ->
 * () and no handle_message: a program with main), whose _start runs as the
 * actor's body from spawn on, without a first message, and stops it when
 * it returns (EXIT_NORMAL), calls proc_exit or traps (EXIT_TRAP);
 * messages sent to a command stay queued for its mk_recv, if it imports
 * that, and are dropped when it stops (docs/wasm-actors.md, "WASI
 * commands"; issue 20). Nothing blocks the node: stdin reads end of file,
 * poll_oneoff (on clocks, and on fds through the node's event loop, at
 * most WASM_WASI_POLL_FDS of them), a read or write of an fd that is not
 * ready (every host fd is non-blocking underneath; the guest sees a
 * blocking call unless it asked for O_NONBLOCK) and sched_yield suspend
 * only this actor (whatever fiber_stack is); a fifo opens at once (for
 * writing with no reader: ENXIO); proc_exit stops it (reason:
 * WASM_WASI_EXIT_BASE).
 * Returns ACTOR_ID_INVALID with mk_last_error() set for everything
 * actor_spawn_wasm() refuses, a NULL `wasi`, a limit above exceeded, a
 * preopen that is not an openable directory, or an output file that
 * cannot be opened (the path and errno named). Not in a bounded-memory
 * build (MK_BOUNDED): it always fails there.
 */
actor_id_t actor_spawn_wasm_wasi(runtime_t *rt, const uint8_t *wasm_buf, size_t wasm_size,
                                 size_t mailbox_size, uint32_t stack_size, uint32_t heap_size,
                                 fiber_stack_class_t fiber_stack, const wasm_actor_wasi_t *wasi);

/* Extension: read the module at `path` as actor_spawn_wasm_file() does and
 * spawn it with actor_spawn_wasm_wasi(). */
actor_id_t actor_spawn_wasm_file_wasi(runtime_t *rt, const char *path, size_t mailbox_size,
                                      uint32_t stack_size, uint32_t heap_size,
                                      fiber_stack_class_t fiber_stack,
                                      const wasm_actor_wasi_t *wasi);

/* ---- Supervision integration (seed) ---- */

/* Behaviour of every WASM actor; the `behavior` field of a child_spec_t. */
bool wasm_actor_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state);

/*
 * State factory for supervised WASM actors (`factory` of a child_spec_t);
 * `arg` is a wasm_factory_arg_t *. Each call makes a fresh instance of the
 * already-compiled module (fresh linear memory and globals). Returns NULL
 * with mk_last_error() set when instantiation or the start function fails
 * (the supervisor then reports a failed start).
 */
void *wasm_actor_factory(void *arg);

/* State destructor for supervised WASM actors (`free_state`). */
void wasm_actor_free(void *state);

/*
 * Compile `wasm_size` bytes at `wasm_buf` once (copied) and keep the
 * settings of the actors made from it (arguments as for actor_spawn_wasm).
 * Returns NULL with mk_last_error() set for the same module errors as
 * actor_spawn_wasm(). The result must outlive every supervisor using it.
 */
wasm_factory_arg_t *wasm_factory_arg_create(const uint8_t *wasm_buf, size_t wasm_size,
                                            uint32_t stack_size, uint32_t heap_size,
                                            fiber_stack_class_t fiber_stack);

/*
 * Extension (issue 20 goal 2): wasm_factory_arg_create() for a module that
 * may also import wasi_snapshot_preview1, as actor_spawn_wasm_wasi() spawns
 * it. `wasi` is deep-copied (strings, arrays; the caller keeps its own).
 * Every actor the factory makes -- the first start and each restart by a
 * supervisor -- gets a fresh WASI context: the preopens are opened again,
 * the output files reopened for appending, args and env copied anew; the
 * fds of the previous incarnation were all closed when it stopped
 * (wasm_actor_free). A WASI command module (_start, no handle_message) is
 * accepted: each incarnation runs _start from its start, so a supervisor
 * restarts the program as a whole. Returns NULL with mk_last_error() set
 * for everything
 * wasm_factory_arg_create() refuses and everything actor_spawn_wasm_wasi()
 * refuses for the same arguments (a NULL `wasi`, a limit exceeded, a
 * preopen that is not an openable directory, an output file that cannot be
 * opened: checked once here by making and freeing a context, so an output
 * file is created here). A later restart whose preopen vanished fails the
 * same way and the supervisor reports a failed start. Not in a
 * bounded-memory build (MK_BOUNDED): it always fails there.
 */
wasm_factory_arg_t *wasm_factory_arg_create_wasi(const uint8_t *wasm_buf, size_t wasm_size,
                                                 uint32_t stack_size, uint32_t heap_size,
                                                 fiber_stack_class_t fiber_stack,
                                                 const wasm_actor_wasi_t *wasi);

/* Extension: read the module at `path` as actor_spawn_wasm_file() does
 * (text modules translated; the path named in errors) and make a factory
 * arg with wasm_factory_arg_create_wasi(). */
wasm_factory_arg_t *wasm_factory_arg_create_file_wasi(const char *path, uint32_t stack_size,
                                                      uint32_t heap_size,
                                                      fiber_stack_class_t fiber_stack,
                                                      const wasm_actor_wasi_t *wasi);

/* Free a factory arg. Actors made from it may still run: the compiled
 * module is reference counted and freed with the last of them. NULL is
 * ignored. */
void wasm_factory_arg_destroy(wasm_factory_arg_t *arg);

/* ---- Extension: preemption ---- */

/* Fuel (about one unit per IR instruction) a WASM actor may burn in one
 * turn before it is rescheduled behind the other ready actors. */
#define WASM_FUEL_SLICE_DEFAULT 200000
/* Fuel one message may burn in total before the actor is stopped with
 * EXIT_FUEL (supervision.h). 0: no limit (the default). */
#define WASM_FUEL_LIMIT_DEFAULT 0

/*
 * Set the fuel slice per turn (`slice` > 0) and the hard limit per message
 * (`limit`, 0: none) of WASM actor `id`, or of every actor made from `arg`
 * afterwards. Return false with a reason for an unknown or non-WASM actor,
 * a NULL arg, or a slice of 0.
 */
bool wasm_actor_set_fuel(runtime_t *rt, actor_id_t id, uint64_t slice, uint64_t limit);
/* The same for every actor later made from factory argument `arg`; false
 * with a reason for a NULL arg or a slice of 0. */
bool wasm_factory_arg_set_fuel(wasm_factory_arg_t *arg, uint64_t slice, uint64_t limit);

/* ---- Extension: module limits ---- */

/*
 * What a module must stay within to be compiled for a WASM actor (spawn,
 * factory arg, reload, the shell's `load`). Compilation runs on the calling
 * (runtime's) thread, so these bound how long and how much memory one
 * module can take: a module past a limit is refused after reading its
 * section headers, before anything is allocated for it, with an error
 * naming the limit and its value ("... 1000000 functions over the limit
 * max_funcs = 20000"). Values above the engine's own (wasm_config.h) are
 * lowered to them. docs/wasm-actors.md, "Module limits", gives the cost of
 * the worst module within the defaults.
 */
typedef struct wasm_module_limits {
    uint64_t max_module_bytes;  /* the binary (and a module file), bytes */
    uint64_t max_code_bytes;    /* the code section: all function bodies, bytes */
    uint32_t max_types;         /* function types */
    uint32_t max_funcs;         /* functions, imported ones included */
    uint32_t max_locals;        /* locals of one function, parameters included */
    uint32_t max_imports;       /* imports */
    uint32_t max_exports;       /* exports */
    uint32_t max_globals;       /* globals defined */
    uint32_t max_segments;      /* element segments, and data segments */
    uint32_t max_segment_elems; /* items of one element segment */
    uint32_t max_table_elems;   /* elements of a table of an instance: declared size and
                                   table.grow (8 bytes each) */
} wasm_module_limits_t;

/* The defaults, sized for a node whose actors share one thread. */
#define WASM_MODULE_MAX_BYTES_DEFAULT         (8u * 1024u * 1024u) /* 8 MiB */
#define WASM_MODULE_MAX_CODE_BYTES_DEFAULT    (4u * 1024u * 1024u) /* 4 MiB */
#define WASM_MODULE_MAX_TYPES_DEFAULT         10000u
#define WASM_MODULE_MAX_FUNCS_DEFAULT         20000u
#define WASM_MODULE_MAX_LOCALS_DEFAULT        10000u
#define WASM_MODULE_MAX_IMPORTS_DEFAULT       1000u
#define WASM_MODULE_MAX_EXPORTS_DEFAULT       10000u
#define WASM_MODULE_MAX_GLOBALS_DEFAULT       10000u
#define WASM_MODULE_MAX_SEGMENTS_DEFAULT      10000u
#define WASM_MODULE_MAX_SEGMENT_ELEMS_DEFAULT 100000u
#define WASM_MODULE_MAX_TABLE_ELEMS_DEFAULT   65536u /* 512 KiB */

/* Fill `out` with the defaults above (no-op for NULL). */
void wasm_module_limits_default(wasm_module_limits_t *out);

/*
 * Set the limits every later compile of the process uses (process-wide,
 * like wasm_actors_init; modules already compiled are not affected). Call
 * from the runtime's thread, or before runtimes start. Returns false with a
 * reason for NULL. wasm_actors_module_limits() copies the current ones.
 */
bool wasm_actors_set_module_limits(const wasm_module_limits_t *lim);
/* Copy the process-wide module limits in force into `out` (no-op for NULL). */
void wasm_actors_module_limits(wasm_module_limits_t *out);

/* ---- Hot code reload (seed 002 "Hot code reload") ---- */

/* Result of actor_reload_wasm (the original's values). */
typedef enum {
    RELOAD_OK = 0,           /* replaced */
    RELOAD_ERR_NOT_FOUND,    /* 1: no live local actor with that ID */
    RELOAD_ERR_NOT_WASM,     /* 2: not a WASM actor */
    RELOAD_ERR_FIBER_ACTIVE, /* 3: suspended in a blocking call (mk_sleep_ms, mk_recv) */
    RELOAD_ERR_MODULE_LOAD,  /* 4: the new bytes do not decode or validate */
    RELOAD_ERR_INSTANCE,     /* 5: no handle_message, an import the host lacks, or the
                                start function failed */
} reload_result_t;

/*
 * The original's hot reload (compat/services.md section 4): replace the
 * module of WASM actor `old_id` with `new_size` bytes at `new_buf`
 * (copied). `*new_id_out` (may be NULL) is set to 0 first and to the
 * actor's ID on success. Differs from the original, on purpose: the actor
 * keeps its ID (so *new_id_out == old_id), with its names, namespace paths,
 * queued messages, parent, links and monitors; the supervisor needs no
 * update, and peers never hold a stale ID. Linear memory is not carried
 * over (mk_save_state / mk_load_state keep state). An actor preempted by
 * fuel is switched when its current message ends. An actor running a WASI
 * command (_start, no handle_message) is never between messages, so it is
 * refused with RELOAD_ERR_FIBER_ACTIVE ("a command cannot be reloaded"),
 * and a command module offered as the new one with RELOAD_ERR_INSTANCE.
 * Returns RELOAD_OK or an error code above, with the reason in
 * mk_last_error(); on error nothing changed.
 */
reload_result_t actor_reload_wasm(runtime_t *rt, actor_id_t old_id, const uint8_t *new_buf,
                                  size_t new_size, actor_id_t *new_id_out);

/*
 * Extension: atomically replace the module of running WASM actor `id` with the
 * `len` bytes at `buf` (copied). The actor keeps its ID, registered names,
 * mailbox contents, supervisor links and monitors, and the state it saved
 * with mk_save_state(); the new instance starts with fresh linear memory
 * and globals (it reads its state back with mk_load_state()). An actor
 * suspended in a blocking call or preempted is switched when that message's
 * handle_message returns, never in the middle. Returns false with a reason,
 * leaving the old module running, when the actor is unknown or not a WASM
 * actor or runs a WASI command (never reloadable), or the new module fails
 * to compile, lacks handle_message (a command module included), imports
 * something the host does not provide, or its start function fails. A
 * supervised actor restarted later gets its factory's module again.
 */
bool wasm_actor_replace_module(runtime_t *rt, actor_id_t id, const uint8_t *buf, size_t len);
/* wasm_actor_replace_module() with the bytes of the file at `path` (read
 * as actor_spawn_wasm_file() reads it: a text module is translated). */
bool actor_reload_wasm_file(runtime_t *rt, actor_id_t id, const char *path);

/* ---- Extension: persistent state (seed 002 "Actor state persistence") ---- */

/*
 * Back the state WASM actor `id` saves with mk_save_state() by the file at
 * `path` (state_persist.h format; written atomically on every save), and
 * let mk_load_state() read it when the actor has saved nothing since it
 * started. With `arg`, every actor made from it uses that file, so a
 * restarted child finds its predecessor's state. `path` is copied; NULL
 * removes the file binding (state then lives only in memory, across reloads
 * but not restarts). False with a reason for an unknown actor, a NULL arg,
 * or a path longer than 4095 bytes.
 */
bool wasm_actor_set_state_file(runtime_t *rt, actor_id_t id, const char *path);
/* The same for every actor later made from factory argument `arg` (`path`
 * copied; NULL: none); false with a reason for a NULL arg or a path longer
 * than 4095 bytes. */
bool wasm_factory_arg_set_state_file(wasm_factory_arg_t *arg, const char *path);

/* ---- Extension: inspection ---- */

/* True when `id` is a live local WASM actor. */
bool actor_is_wasm(runtime_t *rt, actor_id_t id);

/*
 * Size in bytes of the linear memory (memory 0) of live local WASM actor
 * `id` now (64 KiB pages, the payload region included); 0 for a module
 * without memory. Returns false with a reason when `id` is not a live local
 * WASM actor or `bytes` is NULL. For tools (the web observer's
 * /api/actors, docs/observer.md).
 */
bool wasm_actor_memory_bytes(runtime_t *rt, actor_id_t id, size_t *bytes);

#ifdef __cplusplus
}
#endif

#endif
