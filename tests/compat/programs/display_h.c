/* display_h.c -- the original's display.h, console.h and dashboard.h
 * (compat/hardware.md sections 5-7): message numbers, payload sizes,
 * macros, grid constants, and the three actors started in the original's
 * order. Built against the installed package with pkg-config flags only. */
#include <microkernel/console.h>
#include <microkernel/dashboard.h>
#include <microkernel/display.h>
#include <microkernel/runtime.h>
#include <stdio.h>

int main(void)
{
    int ok = MSG_DISPLAY_DRAW == 0xFF000051u && MSG_DISPLAY_TEXT_ATTR == 0xFF000057u &&
             MSG_DISPLAY_OK == 0xFF00005Cu && MSG_DISPLAY_ERROR == 0xFF00005Du &&
             MSG_CONSOLE_WRITE == 0xFF000060u && MSG_CONSOLE_CLEAR == 0xFF000061u &&
             sizeof(display_fill_payload_t) == 12 && sizeof(display_text_attr_cell_t) == 6 &&
             sizeof(console_cell_t) == 6 && RGB565(255, 0, 0) == 0xF800 && DISPLAY_COL(2) == 16 &&
             DISPLAY_ROW(2) == 32 && CONSOLE_COLS == 58 && CONSOLE_ROWS == 29 &&
             CONSOLE_MAX_COLS == 100 && CONSOLE_MAX_ROWS == 32;
    runtime_t *rt = runtime_init(1, 16);
    ok = ok && display_actor_init(rt) != ACTOR_ID_INVALID &&
         mk_console_actor_init(rt) != ACTOR_ID_INVALID;
    int cols = 0, rows = 0;
    ok = ok && mk_console_get_size(&cols, &rows) && cols == 58 && rows == 29;
    ok = ok && mk_console_printf(rt, "\x1b[2J%s", "hello");
    for (int i = 0; i < 200; i++)
        runtime_step(rt);
    const console_cell_t *c = mk_console_get_cell(0, 0);
    ok = ok && c && c->ch == 'h';
    ok = ok && dashboard_actor_init(rt) != ACTOR_ID_INVALID;
    for (int i = 0; i < 200; i++)
        runtime_step(rt);
    c = mk_console_get_cell(3, 23); /* the title, centred in the circular layout */
    ok = ok && c && c->ch == 'M';
    runtime_destroy(rt);
    puts(ok ? "display_h: ok" : "display_h: FAILED");
    return ok ? 0 : 1;
}
