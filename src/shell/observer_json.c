/*
 * observer_json.c -- the documents of the web observer: /api/actors,
 * /api/tree, /api/nodes as JSON (RFC 8259) and /metrics as Prometheus text
 * (exposition format 0.0.4). Shapes are documented in docs/observer.md.
 *
 * Called from the status actor's behaviour (observer.c); each document is
 * built from one walk of the runtime's tables, O(actors + names + edges),
 * and never blocks the loop.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "shell/observer.h"
#include "shell/shell_internal.h"
#include "supervision/supervision_internal.h"
#ifdef MK_SHELL_SERVICES
#include "microkernel/node.h"
#include "microkernel/node_services.h"
#include "services/svc_internal.h"
#endif
#ifdef MK_SHELL_WASM
#include "microkernel/wasm_actor.h"
#endif

/* ---- Text buffer ------------------------------------------------------ */

void ob_add(obs_buf_t *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = mk_realloc(b->data, cap);
        if (!d) {
            b->failed = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ob_adds(obs_buf_t *b, const char *s)
{
    ob_add(b, s, strlen(s));
}

void ob_printf(obs_buf_t *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        ob_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void ob_json_bytes(obs_buf_t *b, const char *s, size_t n)
{
    ob_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            ob_add(b, e, 2);
        } else if (c < 0x20 || c >= 0x7f) {
            /* bytes, not UTF-8: every byte outside printable ASCII is escaped
             * so the document stays valid whatever an actor's name holds */
            ob_printf(b, "\\u%04x", c);
        } else {
            ob_add(b, (const char *)&c, 1);
        }
    }
    ob_add(b, "\"", 1);
}

void ob_json_string(obs_buf_t *b, const char *s)
{
    ob_json_bytes(b, s ? s : "", s ? strlen(s) : 0);
}

static void ob_id(obs_buf_t *b, actor_id_t id)
{
    if (id == ACTOR_ID_INVALID)
        ob_adds(b, "null");
    else
        ob_printf(b, "\"0x%016llx\"", (unsigned long long)id);
}

/* ---- /api/actors -------------------------------------------------------- */

const obs_rate_t *obs_rate_of(const obs_sample_view_t *v, actor_id_t id)
{
    size_t lo = 0, hi = v->n_rates;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->rates[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->n_rates && v->rates[lo].id == id ? &v->rates[lo] : NULL;
}

/* What kind of actor `id` is, from its behaviour. */
static const char *actor_kind(runtime_t *rt, actor_id_t id)
{
    if (mk_actor_runs(rt, id, supervisor_behavior))
        return "supervisor";
#ifdef MK_SHELL_WASM
    if (actor_is_wasm(rt, id))
        return "wasm";
#endif
    return "native";
}

void obs_json_actors(runtime_t *rt, obs_buf_t *b, const obs_sample_view_t *v)
{
    sh_snapshot_t s;
    if (!sh_snapshot_take(rt, &s)) {
        b->failed = true;
        return;
    }
    ob_printf(b, "{\"node_id\":%u,\"interval_ms\":%" PRIu64 ",\"actors\":[", runtime_node_id(rt),
              v->interval_ms);
    for (size_t i = 0; i < s.n_actors; i++) {
        const actor_info_t *a = &s.actors[i];
        const obs_rate_t *r = obs_rate_of(v, a->id);
        ob_printf(b,
                  "%s{\"id\":\"0x%016llx\",\"seq\":%u,\"kind\":\"%s\",\"status\":\"%s\","
                  "\"system\":%s,\"parent\":",
                  i ? "," : "", (unsigned long long)a->id, actor_id_seq(a->id),
                  actor_kind(rt, a->id), sh_status_word(a), a->system ? "true" : "false");
        ob_id(b, a->parent);
        ob_printf(b,
                  ",\"mailbox_used\":%zu,\"mailbox_size\":%zu,\"msgs_in\":%" PRIu64
                  ",\"msgs_out\":%" PRIu64 ",",
                  a->mailbox_used, a->mailbox_cap, a->msgs_in, a->msgs_out);
        if (r && v->interval_ms)
            ob_printf(b, "\"in_per_s\":%.2f,\"out_per_s\":%.2f,\"cpu_share\":%.4f", r->in_per_s,
                      r->out_per_s, r->share);
        else
            ob_adds(b, "\"in_per_s\":null,\"out_per_s\":null,\"cpu_share\":null");
        ob_adds(b, ",\"memory_bytes\":");
#ifdef MK_SHELL_WASM
        size_t mem;
        if (wasm_actor_memory_bytes(rt, a->id, &mem))
            ob_printf(b, "%zu", mem);
        else
            ob_adds(b, "null");
        mk_clear_error();
#else
        ob_adds(b, "null");
#endif
        ob_adds(b, ",\"names\":[");
        bool first = true;
        for (size_t k = 0; k < s.n_names; k++) {
            if (s.ids[k] != a->id)
                continue;
            if (!first)
                ob_add(b, ",", 1);
            first = false;
            ob_json_string(b, s.names[k]);
        }
        ob_adds(b, "]}");
    }
    ob_adds(b, "]}\n");
    sh_snapshot_free(&s);
}

/* ---- /api/tree ------------------------------------------------------------ */

static const char *strategy_name(restart_strategy_t s)
{
    switch (s) {
    case STRATEGY_ONE_FOR_ONE: return "one_for_one";
    case STRATEGY_ONE_FOR_ALL: return "one_for_all";
    case STRATEGY_REST_FOR_ONE: return "rest_for_one";
    }
    return "unknown";
}

static const char *restart_name(restart_type_t t)
{
    switch (t) {
    case RESTART_PERMANENT: return "permanent";
    case RESTART_TRANSIENT: return "transient";
    case RESTART_TEMPORARY: return "temporary";
    }
    return "unknown";
}

/* One supervisor as a JSON object (children in spec order). */
static void json_supervisor(runtime_t *rt, obs_buf_t *b, const actor_info_t *a)
{
    supervisor_info_t si;
    if (!supervisor_info(rt, a->id, &si, NULL, 0))
        return;
    supervisor_child_info_t *ch = mk_calloc(si.n_children ? si.n_children : 1, sizeof *ch);
    if (!ch) {
        b->failed = true;
        return;
    }
    supervisor_info(rt, a->id, &si, ch, si.n_children);
    ob_printf(b, "{\"id\":\"0x%016llx\",\"parent\":", (unsigned long long)a->id);
    ob_id(b, a->parent);
    ob_printf(b,
              ",\"strategy\":\"%s\",\"max_restarts\":%d,\"window_ms\":%" PRIu64
              ",\"restarts\":%" PRIu64 ",\"restarts_in_window\":%zu,\"children\":[",
              strategy_name(si.strategy), si.max_restarts, si.window_ms, si.restarts,
              si.restarts_in_window);
    for (size_t i = 0; i < si.n_children; i++) {
        ob_printf(b, "%s{\"index\":%zu,\"name\":", i ? "," : "", i);
        if (ch[i].name)
            ob_json_string(b, ch[i].name);
        else
            ob_adds(b, "null");
        ob_adds(b, ",\"id\":");
        ob_id(b, ch[i].id);
        ob_printf(b, ",\"restart_type\":\"%s\",\"restarts\":%" PRIu64 ",\"supervisor\":%s}",
                  restart_name(ch[i].restart_type), ch[i].restarts,
                  ch[i].supervisor ? "true" : "false");
    }
    ob_adds(b, "]}");
    mk_free(ch);
}

void obs_json_tree(runtime_t *rt, obs_buf_t *b)
{
    size_t n = runtime_actor_count(rt);
    actor_info_t *all = mk_calloc(n + 1, sizeof *all);
    if (!all) {
        b->failed = true;
        return;
    }
    n = runtime_actor_info(rt, all, n + 1);
    ob_adds(b, "{\"supervisors\":[");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (!mk_actor_runs(rt, all[i].id, supervisor_behavior))
            continue;
        if (!first)
            ob_add(b, ",", 1);
        first = false;
        json_supervisor(rt, b, &all[i]);
    }
    ob_adds(b, "],\"parents\":[");
    first = true;
    for (size_t i = 0; i < n; i++) {
        if (all[i].parent == ACTOR_ID_INVALID)
            continue;
        ob_printf(b, "%s{\"id\":\"0x%016llx\",\"parent\":\"0x%016llx\"}", first ? "" : ",",
                  (unsigned long long)all[i].id, (unsigned long long)all[i].parent);
        first = false;
    }
    mk_free(all);
    /* Links and monitors: the death-notification table (supervision). */
    const mk_sup_ext_t *x = mk_sup_ext_peek(rt);
    ob_adds(b, "],\"links\":[");
    first = true;
    for (size_t i = 0; x && i < x->n; i++) {
        const mk_edge_t *e = &x->edges[i];
        if (e->kind != MK_EDGE_LINK)
            continue;
        ob_printf(b, "%s{\"a\":\"0x%016llx\",\"b\":\"0x%016llx\"}", first ? "" : ",",
                  (unsigned long long)e->a, (unsigned long long)e->b);
        first = false;
    }
    ob_adds(b, "],\"monitors\":[");
    first = true;
    for (size_t i = 0; x && i < x->n; i++) {
        const mk_edge_t *e = &x->edges[i];
        if (e->kind != MK_EDGE_MONITOR)
            continue;
        ob_printf(b, "%s{\"watched\":\"0x%016llx\",\"watcher\":\"0x%016llx\",\"ref\":%" PRIu64 "}",
                  first ? "" : ",", (unsigned long long)e->a, (unsigned long long)e->b, e->ref);
        first = false;
    }
    ob_adds(b, "]}\n");
}

/* ---- /api/nodes ------------------------------------------------------------ */

void obs_json_nodes(runtime_t *rt, obs_buf_t *b, const char *node_name)
{
    ob_printf(b, "{\"node\":{\"id\":%u,\"name\":", runtime_node_id(rt));
    ob_json_string(b, node_name);
    ob_printf(b, ",\"version\":\"%s\",\"transports\":%zu", shell_version(),
              runtime_get_transport_count(rt));
#ifdef MK_SHELL_SERVICES
    ob_printf(b, ",\"mount_port\":%u", services_mount_port(rt));
    const char *key = services_node_key(rt);
    ob_adds(b, ",\"key\":");
    if (key)
        ob_json_string(b, key);
    else
        ob_adds(b, "null");
    ob_adds(b, "},\"peers\":[");
    const svc_t *s = svc_peek(rt);
    bool first = true;
    for (size_t i = 0; s && i < SVC_MAX_PEERS; i++) {
        const svc_peer_t *p = &s->peers[i];
        if (!p->node)
            continue;
        node_link_stats_t st;
        bool have = runtime_link_stats(rt, p->node, &st);
        ob_printf(b, "%s{\"node\":%u,\"name\":", first ? "" : ",", p->node);
        first = false;
        ob_json_string(b, p->name);
        ob_adds(b, ",\"host\":");
        ob_json_string(b, p->host);
        ob_printf(b, ",\"port\":%u,\"connected\":%s,\"names\":%zu,\"rtt_ms\":null", p->port,
                  node_is_connected(rt, p->node) ? "true" : "false",
                  mk_registry_count_origin(rt, p->node));
        if (have)
            ob_printf(
                b, ",\"frames_in\":%" PRIu64 ",\"delivered\":%" PRIu64 ",\"dropped\":%" PRIu64 "}",
                st.frames_in, st.delivered,
                st.dropped_forged_source + st.dropped_local_only + st.dropped_undeliverable +
                    st.dropped_control);
        else
            ob_adds(b, ",\"frames_in\":null,\"delivered\":null,\"dropped\":null}");
    }
    ob_adds(b, "]}\n");
#else
    ob_adds(b, ",\"mount_port\":0,\"key\":null},\"peers\":[]}\n");
#endif
}

/* ---- /metrics ---------------------------------------------------------------- */

uint64_t obs_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size = 0, rss = 0;
    int got = fscanf(f, "%llu %llu", &size, &rss);
    fclose(f);
    return got == 2 ? (uint64_t)rss * 4096u : 0;
}

/* A label value (text format 0.0.4: backslash, double quote and line feed
 * escaped; other bytes as they are, so names stay readable). */
static void prom_label(obs_buf_t *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            ob_adds(b, "\\\\");
        else if (*s == '"')
            ob_adds(b, "\\\"");
        else if (*s == '\n')
            ob_adds(b, "\\n");
        else
            ob_add(b, s, 1);
    }
}

static void prom_head(obs_buf_t *b, const char *name, const char *type, const char *help)
{
    ob_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The actor's first name ("" when it has none). */
static const char *first_name(const sh_snapshot_t *s, actor_id_t id)
{
    for (size_t k = 0; k < s->n_names; k++)
        if (s->ids[k] == id)
            return s->names[k];
    return "";
}

static void prom_actor_series(obs_buf_t *b, const sh_snapshot_t *s, const char *metric,
                              size_t field)
{
    for (size_t i = 0; i < s->n_actors; i++) {
        const actor_info_t *a = &s->actors[i];
        uint64_t v = field == 0   ? a->msgs_in
                     : field == 1 ? a->msgs_out
                     : field == 2 ? (uint64_t)a->mailbox_used
                                  : (uint64_t)a->mailbox_cap;
        ob_printf(b, "%s{actor=\"0x%016llx\",name=\"", metric, (unsigned long long)a->id);
        prom_label(b, first_name(s, a->id));
        ob_printf(b, "\"} %" PRIu64 "\n", v);
    }
}

void obs_prometheus(runtime_t *rt, obs_buf_t *b, const char *node_name, const obs_sample_view_t *v,
                    uint64_t log_lines, uint64_t thread_cpu_ns)
{
    sh_snapshot_t s;
    if (!sh_snapshot_take(rt, &s)) {
        b->failed = true;
        return;
    }
    prom_head(b, "mk_node_info", "gauge", "This node: its ID, name and version (value 1).");
    ob_printf(b, "mk_node_info{node_id=\"%u\",name=\"", runtime_node_id(rt));
    prom_label(b, node_name ? node_name : "");
    ob_printf(b, "\",version=\"%s\"} 1\n", shell_version());
    prom_head(b, "mk_actors", "gauge", "Live actors, system actors included.");
    ob_printf(b, "mk_actors %zu\n", s.n_actors);
    prom_head(b, "mk_actors_max", "gauge", "Live actors the runtime can hold (runtime_init).");
    ob_printf(b, "mk_actors_max %zu\n", runtime_get_max_actors(rt));
    prom_head(b, "mk_actor_messages_in_total", "counter",
              "Messages the actor's behaviour handled since it started.");
    prom_actor_series(b, &s, "mk_actor_messages_in_total", 0);
    prom_head(b, "mk_actor_messages_out_total", "counter",
              "Messages the actor sent with actor_send since it started.");
    prom_actor_series(b, &s, "mk_actor_messages_out_total", 1);
    prom_head(b, "mk_actor_mailbox_messages", "gauge", "Messages queued in the actor's mailbox.");
    prom_actor_series(b, &s, "mk_actor_mailbox_messages", 2);
    prom_head(b, "mk_actor_mailbox_capacity", "gauge", "Capacity of the actor's mailbox.");
    prom_actor_series(b, &s, "mk_actor_mailbox_capacity", 3);
    prom_head(b, "mk_supervisor_restarts_total", "counter",
              "Children a supervisor started again since it started.");
    for (size_t i = 0; i < s.n_actors; i++) {
        supervisor_info_t si;
        if (!mk_actor_runs(rt, s.actors[i].id, supervisor_behavior) ||
            !supervisor_info(rt, s.actors[i].id, &si, NULL, 0))
            continue;
        ob_printf(b, "mk_supervisor_restarts_total{actor=\"0x%016llx\",name=\"",
                  (unsigned long long)s.actors[i].id);
        prom_label(b, first_name(&s, s.actors[i].id));
        ob_printf(b, "\"} %" PRIu64 "\n", si.restarts);
    }
    prom_head(b, "mk_messages_per_second", "gauge",
              "Messages handled per second by every actor over the last sample interval.");
    ob_printf(b, "mk_messages_per_second %.3f\n", v->msgs_per_s);
    prom_head(b, "mk_scheduler_cpu_seconds_total", "counter",
              "CPU time of the thread running the runtime.");
    ob_printf(b, "mk_scheduler_cpu_seconds_total %.6f\n", (double)thread_cpu_ns / 1e9);
    prom_head(b, "mk_process_resident_memory_bytes", "gauge", "Resident set size of the process.");
    ob_printf(b, "mk_process_resident_memory_bytes %" PRIu64 "\n", obs_rss_bytes());
    prom_head(b, "mk_transports", "gauge", "Transports (node links) registered.");
    ob_printf(b, "mk_transports %zu\n", runtime_get_transport_count(rt));
    prom_head(b, "mk_log_lines_total", "counter", "Log lines the observer saw since it started.");
    ob_printf(b, "mk_log_lines_total %" PRIu64 "\n", log_lines);
#ifdef MK_SHELL_SERVICES
    prom_head(b, "mk_peer_frames_in_total", "counter", "Frames read from a mounted peer's link.");
    const svc_t *sv = svc_peek(rt);
    for (size_t i = 0; sv && i < SVC_MAX_PEERS; i++) {
        node_link_stats_t st;
        if (sv->peers[i].node && runtime_link_stats(rt, sv->peers[i].node, &st))
            ob_printf(b, "mk_peer_frames_in_total{peer=\"%u\"} %" PRIu64 "\n", sv->peers[i].node,
                      st.frames_in);
    }
#endif
    sh_snapshot_free(&s);
}
