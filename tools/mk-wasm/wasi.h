/*
 * wasi.h -- a minimal WASI preview1 host for mk-wasm: what a C program built
 * with wasi-libc needs to print, read stdin, see its arguments and
 * environment, read clocks, get random bytes and exit.
 */
#ifndef MK_WASI_H
#define MK_WASI_H

#include <stdbool.h>

#include "wasm_engine.h"

typedef struct mk_wasi mk_wasi_t;

/* A WASI context exposing argv[0..argc) and the NULL-terminated envp (all
 * copied by reference: they must outlive the context). NULL on NOMEM. */
mk_wasi_t *mk_wasi_new(int argc, char **argv, char **envp);

/* Provide import `d` if it belongs to "wasi_snapshot_preview1": calls the
 * host does not implement return ENOSYS. The function is owned by `w`.
 * False if the import is not WASI or its type does not fit. */
bool mk_wasi_resolve(mk_wasi_t *w, const wasm_extern_desc_t *d, wasm_extern_t *out);

/* True (and the code) once the program called proc_exit. */
bool mk_wasi_exited(const mk_wasi_t *w, int *code);

void mk_wasi_free(mk_wasi_t *w);

#endif
