/*
 * line_edit.h -- (internal) our line editor for the mk-shell console, fed one byte at
 * a time, with no heap allocation.
 *
 * Source: seed README (002), "Interactive shell": arrow-key history,
 * left/right, Home/End, Ctrl+A/E/U/K/W, insert anywhere, backspace/delete,
 * Ctrl+C clears the line, Ctrl+D on an empty line ends input.
 *
 * The caller owns the line_edit_t (it is large: the history lives inside
 * it) and feeds it the bytes it reads from the terminal; the editor never
 * reads or blocks. What it has to show goes to the caller's write callback
 * as ANSI/VT100 sequences (a one-line editor: "\r", prompt, buffer, erase to
 * end of line, cursor back). Only printable ASCII (0x20..0x7e) enters the
 * buffer; other bytes are dropped and counted (see line_edit_dropped()).
 * Not thread-safe: one editor belongs to one thread.
 */
#ifndef MK_SHELL_LINE_EDIT_H
#define MK_SHELL_LINE_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LINE_EDIT_LINE_MAX
#define LINE_EDIT_LINE_MAX 1024 /* bytes of a line buffer; a line holds one less */
#endif
#ifndef LINE_EDIT_HISTORY_MAX
#define LINE_EDIT_HISTORY_MAX 64 /* lines kept in the history ring */
#endif
#ifndef LINE_EDIT_PROMPT_MAX
#define LINE_EDIT_PROMPT_MAX 32 /* bytes of the prompt, NUL included */
#endif

/* What line_edit_feed() saw. */
typedef enum {
    LINE_EDIT_MORE = 0,  /* still editing; nothing to do */
    LINE_EDIT_LINE,      /* Enter: the finished line is in line_edit_line() */
    LINE_EDIT_TOO_LONG,  /* Enter, but the line overflowed: line_edit_line() holds
                              the first LINE_EDIT_LINE_MAX - 1 bytes only */
    LINE_EDIT_INTERRUPT, /* Ctrl+C: the line was discarded */
    LINE_EDIT_EOF        /* Ctrl+D on an empty line (never in plain mode) */
} line_edit_status_t;

/* Receives terminal output: `len` bytes at `data`, not NUL-terminated. */
typedef void (*line_edit_write_fn)(const char *data, size_t len, void *ctx);

typedef struct {
    char buf[LINE_EDIT_LINE_MAX];   /* line being edited, NUL-terminated */
    size_t len;                     /* bytes in buf */
    size_t pos;                     /* cursor, 0 .. len */
    char line[LINE_EDIT_LINE_MAX];  /* last finished line */
    char saved[LINE_EDIT_LINE_MAX]; /* the new line, kept while browsing history */
    char hist[LINE_EDIT_HISTORY_MAX][LINE_EDIT_LINE_MAX]; /* ring of past lines */
    size_t hist_count;                                    /* lines in the ring */
    size_t hist_first;                                    /* ring index of the oldest line */
    size_t browse;                     /* lines back from the newest; 0 = not browsing */
    char prompt[LINE_EDIT_PROMPT_MAX]; /* shown before the buffer */
    int esc;                           /* escape-sequence parser state */
    char esc_param[8];                 /* digits of a CSI sequence */
    size_t esc_len;                    /* bytes in esc_param */
    bool overflow;                     /* bytes were lost to a full buffer */
    bool last_cr;                      /* previous byte was '\r' (so "\r\n" ends one line) */
    bool plain;                        /* no echo, no editing keys, no Ctrl+D EOF */
    size_t dropped;                    /* bytes dropped from the current line */
    size_t last_dropped;               /* bytes dropped from the last finished line */
    line_edit_write_fn write;          /* terminal output; NULL: none */
    void *write_ctx;                   /* passed to write */
} line_edit_t;

/*
 * Make `rl` an empty editor with an empty history. `prompt` (may be NULL
 * for none) is copied, cut at LINE_EDIT_PROMPT_MAX - 1 bytes. `write`
 * (may be NULL) receives everything to show. Plain mode (`plain` true) is
 * for input that is not a terminal: nothing is echoed, bytes are taken as
 * they come ('\n', '\r' or "\r\n" end a line, tab counts as a space, escape
 * sequences and control keys are dropped and counted), and only the end of
 * the input ends it.
 */
void line_edit_init(line_edit_t *rl, const char *prompt, line_edit_write_fn write, void *ctx,
                    bool plain);

/*
 * Feed one byte of input. Keys (terminal mode): printable ASCII inserts at
 * the cursor; Enter ('\r' or '\n') finishes the line; Backspace (0x7f,
 * Ctrl+H) and Delete (ESC [ 3 ~) erase; Left/Right (ESC [ D / C, Ctrl+B/F)
 * move; Home (ESC [ H, ESC [ 1 ~, ESC [ 7 ~, ESC O H, Ctrl+A) and End
 * (ESC [ F, ESC [ 4 ~, ESC [ 8 ~, ESC O F, Ctrl+E) jump; Up/Down (ESC [ A /
 * B, Ctrl+P/N) browse the history; Ctrl+U kills to the start, Ctrl+K to
 * the end, Ctrl+W the word before the cursor; Ctrl+L redraws; Ctrl+C
 * discards the line; Ctrl+D deletes under the cursor, or reports EOF on an
 * empty line. Bytes past the buffer's capacity are dropped and the line is
 * reported LINE_EDIT_TOO_LONG when Enter comes. A finished non-empty line
 * that differs from the newest history entry is added to the history.
 */
line_edit_status_t line_edit_feed(line_edit_t *rl, unsigned char byte);

/* The last finished line (NUL-terminated, no newline); "" before any. Valid
 * until the next line finishes. */
const char *line_edit_line(const line_edit_t *rl);

/* Non-printable bytes dropped from the last finished line. */
size_t line_edit_dropped(const line_edit_t *rl);

/* The line being edited (NUL-terminated) and the cursor position in it. */
const char *line_edit_buffer(const line_edit_t *rl);
size_t line_edit_cursor(const line_edit_t *rl);

/* Change the prompt (copied, cut like in line_edit_init); not redrawn. */
void line_edit_set_prompt(line_edit_t *rl, const char *prompt);

/* Append `line` to the history (cut at LINE_EDIT_LINE_MAX - 1 bytes);
 * empty lines and repeats of the newest entry are ignored. When the ring is
 * full the oldest entry goes. */
void line_edit_history_add(line_edit_t *rl, const char *line);

/* Forget every history line. */
void line_edit_history_clear(line_edit_t *rl);

/* Lines in the history, and line `i` (0 = oldest); NULL when i is out of
 * range. */
size_t line_edit_history_count(const line_edit_t *rl);
const char *line_edit_history_get(const line_edit_t *rl, size_t i);

/* Erase the prompt line from the terminal, so other output can be written
 * (follow with line_edit_refresh()). Nothing in plain mode. */
void line_edit_hide(line_edit_t *rl);

/* Draw the prompt, the buffer and the cursor. Nothing in plain mode. */
void line_edit_refresh(line_edit_t *rl);

#ifdef __cplusplus
}
#endif

#endif
