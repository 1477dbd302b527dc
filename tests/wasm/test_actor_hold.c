/*
 * test_actor_hold.c -- the core facility WASM actors block and yield with
 * (mk_actor_hold / mk_actor_wake, src/core/runtime_internal.h), proved on
 * native actors: a held actor is not dispatched while its mailbox fills in
 * order and up to its capacity; a wake message comes before the mailbox; a
 * wake from the actor's own behaviour is a yield behind the ready actors;
 * a pending wake message dies with its actor.
 */
#include "wasm_test_util.h"

enum { T_WAKE = 0x7100, T_YIELD = 0x7101 };

typedef struct {
    msg_type_t seen[64];
    int n;
    int *order; /* shared turn counter, or NULL */
    int turn[64];
} rec_t;

static bool recorder(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    rec_t *r = state;
    if (r->n < 64) {
        r->turn[r->n] = r->order ? (*r->order)++ : 0;
        r->seen[r->n++] = msg->type;
    }
    if (msg->type == T_YIELD)
        assert_true(mk_actor_wake(rt, actor_get_id(self), T_WAKE));
    return true;
}

static void held_actor_waits_and_wake_comes_first(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    rec_t r = {0};
    actor_id_t a = actor_spawn(rt, recorder, &r, NULL, 4);
    mk_actor_hold(rt, a);
    for (int i = 1; i <= 4; i++)
        assert_true(actor_send(rt, a, (msg_type_t)i, NULL, 0));
    assert_false(actor_send(rt, a, 5, NULL, 0)); /* capacity still applies */
    runtime_run(rt);
    assert_int_equal(r.n, 0); /* held: nothing handled */
    assert_true(mk_actor_wake(rt, a, T_WAKE));
    assert_false(mk_actor_wake(rt, a, T_WAKE)); /* one pending wake at a time */
    assert_error_mentions("already");
    runtime_run(rt);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.seen[0], T_WAKE);
    for (int i = 1; i <= 4; i++)
        assert_int_equal(r.seen[i], i);
    assert_false(mk_actor_wake(rt, actor_id_make(1, 999), T_WAKE));
    runtime_destroy(rt);
}

static void wake_from_own_behaviour_is_a_yield(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    int order = 0;
    rec_t ra = {.order = &order}, rb = {.order = &order};
    actor_id_t a = actor_spawn(rt, recorder, &ra, NULL, 16);
    actor_id_t b = actor_spawn(rt, recorder, &rb, NULL, 16);
    assert_true(actor_send(rt, a, T_YIELD, NULL, 0));
    assert_true(actor_send(rt, a, 1, NULL, 0));
    assert_true(actor_send(rt, b, 2, NULL, 0));
    runtime_run(rt);
    /* a: T_YIELD, then (after b had its turn) T_WAKE, then 1 */
    assert_int_equal(ra.n, 3);
    assert_int_equal(ra.seen[1], T_WAKE);
    assert_int_equal(ra.seen[2], 1);
    assert_int_equal(rb.n, 1);
    assert_true(rb.turn[0] < ra.turn[1]);
    runtime_destroy(rt);
}

static void pending_wake_dies_with_the_actor(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    rec_t r = {0};
    actor_id_t a = actor_spawn(rt, recorder, &r, NULL, 4);
    mk_actor_hold(rt, a);
    assert_true(mk_actor_wake(rt, a, T_WAKE));
    actor_stop(rt, a); /* ASan: the wake message is freed */
    runtime_run(rt);
    assert_int_equal(r.n, 0);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(held_actor_waits_and_wake_comes_first),
        cmocka_unit_test(wake_from_own_behaviour_is_a_yield),
        cmocka_unit_test(pending_wake_dies_with_the_actor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
