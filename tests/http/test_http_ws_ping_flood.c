/*
 * test_http_ws_ping_flood.c -- regression for issue 13 "Exhaustion": a
 * WebSocket client that floods pings and never reads grew the server to
 * 4.37 GB, because every automatic pong was queued whatever the output
 * limit. Now pongs count against the limit and only the latest pending one
 * is kept (RFC 6455 5.5.3). A raw client with a 4 KiB receive buffer sends
 * 100000 pings without reading; the server's unsent output for it, read
 * through http_conn_stats (a counter, not RSS), never passes the limit, a
 * second client is still served, and once the flooder reads, the last pong
 * it gets answers its last ping. The runtime runs on its own thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "microkernel/error.h"
#include "peer.h"
#include "rawsock.h"
#include "rt_thread.h"

#define MSG_START 0x500
#define LIMIT     (64u * 1024) /* http_set_max_output for the server */
#define N_PINGS   100000       /* ~13 MB of pings, ~12.7 MB of pongs if all were queued */
#define PING_LEN  125          /* the largest control payload (RFC 6455 5.5) */

typedef struct {
    atomic_int port;           /* our server */
    atomic_uint ws_conn;       /* the flooder's connection id */
    atomic_ullong pings;       /* http_conn_stats: pings received */
    atomic_ullong replaced;    /* http_conn_stats: pongs replaced */
    atomic_size_t peak;        /* http_conn_stats: unsent_peak */
    atomic_size_t limit;       /* http_conn_stats: limit */
    atomic_int plain_requests; /* "/ok" requests answered */
    rt_fail_t fail;            /* first unexpected result in the actor */
} shared_t;

static shared_t sh;
static rt_thread_t rtt;

static bool server(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    switch (msg->type) {
    case MSG_START:
        http_set_max_output(r, LIMIT);
        if (!actor_http_listen(r, 0))
            rt_fail_once(&sh.fail, "listen: %s", mk_last_error());
        atomic_store(&sh.port, http_listen_port(r));
        actor_set_timer(r, 10, true);
        break;
    case MSG_TIMER: {
        if (rt_thread_quitting(&rtt)) {
            runtime_stop(r);
            break;
        }
        http_conn_id_t id = atomic_load(&sh.ws_conn);
        http_conn_stats_t st;
        if (id && http_conn_stats(r, id, &st)) {
            atomic_store(&sh.pings, st.ws_pings);
            atomic_store(&sh.replaced, st.ws_pongs_replaced);
            atomic_store(&sh.peak, st.unsent_peak);
            atomic_store(&sh.limit, st.limit);
        }
        break;
    }
    case MSG_HTTP_REQUEST: {
        const http_request_payload_t *p = msg->payload;
        if (strcmp(http_request_path(p), "/ws") == 0) {
            if (!actor_ws_accept(r, p->conn_id))
                rt_fail_once(&sh.fail, "ws_accept: %s", mk_last_error());
            atomic_store(&sh.ws_conn, p->conn_id);
        } else if (actor_http_respond(r, p->conn_id, 200, NULL, 0, "ok", 2)) {
            atomic_fetch_add(&sh.plain_requests, 1);
        } else {
            rt_fail_once(&sh.fail, "respond: %s", mk_last_error());
        }
        break;
    }
    default: break;
    }
    return true;
}

/* Ping `i` as a masked client frame (RFC 6455 5.3) into `out` (131 bytes). */
static size_t ping_frame(int i, uint8_t *out)
{
    uint8_t payload[PING_LEN];
    memset(payload, '.', sizeof payload);
    snprintf((char *)payload, sizeof payload, "ping %08d", i);
    payload[13] = '.'; /* snprintf's NUL */
    static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    out[0] = 0x89; /* FIN + ping */
    out[1] = 0x80 | PING_LEN;
    memcpy(out + 2, key, 4);
    for (int k = 0; k < PING_LEN; k++)
        out[6 + k] = payload[k] ^ key[k % 4];
    return 6 + PING_LEN;
}

static void wait_pings(unsigned long long n)
{
    for (int i = 0; i < 6000 && atomic_load(&sh.pings) < n && !atomic_load(&sh.fail.failed); i++)
        usleep(10000);
    if (atomic_load(&sh.fail.failed))
        fail_msg("%s", sh.fail.text);
    if (atomic_load(&sh.pings) < n)
        fail_msg("the server saw %llu of %llu pings within 60 s", atomic_load(&sh.pings), n);
}

static void test_ping_flood_keeps_output_bounded(void **state)
{
    (void)state;
    memset(&sh, 0, sizeof sh);
    runtime_t *rt = runtime_init(1, 64);
    actor_id_t a = actor_spawn(rt, server, NULL, NULL, 256);
    assert_true(a != ACTOR_ID_INVALID);
    actor_send(rt, a, MSG_START, NULL, 0);
    rt_thread_start(&rtt, rt);
    assert_true(rt_thread_wait_port(&sh.port, 5000));
    uint16_t port = (uint16_t)atomic_load(&sh.port);

    int fd = raw_connect(port, 4096);
    raw_buf_t b = {0};
    size_t head = raw_ws_upgrade(fd, "/ws", &b);

    /* The flood, in batches; the client never reads meanwhile. */
    enum { BATCH = 500 };
    uint8_t *buf = malloc(BATCH * (6 + PING_LEN));
    assert_non_null(buf);
    for (int i = 0; i < N_PINGS; i += BATCH) {
        size_t n = 0;
        for (int k = 0; k < BATCH; k++)
            n += ping_frame(i + k, buf + n);
        raw_send(fd, buf, n);
    }
    free(buf);
    wait_pings(N_PINGS); /* the stats were read after the last ping */

    size_t peak = atomic_load(&sh.peak);
    printf("# %d pings: unsent peak %zu bytes (limit %zu), %llu pongs replaced\n", N_PINGS, peak,
           atomic_load(&sh.limit), atomic_load(&sh.replaced));
    assert_int_equal(atomic_load(&sh.limit), LIMIT);
    if (peak > LIMIT)
        fail_msg("the server queued %zu unsent bytes for a client that does not read (limit %u)",
                 peak, LIMIT);
    assert_true(atomic_load(&sh.replaced) > 0);

    /* Another client is still served. */
    int other = raw_connect(port, 0);
    const char req[] = "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    raw_send(other, req, sizeof req - 1);
    raw_buf_t ob = {0};
    if (!raw_read_until(other, &ob, "\r\n\r\nok", 10000))
        fail_msg("the second client got no answer (%zu bytes)", ob.len);
    assert_memory_equal(ob.data, "HTTP/1.1 200 ", 13);
    raw_buf_free(&ob);
    close(other);

    /* The flooder reads now: pongs in order, the last one for the last ping. */
    char last[16];
    snprintf(last, sizeof last, "ping %08d", N_PINGS - 1);
    size_t off = head;
    int pongs = 0, prev = -1;
    bool got_last = false;
    while (!got_last) {
        raw_frame_t f;
        while (!got_last && raw_ws_frame(b.data + off, b.len - off, &f)) {
            if (f.opcode != 0x0A || f.len != PING_LEN)
                fail_msg("frame opcode %u, %zu bytes: want pongs of %d bytes", f.opcode, f.len,
                         PING_LEN);
            int idx = atoi((const char *)f.payload + 5);
            if (idx <= prev)
                fail_msg("pong for ping %d after the one for ping %d", idx, prev);
            prev = idx;
            pongs++;
            got_last = memcmp(f.payload, last, strlen(last)) == 0;
            off += f.size;
        }
        if (!got_last && raw_read_some(fd, &b, 10000) <= 0)
            fail_msg("no pong for the last ping (%d pongs read, last for ping %d)", pongs, prev);
    }
    printf("# %d pongs for %d pings\n", pongs, N_PINGS);
    assert_true(pongs < N_PINGS);
    raw_buf_free(&b);
    close(fd);
    assert_int_equal(atomic_load(&sh.plain_requests), 1);
    if (atomic_load(&sh.fail.failed))
        fail_msg("%s", sh.fail.text);
    rt_thread_stop(&rtt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping_flood_keeps_output_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
