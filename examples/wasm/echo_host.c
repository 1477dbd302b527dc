/*
 * echo_host.c -- spawn a WASM echo actor from a .wasm file and ping it from
 * a native actor:  echo_host <module.wasm> [payload]
 * Prints "pong: <payload> (<n> bytes)" and exits 0 when the pong arrives.
 */
#include <stdio.h>
#include <string.h>

#include "microkernel/error.h"
#include "microkernel/runtime.h"
#include "microkernel/message.h"
#include "microkernel/wasm_actor.h"

#define MSG_PING 200
#define MSG_PONG 201

typedef struct {
    actor_id_t echo;
    const char *text;
    int pongs;
} client_t;

static bool client(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    client_t *c = state;
    if (msg->type == 1) { /* start */
        actor_send(rt, c->echo, MSG_PING, c->text, strlen(c->text));
        return true;
    }
    if (msg->type == MSG_PONG) {
        printf("pong: %.*s (%zu bytes)\n", (int)msg->payload_size, (const char *)msg->payload,
               msg->payload_size);
        c->pongs++;
        actor_send(rt, c->echo, 0, NULL, 0); /* stop the echo actor */
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <module.wasm> [payload]\n", argv[0]);
        return 2;
    }
    wasm_actors_init();
    runtime_t *rt = runtime_init(1, 16);
    client_t c = {.text = argc > 2 ? argv[2] : "hello"};
    c.echo = actor_spawn_wasm_file(rt, argv[1], 16, WASM_DEFAULT_STACK_SIZE, WASM_DEFAULT_HEAP_SIZE,
                                   FIBER_STACK_NONE);
    if (c.echo == ACTOR_ID_INVALID) {
        fprintf(stderr, "echo_host: %s\n", mk_last_error());
        return 1;
    }
    actor_id_t me = actor_spawn(rt, client, &c, NULL, 16);
    actor_send(rt, me, 1, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    wasm_actors_cleanup();
    return c.pongs == 1 ? 0 : 1;
}
