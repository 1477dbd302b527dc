/* wasm_actor_h.c -- the original's wasm_actor.h (compat/index.md,
 * compat/services.md section 4): its names under HAVE_WASM, which the
 * package's pkg-config Cflags define. Built with pkg-config flags only. */
#include <microkernel/runtime.h>
#include <microkernel/supervision.h>
#include <microkernel/wasm_actor.h>
#include <stdio.h>

#ifndef HAVE_WASM
#error "pkg-config --cflags microkernel must define HAVE_WASM"
#endif
#ifndef HAVE_TLS
#error "pkg-config --cflags microkernel must define HAVE_TLS"
#endif

int main(void)
{
    int ok = FIBER_STACK_NONE == 0 && FIBER_STACK_TINY == 16384 && FIBER_STACK_SMALL == 32768 &&
             FIBER_STACK_MEDIUM == 65536 && FIBER_STACK_LARGE == 131072 &&
             WASM_DEFAULT_STACK_SIZE == 8192 && WASM_DEFAULT_HEAP_SIZE == 65536 && RELOAD_OK == 0 &&
             RELOAD_ERR_NOT_FOUND == 1 && RELOAD_ERR_NOT_WASM == 2 &&
             RELOAD_ERR_FIBER_ACTIVE == 3 && RELOAD_ERR_MODULE_LOAD == 4 &&
             RELOAD_ERR_INSTANCE == 5;
    ok = ok && wasm_actors_init_pool(NULL, 0);
    wasm_actor_set_print_fd(-1);
    runtime_t *rt = runtime_init(1, 8);
    actor_id_t new_id = 99;
    reload_result_t r =
        actor_reload_wasm(rt, actor_id_make(1, 5), (const uint8_t *)"x", 1, &new_id);
    ok = ok && r == RELOAD_ERR_NOT_FOUND && new_id == 0;
    ok = ok && supervisor_get_factory_arg(rt, 12345, 0) == NULL;
    void *old = NULL;
    ok = ok && supervisor_replace_child(rt, 12345, 1, 2, NULL, &old) == -1;
    runtime_destroy(rt);
    wasm_actors_cleanup();
    puts(ok ? "wasm_actor_h: ok" : "wasm_actor_h: FAILED");
    return ok ? 0 : 1;
}
