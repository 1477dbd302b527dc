/* test_logging.c -- logging (seed "Logging"): level filter, 255-character
 * cut, lines naming actor and level, delivered through the log actor. */
#include <stdio.h>
#include <string.h>

#include "core/log_limit.h"
#include "test_util.h"

typedef struct {
    char lines[16][512];
    int n;
} sink_t;

static void capture(const char *line, void *ctx)
{
    sink_t *s = ctx;
    if (s->n < 16)
        snprintf(s->lines[s->n++], sizeof s->lines[0], "%s", line);
}

static bool logger(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    (void)self;
    (void)st;
    if (msg->type == 1) {
        actor_log(rt, LOG_DEBUG, "debug %d", 1);
        actor_log(rt, LOG_INFO, "info %d", 2);
        actor_log(rt, LOG_WARN, "warn %s", "three");
        actor_log(rt, LOG_ERROR, "error %d", 4);
    } else if (msg->type == 2) {
        char big[400];
        memset(big, 'z', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        actor_log(rt, LOG_ERROR, "%s", big);
    }
    return true;
}

static void level_filter_and_format(void **s)
{
    (void)s;
    sink_t sink = {0};
    runtime_t *rt = runtime_init(1, 4);
    runtime_set_log_sink(rt, capture, &sink);
    runtime_enable_logging(rt);
    runtime_set_log_level(rt, LOG_WARN);
    actor_id_t a = actor_spawn(rt, logger, NULL, NULL, 4);
    actor_send(rt, a, 1, NULL, 0);
    runtime_step(rt);
    assert_int_equal(sink.n, 0); /* asynchronous: nothing written yet */
    runtime_run(rt);
    assert_int_equal(sink.n, 2);
    char want[128];
    snprintf(want, sizeof want, "[WARN] 0x%016llx: warn three", (unsigned long long)a);
    assert_string_equal(sink.lines[0], want);
    snprintf(want, sizeof want, "[ERROR] 0x%016llx: error 4", (unsigned long long)a);
    assert_string_equal(sink.lines[1], want);
    runtime_destroy(rt);
}

static void long_message_is_cut_at_255(void **s)
{
    (void)s;
    sink_t sink = {0};
    runtime_t *rt = runtime_init(1, 4);
    runtime_set_log_sink(rt, capture, &sink);
    runtime_enable_logging(rt);
    actor_id_t a = actor_spawn(rt, logger, NULL, NULL, 4);
    actor_send(rt, a, 2, NULL, 0);
    runtime_run(rt);
    assert_int_equal(sink.n, 1);
    const char *text = strstr(sink.lines[0], ": ") + 2;
    assert_int_equal(strlen(text), 255);
    runtime_destroy(rt);
}

static void before_enable_writes_synchronously(void **s)
{
    (void)s;
    sink_t sink = {0};
    runtime_t *rt = runtime_init(1, 4);
    runtime_set_log_sink(rt, capture, &sink);
    actor_log(rt, LOG_ERROR, "early %s", "bird");
    assert_int_equal(sink.n, 1);
    assert_string_equal(sink.lines[0], "[ERROR] 0x0000000000000000: early bird");
    actor_log(rt, LOG_DEBUG, "filtered"); /* default level is INFO */
    assert_int_equal(sink.n, 1);
    runtime_destroy(rt);
}

static void queued_lines_survive_destroy(void **s)
{
    (void)s;
    sink_t sink = {0};
    runtime_t *rt = runtime_init(1, 4);
    runtime_set_log_sink(rt, capture, &sink);
    runtime_enable_logging(rt);
    actor_log(rt, LOG_INFO, "queued");
    assert_int_equal(sink.n, 0);
    runtime_destroy(rt); /* nothing lost: the line is flushed */
    assert_int_equal(sink.n, 1);
    assert_non_null(strstr(sink.lines[0], "queued"));
}

/* A flood of one cause writes one line per window, and the next line
 * allowed says how many were held back (clock passed in: deterministic). */
static void rate_limit_one_line_per_window_with_count(void **s)
{
    (void)s;
    mk_log_limit_t lim = {0};
    uint32_t n = 99;
    assert_true(mk_log_limit_allow(&lim, 5000, &n));
    assert_int_equal(n, 0);
    for (int i = 0; i < 1000; i++)
        assert_false(mk_log_limit_allow(&lim, 5000 + (uint64_t)i % MK_LOG_LIMIT_WINDOW_MS, &n));
    assert_true(mk_log_limit_allow(&lim, 5000 + MK_LOG_LIMIT_WINDOW_MS, &n));
    assert_int_equal(n, 1000);
    assert_true(mk_log_limit_allow(&lim, 9000 + MK_LOG_LIMIT_WINDOW_MS, &n));
    assert_int_equal(n, 0);
}

static void limited_lines_reach_the_sink_once(void **s)
{
    (void)s;
    sink_t sink = {0};
    runtime_t *rt = runtime_init(1, 4);
    runtime_set_log_sink(rt, capture, &sink);
    mk_log_limit_t lim = {0};
    for (int i = 0; i < 100000; i++)
        mk_log_limited(rt, &lim, LOG_WARN, "frame %d for a missing actor", i);
    /* However slow the machine, 100000 calls span far fewer than 100 windows. */
    assert_in_range(sink.n, 1, 100);
    assert_non_null(strstr(sink.lines[0], "frame 0 for a missing actor"));
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(level_filter_and_format),
        cmocka_unit_test(long_message_is_cut_at_255),
        cmocka_unit_test(before_enable_writes_synchronously),
        cmocka_unit_test(queued_lines_survive_destroy),
        cmocka_unit_test(rate_limit_one_line_per_window_with_count),
        cmocka_unit_test(limited_lines_reach_the_sink_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
