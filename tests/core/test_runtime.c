/* test_runtime.c -- spawn, stop, step, run, stop from a behaviour, free_state
 * exactly once, slot reuse with unique IDs (seed "Runtime"). */
#include <string.h>

#include "test_util.h"

static int frees;
static void count_free(void *p)
{
    (void)p;
    frees++;
}

typedef struct {
    int received;
    msg_type_t last_type;
    actor_id_t last_source;
    char last_payload[32];
    actor_id_t self_seen;
    void *state_seen;
} recorder_t;

static bool record(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    recorder_t *r = state;
    r->received++;
    r->last_type = msg->type;
    r->last_source = msg->source;
    r->self_seen = actor_self(rt);
    r->state_seen = actor_state(rt);
    assert_int_equal(actor_get_id(self), r->self_seen);
    if (msg->payload_size && msg->payload_size < sizeof r->last_payload)
        memcpy(r->last_payload, msg->payload, msg->payload_size);
    return msg->type != 0; /* type 0: stop */
}

static void spawn_send_step(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(3, 8);
    recorder_t r = {0};
    actor_id_t a = actor_spawn(rt, record, &r, NULL, 4);
    assert_int_not_equal(a, ACTOR_ID_INVALID);
    assert_int_equal(actor_id_node(a), 3);
    assert_true(actor_is_alive(rt, a));
    char buf[] = "abc";
    assert_true(actor_send(rt, a, 5, buf, 4));
    buf[0] = 'z'; /* deep copy: the actor must still see "abc" */
    assert_int_equal(r.received, 0);
    runtime_step(rt);
    assert_int_equal(r.received, 1);
    assert_int_equal(r.last_type, 5);
    assert_int_equal(r.last_source, ACTOR_ID_INVALID); /* sent from outside */
    assert_string_equal(r.last_payload, "abc");
    assert_int_equal(r.self_seen, a);
    assert_ptr_equal(r.state_seen, &r);
    assert_int_equal(actor_self(rt), ACTOR_ID_INVALID); /* outside a behaviour */
    assert_null(actor_state(rt));
    runtime_step(rt); /* nothing ready: nothing happens */
    assert_int_equal(r.received, 1);
    runtime_destroy(rt);
}

static void mailbox_size_is_power_of_two_and_full_refused(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    recorder_t r = {0};
    actor_id_t a = actor_spawn(rt, record, &r, NULL, 3); /* 4 slots */
    actor_info_t info;
    assert_true(actor_info(rt, a, &info));
    assert_int_equal(info.mailbox_cap, 4);
    for (int i = 0; i < 4; i++)
        assert_true(actor_send(rt, a, 1, NULL, 0));
    assert_false(actor_send(rt, a, 1, NULL, 0));
    assert_error_mentions("full");
    runtime_run(rt); /* drains the four, then nothing can wake it */
    assert_int_equal(r.received, 4);
    runtime_destroy(rt);
}

static void free_state_exactly_once(void **s)
{
    (void)s;
    frees = 0;
    runtime_t *rt = runtime_init(1, 8);
    recorder_t r1 = {0}, r2 = {0}, r3 = {0};
    actor_id_t a = actor_spawn(rt, record, &r1, count_free, 4);
    actor_id_t b = actor_spawn(rt, record, &r2, count_free, 4);
    actor_spawn(rt, record, &r3, count_free, 4);
    actor_stop(rt, a);
    assert_int_equal(frees, 1);
    actor_stop(rt, a); /* already stopped: ignored */
    assert_int_equal(frees, 1);
    assert_error_mentions("no live actor");
    assert_true(actor_send(rt, b, 0, NULL, 0)); /* b stops itself */
    runtime_step(rt);
    assert_int_equal(frees, 2);
    assert_false(actor_is_alive(rt, b));
    runtime_destroy(rt); /* the third one */
    assert_int_equal(frees, 3);
}

static void max_actors_and_unique_ids(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 2);
    recorder_t r = {0};
    actor_id_t a = actor_spawn(rt, record, &r, NULL, 1);
    actor_id_t b = actor_spawn(rt, record, &r, NULL, 1);
    assert_int_equal(actor_spawn(rt, record, &r, NULL, 1), ACTOR_ID_INVALID);
    assert_error_mentions("max_actors");
    actor_stop(rt, a);
    actor_id_t c = actor_spawn(rt, record, &r, NULL, 1); /* reuses a's slot */
    assert_int_not_equal(c, ACTOR_ID_INVALID);
    assert_int_not_equal(c, a);
    assert_int_not_equal(c, b);
    /* The stale ID never reaches the newer actor in the same slot. */
    assert_false(actor_send(rt, a, 1, NULL, 0));
    assert_error_mentions("no live actor");
    for (int i = 0; i < 1000; i++) {
        actor_stop(rt, c);
        actor_id_t d = actor_spawn(rt, record, &r, NULL, 1);
        assert_true(d > c);
        c = d;
    }
    assert_int_equal(runtime_actor_count(rt), 2);
    runtime_destroy(rt);
}

static bool stopper(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    int *handled = state;
    ++*handled;
    if (msg->type == 1)
        runtime_stop(rt);
    if (msg->type == 2)
        actor_stop(rt, actor_self(rt)); /* deferred until we return */
    return true;
}

static void stop_from_behaviour(void **s)
{
    (void)s;
    frees = 0;
    runtime_t *rt = runtime_init(1, 4);
    int handled = 0;
    actor_id_t a = actor_spawn(rt, stopper, &handled, count_free, 8);
    actor_send(rt, a, 1, NULL, 0);
    actor_send(rt, a, 3, NULL, 0);
    runtime_run(rt); /* returns after the first message */
    assert_int_equal(handled, 1);
    runtime_run(rt); /* can run again: handles the second, then returns (nothing to wake it) */
    assert_int_equal(handled, 2);
    actor_send(rt, a, 2, NULL, 0);
    actor_send(rt, a, 3, NULL, 0);
    runtime_step(rt);
    assert_false(actor_is_alive(rt, a));
    assert_int_equal(frees, 1);
    runtime_destroy(rt); /* the queued message is freed, state not freed twice */
    assert_int_equal(frees, 1);
}

static void run_returns_when_all_actors_stopped(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    recorder_t r = {0};
    actor_id_t a = actor_spawn(rt, record, &r, NULL, 4);
    actor_send(rt, a, 1, NULL, 0);
    actor_send(rt, a, 0, NULL, 0);
    runtime_run(rt);
    assert_int_equal(r.received, 2);
    assert_int_equal(runtime_actor_count(rt), 0);
    runtime_destroy(rt);
}

static void list_actors(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(9, 8);
    recorder_t r = {0};
    actor_id_t ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = actor_spawn(rt, record, &r, NULL, 2);
    actor_send(rt, ids[1], 1, NULL, 0);
    actor_info_t info[8];
    assert_int_equal(runtime_actor_info(rt, info, 8), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(info[i].id, ids[i]);
    assert_int_equal(info[1].mailbox_used, 1);
    assert_int_equal(info[1].mailbox_cap, 2);
    assert_int_equal(info[1].status, ACTOR_READY);
    assert_int_equal(info[0].status, ACTOR_IDLE);
    assert_int_equal(info[0].parent, ACTOR_ID_INVALID);
    /* As the original: the number written, never more than max. */
    assert_int_equal(runtime_actor_info(rt, info, 1), 1);
    assert_int_equal(info[0].id, ids[0]);
    actor_id_t got[8];
    assert_int_equal(runtime_list_actors(rt, got, 8), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(got[i], ids[i]);
    assert_int_equal(runtime_list_actors(rt, got, 2), 2);
    assert_int_equal(runtime_list_actors(rt, NULL, 0), 0);
    assert_int_equal(runtime_get_max_actors(rt), 8);
    assert_int_equal(runtime_get_transport_count(rt), 0);
    runtime_destroy(rt);
}

/* The running actor reports ACTOR_RUNNING, a stopping one ACTOR_STOPPED. */
static actor_status_t seen_self, seen_after_stop;
static bool introspect(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    (void)self;
    (void)msg;
    (void)st;
    actor_info_t info;
    assert_true(actor_info(rt, actor_self(rt), &info));
    seen_self = info.status;
    actor_stop(rt, actor_self(rt));
    /* A stopping actor is no longer found by ID, but still listed. */
    assert_int_equal(runtime_actor_info(rt, &info, 1), 1);
    seen_after_stop = info.status;
    return true;
}

static void actor_status_values(void **s)
{
    (void)s;
    assert_int_equal(ACTOR_IDLE, 0);
    assert_int_equal(ACTOR_READY, 1);
    assert_int_equal(ACTOR_RUNNING, 2);
    assert_int_equal(ACTOR_STOPPED, 3);
    runtime_t *rt = runtime_init(9, 8);
    actor_id_t a = actor_spawn(rt, introspect, NULL, NULL, 2);
    actor_send(rt, a, 1, NULL, 0);
    runtime_step(rt);
    assert_int_equal(seen_self, ACTOR_RUNNING);
    assert_int_equal(seen_after_stop, ACTOR_STOPPED);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spawn_send_step),
        cmocka_unit_test(mailbox_size_is_power_of_two_and_full_refused),
        cmocka_unit_test(actor_status_values),
        cmocka_unit_test(free_state_exactly_once),
        cmocka_unit_test(max_actors_and_unique_ids),
        cmocka_unit_test(stop_from_behaviour),
        cmocka_unit_test(run_returns_when_all_actors_stopped),
        cmocka_unit_test(list_actors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
