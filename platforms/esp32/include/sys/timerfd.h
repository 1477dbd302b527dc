/*
 * sys/timerfd.h for the ESP-IDF port (UNBUILT skeleton, docs/mcu.md):
 * timer descriptors with Linux's timerfd_create(2) semantics, made of one
 * esp_timer each and opened through a VFS driver (port/timerfd.c), so the
 * core's read() and close() on them reach that driver. read() of 8 bytes
 * returns the expirations since the last read, or -1/EAGAIN when none.
 * Only CLOCK_MONOTONIC (esp_timer_get_time()) is offered.
 */
#ifndef MK_ESP32_SYS_TIMERFD_H
#define MK_ESP32_SYS_TIMERFD_H

#include <time.h>

#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC ((clockid_t)4)
#endif

#define TFD_NONBLOCK      0x800
#define TFD_CLOEXEC       0x80000
#define TFD_TIMER_ABSTIME 1

/* A new timer descriptor; -1 with errno EMFILE when all
 * MK_ESP32_MAX_TIMERFDS are open, EINVAL for another clock, ENOMEM when
 * esp_timer_create() or the VFS registration fails. */
int timerfd_create(int clockid, int flags);
/* Arm (non-zero it_value: relative, or absolute on the mk_clock_ns() clock
 * with TFD_TIMER_ABSTIME; it_interval non-zero: periodic) or disarm (zero
 * it_value); `old` must be NULL. 0, or -1 with errno EBADF / EINVAL. */
int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old);

#endif
