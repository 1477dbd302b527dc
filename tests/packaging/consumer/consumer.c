/* A program built against the installed package (tests/packaging): runs a
 * ping-pong between two actors, and takes the address of one function from
 * each part of the library that needs an outside library (TLS -> OpenSSL,
 * DNS -> c-ares, KV -> SQLite + cJSON, WASM -> libm), so a static link fails
 * when the package does not name everything the archive needs. */
#include <stdio.h>

#include "microkernel/actor.h"
#include "microkernel/http.h"
#include "microkernel/local_kv.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/wasm_actor.h"

/* The feature macros reach the consumer through Cflags / the CMake target. */
#if !defined(HAVE_TLS) || !defined(HAVE_OPENSSL) || !defined(HAVE_WASM)
#error "the package's compile flags lack HAVE_TLS, HAVE_OPENSSL or HAVE_WASM"
#endif

typedef void (*any_fn)(void);
/* volatile: the references stay in the program, so the linker needs them. */
static any_fn volatile refs[] = {
    (any_fn)actor_http_get,
    (any_fn)actor_http_listen,
    (any_fn)local_kv_init,
    (any_fn)actor_spawn_wasm,
};

static int exchanged;

static bool ping(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    actor_id_t *peer = state;
    if (msg->type == 1 && ++exchanged < 5) {
        actor_send(rt, *peer, 1, NULL, 0);
        return true;
    }
    actor_stop(rt, *peer);
    return false;
}

static bool pong(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == 1)
        actor_send(rt, msg->source, 1, NULL, 0);
    return true;
}

int main(void)
{
    runtime_t *rt = runtime_init(1, 16);
    if (!rt)
        return 1;
    actor_id_t peer = ACTOR_ID_INVALID;
    actor_id_t a = actor_spawn(rt, ping, &peer, NULL, 16);
    peer = actor_spawn(rt, pong, NULL, NULL, 16);
    actor_send(rt, a, 1, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    printf("consumer: %d messages exchanged, %zu parts linked\n", exchanged,
           sizeof refs / sizeof refs[0]);
    return exchanged == 5 ? 0 : 1;
}
