/*
 * sys/epoll.h for the bare-metal port -- only the event bits the core uses
 * (src/core/loop.c, timer.c, fdwatch.c). Values are Linux's (epoll(7)), so
 * the core's static checks against poll(2) bits hold here too. The poller
 * itself is src/platform/baremetal/event.c (platform/event.h interface).
 */
#ifndef MK_BAREMETAL_SYS_EPOLL_H
#define MK_BAREMETAL_SYS_EPOLL_H

#include <poll.h>

#define EPOLLIN      0x001u
#define EPOLLPRI     0x002u
#define EPOLLOUT     0x004u
#define EPOLLERR     0x008u
#define EPOLLHUP     0x010u
#define EPOLLRDHUP   0x2000u
#define EPOLLONESHOT (1u << 30)

#endif
