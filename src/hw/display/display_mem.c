/*
 * display_mem.c -- the memory framebuffer backend: the panel's pixels in
 * RAM, bounds checks, brightness and power state, and the 8x16 glyph
 * renderer. It is the display's content on every platform; a mirror
 * backend (fbdev) is told about each change after the checks.
 *
 * Called only by the display actor (display.c) on the runtime's thread.
 * Allocates once, at init (framebuffer and a width x 16 text strip).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "hw/display/display_internal.h"
#include "hw/display/font_8x16.h"

bool display_dev_init(display_dev_t *d, const display_board_t *board, display_backend_t *mirror)
{
    memset(d, 0, sizeof *d);
    if (!board || board->width == 0 || board->height == 0)
        return mk_fail("display: no board or a zero-sized board");
    d->board = board;
    d->fb = mk_calloc((size_t)board->width * board->height, sizeof *d->fb);
    d->strip = mk_calloc((size_t)board->width * MK_FONT_HEIGHT, sizeof *d->strip);
    if (!d->fb || !d->strip) {
        display_dev_deinit(d);
        return mk_fail("display: out of memory for a %ux%u framebuffer", board->width,
                       board->height);
    }
    if (mirror && mirror->init && !mirror->init(mirror, board)) {
        char why[200];
        snprintf(why, sizeof why, "%s", mk_last_error());
        display_dev_deinit(d);
        return mk_fail("display: backend %s failed to start: %s", mirror->name, why);
    }
    d->mirror = mirror;
    d->brightness = 255;
    d->powered = true;
    return true;
}

void display_dev_deinit(display_dev_t *d)
{
    if (d->mirror && d->mirror->deinit)
        d->mirror->deinit(d->mirror);
    mk_free(d->fb);
    mk_free(d->strip);
    memset(d, 0, sizeof *d);
}

static bool in_bounds(const display_dev_t *d, uint16_t x, uint16_t y, uint16_t w, uint16_t h)
{
    return (uint32_t)x + w <= d->board->width && (uint32_t)y + h <= d->board->height;
}

bool display_dev_draw(display_dev_t *d, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                      const uint16_t *px)
{
    if (!in_bounds(d, x, y, w, h))
        return false;
    if (d->mirror && d->mirror->draw && !d->mirror->draw(d->mirror, x, y, w, h, px))
        return false;
    for (uint16_t r = 0; r < h; r++)
        memcpy(d->fb + (size_t)(y + r) * d->board->width + x, px + (size_t)r * w,
               (size_t)w * sizeof *px);
    return true;
}

bool display_dev_fill(display_dev_t *d, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                      uint16_t color)
{
    if (!in_bounds(d, x, y, w, h))
        return false;
    if (d->mirror && d->mirror->fill && !d->mirror->fill(d->mirror, x, y, w, h, color))
        return false;
    for (uint16_t r = 0; r < h; r++) {
        uint16_t *row = d->fb + (size_t)(y + r) * d->board->width + x;
        for (uint16_t c = 0; c < w; c++)
            row[c] = color;
    }
    return true;
}

bool display_dev_set_brightness(display_dev_t *d, uint8_t level)
{
    if (d->mirror && d->mirror->set_brightness && !d->mirror->set_brightness(d->mirror, level))
        return false;
    d->brightness = level;
    return true;
}

bool display_dev_power(display_dev_t *d, bool on)
{
    if (d->mirror && d->mirror->power && !d->mirror->power(d->mirror, on))
        return false;
    d->powered = on;
    return true;
}

void display_render_glyph(uint16_t *strip, size_t stride, unsigned x0, unsigned clip_w,
                          unsigned clip_h, unsigned char ch, uint16_t fg, uint16_t bg)
{
    if (x0 >= clip_w)
        return;
    if (clip_h > MK_FONT_HEIGHT)
        clip_h = MK_FONT_HEIGHT;
    const uint8_t *g = mk_font_glyph(ch);
    unsigned cols = clip_w - x0 < MK_FONT_WIDTH ? clip_w - x0 : MK_FONT_WIDTH;
    for (unsigned r = 0; r < clip_h; r++) {
        uint16_t *out = strip + r * stride + x0;
        for (unsigned c = 0; c < cols; c++)
            out[c] = (g[r] & (0x80u >> c)) ? fg : bg;
    }
}
