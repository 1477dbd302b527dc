/*
 * wasm_actor_wasi.c -- the WASI preview1 opt-in of WASM actors
 * (actor_spawn_wasm_wasi, issue 20 goal 2): a per-actor context of the
 * shared WASI host (src/wasm/wasi) whose calls never block the node's
 * thread. stdin is end of file; stdout/stderr go to files or, line by line
 * and rate-limited like mk_log, to the node's log; poll_oneoff on clocks
 * sleeps through wasm_sleep.c's timer heap, poll_oneoff on fds and a read
 * or write of a blocking guest fd that is not ready wait in the node's
 * event loop (at most WASM_WASI_POLL_FDS sources, kept in the context) and
 * sched_yield goes behind the ready actors, all suspending only this
 * actor. Only with MK_HAVE_WASI
 * (not in a bounded build, MK_BOUNDED): wasm_actor.c then has stubs that
 * refuse with a reason.
 */
#ifdef MK_HAVE_WASI
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "microkernel/services.h"
#include "wasm/wasm_actor_internal.h"

#include "wasm/wasi/wasi.h"

/* Fuel _initialize may burn (as a start function, wasm_module.c). */
#define WASI_INIT_FUEL 50000000

/* One event-loop source per fd a poll_oneoff waits for. */
typedef struct wa_poll_io {
    mk_io_t io;
    struct wa_wasi *x;
} wa_poll_io_t;

_Static_assert(WASM_WASI_POLL_FDS == MK_WASI_EMBED_POLL_FDS, "the documented limit is the host's");

struct wa_wasi {
    mk_wasi_t *w;
    wa_poll_io_t pio[WASM_WASI_POLL_FDS]; /* registered while WA_POLLING, no allocation */
    size_t npio;
    uint64_t poll_deadline; /* the waiting poll's earliest clock, UINT64_MAX: none */
    char **argv;            /* owned copies, NULL-terminated */
    char **envp;
    int argc;
    wasm_actor_t *wa;                 /* set by the spawner; hooks use it */
    char line[2][WASM_WASI_LINE_MAX]; /* partial stdout / stderr line for the log */
    size_t len[2];
};

/* A context for instances that run before an actor is attached (the start
 * function): nothing waits, output is dropped. */
static mk_wasi_t *g_null_ctx;

static mk_wasi_t *ctx_of(wasm_instance_t *inst)
{
    wasm_actor_t *wa = wasm_instance_user(inst);
    return wa && wa->wasi ? wa->wasi->w : g_null_ctx;
}

static void drop_write(void *ctx, int fd, const uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)fd;
    (void)buf;
    (void)len;
}

static wasm_status_t no_sleep(void *ctx, wasm_instance_t *inst, uint64_t deadline_ns)
{
    (void)ctx;
    (void)inst;
    (void)deadline_ns;
    return WASM_STATUS_OK;
}

static wasm_status_t no_yield(void *ctx, wasm_instance_t *inst)
{
    (void)ctx;
    (void)inst;
    return WASM_STATUS_OK;
}

bool wa_wasi_init(void)
{
    if (!mk_wasi_shared_init(ctx_of))
        return mk_fail("wasm_actors_init: out of memory for the WASI host functions");
    if (!g_null_ctx) {
        static const mk_wasi_hooks_t null_hooks = {NULL, drop_write, no_sleep, no_yield, NULL};
        g_null_ctx = mk_wasi_new_embedded(0, NULL, NULL, &null_hooks, -1, -1);
        if (!g_null_ctx) {
            mk_wasi_shared_cleanup();
            return mk_fail("wasm_actors_init: WASI context: %s", strerror(errno));
        }
    }
    return true;
}

void wa_wasi_cleanup(void)
{
    mk_wasi_shared_cleanup();
    mk_wasi_free(g_null_ctx);
    g_null_ctx = NULL;
}

bool wa_wasi_resolve(const wasm_extern_desc_t *d, wasm_extern_t *out, char *why, size_t why_len)
{
    return mk_wasi_resolve_shared(d, out, why, why_len);
}

/* ---- hooks ---- */

/* Emit line `i` (0 stdout, 1 stderr) of `x` to the log, within the actor's
 * mk_log budget. */
static void emit_line(wa_wasi_t *x, int i)
{
    wasm_actor_t *wa = x->wa;
    size_t n = x->len[i];
    x->len[i] = 0;
    if (!wa || !wa->rt)
        return;
    uint32_t suppressed = 0;
    if (!wasm_log_budget_take(&wa->log_budget, wasm_now_ns() / 1000000u, &suppressed))
        return;
    if (suppressed)
        actor_log(wa->rt, LOG_WARN,
                  "wasm actor 0x%016llx: %u output lines suppressed (over %u a second)",
                  (unsigned long long)wa->id, suppressed, WASM_LOG_RATE);
    actor_log(wa->rt, i ? LOG_WARN : LOG_INFO, "wasm actor 0x%016llx %s: %.*s",
              (unsigned long long)wa->id, i ? "stderr" : "stdout", (int)n, x->line[i]);
}

static void log_write(void *ctx, int fd, const uint8_t *buf, size_t len)
{
    wa_wasi_t *x = ctx;
    int i = fd == 2 ? 1 : 0;
    for (size_t k = 0; k < len; k++) {
        if (buf[k] == '\n') {
            emit_line(x, i);
            continue;
        }
        x->line[i][x->len[i]++] = (char)buf[k];
        if (x->len[i] == WASM_WASI_LINE_MAX)
            emit_line(x, i); /* cut: a long line becomes several */
    }
}

static wasm_status_t actor_sleep(void *ctx, wasm_instance_t *inst, uint64_t deadline_ns)
{
    (void)inst;
    wa_wasi_t *x = ctx;
    wasm_actor_t *wa = x->wa;
    if (!wa || !wa->rt)
        return WASM_STATUS_OK; /* _initialize: no actor to suspend yet */
    wa->wake_at_ns = deadline_ns;
    if (!wasm_sleep_add(wa)) {
        actor_log(wa->rt, LOG_ERROR, "wasm actor 0x%016llx: poll_oneoff: %s",
                  (unsigned long long)wa->id, mk_last_error());
        return WASM_STATUS_OK; /* the guest sees its clock fire early */
    }
    wa->wait = WA_SLEEPING;
    return WASM_STATUS_SUSPENDED;
}

static wasm_status_t actor_yield(void *ctx, wasm_instance_t *inst)
{
    (void)inst;
    wa_wasi_t *x = ctx;
    wasm_actor_t *wa = x->wa;
    if (!wa || !wa->rt)
        return WASM_STATUS_OK;
    if (!mk_actor_wake(wa->rt, wa->id, MK_MSG_WASM_RESUME))
        return WASM_STATUS_OK; /* cannot reschedule: just continue */
    wa->wait = WA_YIELDED;
    return WASM_STATUS_SUSPENDED;
}

/* Take every fd of a waiting poll out of the loop and its deadline out of
 * the sleep heap. */
static void poll_disarm(wa_wasi_t *x)
{
    wasm_actor_t *wa = x->wa;
    for (size_t i = 0; i < x->npio; i++)
        mk_io_remove(wa->rt, &x->pio[i].io);
    x->npio = 0;
    wasm_sleep_remove(wa);
}

/* An fd of the waiting poll is ready: wake the actor, unless its timer
 * already did (then a wake is pending and only the fds go). */
static void on_poll_fd(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)events;
    wa_wasi_t *x = ((wa_poll_io_t *)io->ctx)->x;
    wasm_actor_t *wa = x->wa;
    bool timer_fired = x->poll_deadline != UINT64_MAX && !wa->sleep_slot;
    poll_disarm(x);
    if (!timer_fired && !mk_actor_wake(rt, wa->id, MK_MSG_WASM_RESUME))
        actor_log(rt, LOG_ERROR, "wasm actor 0x%016llx: poll_oneoff: cannot wake: %s",
                  (unsigned long long)wa->id, mk_last_error());
}

/* mk_wasi_hooks_t.poll: wait in the node's event loop for the fds (and
 * the earliest clock through the sleep heap), holding only this actor. */
static wasm_status_t actor_poll(void *ctx, wasm_instance_t *inst, const struct pollfd *fds,
                                size_t nfds, uint64_t deadline_ns)
{
    (void)inst;
    wa_wasi_t *x = ctx;
    wasm_actor_t *wa = x->wa;
    if (!wa || !wa->rt) {
        errno = EAGAIN; /* _initialize: no actor to suspend yet */
        return WASM_STATUS_OK;
    }
    if (nfds > WASM_WASI_POLL_FDS) {
        errno = ENOTSUP;
        return WASM_STATUS_OK;
    }
    x->npio = 0;
    x->poll_deadline = deadline_ns;
    for (size_t i = 0; i < nfds; i++) {
        uint32_t ev =
            ((fds[i].events & POLLIN) ? EPOLLIN : 0) | ((fds[i].events & POLLOUT) ? EPOLLOUT : 0);
        x->pio[i].x = x;
        errno = 0;
        if (!mk_io_add(wa->rt, &x->pio[i].io, fds[i].fd, ev, on_poll_fd, &x->pio[i], true)) {
            int e = errno ? errno : EIO;
            poll_disarm(x);
            errno = e;
            return WASM_STATUS_OK;
        }
        x->npio++;
    }
    if (deadline_ns != UINT64_MAX) {
        wa->wake_at_ns = deadline_ns;
        if (!wasm_sleep_add(wa)) { /* holds the actor */
            poll_disarm(x);
            errno = ENOMEM;
            return WASM_STATUS_OK;
        }
    } else {
        mk_actor_hold(wa->rt, wa->id);
    }
    wa->wait = WA_POLLING;
    return WASM_STATUS_SUSPENDED;
}

int wa_wasi_poll_wake(wasm_actor_t *wa, bool *again)
{
    wa_wasi_t *x = wa->wasi;
    poll_disarm(x);
    return mk_wasi_poll_finish(x->w, wa->inst, again);
}

/* ---- the context ---- */

static char **copy_strings(const char *const *v, size_t n, size_t *bytes)
{
    char **out = mk_calloc(n + 1, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        *bytes += strlen(v[i] ? v[i] : "") + 1;
        if (!(out[i] = mk_strdup(v[i] ? v[i] : ""))) {
            for (size_t k = 0; k < i; k++)
                mk_free(out[k]);
            mk_free(out);
            return NULL;
        }
    }
    return out;
}

static void free_strings(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        mk_free(v[i]);
    mk_free(v);
}

static int open_out(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
}

wa_wasi_t *wa_wasi_create(const char *what, const wasm_actor_wasi_t *cfg)
{
    if (!cfg) {
        mk_set_error("%s: wasi is NULL", what);
        return NULL;
    }
    if (cfg->ndirs > WASM_WASI_MAX_DIRS || cfg->nargs > WASM_WASI_MAX_STRINGS ||
        cfg->nenv > WASM_WASI_MAX_STRINGS) {
        mk_set_error("%s: more than %u preopens or %u args/env strings", what, WASM_WASI_MAX_DIRS,
                     WASM_WASI_MAX_STRINGS);
        return NULL;
    }
    if ((cfg->ndirs && !cfg->dirs) || (cfg->nargs && !cfg->args) || (cfg->nenv && !cfg->env)) {
        mk_set_error("%s: a WASI array is NULL with a count above 0", what);
        return NULL;
    }
    wa_wasi_t *x = mk_calloc(1, sizeof *x);
    if (!x) {
        mk_set_error("%s: out of memory", what);
        return NULL;
    }
    size_t bytes = 0;
    int out_fd = -1, err_fd = -1;
    x->argc = (int)cfg->nargs;
    x->argv = copy_strings(cfg->args, cfg->nargs, &bytes);
    x->envp = x->argv ? copy_strings(cfg->env, cfg->nenv, &bytes) : NULL;
    if (!x->envp) {
        mk_set_error("%s: out of memory", what);
        goto fail;
    }
    if (bytes > WASM_WASI_MAX_STR_BYTES) {
        mk_set_error("%s: args and env take %zu bytes, over the limit %u", what, bytes,
                     WASM_WASI_MAX_STR_BYTES);
        goto fail;
    }
    const char *paths[2] = {cfg->stdout_path, cfg->stderr_path};
    int *fds[2] = {&out_fd, &err_fd};
    for (int i = 0; i < 2; i++)
        if (paths[i] && (*fds[i] = open_out(paths[i])) < 0) {
            mk_set_error("%s: %s %s: %s", what, i ? "stderr" : "stdout", paths[i], strerror(errno));
            goto fail;
        }
    mk_wasi_hooks_t hooks = {x, log_write, actor_sleep, actor_yield, actor_poll};
    x->w = mk_wasi_new_embedded(x->argc, x->argv, x->envp, &hooks, out_fd, err_fd);
    if (!x->w) {
        mk_set_error("%s: WASI context: %s", what, strerror(errno));
        goto fail;
    }
    out_fd = err_fd = -1; /* the context's now */
    for (size_t i = 0; i < cfg->ndirs; i++) {
        const wasm_actor_wasi_dir_t *d = &cfg->dirs[i];
        if (!d->host) {
            mk_set_error("%s: preopen %zu has no host directory", what, i);
            goto fail;
        }
        if (!mk_wasi_preopen(x->w, d->host, d->guest ? d->guest : d->host, d->readonly)) {
            mk_set_error("%s: preopen %s: %s", what, d->host, strerror(errno));
            goto fail;
        }
    }
    return x;
fail:
    if (out_fd >= 0)
        close(out_fd);
    if (err_fd >= 0)
        close(err_fd);
    wa_wasi_free(x, NULL);
    return NULL;
}

/* A copy of the first `n` strings of `v` (NULL entries stay NULL), or
 * NULL for n == 0 or no memory (*ok false then). */
static const char **dup_vec(const char *const *v, size_t n, bool *ok)
{
    if (!n)
        return NULL;
    const char **out = mk_calloc(n, sizeof *out);
    if (!out) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (v[i] && !(out[i] = mk_strdup(v[i])))
            *ok = false;
    return out;
}

static void free_vec(const char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        mk_free((char *)v[i]);
    mk_free(v);
}

wasm_actor_wasi_t *wa_wasi_config_copy(const char *what, const wasm_actor_wasi_t *cfg)
{
    wasm_actor_wasi_t *c = mk_calloc(1, sizeof *c);
    if (!c) {
        mk_set_error("%s: out of memory", what);
        return NULL;
    }
    bool ok = true;
    c->nargs = cfg->nargs;
    c->nenv = cfg->nenv;
    c->args = dup_vec(cfg->args, cfg->nargs, &ok);
    c->env = dup_vec(cfg->env, cfg->nenv, &ok);
    if (cfg->stdout_path && !(c->stdout_path = mk_strdup(cfg->stdout_path)))
        ok = false;
    if (cfg->stderr_path && !(c->stderr_path = mk_strdup(cfg->stderr_path)))
        ok = false;
    if (cfg->ndirs) {
        wasm_actor_wasi_dir_t *d = mk_calloc(cfg->ndirs, sizeof *d);
        c->dirs = d;
        c->ndirs = d ? cfg->ndirs : 0;
        for (size_t i = 0; d && i < cfg->ndirs; i++) {
            d[i].readonly = cfg->dirs[i].readonly;
            if ((cfg->dirs[i].host && !(d[i].host = mk_strdup(cfg->dirs[i].host))) ||
                (cfg->dirs[i].guest && !(d[i].guest = mk_strdup(cfg->dirs[i].guest))))
                ok = false;
        }
        if (!d)
            ok = false;
    }
    if (!ok) {
        wa_wasi_config_free(c);
        mk_set_error("%s: out of memory", what);
        return NULL;
    }
    return c;
}

void wa_wasi_config_free(wasm_actor_wasi_t *cfg)
{
    if (!cfg)
        return;
    free_vec((const char **)cfg->args, cfg->nargs);
    free_vec((const char **)cfg->env, cfg->nenv);
    for (size_t i = 0; cfg->dirs && i < cfg->ndirs; i++) {
        mk_free((char *)cfg->dirs[i].host);
        mk_free((char *)cfg->dirs[i].guest);
    }
    mk_free((void *)cfg->dirs);
    mk_free((char *)cfg->stdout_path);
    mk_free((char *)cfg->stderr_path);
    mk_free(cfg);
}

void wa_wasi_free(wa_wasi_t *x, wasm_actor_t *wa)
{
    if (!x)
        return;
    x->wa = wa;
    if (wa && wa->rt)
        poll_disarm(x); /* stopped while waiting in poll_oneoff */
    for (int i = 0; i < 2; i++)
        if (x->len[i])
            emit_line(x, i);
    mk_wasi_free(x->w);
    free_strings(x->argv);
    free_strings(x->envp);
    mk_free(x);
}

bool wa_wasi_initialize(const char *what, wasm_actor_t *wa, wasm_instance_t *inst)
{
    wasm_extern_t ex;
    if (!wa->wasi)
        return true;
    wa->wasi->wa = wa; /* the hooks' actor, from now on */
    if (!wasm_instance_export(inst, "_initialize", &ex) || ex.kind != WASM_EXTERN_FUNC)
        return true;
    const wasm_functype_t *t = wasm_func_type(ex.u.func);
    if (t->nparams || t->nresults)
        return mk_fail("%s: export _initialize must be a function () -> ()", what);
    wasm_instance_set_fuel(inst, WASI_INIT_FUEL);
    wasm_status_t st = wasm_call(inst, ex.u.func, NULL, 0, NULL, 0);
    if (st == WASM_STATUS_OK)
        return true;
    int code;
    if (st == WASM_STATUS_TRAP && wa_wasi_exited(wa, &code))
        mk_set_error("%s: _initialize called proc_exit(%d)", what, code);
    else if (st == WASM_STATUS_TRAP)
        mk_set_error("%s: _initialize: %s", what, wasm_instance_trap(inst)->message);
    else if (st == WASM_STATUS_OUT_OF_FUEL)
        mk_set_error("%s: _initialize ran out of fuel (%d)", what, WASI_INIT_FUEL);
    else
        mk_set_error("%s: _initialize did not finish (status %d)", what, (int)st);
    if (wasm_instance_pending(inst))
        wasm_instance_abort(inst);
    return false;
}

bool wa_wasi_exited(const wasm_actor_t *wa, int *code)
{
    return wa->wasi && mk_wasi_exited(wa->wasi->w, code);
}

#else
typedef int mk_wasm_actor_wasi_unused_t; /* ISO C: not an empty unit */
#endif
