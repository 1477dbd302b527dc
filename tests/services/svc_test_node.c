/*
 * svc_test_node.c -- a node for the services tests, run as a separate
 * process: boots the standard actors and prints "PORT <n>" once its mount
 * listener is up. Options:
 *   --id N --name NAME --data DIR   identity and data directory
 *   --mount HOST:PORT               mount a peer; prints "MOUNTED ..." or "MOUNT-ERROR ..."
 *   --put KEY=VALUE                 put into the local KV; prints "PUT-OK" after the reply
 *   --cookie SECRET                 mount cookie (default SVC_TEST_COOKIE; "none": no cookie)
 *   --insecure 1 / --original 1 / --no-tls 1   the services_config_t flags
 *   --trust KEY                     add KEY to the trust list before starting
 *   --interop PEER                  the interop partner of test_original_mode.c: an echo
 *                                   actor named "echo-<own name>" and "/app/<own name>/echo"
 *                                   (type 100 -> reply 101 "<own name>:<payload>"), and a
 *                                   watcher that, once PEER's "echo-PEER" and
 *                                   "/app/PEER/echo" resolve, sends them type 200
 *                                   "name:hello" and "path:hello", asks "/node/PEER/caps"
 *                                   and sends the reply as "caps:<text>", and sends
 *                                   "late:hello" to "/app/PEER/late" when it appears.
 * It prints "KEY <its public key>" before "PORT <n>".
 * It exits when its stdin closes (so a dying test leaves no orphan).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "microkernel/actor.h"
#include "microkernel/message.h"
#include "microkernel/node_services.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "net/trust.h"

#ifndef SVC_TEST_COOKIE
#define SVC_TEST_COOKIE "svc-test-cookie"
#endif

typedef struct {
    const char *mount;
    const char *put;
    const char *interop; /* the partner's node name, or NULL */
    const char *name;    /* own node name */
} opts_t;

/* ---- --interop: the far side of tests/services/test_original_mode.c ---- */

static bool echo_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    const opts_t *o = state;
    if (msg->type != 100)
        return true;
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s:%.*s", o->name, (int)msg->payload_size,
                     msg->payload ? (const char *)msg->payload : "");
    actor_send(rt, msg->source, 101, buf, (size_t)n);
    return true;
}

typedef struct {
    const opts_t *o;
    bool greeted, late_sent;
    char name[64], path[96], caps[96], late[96];
} watcher_t;

static bool watcher_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    watcher_t *w = state;
    if (msg->type == 1) {
        actor_set_timer(rt, 20, true); /* look for the partner's names every 20 ms */
        return true;
    }
    if (msg->type == MSG_CAPS_REPLY) {
        char buf[600];
        int n = snprintf(buf, sizeof buf, "caps:%.*s", (int)msg->payload_size,
                         msg->payload ? (const char *)msg->payload : "");
        actor_send_named(rt, w->path, 200, buf, (size_t)n);
        return true;
    }
    if (msg->type != MSG_TIMER)
        return true;
    actor_id_t by_name = actor_lookup(rt, w->name);
    actor_id_t by_path = actor_lookup(rt, w->path);
    if (!w->greeted && by_name != ACTOR_ID_INVALID && by_path != ACTOR_ID_INVALID) {
        w->greeted = true;
        actor_send(rt, by_name, 200, "name:hello", 10);
        actor_send(rt, by_path, 200, "path:hello", 10);
        actor_send_named(rt, w->caps, MSG_CAPS_REQUEST, NULL, 0);
    }
    actor_id_t late = w->late_sent ? ACTOR_ID_INVALID : actor_lookup(rt, w->late);
    if (late != ACTOR_ID_INVALID) {
        w->late_sent = true;
        actor_send(rt, late, 200, "late:hello", 10);
    }
    return true;
}

static void interop_start(runtime_t *rt, const opts_t *o)
{
    static watcher_t w;
    char name[64], path[96];
    snprintf(name, sizeof name, "echo-%s", o->name);
    snprintf(path, sizeof path, "/app/%s/echo", o->name);
    actor_id_t echo = actor_spawn(rt, echo_behavior, (void *)o, NULL, 64);
    if (!actor_register_name(rt, name, echo) || !actor_register_name(rt, path, echo)) {
        fprintf(stderr, "svc_test_node: %s\n", mk_last_error());
        exit(1);
    }
    w.o = o;
    snprintf(w.name, sizeof w.name, "echo-%s", o->interop);
    snprintf(w.path, sizeof w.path, "/app/%s/echo", o->interop);
    snprintf(w.caps, sizeof w.caps, "/node/%s/caps", o->interop);
    snprintf(w.late, sizeof w.late, "/app/%s/late", o->interop);
    actor_id_t wa = actor_spawn(rt, watcher_behavior, &w, NULL, 64);
    actor_send(rt, wa, 1, NULL, 0);
}

static bool keeper(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    opts_t *o = state;
    const char *text = msg->payload ? msg->payload : "";
    int len = (int)msg->payload_size;
    switch (msg->type) {
    case 1: /* start */
        if (o->interop)
            interop_start(rt, o);
        if (o->mount)
            actor_send_named(rt, "/sys/mount-listen", MSG_MOUNT, o->mount, strlen(o->mount));
        if (o->put) {
            const char *eq = strchr(o->put, '=');
            char buf[1024];
            int n =
                snprintf(buf, sizeof buf, "key=%.*s\nvalue=%s", (int)(eq - o->put), o->put, eq + 1);
            actor_send_named(rt, "/node/storage/kv", MSG_KV_PUT, buf, (size_t)n);
        }
        actor_watch_fd(rt, 0, POLLIN);
        break;
    case MSG_MOUNT_OK: printf("MOUNTED %.*s\n", len, text); break;
    case MSG_MOUNT_ERROR: printf("MOUNT-ERROR %.*s\n", len, text); break;
    case MSG_KV_OK: printf("PUT-OK\n"); break;
    case MSG_FD_EVENT: {
        char buf[64];
        if (read(0, buf, sizeof buf) <= 0)
            runtime_stop(rt);
        break;
    }
    default: printf("REPLY 0x%08x %.*s\n", msg->type, len, text); break;
    }
    fflush(stdout);
    return true;
}

int main(int argc, char **argv)
{
    unsigned id = 0;
    services_config_t cfg = {0};
    cfg.mount_host = "127.0.0.1";
    cfg.mount_ephemeral = true;
    opts_t o = {0};
    const char *trust = NULL;
    cfg.cookie = SVC_TEST_COOKIE;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--id"))
            id = (unsigned)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--name"))
            cfg.node_name = o.name = argv[i + 1];
        else if (!strcmp(argv[i], "--data"))
            cfg.data_dir = argv[i + 1];
        else if (!strcmp(argv[i], "--mount"))
            o.mount = argv[i + 1];
        else if (!strcmp(argv[i], "--put"))
            o.put = argv[i + 1];
        else if (!strcmp(argv[i], "--cookie"))
            cfg.cookie = strcmp(argv[i + 1], "none") ? argv[i + 1] : NULL;
        else if (!strcmp(argv[i], "--insecure"))
            cfg.insecure = atoi(argv[i + 1]) != 0;
        else if (!strcmp(argv[i], "--original"))
            cfg.mount_original = atoi(argv[i + 1]) != 0;
        else if (!strcmp(argv[i], "--no-tls"))
            cfg.no_tls = atoi(argv[i + 1]) != 0;
        else if (!strcmp(argv[i], "--trust"))
            trust = argv[i + 1];
        else if (!strcmp(argv[i], "--interop"))
            o.interop = argv[i + 1];
    }
    if (trust && !trust_add(cfg.data_dir, trust, NULL)) {
        fprintf(stderr, "svc_test_node: %s\n", mk_last_error());
        return 1;
    }
    runtime_t *rt = runtime_init(id, 64);
    if (!rt || !services_start(rt, &cfg)) {
        fprintf(stderr, "svc_test_node: %s\n", mk_last_error());
        return 1;
    }
    actor_id_t k = actor_spawn(rt, keeper, &o, NULL, 64);
    const char *key = services_node_key(rt);
    printf("KEY %s\nPORT %u\n", key ? key : "none", services_mount_port(rt));
    fflush(stdout);
    actor_send(rt, k, 1, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    return 0;
}
