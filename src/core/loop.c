/*
 * loop.c -- I/O sources of the event loop: fds registered incrementally in
 * the poller, and the poll step that runs their callbacks.
 *
 * Callers own their mk_io_t (no hidden allocation). A callback may remove
 * any source, itself included: pending events of a removed source in the
 * current batch are dropped, never delivered to freed memory.
 */
#include <sys/epoll.h>

#include "core/runtime_internal.h"

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
        return false;
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
        return false;
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

void mk_io_poll(runtime_t *rt, int timeout_ms)
{
    if (rt->n_events > 0)
        return; /* a callback polled re-entrantly: finish the current batch first */
    int n = mk_poller_wait(rt->poller, rt->events, MK_EVENT_BATCH, timeout_ms);
    if (n <= 0)
        return;
    rt->n_events = n;
    for (rt->event_index = 0; rt->event_index < n; rt->event_index++) {
        mk_poll_event_t *ev = &rt->events[rt->event_index];
        mk_io_t *io = ev->data;
        if (io)
            io->fn(rt, io, ev->events);
    }
    rt->n_events = 0;
    rt->event_index = 0;
}
