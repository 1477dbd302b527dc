/* WAST script reader (issue 20 §4): a spec test script (.wast, the
 * WebAssembly spec's interpreter/README "Scripts" grammar) turned into the
 * command list wabt's wast2json would write, for the spec runner
 * (tests/wasm-spec) and the fuzzer. Not a public interface. */
#ifndef MK_WAST_H
#define MK_WAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WAST_MAX_TEXT     (64u * 1024u * 1024u) /* script text, bytes */
#define WAST_MAX_COMMANDS 100000u               /* commands in one script */
#define WAST_MAX_VALUES   64u                   /* arguments or results of one command */

typedef enum {
    WAST_MODULE,
    WAST_REGISTER,
    WAST_ACTION,
    WAST_ASSERT_RETURN,
    WAST_ASSERT_TRAP,
    WAST_ASSERT_EXHAUSTION,
    WAST_ASSERT_INVALID,
    WAST_ASSERT_MALFORMED,
    WAST_ASSERT_UNLINKABLE,
    WAST_ASSERT_UNINSTANTIABLE, /* (assert_trap (module ...) "text") */
} wast_kind_t;

typedef enum { WAST_NAN_NONE, WAST_NAN_CANONICAL, WAST_NAN_ARITHMETIC } wast_nan_t;

typedef struct {
    const char *type; /* static: "i32" "i64" "f32" "f64" "funcref" "externref" */
    uint64_t bits;    /* numbers: the bit pattern (f32/i32 in the low 32 bits);
                         externref: n of (ref.extern n) */
    wast_nan_t nan;   /* results only: nan:canonical / nan:arithmetic */
    bool null;        /* (ref.null func|extern) */
    bool any;         /* (ref.func) as a result: any non-null reference */
} wast_value_t;

typedef struct {
    wast_kind_t kind;
    unsigned line; /* of the command's '(' (1-based) */
    /* module: its $id (MODULE only; NULL if none); register: the $id of
     * the instance to register (NULL: the latest) */
    char *name;
    char *as; /* register: the name imports use */
    /* modules (MODULE and the module assertions): binary bytes, or, when
     * module_text, the module's text: a `module quote` or a text module
     * that wat_to_wasm rejected (the runner then rejects it itself) */
    unsigned char *module;
    size_t module_len;
    bool module_text;
    /* actions (ACTION, ASSERT_RETURN/TRAP/EXHAUSTION) */
    bool get;            /* (get ...) rather than (invoke ...) */
    char *action_module; /* $id or NULL for the latest module */
    unsigned char *field;
    size_t field_len; /* bytes, may contain NUL */
    wast_value_t *args, *results;
    size_t nargs, nresults;
    char *text; /* the expected failure message, or NULL */
} wast_cmd_t;

typedef struct {
    wast_cmd_t *cmds;
    size_t n;
} wast_script_t;

/* Read the script text[0..len) (UTF-8, no NUL needed; NUL bytes only in
 * comments and strings) into *out. Text modules are translated with
 * wat_to_wasm; `module binary` strings are concatenated; `module quote`
 * strings are kept as text. Commands, values and nesting are bounded by
 * WAST_MAX_TEXT / WAST_MAX_COMMANDS / WAST_MAX_VALUES and WAT_MAX_DEPTH.
 * True on success: free *out with wast_script_free. False on a malformed
 * script (an unknown command, a missing string, a bad constant, a limit),
 * with *out empty and err = "line:column: message" (1-based, column in
 * bytes), or "0:0: out of memory". Memory: the library's allocator, as wat_to_wasm. */
bool wast_parse(const char *text, size_t len, wast_script_t *out, char *err, size_t err_cap);
void wast_script_free(wast_script_t *s);

#endif
