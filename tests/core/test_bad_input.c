/* test_bad_input.c -- NULL runtimes and payloads, invalid and stale IDs,
 * zero-sized mailboxes: each gets false / INVALID and a reason, never a
 * crash. */
#include <string.h>

#include "test_util.h"

static bool nop(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)s;
    return true;
}

static void null_runtime(void **s)
{
    (void)s;
    mk_clear_error();
    assert_int_equal(actor_spawn(NULL, nop, NULL, NULL, 4), ACTOR_ID_INVALID);
    assert_error_mentions("runtime is NULL");
    assert_false(actor_send(NULL, 1, 1, NULL, 0));
    assert_error_mentions("runtime is NULL");
    assert_int_equal(actor_self(NULL), ACTOR_ID_INVALID);
    assert_null(actor_state(NULL));
    assert_int_equal(actor_set_timer(NULL, 10, false), TIMER_ID_INVALID);
    assert_false(actor_cancel_timer(NULL, 1));
    assert_false(actor_watch_fd(NULL, 0, POLLIN));
    assert_false(actor_unwatch_fd(NULL, 0));
    assert_false(actor_register_name(NULL, "x", 1));
    assert_int_equal(actor_lookup(NULL, "x"), ACTOR_ID_INVALID);
    assert_false(actor_send_named(NULL, "x", 1, NULL, 0));
    actor_stop(NULL, 1);
    runtime_step(NULL);
    runtime_run(NULL);
    runtime_stop(NULL);
    runtime_enable_logging(NULL);
    runtime_set_log_level(NULL, LOG_INFO);
    actor_log(NULL, LOG_ERROR, "nothing");
    runtime_destroy(NULL);
    assert_int_equal(runtime_actor_count(NULL), 0);
}

static void bad_init_and_spawn(void **s)
{
    (void)s;
    assert_null(runtime_init(1, 0));
    assert_error_mentions("max_actors 0");
    runtime_t *rt = runtime_init(1, 4);
    assert_int_equal(actor_spawn(rt, NULL, NULL, NULL, 4), ACTOR_ID_INVALID);
    assert_error_mentions("behavior is NULL");
    assert_int_equal(actor_spawn(rt, nop, NULL, NULL, 0), ACTOR_ID_INVALID);
    assert_error_mentions("mailbox_size 0");
    assert_int_equal(actor_spawn(rt, nop, NULL, NULL, (size_t)MK_MAILBOX_MAX + 1),
                     ACTOR_ID_INVALID);
    assert_int_equal(runtime_actor_count(rt), 0);
    runtime_destroy(rt);
}

static void bad_ids_and_payloads(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(5, 4);
    actor_id_t a = actor_spawn(rt, nop, NULL, NULL, 4);
    assert_false(actor_send(rt, ACTOR_ID_INVALID, 1, NULL, 0));
    assert_error_mentions("no live actor");
    assert_false(actor_send(rt, actor_id_make(5, 999), 1, NULL, 0)); /* never spawned */
    assert_error_mentions("no live actor");
    assert_false(actor_send(rt, actor_id_make(77, 1), 1, NULL, 0)); /* other node */
    assert_error_mentions("no transport reaches node 77");
    assert_false(actor_send(rt, a, 1, NULL, 10));
    assert_error_mentions("payload is NULL");
    /* A non-NULL payload of 0 bytes is a valid empty message. */
    assert_true(actor_send(rt, a, 1, "ignored", 0));
    actor_stop(rt, a);
    assert_false(actor_send(rt, a, 1, NULL, 0)); /* stale */
    actor_stop(rt, a);
    assert_error_mentions("no live actor");
    actor_info_t info;
    assert_false(actor_info(rt, a, &info));
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(null_runtime),
        cmocka_unit_test(bad_init_and_spawn),
        cmocka_unit_test(bad_ids_and_payloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
