/*
 * spec_runner.c -- runs the official WebAssembly spec test suite against the
 * engine. For each `.wast` named on the command line it calls wabt's
 * wast2json into the output folder, reads the JSON with cJSON and executes
 * every command with the standard `spectest` host module, printing passed /
 * failed per file and in total. SIMD files are skipped and counted apart.
 * Files wast2json cannot convert are read by our WAST reader (wast.h) into
 * the same commands (--reader own: always; --cross-check: run both and
 * require equal counts); text-form modules go through wat_to_wasm. Every
 * assert_invalid / assert_malformed / assert_unlinkable must fail for the
 * spec's reason (error class and text) and every assert_uninstantiable with
 * the spec's trap. With --expect, each file's outcome is compared with its
 * pin in expected.txt. Exit status 1 if any assertion failed or a pin
 * disagrees, 77 if only SIMD files (skipped) were named.
 */
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "microkernel/wat.h"
#include "wast.h"
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

static int g_verbose;
/* which reader turns a .wast into commands: wast2json with our reader
 * where it fails (default), only ours, or only wast2json */
static enum { READER_AUTO, READER_OWN, READER_WAST2JSON } g_reader;
static bool g_cross_check;   /* also run files wast2json converts through our reader */
static char g_nul_escape[7]; /* "\\uXXXX" standing in for "\\u0000" */
static char g_nul_utf8[4];   /* its UTF-8 form after cJSON decodes it */

/* Choose a private-use code point (U+E000..U+F8FF) absent from `text`. */
static void pick_nul_standin(const char *text)
{
    for (unsigned cp = 0xE000; cp < 0xF900; cp++) {
        char lo[8], up[8];
        snprintf(lo, sizeof lo, "\\u%04x", cp);
        snprintf(up, sizeof up, "\\u%04X", cp);
        char u8[4] = {(char)(0xE0 | (cp >> 12)), (char)(0x80 | ((cp >> 6) & 0x3F)),
                      (char)(0x80 | (cp & 0x3F)), 0};
        if (!strstr(text, lo) && !strstr(text, up) && !strstr(text, u8)) {
            memcpy(g_nul_escape, lo, 7);
            memcpy(g_nul_utf8, u8, 4);
            return;
        }
    }
}

/* ---- spectest ---- */

static wasm_status_t host_print(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                wasm_value_t *results)
{
    (void)inst;
    (void)user;
    (void)args;
    (void)results;
    return WASM_STATUS_OK;
}

static wasm_func_t *mk_print(const char *params)
{
    wasm_functype_t t = {(uint32_t)strlen(params), 0, (const uint8_t *)params, NULL};
    return wasm_func_new_host(&t, host_print, NULL);
}

static void spectest_init(spectest_t *s)
{
    static const char p_i32[] = {(char)WASM_I32, 0}, p_i64[] = {(char)WASM_I64, 0};
    static const char p_f32[] = {(char)WASM_F32, 0}, p_f64[] = {(char)WASM_F64, 0};
    static const char p_if[] = {(char)WASM_I32, (char)WASM_F32, 0};
    static const char p_dd[] = {(char)WASM_F64, (char)WASM_F64, 0};
    s->print = mk_print("");
    s->print_i32 = mk_print(p_i32);
    s->print_i64 = mk_print(p_i64);
    s->print_f32 = mk_print(p_f32);
    s->print_f64 = mk_print(p_f64);
    s->print_i32_f32 = mk_print(p_if);
    s->print_f64_f64 = mk_print(p_dd);
    wasm_value_t v = {.u64 = 0};
    v.i32 = 666;
    s->g_i32 = wasm_global_new(WASM_I32, false, v);
    v.i64 = 666;
    s->g_i64 = wasm_global_new(WASM_I64, false, v);
    v.u64 = 0;
    v.f32 = 666.6f;
    s->g_f32 = wasm_global_new(WASM_F32, false, v);
    v.f64 = 666.6;
    s->g_f64 = wasm_global_new(WASM_F64, false, v);
    s->table = wasm_table_new(WASM_FUNCREF, 10, 20, true);
    s->memory = wasm_memory_new(1, 2, true);
}

static void spectest_free(spectest_t *s)
{
    wasm_func_free(s->print);
    wasm_func_free(s->print_i32);
    wasm_func_free(s->print_i64);
    wasm_func_free(s->print_f32);
    wasm_func_free(s->print_f64);
    wasm_func_free(s->print_i32_f32);
    wasm_func_free(s->print_f64_f64);
    wasm_global_free(s->g_i32);
    wasm_global_free(s->g_i64);
    wasm_global_free(s->g_f32);
    wasm_global_free(s->g_f64);
    wasm_table_free(s->table);
    wasm_memory_free(s->memory);
}

static bool spectest_lookup(spectest_t *s, const char *name, wasm_extern_t *out)
{
    struct {
        const char *name;
        wasm_extern_kind_t kind;
        void *obj;
    } table[] = {
        {"print", WASM_EXTERN_FUNC, s->print},
        {"print_i32", WASM_EXTERN_FUNC, s->print_i32},
        {"print_i64", WASM_EXTERN_FUNC, s->print_i64},
        {"print_f32", WASM_EXTERN_FUNC, s->print_f32},
        {"print_f64", WASM_EXTERN_FUNC, s->print_f64},
        {"print_i32_f32", WASM_EXTERN_FUNC, s->print_i32_f32},
        {"print_f64_f64", WASM_EXTERN_FUNC, s->print_f64_f64},
        {"global_i32", WASM_EXTERN_GLOBAL, s->g_i32},
        {"global_i64", WASM_EXTERN_GLOBAL, s->g_i64},
        {"global_f32", WASM_EXTERN_GLOBAL, s->g_f32},
        {"global_f64", WASM_EXTERN_GLOBAL, s->g_f64},
        {"table", WASM_EXTERN_TABLE, s->table},
        {"memory", WASM_EXTERN_MEMORY, s->memory},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0) {
            out->kind = table[i].kind;
            out->u.func = table[i].obj;
            return true;
        }
    return false;
}

/* ---- helpers ---- */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

static wasm_instance_t *find_named(named_t *arr, int n, const char *name)
{
    for (int i = n - 1; i >= 0; i--)
        if (strcmp(arr[i].name, name) == 0)
            return arr[i].inst;
    return NULL;
}

static void fail(runner_t *r, const cJSON *cmd, const char *fmt, const char *detail)
{
    r->failed++;
    fflush(stdout);
    const cJSON *line = cJSON_GetObjectItem(cmd, "line");
    fprintf(stderr, "  FAIL %s:%d: ", r->file, line ? line->valueint : 0);
    fprintf(stderr, fmt, detail ? detail : "");
    fputc('\n', stderr);
}

static wasm_module_t *load_module(runner_t *r, const char *filename, wasm_error_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", r->dir, filename);
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        err->code = WASM_ERR_NOT_FOUND;
        snprintf(err->message, sizeof err->message, "cannot read %.200s", path);
        return NULL;
    }
    wasm_module_t *m = wasm_module_compile(bytes, len, err);
    free(bytes);
    return m;
}

/* Instantiate with imports resolved from spectest and registered instances.
 * Returns the status of initialisation (or ERROR with *inst NULL). */
static wasm_status_t instantiate(runner_t *r, wasm_module_t *m, wasm_instance_t **out,
                                 wasm_error_t *err)
{
    uint32_t n = wasm_module_import_count(m);
    wasm_extern_t *imports = calloc(n ? n : 1, sizeof *imports);
    *out = NULL;
    for (uint32_t i = 0; i < n; i++) {
        wasm_extern_desc_t d;
        wasm_module_import(m, i, &d);
        bool ok = false;
        if (strcmp(d.module, "spectest") == 0) {
            ok = spectest_lookup(&r->st, d.name, &imports[i]);
        } else {
            wasm_instance_t *src = find_named(r->registered, r->nregistered, d.module);
            ok = src && wasm_instance_export(src, d.name, &imports[i]);
        }
        if (!ok) {
            err->code = WASM_ERR_UNLINKABLE;
            snprintf(err->message, sizeof err->message, "unknown import %.100s.%.100s", d.module,
                     d.name);
            free(imports);
            return WASM_STATUS_ERROR;
        }
    }
    wasm_instance_t *inst = wasm_instance_new(m, imports, n, NULL, err);
    free(imports);
    if (!inst)
        return WASM_STATUS_ERROR;
    if (r->ninstances < MAX_INSTANCES)
        r->instances[r->ninstances++] = inst;
    *out = inst;
    wasm_instance_set_fuel(inst, 20000000000LL);
    return wasm_instance_initialize(inst);
}

static void keep_module(runner_t *r, wasm_module_t *m)
{
    if (r->nmodules < MAX_INSTANCES)
        r->modules[r->nmodules++] = m;
    else
        fprintf(stderr, "spec_runner: too many modules, leaking one\n");
}

static bool parse_value(const cJSON *v, wasm_value_t *out, uint8_t *type)
{
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(v, "type"));
    const char *val = cJSON_GetStringValue(cJSON_GetObjectItem(v, "value"));
    out->u64 = 0;
    if (!t)
        return false;
    if (strcmp(t, "i32") == 0 || strcmp(t, "f32") == 0) {
        *type = t[0] == 'i' ? WASM_I32 : WASM_F32;
        out->u32 = val ? (uint32_t)strtoull(val, NULL, 10) : 0;
    } else if (strcmp(t, "i64") == 0 || strcmp(t, "f64") == 0) {
        *type = t[0] == 'i' ? WASM_I64 : WASM_F64;
        out->u64 = val ? strtoull(val, NULL, 10) : 0;
    } else if (strcmp(t, "externref") == 0 || strcmp(t, "funcref") == 0) {
        *type = t[0] == 'e' ? WASM_EXTERNREF : WASM_FUNCREF;
        if (!val || strcmp(val, "null") == 0)
            out->ref = 0;
        else
            out->ref = (uintptr_t)strtoull(val, NULL, 10) + 1; /* ref.extern n; 0 is null */
    } else {
        return false;
    }
    return true;
}

/* Run an action; returns status and fills results. */
static wasm_status_t do_action(runner_t *r, const cJSON *action, wasm_value_t *results,
                               uint32_t *nresults, char *why, size_t whylen)
{
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(action, "type"));
    const char *modname = cJSON_GetStringValue(cJSON_GetObjectItem(action, "module"));
    const char *field = cJSON_GetStringValue(cJSON_GetObjectItem(action, "field"));
    wasm_instance_t *inst = modname ? find_named(r->names, r->nnames, modname) : r->current;
    if (!inst || !field || !type) {
        snprintf(why, whylen, "no module instance for action");
        return WASM_STATUS_ERROR;
    }
    if (strcmp(type, "get") == 0) {
        if (!wasm_global_get(inst, field, &results[0])) {
            snprintf(why, whylen, "no global %s", field);
            return WASM_STATUS_ERROR;
        }
        *nresults = 1;
        return WASM_STATUS_OK;
    }
    const cJSON *args = cJSON_GetObjectItem(action, "args");
    wasm_value_t argv[MAX_VALUES];
    uint32_t nargs = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, args)
    {
        uint8_t t;
        if (nargs >= MAX_VALUES || !parse_value(a, &argv[nargs], &t)) {
            snprintf(why, whylen, "bad argument");
            return WASM_STATUS_ERROR;
        }
        nargs++;
    }
    /* NUL inside a name was smuggled through cJSON (see pick_nul_standin) */
    char name[1024];
    size_t nlen = 0;
    for (const char *p = field; *p && nlen < sizeof name; p++) {
        if (strncmp(p, g_nul_utf8, 3) == 0) { /* strncmp: stops at the end */
            name[nlen++] = '\0';
            p += 2;
        } else {
            name[nlen++] = *p;
        }
    }
    wasm_extern_t e;
    if (!wasm_instance_export_n(inst, name, nlen, &e) || e.kind != WASM_EXTERN_FUNC) {
        snprintf(why, whylen, "no function export %s", field);
        return WASM_STATUS_ERROR;
    }
    *nresults = wasm_func_type(e.u.func)->nresults;
    if (*nresults > MAX_VALUES) {
        snprintf(why, whylen, "too many results");
        return WASM_STATUS_ERROR;
    }
    wasm_instance_set_fuel(inst, 20000000000LL);
    wasm_status_t st = wasm_call(inst, e.u.func, argv, nargs, results, *nresults);
    if (st == WASM_STATUS_TRAP)
        snprintf(why, whylen, "%s", wasm_instance_trap(inst)->message);
    else if (st == WASM_STATUS_ERROR)
        snprintf(why, whylen, "%s", wasm_instance_error(inst)->message);
    else if (st != WASM_STATUS_OK)
        snprintf(why, whylen, "status %d", (int)st);
    return st;
}

static bool value_matches(const cJSON *exp, wasm_value_t got)
{
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(exp, "type"));
    const char *val = cJSON_GetStringValue(cJSON_GetObjectItem(exp, "value"));
    if (!t)
        return false;
    if (val && strncmp(val, "nan:", 4) == 0) {
        bool canon = strcmp(val, "nan:canonical") == 0;
        if (strcmp(t, "f32") == 0) {
            uint32_t b = got.u32 & 0x7FFFFFFFu;
            return canon ? b == 0x7FC00000u : (b & 0x7FC00000u) == 0x7FC00000u;
        }
        uint64_t b = got.u64 & 0x7FFFFFFFFFFFFFFFull;
        return canon ? b == 0x7FF8000000000000ull
                     : (b & 0x7FF8000000000000ull) == 0x7FF8000000000000ull;
    }
    wasm_value_t want;
    uint8_t type;
    if (!parse_value(exp, &want, &type))
        return false;
    switch (type) {
    case WASM_I32:
    case WASM_F32: return want.u32 == got.u32;
    case WASM_I64:
    case WASM_F64: return want.u64 == got.u64;
    case WASM_FUNCREF:
        if (!val) /* any non-null function reference */
            return got.ref != 0;
        return want.ref == got.ref;
    default: return want.ref == got.ref;
    }
}

static void cmd_module(runner_t *r, const cJSON *cmd)
{
    const char *filename = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "filename"));
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "name"));
    wasm_error_t err;
    r->current = NULL;
    wasm_module_t *m = load_module(r, filename, &err);
    if (!m) {
        fail(r, cmd, "module did not compile: %s", err.message);
        return;
    }
    keep_module(r, m);
    wasm_instance_t *inst;
    wasm_status_t st = instantiate(r, m, &inst, &err);
    if (st != WASM_STATUS_OK) {
        fail(r, cmd, "module did not instantiate: %s",
             inst ? wasm_instance_trap(inst)->message : err.message);
        return;
    }
    r->current = inst;
    if (name && r->nnames < MAX_INSTANCES) {
        r->names[r->nnames].name = strdup(name);
        r->names[r->nnames++].inst = inst;
    }
}

static void cmd_assert_return(runner_t *r, const cJSON *cmd)
{
    wasm_value_t res[MAX_VALUES];
    uint32_t n = 0;
    char why[256] = "";
    wasm_status_t st = do_action(r, cJSON_GetObjectItem(cmd, "action"), res, &n, why, sizeof why);
    if (st != WASM_STATUS_OK) {
        fail(r, cmd, "action failed: %s", why);
        return;
    }
    const cJSON *expected = cJSON_GetObjectItem(cmd, "expected");
    if ((uint32_t)cJSON_GetArraySize(expected) != n) {
        fail(r, cmd, "result count differs%s", "");
        return;
    }
    uint32_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, expected)
    {
        if (!value_matches(e, res[i])) {
            char detail[128];
            snprintf(detail, sizeof detail, "result %u: got 0x%016" PRIx64 ", want %s", i,
                     res[i].u64, cJSON_GetStringValue(cJSON_GetObjectItem(e, "value")));
            fail(r, cmd, "%s", detail);
            return;
        }
        i++;
    }
    r->passed++;
}

static void cmd_assert_trap(runner_t *r, const cJSON *cmd)
{
    wasm_value_t res[MAX_VALUES];
    uint32_t n = 0;
    char why[256] = "";
    wasm_status_t st = do_action(r, cJSON_GetObjectItem(cmd, "action"), res, &n, why, sizeof why);
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "text"));
    if (st != WASM_STATUS_TRAP) {
        fail(r, cmd, "expected trap \"%s\"", text);
        return;
    }
    /* the spec's text starts with our trap kind's wording ("uninitialized
     * element 2" for kind "uninitialized element"), or the other way round */
    const char *modname =
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(cmd, "action"), "module"));
    wasm_instance_t *inst = modname ? find_named(r->names, r->nnames, modname) : r->current;
    const char *kind = inst ? wasm_trap_strerror(wasm_instance_trap(inst)->kind) : "";
    size_t kl = strlen(kind), tl = text ? strlen(text) : 0;
    if (text && strncmp(text, kind, kl < tl ? kl : tl) != 0) {
        char detail[512];
        snprintf(detail, sizeof detail, "trap text \"%s\", want \"%s\"", why, text);
        fail(r, cmd, "%s", detail);
        return;
    }
    r->passed++;
}

/* Whether a rejection is for the spec's reason: the error's class is the
 * assertion's (assert_malformed: WASM_ERR_MALFORMED, assert_invalid:
 * WASM_ERR_INVALID, assert_unlinkable: WASM_ERR_UNLINKABLE) and the spec's
 * text occurs in the message. The reference interpreter accepts a message
 * that starts with the expected text; ours carry a "section ...: offset ...:"
 * place in front, so the text may start anywhere. */
static bool error_matches(const char *type, const char *text, wasm_err_t code, const char *message)
{
    wasm_err_t want = strcmp(type, "assert_malformed") == 0    ? WASM_ERR_MALFORMED
                      : strcmp(type, "assert_invalid") == 0    ? WASM_ERR_INVALID
                      : strcmp(type, "assert_unlinkable") == 0 ? WASM_ERR_UNLINKABLE
                                                               : WASM_OK;
    if (code != want)
        return false;
    return text && strstr(message, text) != NULL;
}

/* Assertions whose spec reason the binary cannot carry: wast2json writes
 * them so that the module fails for another, equally right reason. Each is
 * pinned by file, line and the reason the binary does give. */
static const struct conversion_loss {
    const char *file;
    int line;
    const char *spec_text, *binary_text;
} k_conversion_losses[] = {
    /* `select (result)` (no type) is written as the untyped select 0x1B,
     * whose operands are then missing */
    {"select", 324, "invalid result arity", "type mismatch"},
};

static bool conversion_loss(const runner_t *r, const cJSON *cmd, const char *text,
                            const char *message)
{
    const cJSON *line = cJSON_GetObjectItem(cmd, "line");
    for (size_t i = 0; i < sizeof k_conversion_losses / sizeof k_conversion_losses[0]; i++) {
        const struct conversion_loss *l = &k_conversion_losses[i];
        if (strcmp(l->file, r->file) == 0 && line && line->valueint == l->line && text &&
            strcmp(text, l->spec_text) == 0 && strstr(message, l->binary_text))
            return true;
    }
    return false;
}

/* A text-form assertion (`module quote`; wast2json writes the quoted text
 * to a .wat file): an assert_malformed passes when wat_to_wasm rejects the
 * text. A text our parser accepts passes only if the binary it gives is
 * then rejected by the decoder as malformed with the spec's text (the same
 * strictness as a binary assertion); an assert_invalid of a text module
 * needs the validator's class and text. */
static void cmd_text_module(runner_t *r, const cJSON *cmd, const char *type, const char *filename,
                            const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", r->dir, filename ? filename : "");
    size_t len = 0;
    uint8_t *src = filename ? read_file(path, &len) : NULL;
    if (!src) {
        fail(r, cmd, "cannot read text module %s", path);
        return;
    }
    unsigned char *bin = NULL;
    size_t blen = 0;
    char werr[256];
    bool parsed = wat_to_wasm((const char *)src, len, &bin, &blen, werr, sizeof werr);
    free(src);
    if (!parsed) {
        if (strcmp(type, "assert_malformed") == 0) {
            if (g_verbose)
                printf("  ok text %s: %s (spec: %s)\n", type, werr, text ? text : "?");
            r->passed++;
        } else {
            char detail[512];
            snprintf(detail, sizeof detail, "%s text rejected by the parser: %s", type, werr);
            fail(r, cmd, "%s", detail);
        }
        return;
    }
    wasm_error_t err;
    wasm_module_t *m = wasm_module_compile(bin, blen, &err);
    free(bin);
    if (m) {
        wasm_module_free(m);
        fail(r, cmd, "text module parsed and compiled but should not (%s)", type);
        return;
    }
    if (!error_matches(type, text, err.code, err.message)) {
        char detail[512];
        snprintf(detail, sizeof detail, "%s text parsed, then rejected as \"%s\" (%s), want \"%s\"",
                 type, err.message, wasm_strerror(err.code), text ? text : "?");
        fail(r, cmd, "%s", detail);
        return;
    }
    r->passed++;
}

static void cmd_assert_module(runner_t *r, const cJSON *cmd, const char *type)
{
    const char *filename = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "filename"));
    const char *mtype = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "module_type"));
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "text"));
    if (mtype && strcmp(mtype, "text") == 0) {
        cmd_text_module(r, cmd, type, filename, text);
        return;
    }
    wasm_error_t err;
    wasm_module_t *m = load_module(r, filename, &err);
    bool want_compile_fail =
        strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0;
    if (want_compile_fail) {
        if (m) {
            wasm_module_free(m);
            fail(r, cmd, "module compiled but should not (%s)", type);
            return;
        }
        if (err.code == WASM_ERR_NOT_FOUND) {
            fail(r, cmd, "%s", err.message);
            return;
        }
        if (!error_matches(type, text, err.code, err.message) &&
            !conversion_loss(r, cmd, text, err.message)) {
            char detail[512];
            snprintf(detail, sizeof detail, "%s rejected as \"%s\" (%s), want \"%s\"", type,
                     err.message, wasm_strerror(err.code), text ? text : "?");
            fail(r, cmd, "%s", detail);
            return;
        }
        if (g_verbose)
            printf("  ok %s: %s\n", type, err.message);
        r->passed++;
        return;
    }
    if (!m) {
        fail(r, cmd, "module did not compile: %s", err.message);
        return;
    }
    keep_module(r, m);
    wasm_instance_t *inst;
    wasm_status_t st = instantiate(r, m, &inst, &err);
    if (strcmp(type, "assert_unlinkable") == 0) {
        if (inst != NULL || st != WASM_STATUS_ERROR) {
            fail(r, cmd, "module linked but should not%s", "");
        } else if (!error_matches(type, text, err.code, err.message)) {
            char detail[512];
            snprintf(detail, sizeof detail, "not linked as \"%s\" (%s), want \"%s\"", err.message,
                     wasm_strerror(err.code), text ? text : "?");
            fail(r, cmd, "%s", detail);
        } else {
            r->passed++;
        }
        return;
    }
    /* assert_uninstantiable: linking works, initialisation traps with the
     * spec's trap (compared as assert_trap does) */
    if (inst == NULL || st != WASM_STATUS_TRAP) {
        fail(r, cmd, "module instantiated but should trap: %s", inst ? "ok" : err.message);
        return;
    }
    const char *kind = wasm_trap_strerror(wasm_instance_trap(inst)->kind);
    size_t kl = strlen(kind), tl = text ? strlen(text) : 0;
    if (!text || strncmp(text, kind, kl < tl ? kl : tl) != 0) {
        char detail[512];
        snprintf(detail, sizeof detail, "trapped with \"%s\", want \"%s\"",
                 wasm_instance_trap(inst)->message, text ? text : "?");
        fail(r, cmd, "%s", detail);
        return;
    }
    r->passed++;
}

static void run_commands(runner_t *r, const cJSON *commands)
{
    const cJSON *cmd;
    cJSON_ArrayForEach(cmd, commands)
    {
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "type"));
        if (!type)
            continue;
        if (strcmp(type, "module") == 0) {
            cmd_module(r, cmd);
        } else if (strcmp(type, "register") == 0) {
            const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "name"));
            const char *as = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "as"));
            wasm_instance_t *inst = name ? find_named(r->names, r->nnames, name) : r->current;
            if (inst && as && r->nregistered < MAX_INSTANCES) {
                r->registered[r->nregistered].name = strdup(as);
                r->registered[r->nregistered++].inst = inst;
            } else {
                fail(r, cmd, "register failed%s", "");
            }
        } else if (strcmp(type, "action") == 0) {
            wasm_value_t res[MAX_VALUES];
            uint32_t n;
            char why[256];
            if (do_action(r, cJSON_GetObjectItem(cmd, "action"), res, &n, why, sizeof why) !=
                WASM_STATUS_OK)
                fail(r, cmd, "action failed: %s", why);
        } else if (strcmp(type, "assert_return") == 0) {
            cmd_assert_return(r, cmd);
        } else if (strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0) {
            cmd_assert_trap(r, cmd);
        } else if (strncmp(type, "assert_", 7) == 0) {
            cmd_assert_module(r, cmd, type);
        } else {
            fail(r, cmd, "unknown command %s", type);
        }
    }
}

static void runner_reset(runner_t *r)
{
    for (int i = 0; i < r->ninstances; i++)
        wasm_instance_free(r->instances[i]);
    for (int i = 0; i < r->nmodules; i++)
        wasm_module_free(r->modules[i]);
    for (int i = 0; i < r->nnames; i++)
        free(r->names[i].name);
    for (int i = 0; i < r->nregistered; i++)
        free(r->registered[i].name);
    spectest_free(&r->st);
}

/* Count "(assert_" forms in a .wast file (for files we cannot run). */
static int count_assertions(const char *path)
{
    size_t len;
    uint8_t *text = read_file(path, &len);
    if (!text)
        return 0;
    int n = 0;
    for (size_t i = 0; i + 8 <= len; i++)
        if (memcmp(text + i, "(assert_", 8) == 0)
            n++;
    free(text);
    return n;
}

static int run_wast2json(const char *tool, const char *wast, const char *json)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execlp(tool, tool, wast, "-o", json, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Execute one file's command list (wast2json's JSON shape); false only
 * when out of memory. */
static bool run_root(const char *name, const char *dir, const cJSON *root, int *passed, int *failed)
{
    runner_t *r = calloc(1, sizeof *r);
    if (!r)
        return false;
    r->dir = dir;
    r->file = name;
    spectest_init(&r->st);
    run_commands(r, cJSON_GetObjectItem(root, "commands"));
    *passed = r->passed;
    *failed = r->failed;
    runner_reset(r);
    free(r);
    return true;
}

/* ---- our WAST reader (src/wasm/wat/wast.c) in wast2json's place ---- */

static cJSON *wast_value_json(const wast_value_t *v)
{
    cJSON *o = cJSON_CreateObject();
    char num[32];
    cJSON_AddStringToObject(o, "type", v->type);
    if (v->nan)
        cJSON_AddStringToObject(o, "value",
                                v->nan == WAST_NAN_CANONICAL ? "nan:canonical" : "nan:arithmetic");
    else if (v->null)
        cJSON_AddStringToObject(o, "value", "null");
    else if (!v->any) {
        snprintf(num, sizeof num, "%" PRIu64, v->bits);
        cJSON_AddStringToObject(o, "value", num);
    }
    return o;
}

static bool write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(b, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* Read the .wast with wast_parse and build the JSON wast2json would have
 * written, with each module in dir as NAME.N.wasm (or .wat for text the
 * runner hands to wat_to_wasm itself). NULL with err set on a malformed
 * script or a write error. */
static cJSON *wast_commands(const char *wast, const char *dir, const char *name, char *err,
                            size_t err_cap)
{
    size_t len = 0;
    uint8_t *text = read_file(wast, &len);
    if (!text) {
        snprintf(err, err_cap, "cannot read %s", wast);
        return NULL;
    }
    wast_script_t sc;
    char perr[256];
    if (!wast_parse((const char *)text, len, &sc, perr, sizeof perr)) {
        snprintf(err, err_cap, "our WAST reader: %s:%s", name, perr);
        free(text);
        return NULL;
    }
    /* a NUL in an export name travels as a private-use character (see
     * pick_nul_standin): U+E000 if the script has no such bytes */
    memcpy(g_nul_utf8, "\xEE\x80\x80", 4);
    free(text);
    static const char *const kinds[] = {
        [WAST_MODULE] = "module",
        [WAST_REGISTER] = "register",
        [WAST_ACTION] = "action",
        [WAST_ASSERT_RETURN] = "assert_return",
        [WAST_ASSERT_TRAP] = "assert_trap",
        [WAST_ASSERT_EXHAUSTION] = "assert_exhaustion",
        [WAST_ASSERT_INVALID] = "assert_invalid",
        [WAST_ASSERT_MALFORMED] = "assert_malformed",
        [WAST_ASSERT_UNLINKABLE] = "assert_unlinkable",
        [WAST_ASSERT_UNINSTANTIABLE] = "assert_uninstantiable",
    };
    cJSON *root = cJSON_CreateObject();
    cJSON *cmds = cJSON_AddArrayToObject(root, "commands");
    bool ok = true;
    for (size_t i = 0; i < sc.n && ok; i++) {
        const wast_cmd_t *c = &sc.cmds[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(cmds, o);
        cJSON_AddStringToObject(o, "type", kinds[c->kind]);
        cJSON_AddNumberToObject(o, "line", c->line);
        if (c->name)
            cJSON_AddStringToObject(o, "name", c->name);
        if (c->as)
            cJSON_AddStringToObject(o, "as", c->as);
        if (c->text)
            cJSON_AddStringToObject(o, "text", c->text);
        if (c->module) {
            unsigned char *bin = c->module;
            size_t blen = c->module_len;
            bool is_text = c->module_text;
            unsigned char *conv = NULL;
            if (is_text && c->kind == WAST_MODULE &&
                wat_to_wasm((const char *)c->module, c->module_len, &conv, &blen, NULL, 0)) {
                bin = conv;
                is_text = false;
            }
            char file[64], path[4300];
            snprintf(file, sizeof file, "%s.%zu.%s", name, i, is_text ? "wat" : "wasm");
            snprintf(path, sizeof path, "%s/%s", dir, file);
            ok = write_bytes(path, bin, is_text ? c->module_len : blen);
            free(conv);
            if (!ok)
                snprintf(err, err_cap, "cannot write %.400s", path);
            cJSON_AddStringToObject(o, "filename", file);
            cJSON_AddStringToObject(o, "module_type", is_text ? "text" : "binary");
        }
        if (c->field) {
            cJSON *a = cJSON_AddObjectToObject(o, "action");
            cJSON_AddStringToObject(a, "type", c->get ? "get" : "invoke");
            if (c->action_module)
                cJSON_AddStringToObject(a, "module", c->action_module);
            char field[1024];
            size_t fl = 0;
            for (size_t k = 0; k < c->field_len && fl + 4 < sizeof field; k++) {
                if (c->field[k] == 0) {
                    memcpy(field + fl, g_nul_utf8, 3);
                    fl += 3;
                } else {
                    field[fl++] = (char)c->field[k];
                }
            }
            field[fl] = 0;
            cJSON_AddStringToObject(a, "field", field);
            cJSON *args = cJSON_AddArrayToObject(a, "args");
            for (size_t k = 0; k < c->nargs; k++)
                cJSON_AddItemToArray(args, wast_value_json(&c->args[k]));
            if (c->kind == WAST_ASSERT_RETURN) {
                cJSON *ex = cJSON_AddArrayToObject(o, "expected");
                for (size_t k = 0; k < c->nresults; k++)
                    cJSON_AddItemToArray(ex, wast_value_json(&c->results[k]));
            }
        }
    }
    wast_script_free(&sc);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* Read wast2json's output, carrying "\\u0000" in names past cJSON. */
static cJSON *read_json(const char *json)
{
    size_t len;
    char *text = (char *)read_file(json, &len);
    cJSON *root = NULL;
    if (text) {
        char *z = realloc(text, len + 1);
        if (z) {
            text = z;
            text[len] = '\0';
            /* cJSON strings end at NUL: carry "\\u0000" as a private-use
             * character the file does not otherwise contain */
            pick_nul_standin(text);
            char *fixed = malloc(len * 2 + 1);
            if (fixed) {
                size_t o = 0;
                for (size_t k = 0; k < len; k++) {
                    if (text[k] == '\\' && k + 1 < len && text[k + 1] == '\\') {
                        fixed[o++] = text[k++];
                        fixed[o++] = text[k];
                    } else if (k + 6 <= len && memcmp(text + k, "\\u0000", 6) == 0) {
                        memcpy(fixed + o, g_nul_escape, 6);
                        o += 6;
                        k += 5;
                    } else {
                        fixed[o++] = text[k];
                    }
                }
                fixed[o] = '\0';
                free(text);
                text = fixed;
            }
            root = cJSON_Parse(text);
        }
    }
    free(text);
    return root;
}

/* ---- pins: what each file is known to do (tests/wasm-spec/expected.txt) ----
 * One line per non-SIMD .wast: "NAME passed N" (at least N assertions
 * pass) or "NAME not-run" (wast2json cannot convert it). '#' starts a
 * comment. A file that passes fewer, stops converting, starts converting or
 * has no pin fails the run, so nothing is lost silently. */
#define MAX_PINS 512

typedef struct pin {
    char name[64];
    int min_passed; /* -1: expected not to run */
    bool seen;
} pin_t;

static pin_t g_pins[MAX_PINS];
static int g_npins;

static bool load_pins(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "spec_runner: cannot read pins %s: %s\n", path, strerror(errno));
        return false;
    }
    char line[256];
    int lineno = 0;
    bool ok = true;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char name[64], what[16];
        int n = 0;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        int got = sscanf(line, "%63s %15s %d", name, what, &n);
        pin_t *pin = &g_pins[g_npins];
        if (g_npins >= MAX_PINS || got < 2 ||
            !((got == 3 && strcmp(what, "passed") == 0 && n >= 0) ||
              (got == 2 && strcmp(what, "not-run") == 0))) {
            fprintf(stderr, "spec_runner: %s:%d: bad pin line\n", path, lineno);
            ok = false;
            break;
        }
        snprintf(pin->name, sizeof pin->name, "%s", name);
        pin->min_passed = got == 3 ? n : -1;
        g_npins++;
    }
    fclose(f);
    return ok;
}

static pin_t *find_pin(const char *name)
{
    for (int i = 0; i < g_npins; i++)
        if (strcmp(g_pins[i].name, name) == 0)
            return &g_pins[i];
    return NULL;
}

/* Compare one file's outcome with its pin; passed < 0: not run. Returns
 * false (and says why) when they disagree. */
static bool check_pin(const char *name, int passed)
{
    pin_t *pin = find_pin(name);
    if (!pin) {
        printf("%-32s FAILED: no pin in expected.txt (add \"%s %s\")\n", name, name,
               passed < 0 ? "not-run" : "passed N");
        return false;
    }
    pin->seen = true;
    if (pin->min_passed < 0 && passed >= 0) {
        printf("%-32s FAILED: pinned not-run but now runs (%d passed): update expected.txt\n", name,
               passed);
        return false;
    }
    if (pin->min_passed >= 0 && passed < 0) {
        printf("%-32s FAILED: pinned to pass %d but was not run\n", name, pin->min_passed);
        return false;
    }
    if (passed < pin->min_passed) {
        printf("%-32s FAILED: %d passed, pinned minimum %d\n", name, passed, pin->min_passed);
        return false;
    }
    return true;
}

/* Every non-SIMD .wast of the suite has a pin and every pin a file. */
static int check_pins_cover_suite(const char *suite)
{
    DIR *d = opendir(suite);
    if (!d) {
        fprintf(stderr, "spec_runner: cannot list %s: %s\n", suite, strerror(errno));
        return 1;
    }
    int bad = 0, files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".wast") != 0 || strncmp(e->d_name, "simd_", 5) == 0)
            continue;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(n - 5), e->d_name);
        files++;
        pin_t *pin = find_pin(name);
        if (pin) {
            pin->seen = true;
        } else {
            printf("%-32s FAILED: in the suite but not pinned in expected.txt\n", name);
            bad++;
        }
    }
    closedir(d);
    int total = 0;
    for (int i = 0; i < g_npins; i++) {
        if (!g_pins[i].seen) {
            printf("%-32s FAILED: pinned but not in the suite\n", g_pins[i].name);
            bad++;
        }
        if (g_pins[i].min_passed > 0)
            total += g_pins[i].min_passed;
    }
    printf("pins: %d files, %d pins, at least %d assertions pass; %d disagreements\n", files,
           g_npins, total, bad);
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *suite = NULL, *out = NULL, *tool = "wast2json", *pins = NULL;
    bool check_suite = false;
    int first = 1;
    for (; first < argc; first++) {
        if (strcmp(argv[first], "--suite") == 0 && first + 1 < argc)
            suite = argv[++first];
        else if (strcmp(argv[first], "--out") == 0 && first + 1 < argc)
            out = argv[++first];
        else if (strcmp(argv[first], "--wast2json") == 0 && first + 1 < argc)
            tool = argv[++first];
        else if (strcmp(argv[first], "--expect") == 0 && first + 1 < argc)
            pins = argv[++first];
        else if (strcmp(argv[first], "--check-pins") == 0)
            check_suite = true;
        else if (strcmp(argv[first], "--reader") == 0 && first + 1 < argc) {
            const char *m = argv[++first];
            g_reader = strcmp(m, "own") == 0         ? READER_OWN
                       : strcmp(m, "wast2json") == 0 ? READER_WAST2JSON
                                                     : READER_AUTO;
        } else if (strcmp(argv[first], "--cross-check") == 0)
            g_cross_check = true;
        else if (strcmp(argv[first], "-v") == 0)
            g_verbose = 1;
        else
            break;
    }
    if (!suite || !out) {
        fprintf(stderr,
                "usage: %s --suite DIR --out DIR [--wast2json PATH] [--expect PINS "
                "[--check-pins]] [-v] NAME...\n",
                argv[0]);
        return 2;
    }
    struct stat sb;
    if (stat(suite, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr,
                "spec_runner: spec test suite not found at %s (expected "
                "../shared/wasm-spec-testsuite)\n",
                suite);
        return 1;
    }
    if (pins && !load_pins(pins))
        return 1;
    if (check_suite) {
        if (!pins) {
            fprintf(stderr, "spec_runner: --check-pins needs --expect\n");
            return 2;
        }
        return check_pins_cover_suite(suite);
    }
    mkdir(out, 0777);
    int pin_failures = 0;
    int total_pass = 0, total_fail = 0, simd_files = 0, simd_asserts = 0;
    int notrun_files = 0, notrun_asserts = 0;
    for (int i = first; i < argc; i++) {
        const char *name = argv[i];
        char wast[4096], dir[4096], json[4200];
        snprintf(wast, sizeof wast, "%s/%s.wast", suite, name);
        if (strncmp(name, "simd_", 5) == 0) {
            int n = count_assertions(wast);
            printf("%-32s skipped (SIMD): %d assertions\n", name, n);
            simd_files++;
            simd_asserts += n;
            continue;
        }
        snprintf(dir, sizeof dir, "%s/%s", out, name);
        mkdir(dir, 0777);
        snprintf(json, sizeof json, "%s/%s.json", dir, name);
        cJSON *root = NULL;
        const char *via = "";
        char werr[512] = "";
        if (g_reader != READER_OWN && run_wast2json(tool, wast, json) == 0) {
            root = read_json(json);
            if (!root) {
                printf("%-32s FAILED: cannot read %s\n", name, json);
                total_fail++;
                continue;
            }
        } else if (g_reader != READER_WAST2JSON) {
            /* wast2json cannot convert it (or --reader own): our reader */
            root = wast_commands(wast, dir, name, werr, sizeof werr);
            via = "  (read by our WAST reader)";
        }
        if (!root) {
            int n = count_assertions(wast);
            printf("%-32s not run (%s): %d assertions\n", name,
                   werr[0] ? werr : "wast2json cannot convert it", n);
            notrun_files++;
            notrun_asserts += n;
            if (pins && !check_pin(name, -1))
                pin_failures++;
            continue;
        }
        int passed = 0, failed = 0;
        if (!run_root(name, dir, root, &passed, &failed))
            return 1;
        cJSON_Delete(root);
        printf("%-32s passed %5d  failed %4d%s\n", name, passed, failed, via);
        if (g_cross_check && !via[0]) {
            /* the same file through our reader must pass exactly as many */
            char dir2[4200];
            snprintf(dir2, sizeof dir2, "%s-wast", dir);
            mkdir(dir2, 0777);
            cJSON *root2 = wast_commands(wast, dir2, name, werr, sizeof werr);
            int p2 = 0, f2 = 0;
            if (!root2 || !run_root(name, dir2, root2, &p2, &f2) || p2 != passed || f2 != failed) {
                printf("%-32s FAILED cross-check: our WAST reader gives passed %d failed %d%s%s\n",
                       name, p2, f2, root2 ? "" : ": ", root2 ? "" : werr);
                total_fail++;
            } else {
                printf("%-32s cross-check: our WAST reader agrees\n", name);
            }
            cJSON_Delete(root2);
        }
        if (pins && !check_pin(name, passed))
            pin_failures++;
        total_pass += passed;
        total_fail += failed;
    }
    printf("TOTAL: passed %d, failed %d; "
           "not run (wast2json) %d files / %d assertions; SIMD skipped %d files / %d assertions\n",
           total_pass, total_fail, notrun_files, notrun_asserts, simd_files, simd_asserts);
    if (pin_failures)
        printf("FAILED: %d files disagree with their pins (%s)\n", pin_failures, pins);
    if (total_fail || pin_failures)
        return 1;
    /* nothing but SIMD files: nothing was tested, which ctest must not call
     * "Passed" (the test sets SKIP_RETURN_CODE 77) */
    if (simd_files > 0 && simd_files == argc - first)
        return 77;
    return 0;
}
