/*
 * Two nodes over TCP with names: node 1 listens on an ephemeral port of
 * 127.0.0.1; a child process runs node 2, connects, and registers an actor
 * as "greeter". The name travels over the link (registry broadcast), so node
 * 1's client finds it with actor_lookup and sends to it by name; the greeter
 * answers msg->source across the link. When node 1 goes away, node 2's
 * greeter hears MSG_NODE_DOWN and stops, and the child exits.
 * (Between machines: transport_tcp_listen("0.0.0.0", PORT, 2) on one,
 * transport_tcp_connect("HOST", PORT, 1) on the other.)
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "microkernel/message.h"
#include "microkernel/node.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/transport.h"
#include "microkernel/transport_tcp.h"

enum { MSG_HELLO = 1, MSG_GREETING = 2, MSG_LOOK = 3 };

/* ---- Node 2: the greeter ------------------------------------------------- */

static bool greeter(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == MSG_HELLO) {
        char reply[128];
        int n = snprintf(reply, sizeof reply, "hello %.*s, from node 2", (int)msg->payload_size,
                         (const char *)msg->payload);
        actor_send(rt, msg->source, MSG_GREETING, reply, (size_t)n + 1);
    }
    return msg->type != MSG_NODE_DOWN; /* node 1 left: done */
}

static int run_node2(uint16_t port)
{
    runtime_t *rt = runtime_init(2, 16);
    if (!rt)
        return 1;
    actor_id_t g = actor_spawn(rt, greeter, NULL, NULL, 32);
    transport_t *t = transport_tcp_connect("127.0.0.1", port, 1);
    if (!t || !actor_register_name(rt, "greeter", g) || !node_monitor(rt, g) ||
        !runtime_add_transport(rt, t)) {
        fprintf(stderr, "node 2: %s\n", mk_last_error());
        return 1;
    }
    runtime_run(rt);
    runtime_destroy(rt);
    return 0;
}

/* ---- Node 1: the client -------------------------------------------------- */

typedef struct {
    timer_id_t poll;
    char greeting[128];
} client_t;

static bool client(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    client_t *c = state;
    if (msg->type == MSG_LOOK) {
        /* Until node 2's name has arrived, look again every 20 ms. */
        c->poll = actor_set_timer(rt, 20, true);
    } else if (msg->type == MSG_TIMER) {
        actor_id_t g = actor_lookup(rt, "greeter");
        if (g == ACTOR_ID_INVALID)
            return true;
        actor_cancel_timer(rt, c->poll);
        printf("node 1: \"greeter\" is 0x%016llx on node %u\n", (unsigned long long)g,
               (unsigned)actor_id_node(g));
        actor_send_named(rt, "greeter", MSG_HELLO, "node 1", 6);
    } else if (msg->type == MSG_GREETING) {
        snprintf(c->greeting, sizeof c->greeting, "%s", (const char *)msg->payload);
        printf("node 1: got \"%s\"\n", c->greeting);
        return false; /* done: runtime_run() returns */
    }
    return true;
}

int main(void)
{
    transport_t *l = transport_tcp_listen("127.0.0.1", 0, 2);
    if (!l) {
        fprintf(stderr, "listen: %s\n", mk_last_error());
        return 1;
    }
    uint16_t port = transport_tcp_port(l);
    printf("node 1: listening on 127.0.0.1:%u\n", (unsigned)port);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        close(l->fd); /* node 1's listener is not node 2's to use */
        _exit(run_node2(port));
    }
    runtime_t *rt = runtime_init(1, 16);
    if (!rt || !runtime_add_transport(rt, l))
        return 1;
    client_t c = {.poll = TIMER_ID_INVALID};
    actor_id_t id = actor_spawn(rt, client, &c, NULL, 32);
    actor_send(rt, id, MSG_LOOK, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt); /* node 2 sees the link drop and ends */
    int status = 0;
    waitpid(pid, &status, 0);
    bool ok = c.greeting[0] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    printf("two_nodes: %s\n", ok ? "greeting received, node 2 ended" : "FAILED");
    return ok ? 0 : 1;
}
