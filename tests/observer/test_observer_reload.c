/*
 * test_observer_reload.c -- the observer's WASM reload over real sockets:
 * a WASM echo actor without memory (it answers type 200 with an empty
 * pong) is replaced through POST /api/reload by the echo module with
 * memory; a message sent through POST /api/send is then answered with its
 * payload, seen as a "reply" event on /api/events. A module that does not
 * decode and a non-WASM target are refused with 400 and change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/peer.h"
#include "http/rt_thread.h"
#include "microkernel/shell.h"
#include "microkernel/wasm_actor.h"

#define MSG_GO 0x600

static rt_thread_t rtt;
static int port;

static bool keeper(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == MSG_GO)
        actor_set_timer(rt, 20, true);
    else if (msg->type == MSG_TIMER && rt_thread_quitting(&rtt))
        runtime_stop(rt);
    return true;
}

static int setup(void **state)
{
    assert_true(wasm_actors_init());
    port = peer_free_port();
    runtime_t *rt = runtime_init(1, 32);
    assert_non_null(rt);
    assert_true(shell_status_start_ex(rt, (uint16_t)port, "reload-test", SHELL_STATUS_WRITE) !=
                ACTOR_ID_INVALID);
    actor_id_t echo =
        actor_spawn_wasm_file(rt, MK_WASM_EXAMPLES_DIR "/echo_nomem.wasm", 16,
                              WASM_DEFAULT_STACK_SIZE, WASM_DEFAULT_HEAP_SIZE, FIBER_STACK_NONE);
    assert_true(echo != ACTOR_ID_INVALID);
    assert_true(actor_register_name(rt, "echo", echo));
    actor_id_t k = actor_spawn(rt, keeper, NULL, NULL, 8);
    assert_true(actor_send(rt, k, MSG_GO, NULL, 0));
    rt_thread_start(&rtt, rt);
    *state = &rtt;
    assert_true(peer_wait_port((uint16_t)port, 5000));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rt_thread_stop(&rtt);
    wasm_actors_cleanup();
    return 0;
}

/* curl with `args` on `path`; the status, the body in *body. */
static int curl(const char *args, const char *path, char **body)
{
    const char *out = peer_tmpfile("body");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "curl -sS --max-time 20 -o '%s' -w '%%{http_code}' %s "
             "'http://127.0.0.1:%d%s'",
             out, args, port, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int status = -1;
    if (fscanf(p, "%d", &status) != 1)
        status = -1;
    pclose(p);
    size_t n;
    *body = peer_slurp(out, &n);
    if (!*body)
        *body = strdup("");
    return status;
}

static void expect(int want, const char *args, const char *path, const char *needle)
{
    char *b;
    int st = curl(args, path, &b);
    if (st != want || !strstr(b, needle))
        fprintf(stderr, "%s %s: want %d with '%s', got %d: %s\n", args, path, want, needle, st, b);
    assert_int_equal(st, want);
    assert_non_null(strstr(b, needle));
    free(b);
}

#define POST_WASM "-X POST -H 'X-Observer: 1' -H 'Content-Type: application/wasm' "

static void test_reload_replaces_the_module_of_a_live_actor(void **state)
{
    (void)state;
    char *b;
    assert_int_equal(curl("", "/api/actors", &b), 200);
    assert_non_null(strstr(b, "\"kind\":\"wasm\""));
    /* echo_nomem has no memory: 0 bytes; native actors have none to show */
    assert_non_null(strstr(b, "\"memory_bytes\":0,\"names\":[\"echo\"]"));
    assert_non_null(strstr(b, "\"memory_bytes\":null"));
    free(b);
    /* Refusals first: nothing changes. */
    const char *junk = peer_tmpfile("junk.wasm");
    FILE *f = fopen(junk, "w");
    assert_non_null(f);
    fputs("this is not a module", f);
    fclose(f);
    char args[512];
    snprintf(args, sizeof args, POST_WASM "--data-binary @'%s'", junk);
    expect(400, args, "/api/reload?to=echo", "\"error\"");
    snprintf(args, sizeof args, POST_WASM "--data-binary @'%s'", MK_WASM_EXAMPLES_DIR "/echo.wasm");
    expect(400, args, "/api/reload?to=%2Fsys%2Fstatus", "not a local WASM actor");
    expect(400, args, "/api/reload", "'to'");
    expect(400, POST_WASM "--data-binary 'x'", "/api/reload?to=echo&x=1", "unknown field");

    /* Watch the stream, then reload and send: the answer carries the payload. */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "curl -sSN --max-time 30 'http://127.0.0.1:%d/api/events'", port);
    FILE *ev = popen(cmd, "r");
    assert_non_null(ev);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, ev) > 0 && strcmp(line, "event: actors\n") != 0)
        ;
    expect(200, args, "/api/reload?to=echo", "\"action\":\"reload\"");
    expect(200, "-X POST -H 'X-Observer: 1' --data-binary 'to=echo&type=200&text=hello'",
           "/api/send", "\"ok\":true");
    bool seen = false;
    while (!seen && getline(&line, &cap, ev) > 0) {
        if (strcmp(line, "event: reply\n") != 0)
            continue;
        assert_true(getline(&line, &cap, ev) > 0);
        seen = strstr(line, "\"type\":201") && strstr(line, "\"size\":5") &&
               strstr(line, "\\\"hello\\\"");
        if (!seen)
            fprintf(stderr, "reply: %s", line);
    }
    free(line);
    pclose(ev);
    assert_true(seen);
    /* the new module has a memory (1 page, and the payload region) */
    assert_int_equal(curl("", "/api/actors", &b), 200);
    const char *m = strstr(b, ",\"names\":[\"echo\"]");
    assert_non_null(m);
    const char *k = m;
    while (k > b && strncmp(k, "\"memory_bytes\":", 15) != 0)
        k--;
    long bytes = strtol(k + 15, NULL, 10);
    if (bytes < 65536)
        fprintf(stderr, "echo's memory after reload: %ld bytes\n", bytes);
    assert_true(bytes >= 65536 && bytes % 65536 == 0);
    free(b);
}

int main(void)
{
    peer_require("curl");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reload_replaces_the_module_of_a_live_actor),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
