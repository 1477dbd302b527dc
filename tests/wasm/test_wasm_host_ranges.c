/*
 * test_wasm_host_ranges.c -- every host import that takes a guest pointer
 * and length checks the whole range [ptr, ptr+len) against linear memory in
 * 64-bit arithmetic and answers -2 for one outside it (docs/wasm-actors.md,
 * "Host functions"), wrap-around pairs included: mk_lookup(0xffffff00,
 * 0x7fffffff) used to return 0 (issue 13), and mk_log used to check only
 * the first 255 bytes of its range. mk_log has no result: a bad range logs
 * "<bad pointer>". mk_log in a loop is bounded per actor (a burst, then a
 * rate; the budget is tested with its own clock). Module:
 * modules/hostcalls.wat.
 */
#include "wasm_test_util.h"
#include "wasm/wasm_actor_internal.h"

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

enum { MEM = 2 * 65536 }; /* hostcalls.wasm: 1 page + 1 page of payload region */

enum { SEND, LOG, RECV_TYPE, RECV_BUF, RECV_SIZE, SAVE, LOAD, LOOKUP, LOG_LOOP };

typedef struct {
    runtime_t *rt;
    actor_id_t probe, actor;
} fx_t;

/* Have the actor call import `which` with (a, b); its result. */
static int64_t call(fx_t *f, int32_t which, uint32_t a, uint32_t b)
{
    uint32_t args[3] = {(uint32_t)which, a, b};
    size_t before = probe.n;
    probe_send(f->rt, f->probe, f->actor, 700, args, sizeof args);
    runtime_run(f->rt);
    assert_int_equal(probe.n, before + 1);
    assert_int_equal(probe.recs[before].type, 701);
    int64_t r;
    memcpy(&r, probe.recs[before].data, 8);
    return r;
}

/* (pointer, length) pairs outside the 128 KiB memory, wrap-arounds included. */
static const uint32_t bad_pairs[][2] = {
    {0xffffff00u, 0x7fffffffu}, /* the report's mk_lookup call */
    {0xffffffffu, 1},
    {0xfffffff0u, 0x20},        /* wraps to 0x10 in 32 bits */
    {0x80000000u, 0x80000000u}, /* sum wraps to 0 */
    {0, 0xffffffffu},           /* length -1 */
    {1, 0x7fffffffu},
    {MEM, 1},
    {MEM - 1, 2},
    {MEM + 1, 0},     /* empty, but starting past the end */
    {130000, 100000}, /* first 255 bytes inside, the rest outside */
};
enum { NBAD = sizeof bad_pairs / sizeof bad_pairs[0] };

/* Single pointers to a 4-byte field outside memory. */
static const uint32_t bad_ptrs[] = {0xffffffffu, 0xfffffffeu, MEM - 3, MEM, 0x80000000u};

static void out_of_range_pairs_give_minus_2_from_every_import(void **state)
{
    (void)state;
    fx_t f = {.rt = runtime_init(1, 16)};
    log_capture_t logs = {{0}};
    runtime_set_log_sink(f.rt, capture_sink, &logs);
    f.actor = actor_spawn_wasm_file(f.rt, MODULE("hostcalls.wasm"), 16, 0, 64, FIBER_STACK_SMALL);
    assert_int_not_equal(f.actor, ACTOR_ID_INVALID);
    f.probe = actor_spawn(f.rt, probe_behavior, &probe, NULL, 16);
    static const int ranged[] = {SEND, RECV_BUF, SAVE, LOAD, LOOKUP};
    static const char *names[] = {"mk_send",       "mk_log",           "mk_recv type_out",
                                  "mk_recv buf",   "mk_recv size_out", "mk_save_state",
                                  "mk_load_state", "mk_lookup"};
    for (size_t i = 0; i < NBAD; i++)
        for (size_t k = 0; k < sizeof ranged / sizeof ranged[0]; k++) {
            int64_t r = call(&f, ranged[k], bad_pairs[i][0], bad_pairs[i][1]);
            if (r != -2)
                fail_msg("%s(0x%x, 0x%x) returned %lld, expected -2", names[ranged[k]],
                         bad_pairs[i][0], bad_pairs[i][1], (long long)r);
        }
    for (size_t i = 0; i < sizeof bad_ptrs / sizeof bad_ptrs[0]; i++) {
        assert_int_equal(call(&f, RECV_TYPE, bad_ptrs[i], 0), -2);
        assert_int_equal(call(&f, RECV_SIZE, bad_ptrs[i], 0), -2);
    }
    /* in range: the imports work (no name found: 0; a name over 255 bytes
     * that is inside memory is no name either) */
    assert_int_equal(call(&f, LOOKUP, 64, 9), 0);
    assert_int_equal(call(&f, LOOKUP, 64, 300), 0);
    assert_int_equal(call(&f, SAVE, 0, 8), 0);
    assert_int_equal(call(&f, LOAD, 0, 8), 8);
    assert_int_equal(call(&f, SEND, 0, 8), 0);
    assert_int_equal(call(&f, SEND, MEM, 0), 0); /* empty range at the end: fine */
    /* mk_log: every bad range logs "<bad pointer>" and nothing else */
    memset(logs.text, 0, sizeof logs.text);
    for (size_t i = 0; i < NBAD; i++)
        assert_int_equal(call(&f, LOG, bad_pairs[i][0], bad_pairs[i][1]), 0);
    size_t lines = 0;
    for (const char *p = logs.text; (p = strstr(p, "<bad pointer>")) != NULL; p++)
        lines++;
    if (lines != NBAD)
        fail_msg("expected %d \"<bad pointer>\" lines, got %zu in:\n%s", (int)NBAD, lines,
                 logs.text);
    runtime_destroy(f.rt);
}

static void log_budget_allows_a_burst_then_a_rate(void **state)
{
    (void)state;
    wasm_log_budget_t b;
    memset(&b, 0, sizeof b);
    uint32_t sup = 99;
    for (unsigned i = 0; i < WASM_LOG_BURST; i++) {
        assert_true(wasm_log_budget_take(&b, 1000, &sup));
        assert_int_equal(sup, 0);
    }
    assert_false(wasm_log_budget_take(&b, 1000, &sup));
    assert_false(wasm_log_budget_take(&b, 1005, &sup)); /* half a line's worth of time */
    assert_true(wasm_log_budget_take(&b, 1010, &sup));  /* 10 ms: one line at 100/s */
    assert_int_equal(sup, 2);
    assert_false(wasm_log_budget_take(&b, 1010, &sup));
    for (unsigned i = 0; i < WASM_LOG_BURST; i++) /* a quiet while refills the burst, no more */
        assert_true(wasm_log_budget_take(&b, 60000, &sup));
    assert_false(wasm_log_budget_take(&b, 60000, &sup));
}

static size_t lines_logged;

static void count_sink(const char *line, void *ctx)
{
    (void)ctx;
    if (strstr(line, "/sys/none"))
        lines_logged++;
}

static void mk_log_in_a_loop_is_bounded(void **state)
{
    (void)state;
    fx_t f = {.rt = runtime_init(1, 16)};
    runtime_set_log_sink(f.rt, count_sink, NULL);
    f.actor = actor_spawn_wasm_file(f.rt, MODULE("hostcalls.wasm"), 16, 0, 64, FIBER_STACK_SMALL);
    assert_int_not_equal(f.actor, ACTOR_ID_INVALID);
    f.probe = actor_spawn(f.rt, probe_behavior, &probe, NULL, 16);
    lines_logged = 0;
    assert_int_equal(call(&f, LOG_LOOP, 0, 100000), 0);
    /* the burst, plus what the rate allows while the loop runs: far fewer
     * than the 100,000 calls (it wrote every one before) */
    assert_true(lines_logged >= WASM_LOG_BURST);
    if (lines_logged > 10 * WASM_LOG_BURST)
        fail_msg("100000 mk_log calls wrote %zu lines", lines_logged);
    runtime_destroy(f.rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(out_of_range_pairs_give_minus_2_from_every_import, setup,
                                        teardown),
        cmocka_unit_test(log_budget_allows_a_burst_then_a_rate),
        cmocka_unit_test_setup_teardown(mk_log_in_a_loop_is_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
