/* test_fairness.c -- the event loop's fairness rule: a timer fires while
 * two actors ping-pong forever, and an idle runtime waits in one blocking
 * poll instead of spinning (docs/event-loop.md). Deterministic: no bound on
 * lateness or CPU time (issue 13); those figures are printed by
 * bench/core/idle_spin_bench.c. */
#include "core/runtime_internal.h"
#include "platform/clock.h"
#include "test_util.h"

typedef struct {
    actor_id_t peer;
    unsigned long *exchanged;
} player_t;

static bool player(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    (void)msg;
    player_t *p = s;
    ++*p->exchanged;
    return actor_send(rt, p->peer, 1, NULL, 0);
}

typedef struct {
    uint64_t armed_ms, fired_ms;
    unsigned long exchanged_at_fire;
    unsigned long *exchanged;
} alarm_t;

static bool alarm_actor(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    alarm_t *al = s;
    if (msg->type == 1) {
        al->armed_ms = mk_clock_ms();
        assert_int_not_equal(actor_set_timer(rt, 50, false), TIMER_ID_INVALID);
    } else if (msg->type == MSG_TIMER) {
        al->fired_ms = mk_clock_ms();
        al->exchanged_at_fire = *al->exchanged;
        runtime_stop(rt);
    }
    return true;
}

static void timer_fires_during_endless_ping_pong(void **s)
{
    (void)s;
    unsigned long exchanged = 0;
    runtime_t *rt = runtime_init(1, 8);
    player_t pa = {.exchanged = &exchanged}, pb = {.exchanged = &exchanged};
    actor_id_t a = actor_spawn(rt, player, &pa, NULL, 16);
    actor_id_t b = actor_spawn(rt, player, &pb, NULL, 16);
    pa.peer = b;
    pb.peer = a;
    alarm_t al = {.exchanged = &exchanged};
    actor_id_t t = actor_spawn(rt, alarm_actor, &al, NULL, 4);
    actor_send(rt, t, 1, NULL, 0);
    actor_send(rt, a, 1, NULL, 0);
    runtime_run(rt); /* only the timer can end this */
    /* Returning at all proves the timer was not starved (only it stops the
     * loop); it never fires early, and the ping-pong ran meanwhile. */
    assert_true(al.fired_ms >= al.armed_ms + 49);
    if (al.exchanged_at_fire == 0)
        fail_msg("the timer fired, but no message was exchanged while it ran");
    runtime_destroy(rt);
}

static bool sleeper(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    (void)s;
    if (msg->type == 1)
        actor_set_timer(rt, 300, false);
    return msg->type != MSG_TIMER;
}

static void idle_runtime_blocks_instead_of_spinning(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    actor_id_t a = actor_spawn(rt, sleeper, NULL, NULL, 4);
    actor_send(rt, a, 1, NULL, 0);
    uint64_t polls0 = rt->io_polls;
    runtime_run(rt); /* one 300 ms timer: blocks in epoll */
    /* A busy-waiting loop would poll thousands of times; a blocking one
     * waits once (a few more for EINTR or a timer woken a little early). */
    uint64_t polls = rt->io_polls - polls0;
    if (polls > 10)
        fail_msg("an idle runtime polled %llu times for one timer", (unsigned long long)polls);
    assert_int_equal(rt->spin_hits + rt->spin_misses, 0);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timer_fires_during_endless_ping_pong),
        cmocka_unit_test(idle_runtime_blocks_instead_of_spinning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
