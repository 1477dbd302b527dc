/*
 * test_nats_shell_call.c -- issue 21 item 4: the shell's `call` across
 * NATS. The target is named only in the cluster registry (mk-names) and
 * runs on a node with no direct link; the request goes to its node subject
 * and the reply comes back to the shell's own node subject, as a frame
 * with the original source. A target that never answers ends with the
 * shell's 5 s timeout message. The same for a namespace path served over
 * NATS by another node (actor_lookup resolves it through NATS), and a path
 * nobody serves fails at once with a clear error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>

#include "microkernel/namespace.h"
#include "microkernel/shell.h"
#include "nats_test_util.h"

static nats_server_t server;
static volatile int far_stop;

static bool echo_fn(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    actor_send(rt, msg->source, msg->type + 1, msg->payload, msg->payload_size);
    return true;
}

static bool mute_fn(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)msg, (void)state;
    return true;
}

/* The far node's loop, on its own thread (its runtime is touched by this
 * thread alone once started). */
static void *far_loop(void *arg)
{
    runtime_t *rt = arg;
    while (!far_stop) {
        for (int k = 0; k < 64; k++)
            runtime_step(rt);
        usleep(500);
    }
    return NULL;
}

static void test_call_by_registry_name_across_nats(void **state)
{
    (void)state;
    const char *const js[] = {"-js", "-sd", "%D/js", NULL};
    assert_true(nats_server_start(&server, js));
    mk_nats_config_t cfg = {.servers = server.url, .names_ttl_ms = 60000};
    runtime_t *far = runtime_init(3, 16);
    assert_true(runtime_attach_nats(far, &cfg));
    assert_true(mk_nats_register(far, "far-echo", actor_spawn(far, echo_fn, NULL, NULL, 16)));
    assert_true(mk_nats_register(far, "far-mute", actor_spawn(far, mute_fn, NULL, NULL, 16)));
    pthread_t th;
    far_stop = 0;
    assert_int_equal(pthread_create(&th, NULL, far_loop, far), 0);

    runtime_t *rt = runtime_init(7, 64);
    assert_true(runtime_attach_nats(rt, &cfg));
    const char input[] = "call far-echo 200 hello\ncall far-mute 200 x\nexit\n";
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    assert_int_equal(write(in[1], input, sizeof input - 1), (ssize_t)(sizeof input - 1));
    close(in[1]);
    int status = -1;
    shell_config_t sc;
    shell_config_init(&sc);
    sc.in_fd = in[0];
    sc.out_fd = out[1];
    sc.exit_status = &status;
    assert_true(shell_start(rt, &sc) != ACTOR_ID_INVALID);
    runtime_run(rt); /* until the shell exits */
    runtime_destroy(rt);
    close(out[1]);
    close(in[0]);
    static char text[65536];
    ssize_t n, total = 0;
    while ((n = read(out[0], text + total, sizeof text - 1 - (size_t)total)) > 0)
        total += n;
    text[total] = '\0';
    close(out[0]);
    far_stop = 1;
    pthread_join(th, NULL);
    runtime_destroy(far);
    nats_server_stop(&server);
    if (!strstr(text, "[reply] type=201 from=0x0000000300000001 size=5 \"hello\""))
        fail_msg("no reply across NATS; output:\n%s", text);
    if (!strstr(text, "no reply from 0x0000000300000002 within 5 s"))
        fail_msg("no timeout for the mute actor; output:\n%s", text);
}

/* Run `input` in a shell on `rt` until it exits; the output as text
 * (static buffer). */
static const char *run_shell(runtime_t *rt, const char *input)
{
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    size_t len = strlen(input);
    assert_int_equal(write(in[1], input, len), (ssize_t)len);
    close(in[1]);
    int status = -1;
    shell_config_t sc;
    shell_config_init(&sc);
    sc.in_fd = in[0];
    sc.out_fd = out[1];
    sc.exit_status = &status;
    assert_true(shell_start(rt, &sc) != ACTOR_ID_INVALID);
    runtime_run(rt); /* until the shell exits */
    close(out[1]);
    close(in[0]);
    static char text[65536];
    ssize_t n, total = 0;
    while ((n = read(out[0], text + total, sizeof text - 1 - (size_t)total)) > 0)
        total += n;
    text[total] = '\0';
    close(out[0]);
    return text;
}

static void test_call_by_path_served_over_nats(void **state)
{
    (void)state;
    assert_true(nats_server_start(&server, NULL));
    mk_nats_config_t cfg = {.servers = server.url};
    runtime_t *far = runtime_init(4, 16);
    assert_true(runtime_attach_nats(far, &cfg));
    assert_true(mk_nats_serve_path(far, "/svc/echo", actor_spawn(far, echo_fn, NULL, NULL, 16)));
    assert_true(mk_nats_serve_path(far, "/svc/mute", actor_spawn(far, mute_fn, NULL, NULL, 16)));
    pthread_t th;
    far_stop = 0;
    assert_int_equal(pthread_create(&th, NULL, far_loop, far), 0);

    runtime_t *rt = runtime_init(8, 64);
    assert_true(ns_install(rt));
    assert_true(runtime_attach_nats(rt, &cfg));
    const char *text = run_shell(rt, "call /svc/echo 200 hello\ncall /svc/nobody 200 x\n"
                                     "call /svc/mute 200 x\nexit\n");
    runtime_destroy(rt);
    far_stop = 1;
    pthread_join(th, NULL);
    runtime_destroy(far);
    nats_server_stop(&server);
    if (!strstr(text, "[reply] type=201 from=0x0000000400000001 size=5 \"hello\""))
        fail_msg("no reply across NATS; output:\n%s", text);
    if (!strstr(text,
                "no actor named '/svc/nobody' (NATS: nobody serves \"/svc/nobody\" over NATS)"))
        fail_msg("no error for an unserved path; output:\n%s", text);
    if (!strstr(text, "within 5 s"))
        fail_msg("no timeout for the mute path; output:\n%s", text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_by_registry_name_across_nats),
        cmocka_unit_test(test_call_by_path_served_over_nats),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nats_CloseAndWait(5000);
    return rc;
}
