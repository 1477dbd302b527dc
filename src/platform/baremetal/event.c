/*
 * event.c (bare metal) -- the readiness backend of platform/event.h over the
 * descriptors of sys.c: timer descriptors are ready when mtime passes their
 * deadline, the console when the UART holds a byte. Level-triggered;
 * EPOLLONESHOT leaves a reported descriptor out until it is modified (as
 * epoll(7)). With nothing ready the wait programs mtimecmp for the earliest
 * deadline (or the timeout) and sleeps in wfi; a received UART byte wakes
 * it early through the PLIC. Pollers come from a static pool: no allocation.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/epoll.h>

#include "board.h"
#include "platform/event.h"
#include "sys_internal.h"

#ifndef MK_BM_MAX_POLLERS
#define MK_BM_MAX_POLLERS 2 /* runtimes alive at once */
#endif
#define MAX_REGS (MK_BM_MAX_TIMERFDS + 8)

typedef struct {
    int fd; /* -1: free */
    uint32_t events;
    void *data;
} reg_t;

struct mk_poller {
    bool used;
    reg_t regs[MAX_REGS];
};

static mk_poller_t pollers[MK_BM_MAX_POLLERS];

mk_poller_t *mk_poller_create(void)
{
    for (int i = 0; i < MK_BM_MAX_POLLERS; i++) {
        if (pollers[i].used)
            continue;
        pollers[i].used = true;
        for (int r = 0; r < MAX_REGS; r++)
            pollers[i].regs[r].fd = -1;
        return &pollers[i];
    }
    errno = EMFILE;
    return NULL;
}

void mk_poller_destroy(mk_poller_t *p)
{
    if (p)
        p->used = false;
}

static reg_t *find(mk_poller_t *p, int fd)
{
    for (int r = 0; r < MAX_REGS; r++)
        if (p->regs[r].fd == fd)
            return &p->regs[r];
    return NULL;
}

int mk_poller_add(mk_poller_t *p, int fd, uint32_t events, void *data)
{
    if (fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (find(p, fd)) {
        errno = EEXIST;
        return -1;
    }
    reg_t *r = find(p, -1);
    if (!r) {
        errno = ENOSPC;
        return -1;
    }
    *r = (reg_t){fd, events, data};
    return 0;
}

int mk_poller_modify(mk_poller_t *p, int fd, uint32_t events, void *data)
{
    reg_t *r = fd >= 0 ? find(p, fd) : NULL;
    if (!r) {
        errno = ENOENT;
        return -1;
    }
    r->events = events;
    r->data = data;
    return 0;
}

int mk_poller_remove(mk_poller_t *p, int fd)
{
    reg_t *r = fd >= 0 ? find(p, fd) : NULL;
    if (!r) {
        errno = ENOENT;
        return -1;
    }
    r->fd = -1;
    return 0;
}

int mk_poller_wait(mk_poller_t *p, mk_poll_event_t *out, int max, int timeout_ms)
{
    uint64_t start = board_ticks();
    uint64_t limit =
        timeout_ms < 0 ? UINT64_MAX : start + (uint64_t)timeout_ms * (BOARD_MTIME_HZ / 1000u);
    for (;;) {
        uint64_t now = board_ticks(), deadline = limit;
        int n = 0;
        for (int i = 0; i < MAX_REGS && n < max; i++) {
            reg_t *r = &p->regs[i];
            if (r->fd < 0 || !(r->events & EPOLLIN))
                continue;
            if (!mk_bm_fd_readable(r->fd, now, &deadline))
                continue;
            out[n].data = r->data;
            out[n].events = EPOLLIN;
            n++;
            if (r->events & EPOLLONESHOT)
                r->events = 0;
        }
        if (n > 0 || timeout_ms == 0 || now >= limit)
            return n;
        board_idle_until(deadline);
    }
}
