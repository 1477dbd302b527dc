/*
 * uart_shell.h -- the mk-shell commands that make sense without a network,
 * over the UART of the bare-metal image (docs/mcu.md "UART shell").
 */
#ifndef MCU_UART_SHELL_H
#define MCU_UART_SHELL_H

#include "microkernel/runtime.h"

/* Serve commands typed on the console until `exit`; prompts "mk> ". */
void mcu_shell_run(runtime_t *rt);

#endif
