/*
 * test_link_security.c -- what a peer node may and may not do to us, proved
 * with a raw peer (a plain socket writing hand-made frames) against a
 * runtime over real TCP sockets on 127.0.0.1: forged sources and local-only
 * types are refused and counted (issue 13, "a peer can drive the node");
 * names a peer plants are its own actors', bounded, and go with it; control
 * frames reach the services' handler; registry frames carry the original's
 * payloads (compat wire-and-mount.md section 3); a link in original mode
 * sends nothing the original lacks, and two nodes, one in that mode, work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "microkernel/node.h"
#include "microkernel/services.h"
#include "microkernel/wire.h"
#include "core/runtime_internal.h" /* mk_send_from */
#include "net/net_internal.h"
#include "net_test_util.h"

enum { ME = 1, PEER = 2, T_PING = 7 };

#define CONSOLE_LINE 0xFF000A00u /* MSG_TTY_LINE (shell.h) */

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

/* Bytes read from a raw peer's socket, cut into frames. */
typedef struct {
    unsigned char buf[1 << 16];
    size_t len;
    unsigned char frame[4096]; /* the last frame returned, raw */
    size_t frame_len;
} rx_t;

/* The next frame the runtime sends to raw peer `fd` (stepping `rt` while
 * waiting, at most 5 s), as a message (caller destroys) with its raw bytes
 * in rx->frame; NULL when none came or the connection closed. */
static message_t *raw_next(runtime_t *rt, int fd, rx_t *rx)
{
    double end = now_s() + 5;
    for (;;) {
        size_t frame = 0;
        if (wire_frame_check(rx->buf, rx->len, true, &frame) == WIRE_FRAME_COMPLETE) {
            message_t *m = wire_deserialize_net(rx->buf, frame);
            rx->frame_len = frame < sizeof rx->frame ? frame : sizeof rx->frame;
            memcpy(rx->frame, rx->buf, rx->frame_len);
            memmove(rx->buf, rx->buf + frame, rx->len - frame);
            rx->len -= frame;
            return m;
        }
        if (now_s() > end)
            return NULL;
        runtime_step(rt);
        ssize_t n = recv(fd, rx->buf + rx->len, sizeof rx->buf - rx->len, MSG_DONTWAIT);
        if (n == 0)
            return NULL;
        if (n > 0)
            rx->len += (size_t)n;
    }
}

/* The next frame of `type` (others skipped), or NULL. */
static message_t *raw_next_of(runtime_t *rt, int fd, rx_t *rx, msg_type_t type)
{
    message_t *m;
    while ((m = raw_next(rt, fd, rx)) != NULL && m->type != type)
        message_destroy(m);
    return m;
}

/* A MSG_NAME_REGISTER payload of the original: name[64], id in host order. */
static void name_payload(unsigned char out[72], const char *name, actor_id_t id)
{
    memset(out, 0, 72);
    snprintf((char *)out, 64, "%s", name);
    memcpy(out + 64, &id, 8);
}

/* A MSG_NAME_UNREGISTER of the original: name[64], zero-padded. */
static void raw_unregister(int fd, const char *name)
{
    char p[64] = {0};
    snprintf(p, sizeof p, "%s", name);
    raw_send(fd, ACTOR_ID_INVALID, ACTOR_ID_INVALID, MSG_NAME_UNREGISTER, p, sizeof p);
}

/* Send a genuine ping to `to` and step until `sink` has `want` messages:
 * every frame the raw peer wrote before it has been handled. */
static void sentinel(runtime_t *rt, int fd, actor_id_t to, sink_t *s, int want)
{
    raw_send(fd, actor_id_make(PEER, 1), to, T_PING, "sentinel", 8);
    step_until(rt, &s->got, want);
    assert_int_equal(s->got, want);
}

/* Issue 13: a peer sent MSG_TTY_LINE with the local console's id as
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
    raw_send(fd, ACTOR_ID_INVALID, target, CONSOLE_LINE + 1, NULL, 0); /* MSG_TTY_EOF */
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

/* Issue 13: a peer filled the flat names and planted names for local and
 * third-node actors that survived its disconnect. Now: names for its own
 * actors only, at most MK_NET_PEER_NAMES_MAX, removal of its own plants
 * only, and everything it planted goes with its link. */
static void test_peer_names_only_its_actors_within_quota_and_they_go_with_it(void **state)
{
    (void)state;
    uint16_t port = 0;
    runtime_t *rt = listening_node(&port);
    sink_t got = {0};
    actor_id_t me = actor_spawn(rt, sink, &got, NULL, 16);
    assert_true(actor_register_name(rt, "local", me));
    assert_true(actor_register_name(rt, "remote-by-user", actor_id_make(PEER, 99)));
    int fd = raw_connect(port);
    assert_true(fd >= 0);
    unsigned char p[72];
    int extra = 6;
    for (int i = 0; i < MK_NET_PEER_NAMES_MAX + extra; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        name_payload(p, name, actor_id_make(PEER, (uint32_t)i + 1));
        raw_send(fd, ACTOR_ID_INVALID, ACTOR_ID_INVALID, MSG_NAME_REGISTER, p, sizeof p);
    }
    name_payload(p, "evil", me); /* a local actor */
    raw_send(fd, ACTOR_ID_INVALID, ACTOR_ID_INVALID, MSG_NAME_REGISTER, p, sizeof p);
    name_payload(p, "third", actor_id_make(9, 1)); /* a third node's actor */
    raw_send(fd, ACTOR_ID_INVALID, ACTOR_ID_INVALID, MSG_NAME_REGISTER, p, sizeof p);
    raw_unregister(fd, "local");
    raw_unregister(fd, "remote-by-user");
    sentinel(rt, fd, me, &got, 1);

    assert_int_equal(actor_lookup(rt, "p0"), actor_id_make(PEER, 1));
    char last[16];
    snprintf(last, sizeof last, "p%d", MK_NET_PEER_NAMES_MAX - 1);
    assert_int_equal(actor_lookup(rt, last), actor_id_make(PEER, MK_NET_PEER_NAMES_MAX));
    snprintf(last, sizeof last, "p%d", MK_NET_PEER_NAMES_MAX);
    assert_int_equal(actor_lookup(rt, last), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "evil"), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "third"), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "local"), me);
    assert_int_equal(actor_lookup(rt, "remote-by-user"), actor_id_make(PEER, 99));
    node_link_stats_t st;
    assert_true(runtime_link_stats(rt, PEER, &st));
    assert_int_equal(st.names_refused, extra + 2 + 2);
    assert_true(actor_register_name(rt, "still-room", me)); /* local names still fit */

    /* The peer unregisters one of its own: allowed. */
    raw_unregister(fd, "p0");
    sentinel(rt, fd, me, &got, 2);
    assert_int_equal(actor_lookup(rt, "p0"), ACTOR_ID_INVALID);

    close(fd);
    double end = now_s() + 5;
    while (node_is_connected(rt, PEER) && now_s() < end)
        runtime_step(rt);
    assert_false(node_is_connected(rt, PEER));
    const char *names[8];
    actor_id_t ids[8];
    assert_int_equal(runtime_list_names(rt, names, ids, 8), 2); /* "local", "still-room" */
    assert_int_equal(actor_lookup(rt, "p1"), ACTOR_ID_INVALID);
    runtime_destroy(rt);
}

typedef struct {
    int calls;
    node_id_t peer;
    msg_type_t type;
    size_t size;
    char path[128];
} control_seen_t;

static bool on_control(runtime_t *rt, node_id_t peer, const message_t *m, void *ctx)
{
    (void)rt;
    control_seen_t *c = ctx;
    c->calls++;
    c->peer = peer;
    c->type = m->type;
    c->size = m->payload_size;
    if (m->type != 0xFF00001Bu)
        return false;
    memcpy(c->path, m->payload, sizeof c->path);
    return true;
}

/* Path frames (MSG_PATH_REGISTER 0xFF00001B...) go to the handler services
 * install; unknown ones are counted; broadcasts reach every peer with the
 * original's header (source = dest = 0). */
static void test_control_frames_reach_the_handler_and_broadcasts_reach_peers(void **state)
{
    (void)state;
    uint16_t port = 0;
    runtime_t *rt = listening_node(&port);
    control_seen_t seen = {0};
    mk_net_set_control_handler(rt, on_control, &seen);
    sink_t got = {0};
    actor_id_t me = actor_spawn(rt, sink, &got, NULL, 16);
    int fd = raw_connect(port);
    assert_true(fd >= 0);
    unsigned char path[136] = "/node/peer/svc";
    actor_id_t owner = actor_id_make(PEER, 3);
    memcpy(path + 128, &owner, 8);
    raw_send(fd, ACTOR_ID_INVALID, ACTOR_ID_INVALID, 0xFF00001Bu, path, sizeof path);
    sentinel(rt, fd, me, &got, 1);
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.peer, PEER);
    assert_int_equal(seen.size, 136);
    assert_string_equal(seen.path, "/node/peer/svc");
    raw_send(fd, ACTOR_ID_INVALID, ACTOR_ID_INVALID, 0xFF00001Fu, "????", 4);
    sentinel(rt, fd, me, &got, 2);
    assert_int_equal(seen.calls, 2);
    node_link_stats_t st;
    assert_true(runtime_link_stats(rt, PEER, &st));
    assert_int_equal(st.dropped_control, 1);

    unsigned char out[136] = "/node/me/x";
    assert_true(mk_net_broadcast_control(rt, 0xFF00001Bu, out, sizeof out));
    rx_t *rx = calloc(1, sizeof *rx);
    message_t *m = raw_next_of(rt, fd, rx, 0xFF00001Bu);
    assert_non_null(m);
    static const unsigned char hdr[WIRE_HEADER_SIZE] = {
        0,    0,    0,    0,    0,    0,    0,    0,
        0,    0,    0,    0,    0,    0,    0,    0,    /* source, dest: 0 */
        0xFF, 0x00, 0x00, 0x1B, 0x00, 0x00, 0x00, 0x88, /* type, 136 */
        0x00, 0x00, 0x00, 0x00};
    assert_memory_equal(rx->frame, hdr, WIRE_HEADER_SIZE);
    assert_memory_equal(rx->frame + WIRE_HEADER_SIZE, out, sizeof out);
    message_destroy(m);
    assert_true(mk_net_send_control(rt, PEER, 0xFF00001Cu, out, 128));
    m = raw_next_of(rt, fd, rx, 0xFF00001Cu);
    assert_non_null(m);
    assert_int_equal(m->payload_size, 128);
    message_destroy(m);
    assert_false(mk_net_send_control(rt, 5, 0xFF00001Cu, out, 128));
    assert_non_null(strstr(mk_last_error(), "node 5"));
    free(rx);
    close(fd);
    runtime_destroy(rt);
}

/* Our names go out as the original's name_register_payload_t: name[64]
 * zero-padded, the actor ID in host order, source = dest = 0. */
static void test_name_sync_uses_the_originals_payload(void **state)
{
    (void)state;
    uint16_t port = 0;
    runtime_t *rt = listening_node(&port);
    actor_id_t e = actor_spawn(rt, sink, NULL, NULL, 4);
    assert_true(actor_register_name(rt, "echo", e));
    int fd = raw_connect(port);
    assert_true(fd >= 0);
    rx_t *rx = calloc(1, sizeof *rx);
    message_t *m = raw_next_of(rt, fd, rx, MSG_NAME_REGISTER);
    assert_non_null(m);
    unsigned char want[WIRE_HEADER_SIZE + 72] = {0, 0,    0, 0, 0, 0,    0,    0,    0,    0,  0,
                                                 0, 0,    0, 0, 0, 0xFF, 0x00, 0x00, 0x12, 0,  0,
                                                 0, 0x48, 0, 0, 0, 0,    'e',  'c',  'h',  'o'};
    memcpy(want + WIRE_HEADER_SIZE + 64, &e, 8); /* host order */
    assert_int_equal(rx->frame_len, sizeof want);
    assert_memory_equal(rx->frame, want, sizeof want);
    message_destroy(m);
    free(rx);
    close(fd);
    runtime_destroy(rt);
}

/* Original mode (issue 14 section 1): the first frame an original peer
 * gets is our name sync, never our MSG_NODE_HELLO extension; in our own
 * mode the hello comes first. */
static void test_original_mode_link_sends_no_hello(void **state)
{
    (void)state;
    for (int original = 0; original < 2; original++) {
        runtime_t *rt = runtime_init(ME, 16);
        if (original)
            assert_true(mk_net_link_set_original(rt, PEER, true));
        transport_t *l = transport_tcp_listen("127.0.0.1", 0, PEER);
        uint16_t port = transport_tcp_port(l);
        assert_true(runtime_add_transport(rt, l));
        actor_id_t e = actor_spawn(rt, sink, NULL, NULL, 4);
        assert_true(actor_register_name(rt, "echo", e));
        int fd = raw_connect(port);
        assert_true(fd >= 0);
        rx_t *rx = calloc(1, sizeof *rx);
        message_t *m = raw_next(rt, fd, rx);
        assert_non_null(m);
        if (original) {
            unsigned char want[WIRE_HEADER_SIZE + 72] = {0};          /* source, dest 0 */
            memcpy(want + 16, "\xFF\x00\x00\x12\x00\x00\x00\x48", 8); /* type, 72 */
            memcpy(want + WIRE_HEADER_SIZE, "echo", 4);
            memcpy(want + WIRE_HEADER_SIZE + 64, &e, 8); /* host order */
            assert_int_equal(rx->frame_len, sizeof want);
            assert_memory_equal(rx->frame, want, sizeof want);
        } else {
            assert_int_equal(m->type, MSG_NODE_HELLO);
        }
        message_destroy(m);
        /* Nothing else but names follows (a local change is told too). */
        actor_id_t f = actor_spawn(rt, sink, NULL, NULL, 4);
        assert_true(actor_register_name(rt, "later", f));
        while ((m = raw_next(rt, fd, rx)) != NULL) {
            bool last = m->type == MSG_NAME_REGISTER && strcmp(m->payload, "later") == 0;
            if (original)
                assert_int_equal(m->type, MSG_NAME_REGISTER);
            message_destroy(m);
            if (last)
                break;
        }
        free(rx);
        close(fd);
        runtime_destroy(rt);
    }
    assert_false(mk_net_link_set_original(NULL, PEER, true));
}

static bool echo(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == T_PING)
        actor_send(rt, msg->source, T_PING + 1, msg->payload, msg->payload_size);
    return true;
}

/* Two of our nodes, node 1 speaking exactly the original to node 2: names
 * travel both ways, messages and replies go through, and node loss still
 * removes the peer's names (our extension the original lacks). */
static void test_two_nodes_one_in_original_mode_interoperate(void **state)
{
    (void)state;
    runtime_t *a = runtime_init(ME, 16), *b = runtime_init(PEER, 16);
    assert_true(mk_net_link_set_original(a, PEER, true));
    actor_id_t ea = actor_spawn(a, echo, NULL, NULL, 16);
    sink_t got = {0};
    actor_id_t sb = actor_spawn(b, sink, &got, NULL, 16);
    assert_true(actor_register_name(a, "svc-a", ea));
    assert_true(actor_register_name(b, "svc-b", sb));
    transport_t *l = transport_tcp_listen("127.0.0.1", 0, PEER);
    assert_true(runtime_add_transport(a, l));
    assert_true(
        runtime_add_transport(b, transport_tcp_connect("127.0.0.1", transport_tcp_port(l), ME)));
    double end = now_s() + 5;
    while ((actor_lookup(b, "svc-a") != ea || actor_lookup(a, "svc-b") != sb) && now_s() < end) {
        runtime_step(a);
        runtime_step(b);
    }
    assert_int_equal(actor_lookup(b, "svc-a"), ea);
    assert_int_equal(actor_lookup(a, "svc-b"), sb);
    assert_true(mk_send_from(b, sb, ea, T_PING, "x", 1));
    end = now_s() + 5;
    while (got.got == 0 && now_s() < end) {
        runtime_step(a);
        runtime_step(b);
    }
    assert_int_equal(got.got, 1);
    assert_int_equal(got.types[0], T_PING + 1);
    assert_int_equal(got.sources[0], ea);
    runtime_destroy(b);
    end = now_s() + 5;
    while (node_is_connected(a, PEER) && now_s() < end)
        runtime_step(a);
    assert_int_equal(actor_lookup(a, "svc-b"), ACTOR_ID_INVALID);
    runtime_destroy(a);
}

/* Issue 13: after 8 short-lived peers every add failed ("all 8 transports
 * are in use") while none was connected. A connected transport whose peer
 * is lost now frees its slot: 40 peers in a row each get one. */
static void test_forty_sequential_short_lived_peers_each_get_a_slot(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(ME, 16);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 4), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
    for (node_id_t i = 0; i < 40; i++) {
        node_id_t node = 10 + i;
        transport_t *t = transport_tcp_connect("127.0.0.1", ntohs(a.sin_port), node);
        assert_non_null(t);
        if (!runtime_add_transport(rt, t))
            fail_msg("peer %u: %s", i, mk_last_error());
        assert_true(node_is_connected(rt, node));
        int fd = accept(lfd, NULL, NULL);
        assert_true(fd >= 0);
        close(fd); /* the peer goes */
        double end = now_s() + 5;
        while (node_is_connected(rt, node) && now_s() < end)
            runtime_step(rt);
        assert_false(node_is_connected(rt, node));
        node_link_stats_t st;
        assert_false(runtime_link_stats(rt, node, &st)); /* slot freed */
        assert_false(actor_send(rt, actor_id_make(node, 1), T_PING, NULL, 0));
        assert_non_null(strstr(mk_last_error(), "not connected"));
    }
    close(lfd);
    runtime_destroy(rt);
}

/* A listening transport keeps its slot when its peer goes and accepts the
 * next one. */
static void test_listener_keeps_its_slot_after_its_peer_goes(void **state)
{
    (void)state;
    uint16_t port = 0;
    runtime_t *rt = listening_node(&port);
    for (int round = 0; round < 3; round++) {
        int fd = raw_connect(port);
        assert_true(fd >= 0);
        double end = now_s() + 5;
        while (!node_is_connected(rt, PEER) && now_s() < end)
            runtime_step(rt);
        assert_true(node_is_connected(rt, PEER));
        close(fd);
        end = now_s() + 5;
        while (node_is_connected(rt, PEER) && now_s() < end)
            runtime_step(rt);
        node_link_stats_t st;
        assert_true(runtime_link_stats(rt, PEER, &st));
    }
    runtime_destroy(rt);
}

/* A raw stream client of listener `l` (TCP port or Unix path). */
static int raw_client_of(stream_kind_t kind, uint16_t port, const char *path)
{
    if (kind == KIND_TCP)
        return raw_connect(port);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/* A frame as a raw peer writes it: big-endian over TCP, host order over Unix. */
static void raw_send_kind(stream_kind_t kind, int fd, actor_id_t source, actor_id_t dest,
                          msg_type_t type, const void *p, size_t n)
{
    message_t m = {
        .source = source, .dest = dest, .type = type, .payload_size = n, .payload = (void *)p};
    size_t len = 0;
    void *buf = kind == KIND_TCP ? wire_serialize_net(&m, &len) : wire_serialize(&m, &len);
    assert_non_null(buf);
    assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
    free(buf);
}

static transport_t *make_listener(stream_kind_t kind, uint16_t *port, char **path)
{
    *path = NULL;
    *port = 0;
    if (kind == KIND_TCP) {
        transport_t *t = transport_tcp_listen("127.0.0.1", 0, PEER);
        *port = transport_tcp_port(t);
        return t;
    }
    *path = temp_socket_path();
    return transport_unix_listen(*path, PEER);
}

/* Issue 13: one idle connection that never sends anything held the
 * listener forever. Past the handshake deadline it is dropped and the
 * real peer, waiting in the backlog, gets through. */
static void test_idle_connection_does_not_hold_the_listener(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        stream_kind_t kind = k ? KIND_TCP : KIND_UNIX;
        runtime_t *rt = runtime_init(ME, 16);
        assert_true(mk_net_set_handshake_ms(rt, 50));
        uint16_t port;
        char *path;
        transport_t *l = make_listener(kind, &port, &path);
        assert_non_null(l);
        assert_true(runtime_add_transport(rt, l));
        sink_t got = {0};
        actor_id_t me = actor_spawn(rt, sink, &got, NULL, 16);
        int idle = raw_client_of(kind, port, path);
        assert_true(idle >= 0);
        double end = now_s() + 5;
        while (!node_is_connected(rt, PEER) && now_s() < end)
            runtime_step(rt);
        assert_true(node_is_connected(rt, PEER)); /* the idle one holds the listener */
        int real = raw_client_of(kind, port, path);
        assert_true(real >= 0);
        raw_send_kind(kind, real, actor_id_make(PEER, 1), me, T_PING, "real", 4);
        step_until(rt, &got.got, 1);
        assert_int_equal(got.got, 1);
        node_link_stats_t st;
        assert_true(runtime_link_stats(rt, PEER, &st));
        assert_int_equal(st.handshakes_timed_out, 1);
        char junk[512]; /* our hello came first; then the end */
        ssize_t r;
        while ((r = recv(idle, junk, sizeof junk, 0)) > 0)
            ;
        assert_int_equal(r, 0); /* the idle one was closed */
        close(idle);
        close(real);
        runtime_destroy(rt);
        free(path);
    }
}

/* Issue 14 section 3: a listening transport accepts and reads in the same
 * recv() call, and send() with a connection pending accepts it first
 * ("server accepts lazily on first poll", seed). */
static void test_listener_accepts_lazily_on_recv_and_on_send(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        stream_kind_t kind = k ? KIND_TCP : KIND_UNIX;
        uint16_t port;
        char *path;
        transport_t *l = make_listener(kind, &port, &path);
        assert_non_null(l);
        int fd = raw_client_of(kind, port, path);
        assert_true(fd >= 0);
        raw_send_kind(kind, fd, actor_id_make(PEER, 1), actor_id_make(ME, 1), T_PING, "one", 3);
        wait_readable(l, 5000);
        message_t *m = l->recv(l); /* one call: accept, then read */
        assert_non_null(m);
        assert_int_equal(m->type, T_PING);
        message_destroy(m);
        l->destroy(l);
        close(fd);
        free(path);

        l = make_listener(kind, &port, &path);
        fd = raw_client_of(kind, port, path);
        assert_true(fd >= 0);
        wait_readable(l, 5000);
        message_t out = {.source = actor_id_make(ME, 1),
                         .dest = actor_id_make(PEER, 1),
                         .type = T_PING,
                         .payload_size = 3,
                         .payload = "two"};
        assert_true(l->send(l, &out)); /* accepts the waiting peer first */
        assert_true(l->is_connected(l));
        unsigned char buf[64];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        assert_int_equal(n, WIRE_HEADER_SIZE + 3);
        assert_memory_equal(buf + WIRE_HEADER_SIZE, "two", 3);
        l->destroy(l);
        close(fd);
        free(path);
    }
}

typedef struct {
    int lines;
} line_count_t;

static void count_lines(const char *line, void *ctx)
{
    (void)line;
    ((line_count_t *)ctx)->lines++;
}

/* Issue 13: 100k frames to a nonexistent actor wrote 100k WARN lines. Every
 * per-frame line goes through the rate limiter: one per cause per second,
 * so the count stays far below the frames whatever the machine's speed. */
static void test_flood_to_missing_actor_logs_a_few_lines(void **state)
{
    (void)state;
    enum { FRAMES = 100000 };
    uint16_t port = 0;
    runtime_t *rt = listening_node(&port);
    line_count_t log = {0};
    runtime_set_log_sink(rt, count_lines, &log);
    sink_t got = {0};
    actor_id_t me = actor_spawn(rt, sink, &got, NULL, 16);
    int fd = raw_connect(port);
    assert_true(fd >= 0);
    message_t m = {
        .source = actor_id_make(PEER, 1), .dest = actor_id_make(ME, 4242), .type = T_PING};
    unsigned char hdr[WIRE_HEADER_SIZE];
    assert_true(wire_encode_header(&m, true, hdr));
    size_t total = (size_t)FRAMES * WIRE_HEADER_SIZE, off = 0;
    unsigned char *all = malloc(total);
    for (size_t i = 0; i < FRAMES; i++)
        memcpy(all + i * WIRE_HEADER_SIZE, hdr, WIRE_HEADER_SIZE);
    double end = now_s() + 60;
    while (off < total && now_s() < end) {
        ssize_t n = send(fd, all + off, total - off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0)
            off += (size_t)n;
        runtime_step(rt);
    }
    assert_int_equal(off, total);
    sentinel(rt, fd, me, &got, 1);
    node_link_stats_t st;
    assert_true(runtime_link_stats(rt, PEER, &st));
    assert_int_equal(st.dropped_undeliverable, FRAMES);
    assert_true(log.lines < 100);
    free(all);
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
        cmocka_unit_test(test_peer_names_only_its_actors_within_quota_and_they_go_with_it),
        cmocka_unit_test(test_control_frames_reach_the_handler_and_broadcasts_reach_peers),
        cmocka_unit_test(test_name_sync_uses_the_originals_payload),
        cmocka_unit_test(test_original_mode_link_sends_no_hello),
        cmocka_unit_test(test_two_nodes_one_in_original_mode_interoperate),
        cmocka_unit_test(test_forty_sequential_short_lived_peers_each_get_a_slot),
        cmocka_unit_test(test_listener_keeps_its_slot_after_its_peer_goes),
        cmocka_unit_test(test_idle_connection_does_not_hold_the_listener),
        cmocka_unit_test(test_listener_accepts_lazily_on_recv_and_on_send),
        cmocka_unit_test(test_flood_to_missing_actor_logs_a_few_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
