/*
 * log_limit.h -- rate-limited logging for causes an outside party can
 * repeat at will (a peer flooding frames, a client opening sockets): at most
 * one line per cause per window, and the next line written says how many
 * were suppressed in between, so a flood costs one line a second, not one
 * per event (docs/security.md, "Logging under attack").
 *
 * Private to the runtime's subsystems (core, net, http, services, shell).
 */
#ifndef MK_CORE_LOG_LIMIT_H
#define MK_CORE_LOG_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "microkernel/runtime.h"

#ifndef MK_LOG_LIMIT_WINDOW_MS
#define MK_LOG_LIMIT_WINDOW_MS 1000 /* one line per cause per this many ms */
#endif

/* One cause of log lines. Zero-initialise (static or struct member). */
typedef struct {
    uint64_t window_start_ms; /* when the current window began (clock ms) */
    uint32_t suppressed;      /* lines not written since the last one that was */
    bool started;             /* a line was written at least once */
} mk_log_limit_t;

/*
 * Decide whether a line for this cause may be written at `now_ms`
 * (milliseconds on any monotonic clock; tests pass their own). Returns true
 * when it may, with *suppressed set to the number of lines refused since
 * the last one allowed (0 the first time), and starts a new window; false
 * when a line was already written in the current window (the refusal is
 * counted). Pure: no I/O, no clock read.
 */
bool mk_log_limit_allow(mk_log_limit_t *lim, uint64_t now_ms, uint32_t *suppressed);

/*
 * actor_log() through `lim` on the runtime's monotonic clock: writes the
 * line when mk_log_limit_allow() does, appending " (N similar lines
 * suppressed)" when N > 0; otherwise only counts it. The text is cut at
 * MK_LOG_MSG_MAX characters like any log line.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void mk_log_limited(runtime_t *rt, mk_log_limit_t *lim, int level, const char *fmt, ...);

#endif
