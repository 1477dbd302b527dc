/*
 * clock.c (bare metal) -- the runtime's monotonic clock (platform/clock.h)
 * from the CLINT mtime counter: 10 MHz on QEMU virt, so 100 ns a tick.
 */
#include "platform/clock.h"

#include "board.h"

uint64_t mk_clock_ns(void)
{
    return board_ticks() * (1000000000u / BOARD_MTIME_HZ);
}

uint64_t mk_clock_ms(void)
{
    return board_ticks() / (BOARD_MTIME_HZ / 1000u);
}
