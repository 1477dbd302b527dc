/*
 * console_term.c -- the ANSI console's terminal: control bytes, the CSI
 * parser (cursor movement, erase, SGR colours), deferred wrap, scrolling
 * and dirty-row tracking, exactly as compat/hardware.md section 6 says,
 * including the original's quirks (LF is CR+LF, a leading ';' opens
 * parameter 1, an unexpected byte aborts the sequence).
 *
 * Pure state machine over caller-owned memory: console.c feeds it and
 * draws the dirty rows; fuzz_console feeds it arbitrary bytes.
 */
#include <string.h>

#include "hw/display/console_term.h"

const uint16_t console_palette[16] = {
    0x0000, 0xA800, 0x0540, 0xAD40, 0x0015, 0xA815, 0x0555, 0xAD55,
    0x52AA, 0xFAAA, 0x57EA, 0xFFEA, 0x52BF, 0xFABF, 0x57FF, 0xFFFF,
};

uint32_t console_term_all_rows(const console_term_t *t)
{
    return t->rows >= 32 ? UINT32_MAX : (1u << t->rows) - 1u;
}

static void blank_row(console_term_t *t, int r, int from)
{
    for (int c = from; c < t->cols; c++)
        t->cells[r][c] = (console_cell_t){' ', 0, CONSOLE_DEFAULT_FG, CONSOLE_DEFAULT_BG};
}

void console_term_clear(console_term_t *t)
{
    for (int r = 0; r < t->rows; r++)
        blank_row(t, r, 0);
    t->row = t->col = 0;
    t->dirty = console_term_all_rows(t);
}

void console_term_init(console_term_t *t, int cols, int rows)
{
    memset(t, 0, sizeof *t);
    t->cols = cols < 1 ? 1 : cols > CONSOLE_MAX_COLS ? CONSOLE_MAX_COLS : cols;
    t->rows = rows < 1 ? 1 : rows > CONSOLE_MAX_ROWS ? CONSOLE_MAX_ROWS : rows;
    console_term_clear(t);
    t->dirty = 0;
    t->fg = CONSOLE_DEFAULT_FG;
    t->bg = CONSOLE_DEFAULT_BG;
    t->state = TERM_GROUND;
}

static void scroll_up(console_term_t *t)
{
    memmove(&t->cells[0], &t->cells[1], sizeof t->cells[0] * (size_t)(t->rows - 1));
    blank_row(t, t->rows - 1, 0);
    t->dirty = console_term_all_rows(t);
}

/* Next row, column 0; scroll past the last row. */
static void line_feed(console_term_t *t)
{
    t->col = 0;
    if (++t->row >= t->rows) {
        scroll_up(t);
        t->row = t->rows - 1;
    }
}

static void put(console_term_t *t, uint8_t ch)
{
    if (t->col >= t->cols)
        line_feed(t); /* the deferred wrap */
    console_cell_t *c = &t->cells[t->row][t->col];
    if (c->ch != ch || c->fg != t->fg || c->bg != t->bg) {
        *c = (console_cell_t){ch, 0, t->fg, t->bg};
        t->dirty |= 1u << t->row;
    }
    t->col++;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void sgr(console_term_t *t)
{
    if (t->nparams == 0) {
        t->fg = CONSOLE_DEFAULT_FG;
        t->bg = CONSOLE_DEFAULT_BG;
        t->bold = false;
        return;
    }
    for (int i = 0; i < t->nparams; i++) {
        int p = t->params[i];
        if (p == 0) {
            t->fg = CONSOLE_DEFAULT_FG;
            t->bg = CONSOLE_DEFAULT_BG;
            t->bold = false;
        } else if (p == 1) {
            t->bold = true;
            for (int k = 0; k < 8; k++)
                if (t->fg == console_palette[k]) {
                    t->fg = console_palette[k + 8];
                    break;
                }
        } else if (p >= 30 && p <= 37) {
            t->fg = console_palette[p - 30 + (t->bold ? 8 : 0)];
        } else if (p >= 40 && p <= 47) {
            t->bg = console_palette[p - 40];
        } else if (p >= 90 && p <= 97) {
            t->fg = console_palette[p - 90 + 8];
        } else if (p >= 100 && p <= 107) {
            t->bg = console_palette[p - 100 + 8];
        } /* everything else is ignored */
    }
}

static int param(const console_term_t *t, int i)
{
    return i < t->nparams ? t->params[i] : 0;
}

static void csi_final(console_term_t *t, uint8_t final)
{
    int n = param(t, 0) ? param(t, 0) : 1;
    int col = t->col >= t->cols ? t->cols - 1 : t->col;
    switch (final) {
    case 'H':
    case 'f':
        t->row = clamp((param(t, 0) ? param(t, 0) : 1) - 1, 0, t->rows - 1);
        t->col = clamp((param(t, 1) ? param(t, 1) : 1) - 1, 0, t->cols - 1);
        break;
    case 'A': t->row = clamp(t->row - n, 0, t->rows - 1); break;
    case 'B': t->row = clamp(t->row + n, 0, t->rows - 1); break;
    case 'C': t->col = clamp(col + n, 0, t->cols - 1); break;
    case 'D': t->col = clamp(t->col - n, 0, t->cols - 1); break;
    case 'J':
        if (param(t, 0) == 2)
            console_term_clear(t);
        break;
    case 'K':
        if (param(t, 0) == 0 && t->col < t->cols) {
            blank_row(t, t->row, t->col);
            t->dirty |= 1u << t->row;
        }
        break;
    case 'm': sgr(t); break;
    default: break;
    }
}

static void csi_byte(console_term_t *t, uint8_t b)
{
    if (b >= '0' && b <= '9') {
        if (t->nparams == 0)
            t->nparams = 1;
        int *p = &t->params[t->nparams - 1];
        *p = *p * 10 + (b - '0');
        if (*p > CONSOLE_PARAM_CAP)
            *p = CONSOLE_PARAM_CAP;
    } else if (b == ';') {
        /* The first ';' only opens parameter 1 (the original's quirk). */
        if (t->nparams == 0)
            t->nparams = 1;
        else if (t->nparams < CONSOLE_PARAMS_MAX)
            t->params[t->nparams++] = 0;
    } else if (b >= 0x40 && b <= 0x7E) {
        csi_final(t, b);
        t->state = TERM_GROUND;
    } else {
        t->state = TERM_GROUND; /* aborted: the byte is discarded */
    }
}

void console_term_feed(console_term_t *t, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = buf[i];
        switch (t->state) {
        case TERM_ESC:
            if (b == '[') {
                t->state = TERM_CSI;
                t->nparams = 0;
                memset(t->params, 0, sizeof t->params);
            } else {
                t->state = TERM_GROUND; /* ESC x: x consumed, nothing done */
            }
            break;
        case TERM_CSI: csi_byte(t, b); break;
        case TERM_GROUND:
            switch (b) {
            case '\n': line_feed(t); break;
            case '\r': t->col = 0; break;
            case '\t': t->col = clamp((t->col / 8 + 1) * 8, 0, t->cols - 1); break;
            case '\b':
                t->col = t->col >= t->cols ? t->cols - 1 : t->col > 0 ? t->col - 1 : 0;
                break;
            case 0x1B: t->state = TERM_ESC; break;
            default:
                if (b >= 0x20)
                    put(t, b);
                break;
            }
            break;
        }
    }
}
