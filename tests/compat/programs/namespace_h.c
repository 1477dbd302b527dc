/* namespace_h.c -- the original's namespace.h (compat/wire-and-mount.md 4-6):
 * constants and struct layouts, the namespace actor through ns_call
 * (register, lookup, list, errors), ns_list_paths, node identity, and the
 * caps actor's reply. pkg-config flags only. (ns_mount_listen and
 * ns_mount_connect: see docs/compat.md.) */
#include <microkernel/namespace.h>
#include <microkernel/runtime.h>
#include <microkernel/services.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static char caps_text[512];

static bool asker(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    actor_id_t caps = *(actor_id_t *)state;
    if (msg->type == 1) {
        actor_send(rt, caps, MSG_CAPS_REQUEST, NULL, 0);
    } else if (msg->type == MSG_CAPS_REPLY) {
        size_t n =
            msg->payload_size < sizeof caps_text - 1 ? msg->payload_size : sizeof caps_text - 1;
        memcpy(caps_text, msg->payload, n);
        runtime_stop(rt);
    }
    return true;
}

static bool idle(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)state;
    return true;
}

int main(void)
{
    int ok = MSG_NS_REGISTER == 0xFF000014u && MSG_NS_LOOKUP == 0xFF000015u &&
             MSG_NS_LIST == 0xFF000016u && MSG_NS_MOUNT == 0xFF000017u &&
             MSG_NS_UMOUNT == 0xFF000018u && MSG_NS_REPLY == 0xFF000019u &&
             MSG_NS_NOTIFY == 0xFF00001Au;
    ok = ok && NS_PATH_MAX == 128 && NS_REPLY_PAYLOAD_MAX == 1024 && NS_OK == 0 &&
         NS_ENOENT == -1 && NS_EEXIST == -2 && NS_EFULL == -3 && NS_EINVAL == -4;
    ok = ok && sizeof(ns_register_t) == 136 && offsetof(ns_register_t, actor_id) == 128 &&
         sizeof(ns_lookup_t) == 128 && sizeof(ns_list_req_t) == 128 && sizeof(ns_mount_t) == 136 &&
         offsetof(ns_mount_t, target) == 128 && sizeof(ns_umount_t) == 128 &&
         sizeof(ns_reply_t) == 1048 && offsetof(ns_reply_t, actor_id) == 8 &&
         offsetof(ns_reply_t, data_len) == 16 && offsetof(ns_reply_t, data) == 20 &&
         sizeof(ns_notify_t) == 144 && offsetof(ns_notify_t, event) == 136;
    ok = ok && MK_MOUNT_PORT == 4200 && MOUNT_HELLO_MAGIC == 0x4D4B3031 &&
         sizeof(mount_hello_t) == 40 && offsetof(mount_hello_t, identity) == 8 &&
         sizeof(mount_result_t) == 36 && offsetof(mount_result_t, node_id) == 32;
    const char *ident = mk_node_identity();
    node_id_t nid = mk_node_id();
    ok = ok && ident && strlen(ident) > 0 && strlen(ident) <= 31 && nid >= 1 && nid <= 15;

    runtime_t *rt = runtime_init(nid, 32);
    actor_id_t ns = ns_actor_init(rt);
    actor_id_t a = actor_spawn(rt, idle, NULL, NULL, 8);
    ok = ok && ns != ACTOR_ID_INVALID && actor_lookup(rt, "ns") == ns;

    ns_register_t reg;
    memset(&reg, 0, sizeof reg);
    strcpy(reg.path, "/app/thing");
    reg.actor_id = a;
    ns_reply_t r;
    ok = ok && ns_call(rt, MSG_NS_REGISTER, &reg, sizeof reg, &r) == 0 && r.status == NS_OK &&
         r.actor_id == a;
    ok = ok && ns_call(rt, MSG_NS_REGISTER, &reg, sizeof reg, &r) == 0 && r.status == NS_EEXIST;
    ns_lookup_t lk;
    memset(&lk, 0, sizeof lk);
    strcpy(lk.path, "/app/thing");
    ok = ok && ns_call(rt, MSG_NS_LOOKUP, &lk, sizeof lk, &r) == 0 && r.status == NS_OK &&
         r.actor_id == a && actor_lookup(rt, "/app/thing") == a &&
         ns_lookup_path(rt, "/app/thing") == a;
    strcpy(lk.path, "/app/none");
    ok = ok && ns_call(rt, MSG_NS_LOOKUP, &lk, sizeof lk, &r) == 0 && r.status == NS_ENOENT;
    ok = ok && ns_call(rt, MSG_NS_LOOKUP, &lk, 4, &r) == 0 && r.status == NS_EINVAL; /* short */
    ns_list_req_t lr;
    memset(&lr, 0, sizeof lr);
    strcpy(lr.prefix, "/app");
    char want[64];
    snprintf(want, sizeof want, "/app/thing=%llu\n", (unsigned long long)a);
    ok = ok && ns_call(rt, MSG_NS_LIST, &lr, sizeof lr, &r) == 0 && r.status == NS_OK &&
         r.data_len == strlen(want) && memcmp(r.data, want, r.data_len) == 0;
    char buf[256];
    ok = ok && ns_list_paths(rt, "/app", buf, sizeof buf) == strlen(want) && strcmp(buf, want) == 0;
    ok = ok && ns_register_path(rt, "/app/direct", a) == NS_OK &&
         ns_reverse_lookup_path(rt, a, buf, sizeof buf) > 0;

    /* The caps actor at /node/<identity>/caps answers with nine lines. */
    actor_id_t caps = caps_actor_init(rt);
    char cpath[64];
    snprintf(cpath, sizeof cpath, "/node/%s/caps", ident);
    ok = ok && caps != ACTOR_ID_INVALID && actor_lookup(rt, cpath) == caps;
    static actor_id_t caps_id;
    caps_id = caps;
    actor_id_t q = actor_spawn(rt, asker, &caps_id, NULL, 8);
    actor_send(rt, q, 1, NULL, 0);
    runtime_run(rt);
    char line1[64];
    snprintf(line1, sizeof line1, "platform=linux\nidentity=%s\nnode_id=%u\n", ident,
             (unsigned)nid);
    ok = ok && strncmp(caps_text, line1, strlen(line1)) == 0 &&
         strstr(caps_text, "\nhttp=true\n") && strstr(caps_text, "\ntransports=");
    runtime_destroy(rt);
    puts(ok ? "namespace_h: ok" : "namespace_h: FAILED");
    return ok ? 0 : 1;
}
