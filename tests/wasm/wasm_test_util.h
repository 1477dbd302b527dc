/*
 * wasm_test_util.h -- helpers shared by the WASM actor tests: module paths,
 * a native "probe" actor that sends on the test's behalf (so replies come
 * back to it) and records what it receives, a log capture, and an exit
 * recorder.
 */
#ifndef MK_WASM_TEST_UTIL_H
#define MK_WASM_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "core/runtime_internal.h"
#include "microkernel/actor.h"
#include "microkernel/error.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/supervision.h"
#include "microkernel/wasm_actor.h"

#define MODULE(name)  MK_WASM_MODULES_DIR "/" name
#define EXAMPLE(name) MK_WASM_EXAMPLES_DIR "/" name

#define assert_error_mentions(needle)                                                              \
    do {                                                                                           \
        const char *e_ = mk_last_error();                                                          \
        if (!strstr(e_, (needle)))                                                                 \
            fail_msg("mk_last_error() = \"%s\", expected it to mention \"%s\"", e_, (needle));     \
    } while (0)

/* Read a whole file (test helper: fails the test when it cannot). */
static inline uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* ---- the probe: sends for the test, records replies ---- */

#define MSG_PROBE_SEND 0x7000u /* payload: probe_cmd_t */
#define PROBE_MAX      4096

typedef struct {
    actor_id_t dest;
    msg_type_t type;
    uint32_t len;
    uint8_t data[256];
} probe_cmd_t;

typedef struct {
    msg_type_t type;
    actor_id_t source;
    size_t size;
    uint8_t data[64];
} probe_rec_t;

typedef struct {
    probe_rec_t recs[PROBE_MAX];
    size_t n;
    /* optional hook, called for each recorded message */
    void (*on_msg)(runtime_t *rt, void *ctx, const message_t *msg);
    void *ctx;
} probe_t;

static inline bool probe_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    probe_t *p = state;
    if (msg->type == MSG_PROBE_SEND && msg->source == ACTOR_ID_INVALID) {
        const probe_cmd_t *c = msg->payload;
        actor_send(rt, c->dest, c->type, c->len ? c->data : NULL, c->len);
        return true;
    }
    if (p->n < PROBE_MAX) {
        probe_rec_t *r = &p->recs[p->n++];
        r->type = msg->type;
        r->source = msg->source;
        r->size = msg->payload_size;
        if (msg->payload_size)
            memcpy(r->data, msg->payload, msg->payload_size < 64 ? msg->payload_size : 64);
    }
    if (p->on_msg)
        p->on_msg(rt, p->ctx, msg);
    return true;
}

/* Ask probe `probe` to send `type` with `len` bytes of `data` to `dest`. */
static inline void probe_send(runtime_t *rt, actor_id_t probe, actor_id_t dest, msg_type_t type,
                              const void *data, uint32_t len)
{
    probe_cmd_t c;
    memset(&c, 0, sizeof c);
    c.dest = dest;
    c.type = type;
    c.len = len;
    if (len)
        memcpy(c.data, data, len);
    assert_true(actor_send(rt, probe, MSG_PROBE_SEND, &c, sizeof c));
}

/* The first record of `type`, or NULL. */
static inline const probe_rec_t *probe_find(const probe_t *p, msg_type_t type)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->recs[i].type == type)
            return &p->recs[i];
    return NULL;
}

static inline int32_t rec_i32(const probe_rec_t *r, size_t index)
{
    int32_t v;
    memcpy(&v, r->data + 4 * index, 4);
    return v;
}

/* ---- log capture ---- */

typedef struct {
    char text[8192];
} log_capture_t;

static inline void capture_sink(const char *line, void *ctx)
{
    log_capture_t *c = ctx;
    size_t n = strlen(c->text);
    snprintf(c->text + n, sizeof c->text - n, "%s\n", line);
}

/* ---- exits ---- */

typedef struct {
    actor_id_t id[64];
    int reason[64];
    size_t n;
} exits_t;

static inline void record_exit(runtime_t *rt, void *ctx, actor_id_t id, int reason)
{
    (void)rt;
    exits_t *e = ctx;
    if (e->n < 64) {
        e->id[e->n] = id;
        e->reason[e->n++] = reason;
    }
}

static inline int exit_reason_of(const exits_t *e, actor_id_t id)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->id[i] == id)
            return e->reason[i];
    return -1;
}

/* Run the loop with non-blocking polls until `*flag` or `ms` elapse. */
#include <time.h>
static inline void run_until(runtime_t *rt, volatile int *flag, int ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (flag && *flag)
            return;
        runtime_step(rt);
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > ms)
            return;
    }
}

#endif
