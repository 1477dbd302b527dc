/* hw_test_util.h -- helpers of the hardware actor tests: a runtime with the
 * namespace installed, a client actor that collects replies, requests that
 * wait for their reply by running the loop (bounded by a message count,
 * never by elapsed time), and reply assertions that print both sides. */
#ifndef MK_HW_TEST_UTIL_H
#define MK_HW_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/runtime_internal.h"
#include "microkernel/error.h"
#include "microkernel/namespace.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"

#define HW_REPLIES 256

typedef struct {
    msg_type_t type;
    actor_id_t source;
    size_t len;
    char data[1100]; /* NUL-terminated copy (payloads here are <= 1 KiB) */
} hw_reply_t;

typedef struct {
    hw_reply_t r[HW_REPLIES];
    size_t head, tail;
} hw_replies_t;

static hw_replies_t g_hw_replies;

static bool hw_client_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)state;
    hw_replies_t *q = &g_hw_replies;
    if (q->tail - q->head >= HW_REPLIES)
        return true;
    hw_reply_t *r = &q->r[q->tail % HW_REPLIES];
    r->type = msg->type;
    r->source = msg->source;
    r->len = msg->payload_size < sizeof r->data - 1 ? msg->payload_size : sizeof r->data - 1;
    if (r->len)
        memcpy(r->data, msg->payload, r->len);
    r->data[r->len] = '\0';
    q->tail++;
    return true;
}

static inline actor_id_t hw_client(runtime_t *rt)
{
    memset(&g_hw_replies, 0, sizeof g_hw_replies);
    return actor_spawn(rt, hw_client_behavior, NULL, NULL, 256);
}

static inline size_t hw_pending(void)
{
    return g_hw_replies.tail - g_hw_replies.head;
}

/* Run the loop (I/O without waiting, then ready actors) `turns` times. */
static inline void hw_pump(runtime_t *rt, int turns)
{
    for (int t = 0; t < turns; t++) {
        mk_io_poll(rt, 0);
        for (int i = 0; i < 64; i++)
            runtime_step(rt);
    }
}

/* Run until `n` replies wait; fails after 2000 loop turns. */
static inline void hw_wait(runtime_t *rt, size_t n)
{
    for (int t = 0; t < 2000 && hw_pending() < n; t++) {
        mk_io_poll(rt, 1);
        for (int i = 0; i < 64; i++)
            runtime_step(rt);
    }
    if (hw_pending() < n)
        fail_msg("expected %zu replies, got %zu", n, hw_pending());
}

static inline hw_reply_t hw_take(void)
{
    assert_true(hw_pending() > 0);
    return g_hw_replies.r[g_hw_replies.head++ % HW_REPLIES];
}

/* Send `type` with `len` bytes from `from` to `to` and return the reply. */
static inline hw_reply_t hw_call(runtime_t *rt, actor_id_t from, actor_id_t to, msg_type_t type,
                                 const void *payload, size_t len)
{
    if (!mk_send_from(rt, from, to, type, payload, len))
        fail_msg("send 0x%08x failed: %s", type, mk_last_error());
    hw_wait(rt, 1);
    return hw_take();
}

/* A request with a text payload. */
static inline hw_reply_t hw_call_text(runtime_t *rt, actor_id_t from, actor_id_t to,
                                      msg_type_t type, const char *text)
{
    return hw_call(rt, from, to, type, text, strlen(text));
}

/* Assert a reply's type and exact payload text (errors: no NUL). */
#define assert_hw_reply(r, want_type, want_text)                                                   \
    do {                                                                                           \
        hw_reply_t r_ = (r);                                                                       \
        const char *w_ = (want_text);                                                              \
        if (r_.type != (want_type) || r_.len != strlen(w_) || memcmp(r_.data, w_, r_.len) != 0)    \
            fail_msg("reply type 0x%08x payload \"%s\" (%zu bytes); expected 0x%08x \"%s\"",       \
                     r_.type, r_.data, r_.len, (unsigned)(want_type), w_);                         \
    } while (0)

/* Assert that nothing (more) arrives within a few loop turns. */
static inline void hw_assert_silent(runtime_t *rt)
{
    hw_pump(rt, 20);
    if (hw_pending())
        fail_msg("unexpected message type 0x%08x \"%s\"", g_hw_replies.r[g_hw_replies.head].type,
                 g_hw_replies.r[g_hw_replies.head].data);
}

/* A runtime with the namespace's path table installed. */
static inline runtime_t *hw_runtime(void)
{
    runtime_t *rt = runtime_init(1, 64);
    assert_non_null(rt);
    assert_true(ns_install(rt));
    return rt;
}

#endif
