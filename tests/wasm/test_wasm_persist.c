/*
 * test_wasm_persist.c -- state files (state_persist.h; seed 002 "Actor
 * state persistence"): round trip, atomic replacement, truncated and
 * corrupt files rejected; and WASM actors keeping their state across a
 * supervisor restart through mk_save_state / mk_load_state.
 */
#include <sys/stat.h>

#include "microkernel/state_persist.h"
#include "wasm_test_util.h"

#define MSG_INCREMENT 210
#define MSG_GET       211

static probe_t probe;
static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    assert_true(wasm_actors_init());
    memset(&probe, 0, sizeof probe);
    strcpy(dir, "/tmp/mk_state_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/actor.state", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    wasm_actors_cleanup();
    return 0;
}

static void write_raw(const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void round_trip_and_replace(void **state)
{
    (void)state;
    char buf[64];
    size_t n = 99;
    assert_int_equal(state_file_load(path, buf, sizeof buf, &n), STATE_MISSING);
    assert_true(state_file_save(path, "first state", 11));
    assert_true(state_file_save(path, "second", 6));
    assert_int_equal(state_file_load(path, buf, sizeof buf, &n), STATE_OK);
    assert_int_equal(n, 6);
    assert_memory_equal(buf, "second", 6);
    assert_int_equal(state_file_load(path, buf, 3, &n), STATE_TOO_LARGE);
    assert_int_equal(n, 6);
    assert_true(state_file_save(path, NULL, 0));
    assert_int_equal(state_file_load(path, NULL, 0, &n), STATE_OK);
    assert_int_equal(n, 0);
    /* no temporary file is left behind */
    char tmp[200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    struct stat st;
    assert_int_not_equal(stat(tmp, &st), 0);
    assert_false(state_file_save("/nonexistent-dir/x.state", "x", 1));
    assert_error_mentions("/nonexistent-dir/x.state");
}

static void truncated_and_corrupt_files_are_rejected(void **state)
{
    (void)state;
    uint8_t img[STATE_HEADER_SIZE + 8];
    state_header_encode(img, "12345678", 8);
    memcpy(img + STATE_HEADER_SIZE, "12345678", 8);
    const uint8_t *d;
    size_t n;
    assert_int_equal(state_parse(img, sizeof img, &d, &n), STATE_OK);
    assert_int_equal(n, 8);
    for (size_t cut = 0; cut < sizeof img; cut++)
        assert_int_not_equal(state_parse(img, cut, &d, &n), STATE_OK);
    for (size_t i = 0; i < sizeof img; i++) {
        uint8_t bad[sizeof img];
        memcpy(bad, img, sizeof img);
        bad[i] ^= 0x10; /* any flipped bit is caught */
        if (state_parse(bad, sizeof bad, &d, &n) == STATE_OK)
            fail_msg("a flipped bit at byte %zu went unnoticed", i);
    }
    char buf[16];
    write_raw(img, sizeof img - 1);
    assert_int_equal(state_file_load(path, buf, sizeof buf, &n), STATE_TRUNCATED);
    assert_error_mentions("truncated");
    img[STATE_HEADER_SIZE + 3] ^= 1;
    write_raw(img, sizeof img);
    assert_int_equal(state_file_load(path, buf, sizeof buf, &n), STATE_CORRUPT);
    assert_error_mentions("checksum");
    write_raw("garbage", 7);
    assert_int_not_equal(state_file_load(path, buf, sizeof buf, &n), STATE_OK);
}

static void wasm_state_survives_restart(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 32);
    size_t len;
    uint8_t *buf = read_all(EXAMPLE("counter_v1.wasm"), &len);
    wasm_factory_arg_t *fa = wasm_factory_arg_create(buf, len, 0, 1024, FIBER_STACK_NONE);
    free(buf);
    assert_non_null(fa);
    assert_true(wasm_factory_arg_set_state_file(fa, path));
    child_spec_t spec = {.name = "counter",
                         .behavior = wasm_actor_behavior,
                         .factory = wasm_actor_factory,
                         .factory_arg = fa,
                         .free_state = wasm_actor_free,
                         .mailbox_size = 16,
                         .restart_type = RESTART_PERMANENT};
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 5, 10000, &spec, 1);
    actor_id_t c1 = supervisor_get_child(rt, sup, 0);
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    for (int i = 0; i < 3; i++)
        probe_send(rt, p, c1, MSG_INCREMENT, NULL, 0);
    runtime_run(rt);
    actor_stop(rt, c1); /* the supervisor restarts it with a fresh instance */
    runtime_run(rt);
    actor_id_t c2 = supervisor_get_child(rt, sup, 0);
    assert_int_not_equal(c2, c1);
    probe_send(rt, p, c2, MSG_INCREMENT, NULL, 0);
    probe_send(rt, p, c2, MSG_GET, NULL, 0);
    runtime_run(rt);
    assert_int_equal(probe.n, 1);
    assert_int_equal(rec_i32(&probe.recs[0], 1), 4); /* 3 before, 1 after */
    size_t n;
    int32_t on_disk = 0;
    assert_int_equal(state_file_load(path, &on_disk, sizeof on_disk, &n), STATE_OK);
    assert_int_equal(on_disk, 4);
    supervisor_stop(rt, sup);
    runtime_destroy(rt);
    wasm_factory_arg_destroy(fa);
}

static void corrupt_state_file_is_not_loaded(void **state)
{
    (void)state;
    int32_t seven = 7;
    assert_true(state_file_save(path, &seven, 4));
    uint8_t img[STATE_HEADER_SIZE + 4];
    FILE *f = fopen(path, "rb");
    assert_int_equal(fread(img, 1, sizeof img, f), sizeof img);
    fclose(f);
    img[STATE_HEADER_SIZE] ^= 0xFF; /* 7 becomes something else */
    write_raw(img, sizeof img);

    runtime_t *rt = runtime_init(1, 16);
    log_capture_t logs = {{0}};
    runtime_set_log_sink(rt, capture_sink, &logs);
    actor_id_t c =
        actor_spawn_wasm_file(rt, EXAMPLE("counter_v1.wasm"), 16, 0, 1024, FIBER_STACK_NONE);
    assert_true(wasm_actor_set_state_file(rt, c, path));
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    probe_send(rt, p, c, MSG_GET, NULL, 0);
    runtime_run(rt);
    assert_int_equal(probe.n, 1);
    assert_int_equal(rec_i32(&probe.recs[0], 1), 0); /* started from zero */
    if (!strstr(logs.text, "corrupt"))
        fail_msg("expected a log line about the corrupt file, got:\n%s", logs.text);
    runtime_destroy(rt);
}

/* The original's keyed API (compat/services.md section 3): raw bytes in
 * <base>/<actor name>/<key>, the name resolved from the running actor. */
typedef struct {
    int saved, loaded;
    char got[16];
} keyed_t;

static bool keyed_actor(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    (void)self;
    (void)msg;
    keyed_t *k = st;
    k->saved = state_save(rt, NULL, "k1", "hello", 5);
    k->loaded = state_load(rt, NULL, "k1", k->got, sizeof k->got);
    return true;
}

static void keyed_api_layout(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 8);
    assert_int_equal(state_save(rt, "a", "k", "x", 1), -1); /* not initialised */
    assert_error_mentions("state_persist_init");
    char base[160];
    snprintf(base, sizeof base, "%s/st/nested", dir);
    state_persist_init(rt, base); /* mkdir -p */
    assert_int_equal(state_save(rt, "counter", "value", "\x01\x02\x03", 3), 0);
    char file[256];
    snprintf(file, sizeof file, "%s/counter/value", base);
    FILE *f = fopen(file, "rb");
    assert_non_null(f);
    unsigned char raw[8];
    assert_int_equal(fread(raw, 1, sizeof raw, f), 3); /* raw bytes, no header */
    fclose(f);
    assert_memory_equal(raw, "\x01\x02\x03", 3);
    char buf[2];
    assert_int_equal(state_load(rt, "counter", "value", buf, 2), 2); /* cut at cap */
    assert_int_equal(state_load(rt, "counter", "missing", buf, 2), -1);
    /* Outside an actor the name is _unknown; inside, the flat name. */
    assert_int_equal(state_save(rt, NULL, "k", "u", 1), 0);
    snprintf(file, sizeof file, "%s/_unknown/k", base);
    assert_int_equal(access(file, F_OK), 0);
    keyed_t k = {0};
    actor_id_t a = actor_spawn(rt, keyed_actor, &k, NULL, 4);
    assert_true(actor_register_name(rt, "named", a));
    actor_send(rt, a, 1, NULL, 0);
    runtime_step(rt);
    assert_int_equal(k.saved, 0);
    assert_int_equal(k.loaded, 5);
    assert_memory_equal(k.got, "hello", 5);
    snprintf(file, sizeof file, "%s/named/k1", base);
    assert_int_equal(access(file, F_OK), 0);
    actor_id_t b = actor_spawn(rt, keyed_actor, &k, NULL, 4); /* unnamed: _id_<seq> */
    actor_send(rt, b, 1, NULL, 0);
    runtime_step(rt);
    snprintf(file, sizeof file, "%s/_id_%u/k1", base, actor_id_seq(b));
    assert_int_equal(access(file, F_OK), 0);
    assert_int_equal(state_delete(rt, "named", "k1"), 0);
    assert_int_equal(state_delete(rt, "named", "k1"), -1);
    runtime_destroy(rt);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/st'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Regression (issue 13): a FIFO planted where a state file or its
 * temporary file goes made open(2) wait for a writer or reader, stopping
 * every actor of the node's thread. Now each call returns an error at once
 * (a blocking open would hang this test until ctest's timeout). */
static void fifo_in_place_of_a_state_file_does_not_block(void **state)
{
    (void)state;
    char buf[16];
    size_t n;
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(state_file_load(path, buf, sizeof buf, &n), STATE_IO);
    assert_error_mentions("not a regular file");
    unlink(path);
    char tmp[200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    assert_int_equal(mkfifo(tmp, 0600), 0);
    assert_false(state_file_save(path, "x", 1));
    unlink(tmp);
    assert_true(state_file_save(path, "x", 1)); /* and it works once it is gone */

    runtime_t *rt = runtime_init(1, 8);
    char base[160], file[256];
    snprintf(base, sizeof base, "%s/fifo", dir);
    state_persist_init(rt, base);
    assert_int_equal(state_save(rt, "a", "k", "v", 1), 0);
    snprintf(file, sizeof file, "%s/a/k", base);
    unlink(file);
    assert_int_equal(mkfifo(file, 0600), 0);
    assert_int_equal(state_load(rt, "a", "k", buf, sizeof buf), -1);
    assert_error_mentions("not a regular file");
    runtime_destroy(rt);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip_and_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(keyed_api_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(fifo_in_place_of_a_state_file_does_not_block, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(truncated_and_corrupt_files_are_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(wasm_state_survives_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_state_file_is_not_loaded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
