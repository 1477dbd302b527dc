/* test_logging.c -- logging (seed "Logging"): level filter, 255-character
 * cut, lines naming actor and level, delivered through the log actor. */
#include <stdio.h>
#include <string.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(level_filter_and_format),
        cmocka_unit_test(long_message_is_cut_at_255),
        cmocka_unit_test(before_enable_writes_synchronously),
        cmocka_unit_test(queued_lines_survive_destroy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
