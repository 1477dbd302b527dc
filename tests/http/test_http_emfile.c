/*
 * test_http_emfile.c -- regression for issue 13 "Exhaustion": at fd
 * exhaustion (EMFILE) the HTTP server busy-looped at 54 % CPU, because the
 * listener stayed readable and accept4() was retried at once, for ever.
 * Now the listener is disarmed until a descriptor is freed. The test fills
 * the process's descriptor table (a lowered RLIMIT_NOFILE and dup()), has a
 * client connect, and checks with the listener's counters -- not with time
 * or CPU use -- that accept4() is not called while the listener is paused
 * (at most once per re-arm), then that service resumes when another
 * connection closes and frees a descriptor.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "microkernel/error.h"
#include "peer.h"
#include "rawsock.h"
#include "rt_thread.h"

#define MSG_START 0x500
#define MAX_DUPS  4096

typedef struct {
    atomic_int port;            /* our server */
    atomic_ullong ticks;        /* timer ticks of the server actor (loop turns) */
    atomic_ullong accept_calls; /* http_listener_stats, published every tick */
    atomic_ullong accepted;
    atomic_ullong pauses;
    atomic_ullong resumes;
    atomic_bool paused;
    atomic_ullong answered; /* requests answered */
    rt_fail_t fail;
} shared_t;

static shared_t sh;
static rt_thread_t rtt;

static bool server(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    switch (msg->type) {
    case MSG_START:
        if (!actor_http_listen(r, 0))
            rt_fail_once(&sh.fail, "listen: %s", mk_last_error());
        actor_set_timer(r, 10, true);
        atomic_store(&sh.port, http_listen_port(r));
        break;
    case MSG_TIMER: {
        if (rt_thread_quitting(&rtt)) {
            runtime_stop(r);
            break;
        }
        http_listener_stats_t st;
        if (!http_listener_stats(r, (uint16_t)atomic_load(&sh.port), &st)) {
            rt_fail_once(&sh.fail, "http_listener_stats: %s", mk_last_error());
            break;
        }
        /* The counters first, the tick last: a reader that saw tick n sees them. */
        atomic_store(&sh.accept_calls, st.accept_calls);
        atomic_store(&sh.accepted, st.accepted);
        atomic_store(&sh.pauses, st.pauses);
        atomic_store(&sh.resumes, st.resumes);
        atomic_store(&sh.paused, st.paused);
        atomic_fetch_add(&sh.ticks, 1);
        break;
    }
    case MSG_HTTP_REQUEST: {
        const http_request_payload_t *p = msg->payload;
        if (actor_http_respond(r, p->conn_id, 200, NULL, 0, "ok", 2))
            atomic_fetch_add(&sh.answered, 1);
        else
            rt_fail_once(&sh.fail, "respond: %s", mk_last_error());
        break;
    }
    default: break;
    }
    return true;
}

/* Wait until the server's ticks passed `n` more (the loop turned). */
static void wait_ticks(unsigned long long n)
{
    unsigned long long until = atomic_load(&sh.ticks) + n;
    for (int i = 0; i < 3000 && atomic_load(&sh.ticks) < until; i++)
        usleep(10000);
    if (atomic_load(&sh.fail.failed))
        fail_msg("%s", sh.fail.text);
    if (atomic_load(&sh.ticks) < until)
        fail_msg("the server's timer stopped ticking");
}

static void wait_true(atomic_ullong *v, unsigned long long at_least, const char *what)
{
    for (int i = 0; i < 3000 && atomic_load(v) < at_least; i++)
        usleep(10000);
    if (atomic_load(v) < at_least)
        fail_msg("%s: %llu, want >= %llu within 30 s", what, atomic_load(v), at_least);
}

static void test_emfile_pauses_the_listener_and_resumes(void **state)
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

    /* Connection A is accepted while descriptors remain. */
    int ca = raw_connect(port, 0);
    wait_true(&sh.accepted, 1, "accepted before the exhaustion");

    /* Client B's socket exists before the table is full: connect needs no new fd. */
    int cb = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(cb >= 0);

    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    struct rlimit low = old;
    if (low.rlim_cur > 256)
        low.rlim_cur = 256; /* a small table to fill */
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    static int dups[MAX_DUPS];
    int n_dups = 0;
    for (;;) {
        int d = dup(0);
        if (d < 0) {
            assert_int_equal(errno, EMFILE);
            break;
        }
        assert_true(n_dups < MAX_DUPS);
        dups[n_dups++] = d;
    }

    wait_ticks(2);
    unsigned long long calls_before = atomic_load(&sh.accept_calls);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(cb, (struct sockaddr *)&sa, sizeof sa), 0);
    const char req[] = "GET /b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    raw_send(cb, req, sizeof req - 1);

    /* accept4 is tried for B and fails with EMFILE. */
    wait_true(&sh.accept_calls, calls_before + 1, "accept4() calls after B connected");
    wait_ticks(2);
    unsigned long long calls0 = atomic_load(&sh.accept_calls);
    unsigned long long resumes0 = atomic_load(&sh.resumes);
    wait_ticks(30); /* 30 turns of the server's loop while B waits */
    unsigned long long calls1 = atomic_load(&sh.accept_calls);
    unsigned long long resumes1 = atomic_load(&sh.resumes);
    printf("# paused: %llu accept4() calls and %llu re-arms over 30 ticks\n", calls1 - calls0,
           resumes1 - resumes0);
    /* No spinning: accept4 runs only once per re-arm (the last one may be
     * counted before its call). */
    if (calls1 - calls0 > resumes1 - resumes0 + 1)
        fail_msg("%llu accept4() calls with %llu re-arms while out of descriptors", calls1 - calls0,
                 resumes1 - resumes0);
    assert_int_equal(atomic_load(&sh.accepted), 1);
    /* ... because the listener is disarmed, not retried. */
    assert_true(atomic_load(&sh.pauses) >= 1);

    /* A is answered and closed by the server: a descriptor is free, B gets in. */
    const char req_a[] = "GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    raw_send(ca, req_a, sizeof req_a - 1);
    raw_buf_t ba = {0}, bb = {0};
    if (!raw_read_until(ca, &ba, "\r\n\r\nok", 10000))
        fail_msg("A got no answer (%zu bytes)", ba.len);
    if (!raw_read_until(cb, &bb, "\r\n\r\nok", 10000))
        fail_msg("B got no answer after A's connection closed (%zu bytes)", bb.len);
    assert_memory_equal(ba.data, "HTTP/1.1 200 ", 13);
    assert_memory_equal(bb.data, "HTTP/1.1 200 ", 13);
    raw_buf_free(&ba);
    raw_buf_free(&bb);
    wait_true(&sh.accepted, 2, "accepted after the resume");
    assert_true(atomic_load(&sh.resumes) >= 1);

    for (int i = 0; i < n_dups; i++)
        close(dups[i]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    close(ca);
    close(cb);

    /* And the listener works as before. */
    int cc = raw_connect(port, 0);
    raw_send(cc, req, sizeof req - 1);
    raw_buf_t bc = {0};
    if (!raw_read_until(cc, &bc, "\r\n\r\nok", 10000))
        fail_msg("C got no answer (%zu bytes)", bc.len);
    raw_buf_free(&bc);
    close(cc);
    wait_true(&sh.answered, 3, "requests answered"); /* counted just after the write */
    if (atomic_load(&sh.fail.failed))
        fail_msg("%s", sh.fail.text);
    rt_thread_stop(&rtt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emfile_pauses_the_listener_and_resumes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
