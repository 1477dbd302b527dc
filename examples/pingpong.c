/* Ping-pong between two actors: the README's first example. */
#include <stdio.h>

#include "microkernel/actor.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"

typedef struct {
    actor_id_t peer;
    int count;
} state_t;

static bool ping(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    state_t *st = s;
    if (msg->type == 1 && ++st->count < 5) {
        printf("ping: got pong %d, sending ping\n", st->count);
        actor_send(rt, st->peer, 1, NULL, 0);
    } else {
        printf("ping: got pong %d, done\n", st->count);
        actor_stop(rt, st->peer);
        return false;
    }
    return true;
}

static bool pong(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    (void)s;
    if (msg->type == 1)
        actor_send(rt, msg->source, 1, NULL, 0);
    return true;
}

int main(void)
{
    runtime_t *rt = runtime_init(1, 16);
    state_t ps = {0}, qs = {0};
    actor_id_t a = actor_spawn(rt, ping, &ps, NULL, 16);
    actor_id_t b = actor_spawn(rt, pong, &qs, NULL, 16);
    ps.peer = b;
    qs.peer = a;
    actor_send(rt, a, 1, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    printf("pingpong: %d messages exchanged\n", ps.count);
    return 0;
}
