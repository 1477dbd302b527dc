/* test_shell_native.c -- proves shell_actor_init (src/shell/shell_native.c),
 * the original's native shell of compat/services.md section 5: a test actor
 * plays the console (sends MSG_SHELL_INPUT, waits for MSG_SHELL_PROMPT), the
 * shell's stdout is captured through a pipe, and the output is checked
 * against the original's exact formats. */
#include <fcntl.h>
#include <inttypes.h>
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
#include "microkernel/namespace.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/shell.h"
#include "microkernel/wasm_actor.h"

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

#define NODE 3

/* Replies to every message with type + 1 and the same payload. */
static bool echo(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    actor_send(rt, msg->source, msg->type + 1, msg->payload, msg->payload_size);
    return true;
}

/* Replies with four binary bytes. */
static bool binary(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    static const uint8_t b[40] = {0x00, 0x01, 0xab, 0xff};
    actor_send(rt, msg->source, 7, b, msg->type == 1 ? 4 : sizeof b);
    return true;
}

static bool mute(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)state;
    return true;
}

/* The console: sends the lines one by one, the next after each prompt. */
typedef struct {
    const char **lines;
    size_t n, next;
    actor_id_t shell;
    int prompts;
    int others; /* messages other than the prompt */
} console_t;

static bool console(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    console_t *c = state;
    if (msg->type == MSG_SHELL_PROMPT)
        c->prompts++;
    else if (msg->type != MSG_SHELL_INIT)
        c->others++;
    if (msg->type == MSG_SHELL_INIT || msg->type == MSG_SHELL_PROMPT) {
        if (c->next < c->n) {
            const char *l = c->lines[c->next++];
            actor_send(rt, c->shell, MSG_SHELL_INPUT, l, strlen(l));
        } else {
            runtime_stop(rt);
        }
    }
    return true;
}

static char out[1 << 18];
static console_t con;
static actor_id_t echo_id, binary_id, mute_id, shell_id;

/* Run `lines` through a fresh shell (with the actors above) and capture its
 * stdout into `out`. `setup` runs before the loop (may be NULL). */
static void session(const char **lines, size_t n, void (*setup)(runtime_t *))
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
    fflush(stdout);
    int saved = dup(1);
    assert_true(saved >= 0);
    assert_true(dup2(p[1], 1) >= 0);

    runtime_t *rt = runtime_init(NODE, 64);
    assert_non_null(rt);
    echo_id = actor_spawn(rt, echo, NULL, NULL, 16);
    actor_register_name(rt, "echo", echo_id);
    actor_register_name(rt, "echo-alias", echo_id);
    binary_id = actor_spawn(rt, binary, NULL, NULL, 16);
    actor_register_name(rt, "bin", binary_id);
    mute_id = actor_spawn(rt, mute, NULL, NULL, 16);
    actor_register_name(rt, "mute", mute_id);
    shell_id = shell_actor_init(rt);
    assert_true(shell_id != ACTOR_ID_INVALID);
    memset(&con, 0, sizeof con);
    con.lines = lines;
    con.n = n;
    con.shell = shell_id;
    actor_id_t cid = actor_spawn(rt, console, &con, NULL, 16);
    if (setup)
        setup(rt);
    assert_true(actor_send(rt, shell_id, MSG_SHELL_INIT, NULL, 0));
    assert_true(actor_send(rt, cid, MSG_SHELL_INIT, NULL, 0));
    runtime_run(rt);
    runtime_destroy(rt);

    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(p[1]);
    ssize_t r, total = 0;
    while ((r = read(p[0], out + total, sizeof out - 1 - (size_t)total)) > 0)
        total += r;
    out[total] = '\0';
    close(p[0]);
}

#define SESSION(...)                                                                               \
    do {                                                                                           \
        static const char *l_[] = {__VA_ARGS__};                                                   \
        session(l_, sizeof l_ / sizeof *l_, NULL);                                                 \
    } while (0)

static void banner_then_one_prompt_per_line(void **state)
{
    (void)state;
    SESSION("self", "", "nosuch arg", "help");
    char want[64];
    static const char banner[] = "\nmk-shell v0.3 (native)\nType 'help' for commands.\n\n";
    assert_true(strncmp(out, banner, strlen(banner)) == 0);
    snprintf(want, sizeof want, "\n%" PRIu64 "\n", (uint64_t)shell_id);
    assert_contains(out, want);
    assert_contains(out, "Unknown command: nosuch (type 'help')\n");
    assert_contains(out, "  call <target> <type> [data|x:hex]");
    assert_contains(out, "  mount <host>[:<port>]");
    assert_int_equal(con.prompts, 4); /* every line, the empty one too */
    assert_int_equal(con.others, 0);
    assert_lacks(out, "\n> "); /* the console prompts, not the shell */
}

static void names_whoami_register_lookup(void **state)
{
    (void)state;
    SESSION("whoami", "register sh2", "lookup sh2", "lookup shell", "lookup", "lookup nope",
            "register",
            "register aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    char want[128];
    snprintf(want, sizeof want, " (actor %" PRIu64 ")\n", (uint64_t)shell_id);
    assert_contains(out, want);
    assert_contains(out, "Registered as 'sh2'\n");
    snprintf(want, sizeof want, "%" PRIu64 "\n%" PRIu64 "\n", (uint64_t)shell_id,
             (uint64_t)shell_id); /* lookup sh2, lookup shell (registered on INIT) */
    assert_contains(out, want);
    assert_contains(out, "Usage: lookup <name>\n");
    assert_contains(out, "Not found: nope\n");
    assert_contains(out, "Usage: register <name>\n");
    assert_contains(out, "Failed to register 'aaaaaaaa");
}

static void list_and_info_use_the_original_columns(void **state)
{
    (void)state;
    SESSION("list", "info");
    char want[256];
    assert_contains(out, "  SEQ  ID                STATUS   MBOX  NAME\n");
    snprintf(want, sizeof want, "  %-4u 0x%015" PRIx64 " idle     0/16  echo\n",
             (unsigned)(echo_id & 0xffffffffu), (uint64_t)echo_id);
    assert_contains(out, want);
    /* The second name on a continuation line under NAME. */
    assert_contains(out, "\n                                        echo-alias\n");
    snprintf(want, sizeof want, "0x%015" PRIx64 " running  0/32  shell\n", (uint64_t)shell_id);
    assert_contains(out, want);
    /* info: identity line, actor count, PARENT column. */
    assert_contains(out, " | wasm tls http\n\nActors: 5 active\n");
    assert_contains(out, "  SEQ  ID                STATUS   MBOX  PARENT            NAME\n");
    snprintf(want, sizeof want, "0x%015" PRIx64 " idle     0/16  ---               echo\n",
             (uint64_t)echo_id);
    assert_contains(out, want);
    assert_lacks(out, "Transports:");
}

static void send_and_call_with_text_and_hex(void **state)
{
    (void)state;
    SESSION("send echo 200 hello big world", "call echo 0xC8 hello", "call bin 1 x:", "call bin 2",
            "send echo 010 x:00ff", "send echo 1 x:0", "send echo 1 x:zz", "send echo abc",
            "send echo", "send nobody 1", "send echo -1");
    char want[256];
    snprintf(want, sizeof want, "Sent type=200 to %" PRIu64 " (15 bytes)\n", (uint64_t)echo_id);
    assert_contains(out, want);
    /* The echo's reply to the send arrives unsolicited: [msg]. */
    snprintf(want, sizeof want, "[msg] type=201 from=%" PRIu64 " size=15 \"hello big world\"\n",
             (uint64_t)echo_id);
    assert_contains(out, want);
    snprintf(want, sizeof want, "[reply] type=201 from=%" PRIu64 " size=5 \"hello\"\n",
             (uint64_t)echo_id);
    assert_contains(out, want);
    snprintf(want, sizeof want, "[reply] type=7 from=%" PRIu64 " size=4 [00 01 ab ff]\n",
             (uint64_t)binary_id);
    assert_contains(out, want);
    snprintf(want, sizeof want,
             "[reply] type=7 from=%" PRIu64 " size=40 [00 01 ab ff" /* 28 more zero bytes */
             " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
             " ...]\n",
             (uint64_t)binary_id);
    assert_contains(out, want);
    /* A leading 0 is octal, as the original's strtoul(…, 0). */
    snprintf(want, sizeof want, "Sent type=8 to %" PRIu64 " (2 bytes)\n", (uint64_t)echo_id);
    assert_contains(out, want);
    assert_contains(out, "Bad hex payload\nBad hex payload\n");
    assert_contains(out, "Invalid type: abc\n");
    assert_contains(out, "Usage: send <target> <type> [data|x:hex]\n");
    assert_contains(out, "Unknown target: nobody\n");
    assert_contains(out, "Invalid type: -1\n");
    assert_int_equal(con.prompts, 11);
}

static void hex_payload_is_bounded_at_256_bytes(void **state)
{
    (void)state;
    static char ok[8 + 2 + 512 + 1], big[8 + 2 + 514 + 1];
    strcpy(ok, "send echo 5 x:");
    strcpy(big, "send echo 5 x:");
    /* 255-byte line limit: the longest hex a line can carry is below 256
     * bytes anyway; 120 bytes fit, and the line cut keeps an even count. */
    memset(ok + strlen(ok), 'a', 240);
    memset(big + strlen(big), 'b', 400); /* cut at 255 bytes: 241 digits, odd */
    static const char *lines[2];
    lines[0] = ok;
    lines[1] = big;
    session(lines, 2, NULL);
    char want[128];
    snprintf(want, sizeof want, "Sent type=5 to %" PRIu64 " (120 bytes)\n", (uint64_t)echo_id);
    assert_contains(out, want);
    assert_contains(out, "Bad hex payload\n");
}

static void line_is_cut_at_255_bytes(void **state)
{
    (void)state;
    static char line[400];
    strcpy(line, "lookup ");
    memset(line + 7, 'q', 300);
    static const char *lines[1];
    lines[0] = line;
    session(lines, 1, NULL);
    char want[300];
    strcpy(want, "Not found: ");
    memset(want + 11, 'q', 248);
    strcpy(want + 11 + 248, "\n");
    assert_contains(out, want);
}

static void call_times_out_after_5s_then_prompts(void **state)
{
    (void)state;
    SESSION("call mute 9", "self");
    char want[128];
    snprintf(want, sizeof want, "Sent type=9 to %" PRIu64 " (0 bytes)\nTimeout (5s)\n",
             (uint64_t)mute_id);
    assert_contains(out, want);
    assert_int_equal(con.prompts, 2);
}

static void stop_and_errors(void **state)
{
    (void)state;
    SESSION("stop mute", "stop", "stop ghost", "list");
    char want[128];
    snprintf(want, sizeof want, "Stopped %" PRIu64 "\n", (uint64_t)mute_id);
    assert_contains(out, want);
    assert_contains(out, "Usage: stop <name-or-id>\n");
    assert_contains(out, "Unknown target: ghost\n");
    assert_lacks(out, " mute\n");
}

static void with_namespace(runtime_t *rt)
{
    assert_true(ns_actor_init(rt) != ACTOR_ID_INVALID);
    assert_int_equal(ns_register_path(rt, "/app/echo", echo_id), NS_OK);
}

static void ls_prints_path_lines(void **state)
{
    (void)state;
    static const char *lines[] = {"ls /app", "ls /zzz", "caps", "list"};
    session(lines, 4, with_namespace);
    char want[128];
    snprintf(want, sizeof want, "/app/echo=%" PRIu64 "\n", (uint64_t)echo_id);
    assert_contains(out, want);
    assert_contains(out, "(no entries under '/zzz')\n");
    assert_contains(out, "No caps actor found\n");
    /* list shows the path under the actor's flat names. */
    assert_contains(out, "echo-alias\n                                        /app/echo\n");
}

static void with_caps(runtime_t *rt)
{
    with_namespace(rt);
    assert_true(caps_actor_init(rt) != ACTOR_ID_INVALID);
}

static void caps_reply_arrives_as_msg(void **state)
{
    (void)state;
    static const char *lines[] = {"caps", "self"};
    session(lines, 2, with_caps);
    assert_contains(out, "(caps request sent, reply will appear below)\n");
    assert_contains(out, "[msg] type=4278190110 from=");
    assert_contains(out, "\"platform=");
}

static void exit_says_bye_and_stops(void **state)
{
    (void)state;
    SESSION("exit", "self");
    assert_contains(out, "Bye!\n");
    assert_int_equal(con.next, 1); /* the runtime stopped before "self" */
}

static void forged_remote_input(runtime_t *rt)
{
    /* An actor of node 9 (as a node link would deliver it) types "exit". */
    assert_true(mk_send_from(rt, actor_id_make(9, 4), shell_id, MSG_SHELL_INPUT, "exit", 4));
}

static void input_from_another_node_is_ignored(void **state)
{
    (void)state;
    static const char *lines[] = {"self"};
    session(lines, 1, forged_remote_input);
    assert_lacks(out, "Bye!");
    assert_int_equal(con.prompts, 1); /* only for the console's own line */
}

static void wasm_setup(runtime_t *rt)
{
    (void)rt;
    assert_true(wasm_actors_init());
}

/* load translates a text module (.wat, by content) with wat_to_wasm before
 * spawning; a malformed one is reported as path:line:col and nothing is
 * spawned. */
static void load_accepts_a_wat_text_module(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/test_shell_wat_XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    static char good[256], bad[256], l1[300], l2[300];
    snprintf(good, sizeof good, "%s/hello.wat", dir);
    snprintf(bad, sizeof bad, "%s/bad.wat", dir);
    FILE *f = fopen(good, "w");
    assert_non_null(f);
    fputs("(module (memory 1)\n (func (export \"handle_message\")\n"
          "  (param i32 i64 i32 i32) (result i32) (i32.const 0)))\n",
          f);
    fclose(f);
    f = fopen(bad, "w");
    assert_non_null(f);
    fputs("(module (func i32.bogus))", f);
    fclose(f);
    snprintf(l1, sizeof l1, "load %s", good);
    snprintf(l2, sizeof l2, "load %s", bad);
    static const char *lines[2];
    lines[0] = l1;
    lines[1] = l2;
    session(lines, 2, wasm_setup);
    /* the text reached actor_spawn_wasm as binary (bytes equal wat2wasm's,
     * see tests/wat): no translation error for hello.wat */
    assert_lacks(out, "hello.wat:");
    assert_lacks(out, "Cannot open");
    assert_lacks(out, "Failed to spawn");
    assert_contains(out, "as 'hello'\n");
    char want[300];
    snprintf(want, sizeof want, "%s:1:15: unknown instruction i32.bogus\n", bad);
    assert_contains(out, want);
    unlink(good);
    unlink(bad);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(banner_then_one_prompt_per_line),
        cmocka_unit_test(names_whoami_register_lookup),
        cmocka_unit_test(list_and_info_use_the_original_columns),
        cmocka_unit_test(send_and_call_with_text_and_hex),
        cmocka_unit_test(hex_payload_is_bounded_at_256_bytes),
        cmocka_unit_test(load_accepts_a_wat_text_module),
        cmocka_unit_test(line_is_cut_at_255_bytes),
        cmocka_unit_test(call_times_out_after_5s_then_prompts),
        cmocka_unit_test(stop_and_errors),
        cmocka_unit_test(ls_prints_path_lines),
        cmocka_unit_test(caps_reply_arrives_as_msg),
        cmocka_unit_test(exit_says_bye_and_stops),
        cmocka_unit_test(input_from_another_node_is_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
