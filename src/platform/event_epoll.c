/*
 * event_epoll.c -- the epoll backend of the event loop (see event.h).
 *
 * Registration is incremental: an fd is added when its source appears and
 * removed when it goes; nothing is rebuilt per loop turn.
 */
#include "platform/event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "core/alloc_internal.h"

#define MK_POLLER_BATCH 64

struct mk_poller {
    int epfd;                                  /* the epoll instance */
    struct epoll_event batch[MK_POLLER_BATCH]; /* kernel output buffer */
};

mk_poller_t *mk_poller_create(void)
{
    mk_poller_t *p = mk_calloc(1, sizeof *p);
    if (!p) {
        mk_set_error("event loop: out of memory");
        return NULL;
    }
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (p->epfd < 0) {
        mk_set_error("event loop: epoll_create1: %s", strerror(errno));
        mk_free(p);
        return NULL;
    }
    return p;
}

void mk_poller_destroy(mk_poller_t *p)
{
    if (!p)
        return;
    close(p->epfd);
    mk_free(p);
}

static int control(mk_poller_t *p, int op, int fd, uint32_t events, void *data)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.ptr = data;
    if (epoll_ctl(p->epfd, op, fd, &ev) < 0) {
        mk_set_error("event loop: epoll_ctl(fd %d): %s", fd, strerror(errno));
        return -1;
    }
    return 0;
}

int mk_poller_add(mk_poller_t *p, int fd, uint32_t events, void *data)
{
    return control(p, EPOLL_CTL_ADD, fd, events, data);
}

int mk_poller_modify(mk_poller_t *p, int fd, uint32_t events, void *data)
{
    return control(p, EPOLL_CTL_MOD, fd, events, data);
}

int mk_poller_remove(mk_poller_t *p, int fd)
{
    return control(p, EPOLL_CTL_DEL, fd, 0, NULL);
}

int mk_poller_wait(mk_poller_t *p, mk_poll_event_t *out, int max, int timeout_ms)
{
    if (max > MK_POLLER_BATCH)
        max = MK_POLLER_BATCH;
    int n = epoll_wait(p->epfd, p->batch, max, timeout_ms);
    if (n < 0) {
        if (errno == EINTR)
            return 0;
        mk_set_error("event loop: epoll_wait: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        out[i].data = p->batch[i].data.ptr;
        out[i].events = p->batch[i].events;
    }
    return n;
}
