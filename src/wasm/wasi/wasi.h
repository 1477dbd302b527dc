/*
 * wasi.h -- the WASI preview1 host shared by mk-wasm and WASM actors that
 * opt in (actor_spawn_wasm_wasi): all 46 functions of
 * wasi_snapshot_preview1 (see docs/mk-wasm.md for each one's status) over a
 * guest fd table with stdio at 0-2, preopened directories and inherited
 * listening sockets from fd 3 on.
 */
#ifndef MK_WASI_H
#define MK_WASI_H

#include <poll.h>
#include <stdbool.h>

#include "wasm/engine/wasm_engine.h"

typedef struct mk_wasi mk_wasi_t;

/* What an embedder that must not block (a WASM actor on a node's loop)
 * supplies instead of the host's stdio and waiting; see
 * mk_wasi_new_embedded(). Each is called on the thread running the guest. */
typedef struct mk_wasi_hooks {
    void *ctx; /* passed back to every hook */
    /* Guest fd 1 or 2 (`fd`) writes `len` bytes at `buf` (guest memory,
     * valid during the call) when no host fd was given for it. The guest
     * sees all `len` bytes written. */
    void (*write)(void *ctx, int fd, const uint8_t *buf, size_t len);
    /* poll_oneoff found nothing ready and its earliest clock is
     * `deadline_ns` (CLOCK_MONOTONIC, ns); the events that deadline fires
     * are already written. Return WASM_STATUS_SUSPENDED after arranging
     * wasm_resume() with one i32 result 0 at the deadline, or OK to let
     * the guest continue at once (its events stand). */
    wasm_status_t (*sleep)(void *ctx, wasm_instance_t *inst, uint64_t deadline_ns);
    /* sched_yield: as `sleep`, resumed with result 0 when other ready
     * work had its turn. */
    wasm_status_t (*yield)(void *ctx, wasm_instance_t *inst);
    /* Optional (NULL: fd subscriptions are only checked, never waited
     * for, and host fds block as the guest opened them). poll_oneoff found
     * none of its fd_read/fd_write subscriptions ready and no clock due, or
     * fd_read/fd_write/fd_pread/fd_pwrite found its fd not ready on a guest
     * fd without FDF_NONBLOCK (with this hook every host fd the guest opens
     * is non-blocking, so the call never blocks the embedder's thread; a
     * fifo opened for writing with no reader fails with NXIO): wait for
     * host fds `fds[0..nfds)` (one entry per host fd, POLLIN and/or POLLOUT
     * in .events) or the earliest clock `deadline_ns` (CLOCK_MONOTONIC ns;
     * UINT64_MAX: no clock, always so for a read or write). Return
     * WASM_STATUS_SUSPENDED after arranging that, when one of them is
     * ready or the deadline has passed, mk_wasi_poll_finish() is called
     * and the guest is resumed with its result; or OK, with errno set, to
     * refuse (poll_oneoff then returns that errno mapped to preview1's). */
    wasm_status_t (*poll)(void *ctx, wasm_instance_t *inst, const struct pollfd *fds, size_t nfds,
                          uint64_t deadline_ns);
} mk_wasi_hooks_t;

/* At most this many fd subscriptions in one poll_oneoff of a context with
 * a `poll` hook; with more it returns NOTSUP at once (the embedder keeps a
 * fixed table of event-loop sources per context). Issue 20. */
#define MK_WASI_EMBED_POLL_FDS 64

/*
 * The second half of a poll_oneoff, or of a read/write, that hooks->poll
 * suspended, called by the embedder when an fd it waited for is ready or
 * the deadline passed. A poll_oneoff checks every subscription again
 * without waiting (ppoll, timeout 0; clocks against CLOCK_MONOTONIC now)
 * and writes the events and their count into guest memory; a read or write
 * runs again on the guest's iovecs as they are now and stores its count.
 * Returns the preview1 errno to resume the guest with (SUCCESS; FAULT when
 * the guest's buffers are no longer in memory; the host error of a failed
 * read or write). When nothing is ready after all (the fd was drained by
 * another process meanwhile) it calls hooks->poll again and sets *again:
 * the guest stays suspended and the return value is meaningless. Without a
 * suspended call it returns INVAL.
 */
int mk_wasi_poll_finish(mk_wasi_t *w, wasm_instance_t *inst, bool *again);

/* A WASI context exposing argv[0..argc) and the NULL-terminated envp (all
 * copied by reference: they must outlive the context), with guest fds 0-2
 * bound to the host's stdin/stdout/stderr (not closed by the context).
 * NULL on NOMEM. */
mk_wasi_t *mk_wasi_new(int argc, char **argv, char **envp);

/* A context for an embedder that must not block: as mk_wasi_new(), but
 * guest fd 0 reads end of file at once (host /dev/null), fd 1 and 2 write
 * to host fds `out_fd` / `err_fd` (taken over: closed with the context)
 * or, for -1, to hooks->write; poll_oneoff never waits (fd subscriptions
 * are checked without a timeout; with nothing ready it hands the fds and
 * its earliest clock to hooks->poll when set, else the clock to
 * hooks->sleep, or returns AGAIN without a clock), and
 * sched_yield calls hooks->yield. `hooks` is copied; every member but
 * ctx and poll must be set. NULL with errno ENOMEM or open(2)'s errno for
 * /dev/null (then `out_fd`/`err_fd` are still the caller's). */
mk_wasi_t *mk_wasi_new_embedded(int argc, char **argv, char **envp, const mk_wasi_hooks_t *hooks,
                                int out_fd, int err_fd);

/* Process-wide host functions for all 46 imports whose context is found
 * per call: `ctx_of(inst)` must return the context of the calling
 * instance (never NULL for an instance that imports them). Call once
 * before mk_wasi_resolve_shared(); again is a no-op. False on ENOMEM. */
bool mk_wasi_shared_init(mk_wasi_t *(*ctx_of)(wasm_instance_t *inst));
/* Provide import `d` from the shared functions (owned by this module,
 * valid until mk_wasi_shared_cleanup()). False, with `why` (a NUL-ended
 * reason of at most `why_len` bytes) when it is not a preview1 function,
 * not one of the 46 names, or its type differs from the witx signature. */
bool mk_wasi_resolve_shared(const wasm_extern_desc_t *d, wasm_extern_t *out, char *why,
                            size_t why_len);
/* Free the shared functions, after every instance using them is freed. */
void mk_wasi_shared_cleanup(void);

/* Preopen host directory `host` as guest directory `guest` (the name
 * fd_prestat_dir_name reports, e.g. "/data" or "."), at the next free guest
 * fd (3, 4, ... in call order). `readonly` withholds every right that
 * changes the tree or a file (create, write, truncate, rename, link,
 * symlink, unlink, set times). Paths under it resolve with openat2(2)
 * RESOLVE_BENEATH, so `..`, absolute paths and symlinks cannot leave it.
 * False with errno set: the host open(2) error, ENOTDIR, ENAMETOOLONG for
 * a guest name over 4095 bytes, EMFILE when the 1024-slot table is full. */
bool mk_wasi_preopen(mk_wasi_t *w, const char *host, const char *guest, bool readonly);

/* Give the guest the host's listening stream socket `hostfd` (inherited,
 * e.g. from systemd-style socket activation; not closed by the context) at
 * the next free guest fd, for sock_accept. False with errno ENOTSOCK when
 * it is not a socket, EMFILE when the table is full. */
bool mk_wasi_add_listener(mk_wasi_t *w, int hostfd);

/* Provide import `d` if it belongs to "wasi_snapshot_preview1". The
 * function is owned by `w`. False if the import is not WASI, is not one of
 * the 46 preview1 names, or its type does not fit. */
bool mk_wasi_resolve(mk_wasi_t *w, const wasm_extern_desc_t *d, wasm_extern_t *out);

/* True (and the code) once the program called proc_exit. */
bool mk_wasi_exited(const mk_wasi_t *w, int *code);

/* Free the context, its host functions and every guest fd it opened. */
void mk_wasi_free(mk_wasi_t *w);

#endif
