/*
 * loop.c -- I/O sources of the event loop: fds registered incrementally in
 * the poller, and the poll step that runs their callbacks.
 *
 * Callers own their mk_io_t (no hidden allocation). A callback may remove
 * any source, itself included: pending events of a removed source in the
 * current batch are dropped, never delivered to freed memory.
 *
 * mk_io_idle() is the adaptive idle spin (docs/event-loop.md, "Idle spin"):
 * waking a sleeping thread costs more than a loopback round trip's work,
 * so while events keep arriving within rt->spin_ns of going idle, the loop
 * polls without blocking for that long before it sleeps.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "core/runtime_internal.h"
#include "platform/clock.h"
#include "platform/cpu.h"

bool mk_io_add(runtime_t *rt, mk_io_t *io, int fd, uint32_t events, mk_io_fn fn, void *ctx,
               bool keeps_alive)
{
    io->fd = fd;
    io->events = events;
    io->fn = fn;
    io->ctx = ctx;
    io->keeps_alive = keeps_alive;
    io->registered = false;
    if (mk_poller_add(rt->poller, fd, events, io) < 0)
        return mk_fail("event loop: cannot add fd %d: %s", fd, strerror(errno));
    io->registered = true;
    if (keeps_alive)
        rt->wake_sources++;
    return true;
}

bool mk_io_modify(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    if (!io->registered)
        return mk_fail("event loop: fd %d is not registered", io->fd);
    if (mk_poller_modify(rt->poller, io->fd, events, io) < 0)
        return mk_fail("event loop: cannot modify fd %d: %s", io->fd, strerror(errno));
    io->events = events;
    return true;
}

void mk_io_remove(runtime_t *rt, mk_io_t *io)
{
    if (!io->registered)
        return;
    mk_poller_remove(rt->poller, io->fd);
    io->registered = false;
    if (io->keeps_alive)
        rt->wake_sources--;
    for (int i = rt->event_index + 1; i < rt->n_events; i++)
        if (rt->events[i].data == io)
            rt->events[i].data = NULL;
}

int mk_io_poll(runtime_t *rt, int timeout_ms)
{
    if (rt->n_events > 0)
        return 0; /* a callback polled re-entrantly: finish the current batch first */
    rt->io_polls++;
    int n = mk_poller_wait(rt->poller, rt->events, MK_EVENT_BATCH, timeout_ms);
    if (n < 0)
        mk_set_error("event loop: wait: %s", strerror(errno));
    if (n <= 0)
        return 0;
    rt->n_events = n;
    for (rt->event_index = 0; rt->event_index < n; rt->event_index++) {
        mk_poll_event_t *ev = &rt->events[rt->event_index];
        mk_io_t *io = ev->data;
        if (io)
            io->fn(rt, io, ev->events);
    }
    rt->n_events = 0;
    rt->event_index = 0;
    return n;
}

/* Most consecutive hits the spin credit remembers: after a burst of short
 * waits ends, log2 of this many misses (plus one) switch the spin off. */
#define SPIN_CREDIT_MAX 16
/* How often the loop asks whether the CPUs are contested, at most. */
#define SPIN_PROBE_NS   1000000u

/* Spinning pays only when no other thread waits for a CPU. */
static bool cpus_free(runtime_t *rt, uint64_t now)
{
    if (now - rt->spin_probed_ns >= SPIN_PROBE_NS) {
        rt->spin_probed_ns = now;
        rt->spin_contended = mk_cpu_contended(&rt->cpu_probe);
    }
    return !rt->spin_contended;
}

void mk_io_idle(runtime_t *rt)
{
    if (rt->spin_ns == 0) {
        mk_io_poll(rt, -1);
        return;
    }
    uint64_t now = mk_clock_ns();
    if (rt->spin_credit > 0 && cpus_free(rt, now)) {
        uint64_t end = now + rt->spin_ns;
        do {
            if (mk_io_poll(rt, 0) > 0) {
                rt->spin_hits++;
                if (rt->spin_credit < SPIN_CREDIT_MAX)
                    rt->spin_credit++;
                return;
            }
        } while (!rt->stop_requested && mk_clock_ns() < end);
        rt->spin_misses++;
        rt->spin_credit /= 2; /* missed: spin less until waits are short again */
        if (rt->stop_requested)
            return;
    }
    uint64_t start = mk_clock_ns();
    mk_io_poll(rt, -1);
    if (rt->spin_credit == 0 && mk_clock_ns() - start < rt->spin_ns)
        rt->spin_credit = 1; /* a spin would have caught this one: try it */
}
