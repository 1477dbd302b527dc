/*
 * wasi.h -- the WASI preview1 host of mk-wasm: all 46 functions of
 * wasi_snapshot_preview1 (see docs/mk-wasm.md for each one's status) over a
 * guest fd table with stdio at 0-2, preopened directories and inherited
 * listening sockets from fd 3 on.
 */
#ifndef MK_WASI_H
#define MK_WASI_H

#include <stdbool.h>

#include "wasm_engine.h"

typedef struct mk_wasi mk_wasi_t;

/* A WASI context exposing argv[0..argc) and the NULL-terminated envp (all
 * copied by reference: they must outlive the context), with guest fds 0-2
 * bound to the host's stdin/stdout/stderr (not closed by the context).
 * NULL on NOMEM. */
mk_wasi_t *mk_wasi_new(int argc, char **argv, char **envp);

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
