/*
 * observer.h -- the live web observer (issue 23, docs/observer.md): the page
 * at "/" and the JSON / SSE / Prometheus endpoints the status HTTP server
 * (status.c) hands to it, plus the pure parsers of its write requests.
 *
 * Everything runs on the runtime's thread, inside the status actor's
 * behaviour. The observer reads the per-actor counters the core keeps as
 * plain increments (actor_info_t.msgs_in / msgs_out) and samples them only
 * while a page is connected (a 1 s timer), so an idle observer costs the
 * message path nothing beyond those increments.
 */
#ifndef MK_SHELL_OBSERVER_H
#define MK_SHELL_OBSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/http.h"
#include "microkernel/runtime.h"
#include "shell/cmdline.h"

#define OBS_TICK_MS       1000       /* sampling period while a page is connected */
#define OBS_MIN_SAMPLE_MS 200        /* requests closer than this reuse the last sample */
#define OBS_HISTORY       300        /* chart points kept: 5 minutes at one a second */
#define OBS_LOG_LINES     256        /* log lines kept for the log pane */
#define OBS_LOG_LINE_MAX  320        /* bytes of one kept line, NUL included (longer ones cut) */
#define OBS_MAX_STREAMS   8          /* /api/events clients at once; more get 503 */
#define OBS_REF_MAX       255        /* bytes of an actor reference in a write request */
#define OBS_UPLOAD_MAX    (4u << 20) /* bytes of a WASM module upload (413 above) */

typedef struct observer observer_t;

/*
 * Make the observer state for `node_name` (copied; may be NULL). `write`
 * enables the write endpoints (mk-shell --observer-write). Returns NULL
 * with a reason when memory runs out. Freed with observer_destroy(), which
 * also gives the log sink back.
 */
observer_t *observer_create(runtime_t *rt, const char *node_name, bool write);
void observer_destroy(observer_t *o);

/* Called by the status actor when the runtime runs (MSG_CONSOLE_START):
 * chains the observer's log sink in front of the one in place. */
void observer_started(runtime_t *rt, observer_t *o, actor_id_t self);

/*
 * Answer request `rq` when its path belongs to the observer ("/",
 * "/observer.js", "/observer.css", "/metrics", "/api/..."); returns false
 * without answering otherwise (status.c answers /status and /actors).
 */
bool observer_request(runtime_t *rt, observer_t *o, const http_request_payload_t *rq);

/* Every other message of the status actor: its tick timer, closed event
 * streams, and replies from actors the page sent messages to. */
void observer_message(runtime_t *rt, observer_t *o, const message_t *msg);

/* ---- A growing text buffer (observer_json.c) ------------------------ */

typedef struct {
    char *data;  /* NUL-terminated when not NULL */
    size_t len;  /* bytes, NUL not counted */
    size_t cap;  /* bytes allocated */
    bool failed; /* out of memory: everything after is dropped */
} obs_buf_t;

void ob_add(obs_buf_t *b, const char *s, size_t n);
void ob_adds(obs_buf_t *b, const char *s);
void ob_printf(obs_buf_t *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A JSON string of the NUL-terminated `s` (RFC 8259 section 7). */
void ob_json_string(obs_buf_t *b, const char *s);
/* A JSON string of `n` bytes (NUL bytes escaped too). */
void ob_json_bytes(obs_buf_t *b, const char *s, size_t n);

/* ---- Write requests (observer_form.c): pure parsers ------------------- */

/*
 * Find field `key` in an application/x-www-form-urlencoded `body` of `len`
 * bytes (WHATWG URL "application/x-www-form-urlencoded parsing": '&'
 * separated, '+' is a space, %XX escapes) and decode its value into `out`
 * (`cap` bytes; the value is NUL-terminated and *n is its length, NUL bytes
 * from %00 included). Returns 1 when found, 0 when absent, -1 with a reason
 * in `err` (SHELL_ERR_MAX bytes) for a malformed escape, a value longer
 * than cap - 1, or a key given twice.
 */
int obs_form_get(const char *body, size_t len, const char *key, char *out, size_t cap, size_t *n,
                 char *err);

/*
 * Whether every field of `body` is one of the NULL-terminated `keys`;
 * false with the first unknown one named in `err` (SHELL_ERR_MAX bytes).
 */
bool obs_form_only(const char *body, size_t len, const char *const *keys, char *err);

/* A parsed "send" request: what the shell's `send`/`call` take. */
typedef struct {
    char to[OBS_REF_MAX + 1];               /* name, path, 0x<hex ID> or decimal sequence */
    uint32_t type;                          /* the message type */
    uint8_t payload[SHELL_PAYLOAD_MAX + 1]; /* the payload bytes (+ a NUL after text) */
    size_t n;                               /* payload bytes used */
} obs_send_t;

/*
 * Parse the body of POST /api/send: fields `to` (1..255 bytes), `type`
 * (decimal or 0x hex, 0..0xFFFFFFFF, as the shell's shell_parse_type) and
 * at most one of `text` (bytes as given) or `hex` (hex digits, as the
 * shell's x:... payload), each up to SHELL_PAYLOAD_MAX (4096) bytes; no
 * other field. Pure, for (buf, len) input. Returns false with the reason in
 * `err` (SHELL_ERR_MAX bytes); the endpoint answers it with 400.
 */
bool obs_parse_send(const char *body, size_t len, obs_send_t *out, char *err);

/* Parse a body (or query) with the single field `to` (POST /api/stop,
 * /api/reload?to=...). Same errors as obs_parse_send. */
bool obs_parse_target(const char *body, size_t len, char *to, size_t cap, char *err);

/* ---- JSON and Prometheus documents (observer_json.c) ----------------- */

/* One actor's rates from the last two samples (observer.c). */
typedef struct {
    actor_id_t id;    /* the actor */
    uint64_t in;      /* msgs_in at the sample */
    uint64_t out;     /* msgs_out at the sample */
    double in_per_s;  /* messages handled per second over the last interval */
    double out_per_s; /* messages sent per second */
    double share;     /* its part of every message handled in the interval, 0..1 */
} obs_rate_t;

/* The samples the documents are made from (owned by observer.c). */
typedef struct {
    const obs_rate_t *rates; /* by increasing id */
    size_t n_rates;
    uint64_t interval_ms; /* between the last two samples; 0: only one so far */
    double msgs_per_s;    /* every actor's handled messages per second */
    double sched_util;    /* runtime thread CPU time / wall time over the interval, 0..1 */
} obs_sample_view_t;

/* The rates of `id` in `v`, or NULL when it was not sampled yet. */
const obs_rate_t *obs_rate_of(const obs_sample_view_t *v, actor_id_t id);

void obs_json_actors(runtime_t *rt, obs_buf_t *b, const obs_sample_view_t *v);
void obs_json_tree(runtime_t *rt, obs_buf_t *b);
void obs_json_nodes(runtime_t *rt, obs_buf_t *b, const char *node_name);
/* Prometheus text exposition format 0.0.4. */
void obs_prometheus(runtime_t *rt, obs_buf_t *b, const char *node_name, const obs_sample_view_t *v,
                    uint64_t log_lines, uint64_t thread_cpu_ns);

/* Resident set size of the process in bytes (/proc/self/statm), 0 when
 * unknown. */
uint64_t obs_rss_bytes(void);

/* ---- Embedded page (observer_assets.c, generated at configure time) -- */

typedef struct {
    const char *path;         /* "/", "/observer.js", "/observer.css" */
    const char *content_type; /* its Content-Type header value */
    const unsigned char *data;
    size_t size; /* bytes */
} obs_asset_t;

extern const obs_asset_t obs_assets[];
extern const size_t obs_n_assets;

#endif
