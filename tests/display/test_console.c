/*
 * test_console.c -- the ANSI console: each escape sequence and control
 * byte of compat/hardware.md section 6 on the pure terminal, wrap, scroll,
 * tabs, dirty rows, malformed and truncated sequences; then the actor
 * drawing dirty rows on the display.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "display_probe.h"
#include "hw/display/console_term.h"
#include "hw/display/font_8x16.h"
#include "microkernel/console.h"
#include "microkernel/display.h"

static console_term_t *term(void)
{
    static console_term_t t;
    console_term_init(&t, 58, 29);
    return &t;
}

static void feed(console_term_t *t, const char *s)
{
    console_term_feed(t, (const uint8_t *)s, strlen(s));
}

static void assert_cursor(const console_term_t *t, int row, int col)
{
    if (t->row != row || t->col != col)
        fail_msg("cursor at (%d,%d), want (%d,%d)", t->row, t->col, row, col);
}

static void starts_blank_white_on_black_nothing_dirty(void **state)
{
    (void)state;
    console_term_t *t = term();
    assert_int_equal(t->cells[0][0].ch, ' ');
    assert_int_equal(t->cells[28][57].fg, 0xAD55);
    assert_int_equal(t->cells[28][57].bg, 0x0000);
    assert_int_equal(t->dirty, 0);
    assert_cursor(t, 0, 0);
    assert_int_equal(sizeof(console_cell_t), 6);
}

static void printable_bytes_fill_cells_and_dirty_their_row(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "ab\x80");
    assert_int_equal(t->cells[0][0].ch, 'a');
    assert_int_equal(t->cells[0][2].ch, 0x80);
    assert_cursor(t, 0, 3);
    assert_int_equal(t->dirty, 1);
}

static void rewriting_the_same_cell_leaves_the_row_clean(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "   ");
    assert_int_equal(t->dirty, 0);
    feed(t, "\x1b[1;1Hx");
    t->dirty = 0;
    feed(t, "\x1b[1;1Hx");
    assert_int_equal(t->dirty, 0);
    feed(t, "\x1b[1;1H\x1b[31mx");
    assert_int_equal(t->dirty, 1);
}

static void lf_is_cr_lf_and_cr_returns(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "abc\n");
    assert_cursor(t, 1, 0);
    feed(t, "xy\r");
    assert_cursor(t, 1, 0);
}

static void tab_goes_to_next_multiple_of_8_clamped(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "\t");
    assert_cursor(t, 0, 8);
    feed(t, "a\t");
    assert_cursor(t, 0, 16);
    feed(t, "\x1b[1;57H\t");
    assert_cursor(t, 0, 57);
}

static void backspace_is_non_destructive_and_stops_at_0(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "ab\b");
    assert_cursor(t, 0, 1);
    assert_int_equal(t->cells[0][1].ch, 'b');
    feed(t, "\b\b\b");
    assert_cursor(t, 0, 0);
}

static void other_controls_are_ignored(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "\x01\x07\x0c\x7f");
    assert_cursor(t, 0, 1); /* 0x7f is >= 0x20: stored */
    assert_int_equal(t->cells[0][0].ch, 0x7f);
}

static void wrap_is_deferred_until_the_next_printable(void **state)
{
    (void)state;
    console_term_t *t = term();
    for (int i = 0; i < 58; i++)
        feed(t, "x");
    assert_cursor(t, 0, 58);
    feed(t, "y");
    assert_cursor(t, 1, 1);
    assert_int_equal(t->cells[1][0].ch, 'y');
}

static void scroll_moves_rows_up_and_clears_last_in_default_colours(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "top\x1b[29;1H\x1b[44mlast\n");
    assert_cursor(t, 28, 0);
    assert_int_equal(t->cells[27][0].ch, 'l');
    assert_int_equal(t->cells[27][0].bg, 0x0015);
    assert_int_equal(t->cells[28][0].ch, ' ');
    assert_int_equal(t->cells[28][0].bg, 0x0000); /* default, not the current bg */
    assert_int_equal(t->cells[0][0].ch, ' ');     /* "top" scrolled away */
    assert_int_equal(t->dirty, (1u << 29) - 1);
}

static void cup_is_one_based_clamped_and_f_is_the_same(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "\x1b[5;10H");
    assert_cursor(t, 4, 9);
    feed(t, "\x1b[H");
    assert_cursor(t, 0, 0);
    feed(t, "\x1b[99;999f");
    assert_cursor(t, 28, 57);
    feed(t, "\x1b[0;0H");
    assert_cursor(t, 0, 0);
}

static void leading_semicolon_opens_parameter_one(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "\x1b[;5H");
    assert_cursor(t, 4, 0);
    feed(t, "\x1b[2;;7H"); /* empty second parameter: column 1 */
    assert_cursor(t, 1, 0);
}

static void cursor_moves_stop_at_the_edges(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "\x1b[10;10H\x1b[3A");
    assert_cursor(t, 6, 9);
    feed(t, "\x1b[A");
    assert_cursor(t, 5, 9);
    feed(t, "\x1b[99A");
    assert_cursor(t, 0, 9);
    feed(t, "\x1b[2B");
    assert_cursor(t, 2, 9);
    feed(t, "\x1b[99B");
    assert_cursor(t, 28, 9);
    feed(t, "\x1b[4C");
    assert_cursor(t, 28, 13);
    feed(t, "\x1b[999C");
    assert_cursor(t, 28, 57);
    feed(t, "\x1b[7D");
    assert_cursor(t, 28, 50);
    feed(t, "\x1b[D");
    assert_cursor(t, 28, 49);
    feed(t, "\x1b[999D");
    assert_cursor(t, 28, 0);
}

static void erase_display_2_clears_all_other_parameters_ignored(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "\x1b[41mhello\x1b[5;5H");
    t->dirty = 0;
    feed(t, "\x1b[J\x1b[1J");
    assert_int_equal(t->cells[0][0].ch, 'h');
    assert_cursor(t, 4, 4);
    feed(t, "\x1b[2J");
    assert_int_equal(t->cells[0][0].ch, ' ');
    assert_int_equal(t->cells[0][0].bg, 0);
    assert_cursor(t, 0, 0);
    assert_int_equal(t->dirty, (1u << 29) - 1);
}

static void erase_line_clears_to_the_end_in_default_colours(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "abcdef\x1b[3G"); /* G: unsupported final, ignored */
    feed(t, "\r\x1b[2C\x1b[42m\x1b[K");
    assert_int_equal(t->cells[0][1].ch, 'b');
    assert_int_equal(t->cells[0][2].ch, ' ');
    assert_int_equal(t->cells[0][5].ch, ' ');
    assert_int_equal(t->cells[0][2].bg, 0);
    feed(t, "xyz\r\x1b[1K\x1b[2K"); /* 1 and 2 are ignored */
    assert_int_equal(t->cells[0][2].ch, 'x');
    t->dirty = 0;
    feed(t, "\x1b[2;1H\x1b[0K");
    assert_int_equal(t->dirty, 1u << 1);
}

static void sgr_colours_bold_and_reset(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "\x1b[31;44mA");
    assert_int_equal(t->cells[0][0].fg, 0xA800);
    assert_int_equal(t->cells[0][0].bg, 0x0015);
    feed(t, "\x1b[1mB"); /* bold brightens a normal foreground */
    assert_int_equal(t->cells[0][1].fg, 0xFAAA);
    feed(t, "\x1b[32mC"); /* bright while bold */
    assert_int_equal(t->cells[0][2].fg, 0x57EA);
    feed(t, "\x1b[mD");
    assert_int_equal(t->cells[0][3].fg, 0xAD55);
    assert_int_equal(t->cells[0][3].bg, 0x0000);
    feed(t, "\x1b[32mE"); /* bold is off again */
    assert_int_equal(t->cells[0][4].fg, 0x0540);
    feed(t, "\x1b[96;103mF");
    assert_int_equal(t->cells[0][5].fg, 0x57FF);
    assert_int_equal(t->cells[0][5].bg, 0xFFEA);
    feed(t, "\x1b[22;39;49;38;5;200mG"); /* ignored codes */
    assert_int_equal(t->cells[0][6].fg, 0x57FF);
    feed(t, "\x1b[0mH");
    assert_int_equal(t->cells[0][7].fg, 0xAD55);
    feed(t, "\x1b[37;1mI"); /* white + bold -> bright white */
    assert_int_equal(t->cells[0][8].fg, 0xFFFF);
}

static void non_csi_escape_consumes_one_byte(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "\x1b"
            "7ab");
    assert_int_equal(t->cells[0][0].ch, 'a');
    assert_cursor(t, 0, 2);
}

static void unexpected_byte_aborts_and_the_rest_prints(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "\x1b[?25l");
    /* '?' aborted the sequence and was discarded; "25l" printed */
    assert_int_equal(t->cells[0][0].ch, '2');
    assert_int_equal(t->cells[0][2].ch, 'l');
    assert_cursor(t, 0, 3);
}

static void truncated_sequence_continues_in_the_next_write(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "\x1b");
    feed(t, "[1");
    feed(t, "0;2");
    feed(t, "0H");
    assert_cursor(t, 9, 19);
}

static void parameters_beyond_8_and_huge_numbers_are_bounded(void **state)
{
    (void)state;
    console_term_t *t = term();
    feed(t, "\x1b[1;2;3;4;5;6;7;8;9;10;31m"); /* 9th+ accumulate into the 8th */
    assert_int_equal(t->nparams, 8);
    assert_int_equal(t->params[7], CONSOLE_PARAM_CAP);
    feed(t, "\x1b[99999999999999999999;99999999999999999999H");
    assert_cursor(t, 28, 57);
}

static void grid_is_capped(void **state)
{
    (void)state;
    console_term_t t;
    console_term_init(&t, 800 / 8 + 5, 480 / 16 + 9);
    assert_int_equal(t.cols, 100);
    assert_int_equal(t.rows, 32);
    assert_int_equal(console_term_all_rows(&t), UINT32_MAX);
    feed(&t, "\x1b[2J");
    assert_int_equal(t.dirty, UINT32_MAX);
}

/* ---- The actor on a display ---------------------------------------------- */

static void grid_follows_the_board(const display_board_t *board, int cols, int rows)
{
    runtime_t *rt = runtime_init(1, 32);
    assert_int_equal(mk_console_actor_init(rt), ACTOR_ID_INVALID); /* no display yet */
    assert_non_null(strstr(mk_last_error(), "no display"));
    assert_true(display_actor_init_board(rt, board) != ACTOR_ID_INVALID);
    actor_id_t con = mk_console_actor_init(rt);
    assert_true(con != ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "/sys/console"), con);
    int c = 0, r = 0;
    assert_true(mk_console_get_size(&c, &r));
    assert_int_equal(c, cols);
    assert_int_equal(r, rows);
    runtime_destroy(rt);
    assert_false(mk_console_get_size(&c, &r));
}

static void grid_is_58x29_round_and_100x30_rect(void **state)
{
    (void)state;
    grid_follows_the_board(&display_board_round466, 58, 29);
    grid_follows_the_board(&display_board_rect800, 100, 30);
}

static void writes_reach_the_display_as_dirty_rows(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 32);
    assert_true(display_actor_init_board(rt, &display_board_rect800) != ACTOR_ID_INVALID);
    assert_true(mk_console_actor_init(rt) != ACTOR_ID_INVALID);
    /* a red 'A' at row 2, column 3 */
    assert_true(mk_console_printf(rt, "\x1b[3;4H\x1b[91m%c", 'A'));
    drain(rt);
    const console_cell_t *cell = mk_console_get_cell(2, 3);
    assert_non_null(cell);
    assert_int_equal(cell->ch, 'A');
    const uint8_t *g = mk_font_glyph('A');
    for (int r = 0; r < 16; r++)
        for (int c = 0; c < 8; c++) {
            uint16_t want = (g[r] & (0x80 >> c)) ? 0xFAAA : 0x0000;
            assert_int_equal(display_get_pixel(rt, (uint16_t)(24 + c), (uint16_t)(32 + r)), want);
        }
    int row, col;
    assert_true(mk_console_get_cursor(&row, &col));
    assert_int_equal(row, 2);
    assert_int_equal(col, 4);
    /* clear: every row redrawn in default colours */
    assert_true(mk_console_clear(rt));
    drain(rt);
    assert_int_equal(display_get_pixel(rt, 24 + 3, 32 + 5), 0);
    assert_null(mk_console_get_cell(30, 0));
    assert_null(mk_console_get_cell(0, 100));
    runtime_destroy(rt);
}

static void a_burst_bigger_than_the_display_mailbox_loses_no_row(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 32);
    assert_true(display_actor_init_board(rt, &display_board_rect800) != ACTOR_ID_INVALID);
    assert_true(mk_console_actor_init(rt) != ACTOR_ID_INVALID);
    /* fill the display's mailbox (32) with ignored messages first */
    actor_id_t disp = actor_lookup(rt, "/node/hardware/display");
    int queued = 0;
    while (actor_send(rt, disp, 0xFF00005Bu, NULL, 0))
        queued++;
    assert_int_equal(queued, 32);
    char buf[4096];
    size_t n = (size_t)snprintf(buf, sizeof buf, "\x1b[2J");
    for (int r = 0; r < 30; r++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "\x1b[%d;1Hc", r + 1);
    assert_true(mk_console_write(rt, buf, n));
    /* rows the full mailbox refused are retried on a timer: step until
     * the last row is drawn (bounded; no assertion on time) */
    const uint8_t *g = mk_font_glyph('c');
    for (int i = 0; i < 5000; i++) {
        runtime_step(rt);
        if (display_get_pixel(rt, 0, 29 * 16 + 5) == ((g[5] & 0x80) ? 0xAD55 : 0) &&
            display_get_pixel(rt, 1, 29 * 16 + 5) == ((g[5] & 0x40) ? 0xAD55 : 0) &&
            mk_console_get_cell(29, 0)->ch == 'c')
            break;
        usleep(1000);
    }
    drain(rt);
    /* the last frame's 'c' is on every row (retried until drawn) */
    for (int r = 0; r < 30; r++)
        for (int y = 0; y < 16; y++)
            assert_int_equal(display_get_pixel(rt, 0, (uint16_t)(r * 16 + y)),
                             (g[y] & 0x80) ? 0xAD55 : 0);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starts_blank_white_on_black_nothing_dirty),
        cmocka_unit_test(printable_bytes_fill_cells_and_dirty_their_row),
        cmocka_unit_test(rewriting_the_same_cell_leaves_the_row_clean),
        cmocka_unit_test(lf_is_cr_lf_and_cr_returns),
        cmocka_unit_test(tab_goes_to_next_multiple_of_8_clamped),
        cmocka_unit_test(backspace_is_non_destructive_and_stops_at_0),
        cmocka_unit_test(other_controls_are_ignored),
        cmocka_unit_test(wrap_is_deferred_until_the_next_printable),
        cmocka_unit_test(scroll_moves_rows_up_and_clears_last_in_default_colours),
        cmocka_unit_test(cup_is_one_based_clamped_and_f_is_the_same),
        cmocka_unit_test(leading_semicolon_opens_parameter_one),
        cmocka_unit_test(cursor_moves_stop_at_the_edges),
        cmocka_unit_test(erase_display_2_clears_all_other_parameters_ignored),
        cmocka_unit_test(erase_line_clears_to_the_end_in_default_colours),
        cmocka_unit_test(sgr_colours_bold_and_reset),
        cmocka_unit_test(non_csi_escape_consumes_one_byte),
        cmocka_unit_test(unexpected_byte_aborts_and_the_rest_prints),
        cmocka_unit_test(truncated_sequence_continues_in_the_next_write),
        cmocka_unit_test(parameters_beyond_8_and_huge_numbers_are_bounded),
        cmocka_unit_test(grid_is_capped),
        cmocka_unit_test(grid_is_58x29_round_and_100x30_rect),
        cmocka_unit_test(writes_reach_the_display_as_dirty_rows),
        cmocka_unit_test(a_burst_bigger_than_the_display_mailbox_loses_no_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
