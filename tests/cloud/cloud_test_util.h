/* cloud_test_util.h -- helpers of the cloud tests: the local Worker
 * (wrangler dev through worker.sh) on a free 127.0.0.1 port, a runtime with
 * the namespace and a cf_proxy, and a client actor whose replies a test
 * waits for (bounded: a missing reply fails the test, no timing asserted). */
#ifndef MK_CLOUD_TEST_UTIL_H
#define MK_CLOUD_TEST_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "microkernel/actor.h"
#include "microkernel/cf_proxy.h"
#include "microkernel/namespace.h"
#include "microkernel/runtime.h"

typedef struct {
    msg_type_t type;
    size_t len;
    char *data; /* NUL-terminated copy */
} cloud_reply_t;

#define CLOUD_REPLIES 64
typedef struct {
    cloud_reply_t r[CLOUD_REPLIES];
    size_t head, tail;
} cloud_inbox_t;

/* A message of this type to the client carries (uint32 type, actor_id_t
 * target, bytes): the client sends them on, so replies come back to it. */
#define CLOUD_FWD 0x7000u

static bool cloud_client(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    cloud_inbox_t *q = state;
    if (msg->type == CLOUD_FWD && msg->source == ACTOR_ID_INVALID) {
        uint32_t t;
        actor_id_t to;
        memcpy(&t, msg->payload, sizeof t);
        memcpy(&to, (const char *)msg->payload + 4, sizeof to);
        size_t hl = 4 + sizeof to;
        actor_send(rt, to, t, (const char *)msg->payload + hl, msg->payload_size - hl);
        return true;
    }
    if (q->tail - q->head >= CLOUD_REPLIES)
        return true;
    cloud_reply_t *r = &q->r[q->tail++ % CLOUD_REPLIES];
    r->type = msg->type;
    r->len = msg->payload_size;
    r->data = malloc(msg->payload_size + 1);
    if (msg->payload_size)
        memcpy(r->data, msg->payload, msg->payload_size);
    r->data[msg->payload_size] = '\0';
    return true;
}

static inline uint64_t cloud_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Run `rt` until the inbox has a reply (at most `bound_ms`: a hang guard). */
static inline cloud_reply_t *cloud_wait(runtime_t *rt, cloud_inbox_t *q, uint64_t bound_ms)
{
    uint64_t end = cloud_now_ms() + bound_ms;
    while (q->head == q->tail && cloud_now_ms() < end) {
        runtime_step(rt);
        if (q->head == q->tail)
            usleep(500);
    }
    if (q->head == q->tail)
        fail_msg("no reply within %llu ms", (unsigned long long)bound_ms);
    return &q->r[q->head++ % CLOUD_REPLIES];
}

/* Have `client` send `len` bytes at `p` as message `type` to `target`. */
static inline void cloud_send(runtime_t *rt, actor_id_t client, actor_id_t target, uint32_t type,
                              const void *p, size_t len)
{
    size_t hl = 4 + sizeof target;
    char *buf = malloc(len + hl);
    memcpy(buf, &type, 4);
    memcpy(buf + 4, &target, sizeof target);
    if (len)
        memcpy(buf + hl, p, len);
    assert_true(actor_send(rt, client, CLOUD_FWD, buf, len + hl));
    free(buf);
}

#define cloud_send_str(rt, c, t, type, s) cloud_send(rt, c, t, type, s, strlen(s))

/* Drive `rt` for about `ms` milliseconds (lets a connection come up). */
static inline void cloud_pump(runtime_t *rt, uint64_t ms)
{
    uint64_t end = cloud_now_ms() + ms;
    while (cloud_now_ms() < end) {
        runtime_step(rt);
        usleep(500);
    }
}

static inline void cloud_inbox_clear(cloud_inbox_t *q)
{
    for (size_t i = 0; i < CLOUD_REPLIES; i++) {
        free(q->r[i].data);
        q->r[i].data = NULL;
    }
    q->head = q->tail = 0;
}

#define assert_reply(r, want_type, want_text)                                                      \
    do {                                                                                           \
        const cloud_reply_t *r_ = (r);                                                             \
        if (r_->type != (msg_type_t)(want_type) || strcmp(r_->data, (want_text)) != 0)             \
            fail_msg("reply type %u \"%.300s\", expected type %u \"%.300s\"", (unsigned)r_->type,  \
                     r_->data, (unsigned)(want_type), (want_text));                                \
    } while (0)

static inline int cloud_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    close(fd);
    return ntohs(a.sin_port);
}

/* worker.sh start/stop; state in `state_dir`. */
static inline bool cloud_worker_start(const char *state_dir, int port)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s start %s %s %d", CLOUD_WORKER_SH, CLOUD_WORKER_DIR, state_dir,
             port);
    return system(cmd) == 0;
}

static inline void cloud_worker_stop(const char *state_dir)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s stop %s", CLOUD_WORKER_SH, state_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cloud_worker_stop: worker.sh stop failed\n");
}

static inline void cloud_rmrf(const char *dir)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cloud_rmrf: cannot remove %s\n", dir);
}

#endif
