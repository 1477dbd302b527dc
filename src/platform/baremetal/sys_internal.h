/*
 * sys_internal.h -- what the bare-metal poller (event.c) asks of the
 * descriptor layer (sys.c): is a descriptor readable now, and when will it
 * be at the earliest.
 */
#ifndef MK_BAREMETAL_SYS_INTERNAL_H
#define MK_BAREMETAL_SYS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#ifndef MK_BM_MAX_TIMERFDS
#define MK_BM_MAX_TIMERFDS 40 /* MK_MAX_TIMERS (32) + mk_sleep_ms + spares */
#endif
#define MK_BM_FD_CONSOLE 0 /* the UART; 1 and 2 write to it too */
#define MK_BM_FD_TIMER0  3 /* first timer descriptor */

/* True when a read of `fd` would return data now (a due timer, a UART
 * byte). When it would not and `fd` is an armed timer, *deadline_ticks is
 * lowered to its next expiry (mtime ticks). */
bool mk_bm_fd_readable(int fd, uint64_t now_ticks, uint64_t *deadline_ticks);

#endif
