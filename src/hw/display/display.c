/*
 * display.c -- the display actor at /node/hardware/display: validates the
 * original's MSG_DISPLAY_* requests (compat/hardware.md section 5), draws
 * through the display device (display_mem.c) and replies OK or an error
 * text to the sender.
 *
 * Every payload is read with memcpy at its documented offsets, so a short
 * or misaligned payload is rejected, never over-read. No allocation per
 * message: text rows are rendered into a strip allocated at init.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/runtime_api.h"
#include "hw/display/display_internal.h"
#include "hw/display/font_8x16.h"
#include "microkernel/services.h"

#define TEXT_MAX 4096 /* bytes of text display_text() sends */

static uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v); /* host order (compat: little-endian) */
    return v;
}

static void reply(runtime_t *rt, const message_t *msg, msg_type_t type, const char *text)
{
    if (msg->source == ACTOR_ID_INVALID)
        return;
    actor_send(rt, msg->source, type, text, text ? strlen(text) : 0);
}

static void ok(runtime_t *rt, const message_t *msg)
{
    reply(rt, msg, MSG_DISPLAY_OK, NULL);
}

static void err(runtime_t *rt, const message_t *msg, const char *text)
{
    reply(rt, msg, MSG_DISPLAY_ERROR, text);
}

static void on_draw(runtime_t *rt, display_dev_t *d, const message_t *msg)
{
    const uint8_t *p = msg->payload;
    if (msg->payload_size < 8)
        return err(rt, msg, "payload too small");
    uint16_t x = rd16(p), y = rd16(p + 2), w = rd16(p + 4), h = rd16(p + 6);
    size_t need = 8 + (size_t)w * h * 2;
    if (msg->payload_size < need)
        return err(rt, msg, "pixel data too short");
    if ((uint32_t)x + w > d->board->width || (uint32_t)y + h > d->board->height)
        return err(rt, msg, "draw out of bounds");
    /* Through the strip, up to 16 rows at a time: no alignment assumed. */
    for (uint16_t r = 0; r < h;) {
        uint16_t rows = h - r < MK_FONT_HEIGHT ? h - r : MK_FONT_HEIGHT;
        memcpy(d->strip, p + 8 + (size_t)r * w * 2, (size_t)rows * w * 2);
        if (!display_dev_draw(d, x, y + r, w, rows, d->strip))
            return err(rt, msg, "draw out of bounds");
        r += rows;
    }
    ok(rt, msg);
}

static void on_fill(runtime_t *rt, display_dev_t *d, const message_t *msg)
{
    const uint8_t *p = msg->payload;
    if (msg->payload_size < 12)
        return err(rt, msg, "payload too small");
    if (!display_dev_fill(d, rd16(p), rd16(p + 2), rd16(p + 4), rd16(p + 6), rd16(p + 8)))
        return err(rt, msg, "fill out of bounds");
    ok(rt, msg);
}

/* MSG_DISPLAY_TEXT: a strip from x to the right edge in bg, whole glyphs
 * only, clipped at the bottom; always OK (compat section 5). */
static void on_text(runtime_t *rt, display_dev_t *d, const message_t *msg)
{
    const uint8_t *p = msg->payload;
    if (msg->payload_size < 9)
        return err(rt, msg, "payload too small");
    uint16_t x = rd16(p), y = rd16(p + 2), fg = rd16(p + 4), bg = rd16(p + 6);
    const uint8_t *text = p + 8;
    size_t max = msg->payload_size - 8;
    const uint8_t *nul = memchr(text, '\0', max);
    size_t len = nul ? (size_t)(nul - text) : max;
    uint16_t W = d->board->width, H = d->board->height;
    if (len == 0 || y >= H || x >= W)
        return ok(rt, msg);
    unsigned sw = W - x;
    unsigned sh = H - y < MK_FONT_HEIGHT ? H - y : MK_FONT_HEIGHT;
    for (unsigned r = 0; r < sh; r++)
        for (unsigned c = 0; c < sw; c++)
            d->strip[r * sw + c] = bg;
    for (size_t i = 0; i < len && (i + 1) * MK_FONT_WIDTH <= sw; i++)
        display_render_glyph(d->strip, sw, (unsigned)i * MK_FONT_WIDTH, sw, sh, text[i], fg, bg);
    display_dev_draw(d, x, y, (uint16_t)sw, (uint16_t)sh, d->strip);
    ok(rt, msg);
}

/* MSG_DISPLAY_TEXT_ATTR: no reply on success (compat section 5). */
static void on_text_attr(runtime_t *rt, display_dev_t *d, const message_t *msg)
{
    const uint8_t *p = msg->payload;
    if (msg->payload_size < 8)
        return err(rt, msg, "payload too small");
    uint16_t x = rd16(p), y = rd16(p + 2), count = rd16(p + 4);
    if (count == 0 || msg->payload_size < 8 + (size_t)count * 6)
        return err(rt, msg, "invalid cell count");
    uint16_t W = d->board->width, H = d->board->height;
    /* The original does not guard x >= width here; we ignore it like y. */
    if (y >= H || x >= W)
        return;
    unsigned sw =
        (size_t)count * MK_FONT_WIDTH < (size_t)(W - x) ? count * MK_FONT_WIDTH : (unsigned)(W - x);
    unsigned sh = H - y < MK_FONT_HEIGHT ? H - y : MK_FONT_HEIGHT;
    for (unsigned i = 0; i < count && i * MK_FONT_WIDTH < sw; i++) {
        const uint8_t *cell = p + 8 + (size_t)i * 6;
        display_render_glyph(d->strip, sw, i * MK_FONT_WIDTH, sw, sh, cell[0], rd16(cell + 2),
                             rd16(cell + 4));
    }
    display_dev_draw(d, x, y, (uint16_t)sw, (uint16_t)sh, d->strip);
}

static bool display_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    display_dev_t *d = state;
    const uint8_t *p = msg->payload;
    switch (msg->type) {
    case MSG_DISPLAY_DRAW: on_draw(rt, d, msg); break;
    case MSG_DISPLAY_FILL: on_fill(rt, d, msg); break;
    case MSG_DISPLAY_CLEAR:
        if (!display_dev_fill(d, 0, 0, d->board->width, d->board->height, 0))
            err(rt, msg, "clear failed");
        else
            ok(rt, msg);
        break;
    case MSG_DISPLAY_BRIGHTNESS:
        if (msg->payload_size < 1)
            err(rt, msg, "payload too small");
        else if (!display_dev_set_brightness(d, p[0]))
            err(rt, msg, "brightness failed");
        else
            ok(rt, msg);
        break;
    case MSG_DISPLAY_POWER:
        if (msg->payload_size < 1)
            err(rt, msg, "payload too small");
        else if (!display_dev_power(d, p[0] != 0))
            err(rt, msg, "power failed");
        else
            ok(rt, msg);
        break;
    case MSG_DISPLAY_TEXT: on_text(rt, d, msg); break;
    case MSG_DISPLAY_TEXT_ATTR: on_text_attr(rt, d, msg); break;
    default: break; /* unknown types are ignored without reply */
    }
    return true;
}

static void free_dev(void *state)
{
    display_dev_deinit(state);
    mk_free(state);
}

actor_id_t display_actor_init_backend(runtime_t *rt, const display_board_t *board,
                                      display_backend_t *mirror)
{
    if (!rt) {
        mk_set_error("display_actor_init: NULL runtime");
        return ACTOR_ID_INVALID;
    }
    display_dev_t *d = mk_calloc(1, sizeof *d);
    if (!d) {
        mk_set_error("display_actor_init: out of memory");
        return ACTOR_ID_INVALID;
    }
    if (!display_dev_init(d, board ? board : &display_board_round466, mirror)) {
        mk_free(d);
        return ACTOR_ID_INVALID;
    }
    actor_id_t id = actor_spawn(rt, display_behavior, d, free_dev, DISPLAY_MAILBOX);
    if (id == ACTOR_ID_INVALID) {
        display_dev_deinit(d);
        mk_free(d);
        return ACTOR_ID_INVALID;
    }
    mk_actor_set_system(rt, id, true);
    if (!actor_register_name(rt, DISPLAY_PATH, id)) {
        char why[200];
        snprintf(why, sizeof why, "%s", mk_last_error());
        actor_stop(rt, id);
        mk_set_error("display_actor_init: cannot register %s: %s", DISPLAY_PATH, why);
        return ACTOR_ID_INVALID;
    }
    return id;
}

actor_id_t display_actor_init_board(runtime_t *rt, const display_board_t *board)
{
    return display_actor_init_backend(rt, board, NULL);
}

actor_id_t display_actor_init(runtime_t *rt)
{
    return display_actor_init_backend(rt, NULL, NULL);
}

display_dev_t *display_dev_of(runtime_t *rt)
{
    actor_id_t id = rt ? actor_lookup(rt, DISPLAY_PATH) : ACTOR_ID_INVALID;
    display_dev_t *d = id != ACTOR_ID_INVALID ? mk_actor_state_of(rt, id, display_behavior) : NULL;
    if (!d)
        mk_set_error("no display actor at %s on this node", DISPLAY_PATH);
    return d;
}

/* ---- Helpers that send to the display ---------------------------------- */

bool display_text(runtime_t *rt, uint16_t x, uint16_t y, uint16_t fg, uint16_t bg, const char *text)
{
    if (!text)
        return mk_fail("display_text: NULL text");
    size_t len = strlen(text);
    if (len > TEXT_MAX)
        return mk_fail("display_text: text of %zu bytes (at most %d)", len, TEXT_MAX);
    uint8_t buf[8 + TEXT_MAX + 1];
    uint16_t h[4] = {x, y, fg, bg};
    memcpy(buf, h, 8);
    memcpy(buf + 8, text, len + 1);
    return actor_send_named(rt, DISPLAY_PATH, MSG_DISPLAY_TEXT, buf, 8 + len + 1);
}

bool display_fill_rect(runtime_t *rt, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                       uint16_t color)
{
    display_fill_payload_t f = {.x = x, .y = y, .w = w, .h = h, .color = color, ._pad = 0};
    return actor_send_named(rt, DISPLAY_PATH, MSG_DISPLAY_FILL, &f, sizeof f);
}

bool display_clear_screen(runtime_t *rt)
{
    return actor_send_named(rt, DISPLAY_PATH, MSG_DISPLAY_CLEAR, NULL, 0);
}

/* ---- Read-back --------------------------------------------------------- */

const display_board_t *display_get_board(runtime_t *rt)
{
    display_dev_t *d = display_dev_of(rt);
    return d ? d->board : NULL;
}

uint16_t display_get_pixel(runtime_t *rt, uint16_t x, uint16_t y)
{
    display_dev_t *d = display_dev_of(rt);
    if (!d || x >= d->board->width || y >= d->board->height)
        return 0;
    return d->fb[(size_t)y * d->board->width + x];
}

uint8_t display_get_brightness(runtime_t *rt)
{
    display_dev_t *d = display_dev_of(rt);
    return d ? d->brightness : 0;
}

bool display_is_powered(runtime_t *rt)
{
    display_dev_t *d = display_dev_of(rt);
    return d && d->powered;
}

const uint16_t *display_framebuffer(runtime_t *rt, uint16_t *width, uint16_t *height)
{
    display_dev_t *d = display_dev_of(rt);
    if (!d)
        return NULL;
    if (width)
        *width = d->board->width;
    if (height)
        *height = d->board->height;
    return d->fb;
}
