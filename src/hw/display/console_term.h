/*
 * console_term.h -- the ANSI console's terminal state machine: a grid of
 * cells, a cursor, the current colours and an escape-sequence parser, fed
 * bytes with console_term_feed(). Pure: no I/O, no allocation, no global
 * state; any byte sequence is valid input (fuzz_console).
 *
 * Semantics: compat/hardware.md section 6 (docs/display.md).
 */
#ifndef MK_HW_CONSOLE_TERM_H
#define MK_HW_CONSOLE_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/console.h"

#define CONSOLE_PARAMS_MAX 8    /* CSI parameters kept */
#define CONSOLE_PARAM_CAP  9999 /* a parameter stops growing here (no overflow) */
#define CONSOLE_DEFAULT_FG 0xAD55u
#define CONSOLE_DEFAULT_BG 0x0000u

/* The 16-colour ANSI palette in RGB565 (index 8..15: bright). */
extern const uint16_t console_palette[16];

typedef enum { TERM_GROUND, TERM_ESC, TERM_CSI } console_term_state_t;

typedef struct {
    int cols, rows; /* grid size, 1..CONSOLE_MAX_* */
    console_cell_t cells[CONSOLE_MAX_ROWS][CONSOLE_MAX_COLS];
    int row, col;    /* cursor; col == cols: wrap pending */
    uint16_t fg, bg; /* current colours */
    bool bold;
    uint32_t dirty; /* bit r: row r needs redrawing */
    console_term_state_t state;
    int params[CONSOLE_PARAMS_MAX];
    int nparams; /* parameters opened (0..8) */
} console_term_t;

/* Size the grid (clamped to 1..CONSOLE_MAX_*), fill it with white-on-black
 * spaces, home the cursor, reset colours and parser; nothing dirty. */
void console_term_init(console_term_t *t, int cols, int rows);

/* Interpret `len` bytes (any values). */
void console_term_feed(console_term_t *t, const uint8_t *buf, size_t len);

/* Clear the grid to default colours, home the cursor, mark all rows dirty
 * (MSG_CONSOLE_CLEAR and ESC [ 2 J). */
void console_term_clear(console_term_t *t);

/* The mask with every row of the grid set. */
uint32_t console_term_all_rows(const console_term_t *t);

#endif
