/*
 * mount_compat.c -- the original's mount API on our mount actor
 * (namespace.h: ns_mount_listen, ns_mount_connect; compat
 * wire-and-mount.md §4.3, §5.5). The listener and the handshake are the
 * non-blocking, authenticated ones of mount.c and mount_link.c; only
 * ns_mount_connect blocks its caller, by driving the runtime until the
 * mount actor answers, as the original's blocking connect does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "microkernel/actor.h"
#include "microkernel/namespace.h"
#include "platform/clock.h"
#include "services/svc_internal.h"

#define CONNECT_WAIT_MS 10000 /* handshake 3 s + TLS + authentication, with margin */

/* The mount state, made from the environment when services_start() did not
 * run (a program booting the original's way). */
static svc_t *ensure_mount(runtime_t *rt, const char *fn)
{
    if (!rt) {
        mk_set_error("%s: runtime is NULL", fn);
        return NULL;
    }
    if (!ns_install(rt))
        return NULL;
    svc_t *s = svc_get(rt);
    if (!s || s->mount)
        return s;
    const char *cookie = getenv("MK_COOKIE");
    const char *insecure = getenv("MK_INSECURE");
    services_config_t cfg = {.cookie = cookie && cookie[0] ? cookie : NULL,
                             .insecure = insecure && strcmp(insecure, "1") == 0,
                             .no_mount_listen = true};
    if ((!s->data_dir[0] && !svc_pick_data_dir(s, &cfg)) || !mount_start(rt, s, &cfg)) {
        char why[300];
        snprintf(why, sizeof why, "%s", mk_last_error());
        if (s->mount_actor != ACTOR_ID_INVALID)
            actor_stop(rt, s->mount_actor);
        s->mount_actor = ACTOR_ID_INVALID;
        mount_destroy(rt, s);
        mk_set_error("%s: %s", fn, why);
        return NULL;
    }
    return s;
}

actor_id_t ns_mount_listen(runtime_t *rt, uint16_t port)
{
    svc_t *s = ensure_mount(rt, "ns_mount_listen");
    if (!s)
        return ACTOR_ID_INVALID;
    if (port == 0) {
        mk_set_error("ns_mount_listen: port 0 (give a port, e.g. MK_MOUNT_PORT)");
        return ACTOR_ID_INVALID;
    }
    /* 0.0.0.0 as the original: reachable, but every link authenticates. */
    if (!mount_listen_late(s, "0.0.0.0", port))
        return ACTOR_ID_INVALID;
    return s->mount_actor;
}

typedef struct {
    bool done, ok;
    char text[320];
} mount_wait_t;

static bool wait_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self;
    mount_wait_t *w = state;
    if (msg->type != MSG_MOUNT_OK && msg->type != MSG_MOUNT_ERROR)
        return true;
    size_t n = msg->payload_size < sizeof w->text - 1 ? msg->payload_size : sizeof w->text - 1;
    if (n)
        memcpy(w->text, msg->payload, n);
    w->text[n] = '\0';
    w->ok = msg->type == MSG_MOUNT_OK;
    w->done = true;
    return true;
}

/* The value of "key=" in the reply lines, into out (cap bytes); false if absent. */
static bool reply_field(const char *text, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    for (const char *p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t n = strcspn(v, "\n");
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
    }
    return false;
}

int ns_mount_connect(runtime_t *rt, const char *host, uint16_t port, mount_result_t *result)
{
    if (result)
        memset(result, 0, sizeof *result);
    if (rt && actor_self(rt) != ACTOR_ID_INVALID) {
        mk_set_error("ns_mount_connect: called from inside a behaviour (it runs the scheduler)");
        return -1;
    }
    if (!host || !host[0] || port == 0 || strlen(host) > 255) {
        mk_set_error("ns_mount_connect: need a host (at most 255 bytes) and a port 1..65535");
        return -1;
    }
    svc_t *s = ensure_mount(rt, "ns_mount_connect");
    if (!s)
        return -1;
    char target[300];
    int n = snprintf(target, sizeof target, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
    mount_wait_t w = {0};
    actor_id_t me = actor_spawn(rt, wait_behavior, &w, NULL, 4);
    if (me == ACTOR_ID_INVALID)
        return -1;
    mk_actor_set_system(rt, me, true);
    if (!mk_send_from(rt, me, s->mount_actor, MSG_MOUNT, target, (size_t)n)) {
        actor_stop(rt, me);
        return -1;
    }
    uint64_t deadline = mk_clock_ms() + CONNECT_WAIT_MS;
    for (unsigned i = 1; !w.done && mk_clock_ms() < deadline; i++) {
        runtime_step(rt);
        if (i % 64 == 0) { /* runtime_step never blocks: let the peer answer */
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    actor_stop(rt, me);
    if (!w.done) {
        mk_set_error("ns_mount_connect: %s: no answer within %d ms", target, CONNECT_WAIT_MS);
        return -1;
    }
    if (!w.ok) {
        char why[sizeof w.text];
        if (!reply_field(w.text, "error", why, sizeof why))
            snprintf(why, sizeof why, "%s", w.text);
        mk_set_error("ns_mount_connect: %s", why);
        return -1;
    }
    char node[16] = "", name[32] = "";
    reply_field(w.text, "node", node, sizeof node);
    reply_field(w.text, "name", name, sizeof name);
    if (result) {
        snprintf(result->identity, sizeof result->identity, "%s", name);
        result->node_id = (node_id_t)strtoul(node, NULL, 10);
    }
    return 0;
}
