/*
 * sys/epoll.h for the ESP-IDF port (UNBUILT skeleton, docs/mcu.md): ESP-IDF
 * has no epoll. The core only needs the event bits (src/core/loop.c,
 * timer.c, fdwatch.c); they are the C library's poll(2) bits here, so the
 * core's check POLLIN == EPOLLIN ... holds whatever values ESP-IDF uses.
 * The poller itself is port/event.c (platform/event.h interface).
 */
#ifndef MK_ESP32_SYS_EPOLL_H
#define MK_ESP32_SYS_EPOLL_H

#include <poll.h>

#ifndef POLLRDHUP
#define POLLRDHUP (1u << 13) /* not in ESP-IDF; never reported */
#endif

#define EPOLLIN      ((unsigned)POLLIN)
#define EPOLLPRI     ((unsigned)POLLPRI)
#define EPOLLOUT     ((unsigned)POLLOUT)
#define EPOLLERR     ((unsigned)POLLERR)
#define EPOLLHUP     ((unsigned)POLLHUP)
#define EPOLLRDHUP   ((unsigned)POLLRDHUP)
#define EPOLLONESHOT (1u << 30)

#endif
