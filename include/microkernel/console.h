/*
 * console.h -- the ANSI console actor at /sys/console: a virtual terminal
 * whose grid is sized from the display (58x29 on the 466x466 round panel,
 * 100x30 on 800x480), fed raw bytes with ANSI escape sequences, redrawing
 * only the rows that changed as MSG_DISPLAY_TEXT_ATTR messages.
 *
 * Names, values and semantics are the original's (compat/hardware.md
 * section 6; docs/display.md lists the sequences). Not to be confused with
 * mk-shell's line-editor console, registered under the flat name "console"
 * (shell.h): different actor, different name space, both may run.
 *
 * MSG_CONSOLE_WRITE / MSG_CONSOLE_CLEAR are the original's values; the
 * line-editor console's own messages are MSG_TTY_* (shell.h), so the two
 * headers can be included together. MSG_ANSI_CONSOLE_WRITE is an alias.
 */
#ifndef MICROKERNEL_CONSOLE_H
#define MICROKERNEL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/services.h" /* MSG_* values (the original keeps them there) */
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CONSOLE_COLS     58  /* default columns (466 / 8) */
#define CONSOLE_ROWS     29  /* default rows (466 / 16) */
#define CONSOLE_MAX_COLS 100 /* cap (800 / 8) */
#define CONSOLE_MAX_ROWS 32  /* cap */

/* One character cell: 6 bytes. */
typedef struct {
    uint8_t ch; /* character (bytes >= 0x80 are kept, drawn as a space) */
    uint8_t _pad;
    uint16_t fg; /* RGB565 */
    uint16_t bg; /* RGB565 */
} console_cell_t;

/*
 * Start the console. Needs /node/hardware/display registered on `rt`; the
 * grid is (display width / 8, at most 100) x (display height / 16, at most
 * 32), 58x29 when the display's size is not known locally. Cells start as
 * white-on-black spaces, cursor (0,0); nothing is drawn before the first
 * write. Spawns (mailbox 64) and registers the path "/sys/console".
 * Returns ACTOR_ID_INVALID with a reason (no display, no memory, no actor
 * slot, the name taken). Source: compat/hardware.md section 6.
 */
actor_id_t mk_console_actor_init(runtime_t *rt);

/* Send MSG_CONSOLE_WRITE with `len` bytes of `text` to /sys/console (from
 * the running actor). True if enqueued; false with a reason. */
bool mk_console_write(runtime_t *rt, const char *text, size_t len);

/* Format into 512 bytes (longer output is cut to 511) and write. */
bool mk_console_printf(runtime_t *rt, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Send MSG_CONSOLE_CLEAR. */
bool mk_console_clear(runtime_t *rt);

/* Columns and rows of the live console (the one started last in this
 * process); false when none runs. */
bool mk_console_get_size(int *cols, int *rows);

/* Test helpers on the live console: the cell at 0-based (row, col), NULL
 * when out of range or none; the cursor (col may equal cols while a wrap
 * is pending). Call on the runtime's thread. */
const console_cell_t *mk_console_get_cell(int row, int col);
/* The live console's cursor, 0-based, into *row and *col (col may equal
 * the column count while a wrap is pending); false when none runs. */
bool mk_console_get_cursor(int *row, int *col);

#ifdef __cplusplus
}
#endif

#endif
