/*
 * main.c -- the bare-metal image (docs/mcu.md): bring up the board (trap
 * vector, timer and UART wake-ups), hand the runtime its one arena (the
 * RAM the linker script leaves between bss and stack; bounded memory mode,
 * mk_arena_init), make one runtime, run the boot smoke suite and end the
 * QEMU run with its result through the virt test device (exit 0: all
 * passed). Built with MCU_SHELL, it serves the UART shell after the suite.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "microkernel/alloc.h"

#include "microkernel/error.h"
#include "microkernel/runtime.h"
#include "platform/baremetal/board.h"
#include "smoke.h"
#include "uart_shell.h"
#ifdef HAVE_WASM
#include "microkernel/wasm_actor.h"
#endif

/* Linker-script symbols (picolibc.ld): the heap region is the arena. */
extern char __heap_start[], __heap_end[];

#define STACK_PAINT 0xA5A5A5A5u

/* Fill the unused part of the stack (from its bottom, __heap_end, to a
 * little below the current frame) with STACK_PAINT, so stack_peak() can
 * tell the deepest point the program reached. */
static void stack_paint(void)
{
    uint32_t *p = (uint32_t *)(void *)__heap_end;
    uint32_t *sp = (uint32_t *)__builtin_frame_address(0) - 64;
    while (p < sp)
        *p++ = STACK_PAINT;
}

/* Bytes of stack used at the deepest point since stack_paint(). */
static size_t stack_peak(void)
{
    extern char __stack[];
    const uint32_t *p = (const uint32_t *)(void *)__heap_end;
    while (p < (const uint32_t *)(void *)__stack && *p == STACK_PAINT)
        p++;
    return (size_t)(__stack - (const char *)p);
}

#ifndef MCU_MAX_ACTORS
#define MCU_MAX_ACTORS 16 /* the runtime's actor slots */
#endif

static size_t runtime_base; /* arena bytes runtime_init() took */

/* Highest arena use so far, in bytes (blocks with their headers). */
static size_t arena_used(void)
{
    mk_arena_stats_t st;
    return mk_arena_stats(&st) ? st.peak : 0;
}

/* Bytes of the arena in use now. */
static size_t arena_in_use(void)
{
    mk_arena_stats_t st;
    return mk_arena_stats(&st) ? st.in_use : 0;
}

#ifdef HAVE_WASM
#include "modules.h"

/* Arena bytes one WASM actor of module `name` costs while alive: module
 * copy, compiled code, instance, linear memory, mailbox and actor slot. */
static void footprint_actor(runtime_t *rt, const char *name)
{
    const mcu_module_t *m = mcu_module_find(name);
    size_t before = arena_in_use();
    actor_id_t id =
        m ? actor_spawn_wasm(rt, m->bytes, m->len, 8, 0, 0, FIBER_STACK_NONE) : ACTOR_ID_INVALID;
    if (id == ACTOR_ID_INVALID) {
        printf("footprint: %s: %s\n", name, m ? mk_last_error() : "not in the image");
        return;
    }
    size_t linear = 0;
    wasm_actor_memory_bytes(rt, id, &linear);
    printf("footprint: one %s actor: %u bytes of arena (linear memory %u bytes)\n", name,
           (unsigned)(arena_in_use() - before), (unsigned)linear);
    actor_stop(rt, id);
    runtime_run(rt);
}
#endif

/* The RAM budget as the linker laid it out: static data, the arena and
 * the stack are all of the RAM region (picolibc.ld), and peak use of each
 * per-kind pool (mk_arena_pool_stats). */
static void footprint_pools(void)
{
    extern char __data_start[], __bss_end[], __stack_size[], __heap_start[], __heap_end[];
    size_t stat = (size_t)(__bss_end - __data_start);
    size_t heap = (size_t)(__heap_end - __heap_start);
    size_t stack = (size_t)__stack_size;
    printf("footprint: RAM %u bytes = static %u + arena %u + stack %u (peak stack use %u)\n",
           (unsigned)(stat + heap + stack), (unsigned)stat, (unsigned)heap, (unsigned)stack,
           (unsigned)stack_peak());
    for (int k = 0; k < MK_POOL_KINDS; k++) {
        mk_arena_pool_stats_t ps;
        if (mk_arena_pool_stats((mk_pool_kind_t)k, &ps))
            printf("footprint: pool %s: %u bytes, peak %u, refused %lu\n", ps.name,
                   (unsigned)ps.size, (unsigned)ps.peak, ps.refused);
    }
}

/* The figures of docs/mcu.md "Footprint", measured on the running image. */
static void footprint(runtime_t *rt)
{
    extern char __data_start[], __bss_end[], __stack_size[];
    printf("footprint: static RAM %u bytes (data + bss), stack %u bytes\n",
           (unsigned)(__bss_end - __data_start), (unsigned)(size_t)__stack_size);
    printf("footprint: runtime (%u actor slots) %u bytes of arena\n", (unsigned)MCU_MAX_ACTORS,
           (unsigned)runtime_base);
#ifdef HAVE_WASM
    footprint_actor(rt, "echo_nomem.wasm");
    footprint_actor(rt, "echo_wat.wasm");
    footprint_actor(rt, "echo.wasm");
#else
    (void)rt;
#endif
    size_t peak = mcu_smoke_arena_peak ? mcu_smoke_arena_peak : arena_used();
    printf("footprint: peak arena use %u bytes (boot suite before its exhaustion test), "
           "peak stack use %u bytes\n",
           (unsigned)peak, (unsigned)stack_peak());
}

int main(void)
{
    stack_paint();
    board_init();
    if (!mk_arena_init(__heap_start, (size_t)(__heap_end - __heap_start))) {
        printf("mk_arena_init: the heap region is too small\n");
        board_exit(2);
    }
    mk_arena_stats_t st;
    mk_arena_stats(&st);
    printf("microkernel on rv32imac (QEMU virt), arena %u bytes (%u in fixed pools)\n",
           (unsigned)st.size, (unsigned)st.pool_bytes);
    size_t start = arena_in_use();
    runtime_t *rt = runtime_init(1, MCU_MAX_ACTORS);
    runtime_base = arena_in_use() - start;
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
#ifdef MCU_SMALL
    printf("footprint: runtime (%u actor slots) %u bytes of arena\n", (unsigned)MCU_MAX_ACTORS,
           (unsigned)runtime_base);
    mcu_smoke_result_t r = mcu_small_run(rt);
    (void)footprint;
#else
    mcu_smoke_arena_probe = arena_used;
    mcu_smoke_result_t r = mcu_smoke_run(rt);
    footprint(rt);
#endif
    footprint_pools();
#ifdef MCU_SHELL
    mcu_shell_run(rt);
#endif
    board_exit(r.failed == 0 ? 0 : 1);
}
