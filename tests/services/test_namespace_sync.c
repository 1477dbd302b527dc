/* test_namespace_sync.c -- registry and path sync between two runtimes
 * (compat §3.3, §4.4; issue 13): ns_sync_to_transport's frames over a real
 * TCP connection (payloads compared with bytes written from the tables),
 * applied on the other node by ns_control_in; duplicates lose to local
 * entries; a peer may only plant paths of its own actors, within its
 * quota, and they go when its node goes down; broadcasts of local changes;
 * and a caps request to the peer's "/node/<identity>/caps" learnt by sync,
 * answered across a second real TCP link. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "microkernel/node.h"
#include "microkernel/transport_tcp.h"
#include "net/net_internal.h"
#include "services/svc_internal.h"
#include "svc_test_util.h"

static bool sink(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)msg, (void)state;
    return true;
}

/* A connected pair of TCP sockets on 127.0.0.1 (ephemeral port). */
static void tcp_pair(int fds[2])
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l, 1), 0);
    assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
    fds[0] = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(fds[0], (struct sockaddr *)&a, sizeof a), 0);
    fds[1] = accept(l, NULL, NULL);
    assert_true(fds[1] >= 0);
    close(l);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
}

static transport_t *stream(node_id_t peer, int fd)
{
    transport_t *t = mk_stream_create(peer, -1, fd, "tcp", true, MK_TCP_SEND_QUEUE_MAX, NULL);
    assert_non_null(t);
    return t;
}

/* Read every frame `t` receives within a short while (the sender has
 * already written them all). */
static size_t recv_all(transport_t *t, message_t **out, size_t max)
{
    size_t n = 0;
    for (int idle = 0; idle < 20 && n < max;) {
        message_t *m = t->recv(t);
        if (m) {
            out[n++] = m;
            idle = 0;
            continue;
        }
        struct pollfd p = {.fd = t->fd, .events = POLLIN};
        if (poll(&p, 1, 10) <= 0)
            idle++;
    }
    return n;
}

typedef struct {
    runtime_t *rt;
    char *dir;
} node_t;

static node_t start(node_id_t id, const char *name)
{
    node_t n = {runtime_init(id, 64), temp_dir()};
    services_config_t cfg = {
        .data_dir = n.dir, .no_mount_listen = true, .no_kv = true, .node_name = name};
    assert_true(services_start(n.rt, &cfg));
    return n;
}

static void stop(node_t *n)
{
    runtime_destroy(n->rt);
    rm_rf(n->dir);
}

static void test_sync_sends_names_then_paths_and_the_peer_applies_them(void **st)
{
    (void)st;
    node_t a = start(1, "alpha"), b = start(2, "beta");
    actor_id_t echo = actor_spawn(a.rt, sink, NULL, NULL, 8);
    assert_true(actor_register_name(a.rt, "/app/echo", echo));
    actor_id_t b_own = actor_spawn(b.rt, sink, NULL, NULL, 8);
    assert_true(actor_register_name(b.rt, "/app/shared", b_own));
    actor_id_t a_dup = actor_spawn(a.rt, sink, NULL, NULL, 8);
    assert_true(actor_register_name(a.rt, "/app/shared", a_dup));

    int fds[2];
    tcp_pair(fds);
    transport_t *ta = stream(2, fds[0]), *tb = stream(1, fds[1]);
    ns_sync_to_transport(a.rt, ta);
    message_t *m[256];
    size_t n = recv_all(tb, m, 256);
    assert_true(n >= 5);

    /* Names first, then paths; every frame source = dest = 0. */
    size_t names = 0, paths = 0;
    bool saw_echo = false;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(m[i]->source, 0);
        assert_int_equal(m[i]->dest, 0);
        if (m[i]->type == MSG_NAME_REGISTER) {
            assert_int_equal(paths, 0);
            assert_int_equal(m[i]->payload_size, 72);
            names++;
        } else {
            assert_int_equal(m[i]->type, MSG_PATH_REGISTER);
            assert_int_equal(m[i]->payload_size, 136);
            paths++;
        }
        if (m[i]->type == MSG_PATH_REGISTER && strcmp(m[i]->payload, "/app/echo") == 0) {
            /* path @0 zero-padded, id @128 little-endian. */
            unsigned char want[136] = {0};
            memcpy(want, "/app/echo", 9);
            for (int k = 0; k < 8; k++)
                want[128 + k] = (unsigned char)(echo >> (8 * k));
            assert_memory_equal(m[i]->payload, want, 136);
            saw_echo = true;
        }
        if (m[i]->type == MSG_NAME_REGISTER && strcmp(m[i]->payload, "ns") == 0) {
            actor_id_t id;
            memcpy(&id, (char *)m[i]->payload + 64, 8);
            assert_int_equal(id, actor_lookup(a.rt, "ns"));
        }
    }
    assert_true(saw_echo);
    assert_true(names >= 1); /* at least "ns" */
    assert_true(paths >= 5); /* /node/alpha, /sys/ns, caps x2, mount-listen, /app/... */

    /* Applied on b: a's unique paths arrive verbatim; b's own entries win. */
    for (size_t i = 0; i < n; i++) {
        if (m[i]->type == MSG_PATH_REGISTER)
            assert_true(ns_control_in(b.rt, 1, m[i], NULL));
        else
            assert_false(ns_control_in(b.rt, 1, m[i], NULL)); /* names: the net layer's */
        message_destroy(m[i]);
    }
    assert_int_equal(actor_lookup(b.rt, "/app/echo"), echo);
    assert_int_equal(actor_lookup(b.rt, "/node/alpha"), actor_lookup(a.rt, "ns"));
    assert_int_equal(actor_lookup(b.rt, "/node/alpha/caps"), actor_lookup(a.rt, "/sys/caps"));
    assert_int_equal(actor_lookup(b.rt, "/app/shared"), b_own);
    assert_int_equal(actor_lookup(b.rt, "/sys/ns"), actor_lookup(b.rt, "ns"));

    /* Unregister: only what node 1 planted. */
    path_unregister_payload_t u;
    memset(&u, 0, sizeof u);
    strcpy(u.path, "/app/shared");
    message_t um = {.type = MSG_PATH_UNREGISTER, .payload = &u, .payload_size = sizeof u};
    assert_true(ns_control_in(b.rt, 1, &um, NULL));
    assert_int_equal(actor_lookup(b.rt, "/app/shared"), b_own);
    strcpy(u.path, "/app/echo");
    assert_true(ns_control_in(b.rt, 1, &um, NULL));
    assert_int_equal(ns_lookup_path(b.rt, "/app/echo"), ACTOR_ID_INVALID);

    ta->destroy(ta);
    tb->destroy(tb);
    stop(&a);
    stop(&b);
}

static void test_caps_of_the_peer_by_its_synced_path(void **st)
{
    (void)st;
    node_t a = start(1, "alpha"), b = start(2, "beta");
    /* Link 1 carries the sync (read here and handed to ns_control_in, the
     * net layer's job after the merge); link 2 is the runtimes' transport. */
    int s1[2], s2[2];
    tcp_pair(s1);
    tcp_pair(s2);
    transport_t *sa = stream(2, s1[0]), *sb = stream(1, s1[1]);
    ns_sync_to_transport(a.rt, sa);
    message_t *m[256];
    size_t n = recv_all(sb, m, 256);
    for (size_t i = 0; i < n; i++) {
        ns_control_in(b.rt, 1, m[i], NULL);
        message_destroy(m[i]);
    }
    assert_true(runtime_add_transport(a.rt, stream(2, s2[0])));
    assert_true(runtime_add_transport(b.rt, stream(1, s2[1])));

    actor_id_t caps = actor_lookup(b.rt, "/node/alpha/caps");
    assert_int_equal(actor_id_node(caps), 1);
    actor_id_t c = client_spawn(b.rt);
    assert_true(mk_send_from(b.rt, c, caps, MSG_CAPS_REQUEST, NULL, 0));
    uint64_t end = ms_now() + 5000;
    while (g_replies.tail == g_replies.head && ms_now() < end) {
        mk_io_poll(a.rt, 1);
        mk_io_poll(b.rt, 1);
        for (int i = 0; i < 64; i++) {
            runtime_step(a.rt);
            runtime_step(b.rt);
        }
    }
    reply_t r = take_reply();
    assert_int_equal(r.type, MSG_CAPS_REPLY);
    assert_int_equal(r.source, caps);
    assert_null(memchr(r.data, '\0', r.len)); /* text, no NUL */
    assert_non_null(strstr(r.data, "platform=linux\nidentity=alpha\nnode_id=1\n"));
    reply_free(&r);
    sa->destroy(sa);
    sb->destroy(sb);
    stop(&a);
    stop(&b);
}

/* A MSG_PATH_REGISTER frame from the peer. */
static bool plant(runtime_t *rt, node_id_t peer, const char *path, actor_id_t id)
{
    path_register_payload_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.path, sizeof p.path, "%s", path);
    p.actor_id = id;
    message_t m = {.type = MSG_PATH_REGISTER, .payload = &p, .payload_size = sizeof p};
    return ns_control_in(rt, peer, &m, NULL);
}

static void test_peer_may_only_plant_its_own_actors_within_quota(void **st)
{
    (void)st;
    node_t b = start(2, "beta");
    actor_id_t mine = actor_spawn(b.rt, sink, NULL, NULL, 8);
    /* Not its own node: refused (a local actor, a third node). */
    plant(b.rt, 1, "/evil/local", mine);
    plant(b.rt, 1, "/evil/third", actor_id_make(3, 5));
    assert_int_equal(ns_lookup_path(b.rt, "/evil/local"), ACTOR_ID_INVALID);
    assert_int_equal(ns_lookup_path(b.rt, "/evil/third"), ACTOR_ID_INVALID);
    /* A peer cannot take a local path, nor claim our node id. */
    plant(b.rt, 1, "/sys/ns", actor_id_make(1, 9));
    assert_int_equal(ns_lookup_path(b.rt, "/sys/ns"), actor_lookup(b.rt, "ns"));
    plant(b.rt, 2, "/self", actor_id_make(2, 9));
    assert_int_equal(ns_lookup_path(b.rt, "/self"), ACTOR_ID_INVALID);
    /* Malformed: short, unterminated, invalid path; consumed, never applied. */
    path_register_payload_t p;
    memset(&p, 'z', sizeof p);
    message_t bad = {.type = MSG_PATH_REGISTER, .payload = &p, .payload_size = sizeof p};
    assert_true(ns_control_in(b.rt, 1, &bad, NULL));
    bad.payload_size = 135;
    assert_true(ns_control_in(b.rt, 1, &bad, NULL));
    bad.payload = NULL;
    bad.payload_size = 0;
    assert_true(ns_control_in(b.rt, 1, &bad, NULL));
    plant(b.rt, 1, "/a//b", actor_id_make(1, 9));
    assert_int_equal(ns_lookup_path(b.rt, "/a//b"), ACTOR_ID_INVALID);
    message_t other = {.type = MSG_NAME_REGISTER};
    assert_false(ns_control_in(b.rt, 1, &other, NULL));

    /* Quota: 3 per peer, 5 for all peers. */
    assert_true(ns_set_peer_quota(b.rt, 3, 5, 1));
    assert_false(ns_set_peer_quota(b.rt, 3, NS_MAX_PATHS + 1, 1));
    char path[32];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "/one/%d", i);
        plant(b.rt, 1, path, actor_id_make(1, 10 + i));
    }
    assert_int_not_equal(ns_lookup_path(b.rt, "/one/2"), ACTOR_ID_INVALID);
    assert_int_equal(ns_lookup_path(b.rt, "/one/3"), ACTOR_ID_INVALID);
    /* Re-registering its own path is an update, not a new entry. */
    plant(b.rt, 1, "/one/0", actor_id_make(1, 99));
    assert_int_equal(ns_lookup_path(b.rt, "/one/0"), actor_id_make(1, 99));
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/three/%d", i);
        plant(b.rt, 3, path, actor_id_make(3, 10 + i));
    }
    assert_int_not_equal(ns_lookup_path(b.rt, "/three/1"), ACTOR_ID_INVALID);
    assert_int_equal(ns_lookup_path(b.rt, "/three/2"), ACTOR_ID_INVALID); /* 5 in all */
    /* Local registrations still have room, and win over a planted path. */
    assert_true(actor_register_name(b.rt, "/local/new", mine));
    assert_true(actor_register_name(b.rt, "/one/1", mine));
    assert_int_equal(ns_lookup_path(b.rt, "/one/1"), mine);
    stop(&b);
}

static void test_a_lost_node_takes_what_it_planted(void **st)
{
    (void)st;
    node_t b = start(2, "beta");
    actor_id_t ns = actor_lookup(b.rt, "ns");
    plant(b.rt, 1, "/from/one", actor_id_make(1, 4));
    plant(b.rt, 3, "/from/three", actor_id_make(3, 4));
    /* A remote actor of node 1 mounts a subtree through the ns protocol. */
    ns_mount_t mt;
    memset(&mt, 0, sizeof mt);
    strcpy(mt.mount_point, "/m1");
    mt.target = actor_id_make(1, 4);
    assert_true(mk_send_from(b.rt, actor_id_make(1, 4), ns, MSG_NS_MOUNT, &mt, sizeof mt));
    pump_for(b.rt, 20);
    assert_int_equal(ns_lookup_path(b.rt, "/m1/x"), actor_id_make(1, 4));
    node_event_payload_t ev;
    memset(&ev, 0, sizeof ev);
    ev.node = 1;
    /* Forged by a remote actor: ignored. */
    assert_true(mk_send_from(b.rt, actor_id_make(1, 4), ns, MSG_NODE_DOWN, &ev, sizeof ev));
    pump_for(b.rt, 20);
    assert_int_not_equal(ns_lookup_path(b.rt, "/from/one"), ACTOR_ID_INVALID);
    /* From the runtime: node 1's paths and mounts go, node 3's stay. */
    assert_true(mk_send_from(b.rt, ACTOR_ID_INVALID, ns, MSG_NODE_DOWN, &ev, sizeof ev));
    pump_for(b.rt, 20);
    assert_int_equal(ns_lookup_path(b.rt, "/from/one"), ACTOR_ID_INVALID);
    assert_int_equal(ns_lookup_path(b.rt, "/m1/x"), ACTOR_ID_INVALID);
    assert_int_equal(ns_lookup_path(b.rt, "/from/three"), actor_id_make(3, 4));
    stop(&b);
}

static void test_remote_ns_requests_follow_the_peer_rules(void **st)
{
    (void)st;
    node_t b = start(2, "beta");
    actor_id_t ns = actor_lookup(b.rt, "ns");
    actor_id_t c = client_spawn(b.rt);
    /* The client stands in for a remote actor (source on node 1): replies
     * to node 1 cannot be delivered, so check the effects instead. */
    (void)c;
    ns_register_t reg;
    memset(&reg, 0, sizeof reg);
    strcpy(reg.path, "/remote/own");
    reg.actor_id = actor_id_make(1, 7);
    assert_true(mk_send_from(b.rt, actor_id_make(1, 7), ns, MSG_NS_REGISTER, &reg, sizeof reg));
    strcpy(reg.path, "/remote/foreign");
    reg.actor_id = actor_id_make(3, 7);
    assert_true(mk_send_from(b.rt, actor_id_make(1, 7), ns, MSG_NS_REGISTER, &reg, sizeof reg));
    strcpy(reg.path, "flatname");
    reg.actor_id = actor_id_make(1, 7);
    assert_true(mk_send_from(b.rt, actor_id_make(1, 7), ns, MSG_NS_REGISTER, &reg, sizeof reg));
    pump_for(b.rt, 20);
    assert_int_equal(ns_lookup_path(b.rt, "/remote/own"), actor_id_make(1, 7));
    assert_int_equal(ns_lookup_path(b.rt, "/remote/foreign"), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(b.rt, "flatname"), ACTOR_ID_INVALID);
    stop(&b);
}

/* Records what the namespace broadcasts. */
static struct {
    msg_type_t type[16];
    char path[16][NS_PATH_MAX];
    size_t len[16];
    size_t n;
} g_bc;

static bool record(runtime_t *rt, msg_type_t type, const void *p, size_t n)
{
    (void)rt;
    if (g_bc.n < 16) {
        g_bc.type[g_bc.n] = type;
        memcpy(g_bc.path[g_bc.n], p, NS_PATH_MAX);
        g_bc.len[g_bc.n] = n;
        g_bc.n++;
    }
    return true;
}

static void test_local_path_changes_are_broadcast(void **st)
{
    (void)st;
    node_t a = start(1, "alpha");
    memset(&g_bc, 0, sizeof g_bc);
    assert_true(ns_set_broadcast(a.rt, record));
    actor_id_t x = actor_spawn(a.rt, sink, NULL, NULL, 8);
    assert_true(actor_register_name(a.rt, "/bc/x", x));
    assert_int_equal(ns_register_path(a.rt, "/bc/direct", x), NS_OK); /* no broadcast */
    assert_true(actor_unregister_name(a.rt, "/bc/x"));
    assert_true(actor_register_name(a.rt, "/bc/y", x));
    actor_stop(a.rt, x); /* both of its paths: /bc/direct and /bc/y */
    assert_int_equal(g_bc.n, 5);
    assert_int_equal(g_bc.type[0], MSG_PATH_REGISTER);
    assert_int_equal(g_bc.len[0], 136);
    assert_string_equal(g_bc.path[0], "/bc/x");
    assert_int_equal(g_bc.type[1], MSG_PATH_UNREGISTER);
    assert_int_equal(g_bc.len[1], 128);
    assert_string_equal(g_bc.path[1], "/bc/x");
    assert_int_equal(g_bc.type[2], MSG_PATH_REGISTER);
    assert_int_equal(g_bc.type[3], MSG_PATH_UNREGISTER);
    assert_int_equal(g_bc.type[4], MSG_PATH_UNREGISTER);
    /* Paths a peer planted are never re-broadcast. */
    plant(a.rt, 2, "/peer/p", actor_id_make(2, 3));
    assert_int_equal(g_bc.n, 5);
    stop(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_sends_names_then_paths_and_the_peer_applies_them),
        cmocka_unit_test(test_caps_of_the_peer_by_its_synced_path),
        cmocka_unit_test(test_peer_may_only_plant_its_own_actors_within_quota),
        cmocka_unit_test(test_a_lost_node_takes_what_it_planted),
        cmocka_unit_test(test_remote_ns_requests_follow_the_peer_rules),
        cmocka_unit_test(test_local_path_changes_are_broadcast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
