/*
 * wasm_decode.h -- interfaces between the decoding stages: decode.c reads
 * sections, validate.c checks module-level rules and constant expressions,
 * compile.c validates and compiles one function body to IR.
 */
#ifndef WASM_DECODE_H
#define WASM_DECODE_H

#include "leb128.h"
#include "wasm_internal.h"

/* decode.c: a value type (SIMD's v128 gives WASM_ERR_SIMD). */
bool wasm_decode_valtype(wasm_reader_t *r, uint8_t *out);
/* decode.c: limits (spec 5.3.7). */
bool wasm_decode_limits(wasm_reader_t *r, wasm_limits_desc_t *l);

/* validate.c: limits of a memory (<= 65536 pages, min <= max) and table. */
bool wasm_validate_memory_limits(wasm_reader_t *r, const wasm_limits_desc_t *l);
bool wasm_validate_table_limits(wasm_reader_t *r, const wasm_limits_desc_t *l);
/* validate.c: decode a constant expression of type `type` (spec 3.3.10). */
bool wasm_decode_const_expr(wasm_reader_t *r, wasm_module_t *m, uint8_t type,
                            wasm_const_expr_t *out);
/* validate.c: whether a one-byte opcode (or prefix 0xFC / 0xFD) exists in
 * WebAssembly 2.0 (spec 5.4); a constant expression with one that does not
 * is malformed ("illegal opcode"), with any other non-constant one invalid. */
bool wasm_opcode_exists(uint8_t op);
/* validate.c: one export's index and kind; then uniqueness of all names. */
bool wasm_validate_export(wasm_reader_t *r, wasm_module_t *m, const wasm_export_t *e);
bool wasm_validate_export_names(wasm_reader_t *r, const wasm_module_t *m);
/* validate.c: the start function exists and has type [] -> []. */
bool wasm_validate_start(wasm_reader_t *r, const wasm_module_t *m);
/* validate.c: an element segment's table and types. */
bool wasm_validate_elem(wasm_reader_t *r, const wasm_module_t *m, const wasm_elem_t *e);

/* compile.c: validate the body at r->p of function `func_index` (spec
 * 3.3) and compile it to IR into `code`, stopping after its final `end`
 * (r->p is left there; the caller checks it against the body's size). */
bool wasm_compile_function(wasm_reader_t *r, const wasm_module_t *m, uint32_t func_index,
                           wasm_code_t *code);

#endif
