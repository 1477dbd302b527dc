/*
 * event.c (ESP-IDF, UNBUILT skeleton) -- the readiness backend of
 * platform/event.h. Timer descriptors (timerfd.c) are ready when their
 * esp_timer has fired; with none ready the runtime's task blocks in
 * ulTaskNotifyTake() until a timer callback's xTaskNotifyGive() or the
 * timeout (FreeRTOS ticks, rounded up). Level-triggered; EPOLLONESHOT
 * leaves a reported descriptor out until it is modified, as epoll(7).
 * Other descriptors (console, sockets) are accepted but never reported:
 * not ported yet. Pollers come from a static pool: no allocation.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/epoll.h>

#include "esp32_port.h"
#include "platform/event.h"

#ifndef MK_ESP32_MAX_POLLERS
#define MK_ESP32_MAX_POLLERS 2 /* runtimes alive at once */
#endif
#define MAX_REGS (MK_ESP32_MAX_TIMERFDS + 8)

typedef struct {
    int fd; /* -1: free */
    uint32_t events;
    void *data;
} reg_t;

struct mk_poller {
    bool used;
    reg_t regs[MAX_REGS];
};

static mk_poller_t pollers[MK_ESP32_MAX_POLLERS];

mk_poller_t *mk_poller_create(void)
{
    for (int i = 0; i < MK_ESP32_MAX_POLLERS; i++) {
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

static int collect(mk_poller_t *p, mk_poll_event_t *out, int max)
{
    int n = 0;
    for (int i = 0; i < MAX_REGS && n < max; i++) {
        reg_t *r = &p->regs[i];
        if (r->fd < 0 || !(r->events & EPOLLIN) || !mk_esp32_fd_readable(r->fd))
            continue;
        out[n].data = r->data;
        out[n].events = EPOLLIN;
        n++;
        if (r->events & EPOLLONESHOT)
            r->events = 0;
    }
    return n;
}

int mk_poller_wait(mk_poller_t *p, mk_poll_event_t *out, int max, int timeout_ms)
{
    mk_esp32_set_waiter(xTaskGetCurrentTaskHandle());
    int n = collect(p, out, max);
    if (n > 0 || timeout_ms == 0)
        return n;
    /* A notification given after collect() is kept by FreeRTOS, so this
     * returns at once: no expiry is lost between the check and the wait. */
    TickType_t ticks =
        timeout_ms < 0 ? portMAX_DELAY
                       : (TickType_t)((timeout_ms + portTICK_PERIOD_MS - 1) / portTICK_PERIOD_MS);
    ulTaskNotifyTake(pdTRUE, ticks);
    return collect(p, out, max);
}
