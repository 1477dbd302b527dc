/* test_line_edit.c -- proves src/shell/line_edit.c: key sequences in, buffer,
 * cursor, history and finished lines out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "shell/line_edit.h"

#define UP    "\x1b[A"
#define DOWN  "\x1b[B"
#define RIGHT "\x1b[C"
#define LEFT  "\x1b[D"
#define HOME  "\x1b[H"
#define END   "\x1b[F"
#define DEL   "\x1b[3~"

typedef struct {
    char out[65536];
    size_t len;
} screen_t;

static void capture(const char *data, size_t len, void *ctx)
{
    screen_t *s = ctx;
    if (s->len + len < sizeof s->out) {
        memcpy(s->out + s->len, data, len);
        s->len += len;
        s->out[s->len] = '\0';
    }
}

typedef struct {
    line_edit_t rl;
    screen_t screen;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    line_edit_init(&f->rl, "> ", capture, &f->screen, false);
    *state = f;
    return 0;
}

static int setup_plain(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    line_edit_init(&f->rl, "> ", capture, &f->screen, true);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Feed a string of keys; return the status of the last byte that was not
 * LINE_EDIT_MORE (or MORE). */
static line_edit_status_t keys(line_edit_t *rl, const char *s)
{
    line_edit_status_t last = LINE_EDIT_MORE;
    for (; *s; s++) {
        line_edit_status_t st = line_edit_feed(rl, (unsigned char)*s);
        if (st != LINE_EDIT_MORE)
            last = st;
    }
    return last;
}

#define assert_buffer(rl, text, cursor)                                                            \
    do {                                                                                           \
        assert_string_equal(line_edit_buffer(rl), (text));                                         \
        assert_int_equal(line_edit_cursor(rl), (cursor));                                          \
    } while (0)

static void typing_and_enter(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(keys(&f->rl, "hello"), LINE_EDIT_MORE);
    assert_buffer(&f->rl, "hello", 5);
    assert_int_equal(keys(&f->rl, "\r"), LINE_EDIT_LINE);
    assert_string_equal(line_edit_line(&f->rl), "hello");
    assert_buffer(&f->rl, "", 0);
    /* The "\n" of "\r\n" does not end a second, empty line. */
    assert_int_equal(line_edit_feed(&f->rl, '\n'), LINE_EDIT_MORE);
    assert_int_equal(keys(&f->rl, "x\n"), LINE_EDIT_LINE);
    assert_string_equal(line_edit_line(&f->rl), "x");
    /* Typed characters were echoed. */
    assert_non_null(strstr(f->screen.out, "hello"));
}

static void cursor_movement_and_insert(void **state)
{
    fixture_t *f = *state;
    keys(&f->rl, "helo");
    keys(&f->rl, LEFT);
    assert_buffer(&f->rl, "helo", 3);
    keys(&f->rl, "l");
    assert_buffer(&f->rl, "hello", 4);
    keys(&f->rl, HOME);
    assert_buffer(&f->rl, "hello", 0);
    keys(&f->rl, LEFT); /* already at the start: stays */
    assert_buffer(&f->rl, "hello", 0);
    keys(&f->rl, ">");
    assert_buffer(&f->rl, ">hello", 1);
    keys(&f->rl, END);
    assert_buffer(&f->rl, ">hello", 6);
    keys(&f->rl, RIGHT); /* already at the end: stays */
    assert_buffer(&f->rl, ">hello", 6);
    keys(&f->rl, "\x01"); /* Ctrl+A */
    assert_buffer(&f->rl, ">hello", 0);
    keys(&f->rl, "\x05"); /* Ctrl+E */
    assert_buffer(&f->rl, ">hello", 6);
    keys(&f->rl, "\x02\x02"); /* Ctrl+B twice */
    assert_buffer(&f->rl, ">hello", 4);
    keys(&f->rl, "\x06"); /* Ctrl+F */
    assert_buffer(&f->rl, ">hello", 5);
    /* Other spellings of Home and End. */
    keys(&f->rl, "\x1b[1~");
    assert_int_equal(line_edit_cursor(&f->rl), 0);
    keys(&f->rl, "\x1b[4~");
    assert_int_equal(line_edit_cursor(&f->rl), 6);
    keys(&f->rl, "\x1bOH");
    assert_int_equal(line_edit_cursor(&f->rl), 0);
    keys(&f->rl, "\x1bOF");
    assert_int_equal(line_edit_cursor(&f->rl), 6);
    keys(&f->rl, "\x1b[7~");
    assert_int_equal(line_edit_cursor(&f->rl), 0);
    keys(&f->rl, "\x1b[8~");
    assert_int_equal(line_edit_cursor(&f->rl), 6);
}

static void backspace_and_delete(void **state)
{
    fixture_t *f = *state;
    keys(&f->rl, "abcd");
    keys(&f->rl, "\x7f");
    assert_buffer(&f->rl, "abc", 3);
    keys(&f->rl, "\x08"); /* Ctrl+H */
    assert_buffer(&f->rl, "ab", 2);
    keys(&f->rl, HOME DEL);
    assert_buffer(&f->rl, "b", 0);
    keys(&f->rl, "\x04"); /* Ctrl+D on a non-empty line deletes */
    assert_buffer(&f->rl, "", 0);
    keys(&f->rl, "\x7f" DEL); /* nothing to erase: harmless */
    assert_buffer(&f->rl, "", 0);
    keys(&f->rl, "xyz" LEFT DEL);
    assert_buffer(&f->rl, "xy", 2);
}

static void kill_keys(void **state)
{
    fixture_t *f = *state;
    keys(&f->rl, "send echo 200 hello");
    keys(&f->rl, "\x17"); /* Ctrl+W: the word before the cursor */
    assert_buffer(&f->rl, "send echo 200 ", 14);
    keys(&f->rl, "\x17"); /* trailing space, then the word */
    assert_buffer(&f->rl, "send echo ", 10);
    keys(&f->rl, HOME RIGHT RIGHT);
    keys(&f->rl, "\x0b"); /* Ctrl+K: to the end */
    assert_buffer(&f->rl, "se", 2);
    keys(&f->rl, "nd it" LEFT LEFT);
    assert_buffer(&f->rl, "send it", 5);
    keys(&f->rl, "\x15"); /* Ctrl+U: to the start */
    assert_buffer(&f->rl, "it", 0);
}

static void ctrl_c_and_ctrl_d(void **state)
{
    fixture_t *f = *state;
    keys(&f->rl, "half typed");
    assert_int_equal(keys(&f->rl, "\x03"), LINE_EDIT_INTERRUPT);
    assert_buffer(&f->rl, "", 0);
    assert_int_equal(line_edit_history_count(&f->rl), 0);
    assert_int_equal(keys(&f->rl, "\x04"), LINE_EDIT_EOF);
}

static void history_browsing(void **state)
{
    fixture_t *f = *state;
    keys(&f->rl, "one\r");
    keys(&f->rl, "two\r");
    keys(&f->rl, "two\r"); /* a repeat is not stored twice */
    keys(&f->rl, "\r");    /* nor an empty line */
    assert_int_equal(line_edit_history_count(&f->rl), 2);
    keys(&f->rl, "thr");
    keys(&f->rl, UP);
    assert_buffer(&f->rl, "two", 3);
    keys(&f->rl, UP);
    assert_buffer(&f->rl, "one", 3);
    keys(&f->rl, UP); /* no older line: stays */
    assert_buffer(&f->rl, "one", 3);
    keys(&f->rl, DOWN);
    assert_buffer(&f->rl, "two", 3);
    keys(&f->rl, DOWN); /* back to the line being typed */
    assert_buffer(&f->rl, "thr", 3);
    keys(&f->rl, DOWN);
    assert_buffer(&f->rl, "thr", 3);
    /* Ctrl+P / Ctrl+N do the same; a recalled line can be edited and run. */
    keys(&f->rl, "\x10");
    assert_buffer(&f->rl, "two", 3);
    keys(&f->rl, "\x7f"
                 "o\r");
    assert_string_equal(line_edit_line(&f->rl), "two");
    keys(&f->rl, "\x10\x10");
    assert_buffer(&f->rl, "one", 3);
    keys(&f->rl, "\x0e");
    assert_buffer(&f->rl, "two", 3);
}

static void history_ring_drops_oldest(void **state)
{
    fixture_t *f = *state;
    char line[32];
    for (int i = 0; i < LINE_EDIT_HISTORY_MAX + 5; i++) {
        snprintf(line, sizeof line, "cmd %d", i);
        line_edit_history_add(&f->rl, line);
    }
    assert_int_equal(line_edit_history_count(&f->rl), LINE_EDIT_HISTORY_MAX);
    assert_string_equal(line_edit_history_get(&f->rl, 0), "cmd 5");
    snprintf(line, sizeof line, "cmd %d", LINE_EDIT_HISTORY_MAX + 4);
    assert_string_equal(line_edit_history_get(&f->rl, LINE_EDIT_HISTORY_MAX - 1), line);
    assert_null(line_edit_history_get(&f->rl, LINE_EDIT_HISTORY_MAX));
    keys(&f->rl, UP);
    assert_string_equal(line_edit_buffer(&f->rl), line);
}

static void overlong_line_is_reported(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < LINE_EDIT_LINE_MAX + 100; i++)
        line_edit_feed(&f->rl, 'a');
    assert_int_equal(strlen(line_edit_buffer(&f->rl)), LINE_EDIT_LINE_MAX - 1);
    assert_int_equal(keys(&f->rl, "\r"), LINE_EDIT_TOO_LONG);
    assert_int_equal(strlen(line_edit_line(&f->rl)), LINE_EDIT_LINE_MAX - 1);
    assert_int_equal(line_edit_history_count(&f->rl), 0);
    /* The editor is usable again afterwards. */
    assert_int_equal(keys(&f->rl, "ok\r"), LINE_EDIT_LINE);
    assert_string_equal(line_edit_line(&f->rl), "ok");
}

static void garbage_is_dropped(void **state)
{
    fixture_t *f = *state;
    keys(&f->rl, "a\x01"); /* Ctrl+A is a key; now type at the start */
    unsigned char junk[] = {0x80, 0xff, 0x00, 0x1c, 0x1d, 0xc3, 0xa9};
    for (size_t i = 0; i < sizeof junk; i++)
        line_edit_feed(&f->rl, junk[i]);
    assert_buffer(&f->rl, "a", 0);
    /* Unknown and unterminated escape sequences are swallowed whole. */
    keys(&f->rl, "\x1b[99Z"
                 "\x1bx"
                 "\x1b[12;5~");
    keys(&f->rl, "b");
    assert_buffer(&f->rl, "ba", 1);
}

static void redraw_shows_prompt_and_cursor(void **state)
{
    fixture_t *f = *state;
    keys(&f->rl, "abc" LEFT LEFT);
    f->screen.len = 0;
    line_edit_refresh(&f->rl);
    assert_string_equal(f->screen.out, "\r> abc\x1b[K\x1b[2D");
    f->screen.len = 0;
    line_edit_hide(&f->rl);
    assert_string_equal(f->screen.out, "\r\x1b[K");
}

static void plain_mode(void **state)
{
    fixture_t *f = *state;
    /* No echo, no editing keys: escape sequences and control bytes are
     * dropped and counted; Ctrl+D is not EOF. */
    assert_int_equal(keys(&f->rl, "li\x1b[Dst\x04\tx\r\n"), LINE_EDIT_LINE);
    assert_string_equal(line_edit_line(&f->rl), "li[Dst x");
    assert_int_equal(line_edit_dropped(&f->rl), 2);
    assert_int_equal(f->screen.len, 0);
    assert_int_equal(keys(&f->rl, "next\n"), LINE_EDIT_LINE);
    assert_string_equal(line_edit_line(&f->rl), "next");
    assert_int_equal(line_edit_dropped(&f->rl), 0);
    assert_int_equal(keys(&f->rl, "\r\r"), LINE_EDIT_LINE);
    assert_string_equal(line_edit_line(&f->rl), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(typing_and_enter, setup, teardown),
        cmocka_unit_test_setup_teardown(cursor_movement_and_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(backspace_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(kill_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(ctrl_c_and_ctrl_d, setup, teardown),
        cmocka_unit_test_setup_teardown(history_browsing, setup, teardown),
        cmocka_unit_test_setup_teardown(history_ring_drops_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(overlong_line_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(garbage_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(redraw_shows_prompt_and_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(plain_mode, setup_plain, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
