/*
 * line_edit.c -- the line editor of line_edit.h: a byte-at-a-time state
 * machine over a caller-owned buffer and history ring.
 *
 * Called by the console actor (and usable by any program that owns a
 * terminal). It never reads, blocks or allocates: input comes in through
 * line_edit_feed(), output leaves through the caller's write callback.
 */
#include <stdio.h>
#include <string.h>

#include "shell/line_edit.h"

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

#define CTRL(c) ((c)&0x1f)

static void emit(line_edit_t *rl, const char *s, size_t n)
{
    if (rl->write && !rl->plain && n > 0)
        rl->write(s, n, rl->write_ctx);
}

static void emits(line_edit_t *rl, const char *s)
{
    emit(rl, s, strlen(s));
}

static void copy_cut(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n > cap - 1)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

void line_edit_init(line_edit_t *rl, const char *prompt, line_edit_write_fn write, void *ctx,
                    bool plain)
{
    memset(rl, 0, sizeof *rl);
    copy_cut(rl->prompt, sizeof rl->prompt, prompt);
    rl->write = write;
    rl->write_ctx = ctx;
    rl->plain = plain;
}

void line_edit_set_prompt(line_edit_t *rl, const char *prompt)
{
    copy_cut(rl->prompt, sizeof rl->prompt, prompt);
}

const char *line_edit_line(const line_edit_t *rl)
{
    return rl->line;
}

size_t line_edit_dropped(const line_edit_t *rl)
{
    return rl->last_dropped;
}

const char *line_edit_buffer(const line_edit_t *rl)
{
    return rl->buf;
}

size_t line_edit_cursor(const line_edit_t *rl)
{
    return rl->pos;
}

void line_edit_hide(line_edit_t *rl)
{
    emits(rl, "\r\x1b[K");
}

void line_edit_refresh(line_edit_t *rl)
{
    if (rl->plain || !rl->write)
        return;
    /* One write per redraw, so the terminal never shows a half-drawn line. */
    char out[LINE_EDIT_PROMPT_MAX + LINE_EDIT_LINE_MAX + 32];
    size_t n = 0;
    size_t plen = strlen(rl->prompt);
    out[n++] = '\r';
    memcpy(out + n, rl->prompt, plen);
    n += plen;
    memcpy(out + n, rl->buf, rl->len);
    n += rl->len;
    memcpy(out + n, "\x1b[K", 3);
    n += 3;
    if (rl->pos < rl->len)
        n += (size_t)snprintf(out + n, sizeof out - n, "\x1b[%zuD", rl->len - rl->pos);
    rl->write(out, n, rl->write_ctx);
}

/* ---- History -------------------------------------------------------- */

size_t line_edit_history_count(const line_edit_t *rl)
{
    return rl->hist_count;
}

const char *line_edit_history_get(const line_edit_t *rl, size_t i)
{
    if (i >= rl->hist_count)
        return NULL;
    return rl->hist[(rl->hist_first + i) % LINE_EDIT_HISTORY_MAX];
}

void line_edit_history_add(line_edit_t *rl, const char *line)
{
    if (!line || !line[0])
        return;
    const char *newest = line_edit_history_get(rl, rl->hist_count - 1);
    if (rl->hist_count > 0 && strncmp(newest, line, LINE_EDIT_LINE_MAX - 1) == 0)
        return;
    size_t slot;
    if (rl->hist_count < LINE_EDIT_HISTORY_MAX) {
        slot = (rl->hist_first + rl->hist_count) % LINE_EDIT_HISTORY_MAX;
        rl->hist_count++;
    } else {
        slot = rl->hist_first;
        rl->hist_first = (rl->hist_first + 1) % LINE_EDIT_HISTORY_MAX;
    }
    copy_cut(rl->hist[slot], LINE_EDIT_LINE_MAX, line);
}

void line_edit_history_clear(line_edit_t *rl)
{
    rl->hist_count = rl->hist_first = 0;
    rl->browse = 0;
}

static void set_buffer(line_edit_t *rl, const char *s)
{
    copy_cut(rl->buf, sizeof rl->buf, s);
    rl->len = strlen(rl->buf);
    rl->pos = rl->len;
}

/* Move `delta` entries through the history: +1 older, -1 newer. */
static void browse(line_edit_t *rl, int delta)
{
    if (delta > 0) {
        if (rl->browse >= rl->hist_count)
            return;
        if (rl->browse == 0)
            copy_cut(rl->saved, sizeof rl->saved, rl->buf);
        rl->browse++;
    } else {
        if (rl->browse == 0)
            return;
        rl->browse--;
    }
    if (rl->browse == 0)
        set_buffer(rl, rl->saved);
    else
        set_buffer(rl, line_edit_history_get(rl, rl->hist_count - rl->browse));
    rl->overflow = false;
    line_edit_refresh(rl);
}

/* ---- Editing -------------------------------------------------------- */

static void insert(line_edit_t *rl, char c)
{
    if (rl->len >= sizeof rl->buf - 1) {
        rl->overflow = true;
        return;
    }
    memmove(rl->buf + rl->pos + 1, rl->buf + rl->pos, rl->len - rl->pos + 1);
    rl->buf[rl->pos++] = c;
    rl->len++;
    if (rl->pos == rl->len) {
        emit(rl, &c, 1); /* typing at the end needs no redraw */
        return;
    }
    line_edit_refresh(rl);
}

/* Remove bytes [from, to) of the buffer and redraw. */
static void erase(line_edit_t *rl, size_t from, size_t to)
{
    if (from >= to)
        return;
    memmove(rl->buf + from, rl->buf + to, rl->len - to + 1);
    rl->len -= to - from;
    if (rl->pos > to)
        rl->pos -= to - from;
    else if (rl->pos > from)
        rl->pos = from;
    rl->overflow = false;
    line_edit_refresh(rl);
}

static void move_to(line_edit_t *rl, size_t pos)
{
    if (pos > rl->len || pos == rl->pos)
        return;
    rl->pos = pos;
    line_edit_refresh(rl);
}

static void kill_word(line_edit_t *rl)
{
    size_t start = rl->pos;
    while (start > 0 && rl->buf[start - 1] == ' ')
        start--;
    while (start > 0 && rl->buf[start - 1] != ' ')
        start--;
    erase(rl, start, rl->pos);
}

static line_edit_status_t finish(line_edit_t *rl)
{
    bool too_long = rl->overflow;
    memcpy(rl->line, rl->buf, rl->len + 1);
    rl->last_dropped = rl->dropped;
    rl->buf[0] = '\0';
    rl->len = rl->pos = 0;
    rl->overflow = false;
    rl->dropped = 0;
    rl->browse = 0;
    emits(rl, "\r\n");
    if (!too_long)
        line_edit_history_add(rl, rl->line);
    return too_long ? LINE_EDIT_TOO_LONG : LINE_EDIT_LINE;
}

static void drop(line_edit_t *rl)
{
    if (rl->dropped < (size_t)-1)
        rl->dropped++;
}

/* The final byte of an escape sequence (after ESC [ digits, or ESC O). */
static void escape_final(line_edit_t *rl, unsigned char c)
{
    int param = 0;
    for (size_t i = 0; i < rl->esc_len; i++)
        param = param * 10 + (rl->esc_param[i] - '0');
    if (c == '~') {
        switch (param) {
        case 1:
        case 7: move_to(rl, 0); break;
        case 4:
        case 8: move_to(rl, rl->len); break;
        case 3: erase(rl, rl->pos, rl->pos < rl->len ? rl->pos + 1 : rl->pos); break;
        default: break;
        }
        return;
    }
    switch (c) {
    case 'A': browse(rl, +1); break;
    case 'B': browse(rl, -1); break;
    case 'C': move_to(rl, rl->pos + 1); break;
    case 'D':
        if (rl->pos > 0)
            move_to(rl, rl->pos - 1);
        break;
    case 'H': move_to(rl, 0); break;
    case 'F': move_to(rl, rl->len); break;
    default: break; /* unknown sequences are ignored whole */
    }
}

/* Returns true when `c` was consumed by an escape sequence. */
static bool escape_step(line_edit_t *rl, unsigned char c)
{
    switch (rl->esc) {
    case ESC_START:
        rl->esc_len = 0;
        rl->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
        return true; /* ESC + other byte (Alt+key): both ignored */
    case ESC_CSI:
        if ((c >= '0' && c <= '9') || c == ';') {
            if (c != ';' && rl->esc_len < sizeof rl->esc_param)
                rl->esc_param[rl->esc_len++] = (char)c;
            return true;
        }
        rl->esc = ESC_NONE;
        if (c >= 0x40 && c <= 0x7e)
            escape_final(rl, c);
        return true;
    case ESC_SS3:
        rl->esc = ESC_NONE;
        rl->esc_len = 0;
        escape_final(rl, c);
        return true;
    default: return false;
    }
}

static line_edit_status_t feed_plain(line_edit_t *rl, unsigned char c)
{
    if (c == '\n' && rl->last_cr) {
        rl->last_cr = false;
        return LINE_EDIT_MORE;
    }
    rl->last_cr = c == '\r';
    if (c == '\r' || c == '\n')
        return finish(rl);
    if (c == '\t')
        c = ' ';
    if (c >= 0x20 && c < 0x7f)
        insert(rl, (char)c);
    else
        drop(rl);
    return LINE_EDIT_MORE;
}

line_edit_status_t line_edit_feed(line_edit_t *rl, unsigned char c)
{
    if (rl->plain)
        return feed_plain(rl, c);
    if (escape_step(rl, c))
        return LINE_EDIT_MORE;
    if (c == '\n' && rl->last_cr) {
        rl->last_cr = false;
        return LINE_EDIT_MORE;
    }
    rl->last_cr = c == '\r';
    switch (c) {
    case '\r':
    case '\n': return finish(rl);
    case 0x1b: rl->esc = ESC_START; break;
    case CTRL('A'): move_to(rl, 0); break;
    case CTRL('E'): move_to(rl, rl->len); break;
    case CTRL('B'):
        if (rl->pos > 0)
            move_to(rl, rl->pos - 1);
        break;
    case CTRL('F'): move_to(rl, rl->pos + 1); break;
    case CTRL('P'): browse(rl, +1); break;
    case CTRL('N'): browse(rl, -1); break;
    case CTRL('U'): erase(rl, 0, rl->pos); break;
    case CTRL('K'): erase(rl, rl->pos, rl->len); break;
    case CTRL('W'): kill_word(rl); break;
    case CTRL('L'):
        emits(rl, "\x1b[H\x1b[2J");
        line_edit_refresh(rl);
        break;
    case CTRL('H'):
    case 0x7f:
        if (rl->pos > 0)
            erase(rl, rl->pos - 1, rl->pos);
        break;
    case CTRL('D'):
        if (rl->len == 0) {
            rl->browse = 0;
            return LINE_EDIT_EOF;
        }
        if (rl->pos < rl->len)
            erase(rl, rl->pos, rl->pos + 1);
        break;
    case CTRL('C'):
        rl->buf[0] = '\0';
        rl->len = rl->pos = 0;
        rl->overflow = false;
        rl->dropped = 0;
        rl->browse = 0;
        emits(rl, "^C\r\n");
        return LINE_EDIT_INTERRUPT;
    case '\t': insert(rl, ' '); break;
    default:
        if (c >= 0x20 && c < 0x7f)
            insert(rl, (char)c);
        else
            drop(rl);
        break;
    }
    return LINE_EDIT_MORE;
}
