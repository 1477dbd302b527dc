/*
 * wasi.c -- WASI preview1 host functions for mk-wasm (fd_write, fd_read on
 * stdio, args_*, environ_*, clock_*, random_get, proc_exit, fd_close,
 * fd_seek, fd_fdstat_get, fd_prestat_get = "none"). Every guest pointer is
 * bounds-checked through the engine's memory helpers; a bad pointer gives
 * EFAULT, never a host crash. proc_exit stops the program with a host trap
 * that mk_wasi_exited() recognises.
 */
#include "wasi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    E_SUCCESS = 0,
    E_BADF = 8,
    E_FAULT = 21,
    E_INVAL = 28,
    E_IO = 29,
    E_NOSYS = 52,
    E_SPIPE = 70
};

typedef struct host_fn {
    const char *name;
    const char *sig; /* params ">" results, i = i32, I = i64 */
    wasm_host_fn fn;
} host_fn_t;

struct mk_wasi {
    int argc;
    char **argv;
    char **envp;
    bool exited;
    int exit_code;
    wasm_func_t **funcs; /* created on resolve, freed with the context */
    size_t nfuncs;
};

typedef struct binding {
    mk_wasi_t *w;
    const host_fn_t *h;
} binding_t;

static bool put_u32(wasm_instance_t *inst, uint32_t at, uint32_t v)
{
    return wasm_memory_write(inst, at, &v, 4);
}

static bool put_u64(wasm_instance_t *inst, uint32_t at, uint64_t v)
{
    return wasm_memory_write(inst, at, &v, 8);
}

static mk_wasi_t *ctx(void *user)
{
    return ((binding_t *)user)->w;
}

#define RET(v)                                                                                     \
    do {                                                                                           \
        results[0].u64 = 0;                                                                        \
        results[0].i32 = (v);                                                                      \
        return WASM_STATUS_OK;                                                                     \
    } while (0)

/* Sizes of a NULL-terminated or counted string list. */
static wasm_status_t list_sizes(wasm_instance_t *inst, char **list, int n, const wasm_value_t *args,
                                wasm_value_t *results)
{
    uint32_t bytes = 0;
    for (int i = 0; i < n; i++)
        bytes += (uint32_t)strlen(list[i]) + 1;
    if (!put_u32(inst, args[0].u32, (uint32_t)n) || !put_u32(inst, args[1].u32, bytes))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

static wasm_status_t list_get(wasm_instance_t *inst, char **list, int n, const wasm_value_t *args,
                              wasm_value_t *results)
{
    uint32_t ptrs = args[0].u32, buf = args[1].u32;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(list[i]) + 1;
        if (!put_u32(inst, ptrs + 4u * (uint32_t)i, buf) ||
            !wasm_memory_write(inst, buf, list[i], len))
            RET(E_FAULT);
        buf += (uint32_t)len;
    }
    RET(E_SUCCESS);
}

static int count_env(char **envp)
{
    int n = 0;
    while (envp && envp[n])
        n++;
    return n;
}

static wasm_status_t w_args_sizes_get(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                      wasm_value_t *results)
{
    return list_sizes(inst, ctx(user)->argv, ctx(user)->argc, args, results);
}

static wasm_status_t w_args_get(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                wasm_value_t *results)
{
    return list_get(inst, ctx(user)->argv, ctx(user)->argc, args, results);
}

static wasm_status_t w_environ_sizes_get(wasm_instance_t *inst, void *user,
                                         const wasm_value_t *args, wasm_value_t *results)
{
    return list_sizes(inst, ctx(user)->envp, count_env(ctx(user)->envp), args, results);
}

static wasm_status_t w_environ_get(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                   wasm_value_t *results)
{
    return list_get(inst, ctx(user)->envp, count_env(ctx(user)->envp), args, results);
}

/* fd_write / fd_read over an iovec array in guest memory. */
static wasm_status_t rw(wasm_instance_t *inst, const wasm_value_t *args, wasm_value_t *results,
                        bool write_)
{
    int fd = args[0].i32;
    uint32_t iovs = args[1].u32, n = args[2].u32, total = 0;
    if (write_ ? (fd != 1 && fd != 2) : fd != 0)
        RET(E_BADF);
    size_t size;
    uint8_t *mem = wasm_memory_data(inst, &size);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t iov[2];
        if (!wasm_memory_read(inst, (uint64_t)iovs + 8ull * i, iov, 8))
            RET(E_FAULT);
        if ((uint64_t)iov[0] + iov[1] > size)
            RET(E_FAULT);
        ssize_t k = write_ ? write(fd, mem + iov[0], iov[1]) : read(fd, mem + iov[0], iov[1]);
        if (k < 0)
            RET(E_IO);
        total += (uint32_t)k;
        if ((uint32_t)k < iov[1])
            break;
    }
    if (!put_u32(inst, args[3].u32, total))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

static wasm_status_t w_fd_write(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                wasm_value_t *results)
{
    (void)user;
    return rw(inst, args, results, true);
}

static wasm_status_t w_fd_read(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                               wasm_value_t *results)
{
    (void)user;
    return rw(inst, args, results, false);
}

static wasm_status_t w_fd_close(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                wasm_value_t *results)
{
    (void)inst;
    (void)user;
    RET(args[0].i32 >= 0 && args[0].i32 <= 2 ? E_SUCCESS : E_BADF);
}

static wasm_status_t w_fd_seek(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                               wasm_value_t *results)
{
    (void)inst;
    (void)user;
    RET(args[0].i32 >= 0 && args[0].i32 <= 2 ? E_SPIPE : E_BADF);
}

static wasm_status_t w_fd_fdstat_get(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                     wasm_value_t *results)
{
    (void)user;
    if (args[0].i32 < 0 || args[0].i32 > 2)
        RET(E_BADF);
    /* fdstat (WASI preview1): u8 filetype, u16 flags at 2, u64 rights at 8
     * and inheriting rights at 16. The type is what the host fd really is:
     * wasi-libc's isatty() is "character device without fd_seek/fd_tell",
     * so a pipe, file or socket must not look like a terminal. */
    enum { FT_UNKNOWN = 0, FT_CHAR = 2, FT_DIR = 3, FT_FILE = 4, FT_SOCK_STREAM = 6 };
    enum { R_READ = 0x2, R_SEEK = 0x4, R_TELL = 0x20, R_WRITE = 0x40 };
    int fd = args[0].i32;
    struct stat sb;
    uint8_t type = FT_UNKNOWN; /* a pipe: WASI preview1 has no type for it */
    uint64_t rights = fd == 0 ? R_READ : R_WRITE;
    if (fstat(fd, &sb) != 0)
        RET(E_BADF);
    if (S_ISCHR(sb.st_mode)) {
        type = FT_CHAR;
        if (!isatty(fd)) /* /dev/null and the like seek, terminals do not */
            rights |= R_SEEK | R_TELL;
    } else if (S_ISREG(sb.st_mode)) {
        type = FT_FILE;
        rights |= R_SEEK | R_TELL;
    } else if (S_ISDIR(sb.st_mode)) {
        type = FT_DIR;
    } else if (S_ISSOCK(sb.st_mode)) {
        type = FT_SOCK_STREAM;
    }
    uint8_t st[24] = {0};
    st[0] = type;
    memcpy(st + 8, &rights, 8);
    if (!wasm_memory_write(inst, args[1].u32, st, sizeof st))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

static wasm_status_t w_fd_prestat_get(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                      wasm_value_t *results)
{
    (void)inst;
    (void)user;
    (void)args;
    RET(E_BADF); /* no preopened directories */
}

static clockid_t clock_of(int32_t id)
{
    switch (id) {
    case 1: return CLOCK_MONOTONIC;
    case 2: return CLOCK_PROCESS_CPUTIME_ID;
    case 3: return CLOCK_THREAD_CPUTIME_ID;
    default: return CLOCK_REALTIME;
    }
}

static wasm_status_t w_clock_time_get(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                      wasm_value_t *results)
{
    (void)user;
    if (args[0].i32 < 0 || args[0].i32 > 3)
        RET(E_INVAL);
    struct timespec ts;
    clock_gettime(clock_of(args[0].i32), &ts);
    if (!put_u64(inst, args[2].u32, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

static wasm_status_t w_clock_res_get(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                     wasm_value_t *results)
{
    (void)user;
    struct timespec ts;
    if (args[0].i32 < 0 || args[0].i32 > 3)
        RET(E_INVAL);
    clock_getres(clock_of(args[0].i32), &ts);
    if (!put_u64(inst, args[1].u32, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

static wasm_status_t w_random_get(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                  wasm_value_t *results)
{
    (void)user;
    size_t size;
    uint8_t *mem = wasm_memory_data(inst, &size);
    uint32_t at = args[0].u32, n = args[1].u32;
    if ((uint64_t)at + n > size)
        RET(E_FAULT);
    for (uint32_t done = 0; done < n;) {
        ssize_t k = getrandom(mem + at + done, n - done, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            RET(E_IO);
        }
        done += (uint32_t)k;
    }
    RET(E_SUCCESS);
}

static wasm_status_t w_proc_exit(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                 wasm_value_t *results)
{
    (void)results;
    mk_wasi_t *w = ctx(user);
    w->exited = true;
    w->exit_code = args[0].i32;
    return wasm_host_trap(inst, "proc_exit");
}

static wasm_status_t w_sched_yield(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                                   wasm_value_t *results)
{
    (void)inst;
    (void)user;
    (void)args;
    RET(E_SUCCESS);
}

static wasm_status_t w_nosys(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                             wasm_value_t *results)
{
    (void)inst;
    (void)args;
    const binding_t *b = user;
    (void)b;
    RET(E_NOSYS);
}

static const host_fn_t k_wasi[] = {
    {"args_sizes_get", "ii>i", w_args_sizes_get},
    {"args_get", "ii>i", w_args_get},
    {"environ_sizes_get", "ii>i", w_environ_sizes_get},
    {"environ_get", "ii>i", w_environ_get},
    {"fd_write", "iiii>i", w_fd_write},
    {"fd_read", "iiii>i", w_fd_read},
    {"fd_close", "i>i", w_fd_close},
    {"fd_seek", "iIii>i", w_fd_seek},
    {"fd_fdstat_get", "ii>i", w_fd_fdstat_get},
    {"fd_prestat_get", "ii>i", w_fd_prestat_get},
    {"clock_time_get", "iIi>i", w_clock_time_get},
    {"clock_res_get", "ii>i", w_clock_res_get},
    {"random_get", "ii>i", w_random_get},
    {"proc_exit", "i>", w_proc_exit},
    {"sched_yield", ">i", w_sched_yield},
};

mk_wasi_t *mk_wasi_new(int argc, char **argv, char **envp)
{
    mk_wasi_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->argc = argc;
    w->argv = argv;
    w->envp = envp;
    return w;
}

/* Does `t` have the signature `sig`? */
static bool sig_matches(const wasm_functype_t *t, const char *sig)
{
    const char *gt = strchr(sig, '>');
    uint32_t np = (uint32_t)(gt - sig), nr = (uint32_t)strlen(gt + 1);
    if (t->nparams != np || t->nresults != nr)
        return false;
    for (uint32_t i = 0; i < np; i++)
        if (t->params[i] != (sig[i] == 'i' ? WASM_I32 : WASM_I64))
            return false;
    for (uint32_t i = 0; i < nr; i++)
        if (t->results[i] != (gt[1 + i] == 'i' ? WASM_I32 : WASM_I64))
            return false;
    return true;
}

bool mk_wasi_resolve(mk_wasi_t *w, const wasm_extern_desc_t *d, wasm_extern_t *out)
{
    if (strcmp(d->module, "wasi_snapshot_preview1") != 0 || d->kind != WASM_EXTERN_FUNC)
        return false;
    static const host_fn_t nosys = {"(unimplemented)", ">i", w_nosys};
    const host_fn_t *h = NULL;
    for (size_t i = 0; i < sizeof k_wasi / sizeof k_wasi[0]; i++)
        if (strcmp(k_wasi[i].name, d->name) == 0)
            h = &k_wasi[i];
    if (h && !sig_matches(&d->func, h->sig))
        return false;
    if (!h) { /* unimplemented: ENOSYS if it returns an errno */
        if (d->func.nresults != 1 || d->func.results[0] != WASM_I32)
            return false;
        h = &nosys;
    }
    binding_t *b = malloc(sizeof *b);
    wasm_func_t **grown = realloc(w->funcs, (w->nfuncs + 1) * sizeof *grown);
    if (!b || !grown) {
        free(b);
        if (grown)
            w->funcs = grown;
        return false;
    }
    w->funcs = grown;
    b->w = w;
    b->h = h;
    wasm_func_t *f = wasm_func_new_host(&d->func, h->fn, b);
    if (!f) {
        free(b);
        return false;
    }
    w->funcs[w->nfuncs++] = f;
    out->kind = WASM_EXTERN_FUNC;
    out->u.func = f;
    return true;
}

bool mk_wasi_exited(const mk_wasi_t *w, int *code)
{
    if (w->exited && code)
        *code = w->exit_code;
    return w->exited;
}

void mk_wasi_free(mk_wasi_t *w)
{
    if (!w)
        return;
    /* each function's user pointer is its binding */
    for (size_t i = 0; i < w->nfuncs; i++) {
        free(wasm_func_user_data(w->funcs[i]));
        wasm_func_free(w->funcs[i]);
    }
    free(w->funcs);
    free(w);
}
