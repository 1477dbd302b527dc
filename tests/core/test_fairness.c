/* test_fairness.c -- the event loop's fairness rule: a timer fires on time
 * while two actors ping-pong forever, and an idle runtime uses no CPU
 * (docs/event-loop.md). */
#include <sys/resource.h>

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
    assert_true(al.fired_ms >= al.armed_ms + 49);
    uint64_t late = al.fired_ms - al.armed_ms - 50;
    /* "On time": generous bound for a loaded CI machine under ASan, yet far
     * below what starvation would give (never). */
    if (late > 500)
        fail_msg("timer fired %llu ms late", (unsigned long long)late);
    if (al.exchanged_at_fire < 1000)
        fail_msg("only %lu messages exchanged while the timer ran", al.exchanged_at_fire);
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

static uint64_t cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void idle_runtime_uses_no_cpu(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    actor_id_t a = actor_spawn(rt, sleeper, NULL, NULL, 4);
    actor_send(rt, a, 1, NULL, 0);
    uint64_t wall0 = mk_clock_ms(), cpu0 = cpu_us();
    runtime_run(rt); /* blocks ~300 ms in epoll */
    uint64_t wall = mk_clock_ms() - wall0, cpu = cpu_us() - cpu0;
    assert_true(wall >= 299);
    /* A busy-waiting loop would burn ~300,000 us here. */
    if (cpu > 30000)
        fail_msg("idle runtime used %llu us of CPU in %llu ms", (unsigned long long)cpu,
                 (unsigned long long)wall);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timer_fires_during_endless_ping_pong),
        cmocka_unit_test(idle_runtime_uses_no_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
