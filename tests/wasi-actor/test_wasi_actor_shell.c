/*
 * test_wasi_actor_shell.c -- the shell's `load --wasi` (docs/shell.md):
 * without the option a WASI module is refused with the opt-in named; with
 * `--wasi --dir HOST::GUEST` it is spawned, answers a call, and the file it
 * wrote is in HOST; a WASI command gets the words after `--` as its argv.
 * Bad options are usage errors.
 */
#include <fcntl.h>
#include <ftw.h>
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

#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/shell.h"
#include "microkernel/wasm_actor.h"

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (!strstr((hay), (needle)))                                                              \
            fail_msg("expected output to contain \"%s\"; output was:\n%s", (needle), (hay));       \
    } while (0)

static char out[65536];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

/* One shell session with `input` as its whole stdin; output in `out`. */
static void run(const char *input)
{
    int in[2], o[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(o), 0);
    size_t len = strlen(input);
    assert_int_equal(write(in[1], input, len), (ssize_t)len);
    close(in[1]);
    runtime_t *rt = runtime_init(7, 64);
    assert_non_null(rt);
    shell_config_t cfg;
    shell_config_init(&cfg);
    cfg.in_fd = in[0];
    cfg.out_fd = o[1];
    assert_true(shell_start(rt, &cfg) != ACTOR_ID_INVALID);
    runtime_run(rt);
    runtime_destroy(rt);
    close(o[1]);
    close(in[0]);
    ssize_t n, total = 0;
    while ((n = read(o[0], out + total, sizeof out - 1 - (size_t)total)) > 0)
        total += n;
    out[total] = '\0';
    close(o[0]);
}

static void load_with_and_without_wasi(void **state)
{
    (void)state;
    char dir[] = "/tmp/wasi_shell_XXXXXX";
    assert_non_null(mkdtemp(dir));
    static char input[2048];
    /* The command (wasi_cmd count /data 2) is queued to run before
     * wasi_actor handles the call, and finishes within its first turn's
     * fuel, so its file is there when the reply is. */
    snprintf(input, sizeof input,
             "load %s\n"
             "load %s --wasi --dir %s::/data\n"
             "load %s --dir %s::/data -- count /data 2\n"
             "call wasi_actor 1\n"
             "load %s --dir\n"
             "load %s --bogus\n"
             "exit\n",
             MK_WASI_ACTOR_WASM, MK_WASI_ACTOR_WASM, dir, MK_WASI_CMD_WASM, dir, MK_WASI_ACTOR_WASM,
             MK_WASI_ACTOR_WASM);
    run(input);
    assert_contains(out, "WASI is opt-in");
    assert_contains(out, "as 'wasi_actor'");
    assert_contains(out, "as 'wasi_cmd'");
    char count[160], got[16] = {0};
    snprintf(count, sizeof count, "%s/count", dir); /* argv reached the command */
    FILE *f = fopen(count, "r");
    assert_non_null(f);
    assert_non_null(fgets(got, sizeof got, f));
    fclose(f);
    assert_string_equal(got, "1\n");
    assert_contains(out, "[reply] type=101");
    assert_contains(out, "--dir needs HOST[::GUEST]");
    assert_contains(out, "unknown option '--bogus'");
    char path[128];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    assert_int_equal(access(path, F_OK), 0);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    wasm_actors_cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load_with_and_without_wasi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
