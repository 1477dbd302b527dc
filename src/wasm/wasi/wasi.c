/*
 * wasi.c -- core of the WASI preview1 host (mk-wasm, WASM actors): the context and its
 * guest fd table, binding of the 46 wasi_snapshot_preview1 imports, and the
 * calls that touch no file: args_*, environ_*, clock_*, random_get,
 * proc_exit, proc_raise, sched_yield. File calls are in wasi_fd.c and
 * wasi_path.c, poll_oneoff and sock_* in wasi_poll.c. Every guest pointer is
 * bounds-checked (FAULT, never a host crash); proc_exit stops the program
 * with a host trap that mk_wasi_exited() recognises.
 */
#include "wasm/wasi/wasi_int.h"

#include "core/alloc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct host_fn {
    const char *name;
    const char *sig; /* params ">" results, i = i32, I = i64 */
    wasm_host_fn fn;
} host_fn_t;

/* ---- helpers shared by the other files (wasi_int.h) ---- */

int wasi_errno(int e)
{
    static const struct {
        int host, wasi;
    } map[] = {
        {E2BIG, E_2BIG},
        {EACCES, E_ACCES},
        {EAGAIN, E_AGAIN},
        {EBADF, E_BADF},
        {EBUSY, E_BUSY},
        {EEXIST, E_EXIST},
        {EFAULT, E_FAULT},
        {EFBIG, E_FBIG},
        {EINTR, E_INTR},
        {EINVAL, E_INVAL},
        {EIO, E_IO},
        {EISDIR, E_ISDIR},
        {ELOOP, E_LOOP},
        {EMFILE, E_MFILE},
        {EMLINK, E_MLINK},
        {ENAMETOOLONG, E_NAMETOOLONG},
        {ENFILE, E_NFILE},
        {ENOENT, E_NOENT},
        {ENOMEM, E_NOMEM},
        {ENOSPC, E_NOSPC},
        {ENOSYS, E_NOSYS},
        {ENOTCONN, E_NOTCONN},
        {ENOTDIR, E_NOTDIR},
        {ENOTEMPTY, E_NOTEMPTY},
        {ENOTSOCK, E_NOTSOCK},
        {EOPNOTSUPP, E_NOTSUP},
        {ENOTTY, E_NOTTY},
        {ENXIO, E_NXIO},
        {EOVERFLOW, E_OVERFLOW},
        {EPERM, E_PERM},
        {EPIPE, E_PIPE},
        {ERANGE, E_RANGE},
        {EROFS, E_ROFS},
        {ESPIPE, E_SPIPE},
        {ETXTBSY, E_TXTBSY},
        {ECONNRESET, 15},
        {ECONNREFUSED, 14},
        {ECONNABORTED, 13},
        {EDQUOT, 19},
        {EILSEQ, 25},
        /* openat2 RESOLVE_BENEATH: the path would leave the preopen */
        {EXDEV, E_NOTCAPABLE},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].host == e)
            return map[i].wasi;
    return E_IO;
}

uint8_t *wasi_mem(wasm_instance_t *inst, uint64_t at, uint64_t len)
{
    size_t size;
    uint8_t *mem = wasm_memory_data(inst, &size);
    if (!mem || at > size || len > size - at)
        return NULL;
    return mem + at;
}

bool wasi_put_u32(wasm_instance_t *inst, uint64_t at, uint32_t v)
{
    return wasm_memory_write(inst, at, &v, 4);
}

bool wasi_put_u64(wasm_instance_t *inst, uint64_t at, uint64_t v)
{
    return wasm_memory_write(inst, at, &v, 8);
}

wasi_fd_t *wasi_fd(mk_wasi_t *w, int32_t fd, uint64_t rights, int *err)
{
    if (fd < 0 || fd >= WASI_MAX_FDS || !w->fds[fd].open) {
        *err = E_BADF;
        return NULL;
    }
    if ((w->fds[fd].base & rights) != rights) {
        *err = E_NOTCAPABLE;
        return NULL;
    }
    return &w->fds[fd];
}

int wasi_fd_alloc(mk_wasi_t *w)
{
    for (int i = 3; i < WASI_MAX_FDS; i++)
        if (!w->fds[i].open)
            return i;
    return -1;
}

void wasi_fd_release(wasi_fd_t *f)
{
    if (f->dir)
        closedir(f->dir);
    if (f->own && f->host >= 0)
        close(f->host);
    mk_free(f->name);
    memset(f, 0, sizeof *f);
    f->host = -1;
}

uint8_t wasi_filetype(unsigned m)
{
    if (S_ISREG(m))
        return FT_FILE;
    if (S_ISDIR(m))
        return FT_DIR;
    if (S_ISCHR(m))
        return FT_CHAR;
    if (S_ISBLK(m))
        return FT_BLOCK;
    if (S_ISLNK(m))
        return FT_SYMLINK;
    if (S_ISSOCK(m))
        return FT_SOCK_STREAM;
    return FT_UNKNOWN; /* a FIFO: preview1 has no type for it */
}

static uint64_t ns_of(struct timespec t)
{
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

bool wasi_put_filestat(wasm_instance_t *inst, uint32_t at, const void *stp)
{
    const struct stat *st = stp;
    uint8_t b[64] = {0};
    uint64_t v[8] = {(uint64_t)st->st_dev,   (uint64_t)st->st_ino,  0,
                     (uint64_t)st->st_nlink, (uint64_t)st->st_size, ns_of(st->st_atim),
                     ns_of(st->st_mtim),     ns_of(st->st_ctim)};
    memcpy(b, v, sizeof v);
    memset(b + 16, 0, 8);
    b[16] = wasi_filetype(st->st_mode);
    return wasm_memory_write(inst, at, b, sizeof b);
}

bool wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
    enum { ATIM = 1, ATIM_NOW = 2, MTIM = 4, MTIM_NOW = 8 };
    if ((fst & ~15u) || ((fst & ATIM) && (fst & ATIM_NOW)) || ((fst & MTIM) && (fst & MTIM_NOW)))
        return false;
    uint64_t t[2] = {atim, mtim};
    for (int i = 0; i < 2; i++) {
        uint32_t set = i ? MTIM : ATIM, now = i ? MTIM_NOW : ATIM_NOW;
        if (fst & now) {
            ts[i].tv_sec = 0;
            ts[i].tv_nsec = UTIME_NOW;
        } else if (fst & set) {
            ts[i].tv_sec = (time_t)(t[i] / 1000000000ull);
            ts[i].tv_nsec = (long)(t[i] % 1000000000ull);
        } else {
            ts[i].tv_sec = 0;
            ts[i].tv_nsec = UTIME_OMIT;
        }
    }
    return true;
}

/* ---- args, environ ---- */

static wasm_status_t list_sizes(wasm_instance_t *inst, char **list, int n, const wasm_value_t *args,
                                wasm_value_t *results)
{
    uint32_t bytes = 0;
    for (int i = 0; i < n; i++)
        bytes += (uint32_t)strlen(list[i]) + 1;
    if (!wasi_put_u32(inst, args[0].u32, (uint32_t)n) || !wasi_put_u32(inst, args[1].u32, bytes))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

static wasm_status_t list_get(wasm_instance_t *inst, char **list, int n, const wasm_value_t *args,
                              wasm_value_t *results)
{
    uint64_t ptrs = args[0].u32, buf = args[1].u32;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(list[i]) + 1;
        if (buf > UINT32_MAX || !wasi_put_u32(inst, ptrs + 4u * (uint64_t)i, (uint32_t)buf) ||
            !wasm_memory_write(inst, buf, list[i], len))
            RET(E_FAULT);
        buf += len;
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

static HOSTFN(w_args_sizes_get)
{
    return list_sizes(inst, wasi_ctx(inst, user)->argv, wasi_ctx(inst, user)->argc, args, results);
}

static HOSTFN(w_args_get)
{
    return list_get(inst, wasi_ctx(inst, user)->argv, wasi_ctx(inst, user)->argc, args, results);
}

static HOSTFN(w_environ_sizes_get)
{
    char **e = wasi_ctx(inst, user)->envp;
    return list_sizes(inst, e, count_env(e), args, results);
}

static HOSTFN(w_environ_get)
{
    char **e = wasi_ctx(inst, user)->envp;
    return list_get(inst, e, count_env(e), args, results);
}

/* ---- clocks, random, process ---- */

static clockid_t clock_of(int32_t id)
{
    switch (id) {
    case 1: return CLOCK_MONOTONIC;
    case 2: return CLOCK_PROCESS_CPUTIME_ID;
    case 3: return CLOCK_THREAD_CPUTIME_ID;
    default: return CLOCK_REALTIME;
    }
}

static HOSTFN(w_clock_time_get)
{
    (void)user;
    if (args[0].i32 < 0 || args[0].i32 > 3)
        RET(E_INVAL);
    struct timespec ts;
    clock_gettime(clock_of(args[0].i32), &ts);
    if (!wasi_put_u64(inst, args[2].u32, ns_of(ts)))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

static HOSTFN(w_clock_res_get)
{
    (void)user;
    struct timespec ts;
    if (args[0].i32 < 0 || args[0].i32 > 3)
        RET(E_INVAL);
    clock_getres(clock_of(args[0].i32), &ts);
    if (!wasi_put_u64(inst, args[1].u32, ns_of(ts)))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

static HOSTFN(w_random_get)
{
    (void)user;
    uint32_t n = args[1].u32;
    uint8_t *p = wasi_mem(inst, args[0].u32, n);
    if (!p)
        RET(E_FAULT);
    for (uint32_t done = 0; done < n;) {
        ssize_t k = getrandom(p + done, n - done, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            RET(E_IO);
        }
        done += (uint32_t)k;
    }
    RET(E_SUCCESS);
}

static HOSTFN(w_proc_exit)
{
    (void)results;
    mk_wasi_t *w = wasi_ctx(inst, user);
    w->exited = true;
    w->exit_code = args[0].i32;
    return wasm_host_trap(inst, "proc_exit");
}

/* proc_raise: preview1 has no signal delivery in any runtime in use
 * (wasi-libc's raise() is not built on it); NOSYS. */
static HOSTFN(w_proc_raise)
{
    (void)inst;
    (void)user;
    (void)args;
    RET(E_NOSYS);
}

static HOSTFN(w_sched_yield)
{
    (void)args;
    mk_wasi_t *w = wasi_ctx(inst, user);
    if (w->hooks.yield) {
        results[0].u64 = 0;
        return w->hooks.yield(w->hooks.ctx, inst);
    }
    sched_yield();
    RET(E_SUCCESS);
}

static const host_fn_t k_wasi[] = {
    {"args_get", "ii>i", w_args_get},
    {"args_sizes_get", "ii>i", w_args_sizes_get},
    {"environ_get", "ii>i", w_environ_get},
    {"environ_sizes_get", "ii>i", w_environ_sizes_get},
    {"clock_res_get", "ii>i", w_clock_res_get},
    {"clock_time_get", "iIi>i", w_clock_time_get},
    {"fd_advise", "iIIi>i", wasi_fd_advise},
    {"fd_allocate", "iII>i", wasi_fd_allocate},
    {"fd_close", "i>i", wasi_fd_close},
    {"fd_datasync", "i>i", wasi_fd_datasync},
    {"fd_fdstat_get", "ii>i", wasi_fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii>i", wasi_fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII>i", wasi_fd_fdstat_set_rights},
    {"fd_filestat_get", "ii>i", wasi_fd_filestat_get},
    {"fd_filestat_set_size", "iI>i", wasi_fd_filestat_set_size},
    {"fd_filestat_set_times", "iIIi>i", wasi_fd_filestat_set_times},
    {"fd_pread", "iiiIi>i", wasi_fd_pread},
    {"fd_prestat_get", "ii>i", wasi_fd_prestat_get},
    {"fd_prestat_dir_name", "iii>i", wasi_fd_prestat_dir_name},
    {"fd_pwrite", "iiiIi>i", wasi_fd_pwrite},
    {"fd_read", "iiii>i", wasi_fd_read},
    {"fd_readdir", "iiiIi>i", wasi_fd_readdir},
    {"fd_renumber", "ii>i", wasi_fd_renumber},
    {"fd_seek", "iIii>i", wasi_fd_seek},
    {"fd_sync", "i>i", wasi_fd_sync},
    {"fd_tell", "ii>i", wasi_fd_tell},
    {"fd_write", "iiii>i", wasi_fd_write},
    {"path_create_directory", "iii>i", wasi_path_create_directory},
    {"path_filestat_get", "iiiii>i", wasi_path_filestat_get},
    {"path_filestat_set_times", "iiiiIIi>i", wasi_path_filestat_set_times},
    {"path_link", "iiiiiii>i", wasi_path_link},
    {"path_open", "iiiiiIIii>i", wasi_path_open},
    {"path_readlink", "iiiiii>i", wasi_path_readlink},
    {"path_remove_directory", "iii>i", wasi_path_remove_directory},
    {"path_rename", "iiiiii>i", wasi_path_rename},
    {"path_symlink", "iiiii>i", wasi_path_symlink},
    {"path_unlink_file", "iii>i", wasi_path_unlink_file},
    {"poll_oneoff", "iiii>i", wasi_poll_oneoff},
    {"proc_exit", "i>", w_proc_exit},
    {"proc_raise", "i>i", w_proc_raise},
    {"random_get", "ii>i", w_random_get},
    {"sched_yield", ">i", w_sched_yield},
    {"sock_accept", "iii>i", wasi_sock_accept},
    {"sock_recv", "iiiiii>i", wasi_sock_recv},
    {"sock_send", "iiiii>i", wasi_sock_send},
    {"sock_shutdown", "ii>i", wasi_sock_shutdown},
};

_Static_assert(sizeof k_wasi / sizeof k_wasi[0] == 46, "preview1 has 46 functions");

bool wasi_fn_at(size_t i, const char **name, const char **sig, wasm_host_fn *fn)
{
    if (i >= sizeof k_wasi / sizeof k_wasi[0])
        return false;
    *name = k_wasi[i].name;
    *sig = k_wasi[i].sig;
    *fn = k_wasi[i].fn;
    return true;
}

/* ---- the context ---- */

mk_wasi_t *mk_wasi_new(int argc, char **argv, char **envp)
{
    mk_wasi_t *w = mk_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->argc = argc;
    w->argv = argv;
    w->envp = envp;
    for (int i = 0; i < WASI_MAX_FDS; i++)
        w->fds[i].host = -1;
    for (int i = 0; i <= 2; i++) {
        wasi_fd_t *f = &w->fds[i];
        struct stat st;
        f->host = i;
        f->open = true;
        f->type = FT_UNKNOWN;
        if (fstat(i, &st) == 0)
            f->type = wasi_filetype(st.st_mode);
        /* a terminal is a character device without seek/tell (wasi-libc's
         * isatty()); /dev/null and files seek */
        f->base = (i == 0 ? R_FD_READ : R_FD_WRITE) | R_FD_FDSTAT_SET_FLAGS | R_FD_FILESTAT_GET |
                  R_POLL_FD_READWRITE | R_FD_SYNC | R_FD_DATASYNC | R_FD_ADVISE;
        if (f->type == FT_FILE || (f->type == FT_CHAR && !isatty(i)))
            f->base |= R_FD_SEEK | R_FD_TELL;
        int fl = fcntl(i, F_GETFL);
        if (fl >= 0 && (fl & O_APPEND))
            f->flags |= FDF_APPEND;
    }
    return w;
}

mk_wasi_t *mk_wasi_new_embedded(int argc, char **argv, char **envp, const mk_wasi_hooks_t *hooks,
                                int out_fd, int err_fd)
{
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return NULL;
    mk_wasi_t *w = mk_calloc(1, sizeof *w);
    if (!w) {
        close(in);
        errno = ENOMEM;
        return NULL;
    }
    w->argc = argc;
    w->argv = argv;
    w->envp = envp;
    w->hooks = *hooks;
    for (int i = 0; i < WASI_MAX_FDS; i++)
        w->fds[i].host = -1;
    int host[3] = {in, out_fd, err_fd};
    for (int i = 0; i <= 2; i++) {
        wasi_fd_t *f = &w->fds[i];
        f->host = host[i];
        f->own = host[i] >= 0;
        f->open = true;
        /* a character device without seek: wasi-libc line-buffers it */
        f->type = FT_CHAR;
        f->base = (i == 0 ? R_FD_READ : R_FD_WRITE) | R_FD_FDSTAT_SET_FLAGS | R_FD_FILESTAT_GET |
                  R_POLL_FD_READWRITE;
        if (i == 0) /* host /dev/null: seeks, so not a tty (as a native program sees it) */
            f->base |= R_FD_SEEK | R_FD_TELL;
        if (i > 0 && host[i] >= 0) {
            struct stat st;
            if (fstat(host[i], &st) == 0)
                f->type = wasi_filetype(st.st_mode);
            f->base |= R_FD_SYNC | R_FD_DATASYNC;
            f->flags = FDF_APPEND;
        }
    }
    return w;
}

bool mk_wasi_preopen(mk_wasi_t *w, const char *host, const char *guest, bool readonly)
{
    if (strlen(guest) >= WASI_MAX_PATH) {
        errno = ENAMETOOLONG;
        return false;
    }
    int fd = wasi_fd_alloc(w);
    if (fd < 0) {
        errno = EMFILE;
        return false;
    }
    int h = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (h < 0)
        return false;
    char *name = mk_strdup(guest);
    if (!name) {
        close(h);
        errno = ENOMEM;
        return false;
    }
    wasi_fd_t *f = &w->fds[fd];
    f->open = true;
    f->own = true;
    f->host = h;
    f->type = FT_DIR;
    f->name = name;
    f->base = R_DIR_ALL;
    f->inh = R_DIR_ALL | R_FILE_ALL;
    if (readonly) {
        f->base &= ~R_MUTATE;
        f->inh &= ~R_MUTATE;
    }
    return true;
}

bool mk_wasi_add_listener(mk_wasi_t *w, int hostfd)
{
    struct stat st;
    if (fstat(hostfd, &st) != 0)
        return false;
    if (!S_ISSOCK(st.st_mode)) {
        errno = ENOTSOCK;
        return false;
    }
    int fd = wasi_fd_alloc(w);
    if (fd < 0) {
        errno = EMFILE;
        return false;
    }
    wasi_fd_t *f = &w->fds[fd];
    f->open = true;
    f->own = false;
    f->host = hostfd;
    f->type = FT_SOCK_STREAM;
    f->base = R_SOCK_ACCEPT | R_FD_FDSTAT_SET_FLAGS | R_FD_FILESTAT_GET | R_POLL_FD_READWRITE;
    f->inh = R_SOCK_ALL;
    return true;
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
    const host_fn_t *h = NULL;
    for (size_t i = 0; i < sizeof k_wasi / sizeof k_wasi[0]; i++)
        if (strcmp(k_wasi[i].name, d->name) == 0)
            h = &k_wasi[i];
    if (!h || !sig_matches(&d->func, h->sig))
        return false;
    binding_t *b = mk_malloc(sizeof *b);
    wasm_func_t **grown = mk_realloc(w->funcs, (w->nfuncs + 1) * sizeof *grown);
    if (!b || !grown) {
        mk_free(b);
        if (grown)
            w->funcs = grown;
        return false;
    }
    w->funcs = grown;
    b->w = w;
    b->h = h;
    wasm_func_t *f = wasm_func_new_host(&d->func, h->fn, b);
    if (!f) {
        mk_free(b);
        return false;
    }
    w->funcs[w->nfuncs++] = f;
    out->kind = WASM_EXTERN_FUNC;
    out->u.func = f;
    return true;
}

/* ---- process-wide functions (WASM actors) ---- */

#define NWASI (sizeof k_wasi / sizeof k_wasi[0])
static wasm_func_t *g_shared[NWASI];
static binding_t g_shared_bind[NWASI];
static bool g_shared_ready;

bool mk_wasi_shared_init(mk_wasi_t *(*ctx_of)(wasm_instance_t *inst))
{
    if (g_shared_ready)
        return true;
    for (size_t i = 0; i < NWASI; i++) {
        uint8_t types[16];
        const char *sig = k_wasi[i].sig, *gt = strchr(sig, '>');
        size_t np = (size_t)(gt - sig), nr = strlen(gt + 1);
        for (size_t k = 0; k < np + nr; k++) {
            char c = k < np ? sig[k] : gt[1 + k - np];
            types[k] = c == 'i' ? WASM_I32 : WASM_I64;
        }
        wasm_functype_t t = {(uint32_t)np, (uint32_t)nr, types, types + np};
        g_shared_bind[i] = (binding_t){NULL, &k_wasi[i], ctx_of};
        g_shared[i] = wasm_func_new_host(&t, k_wasi[i].fn, &g_shared_bind[i]);
        if (!g_shared[i]) {
            mk_wasi_shared_cleanup();
            errno = ENOMEM;
            return false;
        }
    }
    g_shared_ready = true;
    return true;
}

bool mk_wasi_resolve_shared(const wasm_extern_desc_t *d, wasm_extern_t *out, char *why,
                            size_t why_len)
{
    if (strcmp(d->module, "wasi_snapshot_preview1") != 0 || d->kind != WASM_EXTERN_FUNC) {
        snprintf(why, why_len, "not a wasi_snapshot_preview1 function");
        return false;
    }
    for (size_t i = 0; i < NWASI; i++) {
        if (strcmp(k_wasi[i].name, d->name) != 0)
            continue;
        if (!sig_matches(&d->func, k_wasi[i].sig)) {
            snprintf(why, why_len, "type differs from preview1's (%s)", k_wasi[i].sig);
            return false;
        }
        if (!g_shared_ready) {
            snprintf(why, why_len, "WASI host functions not initialised");
            return false;
        }
        out->kind = WASM_EXTERN_FUNC;
        out->u.func = g_shared[i];
        return true;
    }
    snprintf(why, why_len, "not one of the 46 preview1 functions");
    return false;
}

void mk_wasi_shared_cleanup(void)
{
    for (size_t i = 0; i < NWASI; i++) {
        if (g_shared[i])
            wasm_func_free(g_shared[i]);
        g_shared[i] = NULL;
    }
    g_shared_ready = false;
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
        mk_free(wasm_func_user_data(w->funcs[i]));
        wasm_func_free(w->funcs[i]);
    }
    for (int i = 0; i < WASI_MAX_FDS; i++)
        if (w->fds[i].open)
            wasi_fd_release(&w->fds[i]);
    wasi_poll_wait_free(w->poll_wait);
    mk_free(w->funcs);
    mk_free(w);
}
