/*
 * status.c -- the node's HTTP status endpoint: an actor listening on
 * 127.0.0.1:<port> that answers GET /status (the node and its actors as
 * JSON), GET /actors (the actors alone) and GET /display.png (what the
 * display shows, docs/display.md), and hands every other path first to the
 * web observer (observer.c: "/", "/metrics", "/api/...").
 *
 * Started by mk-shell (shell_status_start). Uses the HTTP server of
 * src/http; every request is answered at once from a snapshot of the actor
 * table, so it never blocks the loop. Without the HTTP layer in the build,
 * shell_status_start() fails with "not available in this build".
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "platform/sock.h"
#include "shell/shell_internal.h"
#ifdef MK_SHELL_HTTP
#include "microkernel/display.h"
#include "microkernel/http.h"
#include "shell/observer.h"
#endif

#ifdef MK_SHELL_HTTP
typedef struct {
    uint16_t port;                   /* asked for; 0: any */
    char node_name[MK_NAME_MAX + 1]; /* shown in /status */
    observer_t *obs;                 /* the web observer's routes (observer.c) */
} status_t;

/* JSON text is built with the observer's buffer (observer.h: ob_*). */

static void jb_actors(obs_buf_t *b, const sh_snapshot_t *s)
{
    ob_add(b, "[", 1);
    for (size_t i = 0; i < s->n_actors; i++) {
        const actor_info_t *a = &s->actors[i];
        ob_printf(b,
                  "%s{\"seq\":%u,\"id\":\"0x%016llx\",\"status\":\"%s\",\"mailbox_used\":%zu,"
                  "\"mailbox_size\":%zu,\"system\":%s,\"parent\":",
                  i ? "," : "", actor_id_seq(a->id), (unsigned long long)a->id, sh_status_word(a),
                  a->mailbox_used, a->mailbox_cap, a->system ? "true" : "false");
        if (a->parent == ACTOR_ID_INVALID)
            ob_add(b, "null", 4);
        else
            ob_printf(b, "\"0x%016llx\"", (unsigned long long)a->parent);
        ob_add(b, ",\"names\":[", 10);
        bool first = true;
        for (size_t k = 0; k < s->n_names; k++) {
            if (s->ids[k] != a->id)
                continue;
            if (!first)
                ob_add(b, ",", 1);
            first = false;
            ob_json_string(b, s->names[k]);
        }
        ob_add(b, "]}", 2);
    }
    ob_add(b, "]", 1);
}

static void respond_json(runtime_t *rt, http_conn_id_t conn, int status, const obs_buf_t *b)
{
    static const char *const headers[] = {"Content-Type: application/json"};
    if (b->failed) {
        actor_http_respond(rt, conn, 500, NULL, 0, "out of memory\n", 14);
        return;
    }
    actor_http_respond(rt, conn, status, headers, 1, b->data, b->len);
}

/* GET /display.png: the display's framebuffer as a PNG (docs/display.md);
 * 404 when the node has no display. */
static void respond_display_png(runtime_t *rt, http_conn_id_t conn)
{
    static const char *const headers[] = {"Content-Type: image/png", "Cache-Control: no-store"};
    uint16_t w, h;
    const uint16_t *fb = display_framebuffer(rt, &w, &h);
    uint8_t *png;
    size_t len;
    if (!fb) {
        actor_http_respond(rt, conn, 404, NULL, 0, "no display on this node\n", 24);
    } else if (!display_png_encode(fb, w, h, &png, &len)) {
        actor_http_respond(rt, conn, 500, NULL, 0, "cannot encode the display\n", 26);
    } else {
        actor_http_respond(rt, conn, 200, headers, 2, png, len);
        mk_free(png);
    }
}

static void on_request(runtime_t *rt, status_t *st, const message_t *msg)
{
    const http_request_payload_t *rq = msg->payload;
    if (msg->payload_size < sizeof *rq)
        return;
    if (observer_request(rt, st->obs, rq))
        return; /* "/", "/metrics", "/api/..." */
    const char *method = http_request_method(rq);
    const char *path = http_request_path(rq);
    obs_buf_t b = {0};
    size_t plen = strcspn(path, "?");
    bool is_status = plen == 7 && strncmp(path, "/status", 7) == 0;
    bool is_actors = plen == 7 && strncmp(path, "/actors", 7) == 0;
    bool is_png = plen == 12 && strncmp(path, "/display.png", 12) == 0;
    if (is_png && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)) {
        respond_display_png(rt, rq->conn_id);
        return;
    }
    if (!is_status && !is_actors && !is_png) {
        ob_adds(&b, "{\"error\":\"not found\",\"paths\":[\"/\",\"/status\",\"/actors\","
                    "\"/display.png\",\"/metrics\",\"/api/actors\",\"/api/tree\","
                    "\"/api/nodes\",\"/api/metrics\",\"/api/log\",\"/api/events\"]}\n");
        respond_json(rt, rq->conn_id, 404, &b);
    } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        /* RFC 9110 §15.5.6: a 405 lists the methods the resource allows. */
        static const char *const allow[] = {"Content-Type: application/json", "Allow: GET, HEAD"};
        static const char body[] = "{\"error\":\"method not allowed\"}\n";
        actor_http_respond(rt, rq->conn_id, 405, allow, 2, body, sizeof body - 1);
    } else {
        sh_snapshot_t s;
        if (!sh_snapshot_take(rt, &s)) {
            actor_http_respond(rt, rq->conn_id, 500, NULL, 0, "out of memory\n", 14);
            return;
        }
        if (is_status) {
            ob_printf(&b, "{\"node_id\":%u,\"node_name\":", runtime_node_id(rt));
            ob_json_string(&b, st->node_name);
            ob_printf(&b, ",\"version\":\"%s\",\"actor_count\":%zu,\"actors\":", shell_version(),
                      s.n_actors);
            jb_actors(&b, &s);
            ob_adds(&b, "}\n");
        } else {
            jb_actors(&b, &s);
            ob_adds(&b, "\n");
        }
        sh_snapshot_free(&s);
        respond_json(rt, rq->conn_id, 200, &b);
    }
    mk_free(b.data);
}

static bool status_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    status_t *st = state;
    if (msg->type == MSG_TTY_START) {
        if (!actor_http_listen(rt, st->port)) {
            actor_log(rt, LOG_ERROR, "status: cannot serve HTTP on 127.0.0.1:%u: %s", st->port,
                      mk_last_error());
            return false;
        }
        observer_started(rt, st->obs, actor_self(rt));
        actor_log(rt, LOG_INFO,
                  "status: http://127.0.0.1:%u/status, observer: http://127.0.0.1:%u/",
                  http_listen_port(rt), http_listen_port(rt));
    } else if (msg->type == MSG_HTTP_REQUEST) {
        on_request(rt, st, msg);
    } else {
        observer_message(rt, st->obs, msg);
    }
    return true;
}

static void status_free(void *state)
{
    status_t *st = state;
    observer_destroy(st->obs);
    mk_free(st);
}

/* Whether 127.0.0.1:`port` can be bound now, as actor_http_listen binds it
 * (SO_REUSEADDR); false with the reason. The status actor listens on its
 * first message, after the caller returned: this check lets a port in use
 * stop the node at start (issue 22), as a mount port in use does. */
static bool port_free(uint16_t port)
{
    if (port == 0)
        return true;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int err = 0;
    int fd = mk_sock_open_one(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, (struct sockaddr *)&a,
                              sizeof a, MK_SOCK_LISTEN, 1, &err);
    if (fd < 0)
        return mk_fail("cannot serve HTTP on 127.0.0.1:%u: %s", (unsigned)port, strerror(err));
    close(fd);
    return true;
}

actor_id_t shell_status_start_ex(runtime_t *rt, uint16_t port, const char *node_name,
                                 unsigned flags)
{
    if (!port_free(port))
        return ACTOR_ID_INVALID;
    status_t *st = mk_calloc(1, sizeof *st);
    if (!st || !(st->obs = observer_create(rt, node_name, (flags & SHELL_STATUS_WRITE) != 0))) {
        mk_free(st);
        mk_set_error("shell_status_start: out of memory");
        return ACTOR_ID_INVALID;
    }
    st->port = port;
    snprintf(st->node_name, sizeof st->node_name, "%s", node_name ? node_name : "");
    actor_id_t id = actor_spawn(rt, status_behavior, st, status_free, 64);
    if (id == ACTOR_ID_INVALID) {
        status_free(st);
        return ACTOR_ID_INVALID;
    }
    mk_actor_set_system(rt, id, true);
    actor_register_name(rt, "/sys/status", id);
    if (!actor_send(rt, id, MSG_TTY_START, NULL, 0)) { /* a new mailbox: only out of memory */
        actor_stop(rt, id);
        return ACTOR_ID_INVALID;
    }
    return id;
}
#else
actor_id_t shell_status_start_ex(runtime_t *rt, uint16_t port, const char *node_name,
                                 unsigned flags)
{
    (void)rt;
    (void)port;
    (void)node_name;
    (void)flags;
    mk_set_error("not available in this build: HTTP status endpoint (src/http)");
    return ACTOR_ID_INVALID;
}
#endif

actor_id_t shell_status_start(runtime_t *rt, uint16_t port, const char *node_name)
{
    return shell_status_start_ex(rt, port, node_name, 0);
}
