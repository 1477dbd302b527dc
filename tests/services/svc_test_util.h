/* svc_test_util.h -- helpers shared by the node services tests: a client
 * actor that records every reply, a loop pump with a deadline, temporary
 * data directories and child node processes (svc_test_node). */
#ifndef MK_SVC_TEST_UTIL_H
#define MK_SVC_TEST_UTIL_H

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/runtime_internal.h"
#include "microkernel/actor.h"
#include "microkernel/node_services.h"
#include "microkernel/runtime.h"

#define assert_error_mentions(needle)                                                              \
    do {                                                                                           \
        const char *e_ = mk_last_error();                                                          \
        if (!strstr(e_, (needle)))                                                                 \
            fail_msg("mk_last_error() = \"%s\", expected it to mention \"%s\"", e_, (needle));     \
    } while (0)

#define REPLY_MAX (70 * 1024)

/* The mount cookie svc_test_node uses unless told otherwise; in-process
 * nodes that mount it set services_config_t.cookie to it. */
#define SVC_TEST_COOKIE "svc-test-cookie"
#define REPLIES         512

typedef struct {
    msg_type_t type;
    actor_id_t source;
    size_t len;
    char *data; /* NUL-terminated copy */
} reply_t;

typedef struct {
    reply_t r[REPLIES];
    size_t head, tail; /* taken, received */
} replies_t;

static replies_t g_replies;

static bool client_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)state;
    replies_t *q = &g_replies;
    if (q->tail - q->head >= REPLIES)
        return true;
    reply_t *r = &q->r[q->tail % REPLIES];
    r->type = msg->type;
    r->source = msg->source;
    r->len = msg->payload_size;
    r->data = malloc(msg->payload_size + 1);
    if (msg->payload_size)
        memcpy(r->data, msg->payload, msg->payload_size);
    r->data[msg->payload_size] = '\0';
    q->tail++;
    return true;
}

static inline actor_id_t client_spawn(runtime_t *rt)
{
    for (size_t i = g_replies.head; i < g_replies.tail; i++)
        free(g_replies.r[i % REPLIES].data);
    memset(&g_replies, 0, sizeof g_replies);
    return actor_spawn(rt, client_behavior, NULL, NULL, 1024);
}

static inline uint64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Run the loop until `n` replies are waiting or `ms` pass; true if they are. */
static inline bool pump_replies(runtime_t *rt, size_t n, unsigned ms)
{
    uint64_t end = ms_now() + ms;
    while (g_replies.tail - g_replies.head < n && ms_now() < end) {
        mk_io_poll(rt, 1);
        for (int i = 0; i < 256; i++)
            runtime_step(rt);
    }
    return g_replies.tail - g_replies.head >= n;
}

/* Run the loop for `ms` milliseconds. */
static inline void pump_for(runtime_t *rt, unsigned ms)
{
    uint64_t end = ms_now() + ms;
    while (ms_now() < end) {
        mk_io_poll(rt, 1);
        for (int i = 0; i < 256; i++)
            runtime_step(rt);
    }
}

/* Run the loop until cond(rt) or `ms` pass. */
static inline bool pump_until(runtime_t *rt, bool (*cond)(runtime_t *), unsigned ms)
{
    uint64_t end = ms_now() + ms;
    while (!cond(rt) && ms_now() < end) {
        mk_io_poll(rt, 1);
        for (int i = 0; i < 256; i++)
            runtime_step(rt);
    }
    return cond(rt);
}

/* Take the oldest reply (the caller frees ->data with reply_free). */
static inline reply_t take_reply(void)
{
    assert_true(g_replies.tail > g_replies.head);
    reply_t r = g_replies.r[g_replies.head % REPLIES];
    g_replies.head++;
    return r;
}

static inline void reply_free(reply_t *r)
{
    free(r->data);
    r->data = NULL;
}

/* Send from `from` (a client actor) and wait for one reply. */
static inline reply_t request(runtime_t *rt, actor_id_t from, actor_id_t to, msg_type_t type,
                              const void *payload, size_t len)
{
    assert_true(mk_send_from(rt, from, to, type, payload, len));
    if (!pump_replies(rt, 1, 5000))
        fail_msg("no reply to message 0x%08x within 5 s", type);
    return take_reply();
}

#define assert_reply(r, want_type, needle)                                                         \
    do {                                                                                           \
        if ((r).type != (want_type) || !strstr((r).data, (needle)))                                \
            fail_msg("reply type 0x%08x payload \"%s\"; expected 0x%08x containing \"%s\"",        \
                     (r).type, (r).data, (unsigned)(want_type), (needle));                         \
    } while (0)

/* A fresh temporary directory (freed by the caller with rm_rf). */
static inline char *temp_dir(void)
{
    char tmpl[] = "/tmp/mk-svc-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static inline void rm_rf(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    free(dir);
}

/* A child node process: stdin is a pipe (the node exits when it closes),
 * stdout is read line by line. */
typedef struct {
    pid_t pid;
    FILE *out; /* the node's stdout */
    int in_fd; /* write end of its stdin */
    uint16_t port;
    char key[96]; /* its node key ("KEY" line), "" if none */
} child_t;

/* Start svc_test_node with `args` (NULL-terminated) and wait for its
 * "PORT <n>" line. */
static inline child_t child_start(const char *const *args)
{
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    child_t c = {0};
    c.pid = fork();
    assert_true(c.pid >= 0);
    if (c.pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        const char *argv[32];
        size_t n = 0;
        argv[n++] = SVC_TEST_NODE;
        for (size_t i = 0; args[i] && n < 31; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        execv(SVC_TEST_NODE, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c.in_fd = in[1];
    c.out = fdopen(out[0], "r");
    char line[256];
    while (fgets(line, sizeof line, c.out)) {
        unsigned p;
        if (strncmp(line, "KEY ", 4) == 0)
            sscanf(line + 4, "%95s", c.key);
        if (sscanf(line, "PORT %u", &p) == 1) {
            c.port = (uint16_t)p;
            break;
        }
    }
    if (!c.port)
        fail_msg("child node did not report its port");
    return c;
}

/* Read lines from the child until one starts with `prefix` (copied to
 * `line`); false at EOF. */
static inline bool child_expect(child_t *c, const char *prefix, char *line, size_t len)
{
    while (fgets(line, (int)len, c->out))
        if (strncmp(line, prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

static inline void child_kill(child_t *c, int sig)
{
    if (c->pid <= 0)
        return;
    kill(c->pid, sig);
    waitpid(c->pid, NULL, 0);
    c->pid = 0;
    close(c->in_fd);
    fclose(c->out);
}

#endif
