/*
 * wasm_module.c -- compiled modules shared by WASM actors: add the payload
 * region to memory 0, compile once, check the module contract
 * (handle_message, "env" imports), and make cheap instances.
 *
 * Called by wasm_actor.c on spawn, factory-arg creation and reload; never on
 * the message path. The memory-section rewrite reads bytes from outside, so
 * it is bounds-checked everywhere and leaves anything it does not
 * understand to the engine, which reports it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm_actor_internal.h"

enum { PAGE = 65536, MAX_PAGES = 65536 };
/* Fuel the start function may burn (a start that loops fails the spawn). */
#define WASM_START_FUEL 50000000

/* Read an unsigned LEB128 of at most 32 bits at p[*pos..len). */
static bool get_leb(const uint8_t *p, size_t len, size_t *pos, uint32_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*pos >= len)
            return false;
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            if (v > UINT32_MAX)
                return false;
            *out = (uint32_t)v;
            return true;
        }
    }
    return false;
}

/* Write `v` as unsigned LEB128; returns the bytes written (at most 5). */
static size_t put_leb(uint8_t *out, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        out[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    return n;
}

/*
 * Copy of `buf` whose memory 0 has `extra` more initial pages (the payload
 * region starts at the old size: *base). *has_memory tells whether the
 * module defines a memory. Returns NULL (no error) when the bytes are not
 * understood (the engine then reports them), or with *fail set for a module
 * whose memory cannot grow by `extra`.
 */
static uint8_t *add_heap_pages(const uint8_t *p, size_t len, uint32_t extra, bool *has_memory,
                               uint32_t *base, size_t *out_len, bool *fail)
{
    *has_memory = false;
    *fail = false;
    if (len < 8 || memcmp(p, "\0asm", 4) != 0)
        return NULL;
    size_t pos = 8;
    while (pos < len) {
        size_t sec_start = pos;
        uint8_t id = p[pos++];
        uint32_t size;
        if (!get_leb(p, len, &pos, &size) || size > len - pos)
            return NULL;
        size_t body = pos, end = pos + size;
        pos = end;
        if (id != 5)
            continue;
        size_t q = body;
        uint32_t count, min, max = 0;
        if (!get_leb(p, end, &q, &count) || count == 0)
            return NULL;
        if (q >= end || p[q] > 1)
            return NULL; /* shared or 64-bit memory: the engine decides */
        uint8_t flags = p[q++];
        if (!get_leb(p, end, &q, &min) || ((flags & 1) && !get_leb(p, end, &q, &max)))
            return NULL;
        *has_memory = true;
        *base = min * (uint32_t)PAGE; /* min <= 65535 below, so no overflow */
        if (min >= MAX_PAGES || extra > MAX_PAGES - 1 - min) {
            *fail = true;
            return NULL;
        }
        uint32_t new_min = min + extra;
        if ((flags & 1) && max < new_min)
            max = new_min;
        uint8_t head[1 + 5 + 5 + 1 + 5 + 5];
        size_t hn = put_leb(head, count);
        head[hn++] = flags;
        hn += put_leb(head + hn, new_min);
        if (flags & 1)
            hn += put_leb(head + hn, max);
        size_t content = hn + (end - q);
        if (content > UINT32_MAX)
            return NULL;
        uint8_t szb[5];
        size_t sn = put_leb(szb, (uint32_t)content);
        size_t total = sec_start + 1 + sn + content + (len - end);
        uint8_t *out = malloc(total);
        if (!out)
            return NULL;
        size_t o = 0;
        memcpy(out, p, sec_start);
        o += sec_start;
        out[o++] = 5;
        memcpy(out + o, szb, sn);
        o += sn;
        memcpy(out + o, head, hn);
        o += hn;
        memcpy(out + o, p + q, end - q);
        o += end - q;
        memcpy(out + o, p + end, len - end);
        *out_len = total;
        return out;
    }
    return NULL;
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
                                   uint32_t heap_size)
{
    if (!buf || len == 0) {
        mk_set_error("%s: empty module (0 bytes)", what);
        return NULL;
    }
    uint32_t extra = (uint32_t)(((uint64_t)heap_size + PAGE - 1) / PAGE);
    bool has_memory = false, fail = false;
    uint32_t base = 0;
    size_t plen = 0;
    uint8_t *patched = add_heap_pages(buf, len, extra, &has_memory, &base, &plen, &fail);
    if (fail) {
        mk_set_error("%s: linear memory cannot grow by %u pages for heap_size %u", what, extra,
                     heap_size);
        return NULL;
    }
    wasm_error_t err;
    memset(&err, 0, sizeof err);
    wasm_module_t *m = wasm_module_compile(patched ? patched : buf, patched ? plen : len, &err);
    free(patched);
    if (!m) {
        mk_set_error("%s: %s: %s", what, wasm_strerror(err.code), err.message);
        return NULL;
    }
    wasm_shared_t *s = calloc(1, sizeof *s);
    if (!s) {
        mk_set_error("%s: out of memory", what);
        wasm_module_free(m);
        return NULL;
    }
    atomic_init(&s->refs, 1);
    s->module = m;
    s->has_memory = has_memory;
    s->heap_base = has_memory ? base : 0;
    s->heap_size = has_memory ? heap_size : 0;

    /* The contract's one export: handle_message(i32, i64, i32, i32) -> i32. */
    static const uint8_t hp[] = {WASM_I32, WASM_I64, WASM_I32, WASM_I32}, hr[] = {WASM_I32};
    bool found = false;
    uint32_t nexp = wasm_module_export_count(m);
    for (uint32_t i = 0; i < nexp; i++) {
        wasm_extern_desc_t d;
        if (!wasm_module_export(m, i, &d) || strcmp(d.name, "handle_message") != 0)
            continue;
        if (d.kind != WASM_EXTERN_FUNC || !is_type(&d.func, 4, hp, 1, hr)) {
            mk_set_error("%s: export handle_message must be a function "
                         "(i32 type, i64 source, i32 ptr, i32 size) -> i32",
                         what);
            goto fail;
        }
        found = true;
    }
    if (!found) {
        mk_set_error("%s: the module does not export handle_message", what);
        goto fail;
    }

    s->nimports = wasm_module_import_count(m);
    if (s->nimports) {
        s->imports = calloc(s->nimports, sizeof *s->imports);
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
        if (d.kind != WASM_EXTERN_FUNC || strcmp(d.module, "env") != 0) {
            mk_set_error("%s: import %s.%s (%s) is not provided by the host "
                         "(only functions from \"env\": see docs/wasm-actors.md)",
                         what, d.module, d.name, kind_name(d.kind));
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
    free(s->imports);
    free(s);
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
    if (lim.max_call_depth > slots)
        lim.max_call_depth = slots;
    wasm_error_t err;
    memset(&err, 0, sizeof err);
    wasm_instance_t *inst = wasm_instance_new(s->module, s->imports, s->nimports, &lim, &err);
    if (!inst) {
        mk_set_error("%s: instantiate: %s: %s", what, wasm_strerror(err.code), err.message);
        return NULL;
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
    if (!wasm_instance_export(inst, "handle_message", &ex) || ex.kind != WASM_EXTERN_FUNC) {
        mk_set_error("%s: the module does not export handle_message", what);
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
    FILE *f = fopen(path, "rb");
    if (!f) {
        mk_set_error("%s: %s: %s", what, path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > WASM_MAX_MODULE_SIZE + (size_t)1) {
                mk_set_error("%s: %s: larger than %u bytes", what, path,
                             (unsigned)WASM_MAX_MODULE_SIZE);
                goto fail;
            }
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                mk_set_error("%s: %s: out of memory", what, path);
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        mk_set_error("%s: %s: read error", what, path);
        goto fail;
    }
    if (len == 0) {
        mk_set_error("%s: %s: empty file", what, path);
        goto fail;
    }
    fclose(f);
    *len_out = len;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}
