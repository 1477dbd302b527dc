/* test_message.c -- message_create / message_destroy (seed "Message"). */
#include <stdlib.h>
#include <string.h>

#include "microkernel/config.h"

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

/* issue 14 section 3: message_create() gives the original's layout, a
 * separate malloc(3) payload released by free(3). */
static void create_payload_is_freed_by_free(void **s)
{
    (void)s;
    message_t *m = message_create(1, 2, 3, "abc", 3);
    assert_non_null(m);
    assert_true(m->free_payload == free);
    /* Small payloads too: not inside the message block. */
    assert_true((unsigned char *)m->payload < (unsigned char *)m ||
                (unsigned char *)m->payload >= (unsigned char *)(m + 1));
    message_destroy(m);
}

static void create_payload_can_be_taken(void **s)
{
    (void)s;
    message_t *m = message_create(1, 2, 3, "take me", 8);
    assert_non_null(m);
    char *p = m->payload;
    m->payload = NULL; /* taken: the message must not free it */
    message_destroy(m);
    assert_string_equal(p, "take me");
    free(p); /* ASan reports a double free if message_destroy freed it */
}

static int custom_frees;
static void custom_free(void *p)
{
    custom_frees++;
    free(p);
}

static void create_free_payload_can_be_replaced(void **s)
{
    (void)s;
    custom_frees = 0;
    message_t *m = message_create(1, 2, 3, "x", 1);
    assert_non_null(m);
    m->free_payload = custom_free;
    message_destroy(m);
    assert_int_equal(custom_frees, 1);
    /* A replaced payload with its own destructor. */
    m = message_create(1, 2, 3, "y", 1);
    free(m->payload);
    m->payload = strdup("replacement");
    m->payload_size = 12;
    m->free_payload = custom_free;
    message_destroy(m);
    assert_int_equal(custom_frees, 2);
}

/* A behaviour that takes every payload it receives (the documented rule:
 * keep payload and free_payload, set msg->payload NULL, free later with the
 * saved function). Sizes cover the inline, pooled and malloc'd paths. */
#define TAKE_MAX 8
typedef struct {
    void *p[TAKE_MAX];
    void (*fn[TAKE_MAX])(void *);
    size_t size[TAKE_MAX];
    int n;
} taker_t;

static bool taker(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    (void)rt;
    (void)self;
    taker_t *t = st;
    if (msg->type == 1 && t->n < TAKE_MAX && msg->payload) {
        t->p[t->n] = msg->payload;
        t->fn[t->n] = msg->free_payload;
        t->size[t->n] = msg->payload_size;
        t->n++;
        msg->payload = NULL;
    }
    return true;
}

static void fill_pattern(unsigned char *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(seed + i * 7);
}

static bool has_pattern(const unsigned char *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != (unsigned char)(seed + i * 7))
            return false;
    return true;
}

static void behaviour_takes_sent_payloads(void **s)
{
    (void)s;
    static const size_t sizes[] = {8, MK_MSG_INLINE_PAYLOAD, 1000, 4096, 10000};
    enum { N = sizeof sizes / sizeof sizes[0] };
    runtime_t *rt = runtime_init(1, 4);
    taker_t t = {0};
    actor_id_t a = actor_spawn(rt, taker, &t, NULL, 16);
    unsigned char buf[10000];
    for (size_t i = 0; i < N; i++) {
        fill_pattern(buf, sizes[i], (unsigned)i);
        assert_true(actor_send(rt, a, 1, buf, sizes[i]));
        runtime_step(rt);
    }
    assert_int_equal(t.n, N);
    /* Churn the pools: the taken blocks must not be handed out again. */
    memset(buf, 0xEE, sizeof buf);
    for (int r = 0; r < 50; r++) {
        assert_true(actor_send(rt, a, 2, buf, sizes[r % N]));
        runtime_step(rt);
    }
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(t.size[i], sizes[i]);
        if (!has_pattern(t.p[i], sizes[i], (unsigned)i))
            fail_msg("taken payload %zu (%zu bytes) was overwritten", i, sizes[i]);
        assert_non_null(t.fn[i]);
    }
    /* Release the inline and one pooled payload while the runtime lives ... */
    t.fn[0](t.p[0]);
    t.fn[2](t.p[2]);
    runtime_destroy(rt);
    /* ... and the others after it is gone (ASan: no use after free, no leak). */
    t.fn[1](t.p[1]);
    t.fn[3](t.p[3]);
    t.fn[4](t.p[4]);
}

/* Regression: a behaviour that takes a payload and frees it at once (with
 * the saved free_payload) before its message is destroyed. The inline
 * block holds the message itself, so it must outlive the call. */
static bool take_and_free_now(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    (void)rt;
    (void)self;
    int *freed = st;
    void *p = msg->payload;
    void (*fn)(void *) = msg->free_payload;
    msg->payload = NULL;
    if (p && fn) {
        fn(p);
        (*freed)++;
    }
    return true;
}

static void behaviour_takes_and_frees_at_once(void **s)
{
    (void)s;
    static const size_t sizes[] = {1, MK_MSG_INLINE_PAYLOAD, 300, 4096, 9000};
    runtime_t *rt = runtime_init(1, 4);
    int freed = 0;
    actor_id_t a = actor_spawn(rt, take_and_free_now, &freed, NULL, 16);
    unsigned char buf[9000] = {0};
    for (int r = 0; r < 3; r++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            assert_true(actor_send(rt, a, 1, buf, sizes[i]));
            runtime_step(rt);
        }
    assert_int_equal(freed, 15);
    runtime_destroy(rt); /* ASan: no use after free, no double free, no leak */
}

/* Untaken payloads are still freed by the runtime (ASan's leak check). */
static void untaken_payloads_are_freed(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    taker_t t = {0};
    actor_id_t a = actor_spawn(rt, taker, &t, NULL, 16);
    unsigned char buf[5000] = {0};
    assert_true(actor_send(rt, a, 2, buf, 10));
    assert_true(actor_send(rt, a, 2, buf, 500));
    assert_true(actor_send(rt, a, 2, buf, 5000));
    runtime_step(rt);
    runtime_step(rt);
    runtime_destroy(rt); /* the third is still queued */
    assert_int_equal(t.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_copies_payload),
        cmocka_unit_test(large_payload_is_copied),
        cmocka_unit_test(empty_payload),
        cmocka_unit_test(null_payload_with_size_is_refused),
        cmocka_unit_test(destroy_null_is_harmless),
        cmocka_unit_test(create_payload_is_freed_by_free),
        cmocka_unit_test(create_payload_can_be_taken),
        cmocka_unit_test(create_free_payload_can_be_replaced),
        cmocka_unit_test(behaviour_takes_sent_payloads),
        cmocka_unit_test(behaviour_takes_and_frees_at_once),
        cmocka_unit_test(untaken_payloads_are_freed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
