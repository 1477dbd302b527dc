/*
 * cmdline.h -- the shell's pure command-line parser: splitting a line into
 * words, message types, hex payloads and actor references.
 *
 * Pure functions over caller-owned memory: no I/O, no allocation, no global
 * state, so they are unit-tested and fuzzed alone (tests/shell/,
 * tests/fuzz/fuzz_shell_cmdline.c). Every failure writes a one-line reason
 * into the caller's `err` buffer (SHELL_ERR_MAX bytes).
 */
#ifndef MK_SHELL_CMDLINE_H
#define MK_SHELL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shell/line_edit.h"

#define SHELL_ARGS_MAX    16   /* words in one command line */
#define SHELL_ERR_MAX     160  /* bytes of an error message, NUL included */
#define SHELL_PAYLOAD_MAX 4096 /* bytes of a send/call payload */

/* A line split into words. */
typedef struct {
    size_t argc;                        /* words found */
    const char *argv[SHELL_ARGS_MAX];   /* each NUL-terminated, inside store */
    size_t offset[SHELL_ARGS_MAX];      /* where each word starts in the line */
    size_t len[SHELL_ARGS_MAX];         /* bytes of each word (escaped \0 bytes count) */
    bool quoted[SHELL_ARGS_MAX];        /* the word had quotes or escapes */
    char store[LINE_EDIT_LINE_MAX * 2]; /* the words' unescaped bytes */
} shell_args_t;

/*
 * Split `line` (`len` bytes, need not be NUL-terminated) into words at
 * spaces and tabs. "double quotes" allow spaces and the escapes \" \\ \n
 * \t \r \0 \xHH; 'single quotes' take everything literally; a backslash
 * outside quotes escapes the next byte. Returns false with a reason for an
 * unterminated quote, a bad escape, more than SHELL_ARGS_MAX words, or a
 * line longer than the store. A NUL byte inside the line is an error too
 * (words are C strings).
 */
bool shell_split(const char *line, size_t len, shell_args_t *out, char *err);

/*
 * Parse a message type: decimal ("200") or hex with 0x/0X ("0xC8"), fitting
 * in 32 bits. Returns false with a reason for anything else (empty, sign,
 * stray characters, overflow).
 */
bool shell_parse_type(const char *s, uint32_t *out, char *err);

/*
 * Parse an unsigned 64-bit number, decimal or 0x hex, same rules as
 * shell_parse_type. Used for actor IDs.
 */
bool shell_parse_u64(const char *s, uint64_t *out, char *err);

/*
 * Decode `len` hex digits at `hex` (either case, no separators) into `out`
 * (capacity `cap` bytes); *n receives the byte count. Returns false with a
 * reason naming the problem: an odd number of digits, a non-hex character
 * (and its position), or more bytes than `cap`.
 */
bool shell_parse_hex(const char *hex, size_t len, uint8_t *out, size_t cap, size_t *n, char *err);

/*
 * The payload of `send`/`call`: the words from `first` on, of the line
 * `line` that `args` was split from. No words: empty payload. One word
 * "x:HEX": the decoded bytes. One other word: its unquoted text. Several
 * words: the rest of the line exactly as typed (spaces kept, trailing
 * blanks trimmed). Returns false with a reason for a bad x: payload, an x:
 * word followed by others, or more than `cap` bytes.
 */
bool shell_parse_payload(const char *line, size_t len, const shell_args_t *args, size_t first,
                         uint8_t *out, size_t cap, size_t *n, char *err);

/*
 * Write `n` bytes of `data` as a double-quoted C-style string into `out`
 * (capacity `cap`, always NUL-terminated): printable ASCII as is, \" \\ \n
 * \r \t, other bytes as \xHH. Stops after `max_show` input bytes and adds
 * "..." after the closing quote when there were more.
 */
void shell_quote(const uint8_t *data, size_t n, size_t max_show, char *out, size_t cap);

/* Bytes shell_escape_text() may write for one input byte. */
#define SHELL_ESCAPE_MAX_PER_BYTE 4

/*
 * Make text from outside fit to reach a terminal: copy `n` bytes of `data`
 * into `out` (capacity `cap` bytes, no NUL added) with printable ASCII,
 * '\n', '\t' and well-formed UTF-8 from U+00A0 up kept as they are, and
 * every other byte -- C0 controls such as ESC (0x1b), '\r', DEL, the C1
 * controls U+0080..U+009F (an 8-bit CSI), malformed or cut UTF-8 -- written
 * as the four characters "\xNN" (lower-case hex). Never splits an item:
 * stops before one that does not fit. Returns the bytes written and sets
 * *used to the input bytes consumed (call again with the rest). Pure.
 * Why: a remote actor's MSG_TTY_WRITE with ESC[2J cleared the
 * operator's screen (issue 13). UTF-8 rules: RFC 3629 section 4.
 */
size_t shell_escape_text(const uint8_t *data, size_t n, char *out, size_t cap, size_t *used);

#endif
