/*
 * ns_call.c -- ns_call() (namespace.h, compat §5.5): a synchronous request
 * to the ns actor for code outside the scheduler (init code, tests). A
 * temporary system actor sends the request and catches MSG_NS_REPLY while
 * ns_call() drives runtime_step(); it refuses to run inside a behaviour and
 * stops its actor before it returns.
 */
#include <string.h>

#include "microkernel/actor.h"
#include "services/svc_internal.h"

typedef struct {
    bool done;
    ns_reply_t reply;
} ns_waiter_t;

static bool waiter_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self;
    ns_waiter_t *w = state;
    if (msg->type == MSG_NS_REPLY && msg->payload && msg->payload_size >= sizeof w->reply) {
        memcpy(&w->reply, msg->payload, sizeof w->reply);
        w->done = true;
    }
    return true;
}

int ns_call(runtime_t *rt, msg_type_t type, const void *payload, size_t payload_size,
            ns_reply_t *reply_out)
{
    const char *why = NULL;
    svc_t *s = rt ? ns_state(rt) : NULL;
    actor_id_t ns = s ? s->ns_actor : ACTOR_ID_INVALID;
    if (!rt || !reply_out)
        why = "the runtime or the reply is NULL";
    else if (actor_self(rt) != ACTOR_ID_INVALID)
        why = "called from inside a behaviour (it runs the scheduler)";
    else if (!payload || payload_size == 0)
        why = "the request has no payload";
    else if (ns == ACTOR_ID_INVALID)
        why = "no namespace actor (call ns_actor_init)";
    if (why) {
        mk_set_error("ns_call: %s", why);
        return -1;
    }
    ns_waiter_t w = {0};
    actor_id_t me = actor_spawn(rt, waiter_behavior, &w, NULL, 4);
    if (me == ACTOR_ID_INVALID)
        return -1;
    mk_actor_set_system(rt, me, true);
    if (!mk_send_from(rt, me, ns, type, payload, payload_size)) {
        actor_stop(rt, me);
        return -1;
    }
    for (int i = 0; i < 1000 && !w.done; i++)
        runtime_step(rt);
    actor_stop(rt, me);
    if (!w.done) {
        mk_set_error("ns_call: no reply from the namespace actor within 1000 steps");
        return -1;
    }
    *reply_out = w.reply;
    return 0;
}
