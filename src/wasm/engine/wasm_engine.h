/*
 * wasm_engine.h -- the internal API of the project's WebAssembly engine.
 *
 * Compile bytes once into an immutable wasm_module_t, instantiate it many
 * times with host-resolved imports, call exports, and drive executions that
 * suspend at host calls or run out of fuel. Knows nothing of actors; libc
 * only. Not thread-safe per instance: one thread drives an instance at a
 * time; a compiled module may be shared by any number of threads.
 */
#ifndef WASM_ENGINE_H
#define WASM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm_config.h"

/* Value types, numbered as in the binary format (spec 5.3.1). */
enum {
    WASM_I32 = 0x7F,
    WASM_I64 = 0x7E,
    WASM_F32 = 0x7D,
    WASM_F64 = 0x7C,
    WASM_V128 = 0x7B,
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6F,
};

/* Named error codes of compile, link and API misuse. */
typedef enum wasm_err {
    WASM_OK = 0,
    WASM_ERR_MALFORMED,  /* bytes do not decode (spec 5, "malformed") */
    WASM_ERR_INVALID,    /* decodes but fails validation (spec 3) */
    WASM_ERR_SIMD,       /* uses v128 / SIMD: not supported */
    WASM_ERR_LIMIT,      /* beyond a wasm_config.h or per-instance limit */
    WASM_ERR_UNLINKABLE, /* an import is missing or of the wrong type */
    WASM_ERR_NOMEM,      /* allocation failed */
    WASM_ERR_NOT_FOUND,  /* no export of that name / kind */
    WASM_ERR_ARGS,       /* wrong argument or result count */
    WASM_ERR_BUSY,       /* instance is running, suspended or out of fuel */
    WASM_ERR_STATE,      /* resume without a pending execution */
} wasm_err_t;

/* Text of an error code ("malformed module", ...); never NULL. */
const char *wasm_strerror(wasm_err_t err);

/* An error with the place it happened: "section code: function 3: byte
 * offset 0x1f: type mismatch ...". */
typedef struct wasm_error {
    wasm_err_t code;   /* WASM_OK when nothing failed */
    char message[256]; /* human-readable, NUL-terminated */
} wasm_error_t;

/* One value: i32/i64 as integers, f32/f64 as floats (bit-exact), references
 * as pointers (funcref: wasm_func_t *, externref: host value; 0 is null). */
typedef union wasm_value {
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f32;
    double f64;
    uintptr_t ref;
} wasm_value_t;

/* A function type. params and results point to value-type bytes. */
typedef struct wasm_functype {
    uint32_t nparams;       /* number of parameters */
    uint32_t nresults;      /* number of results */
    const uint8_t *params;  /* nparams value types */
    const uint8_t *results; /* nresults value types */
} wasm_functype_t;

typedef struct wasm_module wasm_module_t;
typedef struct wasm_instance wasm_instance_t;
typedef struct wasm_func wasm_func_t;
typedef struct wasm_table wasm_table_t;
typedef struct wasm_memory wasm_memory_t;
typedef struct wasm_global wasm_global_t;

/* Kinds of imports and exports, numbered as in the binary format. */
typedef enum wasm_extern_kind {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_TABLE = 1,
    WASM_EXTERN_MEMORY = 2,
    WASM_EXTERN_GLOBAL = 3,
} wasm_extern_kind_t;

/* A reference to a function, table, memory or global owned by an instance or
 * created by the host; used to satisfy imports and returned for exports. */
typedef struct wasm_extern {
    wasm_extern_kind_t kind;
    union {
        wasm_func_t *func;
        wasm_table_t *table;
        wasm_memory_t *memory;
        wasm_global_t *global;
    } u;
} wasm_extern_t;

/* Limits of a table or memory (elements or 64 KiB pages). */
typedef struct wasm_limits_desc {
    uint32_t min;
    uint32_t max;
    bool has_max;
} wasm_limits_desc_t;

/* The type of one import or export (spec 2.5.10/11). */
typedef struct wasm_extern_desc {
    const char *module; /* import module name (NULL for exports) */
    const char *name;   /* field / export name, NUL-terminated */
    wasm_extern_kind_t kind;
    wasm_functype_t func;      /* kind FUNC */
    uint8_t elemtype;          /* kind TABLE: WASM_FUNCREF / WASM_EXTERNREF */
    wasm_limits_desc_t limits; /* kind TABLE, MEMORY */
    uint8_t valtype;           /* kind GLOBAL */
    bool mutable_;             /* kind GLOBAL */
} wasm_extern_desc_t;

/* ---- machine code (jit_x64.c) ---- */

/* Whether modules compiled from now on are also compiled to machine code
 * (x86-64 Linux builds, WASM_JIT): on by default, off when the environment
 * has MK_WASM_JIT=0. Elsewhere always false. Process-wide, read at
 * wasm_module_compile(); not synchronised with a concurrent compile. */
bool wasm_jit_enabled(void);

/* Turn the JIT on or off for modules compiled from now on (no effect
 * where it is not built); returns the previous setting. Modules already
 * compiled keep what they have. Used by tests and benchmarks to run the
 * same module both ways. */
bool wasm_jit_set(bool on);

/* ---- modules (decode.c, validate.c, compile.c) ---- */

/* Decode, validate and compile `len` bytes into a module. The bytes are
 * copied; the caller keeps ownership of `bytes`. Returns NULL with `err` set
 * (MALFORMED, INVALID, SIMD, LIMIT, NOMEM; the message names the section,
 * byte offset and function index). Free with wasm_module_free(). Spec 5, 3. */
wasm_module_t *wasm_module_compile(const uint8_t *bytes, size_t len, wasm_error_t *err);

/*
 * Limits a module must stay within to be compiled, checked as each count or
 * size is read and before anything is allocated for it, so a module past
 * one costs no more than reading its header. wasm_module_compile() uses
 * wasm_compile_limits_default(): the static limits of wasm_config.h (the
 * spec's implementation limits). A host that compiles modules from others
 * sets lower ones (the WASM-actor layer does: docs/wasm-actors.md). A value
 * above the static limit is lowered to it; 0 allows nothing of that kind.
 */
typedef struct wasm_compile_limits {
    uint64_t max_module_bytes;  /* the whole binary, bytes */
    uint64_t max_code_bytes;    /* the code section (all function bodies), bytes */
    uint32_t max_types;         /* entries of the type section */
    uint32_t max_funcs;         /* function index space: imported + defined */
    uint32_t max_locals;        /* locals of one function, parameters included */
    uint32_t max_imports;       /* entries of the import section */
    uint32_t max_exports;       /* entries of the export section */
    uint32_t max_globals;       /* entries of the global section */
    uint32_t max_segments;      /* element segments, and data segments */
    uint32_t max_segment_elems; /* items of one element segment */
} wasm_compile_limits_t;

/* The static limits of wasm_config.h. */
void wasm_compile_limits_default(wasm_compile_limits_t *l);

/* wasm_module_compile() within `lim` (NULL: the defaults). A module past a
 * limit fails with WASM_ERR_LIMIT and a message naming the limit and its
 * value, e.g. "function section: byte offset 0xb: 1000001 functions over
 * the limit max_funcs = 10000". */
wasm_module_t *wasm_module_compile_limited(const uint8_t *bytes, size_t len,
                                           const wasm_compile_limits_t *lim, wasm_error_t *err);

/* Free a module. Every instance of it must have been freed first. */
void wasm_module_free(wasm_module_t *m);

/* Number of imports / exports of a module. */
uint32_t wasm_module_import_count(const wasm_module_t *m);
uint32_t wasm_module_export_count(const wasm_module_t *m);

/* Describe import / export `i`; strings and type arrays point into the
 * module and live as long as it. Returns false when `i` is out of range. */
bool wasm_module_import(const wasm_module_t *m, uint32_t i, wasm_extern_desc_t *out);
bool wasm_module_export(const wasm_module_t *m, uint32_t i, wasm_extern_desc_t *out);

/* Limits of memory `i` of the module's memory index space (imports first)
 * as declared, in 64 KiB pages. Returns false when `i` is out of range
 * (there is at most one memory in wasm 2.0). */
bool wasm_module_memory(const wasm_module_t *m, uint32_t i, wasm_limits_desc_t *out);

/* ---- host objects (objects.c, memory.c) ---- */

/* Status of a call, and of a host callback. */
typedef enum wasm_status {
    WASM_STATUS_OK = 0,      /* finished; results written */
    WASM_STATUS_TRAP,        /* trapped; see wasm_instance_trap() */
    WASM_STATUS_OUT_OF_FUEL, /* budget spent; wasm_resume() continues */
    WASM_STATUS_SUSPENDED,   /* a host call suspended; wasm_resume() with its results */
    WASM_STATUS_ERROR,       /* API misuse; see wasm_instance_error() */
} wasm_status_t;

/* A host function. `inst` is the instance whose code made the call (use it
 * for memory access), `args` the nparams arguments, `results` room for the
 * nresults results. Return OK, TRAP (after wasm_host_trap()), or SUSPENDED:
 * the call then returns SUSPENDED and wasm_resume() later supplies results. */
typedef wasm_status_t (*wasm_host_fn)(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                      wasm_value_t *results);

/* Create a host function of type `type` (copied). NULL on NOMEM or when the
 * type has more than WASM_MAX_HOST_RESULTS results. Free with wasm_func_free
 * after every instance importing it is freed. */
wasm_func_t *wasm_func_new_host(const wasm_functype_t *type, wasm_host_fn fn, void *user);
void wasm_func_free(wasm_func_t *f);
/* The user pointer a host function was created with (NULL for wasm ones). */
void *wasm_func_user_data(const wasm_func_t *f);
/* Type of any function (host or wasm). */
const wasm_functype_t *wasm_func_type(const wasm_func_t *f);

/* Host-owned memory, table and global, e.g. for the spec's `spectest`.
 * wasm_memory_new: `min_pages` zero pages, growable to `max_pages` when
 * `has_max`, else to 65536; NULL when the limits are invalid or on NOMEM.
 * Free with wasm_memory_free after every instance importing it is freed.
 * (memory.c) */
wasm_memory_t *wasm_memory_new(uint32_t min_pages, uint32_t max_pages, bool has_max);
void wasm_memory_free(wasm_memory_t *m);
wasm_table_t *wasm_table_new(uint8_t elemtype, uint32_t min, uint32_t max, bool has_max);
void wasm_table_free(wasm_table_t *t);
wasm_global_t *wasm_global_new(uint8_t valtype, bool mutable_, wasm_value_t value);
void wasm_global_free(wasm_global_t *g);
wasm_value_t wasm_global_value(const wasm_global_t *g);
void wasm_global_set_value(wasm_global_t *g, wasm_value_t v);

/* Set the trap message a host callback reports; returns WASM_STATUS_TRAP. */
wasm_status_t wasm_host_trap(wasm_instance_t *inst, const char *message);

/* ---- instances (instance.c) ---- */

/* Per-instance resource limits. */
typedef struct wasm_limits {
    uint32_t max_memory_pages; /* linear memory may never exceed this */
    uint32_t max_call_depth;   /* nested wasm calls before "call stack exhausted" */
    uint32_t max_stack_slots;  /* value stack (8-byte slots) incl. locals */
    uint32_t max_table_elems;  /* elements of a table the instance defines (initial size
                                  and growth, 8 bytes each); 0: WASM_MAX_TABLE_ELEMS */
} wasm_limits_t;

/* The defaults from wasm_config.h. */
void wasm_limits_default(wasm_limits_t *l);

/* Allocate an instance of `m`: bind `imports` (nimports externs in the
 * module's import order, checked against the import types), create the
 * module's own functions, tables, memory and globals (globals initialised).
 * No segment is applied and no code runs yet: call wasm_instance_initialize.
 * `limits` may be NULL for the defaults. Returns NULL with `err` set
 * (UNLINKABLE, ARGS, LIMIT, NOMEM). Spec 4.5.4 steps 1-13. */
wasm_instance_t *wasm_instance_new(const wasm_module_t *m, const wasm_extern_t *imports,
                                   uint32_t nimports, const wasm_limits_t *limits,
                                   wasm_error_t *err);

/* Apply the element and data segments, then run the start function if any.
 * Returns OK, TRAP (a segment out of bounds or a trap in start: the instance
 * stays allocated and must still be freed; effects on imported tables and
 * memories persist, as the spec says), OUT_OF_FUEL or SUSPENDED (continue
 * with wasm_resume). Spec 4.5.4 steps 14-16. */
wasm_status_t wasm_instance_initialize(wasm_instance_t *inst);

/* Free an instance. Objects it exported and others imported must no longer
 * be used (the caller orders frees). */
void wasm_instance_free(wasm_instance_t *inst);

/* The module an instance was made from. */
const wasm_module_t *wasm_instance_module(const wasm_instance_t *inst);

/* Look up export `name`; false when there is none. */
bool wasm_instance_export(const wasm_instance_t *inst, const char *name, wasm_extern_t *out);
/* Same for a name of `len` bytes that may contain NUL (spec names may). */
bool wasm_instance_export_n(const wasm_instance_t *inst, const char *name, size_t len,
                            wasm_extern_t *out);

/* Function `index` of the instance's function index space (imports first);
 * NULL when out of range. */
wasm_func_t *wasm_instance_func(const wasm_instance_t *inst, uint32_t index);

/* User pointer for host callbacks (e.g. the owning actor). */
void wasm_instance_set_user(wasm_instance_t *inst, void *user);
void *wasm_instance_user(const wasm_instance_t *inst);

/* ---- execution (interp.c, instance.c) ---- */

/* Unlimited fuel. */
#define WASM_FUEL_UNLIMITED INT64_MAX

/* Set the fuel budget for the next call/resume. Fuel counts IR instructions
 * approximately: each function entry and each loop iteration charges the
 * instruction count of its straight-line body. Bulk instructions are
 * charged by length (one unit per WASM_FUEL_BULK_BYTES bytes or per table
 * element, WASM_FUEL_PER_PAGE per page grown) and a fill/copy/init longer
 * than the budget is split across resumes (DESIGN.md "Fuel"). Default:
 * unlimited. */
void wasm_instance_set_fuel(wasm_instance_t *inst, int64_t fuel);
/* Fuel left (may be slightly negative after the last charge). */
int64_t wasm_instance_fuel(const wasm_instance_t *inst);

/* Call `f` (any function; usually an export of `inst`) on `inst`'s stack with
 * nargs arguments; on OK the nresults results are written. The counts must
 * match the type (else ERROR/ARGS). Returns OK, TRAP, OUT_OF_FUEL, SUSPENDED
 * or ERROR (BUSY when an execution is pending). */
wasm_status_t wasm_call(wasm_instance_t *inst, wasm_func_t *f, const wasm_value_t *args,
                        uint32_t nargs, wasm_value_t *results, uint32_t nresults);

/* wasm_call on the function exported as `name` (ERROR/NOT_FOUND if none). */
wasm_status_t wasm_call_export(wasm_instance_t *inst, const char *name, const wasm_value_t *args,
                               uint32_t nargs, wasm_value_t *results, uint32_t nresults);

/* Continue a SUSPENDED or OUT_OF_FUEL execution. After SUSPENDED pass the
 * suspended host call's results (`host_results`, its nresults); after
 * OUT_OF_FUEL pass NULL, 0. `results` receives the original call's results
 * on OK. Returns like wasm_call; ERROR/STATE when nothing is pending. */
wasm_status_t wasm_resume(wasm_instance_t *inst, const wasm_value_t *host_results,
                          uint32_t nhost_results, wasm_value_t *results, uint32_t nresults);

/* Drop a pending (suspended / out-of-fuel) execution; the instance is then
 * ready for a fresh call. Memory and globals keep what was written. */
void wasm_instance_abort(wasm_instance_t *inst);

/* True while an execution is suspended or out of fuel. */
bool wasm_instance_pending(const wasm_instance_t *inst);

/* Trap kinds (spec 4.4 names them by message). */
typedef enum wasm_trap_kind {
    WASM_TRAP_NONE = 0,
    WASM_TRAP_UNREACHABLE,
    WASM_TRAP_MEMORY_OOB,
    WASM_TRAP_TABLE_OOB,
    WASM_TRAP_DIV_ZERO,
    WASM_TRAP_INT_OVERFLOW,
    WASM_TRAP_INVALID_CONVERSION,
    WASM_TRAP_UNDEFINED_ELEMENT,
    WASM_TRAP_UNINITIALIZED_ELEMENT,
    WASM_TRAP_INDIRECT_TYPE,
    WASM_TRAP_STACK_EXHAUSTED,
    WASM_TRAP_HOST,
} wasm_trap_kind_t;

/* Spec wording of a trap kind ("integer divide by zero", ...). */
const char *wasm_trap_strerror(wasm_trap_kind_t kind);

/* Where and why the last call trapped. */
typedef struct wasm_trap_info {
    wasm_trap_kind_t kind;
    uint32_t func_index;   /* function index in its module */
    const char *func_name; /* from the `name` section, or NULL */
    uint32_t code_offset;  /* byte offset in the module of the instruction */
    char message[160];     /* "integer divide by zero in fac+0x2a" or host text */
} wasm_trap_info_t;

/* The last trap of `inst` (kind NONE if the last call did not trap). */
const wasm_trap_info_t *wasm_instance_trap(const wasm_instance_t *inst);

/* The last API error (for WASM_STATUS_ERROR). */
const wasm_error_t *wasm_instance_error(const wasm_instance_t *inst);

/* ---- memory and globals seen by the host (instance.c) ---- */

/* Base and size in bytes of the instance's memory 0 (NULL, 0 if none). The
 * base moves when memory grows: do not keep it across calls. */
uint8_t *wasm_memory_data(wasm_instance_t *inst, size_t *size);
/* Bounds-checked copies; false when [offset, offset+n) is outside memory. */
bool wasm_memory_read(wasm_instance_t *inst, uint64_t offset, void *dst, size_t n);
bool wasm_memory_write(wasm_instance_t *inst, uint64_t offset, const void *src, size_t n);
/* Current size in pages of a memory object. */
uint32_t wasm_memory_pages(const wasm_memory_t *m);

/* Memory `index` of an instance's memory index space (imports first; an
 * imported memory is the exporter's object), or NULL when out of range. */
wasm_memory_t *wasm_instance_memory(wasm_instance_t *inst, uint32_t index);

/*
 * Grow memory `m` by `delta_pages` 64 KiB pages from the host, with the
 * rule of memory.grow (spec 4.4.7): the new pages read as zero, the bytes
 * already there are kept, and the size never exceeds the memory's effective
 * maximum -- its declared maximum (65536 pages without one), lowered for a
 * memory an instance defines to that instance's max_memory_pages
 * (wasm_limits_t). Wasm code sees the new size at once (memory.size, and
 * bounds) even in a suspended execution. `*old_pages` (may be NULL)
 * receives the size before the call, also on failure.
 * Returns WASM_OK (also for delta 0), WASM_ERR_LIMIT when the result would
 * exceed the maximum, WASM_ERR_NOMEM when no memory backs the new pages (in
 * both cases nothing changed), WASM_ERR_ARGS when `m` is NULL. The base
 * returned by wasm_memory_data may move. Not to be called from another
 * thread while an instance using `m` runs. (memory.c)
 */
wasm_err_t wasm_memory_grow(wasm_memory_t *m, uint32_t delta_pages, uint32_t *old_pages);

/* Read / write exported global `name`; false when there is none, or (set)
 * when it is immutable. */
bool wasm_global_get(const wasm_instance_t *inst, const char *name, wasm_value_t *out);
bool wasm_global_set(wasm_instance_t *inst, const char *name, wasm_value_t v);

/* Size of a table, and element `i` (false when out of range). */
uint32_t wasm_table_size(const wasm_table_t *t);
bool wasm_table_get(const wasm_table_t *t, uint32_t i, wasm_value_t *out);

#endif
