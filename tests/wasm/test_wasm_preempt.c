/*
 * test_wasm_preempt.c -- fuel preemption, the per-message fuel limit, and
 * traps: an endless WASM loop does not stop native actors, the hard limit
 * stops it with EXIT_FUEL, a trap stops the actor with EXIT_TRAP and a log
 * line naming kind, function and offset, and a supervisor restarts a
 * trapped child with fresh state from the factory. A loop of 4 MiB
 * memory.fill is preempted inside the fill: another actor's messages are
 * handled between its slices (fills counted per round, not time).
 */
#include "wasm_test_util.h"
#include "wasm/wasm_actor_internal.h"

static probe_t probe;
static exits_t exits;

static int setup(void **state)
{
    (void)state;
    assert_true(wasm_actors_init());
    memset(&probe, 0, sizeof probe);
    memset(&exits, 0, sizeof exits);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wasm_actors_cleanup();
    return 0;
}

typedef struct {
    actor_id_t peer;
    actor_id_t spin;
    int rounds;
    bool spin_alive_at_end;
} pp_t;

enum { ROUNDS = 1000 };

static bool ping(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)msg;
    pp_t *s = state;
    if (++s->rounds >= ROUNDS) {
        s->spin_alive_at_end = actor_is_alive(rt, s->spin);
        actor_stop(rt, s->spin);
        actor_stop(rt, s->peer);
        return false;
    }
    actor_send(rt, s->peer, 1, NULL, 0);
    return true;
}

static bool pong(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    actor_send(rt, msg->source, 1, NULL, 0);
    return true;
}

static void endless_loop_is_preempted(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    assert_true(mk_runtime_on_exit(rt, record_exit, &exits));
    actor_id_t spin = actor_spawn_wasm_file(rt, MODULE("spin.wasm"), 16, 0, 0, FIBER_STACK_NONE);
    assert_int_not_equal(spin, ACTOR_ID_INVALID);
    assert_true(actor_send(rt, spin, 400, NULL, 0)); /* loops forever from now on */
    pp_t s = {.spin = spin};
    actor_id_t a = actor_spawn(rt, ping, &s, NULL, 16);
    s.peer = actor_spawn(rt, pong, NULL, NULL, 16);
    /* the spinner's loop starts first; the ping-pong must still complete */
    assert_true(actor_send(rt, a, 1, NULL, 0));
    runtime_run(rt);
    assert_int_equal(s.rounds, ROUNDS);
    assert_true(s.spin_alive_at_end);
    assert_int_equal(exit_reason_of(&exits, spin), EXIT_KILLED);
    runtime_destroy(rt);
}

/* ---- a loop of bulk memory.fill ---- */

typedef struct {
    actor_id_t peer, filler;
    int rounds;
    int32_t last_fills;    /* fills counted at the previous round */
    int32_t max_per_round; /* most fills completed between two rounds */
} fill_pp_t;

enum { FILL_ROUNDS = 200, FILL_SLICE = 2000 };

static int32_t fills_of(runtime_t *rt, actor_id_t id)
{
    wasm_actor_t *wa = wasm_actor_lookup(rt, id);
    assert_non_null(wa);
    wasm_value_t v;
    assert_true(wasm_global_get(wa->inst, "fills", &v));
    return v.i32;
}

static bool fill_ping(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)msg;
    fill_pp_t *s = state;
    int32_t now = fills_of(rt, s->filler);
    if (now - s->last_fills > s->max_per_round)
        s->max_per_round = now - s->last_fills;
    s->last_fills = now;
    /* stop at once when a round saw more than one fill: without per-byte
     * fuel a round would run thousands of fills and the test would crawl */
    if (++s->rounds >= FILL_ROUNDS || s->max_per_round > 1) {
        actor_stop(rt, s->filler);
        actor_stop(rt, s->peer);
        return false;
    }
    actor_send(rt, s->peer, 1, NULL, 0);
    return true;
}

static void memory_fill_loop_is_preempted_inside_the_fill(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t filler =
        actor_spawn_wasm_file(rt, MODULE("filler.wasm"), 16, 0, 0, FIBER_STACK_NONE);
    assert_int_not_equal(filler, ACTOR_ID_INVALID);
    /* 2000 units pay for 128 KiB of fill: a 4 MiB fill spans ~33 slices */
    assert_true(wasm_actor_set_fuel(rt, filler, FILL_SLICE, 0));
    assert_true(actor_send(rt, filler, 600, NULL, 0)); /* fills forever from now on */
    fill_pp_t s = {.filler = filler};
    actor_id_t a = actor_spawn(rt, fill_ping, &s, NULL, 16);
    s.peer = actor_spawn(rt, pong, NULL, NULL, 16);
    assert_true(actor_send(rt, a, 1, NULL, 0));
    runtime_run(rt);
    if (s.max_per_round > 1)
        fail_msg("%d memory.fill of 4 MiB ran between two ping-pong rounds (slice %d units)",
                 s.max_per_round, FILL_SLICE);
    assert_int_equal(s.rounds, FILL_ROUNDS);
    assert_true(s.last_fills >= 2); /* and the filler did progress */
    runtime_destroy(rt);
}

static void fuel_limit_stops_with_exit_fuel(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    log_capture_t logs = {{0}};
    runtime_set_log_sink(rt, capture_sink, &logs);
    assert_true(mk_runtime_on_exit(rt, record_exit, &exits));
    actor_id_t spin = actor_spawn_wasm_file(rt, MODULE("spin.wasm"), 16, 0, 0, FIBER_STACK_NONE);
    assert_false(wasm_actor_set_fuel(rt, spin, 0, 0));
    assert_true(wasm_actor_set_fuel(rt, spin, 10000, 500000));
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    probe_send(rt, p, spin, 401, NULL, 0); /* cheap: answered */
    probe_send(rt, p, spin, 400, NULL, 0); /* endless: stopped */
    probe_send(rt, p, spin, 401, NULL, 0); /* never handled */
    runtime_run(rt);
    assert_int_equal(probe.n, 1);
    assert_int_equal(probe.recs[0].type, 402);
    assert_false(actor_is_alive(rt, spin));
    assert_int_equal(exit_reason_of(&exits, spin), EXIT_FUEL);
    if (!strstr(logs.text, "fuel limit 500000"))
        fail_msg("expected a fuel log line, got:\n%s", logs.text);
    runtime_destroy(rt);
}

static void trap_stops_with_exit_trap_and_a_log_line(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    log_capture_t logs = {{0}};
    runtime_set_log_sink(rt, capture_sink, &logs);
    assert_true(mk_runtime_on_exit(rt, record_exit, &exits));
    actor_id_t t = actor_spawn_wasm_file(rt, MODULE("trap.wasm"), 16, 0, 64, FIBER_STACK_NONE);
    assert_true(actor_send(rt, t, 500, NULL, 0));
    runtime_run(rt);
    assert_int_equal(exit_reason_of(&exits, t), EXIT_TRAP);
    const char *want[] = {"trapped", "unreachable", "explode", "offset 0x"};
    for (int i = 0; i < 4; i++)
        if (!strstr(logs.text, want[i]))
            fail_msg("trap log line lacks \"%s\":\n%s", want[i], logs.text);
    runtime_destroy(rt);
}

static void trap_under_supervisor_restarts_fresh(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 32);
    log_capture_t logs = {{0}};
    runtime_set_log_sink(rt, capture_sink, &logs);
    size_t len;
    uint8_t *buf = read_all(MODULE("trap.wasm"), &len);
    wasm_factory_arg_t *fa = wasm_factory_arg_create(buf, len, 0, 64, FIBER_STACK_NONE);
    free(buf);
    assert_non_null(fa);
    child_spec_t spec = {.name = "trappy",
                         .behavior = wasm_actor_behavior,
                         .factory = wasm_actor_factory,
                         .factory_arg = fa,
                         .free_state = wasm_actor_free,
                         .mailbox_size = 16,
                         .restart_type = RESTART_PERMANENT};
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 5, 10000, &spec, 1);
    assert_int_not_equal(sup, ACTOR_ID_INVALID);
    actor_id_t c1 = supervisor_get_child(rt, sup, 0);
    assert_true(actor_is_wasm(rt, c1));
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    probe_send(rt, p, c1, 501, NULL, 0);
    probe_send(rt, p, c1, 501, NULL, 0);
    probe_send(rt, p, c1, 500, NULL, 0);
    runtime_run(rt);
    actor_id_t c2 = supervisor_get_child(rt, sup, 0);
    assert_int_not_equal(c2, ACTOR_ID_INVALID);
    assert_int_not_equal(c2, c1);
    assert_int_equal(actor_lookup(rt, "trappy"), c2);
    probe_send(rt, p, c2, 501, NULL, 0);
    runtime_run(rt);
    assert_int_equal(probe.n, 3);
    assert_int_equal(rec_i32(&probe.recs[0], 0), 1);
    assert_int_equal(rec_i32(&probe.recs[1], 0), 2);
    assert_int_equal(rec_i32(&probe.recs[2], 0), 1); /* fresh instance */
    assert_int_equal(probe.recs[2].source, c2);
    supervisor_stop(rt, sup);
    runtime_destroy(rt);
    wasm_factory_arg_destroy(fa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(endless_loop_is_preempted, setup, teardown),
        cmocka_unit_test_setup_teardown(memory_fill_loop_is_preempted_inside_the_fill, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(fuel_limit_stops_with_exit_fuel, setup, teardown),
        cmocka_unit_test_setup_teardown(trap_stops_with_exit_trap_and_a_log_line, setup, teardown),
        cmocka_unit_test_setup_teardown(trap_under_supervisor_restarts_fresh, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
