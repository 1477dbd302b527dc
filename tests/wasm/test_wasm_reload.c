/*
 * test_wasm_reload.c -- hot code reload (seed 002 "Hot code reload"): a
 * swap under load loses no message and keeps ID, name and saved state; a
 * module that fails to compile or lacks handle_message leaves the old one
 * running and says why.
 */
#include "wasm_test_util.h"

#define MSG_INCREMENT 210
#define MSG_GET       211
#define MSG_COUNT     212

static probe_t probe;

static int setup(void **state)
{
    (void)state;
    assert_true(wasm_actors_init());
    memset(&probe, 0, sizeof probe);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wasm_actors_cleanup();
    return 0;
}

typedef struct {
    actor_id_t counter;
    int ticks;
    int failed_sends;
    bool reloaded;
    int32_t version, count; /* from the last MSG_COUNT */
} producer_t;

enum { TICKS = 100, PER_TICK = 10, RELOAD_AT = 50 };

/* Each tick queues PER_TICK increments and a MSG_GET; the reply starts the
 * next tick (flow control). At RELOAD_AT the reload happens while the
 * tick's increments wait in the counter's mailbox. */
static bool producer(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    producer_t *p = state;
    if (msg->type == MSG_COUNT) {
        memcpy(&p->version, msg->payload, 4);
        memcpy(&p->count, (const uint8_t *)msg->payload + 4, 4);
    }
    if (p->ticks == TICKS)
        return false;
    p->ticks++;
    for (int i = 0; i < PER_TICK; i++)
        if (!actor_send(rt, p->counter, MSG_INCREMENT, NULL, 0))
            p->failed_sends++;
    if (p->ticks == RELOAD_AT)
        p->reloaded = actor_reload_wasm_file(rt, p->counter, EXAMPLE("counter_v2.wasm"));
    if (!actor_send(rt, p->counter, MSG_GET, NULL, 0))
        p->failed_sends++;
    return true;
}

static void reload_under_load_loses_nothing(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t c =
        actor_spawn_wasm_file(rt, EXAMPLE("counter_v1.wasm"), 64, 0, 1024, FIBER_STACK_NONE);
    assert_int_not_equal(c, ACTOR_ID_INVALID);
    assert_true(actor_register_name(rt, "counter", c));
    producer_t p = {.counter = c};
    actor_id_t prod = actor_spawn(rt, producer, &p, NULL, 16);
    assert_true(actor_send(rt, prod, 1, NULL, 0));
    runtime_run(rt);
    assert_true(p.reloaded);
    assert_int_equal(p.failed_sends, 0);
    assert_int_equal(p.version, 2);                   /* new code */
    assert_int_equal(p.count, TICKS * PER_TICK);      /* nothing lost */
    assert_true(actor_is_alive(rt, c));               /* same actor ID */
    assert_int_equal(actor_lookup(rt, "counter"), c); /* name kept */
    runtime_destroy(rt);
}

static void failed_reload_keeps_the_old_module(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t c =
        actor_spawn_wasm_file(rt, EXAMPLE("counter_v1.wasm"), 16, 0, 1024, FIBER_STACK_NONE);
    actor_id_t pr = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    probe_send(rt, pr, c, MSG_INCREMENT, NULL, 0);
    runtime_run(rt);

    static const uint8_t garbage[] = "definitely not a module";
    assert_false(wasm_actor_replace_module(rt, c, garbage, sizeof garbage));
    assert_error_mentions("malformed");
    assert_false(actor_reload_wasm_file(rt, c, MODULE("nohandle.wasm")));
    assert_error_mentions("handle_message");
    assert_false(actor_reload_wasm_file(rt, c, MODULE("badimport.wasm")));
    assert_error_mentions("mk_frobnicate");
    assert_false(actor_reload_wasm_file(rt, c, "/nonexistent.wasm"));
    assert_error_mentions("/nonexistent.wasm");
    assert_false(actor_reload_wasm_file(rt, pr, EXAMPLE("counter_v2.wasm")));
    assert_error_mentions("not a live WASM actor");

    probe_send(rt, pr, c, MSG_GET, NULL, 0);
    runtime_run(rt);
    assert_int_equal(probe.n, 1);
    assert_int_equal(rec_i32(&probe.recs[0], 0), 1); /* still version 1 */
    assert_int_equal(rec_i32(&probe.recs[0], 1), 1);
    runtime_destroy(rt);
}

/* The original's signature and result codes (compat/services.md section
 * 4); here the actor keeps its ID, so *new_id_out is the old ID. */
static void reload_result_codes(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t c =
        actor_spawn_wasm_file(rt, EXAMPLE("counter_v1.wasm"), 16, 0, 1024, FIBER_STACK_NONE);
    actor_id_t pr = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    size_t len = 0;
    uint8_t *v2 = read_all(EXAMPLE("counter_v2.wasm"), &len);
    actor_id_t out = 77;
    assert_int_equal(actor_reload_wasm(rt, actor_id_make(1, 999), v2, len, &out),
                     RELOAD_ERR_NOT_FOUND);
    assert_int_equal(out, 0);
    assert_int_equal(actor_reload_wasm(rt, pr, v2, len, &out), RELOAD_ERR_NOT_WASM);
    static const uint8_t garbage[] = "definitely not a module";
    assert_int_equal(actor_reload_wasm(rt, c, garbage, sizeof garbage, &out),
                     RELOAD_ERR_MODULE_LOAD);
    assert_int_equal(actor_reload_wasm(rt, c, v2, len, &out), RELOAD_OK);
    assert_int_equal(out, c);
    assert_int_equal(RELOAD_ERR_INSTANCE, 5);
    free(v2);
    probe_send(rt, pr, c, MSG_GET, NULL, 0);
    runtime_run(rt);
    assert_int_equal(probe.n, 1);
    assert_int_equal(rec_i32(&probe.recs[0], 0), 2); /* version 2 runs */
    runtime_destroy(rt);
}

/* supervisor_get_factory_arg / supervisor_replace_child (the original's
 * supervision.h). */
static bool idle_child(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)st;
    return true;
}

static void supervisor_factory_arg_helpers(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    int arg1 = 1, arg2 = 2;
    child_spec_t spec = {.behavior = idle_child,
                         .factory_arg = &arg1,
                         .restart_type = RESTART_PERMANENT,
                         .mailbox_size = 8};
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 3, 1000, &spec, 1);
    assert_int_not_equal(sup, ACTOR_ID_INVALID);
    assert_ptr_equal(supervisor_get_factory_arg(rt, sup, 0), &arg1);
    assert_null(supervisor_get_factory_arg(rt, sup, 1));
    actor_id_t old = supervisor_get_child(rt, sup, 0);
    actor_id_t neu = actor_spawn(rt, idle_child, NULL, NULL, 8);
    void *prev = NULL;
    assert_int_equal(supervisor_replace_child(rt, sup, neu, neu, &arg2, &prev), -1);
    assert_int_equal(supervisor_replace_child(rt, sup, old, neu, &arg2, &prev), 0);
    assert_ptr_equal(prev, &arg1);
    assert_ptr_equal(supervisor_get_factory_arg(rt, sup, 0), &arg2);
    assert_int_equal(supervisor_get_child(rt, sup, 0), neu);
    actor_info_t info;
    assert_true(actor_info(rt, neu, &info));
    assert_int_equal(info.parent, sup);
    actor_stop(rt, old); /* no longer supervised: no restart */
    for (int i = 0; i < 4; i++)
        runtime_step(rt);
    assert_int_equal(supervisor_get_child(rt, sup, 0), neu);
    actor_stop(rt, neu); /* supervised now: restarted */
    for (int i = 0; i < 4; i++)
        runtime_step(rt);
    actor_id_t again = supervisor_get_child(rt, sup, 0);
    assert_int_not_equal(again, ACTOR_ID_INVALID);
    assert_int_not_equal(again, neu);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reload_under_load_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_reload_keeps_the_old_module, setup, teardown),
        cmocka_unit_test_setup_teardown(reload_result_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(supervisor_factory_arg_helpers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
