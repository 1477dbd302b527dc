/* test_timers.c -- one-shot, periodic, cancel, overrun count, owner check,
 * the 33rd timer refused (seed "Timers"). */
#include <string.h>
#include <unistd.h>

#include "platform/clock.h"
#include "test_util.h"

enum { START = 1, CANCEL_THIS = 2 };

typedef struct {
    uint64_t interval;
    bool periodic;
    int stop_after;    /* stop the runtime after this many MSG_TIMER */
    unsigned sleep_ms; /* sleep in the behaviour after arming (overrun) */
    timer_id_t id;
    int fired;
    uint64_t max_expirations;
    uint64_t total_expirations;
    uint64_t first_fire_ms, armed_ms;
} timer_state_t;

static bool timer_actor(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    timer_state_t *st = s;
    if (msg->type == START) {
        st->armed_ms = mk_clock_ms();
        st->id = actor_set_timer(rt, st->interval, st->periodic);
        assert_int_not_equal(st->id, TIMER_ID_INVALID);
        if (st->sleep_ms)
            usleep(st->sleep_ms * 1000);
    } else if (msg->type == MSG_TIMER) {
        const timer_payload_t *p = msg->payload;
        assert_int_equal(msg->payload_size, sizeof *p);
        assert_int_equal(p->id, st->id);
        assert_int_equal(msg->source, ACTOR_ID_INVALID);
        if (st->fired++ == 0)
            st->first_fire_ms = mk_clock_ms();
        st->total_expirations += p->expirations;
        if (p->expirations > st->max_expirations)
            st->max_expirations = p->expirations;
        if (st->fired == st->stop_after) {
            if (st->periodic)
                assert_true(actor_cancel_timer(rt, st->id));
            return false;
        }
    }
    return true;
}

static timer_state_t run_timer(timer_state_t st)
{
    runtime_t *rt = runtime_init(1, 4);
    actor_id_t a = actor_spawn(rt, timer_actor, &st, NULL, 8);
    actor_send(rt, a, START, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    return st;
}

static void one_shot_fires_once(void **s)
{
    (void)s;
    /* stop_after 2: if it fired twice the actor would stop; instead run
     * returns because nothing can wake the actor any more. */
    timer_state_t st = run_timer((timer_state_t){.interval = 30, .stop_after = 2});
    assert_int_equal(st.fired, 1);
    assert_int_equal(st.max_expirations, 1);
    assert_true(st.first_fire_ms - st.armed_ms >= 29);
}

static void periodic_repeats_until_cancelled(void **s)
{
    (void)s;
    timer_state_t st =
        run_timer((timer_state_t){.interval = 10, .periodic = true, .stop_after = 5});
    assert_int_equal(st.fired, 5);
    assert_true(st.total_expirations >= 5);
}

static void overrun_reports_expirations(void **s)
{
    (void)s;
    /* The behaviour sleeps 60 ms after arming a 5 ms periodic timer, so the
     * first delivery must report the missed expirations. */
    timer_state_t st = run_timer(
        (timer_state_t){.interval = 5, .periodic = true, .stop_after = 1, .sleep_ms = 60});
    assert_int_equal(st.fired, 1);
    if (st.max_expirations < 2)
        fail_msg("expected expirations > 1 after a 60 ms stall of a 5 ms timer, got %llu",
                 (unsigned long long)st.max_expirations);
}

typedef struct {
    actor_id_t other;
    timer_id_t ids[MK_MAX_TIMERS + 1];
    int armed;
    bool cancel_result;
    char reason[256];
} many_t;

static bool arm_many(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    many_t *st = s;
    if (msg->type == START) {
        for (int i = 0; i < MK_MAX_TIMERS + 1; i++) {
            st->ids[i] = actor_set_timer(rt, 3600 * 1000, false);
            if (st->ids[i] != TIMER_ID_INVALID)
                st->armed++;
            else
                strncpy(st->reason, mk_last_error(), sizeof st->reason - 1);
        }
        actor_send(rt, st->other, CANCEL_THIS, &st->ids[0], sizeof st->ids[0]);
    }
    return true;
}

static bool try_cancel(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    many_t *st = s;
    if (msg->type == CANCEL_THIS) {
        st->cancel_result = actor_cancel_timer(rt, *(const timer_id_t *)msg->payload);
        strncpy(st->reason, mk_last_error(), sizeof st->reason - 1);
        runtime_stop(rt);
    }
    return true;
}

static void limit_and_owner_check(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    many_t owner = {0}, thief = {.cancel_result = true};
    actor_id_t t = actor_spawn(rt, try_cancel, &thief, NULL, 4);
    owner.other = t;
    actor_id_t o = actor_spawn(rt, arm_many, &owner, NULL, 4);
    actor_send(rt, o, START, NULL, 0);
    runtime_run(rt);
    assert_int_equal(owner.armed, MK_MAX_TIMERS);
    assert_int_equal(owner.ids[MK_MAX_TIMERS], TIMER_ID_INVALID);
    assert_non_null(strstr(owner.reason, "timers are in use"));
    assert_false(thief.cancel_result);
    assert_non_null(strstr(thief.reason, "not the caller"));
    /* Timers die with their owner: after stopping it, all 32 are free. */
    actor_stop(rt, o);
    many_t again = {.other = t};
    actor_id_t o2 = actor_spawn(rt, arm_many, &again, NULL, 4);
    actor_send(rt, o2, START, NULL, 0);
    runtime_run(rt);
    assert_int_equal(again.armed, MK_MAX_TIMERS);
    runtime_destroy(rt); /* releases the armed timerfds (ASan/fd-clean) */
}

static void cancel_unknown_and_outside_behaviour(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    assert_int_equal(actor_set_timer(rt, 10, false), TIMER_ID_INVALID);
    assert_error_mentions("behaviour");
    assert_false(actor_cancel_timer(rt, 12345));
    assert_error_mentions("no timer");
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_shot_fires_once),
        cmocka_unit_test(periodic_repeats_until_cancelled),
        cmocka_unit_test(overrun_reports_expirations),
        cmocka_unit_test(limit_and_owner_check),
        cmocka_unit_test(cancel_unknown_and_outside_behaviour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
