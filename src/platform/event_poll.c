/*
 * event_poll.c -- the poll(2) backend of the event loop (see event.h), for
 * systems without epoll. Same interface and semantics as event_epoll.c:
 * level-triggered, EPOLLONESHOT honoured (a one-shot fd is left out of the
 * poll set until modified again). Chosen at build time with
 * -DMK_EVENT_BACKEND=poll; tests/core runs the core suite on it too.
 * Adding an fd may allocate; waiting never does.
 */
#include "platform/event.h"

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>

#include "platform/mem.h"

struct mk_poller {
    struct pollfd *fds; /* fd < 0 while a one-shot entry is disarmed */
    void **data;        /* what each fd was registered with */
    uint32_t *interest; /* the registered EPOLL* bits */
    size_t n, cap;
};

mk_poller_t *mk_poller_create(void)
{
    mk_poller_t *p = mk_platform_realloc(NULL, sizeof *p);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    memset(p, 0, sizeof *p);
    return p;
}

void mk_poller_destroy(mk_poller_t *p)
{
    if (!p)
        return;
    mk_platform_free(p->fds);
    mk_platform_free(p->data);
    mk_platform_free(p->interest);
    mk_platform_free(p);
}

/* The entry for `fd`, armed or not; -1 if none. */
static long find(const mk_poller_t *p, int fd)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->fds[i].fd == fd || p->fds[i].fd == -fd - 1)
            return (long)i;
    return -1;
}

/* Fill entry i (armed) with fd, its interest bits and data. */
static void set(mk_poller_t *p, size_t i, int fd, uint32_t events, void *data)
{
    p->fds[i].fd = fd;
    p->fds[i].events = (short)(events & (EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP));
    p->fds[i].revents = 0;
    p->data[i] = data;
    p->interest[i] = events;
}

/* Double the capacity (16 at first); false, nothing lost, when memory runs out. */
static bool grow(mk_poller_t *p)
{
    size_t cap = p->cap ? p->cap * 2 : 16;
    struct pollfd *fds = mk_platform_realloc(p->fds, cap * sizeof *fds);
    if (fds)
        p->fds = fds;
    void **data = fds ? mk_platform_realloc(p->data, cap * sizeof *data) : NULL;
    if (data)
        p->data = data;
    uint32_t *interest = data ? mk_platform_realloc(p->interest, cap * sizeof *interest) : NULL;
    if (!interest)
        return false;
    p->interest = interest;
    p->cap = cap;
    return true;
}

int mk_poller_add(mk_poller_t *p, int fd, uint32_t events, void *data)
{
    if (fd < 0 || find(p, fd) >= 0) {
        errno = fd < 0 ? EBADF : EEXIST;
        return -1;
    }
    if (p->n == p->cap && !grow(p)) {
        errno = ENOMEM;
        return -1;
    }
    set(p, p->n++, fd, events, data);
    return 0;
}

int mk_poller_modify(mk_poller_t *p, int fd, uint32_t events, void *data)
{
    long i = find(p, fd);
    if (i < 0) {
        errno = ENOENT;
        return -1;
    }
    set(p, (size_t)i, fd, events, data);
    return 0;
}

int mk_poller_remove(mk_poller_t *p, int fd)
{
    long i = find(p, fd);
    if (i < 0) {
        errno = ENOENT;
        return -1;
    }
    size_t last = --p->n;
    p->fds[i] = p->fds[last];
    p->data[i] = p->data[last];
    p->interest[i] = p->interest[last];
    return 0;
}

int mk_poller_wait(mk_poller_t *p, mk_poll_event_t *out, int max, int timeout_ms)
{
    int ready = poll(p->fds, (nfds_t)p->n, timeout_ms);
    if (ready < 0) {
        if (errno == EINTR)
            return 0;
        return -1;
    }
    int n = 0;
    for (size_t i = 0; i < p->n && n < max && ready > 0; i++) {
        if (p->fds[i].fd < 0 || p->fds[i].revents == 0)
            continue;
        ready--;
        out[n].data = p->data[i];
        out[n].events = (uint32_t)(unsigned short)p->fds[i].revents;
        n++;
        if (p->interest[i] & EPOLLONESHOT)
            p->fds[i].fd = -p->fds[i].fd - 1; /* disarmed until modified */
    }
    return n;
}
