/*
 * test_wasm_spawn.c -- spawning WASM actors (seed "WASM Actors"): from a
 * buffer and from files, every way a module can be refused, payload sizes
 * around heap_size, where the payload region lies and when it does not fit,
 * a module without memory, and the host functions
 * mk_send (local, by name), mk_self and mk_log.
 */
#include "wasm_test_util.h"

#include <fcntl.h>

#include "microkernel/alloc.h"
#include "microkernel/wat.h"

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

    /* A text module is translated first; a malformed one says where. */
    char wat[] = "/tmp/mk_wasm_wat_XXXXXX";
    int wfd = mkstemp(wat);
    static const char bad[] = "(module (func i32.bogus))";
    assert_true(write(wfd, bad, sizeof bad - 1) == (ssize_t)(sizeof bad - 1));
    close(wfd);
    id = actor_spawn_wasm_file(rt, wat, 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_equal(id, ACTOR_ID_INVALID);
    char want[96];
    snprintf(want, sizeof want, "%s:1:15: unknown instruction i32.bogus", wat);
    assert_error_mentions(want);

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

    /* the same file, now well formed, spawns (mk-shell's `load x.wat`) */
    static const char good[] = "(module (func (export \"handle_message\")\n"
                               "  (param i32 i64 i32 i32) (result i32) (i32.const 1)))\n";
    wfd = open(wat, O_WRONLY | O_TRUNC);
    assert_true(write(wfd, good, sizeof good - 1) == (ssize_t)(sizeof good - 1));
    close(wfd);
    id = actor_spawn_wasm_file(rt, wat, 16, 0, 1024, FIBER_STACK_NONE);
    assert_int_not_equal(id, ACTOR_ID_INVALID);
    assert_true(actor_is_wasm(rt, id));
    unlink(wat);
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

/* The payload region is memory 0 grown by the host (wasm_memory_grow): it
 * starts at the declared size, the module sees the grown size, and a region
 * that the declared maximum cannot hold refuses the spawn with a reason. */
static void payload_region_follows_declared_memory(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t r =
        actor_spawn_wasm_file(rt, MODULE("region.wasm"), 16, 0, 65536 + 1, FIBER_STACK_NONE);
    if (r == ACTOR_ID_INVALID)
        fail_msg("spawn region.wasm: %s", mk_last_error());
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    probe_send(rt, p, r, 700, "xyz", 3);
    probe_send(rt, p, r, 700, NULL, 0);
    runtime_run(rt);
    assert_int_equal(probe.n, 2);
    assert_int_equal(probe.recs[0].type, 701);
    assert_int_equal(rec_i32(&probe.recs[0], 0), 65536); /* after the declared page */
    assert_int_equal(rec_i32(&probe.recs[0], 1), 3);
    assert_int_equal(rec_i32(&probe.recs[0], 2), 3); /* 1 declared + 2 for 65537 bytes */
    assert_int_equal(rec_i32(&probe.recs[0], 3), 'x');
    assert_int_equal(rec_i32(&probe.recs[1], 0), 65536); /* empty payload: same pointer */
    assert_int_equal(rec_i32(&probe.recs[1], 1), 0);
    assert_int_equal(rec_i32(&probe.recs[1], 3), -1);

    /* 3 more pages do not fit under the declared maximum of 3 */
    mk_clear_error();
    actor_id_t bad =
        actor_spawn_wasm_file(rt, MODULE("region.wasm"), 16, 0, 2 * 65536 + 1, FIBER_STACK_NONE);
    assert_int_equal(bad, ACTOR_ID_INVALID);
    if (!strstr(mk_last_error(), "cannot grow by 3 pages for heap_size 131073"))
        fail_msg("unexpected reason: %s", mk_last_error());
    runtime_destroy(rt);
}

/* A counting allocator: what the library holds through mk_malloc & co. */
static long live_blocks, total_blocks;
static void *count_malloc(size_t n)
{
    void *p = malloc(n);
    live_blocks += p != NULL;
    total_blocks += p != NULL;
    return p;
}
static void *count_calloc(size_t c, size_t n)
{
    void *p = calloc(c, n);
    live_blocks += p != NULL;
    total_blocks += p != NULL;
    return p;
}
static void *count_realloc(void *old, size_t n)
{
    void *p = realloc(old, n);
    if (!old && p) {
        live_blocks++;
        total_blocks++;
    }
    return p;
}
static void count_free(void *p)
{
    live_blocks -= p != NULL;
    free(p);
}

/* The glue allocates through the library's allocator (mk_malloc & co), so
 * an installed allocator sees WASM actors (factory arg, shared module,
 * actor state) and gets every block back. */
static void allocator_sees_wasm_actors(void **state)
{
    (void)state;
    static const mk_allocator_t counting = {count_malloc, count_calloc, count_realloc, count_free};
    size_t len;
    uint8_t *buf = read_all(MODULE("region.wasm"), &len);
    live_blocks = total_blocks = 0;
    mk_set_allocator(&counting);
    wasm_factory_arg_t *fa = wasm_factory_arg_create(buf, len, 0, 64, FIBER_STACK_NONE);
    assert_non_null(fa);
    long made = total_blocks;
    if (made < 3) /* the arg, the shared module record, its import list */
        fail_msg("%ld allocations seen for a factory arg, expected at least 3", made);
    void *actor_state = wasm_actor_factory(fa);
    assert_non_null(actor_state);
    if (total_blocks - made < 1) /* the actor's state */
        fail_msg("no allocation seen for a WASM actor's state");
    wasm_actor_free(actor_state);
    wasm_factory_arg_destroy(fa);
    mk_set_allocator(NULL);
    assert_int_equal(live_blocks, 0);
    free(buf);
}

/* The text parser allocates through the library's allocator too: an
 * installed allocator sees every block of a translation (tokens, module
 * under construction, the result) and, once the caller frees the result
 * with it, gets every block back. Before, wat_to_wasm used malloc(3). */
static void allocator_sees_the_text_parser(void **state)
{
    (void)state;
    static const mk_allocator_t counting = {count_malloc, count_calloc, count_realloc, count_free};
    static const char text[] = "(module (func (export \"f\") (result i32) i32.const 7))";
    live_blocks = total_blocks = 0;
    mk_set_allocator(&counting);
    unsigned char *bin = NULL;
    size_t n = 0;
    char err[128];
    assert_true(wat_to_wasm(text, sizeof text - 1, &bin, &n, err, sizeof err));
    assert_true(total_blocks >= 2);   /* at least the tokens and the result */
    assert_int_equal(live_blocks, 1); /* only the result is left */
    assert_true(n > 8);
    assert_memory_equal(bin, "\0asm", 4);
    count_free(bin);
    assert_false(wat_to_wasm("(module (func i32.bogus))", 25, &bin, &n, err, sizeof err));
    assert_null(bin);
    mk_set_allocator(NULL);
    assert_int_equal(live_blocks, 0);
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
        cmocka_unit_test_setup_teardown(payload_region_follows_declared_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(allocator_sees_wasm_actors, setup, teardown),
        cmocka_unit_test_setup_teardown(allocator_sees_the_text_parser, setup, teardown),
        cmocka_unit_test_setup_teardown(module_without_memory_gets_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(send_by_name_self_and_log, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
