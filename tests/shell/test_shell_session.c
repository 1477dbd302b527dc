/* test_shell_session.c -- proves src/shell/shell.c, console.c and the
 * command files end to end without a terminal: a real runtime, the console
 * reading a pipe (plain mode), the shell's output read back from a pipe. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/runtime_internal.h"
#include "microkernel/message.h"
#include "microkernel/namespace.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/shell.h"

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (!strstr((hay), (needle)))                                                              \
            fail_msg("expected output to contain \"%s\"; output was:\n%s", (needle), (hay));       \
    } while (0)

#define assert_lacks(hay, needle)                                                                  \
    do {                                                                                           \
        if (strstr((hay), (needle)))                                                               \
            fail_msg("expected output NOT to contain \"%s\"; output was:\n%s", (needle), (hay));   \
    } while (0)

/* Replies to every message with type + 1 and the same payload. */
static bool echo(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    actor_send(rt, msg->source, msg->type + 1, msg->payload, msg->payload_size);
    return true;
}

/* Never answers. */
static bool mute(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)state;
    return true;
}

/* Replies to "<n>" with n bytes "0123456789012..." (the size of a SQL
 * result the shell used to cut at 64 bytes). */
static bool big(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    char num[16] = "";
    memcpy(num, msg->payload, msg->payload_size < 15 ? msg->payload_size : 15);
    size_t n = strtoul(num, NULL, 10);
    char *data = malloc(n ? n : 1);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('0' + i % 10);
    actor_send(rt, msg->source, msg->type + 1, data, n);
    free(data);
    return true;
}

typedef struct {
    char out[65536];
    int status;
} session_t;

/* Called by run() after the shell started, before the loop runs; or NULL. */
static void (*before_run)(runtime_t *rt);

/* Run one shell session on a fresh runtime: `input` (`len` bytes) is its
 * whole stdin; `script`, when set, is run instead. */
static void run(session_t *s, const char *input, size_t len, const char *script,
                const char *data_dir)
{
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    assert_int_equal(write(in[1], input, len), (ssize_t)len);
    close(in[1]);
    runtime_t *rt = runtime_init(7, 64);
    assert_non_null(rt);
    actor_register_name(rt, "echo", actor_spawn(rt, echo, NULL, NULL, 16));
    actor_register_name(rt, "mute", actor_spawn(rt, mute, NULL, NULL, 16));
    shell_config_t cfg;
    shell_config_init(&cfg);
    cfg.in_fd = in[0];
    cfg.out_fd = out[1];
    cfg.script_path = script;
    cfg.data_dir = data_dir;
    cfg.exit_status = &s->status;
    s->status = -1;
    assert_true(shell_start(rt, &cfg) != ACTOR_ID_INVALID);
    if (before_run)
        before_run(rt);
    runtime_run(rt);
    runtime_destroy(rt);
    close(out[1]);
    close(in[0]);
    ssize_t n, total = 0;
    while ((n = read(out[0], s->out + total, sizeof s->out - 1 - (size_t)total)) > 0)
        total += n;
    s->out[total] = '\0';
    close(out[0]);
}

static void runs(session_t *s, const char *input)
{
    run(s, input, strlen(input), NULL, NULL);
}

static void transcript(void **state)
{
    (void)state;
    static session_t s;
    runs(&s, "list\ninfo\ncall echo 200 hello\nstop echo\nlist\nexit\n");
    assert_contains(s.out, "mk-shell v");
    /* The original's columns (compat/services.md 5, README transcript). */
    assert_contains(s.out, "  SEQ  ID                STATUS   MBOX  NAME\n");
    assert_contains(s.out, "  1    0x000000700000001 idle     0/16  echo\n");
    assert_contains(s.out, "0x000000700000003 running  0/64  shell\n");
    assert_contains(s.out, "node-7 | wasm tls http\n\nActors: 4 active\n");
    assert_contains(s.out, "  SEQ  ID                STATUS   MBOX  PARENT            NAME\n");
    assert_contains(s.out, "---               console\n");
    assert_contains(s.out, "Memory: RSS ");
    assert_contains(s.out, "[reply] type=201 from=0x0000000700000001 size=5 \"hello\"\n");
    assert_contains(s.out, "Stopped actor 0x0000000700000001\n");
    assert_contains(s.out, "Goodbye.\n");
    /* After the stop, the second list has no echo line. */
    const char *second = strstr(strstr(s.out, "Stopped actor"), "SEQ");
    assert_non_null(second);
    assert_lacks(second, "echo");
    assert_int_equal(s.status, 0);
}

static void names_and_multiple_names(void **state)
{
    (void)state;
    static session_t s;
    runs(&s, "register alias echo\nregister me\nlookup alias\nself\nwhoami\nlist\n"
             "register alias echo\nlookup nobody\n");
    assert_contains(s.out, "Registered 'alias' -> 0x0000000700000001\n");
    assert_contains(s.out, "Registered 'me' -> 0x0000000700000003\n");
    assert_contains(s.out, "alias -> 0x0000000700000001 (node 7, seq 1)\n");
    assert_contains(s.out, "0x0000000700000003\n");
    assert_contains(s.out, "Node:    7 (node-7)\n");
    /* Each registered name on its own aligned continuation line. */
    assert_contains(s.out, "0/16  echo\n                                        alias\n");
    assert_contains(s.out, "error: register: ");
    assert_contains(s.out, "error: lookup: no actor named 'nobody'\n");
}

static void send_forms(void **state)
{
    (void)state;
    static session_t s;
    runs(&s, "call echo 0x10 x:00ff41\ncall 1 7 \"two words\"\n"
             "call 0x0000000700000001 9 spaced   out  \nsend echo 5 hi\n");
    assert_contains(s.out, "[reply] type=17 from=0x0000000700000001 size=3 \"\\x00\\xffA\"\n");
    assert_contains(s.out, "[reply] type=8 from=0x0000000700000001 size=9 \"two words\"\n");
    assert_contains(s.out, "[reply] type=10 from=0x0000000700000001 size=12 \"spaced   out\"\n");
    assert_contains(s.out, "Sent to 0x0000000700000001\n");
    /* The reply to `send` is shown when it arrives. */
    assert_contains(s.out, "[msg] type=6 from=0x0000000700000001 size=2 \"hi\"\n");
}

static void bad_commands(void **state)
{
    (void)state;
    static session_t s;
    runs(&s, "frob\nsend nobody 1 hi\nsend echo 1 x:abc\nsend echo 1 x:zz\nsend echo zz\n"
             "stop\nstop 99\nstop shell\ncall echo 1 \"open\nhelp nope\nlist extra\n"
             "send 0x 1\nlist\n");
    assert_contains(s.out, "error: unknown command 'frob' (type 'help' for the list)\n");
    assert_contains(s.out, "error: send: no actor named 'nobody'\n");
    assert_contains(s.out, "error: send: x: payload has an odd number of hex digits (3); "
                           "usage: send <name-or-id> <type> [data|x:hex]\n");
    assert_contains(s.out, "error: send: x: payload has a non-hex character at position 1");
    assert_contains(s.out, "error: send: 'zz' is not a number (decimal or 0x hex); usage:");
    assert_contains(s.out, "error: stop: missing argument; usage: stop <name-or-id>\n");
    assert_contains(s.out, "error: stop: no live actor 0x0000000700000063 on this node\n");
    assert_contains(s.out, "error: stop: refusing to stop the shell's own actor; use exit\n");
    assert_contains(s.out, "error: unterminated quote\n");
    assert_contains(s.out, "error: help: no command 'nope'\n");
    assert_contains(s.out, "error: list: too many arguments; usage: list\n");
    assert_contains(s.out, "error: send: '0x': no hex digits after 0x\n");
    /* The shell is still alive after all that. */
    assert_contains(s.out, "0/64  shell\n");
    assert_contains(s.out, "Goodbye.\n");
}

static void binary_garbage_and_long_lines(void **state)
{
    (void)state;
    static session_t s;
    char input[4096];
    size_t n = 0;
    for (int i = 0; i < 300; i++)
        input[n++] = (char)(i * 37 % 256 == '\n' ? 1 : i * 37 % 256);
    input[n++] = '\n';
    memset(input + n, 'a', 2000);
    n += 2000;
    input[n++] = '\n';
    memcpy(input + n, "whoami\n", 7);
    n += 7;
    run(&s, input, n, NULL, NULL);
    assert_contains(s.out, "non-printable byte(s)\n");
    assert_contains(s.out, "error: input line too long (more than 1023 characters), ignored\n");
    assert_contains(s.out, "Node:    7 (node-7)\n");
}

static void call_timeout(void **state)
{
    (void)state;
    static session_t s;
    runs(&s, "call mute 1 anyone?\nself\n");
    assert_contains(s.out, "error: call: no reply from mute 0x0000000700000002 within 5 s\n");
    /* The line typed while waiting runs afterwards. */
    const char *after = strstr(s.out, "within 5 s");
    assert_non_null(after);
    assert_contains(after, "0x0000000700000003\n");
}

static char *write_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/mk-shell-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void script_success_and_failure(void **state)
{
    (void)state;
    static session_t s;
    char *path = write_file("# a comment\n\nregister x echo\ncall x 200 hi\n");
    run(&s, "", 0, path, NULL);
    unlink(path);
    assert_int_equal(s.status, 0);
    assert_contains(s.out, "> register x echo\nRegistered 'x'");
    assert_contains(s.out, "> call x 200 hi\n[reply] type=201");
    assert_lacks(s.out, "# a comment");

    path = write_file("list\nsend nobody 1\nlist\n");
    run(&s, "", 0, path, NULL);
    unlink(path);
    assert_int_equal(s.status, 1);
    assert_contains(s.out, "error: send: no actor named 'nobody'\n");
    assert_contains(s.out, "stopped at line 2\n");
    /* Nothing after the failing line ran: one list only. */
    assert_lacks(strstr(s.out, "send nobody"), "SEQ");

    path = write_file("call mute 1\n");
    run(&s, "", 0, path, NULL);
    unlink(path);
    assert_int_equal(s.status, 1);
    assert_contains(s.out, "no reply from mute");
}

static void history_survives_restart(void **state)
{
    (void)state;
    static session_t s;
    char dir[] = "/tmp/mk-shell-hist-XXXXXX";
    assert_non_null(mkdtemp(dir));
    run(&s, "whoami\nlookup echo\n", 19, NULL, dir);
    run(&s, "history\n", 8, NULL, dir);
    assert_contains(s.out, "    1  whoami\n    2  lookup echo\n    3  history\n");
    char path[128];
    snprintf(path, sizeof path, "%s/history", dir);
    unlink(path);
    rmdir(dir);
}

/* Regression (issue 13): with 200 lines of history the shell sent 101
 * MSG_TTY_HISTORY messages into the console's 64-slot mailbox at start,
 * and the MSG_TTY_QUIT after "Goodbye." was dropped on the full mailbox:
 * the session never ended. alarm() turns a hang into a failure. */
static void quits_after_long_history_with_full_console_mailbox(void **state)
{
    (void)state;
    static session_t s;
    char dir[] = "/tmp/mk-shell-hist-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/history", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fprintf(f, "lookup echo%d\n", i);
    fclose(f);
    char script[160];
    snprintf(script, sizeof script, "%s/script", dir);
    f = fopen(script, "w");
    assert_non_null(f);
    fputs("self\n", f);
    fclose(f);

    alarm(60);
    run(&s, "", 0, script, dir); /* --script */
    assert_contains(s.out, "0x0000000700000003\n");
    assert_contains(s.out, "Goodbye.\n");
    assert_int_equal(s.status, 0);
    run(&s, "self\nhistory\n", 13, NULL, dir); /* piped input */
    alarm(0);
    assert_contains(s.out, "Goodbye.\n");
    /* Every history line reached the shell's ring: the newest 100 are shown. */
    assert_contains(s.out, "lookup echo199\n");
    assert_contains(s.out, "  history\n");
    assert_int_equal(s.status, 0);
    unlink(script);
    unlink(path);
    rmdir(dir);
}

/* A remote actor (node 9) prints on this node's console, as a mounted peer
 * can; a local actor logs (as a WASM actor's mk_log does). */
static void foreign_text_to_console(runtime_t *rt)
{
    actor_id_t console = actor_lookup(rt, "console");
    static const char clear[] = "remote says \x1b[2J\x1b]0;owned\x07 hi\r\n";
    assert_true(
        mk_send_from(rt, actor_id_make(9, 1), console, MSG_TTY_WRITE, clear, sizeof clear - 1));
    actor_log(rt, LOG_WARN, "wasm says \x1b[31mred\tend");
}

/* Regression (issue 13): a remote MSG_TTY_WRITE with ESC[2J reached the
 * operator's terminal raw. Control characters are escaped; \n and \t stay. */
static void foreign_escape_sequences_print_escaped(void **state)
{
    (void)state;
    static session_t s;
    before_run = foreign_text_to_console;
    runs(&s, "self\n");
    before_run = NULL;
    assert_contains(s.out, "remote says \\x1b[2J\\x1b]0;owned\\x07 hi\\x0d\n");
    assert_contains(s.out, "wasm says \\x1b[31mred\tend\n");
    assert_lacks(s.out, "\x1b");
    assert_lacks(s.out, "\r");
    assert_contains(s.out, "Goodbye.\n");
}

static void with_namespace_and_caps(runtime_t *rt)
{
    assert_true(ns_actor_init(rt) != ACTOR_ID_INVALID);
    assert_true(caps_actor_init(rt) != ACTOR_ID_INVALID);
    assert_int_equal(ns_register_path(rt, "/app/echo", actor_lookup(rt, "echo")), NS_OK);
    /* backends for caps: a local store, a peer's queue, the cloud for the rest */
    assert_int_equal(ns_register_path(rt, "/node/storage/kv", actor_lookup(rt, "echo")), NS_OK);
    assert_int_equal(ns_register_path(rt, "/node/queue/default", actor_id_make(9, 4)), NS_OK);
    assert_true(ns_set_cloud_provider(rt, actor_lookup(rt, "mute")));
}

/* ls and caps print what the original's Linux mk-shell prints
 * (compat/services.md 6.2): "<path>=<decimal id>" lines or "(empty)", and
 * the caps reply verbatim; a path shows in list under the flat names. */
static void ls_and_caps_follow_the_original(void **state)
{
    (void)state;
    static session_t s;
    before_run = with_namespace_and_caps;
    runs(&s, "ls /app\nls /nothing\ncaps\ncaps mute\nlist\n");
    before_run = NULL;
    char want[64];
    snprintf(want, sizeof want, "\n/app/echo=%llu\n", (unsigned long long)actor_id_make(7, 1));
    assert_contains(s.out, want);
    assert_contains(s.out, "\n(empty)\n");
    assert_contains(s.out, "\nplatform=linux\nidentity=");
    /* The reply verbatim (no blank line added), then which backend serves
     * each cloud service path (issue 15), then mute's timeout. */
    char backends[512];
    unsigned long long echo = actor_id_make(7, 1), mute = actor_id_make(7, 2);
    snprintf(backends, sizeof backends,
             "\ntransports=0\n"
             "backend /node/storage/kv=local 0x%016llx\n"
             "backend /node/storage/db=cloud 0x%016llx\n"
             "backend /node/queue/default=peer 0x%016llx\n"
             "backend /node/ai/infer=cloud 0x%016llx\n"
             "backend /node/ai/embed=cloud 0x%016llx\n"
             "Timeout (5s)\n",
             echo, mute, (unsigned long long)actor_id_make(9, 4), mute, mute);
    assert_contains(s.out, backends);
    /* (echo also holds /node/storage/kv: the shell asked it for history) */
    assert_contains(s.out, "/16  echo\n                                        /app/echo\n");
}

/* Regression (issue 22): `call` printed the first 64 bytes of a reply and
 * "...", so a SQL result was cut. Now the first 4096 bytes show, and what
 * is left out past that is counted. */
static void with_big(runtime_t *rt)
{
    assert_true(actor_register_name(rt, "big", actor_spawn(rt, big, NULL, NULL, 16)));
}

static void call_reply_shows_the_whole_payload(void **state)
{
    (void)state;
    static session_t s;
    static char want[5000];
    before_run = with_big;
    runs(&s, "call big 10 300\ncall big 10 5000\n");
    before_run = NULL;
    size_t n = 0;
    n += (size_t)snprintf(want, sizeof want, "[reply] type=11 from=0x0000000700000005 size=300 \"");
    for (size_t i = 0; i < 300; i++)
        want[n++] = (char)('0' + i % 10);
    memcpy(want + n, "\"\n", 3);
    assert_contains(s.out, want);
    n = (size_t)snprintf(want, sizeof want, "size=5000 \"");
    for (size_t i = 0; i < 4096; i++)
        want[n++] = (char)('0' + i % 10);
    memcpy(want + n, "\"...\n[904 of 5000 bytes not shown: call shows the first 4096]\n", 63);
    assert_contains(s.out, want);
}

/* Regression (issue 22): `stop ns` stopped the namespace actor (and with
 * it every path) on a mistyped name. System actors are refused, as the
 * observer's POST /api/stop refuses them. */
static void stop_refuses_system_actors(void **state)
{
    (void)state;
    static session_t s;
    before_run = with_namespace_and_caps;
    runs(&s, "stop ns\nstop 6\nstop echo\nlist\n");
    before_run = NULL;
    assert_contains(s.out, "error: stop: refusing to stop ns 0x0000000700000005: a system actor "
                           "the node needs (use exit to stop the node)\n");
    assert_contains(s.out, "error: stop: refusing to stop 0x0000000700000006: a system actor");
    assert_contains(s.out, "Stopped actor 0x0000000700000001\n");
    /* Both are still there after the refusals. */
    const char *table = strstr(s.out, "> list");
    table = table ? table : strstr(s.out, "SEQ");
    assert_non_null(table);
    assert_contains(table, "  ns\n");
    assert_contains(table, "  6    0x000000700000006 idle     0/8   /node/");
    assert_lacks(table, "echo");
}

static void end_of_input_ends_the_session(void **state)
{
    (void)state;
    static session_t s;
    runs(&s, "self");
    /* A last line without a newline still runs. */
    assert_contains(s.out, "0x0000000700000003\n");
    assert_contains(s.out, "Goodbye.\n");
    assert_int_equal(s.status, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transcript),
        cmocka_unit_test(names_and_multiple_names),
        cmocka_unit_test(send_forms),
        cmocka_unit_test(bad_commands),
        cmocka_unit_test(binary_garbage_and_long_lines),
        cmocka_unit_test(call_timeout),
        cmocka_unit_test(script_success_and_failure),
        cmocka_unit_test(history_survives_restart),
        cmocka_unit_test(end_of_input_ends_the_session),
        cmocka_unit_test(quits_after_long_history_with_full_console_mailbox),
        cmocka_unit_test(foreign_escape_sequences_print_escaped),
        cmocka_unit_test(ls_and_caps_follow_the_original),
        cmocka_unit_test(call_reply_shows_the_whole_payload),
        cmocka_unit_test(stop_refuses_system_actors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
