/* test_mk_readline.c -- proves the original's line editor API
 * (microkernel/mk_readline.h, src/shell/mk_readline.c) against
 * compat/services.md section 7: layout, key bindings and their exact
 * terminal output, the history ring, EOF, CRLF folding, the 255-character
 * limit and the original's escape-parsing limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "microkernel/mk_readline.h"

static char term[65536]; /* everything the editor wrote */
static size_t term_len;

static void sink(const char *buf, size_t len, void *ctx)
{
    (void)ctx;
    assert_true(term_len + len < sizeof term);
    memcpy(term + term_len, buf, len);
    term_len += len;
    term[term_len] = '\0';
}

static mk_readline_t rl;

static void start(void)
{
    mk_rl_init(&rl, "$ ", sink, NULL);
    term_len = 0;
    term[0] = '\0';
}

static int feed(const char *s)
{
    int r = MK_RL_CONTINUE;
    for (; *s; s++)
        r = mk_rl_feed(&rl, (uint8_t)*s);
    return r;
}

static void clear_term(void)
{
    term_len = 0;
    term[0] = '\0';
}

static void layout_is_the_originals(void **state)
{
    (void)state;
    assert_int_equal(MK_RL_MAX_LINE, 256);
    assert_int_equal(MK_RL_MAX_HISTORY, 32);
    assert_int_equal(MK_RL_CONTINUE, 0);
    assert_int_equal(MK_RL_DONE, 1);
    assert_int_equal(MK_RL_EOF, -1);
    assert_int_equal(sizeof(mk_readline_t), 8800);
    assert_int_equal(offsetof(mk_readline_t, line), 0);
    assert_int_equal(offsetof(mk_readline_t, len), 256);
    assert_int_equal(offsetof(mk_readline_t, pos), 264);
    assert_int_equal(offsetof(mk_readline_t, history), 272);
    assert_int_equal(offsetof(mk_readline_t, hist_count), 272 + 8192);
    assert_true(offsetof(mk_readline_t, saved) > offsetof(mk_readline_t, hist_browse));
    assert_true(offsetof(mk_readline_t, esc) > offsetof(mk_readline_t, saved_len));
    assert_true(offsetof(mk_readline_t, write_ctx) > offsetof(mk_readline_t, write_cb));
}

static void init_prints_nothing_prompt_defaults(void **state)
{
    (void)state;
    term_len = 0;
    mk_rl_init(&rl, NULL, sink, NULL);
    assert_int_equal(term_len, 0);
    assert_string_equal(rl.prompt, "> ");
    assert_int_equal(rl.prompt_len, 2);
    mk_rl_prompt(&rl);
    assert_string_equal(term, "> ");
}

static void typing_and_enter(void **state)
{
    (void)state;
    start();
    assert_int_equal(feed("ls /app"), MK_RL_CONTINUE);
    assert_string_equal(term, "ls /app"); /* appending echoes just the character */
    assert_int_equal(mk_rl_feed(&rl, '\r'), MK_RL_DONE);
    assert_string_equal(rl.line, "ls /app");
    assert_string_equal(term, "ls /app\n");
    /* The LF of a CRLF is swallowed; a lone LF finishes a line. */
    mk_rl_prompt(&rl);
    assert_int_equal(mk_rl_feed(&rl, '\n'), MK_RL_CONTINUE);
    assert_int_equal(feed("x\n"), MK_RL_DONE);
    assert_string_equal(rl.line, "x");
    /* Finishing does not add to the history: the caller does. */
    assert_int_equal(mk_rl_history_count(&rl), 0);
}

static void cursor_keys_and_redraw(void **state)
{
    (void)state;
    start();
    feed("abd");
    clear_term();
    feed("\x02"); /* Ctrl+B */
    assert_string_equal(term, "\x1b[D");
    clear_term();
    feed("c"); /* mid-line insert redraws */
    assert_string_equal(term, "\r$ abcd\x1b[K\x1b[1D");
    assert_string_equal(rl.line, "abcd");
    assert_int_equal(rl.pos, 3);
    clear_term();
    feed("\x01"); /* Ctrl+A: start, redraw */
    assert_string_equal(term, "\r$ abcd\x1b[K\x1b[4D");
    clear_term();
    feed("\x05"); /* Ctrl+E */
    assert_string_equal(term, "\x1b[4C");
    assert_int_equal(rl.pos, 4);
    feed("\x1b[D\x1b[D"); /* left twice */
    clear_term();
    feed("\x06"); /* Ctrl+F */
    assert_string_equal(term, "\x1b[C");
    feed("\x1b[H");
    assert_int_equal(rl.pos, 0);
    feed("\x1bOF");
    assert_int_equal(rl.pos, 4);
    feed("\x1bOH");
    assert_int_equal(rl.pos, 0);
    feed("\x1b[F");
    assert_int_equal(rl.pos, 4);
    feed("\x1b[C"); /* already at the end */
    assert_int_equal(rl.pos, 4);
}

static void deleting_and_killing(void **state)
{
    (void)state;
    start();
    feed("one two three");
    feed("\x7f");
    assert_string_equal(rl.line, "one two thre");
    feed("\x08");
    assert_string_equal(rl.line, "one two thr");
    feed("\x17"); /* Ctrl+W */
    assert_string_equal(rl.line, "one two ");
    feed("\x17"); /* blanks then the word */
    assert_string_equal(rl.line, "one ");
    feed("\x01\x1b[3~"); /* delete under the cursor */
    assert_string_equal(rl.line, "ne ");
    feed("\x04"); /* Ctrl+D on a non-empty line deletes */
    assert_string_equal(rl.line, "e ");
    feed("\x06");
    clear_term();
    feed("\x0b"); /* Ctrl+K */
    assert_string_equal(rl.line, "e");
    assert_string_equal(term, "\x1b[K");
    feed("\x15"); /* Ctrl+U */
    assert_string_equal(rl.line, "");
    assert_int_equal(rl.pos, 0);
}

static void ctrl_d_on_empty_line_is_eof(void **state)
{
    (void)state;
    start();
    assert_int_equal(mk_rl_feed(&rl, 0x04), MK_RL_EOF);
}

static void ctrl_c_and_ctrl_l_reprompt(void **state)
{
    (void)state;
    start();
    feed("junk");
    clear_term();
    assert_int_equal(mk_rl_feed(&rl, 0x03), MK_RL_CONTINUE);
    assert_string_equal(term, "^C\n$ ");
    assert_int_equal(rl.len, 0);
    feed("more");
    clear_term();
    feed("\x0c");
    assert_string_equal(term, "\x1b[2J\x1b[H$ ");
    assert_int_equal(rl.len, 0);
}

static void history_ring_and_browsing(void **state)
{
    (void)state;
    start();
    mk_rl_history_add(&rl, NULL);
    mk_rl_history_add(&rl, "");
    assert_int_equal(mk_rl_history_count(&rl), 0);
    assert_null(mk_rl_history_get(&rl, 0));
    mk_rl_history_add(&rl, "first");
    mk_rl_history_add(&rl, "second");
    mk_rl_history_add(&rl, "second"); /* repeat of the newest: ignored */
    assert_int_equal(mk_rl_history_count(&rl), 2);
    assert_string_equal(mk_rl_history_get(&rl, 0), "second");
    assert_string_equal(mk_rl_history_get(&rl, 1), "first");
    assert_null(mk_rl_history_get(&rl, 2));

    feed("live");
    feed("\x1b[A");
    assert_string_equal(rl.line, "second");
    assert_int_equal(rl.hist_browse, 1);
    feed("\x1b[A");
    assert_string_equal(rl.line, "first");
    feed("\x1b[A"); /* no older entry */
    assert_string_equal(rl.line, "first");
    feed("\x1b[B");
    assert_string_equal(rl.line, "second");
    feed("\x1b[B"); /* past the newest: the live line */
    assert_string_equal(rl.line, "live");
    assert_int_equal(rl.hist_browse, 0);
    feed("\x1b[A");
    assert_int_equal(mk_rl_feed(&rl, '\r'), MK_RL_DONE);
    assert_string_equal(rl.line, "second");
    assert_int_equal(rl.hist_browse, 0);

    /* 40 more: the ring keeps the newest 32. */
    char l[16];
    for (int i = 0; i < 40; i++) {
        snprintf(l, sizeof l, "cmd%d", i);
        mk_rl_history_add(&rl, l);
    }
    assert_int_equal(rl.hist_count, 42);
    assert_int_equal(mk_rl_history_count(&rl), 32);
    assert_string_equal(mk_rl_history_get(&rl, 0), "cmd39");
    assert_string_equal(mk_rl_history_get(&rl, 31), "cmd8");
    assert_null(mk_rl_history_get(&rl, 32));

    /* Entries are cut at 255 characters. */
    char big[400];
    memset(big, 'h', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mk_rl_history_add(&rl, big);
    assert_int_equal(strlen(mk_rl_history_get(&rl, 0)), 255);
}

static void line_stops_at_255_characters(void **state)
{
    (void)state;
    start();
    for (int i = 0; i < 300; i++)
        assert_int_equal(mk_rl_feed(&rl, 'z'), MK_RL_CONTINUE);
    assert_int_equal(rl.len, 255);
    assert_int_equal(term_len, 255); /* the ignored ones are not echoed */
    feed("\x01y");                   /* mid-line insertion is refused too */
    assert_int_equal(rl.len, 255);
    assert_int_equal(rl.line[0], 'z');
    assert_int_equal(mk_rl_feed(&rl, '\r'), MK_RL_DONE);
    assert_int_equal(strlen(rl.line), 255);
}

static void escape_parsing_limits_of_the_original(void **state)
{
    (void)state;
    start();
    feed("ab\x1b[1~"); /* Home on some terminals: ignored */
    assert_int_equal(rl.pos, 2);
    feed("\x1b[4~"); /* End: ignored */
    assert_int_equal(rl.pos, 2);
    feed("\x1b[15~"); /* second digit swallowed, '~' inserted */
    assert_string_equal(rl.line, "ab~");
    feed("\x1bxq"); /* ESC + other byte: that byte is consumed */
    assert_string_equal(rl.line, "ab~q");
    feed("\x01\x09\x7f\x80\xff"); /* other control and high bytes are ignored */
    assert_string_equal(rl.line, "ab~q");
    assert_int_equal(rl.esc, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layout_is_the_originals),
        cmocka_unit_test(init_prints_nothing_prompt_defaults),
        cmocka_unit_test(typing_and_enter),
        cmocka_unit_test(cursor_keys_and_redraw),
        cmocka_unit_test(deleting_and_killing),
        cmocka_unit_test(ctrl_d_on_empty_line_is_eof),
        cmocka_unit_test(ctrl_c_and_ctrl_l_reprompt),
        cmocka_unit_test(history_ring_and_browsing),
        cmocka_unit_test(line_stops_at_255_characters),
        cmocka_unit_test(escape_parsing_limits_of_the_original),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
