/*
 * event.h -- the readiness backend behind the core event loop.
 *
 * A narrow interface (create, destroy, add, modify, remove, wait) so the
 * backend can be epoll on Linux and something else on a microcontroller.
 * Events use the epoll bit values, which equal poll(2)'s on Linux.
 * Never allocates after mk_poller_create().
 */
#ifndef MK_PLATFORM_EVENT_H
#define MK_PLATFORM_EVENT_H

#include <stdint.h>

typedef struct mk_poller mk_poller_t;

typedef struct mk_poll_event {
    void *data;      /* what was registered with the fd */
    uint32_t events; /* ready bits (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP ...) */
} mk_poll_event_t;

/* A poller; NULL (reason set) when the kernel refuses one. */
mk_poller_t *mk_poller_create(void);
void mk_poller_destroy(mk_poller_t *p);
/* Register / change / remove `fd`; 0 on success, -1 with errno and reason. */
int mk_poller_add(mk_poller_t *p, int fd, uint32_t events, void *data);
int mk_poller_modify(mk_poller_t *p, int fd, uint32_t events, void *data);
int mk_poller_remove(mk_poller_t *p, int fd);
/* Wait up to `timeout_ms` (-1 forever, 0 not at all) and fill at most `max`
 * events. Returns the count (0 on timeout or EINTR), -1 on error. */
int mk_poller_wait(mk_poller_t *p, mk_poll_event_t *out, int max, int timeout_ms);

#endif
