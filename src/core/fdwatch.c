/*
 * fdwatch.c -- watching an actor's file descriptors (seed "FD watching").
 *
 * Level-triggered with one event in flight: the fd is registered with
 * EPOLLONESHOT and re-armed only after the owner has handled the
 * MSG_FD_EVENT, so an fd the actor leaves unread cannot flood its mailbox.
 * poll(2) and epoll bits have the same values on Linux.
 */
#include <sys/epoll.h>

#include "core/runtime_internal.h"

_Static_assert(POLLIN == EPOLLIN && POLLOUT == EPOLLOUT && POLLPRI == EPOLLPRI &&
                   POLLERR == EPOLLERR && POLLHUP == EPOLLHUP,
               "poll(2) and epoll event bits must agree");

#define WATCHABLE (POLLIN | POLLOUT | POLLPRI | POLLERR | POLLHUP | POLLRDHUP)

static mk_fdwatch_t *find(runtime_t *rt, int fd)
{
    for (size_t i = 0; i < MK_MAX_FD_WATCHES; i++)
        if (rt->watches[i].owner != ACTOR_ID_INVALID && rt->watches[i].io.fd == fd)
            return &rt->watches[i];
    return NULL;
}

static void release(runtime_t *rt, mk_fdwatch_t *w)
{
    mk_io_remove(rt, &w->io);
    w->owner = ACTOR_ID_INVALID;
    rt->n_watches--;
}

static void on_ready(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    mk_fdwatch_t *w = io->ctx;
    fd_event_payload_t p = {.fd = io->fd, .events = events & (w->events | POLLERR | POLLHUP)};
    if (mk_send_from(rt, ACTOR_ID_INVALID, w->owner, MSG_FD_EVENT, &p, sizeof p))
        w->in_flight = true;
    else if (actor_is_alive(rt, w->owner))
        mk_io_modify(rt, io, w->events | EPOLLONESHOT); /* mailbox full: ask again next poll */
    else
        release(rt, w);
}

bool actor_watch_fd(runtime_t *rt, int fd, uint32_t events)
{
    if (!rt || !rt->current)
        return mk_fail("actor_watch_fd: %s",
                       rt ? "must be called from a behaviour" : "runtime is NULL");
    if (fd < 0)
        return mk_fail("actor_watch_fd: fd %d is negative", fd);
    if ((events & WATCHABLE) == 0)
        return mk_fail("actor_watch_fd: no poll(2) events requested (0x%x)", events);
    uint32_t interest = events & WATCHABLE;
    mk_fdwatch_t *w = find(rt, fd);
    if (w && w->owner == rt->current->id) {
        /* The original updates the events of a watch the caller already has. */
        w->events = interest;
        if (!w->in_flight)
            mk_io_modify(rt, &w->io, interest | EPOLLONESHOT);
        return true;
    }
    if (w)
        return mk_fail("actor_watch_fd: fd %d is already watched by actor 0x%016llx", fd,
                       (unsigned long long)w->owner);
    if (rt->n_watches >= MK_MAX_FD_WATCHES)
        return mk_fail("actor_watch_fd: all %d fd watches are in use", MK_MAX_FD_WATCHES);
    for (size_t i = 0; i < MK_MAX_FD_WATCHES && !w; i++)
        if (rt->watches[i].owner == ACTOR_ID_INVALID)
            w = &rt->watches[i];
    if (!mk_io_add(rt, &w->io, fd, interest | EPOLLONESHOT, on_ready, w, true))
        return false;
    w->owner = rt->current->id;
    w->events = interest;
    w->in_flight = false;
    rt->n_watches++;
    return true;
}

bool actor_unwatch_fd(runtime_t *rt, int fd)
{
    if (!rt)
        return mk_fail("actor_unwatch_fd: runtime is NULL");
    mk_fdwatch_t *w = find(rt, fd);
    if (!w || !rt->current || w->owner != rt->current->id)
        return mk_fail("actor_unwatch_fd: fd %d is not watched by the caller", fd);
    release(rt, w);
    return true;
}

void mk_fdwatch_handled(runtime_t *rt, actor_id_t owner, const message_t *msg)
{
    if (msg->payload_size != sizeof(fd_event_payload_t))
        return;
    const fd_event_payload_t *p = msg->payload;
    mk_fdwatch_t *w = find(rt, p->fd);
    if (w && w->owner == owner && w->in_flight) {
        w->in_flight = false;
        mk_io_modify(rt, &w->io, w->events | EPOLLONESHOT);
    }
}

void mk_fdwatch_release_owner(runtime_t *rt, actor_id_t owner)
{
    if (rt->n_watches == 0)
        return;
    for (size_t i = 0; i < MK_MAX_FD_WATCHES; i++)
        if (rt->watches[i].owner == owner)
            release(rt, &rt->watches[i]);
}
