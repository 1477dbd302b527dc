/*
 * display_board.c -- the panels the display stack knows, as data: size,
 * shape and, for the round AMOLED, the bezel margin of every text row.
 *
 * The margins are the original dashboard's table (compat/hardware.md
 * section 7), derived there from a circle of radius 233 px centred on the
 * 466x466 panel with 8x16 cells. Adding a board is adding a constant here.
 */
#include <string.h>

#include "microkernel/display.h"

static const uint8_t round466_margins[29] = {21, 16, 13, 10, 8, 6, 5, 3, 2, 2, 1,  0,  0,  0, 0,
                                             0,  0,  0,  1,  2, 2, 3, 5, 6, 8, 10, 13, 16, 21};

const display_board_t display_board_round466 = {
    .name = "round466",
    .description = "Waveshare AMOLED 1.43\" (SH8601), 466x466 round",
    .width = 466,
    .height = 466,
    .shape = DISPLAY_SHAPE_ROUND,
    .row_margin = round466_margins,
    .margin_rows = sizeof round466_margins,
};

const display_board_t display_board_rect800 = {
    .name = "rect800",
    .description = "Waveshare LCD 4.3B (ST7262), 800x480 rectangular",
    .width = 800,
    .height = 480,
    .shape = DISPLAY_SHAPE_RECT,
    .row_margin = NULL,
    .margin_rows = 0,
};

const display_board_t *display_board_find(const char *name)
{
    if (!name)
        return NULL;
    if (strcmp(name, display_board_round466.name) == 0)
        return &display_board_round466;
    if (strcmp(name, display_board_rect800.name) == 0)
        return &display_board_rect800;
    return NULL;
}

unsigned display_board_row_margin(const display_board_t *board, unsigned row)
{
    if (!board || !board->row_margin || row >= board->margin_rows)
        return 0;
    return board->row_margin[row];
}
