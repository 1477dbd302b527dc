/*
 * smoke.h -- the boot smoke suite of the microcontroller image (issue 19,
 * docs/mcu.md): one runtime, one line per test on stdout, a closing
 * "N passed, N failed" line. The same source runs on Linux
 * (tests/mcu/test_mcu_bounded.c) to prove the bounded memory mode.
 */
#ifndef MCU_SMOKE_H
#define MCU_SMOKE_H

#include <stddef.h>

#include "microkernel/runtime.h"

/* Totals of one run. */
typedef struct {
    int passed;
    int failed;
} mcu_smoke_result_t;

/* Set by the image: bytes of arena handed out so far. When set, the
 * suite stores its value in mcu_smoke_arena_peak just before the arena
 * exhaustion test (which fills the arena on purpose). */
extern size_t (*mcu_smoke_arena_probe)(void);
extern size_t mcu_smoke_arena_peak;

/*
 * Run every test on `rt` (node 1, at least 16 actor slots, no actors
 * yet; WASM tests need wasm_actors_init() done and are skipped when the
 * image has no engine). Prints a line per test and the totals. Actors the
 * tests spawn are stopped before it returns; `rt` stays usable.
 */
mcu_smoke_result_t mcu_smoke_run(runtime_t *rt);

/* The small-RAM images' suite (small.c, built with MCU_SMALL): WASM echo
 * calls with (MCU_SMALL_MEMORY) and without linear memory, and a full
 * WASM memory pool refusing with its name. Prints one line per test and
 * "N passed, N failed". */
mcu_smoke_result_t mcu_small_run(runtime_t *rt);

#endif
