/*
 * test_wasi_command.c -- WASI command modules as WASM actors (issue 20
 * goal 2 follow-up, docs/wasm-actors.md "WASI commands"): a program with a
 * plain main (exports _start, no handle_message) spawned with the WASI
 * opt-in runs _start as the actor's body. Each C (wasi-libc) and Rust
 * (Debian's wasm32-wasi std) program is also run natively with the same
 * arguments: the actor's stdout file must equal the native stdout, and its
 * exit reason must be the native exit mapped (0 -> EXIT_NORMAL, n ->
 * WASM_WASI_EXIT_BASE + n, killed by a signal -> EXIT_TRAP). Also: under a
 * supervisor that restarts it, messages it receives with mk_recv or leaves
 * queued, reloads refused, and no link without the opt-in.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "wasm_test_util.h"

static char g_dir[64];
static exits_t exits;
static log_capture_t logs;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/wasi_cmd_XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    memset(&exits, 0, sizeof exits);
    memset(&logs, 0, sizeof logs);
    return wasm_actors_init() ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wasm_actors_cleanup();
    nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static char *slurp(const char *path, char *buf, size_t cap)
{
    memset(buf, 0, cap);
    FILE *f = fopen(path, "r");
    if (!f)
        return buf;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* A fresh empty directory <g_dir>/<name>; its path in `out`. */
static void fresh_dir(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", g_dir, name);
    assert_int_equal(mkdir(out, 0755), 0);
}

#define MAX_ARGS 8

/* Run `exe` natively with argv `args` (NULL-ended), the environment `env`
 * only, stdin /dev/null and stdout into `out`: the exit status mapped to
 * the exit reason an actor should get (0 -> EXIT_NORMAL, 1-191 ->
 * WASM_WASI_EXIT_BASE + n, a signal -> EXIT_TRAP). */
static int run_native(const char *exe, char *const args[], char *const env[], const char *out)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open("/dev/null", O_WRONLY);
        if (in < 0 || o < 0 || err < 0)
            _exit(120);
        dup2(in, 0);
        dup2(o, 1);
        dup2(err, 2);
        execve(exe, args, env);
        _exit(121);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st))
        return EXIT_TRAP;
    int code = WEXITSTATUS(st);
    if (code == 120 || code == 121)
        fail_msg("could not run %s natively (%d)", exe, code);
    return code == 0 ? EXIT_NORMAL : WASM_WASI_EXIT_BASE + code;
}

/* Step `rt` until actor `id` has exited (a safety bound, not a timing
 * assertion); its exit reason. */
static int wait_exit(runtime_t *rt, actor_id_t id)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (exit_reason_of(&exits, id) < 0) {
        runtime_step(rt);
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 30)
            fail_msg("actor 0x%016llx did not stop", (unsigned long long)id);
    }
    return exit_reason_of(&exits, id);
}

/* Spawn `wasm` as a command with argv `args` (NULL-ended), env `env`
 * (NULL-ended), `dir` (may be NULL) preopened as /sandbox and stdout into
 * `out`; its ID. */
static actor_id_t spawn_cmd(runtime_t *rt, const char *wasm, char *const args[], char *const env[],
                            const char *dir, const char *out)
{
    size_t nargs = 0, nenv = 0;
    while (args[nargs])
        nargs++;
    while (env && env[nenv])
        nenv++;
    wasm_actor_wasi_dir_t dirs[] = {{dir, "/sandbox", false}};
    wasm_actor_wasi_t w = {
        dirs, dir ? 1 : 0, (const char *const *)args, nargs, (const char *const *)env, nenv,
        out,  NULL};
    actor_id_t id = actor_spawn_wasm_file_wasi(rt, wasm, 16, 0, 0, FIBER_STACK_SMALL, &w);
    if (id == ACTOR_ID_INVALID)
        fail_msg("spawn %s: %s", wasm, mk_last_error());
    return id;
}

/* The native run and the actor run of one program and arguments ("DIR"
 * stands for a fresh directory: a host path natively, /sandbox in the
 * actor) print the same and end the same way. */
static void same(const char *name, const char *wasm, const char *native, const char *const *words)
{
    char ndir[128], wdir[128], nout[160], wout[160];
    char d1[32], d2[32];
    snprintf(d1, sizeof d1, "%s.n", name);
    snprintf(d2, sizeof d2, "%s.w", name);
    fresh_dir(d1, ndir, sizeof ndir);
    fresh_dir(d2, wdir, sizeof wdir);
    snprintf(nout, sizeof nout, "%s/%s.native.out", g_dir, name);
    snprintf(wout, sizeof wout, "%s/%s.wasm.out", g_dir, name);
    char *nargs[MAX_ARGS + 1] = {0}, *wargs[MAX_ARGS + 1] = {0};
    for (size_t i = 0; words[i]; i++) {
        assert_true(i < MAX_ARGS);
        bool is_dir = !strcmp(words[i], "DIR");
        nargs[i] = is_dir ? ndir : (char *)words[i];
        wargs[i] = is_dir ? "/sandbox" : (char *)words[i];
    }
    char *env[] = {"WASI_CMD_MODE=compare", NULL};
    int want = run_native(native, nargs, env, nout);
    memset(&exits, 0, sizeof exits); /* a new runtime hands out the same IDs again */
    runtime_t *rt = runtime_init(1, 16);
    runtime_set_log_sink(rt, capture_sink, &logs);
    assert_true(mk_runtime_on_exit(rt, record_exit, &exits));
    actor_id_t id = spawn_cmd(rt, wasm, wargs, env, wdir, wout);
    int got = wait_exit(rt, id);
    runtime_destroy(rt);
    static char a[16384], b[16384];
    slurp(nout, a, sizeof a);
    slurp(wout, b, sizeof b);
    if (strcmp(a, b) != 0)
        fail_msg("%s: the actor printed\n%s\nnatively:\n%s", name, b, a);
    if (got != want)
        fail_msg("%s: exit reason %d, the native run maps to %d; log:\n%s", name, got, want,
                 logs.text);
    if (!a[0] && strcmp(name, "rs-exit") != 0)
        fail_msg("%s: no output at all", name);
}

static void c_programs_match_native(void **state)
{
    (void)state;
    const char *args[] = {"wasi_cmd", "args", "one", "two words", NULL};
    same("c-args", MK_WASI_CMD_WASM, MK_WASI_CMD_NATIVE, args);
    const char *ex0[] = {"wasi_cmd", "exit", "0", NULL};
    same("c-exit0", MK_WASI_CMD_WASM, MK_WASI_CMD_NATIVE, ex0);
    const char *ex7[] = {"wasi_cmd", "exit", "7", NULL};
    same("c-exit7", MK_WASI_CMD_WASM, MK_WASI_CMD_NATIVE, ex7);
    const char *trap[] = {"wasi_cmd", "trap", NULL};
    same("c-trap", MK_WASI_CMD_WASM, MK_WASI_CMD_NATIVE, trap);
    const char *sl[] = {"wasi_cmd", "sleep", NULL};
    same("c-sleep", MK_WASI_CMD_WASM, MK_WASI_CMD_NATIVE, sl);
    const char *fs[] = {"wasi_fs", "fs", "DIR", NULL};
    same("c-fs", MK_WASI_FS_WASM, MK_WASI_FS_NATIVE, fs);
    const char *fsl[] = {"wasi_fs", "sleep", NULL};
    same("c-fs-sleep", MK_WASI_FS_WASM, MK_WASI_FS_NATIVE, fsl);
    const char *fin[] = {"wasi_fs", "stdin", NULL};
    same("c-stdin", MK_WASI_FS_WASM, MK_WASI_FS_NATIVE, fin);
    assert_non_null(strstr(logs.text, "_start returned: stopped"));
    assert_non_null(strstr(logs.text, "proc_exit(7)"));
    assert_non_null(strstr(logs.text, "trapped: unreachable"));
}

static void rust_programs_match_native(void **state)
{
    (void)state;
#if MK_HAVE_RUST
    const char *fs[] = {"wasi_rs", "fs", "DIR", NULL};
    same("rs-fs", MK_WASI_RS_WASM, MK_WASI_RS_NATIVE, fs);
    const char *sl[] = {"wasi_rs", "sleep", NULL};
    same("rs-sleep", MK_WASI_RS_WASM, MK_WASI_RS_NATIVE, sl);
    const char *in[] = {"wasi_rs", "stdin", NULL};
    same("rs-stdin", MK_WASI_RS_WASM, MK_WASI_RS_NATIVE, in);
    const char *ex[] = {"wasi_rs", "exit", "42", NULL};
    same("rs-exit", MK_WASI_RS_WASM, MK_WASI_RS_NATIVE, ex);
    const char *pa[] = {"wasi_rs", "panic", NULL};
    same("rs-panic", MK_WASI_RS_WASM, MK_WASI_RS_NATIVE, pa);
#else
    fail_msg("/usr/bin/rustc or /usr/lib/rustlib/wasm32-wasi missing: "
             "bash scripts/install-deps.sh (rustc, libstd-rust-dev-wasm32)");
#endif
}

/* A command under a supervisor (wasm_factory_arg_create_file_wasi): it
 * exits with 3 twice and is restarted each time (transient), then returns
 * from main and is not restarted. Every incarnation starts without a
 * message. */
static void supervised_command_is_restarted(void **state)
{
    (void)state;
    char dir[128], out[160], buf[256];
    fresh_dir("count", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/count.out", g_dir);
    runtime_t *rt = runtime_init(1, 16);
    runtime_set_log_sink(rt, capture_sink, &logs);
    assert_true(mk_runtime_on_exit(rt, record_exit, &exits));
    wasm_actor_wasi_dir_t dirs[] = {{dir, "/sandbox", false}};
    const char *args[] = {"wasi_cmd", "count", "/sandbox", "3"};
    wasm_actor_wasi_t w = {dirs, 1, args, 4, NULL, 0, out, NULL};
    wasm_factory_arg_t *fa =
        wasm_factory_arg_create_file_wasi(MK_WASI_CMD_WASM, 0, 0, FIBER_STACK_NONE, &w);
    if (!fa)
        fail_msg("factory arg: %s", mk_last_error());
    child_spec_t spec = {.name = "counter",
                         .behavior = wasm_actor_behavior,
                         .factory = wasm_actor_factory,
                         .factory_arg = fa,
                         .free_state = wasm_actor_free,
                         .mailbox_size = 16,
                         .restart_type = RESTART_TRANSIENT};
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 10, 600000, &spec, 1);
    assert_int_not_equal(sup, ACTOR_ID_INVALID);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* three incarnations have exited, the last normally */
    while (!(exits.n >= 3 && exits.reason[2] == EXIT_NORMAL)) {
        runtime_step(rt);
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 30)
            fail_msg("%zu exits so far; log:\n%s", exits.n, logs.text);
    }
    assert_int_equal(exits.reason[0], WASM_WASI_EXIT_BASE + 3);
    assert_int_equal(exits.reason[1], WASM_WASI_EXIT_BASE + 3);
    assert_int_equal(exits.reason[2], EXIT_NORMAL);
    assert_int_not_equal(exits.id[0], exits.id[1]);
    assert_int_equal(supervisor_get_child(rt, sup, 0), ACTOR_ID_INVALID); /* not restarted */
    assert_string_equal(slurp(out, buf, sizeof buf), "count 1 of 3\ncount 2 of 3\ncount 3 of 3\n");
    char cpath[160];
    snprintf(cpath, sizeof cpath, "%s/count", dir);
    assert_string_equal(slurp(cpath, buf, sizeof buf), "3\n");
    supervisor_stop(rt, sup);
    runtime_destroy(rt);
    wasm_factory_arg_destroy(fa);
}

/* Messages to a command stay queued: one that imports mk_recv takes them
 * (here while it waits in mk_recv, a reload is refused); the rest are
 * dropped when it stops. */
static void messages_recv_and_reload_refused(void **state)
{
    (void)state;
    char out[160], buf[512];
    snprintf(out, sizeof out, "%s/recv.out", g_dir);
    runtime_t *rt = runtime_init(1, 16);
    runtime_set_log_sink(rt, capture_sink, &logs);
    assert_true(mk_runtime_on_exit(rt, record_exit, &exits));
    char *args[] = {"wasi_cmd", "recv", NULL};
    actor_id_t id = spawn_cmd(rt, MK_WASI_CMD_WASM, args, NULL, NULL, out);
    for (int i = 0; i < 1000 && !strstr(slurp(out, buf, sizeof buf), "waiting\n"); i++)
        runtime_step(rt);
    assert_string_equal(buf, "waiting\n"); /* now suspended in mk_recv */
    size_t len = 0;
    uint8_t *reactor = read_all(MK_WASI_ACTOR_WASM, &len);
    actor_id_t new_id = 1;
    assert_int_equal(actor_reload_wasm(rt, id, reactor, len, &new_id), RELOAD_ERR_FIBER_ACTIVE);
    assert_error_mentions("a command cannot be reloaded");
    assert_int_equal(new_id, ACTOR_ID_INVALID);
    assert_false(actor_reload_wasm_file(rt, id, MK_WASI_CMD_WASM));
    assert_error_mentions("a command cannot be reloaded");
    free(reactor);
    assert_true(actor_send(rt, id, 42, "hi", 2));
    assert_true(actor_send(rt, id, 43, "left", 4)); /* still queued when it exits */
    assert_int_equal(wait_exit(rt, id), EXIT_NORMAL);
    assert_string_equal(slurp(out, buf, sizeof buf),
                        "waiting\nmk_recv=0 type=42 size=2 payload=hi\n");
    runtime_destroy(rt);
}

/* A command that never receives: what is sent to it while it sleeps stays
 * queued and is dropped when it returns from main. */
static void queued_messages_are_dropped_at_exit(void **state)
{
    (void)state;
    char out[160], buf[256];
    snprintf(out, sizeof out, "%s/sleep.out", g_dir);
    runtime_t *rt = runtime_init(1, 16);
    assert_true(mk_runtime_on_exit(rt, record_exit, &exits));
    char *args[] = {"wasi_cmd", "sleep", NULL};
    actor_id_t id = spawn_cmd(rt, MK_WASI_CMD_WASM, args, NULL, NULL, out);
    for (int i = 0; i < 5; i++)
        assert_true(actor_send(rt, id, 100 + (msg_type_t)i, "x", 1));
    assert_int_equal(wait_exit(rt, id), EXIT_NORMAL);
    assert_string_equal(slurp(out, buf, sizeof buf), "slept\n");
    runtime_destroy(rt);
}

static void reactor_cannot_become_a_command(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    wasm_actor_wasi_t w = {0};
    actor_id_t id =
        actor_spawn_wasm_file_wasi(rt, MK_WASI_ACTOR_WASM, 16, 0, 0, FIBER_STACK_NONE, &w);
    assert_int_not_equal(id, ACTOR_ID_INVALID);
    assert_false(actor_reload_wasm_file(rt, id, MK_WASI_CMD_WASM));
    assert_error_mentions("the new module is a WASI command");
    assert_true(actor_is_wasm(rt, id)); /* the old module still runs */
    runtime_destroy(rt);
}

static void without_opt_in_a_command_is_refused(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    assert_int_equal(actor_spawn_wasm_file(rt, MK_WASI_CMD_WASM, 16, 0, 0, FIBER_STACK_NONE),
                     ACTOR_ID_INVALID);
    assert_error_mentions("does not export handle_message");
    assert_error_mentions("it is a WASI command");
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(c_programs_match_native, setup, teardown),
        cmocka_unit_test_setup_teardown(rust_programs_match_native, setup, teardown),
        cmocka_unit_test_setup_teardown(supervised_command_is_restarted, setup, teardown),
        cmocka_unit_test_setup_teardown(messages_recv_and_reload_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(queued_messages_are_dropped_at_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(reactor_cannot_become_a_command, setup, teardown),
        cmocka_unit_test_setup_teardown(without_opt_in_a_command_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
