/*
 * board_virt.c -- the machine under the bare-metal port: CLINT mtime and
 * mtimecmp (timer wake-ups), the 16550 UART (console), the PLIC (UART
 * receive wake-ups) and the sifive_test device (run result), at the
 * addresses of QEMU's riscv32 `virt` board (board.h). Interrupts are used
 * only to end a wfi; exceptions print their cause and fail the run.
 */
#include "board.h"

#include <stdio.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define REG8(addr)  (*(volatile uint8_t *)(uintptr_t)(addr))

#define UART_RBR 0u /* receive buffer (read) / transmit holding (write) */
#define UART_IER 1u
#define UART_LSR 5u
#define LSR_DR   0x01u /* data ready */
#define LSR_THRE 0x20u /* transmitter holding register empty */

#define MIE_MTIE (1u << 7)
#define MIE_MEIE (1u << 11)

#define PLIC_PRIORITY(irq) (BOARD_PLIC_BASE + 4u * (irq))
#define PLIC_ENABLE_CTX0   (BOARD_PLIC_BASE + 0x2000u)
#define PLIC_THRESH_CTX0   (BOARD_PLIC_BASE + 0x200000u)
#define PLIC_CLAIM_CTX0    (BOARD_PLIC_BASE + 0x200004u)

static void set_mtimecmp(uint64_t t)
{
    /* Never let the 64-bit compare pass through a smaller value. */
    REG32(BOARD_CLINT_MTIMECMP) = 0xFFFFFFFFu;
    REG32(BOARD_CLINT_MTIMECMP + 4) = (uint32_t)(t >> 32);
    REG32(BOARD_CLINT_MTIMECMP) = (uint32_t)t;
}

uint64_t board_ticks(void)
{
    uint32_t hi, lo;
    do {
        hi = REG32(BOARD_CLINT_MTIME + 4);
        lo = REG32(BOARD_CLINT_MTIME);
    } while (hi != REG32(BOARD_CLINT_MTIME + 4));
    return ((uint64_t)hi << 32) | lo;
}

/* Exceptions only (interrupts are never taken: mstatus.MIE is off). */
__attribute__((interrupt("machine"), aligned(4))) static void trap(void)
{
    uint32_t cause, epc, tval;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    __asm__ volatile("csrr %0, mepc" : "=r"(epc));
    __asm__ volatile("csrr %0, mtval" : "=r"(tval));
    printf("\nFATAL: trap mcause=0x%08lx mepc=0x%08lx mtval=0x%08lx\n", (unsigned long)cause,
           (unsigned long)epc, (unsigned long)tval);
    board_exit(3);
}

void board_init(void)
{
    __asm__ volatile("csrw mtvec, %0" ::"r"((uintptr_t)trap));
    set_mtimecmp(UINT64_MAX);
    REG8(BOARD_UART_BASE + UART_IER) = 0x01u; /* received data available */
    REG32(PLIC_PRIORITY(BOARD_UART_IRQ)) = 1u;
    REG32(PLIC_ENABLE_CTX0) = 1u << BOARD_UART_IRQ;
    REG32(PLIC_THRESH_CTX0) = 0u;
    uint32_t mie = MIE_MTIE | MIE_MEIE;
    __asm__ volatile("csrs mie, %0" ::"r"(mie));
}

void board_idle_until(uint64_t deadline_ticks)
{
    if (board_ticks() >= deadline_ticks || (REG8(BOARD_UART_BASE + UART_LSR) & LSR_DR))
        return;
    set_mtimecmp(deadline_ticks);
    /* wfi resumes on any pending interrupt enabled in mie, even with
     * mstatus.MIE off (privileged spec 3.3.3). */
    __asm__ volatile("wfi");
    set_mtimecmp(UINT64_MAX); /* drops a pending timer interrupt */
    uint32_t irq = REG32(PLIC_CLAIM_CTX0);
    if (irq)
        REG32(PLIC_CLAIM_CTX0) = irq; /* complete: the UART re-asserts while data waits */
}

void board_uart_put(char c)
{
    while (!(REG8(BOARD_UART_BASE + UART_LSR) & LSR_THRE)) {
    }
    REG8(BOARD_UART_BASE + UART_RBR) = (uint8_t)c;
}

bool board_uart_get(char *c)
{
    if (!(REG8(BOARD_UART_BASE + UART_LSR) & LSR_DR))
        return false;
    *c = (char)REG8(BOARD_UART_BASE + UART_RBR);
    return true;
}

_Noreturn void board_exit(int code)
{
    REG32(BOARD_TEST_BASE) = code == 0 ? 0x5555u : ((uint32_t)code << 16) | 0x3333u;
    for (;;)
        __asm__ volatile("wfi");
}
