/*
 * test_wasm_remote.c -- mk_send from a WASM actor to an actor on another
 * node, found by name (mk_lookup on a name the net layer synced): two
 * runtimes in this process joined by a TCP transport on 127.0.0.1.
 */
#include <time.h>

#include "microkernel/node.h"
#include "microkernel/transport_tcp.h"
#include "wasm_test_util.h"

static probe_t probe1, probe2;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define PUMP_UNTIL(a, b, cond)                                                                     \
    do {                                                                                           \
        double end_ = now_s() + 5;                                                                 \
        while (!(cond) && now_s() < end_) {                                                        \
            runtime_step(a);                                                                       \
            runtime_step(b);                                                                       \
        }                                                                                          \
    } while (0)

static void wasm_sends_to_a_named_remote_actor(void **state)
{
    (void)state;
    assert_true(wasm_actors_init());
    runtime_t *rt1 = runtime_init(1, 16), *rt2 = runtime_init(2, 16);
    transport_t *l = transport_tcp_listen("127.0.0.1", 0, 2);
    assert_non_null(l);
    transport_t *c = transport_tcp_connect("127.0.0.1", transport_tcp_port(l), 1);
    assert_non_null(c);
    assert_true(runtime_add_transport(rt1, l));
    assert_true(runtime_add_transport(rt2, c));
    PUMP_UNTIL(rt1, rt2, node_is_connected(rt1, 2) && node_is_connected(rt2, 1));
    assert_true(node_is_connected(rt1, 2));

    actor_id_t target = actor_spawn(rt2, probe_behavior, &probe2, NULL, 16);
    assert_true(actor_register_name(rt2, "far_target", target));
    PUMP_UNTIL(rt1, rt2, actor_lookup(rt1, "far_target") == target);
    assert_int_equal(actor_lookup(rt1, "far_target"), target);

    actor_id_t w = actor_spawn_wasm_file(rt1, MODULE("named.wasm"), 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_not_equal(w, ACTOR_ID_INVALID);
    actor_id_t p = actor_spawn(rt1, probe_behavior, &probe1, NULL, 16);
    probe_send(rt1, p, w, 600, "far_target", 10);
    PUMP_UNTIL(rt1, rt2, probe2.n >= 1 && probe1.n >= 1);
    assert_int_equal(probe1.n, 1);
    assert_int_equal(rec_i32(&probe1.recs[0], 0), 0); /* mk_send succeeded */
    assert_int_equal(probe2.n, 1);
    assert_int_equal(probe2.recs[0].type, 601);
    assert_int_equal(probe2.recs[0].source, w); /* the WASM actor on node 1 */
    assert_memory_equal(probe2.recs[0].data, "hi", 2);
    runtime_destroy(rt1);
    runtime_destroy(rt2);
    wasm_actors_cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wasm_sends_to_a_named_remote_actor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
