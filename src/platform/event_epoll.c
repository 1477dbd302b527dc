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

#include "platform/mem.h"

#define MK_POLLER_BATCH 64

struct mk_poller {
    int epfd;                                  /* the epoll instance */
    struct epoll_event batch[MK_POLLER_BATCH]; /* kernel output buffer */
};

mk_poller_t *mk_poller_create(void)
{
    mk_poller_t *p = mk_platform_realloc(NULL, sizeof *p);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    memset(p, 0, sizeof *p);
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (p->epfd < 0) {
        int err = errno;
        mk_platform_free(p);
        errno = err;
        return NULL;
    }
    return p;
}

void mk_poller_destroy(mk_poller_t *p)
{
    if (!p)
        return;
    close(p->epfd);
    mk_platform_free(p);
}

/* epoll_ctl `op` for fd; 0, or -1 with errno. */
static int control(mk_poller_t *p, int op, int fd, uint32_t events, void *data)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.ptr = data;
    return epoll_ctl(p->epfd, op, fd, &ev) < 0 ? -1 : 0;
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
        return -1;
    }
    for (int i = 0; i < n; i++) {
        out[i].data = p->batch[i].data.ptr;
        out[i].events = p->batch[i].events;
    }
    return n;
}
