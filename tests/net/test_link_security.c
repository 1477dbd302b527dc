/*
 * test_link_security.c -- what a peer node may and may not do to us, proved
 * with a raw peer (a plain socket writing hand-made frames) against a
 * runtime over real TCP sockets on 127.0.0.1: forged sources and local-only
 * types are refused and counted (issue 13, "a peer can drive the node").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "microkernel/node.h"
#include "microkernel/services.h"
#include "microkernel/wire.h"
#include "net_test_util.h"

enum { ME = 1, PEER = 2, T_PING = 7 };

#define CONSOLE_LINE 0xFF000A00u /* MSG_CONSOLE_LINE (shell.h) */

typedef struct {
    int got;             /* messages received */
    msg_type_t types[8]; /* their types, in order */
    actor_id_t sources[8];
} sink_t;

static bool sink(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    sink_t *s = state;
    if (s->got < 8) {
        s->types[s->got] = msg->type;
        s->sources[s->got] = msg->source;
    }
    s->got++;
    return true;
}

/* A TCP connection to `port` on 127.0.0.1 (blocking), or -1. */
static int raw_connect(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Write one big-endian frame to `fd`. */
static void raw_send(int fd, actor_id_t source, actor_id_t dest, msg_type_t type, const void *p,
                     size_t n)
{
    message_t m = {
        .source = source, .dest = dest, .type = type, .payload_size = n, .payload = (void *)p};
    size_t len = 0;
    void *buf = wire_serialize_net(&m, &len);
    assert_non_null(buf);
    assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
    free(buf);
}

/* A runtime of node ME listening on TCP for node PEER; *port gets the port. */
static runtime_t *listening_node(uint16_t *port)
{
    runtime_t *rt = runtime_init(ME, 16);
    transport_t *l = transport_tcp_listen("127.0.0.1", 0, PEER);
    assert_non_null(l);
    *port = transport_tcp_port(l);
    assert_true(runtime_add_transport(rt, l));
    return rt;
}

static void step_until(runtime_t *rt, const volatile int *counter, int want)
{
    double end = now_s() + 10;
    while (*counter < want && now_s() < end)
        runtime_step(rt);
}

/* Issue 13: a peer sent MSG_CONSOLE_LINE with the local console's id as
 * source and drove the shell. Neither a forged source nor a local-only
 * type reaches an actor; both are counted; a genuine frame behind them
 * still arrives (so the link stays up and the order proves they were
 * seen first). */
static void test_forged_source_and_console_type_from_peer_are_refused(void **state)
{
    (void)state;
    uint16_t port = 0;
    runtime_t *rt = listening_node(&port);
    sink_t shell = {0};
    actor_id_t target = actor_spawn(rt, sink, &shell, NULL, 16);
    actor_id_t console = actor_spawn(rt, sink, NULL, NULL, 4); /* the id a peer would forge */
    int fd = raw_connect(port);
    assert_true(fd >= 0);
    raw_send(fd, console, target, T_PING, "forged", 6);            /* source of node ME */
    raw_send(fd, actor_id_make(9, 1), target, T_PING, "third", 5); /* source of node 9 */
    raw_send(fd, actor_id_make(PEER, 5), target, CONSOLE_LINE, "stop /sys/status", 16);
    raw_send(fd, ACTOR_ID_INVALID, target, CONSOLE_LINE + 1, NULL, 0); /* MSG_CONSOLE_EOF */
    raw_send(fd, actor_id_make(PEER, 5), target, T_PING, "genuine", 7);
    step_until(rt, &shell.got, 1);
    assert_int_equal(shell.got, 1);
    assert_int_equal(shell.types[0], T_PING);
    assert_int_equal(shell.sources[0], actor_id_make(PEER, 5));
    node_link_stats_t st;
    assert_true(runtime_link_stats(rt, PEER, &st));
    assert_int_equal(st.dropped_forged_source, 2);
    assert_int_equal(st.dropped_local_only, 2);
    assert_int_equal(st.delivered, 1);
    assert_true(node_is_connected(rt, PEER));
    (void)console;
    close(fd);
    runtime_destroy(rt);
}

static void test_local_only_table_api(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(ME, 4);
    assert_true(runtime_is_local_only_type(rt, CONSOLE_LINE));
    assert_true(runtime_is_local_only_type(rt, MSG_TIMER));
    assert_true(runtime_is_local_only_type(rt, MSG_CHILD_EXIT));
    assert_false(runtime_is_local_only_type(rt, MSG_NAME_REGISTER));
    assert_false(runtime_is_local_only_type(rt, 42));
    assert_true(runtime_set_local_only_types(rt, 40, 50));
    assert_true(runtime_is_local_only_type(rt, 42));
    assert_true(runtime_set_local_only_types(rt, 41, 42)); /* covered already */
    assert_false(runtime_set_local_only_types(rt, 50, 40));
    assert_non_null(strstr(mk_last_error(), "empty"));
    assert_false(runtime_set_local_only_types(NULL, 1, 2));
    node_link_stats_t st;
    assert_false(runtime_link_stats(rt, PEER, &st));
    assert_non_null(strstr(mk_last_error(), "no transport for node 2"));
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forged_source_and_console_type_from_peer_are_refused),
        cmocka_unit_test(test_local_only_table_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
