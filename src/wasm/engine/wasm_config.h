/*
 * wasm_config.h -- compile-time limits and switches of the WebAssembly engine.
 *
 * Every limit is a macro that a build may override (-DWASM_MAX_...=n). The
 * decoder and validator reject modules beyond the static limits with
 * WASM_ERR_LIMIT; the per-instance defaults are what wasm_limits_default()
 * hands out and a caller may lower or raise them per instance.
 */
#ifndef WASM_CONFIG_H
#define WASM_CONFIG_H

#include <stdint.h>

/* 1: the interpreter counts every IR instruction it dispatches in the
 * global wasm_ir_profile_ops (not thread-safe; for measuring interpreter
 * changes with bench/wasm, where time on a shared machine is noisy). */
#ifndef WASM_IR_PROFILE
#define WASM_IR_PROFILE 0
#endif

/* Largest module accepted by wasm_module_compile(), in bytes. */
#ifndef WASM_MAX_MODULE_SIZE
#define WASM_MAX_MODULE_SIZE (256u * 1024u * 1024u)
#endif

/* Static limits on module structure (spec "implementation limits"). */
#ifndef WASM_MAX_TYPES
#define WASM_MAX_TYPES 1000000u
#endif
#ifndef WASM_MAX_FUNCS
#define WASM_MAX_FUNCS 1000000u
#endif
#ifndef WASM_MAX_PARAMS
#define WASM_MAX_PARAMS 1000u
#endif
#ifndef WASM_MAX_LOCALS
#define WASM_MAX_LOCALS 50000u
#endif
#ifndef WASM_MAX_TABLES
#define WASM_MAX_TABLES 100000u
#endif
#ifndef WASM_MAX_GLOBALS
#define WASM_MAX_GLOBALS 1000000u
#endif
#ifndef WASM_MAX_SEGMENTS
#define WASM_MAX_SEGMENTS 100000u
#endif
#ifndef WASM_MAX_IMPORTS
#define WASM_MAX_IMPORTS 100000u
#endif
#ifndef WASM_MAX_EXPORTS
#define WASM_MAX_EXPORTS 100000u
#endif
#ifndef WASM_MAX_BRTABLE
#define WASM_MAX_BRTABLE 1000000u
#endif
/* Deepest nesting of blocks inside one function body. */
#ifndef WASM_MAX_BLOCK_DEPTH
#define WASM_MAX_BLOCK_DEPTH 10000u
#endif
/* Largest operand-stack height of one function (slots). */
#ifndef WASM_MAX_FUNC_STACK
#define WASM_MAX_FUNC_STACK 100000u
#endif
/* Most results a host function may produce. */
#ifndef WASM_MAX_HOST_RESULTS
#define WASM_MAX_HOST_RESULTS 16u
#endif
/* Table size limit when a table declares no maximum (elements). */
#ifndef WASM_MAX_TABLE_ELEMS
#define WASM_MAX_TABLE_ELEMS (10u * 1024u * 1024u)
#endif

/* Per-instance defaults (wasm_limits_default). */
#ifndef WASM_DEFAULT_MAX_MEMORY_PAGES
#define WASM_DEFAULT_MAX_MEMORY_PAGES 16384u /* 1 GiB */
#endif
#ifndef WASM_DEFAULT_MAX_CALL_DEPTH
#define WASM_DEFAULT_MAX_CALL_DEPTH 10000u
#endif
#ifndef WASM_DEFAULT_VALUE_STACK
#define WASM_DEFAULT_VALUE_STACK (1024u * 1024u) /* slots of 8 bytes */
#endif
/* First allocation of an instance's value stack (grows on demand). */
#ifndef WASM_INITIAL_VALUE_STACK
#define WASM_INITIAL_VALUE_STACK 256u
#endif

/* Fuel of bulk instructions (DESIGN.md "Fuel"): memory.fill, memory.copy
 * and memory.init cost one unit per this many bytes, table.fill,
 * table.copy, table.init and table.grow one per element, memory.grow this
 * many per page it adds. A unit of plain code is about one IR instruction
 * (~1-3 ns); 64 bytes of memset/memmove cost about as much, so a slice of
 * fuel takes about as long whatever the code does. */
#ifndef WASM_FUEL_BULK_BYTES
#define WASM_FUEL_BULK_BYTES 64u
#endif
#ifndef WASM_FUEL_PER_PAGE
#define WASM_FUEL_PER_PAGE (65536u / WASM_FUEL_BULK_BYTES) /* 1024: zeroing a page */
#endif

/* Backing store of linear memory (memory.c). 1: mmap -- address space is
 * reserved and the kernel zero-fills each page on first touch, so a memory
 * costs nothing until it is used; 0: calloc/realloc, for hosts without
 * virtual memory (microcontrollers). Bounds are checked explicitly either
 * way; nothing relies on guard pages. */
#ifndef WASM_MEMORY_MMAP
#if defined(MK_BOUNDED) && MK_BOUNDED /* the arena holds them (docs/mcu.md) */
#define WASM_MEMORY_MMAP 0
#elif defined(__unix__) || defined(__APPLE__)
#define WASM_MEMORY_MMAP 1
#else
#define WASM_MEMORY_MMAP 0
#endif
#endif
/* mmap backend: pages of address space reserved per memory (at least its
 * current size, at most its effective maximum), so growth up to here is
 * only bookkeeping; past it the reservation doubles (mremap on Linux, map
 * and copy elsewhere). Set 0 to reserve only what is in use, e.g. under
 * strict overcommit (vm.overcommit_memory=2), where reservations count. */
#ifndef WASM_MEMORY_RESERVE_PAGES
#if UINTPTR_MAX > 0xFFFFFFFFu
#define WASM_MEMORY_RESERVE_PAGES 256u /* 16 MiB */
#else
#define WASM_MEMORY_RESERVE_PAGES 16u /* 1 MiB: 32-bit address space is scarce */
#endif
#endif

/* Dispatch: computed goto where the compiler has it, a switch otherwise. */
#ifndef WASM_USE_COMPUTED_GOTO
#if defined(__GNUC__) || defined(__clang__)
#define WASM_USE_COMPUTED_GOTO 1
#else
#define WASM_USE_COMPUTED_GOTO 0
#endif
#endif

/* 1: modules are compiled to x86-64 machine code as well (jit_x64.c), which
 * runs them and hands back to the interpreter at calls, traps and ops it
 * has no code for. Only on x86-64 Linux with GCC or clang, not in the
 * bounded (microcontroller) build and not in the profile build (which
 * counts the interpreter's ops). At run time,
 * MK_WASM_JIT=0 in the environment or wasm_jit_set(false) turns it off. */
#ifndef WASM_JIT
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__)) &&      \
    !WASM_IR_PROFILE && !(defined(MK_BOUNDED) && MK_BOUNDED)
#define WASM_JIT 1
#else
#define WASM_JIT 0
#endif
#endif

/* Interpreter ticks (wasm calls, returns and loop back-edges) a module runs
 * before the JIT makes its machine code: cold modules (most reloads, one-
 * shot commands) never pay for it. 0: at wasm_module_compile(). */
#ifndef WASM_JIT_HOT
#define WASM_JIT_HOT 1000u
#endif

/* Most machine code the JIT makes for one module, in bytes (typically 5-10
 * times the module's code section; a module needing more is compiled for
 * the interpreter alone). */
#ifndef WASM_JIT_MAX_CODE
#define WASM_JIT_MAX_CODE (64u * 1024u * 1024u)
#endif

#endif
