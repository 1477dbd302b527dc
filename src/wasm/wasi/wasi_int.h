/*
 * wasi_int.h -- internals shared by the WASI preview1 host files (src/wasm/wasi)
 * (wasi.c, wasi_fd.c, wasi_path.c, wasi_poll.c): the guest fd table, the
 * preview1 constants (errno, rights, file types, flags, from the witx of
 * wasi_snapshot_preview1 as mirrored in wasi-libc's <wasi/api.h>) and
 * guest-memory helpers. Not a public interface.
 */
#ifndef MK_WASI_INT_H
#define MK_WASI_INT_H

#include <dirent.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "wasm/wasi/wasi.h"

/* errno (preview1 `errno`, u16) */
enum {
    E_SUCCESS = 0,
    E_2BIG = 1,
    E_ACCES = 2,
    E_AGAIN = 6,
    E_BADF = 8,
    E_BUSY = 10,
    E_EXIST = 20,
    E_FAULT = 21,
    E_FBIG = 22,
    E_INTR = 27,
    E_INVAL = 28,
    E_IO = 29,
    E_ISDIR = 31,
    E_LOOP = 32,
    E_MFILE = 33,
    E_MLINK = 34,
    E_NAMETOOLONG = 37,
    E_NFILE = 41,
    E_NOENT = 44,
    E_NOMEM = 48,
    E_NOSPC = 51,
    E_NOSYS = 52,
    E_NOTCONN = 53,
    E_NOTDIR = 54,
    E_NOTEMPTY = 55,
    E_NOTSOCK = 57,
    E_NOTSUP = 58,
    E_NOTTY = 59,
    E_NXIO = 60,
    E_OVERFLOW = 61,
    E_PERM = 63,
    E_PIPE = 64,
    E_RANGE = 68,
    E_ROFS = 69,
    E_SPIPE = 70,
    E_TXTBSY = 74,
    E_XDEV = 75,
    E_NOTCAPABLE = 76
};

/* rights (u64 bit set) */
#define R_FD_DATASYNC             (1ull << 0)
#define R_FD_READ                 (1ull << 1)
#define R_FD_SEEK                 (1ull << 2)
#define R_FD_FDSTAT_SET_FLAGS     (1ull << 3)
#define R_FD_SYNC                 (1ull << 4)
#define R_FD_TELL                 (1ull << 5)
#define R_FD_WRITE                (1ull << 6)
#define R_FD_ADVISE               (1ull << 7)
#define R_FD_ALLOCATE             (1ull << 8)
#define R_PATH_CREATE_DIRECTORY   (1ull << 9)
#define R_PATH_CREATE_FILE        (1ull << 10)
#define R_PATH_LINK_SOURCE        (1ull << 11)
#define R_PATH_LINK_TARGET        (1ull << 12)
#define R_PATH_OPEN               (1ull << 13)
#define R_FD_READDIR              (1ull << 14)
#define R_PATH_READLINK           (1ull << 15)
#define R_PATH_RENAME_SOURCE      (1ull << 16)
#define R_PATH_RENAME_TARGET      (1ull << 17)
#define R_PATH_FILESTAT_GET       (1ull << 18)
#define R_PATH_FILESTAT_SET_SIZE  (1ull << 19)
#define R_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define R_FD_FILESTAT_GET         (1ull << 21)
#define R_FD_FILESTAT_SET_SIZE    (1ull << 22)
#define R_FD_FILESTAT_SET_TIMES   (1ull << 23)
#define R_PATH_SYMLINK            (1ull << 24)
#define R_PATH_REMOVE_DIRECTORY   (1ull << 25)
#define R_PATH_UNLINK_FILE        (1ull << 26)
#define R_POLL_FD_READWRITE       (1ull << 27)
#define R_SOCK_SHUTDOWN           (1ull << 28)
#define R_SOCK_ACCEPT             (1ull << 29)
#define R_ALL                     ((1ull << 30) - 1)

/* What a regular file / directory / socket can ever have. */
#define R_FILE_ALL                                                                                 \
    (R_FD_DATASYNC | R_FD_READ | R_FD_SEEK | R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | R_FD_TELL |       \
     R_FD_WRITE | R_FD_ADVISE | R_FD_ALLOCATE | R_FD_FILESTAT_GET | R_FD_FILESTAT_SET_SIZE |       \
     R_FD_FILESTAT_SET_TIMES | R_POLL_FD_READWRITE)
#define R_DIR_ALL                                                                                  \
    (R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | R_FD_DATASYNC | R_PATH_CREATE_DIRECTORY |                 \
     R_PATH_CREATE_FILE | R_PATH_LINK_SOURCE | R_PATH_LINK_TARGET | R_PATH_OPEN | R_FD_READDIR |   \
     R_PATH_READLINK | R_PATH_RENAME_SOURCE | R_PATH_RENAME_TARGET | R_PATH_FILESTAT_GET |         \
     R_PATH_FILESTAT_SET_SIZE | R_PATH_FILESTAT_SET_TIMES | R_FD_FILESTAT_GET |                    \
     R_FD_FILESTAT_SET_TIMES | R_PATH_SYMLINK | R_PATH_REMOVE_DIRECTORY | R_PATH_UNLINK_FILE)
/* What changes a directory tree or a file's contents: absent under --dir-ro. */
#define R_MUTATE                                                                                   \
    (R_FD_DATASYNC | R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE |                         \
     R_FD_FILESTAT_SET_TIMES | R_PATH_CREATE_DIRECTORY | R_PATH_CREATE_FILE | R_PATH_LINK_SOURCE | \
     R_PATH_LINK_TARGET | R_PATH_RENAME_SOURCE | R_PATH_RENAME_TARGET | R_PATH_FILESTAT_SET_SIZE | \
     R_PATH_FILESTAT_SET_TIMES | R_PATH_SYMLINK | R_PATH_REMOVE_DIRECTORY | R_PATH_UNLINK_FILE |   \
     R_FD_SYNC)
#define R_SOCK_ALL                                                                                 \
    (R_FD_READ | R_FD_WRITE | R_FD_FDSTAT_SET_FLAGS | R_FD_FILESTAT_GET | R_POLL_FD_READWRITE |    \
     R_SOCK_SHUTDOWN)

/* filetype (u8) */
enum {
    FT_UNKNOWN = 0,
    FT_BLOCK = 1,
    FT_CHAR = 2,
    FT_DIR = 3,
    FT_FILE = 4,
    FT_SOCK_DGRAM = 5,
    FT_SOCK_STREAM = 6,
    FT_SYMLINK = 7
};

/* fdflags (u16) */
enum { FDF_APPEND = 1, FDF_DSYNC = 2, FDF_NONBLOCK = 4, FDF_RSYNC = 8, FDF_SYNC = 16 };

/* Guest fds: a fixed table, so a guest cannot make the host allocate more. */
#define WASI_MAX_FDS  1024
#define WASI_MAX_PATH 4096 /* bytes, incl. the NUL; longer is NAMETOOLONG */

typedef struct wasi_fd {
    bool open;
    bool own;           /* close `host` with the slot (stdio and --listen-fd: no) */
    int host;           /* host file descriptor */
    uint8_t type;       /* FT_* */
    uint16_t flags;     /* FDF_* as last set */
    uint64_t base, inh; /* rights */
    char *name;         /* preopen guest name (owned), NULL otherwise */
    DIR *dir;           /* fd_readdir cursor (own dup of host), NULL until used */
    uint64_t dir_pos;   /* entries already returned through `dir` */
} wasi_fd_t;

/* A read or write of a guest fd without FDF_NONBLOCK whose host fd (made
 * non-blocking by an embedder with a poll hook) had nothing to give or no
 * room: it waits in hooks.poll for `pfd`, then mk_wasi_poll_finish() runs
 * it again (wasi_io_retry). The guest sees a blocking call; the embedder's
 * thread never blocks. */
typedef struct wasi_io_wait {
    bool active;
    int op;                    /* wasi_fd.c: read, write, pread, pwrite */
    int32_t fd;                /* guest fd */
    uint32_t iovs, niovs, ret; /* guest addresses and count, as at the call */
    uint64_t off;              /* pread / pwrite offset */
    struct pollfd pfd;         /* the host fd and POLLIN or POLLOUT */
} wasi_io_wait_t;

struct mk_wasi {
    int argc;
    char **argv;
    char **envp;
    bool exited;
    int exit_code;
    mk_wasi_hooks_t hooks;            /* embedder's (mk_wasi_new_embedded); all NULL for mk-wasm */
    struct wasi_poll_wait *poll_wait; /* a poll_oneoff suspended in hooks.poll, or NULL */
    wasi_io_wait_t io_wait;           /* a read/write suspended in hooks.poll */
    wasm_func_t **funcs;              /* created on resolve, freed with the context */
    size_t nfuncs;
    wasi_fd_t fds[WASI_MAX_FDS];
};

/* The user pointer of every WASI host function: its context, or (for the
 * process-wide functions of mk_wasi_shared_init) NULL and a lookup from the
 * calling instance. */
typedef struct binding {
    mk_wasi_t *w;
    const void *h;
    mk_wasi_t *(*ctx_of)(wasm_instance_t *inst);
} binding_t;

static inline mk_wasi_t *wasi_ctx(wasm_instance_t *inst, void *user)
{
    binding_t *b = user;
    return b->w ? b->w : b->ctx_of(inst);
}

#define RET(v)                                                                                     \
    do {                                                                                           \
        results[0].u64 = 0;                                                                        \
        results[0].i32 = (v);                                                                      \
        return WASM_STATUS_OK;                                                                     \
    } while (0)

#define HOSTFN(name)                                                                               \
    wasm_status_t name(wasm_instance_t *inst, void *user, const wasm_value_t *args,                \
                       wasm_value_t *results)

/* The preview1 errno for host errno `e` (IO for what has no match). */
int wasi_errno(int e);
/* Guest bytes [at, at+len) or NULL when any of them is outside memory 0. */
uint8_t *wasi_mem(wasm_instance_t *inst, uint64_t at, uint64_t len);
bool wasi_put_u32(wasm_instance_t *inst, uint64_t at, uint32_t v);
bool wasi_put_u64(wasm_instance_t *inst, uint64_t at, uint64_t v);
/* The open slot `fd` having all of `rights`; else NULL and *err = BADF
 * (not open) or NOTCAPABLE (a right missing). */
wasi_fd_t *wasi_fd(mk_wasi_t *w, int32_t fd, uint64_t rights, int *err);
/* Run the read/write that w->io_wait holds again (mk_wasi_poll_finish):
 * its preview1 errno, the count stored in guest memory on success; still
 * not ready, it waits in hooks.poll again and sets *again. */
int wasi_io_retry(mk_wasi_t *w, wasm_instance_t *inst, bool *again);
/* Lowest free guest fd >= 3, or -1 (MFILE). */
int wasi_fd_alloc(mk_wasi_t *w);
/* Close a slot: its host fd (when owned), readdir cursor and name. */
void wasi_fd_release(wasi_fd_t *f);
/* The preview1 file type of st_mode `m` (a pipe is UNKNOWN). */
uint8_t wasi_filetype(unsigned m);
/* Fill a 64-byte filestat from `st` at guest `at`; false on FAULT. */
bool wasi_put_filestat(wasm_instance_t *inst, uint32_t at, const void *st);

/* iovec arrays: at most this many entries per call (Linux IOV_MAX). */
#define WASI_MAX_IOVS 1024
/* Translate the guest's (buf u32, len u32) array of `n` entries at `at`
 * into host iovecs pointing into guest memory: FAULT when an entry or a
 * buffer is outside memory, INVAL above WASI_MAX_IOVS. */
struct iovec;
int wasi_gather(wasm_instance_t *inst, uint32_t at, uint32_t n, struct iovec *iov);

/* The i-th of the 46 preview1 functions (name, signature as params ">"
 * results with i = i32 and I = i64, host function), false past the end.
 * The host function's user pointer must be a binding_t (tests/fuzz). */
bool wasi_fn_at(size_t i, const char **name, const char **sig, wasm_host_fn *fn);

/* Host functions by file. */
HOSTFN(wasi_fd_read);
HOSTFN(wasi_fd_write);
HOSTFN(wasi_fd_pread);
HOSTFN(wasi_fd_pwrite);
HOSTFN(wasi_fd_seek);
HOSTFN(wasi_fd_tell);
HOSTFN(wasi_fd_close);
HOSTFN(wasi_fd_sync);
HOSTFN(wasi_fd_datasync);
HOSTFN(wasi_fd_advise);
HOSTFN(wasi_fd_allocate);
HOSTFN(wasi_fd_fdstat_get);
HOSTFN(wasi_fd_fdstat_set_flags);
HOSTFN(wasi_fd_fdstat_set_rights);
HOSTFN(wasi_fd_filestat_get);
HOSTFN(wasi_fd_filestat_set_size);
HOSTFN(wasi_fd_filestat_set_times);
HOSTFN(wasi_fd_prestat_get);
HOSTFN(wasi_fd_prestat_dir_name);
HOSTFN(wasi_fd_renumber);
HOSTFN(wasi_fd_readdir);
HOSTFN(wasi_path_open);
HOSTFN(wasi_path_create_directory);
HOSTFN(wasi_path_remove_directory);
HOSTFN(wasi_path_unlink_file);
HOSTFN(wasi_path_rename);
HOSTFN(wasi_path_filestat_get);
HOSTFN(wasi_path_filestat_set_times);
HOSTFN(wasi_path_link);
HOSTFN(wasi_path_symlink);
HOSTFN(wasi_path_readlink);
HOSTFN(wasi_poll_oneoff);
HOSTFN(wasi_sock_accept);
HOSTFN(wasi_sock_recv);
HOSTFN(wasi_sock_send);
HOSTFN(wasi_sock_shutdown);

/* Free a suspended poll_oneoff's state (mk_wasi_free; NULL ok). */
void wasi_poll_wait_free(struct wasi_poll_wait *p);

/* Timestamps for utimensat from preview1 (atim, mtim, fstflags). */

bool wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

#endif
