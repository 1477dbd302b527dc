/*
 * test_recv_budget.c -- proves the node link's receive budget
 * (MK_NET_RECV_BUDGET, src/net/node_link.c): a peer flooding node 1 over a
 * real Unix, TCP or UDP socket cannot keep node 1's event loop to itself.
 * A raw peer thread writes frames with sequence numbers as fast as it can
 * while node 1 runs a 10 ms periodic timer and a local ping-pong pair. The
 * timer keeps firing during the flood, the ping-pong pair gets a turn at
 * least every two budgets of delivered frames, and every frame arrives
 * exactly once and in order -- also when the budget ends with complete
 * frames left in the stream transport's user-space buffer and the socket
 * itself is empty (a peer that wrote a thousand frames in one write() and
 * then went quiet: no readiness event will ever report those frames).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <cmocka.h>

#include "core/runtime_internal.h" /* mk_actor_find: the consumer's mailbox depth */
#include "microkernel/node.h"
#include "microkernel/services.h"
#include "microkernel/wire.h"
#include "net_test_util.h"

enum { T_START = 1, T_SEQ, T_PING, T_PONG };

#define ME               1          /* the flooded node */
#define PEER             2          /* the raw peer's node ID */
#define TICK_MS          10         /* the periodic timer */
#define DEADLINE_S       120.0      /* hang detector only: far above any load */
#define CONSUMER_MAILBOX (1u << 16) /* a read without a budget fills it in one go */
#define FRAME_SIZE       (WIRE_HEADER_SIZE + 8)
/* Frames per stream flood: ~3,000 budgets, seconds even under ASan on a
 * busy machine (2,000,000 missed a 30 s deadline in CI). */
#define STREAM_FLOOD     200000

typedef enum { PEER_UNIX, PEER_TCP, PEER_UDP } peer_kind_t;

/* One flood: what the peer sends and what node 1 saw. Shared by the actors
 * of node 1 (state pointer) and, for the two atomics, the peer thread. */
typedef struct {
    runtime_t *rt;
    actor_id_t consumer, ping, pong;
    long total; /* frames the peer sends */
    long chunk; /* frames per write() (stream) or per burst (UDP) */
    peer_kind_t kind;
    char path[108];    /* Unix socket path */
    uint16_t port;     /* TCP or UDP port */
    atomic_long acked; /* frames the consumer handled (UDP pacing) */
    atomic_bool done;  /* the scene is over: the peer closes */
    bool hang_up;      /* stream peer: close at once after the last write */
    /* consumer */
    long received, disorder, first_bad_seq, first_bad_want;
    double flood_start, flood_end; /* first and last frame handled */
    /* ping: frames delivered to the consumer between two of its turns */
    long delivered_before, max_burst, rounds_in_flood;
    /* ticker */
    double started, last_tick, max_gap;
    long ticks_in_flood;
} scene_t;

static bool in_flood(const scene_t *s)
{
    return s->received > 0 && s->received < s->total;
}

/* Frames node 1 has delivered to the consumer so far: handled + queued. */
static long delivered(const scene_t *s)
{
    actor_t *a = mk_actor_find(s->rt, s->consumer);
    return s->received + (a ? (long)(a->mbox->tail - a->mbox->head) : 0);
}

/* ---- Node 1's actors ------------------------------------------------------ */

/* Checks each frame's sequence number; stops the runtime after the last. */
static bool consumer(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    scene_t *s = state;
    if (msg->type != T_SEQ || msg->payload_size != 8)
        return true;
    uint64_t seq;
    memcpy(&seq, msg->payload, sizeof seq);
    if ((long)seq != s->received && s->disorder++ == 0) {
        s->first_bad_seq = (long)seq;
        s->first_bad_want = s->received;
    }
    if (s->received == 0)
        s->flood_start = now_s();
    s->received++;
    atomic_store(&s->acked, s->received);
    if (s->received == s->total) {
        s->flood_end = now_s();
        runtime_stop(rt);
    }
    return true;
}

/* Ping's every turn looks at how many frames the link delivered since its
 * last turn: the budget bounds that (one budget per I/O poll, two when a
 * poll carries both the socket's event and the kick). */
static bool ping(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    scene_t *s = state;
    if (msg->type != T_START && msg->type != T_PONG)
        return true;
    long d = delivered(s);
    if (d - s->delivered_before > s->max_burst)
        s->max_burst = d - s->delivered_before;
    s->delivered_before = d;
    if (in_flood(s))
        s->rounds_in_flood++;
    actor_send(rt, s->pong, T_PING, NULL, 0);
    return true;
}

static bool pong(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    scene_t *s = state;
    if (msg->type == T_PING)
        actor_send(rt, s->ping, T_PONG, NULL, 0);
    return true;
}

/* A 10 ms periodic timer: the gaps between its ticks during the flood, and
 * the scene's deadline. */
static bool ticker(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    scene_t *s = state;
    double now = now_s();
    if (msg->type == T_START) {
        s->started = s->last_tick = now;
        assert_int_not_equal(actor_set_timer(rt, TICK_MS, true), TIMER_ID_INVALID);
    } else if (msg->type == MSG_TIMER) {
        if (in_flood(s)) {
            if (s->ticks_in_flood++ > 0 && now - s->last_tick > s->max_gap)
                s->max_gap = now - s->last_tick;
        }
        s->last_tick = now;
        if (now - s->started > DEADLINE_S)
            runtime_stop(rt);
    }
    return true;
}

/* ---- The raw peer ------------------------------------------------------------ */

static void put_frame(unsigned char *out, const scene_t *s, msg_type_t type, actor_id_t dest,
                      const unsigned char payload[8])
{
    message_t m = {.source = actor_id_make(PEER, 1),
                   .dest = dest,
                   .type = type,
                   .payload_size = 8,
                   .payload = (void *)payload};
    assert_true(wire_encode_header(&m, s->kind != PEER_UNIX, out));
    memcpy(out + WIRE_HEADER_SIZE, payload, 8);
}

static void put_hello(unsigned char *out, const scene_t *s)
{
    unsigned char hello[8] = {0, 0, 0, PEER, 0, 0, 0, 1}; /* node, version; big-endian */
    put_frame(out, s, MSG_NODE_HELLO, ACTOR_ID_INVALID, hello);
}

static void put_seq(unsigned char *out, const scene_t *s, uint64_t seq)
{
    unsigned char p[8];
    memcpy(p, &seq, sizeof p);
    put_frame(out, s, T_SEQ, s->consumer, p);
}

static int peer_connect(const scene_t *s)
{
    int fd;
    if (s->kind == PEER_UNIX) {
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        snprintf(a.sun_path, sizeof a.sun_path, "%s", s->path);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
    } else {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(s->port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, s->kind == PEER_UDP ? SOCK_DGRAM : SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
    }
    perror("peer connect");
    if (fd >= 0)
        close(fd);
    return -1;
}

static bool write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false; /* node 1 gone (the test failed and tore it down) */
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Stream peer: the hello, then `total` frames in writes of `chunk` frames,
 * as fast as the socket takes them; then quiet, connection open, until the
 * scene is over -- or, with `hang_up`, closed at once. */
static void peer_stream(scene_t *s, int fd)
{
    unsigned char *buf = malloc((size_t)s->chunk * FRAME_SIZE);
    assert_non_null(buf);
    put_hello(buf, s);
    bool ok = write_all(fd, buf, FRAME_SIZE);
    if (s->hang_up) {
        /* Take node 1's hello first: a socket closed with unread input is
         * reset, not closed (Unix and TCP alike), and node 1 then sees an
         * error, not the end of the stream. */
        struct timeval tv = {.tv_sec = 5};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        unsigned char in[FRAME_SIZE];
        for (size_t got = 0; ok && got < sizeof in;) {
            ssize_t r = recv(fd, in + got, sizeof in - got, 0);
            ok = r > 0;
            got += ok ? (size_t)r : 0;
        }
    }
    for (long i = 0; ok && i < s->total; i += s->chunk) {
        long n = s->total - i < s->chunk ? s->total - i : s->chunk;
        for (long k = 0; k < n; k++)
            put_seq(buf + k * FRAME_SIZE, s, (uint64_t)(i + k));
        ok = write_all(fd, buf, (size_t)n * FRAME_SIZE);
    }
    free(buf);
    while (!s->hang_up && !atomic_load(&s->done))
        usleep(1000);
}

/* UDP peer: the hello, then bursts of `chunk` datagrams sent back to back,
 * each burst once node 1 handled the previous one (UDP drops what a full
 * socket buffer cannot take; the pacing keeps every burst within it). */
static void peer_udp(scene_t *s, int fd)
{
    unsigned char frame[FRAME_SIZE];
    put_hello(frame, s);
    send(fd, frame, sizeof frame, 0);
    for (long i = 0; i < s->total && !atomic_load(&s->done); i += s->chunk) {
        while (atomic_load(&s->acked) < i && !atomic_load(&s->done))
            usleep(100);
        long n = s->total - i < s->chunk ? s->total - i : s->chunk;
        for (long k = 0; k < n; k++) {
            put_seq(frame, s, (uint64_t)(i + k));
            send(fd, frame, sizeof frame, 0);
        }
    }
    while (!atomic_load(&s->done))
        usleep(1000);
}

static void *peer_main(void *arg)
{
    scene_t *s = arg;
    int fd = peer_connect(s);
    if (fd < 0)
        return NULL;
    if (s->kind == PEER_UDP)
        peer_udp(s, fd);
    else
        peer_stream(s, fd);
    close(fd);
    return NULL;
}

/* ---- The scene ------------------------------------------------------------------ */

static transport_t *listen_for_peer(scene_t *s)
{
    transport_t *t = NULL;
    if (s->kind == PEER_UNIX) {
        char *path = temp_socket_path();
        snprintf(s->path, sizeof s->path, "%s", path);
        free(path);
        t = transport_unix_listen(s->path, PEER);
    } else if (s->kind == PEER_TCP) {
        t = transport_tcp_listen("127.0.0.1", 0, PEER);
        s->port = t ? transport_tcp_port(t) : 0;
    } else {
        t = transport_udp_bind("127.0.0.1", 0, PEER);
        s->port = t ? transport_udp_port(t) : 0;
        /* Room for a burst of small datagrams (each costs ~1 KiB of it). */
        int big = 4 << 20;
        if (t)
            setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    }
    return t;
}

/* Node 1 with the four actors, flooded by a peer thread; returns when the
 * last frame was handled or the deadline passed. */
static void run_scene(scene_t *s, peer_kind_t kind, long total, long chunk, bool hang_up)
{
    memset(s, 0, sizeof *s);
    s->hang_up = hang_up;
    s->kind = kind;
    s->total = total;
    s->chunk = chunk;
    s->rt = runtime_init(ME, 16);
    assert_non_null(s->rt);
    s->consumer = actor_spawn(s->rt, consumer, s, NULL, CONSUMER_MAILBOX);
    s->ping = actor_spawn(s->rt, ping, s, NULL, 16);
    s->pong = actor_spawn(s->rt, pong, s, NULL, 16);
    actor_id_t tick = actor_spawn(s->rt, ticker, s, NULL, 16);
    assert_true(s->consumer && s->ping && s->pong && tick);
    transport_t *t = listen_for_peer(s);
    assert_non_null(t);
    assert_true(runtime_add_transport(s->rt, t));
    assert_true(mk_send_from(s->rt, ACTOR_ID_INVALID, tick, T_START, NULL, 0));
    assert_true(mk_send_from(s->rt, ACTOR_ID_INVALID, s->ping, T_START, NULL, 0));
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, peer_main, s), 0);
    runtime_run(s->rt);
    atomic_store(&s->done, true);
    runtime_destroy(s->rt); /* closes the sockets: a peer still writing stops */
    pthread_join(th, NULL);
    if (s->received < s->total)
        s->flood_end = now_s(); /* deadline: the duration up to now */
    printf("  %s: %ld of %ld frames in %.0f ms; %ld out of order; at most %ld delivered "
           "between two ping turns (budget %d); %ld ping rounds and %ld ticks during the flood, "
           "largest tick gap %.1f ms\n",
           kind == PEER_UNIX  ? "unix"
           : kind == PEER_TCP ? "tcp"
                              : "udp",
           s->received, s->total, (s->flood_end - s->flood_start) * 1e3, s->disorder, s->max_burst,
           MK_NET_RECV_BUDGET, s->rounds_in_flood, s->ticks_in_flood, s->max_gap * 1e3);
}

/* Every frame exactly once and in order, and the local actors never wait
 * for more than two budgets of frames. */
static void assert_fair_and_complete(const scene_t *s)
{
    assert_int_equal(s->received, s->total);
    if (s->disorder)
        fail_msg("frame %ld arrived where %ld was due (%ld out of order)", s->first_bad_seq,
                 s->first_bad_want, s->disorder);
    assert_in_range(s->max_burst, 1, 2 * MK_NET_RECV_BUDGET);
    assert_true(s->rounds_in_flood > 0);
}

/* The timer was not starved by the flood: it fired during any flood long
 * enough to span a few periods. Its gaps and tick count are printed above,
 * not asserted: they follow the machine's load (issue 13: no assertion on
 * elapsed time in unit tests). */
static void assert_timer_kept_firing(const scene_t *s)
{
    double flood = s->flood_end - s->flood_start;
    if (flood * 1e3 >= 4 * TICK_MS && s->ticks_in_flood == 0)
        fail_msg("the timer never fired during a %.1f ms flood (period %d ms)", flood * 1e3,
                 TICK_MS);
}

static scene_t scene;

/* Many thousand frames written 2,000 per write() as fast as the socket
 * takes them. */
static void test_flood_unix_timer_and_actors_keep_running(void **state)
{
    (void)state;
    run_scene(&scene, PEER_UNIX, STREAM_FLOOD, 2000, false);
    assert_fair_and_complete(&scene);
    assert_timer_kept_firing(&scene);
}

static void test_flood_tcp_timer_and_actors_keep_running(void **state)
{
    (void)state;
    run_scene(&scene, PEER_TCP, STREAM_FLOOD, 2000, false);
    assert_fair_and_complete(&scene);
    assert_timer_kept_firing(&scene);
}

/* 1,000 frames in one write(), then silence: after the first read they all
 * sit in the transport's receive buffer and the socket is empty, so only
 * the link's own resume can deliver what the budget left. */
static void test_buffered_frames_unix_delivered_after_budget(void **state)
{
    (void)state;
    run_scene(&scene, PEER_UNIX, 1000, 1000, false);
    assert_fair_and_complete(&scene);
}

static void test_buffered_frames_tcp_delivered_after_budget(void **state)
{
    (void)state;
    run_scene(&scene, PEER_TCP, 1000, 1000, false);
    assert_fair_and_complete(&scene);
}

/* The same, but the peer closes the connection right after its write: the
 * hang-up is seen while frames wait behind the budget, and must not cost
 * them. */
static void test_buffered_frames_then_hang_up_unix(void **state)
{
    (void)state;
    run_scene(&scene, PEER_UNIX, 1000, 1000, true);
    assert_fair_and_complete(&scene);
}

static void test_buffered_frames_then_hang_up_tcp(void **state)
{
    (void)state;
    run_scene(&scene, PEER_TCP, 1000, 1000, true);
    assert_fair_and_complete(&scene);
}

/* UDP: bursts of 1,000 datagrams, each sent once the last was handled. */
static void test_flood_udp_timer_and_actors_keep_running(void **state)
{
    (void)state;
    run_scene(&scene, PEER_UDP, 100000, 1000, false);
    assert_fair_and_complete(&scene);
    assert_timer_kept_firing(&scene);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flood_unix_timer_and_actors_keep_running),
        cmocka_unit_test(test_flood_tcp_timer_and_actors_keep_running),
        cmocka_unit_test(test_buffered_frames_unix_delivered_after_budget),
        cmocka_unit_test(test_buffered_frames_tcp_delivered_after_budget),
        cmocka_unit_test(test_buffered_frames_then_hang_up_unix),
        cmocka_unit_test(test_buffered_frames_then_hang_up_tcp),
        cmocka_unit_test(test_flood_udp_timer_and_actors_keep_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
