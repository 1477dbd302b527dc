/* test_space.c -- mk_actor_wait_space: a producer outside the actors is
 * told when a full mailbox has room again, or when the actor stops, so it
 * can pause instead of dropping messages. */
#include "core/runtime_internal.h"
#include "test_util.h"

typedef struct {
    int calls;
    bool last_alive;
    actor_id_t last_id;
    int refill; /* messages to send again from the callback */
} waiter_t;

static void on_space(runtime_t *rt, void *ctx, actor_id_t id, bool alive)
{
    waiter_t *w = ctx;
    w->calls++;
    w->last_alive = alive;
    w->last_id = id;
    for (; w->refill > 0 && alive; w->refill--)
        assert_true(actor_send(rt, id, 1, NULL, 0));
}

static int handled;
static bool sink(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)s;
    handled++;
    return true;
}

static void told_when_room_appears(void **s)
{
    (void)s;
    handled = 0;
    runtime_t *rt = runtime_init(1, 4);
    actor_id_t a = actor_spawn(rt, sink, NULL, NULL, 2);
    assert_true(actor_send(rt, a, 1, NULL, 0));
    assert_true(actor_send(rt, a, 1, NULL, 0));
    assert_false(actor_send(rt, a, 1, NULL, 0)); /* full */
    waiter_t w1 = {0}, w2 = {.refill = 1};
    assert_true(mk_actor_wait_space(rt, a, on_space, &w1));
    assert_true(mk_actor_wait_space(rt, a, on_space, &w2));
    assert_int_equal(w1.calls, 0); /* never from inside the call */
    runtime_step(rt);              /* one handled: room for one */
    assert_int_equal(handled, 1);
    assert_int_equal(w1.calls, 1);
    assert_true(w1.last_alive);
    assert_int_equal(w1.last_id, a);
    assert_int_equal(w2.calls, 1); /* both told, once each */
    runtime_step(rt);
    runtime_step(rt);
    assert_int_equal(handled, 3); /* including the one w2 sent */
    assert_int_equal(w1.calls, 1);
    assert_int_equal(w2.calls, 1);
    runtime_destroy(rt);
}

static void told_when_actor_stops_and_cancel(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    actor_id_t a = actor_spawn(rt, sink, NULL, NULL, 1);
    actor_id_t b = actor_spawn(rt, sink, NULL, NULL, 1);
    waiter_t wa = {0}, wb = {0};
    assert_true(mk_actor_wait_space(rt, a, on_space, &wa));
    assert_true(mk_actor_wait_space(rt, b, on_space, &wb));
    mk_actor_cancel_space(rt, &wb);
    actor_stop(rt, a);
    assert_int_equal(wa.calls, 1);
    assert_false(wa.last_alive);
    actor_stop(rt, b);
    assert_int_equal(wb.calls, 0);
    assert_false(mk_actor_wait_space(rt, a, on_space, &wa));
    assert_error_mentions("no live actor");
    runtime_destroy(rt);
}

/* Regression: with more than 16 waiters on one actor, waiters that asked
 * again from their callback were told again in the same round, and a
 * counter wrapped: an endless loop while the mailbox was full. */
typedef struct {
    int calls;
} again_t;

static void ask_again(runtime_t *rt, void *ctx, actor_id_t id, bool alive)
{
    again_t *w = ctx;
    w->calls++;
    if (alive) {
        /* Fill the mailbox again and wait for the next room. */
        while (actor_send(rt, id, 1, NULL, 0))
            ;
        assert_true(mk_actor_wait_space(rt, id, ask_again, ctx));
    }
}

static void many_waiters_asking_again_are_told_once_per_room(void **s)
{
    (void)s;
    handled = 0;
    runtime_t *rt = runtime_init(1, 4);
    actor_id_t a = actor_spawn(rt, sink, NULL, NULL, 4);
    while (actor_send(rt, a, 1, NULL, 0))
        ;
    again_t w[40] = {{0}};
    for (int i = 0; i < 40; i++)
        assert_true(mk_actor_wait_space(rt, a, ask_again, &w[i]));
    runtime_step(rt); /* room for one: every waiter told exactly once */
    for (int i = 0; i < 40; i++)
        assert_int_equal(w[i].calls, 1);
    runtime_step(rt); /* room again: told once more each */
    for (int i = 0; i < 40; i++)
        assert_int_equal(w[i].calls, 2);
    runtime_destroy(rt); /* the actor stops: told it is gone */
    for (int i = 0; i < 40; i++)
        assert_int_equal(w[i].calls, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(told_when_room_appears),
        cmocka_unit_test(told_when_actor_stops_and_cancel),
        cmocka_unit_test(many_waiters_asking_again_are_told_once_per_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
