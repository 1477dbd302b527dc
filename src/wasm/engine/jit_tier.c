/*
 * jit_tier.c -- when the JIT makes a module's machine code: the
 * process-wide settings (MK_WASM_JIT, MK_WASM_JIT_HOT), the tick count of
 * tier-up, and the background worker that makes the code while the
 * module's threads go on interpreting (DESIGN.md "The JIT", "Tier-up").
 * The compiler itself is jit_x64.c; without it (other CPUs, the bounded
 * build) these answer "no machine code".
 */
#include "wasm_internal.h"

#if WASM_JIT

#include <pthread.h>
#include <stdlib.h>

/* Process-wide settings, read from the environment on first use; -1:
 * not read yet. Atomic: modules may be compiled on several threads. */
static int g_jit_on = -1;
static int64_t g_jit_hot = -1;

bool wasm_jit_enabled(void)
{
    int on = __atomic_load_n(&g_jit_on, __ATOMIC_RELAXED);
    if (on < 0) {
        const char *e = getenv("MK_WASM_JIT");
        int unread = -1;
        (void)__atomic_compare_exchange_n(&g_jit_on, &unread, !(e && e[0] == '0'), false,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED);
        on = __atomic_load_n(&g_jit_on, __ATOMIC_RELAXED);
    }
    return on;
}

bool wasm_jit_set(bool on)
{
    bool was = wasm_jit_enabled();
    __atomic_store_n(&g_jit_on, on ? 1 : 0, __ATOMIC_RELAXED);
    return was;
}

uint32_t wasm_jit_hot(void)
{
    int64_t hot = __atomic_load_n(&g_jit_hot, __ATOMIC_RELAXED);
    if (hot < 0) {
        const char *e = getenv("MK_WASM_JIT_HOT");
        int64_t want = WASM_JIT_HOT, unread = -1;
        if (e && e[0] >= '0' && e[0] <= '9') {
            unsigned long v = strtoul(e, NULL, 10);
            want = v > UINT32_MAX ? UINT32_MAX : (int64_t)v;
        }
        (void)__atomic_compare_exchange_n(&g_jit_hot, &unread, want, false, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED);
        hot = __atomic_load_n(&g_jit_hot, __ATOMIC_RELAXED);
    }
    return (uint32_t)hot;
}

void wasm_jit_set_hot(uint32_t ticks)
{
    __atomic_store_n(&g_jit_hot, (int64_t)ticks, __ATOMIC_RELAXED);
}

/* Make the machine code of `m` (its jit_state is 1) and publish it:
 * jit_pending cleared, jit_state 2 (made) or 3 (failed: no mapping, out
 * of memory, over the cap; the plain IR stays interpreted). */
static void tier_up(wasm_module_t *m)
{
    bool ok = wasm_jit_module(m);
    for (uint32_t f = 0; f < m->nfuncs - m->nfunc_imports; f++)
        __atomic_store_n(&m->codes[f].jit_pending, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&m->jit_state, ok ? 2 : 3, __ATOMIC_RELEASE);
}

/* ---- tier-up in the background ----
 * One worker thread, started on the first tier-up, makes the machine code
 * of the modules queued by wasm_jit_tick() in turn, so the thread that
 * reached the count (an actor's scheduler thread) goes on interpreting
 * instead of stopping for the compile. */
static pthread_mutex_t g_bg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_bg_work = PTHREAD_COND_INITIALIZER; /* queued */
static pthread_cond_t g_bg_done = PTHREAD_COND_INITIALIZER; /* one made */
static wasm_module_t *g_bg_head, *g_bg_tail;                /* via jit_next */
static wasm_module_t *g_bg_busy;                            /* being made */
static bool g_bg_started, g_bg_atfork;
static int g_bg_on = 1;

static void *bg_worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g_bg_mu);
    for (;;) {
        while (!g_bg_head)
            pthread_cond_wait(&g_bg_work, &g_bg_mu);
        wasm_module_t *m = g_bg_head;
        g_bg_head = m->jit_next;
        if (!g_bg_head)
            g_bg_tail = NULL;
        m->jit_next = NULL;
        g_bg_busy = m;
        pthread_mutex_unlock(&g_bg_mu);
        tier_up(m);
        pthread_mutex_lock(&g_bg_mu);
        g_bg_busy = NULL;
        pthread_cond_broadcast(&g_bg_done);
    }
    return NULL;
}

/* fork(): the child has no worker; its queued modules stay interpreted
 * (their jit_state stays 1) and a later tier-up starts a worker there. */
static void bg_prepare(void)
{
    pthread_mutex_lock(&g_bg_mu);
}

static void bg_parent(void)
{
    pthread_mutex_unlock(&g_bg_mu);
}

static void bg_child(void)
{
    g_bg_head = g_bg_tail = g_bg_busy = NULL;
    g_bg_started = false;
    pthread_mutex_unlock(&g_bg_mu);
}

/* Queue `m` for the worker (started here if need be); false when no
 * worker can run (the caller makes the code itself). */
static bool bg_queue(wasm_module_t *m)
{
    bool ok = true;
    pthread_mutex_lock(&g_bg_mu);
    if (!g_bg_atfork)
        g_bg_atfork = pthread_atfork(bg_prepare, bg_parent, bg_child) == 0;
    if (!g_bg_started && g_bg_atfork) {
        pthread_t t;
        pthread_attr_t a;
        ok = pthread_attr_init(&a) == 0;
        if (ok) {
            pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
            ok = pthread_create(&t, &a, bg_worker, NULL) == 0;
            pthread_attr_destroy(&a);
        }
        g_bg_started = ok;
    }
    ok = ok && g_bg_started;
    if (ok) {
        m->jit_next = NULL;
        if (g_bg_tail)
            g_bg_tail->jit_next = m;
        else
            g_bg_head = m;
        g_bg_tail = m;
        pthread_cond_signal(&g_bg_work);
    }
    pthread_mutex_unlock(&g_bg_mu);
    return ok;
}

static bool bg_queued(const wasm_module_t *m) /* under g_bg_mu */
{
    for (const wasm_module_t *q = g_bg_head; q; q = q->jit_next)
        if (q == m)
            return true;
    return false;
}

bool wasm_jit_set_background(bool on)
{
    return __atomic_exchange_n(&g_bg_on, on ? 1 : 0, __ATOMIC_RELAXED);
}

void wasm_jit_wait(wasm_module_t *m, bool cancel)
{
    if (__atomic_load_n(&m->jit_state, __ATOMIC_ACQUIRE) != 1)
        return;
    pthread_mutex_lock(&g_bg_mu);
    if (cancel) {
        for (wasm_module_t **pp = &g_bg_head; *pp; pp = &(*pp)->jit_next)
            if (*pp == m) {
                *pp = m->jit_next;
                if (g_bg_tail == m) {
                    g_bg_tail = NULL;
                    for (wasm_module_t *q = g_bg_head; q; q = q->jit_next)
                        g_bg_tail = q;
                }
                m->jit_next = NULL;
                __atomic_store_n(&m->jit_state, 3, __ATOMIC_RELEASE);
                break;
            }
    }
    while (__atomic_load_n(&m->jit_state, __ATOMIC_ACQUIRE) == 1 &&
           (g_bg_busy == m || bg_queued(m)))
        pthread_cond_wait(&g_bg_done, &g_bg_mu);
    pthread_mutex_unlock(&g_bg_mu);
}

const int32_t *wasm_jit_tick(const wasm_code_t *c)
{
    wasm_module_t *m = c->module; /* the machine code is a cache on the module */
    if (__atomic_add_fetch(&m->jit_ticks, 1, __ATOMIC_RELAXED) < wasm_jit_hot())
        return NULL;
    int idle = 0;
    if (!__atomic_compare_exchange_n(&m->jit_state, &idle, 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_RELAXED))
        return __atomic_load_n(&c->jit_at, __ATOMIC_ACQUIRE); /* another thread's */
    if (__atomic_load_n(&g_bg_on, __ATOMIC_RELAXED) && bg_queue(m))
        return NULL; /* the worker publishes it; a later tick enters it */
    tier_up(m);
    return __atomic_load_n(&c->jit_at, __ATOMIC_ACQUIRE);
}

#else /* !WASM_JIT */

bool wasm_jit_enabled(void)
{
    return false;
}

bool wasm_jit_set(bool on)
{
    (void)on;
    return false;
}

uint32_t wasm_jit_hot(void)
{
    return 0;
}

void wasm_jit_set_hot(uint32_t ticks)
{
    (void)ticks;
}

bool wasm_jit_set_background(bool on)
{
    (void)on;
    return false;
}

void wasm_jit_wait(wasm_module_t *m, bool cancel)
{
    (void)m;
    (void)cancel;
}

const int32_t *wasm_jit_tick(const wasm_code_t *c)
{
    (void)c;
    return NULL;
}

#endif
