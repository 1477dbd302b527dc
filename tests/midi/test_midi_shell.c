/* test_midi_shell.c -- the shell's `midi` command (src/shell/cmd_midi.c)
 * in a real session (console on a pipe, as tests/shell/test_shell_session.c
 * does) against the MIDI actor on the simulated SC16IS752: the printed
 * lines of ../shared/compat/midi.md §6 and the exact bytes the chip sent;
 * `midi play FILE` / `midi stop` through the sequencer on a clock that
 * never ticks by itself (the test is independent of elapsed time). */
#include <unistd.h>

#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/hal/mock/sc16is752_mock.h"
#include "hw/hw_test_util.h"
#include "hw/midi/midi_internal.h"
#include "microkernel/midi.h"
#include "microkernel/sequencer.h"
#include "microkernel/shell.h"

/* A step clock that never fires: only tick 0 (played at once) sounds. */
static timer_id_t still_start(void *ctx, runtime_t *rt, uint64_t period_ms)
{
    (void)ctx, (void)rt, (void)period_ms;
    return 4242;
}

static void still_stop(void *ctx, runtime_t *rt, timer_id_t id)
{
    (void)ctx, (void)rt, (void)id;
}

static const midi_clock_t k_still = {NULL, still_start, still_stop};

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (!strstr((hay), (needle)))                                                              \
            fail_msg("expected output to contain \"%s\"; output was:\n%s", (needle), (hay));       \
    } while (0)

static char g_out[65536];

/* One session with `input` as stdin; with_midi: start the MIDI actor. */
static void session(const char *input, bool with_midi)
{
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    assert_int_equal(write(in[1], input, strlen(input)), (ssize_t)strlen(input));
    close(in[1]);
    runtime_t *rt = hw_runtime();
    i2c_mock_remove_all();
    assert_true(midi_select_backend("mock"));
    if (with_midi)
        assert_int_not_equal(midi_actor_init(rt), ACTOR_ID_INVALID);
    FILE *mon = tmpfile();
    midi_monitor_out = mon;
    shell_config_t cfg;
    shell_config_init(&cfg);
    cfg.in_fd = in[0];
    cfg.out_fd = out[1];
    assert_true(shell_start(rt, &cfg) != ACTOR_ID_INVALID);
    runtime_run(rt);
    runtime_destroy(rt);
    midi_monitor_out = NULL;
    fclose(mon);
    close(out[1]);
    close(in[0]);
    ssize_t n, total = 0;
    while ((n = read(out[0], g_out + total, sizeof g_out - 1 - (size_t)total)) > 0)
        total += n;
    g_out[total] = '\0';
    close(out[0]);
    const mk_gpio_hal_t *g = gpio_mock_hal();
    g->deinit(g->ctx);
}

static void test_midi_commands_send_exact_bytes(void **st)
{
    (void)st;
    session("midi status\n"
            "midi note 0 60 100\n"
            "midi configure\n"
            "midi note 0 60 100\n"
            "midi note 1 61\n"
            "midi cc 2 7 127\n"
            "midi pc 3 5\n"
            "midi send 0xF8 0\n"
            "midi send 0x7F 0\n"
            "midi status\n"
            "exit\n",
            true);
    assert_contains(g_out, "MIDI not configured\n");
    assert_contains(g_out, "Note C4 ch=0 vel=100\n");
    assert_contains(g_out, "[reply] type=4278190203 ");
    assert_contains(g_out, "\"not configured\"");
    assert_contains(g_out, "MIDI configure: I2C0 addr=0x48 sda=8 scl=9 irq=43 freq=400000\n");
    assert_contains(g_out, "[reply] type=4278190202 "); /* MSG_MIDI_OK */
    assert_contains(g_out, "Note C#4 ch=1 vel=127\n");
    assert_contains(g_out, "\"invalid status byte\"");
    assert_contains(g_out, "SC16IS752 Channel A (MIDI IN):\n");
    assert_contains(g_out, "  IER:   0x01 (RHR irq enabled)\n");
    assert_contains(g_out, "  TXLVL: 64 bytes free (channel B)\n");
    uint8_t tx[64];
    size_t n = sc16is752_mock_get_tx(tx, sizeof tx);
    const uint8_t want[] = {0x90, 60, 100, 0x91, 61, 127, 0xB2, 7, 127, 0xC3, 5, 0xF8};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(tx, want, sizeof want);
    sc16is752_mock_detach();
}

static void test_midi_monitor_and_arp_commands(void **st)
{
    (void)st;
    session("midi arp bpm 90\n"
            "midi monitor\n"
            "midi mon\n"
            "midi arp\n"
            "midi arp\n"
            "midi arp bpm 140\n"
            "midi arp pattern updown\n"
            "midi arp pattern sideways\n"
            "midi arp octaves 3\n"
            "midi arp off\n"
            "midi arp on\n"
            "midi arp stop\n"
            "midi arp on\n"
            "midi monitor off\n"
            "midi bogus\n"
            "midi\n"
            "exit\n",
            true);
    assert_contains(g_out, "Arpeggiator not running (use 'midi arp' to start)\n");
    assert_contains(g_out, "MIDI monitor started (0x");
    assert_contains(g_out, "MIDI monitor already running (0x");
    assert_contains(g_out, "Arpeggiator started (0x");
    assert_contains(g_out, "Arpeggiator already running (0x");
    assert_contains(g_out, "BPM \xE2\x86\x92 140\n");
    assert_contains(g_out, "Pattern \xE2\x86\x92 updown\n");
    assert_contains(g_out, "Patterns: up down updown random\n");
    assert_contains(g_out, "Octaves \xE2\x86\x92 3\n");
    assert_contains(g_out, "Arpeggiator disabled (bypass)\n");
    assert_contains(g_out, "Arpeggiator enabled\n");
    assert_contains(g_out, "Arpeggiator stopped\n");
    assert_contains(g_out, "MIDI monitor stopped\n");
    assert_contains(g_out, "Unknown MIDI command: bogus (try 'midi help')\n");
    assert_contains(g_out, "MIDI commands:\n");
    sc16is752_mock_detach();
}

/* Write `len` bytes to `dir`/`name`; the path into `path`. */
static void put_file(const char *dir, const char *name, const void *data, size_t len, char *path,
                     size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void test_midi_play_and_stop_a_file(void **st)
{
    (void)st;
    /* Type 0, 96 PPQN: C4 on at 0 (velocity 100), off at 96. */
    static const uint8_t smf[] = {'M', 'T', 'h',  'd',  0,   0,   0,    6,    0,    0,   0,    1,
                                  0,   96,  'M',  'T',  'r', 'k', 0,    0,    0,    12,  0x00, 0x90,
                                  60,  100, 0x60, 0x80, 60,  0,   0x00, 0xFF, 0x2F, 0x00};
    char dir[] = "/tmp/mk-midi-shell-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char good[128], bad[128], script[1024];
    put_file(dir, "c4.mid", smf, sizeof smf, good, sizeof good);
    put_file(dir, "bad.mid", "RIFF....", 8, bad, sizeof bad);
    snprintf(script, sizeof script,
             "midi stop\n"
             "midi play\n"
             "midi play %s/missing.mid\n"
             "midi play %s\n"
             "midi configure\n"
             "midi play %s\n"
             "midi stop\n"
             "midi help\n"
             "exit\n",
             dir, bad, good);
    midi_set_clock(&k_still);
    session(script, true);
    midi_set_clock(NULL);
    assert_contains(g_out, "Sequencer not running\n");
    assert_contains(g_out, "error: midi: midi play <file.mid>;");
    assert_contains(g_out, "missing.mid: No such file or directory\n");
    assert_contains(g_out, "error: midi: not a Standard MIDI File (no MThd header)\n");
    assert_contains(g_out, "(34 bytes)\n");
    assert_contains(g_out, "Playing (stop with 'midi stop')\n");
    assert_contains(g_out, "Stopped\n");
    assert_contains(g_out, "  midi play <file.mid>");
    /* Tick 0 sounded at once; stop sent the Note Off of the sounding note. */
    uint8_t tx[64];
    size_t n = sc16is752_mock_get_tx(tx, sizeof tx);
    const uint8_t want[] = {0x90, 60, 100, 0x80, 60, 0};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(tx, want, sizeof want);
    sc16is752_mock_detach();
    unlink(good);
    unlink(bad);
    rmdir(dir);
}

static void test_midi_without_actor(void **st)
{
    (void)st;
    char dir[] = "/tmp/mk-midi-shell-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], script[256];
    put_file(dir, "x.mid", "MThd", 4, path, sizeof path);
    snprintf(script, sizeof script,
             "midi configure\nmidi note 0 60\nmidi monitor\nmidi arp\nmidi play %s\nexit\n", path);
    session(script, false);
    assert_contains(g_out, "MIDI actor not found\n");
    assert_contains(g_out, "Failed (is MIDI actor running?)\n");
    assert_null(strstr(g_out, "Loading"));
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_midi_commands_send_exact_bytes),
        cmocka_unit_test(test_midi_monitor_and_arp_commands),
        cmocka_unit_test(test_midi_play_and_stop_a_file),
        cmocka_unit_test(test_midi_without_actor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
