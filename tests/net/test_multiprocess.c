/*
 * test_multiprocess.c -- proves the multi-node layer across real processes
 * (fork): ping-pong between two runtimes over Unix and over TCP with the
 * reply addressed to msg->source, a three-node TCP mesh where a name of
 * node 1 is reached from node 3, and node loss: a peer killed with SIGKILL
 * is detected, its names are removed on every surviving node, monitors hear
 * MSG_NODE_DOWN, and sends to it fail with a reason.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "core/runtime_internal.h" /* mk_send_from: send as the client actor */
#include "microkernel/node.h"
#include "microkernel/services.h"
#include "net_test_util.h"

enum { T_PING = 1, T_PONG = 2 };

/* Echo server: answers T_PING with T_PONG; stops when any node goes down
 * (so runtime_run returns and the child exits). */
static bool echo_server(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == T_PING)
        actor_send(rt, msg->source, T_PONG, msg->payload, msg->payload_size);
    return msg->type != MSG_NODE_DOWN;
}

/* A child process running node `node` with an echo server named `name`,
 * linked by `t` (made before fork); exits 0 when its peer goes away. */
static pid_t spawn_echo_node(node_id_t node, transport_t *(*make)(void *), void *arg,
                             const char *name, int close_fd)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    if (close_fd >= 0)
        close(close_fd); /* the parent's listener: not ours to use */
    runtime_t *rt = runtime_init(node, 16);
    actor_id_t e = actor_spawn(rt, echo_server, NULL, NULL, 256);
    if (!actor_register_name(rt, name, e) || !node_monitor(rt, e))
        _exit(2);
    transport_t *t = make(arg);
    if (!t || !runtime_add_transport(rt, t))
        _exit(3);
    runtime_run(rt);
    runtime_destroy(rt);
    _exit(0);
}

typedef struct {
    int pongs;
    actor_id_t source;
    int downs;
    node_event_payload_t down;
} client_t;

static bool client(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    client_t *c = state;
    if (msg->type == T_PONG) {
        c->pongs++;
        c->source = msg->source;
    } else if (msg->type == MSG_NODE_DOWN) {
        c->downs++;
        memcpy(&c->down, msg->payload, sizeof c->down);
    }
    return true;
}

static void step_until(runtime_t *rt, bool (*cond)(runtime_t *, void *), void *arg, double s)
{
    double end = now_s() + s;
    while (!cond(rt, arg) && now_s() < end) {
        runtime_step(rt);
        usleep(50);
    }
}

static bool has_name(runtime_t *rt, void *name)
{
    return actor_lookup(rt, name) != ACTOR_ID_INVALID;
}

static bool lacks_name(runtime_t *rt, void *name)
{
    return actor_lookup(rt, name) == ACTOR_ID_INVALID;
}

static bool pongs_reached(runtime_t *rt, void *arg)
{
    (void)rt;
    client_t *c = arg;
    return c->pongs >= c->downs; /* `downs` doubles as the target before any loss */
}

static int wait_child(pid_t pid, double seconds)
{
    double end = now_s() + seconds;
    int status = 0;
    while (now_s() < end) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        usleep(1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

static transport_t *connect_unix(void *path)
{
    return transport_unix_connect(path, 1);
}

static transport_t *connect_tcp_node1(void *port)
{
    return transport_tcp_connect("127.0.0.1", *(uint16_t *)port, 1);
}

/* Parent is node 1 (listening), child node 2 runs the echo server. */
static void ping_pong_two_processes(bool tcp)
{
    char *path = NULL;
    uint16_t port = 0;
    transport_t *l;
    if (tcp) {
        l = transport_tcp_listen("127.0.0.1", 0, 2);
        port = transport_tcp_port(l);
    } else {
        path = temp_socket_path();
        l = transport_unix_listen(path, 2);
    }
    assert_non_null(l);
    pid_t pid = tcp ? spawn_echo_node(2, connect_tcp_node1, &port, "echo", l->fd)
                    : spawn_echo_node(2, connect_unix, path, "echo", l->fd);
    runtime_t *rt = runtime_init(1, 16);
    assert_true(runtime_add_transport(rt, l));
    client_t cs = {0};
    actor_id_t c = actor_spawn(rt, client, &cs, NULL, 256);
    step_until(rt, has_name, "echo", 10);
    actor_id_t e = actor_lookup(rt, "echo");
    assert_int_equal(actor_id_node(e), 2);
    const int rounds = 1000;
    for (int i = 1; i <= rounds; i++) {
        /* Send as the client so the pong comes back to it. */
        assert_true(mk_send_from(rt, c, e, T_PING, &i, sizeof i));
        cs.downs = i;
        step_until(rt, pongs_reached, &cs, 10);
        assert_int_equal(cs.pongs, i);
    }
    assert_int_equal(cs.source, e);
    runtime_destroy(rt); /* the child sees us go and exits */
    assert_int_equal(wait_child(pid, 10), 0);
    free(path);
}

static void test_two_process_ping_pong_over_unix(void **state)
{
    (void)state;
    ping_pong_two_processes(false);
}

static void test_two_process_ping_pong_over_tcp(void **state)
{
    (void)state;
    ping_pong_two_processes(true);
}

static transport_t *connect_tcp_node1_as_2(void *port)
{
    return transport_tcp_connect("127.0.0.1", *(uint16_t *)port, 1);
}

static void test_killed_peer_is_detected_and_its_names_removed(void **state)
{
    (void)state;
    transport_t *l = transport_tcp_listen("127.0.0.1", 0, 2);
    uint16_t port = transport_tcp_port(l);
    pid_t pid = fork();
    if (pid == 0) {
        close(l->fd);
        runtime_t *rt = runtime_init(2, 16);
        actor_id_t e = actor_spawn(rt, echo_server, NULL, NULL, 16);
        actor_register_name(rt, "victim", e);
        actor_register_name(rt, "victim2", e);
        runtime_add_transport(rt, connect_tcp_node1_as_2(&port));
        for (;;)
            runtime_run(rt); /* until killed */
    }
    runtime_t *rt = runtime_init(1, 16);
    assert_true(runtime_add_transport(rt, l));
    client_t cs = {0};
    actor_id_t c = actor_spawn(rt, client, &cs, NULL, 16);
    assert_true(node_monitor(rt, c));
    step_until(rt, has_name, "victim2", 10);
    actor_id_t v = actor_lookup(rt, "victim");
    assert_int_equal(actor_id_node(v), 2);
    assert_true(node_is_connected(rt, 2));

    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    step_until(rt, lacks_name, "victim", 10);
    assert_int_equal(actor_lookup(rt, "victim"), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "victim2"), ACTOR_ID_INVALID);
    assert_false(node_is_connected(rt, 2));
    for (int i = 0; i < 100 && cs.downs == 0; i++)
        runtime_step(rt);
    assert_int_equal(cs.downs, 1);
    assert_int_equal(cs.down.node, 2);
    assert_int_equal(cs.down.names_removed, 2);
    assert_false(actor_send(rt, v, T_PING, NULL, 0));
    assert_non_null(strstr(mk_last_error(), "not connected"));
    assert_false(actor_send_named(rt, "victim", T_PING, NULL, 0));
    runtime_destroy(rt);
}

/* Node 2 of the mesh: waits until node 1's "service" is known, then until
 * node 1 is lost and the name gone; exits 0 if both happened. */
static void mesh_node2(transport_t *l23, uint16_t port12)
{
    runtime_t *rt = runtime_init(2, 16);
    transport_t *c12 = transport_tcp_connect("127.0.0.1", port12, 1);
    if (!c12)
        fprintf(stderr, "node 2: %s\n", mk_last_error());
    if (!runtime_add_transport(rt, c12) || !runtime_add_transport(rt, l23)) {
        fprintf(stderr, "node 2: %s\n", mk_last_error());
        _exit(3);
    }
    double end = now_s() + 20;
    while (!has_name(rt, "service") && now_s() < end) {
        runtime_step(rt);
        usleep(100);
    }
    if (!has_name(rt, "service"))
        _exit(4);
    /* Tell node 3 we are linked to node 1, so it may kill node 1 now. */
    actor_id_t ready = actor_spawn(rt, echo_server, NULL, NULL, 4);
    actor_register_name(rt, "node2-ready", ready);
    while ((has_name(rt, "service") || node_is_connected(rt, 1)) && now_s() < end) {
        runtime_step(rt);
        usleep(100);
    }
    int rc = has_name(rt, "service") ? 5 : 0;
    runtime_destroy(rt);
    _exit(rc);
}

static void test_three_process_mesh_name_of_node1_reached_from_node3(void **state)
{
    (void)state;
    /* Every listener exists before any fork, so connects cannot race. */
    transport_t *l12 = transport_tcp_listen("127.0.0.1", 0, 2);
    transport_t *l13 = transport_tcp_listen("127.0.0.1", 0, 3);
    transport_t *l23 = transport_tcp_listen("127.0.0.1", 0, 3);
    uint16_t p12 = transport_tcp_port(l12), p13 = transport_tcp_port(l13),
             p23 = transport_tcp_port(l23);
    pid_t n1 = fork();
    if (n1 == 0) {
        l23->destroy(l23);
        runtime_t *rt = runtime_init(1, 16);
        actor_id_t e = actor_spawn(rt, echo_server, NULL, NULL, 64);
        actor_register_name(rt, "service", e);
        runtime_add_transport(rt, l12);
        runtime_add_transport(rt, l13);
        for (;;)
            runtime_run(rt); /* until killed */
    }
    pid_t n2 = fork();
    if (n2 == 0) {
        l12->destroy(l12);
        l13->destroy(l13);
        mesh_node2(l23, p12);
    }
    l12->destroy(l12);
    l13->destroy(l13);
    l23->destroy(l23);

    runtime_t *rt = runtime_init(3, 16);
    assert_true(runtime_add_transport(rt, transport_tcp_connect("127.0.0.1", p13, 1)));
    assert_true(runtime_add_transport(rt, transport_tcp_connect("127.0.0.1", p23, 2)));
    client_t cs = {0};
    actor_id_t c = actor_spawn(rt, client, &cs, NULL, 64);
    step_until(rt, has_name, "service", 10);
    actor_id_t svc = actor_lookup(rt, "service");
    assert_int_equal(actor_id_node(svc), 1);
    cs.downs = 1;
    assert_true(mk_send_from(rt, c, svc, T_PING, "x", 2));
    step_until(rt, pongs_reached, &cs, 10);
    assert_int_equal(cs.pongs, 1);
    assert_int_equal(cs.source, svc);
    cs.downs = 0;
    step_until(rt, has_name, "node2-ready", 20); /* node 2 knows node 1 too */
    assert_true(has_name(rt, "node2-ready"));

    kill(n1, SIGKILL);
    int status;
    waitpid(n1, &status, 0);
    step_until(rt, lacks_name, "service", 10);
    assert_int_equal(actor_lookup(rt, "service"), ACTOR_ID_INVALID);
    assert_false(node_is_connected(rt, 1));
    assert_true(node_is_connected(rt, 2));
    assert_int_equal(wait_child(n2, 20), 0); /* node 2 cleaned up too */
    runtime_destroy(rt);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_process_ping_pong_over_unix),
        cmocka_unit_test(test_two_process_ping_pong_over_tcp),
        cmocka_unit_test(test_killed_peer_is_detected_and_its_names_removed),
        cmocka_unit_test(test_three_process_mesh_name_of_node1_reached_from_node3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
