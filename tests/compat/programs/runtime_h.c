/* runtime_h.c -- the original's runtime.h, from ../shared/compat/index.md:
 * introspection names and that runtime.h alone brings in services.h and
 * http.h. Built against the installed package with pkg-config flags only. */
#include <microkernel/runtime.h>
#include <stdio.h>

static bool idle(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)msg, (void)state;
    return true;
}

int main(void)
{
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t a = actor_spawn(rt, idle, NULL, NULL, 8);
    /* services.h and http.h names, without including them */
    msg_type_t t = MSG_TIMER;
    (void)t;
    http_conn_id_t c = 0;
    (void)c;
    actor_id_t ids[8];
    actor_info_t info[8];
    size_t n = runtime_list_actors(rt, ids, 8);
    size_t m = runtime_actor_info(rt, info, 8);
    int ok = n >= 1 && m == n && runtime_get_max_actors(rt) == 16 &&
             runtime_get_transport_count(rt) == 0 && ids[n - 1] == a &&
             info[m - 1].status == ACTOR_IDLE && info[m - 1].mailbox_cap == 8 &&
             info[m - 1].mailbox_used == 0 && info[m - 1].parent == ACTOR_ID_INVALID &&
             ACTOR_IDLE == 0 && ACTOR_READY == 1 && ACTOR_RUNNING == 2 && ACTOR_STOPPED == 3;
    runtime_destroy(rt);
    puts(ok ? "runtime_h: ok" : "runtime_h: FAILED");
    return ok ? 0 : 1;
}
