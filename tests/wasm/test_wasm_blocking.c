/*
 * test_wasm_blocking.c -- blocking host calls (seed "mk_sleep_ms",
 * "mk_recv"): they suspend only the calling WASM actor, other WASM and
 * native actors keep running, messages that arrive meanwhile stay queued in
 * order (and count against the mailbox), FIBER_STACK_NONE refuses them, and
 * a reload waits for the blocked call to return.
 */
#include <time.h>

#include "wasm_test_util.h"

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

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static size_t index_of(msg_type_t type, actor_id_t source, int nth)
{
    for (size_t i = 0; i < probe.n; i++)
        if (probe.recs[i].type == type && probe.recs[i].source == source && nth-- == 0)
            return i;
    fail_msg("no reply %u #%d from 0x%llx among %zu", type, nth, (unsigned long long)source,
             probe.n);
    return 0;
}

/* A native worker that keeps itself busy until told to stop. */
static long worked;
static bool worker(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)state;
    if (msg->type == 2)
        return false;
    worked++;
    actor_send(rt, actor_get_id(self), 1, NULL, 0);
    return true;
}

static void stop_worker_on_301(runtime_t *rt, void *ctx, const message_t *msg)
{
    if (msg->type == 301)
        actor_send(rt, *(actor_id_t *)ctx, 2, NULL, 0);
}

static void sleep_and_recv_interleave(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 64);
    actor_id_t w1 =
        actor_spawn_wasm_file(rt, MODULE("blocking.wasm"), 16, 0, 1024, FIBER_STACK_SMALL);
    actor_id_t w2 =
        actor_spawn_wasm_file(rt, MODULE("blocking.wasm"), 16, 0, 1024, FIBER_STACK_SMALL);
    assert_int_not_equal(w1, ACTOR_ID_INVALID);
    assert_int_not_equal(w2, ACTOR_ID_INVALID);
    actor_id_t wk = actor_spawn(rt, worker, NULL, NULL, 16);
    probe.on_msg = stop_worker_on_301;
    probe.ctx = &wk;
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 64);
    int32_t ms = 50;
    worked = 0;
    probe_send(rt, p, w1, 300, &ms, 4);  /* W1 sleeps 50 ms ... */
    probe_send(rt, p, w1, 302, NULL, 0); /* ... and answers this only afterwards */
    probe_send(rt, p, w2, 310, NULL, 0); /* W2 receives three messages in one call */
    probe_send(rt, p, w2, 1000, "a", 1);
    probe_send(rt, p, w2, 1001, "bb", 2);
    probe_send(rt, p, w2, 1002, "ccc", 3);
    probe_send(rt, p, w2, 302, NULL, 0); /* handled by handle_message after the loop */
    actor_send(rt, wk, 1, NULL, 0);
    double t0 = now_ms();
    runtime_run(rt);
    double took = now_ms() - t0;

    size_t slept = index_of(301, w1, 0), after = index_of(303, w1, 0);
    assert_true(slept < after);
    assert_int_equal(rec_i32(&probe.recs[slept], 0), 0); /* mk_sleep_ms returned 0 */
    for (int i = 0; i < 3; i++) {
        size_t r = index_of(311, w2, i);
        assert_true(r < slept); /* W2 ran while W1 slept */
        assert_int_equal(rec_i32(&probe.recs[r], 0), 0);
        assert_int_equal(rec_i32(&probe.recs[r], 1), 1000 + i);
        assert_int_equal(rec_i32(&probe.recs[r], 2), i + 1);
    }
    assert_true(index_of(303, w2, 0) > index_of(311, w2, 2));
    assert_true(index_of(303, w2, 0) < slept);
    if (took < 45)
        fail_msg("the sleep took %.1f ms, expected about 50", took);
    if (worked < 1) /* a count, not a rate: how many depends on the machine's load */
        fail_msg("the native worker handled no message during the sleep");
    runtime_destroy(rt);
}

static void no_fiber_means_no_blocking(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t w =
        actor_spawn_wasm_file(rt, MODULE("blocking.wasm"), 16, 0, 1024, FIBER_STACK_NONE);
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    int32_t ms = 3600000; /* had it blocked, the test would hang: no clock needed */
    probe_send(rt, p, w, 300, &ms, 4);
    probe_send(rt, p, w, 310, NULL, 0);
    runtime_run(rt);
    assert_int_equal(probe.n, 4);
    assert_int_equal(probe.recs[0].type, 301);
    assert_int_equal(rec_i32(&probe.recs[0], 0), -1);
    for (int i = 1; i < 4; i++) {
        assert_int_equal(probe.recs[i].type, 311);
        assert_int_equal(rec_i32(&probe.recs[i], 0), -1);
    }
    runtime_destroy(rt);
}

static void sleeping_actor_mailbox_counts_and_stop(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t w =
        actor_spawn_wasm_file(rt, MODULE("blocking.wasm"), 4, 0, 1024, FIBER_STACK_SMALL);
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    int32_t ms = 3600000; /* a timer left behind would hang runtime_run below */
    probe_send(rt, p, w, 300, &ms, 4);
    run_until(rt, NULL, 20); /* now asleep */
    for (int i = 0; i < 4; i++)
        assert_true(actor_send(rt, w, 302, NULL, 0));
    assert_false(actor_send(rt, w, 302, NULL, 0)); /* held mailbox is full */
    assert_error_mentions("full");
    actor_info_t info;
    assert_true(actor_info(rt, w, &info));
    assert_int_equal(info.mailbox_used, 4);
    actor_stop(rt, w); /* stopping a sleeper drops its timer */
    runtime_run(rt);
    assert_false(actor_is_alive(rt, w));
    assert_int_equal(probe.n, 0);
    runtime_destroy(rt);
}

static void reload_waits_for_the_blocked_call(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t w =
        actor_spawn_wasm_file(rt, MODULE("blocking.wasm"), 16, 0, 1024, FIBER_STACK_SMALL);
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    int32_t ms = 30;
    probe_send(rt, p, w, 300, &ms, 4);
    probe_send(rt, p, w, 200, "after", 5);
    run_until(rt, NULL, 10); /* asleep in the old module */
    assert_int_equal(probe.n, 0);
    assert_true(actor_reload_wasm_file(rt, w, EXAMPLE("echo.wasm")));
    runtime_run(rt);
    assert_int_equal(probe.n, 2);
    assert_int_equal(probe.recs[0].type, 301); /* old module finished its sleep */
    assert_int_equal(rec_i32(&probe.recs[0], 0), 0);
    assert_int_equal(probe.recs[1].type, 201); /* then the echo module took over */
    assert_memory_equal(probe.recs[1].data, "after", 5);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sleep_and_recv_interleave, setup, teardown),
        cmocka_unit_test_setup_teardown(no_fiber_means_no_blocking, setup, teardown),
        cmocka_unit_test_setup_teardown(sleeping_actor_mailbox_counts_and_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(reload_waits_for_the_blocked_call, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
