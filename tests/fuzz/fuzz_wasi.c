/*
 * fuzz_wasi.c -- libFuzzer target for the WASI preview1 host (src/wasm/wasi): what a
 * hostile guest controls is every argument of every call and the bytes of
 * its memory (iovec arrays, paths, subscriptions, buffers). Input: byte 0
 * picks one of the 46 functions, the next bytes give its arguments (i32s
 * biased towards in-memory pointers), the rest is copied into the guest's
 * one-page memory. Files live in a fresh mkdtemp directory preopened as
 * fd 3 (removed at exit); stdio slots are closed so nothing blocks, clock
 * subscriptions are made immediate and proc_exit is skipped.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasm/wasi/wasi_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char g_dir[] = "/tmp/fuzz_wasi_XXXXXX";
static wasm_module_t *g_mod;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static void cleanup(void)
{
    nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    wasm_module_free(g_mod);
}

static uint64_t take(const uint8_t **d, size_t *n, size_t k)
{
    uint64_t v = 0;
    for (size_t i = 0; i < k && *n; i++, (*n)--)
        v |= (uint64_t) * (*d)++ << (8 * i);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_mod) {
        /* (module (memory 1)) */
        static const uint8_t mod[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 5, 3, 1, 0, 1};
        wasm_error_t err;
        if (!mkdtemp(g_dir) || !(g_mod = wasm_module_compile(mod, sizeof mod, &err)))
            abort();
        atexit(cleanup);
    }
    if (size < 1)
        return 0;
    const char *name, *sig;
    wasm_host_fn fn;
    if (!wasi_fn_at(data[0] % 46, &name, &sig, &fn) || !strcmp(name, "proc_exit"))
        return 0;
    data++, size--;
    wasm_value_t args[16] = {0}, res[2] = {0};
    size_t np = 0;
    for (const char *s = sig; *s != '>'; s++, np++) {
        if (*s == 'I') {
            args[np].u64 = take(&data, &size, 8);
        } else {
            uint32_t v = (uint32_t)take(&data, &size, 4);
            args[np].u32 = v & 0x80000000u ? v : v % 66000u; /* mostly near memory */
        }
    }
    wasm_error_t err;
    wasm_instance_t *inst = wasm_instance_new(g_mod, NULL, 0, NULL, &err);
    mk_wasi_t *w = inst ? mk_wasi_new(0, NULL, NULL) : NULL;
    if (!w || !mk_wasi_preopen(w, g_dir, "/", false)) {
        mk_wasi_free(w);
        wasm_instance_free(inst);
        return 0;
    }
    for (int i = 0; i <= 2; i++)
        wasi_fd_release(&w->fds[i]);
    size_t msize;
    uint8_t *mem = wasm_memory_data(inst, &msize);
    memcpy(mem, data, size < msize ? size : msize);
    if (!strcmp(name, "poll_oneoff")) /* no waiting: every clock is due now */
        for (uint64_t i = 0, at = args[0].u32; i < args[2].u32 && at + 48 * (i + 1) <= msize; i++)
            memset(mem + at + 48 * i + 24, 0, 18);
    binding_t b = {w, NULL};
    fn(inst, &b, args, res);
    mk_wasi_free(w);
    wasm_instance_free(inst);
    return 0;
}
