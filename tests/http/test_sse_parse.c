/*
 * test_sse_parse.c -- text/event-stream interpretation (src/http/sse_parse.c)
 * against the HTML Living Standard 9.2.6 rules and its examples, fed whole
 * and one byte at a time, plus the limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/sse_parse.h"

typedef struct {
    int n;
    char type[8][64];
    char data[8][256];
    char id[8][64];
} events_t;

static bool collect(void *ctx, const sse_event_t *ev)
{
    events_t *e = ctx;
    if (e->n < 8) {
        snprintf(e->type[e->n], 64, "%s", ev->type);
        snprintf(e->data[e->n], 256, "%s", ev->data);
        snprintf(e->id[e->n], 64, "%s", ev->id);
        assert_int_equal(strlen(ev->data), ev->data_len);
    }
    e->n++;
    return true;
}

/* Parse `s` whole (step 0) or in pieces of `step` bytes. */
static events_t parse(const char *s, size_t len, size_t step, uint64_t *retry)
{
    events_t e;
    memset(&e, 0, sizeof e);
    sse_parser_t p;
    sse_parser_init(&p, 4096);
    if (!step)
        step = len ? len : 1;
    for (size_t i = 0; i < len; i += step)
        assert_true(sse_parser_feed(&p, s + i, len - i < step ? len - i : step, collect, &e));
    if (retry)
        *retry = p.retry_ms;
    sse_parser_free(&p);
    return e;
}

static void test_spec_examples(void **state)
{
    (void)state;
    /* HTML LS 9.2.6: "data: YHOO\ndata: +2\ndata: 10\n\n" is one event "YHOO\n+2\n10". */
    const char *s = ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
                    "data:  third event\n\n";
    for (size_t step = 0; step < 6; step++) {
        events_t e = parse(s, strlen(s), step, NULL);
        assert_int_equal(e.n, 3);
        assert_string_equal(e.data[0], "first event");
        assert_string_equal(e.id[0], "1");
        assert_string_equal(e.data[1], "second event");
        assert_string_equal(e.id[1], "");               /* "id" with no value resets it */
        assert_string_equal(e.data[2], " third event"); /* only one space is removed */
        assert_string_equal(e.type[2], "message");
    }
    s = "data\n\ndata\ndata\n\ndata:\n";
    events_t e = parse(s, strlen(s), 0, NULL);
    assert_int_equal(e.n, 2); /* the last one has no blank line: never dispatched */
    assert_string_equal(e.data[0], "");
    assert_string_equal(e.data[1], "\n");
    s = "data:test\n\ndata: test\n\n";
    e = parse(s, strlen(s), 0, NULL);
    assert_int_equal(e.n, 2);
    assert_string_equal(e.data[0], e.data[1]);
}

static void test_fields(void **state)
{
    (void)state;
    uint64_t retry;
    const char *s = "\xEF\xBB\xBF"
                    "event: add\r\ndata: YHOO\rdata: +2\r\ndata: 10\n\r\n"
                    "retry: 1500\nretry: x1\nevent: skipped\n\n"
                    "unknown: y\ndata: z\n\n";
    for (size_t step = 0; step < 4; step++) {
        events_t e = parse(s, strlen(s), step, &retry);
        assert_int_equal(e.n, 2);
        assert_string_equal(e.type[0], "add");
        assert_string_equal(e.data[0], "YHOO\n+2\n10");
        /* an event with no data is not dispatched and its type is reset */
        assert_string_equal(e.type[1], "message");
        assert_string_equal(e.data[1], "z");
        assert_int_equal(retry, 1500);
    }
    /* A CR at the end of one read and an LF at the start of the next are one line end. */
    sse_parser_t p;
    events_t e;
    memset(&e, 0, sizeof e);
    sse_parser_init(&p, 4096);
    assert_true(sse_parser_feed(&p, "data: a\r", 8, collect, &e));
    assert_true(sse_parser_feed(&p, "\ndata: b\r", 9, collect, &e));
    assert_true(sse_parser_feed(&p, "\n\r\n", 3, collect, &e));
    assert_int_equal(e.n, 1);
    assert_string_equal(e.data[0], "a\nb");
    sse_parser_free(&p);
    /* id with NUL is ignored */
    const char nul[] = "id: a\0b\ndata: x\n\n";
    e = parse(nul, sizeof nul - 1, 0, NULL);
    assert_int_equal(e.n, 1);
    assert_string_equal(e.id[0], "");
}

static void test_limits(void **state)
{
    (void)state;
    sse_parser_t p;
    events_t e;
    memset(&e, 0, sizeof e);
    sse_parser_init(&p, 64);
    char line[200];
    memset(line, 'a', sizeof line);
    assert_false(sse_parser_feed(&p, line, sizeof line, collect, &e));
    assert_non_null(p.error);
    sse_parser_free(&p);
    sse_parser_init(&p, 64);
    bool ok = true;
    for (int i = 0; i < 20 && ok; i++)
        ok = sse_parser_feed(&p, "data: 0123456789\n", 17, collect, &e);
    assert_false(ok);
    assert_int_equal(e.n, 0);
    sse_parser_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
