/*
 * console.c -- the ANSI console actor at /sys/console: feeds
 * MSG_CONSOLE_WRITE bytes to its terminal (console_term.c) and sends every
 * dirty row, top to bottom, to /node/hardware/display as one
 * MSG_DISPLAY_TEXT_ATTR (x 0, y row*16, one cell per column).
 *
 * A row the display's mailbox cannot take stays dirty and is retried on a
 * short timer, so a burst never loses a row. One text-row buffer, no
 * allocation per message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/runtime_api.h"
#include "hw/display/console_term.h"
#include "hw/display/display_internal.h"
#include "microkernel/services.h"

#define CONSOLE_PATH     "/sys/console"
#define CONSOLE_MAILBOX  64
#define CONSOLE_RETRY_MS 10 /* after the display's mailbox was full */

typedef struct {
    console_term_t term;
    actor_id_t self;
    timer_id_t retry; /* armed while rows wait for the display */
    uint8_t row_msg[8 + 6 * CONSOLE_MAX_COLS];
} console_t;

/* The console started last in this process (the original's test helpers
 * take no runtime). */
static console_t *live_console;

/* Send the dirty rows; those the display cannot take now stay dirty. */
static void flush_rows(runtime_t *rt, console_t *c)
{
    console_term_t *t = &c->term;
    actor_id_t disp = actor_lookup(rt, DISPLAY_PATH);
    if (disp == ACTOR_ID_INVALID) {
        t->dirty = 0; /* no display: nothing to draw on */
        return;
    }
    for (int r = 0; r < t->rows; r++) {
        if (!(t->dirty & (1u << r)))
            continue;
        uint16_t h[4] = {0, (uint16_t)(r * 16), (uint16_t)t->cols, 0};
        memcpy(c->row_msg, h, 8);
        memcpy(c->row_msg + 8, t->cells[r], 6 * (size_t)t->cols);
        if (!actor_send(rt, disp, MSG_DISPLAY_TEXT_ATTR, c->row_msg, 8 + 6 * (size_t)t->cols)) {
            if (c->retry == TIMER_ID_INVALID)
                c->retry = actor_set_timer(rt, CONSOLE_RETRY_MS, false);
            return;
        }
        t->dirty &= ~(1u << r);
    }
}

static bool console_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    console_t *c = state;
    switch (msg->type) {
    case MSG_ANSI_CONSOLE_WRITE:
        console_term_feed(&c->term, msg->payload, msg->payload_size);
        flush_rows(rt, c);
        break;
    case MSG_CONSOLE_CLEAR:
        console_term_clear(&c->term);
        flush_rows(rt, c);
        break;
    case MSG_TIMER:
        c->retry = TIMER_ID_INVALID;
        flush_rows(rt, c);
        break;
    default: break;
    }
    return true;
}

static void free_console(void *state)
{
    if (live_console == state)
        live_console = NULL;
    mk_free(state);
}

actor_id_t mk_console_actor_init(runtime_t *rt)
{
    if (!rt || actor_lookup(rt, DISPLAY_PATH) == ACTOR_ID_INVALID) {
        mk_set_error("mk_console_actor_init: no display registered at %s", DISPLAY_PATH);
        return ACTOR_ID_INVALID;
    }
    int cols = CONSOLE_COLS, rows = CONSOLE_ROWS;
    display_dev_t *d = display_dev_of(rt);
    if (d) {
        cols = d->board->width / 8;
        rows = d->board->height / 16;
    }
    console_t *c = mk_calloc(1, sizeof *c);
    if (!c) {
        mk_set_error("mk_console_actor_init: out of memory");
        return ACTOR_ID_INVALID;
    }
    console_term_init(&c->term, cols, rows);
    c->retry = TIMER_ID_INVALID;
    actor_id_t id = actor_spawn(rt, console_behavior, c, free_console, CONSOLE_MAILBOX);
    if (id == ACTOR_ID_INVALID) {
        mk_free(c);
        return ACTOR_ID_INVALID;
    }
    c->self = id;
    mk_actor_set_system(rt, id, true);
    if (!actor_register_name(rt, CONSOLE_PATH, id)) {
        char why[200];
        snprintf(why, sizeof why, "%s", mk_last_error());
        actor_stop(rt, id);
        mk_set_error("mk_console_actor_init: cannot register %s: %s", CONSOLE_PATH, why);
        return ACTOR_ID_INVALID;
    }
    live_console = c;
    return id;
}

bool mk_console_write(runtime_t *rt, const char *text, size_t len)
{
    if (!text && len)
        return mk_fail("mk_console_write: NULL text");
    return actor_send_named(rt, CONSOLE_PATH, MSG_ANSI_CONSOLE_WRITE, len ? text : "", len);
}

bool mk_console_printf(runtime_t *rt, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return mk_fail("mk_console_printf: bad format");
    return mk_console_write(rt, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

bool mk_console_clear(runtime_t *rt)
{
    return actor_send_named(rt, CONSOLE_PATH, MSG_CONSOLE_CLEAR, NULL, 0);
}

bool mk_console_get_size(int *cols, int *rows)
{
    if (!live_console)
        return false;
    if (cols)
        *cols = live_console->term.cols;
    if (rows)
        *rows = live_console->term.rows;
    return true;
}

const console_cell_t *mk_console_get_cell(int row, int col)
{
    const console_t *c = live_console;
    if (!c || row < 0 || col < 0 || row >= c->term.rows || col >= c->term.cols)
        return NULL;
    return &c->term.cells[row][col];
}

bool mk_console_get_cursor(int *row, int *col)
{
    if (!live_console)
        return false;
    if (row)
        *row = live_console->term.row;
    if (col)
        *col = live_console->term.col;
    return true;
}
