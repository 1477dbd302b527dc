/*
 * reload_host.c -- hot code reload with state kept:
 *   reload_host <counter_v1.wasm> <counter_v2.wasm>
 * Spawns counter v1 as "counter", counts to 5, swaps in v2 with
 * actor_reload_wasm_file while more increments are queued, and shows the
 * same actor (same ID, same name) counting on from the saved state.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "microkernel/error.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/wasm_actor.h"

#define MSG_INCREMENT 210
#define MSG_GET       211
#define MSG_COUNT     212
#define MSG_START     1

typedef struct {
    const char *v2_path;
    int replies;
    int ok;
} driver_t;

static bool driver(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    driver_t *d = state;
    actor_id_t counter = actor_lookup(rt, "counter");
    if (msg->type == MSG_START) {
        for (int i = 0; i < 5; i++)
            actor_send_named(rt, "counter", MSG_INCREMENT, NULL, 0);
        actor_send_named(rt, "counter", MSG_GET, NULL, 0);
        return true;
    }
    if (msg->type != MSG_COUNT || msg->payload_size != 8)
        return true;
    int32_t v[2];
    memcpy(v, msg->payload, sizeof v);
    printf("counter 0x%llx: version %d, count %d\n", (unsigned long long)counter, v[0], v[1]);
    if (++d->replies == 1) {
        /* Queue work, then reload: the queued messages go to version 2. */
        for (int i = 0; i < 3; i++)
            actor_send_named(rt, "counter", MSG_INCREMENT, NULL, 0);
        if (!actor_reload_wasm_file(rt, counter, d->v2_path)) {
            fprintf(stderr, "reload failed: %s\n", mk_last_error());
            return false;
        }
        printf("reloaded 0x%llx with %s\n", (unsigned long long)counter, d->v2_path);
        actor_send_named(rt, "counter", MSG_GET, NULL, 0);
        return true;
    }
    d->ok = v[0] == 2 && v[1] == 8;
    actor_send(rt, counter, 0, NULL, 0); /* stop the counter */
    return false;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s <counter_v1.wasm> <counter_v2.wasm>\n", argv[0]);
        return 2;
    }
    wasm_actors_init();
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t counter = actor_spawn_wasm_file(rt, argv[1], 64, WASM_DEFAULT_STACK_SIZE,
                                               WASM_DEFAULT_HEAP_SIZE, FIBER_STACK_NONE);
    if (counter == ACTOR_ID_INVALID || !actor_register_name(rt, "counter", counter)) {
        fprintf(stderr, "reload_host: %s\n", mk_last_error());
        return 1;
    }
    driver_t d = {.v2_path = argv[2]};
    actor_id_t me = actor_spawn(rt, driver, &d, NULL, 16);
    actor_send(rt, me, MSG_START, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    wasm_actors_cleanup();
    printf("reload_host: %s\n", d.ok ? "state kept across reload" : "FAILED");
    return d.ok ? 0 : 1;
}
