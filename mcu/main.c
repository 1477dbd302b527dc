/*
 * main.c -- the bare-metal image (docs/mcu.md): bring up the board (trap
 * vector, timer and UART wake-ups), make one runtime, run the boot smoke
 * suite and end the QEMU run with its result through the virt test device
 * (exit 0: all passed). Built with MCU_SHELL, it serves the UART shell
 * after the suite instead of exiting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "microkernel/error.h"
#include "microkernel/runtime.h"
#include "platform/baremetal/board.h"
#include "smoke.h"
#include "uart_shell.h"
#ifdef HAVE_WASM
#include "microkernel/wasm_actor.h"
#endif

/* Linker-script symbols (picolibc.ld): the heap is the runtime's arena. */
extern char __heap_start[], __heap_end[];

/* Bytes of the arena handed out so far (picolibc's malloc grows by sbrk). */
static size_t arena_used(void)
{
    char *brk = sbrk(0);
    return brk == (char *)-1 ? 0 : (size_t)(brk - __heap_start);
}

int main(void)
{
    board_init();
    printf("microkernel on rv32imac (QEMU virt), arena %u bytes\n",
           (unsigned)(__heap_end - __heap_start));
    runtime_t *rt = runtime_init(1, 16);
    if (!rt) {
        printf("runtime_init: %s\n", mk_last_error());
        board_exit(2);
    }
#ifdef HAVE_WASM
    if (!wasm_actors_init()) {
        printf("wasm_actors_init: %s\n", mk_last_error());
        board_exit(2);
    }
#endif
    mcu_smoke_result_t r = mcu_smoke_run(rt);
    printf("peak arena use: %u bytes\n", (unsigned)arena_used());
#ifdef MCU_SHELL
    mcu_shell_run(rt);
#endif
    board_exit(r.failed == 0 ? 0 : 1);
}
