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
} opts_t;

static bool keeper(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    opts_t *o = state;
    const char *text = msg->payload ? msg->payload : "";
    int len = (int)msg->payload_size;
    switch (msg->type) {
    case 1: /* start */
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
            cfg.node_name = argv[i + 1];
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
