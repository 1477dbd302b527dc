/* test_pingpong.c -- two actors exchange messages through runtime_run and
 * replies travel back through msg->source. */
#include "test_util.h"

typedef struct {
    actor_id_t peer;
    int count;
    int limit;
    actor_id_t last_source;
} pp_t;

static bool ping(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    pp_t *st = s;
    st->last_source = msg->source;
    assert_int_equal(msg->payload_size, sizeof(int));
    int n = *(const int *)msg->payload;
    assert_int_equal(n, st->count); /* replies come back in order */
    if (++st->count < st->limit) {
        assert_true(actor_send(rt, st->peer, 1, &st->count, sizeof st->count));
        return true;
    }
    actor_stop(rt, st->peer);
    return false;
}

static bool pong(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    (void)s;
    return actor_send(rt, msg->source, 1, msg->payload, msg->payload_size);
}

static void ping_pong_10000(void **s)
{
    (void)s;
    int zero = 0;
    pp_t ps = {.limit = 10000}, qs = {0};
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t a, b;
    a = actor_spawn(rt, ping, &ps, NULL, 16);
    b = actor_spawn(rt, pong, &qs, NULL, 16);
    ps.peer = b;
    assert_true(actor_send(rt, a, 1, &zero, sizeof zero));
    runtime_run(rt);
    assert_int_equal(ps.count, 10000);
    assert_int_equal(ps.last_source, b);
    assert_int_equal(runtime_actor_count(rt), 0);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ping_pong_10000),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
