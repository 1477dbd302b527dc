/*
 * wasm_module.c -- compiled modules shared by WASM actors: compile once,
 * check the module contract (handle_message, "env" imports, room in memory
 * 0 for the payload region), and make cheap instances whose memory 0 the
 * host grows by the payload region (wasm_memory_grow) before segments and
 * the start function run.
 *
 * Called by wasm_actor.c on spawn, factory-arg creation and reload; never on
 * the message path. The module's bytes go to the engine untouched: it is the
 * only parser of outside bytes here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#ifndef MK_BOUNDED
#include "microkernel/wat.h"
#endif
#include "wasm/wasm_actor_internal.h"

enum { PAGE = 65536, MAX_PAGES = 65536 };
/* Fuel the start function may burn (a start that loops fails the spawn). */
#define WASM_START_FUEL 50000000

/* The module limits of every compile (wasm_actors_set_module_limits). */
static wasm_module_limits_t limits = {
    .max_module_bytes = WASM_MODULE_MAX_BYTES_DEFAULT,
    .max_code_bytes = WASM_MODULE_MAX_CODE_BYTES_DEFAULT,
    .max_types = WASM_MODULE_MAX_TYPES_DEFAULT,
    .max_funcs = WASM_MODULE_MAX_FUNCS_DEFAULT,
    .max_locals = WASM_MODULE_MAX_LOCALS_DEFAULT,
    .max_imports = WASM_MODULE_MAX_IMPORTS_DEFAULT,
    .max_exports = WASM_MODULE_MAX_EXPORTS_DEFAULT,
    .max_globals = WASM_MODULE_MAX_GLOBALS_DEFAULT,
    .max_segments = WASM_MODULE_MAX_SEGMENTS_DEFAULT,
    .max_segment_elems = WASM_MODULE_MAX_SEGMENT_ELEMS_DEFAULT,
    .max_table_elems = WASM_MODULE_MAX_TABLE_ELEMS_DEFAULT,
};

void wasm_module_limits_default(wasm_module_limits_t *out)
{
    if (!out)
        return;
    out->max_module_bytes = WASM_MODULE_MAX_BYTES_DEFAULT;
    out->max_code_bytes = WASM_MODULE_MAX_CODE_BYTES_DEFAULT;
    out->max_types = WASM_MODULE_MAX_TYPES_DEFAULT;
    out->max_funcs = WASM_MODULE_MAX_FUNCS_DEFAULT;
    out->max_locals = WASM_MODULE_MAX_LOCALS_DEFAULT;
    out->max_imports = WASM_MODULE_MAX_IMPORTS_DEFAULT;
    out->max_exports = WASM_MODULE_MAX_EXPORTS_DEFAULT;
    out->max_globals = WASM_MODULE_MAX_GLOBALS_DEFAULT;
    out->max_segments = WASM_MODULE_MAX_SEGMENTS_DEFAULT;
    out->max_segment_elems = WASM_MODULE_MAX_SEGMENT_ELEMS_DEFAULT;
    out->max_table_elems = WASM_MODULE_MAX_TABLE_ELEMS_DEFAULT;
}

bool wasm_actors_set_module_limits(const wasm_module_limits_t *lim)
{
    if (!lim)
        return mk_fail("wasm_actors_set_module_limits: limits are NULL");
    limits = *lim;
    return true;
}

void wasm_actors_module_limits(wasm_module_limits_t *out)
{
    if (out)
        *out = limits;
}

/* The module size a compile accepts: the configured limit, never more than
 * the engine's. */
static uint64_t max_module_bytes(void)
{
    return limits.max_module_bytes < WASM_MAX_MODULE_SIZE ? limits.max_module_bytes
                                                          : WASM_MAX_MODULE_SIZE;
}

static bool is_type(const wasm_functype_t *t, uint32_t np, const uint8_t *params, uint32_t nr,
                    const uint8_t *results)
{
    return t->nparams == np && t->nresults == nr &&
           (np == 0 || memcmp(t->params, params, np) == 0) &&
           (nr == 0 || memcmp(t->results, results, nr) == 0);
}

static const char *kind_name(wasm_extern_kind_t k)
{
    switch (k) {
    case WASM_EXTERN_FUNC: return "function";
    case WASM_EXTERN_TABLE: return "table";
    case WASM_EXTERN_MEMORY: return "memory";
    case WASM_EXTERN_GLOBAL: return "global";
    }
    return "extern";
}

wasm_shared_t *wasm_shared_compile(const char *what, const uint8_t *buf, size_t len,
                                   uint32_t heap_size, bool wasi)
{
    if (!buf || len == 0) {
        mk_set_error("%s: empty module (0 bytes)", what);
        return NULL;
    }
    wasm_compile_limits_t lim = {
        .max_module_bytes = limits.max_module_bytes,
        .max_code_bytes = limits.max_code_bytes,
        .max_types = limits.max_types,
        .max_funcs = limits.max_funcs,
        .max_locals = limits.max_locals,
        .max_imports = limits.max_imports,
        .max_exports = limits.max_exports,
        .max_globals = limits.max_globals,
        .max_segments = limits.max_segments,
        .max_segment_elems = limits.max_segment_elems,
    };
    wasm_error_t err;
    memset(&err, 0, sizeof err);
    wasm_module_t *m = wasm_module_compile_limited(buf, len, &lim, &err);
    if (!m) {
        mk_set_error("%s: %s: %s", what, wasm_strerror(err.code), err.message);
        return NULL;
    }
    wasm_shared_t *s = mk_calloc(1, sizeof *s);
    if (!s) {
        mk_set_error("%s: out of memory", what);
        wasm_module_free(m);
        return NULL;
    }
    atomic_init(&s->refs, 1);
    s->module = m;

    /* The contract's one export: handle_message(i32, i64, i32, i32) -> i32;
     * or, with WASI, a command's _start() -> () without it. */
    static const uint8_t hp[] = {WASM_I32, WASM_I64, WASM_I32, WASM_I32}, hr[] = {WASM_I32};
    bool found = false, start = false;
    uint32_t nexp = wasm_module_export_count(m);
    for (uint32_t i = 0; i < nexp; i++) {
        wasm_extern_desc_t d;
        if (!wasm_module_export(m, i, &d))
            continue;
        if (!strcmp(d.name, "_start")) {
            start = d.kind == WASM_EXTERN_FUNC && is_type(&d.func, 0, NULL, 0, NULL);
            continue;
        }
        if (strcmp(d.name, "handle_message") != 0)
            continue;
        if (d.kind != WASM_EXTERN_FUNC || !is_type(&d.func, 4, hp, 1, hr)) {
            mk_set_error("%s: export handle_message must be a function "
                         "(i32 type, i64 source, i32 ptr, i32 size) -> i32",
                         what);
            goto fail;
        }
        found = true;
    }
    if (!found && start && wasi) {
        s->command = true; /* _start is the actor's body (docs/wasm-actors.md) */
    } else if (!found) {
        mk_set_error("%s: the module does not export handle_message%s", what,
                     start ? " (it is a WASI command, _start: it runs as an actor only with "
                             "the WASI opt-in, actor_spawn_wasm_wasi)"
                           : "");
        goto fail;
    }

    s->nimports = wasm_module_import_count(m);
    if (s->nimports) {
        s->imports = mk_calloc(s->nimports, sizeof *s->imports);
        if (!s->imports) {
            mk_set_error("%s: out of memory", what);
            goto fail;
        }
    }
    for (uint32_t i = 0; i < s->nimports; i++) {
        wasm_extern_desc_t d;
        char why[128];
        if (!wasm_module_import(m, i, &d)) {
            mk_set_error("%s: import %u unreadable", what, i);
            goto fail;
        }
        bool is_wasi = strcmp(d.module, "wasi_snapshot_preview1") == 0;
        if (wasi && is_wasi) { /* the opt-in (actor_spawn_wasm_wasi) */
            if (!wa_wasi_resolve(&d, &s->imports[i], why, sizeof why)) {
                mk_set_error("%s: import wasi_snapshot_preview1.%s: %s", what, d.name, why);
                goto fail;
            }
            continue;
        }
        if (d.kind != WASM_EXTERN_FUNC || strcmp(d.module, "env") != 0) {
            mk_set_error("%s: import %s.%s (%s) is not provided by the host "
                         "(only functions from \"env\"%s: see docs/wasm-actors.md)",
                         what, d.module, d.name, kind_name(d.kind),
                         is_wasi ? "; WASI is opt-in: actor_spawn_wasm_wasi" : "");
            goto fail;
        }
        wasm_func_t *f = wasm_host_find(d.name, &d.func, why, sizeof why);
        if (!f) {
            mk_set_error("%s: import env.%s: %s", what, d.name, why);
            goto fail;
        }
        s->imports[i].kind = WASM_EXTERN_FUNC;
        s->imports[i].u.func = f;
    }

    /* The payload region: heap_pages pages appended to memory 0 of each
     * instance, starting at the declared initial size. */
    wasm_limits_desc_t mem;
    if (wasm_module_memory(m, 0, &mem)) {
        uint32_t pages = (uint32_t)(((uint64_t)heap_size + PAGE - 1) / PAGE);
        uint64_t max = mem.has_max ? mem.max : MAX_PAGES;
        if (mem.min >= MAX_PAGES || mem.min + (uint64_t)pages > max) {
            mk_set_error("%s: linear memory of %u pages (maximum %llu) cannot grow by %u pages "
                         "for heap_size %u",
                         what, mem.min, (unsigned long long)max, pages, heap_size);
            goto fail;
        }
        s->has_memory = true;
        s->heap_base = mem.min * (uint32_t)PAGE; /* min < 65536: fits */
        s->heap_size = heap_size;
        s->heap_pages = pages;
    }
    return s;
fail:
    wasm_shared_release(s);
    return NULL;
}

void wasm_shared_retain(wasm_shared_t *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void wasm_shared_release(wasm_shared_t *s)
{
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    wasm_module_free(s->module);
    mk_free(s->imports);
    mk_free(s);
}

wasm_instance_t *wasm_shared_instantiate(const char *what, wasm_shared_t *s,
                                         const wasm_settings_t *set, void *user,
                                         wasm_func_t **handle_out)
{
    wasm_limits_t lim;
    wasm_limits_default(&lim);
    uint32_t bytes = set->fiber != FIBER_STACK_NONE ? (uint32_t)set->fiber : set->stack_size;
    uint32_t slots = bytes / 8;
    if (slots < 64)
        slots = 64;
    lim.max_stack_slots = slots;
    /* 0 would mean the engine's own limit (10M elements, 80 MB) */
    lim.max_table_elems = limits.max_table_elems ? limits.max_table_elems : 1;
    if (lim.max_call_depth > slots)
        lim.max_call_depth = slots;
    wasm_error_t err;
    memset(&err, 0, sizeof err);
    wasm_instance_t *inst = wasm_instance_new(s->module, s->imports, s->nimports, &lim, &err);
    if (!inst) {
        mk_set_error("%s: instantiate: %s: %s", what, wasm_strerror(err.code), err.message);
        return NULL;
    }
    if (s->heap_pages) {
        uint32_t old = 0;
        wasm_err_t e = wasm_memory_grow(wasm_instance_memory(inst, 0), s->heap_pages, &old);
        if (e != WASM_OK || old * (uint64_t)PAGE != s->heap_base) {
            mk_set_error("%s: instantiate: linear memory cannot grow by %u pages for the "
                         "payload region: %s",
                         what, s->heap_pages, wasm_strerror(e));
            wasm_instance_free(inst);
            return NULL;
        }
    }
    /* No actor yet while segments and the start function run: host calls
     * see a NULL user and refuse to send or block. */
    wasm_instance_set_user(inst, NULL);
    wasm_instance_set_fuel(inst, WASM_START_FUEL);
    wasm_status_t st = wasm_instance_initialize(inst);
    if (st != WASM_STATUS_OK) {
        if (st == WASM_STATUS_TRAP)
            mk_set_error("%s: start: %s", what, wasm_instance_trap(inst)->message);
        else if (st == WASM_STATUS_OUT_OF_FUEL)
            mk_set_error("%s: start function ran out of fuel (%d)", what, WASM_START_FUEL);
        else
            mk_set_error("%s: start function did not finish (status %d)", what, (int)st);
        if (wasm_instance_pending(inst))
            wasm_instance_abort(inst);
        wasm_instance_free(inst);
        return NULL;
    }
    wasm_extern_t ex;
    const char *entry = s->command ? "_start" : "handle_message";
    if (!wasm_instance_export(inst, entry, &ex) || ex.kind != WASM_EXTERN_FUNC) {
        mk_set_error("%s: the module does not export %s", what, entry);
        wasm_instance_free(inst);
        return NULL;
    }
    *handle_out = ex.u.func;
    wasm_instance_set_user(inst, user);
    return inst;
}

uint8_t *wasm_read_file(const char *what, const char *path, size_t *len_out)
{
    if (!path) {
        mk_set_error("%s: path is NULL", what);
        return NULL;
    }
    /* O_NONBLOCK: opening a FIFO without a writer (or a device) must not
     * wait -- it would stop every actor of the node's thread. Anything but
     * a regular file is refused once fstat says what it is. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        mk_set_error("%s: %s: %s", what, path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        mk_set_error("%s: %s: %s", what, path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        mk_set_error("%s: %s: not a regular file", what, path);
        goto fail;
    }
    uint64_t max = max_module_bytes();
    if ((uint64_t)st.st_size > max) {
        mk_set_error("%s: %s: %llu bytes, over the limit max_module_bytes = %llu", what, path,
                     (unsigned long long)st.st_size, (unsigned long long)max);
        goto fail;
    }
    if (st.st_size == 0) {
        mk_set_error("%s: %s: empty file", what, path);
        goto fail;
    }
    /* Read what fstat promised plus one byte, to notice a file that grew
     * meanwhile; never more than the limit. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    buf = mk_malloc(cap);
    if (!buf) {
        mk_set_error("%s: %s: out of memory for %zu bytes", what, path, cap);
        goto fail;
    }
    while (len < cap) {
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            mk_set_error("%s: %s: read error: %s", what, path, strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len != (size_t)st.st_size) {
        mk_set_error("%s: %s: changed size while being read (%zu bytes, expected %llu)", what, path,
                     len, (unsigned long long)st.st_size);
        goto fail;
    }
    close(fd);
    /* Not in bounded mode: the text parser's working memory is not bounded. */
#ifndef MK_BOUNDED
    if (wat_is_text(buf, len)) { /* a text module (.wat): translate (wat.h) */
        uint8_t *bin;
        size_t bin_len;
        char err[160];
        bool ok = wat_to_wasm((const char *)buf, len, &bin, &bin_len, err, sizeof err);
        mk_free(buf);
        if (!ok) {
            mk_set_error("%s: %s:%s", what, path, err);
            return NULL;
        }
        buf = bin; /* from the library's allocator: our callers mk_free() it */
        len = bin_len;
    }
#endif
    *len_out = len;
    return buf;
fail:
    mk_free(buf);
    close(fd);
    return NULL;
}
