/*
 * poll.h for the bare-metal port: picolibc has no poll(2); the core only
 * needs the event bit values (fd watches, src/core/fdwatch.c), which are
 * Linux's here so they equal the EPOLL* bits of sys/epoll.h.
 */
#ifndef MK_BAREMETAL_POLL_H
#define MK_BAREMETAL_POLL_H

#define POLLIN    0x001
#define POLLPRI   0x002
#define POLLOUT   0x004
#define POLLERR   0x008
#define POLLHUP   0x010
#define POLLNVAL  0x020
#define POLLRDHUP 0x2000

#endif
