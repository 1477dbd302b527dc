/* Internal interface of the spec-suite runner (tests/wasm-spec), shared by
 * its files and by nothing else:
 *   spec_runner.c   command line, per-file loop, summary (main)
 *   spec_convert.c  a .wast to the command list: wast2json or our WAST reader
 *   spec_commands.c one file's command list executed against the engine
 *   spec_expect.c   expected values and errors compared with what we got
 *   spectest.c      the `spectest` host module
 *   spec_pins.c     each file's pinned outcome (expected.txt) */
#ifndef MK_SPEC_RUNNER_H
#define MK_SPEC_RUNNER_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm_engine.h"

#define MAX_INSTANCES 512
#define MAX_VALUES    64

typedef struct named {
    char *name;
    wasm_instance_t *inst;
} named_t;

typedef struct spectest {
    wasm_func_t *print, *print_i32, *print_i64, *print_f32, *print_f64, *print_i32_f32,
        *print_f64_f64;
    wasm_global_t *g_i32, *g_i64, *g_f32, *g_f64;
    wasm_table_t *table;
    wasm_memory_t *memory;
} spectest_t;

typedef struct runner {
    const char *dir; /* where the file's .wasm files are */
    spectest_t st;
    wasm_module_t *modules[MAX_INSTANCES];
    wasm_instance_t *instances[MAX_INSTANCES];
    int nmodules, ninstances;
    named_t names[MAX_INSTANCES]; /* $name -> instance */
    int nnames;
    named_t registered[MAX_INSTANCES]; /* register "as" -> instance */
    int nregistered;
    wasm_instance_t *current;
    int passed, failed;
    int verbose;
    const char *file;
} runner_t;

extern int g_verbose;      /* -v: print each passing rejection (spec_runner.c) */
extern char g_nul_utf8[4]; /* UTF-8 of the character standing in for NUL in
                              names (spec_convert.c) */

/* ---- spec_convert.c ---- */

/* The whole file at `path`, malloc'd (caller frees), its length in *len;
 * NULL if it cannot be read or memory runs out. */
uint8_t *read_file(const char *path, size_t *len);

/* Run `tool` (wast2json) on `wast`, writing `json` and its modules beside
 * it; its output is discarded. Its exit status, -1 if it could not run. */
int run_wast2json(const char *tool, const char *wast, const char *json);

/* Read wast2json's output file `json` into a cJSON tree (caller deletes);
 * "\\u0000" in names becomes g_nul_utf8. NULL if unreadable or not JSON. */
cJSON *read_json(const char *json);

/* Read the .wast with wast_parse and build the JSON wast2json would have
 * written, modules written into `dir` as NAME.N.wasm (or .wat). Caller
 * deletes the tree. NULL with err (err_cap bytes) set on a malformed script
 * or a write error. */
cJSON *wast_commands(const char *wast, const char *dir, const char *name, char *err,
                     size_t err_cap);

/* ---- spec_commands.c ---- */

/* Execute one file's command list `root` (wast2json's JSON shape), modules
 * read from `dir`, failures reported as `name`:line; counts in *passed and
 * *failed. False only when out of memory. */
bool run_root(const char *name, const char *dir, const cJSON *root, int *passed, int *failed);

/* ---- spec_expect.c ---- */

/* A wast2json value {"type", "value"} into *out and its value type into
 * *type (numbers as bit patterns, externref n as n + 1, null as 0). False
 * for an unknown or missing type. */
bool parse_value(const cJSON *v, wasm_value_t *out, uint8_t *type);

/* Whether `got` is the expected value `exp`: bit-exact, or the NaN class
 * nan:canonical / nan:arithmetic, or any non-null funcref without a value. */
bool value_matches(const cJSON *exp, wasm_value_t got);

/* Whether a rejection (code, message) is for the spec's reason: the error
 * class of assertion `type` and the spec's `text` inside the message. */
bool error_matches(const char *type, const char *text, wasm_err_t code, const char *message);

/* Whether the rejection `message` of command `cmd` in r->file is a pinned
 * conversion loss: the spec's `text` the binary cannot carry. */
bool conversion_loss(const runner_t *r, const cJSON *cmd, const char *text, const char *message);

/* ---- spectest.c ---- */

/* Create the spectest module's objects in *s; free them with spectest_free. */
void spectest_init(spectest_t *s);
void spectest_free(spectest_t *s);

/* The spectest export `name` into *out; false if there is none. */
bool spectest_lookup(spectest_t *s, const char *name, wasm_extern_t *out);

/* ---- spec_pins.c ---- */

/* Load the pins file `path` (once, before any check). False, with the
 * reason on stderr, if unreadable or a line is malformed. */
bool load_pins(const char *path);

/* Compare one file's outcome with its pin; passed < 0: not run. False (and
 * says why on stdout) when they disagree. */
bool check_pin(const char *name, int passed);

/* Every non-SIMD .wast of `suite` has a pin and every pin a file: the exit
 * status for --check-pins (0 or 1). */
int check_pins_cover_suite(const char *suite);

#endif
