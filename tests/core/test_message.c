/* test_message.c -- message_create / message_destroy (seed "Message"). */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static void create_copies_payload(void **s)
{
    (void)s;
    char buf[] = "hello";
    message_t *m = message_create(7, 9, 42, buf, sizeof buf);
    assert_non_null(m);
    assert_int_equal(m->source, 7);
    assert_int_equal(m->dest, 9);
    assert_int_equal(m->type, 42);
    assert_int_equal(m->payload_size, sizeof buf);
    assert_ptr_not_equal(m->payload, buf);
    buf[0] = 'X'; /* the message has its own copy */
    assert_string_equal(m->payload, "hello");
    message_destroy(m);
}

static void large_payload_is_copied(void **s)
{
    (void)s;
    size_t n = 100000;
    unsigned char *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (unsigned char)(i * 31);
    message_t *m = message_create(1, 2, 3, big, n);
    assert_non_null(m);
    assert_int_equal(m->payload_size, n);
    assert_memory_equal(m->payload, big, n);
    assert_non_null(m->free_payload);
    free(big);
    message_destroy(m);
}

static void empty_payload(void **s)
{
    (void)s;
    message_t *m = message_create(1, 2, 3, NULL, 0);
    assert_non_null(m);
    assert_null(m->payload);
    assert_int_equal(m->payload_size, 0);
    message_destroy(m);
    /* A non-NULL pointer with size 0 is an empty payload too. */
    m = message_create(1, 2, 3, "x", 0);
    assert_non_null(m);
    assert_null(m->payload);
    message_destroy(m);
}

static void null_payload_with_size_is_refused(void **s)
{
    (void)s;
    assert_null(message_create(1, 2, 3, NULL, 5));
    assert_error_mentions("payload is NULL");
}

static void destroy_null_is_harmless(void **s)
{
    (void)s;
    message_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_copies_payload),
        cmocka_unit_test(large_payload_is_copied),
        cmocka_unit_test(empty_payload),
        cmocka_unit_test(null_payload_with_size_is_refused),
        cmocka_unit_test(destroy_null_is_harmless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
