/*
 * mk-wasm.c -- command-line front end of the WebAssembly engine:
 *   mk-wasm validate FILE
 *   mk-wasm run FILE --invoke NAME [ARGS...]   call an export, print results
 *   mk-wasm run [OPTIONS] FILE [ARGS...]        run a wasm32-wasi command
 * with OPTIONS --dir HOST[::GUEST] / --dir-ro HOST[::GUEST] (preopened
 * directories, fd 3 on, in order) and --listen-fd N (an inherited
 * listening socket for sock_accept). Errors (missing file, invalid module,
 * unknown export, wrong argument count or types, traps) go to stderr with
 * exit status 1 (2 for usage); a WASI command's proc_exit code is the
 * tool's exit status, and a trap in it gives 134 as native abort() does.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/wat.h"
#include "wasm/wasi/wasi.h"
#include "wasm_engine.h"

extern char **environ;

static const char *g_prog = "mk-wasm";

static int usage(void)
{
    fprintf(stderr,
            "usage: %s validate FILE\n"
            "       %s run FILE --invoke NAME [ARGS...]\n"
            "       %s run [--dir HOST[::GUEST]] [--dir-ro HOST[::GUEST]] [--listen-fd N]\n"
            "              FILE [ARGS...]      (wasm32-wasi command module)\n",
            g_prog, g_prog, g_prog);
    return 2;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = p;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

static wasm_module_t *load(const char *path)
{
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "%s: %s: cannot read file: %s\n", g_prog, path, strerror(errno));
        return NULL;
    }
    if (wat_is_text(bytes, len)) { /* a text module (.wat): translate, see wat.h */
        uint8_t *bin;
        char werr[160];
        bool ok = wat_to_wasm((const char *)bytes, len, &bin, &len, werr, sizeof werr);
        free(bytes);
        if (!ok) {
            fprintf(stderr, "%s: %s:%s\n", g_prog, path, werr);
            return NULL;
        }
        bytes = bin;
    }
    wasm_error_t err;
    wasm_module_t *m = wasm_module_compile(bytes, len, &err);
    free(bytes);
    if (!m)
        fprintf(stderr, "%s: %s: %s: %s\n", g_prog, path, wasm_strerror(err.code), err.message);
    return m;
}

static const char *type_name(uint8_t t)
{
    switch (t) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    default: return "?";
    }
}

static bool parse_arg(const char *s, uint8_t t, wasm_value_t *v)
{
    char *end = NULL;
    v->u64 = 0;
    errno = 0;
    switch (t) {
    case WASM_I32: {
        long long x = strtoll(s, &end, 0);
        if (errno || x < INT32_MIN || x > (long long)UINT32_MAX)
            return false;
        v->u32 = (uint32_t)x;
        break;
    }
    case WASM_I64:
        if (s[0] == '-') {
            v->i64 = strtoll(s, &end, 0);
        } else {
            v->u64 = strtoull(s, &end, 0);
        }
        if (errno)
            return false;
        break;
    case WASM_F32: v->f32 = strtof(s, &end); break;
    case WASM_F64: v->f64 = strtod(s, &end); break;
    default: return false;
    }
    return end && end != s && *end == '\0';
}

static void print_value(uint8_t t, wasm_value_t v)
{
    switch (t) {
    case WASM_I32: printf("%" PRId32 "\n", v.i32); break;
    case WASM_I64: printf("%" PRId64 "\n", v.i64); break;
    case WASM_F32: printf("%.9g\n", (double)v.f32); break;
    case WASM_F64: printf("%.17g\n", v.f64); break;
    default: printf(v.ref ? "ref:%#" PRIxPTR "\n" : "null\n", v.ref); break;
    }
}

static int cmd_validate(const char *path)
{
    wasm_module_t *m = load(path);
    if (!m)
        return 1;
    printf("%s: valid (%u imports, %u exports)\n", path, wasm_module_import_count(m),
           wasm_module_export_count(m));
    wasm_module_free(m);
    return 0;
}

/* Resolve imports (WASI only); returns NULL after printing the reason. */
static wasm_instance_t *instantiate(const char *path, wasm_module_t *m, mk_wasi_t *wasi)
{
    uint32_t n = wasm_module_import_count(m);
    wasm_extern_t *imports = calloc(n ? n : 1, sizeof *imports);
    if (!imports)
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        wasm_extern_desc_t d;
        wasm_module_import(m, i, &d);
        if (!mk_wasi_resolve(wasi, &d, &imports[i])) {
            fprintf(stderr,
                    "%s: %s: unknown import %s.%s (only wasi_snapshot_preview1 is provided)\n",
                    g_prog, path, d.module, d.name);
            free(imports);
            return NULL;
        }
    }
    wasm_error_t err;
    wasm_instance_t *inst = wasm_instance_new(m, imports, n, NULL, &err);
    free(imports);
    if (!inst) {
        fprintf(stderr, "%s: %s: %s: %s\n", g_prog, path, wasm_strerror(err.code), err.message);
        return NULL;
    }
    return inst;
}

/* Exit status of a WASI command that trapped: what a native program that
 * calls abort() gets from the shell (128 + SIGABRT), as wasi-libc's abort()
 * and a Rust panic (panic=abort on wasm32-wasi) end in a trap. */
#define MK_WASM_TRAP_EXIT 134

/* Report a non-OK status; returns the exit code (1, or 134 for a trap of
 * a command run through _start). */
static int report(const char *path, wasm_instance_t *inst, wasm_status_t st, mk_wasi_t *wasi,
                  bool command)
{
    int code;
    if (st == WASM_STATUS_TRAP && mk_wasi_exited(wasi, &code))
        return code;
    if (st == WASM_STATUS_TRAP) {
        fprintf(stderr, "%s: %s: trap: %s\n", g_prog, path, wasm_instance_trap(inst)->message);
        return command ? MK_WASM_TRAP_EXIT : 1;
    } else if (st == WASM_STATUS_ERROR)
        fprintf(stderr, "%s: %s: %s\n", g_prog, path, wasm_instance_error(inst)->message);
    else
        fprintf(stderr, "%s: %s: execution did not finish (status %d)\n", g_prog, path, (int)st);
    return 1;
}

/* Preopens and sockets given before FILE. */
typedef struct run_opts {
    int n;
    char **spec; /* "--dir" etc. followed by its value, pairs */
} run_opts_t;

/* Apply the options to `wasi`; false after printing the reason. */
static bool apply_opts(mk_wasi_t *wasi, const run_opts_t *o)
{
    for (int i = 0; i + 1 < o->n; i += 2) {
        const char *opt = o->spec[i], *val = o->spec[i + 1];
        if (strcmp(opt, "--listen-fd") == 0) {
            char *end;
            long fd = strtol(val, &end, 10);
            if (*val == 0 || *end || fd < 0 || fd > 1 << 20 ||
                !mk_wasi_add_listener(wasi, (int)fd)) {
                fprintf(stderr, "%s: --listen-fd %s: %s\n", g_prog, val,
                        *end || *val == 0 ? "not a number" : strerror(errno));
                return false;
            }
            continue;
        }
        /* HOST[::GUEST]; the guest name defaults to the host path */
        char host[4096];
        const char *sep = strstr(val, "::");
        size_t hl = sep ? (size_t)(sep - val) : strlen(val);
        if (hl == 0 || hl >= sizeof host || (sep && sep[2] == 0)) {
            fprintf(stderr, "%s: %s %s: expected HOST[::GUEST]\n", g_prog, opt, val);
            return false;
        }
        memcpy(host, val, hl);
        host[hl] = 0;
        if (!mk_wasi_preopen(wasi, host, sep ? sep + 2 : host, strcmp(opt, "--dir-ro") == 0)) {
            fprintf(stderr, "%s: %s %s: %s\n", g_prog, opt, host, strerror(errno));
            return false;
        }
    }
    return true;
}

static int cmd_run(const char *path, const char *invoke, int argc, char **argv,
                   const run_opts_t *opts)
{
    wasm_module_t *m = load(path);
    if (!m)
        return 1;
    int rc = 1;
    /* WASI argv: the module path, then the arguments */
    char **wargv = calloc((size_t)argc + 2, sizeof *wargv);
    mk_wasi_t *wasi = wargv ? mk_wasi_new(argc + 1, wargv, environ) : NULL;
    wasm_instance_t *inst = NULL;
    if (!wasi)
        goto out;
    wargv[0] = (char *)path;
    for (int i = 0; i < argc; i++)
        wargv[i + 1] = argv[i];
    if (!apply_opts(wasi, opts))
        goto out;
    inst = instantiate(path, m, wasi);
    if (!inst)
        goto out;
    wasm_status_t st = wasm_instance_initialize(inst);
    if (st != WASM_STATUS_OK) {
        rc = report(path, inst, st, wasi, !invoke);
        goto out;
    }
    const char *name = invoke ? invoke : "_start";
    wasm_extern_t e;
    if (!wasm_instance_export(inst, name, &e) || e.kind != WASM_EXTERN_FUNC) {
        fprintf(stderr, "%s: %s: no exported function \"%s\"%s\n", g_prog, path, name,
                invoke ? "" : " (not a WASI command module; use --invoke NAME)");
        goto out;
    }
    const wasm_functype_t *t = wasm_func_type(e.u.func);
    if (!invoke)
        argc = 0; /* a command gets its arguments through WASI */
    if ((uint32_t)argc != t->nparams) {
        fprintf(stderr, "%s: %s: \"%s\" expects %u argument%s (", g_prog, path, name, t->nparams,
                t->nparams == 1 ? "" : "s");
        for (uint32_t i = 0; i < t->nparams; i++)
            fprintf(stderr, "%s%s", i ? " " : "", type_name(t->params[i]));
        fprintf(stderr, "), got %d\n", argc);
        goto out;
    }
    wasm_value_t *args = calloc((size_t)t->nparams + 1, sizeof *args);
    wasm_value_t *res = calloc((size_t)t->nresults + 1, sizeof *res);
    if (!args || !res) {
        free(args);
        free(res);
        goto out;
    }
    for (uint32_t i = 0; i < t->nparams; i++)
        if (!parse_arg(argv[i], t->params[i], &args[i])) {
            fprintf(stderr, "%s: %s: argument %u: \"%s\" is not a valid %s\n", g_prog, path, i + 1,
                    argv[i], type_name(t->params[i]));
            free(args);
            free(res);
            goto out;
        }
    st = wasm_call(inst, e.u.func, args, t->nparams, res, t->nresults);
    if (st == WASM_STATUS_OK) {
        rc = 0;
        for (uint32_t i = 0; i < t->nresults; i++)
            print_value(t->results[i], res[i]);
    } else {
        rc = report(path, inst, st, wasi, !invoke);
    }
    free(args);
    free(res);
out:
    fflush(stdout);
    wasm_instance_free(inst);
    mk_wasi_free(wasi);
    free(wargv);
    wasm_module_free(m);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    if (strcmp(argv[1], "validate") == 0)
        return argc == 3 ? cmd_validate(argv[2]) : usage();
    if (strcmp(argv[1], "run") != 0)
        return usage();
    run_opts_t opts = {0, argv + 2};
    int i = 2;
    while (i + 1 < argc && (strcmp(argv[i], "--dir") == 0 || strcmp(argv[i], "--dir-ro") == 0 ||
                            strcmp(argv[i], "--listen-fd") == 0)) {
        opts.n += 2;
        i += 2;
    }
    if (i >= argc || argv[i][0] == '-')
        return usage();
    const char *path = argv[i];
    if (argc >= i + 2 && strcmp(argv[i + 1], "--invoke") == 0) {
        if (argc < i + 3)
            return usage();
        return cmd_run(path, argv[i + 2], argc - i - 3, argv + i + 3, &opts);
    }
    return cmd_run(path, NULL, argc - i - 1, argv + i + 1, &opts);
}
