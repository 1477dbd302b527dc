/*
 * board.h -- the bare-metal port's view of its machine: QEMU's RISC-V
 * `virt` board (hw/riscv/virt.c memory map), which is also the shape of a
 * CLINT + 16550 + PLIC microcontroller. Addresses are physical; all
 * registers are little-endian and accessed from the one hart (hart 0) in
 * machine mode. Nothing here allocates.
 */
#ifndef MK_BAREMETAL_BOARD_H
#define MK_BAREMETAL_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#define BOARD_CLINT_BASE     0x02000000u                  /* core-local interruptor */
#define BOARD_CLINT_MTIMECMP (BOARD_CLINT_BASE + 0x4000u) /* hart 0, 64-bit */
#define BOARD_CLINT_MTIME    (BOARD_CLINT_BASE + 0xBFF8u) /* 64-bit, free running */
#define BOARD_MTIME_HZ       10000000u                    /* virt: 10 MHz */
#define BOARD_UART_BASE      0x10000000u                  /* NS16550A */
#define BOARD_UART_IRQ       10u                          /* PLIC source of the UART */
#define BOARD_PLIC_BASE      0x0c000000u
#define BOARD_TEST_BASE      0x00100000u /* sifive_test: ends the QEMU run */

/* Install the trap vector, enable the UART receive interrupt in the UART
 * and the PLIC (a wake-up source for wfi; mstatus.MIE stays off, so no
 * handler runs for interrupts: the event loop polls after waking). */
void board_init(void);
/* mtime ticks (BOARD_MTIME_HZ) since reset; never goes back. */
uint64_t board_ticks(void);
/* Sleep in wfi until mtime reaches `deadline_ticks` or another enabled
 * interrupt (UART receive) is pending, whichever comes first. Returns
 * immediately when the deadline has passed. */
void board_idle_until(uint64_t deadline_ticks);
/* One byte to the UART (waits for the transmitter, bounded by the UART). */
void board_uart_put(char c);
/* True and the byte in *c when the UART holds a received byte. */
bool board_uart_get(char *c);
/* End the QEMU run through the virt test device: 0 passes (QEMU exits 0),
 * any other code fails (QEMU exits with `code`, 1..65535). Never returns. */
_Noreturn void board_exit(int code);

#endif
