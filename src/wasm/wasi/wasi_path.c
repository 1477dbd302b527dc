/*
 * wasi_path.c -- the path_* calls of the WASI preview1 host (mk-wasm, WASM actors).
 * A guest path is relative to a directory fd (a preopen or a directory
 * opened under one) and may never leave it: every lookup goes through
 * openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (Linux >= 5.6),
 * which refuses `..` above the start, absolute paths and symlinks leading
 * outside with EXDEV, reported to the guest as NOTCAPABLE (76). Calls that
 * act on a name (mkdir, unlink, rename, link, symlink, readlink) resolve
 * the parent that way and act on the last component with the *at() call,
 * which never follows a symlink in that component.
 */
#include "wasm/wasi/wasi_int.h"

#include "core/alloc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { LOOKUP_SYMLINK_FOLLOW = 1 };
enum { O_CREAT_ = 1, O_DIRECTORY_ = 2, O_EXCL_ = 4, O_TRUNC_ = 8 };

/* Copy the guest path (at, len) into `out` with a NUL: FAULT, NAMETOOLONG,
 * INVAL (an embedded NUL), NOENT (empty, as POSIX). */
static int get_path(wasm_instance_t *inst, uint32_t at, uint32_t len, char *out)
{
    const uint8_t *p = wasi_mem(inst, at, len);
    if (!p)
        return E_FAULT;
    if (len >= WASI_MAX_PATH)
        return E_NAMETOOLONG;
    if (len == 0)
        return E_NOENT;
    if (memchr(p, 0, len))
        return E_INVAL;
    memcpy(out, p, len);
    out[len] = 0;
    return E_SUCCESS;
}

/* openat2 beneath `dirfd`; the host fd or -1 with errno. */
static int beneath(int dirfd, const char *path, int flags, mode_t mode)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long r;
    do
        r = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    while (r < 0 && errno == EINTR);
    return (int)r;
}

/* A resolved parent: `fd` (O_PATH, to close) and the last component. */
typedef struct parent {
    int fd;
    const char *last;
    bool dots; /* the last component is "." or ".." */
} parent_t;

/* Split `path` (modified) at its last component, resolve the directory
 * part beneath `dirfd`. Returns a WASI errno. */
static int get_parent(int dirfd, char *path, parent_t *p)
{
    size_t n = strlen(path);
    size_t end = n;
    while (end > 1 && path[end - 1] == '/')
        end--;
    size_t slash = end;
    while (slash > 0 && path[slash - 1] != '/')
        slash--;
    const char *dir = ".";
    if (slash > 0) {
        path[slash - 1] = 0;
        dir = slash == 1 ? "/" : path; /* "/x": absolute, refused below */
    }
    p->last = path + slash;
    size_t ll = end - slash;
    p->dots = (ll == 1 && p->last[0] == '.') || (ll == 2 && p->last[0] == '.' && p->last[1] == '.');
    if (ll == 0) /* the path was "/" or "//..." */
        p->last = ".", p->dots = true;
    p->fd = beneath(dirfd, dir, O_PATH | O_DIRECTORY, 0);
    if (p->fd < 0)
        return wasi_errno(errno);
    if (p->dots && p->last[1] == '.') { /* "..": must still stay beneath */
        int t = beneath(p->fd, "..", O_PATH, 0);
        if (t < 0) {
            int e = wasi_errno(errno);
            close(p->fd);
            return e;
        }
        close(t);
    }
    return E_SUCCESS;
}

/* Look up directory fd `fd` with `rights` and copy the guest path. */
static wasi_fd_t *dir_and_path(wasm_instance_t *inst, void *user, int32_t fd, uint64_t rights,
                               uint32_t at, uint32_t len, char *path, int *err)
{
    wasi_fd_t *d = wasi_fd(wasi_ctx(inst, user), fd, rights, err);
    if (!d)
        return NULL;
    if (d->type != FT_DIR) {
        *err = E_NOTDIR;
        return NULL;
    }
    *err = get_path(inst, at, len, path);
    return *err ? NULL : d;
}

HOSTFN(wasi_path_open)
{
    mk_wasi_t *w = wasi_ctx(inst, user);
    char path[WASI_MAX_PATH];
    int err;
    uint32_t dirflags = args[1].u32, oflags = args[4].u32, fdflags = args[7].u32;
    uint64_t base = args[5].u64, inh = args[6].u64;
    wasi_fd_t *d =
        dir_and_path(inst, user, args[0].i32, R_PATH_OPEN, args[2].u32, args[3].u32, path, &err);
    if (!d)
        RET(err);
    if (!wasi_mem(inst, args[8].u32, 4))
        RET(E_FAULT);
    if (oflags & ~15u || fdflags & ~31u)
        RET(E_INVAL);
    /* witx: creating needs path_create_file, truncating
     * path_filestat_set_size; the new fd's rights come from the
     * directory's inheriting rights */
    if ((oflags & O_CREAT_) && !(d->base & R_PATH_CREATE_FILE))
        RET(E_NOTCAPABLE);
    if ((oflags & O_TRUNC_) && !(d->base & R_PATH_FILESTAT_SET_SIZE))
        RET(E_NOTCAPABLE);
    if ((base & ~d->inh) || (inh & ~d->inh))
        RET(E_NOTCAPABLE);
    bool rd = base & (R_FD_READ | R_FD_READDIR);
    bool wr = base & (R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE | R_FD_DATASYNC);
    if (fdflags & FDF_APPEND)
        wr = true;
    int fl = wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (oflags & O_CREAT_)
        fl |= O_CREAT;
    if (oflags & O_DIRECTORY_)
        fl |= O_DIRECTORY;
    if (oflags & O_EXCL_)
        fl |= O_EXCL;
    if (oflags & O_TRUNC_)
        fl |= O_TRUNC;
    if (!(dirflags & LOOKUP_SYMLINK_FOLLOW))
        fl |= O_NOFOLLOW;
    if (fdflags & FDF_APPEND)
        fl |= O_APPEND;
    /* an embedder that waits in its own loop: never block its thread (a
     * fifo opens at once; for writing with no reader it is NXIO), and
     * io() waits in the loop when the guest did not ask for NONBLOCK */
    if ((fdflags & FDF_NONBLOCK) || w->hooks.poll)
        fl |= O_NONBLOCK;
    if (fdflags & FDF_DSYNC)
        fl |= O_DSYNC;
    if (fdflags & FDF_SYNC)
        fl |= O_SYNC;
    if (fdflags & FDF_RSYNC)
        fl |= O_RSYNC;
    int slot = wasi_fd_alloc(w);
    if (slot < 0)
        RET(E_MFILE);
    int h = beneath(d->host, path, fl, 0666);
    if (h < 0 && errno == EISDIR && !wr) /* a directory opened for reading only */
        h = beneath(d->host, path, fl | O_DIRECTORY, 0);
    if (h < 0)
        RET(wasi_errno(errno));
    struct stat st;
    if (fstat(h, &st) != 0) {
        int e = errno;
        close(h);
        RET(wasi_errno(e));
    }
    wasi_fd_t *f = &w->fds[slot];
    f->open = true;
    f->own = true;
    f->host = h;
    f->type = wasi_filetype(st.st_mode);
    f->flags = (uint16_t)fdflags;
    /* fewer rights only where they cannot apply to this type (witx) */
    f->base = base & (f->type == FT_DIR ? R_DIR_ALL : R_FILE_ALL);
    f->inh = inh;
    if (!wasi_put_u32(inst, args[8].u32, (uint32_t)slot)) {
        wasi_fd_release(f);
        RET(E_FAULT);
    }
    RET(E_SUCCESS);
}

/* The common shape of mkdir / rmdir / unlink: (fd, path, path_len). */
enum { OP_MKDIR, OP_RMDIR, OP_UNLINK };

static wasm_status_t name_op(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                             wasm_value_t *results, int op)
{
    static const uint64_t need[] = {R_PATH_CREATE_DIRECTORY, R_PATH_REMOVE_DIRECTORY,
                                    R_PATH_UNLINK_FILE};
    char path[WASI_MAX_PATH];
    int err;
    wasi_fd_t *d =
        dir_and_path(inst, user, args[0].i32, need[op], args[1].u32, args[2].u32, path, &err);
    if (!d)
        RET(err);
    parent_t p;
    err = get_parent(d->host, path, &p);
    if (err)
        RET(err);
    int r;
    if (p.dots) { /* what Linux answers for "." and ".." */
        static const int dots[][2] = {
            {E_EXIST, E_EXIST}, {E_INVAL, E_NOTEMPTY}, {E_ISDIR, E_ISDIR}};
        close(p.fd);
        RET(dots[op][p.last[1] == '.']);
    }
    if (op == OP_MKDIR)
        r = mkdirat(p.fd, p.last, 0777);
    else
        r = unlinkat(p.fd, p.last, op == OP_RMDIR ? AT_REMOVEDIR : 0);
    err = r == 0 ? E_SUCCESS : wasi_errno(errno);
    close(p.fd);
    RET(err);
}

HOSTFN(wasi_path_create_directory)
{
    return name_op(inst, user, args, results, OP_MKDIR);
}

HOSTFN(wasi_path_remove_directory)
{
    return name_op(inst, user, args, results, OP_RMDIR);
}

HOSTFN(wasi_path_unlink_file)
{
    return name_op(inst, user, args, results, OP_UNLINK);
}

HOSTFN(wasi_path_rename)
{
    char from[WASI_MAX_PATH], to[WASI_MAX_PATH];
    int err;
    wasi_fd_t *d = dir_and_path(inst, user, args[0].i32, R_PATH_RENAME_SOURCE, args[1].u32,
                                args[2].u32, from, &err);
    wasi_fd_t *nd = d ? dir_and_path(inst, user, args[3].i32, R_PATH_RENAME_TARGET, args[4].u32,
                                     args[5].u32, to, &err)
                      : NULL;
    if (!nd)
        RET(err);
    parent_t a, b;
    err = get_parent(d->host, from, &a);
    if (err)
        RET(err);
    err = get_parent(nd->host, to, &b);
    if (err) {
        close(a.fd);
        RET(err);
    }
    if (a.dots || b.dots)
        err = E_BUSY;
    else
        err = renameat(a.fd, a.last, b.fd, b.last) == 0 ? E_SUCCESS : wasi_errno(errno);
    close(a.fd);
    close(b.fd);
    RET(err);
}

/* Open `path` beneath `d` as O_PATH (following a final symlink only when
 * asked); the host fd or -errno as a WASI errno in *err. */
static int open_path(wasi_fd_t *d, const char *path, uint32_t lookup, int *err)
{
    int fl = O_PATH | ((lookup & LOOKUP_SYMLINK_FOLLOW) ? 0 : O_NOFOLLOW);
    int h = beneath(d->host, path, fl, 0);
    if (h < 0)
        *err = wasi_errno(errno);
    return h;
}

HOSTFN(wasi_path_filestat_get)
{
    char path[WASI_MAX_PATH];
    int err;
    wasi_fd_t *d = dir_and_path(inst, user, args[0].i32, R_PATH_FILESTAT_GET, args[2].u32,
                                args[3].u32, path, &err);
    if (!d)
        RET(err);
    int h = open_path(d, path, args[1].u32, &err);
    if (h < 0)
        RET(err);
    struct stat st;
    err = fstat(h, &st) == 0 ? E_SUCCESS : wasi_errno(errno);
    close(h);
    if (!err && !wasi_put_filestat(inst, args[4].u32, &st))
        err = E_FAULT;
    RET(err);
}

HOSTFN(wasi_path_filestat_set_times)
{
    char path[WASI_MAX_PATH];
    int err;
    wasi_fd_t *d = dir_and_path(inst, user, args[0].i32, R_PATH_FILESTAT_SET_TIMES, args[2].u32,
                                args[3].u32, path, &err);
    if (!d)
        RET(err);
    struct timespec ts[2];
    if (!wasi_times(args[4].u64, args[5].u64, args[6].u32, ts))
        RET(E_INVAL);
    int h = open_path(d, path, args[1].u32, &err);
    if (h < 0)
        RET(err);
    err = utimensat(h, "", ts, AT_EMPTY_PATH) == 0 ? E_SUCCESS : wasi_errno(errno);
    close(h);
    RET(err);
}

HOSTFN(wasi_path_link)
{
    char from[WASI_MAX_PATH], to[WASI_MAX_PATH];
    int err;
    wasi_fd_t *d = dir_and_path(inst, user, args[0].i32, R_PATH_LINK_SOURCE, args[2].u32,
                                args[3].u32, from, &err);
    wasi_fd_t *nd = d ? dir_and_path(inst, user, args[4].i32, R_PATH_LINK_TARGET, args[5].u32,
                                     args[6].u32, to, &err)
                      : NULL;
    if (!nd)
        RET(err);
    parent_t b;
    err = get_parent(nd->host, to, &b);
    if (err)
        RET(err);
    if (b.dots) {
        close(b.fd);
        RET(E_EXIST);
    }
    if (args[1].u32 & LOOKUP_SYMLINK_FOLLOW) {
        /* link what the symlink names, resolved beneath the source dir */
        int h = open_path(d, from, LOOKUP_SYMLINK_FOLLOW, &err);
        if (h >= 0) {
            char proc[64];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", h);
            err = linkat(AT_FDCWD, proc, b.fd, b.last, AT_SYMLINK_FOLLOW) == 0 ? E_SUCCESS
                                                                               : wasi_errno(errno);
            close(h);
        }
    } else {
        parent_t a;
        err = get_parent(d->host, from, &a);
        if (!err) {
            if (a.dots)
                err = E_PERM; /* a hard link to a directory */
            else
                err = linkat(a.fd, a.last, b.fd, b.last, 0) == 0 ? E_SUCCESS : wasi_errno(errno);
            close(a.fd);
        }
    }
    close(b.fd);
    RET(err);
}

HOSTFN(wasi_path_symlink)
{
    char target[WASI_MAX_PATH], path[WASI_MAX_PATH];
    int err = get_path(inst, args[0].u32, args[1].u32, target);
    if (err)
        RET(err);
    wasi_fd_t *d =
        dir_and_path(inst, user, args[2].i32, R_PATH_SYMLINK, args[3].u32, args[4].u32, path, &err);
    if (!d)
        RET(err);
    /* an absolute target could only ever resolve outside (lookups refuse
     * it), and would point host programs outside: refused, as wasmtime */
    if (target[0] == '/')
        RET(E_PERM);
    parent_t p;
    err = get_parent(d->host, path, &p);
    if (err)
        RET(err);
    if (p.dots)
        err = E_EXIST;
    else
        err = symlinkat(target, p.fd, p.last) == 0 ? E_SUCCESS : wasi_errno(errno);
    close(p.fd);
    RET(err);
}

HOSTFN(wasi_path_readlink)
{
    char path[WASI_MAX_PATH];
    int err;
    wasi_fd_t *d = dir_and_path(inst, user, args[0].i32, R_PATH_READLINK, args[1].u32, args[2].u32,
                                path, &err);
    if (!d)
        RET(err);
    uint8_t *buf = wasi_mem(inst, args[3].u32, args[4].u32);
    if (!buf || !wasi_mem(inst, args[5].u32, 4))
        RET(E_FAULT);
    parent_t p;
    err = get_parent(d->host, path, &p);
    if (err)
        RET(err);
    ssize_t n = -1;
    if (p.dots)
        err = E_INVAL;
    else if ((n = readlinkat(p.fd, p.last, (char *)buf, args[4].u32)) < 0)
        err = wasi_errno(errno);
    close(p.fd);
    if (!err)
        wasi_put_u32(inst, args[5].u32, (uint32_t)n);
    RET(err);
}
