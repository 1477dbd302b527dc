/*
 * test_wasi_actor.c -- WASI preview1 for WASM actors (actor_spawn_wasm_wasi,
 * docs/wasm-actors.md "WASI"): a wasi-libc C program (wasi_actor.c) running
 * as an actor writes and reads a file in its preopen, prints to stdout (a
 * file) and stderr (the log), sees stdin at end of file, sleeps while other
 * actors run (checked by the order of events), fails to escape its
 * preopens with ENOTCAPABLE, and exits with a code its supervisor sees.
 * Without the opt-in the same module does not link.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

#include "wasm_test_util.h"

#define WASI_ENOTCAPABLE 76 /* preview1 errno, = wasi-libc's ENOTCAPABLE */

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
    snprintf(g_dir, sizeof g_dir, "/tmp/wasi_actor_XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    char p[128];
    /* <dir>/data: the preopen; <dir>/secret.txt: beside it; data/link -> .. */
    snprintf(p, sizeof p, "%s/data", g_dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/ro", g_dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/secret.txt", g_dir);
    FILE *f = fopen(p, "w");
    if (!f)
        return -1;
    fputs("secret\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/data/link", g_dir);
    if (symlink("..", p) != 0)
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

static char *slurp(const char *path)
{
    static char buf[4096];
    memset(buf, 0, sizeof buf);
    FILE *f = fopen(path, "r");
    if (!f)
        return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

typedef struct {
    actor_id_t id;
    char out[128];
} spawned_t;

static spawned_t spawn_guest(runtime_t *rt)
{
    spawned_t s;
    char data[96], ro[96];
    snprintf(data, sizeof data, "%s/data", g_dir);
    snprintf(ro, sizeof ro, "%s/ro", g_dir);
    snprintf(s.out, sizeof s.out, "%s/stdout.txt", g_dir);
    wasm_actor_wasi_dir_t dirs[] = {{data, "/data", false}, {ro, "/ro", true}};
    const char *args[] = {"wasi_actor"};
    const char *env[] = {"GREETING=hello"};
    wasm_actor_wasi_t w = {dirs, 2, args, 1, env, 1, s.out, NULL};
    s.id = actor_spawn_wasm_file_wasi(rt, MK_WASI_ACTOR_WASM, 16, 0, 0, FIBER_STACK_NONE, &w);
    if (s.id == ACTOR_ID_INVALID)
        fail_msg("spawn: %s", mk_last_error());
    return s;
}

static volatile int g_done;
static msg_type_t g_until;

static void stop_at(runtime_t *rt, void *ctx, const message_t *msg)
{
    (void)rt;
    (void)ctx;
    if (msg->type == g_until)
        g_done = 1;
}

static probe_t *new_probe(void)
{
    probe_t *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->on_msg = stop_at;
    return p;
}

static void files_stdout_and_log(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    runtime_set_log_sink(rt, capture_sink, &logs);
    probe_t *probe = new_probe();
    actor_id_t p = actor_spawn(rt, probe_behavior, probe, NULL, 64);
    spawned_t g = spawn_guest(rt);
    g_done = 0;
    g_until = 101;
    probe_send(rt, p, g.id, 1, NULL, 0);
    run_until(rt, &g_done, 10000);
    const probe_rec_t *r = probe_find(probe, 101);
    assert_non_null(r);
    assert_int_equal(rec_i32(r, 0), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/data/out.txt", g_dir);
    assert_string_equal(slurp(path), "written by a wasm actor\n");
    const char *out = slurp(g.out);
    assert_non_null(strstr(out, "read back: written by a wasm actor\n"));
    assert_non_null(strstr(out, "env GREETING=hello\n"));
    assert_non_null(strstr(out, "stdin read: 0\n")); /* end of file, not a wait */
    assert_non_null(strstr(logs.text, "stderr: a line for the log"));
    runtime_destroy(rt);
    free(probe);
}

static void escapes_fail_with_notcapable(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    probe_t *probe = new_probe();
    actor_id_t p = actor_spawn(rt, probe_behavior, probe, NULL, 64);
    spawned_t g = spawn_guest(rt);
    g_done = 0;
    g_until = 102;
    probe_send(rt, p, g.id, 2, NULL, 0);
    run_until(rt, &g_done, 10000);
    assert_non_null(probe_find(probe, 102));
    char want[64];
    const char *out = slurp(g.out);
    snprintf(want, sizeof want, "dotdot: %d\n", WASI_ENOTCAPABLE);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "absolute: %d\n", WASI_ENOTCAPABLE);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "symlink: %d\n", WASI_ENOTCAPABLE);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "readonly write: %d\n", WASI_ENOTCAPABLE);
    assert_non_null(strstr(out, want));
    runtime_destroy(rt);
    free(probe);
}

/* A native actor that answers the probe with type 200. */
static bool other(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    actor_send(rt, msg->source, 200, NULL, 0);
    return true;
}

static void sleep_suspends_only_the_actor(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    probe_t *probe = new_probe();
    actor_id_t p = actor_spawn(rt, probe_behavior, probe, NULL, 64);
    actor_id_t o = actor_spawn(rt, other, NULL, NULL, 16);
    spawned_t g = spawn_guest(rt);
    g_done = 0;
    g_until = 104;
    probe_send(rt, p, g.id, 3, NULL, 0); /* sleeps 20 ms, then sched_yield */
    probe_send(rt, p, o, 50, NULL, 0);   /* queued behind it */
    run_until(rt, &g_done, 10000);
    /* went to sleep, the other actor answered meanwhile, then woke */
    assert_int_equal(probe->n, 3);
    assert_int_equal(probe->recs[0].type, 103);
    assert_int_equal(probe->recs[1].type, 200);
    assert_int_equal(probe->recs[2].type, 104);
    runtime_destroy(rt);
    free(probe);
}

static void proc_exit_code_reaches_the_supervisor(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    runtime_set_log_sink(rt, capture_sink, &logs);
    assert_true(mk_runtime_on_exit(rt, record_exit, &exits));
    probe_t *probe = new_probe();
    actor_id_t p = actor_spawn(rt, probe_behavior, probe, NULL, 64);
    spawned_t g = spawn_guest(rt);
    probe_send(rt, p, g.id, 4, NULL, 0);
    for (int i = 0; i < 100000 && exit_reason_of(&exits, g.id) < 0; i++)
        runtime_step(rt);
    assert_int_equal(exit_reason_of(&exits, g.id), WASM_WASI_EXIT_BASE + 7);
    assert_false(actor_is_wasm(rt, g.id));
    assert_non_null(strstr(logs.text, "proc_exit(7)"));
    assert_non_null(strstr(slurp(g.out), "exiting with 7\n"));
    runtime_destroy(rt);
    free(probe);
}

/* A reload keeps the WASI context (preopens, stdout file) and initialises
 * the new instance's wasi-libc (_initialize). */
static void reload_keeps_the_wasi_context(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    probe_t *probe = new_probe();
    actor_id_t p = actor_spawn(rt, probe_behavior, probe, NULL, 64);
    spawned_t g = spawn_guest(rt);
    assert_true(actor_reload_wasm_file(rt, g.id, MK_WASI_ACTOR_WASM));
    g_done = 0;
    g_until = 101;
    probe_send(rt, p, g.id, 1, NULL, 0);
    run_until(rt, &g_done, 10000);
    const probe_rec_t *r = probe_find(probe, 101);
    assert_non_null(r);
    assert_int_equal(rec_i32(r, 0), 0);
    assert_non_null(strstr(slurp(g.out), "read back: written by a wasm actor\n"));
    runtime_destroy(rt);
    free(probe);
}

static void without_opt_in_wasi_does_not_link(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t id = actor_spawn_wasm_file(rt, MK_WASI_ACTOR_WASM, 16, 0, 0, FIBER_STACK_NONE);
    assert_int_equal(id, ACTOR_ID_INVALID);
    assert_error_mentions("import wasi_snapshot_preview1.");
    assert_error_mentions("WASI is opt-in");
    runtime_destroy(rt);
}

static void bad_preopen_is_refused(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    char missing[128];
    snprintf(missing, sizeof missing, "%s/no-such-dir", g_dir);
    wasm_actor_wasi_dir_t dirs[] = {{missing, "/x", false}};
    wasm_actor_wasi_t w = {.dirs = dirs, .ndirs = 1};
    actor_id_t id =
        actor_spawn_wasm_file_wasi(rt, MK_WASI_ACTOR_WASM, 16, 0, 0, FIBER_STACK_NONE, &w);
    assert_int_equal(id, ACTOR_ID_INVALID);
    assert_error_mentions("no-such-dir");
    assert_int_equal(
        actor_spawn_wasm_file_wasi(rt, MK_WASI_ACTOR_WASM, 16, 0, 0, FIBER_STACK_NONE, NULL),
        ACTOR_ID_INVALID);
    assert_error_mentions("wasi is NULL");
    runtime_destroy(rt);
}

/* Open file descriptors of this process now (/proc/self/fd, minus the
 * directory's own). */
static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1;
}

/* Run until the supervisor's child 0 is no longer `old` (it was restarted)
 * and has a live successor. */
static actor_id_t next_child(runtime_t *rt, actor_id_t sup, actor_id_t old)
{
    for (int i = 0; i < 100000; i++) {
        actor_id_t c = supervisor_get_child(rt, sup, 0);
        if (c != ACTOR_ID_INVALID && c != old)
            return c;
        runtime_step(rt);
    }
    fail_msg("child 0x%016llx was not restarted", (unsigned long long)old);
    return ACTOR_ID_INVALID;
}

/* Issue 20 follow-up, step 1: a WASI actor under a supervisor gets a fresh
 * context at every restart -- the file it holds open is at the same guest
 * fd each time (a fresh table), and after 50 restarts the process has as
 * many fds open as after the first start (the previous incarnations' are
 * closed). */
static void supervised_restarts_get_fresh_contexts(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    runtime_set_log_sink(rt, capture_sink, &logs);
    assert_true(mk_runtime_on_exit(rt, record_exit, &exits));
    char data[96], out[128];
    snprintf(data, sizeof data, "%s/data", g_dir);
    snprintf(out, sizeof out, "%s/stdout.txt", g_dir);
    wasm_actor_wasi_dir_t dirs[] = {{data, "/data", false}};
    const char *args[] = {"wasi_actor"};
    wasm_actor_wasi_t w = {dirs, 1, args, 1, NULL, 0, out, NULL};
    wasm_factory_arg_t *fa =
        wasm_factory_arg_create_file_wasi(MK_WASI_ACTOR_WASM, 0, 0, FIBER_STACK_NONE, &w);
    if (!fa)
        fail_msg("factory arg: %s", mk_last_error());
    dirs[0].host = "/nonexistent-overwritten"; /* the arg holds its own copy */
    child_spec_t spec = {.name = "wasi_child",
                         .behavior = wasm_actor_behavior,
                         .factory = wasm_actor_factory,
                         .factory_arg = fa,
                         .free_state = wasm_actor_free,
                         .mailbox_size = 16,
                         .restart_type = RESTART_PERMANENT};
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 1000, 600000, &spec, 1);
    assert_int_not_equal(sup, ACTOR_ID_INVALID);
    probe_t *probe = new_probe();
    actor_id_t p = actor_spawn(rt, probe_behavior, probe, NULL, 64);
    actor_id_t child = supervisor_get_child(rt, sup, 0);
    int baseline = -1, now = -1, first_fd = -1;
    for (int round = 0; round <= 50; round++) {
        size_t before = probe->n;
        g_done = 0;
        g_until = 105;
        probe_send(rt, p, child, 5, NULL, 0); /* hold a file and a directory open */
        run_until(rt, &g_done, 10000);
        assert_int_equal(probe->n, before + 1);
        int fd = rec_i32(&probe->recs[before], 0);
        if (round == 0)
            first_fd = fd;
        if (fd != first_fd)
            fail_msg("round %d: guest fd %d, the first incarnation had %d", round, fd, first_fd);
        if (round == 1) /* the first restart's context, its file and directory open */
            baseline = count_fds();
        if (round == 50) /* the fiftieth restart's, at the same point */
            now = count_fds();
        probe_send(rt, p, child, 4, NULL, 0); /* proc_exit(7): the supervisor restarts it */
        actor_id_t old = child;
        child = next_child(rt, sup, old);
        assert_int_equal(exit_reason_of(&exits, old), WASM_WASI_EXIT_BASE + 7);
    }
    assert_true(first_fd >= 4); /* after stdio and the preopen */
    if (now != baseline)
        fail_msg("open fds after 50 restarts: %d, after the first: %d", now, baseline);
    supervisor_stop(rt, sup);
    runtime_destroy(rt);
    wasm_factory_arg_destroy(fa);
    free(probe);
}

/* wasm_factory_arg_create_wasi refuses what actor_spawn_wasm_wasi refuses,
 * and wasm_factory_arg_create still links without WASI. */
static void factory_arg_wasi_errors(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = read_all(MK_WASI_ACTOR_WASM, &len);
    assert_non_null(buf);
    assert_null(wasm_factory_arg_create_wasi(buf, len, 0, 0, FIBER_STACK_NONE, NULL));
    assert_error_mentions("wasi is NULL");
    char missing[128];
    snprintf(missing, sizeof missing, "%s/no-such-dir", g_dir);
    wasm_actor_wasi_dir_t dirs[] = {{missing, "/x", false}};
    wasm_actor_wasi_t w = {.dirs = dirs, .ndirs = 1};
    assert_null(wasm_factory_arg_create_wasi(buf, len, 0, 0, FIBER_STACK_NONE, &w));
    assert_error_mentions("no-such-dir");
    w.ndirs = WASM_WASI_MAX_DIRS + 1;
    assert_null(wasm_factory_arg_create_wasi(buf, len, 0, 0, FIBER_STACK_NONE, &w));
    assert_error_mentions("preopens");
    wasm_actor_wasi_t bad_out = {.stdout_path = "/nonexistent-dir/out.txt"};
    assert_null(wasm_factory_arg_create_wasi(buf, len, 0, 0, FIBER_STACK_NONE, &bad_out));
    assert_error_mentions("/nonexistent-dir/out.txt");
    assert_null(wasm_factory_arg_create(buf, len, 0, 0, FIBER_STACK_NONE));
    assert_error_mentions("WASI is opt-in");
    assert_null(
        wasm_factory_arg_create_file_wasi("/nonexistent.wasm", 0, 0, FIBER_STACK_NONE, &bad_out));
    assert_error_mentions("/nonexistent.wasm");
    free(buf);
}

/* Run until the probe has recorded `n` messages (a safety bound only). */
static void run_until_n(runtime_t *rt, probe_t *probe, size_t n)
{
    for (int i = 0; i < 1000000 && probe->n < n; i++)
        runtime_step(rt);
    if (probe->n < n)
        fail_msg("%zu messages recorded, waiting for %zu", probe->n, n);
}

static char g_fifo[128];

static spawned_t spawn_with_fifo(runtime_t *rt)
{
    snprintf(g_fifo, sizeof g_fifo, "%s/data/fifo", g_dir);
    assert_int_equal(mkfifo(g_fifo, 0644), 0);
    return spawn_guest(rt);
}

/* The fifo tests' node: a probe `p`, another actor `o` that answers, and
 * the guest `g` with /data/fifo made. */
typedef struct {
    runtime_t *rt;
    probe_t *probe;
    actor_id_t p, o;
    spawned_t g;
} fifo_node_t;

static fifo_node_t fifo_node(void)
{
    fifo_node_t n;
    n.rt = runtime_init(1, 16);
    n.probe = new_probe();
    n.p = actor_spawn(n.rt, probe_behavior, n.probe, NULL, 64);
    n.o = actor_spawn(n.rt, other, NULL, NULL, 16);
    n.g = spawn_with_fifo(n.rt);
    return n;
}

static void fifo_node_end(fifo_node_t *n)
{
    runtime_destroy(n->rt);
    free(n->probe);
}

/* Step 3: poll_oneoff on a fifo suspends only the actor; the node's event
 * loop wakes it when the test writes, after another actor had its turn. */
static void poll_fd_read_waits_in_the_event_loop(void **state)
{
    (void)state;
    fifo_node_t fx = fifo_node();
    runtime_t *rt = fx.rt;
    probe_t *probe = fx.probe;
    actor_id_t p = fx.p, o = fx.o;
    spawned_t g = fx.g;
    probe_send(rt, p, g.id, 6, NULL, 0);
    run_until_n(rt, probe, 1);
    assert_int_equal(probe->recs[0].type, 106); /* it opened the fifo and polls */
    assert_int_equal(rec_i32(&probe->recs[0], 0), 0);
    probe_send(rt, p, o, 50, NULL, 0);
    run_until_n(rt, probe, 2);
    assert_int_equal(probe->recs[1].type, 200); /* the node ran on meanwhile */
    for (int i = 0; i < 1000; i++)
        runtime_step(rt);
    assert_int_equal(probe->n, 2); /* still waiting: nothing was written */
    int w = open(g_fifo, O_WRONLY | O_NONBLOCK);
    assert_true(w >= 0);
    assert_int_equal(write(w, "ping", 4), 4);
    run_until_n(rt, probe, 3);
    assert_int_equal(probe->recs[2].type, 107);
    assert_int_equal(rec_i32(&probe->recs[2], 0), 4);
    assert_non_null(strstr(slurp(g.out), "fifo poll=1 revents=1 read=ping\n"));
    close(w);
    fifo_node_end(&fx);
}

/* A full fifo: poll for writing waits until the test drains it. */
static void poll_fd_write_waits_for_room(void **state)
{
    (void)state;
    fifo_node_t fx = fifo_node();
    runtime_t *rt = fx.rt;
    probe_t *probe = fx.probe;
    actor_id_t p = fx.p;
    spawned_t g = fx.g;
    int r = open(g_fifo, O_RDONLY | O_NONBLOCK); /* the reader the actor writes to */
    assert_true(r >= 0);
    probe_send(rt, p, g.id, 7, NULL, 0);
    run_until_n(rt, probe, 1);
    assert_int_equal(probe->recs[0].type, 108);
    int filled = rec_i32(&probe->recs[0], 0);
    assert_true(filled > 0);
    for (int i = 0; i < 1000; i++)
        runtime_step(rt);
    assert_int_equal(probe->n, 1); /* full: still waiting */
    static char buf[65536];
    ssize_t got = 0, n;
    while ((n = read(r, buf, sizeof buf)) > 0)
        got += n;
    assert_int_equal(got, filled);
    run_until_n(rt, probe, 2);
    assert_int_equal(probe->recs[1].type, 109);
    assert_int_equal(rec_i32(&probe->recs[1], 0), 0);
    close(r);
    fifo_node_end(&fx);
}

/* A poll whose fd stays silent ends by its clock (the fd's source is then
 * taken out of the loop: runtime_run returns once the actors are idle),
 * and more than WASM_WASI_POLL_FDS subscriptions is NOTSUP. */
static void poll_fd_timeout_and_limit(void **state)
{
    (void)state;
    fifo_node_t fx = fifo_node();
    runtime_t *rt = fx.rt;
    probe_t *probe = fx.probe;
    actor_id_t p = fx.p;
    spawned_t g = fx.g;
    probe_send(rt, p, g.id, 8, NULL, 0);
    probe_send(rt, p, g.id, 9, NULL, 0);
    run_until_n(rt, probe, 2);
    assert_int_equal(probe->recs[0].type, 110);
    assert_int_equal(rec_i32(&probe->recs[0], 0), 0); /* timed out */
    assert_int_equal(probe->recs[1].type, 111);
    assert_int_equal(rec_i32(&probe->recs[1], 0), 58); /* ENOTSUP */
    fifo_node_end(&fx);
}

/* An actor stopped while it waits in poll_oneoff leaves no source in the
 * loop (ASan, and the fifo write afterwards wakes nobody). */
static void stopped_while_polling(void **state)
{
    (void)state;
    fifo_node_t fx = fifo_node();
    runtime_t *rt = fx.rt;
    probe_t *probe = fx.probe;
    actor_id_t p = fx.p;
    spawned_t g = fx.g;
    probe_send(rt, p, g.id, 6, NULL, 0);
    run_until_n(rt, probe, 1);
    actor_stop(rt, g.id);
    int w = open(g_fifo, O_WRONLY | O_NONBLOCK);
    assert_true(w < 0); /* no reader left: the actor's fd was closed */
    for (int i = 0; i < 100; i++)
        runtime_step(rt);
    assert_int_equal(probe->n, 1);
    fifo_node_end(&fx);
}

/* A fifo opened and read without O_NONBLOCK: the open returns at once and
 * the read suspends only the actor (the node runs another actor
 * meanwhile) until the test writes; a native open would block the node's
 * thread until a writer came. */
static void blocking_read_waits_in_the_event_loop(void **state)
{
    (void)state;
    fifo_node_t fx = fifo_node();
    runtime_t *rt = fx.rt;
    probe_t *probe = fx.probe;
    actor_id_t p = fx.p, o = fx.o;
    spawned_t g = fx.g;
    int w = open(g_fifo, O_RDWR | O_NONBLOCK); /* a writer, so the read waits, not EOF */
    assert_true(w >= 0);
    probe_send(rt, p, g.id, 10, NULL, 0);
    run_until_n(rt, probe, 1);
    assert_int_equal(probe->recs[0].type, 112);
    assert_int_equal(rec_i32(&probe->recs[0], 0), 0);
    probe_send(rt, p, o, 50, NULL, 0);
    run_until_n(rt, probe, 2);
    assert_int_equal(probe->recs[1].type, 200); /* the node ran on meanwhile */
    for (int i = 0; i < 1000; i++)
        runtime_step(rt);
    assert_int_equal(probe->n, 2); /* still reading: nothing was written */
    assert_int_equal(write(w, "pong", 4), 4);
    run_until_n(rt, probe, 3);
    assert_int_equal(probe->recs[2].type, 113);
    assert_int_equal(rec_i32(&probe->recs[2], 0), 4);
    assert_non_null(strstr(slurp(g.out), "fifo read=pong\n"));
    close(w);
    fifo_node_end(&fx);
}

/* A fifo opened for writing with no reader: NXIO at once (natively the
 * open would wait for a reader, holding the node's thread). */
static void fifo_without_reader_is_nxio(void **state)
{
    (void)state;
    fifo_node_t fx = fifo_node();
    runtime_t *rt = fx.rt;
    probe_t *probe = fx.probe;
    actor_id_t p = fx.p;
    spawned_t g = fx.g;
    probe_send(rt, p, g.id, 11, NULL, 0);
    run_until_n(rt, probe, 1);
    assert_int_equal(probe->recs[0].type, 114);
    assert_int_equal(rec_i32(&probe->recs[0], 0), 60); /* ENXIO */
    fifo_node_end(&fx);
}

/* Blocking writes of more than a fifo holds: each full pipe suspends the
 * actor until the test reads; every byte arrives. */
static void blocking_write_waits_for_room(void **state)
{
    (void)state;
    fifo_node_t fx = fifo_node();
    runtime_t *rt = fx.rt;
    probe_t *probe = fx.probe;
    actor_id_t p = fx.p, o = fx.o;
    spawned_t g = fx.g;
    int r = open(g_fifo, O_RDONLY | O_NONBLOCK);
    assert_true(r >= 0);
    probe_send(rt, p, g.id, 12, NULL, 0);
    for (int i = 0; i < 1000; i++)
        runtime_step(rt);
    assert_int_equal(probe->n, 0); /* the pipe is full: the writer waits */
    probe_send(rt, p, o, 50, NULL, 0);
    run_until_n(rt, probe, 1);
    assert_int_equal(probe->recs[0].type, 200); /* the node ran on meanwhile */
    static char buf[65536];
    ssize_t got = 0;
    for (int i = 0; i < 1000000 && probe->n < 2; i++) {
        ssize_t n = read(r, buf, sizeof buf);
        if (n > 0)
            got += n;
        runtime_step(rt);
    }
    ssize_t n;
    while ((n = read(r, buf, sizeof buf)) > 0)
        got += n;
    assert_int_equal(probe->n, 2);
    assert_int_equal(probe->recs[1].type, 115);
    assert_int_equal(rec_i32(&probe->recs[1], 0), 200000);
    assert_int_equal(got, 200000);
    close(r);
    fifo_node_end(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(files_stdout_and_log, setup, teardown),
        cmocka_unit_test_setup_teardown(escapes_fail_with_notcapable, setup, teardown),
        cmocka_unit_test_setup_teardown(sleep_suspends_only_the_actor, setup, teardown),
        cmocka_unit_test_setup_teardown(proc_exit_code_reaches_the_supervisor, setup, teardown),
        cmocka_unit_test_setup_teardown(reload_keeps_the_wasi_context, setup, teardown),
        cmocka_unit_test_setup_teardown(without_opt_in_wasi_does_not_link, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_preopen_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(supervised_restarts_get_fresh_contexts, setup, teardown),
        cmocka_unit_test_setup_teardown(factory_arg_wasi_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(poll_fd_read_waits_in_the_event_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(poll_fd_write_waits_for_room, setup, teardown),
        cmocka_unit_test_setup_teardown(poll_fd_timeout_and_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(stopped_while_polling, setup, teardown),
        cmocka_unit_test_setup_teardown(blocking_read_waits_in_the_event_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(fifo_without_reader_is_nxio, setup, teardown),
        cmocka_unit_test_setup_teardown(blocking_write_waits_for_room, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
