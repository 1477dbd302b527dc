/*
 * wasm_sleep.c -- wake-ups for WASM actors blocked in mk_sleep_ms: one
 * timerfd per runtime (the MK_EXT_WASM extension state) armed for the
 * earliest deadline of a binary min-heap of sleeping actors.
 *
 * A sleeping actor is held (mk_actor_hold): its mailbox keeps filling but it
 * is not dispatched, so no message reaches handle_message in the middle of
 * the suspended call. On expiry the actor gets a wake message ahead of its
 * mailbox (mk_actor_wake) and wasm_actor.c resumes the call. Runs on the
 * runtime's thread; allocates only when the heap grows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "platform/clock.h"
#include "wasm/wasm_actor_internal.h"

typedef struct {
    runtime_t *rt;
    int fd;              /* timerfd, CLOCK_MONOTONIC */
    mk_io_t io;          /* registered while the heap is not empty */
    wasm_actor_t **heap; /* min-heap on wake_at_ns */
    size_t n, cap;
} sleep_ext_t;

uint64_t wasm_now_ns(void)
{
    return mk_clock_ns();
}

static bool earlier(const wasm_actor_t *a, const wasm_actor_t *b)
{
    return a->wake_at_ns < b->wake_at_ns;
}

static void place(sleep_ext_t *x, size_t i, wasm_actor_t *wa)
{
    x->heap[i] = wa;
    wa->sleep_slot = (uint32_t)i + 1;
}

static void sift_up(sleep_ext_t *x, size_t i)
{
    wasm_actor_t *wa = x->heap[i];
    while (i > 0 && earlier(wa, x->heap[(i - 1) / 2])) {
        place(x, i, x->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    place(x, i, wa);
}

static void sift_down(sleep_ext_t *x, size_t i)
{
    wasm_actor_t *wa = x->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= x->n)
            break;
        if (c + 1 < x->n && earlier(x->heap[c + 1], x->heap[c]))
            c++;
        if (!earlier(x->heap[c], wa))
            break;
        place(x, i, x->heap[c]);
        i = c;
    }
    place(x, i, wa);
}

/* Remove heap entry i. */
static void heap_remove(sleep_ext_t *x, size_t i)
{
    x->heap[i]->sleep_slot = 0;
    x->n--;
    if (i == x->n)
        return;
    place(x, i, x->heap[x->n]);
    sift_down(x, i);
    sift_up(x, x->heap[i]->sleep_slot - 1);
}

/* Arm the timerfd for the earliest deadline, or take it out of the loop
 * when nobody sleeps (so runtime_run may return). */
static bool rearm(sleep_ext_t *x)
{
    if (x->n == 0) {
        mk_io_remove(x->rt, &x->io);
        return true;
    }
    uint64_t at = x->heap[0]->wake_at_ns;
    if (at == 0)
        at = 1; /* 0 would disarm */
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    spec.it_value.tv_sec = (time_t)(at / 1000000000u);
    spec.it_value.tv_nsec = (long)(at % 1000000000u);
    if (timerfd_settime(x->fd, TFD_TIMER_ABSTIME, &spec, NULL) != 0)
        return mk_fail("mk_sleep_ms: timerfd_settime: %s", strerror(errno));
    return true;
}

static void on_timer(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)rt;
    (void)events;
    sleep_ext_t *x = io->ctx;
    uint64_t ticks;
    while (read(x->fd, &ticks, sizeof ticks) > 0) {
    }
    uint64_t now = wasm_now_ns();
    while (x->n > 0 && x->heap[0]->wake_at_ns <= now) {
        wasm_actor_t *wa = x->heap[0];
        heap_remove(x, 0);
        if (!mk_actor_wake(wa->rt, wa->id, MK_MSG_WASM_RESUME))
            actor_log(wa->rt, LOG_ERROR, "mk_sleep_ms: cannot wake 0x%016llx: %s",
                      (unsigned long long)wa->id, mk_last_error());
    }
    if (!rearm(x))
        actor_log(x->rt, LOG_ERROR, "%s", mk_last_error());
}

static void destroy_ext(runtime_t *rt, void *data)
{
    sleep_ext_t *x = data;
    mk_io_remove(rt, &x->io);
    close(x->fd);
    mk_free(x->heap);
    mk_free(x);
}

static sleep_ext_t *get_ext(runtime_t *rt)
{
    sleep_ext_t *x = mk_runtime_ext(rt, MK_EXT_WASM);
    if (x)
        return x;
    x = mk_calloc(1, sizeof *x);
    if (!x) {
        mk_set_error("mk_sleep_ms: out of memory");
        return NULL;
    }
    x->rt = rt;
    x->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (x->fd < 0) {
        mk_set_error("mk_sleep_ms: timerfd_create: %s", strerror(errno));
        mk_free(x);
        return NULL;
    }
    mk_runtime_set_ext(rt, MK_EXT_WASM, x, destroy_ext);
    return x;
}

bool wasm_sleep_add(wasm_actor_t *wa)
{
    sleep_ext_t *x = get_ext(wa->rt);
    if (!x)
        return false;
    if (x->n == x->cap) {
        size_t ncap = x->cap ? x->cap * 2 : 16;
        wasm_actor_t **nh = mk_realloc(x->heap, ncap * sizeof *nh);
        if (!nh)
            return mk_fail("mk_sleep_ms: out of memory");
        x->heap = nh;
        x->cap = ncap;
    }
    if (!x->io.registered && !mk_io_add(wa->rt, &x->io, x->fd, EPOLLIN, on_timer, x, true))
        return false;
    place(x, x->n++, wa);
    sift_up(x, x->n - 1);
    if (!rearm(x)) {
        heap_remove(x, wa->sleep_slot - 1);
        rearm(x);
        return false;
    }
    mk_actor_hold(wa->rt, wa->id);
    return true;
}

void wasm_sleep_remove(wasm_actor_t *wa)
{
    if (!wa->sleep_slot || !wa->rt)
        return;
    sleep_ext_t *x = mk_runtime_ext(wa->rt, MK_EXT_WASM);
    if (!x)
        return;
    heap_remove(x, wa->sleep_slot - 1);
    rearm(x);
}
