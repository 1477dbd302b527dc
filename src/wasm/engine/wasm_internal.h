/*
 * wasm_internal.h -- data structures shared by the engine's stages.
 *
 * The decoder fills a wasm_module_t, the compiler turns each function body
 * into IR (the op list below; see DESIGN.md), instance.c builds instances and
 * interp.c runs the IR. Nothing outside src/wasm/engine includes this file.
 */
#ifndef WASM_INTERNAL_H
#define WASM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wasm_engine.h"

#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_PAGES 65536u

/* IR operations. Each is one 32-bit word followed by its immediates. The
 * list is laid out by hand: clang-format cannot lay out an X-macro list.
 * S3_* are the slot-addressed ops (DESIGN.md): S3_<op> dst a b sp and
 * S3_<load> dst addr offset sp, with S3_I32_ADD .. S3_I32_LOAD16_U in one
 * range (compile.c relies on it), then S3_<cmp>_BR_IF a b sp target, then
 * S3_<store> addr value offset sp (outside that range: no result). */
// clang-format off
#define WASM_IR_OPS(X)                                                                         \
    X(UNREACHABLE) X(BR) X(BR_IF) X(BR_UNLESS) X(BR_MOVE) X(BR_IF_MOVE) X(BR_TABLE) X(RETURN) \
    X(CALL) X(CALL_INDIRECT) X(FUEL) X(DROP) X(SELECT) X(LOCAL_GET) X(LOCAL_SET)              \
    X(LOCAL_TEE) X(GLOBAL_GET) X(GLOBAL_SET) X(TABLE_GET) X(TABLE_SET)                         \
    X(I32_LOAD) X(I64_LOAD) X(F32_LOAD) X(F64_LOAD) X(I32_LOAD8_S) X(I32_LOAD8_U)              \
    X(I32_LOAD16_S) X(I32_LOAD16_U) X(I64_LOAD8_S) X(I64_LOAD8_U) X(I64_LOAD16_S)              \
    X(I64_LOAD16_U) X(I64_LOAD32_S) X(I64_LOAD32_U) X(I32_STORE) X(I64_STORE) X(F32_STORE)     \
    X(F64_STORE) X(I32_STORE8) X(I32_STORE16) X(I64_STORE8) X(I64_STORE16) X(I64_STORE32)      \
    X(MEMORY_SIZE) X(MEMORY_GROW) X(I32_CONST) X(I64_CONST) X(F32_CONST) X(F64_CONST)         \
    X(I32_EQZ) X(I32_EQ) X(I32_NE) X(I32_LT_S) X(I32_LT_U) X(I32_GT_S) X(I32_GT_U)             \
    X(I32_LE_S) X(I32_LE_U) X(I32_GE_S) X(I32_GE_U) X(I64_EQZ) X(I64_EQ) X(I64_NE)             \
    X(I64_LT_S) X(I64_LT_U) X(I64_GT_S) X(I64_GT_U) X(I64_LE_S) X(I64_LE_U) X(I64_GE_S)        \
    X(I64_GE_U) X(F32_EQ) X(F32_NE) X(F32_LT) X(F32_GT) X(F32_LE) X(F32_GE) X(F64_EQ)          \
    X(F64_NE) X(F64_LT) X(F64_GT) X(F64_LE) X(F64_GE) X(I32_CLZ) X(I32_CTZ) X(I32_POPCNT)     \
    X(I32_ADD) X(I32_SUB) X(I32_MUL) X(I32_DIV_S) X(I32_DIV_U) X(I32_REM_S) X(I32_REM_U)       \
    X(I32_AND) X(I32_OR) X(I32_XOR) X(I32_SHL) X(I32_SHR_S) X(I32_SHR_U) X(I32_ROTL)           \
    X(I32_ROTR) X(I64_CLZ) X(I64_CTZ) X(I64_POPCNT) X(I64_ADD) X(I64_SUB) X(I64_MUL)           \
    X(I64_DIV_S) X(I64_DIV_U) X(I64_REM_S) X(I64_REM_U) X(I64_AND) X(I64_OR) X(I64_XOR)        \
    X(I64_SHL) X(I64_SHR_S) X(I64_SHR_U) X(I64_ROTL) X(I64_ROTR) X(F32_ABS) X(F32_NEG)         \
    X(F32_CEIL) X(F32_FLOOR) X(F32_TRUNC) X(F32_NEAREST) X(F32_SQRT) X(F32_ADD) X(F32_SUB)     \
    X(F32_MUL) X(F32_DIV) X(F32_MIN) X(F32_MAX) X(F32_COPYSIGN) X(F64_ABS) X(F64_NEG)          \
    X(F64_CEIL) X(F64_FLOOR) X(F64_TRUNC) X(F64_NEAREST) X(F64_SQRT) X(F64_ADD) X(F64_SUB)     \
    X(F64_MUL) X(F64_DIV) X(F64_MIN) X(F64_MAX) X(F64_COPYSIGN) X(I32_WRAP_I64)                \
    X(I32_TRUNC_F32_S) X(I32_TRUNC_F32_U) X(I32_TRUNC_F64_S) X(I32_TRUNC_F64_U)                \
    X(I64_EXTEND_I32_S) X(I64_EXTEND_I32_U) X(I64_TRUNC_F32_S) X(I64_TRUNC_F32_U)              \
    X(I64_TRUNC_F64_S) X(I64_TRUNC_F64_U) X(F32_CONVERT_I32_S) X(F32_CONVERT_I32_U)            \
    X(F32_CONVERT_I64_S) X(F32_CONVERT_I64_U) X(F32_DEMOTE_F64) X(F64_CONVERT_I32_S)           \
    X(F64_CONVERT_I32_U) X(F64_CONVERT_I64_S) X(F64_CONVERT_I64_U) X(F64_PROMOTE_F32)          \
    X(I32_REINTERPRET_F32) X(I64_REINTERPRET_F64) X(F32_REINTERPRET_I32)                       \
    X(F64_REINTERPRET_I64) X(I32_EXTEND8_S) X(I32_EXTEND16_S) X(I64_EXTEND8_S)                 \
    X(I64_EXTEND16_S) X(I64_EXTEND32_S) X(REF_NULL) X(REF_IS_NULL) X(REF_FUNC)                 \
    X(I32_TRUNC_SAT_F32_S) X(I32_TRUNC_SAT_F32_U) X(I32_TRUNC_SAT_F64_S)                       \
    X(I32_TRUNC_SAT_F64_U) X(I64_TRUNC_SAT_F32_S) X(I64_TRUNC_SAT_F32_U)                       \
    X(I64_TRUNC_SAT_F64_S) X(I64_TRUNC_SAT_F64_U) X(MEMORY_INIT) X(DATA_DROP) X(MEMORY_COPY)   \
    X(MEMORY_FILL) X(TABLE_INIT) X(ELEM_DROP) X(TABLE_COPY) X(TABLE_GROW) X(TABLE_SIZE)        \
    X(TABLE_FILL) X(I32_EQ_BR_IF) X(I32_NE_BR_IF) X(I32_LT_S_BR_IF) X(I32_LT_U_BR_IF)          \
    X(I32_GT_S_BR_IF) X(I32_GT_U_BR_IF) X(I32_LE_S_BR_IF) X(I32_LE_U_BR_IF) X(I32_GE_S_BR_IF)  \
    X(I32_GE_U_BR_IF) X(I32_ADD_IMM) X(I32_AND_IMM) X(I32_OR_IMM) X(I32_XOR_IMM) X(I32_SHL_IMM)    \
    X(I32_SHR_S_IMM) X(I32_SHR_U_IMM) X(I32_MUL_IMM) X(LOCAL_GET_ADD_IMM) X(LOCAL_ADD_IMM_SET)   \
    X(LOCAL_GET2) X(LOCAL_I32_LOAD) X(I32_ADD_SET) X(I32_ADD_LOCAL) X(I32_SUB_LOCAL)            \
    X(I32_AND_LOCAL) X(I32_OR_LOCAL) X(I32_XOR_LOCAL) X(I32_MUL_LOCAL) X(F64_ADD_LOCAL)          \
    X(F64_SUB_LOCAL) X(F64_MUL_LOCAL) X(LOCAL_ADD_IMM_TEE) X(LOCAL2_I32_ADD) X(LOCAL_F64_LOAD)       \
    X(I32_ROTL_IMM) X(I32_ROTR_IMM) X(LOCAL_COPY) X(LOCAL_SET_GET) X(LOCAL_TEE_GET)            \
    X(LOCAL_BR_IF) X(I32_EQ_IMM) X(I32_NE_IMM) X(I32_LT_S_IMM) X(I32_LT_U_IMM) X(I32_GT_S_IMM)  \
    X(I32_GT_U_IMM) X(I32_LE_S_IMM) X(I32_LE_U_IMM) X(I32_GE_S_IMM) X(I32_GE_U_IMM)             \
    X(I32_EQ_IMM_BR_IF) X(I32_NE_IMM_BR_IF) X(I32_LT_S_IMM_BR_IF) X(I32_LT_U_IMM_BR_IF)         \
    X(I32_GT_S_IMM_BR_IF) X(I32_GT_U_IMM_BR_IF) X(I32_LE_S_IMM_BR_IF) X(I32_LE_U_IMM_BR_IF)     \
    X(I32_GE_S_IMM_BR_IF) X(I32_GE_U_IMM_BR_IF) X(LOCAL_I32_LOAD8_S) X(LOCAL_I32_LOAD8_U)       \
    X(LOCAL_I32_LOAD16_S) X(LOCAL_I32_LOAD16_U)                                                \
    X(LOCAL_AND_IMM) X(LOCAL_OR_IMM) X(LOCAL_XOR_IMM) X(LOCAL_SHL_IMM) X(LOCAL_SHR_S_IMM)      \
    X(LOCAL_SHR_U_IMM) X(LOCAL_MUL_IMM) X(LOCAL_ROTL_IMM) X(LOCAL_ROTR_IMM)                    \
    X(TEE_ADD_IMM) X(TEE_AND_IMM) X(TEE_OR_IMM) X(TEE_XOR_IMM) X(TEE_SHL_IMM)                  \
    X(TEE_SHR_S_IMM) X(TEE_SHR_U_IMM) X(TEE_MUL_IMM) X(TEE_ROTL_IMM) X(TEE_ROTR_IMM)           \
    X(LOCAL_EQ_IMM) X(LOCAL_NE_IMM) X(LOCAL_LT_S_IMM) X(LOCAL_LT_U_IMM) X(LOCAL_GT_S_IMM)      \
    X(LOCAL_GT_U_IMM) X(LOCAL_LE_S_IMM) X(LOCAL_LE_U_IMM) X(LOCAL_GE_S_IMM) X(LOCAL_GE_U_IMM)  \
    X(LOCAL_EQ_IMM_BR_IF) X(LOCAL_NE_IMM_BR_IF) X(LOCAL_LT_S_IMM_BR_IF)                        \
    X(LOCAL_LT_U_IMM_BR_IF) X(LOCAL_GT_S_IMM_BR_IF) X(LOCAL_GT_U_IMM_BR_IF)                    \
    X(LOCAL_LE_S_IMM_BR_IF) X(LOCAL_LE_U_IMM_BR_IF) X(LOCAL_GE_S_IMM_BR_IF)                    \
    X(LOCAL_GE_U_IMM_BR_IF)                                                                    \
    X(ADD_IMM_I32_LOAD8_S) X(ADD_IMM_I32_LOAD8_U) X(ADD_IMM_I32_LOAD16_S)                      \
    X(ADD_IMM_I32_LOAD16_U) X(ADD_IMM_I32_LOAD) X(ADD_IMM_F64_LOAD)                            \
    X(LOCAL_ADD_IMM_I32_LOAD8_S) X(LOCAL_ADD_IMM_I32_LOAD8_U) X(LOCAL_ADD_IMM_I32_LOAD16_S)    \
    X(LOCAL_ADD_IMM_I32_LOAD16_U) X(LOCAL_ADD_IMM_I32_LOAD) X(LOCAL_ADD_IMM_F64_LOAD)          \
    X(LOCAL_SET_GET2) X(LOCAL_COPY2) X(I32_ADD_IMM_SET) X(I32_ADD_IMM_TEE)                     \
    X(LOCAL2_I32_SUB) X(LOCAL2_I32_AND) X(LOCAL2_I32_OR) X(LOCAL2_I32_XOR) X(LOCAL2_I32_MUL)   \
    X(LOCAL2_F64_ADD) X(LOCAL2_F64_SUB) X(LOCAL2_F64_MUL)                                     \
    X(S3_I32_ADD) X(S3_I32_SUB) X(S3_I32_MUL) X(S3_I32_AND) X(S3_I32_OR) X(S3_I32_XOR)         \
    X(S3_I32_SHL) X(S3_I32_SHR_S) X(S3_I32_SHR_U)                                              \
    X(S3_I32_EQ) X(S3_I32_NE) X(S3_I32_LT_S) X(S3_I32_LT_U) X(S3_I32_GT_S) X(S3_I32_GT_U)      \
    X(S3_I32_LE_S) X(S3_I32_LE_U) X(S3_I32_GE_S) X(S3_I32_GE_U)                                \
    X(S3_F64_ADD) X(S3_F64_SUB) X(S3_F64_MUL) X(S3_F64_DIV)                                    \
    X(S3_I32_ROTL) X(S3_I32_ROTR)                                                              \
    X(S3_I64_ADD) X(S3_I64_SUB) X(S3_I64_MUL) X(S3_I64_AND) X(S3_I64_OR) X(S3_I64_XOR)         \
    X(S3_I64_SHL) X(S3_I64_SHR_S) X(S3_I64_SHR_U) X(S3_I64_ROTL) X(S3_I64_ROTR)                \
    X(S3_I64_EQ) X(S3_I64_NE) X(S3_I64_LT_S) X(S3_I64_LT_U) X(S3_I64_GT_S) X(S3_I64_GT_U)      \
    X(S3_I64_LE_S) X(S3_I64_LE_U) X(S3_I64_GE_S) X(S3_I64_GE_U)                                \
    X(S3_I32_LOAD) X(S3_F64_LOAD) X(S3_I32_LOAD8_S) X(S3_I32_LOAD8_U) X(S3_I32_LOAD16_S)       \
    X(S3_I32_LOAD16_U)                                                                         \
    X(S3_I32_EQ_BR_IF) X(S3_I32_NE_BR_IF) X(S3_I32_LT_S_BR_IF) X(S3_I32_LT_U_BR_IF)            \
    X(S3_I32_GT_S_BR_IF) X(S3_I32_GT_U_BR_IF) X(S3_I32_LE_S_BR_IF) X(S3_I32_LE_U_BR_IF)        \
    X(S3_I32_GE_S_BR_IF) X(S3_I32_GE_U_BR_IF) X(LOCAL_BR_UNLESS)                  \
    X(S3_I32_STORE) X(S3_I64_STORE) X(S3_F64_STORE) X(S3_I32_STORE8) X(S3_I32_STORE16)         \
    X(LOCAL_SHL_IMM_XOR) X(LOCAL_SHR_U_IMM_XOR) X(LOCAL_ROTL_IMM_XOR) X(LOCAL_ROTR_IMM_XOR)     \
    X(I32_SHR_U_AND_IMM) X(I32_XOR_ADD) X(I32_AND_IMM_SELECT) X(I32_LT_S_IMM_SELECT)         \
    X(LOCAL_GET_LOCAL_ADD_IMM_TEE) X(LOCAL_ADD_IMM_TEE_NE_BR_IF)                               \
    X(LOCAL_ADD_IMM_TEE_NE_IMM_BR_IF) X(TEE_NE_IMM_BR_IF) X(LOCAL_COPY_BR) X(LOCAL_SET_BR)     \
    X(LOCAL2_AND_IMM_SELECT) X(LOCAL3_F64_MUL) X(F64_ADD_STORE) X(F64_SUB_STORE)               \
    X(LOCAL_GET_LOCAL_F64_LOAD)                                                                \
    X(I32_STORE_IMM) X(I32_STORE8_IMM) X(I32_STORE16_IMM) X(I64_STORE_IMM)                     \
    X(LOCAL_I32_STORE_IMM) X(LOCAL_I32_STORE8_IMM) X(LOCAL_I32_STORE16_IMM)                    \
    X(LOCAL_I64_STORE_IMM) X(LOCAL_ADD_IMM_I32_STORE_IMM) X(LOCAL_ADD_IMM_I32_STORE8_IMM)      \
    X(LOCAL_ADD_IMM_I32_STORE16_IMM) X(LOCAL_ADD_IMM_I64_STORE_IMM) X(LOCAL_BR_TABLE)      \
    X(LOCAL_SET_IMM) X(LOCAL_SET_IMM64) X(I32_CONST2) X(LOCAL_ADD_IMM_TEE_SET)   \
    X(LOCAL_COPY3_BR) X(F64_ADD_IMM) X(F64_SUB_IMM) X(F64_MUL_IMM) X(F64_DIV_IMM)              \
    X(LOCAL2_ADD_I32_LOAD8_S) X(LOCAL2_ADD_I32_LOAD8_U) X(LOCAL2_ADD_I32_LOAD16_S)             \
    X(LOCAL2_ADD_I32_LOAD16_U) X(LOCAL2_ADD_I32_LOAD) X(LOCAL2_ADD_F64_LOAD)

// clang-format on

#define WASM_IR_ENUM(name) WASM_OP_##name,
enum wasm_ir_op { WASM_IR_OPS(WASM_IR_ENUM) WASM_OP_COUNT };
#undef WASM_IR_ENUM

/* Constant expression (spec 3.3.10): a single instruction in wasm 2.0. */
typedef struct wasm_const_expr {
    uint8_t op; /* wasm opcode: 0x41 i32.const ... 0xD0 ref.null, 0xD2 ref.func, 0x23 global.get */
    wasm_value_t value; /* the constant, or the index for global.get / ref.func */
} wasm_const_expr_t;

/* A compiled function body. */
typedef struct wasm_code {
    uint32_t type_index;  /* into module types */
    uint32_t nlocals;     /* declared locals, params excluded */
    uint32_t frame_slots; /* params + locals + max operand height */
    uint32_t *ir;         /* the IR words */
    uint32_t ir_len;      /* words */
    uint32_t *pc_map;     /* pairs (IR word index, module byte offset) */
    uint32_t pc_map_len;  /* pairs */
    uint32_t body_offset; /* module byte offset of the body */
    /* jit_x64.c: per IR word, the offset in jit_code of the machine code
     * that continues there (a label: loop header, branch target, the op
     * after a call, the entry), -1 elsewhere; NULL without machine code */
    int32_t *jit_at;
    const uint8_t *jit_code;    /* the module's machine code (its entry sequence first) */
    struct wasm_module *module; /* the module this body belongs to */
    uint8_t jit_pending;        /* plain IR, machine code not made yet (wasm_jit_tick) */
} wasm_code_t;

typedef struct wasm_import {
    char *module;   /* module name */
    char *name;     /* field name */
    uint8_t kind;   /* wasm_extern_kind_t */
    uint32_t index; /* FUNC: type index; others: index in module tables/mems/globals */
} wasm_import_t;

typedef struct wasm_export {
    char *name;
    uint32_t name_len; /* bytes; names may contain NUL */
    uint8_t kind;
    uint32_t index;
} wasm_export_t;

typedef struct wasm_table_type {
    uint8_t elemtype;
    wasm_limits_desc_t limits;
} wasm_table_type_t;

typedef struct wasm_global_type {
    uint8_t valtype;
    bool mutable_;
    wasm_const_expr_t init; /* unused for imports */
} wasm_global_type_t;

enum { WASM_SEG_ACTIVE, WASM_SEG_PASSIVE, WASM_SEG_DECLARATIVE };

typedef struct wasm_elem {
    uint8_t mode; /* WASM_SEG_* */
    uint8_t elemtype;
    uint32_t table;
    wasm_const_expr_t offset;
    uint32_t count;
    wasm_const_expr_t *items; /* count init expressions */
} wasm_elem_t;

typedef struct wasm_data {
    uint8_t mode;
    uint32_t memory;
    wasm_const_expr_t offset;
    uint32_t len;
    const uint8_t *bytes; /* into the module's copy of the binary */
} wasm_data_t;

struct wasm_module {
    uint8_t *bytes; /* owned copy of the binary */
    size_t len;
    uint32_t ntypes;
    wasm_functype_t *types;
    uint32_t *type_canon; /* first structurally equal type index */
    uint32_t nimports;
    wasm_import_t *imports;
    uint32_t nfuncs, nfunc_imports;
    uint32_t *func_types; /* type index per function */
    wasm_code_t *codes;   /* nfuncs - nfunc_imports bodies */
    bool plain_ir;        /* compiled without fusions, for the JIT */
    void *jit_mem;        /* machine code of all bodies (mmap, read + execute) */
    size_t jit_size;
    /* tier-up (jit_x64.c): interpreter ticks so far, and 0 none yet, 1 being
     * made, 2 made, 3 failed; atomic: instances on several threads share
     * the module (the machine code is a cache on a read-only module) */
    uint32_t jit_ticks;
    int jit_state;
    struct wasm_module *jit_next; /* in the background worker's queue */
    uint32_t ntables, ntable_imports;
    wasm_table_type_t *tables;
    uint32_t nmems, nmem_imports;
    wasm_limits_desc_t *mems;
    uint32_t nglobals, nglobal_imports;
    wasm_global_type_t *globals;
    uint32_t nexports;
    wasm_export_t *exports;
    bool has_start;
    uint32_t start;
    uint32_t nelems;
    wasm_elem_t *elems;
    bool has_datacount;
    bool has_data_section;    /* decode-time: a data section follows (decode.c) */
    bool code_count_mismatch; /* decode-time: code section count != functions */
    uint32_t ndatas;
    wasm_data_t *datas;
    uint8_t *declared_funcs; /* bitmap: function referenced outside code (C.refs) */
    char **func_names;       /* nfuncs names from the name section, or NULL */
};

typedef enum wasm_func_kind { WASM_FUNC_WASM, WASM_FUNC_HOST } wasm_func_kind_t;

struct wasm_func {
    wasm_func_kind_t kind;
    const wasm_functype_t *type;
    wasm_instance_t *inst;    /* WASM: owning instance */
    const wasm_code_t *code;  /* WASM: compiled body */
    uint32_t index;           /* WASM: index in its module */
    wasm_host_fn host;        /* HOST: callback */
    void *user;               /* HOST: callback data */
    wasm_functype_t own_type; /* HOST: copy of the type (types follow the struct) */
};

struct wasm_table {
    uint8_t elemtype;
    uint32_t size;
    uint32_t max; /* effective maximum (declared or engine limit) */
    bool has_max;
    wasm_limits_desc_t declared; /* as declared, for import matching */
    uintptr_t *elems;
};

struct wasm_memory {
    uint8_t *data;               /* base; NULL while size and reserved are 0 */
    uint64_t size;               /* bytes in use: pages * 64 KiB; every access is checked */
    size_t reserved;             /* bytes backed at data (>= size): mapped or allocated */
    uint32_t pages;              /* current size in pages */
    uint32_t max_pages;          /* effective maximum: declared max, engine and instance limits */
    wasm_limits_desc_t declared; /* as declared, for import matching */
};

struct wasm_global {
    uint8_t valtype;
    bool mutable_;
    wasm_value_t value;
};

/* A call frame on the execution's frame stack. */
typedef struct wasm_frame {
    const uint32_t *pc; /* where to continue in the caller */
    uint32_t fp;        /* caller frame base, slots from stack start */
    wasm_func_t *fn;    /* caller function (NULL: return to host) */
} wasm_frame_t;

enum { WASM_EXEC_IDLE, WASM_EXEC_RUNNING, WASM_EXEC_SUSPENDED, WASM_EXEC_OUT_OF_FUEL };

/* The state of an execution: all of it lives here, not on the C stack. */
typedef struct wasm_exec {
    wasm_value_t *stack; /* value stack */
    uint32_t stack_cap;  /* slots allocated */
    wasm_frame_t *frames;
    uint32_t frame_cap;
    uint32_t depth;           /* frames in use */
    int state;                /* WASM_EXEC_* */
    const uint32_t *pc;       /* saved position when not running */
    uint32_t sp, fp;          /* saved, slots from stack start */
    wasm_func_t *fn;          /* function executing at pc */
    wasm_func_t *entry;       /* function the host called */
    uint32_t pending_results; /* results the suspended host call owes */
    int64_t fuel;
    bool stack_oom; /* the last stack growth was refused by the allocator (not a limit):
                       the "call stack exhausted" trap then says which pool was full */
} wasm_exec_t;

struct wasm_instance {
    const wasm_module_t *module;
    wasm_func_t **funcs; /* function index space */
    wasm_table_t **tables;
    wasm_memory_t **mems;
    wasm_global_t **globals;
    wasm_func_t *own_funcs; /* the module's own functions */
    wasm_table_t *own_tables;
    wasm_memory_t *own_mems;
    wasm_global_t *own_globals;
    uint8_t *elem_dropped; /* per element segment */
    uint8_t *data_dropped; /* per data segment */
    wasm_limits_t limits;
    wasm_exec_t exec;
    wasm_trap_info_t trap;
    wasm_error_t error;
    void *user;
};

/* interp.c: run the execution of `inst` from its saved state until it
 * finishes (OK), traps, runs out of fuel or suspends. */
wasm_status_t wasm_interp_run(wasm_instance_t *inst);

/* Direct threading: with computed goto (and not counting ops for
 * WASM_IR_PROFILE), each op word of the compiled IR holds its handler's
 * address as a byte offset from the interpreter's first handler, so a
 * dispatch is one load and an add instead of two dependent loads. */
#if WASM_USE_COMPUTED_GOTO && !WASM_IR_PROFILE
#define WASM_DIRECT_THREADED 1
#else
#define WASM_DIRECT_THREADED 0
#endif

/* interp.c: the op word that stands for IR op `op` in compiled code: `op`
 * itself, or its handler offset when WASM_DIRECT_THREADED. */
uint32_t wasm_interp_op_word(uint32_t op);

/* ---- jit_x64.c (DESIGN.md "The JIT") ---- */

/* What machine code and the interpreter hand each other: the operand stack
 * top, the frame, linear memory and fuel (offsets fixed: the code reads
 * them by offset). */
typedef struct wasm_jit_state {
    wasm_value_t *sp;
    wasm_value_t *fp;
    uint8_t *mem;
    uint64_t memsize;
    int64_t fuel;
    wasm_global_t **globals;
    /* for calls made in machine code (the frames it pushes are the
     * interpreter's, so it can take over below any of them) */
    wasm_exec_t *ex;
    wasm_func_t **funcs;
    const wasm_value_t *stack_end; /* ex->stack + ex->stack_cap */
    uint64_t max_depth;            /* frames: the lower of the limit and frame_cap */
    uintptr_t entry_rsp;           /* the machine stack at entry (set by the code) */
    wasm_func_t *fn;               /* the function running (calls in machine code change it) */
    wasm_table_t **tables;
} wasm_jit_state_t;

/* Compile every body of `m` (compiled with plain_ir) to machine code.
 * False when it could not (out of memory, no executable mapping, more than
 * WASM_JIT_MAX_CODE bytes): wasm_module_compile() then compiles the module
 * again for the interpreter alone. */
bool wasm_jit_module(wasm_module_t *m);

/* The cap on one module's machine code, bytes: WASM_JIT_MAX_CODE (tests
 * lower it to reach the fallback). */
extern size_t wasm_jit_max_code;

/* Interpreter ticks (calls, returns, loop back-edges) of a module before
 * its machine code is made; 0: made by wasm_module_compile(). From
 * MK_WASM_JIT_HOT in the environment, else WASM_JIT_HOT; process-wide,
 * read at each compile and each tick (tests and benchmarks set it). */
uint32_t wasm_jit_hot(void);
void wasm_jit_set_hot(uint32_t ticks);

/* Count one tick of code `c` (jit_pending); at the threshold, have the
 * module's machine code made -- by the background worker (jit_x64.c; the
 * caller goes on interpreting), or, with the background off or no thread
 * to be had, by the caller itself (other threads go on interpreting).
 * Returns c->jit_at once the code exists, else NULL. */
const int32_t *wasm_jit_tick(const wasm_code_t *c);

/* Tier-up in a background thread (the default) or on the thread that
 * reaches the count; process-wide; returns the previous setting. Tests
 * that check when the code appears turn it off. */
bool wasm_jit_set_background(bool on);

/* Wait until the machine code of `m` queued for the background worker is
 * made (or has failed); with `cancel`, one still queued is dropped
 * instead (jit_state 3). Returns at once when none is queued or being
 * made. wasm_module_free() calls it with `cancel` before freeing
 * anything the worker reads. */
void wasm_jit_wait(wasm_module_t *m, bool cancel);

/* Release the machine code of `m` (wasm_module_free). */
void wasm_jit_free(wasm_module_t *m);

/* Run machine code at `code` (a label of jit_at) from `st` until it hands
 * the execution back; returns the IR address of the op the interpreter
 * runs next, in st->fn (which calls made in machine code may have changed,
 * with frames pushed), with st->sp, st->fp and st->fuel updated. */
static inline const uint32_t *wasm_jit_run(const uint8_t *base, const uint8_t *code,
                                           wasm_jit_state_t *st)
{
    const uint32_t *(*enter)(wasm_jit_state_t *, const void *);
    memcpy(&enter, &base, sizeof enter); /* the entry sequence is at the start */
    return enter(st, code);
}

/* interp.c: record a trap of `kind` at IR position `pc` of `fn`. */
void wasm_interp_set_trap(wasm_instance_t *inst, wasm_trap_kind_t kind, const wasm_func_t *fn,
                          const uint32_t *pc);

/* validate.c: structural equality of function types. */
bool wasm_functype_equal(const wasm_functype_t *a, const wasm_functype_t *b);
/* memory.c: memory.grow -- the old size in pages, or -1 (spec 4.4.7, memory.grow:
 * over the effective maximum, or no memory to back the pages). */
int32_t wasm_memory_grow_pages(wasm_memory_t *m, uint32_t delta);
/* objects.c: table.grow -- the old size, or -1. */
int32_t wasm_table_grow_elems(wasm_table_t *t, uint32_t delta, uintptr_t init);
/* memory.c: set up a memory object in place with `min` zero pages and
 * growth up to `max_effective` pages; false on NOMEM (nothing to release).
 * wasm_memory_release frees the backing of an object set up this way. */
bool wasm_memory_init_object(wasm_memory_t *m, uint32_t min, uint32_t max_effective,
                             wasm_limits_desc_t declared);
void wasm_memory_release(wasm_memory_t *m);
/* objects.c: set up a table object in place; false on NOMEM. */
bool wasm_table_init_object(wasm_table_t *t, uint8_t elemtype, wasm_limits_desc_t declared,
                            uint32_t max_effective);
/* instance.c: value of a reference constant expression in `inst`. */
uintptr_t wasm_instance_eval_ref(wasm_instance_t *inst, const wasm_const_expr_t *e);
/* call.c: grow the value stack to at least `need` slots / the frame stack;
 * false when the instance's limit forbids it. */
bool wasm_exec_grow_stack(wasm_instance_t *inst, uint32_t need);
bool wasm_exec_grow_frames(wasm_instance_t *inst);

#endif
