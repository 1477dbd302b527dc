/*
 * test_backpressure.c -- proves the node link's backpressure
 * (src/net/node_link.c): a frame for a full mailbox is kept and the link
 * stops reading until there is room, so a slow consumer with a small
 * mailbox on node 2 gets every message of a fast producer on node 1, in
 * order, while the producer's sends are refused ("send queue full") and
 * retried. Also: the link works normally afterwards and nothing was logged
 * as dropped; a kept frame whose actor stops is dropped and logged and the
 * link reads on; runtimes destroyed while a link is paused leak nothing.
 * Two runtimes in one process, stepped alternately, over real TCP and Unix
 * sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/runtime_internal.h" /* mk_io_poll: read without dispatching */
#include "microkernel/node.h"
#include "microkernel/services.h"
#include "net_test_util.h"

enum { T_GO = 1, T_MORE, T_DATA, T_PING, T_PONG };

#define FLOOD_N       8000 /* x 4 KiB = 32 MiB: more than queue + socket buffers */
#define FLOOD_SIZE    4096
#define FLOOD_BURST   64 /* sends per producer turn */
#define SMALL_MAILBOX 4

/* ---- Log capture --------------------------------------------------------- */

typedef struct {
    int lines;
    int dropped; /* lines that mention "dropped" */
    int down;    /* lines that mention "down" */
    char last_dropped[256];
} log_capture_t;

static void capture(const char *line, void *ctx)
{
    log_capture_t *c = ctx;
    c->lines++;
    if (strstr(line, "dropped")) {
        c->dropped++;
        snprintf(c->last_dropped, sizeof c->last_dropped, "%s", line);
    }
    if (strstr(line, " down"))
        c->down++;
}

/* ---- Actors ---------------------------------------------------------------- */

typedef struct {
    actor_id_t dest;
    long n;       /* messages to send */
    long next;    /* sequence number of the next one */
    long refused; /* sends that returned false (each retried later) */
    char first_refusal[256];
    bool timer_armed;
    int pongs;
} producer_t;

/* Send up to FLOOD_BURST messages; on a refusal retry from a 1 ms timer. */
static void produce(runtime_t *rt, producer_t *p)
{
    static unsigned char buf[FLOOD_SIZE];
    for (int i = 0; i < FLOOD_BURST && p->next < p->n; i++) {
        memcpy(buf, &p->next, sizeof p->next);
        if (!actor_send(rt, p->dest, T_DATA, buf, sizeof buf)) {
            if (p->refused++ == 0)
                snprintf(p->first_refusal, sizeof p->first_refusal, "%s", mk_last_error());
            if (!p->timer_armed)
                p->timer_armed = actor_set_timer(rt, 1, false) != TIMER_ID_INVALID;
            return;
        }
        p->next++;
    }
    if (p->next < p->n)
        assert_true(actor_send(rt, actor_self(rt), T_MORE, NULL, 0));
}

static bool producer(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    producer_t *p = state;
    if (msg->type == MSG_TIMER)
        p->timer_armed = false;
    if (msg->type == T_GO || msg->type == T_MORE || msg->type == MSG_TIMER)
        produce(rt, p);
    else if (msg->type == T_PONG)
        p->pongs++;
    return true;
}

typedef struct {
    long received;
    long out_of_order; /* messages whose sequence number was not the next one */
    long first_bad_seq, first_bad_expected;
} consumer_t;

/* Handles one message per turn (runtime_step); checks the order. */
static bool consumer(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    consumer_t *c = state;
    if (msg->type == T_DATA) {
        long seq;
        assert_int_equal(msg->payload_size, FLOOD_SIZE);
        memcpy(&seq, msg->payload, sizeof seq);
        if (seq != c->received && c->out_of_order++ == 0) {
            c->first_bad_seq = seq;
            c->first_bad_expected = c->received;
        }
        c->received++;
    } else if (msg->type == T_PING) {
        actor_send(rt, msg->source, T_PONG, NULL, 0);
    }
    return true;
}

/* Stops on its first message. */
static bool quitter(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)state;
    return false;
}

static int counter_hits;
static bool counter(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)state;
    counter_hits++;
    return true;
}

/* ---- Setup ----------------------------------------------------------------- */

typedef struct {
    runtime_t *rt1, *rt2; /* node 1 (listener), node 2 (connector) */
    transport_t *t1, *t2; /* their transports (owned by the runtimes) */
    log_capture_t log1, log2;
} pair_t;

static void pair_open(pair_t *p, stream_kind_t kind)
{
    memset(p, 0, sizeof *p);
    p->rt1 = runtime_init(1, 16);
    p->rt2 = runtime_init(2, 16);
    runtime_set_log_sink(p->rt1, capture, &p->log1);
    runtime_set_log_sink(p->rt2, capture, &p->log2);
    assert_true(stream_pair(kind, 2, 1, &p->t1, &p->t2));
    assert_true(runtime_add_transport(p->rt1, p->t1));
    assert_true(runtime_add_transport(p->rt2, p->t2));
    double end = now_s() + 5;
    while (!(node_is_connected(p->rt1, 2) && node_is_connected(p->rt2, 1)) && now_s() < end) {
        runtime_step(p->rt1);
        runtime_step(p->rt2);
    }
    assert_true(node_is_connected(p->rt1, 2));
    assert_true(node_is_connected(p->rt2, 1));
}

static void pair_close(pair_t *p)
{
    runtime_destroy(p->rt2);
    runtime_destroy(p->rt1);
}

/* Node 1 floods a slow consumer with a small mailbox on node 2. */
static void flood(pair_t *p, producer_t *prod, consumer_t *cons, actor_id_t *producer_id,
                  actor_id_t *consumer_id)
{
    *consumer_id = actor_spawn(p->rt2, consumer, cons, NULL, SMALL_MAILBOX);
    *prod = (producer_t){.dest = *consumer_id, .n = FLOOD_N};
    *producer_id = actor_spawn(p->rt1, producer, prod, NULL, 64);
    assert_true(actor_send(p->rt1, *producer_id, T_GO, NULL, 0));
    double end = now_s() + 60;
    while (cons->received < FLOOD_N && now_s() < end) {
        runtime_step(p->rt1);
        runtime_step(p->rt2);
    }
    if (cons->received != FLOOD_N || cons->out_of_order)
        fail_msg("received %ld of %d; %ld out of order (first: seq %ld where %ld was due); "
                 "producer sent %ld, refused %ld; node 2 log: %d dropped (%s)",
                 cons->received, FLOOD_N, cons->out_of_order, cons->first_bad_seq,
                 cons->first_bad_expected, prod->next, prod->refused, p->log2.dropped,
                 p->log2.last_dropped);
}

/* ---- Tests ------------------------------------------------------------------- */

static void slow_consumer_gets_all_in_order(stream_kind_t kind)
{
    pair_t p;
    pair_open(&p, kind);
    producer_t prod;
    consumer_t cons = {0};
    actor_id_t pid, cid;
    flood(&p, &prod, &cons, &pid, &cid);
    assert_int_equal(cons.received, FLOOD_N);
    assert_int_equal(cons.out_of_order, 0);
    /* The pushback reached the sender: its sends were refused with a reason
     * and retried, never lost. */
    if (prod.refused == 0)
        fail_msg("no send was refused: 32 MiB should exceed queue and socket buffers");
    if (!strstr(prod.first_refusal, "send queue full"))
        fail_msg("refusal reason: \"%s\"", prod.first_refusal);
    if (p.log2.dropped)
        fail_msg("node 2 logged %d dropped lines, last: %s", p.log2.dropped, p.log2.last_dropped);
    pair_close(&p);
}

static void test_slow_consumer_gets_all_in_order_over_tcp(void **state)
{
    (void)state;
    slow_consumer_gets_all_in_order(KIND_TCP);
}

static void test_slow_consumer_gets_all_in_order_over_unix(void **state)
{
    (void)state;
    slow_consumer_gets_all_in_order(KIND_UNIX);
}

/* After the flood the link is still up, carries traffic both ways at once,
 * and neither node logged a drop or a node going down. */
static void link_recovers_without_drops(stream_kind_t kind)
{
    pair_t p;
    pair_open(&p, kind);
    producer_t prod;
    consumer_t cons = {0};
    actor_id_t pid, cid;
    flood(&p, &prod, &cons, &pid, &cid);
    assert_true(node_is_connected(p.rt1, 2));
    assert_true(node_is_connected(p.rt2, 1));
    for (int i = 1; i <= 20; i++) {
        assert_true(mk_send_from(p.rt1, pid, cid, T_PING, NULL, 0));
        double end = now_s() + 5;
        while (prod.pongs < i && now_s() < end) {
            runtime_step(p.rt1);
            runtime_step(p.rt2);
        }
        assert_int_equal(prod.pongs, i);
    }
    if (p.log1.dropped || p.log2.dropped)
        fail_msg("dropped lines: node 1 %d, node 2 %d; last on node 2: %s", p.log1.dropped,
                 p.log2.dropped, p.log2.last_dropped);
    assert_int_equal(p.log1.down, 0);
    assert_int_equal(p.log2.down, 0);
    pair_close(&p);
}

static void test_link_recovers_without_drops_over_tcp(void **state)
{
    (void)state;
    link_recovers_without_drops(KIND_TCP);
}

static void test_link_recovers_without_drops_over_unix(void **state)
{
    (void)state;
    link_recovers_without_drops(KIND_UNIX);
}

/* Wait until node 2 has read (without dispatching) what node 1 sent. */
static void read_on_node2(pair_t *p)
{
    wait_readable(p->t2, 1000);
    mk_io_poll(p->rt2, 0);
}

/* A frame kept for a full mailbox whose actor then stops is dropped and
 * logged; the link reads on and later frames reach other actors. */
static void test_kept_frame_for_stopped_actor_is_dropped_and_link_reads_on(void **state)
{
    (void)state;
    pair_t p;
    pair_open(&p, KIND_TCP);
    counter_hits = 0;
    actor_id_t q = actor_spawn(p.rt2, quitter, NULL, NULL, 2);
    actor_id_t c = actor_spawn(p.rt2, counter, NULL, NULL, 16);
    for (int i = 0; i < 3; i++) /* two fill the mailbox, the third is kept */
        assert_true(actor_send(p.rt1, q, T_DATA, "x", 1));
    assert_true(actor_send(p.rt1, c, T_DATA, "y", 1));
    read_on_node2(&p);
    assert_int_equal(counter_hits, 0); /* behind the kept frame */
    double end = now_s() + 5;
    while (counter_hits == 0 && now_s() < end)
        runtime_step(p.rt2);
    assert_int_equal(counter_hits, 1);
    assert_int_equal(p.log2.dropped, 1);
    if (!strstr(p.log2.last_dropped, "stopped while its mailbox was full"))
        fail_msg("log line: %s", p.log2.last_dropped);
    assert_true(node_is_connected(p.rt2, 1));
    pair_close(&p);
}

/* Destroying the runtimes while node 2's link holds a frame leaks nothing
 * (AddressSanitizer checks) and does not crash. */
static void test_destroy_while_paused(void **state)
{
    (void)state;
    pair_t p;
    pair_open(&p, KIND_UNIX);
    consumer_t cons = {0};
    actor_id_t c = actor_spawn(p.rt2, consumer, &cons, NULL, 2);
    unsigned char buf[FLOOD_SIZE] = {0};
    for (int i = 0; i < 8; i++)
        assert_true(actor_send(p.rt1, c, T_DATA, buf, sizeof buf));
    read_on_node2(&p);
    assert_int_equal(cons.received, 0);
    pair_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slow_consumer_gets_all_in_order_over_tcp),
        cmocka_unit_test(test_slow_consumer_gets_all_in_order_over_unix),
        cmocka_unit_test(test_link_recovers_without_drops_over_tcp),
        cmocka_unit_test(test_link_recovers_without_drops_over_unix),
        cmocka_unit_test(test_kept_frame_for_stopped_actor_is_dropped_and_link_reads_on),
        cmocka_unit_test(test_destroy_while_paused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
