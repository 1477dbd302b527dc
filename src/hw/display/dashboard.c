/*
 * dashboard.c -- the system dashboard actor at /sys/dashboard: gathers
 * identity, uptime, memory, peers and the actor table, renders them as
 * ANSI text positioned line by line (compat/hardware.md section 7) and
 * writes the frame to /sys/console, or straight to a terminal (mk-shell
 * --dashboard). Never clears the screen after the first frame: each line
 * ends with ESC [ K, and rows the previous frame used are erased.
 *
 * Runs once a second on the runtime's thread; one frame buffer in its
 * state, no allocation per frame.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/runtime_api.h"
#include "microkernel/console.h"
#include "microkernel/dashboard.h"
#include "microkernel/display.h"
#include "microkernel/services.h"
#include "platform/clock.h"

#define DASHBOARD_PATH    "/sys/dashboard"
#define DASHBOARD_START   1u /* the original's start trigger */
#define DASHBOARD_MAILBOX 32
#define FRAME_MAX         8192
#define NAMES_MAX         47 /* characters of names shown, as the original */
#define FIRST_ACTOR_ROW   14

typedef struct {
    dashboard_config_t cfg;
    int cols, rows;
    bool round;        /* circular layout */
    int prev_last_row; /* last actor row used by the previous frame */
    char frame[FRAME_MAX];
    size_t len;
} dashboard_t;

static void add(dashboard_t *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void add(dashboard_t *d, const char *fmt, ...)
{
    if (d->len >= sizeof d->frame - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(d->frame + d->len, sizeof d->frame - d->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        d->len += (size_t)n < sizeof d->frame - d->len ? (size_t)n : sizeof d->frame - d->len - 1;
}

static int margin(const dashboard_t *d, int row)
{
    return d->round ? (int)display_board_row_margin(&display_board_round466, (unsigned)row) : 0;
}

/* One line at `row`: position, colour, text cut to the usable width,
 * erase the rest, reset. */
static void line(dashboard_t *d, int row, const char *sgr, const char *text)
{
    int m = margin(d, row);
    int usable = d->cols - 2 * m;
    if (row >= d->rows || usable <= 0)
        return;
    add(d, "\x1b[%d;%dH%s%.*s\x1b[K\x1b[0m", row + 1, m + 1, sgr, usable, text);
}

static const char *status_word(actor_status_t s)
{
    switch (s) {
    case ACTOR_IDLE: return "idle";
    case ACTOR_READY: return "rdy";
    case ACTOR_RUNNING: return "run";
    default: return "stop";
    }
}

static uint64_t default_uptime(void *ctx)
{
    (void)ctx;
    return mk_clock_ms();
}

static size_t default_rss(void *ctx)
{
    (void)ctx;
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    long page = sysconf(_SC_PAGESIZE);
    return (size_t)rss * (size_t)(page > 0 ? page : 4096) / 1024;
}

/* The names of `id`: flat names, then what the names hook adds. */
static void names_of(runtime_t *rt, const dashboard_t *d, actor_id_t id, char *buf, size_t cap)
{
    const char *names[MK_MAX_NAMES];
    actor_id_t ids[MK_MAX_NAMES];
    size_t n = runtime_list_names(rt, names, ids, MK_MAX_NAMES);
    if (n > MK_MAX_NAMES)
        n = MK_MAX_NAMES;
    buf[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] != id)
            continue;
        int w = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= cap - len) {
            buf[cap - 1] = '\0';
            return;
        }
        len += (size_t)w;
    }
    if (d->cfg.names)
        d->cfg.names(rt, id, buf, cap, d->cfg.ctx);
}

static void render(runtime_t *rt, dashboard_t *d)
{
    char text[256];
    d->len = 0;
    int usable3 = d->cols - 2 * margin(d, 3);
    int pad = usable3 > 13 ? (usable3 - 13) / 2 : 0;
    snprintf(text, sizeof text, "%*s\x1b[96m MICROKERNEL ", pad, "");
    /* the title's SGR is inside the text: position and write it whole */
    add(d, "\x1b[4;%dH%s\x1b[K\x1b[0m", margin(d, 3) + 1, text);

    char ident[64];
    if (d->cfg.identity)
        snprintf(ident, sizeof ident, "%s", d->cfg.identity);
    else
        snprintf(ident, sizeof ident, "node-%u", (unsigned)runtime_node_id(rt));
    snprintf(text, sizeof text, " node: %-16s id: %u", ident, (unsigned)runtime_node_id(rt));
    line(d, 5, "\x1b[37m", text);
    line(d, 6, "\x1b[90m", " ip: N/A (linux)");
    uint64_t up = (d->cfg.uptime_ms ? d->cfg.uptime_ms : default_uptime)(d->cfg.ctx) / 1000;
    snprintf(text, sizeof text, " uptime: %02u:%02u:%02u", (unsigned)((up / 3600) % 100),
             (unsigned)((up / 60) % 60), (unsigned)(up % 60));
    line(d, 7, "\x1b[37m", text);

    line(d, 9, "\x1b[96m", " MEMORY");
    size_t rss = (d->cfg.rss_kib ? d->cfg.rss_kib : default_rss)(d->cfg.ctx);
    snprintf(text, sizeof text, " DRAM   (linux host) rss %zuK", rss);
    line(d, 10, "\x1b[90m", text);
    line(d, 11, "\x1b[90m", " PSRAM  N/A");

    actor_info_t actors[DASHBOARD_MAX_ACTORS];
    size_t n = runtime_actor_info(rt, actors, DASHBOARD_MAX_ACTORS);
    snprintf(text, sizeof text, " ACTORS (%zu)  peers: %zu", n, runtime_get_transport_count(rt));
    line(d, 13, "\x1b[96m", text);
    int last = d->rows - 4; /* rows 14 .. rows-4 hold actors */
    int row = FIRST_ACTOR_ROW;
    for (size_t i = 0; i < n && row <= last; i++, row++) {
        char names[256];
        names_of(rt, d, actors[i].id, names, sizeof names);
        size_t depth = actors[i].mailbox_used > 99 ? 99 : actors[i].mailbox_used;
        snprintf(text, sizeof text, " %3u %-4s %2zu %.*s", actor_id_seq(actors[i].id),
                 status_word(actors[i].status), depth, NAMES_MAX, names[0] ? names : "(anon)");
        line(d, row, "\x1b[37m", text);
    }
    for (int r = row; r <= d->prev_last_row; r++)
        add(d, "\x1b[%d;%dH\x1b[K", r + 1, margin(d, r) + 1);
    d->prev_last_row = row - 1;
}

static void draw(runtime_t *rt, dashboard_t *d)
{
    render(rt, d);
    if (d->cfg.term_fd >= 0) {
        for (size_t off = 0; off < d->len;) {
            ssize_t w = write(d->cfg.term_fd, d->frame + off, d->len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break; /* the terminal is gone: nothing to show it on */
            off += (size_t)w;
        }
    } else {
        mk_console_write(rt, d->frame, d->len);
    }
}

static bool dashboard_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    dashboard_t *d = state;
    if (msg->type == DASHBOARD_START) {
        if (d->cfg.term_fd >= 0) {
            static const char clear[] = "\x1b[2J\x1b[H";
            if (write(d->cfg.term_fd, clear, sizeof clear - 1) < 0)
                actor_log(rt, LOG_WARN, "dashboard: cannot write to the terminal");
            if (d->cfg.key_fd >= 0 && !actor_watch_fd(rt, d->cfg.key_fd, POLLIN))
                actor_log(rt, LOG_WARN, "dashboard: cannot watch for a key: %s", mk_last_error());
        } else {
            mk_console_clear(rt);
        }
        draw(rt, d);
        if (actor_set_timer(rt, d->cfg.period_ms, true) == TIMER_ID_INVALID)
            actor_log(rt, LOG_WARN, "dashboard: no refresh timer: %s", mk_last_error());
    } else if (msg->type == MSG_TIMER) {
        draw(rt, d);
    } else if (msg->type == MSG_FD_EVENT && d->cfg.key_fd >= 0) {
        char c;
        ssize_t r = read(d->cfg.key_fd, &c, 1);
        (void)r;
        actor_unwatch_fd(rt, d->cfg.key_fd);
        runtime_stop(rt); /* a key (or the end of input, an error) ends the dashboard */
        return false;
    }
    return true;
}

void dashboard_config_init(dashboard_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->term_fd = -1;
    cfg->key_fd = -1;
}

actor_id_t dashboard_actor_init_config(runtime_t *rt, const dashboard_config_t *cfg)
{
    dashboard_config_t def;
    if (!cfg) {
        dashboard_config_init(&def);
        cfg = &def;
    }
    if (!rt || (cfg->term_fd < 0 && actor_lookup(rt, "/sys/console") == ACTOR_ID_INVALID)) {
        mk_set_error("dashboard_actor_init: no console registered at /sys/console");
        return ACTOR_ID_INVALID;
    }
    dashboard_t *d = mk_calloc(1, sizeof *d);
    if (!d) {
        mk_set_error("dashboard_actor_init: out of memory");
        return ACTOR_ID_INVALID;
    }
    d->cfg = *cfg;
    if (!d->cfg.period_ms)
        d->cfg.period_ms = DASHBOARD_PERIOD_MS;
    if (cfg->term_fd >= 0) {
        d->cols = cfg->term_cols > 0 ? cfg->term_cols : 80;
        d->rows = cfg->term_rows > 0 ? cfg->term_rows : 24;
    } else if (!mk_console_get_size(&d->cols, &d->rows)) {
        d->cols = CONSOLE_COLS;
        d->rows = CONSOLE_ROWS;
    }
    d->round = d->cols <= CONSOLE_COLS;
    d->prev_last_row = FIRST_ACTOR_ROW - 1;
    actor_id_t id = actor_spawn(rt, dashboard_behavior, d, mk_free, DASHBOARD_MAILBOX);
    if (id == ACTOR_ID_INVALID) {
        mk_free(d);
        return ACTOR_ID_INVALID;
    }
    /* In a terminal the dashboard is what the session is for: it keeps
     * runtime_run() going until its key. */
    mk_actor_set_system(rt, id, cfg->key_fd < 0);
    if (!actor_register_name(rt, DASHBOARD_PATH, id) ||
        !actor_send(rt, id, DASHBOARD_START, NULL, 0)) {
        char why[200];
        snprintf(why, sizeof why, "%s", mk_last_error());
        actor_stop(rt, id);
        mk_set_error("dashboard_actor_init: %s", why);
        return ACTOR_ID_INVALID;
    }
    return id;
}

actor_id_t dashboard_actor_init(runtime_t *rt)
{
    return dashboard_actor_init_config(rt, NULL);
}

actor_id_t dashboard_stack_start(runtime_t *rt, const display_board_t *board,
                                 const dashboard_config_t *cfg)
{
    dashboard_config_t c;
    dashboard_config_init(&c);
    if (cfg)
        c = *cfg;
    c.term_fd = -1;
    c.key_fd = -1;
    if (display_actor_init_board(rt, board) == ACTOR_ID_INVALID ||
        mk_console_actor_init(rt) == ACTOR_ID_INVALID)
        return ACTOR_ID_INVALID;
    return dashboard_actor_init_config(rt, &c);
}
