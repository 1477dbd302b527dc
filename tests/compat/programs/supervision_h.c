/* supervision_h.c -- the original's supervision.h (seed 000 "Supervision",
 * compat/services.md 4): a one-for-one supervisor restarts a killed
 * permanent child with fresh state from its factory; get_child,
 * get_factory_arg, replace_child. pkg-config flags only. */
#include <microkernel/runtime.h>
#include <microkernel/supervision.h>
#include <stdio.h>
#include <stdlib.h>

static int made;

static void *factory(void *arg)
{
    made++;
    int *s = malloc(sizeof *s);
    if (s)
        *s = *(int *)arg;
    return s;
}

static bool worker(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)state;
    return true;
}

static bool idle(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)state;
    return true;
}

int main(void)
{
    int ok = EXIT_NORMAL == 0 && EXIT_KILLED == 1 && sizeof(child_exit_payload_t) == 16;
    static int arg = 5, arg2 = 6;
    child_spec_t spec = {"w", worker, factory, &arg, free, 8, RESTART_PERMANENT};
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 3, 1000, &spec, 1);
    actor_id_t c0 = supervisor_get_child(rt, sup, 0);
    ok = ok && sup != ACTOR_ID_INVALID && c0 != ACTOR_ID_INVALID && made == 1;
    ok = ok && supervisor_get_child(rt, sup, 1) == ACTOR_ID_INVALID;
    ok = ok && supervisor_get_factory_arg(rt, sup, 0) == &arg;
    actor_stop(rt, c0);
    for (int i = 0; i < 100; i++)
        runtime_step(rt);
    actor_id_t c1 = supervisor_get_child(rt, sup, 0);
    ok = ok && c1 != ACTOR_ID_INVALID && c1 != c0 && made == 2;
    /* Swap the child for another actor (what the original's reload does). */
    actor_id_t other = actor_spawn(rt, idle, NULL, NULL, 8);
    void *old_arg = NULL;
    ok = ok && supervisor_replace_child(rt, sup, c1, other, &arg2, &old_arg) == 0 &&
         old_arg == &arg && supervisor_get_child(rt, sup, 0) == other &&
         supervisor_get_factory_arg(rt, sup, 0) == &arg2;
    ok = ok && supervisor_replace_child(rt, sup, c0, other, NULL, NULL) == -1;
    actor_stop(rt, c1);
    supervisor_stop(rt, sup);
    runtime_destroy(rt);
    puts(ok ? "supervision_h: ok" : "supervision_h: FAILED");
    return ok ? 0 : 1;
}
