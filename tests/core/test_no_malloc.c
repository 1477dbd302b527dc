/* test_no_malloc.c -- the steady-state local send path allocates nothing:
 * messages and payloads up to MK_MSG_POOL_PAYLOAD_MAX bytes come from the
 * runtime's free lists. Counted through the library allocator hooks. */
#include <stdlib.h>
#include <string.h>

#include "microkernel/alloc.h"
#include "test_util.h"

static size_t allocations;
static void *count_malloc(size_t n)
{
    allocations++;
    return malloc(n);
}
static void *count_calloc(size_t c, size_t n)
{
    allocations++;
    return calloc(c, n);
}
static void *count_realloc(void *p, size_t n)
{
    allocations++;
    return realloc(p, n);
}

typedef struct {
    actor_id_t peer;
    long remaining;
    size_t size;
} bouncer_t;

static bool bounce(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    bouncer_t *b = s;
    if (b->remaining-- <= 0)
        return true;
    assert_true(actor_send(rt, b->peer, msg->type, msg->payload, msg->payload_size));
    return true;
}

static size_t allocations_for(size_t payload_size)
{
    runtime_t *rt = runtime_init(1, 4);
    bouncer_t x = {.size = payload_size}, y = {.size = payload_size};
    actor_id_t a = actor_spawn(rt, bounce, &x, NULL, 16);
    actor_id_t b = actor_spawn(rt, bounce, &y, NULL, 16);
    x.peer = b;
    y.peer = a;
    unsigned char *payload = calloc(1, payload_size + 1);
    /* Warm-up: fills the free lists. */
    x.remaining = y.remaining = 1000;
    actor_send(rt, a, 1, payload, payload_size);
    runtime_run(rt);
    /* Steady state: 100,000 messages must not allocate. */
    allocations = 0;
    x.remaining = y.remaining = 50000;
    actor_send(rt, a, 1, payload, payload_size);
    runtime_run(rt);
    size_t counted = allocations;
    free(payload);
    runtime_destroy(rt);
    return counted;
}

static void steady_state_send_does_not_allocate(void **s)
{
    (void)s;
    mk_set_allocator(&(mk_allocator_t){count_malloc, count_calloc, count_realloc, free});
    const size_t sizes[] = {0, 8, MK_MSG_INLINE_PAYLOAD, 200, 1000, MK_MSG_POOL_PAYLOAD_MAX};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = allocations_for(sizes[i]);
        if (n != 0)
            fail_msg("%zu allocations for 100,000 sends of %zu-byte payloads", n, sizes[i]);
    }
    mk_set_allocator(NULL);
}

static bool fail_now;
static void *failing_malloc(size_t n)
{
    return fail_now ? NULL : malloc(n);
}
static void *failing_calloc(size_t c, size_t n)
{
    return fail_now ? NULL : calloc(c, n);
}
static void *failing_realloc(void *p, size_t n)
{
    return fail_now ? NULL : realloc(p, n);
}

static void failing_allocator_gives_clean_errors(void **s)
{
    (void)s;
    mk_set_allocator(&(mk_allocator_t){failing_malloc, failing_calloc, failing_realloc, free});
    runtime_t *rt = runtime_init(1, 4);
    bouncer_t st = {0};
    actor_id_t a = actor_spawn(rt, bounce, &st, NULL, 4);
    static unsigned char big[10000];
    fail_now = true;
    /* A payload beyond the pool classes needs the allocator: refused cleanly. */
    assert_false(actor_send(rt, a, 1, big, sizeof big));
    assert_error_mentions("out of memory");
    actor_info_t info;
    assert_true(actor_info(rt, a, &info));
    assert_int_equal(info.mailbox_used, 0); /* nothing half-queued */
    assert_int_equal(actor_spawn(rt, bounce, &st, NULL, 4), ACTOR_ID_INVALID);
    assert_error_mentions("out of memory");
    assert_null(runtime_init(2, 4));
    assert_error_mentions("out of memory");
    fail_now = false;
    assert_true(actor_send(rt, a, 1, big, sizeof big));
    runtime_destroy(rt);
    mk_set_allocator(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steady_state_send_does_not_allocate),
        cmocka_unit_test(failing_allocator_gives_clean_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
