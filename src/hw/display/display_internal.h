/*
 * display_internal.h -- what the display stack's files share: the display
 * device (memory framebuffer plus an optional mirror backend), the glyph
 * renderer, and the lookup of a runtime's display actor.
 *
 * Everything runs on the runtime's thread. The memory framebuffer is the
 * panel's content; a mirror backend (Linux fbdev, a test's fault
 * injector) receives every change after it and may refuse it.
 */
#ifndef MK_HW_DISPLAY_INTERNAL_H
#define MK_HW_DISPLAY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/display.h"

#define DISPLAY_PATH    "/node/hardware/display"
#define DISPLAY_MAILBOX 32

/* A backend that mirrors the memory framebuffer somewhere (the HAL of
 * compat/hardware.md section 5 as a method table). Every method returns
 * false to refuse; the memory framebuffer is then left unchanged. */
typedef struct display_backend {
    const char *name;
    bool (*init)(struct display_backend *be, const display_board_t *board);
    void (*deinit)(struct display_backend *be);
    /* `px`: w*h RGB565 values, row-major, already bounds-checked. */
    bool (*draw)(struct display_backend *be, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                 const uint16_t *px);
    bool (*fill)(struct display_backend *be, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                 uint16_t color);
    bool (*set_brightness)(struct display_backend *be, uint8_t level);
    bool (*power)(struct display_backend *be, bool on);
    void *ctx; /* the backend's own */
} display_backend_t;

/* The display device: board, framebuffer, state. */
typedef struct {
    const display_board_t *board;
    uint16_t *fb;              /* width*height RGB565, row-major */
    uint16_t *strip;           /* width*16 scratch for text rows */
    uint8_t brightness;        /* 0..255 */
    bool powered;              /* on after init */
    display_backend_t *mirror; /* NULL: memory only */
} display_dev_t;

/* Allocate the framebuffer and strip for `board` (black, powered,
 * brightness 255) and init `mirror` (may be NULL). False with a reason. */
bool display_dev_init(display_dev_t *d, const display_board_t *board, display_backend_t *mirror);
void display_dev_deinit(display_dev_t *d);
/* Region operations: false when x+w > width or y+h > height (nothing
 * changes) or the mirror refuses. Zero-sized regions succeed. */
bool display_dev_draw(display_dev_t *d, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                      const uint16_t *px);
bool display_dev_fill(display_dev_t *d, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                      uint16_t color);
bool display_dev_set_brightness(display_dev_t *d, uint8_t level);
bool display_dev_power(display_dev_t *d, bool on);

/*
 * Render the glyph of `ch` into `strip` (row-major, `stride` pixels per
 * row) at x = x0 .. x0+7, rows 0..15: set bits fg, clear bits bg. Pixels at
 * x >= clip_w or rows >= clip_h are not touched (a glyph at the edge is
 * drawn partly). Pure.
 */
void display_render_glyph(uint16_t *strip, size_t stride, unsigned x0, unsigned clip_w,
                          unsigned clip_h, unsigned char ch, uint16_t fg, uint16_t bg);

/* The device of `rt`'s display actor, or NULL with a reason. */
display_dev_t *display_dev_of(runtime_t *rt);

/* Extension for tests: the actor on `board` with `mirror` as its backend
 * (the caller keeps `mirror` alive while the actor runs). */
actor_id_t display_actor_init_backend(runtime_t *rt, const display_board_t *board,
                                      display_backend_t *mirror);

#endif
