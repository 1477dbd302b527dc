/*
 * spawn_rust.c -- the README's snippet as a program: spawn the Rust actor
 * (actor.wasm, from actor.rs) from C and ping it. Run it in the folder that
 * holds actor.wasm. The actor sleeps 100 ms, then answers; the ping was
 * sent from outside any actor, so the pong has nowhere to go and
 * runtime_run() returns once nothing can happen any more.
 */
#include <stdio.h>

#include "microkernel/runtime.h"
#include "microkernel/wasm_actor.h"

int main(void)
{
    wasm_actors_init();
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t wasm = actor_spawn_wasm_file(rt, "actor.wasm", 16, WASM_DEFAULT_STACK_SIZE,
                                            WASM_DEFAULT_HEAP_SIZE, FIBER_STACK_SMALL);
    actor_send(rt, wasm, 200, "hello", 5);
    runtime_run(rt);
    runtime_destroy(rt);
    wasm_actors_cleanup();
    printf("spawn_rust: %s\n", wasm != ACTOR_ID_INVALID ? "done" : "actor.wasm not loaded");
    return wasm == ACTOR_ID_INVALID;
}
