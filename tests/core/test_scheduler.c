/* test_scheduler.c -- the FIFO ready queue that refuses double enqueue
 * (seed "Scheduler"). Uses the real actor structure from the core. */
#include <string.h>

#include "core/runtime_internal.h"
#include "test_util.h"

static void fifo_and_no_double_enqueue(void **s)
{
    (void)s;
    actor_t a[3];
    memset(a, 0, sizeof a);
    scheduler_t q;
    scheduler_init(&q);
    assert_true(scheduler_is_empty(&q));
    scheduler_enqueue(&q, &a[0]);
    scheduler_enqueue(&q, &a[1]);
    scheduler_enqueue(&q, &a[0]); /* already queued: ignored */
    scheduler_enqueue(&q, &a[2]);
    assert_int_equal(q.count, 3);
    assert_ptr_equal(scheduler_dequeue(&q), &a[0]);
    assert_ptr_equal(scheduler_dequeue(&q), &a[1]);
    scheduler_enqueue(&q, &a[0]); /* dequeued, so it may come back */
    assert_ptr_equal(scheduler_dequeue(&q), &a[2]);
    assert_ptr_equal(scheduler_dequeue(&q), &a[0]);
    assert_null(scheduler_dequeue(&q));
    assert_true(scheduler_is_empty(&q));
}

static void remove_from_anywhere(void **s)
{
    (void)s;
    actor_t a[4];
    memset(a, 0, sizeof a);
    scheduler_t q;
    scheduler_init(&q);
    for (int i = 0; i < 4; i++)
        scheduler_enqueue(&q, &a[i]);
    scheduler_remove(&q, &a[2]); /* middle */
    scheduler_remove(&q, &a[0]); /* head */
    scheduler_remove(&q, &a[3]); /* tail */
    scheduler_remove(&q, &a[3]); /* not queued any more: nothing */
    assert_int_equal(q.count, 1);
    assert_ptr_equal(scheduler_dequeue(&q), &a[1]);
    assert_null(scheduler_dequeue(&q));
    scheduler_enqueue(&q, &a[3]);
    assert_ptr_equal(q.head, &a[3]);
    assert_ptr_equal(q.tail, &a[3]);
}

static void null_arguments(void **s)
{
    (void)s;
    scheduler_enqueue(NULL, NULL);
    assert_null(scheduler_dequeue(NULL));
    assert_true(scheduler_is_empty(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_and_no_double_enqueue),
        cmocka_unit_test(remove_from_anywhere),
        cmocka_unit_test(null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
