/* test_mailbox.c -- the bounded FIFO (seed "Mailbox"). */
#include <string.h>

#include "microkernel/mailbox.h"
#include "test_util.h"

static message_t *msg(msg_type_t type)
{
    return message_create(1, 2, type, NULL, 0);
}

static void capacity_rounds_up_to_power_of_two(void **s)
{
    (void)s;
    const size_t asked[] = {1, 2, 3, 5, 16, 17, 1000};
    const size_t got[] = {1, 2, 4, 8, 16, 32, 1024};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        mailbox_t *mb = mailbox_create(asked[i]);
        assert_non_null(mb);
        assert_int_equal(mailbox_capacity(mb), got[i]);
        mailbox_destroy(mb);
    }
}

static void fifo_order_and_full(void **s)
{
    (void)s;
    mailbox_t *mb = mailbox_create(3); /* rounds to 4 */
    assert_true(mailbox_is_empty(mb));
    for (msg_type_t t = 0; t < 4; t++)
        assert_true(mailbox_enqueue(mb, msg(t)));
    assert_int_equal(mailbox_count(mb), 4);
    message_t *extra = msg(99);
    assert_false(mailbox_enqueue(mb, extra));
    assert_error_mentions("full");
    message_destroy(extra); /* refused: still ours */
    for (msg_type_t t = 0; t < 4; t++) {
        message_t *m = mailbox_dequeue(mb);
        assert_non_null(m);
        assert_int_equal(m->type, t);
        message_destroy(m);
    }
    assert_null(mailbox_dequeue(mb));
    assert_true(mailbox_is_empty(mb));
    mailbox_destroy(mb);
}

static void wraps_around_many_times(void **s)
{
    (void)s;
    mailbox_t *mb = mailbox_create(4);
    msg_type_t next_in = 0, next_out = 0;
    for (int round = 0; round < 1000; round++) {
        int n = 1 + round % 4;
        for (int i = 0; i < n; i++)
            assert_true(mailbox_enqueue(mb, msg(next_in++)));
        for (int i = 0; i < n; i++) {
            message_t *m = mailbox_dequeue(mb);
            assert_int_equal(m->type, next_out++);
            message_destroy(m);
        }
    }
    assert_int_equal(mailbox_count(mb), 0);
    mailbox_destroy(mb);
}

static void destroy_drains_queued_messages(void **s)
{
    (void)s;
    mailbox_t *mb = mailbox_create(8);
    for (int i = 0; i < 5; i++)
        assert_true(mailbox_enqueue(mb, message_create(1, 2, 3, "payload", 7)));
    mailbox_destroy(mb); /* ASan reports a leak if these were not freed */
}

static void bad_arguments(void **s)
{
    (void)s;
    assert_null(mailbox_create(0));
    assert_error_mentions("capacity 0");
    assert_null(mailbox_create((size_t)MK_MAILBOX_MAX + 1));
    assert_false(mailbox_enqueue(NULL, NULL));
    assert_null(mailbox_dequeue(NULL));
    assert_true(mailbox_is_empty(NULL));
    assert_int_equal(mailbox_count(NULL), 0);
    mailbox_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(capacity_rounds_up_to_power_of_two),
        cmocka_unit_test(fifo_order_and_full),
        cmocka_unit_test(wraps_around_many_times),
        cmocka_unit_test(destroy_drains_queued_messages),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
