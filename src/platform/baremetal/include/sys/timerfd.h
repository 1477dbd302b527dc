/*
 * sys/timerfd.h for the bare-metal port: software timer descriptors with
 * Linux's timerfd_create(2) semantics, driven by the CLINT mtime counter
 * (src/platform/baremetal/sys.c). read() of 8 bytes returns the expiration
 * count since the last read, or -1/EAGAIN when none; the poller reports
 * EPOLLIN when an expiration is due and sleeps in wfi until the earliest
 * deadline otherwise. Only CLOCK_MONOTONIC is offered.
 */
#ifndef MK_BAREMETAL_SYS_TIMERFD_H
#define MK_BAREMETAL_SYS_TIMERFD_H

#include <time.h>

/* picolibc leaves it out (no _POSIX_MONOTONIC_CLOCK); mtime is monotonic. */
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC ((clockid_t)4)
#endif

#define TFD_NONBLOCK      0x800
#define TFD_CLOEXEC       0x80000
#define TFD_TIMER_ABSTIME 1

/* A new timer descriptor; -1 with errno EMFILE when all
 * MK_BM_MAX_TIMERFDS (sys.c) are open, EINVAL for another clock. */
int timerfd_create(int clockid, int flags);
/* Arm (it_value non-zero: relative, or absolute on the mk_clock_ns() clock
 * with TFD_TIMER_ABSTIME) or disarm (zero it_value); `old` must be NULL.
 * 0, or -1 with errno EBADF / EINVAL. */
int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old);

#endif
