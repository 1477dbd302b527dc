/*
 * test_http_sse_length.c -- an SSE stream framed with Content-Length
 * (actor_sse_connect) ends exactly at that length, however the body is
 * split across reads: the events up to there arrive, then MSG_SSE_CLOSED
 * (the client closes the connection itself; bytes past the length are not
 * parsed); a server that closes before the length is reached ends the
 * stream with MSG_HTTP_ERROR HTTP_ERR_CLOSED and the reason, after the
 * events that did arrive. The server is a raw socket in this test, writing
 * each body in two pieces 100 ms apart (the bug: the length was checked
 * per read, so a split body never ended, a short one ended "normally" and
 * bytes past the length were parsed).
 * The same for a chunked stream: one that ends with its last chunk ends
 * normally; one whose server closes before the last chunk is cut short,
 * and says so with HTTP_ERR_CLOSED (it used to end "normally").
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collector.h"
#include "rawsock.h"

#define N_CONNS 5

/* The body of every stream: two events; "extra" is sent past the length. */
static const char body[] = "data: one\n\nevent: two\ndata: 2\n\n";
static const char extra[] = "data: extra\n\n";
#define BODY_LEN  (sizeof body - 1)
#define SPLIT     5  /* the first piece of /exact and /short: "data:" */
#define SHORT_LEN 20 /* /short sends this much of the body, then closes */

static int lfd;
static atomic_bool client_closed_exact; /* /exact: our client closed first */
static atomic_bool client_closed_extra;
static atomic_bool client_closed_chunked;

static void send_head(int fd)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     BODY_LEN);
    raw_send(fd, head, (size_t)n);
}

/* Wait (up to 5 s) for the client to close; true when it did. */
static bool wait_client_close(int fd)
{
    raw_buf_t b = {0};
    long n;
    while ((n = raw_read_some(fd, &b, 5000)) > 0) {
    }
    raw_buf_free(&b);
    return n == 0;
}

/* A chunked event stream: the body in two chunks, then the last chunk
 * (`complete`) or a close without it. */
static void serve_chunked(int fd, bool complete)
{
    char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n";
    raw_send(fd, head, sizeof head - 1);
    char chunk[128];
    int n = snprintf(chunk, sizeof chunk, "%x\r\n%.*s\r\n", SPLIT, SPLIT, body);
    raw_send(fd, chunk, (size_t)n);
    usleep(100000);
    n = snprintf(chunk, sizeof chunk, "%zx\r\n%s\r\n", BODY_LEN - SPLIT, body + SPLIT);
    raw_send(fd, chunk, (size_t)n);
    if (complete) {
        raw_send(fd, "0\r\n\r\n", 5);
        atomic_store(&client_closed_chunked, wait_client_close(fd));
    } else {
        usleep(100000);
    }
    close(fd);
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    raw_buf_t b = {0};
    if (!raw_read_until(fd, &b, "\r\n\r\n", 5000)) {
        raw_buf_free(&b);
        close(fd); /* the client reports the failure */
        return NULL;
    }
    bool exact = memcmp(b.data, "GET /exact ", 11) == 0;
    bool more = memcmp(b.data, "GET /extra ", 11) == 0;
    bool chunked_done = memcmp(b.data, "GET /chunked-done ", 18) == 0;
    bool chunked_cut = memcmp(b.data, "GET /chunked-cut ", 17) == 0;
    raw_buf_free(&b);
    if (chunked_done || chunked_cut) {
        serve_chunked(fd, chunked_done);
        return NULL;
    }
    send_head(fd);
    /* /extra: all but the last byte, so the length ends inside the second
     * read, before the extra event. */
    size_t split = more ? BODY_LEN - 1 : SPLIT;
    raw_send(fd, body, split);
    usleep(100000); /* the rest arrives in another read */
    if (exact) {
        raw_send(fd, body + SPLIT, BODY_LEN - SPLIT);
        atomic_store(&client_closed_exact, wait_client_close(fd)); /* we never close first */
    } else if (more) {
        char rest[128];
        int n = snprintf(rest, sizeof rest, "%s%s", body + split, extra);
        raw_send(fd, rest, (size_t)n);
        atomic_store(&client_closed_extra, wait_client_close(fd));
    } else {
        raw_send(fd, body + SPLIT, SHORT_LEN - SPLIT);
        usleep(100000);
    }
    close(fd);
    return NULL;
}

static void *acceptor(void *arg)
{
    (void)arg;
    pthread_t t[N_CONNS];
    for (int i = 0; i < N_CONNS; i++)
        pthread_create(&t[i], NULL, serve, (void *)(intptr_t)raw_accept(lfd, 10000));
    for (int i = 0; i < N_CONNS; i++)
        pthread_join(t[i], NULL);
    return NULL;
}

static void test_sse_content_length(void **state)
{
    (void)state;
    uint16_t port;
    lfd = raw_listen(0, &port);
    pthread_t acc;
    pthread_create(&acc, NULL, acceptor, NULL);

    runtime_t *rt = runtime_init(1, 64);
    collector_t *c = calloc(1, sizeof *c);
    static const char *const paths[N_CONNS] = {"exact", "extra", "short", "chunked-done",
                                               "chunked-cut"};
    for (int i = 0; i < N_CONNS; i++) {
        c->req[i].method = "SSE";
        snprintf(c->req[i].url, sizeof c->req[i].url, "http://127.0.0.1:%u/%s", (unsigned)port,
                 paths[i]);
    }
    c->n = N_CONNS;
    collector_run(rt, c, 10000); /* a stream that never ends fails here */
    pthread_join(acc, NULL);
    close(lfd);

    for (int i = 0; i < 2; i++) {
        collect_res_t *r = &c->res[i];
        if (r->err_code || !r->sse_open || !r->sse_closed)
            fail_msg("/%s: error %d (%s), open %d, closed %d", paths[i], r->err_code, r->err,
                     r->sse_open, r->sse_closed);
        assert_string_equal(r->sse_log, "message=one;two=2;");
    }
    assert_true(atomic_load(&client_closed_exact));
    assert_true(atomic_load(&client_closed_extra));

    collect_res_t *s = &c->res[2];
    assert_true(s->sse_open);
    assert_true(s->sse_closed);
    assert_string_equal(s->sse_log, "message=one;"); /* the events before the cut */
    if (s->err_code != HTTP_ERR_CLOSED)
        fail_msg("/short: error %d (%s), want HTTP_ERR_CLOSED", s->err_code, s->err);
    char want[64];
    snprintf(want, sizeof want, "after %d of %zu body bytes", SHORT_LEN, BODY_LEN);
    printf("# /short: %s\n", s->err);
    if (!strstr(s->err, want) || !strstr(s->err, "closed the event stream"))
        fail_msg("/short: reason \"%s\" does not say \"%s\"", s->err, want);

    collect_res_t *d = &c->res[3];
    if (d->err_code || !d->sse_open || !d->sse_closed)
        fail_msg("/chunked-done: error %d (%s), open %d, closed %d", d->err_code, d->err,
                 d->sse_open, d->sse_closed);
    assert_string_equal(d->sse_log, "message=one;two=2;");
    assert_true(atomic_load(&client_closed_chunked));

    collect_res_t *x = &c->res[4];
    assert_true(x->sse_open);
    assert_true(x->sse_closed);
    assert_string_equal(x->sse_log, "message=one;two=2;"); /* every event before the cut */
    if (x->err_code != HTTP_ERR_CLOSED)
        fail_msg("/chunked-cut: error %d (%s), want HTTP_ERR_CLOSED", x->err_code, x->err);
    printf("# /chunked-cut: %s\n", x->err);
    if (!strstr(x->err, "before its last chunk"))
        fail_msg("/chunked-cut: reason \"%s\" does not say \"before its last chunk\"", x->err);
    collector_free(c);
    free(c);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sse_content_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
