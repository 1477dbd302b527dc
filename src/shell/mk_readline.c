/*
 * mk_readline.c -- the original's line editor (microkernel/mk_readline.h,
 * compat/services.md section 7): one byte in, terminal output through the
 * caller's callback, state in the caller's mk_readline_t. Key bindings,
 * redraw sequence and escape-parsing limits follow the original; nothing
 * here allocates, reads or blocks. mk-shell's console uses line_edit.c.
 */
#include <stdio.h>
#include <string.h>

#include "microkernel/mk_readline.h"

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && MK_RL_MAX_LINE == 256 &&           \
    MK_RL_MAX_HISTORY == 32 && defined(__LP64__)
_Static_assert(sizeof(mk_readline_t) == 8800, "mk_readline_t is the original's 8800 bytes");
#endif

static void emit(mk_readline_t *rl, const char *s, size_t n)
{
    if (rl->write_cb && n > 0)
        rl->write_cb(s, n, rl->write_ctx);
}

static void emit_str(mk_readline_t *rl, const char *s)
{
    emit(rl, s, strlen(s));
}

/* ESC [ <n> <final> */
static void emit_csi(mk_readline_t *rl, size_t n, char final)
{
    char b[32];
    int k = snprintf(b, sizeof b, "\x1b[%zu%c", n, final);
    emit(rl, b, (size_t)k);
}

static void redraw(mk_readline_t *rl)
{
    emit(rl, "\r", 1);
    emit(rl, rl->prompt, rl->prompt_len);
    emit(rl, rl->line, rl->len);
    emit_str(rl, "\x1b[K");
    if (rl->pos < rl->len)
        emit_csi(rl, rl->len - rl->pos, 'D');
}

static void set_line(mk_readline_t *rl, const char *s, size_t n)
{
    if (n > MK_RL_MAX_LINE - 1)
        n = MK_RL_MAX_LINE - 1;
    memmove(rl->line, s, n);
    rl->line[n] = '\0';
    rl->len = rl->pos = n;
}

static void delete_at(mk_readline_t *rl, size_t at)
{
    if (at >= rl->len)
        return;
    memmove(rl->line + at, rl->line + at + 1, rl->len - at - 1);
    rl->len--;
    rl->line[rl->len] = '\0';
    redraw(rl);
}

static void home(mk_readline_t *rl)
{
    rl->pos = 0;
    redraw(rl);
}

static void end(mk_readline_t *rl)
{
    if (rl->pos < rl->len)
        emit_csi(rl, rl->len - rl->pos, 'C');
    rl->pos = rl->len;
}

static void left(mk_readline_t *rl)
{
    if (rl->pos > 0) {
        rl->pos--;
        emit_str(rl, "\x1b[D");
    }
}

static void right(mk_readline_t *rl)
{
    if (rl->pos < rl->len) {
        rl->pos++;
        emit_str(rl, "\x1b[C");
    }
}

static void older(mk_readline_t *rl)
{
    if (rl->hist_browse >= mk_rl_history_count(rl))
        return;
    if (rl->hist_browse == 0) {
        memcpy(rl->saved, rl->line, rl->len + 1);
        rl->saved_len = rl->len;
    }
    rl->hist_browse++;
    const char *h = mk_rl_history_get(rl, rl->hist_browse - 1);
    set_line(rl, h, strlen(h));
    redraw(rl);
}

static void newer(mk_readline_t *rl)
{
    if (rl->hist_browse == 0)
        return;
    rl->hist_browse--;
    if (rl->hist_browse == 0) {
        set_line(rl, rl->saved, rl->saved_len);
    } else {
        const char *h = mk_rl_history_get(rl, rl->hist_browse - 1);
        set_line(rl, h, strlen(h));
    }
    redraw(rl);
}

static void insert(mk_readline_t *rl, char c)
{
    if (rl->len >= MK_RL_MAX_LINE - 1)
        return;
    if (rl->pos == rl->len) {
        rl->line[rl->len++] = c;
        rl->pos++;
        rl->line[rl->len] = '\0';
        emit(rl, &c, 1);
        return;
    }
    memmove(rl->line + rl->pos + 1, rl->line + rl->pos, rl->len - rl->pos);
    rl->line[rl->pos++] = c;
    rl->len++;
    rl->line[rl->len] = '\0';
    redraw(rl);
}

static void kill_word(mk_readline_t *rl)
{
    size_t at = rl->pos;
    while (at > 0 && rl->line[at - 1] == ' ')
        at--;
    while (at > 0 && rl->line[at - 1] != ' ')
        at--;
    memmove(rl->line + at, rl->line + rl->pos, rl->len - rl->pos + 1);
    rl->len -= rl->pos - at;
    rl->pos = at;
    redraw(rl);
}

/* The byte after ESC [, ESC [ digit or ESC O. */
static void escape(mk_readline_t *rl, uint8_t ch)
{
    int state = rl->esc;
    rl->esc = 0;
    if (state == 1) {
        if (ch == '[')
            rl->esc = 2;
        else if (ch == 'O')
            rl->esc = 4;
        return; /* anything else is consumed */
    }
    if (state == 2) {
        if (ch >= '0' && ch <= '9') {
            rl->esc_num = ch - '0';
            rl->esc = 3;
            return;
        }
        switch (ch) {
        case 'A': older(rl); break;
        case 'B': newer(rl); break;
        case 'C': right(rl); break;
        case 'D': left(rl); break;
        case 'H': home(rl); break;
        case 'F': end(rl); break;
        default: break;
        }
        return;
    }
    if (state == 3) {
        if (ch == '~' && rl->esc_num == 3)
            delete_at(rl, rl->pos);
        return; /* other finals and a second digit are swallowed */
    }
    if (ch == 'H') /* state 4: ESC O */
        home(rl);
    else if (ch == 'F')
        end(rl);
}

void mk_rl_init(mk_readline_t *rl, const char *prompt, mk_rl_write_fn write_cb, void *ctx)
{
    memset(rl, 0, sizeof *rl);
    rl->prompt = prompt ? prompt : "> ";
    rl->prompt_len = strlen(rl->prompt);
    rl->write_cb = write_cb;
    rl->write_ctx = ctx;
}

void mk_rl_prompt(mk_readline_t *rl)
{
    rl->len = rl->pos = 0;
    rl->line[0] = '\0';
    rl->hist_browse = 0;
    rl->esc = 0;
    emit(rl, rl->prompt, rl->prompt_len);
}

int mk_rl_feed(mk_readline_t *rl, uint8_t ch)
{
    bool after_cr = rl->last_cr;
    rl->last_cr = ch == '\r';
    if (rl->esc != 0) {
        escape(rl, ch);
        return MK_RL_CONTINUE;
    }
    switch (ch) {
    case '\n':
        if (after_cr)
            return MK_RL_CONTINUE; /* the LF of a CRLF */
        /* fall through */
    case '\r':
        emit(rl, "\n", 1);
        rl->hist_browse = 0;
        rl->line[rl->len] = '\0';
        return MK_RL_DONE;
    case 0x7F:
    case 0x08:
        if (rl->pos > 0) {
            rl->pos--;
            delete_at(rl, rl->pos);
        }
        break;
    case 0x01: home(rl); break;
    case 0x05: end(rl); break;
    case 0x02: left(rl); break;
    case 0x06: right(rl); break;
    case 0x04:
        if (rl->len == 0)
            return MK_RL_EOF;
        delete_at(rl, rl->pos);
        break;
    case 0x0B:
        rl->len = rl->pos;
        rl->line[rl->len] = '\0';
        emit_str(rl, "\x1b[K");
        break;
    case 0x15:
        rl->len = rl->pos = 0;
        rl->line[0] = '\0';
        redraw(rl);
        break;
    case 0x17: kill_word(rl); break;
    case 0x03:
        emit_str(rl, "^C\n");
        mk_rl_prompt(rl);
        break;
    case 0x0C:
        emit_str(rl, "\x1b[2J\x1b[H");
        mk_rl_prompt(rl);
        break;
    case 0x1B: rl->esc = 1; break;
    default:
        if (ch >= 0x20 && ch <= 0x7E)
            insert(rl, (char)ch);
        break;
    }
    return MK_RL_CONTINUE;
}

void mk_rl_history_add(mk_readline_t *rl, const char *line)
{
    if (!line || !*line)
        return;
    const char *last = mk_rl_history_get(rl, 0);
    size_t n = strnlen(line, MK_RL_MAX_LINE - 1);
    if (last && strlen(last) == n && memcmp(last, line, n) == 0)
        return;
    memcpy(rl->history[rl->hist_next], line, n);
    rl->history[rl->hist_next][n] = '\0';
    rl->hist_next = (rl->hist_next + 1) % MK_RL_MAX_HISTORY;
    rl->hist_count++;
}

const char *mk_rl_history_get(const mk_readline_t *rl, size_t idx)
{
    if (idx >= mk_rl_history_count(rl))
        return NULL;
    return rl->history[(rl->hist_next + MK_RL_MAX_HISTORY - 1 - idx) % MK_RL_MAX_HISTORY];
}

size_t mk_rl_history_count(const mk_readline_t *rl)
{
    return rl->hist_count < MK_RL_MAX_HISTORY ? rl->hist_count : MK_RL_MAX_HISTORY;
}
