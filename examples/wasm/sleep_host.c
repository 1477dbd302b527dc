/*
 * sleep_host.c -- the README's Rust actor, spawned from C:
 *   sleep_host <actor.wasm>
 * The actor sleeps 100 ms in mk_sleep_ms before echoing a ping; meanwhile a
 * native worker keeps handling messages, showing that the sleep suspends
 * only the WASM actor. Prints the pong, the time it took and the worker's
 * count.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "microkernel/actor.h"
#include "microkernel/error.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/wasm_actor.h"

#define MSG_PING  200
#define MSG_PONG  201
#define MSG_WORK  1
#define MSG_START 2

static long worked; /* messages the worker handled */
static int done;    /* the pong arrived */
static double start_ms;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Keeps sending itself work until the pong arrived. */
static bool worker(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)state;
    (void)msg;
    worked++;
    if (done)
        return false;
    actor_send(rt, actor_get_id(self), MSG_WORK, NULL, 0);
    return true;
}

static bool client(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    actor_id_t wasm = *(actor_id_t *)state;
    if (msg->type == MSG_START) {
        start_ms = now_ms();
        actor_send(rt, wasm, MSG_PING, "hello", 5);
        return true;
    }
    if (msg->type == MSG_PONG) {
        printf("pong: %.*s after %.0f ms\n", (int)msg->payload_size, (const char *)msg->payload,
               now_ms() - start_ms);
        done = 1;
        actor_send(rt, wasm, 0, NULL, 0); /* type 0 stops the Rust actor */
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "actor.wasm";
    wasm_actors_init();
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t wasm = actor_spawn_wasm_file(rt, path, 16, WASM_DEFAULT_STACK_SIZE,
                                            WASM_DEFAULT_HEAP_SIZE, FIBER_STACK_SMALL);
    if (wasm == ACTOR_ID_INVALID) {
        fprintf(stderr, "sleep_host: %s\n", mk_last_error());
        return 1;
    }
    actor_id_t c = actor_spawn(rt, client, &wasm, NULL, 16);
    actor_id_t w = actor_spawn(rt, worker, NULL, NULL, 16);
    actor_send(rt, c, MSG_START, NULL, 0); /* the client pings, the pong comes back to it */
    actor_send(rt, w, MSG_WORK, NULL, 0);
    runtime_run(rt);
    printf("worker handled %ld messages while the WASM actor slept\n", worked);
    runtime_destroy(rt);
    wasm_actors_cleanup();
    return done && worked > 1 ? 0 : 1;
}
