/*
 * display.h -- the display actor at /node/hardware/display: RGB565 pixels,
 * rectangles and 8x16 text on a panel described as data (a board), over a
 * display HAL whose reference backend is a memory framebuffer.
 *
 * Names, values and payload layouts are the original's
 * (../shared/compat/hardware.md section 5). Payloads use natural alignment
 * and host (little-endian) byte order; `_pad` bytes are ignored on input.
 * Replies go to the sender: MSG_DISPLAY_OK (empty) or MSG_DISPLAY_ERROR
 * (short ASCII text, no NUL). Everything marked *extension* is ours: boards
 * chosen at run time, pixel read-back and PNG snapshots (docs/display.md).
 */
#ifndef MICROKERNEL_DISPLAY_H
#define MICROKERNEL_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/services.h" /* MSG_* values (the original keeps them there) */
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Message types MSG_DISPLAY_* are in services.h (compat/hardware.md section 5). */

/* RGB565: red in bits 15-11, green 10-5, blue 4-0, from 8-bit components
 * (the top 5/6/5 bits are kept). */
#define RGB565(r, g, b)                                                                            \
    ((uint16_t)((((unsigned)(r)&0xF8u) << 8) | (((unsigned)(g)&0xFCu) << 3) |                      \
                (((unsigned)(b)&0xF8u) >> 3)))

/* Pixel coordinates of character cell column `c` / row `r` (8x16 cells). */
#define DISPLAY_COL(c) ((c)*8)
#define DISPLAY_ROW(r) ((r)*16)

/* MSG_DISPLAY_DRAW: 8-byte header, then w*h RGB565 pixels, row-major. */
typedef struct {
    uint16_t x, y;     /* top-left pixel */
    uint16_t w, h;     /* size in pixels */
    uint16_t pixels[]; /* w*h entries (w*h*2 bytes) */
} display_draw_payload_t;

/* MSG_DISPLAY_FILL: 12 bytes. */
typedef struct {
    uint16_t x, y, w, h; /* rectangle in pixels */
    uint16_t color;      /* RGB565 */
    uint16_t _pad;
} display_fill_payload_t;

/* MSG_DISPLAY_BRIGHTNESS: 1 byte. */
typedef struct {
    uint8_t brightness; /* 0..255 */
} display_brightness_payload_t;

/* MSG_DISPLAY_POWER: 1 byte. */
typedef struct {
    uint8_t on; /* 0 off, non-zero on */
} display_power_payload_t;

/* MSG_DISPLAY_TEXT: 8-byte header, then NUL-terminated text. */
typedef struct {
    uint16_t x, y; /* pixel position of the top-left of the text */
    uint16_t fg;   /* RGB565 */
    uint16_t bg;   /* RGB565 */
    char text[];   /* NUL-terminated */
} display_text_payload_t;

/* One character cell of MSG_DISPLAY_TEXT_ATTR: 6 bytes. */
typedef struct {
    uint8_t ch; /* character; 32..126 drawn, anything else as a space */
    uint8_t _pad;
    uint16_t fg; /* RGB565 */
    uint16_t bg; /* RGB565 */
} display_text_attr_cell_t;

/* MSG_DISPLAY_TEXT_ATTR: 8-byte header, then `count` cells. */
typedef struct {
    uint16_t x, y;  /* pixel position of the first cell */
    uint16_t count; /* number of cells */
    uint16_t _pad;
    display_text_attr_cell_t cells[];
} display_text_attr_payload_t;

/* ---- Boards (extension: the original selects one at build time) -------- */

typedef enum {
    DISPLAY_SHAPE_RECT,  /* every pixel visible */
    DISPLAY_SHAPE_ROUND, /* a circle inscribed in the square panel */
} display_shape_t;

/* A panel described as data. */
typedef struct display_board {
    const char *name;          /* "round466", "rect800" */
    const char *description;   /* the hardware it stands for */
    uint16_t width, height;    /* pixels */
    display_shape_t shape;     /* round or rectangular */
    const uint8_t *row_margin; /* bezel margin in 8-px columns per 16-px text row
                                  (left = right), NULL for none */
    size_t margin_rows;        /* entries in row_margin */
} display_board_t;

/* Waveshare AMOLED 1.43": 466x466, round, 29 text rows with the bezel
 * margins of compat/hardware.md section 7 (21, 16, 13 ... 0 ... 21). */
extern const display_board_t display_board_round466;
/* Waveshare LCD 4.3B: 800x480, rectangular, no margins. */
extern const display_board_t display_board_rect800;

/* The board called `name` ("round466", "rect800"), or NULL. */
const display_board_t *display_board_find(const char *name);

/* Left (= right) margin in text columns of text row `row` on `board`:
 * row_margin[row] when within the table, else 0. */
unsigned display_board_row_margin(const display_board_t *board, unsigned row);

/* ---- The actor ---------------------------------------------------------- */

/*
 * Start the display actor on the default board (round466, as the
 * original's Linux mock) with the memory framebuffer backend: black,
 * powered on, brightness 255. Spawns it (mailbox 32) and registers
 * "/node/hardware/display" (a path when the namespace is installed, else a
 * flat name with that text). Returns ACTOR_ID_INVALID with the reason in
 * mk_last_error() when the framebuffer cannot be allocated, the actor
 * cannot be spawned or the name is taken. Source: compat/hardware.md §5.
 */
actor_id_t display_actor_init(runtime_t *rt);

/* Extension: display_actor_init on `board` (NULL: the default board). */
actor_id_t display_actor_init_board(runtime_t *rt, const display_board_t *board);

/*
 * Extension (Linux): the display on `board` (NULL: round466) mirrored into
 * the framebuffer device `device` (NULL: "/dev/fb0"), mmap'd, RGB565
 * converted to its 16 or 32 bits per pixel, the panel at its top-left,
 * clipped to its visible size. ACTOR_ID_INVALID with a reason when the
 * device cannot be opened, is not a framebuffer, has another depth, or as
 * display_actor_init. Built, not exercised by the tests (docs/display.md).
 */
actor_id_t display_actor_init_fbdev(runtime_t *rt, const display_board_t *board,
                                    const char *device);

/*
 * Send MSG_DISPLAY_TEXT (header + text + NUL) to /node/hardware/display from
 * the running actor, which then receives MSG_DISPLAY_OK. True if enqueued;
 * false with a reason for a NULL text, a text over 4096 bytes, no display
 * or a full mailbox.
 */
bool display_text(runtime_t *rt, uint16_t x, uint16_t y, uint16_t fg, uint16_t bg,
                  const char *text);
/* Send MSG_DISPLAY_FILL; true if enqueued. */
bool display_fill_rect(runtime_t *rt, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                       uint16_t color);
/* Send MSG_DISPLAY_CLEAR; true if enqueued. */
bool display_clear_screen(runtime_t *rt);

/* ---- Reading the panel back (extension) ---------------------------------
 * For tests, the snapshot writer and the status page. They find the
 * display actor of `rt` by its path; call them on the runtime's thread (in
 * a behaviour or between runtime_step calls). */

/* The board of the running display, or NULL (reason set) when none. */
const display_board_t *display_get_board(runtime_t *rt);
/* RGB565 pixel at (x, y); 0 when out of range or no display. */
uint16_t display_get_pixel(runtime_t *rt, uint16_t x, uint16_t y);
/* Brightness (0..255); 0 when no display. */
uint8_t display_get_brightness(runtime_t *rt);
/* Whether the panel is powered on; false when off or no display. */
bool display_is_powered(runtime_t *rt);
/* The framebuffer (width*height RGB565 values, row-major), valid until the
 * next message to the display; NULL (reason set) when no display. */
const uint16_t *display_framebuffer(runtime_t *rt, uint16_t *width, uint16_t *height);

/*
 * Encode `width`x`height` RGB565 pixels as an 8-bit RGB PNG (libpng; each
 * component expanded as c * 255 / max, so 0x1F/0x3F become 255). On success
 * *out is a buffer of *out_len bytes from the library allocator, which the
 * caller frees with free(3) (or the allocator's free when mk_set_allocator()
 * is in use). False with a
 * reason for a NULL argument, a zero size, or a libpng or memory failure.
 */
bool display_png_encode(const uint16_t *pixels, uint16_t width, uint16_t height, uint8_t **out,
                        size_t *out_len);

/* Write the display of `rt` as a PNG file at `path` (replaced atomically:
 * written beside it, then renamed). False with a reason when there is no
 * display or the file cannot be written. */
bool display_snapshot_png(runtime_t *rt, const char *path);

#ifdef __cplusplus
}
#endif

#endif
