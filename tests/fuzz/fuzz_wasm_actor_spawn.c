/*
 * fuzz_wasm_actor_spawn.c -- libFuzzer target for what a WASM actor spawn
 * does with outside bytes before the engine sees them (the payload-region
 * rewrite of the memory section, the handle_message and import checks in
 * src/wasm/wasm_module.c), then the engine itself: any input spawns an
 * actor or is refused with a reason, never crashes.
 */
#include <stdlib.h>

#include "microkernel/error.h"
#include "microkernel/runtime.h"
#include "microkernel/wasm_actor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static runtime_t *rt;
    if (!rt) {
        wasm_actors_init();
        rt = runtime_init(1, 4);
    }
    mk_clear_error();
    actor_id_t id = actor_spawn_wasm(rt, data, size, 1, 0, 4096, FIBER_STACK_NONE);
    if (id == ACTOR_ID_INVALID) {
        if (!*mk_last_error())
            abort(); /* every refusal has a reason */
        return 0;
    }
    actor_stop(rt, id);
    return 0;
}
