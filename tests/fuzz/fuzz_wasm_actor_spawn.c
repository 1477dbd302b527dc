/*
 * fuzz_wasm_actor_spawn.c -- libFuzzer target for a WASM actor spawn from
 * outside bytes: the engine's decoder and validator, then the glue's checks
 * in src/wasm/wasm_module.c (handle_message, imports, room in memory 0 for
 * the payload region within its declared maximum) and the host-side grow of
 * each instance's memory (wasm_memory_grow) before segments and start run.
 * Any input spawns an actor or is refused with a reason, never crashes. The
 * heap_size is picked by the input's last byte, without consuming it, so
 * the corpus stays plain modules: no region, one page, a region that needs
 * a few pages, and one that meets the instance's memory limit.
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
    static const uint32_t heap_sizes[] = {4096, 0, 3 * 65536 + 1, 1u << 30};
    uint32_t heap_size = heap_sizes[size ? data[size - 1] & 3 : 0];
    mk_clear_error();
    actor_id_t id = actor_spawn_wasm(rt, data, size, 1, 0, heap_size, FIBER_STACK_NONE);
    if (id == ACTOR_ID_INVALID) {
        if (!*mk_last_error())
            abort(); /* every refusal has a reason */
        return 0;
    }
    actor_stop(rt, id);
    return 0;
}
