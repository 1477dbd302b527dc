/*
 * console.c -- the console actor: bridges an input fd and an output fd into
 * messages for the shell (see shell.h for the protocol).
 *
 * Input is read only when the event loop says it is ready (actor_watch_fd),
 * one chunk per event, so the console never blocks the runtime on input;
 * inputs epoll refuses (regular files, /dev/null) are read a chunk per
 * MSG_TTY_PUMP message instead. A terminal is put in raw mode (termios)
 * and edited with line_edit.h; the saved settings come back when the console
 * stops, at exit and on fatal signals. Output is written with blocking
 * write(2): a console is only as fast as the person watching it.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "shell/shell_internal.h"

#define CONSOLE_CHUNK     512
#define CONSOLE_TYPEAHEAD 4096

struct console {
    line_edit_t rl;                         /* the line editor (plain when not a tty) */
    int in_fd;                              /* input, not closed */
    int out_fd;                             /* output, not closed */
    actor_id_t shell;                       /* where lines go */
    sh_outbox_t to_shell;                   /* LINE and EOF: never dropped */
    sh_outbox_t to_self;                    /* MSG_TTY_PUMP */
    bool tty;                               /* in_fd is a terminal: raw mode + editing */
    bool watching;                          /* in_fd is in the event loop */
    bool pumping;                           /* in_fd is read via MSG_TTY_PUMP */
    bool pump_queued;                       /* a MSG_TTY_PUMP is in the mailbox */
    bool busy;                              /* the shell has a line and has not said READY */
    bool eof;                               /* input ended */
    bool eof_sent;                          /* the shell was told */
    unsigned char ahead[CONSOLE_TYPEAHEAD]; /* bytes typed while busy */
    size_t ahead_len;                       /* bytes in ahead */
    size_t ahead_lost;                      /* bytes typed-ahead that did not fit */
};

/* ---- Terminal mode ---------------------------------------------------- */

/* One terminal per process: the saved settings must be reachable from a
 * signal handler and atexit, which get no context. */
static struct termios saved_termios;
static volatile sig_atomic_t raw_fd = -1;
static bool handlers_installed;
static const int fatal_signals[] = {SIGTERM, SIGHUP, SIGQUIT, SIGINT};
static struct sigaction old_actions[sizeof fatal_signals / sizeof fatal_signals[0]];

static void restore_terminal(void)
{
    if (raw_fd >= 0) {
        tcsetattr(raw_fd, TCSAFLUSH, &saved_termios);
        raw_fd = -1;
    }
}

static void on_fatal_signal(int sig)
{
    restore_terminal(); /* tcsetattr is async-signal-safe */
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        if (fatal_signals[i] == sig)
            sigaction(sig, &old_actions[i], NULL);
    raise(sig);
}

static void enter_raw_mode(int fd)
{
    if (raw_fd >= 0 || tcgetattr(fd, &saved_termios) != 0)
        return;
    struct termios raw = saved_termios;
    /* Keys arrive one by one, unechoed; Ctrl+C/Ctrl+Z/Ctrl+S are keys too.
     * Output post-processing stays on so "\n" still becomes "\r\n". */
    raw.c_iflag &= (tcflag_t) ~(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
    raw.c_cflag |= CS8;
    raw.c_lflag &= (tcflag_t) ~(ECHO | ICANON | IEXTEN | ISIG);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSAFLUSH, &raw) != 0)
        return;
    raw_fd = fd;
    if (!handlers_installed) {
        handlers_installed = true;
        atexit(restore_terminal);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, &old_actions[i]);
}

static void leave_raw_mode(void)
{
    if (raw_fd < 0)
        return;
    restore_terminal();
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &old_actions[i], NULL);
}

/* ---- Output ----------------------------------------------------------- */

static void write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* output gone (closed pipe): nothing sensible to do */
        data += n;
        len -= (size_t)n;
    }
}

static void rl_write(const char *data, size_t len, void *ctx)
{
    console_t *c = ctx;
    write_all(c->out_fd, data, len);
}

/* Print text while the prompt may be on screen: take the prompt line away,
 * print, and draw it again. */
static void console_print(console_t *c, const char *text, size_t len)
{
    bool prompt_shown = c->tty && !c->busy && !c->eof;
    if (prompt_shown)
        line_edit_hide(&c->rl);
    write_all(c->out_fd, text, len);
    if (prompt_shown)
        line_edit_refresh(&c->rl);
}

/* Print text that came in a message: control characters escaped
 * (shell_escape_text), whoever sent it. Remote and WASM actors reach the
 * console directly or through the shell (caps, error reasons) and the log
 * (mk_log); none of them may drive the operator's terminal (issue 13).
 * Terminal controls come only from the line editor, which writes directly. */
static void console_print_text(console_t *c, const uint8_t *text, size_t len)
{
    bool prompt_shown = c->tty && !c->busy && !c->eof;
    if (prompt_shown)
        line_edit_hide(&c->rl);
    char buf[1024];
    while (len > 0) {
        size_t used;
        size_t n = shell_escape_text(text, len, buf, sizeof buf, &used);
        write_all(c->out_fd, buf, n);
        text += used;
        len -= used;
    }
    if (prompt_shown)
        line_edit_refresh(&c->rl);
}

static void console_printf(console_t *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void console_printf(console_t *c, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        console_print(c, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* ---- Input ------------------------------------------------------------ */

/* Tell the shell (a line, EOF): queued while its mailbox is full, so a
 * shell busy with a flood of messages still gets its input, in order. */
static void to_shell(console_t *c, msg_type_t type, const void *data, size_t len)
{
    if (!sh_outbox_send(&c->to_shell, type, data, len, true))
        console_printf(c, "error: cannot reach the shell: %s\n", mk_last_error());
}

static void send_eof(runtime_t *rt, console_t *c)
{
    if (c->eof_sent)
        return;
    c->eof_sent = true;
    c->busy = true;
    (void)rt;
    to_shell(c, MSG_TTY_EOF, NULL, 0);
}

/* Feed bytes to the editor until a line goes to the shell; the rest waits
 * in the type-ahead buffer until the shell is ready again. */
static void feed(runtime_t *rt, console_t *c, const unsigned char *data, size_t len)
{
    size_t i = 0;
    for (; i < len && !c->busy; i++) {
        line_edit_status_t st = line_edit_feed(&c->rl, data[i]);
        const char *line = line_edit_line(&c->rl);
        switch (st) {
        case LINE_EDIT_LINE:
            if (line_edit_dropped(&c->rl) > 0 && c->rl.plain) {
                console_printf(c, "error: input line ignored: %zu non-printable byte(s)\n",
                               line_edit_dropped(&c->rl));
            } else if (line[0] != '\0') {
                c->busy = true;
                to_shell(c, MSG_TTY_LINE, line, strlen(line));
            } else {
                line_edit_refresh(&c->rl);
            }
            break;
        case LINE_EDIT_TOO_LONG:
            console_printf(c, "error: input line too long (more than %d characters), ignored\n",
                           LINE_EDIT_LINE_MAX - 1);
            break;
        case LINE_EDIT_INTERRUPT: line_edit_refresh(&c->rl); break;
        case LINE_EDIT_EOF:
            write_all(c->out_fd, "\r\n", 2);
            c->eof = true;
            send_eof(rt, c);
            return; /* anything after Ctrl+D is not for us */
        case LINE_EDIT_MORE: break;
        }
    }
    size_t rest = len - i;
    size_t room = sizeof c->ahead - c->ahead_len;
    size_t keep = rest < room ? rest : room;
    memcpy(c->ahead + c->ahead_len, data + i, keep);
    c->ahead_len += keep;
    c->ahead_lost += rest - keep;
}

/* Read one chunk of input; returns false at end of input. */
static bool read_chunk(runtime_t *rt, console_t *c)
{
    unsigned char buf[CONSOLE_CHUNK];
    ssize_t n;
    do
        n = read(c->in_fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return true;
    if (n <= 0) {
        if (n < 0)
            console_printf(c, "error: reading input: %s\n", strerror(errno));
        if (c->rl.len > 0)
            feed(rt, c, (const unsigned char *)"\n", 1); /* a last line without newline */
        c->eof = true;
        return false;
    }
    feed(rt, c, buf, (size_t)n);
    return true;
}

static void request_pump(runtime_t *rt, console_t *c)
{
    (void)rt;
    if (c->pumping && !c->pump_queued && !c->busy && !c->eof) {
        /* Queued behind a full mailbox, not dropped: a lost pump would
         * never read input again. */
        c->pump_queued = sh_outbox_send(&c->to_self, MSG_TTY_PUMP, NULL, 0, true);
    }
}

/* After an input event or READY: tell the shell about EOF once the lines
 * before it are done, or ask for more input. */
static void after_input(runtime_t *rt, console_t *c)
{
    if (c->eof) {
        if (c->watching) {
            actor_unwatch_fd(rt, c->in_fd);
            c->watching = false;
        }
        if (!c->busy && c->ahead_len == 0)
            send_eof(rt, c);
        return;
    }
    request_pump(rt, c);
}

static void on_start(runtime_t *rt, console_t *c)
{
    if (c->in_fd < 0)
        return; /* output only (the shell runs a script) */
    if (c->tty)
        enter_raw_mode(c->in_fd);
    if (actor_watch_fd(rt, c->in_fd, POLLIN)) {
        c->watching = true;
    } else {
        c->pumping = true; /* regular file or /dev/null: always readable */
    }
}

static void on_ready(runtime_t *rt, console_t *c)
{
    c->busy = false;
    if (c->ahead_lost > 0) {
        console_printf(c, "error: %zu typed-ahead byte(s) lost while busy\n", c->ahead_lost);
        c->ahead_lost = 0;
    }
    if (c->eof && c->ahead_len == 0) {
        send_eof(rt, c);
        return;
    }
    line_edit_refresh(&c->rl);
    /* Replay what was typed while the shell was busy. */
    unsigned char ahead[CONSOLE_TYPEAHEAD];
    size_t n = c->ahead_len;
    memcpy(ahead, c->ahead, n);
    c->ahead_len = 0;
    feed(rt, c, ahead, n);
    after_input(rt, c);
}

static bool console_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    console_t *c = state;
    switch (msg->type) {
    case MSG_TTY_START: on_start(rt, c); break;
    case MSG_FD_EVENT:
        if (c->watching && !read_chunk(rt, c))
            c->eof = true;
        after_input(rt, c);
        break;
    case MSG_TTY_PUMP:
        c->pump_queued = false;
        if (!c->busy && !c->eof && !read_chunk(rt, c))
            c->eof = true;
        after_input(rt, c);
        break;
    case MSG_TTY_WRITE:
        if (msg->payload_size > 0)
            console_print_text(c, msg->payload, msg->payload_size);
        break;
    case MSG_TTY_READY: on_ready(rt, c); break;
    case MSG_TTY_HISTORY:
        if (msg->payload_size == 0)
            line_edit_history_clear(&c->rl);
        else if (msg->payload_size < LINE_EDIT_LINE_MAX && msg->payload_size < LINE_EDIT_LINE_MAX) {
            char line[LINE_EDIT_LINE_MAX];
            memcpy(line, msg->payload, msg->payload_size);
            line[msg->payload_size] = '\0';
            line_edit_history_add(&c->rl, line);
        }
        break;
    case MSG_TTY_QUIT:
        leave_raw_mode();
        runtime_stop(rt);
        return false;
    default: break; /* the console takes no other orders */
    }
    return true;
}

static void console_free(void *state)
{
    console_t *c = state;
    if (!c)
        return;
    if (raw_fd == c->in_fd)
        leave_raw_mode();
    sh_outbox_destroy(&c->to_shell);
    sh_outbox_destroy(&c->to_self);
    mk_free(c);
}

actor_id_t console_spawn(runtime_t *rt, int in_fd, int out_fd, actor_id_t shell)
{
    console_t *c = mk_calloc(1, sizeof *c);
    if (!c) {
        mk_set_error("console: out of memory");
        return ACTOR_ID_INVALID;
    }
    c->in_fd = in_fd;
    c->out_fd = out_fd;
    c->shell = shell;
    c->tty = in_fd >= 0 && isatty(in_fd) == 1;
    c->busy = true; /* until the shell has printed its banner */
    line_edit_init(&c->rl, "> ", rl_write, c, !c->tty);
    actor_id_t id = actor_spawn(rt, console_behavior, c, console_free, 64);
    if (id == ACTOR_ID_INVALID) {
        mk_free(c);
        return ACTOR_ID_INVALID;
    }
    sh_outbox_init(&c->to_shell, rt, id, shell, NULL, NULL);
    sh_outbox_init(&c->to_self, rt, id, id, NULL, NULL);
    if (!actor_send(rt, id, MSG_TTY_START, NULL, 0)) {
        actor_stop(rt, id);
        return ACTOR_ID_INVALID;
    }
    return id;
}
