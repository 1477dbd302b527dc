/*
 * spec_commands.c -- executes one file's command list (wast2json's JSON
 * shape): modules compiled, linked against spectest and registered
 * instances, and instantiated; actions invoked; every assert_* checked,
 * counting passed / failed per file. Called by main through run_root; all
 * state lives in the runner_t it allocates, freed when the file is done.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/wat.h"
#include "spec_runner.h"

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

/* Execute one file's command list (wast2json's JSON shape); false only
 * when out of memory. */
bool run_root(const char *name, const char *dir, const cJSON *root, int *passed, int *failed)
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
