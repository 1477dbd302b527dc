/* types_h.c -- the original's types.h (seed 000 "Core types", compat/index.md):
 * typedef widths, sentinels, id helpers, actor_status_t. pkg-config flags only. */
#include <microkernel/types.h>
#include <stdint.h>
#include <stdio.h>

int main(void)
{
    int ok = sizeof(actor_id_t) == 8 && sizeof(node_id_t) == 4 && sizeof(msg_type_t) == 4 &&
             sizeof(timer_id_t) == 4 && sizeof(http_conn_id_t) == 4;
    ok = ok && ACTOR_ID_INVALID == 0 && TIMER_ID_INVALID == 0 && HTTP_CONN_ID_INVALID == 0;
    actor_id_t id = actor_id_make(3, 7);
    ok = ok && id == ((uint64_t)3 << 32 | 7) && actor_id_node(id) == 3 && actor_id_seq(id) == 7;
    ok = ok && ACTOR_IDLE == 0 && ACTOR_READY == 1 && ACTOR_RUNNING == 2 && ACTOR_STOPPED == 3;
    actor_status_t st = ACTOR_RUNNING;
    actor_behavior_fn fn = NULL;
    ok = ok && st == 2 && fn == NULL;
    puts(ok ? "types_h: ok" : "types_h: FAILED");
    return ok ? 0 : 1;
}
