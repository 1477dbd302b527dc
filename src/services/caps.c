/*
 * caps.c -- the capabilities actor (compat §6, the original's format): at
 * "/node/<identity>/caps" (and "/sys/caps", our alias for the shell) it
 * answers MSG_CAPS_REQUEST, local or from a peer, with nine text lines
 * platform=, identity=, node_id=, wasm=, tls=, http=, max_actors=,
 * actor_count=, transports=, each ending in '\n', no NUL. Stateless; the
 * reply is built in a 512-byte buffer, as the original's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "microkernel/actor.h"
#include "microkernel/runtime.h"
#include "services/svc_internal.h"

#define CAPS_TEXT_MAX 512

#ifdef MK_SVC_WASM
#define CAPS_WASM "true"
#else
#define CAPS_WASM "false"
#endif
#ifdef HAVE_TLS
#define CAPS_TLS "true"
#else
#define CAPS_TLS "false"
#endif

size_t services_caps_text(runtime_t *rt, char *buf, size_t cap)
{
    svc_t *s = rt ? svc_get(rt) : NULL;
    if (!s || !buf || cap == 0)
        return 0;
    /* transports=: every transport added with runtime_add_transport(), as
     * the original counts (mounted peers, and links a program made). */
    int n = snprintf(buf, cap,
                     "platform=linux\nidentity=%s\nnode_id=%" PRIu32 "\nwasm=" CAPS_WASM
                     "\ntls=" CAPS_TLS "\nhttp=true\nmax_actors=%zu\nactor_count=%zu\n"
                     "transports=%zu\n",
                     s->info.name, runtime_node_id(rt), runtime_get_max_actors(rt),
                     runtime_actor_count(rt), runtime_get_transport_count(rt));
    if (n < 0 || (size_t)n >= cap) {
        buf[0] = '\0';
        return 0;
    }
    return (size_t)n;
}

static bool caps_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self, (void)state;
    if (msg->type != MSG_CAPS_REQUEST || msg->source == ACTOR_ID_INVALID)
        return true; /* other types: ignored without reply */
    char text[CAPS_TEXT_MAX];
    size_t n = services_caps_text(rt, text, sizeof text);
    if (n > 0 && !actor_send(rt, msg->source, MSG_CAPS_REPLY, text, n))
        actor_log(rt, LOG_DEBUG, "caps: reply to 0x%016" PRIx64 " not sent: %s", msg->source,
                  mk_last_error());
    return true;
}

actor_id_t caps_actor_init(runtime_t *rt)
{
    svc_t *s = rt ? svc_peek(rt) : NULL;
    if (!s || !s->ns_installed) {
        mk_set_error("caps_actor_init: the namespace is not installed (call ns_actor_init)");
        return ACTOR_ID_INVALID;
    }
    actor_id_t id = actor_spawn(rt, caps_behavior, NULL, NULL, 8);
    if (id == ACTOR_ID_INVALID)
        return ACTOR_ID_INVALID;
    mk_actor_set_system(rt, id, true);
    char path[NS_PATH_MAX];
    snprintf(path, sizeof path, "/node/%s/caps", s->info.name);
    if (!actor_register_name(rt, path, id)) {
        char why[256];
        snprintf(why, sizeof why, "caps_actor_init: %s", mk_last_error());
        actor_stop(rt, id);
        mk_set_error("%s", why);
        return ACTOR_ID_INVALID;
    }
    s->caps_actor = id;
    return id;
}

bool caps_spawn(runtime_t *rt, svc_t *s)
{
    actor_id_t id = caps_actor_init(rt);
    if (id == ACTOR_ID_INVALID)
        return false;
    s->caps_actor = id;
    return actor_register_name(rt, "/sys/caps", id);
}
