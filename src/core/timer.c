/*
 * timer.c -- actor timers on timerfd (seed "Timers"): one timerfd per timer,
 * registered in the event loop; expiry delivers MSG_TIMER to the owner.
 *
 * Nothing is lost when the owner's mailbox is full: expirations accumulate
 * and a one-shot timer retries delivery every millisecond.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/runtime_internal.h"

static void ms_to_timespec(uint64_t ms, struct timespec *ts)
{
    ts->tv_sec = (time_t)(ms / 1000);
    ts->tv_nsec = (long)(ms % 1000) * 1000000L;
}

static bool arm(int fd, uint64_t first_ms, uint64_t period_ms)
{
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    ms_to_timespec(first_ms, &spec.it_value);
    ms_to_timespec(period_ms, &spec.it_interval);
    return timerfd_settime(fd, 0, &spec, NULL) == 0;
}

static void release(runtime_t *rt, mk_timer_t *t)
{
    mk_io_remove(rt, &t->io);
    close(t->io.fd);
    t->id = TIMER_ID_INVALID;
    t->owner = ACTOR_ID_INVALID;
    rt->n_timers--;
}

static void on_expiry(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)events;
    mk_timer_t *t = io->ctx;
    uint64_t count = 0;
    if (read(io->fd, &count, sizeof count) == (ssize_t)sizeof count)
        t->pending += count;
    if (t->pending == 0)
        return;
    timer_payload_t p = {.id = t->id, .expirations = t->pending};
    if (mk_send_from(rt, ACTOR_ID_INVALID, t->owner, MSG_TIMER, &p, sizeof p)) {
        t->pending = 0;
        if (!t->periodic)
            release(rt, t);
    } else if (!actor_is_alive(rt, t->owner)) {
        release(rt, t);
    } else if (!t->periodic) {
        arm(io->fd, 1, 0); /* mailbox full: try again in 1 ms */
    }
}

timer_id_t actor_set_timer(runtime_t *rt, uint64_t interval_ms, bool periodic)
{
    if (!rt || !rt->current) {
        mk_set_error("actor_set_timer: %s",
                     rt ? "must be called from a behaviour" : "runtime is NULL");
        return TIMER_ID_INVALID;
    }
    if (interval_ms == 0) {
        mk_set_error("actor_set_timer: interval_ms is 0");
        return TIMER_ID_INVALID;
    }
    if (rt->n_timers >= MK_MAX_TIMERS) {
        mk_set_error("actor_set_timer: all %d timers are in use", MK_MAX_TIMERS);
        return TIMER_ID_INVALID;
    }
    mk_timer_t *t = NULL;
    for (size_t i = 0; i < MK_MAX_TIMERS && !t; i++)
        if (rt->timers[i].id == TIMER_ID_INVALID)
            t = &rt->timers[i];
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) {
        mk_set_error("actor_set_timer: timerfd_create: %s", strerror(errno));
        return TIMER_ID_INVALID;
    }
    if (!arm(fd, interval_ms, periodic ? interval_ms : 0)) {
        mk_set_error("actor_set_timer: timerfd_settime(%llu ms): %s",
                     (unsigned long long)interval_ms, strerror(errno));
        close(fd);
        return TIMER_ID_INVALID;
    }
    if (!mk_io_add(rt, &t->io, fd, EPOLLIN, on_expiry, t, true)) {
        close(fd);
        return TIMER_ID_INVALID;
    }
    if (++rt->last_timer_id == TIMER_ID_INVALID)
        ++rt->last_timer_id;
    t->id = rt->last_timer_id;
    t->owner = rt->current->id;
    t->periodic = periodic;
    t->pending = 0;
    rt->n_timers++;
    return t->id;
}

bool actor_cancel_timer(runtime_t *rt, timer_id_t id)
{
    if (!rt)
        return mk_fail("actor_cancel_timer: runtime is NULL");
    for (size_t i = 0; i < MK_MAX_TIMERS; i++) {
        mk_timer_t *t = &rt->timers[i];
        if (t->id != id || id == TIMER_ID_INVALID)
            continue;
        if (!rt->current || t->owner != rt->current->id)
            return mk_fail(
                "actor_cancel_timer: timer %u belongs to actor 0x%016llx, not the caller", id,
                (unsigned long long)t->owner);
        release(rt, t);
        return true;
    }
    return mk_fail("actor_cancel_timer: no timer %u (never armed, fired or cancelled)", id);
}

void mk_timers_release_owner(runtime_t *rt, actor_id_t owner)
{
    if (rt->n_timers == 0)
        return;
    for (size_t i = 0; i < MK_MAX_TIMERS; i++)
        if (rt->timers[i].id != TIMER_ID_INVALID && rt->timers[i].owner == owner)
            release(rt, &rt->timers[i]);
}

void mk_timers_destroy(runtime_t *rt)
{
    for (size_t i = 0; i < MK_MAX_TIMERS; i++)
        if (rt->timers[i].id != TIMER_ID_INVALID)
            release(rt, &rt->timers[i]);
}
