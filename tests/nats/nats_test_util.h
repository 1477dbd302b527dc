/*
 * nats_test_util.h -- helpers of the NATS tests: runtimes attached to one
 * server, pumped on the test's thread, and actors that count what arrives.
 */
#ifndef MK_TESTS_NATS_UTIL_H
#define MK_TESTS_NATS_UTIL_H

#include <nats/nats.h>
#include <string.h>
#include <time.h>

#include "microkernel/message.h"
#include "microkernel/nats.h"
#include "microkernel/runtime.h"
#include "nats_server.h"

enum { T_DATA = 100, T_REPLY = 101 };

typedef struct {
    int got; /* T_DATA messages handled */
    actor_id_t last_source;
    msg_type_t last_type;
    char last[64]; /* the last payload, as text */
    bool reply;    /* answer T_DATA with T_REPLY to the source */
} sink_t;

static inline bool sink_fn(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    sink_t *s = state;
    if (msg->type == T_DATA || msg->type == T_REPLY) {
        s->got++;
        s->last_source = msg->source;
        s->last_type = msg->type;
        size_t n = msg->payload_size < sizeof s->last - 1 ? msg->payload_size : sizeof s->last - 1;
        memcpy(s->last, msg->payload ? msg->payload : "", n);
        s->last[n] = '\0';
        if (s->reply && msg->type == T_DATA)
            actor_send(rt, msg->source, T_REPLY, msg->payload, msg->payload_size);
    }
    return true;
}

static inline double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The *_evloop variants of the tests (tests/nats/CMakeLists.txt) run the
 * same code with the data connection driven by the runtime's loop
 * (mk_nats_config_t.event_loop). */
static inline bool test_event_loop(void)
{
    return getenv("MK_NATS_TEST_EVENT_LOOP") != NULL;
}

typedef bool (*until_fn)(void *ctx);

/* Step every runtime until `done(ctx)` or a 20 s safety limit (a hang
 * guard, not a timing assertion). Returns done(ctx). */
static inline bool pump(runtime_t **rts, size_t n, until_fn done, void *ctx)
{
    double end = mono_s() + 20.0;
    while (!done(ctx) && mono_s() < end) {
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < 64; k++)
                runtime_step(rts[i]);
        usleep(200);
    }
    return done(ctx);
}

static inline bool attach(runtime_t *rt, const char *url)
{
    mk_nats_config_t cfg = {
        .servers = url, .reconnect_wait_ms = 100, .event_loop = test_event_loop()};
    bool ok = runtime_attach_nats(rt, &cfg);
    if (!ok)
        fprintf(stderr, "attach node %u: %s\n", runtime_node_id(rt), mk_last_error());
    return ok;
}

#endif
