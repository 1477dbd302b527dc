/*
 * observer.c -- the web observer's state and routes (issue 23,
 * docs/observer.md): serves the embedded page, the JSON endpoints, the
 * /api/events SSE stream and /metrics, and the write actions when enabled.
 *
 * Runs inside the status actor (status.c) on the runtime's thread. Samples
 * the core's per-actor counters once a second while at least one event
 * stream is open (no timer otherwise), and on requests at most every
 * OBS_MIN_SAMPLE_MS. Keeps the last OBS_LOG_LINES log lines through a log
 * sink chained in front of the one in place. Never blocks the loop.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/alloc_internal.h"
#include "core/log_limit.h"
#include "platform/clock.h"
#include "shell/observer.h"
#include "shell/shell_internal.h"
#ifdef MK_SHELL_WASM
#include "microkernel/wasm_actor.h"
#endif

typedef struct {
    uint64_t t_ms;      /* mk_clock_ms() of the sample */
    double msgs_per_s;  /* every actor's handled messages per second */
    double sched_util;  /* runtime thread CPU / wall time, 0..1 */
    uint64_t rss_bytes; /* resident set size */
    uint32_t actors;    /* live actors */
} obs_point_t;

struct observer {
    runtime_t *rt;
    actor_id_t self;                 /* the status actor */
    char node_name[MK_NAME_MAX + 1]; /* shown by the page */
    bool write;                      /* write endpoints enabled */
    uint64_t started_ms;             /* mk_clock_ms() at create */

    obs_rate_t *rates; /* last sample, by increasing id */
    size_t n_rates;
    uint64_t sample_ms;     /* when it was taken; 0: never */
    uint64_t sample_cpu_ns; /* thread CPU time then */
    uint64_t interval_ms;   /* between the last two samples */
    double msgs_per_s, sched_util;

    obs_point_t hist[OBS_HISTORY]; /* ring of chart points, oldest at hist_head */
    size_t hist_n, hist_head;

    char log[OBS_LOG_LINES][OBS_LOG_LINE_MAX]; /* ring: line k lives at k % OBS_LOG_LINES */
    uint64_t log_total;                        /* lines ever seen */
    uint64_t log_pushed;                       /* lines already sent to the streams */
    mk_log_sink_fn prev_sink;                  /* the sink the observer forwards to */
    void *prev_sink_ctx;
    bool sink_installed;

    http_conn_id_t streams[OBS_MAX_STREAMS]; /* open /api/events streams */
    size_t n_streams;
    timer_id_t tick; /* TIMER_ID_INVALID when no stream is open */

    mk_log_limit_t lim_bad; /* rejected write requests (a client can repeat them) */
};

/* ---- Sampling ------------------------------------------------------------ */

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static obs_sample_view_t view_of(const observer_t *o)
{
    obs_sample_view_t v = {o->rates, o->n_rates, o->interval_ms, o->msgs_per_s, o->sched_util};
    return v;
}

/* Take a new sample of every actor's counters and derive the rates over the
 * time since the previous one. Skipped when that was under
 * OBS_MIN_SAMPLE_MS ago (requests in a burst share one sample). */
static void sample(observer_t *o, bool chart)
{
    uint64_t now = mk_clock_ms();
    if (o->sample_ms && now - o->sample_ms < OBS_MIN_SAMPLE_MS && !chart)
        return;
    size_t n = runtime_actor_count(o->rt);
    actor_info_t *all = mk_calloc(n + 1, sizeof *all);
    obs_rate_t *rates = mk_calloc(n + 1, sizeof *rates);
    if (!all || !rates) {
        mk_free(all);
        mk_free(rates);
        return; /* keep the old sample; the documents say so by its age */
    }
    n = runtime_actor_info(o->rt, all, n + 1);
    uint64_t cpu = thread_cpu_ns();
    obs_sample_view_t old = view_of(o);
    uint64_t dt = o->sample_ms ? now - o->sample_ms : 0;
    double secs = dt ? (double)dt / 1000.0 : 0;
    uint64_t handled = 0;
    for (size_t i = 0; i < n; i++) {
        rates[i].id = all[i].id;
        rates[i].in = all[i].msgs_in;
        rates[i].out = all[i].msgs_out;
        const obs_rate_t *p = obs_rate_of(&old, all[i].id);
        uint64_t din = all[i].msgs_in - (p ? p->in : 0); /* new actors count from 0 */
        uint64_t dout = all[i].msgs_out - (p ? p->out : 0);
        handled += din;
        rates[i].in_per_s = secs > 0 ? (double)din / secs : 0;
        rates[i].out_per_s = secs > 0 ? (double)dout / secs : 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t din = (uint64_t)(rates[i].in_per_s * secs + 0.5);
        rates[i].share = handled ? (double)din / (double)handled : 0;
    }
    mk_free(all);
    mk_free(o->rates);
    o->rates = rates;
    o->n_rates = n;
    o->interval_ms = dt;
    o->msgs_per_s = secs > 0 ? (double)handled / secs : 0;
    o->sched_util =
        secs > 0 && cpu >= o->sample_cpu_ns ? (double)(cpu - o->sample_cpu_ns) / (secs * 1e9) : 0;
    if (o->sched_util > 1)
        o->sched_util = 1;
    o->sample_ms = now;
    o->sample_cpu_ns = cpu;
    if (!chart || !dt)
        return;
    obs_point_t *pt = &o->hist[(o->hist_head + o->hist_n) % OBS_HISTORY];
    if (o->hist_n == OBS_HISTORY)
        o->hist_head = (o->hist_head + 1) % OBS_HISTORY;
    else
        o->hist_n++;
    pt->t_ms = now - o->started_ms;
    pt->msgs_per_s = o->msgs_per_s;
    pt->sched_util = o->sched_util;
    pt->rss_bytes = obs_rss_bytes();
    pt->actors = (uint32_t)n;
}

/* ---- Documents built here ---------------------------------------------- */

static void json_metrics(observer_t *o, obs_buf_t *b)
{
    uint64_t in = 0, out = 0;
    for (size_t i = 0; i < o->n_rates; i++)
        in += o->rates[i].in, out += o->rates[i].out;
    ob_printf(b, "{\"node_id\":%u,\"node_name\":", runtime_node_id(o->rt));
    ob_json_string(b, o->node_name);
    ob_printf(b,
              ",\"version\":\"%s\",\"uptime_ms\":%" PRIu64 ",\"write\":%s,\"actors\":%zu,"
              "\"actors_max\":%zu,\"msgs_in\":%" PRIu64 ",\"msgs_out\":%" PRIu64
              ",\"interval_ms\":%" PRIu64 ",\"msgs_per_s\":%.2f,\"sched_util\":%.4f,"
              "\"rss_bytes\":%" PRIu64 ",\"log_lines\":%" PRIu64 ",\"streams\":%zu,\"history\":[",
              shell_version(), mk_clock_ms() - o->started_ms, o->write ? "true" : "false",
              runtime_actor_count(o->rt), runtime_get_max_actors(o->rt), in, out, o->interval_ms,
              o->msgs_per_s, o->sched_util, obs_rss_bytes(), o->log_total, o->n_streams);
    for (size_t k = 0; k < o->hist_n; k++) {
        const obs_point_t *p = &o->hist[(o->hist_head + k) % OBS_HISTORY];
        ob_printf(b,
                  "%s{\"t_ms\":%" PRIu64 ",\"msgs_per_s\":%.2f,\"sched_util\":%.4f,"
                  "\"rss_bytes\":%" PRIu64 ",\"actors\":%u}",
                  k ? "," : "", p->t_ms, p->msgs_per_s, p->sched_util, p->rss_bytes, p->actors);
    }
    ob_adds(b, "]}\n");
}

/* Log lines with sequence numbers in (after, upto] that are still in the
 * ring, and the total seen. */
static void json_log(observer_t *o, obs_buf_t *b, uint64_t after, uint64_t upto)
{
    uint64_t first = o->log_total > OBS_LOG_LINES ? o->log_total - OBS_LOG_LINES : 0;
    if (after > first)
        first = after;
    if (upto > o->log_total)
        upto = o->log_total;
    ob_printf(b, "{\"total\":%" PRIu64 ",\"lines\":[", o->log_total);
    for (uint64_t k = first; k < upto; k++) {
        ob_printf(b, "%s{\"seq\":%" PRIu64 ",\"text\":", k > first ? "," : "", k + 1);
        ob_json_string(b, o->log[k % OBS_LOG_LINES]);
        ob_add(b, "}", 1);
    }
    ob_adds(b, "]}\n");
}

/* ---- The log sink ------------------------------------------------------- */

static void obs_log_sink(const char *line, void *ctx)
{
    observer_t *o = ctx;
    char *slot = o->log[o->log_total % OBS_LOG_LINES];
    snprintf(slot, OBS_LOG_LINE_MAX, "%s", line);
    o->log_total++;
    if (o->prev_sink)
        o->prev_sink(line, o->prev_sink_ctx);
    else
        fprintf(stderr, "%s\n", line);
}

/* ---- Event streams ------------------------------------------------------- */

/* Send `b` as one event to the `n` streams `to`. */
static void push(observer_t *o, const http_conn_id_t *to, size_t n, const char *event,
                 const obs_buf_t *b)
{
    if (b->failed || !b->data)
        return;
    size_t len = b->len;
    if (len && b->data[len - 1] == '\n')
        len--; /* one data: line, no empty one after it */
    for (size_t i = 0; i < n; i++)
        /* a stream whose reader is behind (output limit) misses this push;
         * the next tick carries the whole state again */
        (void)actor_sse_push(o->rt, to[i], event, b->data, len);
}

/* Every document to the streams `to`, and the log lines in
 * (log_after, log_upto]. */
static void push_state(observer_t *o, const http_conn_id_t *to, size_t n, uint64_t log_after,
                       uint64_t log_upto)
{
    obs_sample_view_t v = view_of(o);
    obs_buf_t b = {0};
    obs_json_actors(o->rt, &b, &v);
    push(o, to, n, "actors", &b);
    b.len = 0;
    json_metrics(o, &b);
    push(o, to, n, "metrics", &b);
    b.len = 0;
    obs_json_tree(o->rt, &b);
    push(o, to, n, "tree", &b);
    b.len = 0;
    obs_json_nodes(o->rt, &b, o->node_name);
    push(o, to, n, "nodes", &b);
    if (log_after < log_upto) {
        b.len = 0;
        json_log(o, &b, log_after, log_upto);
        push(o, to, n, "log", &b);
    }
    mk_free(b.data);
}

/* One tick: a fresh sample and chart point, then everything to every
 * stream, with the log lines none of them has had. */
static void tick(observer_t *o)
{
    sample(o, true);
    push_state(o, o->streams, o->n_streams, o->log_pushed, o->log_total);
    o->log_pushed = o->log_total;
}

static void stream_remove(observer_t *o, http_conn_id_t conn)
{
    for (size_t i = 0; i < o->n_streams; i++) {
        if (o->streams[i] == conn) {
            o->streams[i] = o->streams[--o->n_streams];
            break;
        }
    }
    if (o->n_streams == 0 && o->tick != TIMER_ID_INVALID) {
        actor_cancel_timer(o->rt, o->tick); /* idle: no sampling at all */
        o->tick = TIMER_ID_INVALID;
    }
}

/* ---- Responses ---------------------------------------------------------- */

static void respond(runtime_t *rt, http_conn_id_t conn, int status, const char *type,
                    const obs_buf_t *b)
{
    char ct[64];
    snprintf(ct, sizeof ct, "Content-Type: %s", type);
    const char *headers[] = {ct, "Cache-Control: no-store"};
    if (b->failed) {
        actor_http_respond(rt, conn, 500, NULL, 0, "out of memory\n", 14);
        return;
    }
    actor_http_respond(rt, conn, status, headers, 2, b->data ? b->data : "", b->len);
}

/* {"error": text} with `status`. */
static void respond_error(runtime_t *rt, http_conn_id_t conn, int status, const char *text)
{
    obs_buf_t b = {0};
    ob_adds(&b, "{\"error\":");
    ob_json_string(&b, text);
    ob_adds(&b, "}\n");
    respond(rt, conn, status, "application/json", &b);
    mk_free(b.data);
}

static void respond_405(runtime_t *rt, http_conn_id_t conn, const char *allow)
{
    char a[64];
    snprintf(a, sizeof a, "Allow: %s", allow);
    const char *headers[] = {"Content-Type: application/json", a};
    static const char body[] = "{\"error\":\"method not allowed\"}\n";
    actor_http_respond(rt, conn, 405, headers, 2, body, sizeof body - 1);
}

/* The value of header `name` (case-insensitive) in the packed headers. */
static const char *header(const http_request_payload_t *rq, const char *name)
{
    const char *h = http_request_headers(rq);
    const char *end = h + rq->headers_size;
    size_t nl = strlen(name);
    while (h < end && *h) {
        size_t len = strlen(h);
        if (len > nl && h[nl] == ':' && strncasecmp(h, name, nl) == 0) {
            const char *v = h + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
        h += len + 1;
    }
    return NULL;
}

/* ---- Write actions --------------------------------------------------------- */

/* Resolve an actor reference the way the shell does (sh_resolve): a name or
 * path, 0x<hex ID> (local ones must be alive), or a decimal local sequence. */
static actor_id_t resolve(runtime_t *rt, const char *ref, char *err)
{
    char e[SHELL_ERR_MAX];
    uint64_t v;
    if ((ref[0] == '0' && (ref[1] == 'x' || ref[1] == 'X')) && shell_parse_u64(ref, &v, e)) {
        actor_id_t id = (actor_id_t)v;
        if (actor_id_node(id) != runtime_node_id(rt) || actor_is_alive(rt, id))
            return id;
        snprintf(err, SHELL_ERR_MAX, "no live actor %.40s", ref);
        return ACTOR_ID_INVALID;
    }
    if (ref[0] >= '0' && ref[0] <= '9' && shell_parse_u64(ref, &v, e)) {
        size_t n = runtime_actor_count(rt);
        actor_info_t *all = mk_calloc(n + 1, sizeof *all);
        actor_id_t found = ACTOR_ID_INVALID;
        n = all ? runtime_actor_info(rt, all, n + 1) : 0;
        for (size_t i = 0; i < n; i++)
            if (actor_id_seq(all[i].id) == v)
                found = all[i].id;
        mk_free(all);
        if (found == ACTOR_ID_INVALID)
            snprintf(err, SHELL_ERR_MAX, "no live actor with sequence %.20s", ref);
        return found;
    }
    actor_id_t id = actor_lookup(rt, ref);
    if (id == ACTOR_ID_INVALID)
        snprintf(err, SHELL_ERR_MAX, "no actor named '%.80s'", ref);
    return id;
}

static void bad_request(observer_t *o, http_conn_id_t conn, const char *what, const char *err)
{
    mk_log_limited(o->rt, &o->lim_bad, LOG_INFO, "observer: %s refused: %s", what, err);
    respond_error(o->rt, conn, 400, err);
}

static void ok_id(runtime_t *rt, http_conn_id_t conn, const char *what, actor_id_t id)
{
    obs_buf_t b = {0};
    ob_printf(&b, "{\"ok\":true,\"action\":\"%s\",\"id\":\"0x%016llx\"}\n", what,
              (unsigned long long)id);
    respond(rt, conn, 200, "application/json", &b);
    mk_free(b.data);
}

static void do_send(observer_t *o, const http_request_payload_t *rq)
{
    static _Thread_local obs_send_t req; /* 4 KiB: off the stack */
    char err[SHELL_ERR_MAX];
    if (!obs_parse_send(http_request_body(rq), rq->body_size, &req, err))
        return bad_request(o, rq->conn_id, "send", err);
    actor_id_t id = resolve(o->rt, req.to, err);
    if (id == ACTOR_ID_INVALID)
        return bad_request(o, rq->conn_id, "send", err);
    if (!actor_send(o->rt, id, req.type, req.n ? req.payload : NULL, req.n)) {
        /* full mailbox, no route: the request was fine, the node refused */
        respond_error(o->rt, rq->conn_id, 409, mk_last_error());
        return;
    }
    ok_id(o->rt, rq->conn_id, "send", id);
}

static void do_stop(observer_t *o, const http_request_payload_t *rq)
{
    char to[OBS_REF_MAX + 1], err[SHELL_ERR_MAX];
    if (!obs_parse_target(http_request_body(rq), rq->body_size, to, sizeof to, err))
        return bad_request(o, rq->conn_id, "stop", err);
    actor_id_t id = resolve(o->rt, to, err);
    if (id == ACTOR_ID_INVALID)
        return bad_request(o, rq->conn_id, "stop", err);
    /* The shell's refusals (cmd_stop), and the observer's own actor. */
    const char *why = NULL;
    if (id == actor_lookup(o->rt, "shell"))
        why = "refusing to stop the shell's own actor; use exit in the shell";
    else if (id == actor_lookup(o->rt, "console"))
        why = "refusing to stop the shell's own console; use exit in the shell";
    else if (id == o->self)
        why = "refusing to stop the status actor that serves this page";
    else if (actor_id_node(id) != runtime_node_id(o->rt))
        why = "the actor lives on another node; only local actors can be stopped";
    else if (sh_is_system_actor(o->rt, id))
        why = "refusing to stop " SH_STOP_SYSTEM_WHY;
    if (why) {
        respond_error(o->rt, rq->conn_id, 403, why);
        return;
    }
    actor_stop(o->rt, id);
    if (actor_is_alive(o->rt, id)) {
        respond_error(o->rt, rq->conn_id, 409, mk_last_error());
        return;
    }
    ok_id(o->rt, rq->conn_id, "stop", id);
}

static void do_reload(observer_t *o, const http_request_payload_t *rq, const char *query)
{
    char to[OBS_REF_MAX + 1], err[SHELL_ERR_MAX];
    if (!obs_parse_target(query, strlen(query), to, sizeof to, err))
        return bad_request(o, rq->conn_id, "reload", err);
    actor_id_t id = resolve(o->rt, to, err);
    if (id == ACTOR_ID_INVALID)
        return bad_request(o, rq->conn_id, "reload", err);
    if (rq->body_size == 0)
        return bad_request(o, rq->conn_id, "reload", "the body (the new WASM module) is empty");
    if (rq->body_size > OBS_UPLOAD_MAX) {
        respond_error(o->rt, rq->conn_id, 413, "the module is over 4 MiB");
        return;
    }
#ifdef MK_SHELL_WASM
    if (!actor_is_wasm(o->rt, id)) {
        snprintf(err, sizeof err, "'%.80s' (0x%016llx) is not a local WASM actor", to,
                 (unsigned long long)id);
        return bad_request(o, rq->conn_id, "reload", err);
    }
    if (!wasm_actor_replace_module(o->rt, id, http_request_body(rq), rq->body_size))
        return bad_request(o, rq->conn_id, "reload", mk_last_error());
    ok_id(o->rt, rq->conn_id, "reload", id);
#else
    respond_error(o->rt, rq->conn_id, 501, "not available in this build: WASM hot reload");
#endif
}

/* Whether a Host value is a loopback name, with or without ":port" (and
 * nothing else: "127.0.0.1.example.com" is not). */
static bool loopback_host(const char *host)
{
    static const char *const names[] = {"127.0.0.1", "localhost", "[::1]"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if (strncasecmp(host, names[i], n) != 0)
            continue;
        const char *p = host + n;
        if (*p == '\0')
            return true;
        if (*p++ != ':' || !*p)
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
        return *p == '\0';
    }
    return false;
}

/*
 * Write requests must come from the page itself: the listener is on
 * 127.0.0.1 only, and a request must carry "X-Observer: 1", which a page
 * from another origin cannot add without a CORS preflight we never grant
 * (so a site the user visits cannot drive the node), and a Host that is a
 * loopback name (so DNS rebinding cannot either).
 */
static const char *write_refusal(const observer_t *o, const http_request_payload_t *rq)
{
    if (!o->write)
        return "write actions are off: start the node with --observer-write";
    const char *x = header(rq, "X-Observer");
    if (!x || strcmp(x, "1") != 0)
        return "write requests need the header X-Observer: 1";
    const char *host = header(rq, "Host");
    if (!host || !loopback_host(host))
        return "write requests must name a loopback Host (127.0.0.1, localhost, [::1])";
    return NULL;
}

static void handle_write(observer_t *o, const http_request_payload_t *rq, const char *path,
                         size_t plen, const char *query)
{
    const char *why = write_refusal(o, rq);
    if (why) {
        mk_log_limited(o->rt, &o->lim_bad, LOG_INFO, "observer: write refused: %s", why);
        respond_error(o->rt, rq->conn_id, 403, why);
        return;
    }
    if (plen == 9 && memcmp(path, "/api/send", 9) == 0)
        do_send(o, rq);
    else if (plen == 9 && memcmp(path, "/api/stop", 9) == 0)
        do_stop(o, rq);
    else
        do_reload(o, rq, query);
}

/* ---- Routing -------------------------------------------------------------- */

static bool path_is(const char *path, size_t plen, const char *want)
{
    return plen == strlen(want) && memcmp(path, want, plen) == 0;
}

static void start_stream(observer_t *o, http_conn_id_t conn)
{
    if (o->n_streams == OBS_MAX_STREAMS) {
        respond_error(o->rt, conn, 503, "too many event streams open (8)");
        return;
    }
    if (!actor_sse_start(o->rt, conn))
        return;
    if (o->tick == TIMER_ID_INVALID) {
        o->tick = actor_set_timer(o->rt, OBS_TICK_MS, true);
        if (o->tick == TIMER_ID_INVALID)
            mk_log_limited(o->rt, &o->lim_bad, LOG_WARN, "observer: no timer for the stream: %s",
                           mk_last_error());
    }
    if (o->n_streams == 0)
        o->log_pushed = o->log_total; /* nobody else waits for lines */
    o->streams[o->n_streams++] = conn;
    /* The whole state at once, so the page need not wait for a tick; the
     * log up to what the other streams had: the next tick brings the rest
     * to all of them alike. */
    sample(o, false);
    push_state(o, &conn, 1, 0, o->log_pushed);
}

bool observer_request(runtime_t *rt, observer_t *o, const http_request_payload_t *rq)
{
    const char *method = http_request_method(rq);
    const char *path = http_request_path(rq);
    size_t plen = strcspn(path, "?");
    const char *query = path[plen] == '?' ? path + plen + 1 : "";
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    http_conn_id_t conn = rq->conn_id;

    for (size_t i = 0; i < obs_n_assets; i++) {
        if (!path_is(path, plen, obs_assets[i].path))
            continue;
        if (!get) {
            respond_405(rt, conn, "GET, HEAD");
            return true;
        }
        char ct[80];
        snprintf(ct, sizeof ct, "Content-Type: %s", obs_assets[i].content_type);
        const char *headers[] = {ct, "Cache-Control: no-cache",
                                 "Content-Security-Policy: default-src 'self'; "
                                 "img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"};
        actor_http_respond(rt, conn, 200, headers, 3, obs_assets[i].data, obs_assets[i].size);
        return true;
    }
    bool is_write = path_is(path, plen, "/api/send") || path_is(path, plen, "/api/stop") ||
                    path_is(path, plen, "/api/reload");
    if (is_write) {
        if (!post)
            respond_405(rt, conn, "POST");
        else
            handle_write(o, rq, path, plen, query);
        return true;
    }
    bool known = path_is(path, plen, "/metrics") || path_is(path, plen, "/api/actors") ||
                 path_is(path, plen, "/api/tree") || path_is(path, plen, "/api/nodes") ||
                 path_is(path, plen, "/api/metrics") || path_is(path, plen, "/api/log") ||
                 path_is(path, plen, "/api/events");
    if (!known)
        return false;
    if (!get) {
        respond_405(rt, conn, "GET, HEAD");
        return true;
    }
    if (path_is(path, plen, "/api/events")) {
        start_stream(o, conn);
        return true;
    }
    sample(o, false);
    obs_sample_view_t v = view_of(o);
    obs_buf_t b = {0};
    const char *type = "application/json";
    if (path_is(path, plen, "/metrics")) {
        obs_prometheus(rt, &b, o->node_name, &v, o->log_total, thread_cpu_ns());
        type = "text/plain; version=0.0.4; charset=utf-8";
    } else if (path_is(path, plen, "/api/actors")) {
        obs_json_actors(rt, &b, &v);
    } else if (path_is(path, plen, "/api/tree")) {
        obs_json_tree(rt, &b);
    } else if (path_is(path, plen, "/api/nodes")) {
        obs_json_nodes(rt, &b, o->node_name);
    } else if (path_is(path, plen, "/api/metrics")) {
        json_metrics(o, &b);
    } else {
        char after[24], err[SHELL_ERR_MAX];
        size_t n;
        uint64_t a = 0;
        int r = obs_form_get(query, strlen(query), "after", after, sizeof after, &n, err);
        if (r < 0 || (r == 1 && !shell_parse_u64(after, &a, err))) {
            respond_error(rt, conn, 400, err);
            return true;
        }
        json_log(o, &b, a, o->log_total);
    }
    respond(rt, conn, 200, type, &b);
    mk_free(b.data);
    return true;
}

void observer_message(runtime_t *rt, observer_t *o, const message_t *msg)
{
    if (msg->type == MSG_TIMER && msg->source == ACTOR_ID_INVALID &&
        msg->payload_size == sizeof(timer_payload_t)) {
        const timer_payload_t *t = msg->payload;
        if (t->id == o->tick)
            tick(o);
    } else if (msg->type == MSG_HTTP_CONN_CLOSED && msg->payload_size >= sizeof(http_conn_id_t)) {
        http_conn_id_t conn;
        memcpy(&conn, msg->payload, sizeof conn);
        stream_remove(o, conn);
    } else if (msg->source != ACTOR_ID_INVALID && o->n_streams) {
        /* A reply to something the page sent: shown in its log pane. */
        char quoted[256];
        shell_quote(msg->payload, msg->payload_size, 64, quoted, sizeof quoted);
        obs_buf_t b = {0};
        ob_printf(&b, "{\"from\":\"0x%016llx\",\"type\":%u,\"size\":%zu,\"text\":",
                  (unsigned long long)msg->source, msg->type, msg->payload_size);
        ob_json_string(&b, quoted);
        ob_adds(&b, "}");
        push(o, o->streams, o->n_streams, "reply", &b);
        mk_free(b.data);
    }
    (void)rt;
}

/* ---- Life cycle -------------------------------------------------------- */

observer_t *observer_create(runtime_t *rt, const char *node_name, bool write)
{
    observer_t *o = mk_calloc(1, sizeof *o);
    if (!o) {
        mk_set_error("observer: out of memory");
        return NULL;
    }
    o->rt = rt;
    o->write = write;
    o->tick = TIMER_ID_INVALID;
    o->started_ms = mk_clock_ms();
    snprintf(o->node_name, sizeof o->node_name, "%s", node_name ? node_name : "");
    return o;
}

void observer_started(runtime_t *rt, observer_t *o, actor_id_t self)
{
    o->self = self;
    /* One observer per runtime keeps the log: a second one (another
     * status port) would chain to the first and outlive it. */
    if (o->sink_installed || mk_runtime_log_sink(rt, NULL) == obs_log_sink)
        return;
    o->prev_sink = mk_runtime_log_sink(rt, &o->prev_sink_ctx);
    runtime_set_log_sink(rt, obs_log_sink, o);
    o->sink_installed = true;
}

void observer_destroy(observer_t *o)
{
    if (!o)
        return;
    void *sink_ctx = NULL;
    if (o->sink_installed && mk_runtime_log_sink(o->rt, &sink_ctx) == obs_log_sink && sink_ctx == o)
        runtime_set_log_sink(o->rt, o->prev_sink, o->prev_sink_ctx);
    mk_free(o->rates);
    mk_free(o);
}
