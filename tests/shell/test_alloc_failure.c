/* test_alloc_failure.c -- proves that the library's allocations (runtime,
 * shell, console, namespace, caps, local KV/SQL store) all go through
 * mk_set_allocator() and survive running out of memory: an in-process
 * shell session with KV and SQL traffic runs with every Nth allocation
 * failing, for N over a range. Each run must end (no hang: alarm), not
 * crash, leak nothing (ASan's leak check at exit) and report refusals with
 * a reason. Regression for issue 22 (http, services, shell and the engine
 * called libc directly, so fault injection never reached them). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "microkernel/alloc.h"
#include "microkernel/error.h"
#include "microkernel/namespace.h"
#include "microkernel/node_services.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/shell.h"

/* ---- The failing allocator ------------------------------------------ */

static unsigned long calls;  /* allocations asked for since the last reset */
static unsigned long every;  /* fail each `every`-th one; 0: never */
static unsigned long failed; /* how many were failed */

static bool fail_now(void)
{
    calls++;
    if (every && calls % every == 0) {
        failed++;
        return true;
    }
    return false;
}

static void *f_malloc(size_t n)
{
    return fail_now() ? NULL : malloc(n);
}

static void *f_calloc(size_t c, size_t n)
{
    return fail_now() ? NULL : calloc(c, n);
}

static void *f_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : realloc(p, n);
}

static const mk_allocator_t failing = {f_malloc, f_calloc, f_realloc, free};

/* ---- One session ------------------------------------------------------ */

/* Replies to every message with type + 1 and the same payload. */
static bool echo(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    actor_send(rt, msg->source, msg->type + 1, msg->payload, msg->payload_size);
    return true;
}

static char out[1 << 17];

/* The session: actors listed, a call, names, the namespace, a KV put and
 * get and a SQL statement through the local store, history, exit. */
static const char input[] =
    "list\n"
    "info\n"
    "call echo 200 hello\n"
    "register alias echo\n"
    "lookup alias\n"
    "ls /\n"
    "call local_kv 0xFF000135 x:6b65793d610a76616c75653d62\n" /* put key=a\nvalue=b */
    "call local_kv 0xFF000134 x:6b65793d61\n"                 /* get key=a */
    "call /node/storage/db 0xFF00013B sql=SELECT 6*7 AS answer\n"
    "history\n"
    "stop echo\n"
    "exit\n";

/* Run the session with every `n`-th allocation failing. Returns whether
 * the shell ran (runtime and shell started); *said_goodbye when it ended
 * normally. Everything it made is gone when it returns. */
static bool session(unsigned long n, const char *dir, bool *said_goodbye)
{
    int in[2], o[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(o), 0);
    assert_int_equal(write(in[1], input, sizeof input - 1), (ssize_t)(sizeof input - 1));
    close(in[1]);
    *said_goodbye = false;

    calls = failed = 0;
    every = n;
    mk_set_allocator(&failing);
    bool ran = false;
    runtime_t *rt = runtime_init(3, 64);
    if (!rt) {
        /* Refused with a reason, nothing left behind. */
        assert_true(mk_last_error()[0] != '\0');
    } else {
        services_config_t svc = {.node_name = "oom", .data_dir = dir, .no_mount_listen = true};
        if (!services_start(rt, &svc))
            assert_true(mk_last_error()[0] != '\0');
        actor_id_t e = actor_spawn(rt, echo, NULL, NULL, 16);
        if (e != ACTOR_ID_INVALID && !actor_register_name(rt, "echo", e))
            assert_true(mk_last_error()[0] != '\0');
        shell_config_t cfg;
        shell_config_init(&cfg);
        cfg.in_fd = in[0];
        cfg.out_fd = o[1];
        cfg.data_dir = dir;
        cfg.node_name = "oom";
        if (shell_start(rt, &cfg) != ACTOR_ID_INVALID) {
            ran = true;
            alarm(120); /* a hang fails the test instead of blocking ctest */
            runtime_run(rt);
            alarm(0);
        } else {
            assert_true(mk_last_error()[0] != '\0');
        }
        runtime_destroy(rt);
    }
    mk_set_allocator(NULL);
    every = 0;

    close(o[1]);
    close(in[0]);
    ssize_t k, total = 0;
    while ((k = read(o[0], out + total, sizeof out - 1 - (size_t)total)) > 0)
        total += k;
    out[total] = '\0';
    close(o[0]);
    *said_goodbye = strstr(out, "Goodbye.") != NULL;
    return ran;
}

static void rm_tree(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The session itself, with nothing failing: the baseline the faults are
 * measured against (and proof that the session does what it says). */
static void session_runs_without_faults(void **state)
{
    (void)state;
    char dir[] = "/tmp/mk-alloc-fail-XXXXXX";
    assert_non_null(mkdtemp(dir));
    bool bye;
    assert_true(session(0, dir, &bye));
    assert_true(bye);
    assert_non_null(strstr(out, "[reply] type=201"));
    if (!strstr(out,
                "[reply] type=4278190392 from=0x0000000300000004 size=13 \"key=a\\nvalue=b\"\n"))
        fail_msg("no KV value; output:\n%s", strstr(out, "> call local_kv")
                                                 ? strstr(out, "> call local_kv")
                                                 : strstr(out, "Memory:"));
    assert_non_null(strstr(out, "answer"));
    assert_non_null(strstr(out, "Stopped actor"));
    rm_tree(dir);
}

/* Every Nth allocation fails, N from 2 to 128:
 * every run ends without a crash or leak, and the shell's errors name the
 * cause. The allocator is seen by the shell, the services and the store
 * (faults are injected: `failed` > 0 in runs that went on). */
static void every_nth_allocation_fails(void **state)
{
    (void)state;
    /* A whole session makes about a hundred allocations through the hooks
     * (the message pool and SQLite's own memory are not counted): N up to
     * 128 puts the first fault anywhere in it. */
    unsigned long ns[127];
    size_t count = 0;
    for (unsigned long n = 2; n <= 128; n++)
        ns[count++] = n;
    size_t ran = 0, ended = 0, faulted = 0;
    for (size_t i = 0; i < count; i++) {
        char dir[] = "/tmp/mk-alloc-fail-XXXXXX";
        assert_non_null(mkdtemp(dir));
        bool bye;
        if (session(ns[i], dir, &bye)) {
            ran++;
            ended += bye;
            faulted += failed > 0;
        }
        rm_tree(dir);
    }
    print_message("%zu of %zu runs started the shell, %zu of them with faults inside the session, "
                  "%zu said Goodbye\n",
                  ran, count, faulted, ended);
    /* The faults land inside sessions, not only at start. */
    assert_true(faulted > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(session_runs_without_faults),
        cmocka_unit_test(every_nth_allocation_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
