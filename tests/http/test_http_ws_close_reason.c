/*
 * test_http_ws_close_reason.c -- actor_ws_close cuts a reason longer than
 * the 123 bytes a close frame holds (RFC 6455 5.5) after its last whole
 * UTF-8 character, never inside one (a split character is invalid UTF-8
 * and the peer would fail the connection, RFC 6455 8.1). A raw client on
 * 127.0.0.1 reads the close frame our server sends and checks its bytes.
 * The runtime runs on its own thread.
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

#include "http/ws_frame.h"
#include "microkernel/error.h"
#include "peer.h"
#include "rawsock.h"
#include "rt_thread.h"

#define MSG_START 0x600
#define CODE      4001

typedef struct {
    size_t ascii;     /* leading 'a' bytes */
    const char *tail; /* then this (UTF-8 or not) */
    size_t sent;      /* reason bytes that must be on the wire; SIZE_MAX: call refused */
} reason_case_t;

static const reason_case_t cases[] = {
    {122, "\xc3\xa9", 122},         /* 2-byte character across the limit */
    {121, "\xc3\xa9", 123},         /* ... ending exactly at it */
    {121, "\xe2\x82\xac", 121},     /* 3-byte character across it */
    {122, "\xe2\x82\xac", 122},     /* ... starting at byte 122 */
    {120, "\xf0\x9f\x98\x80", 120}, /* 4-byte character across it */
    {119, "\xf0\x9f\x98\x80", 123}, /* ... ending at it */
    {123, "bcd", 123},              /* ASCII: a plain cut */
    {0, "", 0},                     /* no reason */
    {10, "\xc3\x28", SIZE_MAX},     /* invalid UTF-8 inside the sent part */
};
#define N_CASES (sizeof cases / sizeof cases[0])

static atomic_int port;
static atomic_int result[N_CASES]; /* 1 accepted, -1 refused */
static char errors[N_CASES][256];
static rt_thread_t rtt; /* the runtime and its thread */

static void make_reason(const reason_case_t *c, char *buf)
{
    memset(buf, 'a', c->ascii);
    strcpy(buf + c->ascii, c->tail);
}

/* "/close/<n>": accept and close at once with case n's reason. */
static bool server(runtime_t *r, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == MSG_START) {
        if (actor_http_listen(r, 0))
            atomic_store(&port, http_listen_port(r));
        actor_set_timer(r, 20, true);
    } else if (msg->type == MSG_TIMER) {
        if (rt_thread_quitting(&rtt))
            runtime_stop(r);
    } else if (msg->type == MSG_HTTP_REQUEST) {
        const http_request_payload_t *p = msg->payload;
        unsigned n = (unsigned)atoi(http_request_path(p) + 7);
        if (n >= N_CASES || !actor_ws_accept(r, p->conn_id))
            return true;
        char reason[256];
        make_reason(&cases[n], reason);
        bool ok = actor_ws_close(r, p->conn_id, CODE, reason);
        snprintf(errors[n], sizeof errors[n], "%s", ok ? "" : mk_last_error());
        if (!ok)
            actor_http_close(r, p->conn_id);
        atomic_store(&result[n], ok ? 1 : -1);
    }
    return true;
}

static int setup(void **state)
{
    runtime_t *rt = runtime_init(1, 64);
    actor_id_t a = actor_spawn(rt, server, NULL, NULL, 64);
    assert_true(a != ACTOR_ID_INVALID);
    actor_send(rt, a, MSG_START, NULL, 0);
    rt_thread_start(&rtt, rt);
    *state = &rtt; /* for rt_thread_teardown */
    assert_true(rt_thread_wait_port(&port, 5000));
    return 0;
}

static void test_close_reason_cut(void **state)
{
    (void)state;
    for (size_t n = 0; n < N_CASES; n++) {
        const reason_case_t *c = &cases[n];
        char reason[256], path[32];
        make_reason(c, reason);
        snprintf(path, sizeof path, "/close/%zu", n);
        int fd = raw_connect((uint16_t)atomic_load(&port), 0);
        raw_buf_t b = {0};
        size_t pos = raw_ws_upgrade(fd, path, &b);
        for (int i = 0; i < 500 && !atomic_load(&result[n]); i++)
            usleep(10000);
        if (c->sent == SIZE_MAX) {
            if (atomic_load(&result[n]) != -1)
                fail_msg("case %zu: an invalid reason was accepted", n);
            assert_non_null(strstr(errors[n], "not valid UTF-8"));
            raw_buf_free(&b);
            close(fd);
            continue;
        }
        if (atomic_load(&result[n]) != 1)
            fail_msg("case %zu (%zu ASCII + %zu bytes): actor_ws_close refused: %s", n, c->ascii,
                     strlen(c->tail), errors[n]);
        raw_frame_t f;
        while (!raw_ws_frame(b.data + pos, b.len - pos, &f))
            if (raw_read_some(fd, &b, 5000) <= 0)
                fail_msg("case %zu: no close frame arrived", n);
        if (f.opcode != WS_OP_CLOSE || f.len != 2 + c->sent)
            fail_msg("case %zu (%zu ASCII + %zu bytes): opcode %u with %zu reason bytes, want "
                     "close with %zu",
                     n, c->ascii, strlen(c->tail), f.opcode, f.len - 2, c->sent);
        assert_int_equal((f.payload[0] << 8) | f.payload[1], CODE);
        assert_memory_equal(f.payload + 2, reason, c->sent);
        assert_true(ws_utf8_valid(f.payload + 2, c->sent));
        raw_buf_free(&b);
        close(fd);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_reason_cut),
    };
    return cmocka_run_group_tests(tests, setup, rt_thread_teardown);
}
