/*
 * test_display.c -- the display actor against the memory framebuffer:
 * every MSG_DISPLAY_* request of compat/hardware.md section 5, its pixels,
 * its bounds and clipping, its replies and its rejections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "display_probe.h"
#include "hw/display/display_internal.h"
#include "hw/display/font_8x16.h"
#include "microkernel/display.h"

typedef struct {
    runtime_t *rt;
    actor_id_t disp;
    actor_id_t probe;
    probe_t p;
} fx_t;

static int setup_board(void **state, const display_board_t *board)
{
    fx_t *f = calloc(1, sizeof *f);
    f->rt = runtime_init(1, 64);
    assert_non_null(f->rt);
    f->disp = display_actor_init_board(f->rt, board);
    assert_true(f->disp != ACTOR_ID_INVALID);
    f->probe = actor_spawn(f->rt, probe_behavior, &f->p, NULL, 64);
    assert_true(f->probe != ACTOR_ID_INVALID);
    *state = f;
    return 0;
}

static int setup_round(void **state)
{
    return setup_board(state, &display_board_round466);
}

static int setup_rect(void **state)
{
    return setup_board(state, &display_board_rect800);
}

static int teardown(void **state)
{
    fx_t *f = *state;
    runtime_destroy(f->rt);
    free(f);
    return 0;
}

/* Send as the probe, run, and return the reply type (0: none). */
static msg_type_t req(fx_t *f, msg_type_t type, const void *payload, size_t len)
{
    unsigned before = f->p.replies;
    assert_true(mk_send_from(f->rt, f->probe, f->disp, type, payload, len));
    drain(f->rt);
    return f->p.replies == before ? 0 : f->p.type;
}

static void expect_error(fx_t *f, msg_type_t type, const void *payload, size_t len,
                         const char *text)
{
    assert_int_equal(req(f, type, payload, len), MSG_DISPLAY_ERROR);
    assert_string_equal(f->p.text, text);
}

static msg_type_t fill(fx_t *f, uint16_t x, uint16_t y, uint16_t w, uint16_t h, uint16_t c)
{
    display_fill_payload_t p = {x, y, w, h, c, 0xFFFF};
    return req(f, MSG_DISPLAY_FILL, &p, sizeof p);
}

static void payload_layouts_are_the_originals(void **state)
{
    (void)state;
    assert_int_equal(sizeof(display_draw_payload_t), 8);
    assert_int_equal(sizeof(display_fill_payload_t), 12);
    assert_int_equal(sizeof(display_brightness_payload_t), 1);
    assert_int_equal(sizeof(display_power_payload_t), 1);
    assert_int_equal(sizeof(display_text_payload_t), 8);
    assert_int_equal(sizeof(display_text_attr_cell_t), 6);
    assert_int_equal(sizeof(display_text_attr_payload_t), 8);
    assert_int_equal(offsetof(display_fill_payload_t, color), 8);
    assert_int_equal(offsetof(display_text_attr_cell_t, fg), 2);
    assert_int_equal(RGB565(255, 255, 255), 0xFFFF);
    assert_int_equal(RGB565(0xAA, 0, 0), 0xA800);
    assert_int_equal(RGB565(0x55, 0x55, 0xFF), 0x52BF);
    assert_int_equal(DISPLAY_COL(3), 24);
    assert_int_equal(DISPLAY_ROW(2), 32);
}

static void boards_have_their_sizes_and_margins(void **state)
{
    (void)state;
    assert_ptr_equal(display_board_find("round466"), &display_board_round466);
    assert_ptr_equal(display_board_find("rect800"), &display_board_rect800);
    assert_null(display_board_find("square"));
    assert_int_equal(display_board_round466.width, 466);
    assert_int_equal(display_board_rect800.height, 480);
    assert_int_equal(display_board_row_margin(&display_board_round466, 0), 21);
    assert_int_equal(display_board_row_margin(&display_board_round466, 14), 0);
    assert_int_equal(display_board_row_margin(&display_board_round466, 28), 21);
    assert_int_equal(display_board_row_margin(&display_board_round466, 29), 0);
    assert_int_equal(display_board_row_margin(&display_board_rect800, 0), 0);
}

static void starts_black_powered_full_brightness(void **state)
{
    fx_t *f = *state;
    assert_int_equal(display_get_pixel(f->rt, 0, 0), 0);
    assert_int_equal(display_get_pixel(f->rt, 465, 465), 0);
    assert_true(display_is_powered(f->rt));
    assert_int_equal(display_get_brightness(f->rt), 255);
    assert_int_equal(actor_lookup(f->rt, "/node/hardware/display"), f->disp);
}

static void second_display_is_refused(void **state)
{
    fx_t *f = *state;
    assert_int_equal(display_actor_init(f->rt), ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "/node/hardware/display"));
}

static void fill_covers_exactly_its_rectangle(void **state)
{
    fx_t *f = *state;
    assert_int_equal(fill(f, 10, 20, 5, 3, 0xF800), MSG_DISPLAY_OK);
    assert_int_equal(f->p.len, 0);
    assert_int_equal(display_get_pixel(f->rt, 10, 20), 0xF800);
    assert_int_equal(display_get_pixel(f->rt, 14, 22), 0xF800);
    assert_int_equal(display_get_pixel(f->rt, 9, 20), 0);
    assert_int_equal(display_get_pixel(f->rt, 15, 20), 0);
    assert_int_equal(display_get_pixel(f->rt, 10, 19), 0);
    assert_int_equal(display_get_pixel(f->rt, 10, 23), 0);
}

static void fill_to_the_edge_is_accepted_beyond_it_refused(void **state)
{
    fx_t *f = *state;
    assert_int_equal(fill(f, 460, 460, 6, 6, 0x001F), MSG_DISPLAY_OK);
    assert_int_equal(display_get_pixel(f->rt, 465, 465), 0x001F);
    expect_error(f, MSG_DISPLAY_FILL, &(display_fill_payload_t){460, 0, 7, 1, 0x07E0, 0},
                 sizeof(display_fill_payload_t), "fill out of bounds");
    expect_error(f, MSG_DISPLAY_FILL, &(display_fill_payload_t){0, 0xFFFF, 1, 2, 0x07E0, 0},
                 sizeof(display_fill_payload_t), "fill out of bounds");
    assert_int_equal(display_get_pixel(f->rt, 460, 0), 0); /* nothing changed */
    expect_error(f, MSG_DISPLAY_FILL, "\0\0\0\0\0\0\0\0\0\0\0", 11, "payload too small");
}

static void draw_places_pixels_row_major(void **state)
{
    fx_t *f = *state;
    uint16_t buf[4 + 6] = {100, 50, 3, 2, 1, 2, 3, 4, 5, 6};
    assert_int_equal(req(f, MSG_DISPLAY_DRAW, buf, sizeof buf), MSG_DISPLAY_OK);
    assert_int_equal(display_get_pixel(f->rt, 100, 50), 1);
    assert_int_equal(display_get_pixel(f->rt, 102, 50), 3);
    assert_int_equal(display_get_pixel(f->rt, 100, 51), 4);
    assert_int_equal(display_get_pixel(f->rt, 102, 51), 6);
    assert_int_equal(display_get_pixel(f->rt, 103, 50), 0);
}

static void draw_of_many_rows_crosses_strip_chunks(void **state)
{
    fx_t *f = *state;
    enum { W = 2, H = 40 };
    uint16_t buf[4 + W * H] = {0, 0, W, H};
    for (int i = 0; i < W * H; i++)
        buf[4 + i] = (uint16_t)(i + 1);
    assert_int_equal(req(f, MSG_DISPLAY_DRAW, buf, sizeof buf), MSG_DISPLAY_OK);
    assert_int_equal(display_get_pixel(f->rt, 1, 39), W * H);
    assert_int_equal(display_get_pixel(f->rt, 0, 16), 2 * 16 + 1);
}

static void draw_rejections(void **state)
{
    fx_t *f = *state;
    expect_error(f, MSG_DISPLAY_DRAW, "\0\0\0\0\0\0\0", 7, "payload too small");
    uint16_t shortbuf[4 + 3] = {0, 0, 2, 2, 1, 2, 3};
    expect_error(f, MSG_DISPLAY_DRAW, shortbuf, sizeof shortbuf, "pixel data too short");
    uint16_t out[4 + 2] = {465, 0, 2, 1, 7, 7};
    expect_error(f, MSG_DISPLAY_DRAW, out, sizeof out, "draw out of bounds");
    assert_int_equal(display_get_pixel(f->rt, 465, 0), 0);
    /* w*h that would overflow 16 bits is measured in size_t, not wrapped */
    uint16_t huge[4] = {0, 0, 0xFFFF, 0xFFFF};
    expect_error(f, MSG_DISPLAY_DRAW, huge, sizeof huge, "pixel data too short");
}

static void clear_blackens_everything(void **state)
{
    fx_t *f = *state;
    assert_int_equal(fill(f, 0, 0, 466, 466, 0xFFFF), MSG_DISPLAY_OK);
    assert_int_equal(req(f, MSG_DISPLAY_CLEAR, NULL, 0), MSG_DISPLAY_OK);
    assert_int_equal(display_get_pixel(f->rt, 0, 0), 0);
    assert_int_equal(display_get_pixel(f->rt, 233, 233), 0);
    assert_int_equal(display_get_pixel(f->rt, 465, 465), 0);
}

static void brightness_and_power_are_recorded(void **state)
{
    fx_t *f = *state;
    uint8_t b = 40;
    assert_int_equal(req(f, MSG_DISPLAY_BRIGHTNESS, &b, 1), MSG_DISPLAY_OK);
    assert_int_equal(display_get_brightness(f->rt), 40);
    uint8_t off = 0;
    assert_int_equal(req(f, MSG_DISPLAY_POWER, &off, 1), MSG_DISPLAY_OK);
    assert_false(display_is_powered(f->rt));
    uint8_t on = 7;
    assert_int_equal(req(f, MSG_DISPLAY_POWER, &on, 1), MSG_DISPLAY_OK);
    assert_true(display_is_powered(f->rt));
    expect_error(f, MSG_DISPLAY_BRIGHTNESS, NULL, 0, "payload too small");
    expect_error(f, MSG_DISPLAY_POWER, NULL, 0, "payload too small");
    assert_int_equal(display_get_brightness(f->rt), 40);
}

/* Build a MSG_DISPLAY_TEXT payload. */
static size_t text_payload(uint8_t *buf, uint16_t x, uint16_t y, uint16_t fg, uint16_t bg,
                           const char *s)
{
    uint16_t h[4] = {x, y, fg, bg};
    memcpy(buf, h, 8);
    size_t n = strlen(s) + 1;
    memcpy(buf + 8, s, n);
    return 8 + n;
}

/* The glyph of `ch` is at (x, y) in fg on bg. */
static void assert_glyph(runtime_t *rt, unsigned x, unsigned y, unsigned char ch, uint16_t fg,
                         uint16_t bg)
{
    const uint8_t *g = mk_font_glyph(ch);
    for (unsigned r = 0; r < 16; r++)
        for (unsigned c = 0; c < 8; c++) {
            uint16_t want = (g[r] & (0x80u >> c)) ? fg : bg;
            uint16_t got = display_get_pixel(rt, (uint16_t)(x + c), (uint16_t)(y + r));
            if (got != want)
                fail_msg("glyph '%c' pixel (%u,%u): 0x%04x, want 0x%04x", ch, x + c, y + r, got,
                         want);
        }
}

static void text_draws_glyphs_and_background_to_the_right_edge(void **state)
{
    fx_t *f = *state;
    uint8_t buf[64];
    size_t n = text_payload(buf, 16, 32, 0xFFFF, 0x001F, "Hi!");
    assert_int_equal(req(f, MSG_DISPLAY_TEXT, buf, n), MSG_DISPLAY_OK);
    assert_glyph(f->rt, 16, 32, 'H', 0xFFFF, 0x001F);
    assert_glyph(f->rt, 24, 32, 'i', 0xFFFF, 0x001F);
    assert_glyph(f->rt, 32, 32, '!', 0xFFFF, 0x001F);
    /* the strip's background runs to the right edge, 16 rows high */
    assert_int_equal(display_get_pixel(f->rt, 465, 32), 0x001F);
    assert_int_equal(display_get_pixel(f->rt, 465, 47), 0x001F);
    assert_int_equal(display_get_pixel(f->rt, 15, 32), 0);
    assert_int_equal(display_get_pixel(f->rt, 100, 48), 0);
    /* the 'H' has set pixels: the glyph table is not empty */
    const uint8_t *g = mk_font_glyph('H');
    unsigned bits = 0;
    for (int r = 0; r < 16; r++)
        bits += (unsigned)__builtin_popcount(g[r]);
    assert_true(bits > 10);
}

static void text_bytes_outside_ascii_render_as_space(void **state)
{
    fx_t *f = *state;
    uint8_t buf[64];
    size_t n = text_payload(buf, 0, 0, 0xFFFF, 0x0000, "\x01\x80\xff~");
    assert_int_equal(req(f, MSG_DISPLAY_TEXT, buf, n), MSG_DISPLAY_OK);
    assert_glyph(f->rt, 0, 0, ' ', 0xFFFF, 0);
    assert_glyph(f->rt, 8, 0, ' ', 0xFFFF, 0);
    assert_glyph(f->rt, 16, 0, ' ', 0xFFFF, 0);
    assert_glyph(f->rt, 24, 0, '~', 0xFFFF, 0);
}

static void text_drops_a_glyph_that_does_not_fit_and_clips_the_bottom(void **state)
{
    fx_t *f = *state;
    uint8_t buf[64];
    /* x = 460: 6 px left, no whole glyph fits; only background is drawn */
    size_t n = text_payload(buf, 460, 460, 0xFFFF, 0x07E0, "MM");
    assert_int_equal(req(f, MSG_DISPLAY_TEXT, buf, n), MSG_DISPLAY_OK);
    for (unsigned x = 460; x < 466; x++)
        for (unsigned y = 460; y < 466; y++)
            assert_int_equal(display_get_pixel(f->rt, (uint16_t)x, (uint16_t)y), 0x07E0);
    assert_int_equal(display_get_pixel(f->rt, 459, 460), 0);
}

static void text_outside_or_empty_is_ok_without_drawing(void **state)
{
    fx_t *f = *state;
    uint8_t buf[64];
    size_t n = text_payload(buf, 466, 0, 0xFFFF, 0xFFFF, "x");
    assert_int_equal(req(f, MSG_DISPLAY_TEXT, buf, n), MSG_DISPLAY_OK);
    n = text_payload(buf, 0, 466, 0xFFFF, 0xFFFF, "x");
    assert_int_equal(req(f, MSG_DISPLAY_TEXT, buf, n), MSG_DISPLAY_OK);
    n = text_payload(buf, 0, 0, 0xFFFF, 0xFFFF, "");
    assert_int_equal(req(f, MSG_DISPLAY_TEXT, buf, n), MSG_DISPLAY_OK);
    assert_int_equal(display_get_pixel(f->rt, 0, 0), 0);
    expect_error(f, MSG_DISPLAY_TEXT, buf, 8, "payload too small");
}

static void text_without_nul_stops_at_the_payload_end(void **state)
{
    fx_t *f = *state;
    uint8_t buf[10] = {0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 'A', 'B'};
    assert_int_equal(req(f, MSG_DISPLAY_TEXT, buf, sizeof buf), MSG_DISPLAY_OK);
    assert_glyph(f->rt, 0, 0, 'A', 0xFFFF, 0);
    assert_glyph(f->rt, 8, 0, 'B', 0xFFFF, 0);
    assert_glyph(f->rt, 16, 0, ' ', 0xFFFF, 0);
}

static size_t attr_payload(uint8_t *buf, uint16_t x, uint16_t y, const char *s, const uint16_t *fg,
                           const uint16_t *bg)
{
    uint16_t n = (uint16_t)strlen(s);
    uint16_t h[4] = {x, y, n, 0};
    memcpy(buf, h, 8);
    for (uint16_t i = 0; i < n; i++) {
        uint8_t *c = buf + 8 + i * 6;
        c[0] = (uint8_t)s[i];
        c[1] = 0;
        memcpy(c + 2, &fg[i], 2);
        memcpy(c + 4, &bg[i], 2);
    }
    return 8 + (size_t)n * 6;
}

static void text_attr_draws_each_cell_in_its_colours_without_reply(void **state)
{
    fx_t *f = *state;
    uint8_t buf[64];
    uint16_t fg[2] = {0xF800, 0x07E0}, bg[2] = {0x001F, 0xFFE0};
    size_t n = attr_payload(buf, DISPLAY_COL(2), DISPLAY_ROW(3), "ok", fg, bg);
    assert_int_equal(req(f, MSG_DISPLAY_TEXT_ATTR, buf, n), 0);
    assert_glyph(f->rt, 16, 48, 'o', 0xF800, 0x001F);
    assert_glyph(f->rt, 24, 48, 'k', 0x07E0, 0xFFE0);
    assert_int_equal(display_get_pixel(f->rt, 32, 48), 0); /* strip is count*8 wide */
}

static void text_attr_clips_a_partial_cell_at_the_right_edge(void **state)
{
    fx_t *f = *state;
    uint8_t buf[64];
    uint16_t fg[2] = {0xFFFF, 0xFFFF}, bg[2] = {0x1234, 0x4321};
    size_t n = attr_payload(buf, 456, 0, "  ", fg, bg);
    assert_int_equal(req(f, MSG_DISPLAY_TEXT_ATTR, buf, n), 0);
    assert_int_equal(display_get_pixel(f->rt, 456, 0), 0x1234);
    assert_int_equal(display_get_pixel(f->rt, 464, 15), 0x4321);
    assert_int_equal(display_get_pixel(f->rt, 465, 15), 0x4321);
}

static void text_attr_rejections(void **state)
{
    fx_t *f = *state;
    uint8_t buf[64] = {0};
    expect_error(f, MSG_DISPLAY_TEXT_ATTR, buf, 7, "payload too small");
    expect_error(f, MSG_DISPLAY_TEXT_ATTR, buf, 8, "invalid cell count"); /* count 0 */
    uint16_t h[4] = {0, 0, 3, 0};
    memcpy(buf, h, 8);
    expect_error(f, MSG_DISPLAY_TEXT_ATTR, buf, 8 + 6 * 2, "invalid cell count");
    /* beyond the panel: silently ignored (x too: the original does not guard it) */
    uint16_t fg[1] = {0xFFFF}, bg[1] = {0xFFFF};
    size_t n = attr_payload(buf, 0, 466, "x", fg, bg);
    assert_int_equal(req(f, MSG_DISPLAY_TEXT_ATTR, buf, n), 0);
    n = attr_payload(buf, 466, 0, "x", fg, bg);
    assert_int_equal(req(f, MSG_DISPLAY_TEXT_ATTR, buf, n), 0);
}

static void unknown_types_get_no_reply(void **state)
{
    fx_t *f = *state;
    assert_int_equal(req(f, 0xFF000050u, NULL, 0), 0);
    assert_int_equal(req(f, 0xFF000058u, "x", 1), 0);
}

static void rect_board_is_800_by_480(void **state)
{
    fx_t *f = *state;
    assert_int_equal(fill(f, 799, 479, 1, 1, 0xABCD), MSG_DISPLAY_OK);
    assert_int_equal(display_get_pixel(f->rt, 799, 479), 0xABCD);
    expect_error(f, MSG_DISPLAY_FILL, &(display_fill_payload_t){0, 479, 1, 2, 1, 0},
                 sizeof(display_fill_payload_t), "fill out of bounds");
    assert_int_equal(display_get_board(f->rt)->shape, DISPLAY_SHAPE_RECT);
}

static void helpers_send_from_the_calling_actor(void **state)
{
    fx_t *f = *state;
    /* outside a behaviour the source is invalid: no reply, but drawn */
    assert_true(display_fill_rect(f->rt, 1, 1, 1, 1, 0x0F0F));
    assert_true(display_text(f->rt, 0, 100, 0xFFFF, 0x0000, "A"));
    drain(f->rt);
    assert_int_equal(display_get_pixel(f->rt, 1, 1), 0x0F0F);
    assert_glyph(f->rt, 0, 100, 'A', 0xFFFF, 0);
    assert_true(display_clear_screen(f->rt));
    drain(f->rt);
    assert_int_equal(display_get_pixel(f->rt, 1, 1), 0);
    assert_false(display_text(f->rt, 0, 0, 0, 0, NULL));
}

/* A mirror backend that refuses everything: the error replies of the
 * HAL-failure paths. */
static bool refuse_draw(display_backend_t *be, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                        const uint16_t *px)
{
    (void)be, (void)x, (void)y, (void)w, (void)h, (void)px;
    return false;
}
static bool refuse_fill(display_backend_t *be, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                        uint16_t c)
{
    (void)be, (void)x, (void)y, (void)w, (void)h, (void)c;
    return false;
}
static bool refuse_level(display_backend_t *be, uint8_t level)
{
    (void)be, (void)level;
    return false;
}
static bool refuse_power(display_backend_t *be, bool on)
{
    (void)be, (void)on;
    return false;
}

static void backend_failures_are_reported(void **state)
{
    (void)state;
    display_backend_t be = {.name = "refuser",
                            .draw = refuse_draw,
                            .fill = refuse_fill,
                            .set_brightness = refuse_level,
                            .power = refuse_power};
    fx_t f = {0};
    f.rt = runtime_init(1, 64);
    f.disp = display_actor_init_backend(f.rt, &display_board_round466, &be);
    f.probe = actor_spawn(f.rt, probe_behavior, &f.p, NULL, 64);
    expect_error(&f, MSG_DISPLAY_CLEAR, NULL, 0, "clear failed");
    uint8_t one = 1;
    expect_error(&f, MSG_DISPLAY_BRIGHTNESS, &one, 1, "brightness failed");
    expect_error(&f, MSG_DISPLAY_POWER, &one, 1, "power failed");
    uint16_t px[5] = {0, 0, 1, 1, 9};
    expect_error(&f, MSG_DISPLAY_DRAW, px, sizeof px, "draw out of bounds");
    expect_error(&f, MSG_DISPLAY_FILL, &(display_fill_payload_t){0, 0, 1, 1, 1, 0},
                 sizeof(display_fill_payload_t), "fill out of bounds");
    assert_int_equal(display_get_pixel(f.rt, 0, 0), 0);
    runtime_destroy(f.rt);
}

static void fbdev_that_is_not_a_framebuffer_is_refused(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 8);
    assert_int_equal(display_actor_init_fbdev(rt, NULL, "/nonexistent/fb9"), ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "cannot open /nonexistent/fb9"));
    assert_int_equal(display_actor_init_fbdev(rt, NULL, "/dev/null"), ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "/dev/null is not a framebuffer"));
    assert_null(display_get_board(rt)); /* nothing registered, nothing leaked */
    runtime_destroy(rt);
}

static void no_display_reads_back_nothing(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 8);
    assert_null(display_get_board(rt));
    assert_int_equal(display_get_pixel(rt, 0, 0), 0);
    assert_null(display_framebuffer(rt, NULL, NULL));
    assert_non_null(strstr(mk_last_error(), "no display"));
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(payload_layouts_are_the_originals),
        cmocka_unit_test(boards_have_their_sizes_and_margins),
        cmocka_unit_test_setup_teardown(starts_black_powered_full_brightness, setup_round,
                                        teardown),
        cmocka_unit_test_setup_teardown(second_display_is_refused, setup_round, teardown),
        cmocka_unit_test_setup_teardown(fill_covers_exactly_its_rectangle, setup_round, teardown),
        cmocka_unit_test_setup_teardown(fill_to_the_edge_is_accepted_beyond_it_refused, setup_round,
                                        teardown),
        cmocka_unit_test_setup_teardown(draw_places_pixels_row_major, setup_round, teardown),
        cmocka_unit_test_setup_teardown(draw_of_many_rows_crosses_strip_chunks, setup_round,
                                        teardown),
        cmocka_unit_test_setup_teardown(draw_rejections, setup_round, teardown),
        cmocka_unit_test_setup_teardown(clear_blackens_everything, setup_round, teardown),
        cmocka_unit_test_setup_teardown(brightness_and_power_are_recorded, setup_round, teardown),
        cmocka_unit_test_setup_teardown(text_draws_glyphs_and_background_to_the_right_edge,
                                        setup_round, teardown),
        cmocka_unit_test_setup_teardown(text_bytes_outside_ascii_render_as_space, setup_round,
                                        teardown),
        cmocka_unit_test_setup_teardown(text_drops_a_glyph_that_does_not_fit_and_clips_the_bottom,
                                        setup_round, teardown),
        cmocka_unit_test_setup_teardown(text_outside_or_empty_is_ok_without_drawing, setup_round,
                                        teardown),
        cmocka_unit_test_setup_teardown(text_without_nul_stops_at_the_payload_end, setup_round,
                                        teardown),
        cmocka_unit_test_setup_teardown(text_attr_draws_each_cell_in_its_colours_without_reply,
                                        setup_round, teardown),
        cmocka_unit_test_setup_teardown(text_attr_clips_a_partial_cell_at_the_right_edge,
                                        setup_round, teardown),
        cmocka_unit_test_setup_teardown(text_attr_rejections, setup_round, teardown),
        cmocka_unit_test_setup_teardown(unknown_types_get_no_reply, setup_round, teardown),
        cmocka_unit_test_setup_teardown(rect_board_is_800_by_480, setup_rect, teardown),
        cmocka_unit_test_setup_teardown(helpers_send_from_the_calling_actor, setup_round, teardown),
        cmocka_unit_test(backend_failures_are_reported),
        cmocka_unit_test(fbdev_that_is_not_a_framebuffer_is_refused),
        cmocka_unit_test(no_display_reads_back_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
