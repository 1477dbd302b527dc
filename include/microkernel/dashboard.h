/*
 * dashboard.h -- the system dashboard at /sys/dashboard: node identity,
 * uptime, memory, peers and the actor table (status, mailbox depth,
 * names), drawn through the ANSI console (/sys/console) once a second, in
 * the circular layout (bezel margins) on grids of 58 columns or fewer and
 * the rectangular layout otherwise. compat/hardware.md section 7; our
 * additions (mailbox depth, peers, process memory, a terminal output) are
 * marked *extension* and listed in docs/display.md.
 */
#ifndef MICROKERNEL_DASHBOARD_H
#define MICROKERNEL_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct display_board; /* microkernel/display.h */

#define DASHBOARD_PERIOD_MS  1000 /* refresh period */
#define DASHBOARD_MAX_ACTORS 16   /* actors counted and listed */

/*
 * Start the dashboard: needs /sys/console registered (ACTOR_ID_INVALID
 * with a reason otherwise). Takes the grid from mk_console_get_size()
 * (58x29 when none), spawns (mailbox 32), registers "/sys/dashboard" and
 * sends itself message type 1: it clears the console, draws a frame and
 * redraws every DASHBOARD_PERIOD_MS. Source: compat/hardware.md §7.
 */
actor_id_t dashboard_actor_init(runtime_t *rt);

/* Extension: how a dashboard is fed and where it draws. Zero = defaults. */
typedef struct {
    const char *identity;             /* node name shown; NULL: "node-<id>" */
    uint64_t (*uptime_ms)(void *ctx); /* NULL: CLOCK_MONOTONIC (host uptime, as the original) */
    size_t (*rss_kib)(void *ctx);     /* NULL: this process's resident set (/proc) */
    /* Extra names of an actor (e.g. namespace paths): append to buf (cap
     * bytes, NUL-terminated), ", "-separated. NULL: flat names only. */
    void (*names)(runtime_t *rt, actor_id_t id, char *buf, size_t cap, void *ctx);
    void *ctx;                /* passed to the hooks */
    unsigned period_ms;       /* 0: DASHBOARD_PERIOD_MS */
    int term_fd;              /* >= 0: write frames to this terminal instead of /sys/console */
    int term_cols, term_rows; /* the terminal's grid when term_fd >= 0 */
    int key_fd;               /* >= 0: a byte readable here stops the runtime (terminal mode) */
} dashboard_config_t;

/* A zeroed config with term_fd and key_fd at -1. */
void dashboard_config_init(dashboard_config_t *cfg);

/* dashboard_actor_init with `cfg` (copied; its strings must outlive the
 * actor). With term_fd >= 0 no console is needed. */
actor_id_t dashboard_actor_init_config(runtime_t *rt, const dashboard_config_t *cfg);

/*
 * Extension: start the whole display stack on `rt` -- the display on
 * `board` (memory framebuffer; NULL: round466), the ANSI console and the
 * dashboard with `cfg` (NULL: defaults; its term_fd is ignored). Returns
 * the dashboard's ID, or ACTOR_ID_INVALID with the reason of the first
 * step that failed (the actors already started keep running).
 */
actor_id_t dashboard_stack_start(runtime_t *rt, const struct display_board *board,
                                 const dashboard_config_t *cfg);

#ifdef __cplusplus
}
#endif

#endif
