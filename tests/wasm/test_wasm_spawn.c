/*
 * test_wasm_spawn.c -- spawning WASM actors (seed "WASM Actors"): from a
 * buffer and from files, every way a module can be refused, payload sizes
 * around heap_size, a module without memory, and the host functions
 * mk_send (local, by name), mk_self and mk_log.
 */
#include "wasm_test_util.h"

static probe_t probe;

static int setup(void **state)
{
    (void)state;
    assert_true(wasm_actors_init());
    memset(&probe, 0, sizeof probe);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wasm_actors_cleanup();
    return 0;
}

static void spawn_from_buffer_and_file(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 64);
    size_t len;
    uint8_t *buf = read_all(EXAMPLE("echo.wasm"), &len);
    actor_id_t a = actor_spawn_wasm(rt, buf, len, 16, WASM_DEFAULT_STACK_SIZE,
                                    WASM_DEFAULT_HEAP_SIZE, FIBER_STACK_NONE);
    memset(buf, 0, len); /* the buffer was copied */
    free(buf);
    actor_id_t b = actor_spawn_wasm_file(rt, EXAMPLE("echo_wat.wasm"), 16, 0,
                                         WASM_DEFAULT_HEAP_SIZE, FIBER_STACK_NONE);
    assert_int_not_equal(a, ACTOR_ID_INVALID);
    assert_int_not_equal(b, ACTOR_ID_INVALID);
    assert_true(actor_is_wasm(rt, a));
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    assert_false(actor_is_wasm(rt, p));
    probe_send(rt, p, a, 200, "ping-a", 6);
    probe_send(rt, p, b, 200, "ping-b", 6);
    runtime_run(rt);
    assert_int_equal(probe.n, 2);
    assert_int_equal(probe.recs[0].type, 201);
    assert_int_equal(probe.recs[0].source, a);
    assert_memory_equal(probe.recs[0].data, "ping-a", 6);
    assert_int_equal(probe.recs[1].source, b);
    assert_memory_equal(probe.recs[1].data, "ping-b", 6);
    /* type 0 stops an echo actor (handle_message returns 0) */
    probe_send(rt, p, a, 0, NULL, 0);
    runtime_run(rt);
    assert_false(actor_is_alive(rt, a));
    runtime_destroy(rt);
}

static void refused_modules_say_why(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t id;
    id = actor_spawn_wasm_file(rt, "/nonexistent/x.wasm", 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_equal(id, ACTOR_ID_INVALID);
    assert_error_mentions("/nonexistent/x.wasm");

    char empty[] = "/tmp/mk_wasm_empty_XXXXXX";
    int fd = mkstemp(empty);
    assert_true(fd >= 0);
    id = actor_spawn_wasm_file(rt, empty, 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_equal(id, ACTOR_ID_INVALID);
    assert_error_mentions("empty");

    char garbage[] = "/tmp/mk_wasm_garbage_XXXXXX";
    int gfd = mkstemp(garbage);
    assert_true(write(gfd, "this is not wasm at all", 23) == 23);
    close(gfd);
    id = actor_spawn_wasm_file(rt, garbage, 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_equal(id, ACTOR_ID_INVALID);
    assert_error_mentions("malformed");
    close(fd);
    unlink(empty);
    unlink(garbage);

    id = actor_spawn_wasm_file(rt, MODULE("nohandle.wasm"), 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_equal(id, ACTOR_ID_INVALID);
    assert_error_mentions("handle_message");

    id = actor_spawn_wasm_file(rt, MODULE("badimport.wasm"), 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_equal(id, ACTOR_ID_INVALID);
    assert_error_mentions("mk_frobnicate");

    static const uint8_t truncated[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 5, 9};
    id = actor_spawn_wasm(rt, truncated, sizeof truncated, 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_equal(id, ACTOR_ID_INVALID);
    id = actor_spawn_wasm(rt, truncated, 0, 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_equal(id, ACTOR_ID_INVALID);
    assert_error_mentions("empty");
    id = actor_spawn_wasm(NULL, truncated, 8, 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_equal(id, ACTOR_ID_INVALID);
    assert_int_equal(runtime_actor_count(rt), 0);
    runtime_destroy(rt);
}

static void payload_sizes_around_heap_size(void **state)
{
    (void)state;
    enum { HEAP = 300 };
    runtime_t *rt = runtime_init(1, 16);
    log_capture_t logs = {{0}};
    runtime_set_log_sink(rt, capture_sink, &logs);
    actor_id_t e = actor_spawn_wasm_file(rt, EXAMPLE("echo.wasm"), 16, 0, HEAP, FIBER_STACK_NONE);
    assert_int_not_equal(e, ACTOR_ID_INVALID);
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    /* Sizes 0, 1 and HEAP arrive intact; HEAP + 1 is refused with a log line. */
    static uint8_t big[HEAP + 1];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 1);
    uint32_t sizes[] = {0, 1, HEAP, HEAP + 1};
    for (int i = 0; i < 4; i++) /* as if the probe sent them, so pongs go to it */
        assert_true(mk_send_from(rt, p, e, 200, big, sizes[i]));
    runtime_run(rt);
    assert_int_equal(probe.n, 3);
    assert_int_equal(probe.recs[0].size, 0);
    assert_int_equal(probe.recs[1].size, 1);
    assert_int_equal(probe.recs[1].data[0], big[0]);
    assert_int_equal(probe.recs[2].size, HEAP);
    assert_memory_equal(probe.recs[2].data, big, 64);
    if (!strstr(logs.text, "larger than heap_size 300"))
        fail_msg("expected a log line about heap_size, got:\n%s", logs.text);
    assert_true(actor_is_alive(rt, e)); /* still serving */
    runtime_destroy(rt);
}

static void module_without_memory_gets_messages(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t e = actor_spawn_wasm_file(rt, EXAMPLE("echo_nomem.wasm"), 16, 0,
                                         WASM_DEFAULT_HEAP_SIZE, FIBER_STACK_NONE);
    assert_int_not_equal(e, ACTOR_ID_INVALID);
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    probe_send(rt, p, e, 200, "lost", 4);
    probe_send(rt, p, e, 200, NULL, 0);
    runtime_run(rt);
    assert_int_equal(probe.n, 2);
    assert_int_equal(probe.recs[0].type, 201);
    assert_int_equal(probe.recs[0].size, 0);
    runtime_destroy(rt);
}

static void send_by_name_self_and_log(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    log_capture_t logs = {{0}};
    runtime_set_log_sink(rt, capture_sink, &logs);
    actor_id_t w = actor_spawn_wasm_file(rt, MODULE("named.wasm"), 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_not_equal(w, ACTOR_ID_INVALID);
    static probe_t target;
    memset(&target, 0, sizeof target);
    actor_id_t t = actor_spawn(rt, probe_behavior, &target, NULL, 16);
    assert_true(actor_register_name(rt, "target", t));
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    probe_send(rt, p, w, 600, "target", 6); /* found: mk_send returns 0 */
    probe_send(rt, p, w, 600, "nobody", 6); /* not found: mk_send returns -1 */
    probe_send(rt, p, w, 603, NULL, 0);
    runtime_run(rt);
    assert_int_equal(target.n, 1);
    assert_int_equal(target.recs[0].type, 601);
    assert_int_equal(target.recs[0].source, w);
    assert_memory_equal(target.recs[0].data, "hi", 2);
    assert_int_equal(probe.n, 3);
    assert_int_equal(rec_i32(&probe.recs[0], 0), 0);
    assert_int_equal(rec_i32(&probe.recs[1], 0), -1);
    actor_id_t self_id;
    memcpy(&self_id, probe.recs[2].data, 8);
    assert_int_equal(self_id, w);
    if (!strstr(logs.text, "named actor says hello"))
        fail_msg("mk_log line missing in:\n%s", logs.text);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(spawn_from_buffer_and_file, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_modules_say_why, setup, teardown),
        cmocka_unit_test_setup_teardown(payload_sizes_around_heap_size, setup, teardown),
        cmocka_unit_test_setup_teardown(module_without_memory_gets_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(send_by_name_self_and_log, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
