/*
 * microkernel/mk_readline.h -- the original's platform-neutral line editor
 * (compat/services.md section 7): the caller feeds raw input bytes one at a
 * time and gets the terminal output (ANSI/VT100) through a callback; it
 * puts the terminal in raw mode itself. No heap allocation, no I/O, no
 * blocking; not thread-safe (one editor, one thread). The state, history
 * ring included, lives in the caller's mk_readline_t (8800 bytes with the
 * default sizes on LP64).
 *
 * mk-shell's own console uses another editor (src/shell/line_edit.h: plain
 * mode for pipes, 1023-byte lines, overflow reporting); this header is the
 * original's API, for programs written against it.
 */
#ifndef MICROKERNEL_MK_READLINE_H
#define MICROKERNEL_MK_READLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef MK_RL_MAX_LINE
#define MK_RL_MAX_LINE 256 /* bytes of the line buffer; at most 255 characters are taken */
#endif
#ifndef MK_RL_MAX_HISTORY
#define MK_RL_MAX_HISTORY 32 /* entries of the history ring */
#endif

#define MK_RL_CONTINUE 0    /* still editing */
#define MK_RL_DONE     1    /* line complete: read rl->line (NUL-terminated) */
#define MK_RL_EOF      (-1) /* Ctrl+D on an empty line */

/* Receives terminal output: `len` bytes at `buf` (not NUL-terminated). */
typedef void (*mk_rl_write_fn)(const char *buf, size_t len, void *ctx);

/* The editor's state; fields in the original's order. */
typedef struct {
    char line[MK_RL_MAX_LINE];                       /* current edit buffer, NUL-terminated */
    size_t len;                                      /* characters in line */
    size_t pos;                                      /* cursor index, 0 .. len */
    char history[MK_RL_MAX_HISTORY][MK_RL_MAX_LINE]; /* history ring */
    size_t hist_count;                               /* entries ever added */
    size_t hist_next;                                /* next ring slot to write */
    size_t hist_browse; /* 0: editing the live line; n: showing the n-th most recent entry */
    char saved[MK_RL_MAX_LINE]; /* live line saved when browsing starts */
    size_t saved_len;
    int esc;            /* escape parser: 0 normal, 1 after ESC, 2 after ESC [,
                           3 after ESC [ digit, 4 after ESC O */
    int esc_num;        /* the digit seen in state 3 */
    bool last_cr;       /* the last byte was CR (CRLF folding) */
    const char *prompt; /* borrowed: must outlive the editor */
    size_t prompt_len;  /* strlen(prompt) */
    mk_rl_write_fn write_cb;
    void *write_ctx;
} mk_readline_t;

/*
 * Zero the state (empty line and history) and keep `prompt` (borrowed; NULL
 * means "> "), `write_cb` (may be NULL: output discarded) and `ctx`. Prints
 * nothing (call mk_rl_prompt()). `rl` must not be NULL.
 */
void mk_rl_init(mk_readline_t *rl, const char *prompt, mk_rl_write_fn write_cb, void *ctx);

/*
 * Process one input byte; returns MK_RL_CONTINUE, MK_RL_DONE (the line is in
 * rl->line; it is not added to the history: the caller does that) or
 * MK_RL_EOF (Ctrl+D on an empty line). Keys, as the original:
 *   CR or LF: finish (echo "\n"); an LF right after a CR is swallowed.
 *   DEL (0x7F) / BS (0x08): delete left of the cursor.
 *   Ctrl+A, ESC [ H, ESC O H: start; Ctrl+E, ESC [ F, ESC O F: end.
 *   Ctrl+B, ESC [ D: left; Ctrl+F, ESC [ C: right.
 *   ESC [ A / ESC [ B: older / newer history entry (the live line is saved
 *   on the first step back and restored past the newest).
 *   ESC [ 3 ~: delete under the cursor. Ctrl+D: EOF on an empty line, else
 *   delete under the cursor. Ctrl+K: kill to the end; Ctrl+U: the whole
 *   line; Ctrl+W: the word before the cursor (blanks, then non-blanks).
 *   Ctrl+C: discard the line, echo "^C\n", re-prompt. Ctrl+L: clear the
 *   screen (ESC [ 2 J ESC [ H) and re-prompt with an empty line.
 *   0x20..0x7E: insert at the cursor; ignored once 255 characters are in.
 *   Anything else: ignored.
 * Escape parsing is the original's: one digit after ESC [ only (ESC [ 1 ~
 * and ESC [ 4 ~ do nothing; in ESC [ 1 5 ~ the '5' is swallowed and '~'
 * inserted); ESC followed by anything but '[' or 'O' consumes that byte.
 * Redraws write "\r", the prompt, the line, ESC [ K, then ESC [ <n> D when
 * the cursor is n characters before the end.
 */
int mk_rl_feed(mk_readline_t *rl, uint8_t ch);

/* Clear the line, cursor, history browsing and escape state, and write the
 * prompt. */
void mk_rl_prompt(mk_readline_t *rl);

/*
 * Add `line` to the history ring (truncated to MK_RL_MAX_LINE - 1 bytes);
 * NULL, "" and a repeat of the most recent entry are ignored; when the ring
 * is full the oldest entry is overwritten.
 */
void mk_rl_history_add(mk_readline_t *rl, const char *line);

/* History entry `idx` (0 = most recent), or NULL when idx >=
 * mk_rl_history_count(). Valid until the next mk_rl_history_add(). */
const char *mk_rl_history_get(const mk_readline_t *rl, size_t idx);

/* Entries retrievable: min(entries ever added, MK_RL_MAX_HISTORY). */
size_t mk_rl_history_count(const mk_readline_t *rl);

#ifdef __cplusplus
}
#endif

#endif
