/*
 * obs_fixture.c -- the live node of the observer tests (see obs_fixture.h):
 * its actors, its thread, and curl as the HTTP client.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/peer.h"
#include "http/rt_thread.h"
#include "microkernel/shell.h"
#include "microkernel/supervision.h"
#include "obs_fixture.h"

#define MSG_GO 0x600

obs_fixture_t fx;
static rt_thread_t rtt;

/* The supervised child: records ordinary messages, answers each with an
 * ack to its sender, logs once when it starts. */
static bool worker(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->source == ACTOR_ID_INVALID)
        return true; /* runtime notices */
    size_t n = msg->payload_size < sizeof fx.last ? msg->payload_size : sizeof fx.last;
    if (n)
        memcpy(fx.last, msg->payload, n);
    atomic_store(&fx.last_len, n);
    atomic_store(&fx.type, msg->type);
    atomic_fetch_add(&fx.got, 1);
    actor_send(rt, msg->source, OBS_ACK_TYPE, "ack", 3);
    return true;
}

static void *worker_state(void *arg)
{
    (void)arg;
    atomic_fetch_add(&fx.starts, 1);
    return NULL;
}

static bool idle(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)state;
    return true;
}

/* The test side's control requests (POST /spawn, POST /crash): what the
 * browser test asks the node to do while the page watches. */
static void control(runtime_t *rt, const http_request_payload_t *rq)
{
    const char *path = http_request_path(rq);
    bool ok = false;
    if (strcmp(path, "/spawn") == 0) {
        actor_id_t id = actor_spawn(rt, idle, NULL, NULL, 8);
        ok = id != ACTOR_ID_INVALID && actor_register_name(rt, "late-comer", id);
    } else if (strcmp(path, "/crash") == 0) {
        actor_id_t w = actor_lookup(rt, "worker");
        ok = w != ACTOR_ID_INVALID;
        if (ok)
            actor_exit(rt, w, EXIT_CRASHED);
    }
    actor_http_respond(rt, rq->conn_id, ok ? 200 : 500, NULL, 0, ok ? "ok" : "failed", ok ? 2 : 6);
}

/* Keeps the runtime running and stops it when the test ends; makes the
 * link and the monitor the tree shows; serves the control requests. */
static bool keeper(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    actor_id_t *peer = state;
    if (msg->type == MSG_GO) {
        actor_set_timer(rt, 20, true);
        actor_link(rt, peer[0]);
        actor_monitor(rt, peer[1]);
        actor_log(rt, LOG_INFO, "keeper: observer test node up");
        if (actor_http_listen(rt, 0))
            atomic_store(&fx.ctl_port, http_listen_port(rt));
    } else if (msg->type == MSG_HTTP_REQUEST) {
        control(rt, msg->payload);
    } else if (msg->type == MSG_TIMER && rt_thread_quitting(&rtt)) {
        runtime_stop(rt);
    }
    return true;
}

int obs_fixture_setup(void **state)
{
    memset(&fx, 0, sizeof fx);
    fx.port = peer_free_port();
    fx.port_ro = peer_free_port();
    runtime_t *rt = runtime_init(1, 64);
    assert_non_null(rt);
    runtime_enable_logging(rt);
    assert_true(shell_status_start_ex(rt, (uint16_t)fx.port, "obs-test", SHELL_STATUS_WRITE) !=
                ACTOR_ID_INVALID);
    assert_true(shell_status_start_ex(rt, (uint16_t)fx.port_ro, "obs-test", 0) != ACTOR_ID_INVALID);
    static child_spec_t spec = {.name = "worker",
                                .behavior = worker,
                                .factory = worker_state,
                                .mailbox_size = 64,
                                .restart_type = RESTART_PERMANENT};
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 5, 60000, &spec, 1);
    assert_true(sup != ACTOR_ID_INVALID);
    assert_true(actor_register_name(rt, "worksup", sup));
    static actor_id_t peers[2];
    peers[0] = actor_spawn(rt, idle, NULL, NULL, 8);
    peers[1] = actor_spawn(rt, idle, NULL, NULL, 8);
    assert_true(actor_register_name(rt, "linked", peers[0]));
    assert_true(actor_register_name(rt, "watched", peers[1]));
    actor_id_t k = actor_spawn(rt, keeper, peers, NULL, 16);
    assert_true(actor_register_name(rt, "keeper", k));
    assert_true(actor_send(rt, k, MSG_GO, NULL, 0));
    rt_thread_start(&rtt, rt);
    *state = &rtt;
    assert_true(peer_wait_port((uint16_t)fx.port, 5000));
    assert_true(peer_wait_port((uint16_t)fx.port_ro, 5000));
    assert_true(rt_thread_wait_port(&fx.ctl_port, 5000));
    return 0;
}

int obs_fixture_teardown(void **state)
{
    (void)state;
    rt_thread_stop(&rtt);
    return 0;
}

int obs_curl(bool ro, const char *args, const char *path, char **body, char *ctype, size_t cap)
{
    const char *out = peer_tmpfile("curl.body");
    size_t cmd_cap = strlen(args ? args : "") + strlen(path) + 512;
    char *cmd = malloc(cmd_cap);
    if (!cmd)
        return -1;
    snprintf(cmd, cmd_cap,
             "curl -sS --max-time 20 -o '%s' -w '%%{http_code} %%{content_type}' %s "
             "'http://127.0.0.1:%d%s'",
             out, args ? args : "", ro ? fx.port_ro : fx.port, path);
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p)
        return -1;
    char line[256] = "";
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    int rc = pclose(p);
    int status = -1;
    char ct[200] = "";
    if (sscanf(line, "%d %199[^\n]", &status, ct) < 1 || rc != 0)
        status = -1;
    if (ctype && cap)
        snprintf(ctype, cap, "%s", ct);
    if (body) {
        size_t n;
        *body = peer_slurp(out, &n);
        if (!*body)
            *body = strdup("");
    }
    unlink(out);
    return status;
}

bool obs_wait_got(unsigned n, int ms)
{
    for (int waited = 0; waited <= ms; waited += 10) {
        if (atomic_load(&fx.got) >= n)
            return true;
        usleep(10000);
    }
    return false;
}
