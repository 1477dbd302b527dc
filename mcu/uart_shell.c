/*
 * uart_shell.c -- placeholder until the UART shell lands (docs/mcu.md).
 */
#include "uart_shell.h"

void mcu_shell_run(runtime_t *rt)
{
    (void)rt;
}
