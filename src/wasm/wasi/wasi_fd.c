/*
 * wasi_fd.c -- the fd_* calls of the WASI preview1 host (mk-wasm, WASM actors): reads
 * and writes through guest iovec arrays, seeking, syncing, fd and file
 * status, preopen names, renumbering and fd_readdir. Each call checks the
 * slot is open (BADF) and has the right the witx names for it (NOTCAPABLE)
 * before it touches the host fd; host errors map through wasi_errno().
 */
#include "wasm/wasi/wasi_int.h"

#include "core/alloc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int wasi_gather(wasm_instance_t *inst, uint32_t at, uint32_t n, struct iovec *iov)
{
    if (n > WASI_MAX_IOVS)
        return E_INVAL;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e[2];
        if (!wasm_memory_read(inst, (uint64_t)at + 8ull * i, e, 8))
            return E_FAULT;
        uint8_t *p = wasi_mem(inst, e[0], e[1]);
        if (!p)
            return E_FAULT;
        iov[i].iov_base = p;
        iov[i].iov_len = e[1];
    }
    return E_SUCCESS;
}

enum { OP_READ, OP_WRITE, OP_PREAD, OP_PWRITE };

/* One attempt of `op` on guest fd `fd` with the guest's iovec array at
 * `iovs` (`n` entries), result count to `ret`: a preview1 errno (AGAIN when
 * a non-blocking host fd was not ready); *fp is the slot when it exists. */
static int io_once(mk_wasi_t *w, wasm_instance_t *inst, int op, int32_t fd, uint32_t iovs,
                   uint32_t n, uint64_t off, uint32_t ret, wasi_fd_t **fp)
{
    static const uint64_t need[] = {R_FD_READ, R_FD_WRITE, R_FD_READ | R_FD_SEEK,
                                    R_FD_WRITE | R_FD_SEEK};
    int err;
    wasi_fd_t *f = *fp = wasi_fd(w, fd, need[op], &err);
    if (!f)
        return err;
    if (n > WASI_MAX_IOVS)
        return E_INVAL;
    struct iovec *iov = mk_calloc(n ? n : 1, sizeof *iov);
    if (!iov)
        return E_NOMEM;
    err = wasi_gather(inst, iovs, n, iov);
    if (err) {
        mk_free(iov);
        return err;
    }
    /* a bad result pointer is refused before any byte moves */
    if (!wasi_mem(inst, ret, 4)) {
        mk_free(iov);
        return E_FAULT;
    }
    if (off > INT64_MAX) {
        mk_free(iov);
        return E_INVAL;
    }
    ssize_t k;
    if (op == OP_WRITE && f->host < 0 && w->hooks.write) { /* stdio of an embedder */
        uint64_t total = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (iov[i].iov_len > UINT32_MAX - total)
                iov[i].iov_len = UINT32_MAX - total; /* the count is a u32 */
            w->hooks.write(w->hooks.ctx, fd, iov[i].iov_base, iov[i].iov_len);
            total += iov[i].iov_len;
        }
        mk_free(iov);
        return wasi_put_u32(inst, ret, (uint32_t)total) ? E_SUCCESS : E_FAULT;
    }
    do {
        switch (op) {
        case OP_READ: k = readv(f->host, iov, (int)n); break;
        case OP_WRITE: k = writev(f->host, iov, (int)n); break;
        case OP_PREAD: k = preadv(f->host, iov, (int)n, (off_t)off); break;
        default: k = pwritev(f->host, iov, (int)n, (off_t)off); break;
        }
    } while (k < 0 && errno == EINTR);
    int e = errno;
    mk_free(iov);
    if (k < 0)
        return e == EWOULDBLOCK ? E_AGAIN : wasi_errno(e);
    return wasi_put_u32(inst, ret, (uint32_t)k) ? E_SUCCESS : E_FAULT;
}

/* Not ready on a fd the guest did not make non-blocking, with an embedder
 * that waits in its own loop: wait there for the fd (wasi_io_wait_t). */
static bool waits_for(const mk_wasi_t *w, int err, const wasi_fd_t *f)
{
    return err == E_AGAIN && f && !(f->flags & FDF_NONBLOCK) && w->hooks.poll;
}

static wasm_status_t io_wait(mk_wasi_t *w, wasm_instance_t *inst, bool *again)
{
    w->io_wait.active = true;
    errno = 0;
    if (w->hooks.poll(w->hooks.ctx, inst, &w->io_wait.pfd, 1, UINT64_MAX) ==
        WASM_STATUS_SUSPENDED) {
        *again = true;
        return WASM_STATUS_SUSPENDED;
    }
    w->io_wait.active = false;
    *again = false;
    return WASM_STATUS_OK;
}

static wasm_status_t io(wasm_instance_t *inst, void *user, const wasm_value_t *args,
                        wasm_value_t *results, int op)
{
    mk_wasi_t *w = wasi_ctx(inst, user);
    uint64_t off = op >= OP_PREAD ? args[3].u64 : 0;
    uint32_t ret = op >= OP_PREAD ? args[4].u32 : args[3].u32;
    wasi_fd_t *f;
    int err = io_once(w, inst, op, args[0].i32, args[1].u32, args[2].u32, off, ret, &f);
    if (waits_for(w, err, f)) {
        short ev = op == OP_READ || op == OP_PREAD ? POLLIN : POLLOUT;
        wasi_poll_wait_free(w->poll_wait); /* one left by an aborted execution */
        w->poll_wait = NULL;
        w->io_wait = (wasi_io_wait_t){false,       op,  args[0].i32, args[1].u32,
                                      args[2].u32, ret, off,         {f->host, ev, 0}};
        bool again;
        results[0].u64 = 0;
        if (io_wait(w, inst, &again) == WASM_STATUS_SUSPENDED)
            return WASM_STATUS_SUSPENDED;
        err = wasi_errno(errno ? errno : EIO);
    }
    RET(err);
}

int wasi_io_retry(mk_wasi_t *w, wasm_instance_t *inst, bool *again)
{
    wasi_io_wait_t *q = &w->io_wait;
    *again = false;
    q->active = false;
    wasi_fd_t *f;
    int err = io_once(w, inst, q->op, q->fd, q->iovs, q->niovs, q->off, q->ret, &f);
    if (!waits_for(w, err, f)) /* done, or failed */
        return err;
    if (io_wait(w, inst, again) == WASM_STATUS_SUSPENDED)
        return E_SUCCESS; /* drained by someone else meanwhile: waits on */
    return wasi_errno(errno ? errno : EIO);
}

HOSTFN(wasi_fd_read)
{
    return io(inst, user, args, results, OP_READ);
}

HOSTFN(wasi_fd_write)
{
    return io(inst, user, args, results, OP_WRITE);
}

HOSTFN(wasi_fd_pread)
{
    return io(inst, user, args, results, OP_PREAD);
}

HOSTFN(wasi_fd_pwrite)
{
    return io(inst, user, args, results, OP_PWRITE);
}

HOSTFN(wasi_fd_seek)
{
    int err;
    int whence = args[2].i32;
    int64_t off = args[1].i64;
    /* seeking by 0 from the current position is a tell (witx: fd_tell) */
    uint64_t right = (off == 0 && whence == 1) ? R_FD_TELL : R_FD_SEEK;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, 0, &err);
    if (!f)
        RET(err);
    if (whence < 0 || whence > 2)
        RET(E_INVAL);
    if (!wasi_mem(inst, args[3].u32, 8))
        RET(E_FAULT);
    if (f->type == FT_UNKNOWN || f->type == FT_SOCK_STREAM || f->type == FT_SOCK_DGRAM)
        RET(E_SPIPE); /* a pipe or socket: what lseek(2) says */
    if ((f->base & right) != right)
        RET(E_NOTCAPABLE);
    static const int wh[] = {SEEK_SET, SEEK_CUR, SEEK_END};
    off_t r = lseek(f->host, (off_t)off, wh[whence]);
    if (r < 0)
        RET(wasi_errno(errno));
    if (!wasi_put_u64(inst, args[3].u32, (uint64_t)r))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

HOSTFN(wasi_fd_tell)
{
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, R_FD_TELL, &err);
    if (!f)
        RET(err);
    off_t r = lseek(f->host, 0, SEEK_CUR);
    if (r < 0)
        RET(wasi_errno(errno));
    if (!wasi_put_u64(inst, args[1].u32, (uint64_t)r))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

HOSTFN(wasi_fd_close)
{
    (void)inst;
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, 0, &err);
    if (!f)
        RET(err);
    wasi_fd_release(f);
    RET(E_SUCCESS);
}

HOSTFN(wasi_fd_sync)
{
    (void)inst;
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, R_FD_SYNC, &err);
    if (!f)
        RET(err);
    RET(fsync(f->host) == 0 ? E_SUCCESS : wasi_errno(errno));
}

HOSTFN(wasi_fd_datasync)
{
    (void)inst;
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, R_FD_DATASYNC, &err);
    if (!f)
        RET(err);
    RET(fdatasync(f->host) == 0 ? E_SUCCESS : wasi_errno(errno));
}

HOSTFN(wasi_fd_advise)
{
    (void)inst;
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, R_FD_ADVISE, &err);
    if (!f)
        RET(err);
    static const int adv[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                              POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
    if (args[3].i32 < 0 || args[3].i32 > 5 || args[1].u64 > INT64_MAX || args[2].u64 > INT64_MAX)
        RET(E_INVAL);
    int e = posix_fadvise(f->host, (off_t)args[1].u64, (off_t)args[2].u64, adv[args[3].i32]);
    RET(e ? wasi_errno(e) : E_SUCCESS);
}

HOSTFN(wasi_fd_allocate)
{
    (void)inst;
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, R_FD_ALLOCATE, &err);
    if (!f)
        RET(err);
    if (args[1].u64 > INT64_MAX || args[2].u64 > INT64_MAX - args[1].u64)
        RET(E_INVAL);
    int e = posix_fallocate(f->host, (off_t)args[1].u64, (off_t)args[2].u64);
    RET(e ? wasi_errno(e) : E_SUCCESS);
}

HOSTFN(wasi_fd_fdstat_get)
{
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, 0, &err);
    if (!f)
        RET(err);
    /* fdstat: u8 filetype, u16 flags at 2, u64 rights at 8 and inheriting
     * rights at 16. A pipe is UNKNOWN, not CHARACTER_DEVICE: wasi-libc's
     * isatty() is "character device without seek/tell rights". */
    uint8_t st[24] = {0};
    st[0] = f->type;
    memcpy(st + 2, &f->flags, 2);
    memcpy(st + 8, &f->base, 8);
    memcpy(st + 16, &f->inh, 8);
    if (!wasm_memory_write(inst, args[1].u32, st, sizeof st))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

HOSTFN(wasi_fd_fdstat_set_flags)
{
    (void)inst;
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, R_FD_FDSTAT_SET_FLAGS, &err);
    if (!f)
        RET(err);
    uint32_t fl = args[1].u32;
    if (fl & ~(uint32_t)(FDF_APPEND | FDF_DSYNC | FDF_NONBLOCK | FDF_RSYNC | FDF_SYNC))
        RET(E_INVAL);
    if (fl & (FDF_DSYNC | FDF_RSYNC | FDF_SYNC))
        RET(E_NOTSUP); /* Linux cannot change these after open (fcntl F_SETFL) */
    int cur = fcntl(f->host, F_GETFL);
    if (cur < 0)
        RET(wasi_errno(errno));
    cur &= ~(O_APPEND | O_NONBLOCK);
    if (fl & FDF_APPEND)
        cur |= O_APPEND;
    /* an embedder that waits in its own loop keeps every host fd
     * non-blocking; the guest's flag decides whether io() waits */
    if ((fl & FDF_NONBLOCK) || wasi_ctx(inst, user)->hooks.poll)
        cur |= O_NONBLOCK;
    if (fcntl(f->host, F_SETFL, cur) != 0)
        RET(wasi_errno(errno));
    f->flags = (uint16_t)((f->flags & ~(FDF_APPEND | FDF_NONBLOCK)) | fl);
    RET(E_SUCCESS);
}

HOSTFN(wasi_fd_fdstat_set_rights)
{
    (void)inst;
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, 0, &err);
    if (!f)
        RET(err);
    /* rights only ever shrink */
    if ((args[1].u64 & ~f->base) || (args[2].u64 & ~f->inh))
        RET(E_NOTCAPABLE);
    f->base = args[1].u64;
    f->inh = args[2].u64;
    RET(E_SUCCESS);
}

HOSTFN(wasi_fd_filestat_get)
{
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, R_FD_FILESTAT_GET, &err);
    if (!f)
        RET(err);
    struct stat st;
    if (fstat(f->host, &st) != 0)
        RET(wasi_errno(errno));
    if (!wasi_put_filestat(inst, args[1].u32, &st))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

HOSTFN(wasi_fd_filestat_set_size)
{
    (void)inst;
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, R_FD_FILESTAT_SET_SIZE, &err);
    if (!f)
        RET(err);
    if (args[1].u64 > INT64_MAX)
        RET(E_INVAL);
    RET(ftruncate(f->host, (off_t)args[1].u64) == 0 ? E_SUCCESS : wasi_errno(errno));
}

HOSTFN(wasi_fd_filestat_set_times)
{
    (void)inst;
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, R_FD_FILESTAT_SET_TIMES, &err);
    if (!f)
        RET(err);
    struct timespec ts[2];
    if (!wasi_times(args[1].u64, args[2].u64, args[3].u32, ts))
        RET(E_INVAL);
    RET(futimens(f->host, ts) == 0 ? E_SUCCESS : wasi_errno(errno));
}

HOSTFN(wasi_fd_prestat_get)
{
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, 0, &err);
    if (!f)
        RET(err);
    if (!f->name)
        RET(E_BADF); /* what wasi-libc's preopen scan stops at */
    /* prestat: u8 tag (0 = dir) then u32 name length at 4 */
    uint32_t b[2] = {0, (uint32_t)strlen(f->name)};
    if (!wasm_memory_write(inst, args[1].u32, b, sizeof b))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

HOSTFN(wasi_fd_prestat_dir_name)
{
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, 0, &err);
    if (!f)
        RET(err);
    if (!f->name)
        RET(E_BADF);
    size_t len = strlen(f->name);
    if (args[2].u32 < len)
        RET(E_NAMETOOLONG);
    if (!wasm_memory_write(inst, args[1].u32, f->name, len))
        RET(E_FAULT);
    RET(E_SUCCESS);
}

HOSTFN(wasi_fd_renumber)
{
    (void)inst;
    mk_wasi_t *w = wasi_ctx(inst, user);
    int err;
    wasi_fd_t *from = wasi_fd(w, args[0].i32, 0, &err);
    wasi_fd_t *to = from ? wasi_fd(w, args[1].i32, 0, &err) : NULL;
    if (!to)
        RET(err);
    if (from != to) {
        wasi_fd_release(to);
        *to = *from;
        memset(from, 0, sizeof *from);
        from->host = -1;
    }
    RET(E_SUCCESS);
}

static uint8_t dtype(const struct dirent *e, int dirfd)
{
    switch (e->d_type) {
    case DT_REG: return FT_FILE;
    case DT_DIR: return FT_DIR;
    case DT_LNK: return FT_SYMLINK;
    case DT_CHR: return FT_CHAR;
    case DT_BLK: return FT_BLOCK;
    case DT_SOCK: return FT_SOCK_STREAM;
    case DT_FIFO: return FT_UNKNOWN;
    default: {
        struct stat st;
        if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return wasi_filetype(st.st_mode);
        return FT_UNKNOWN;
    }
    }
}

/* fd_readdir(fd, buf, buf_len, cookie, *bufused): entries from position
 * `cookie` (0 = start; each entry's d_next is the cookie of the next), as
 * 24-byte dirents each followed by its name, the last one cut at buf_len
 * (a full buffer tells the caller there may be more). The position is
 * the count of entries, kept with an open cursor so sequential reads do
 * not rescan (an entry that did not fit is read again); a cookie behind
 * the cursor rewinds it. */
HOSTFN(wasi_fd_readdir)
{
    int err;
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), args[0].i32, R_FD_READDIR, &err);
    if (!f)
        RET(err);
    uint32_t at = args[1].u32, len = args[2].u32;
    uint64_t cookie = args[3].u64;
    uint8_t *buf = wasi_mem(inst, at, len);
    if (!buf || !wasi_mem(inst, args[4].u32, 4))
        RET(E_FAULT);
    if (f->type != FT_DIR)
        RET(E_NOTDIR);
    if (!f->dir || cookie < f->dir_pos) {
        if (f->dir)
            closedir(f->dir);
        f->dir = NULL;
        int d = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (d < 0)
            RET(wasi_errno(errno));
        f->dir = fdopendir(d);
        if (!f->dir) {
            int e = errno;
            close(d);
            RET(wasi_errno(e));
        }
        f->dir_pos = 0;
    }
    errno = 0;
    while (f->dir_pos < cookie && readdir(f->dir))
        f->dir_pos++;
    uint32_t used = 0;
    while (used < len) {
        long loc = telldir(f->dir);
        errno = 0;
        struct dirent *e = readdir(f->dir);
        if (!e) {
            if (errno)
                RET(wasi_errno(errno));
            break;
        }
        f->dir_pos++;
        uint8_t h[24] = {0};
        uint64_t next = f->dir_pos, ino = e->d_ino;
        uint32_t namlen = (uint32_t)strlen(e->d_name);
        memcpy(h, &next, 8);
        memcpy(h + 8, &ino, 8);
        memcpy(h + 16, &namlen, 4);
        h[20] = dtype(e, dirfd(f->dir));
        bool cut = len - used < 24 + (uint64_t)namlen;
        uint32_t k = len - used < 24 ? len - used : 24;
        memcpy(buf + used, h, k);
        used += k;
        k = len - used < namlen ? len - used : namlen;
        memcpy(buf + used, e->d_name, k);
        used += k;
        if (cut) { /* read it again next time */
            seekdir(f->dir, loc);
            f->dir_pos--;
        }
    }
    wasi_put_u32(inst, args[4].u32, used);
    RET(E_SUCCESS);
}
