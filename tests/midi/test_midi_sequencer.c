/* test_midi_sequencer.c -- the sequencer (src/hw/midi/sequencer.c) on a
 * controllable clock (midi_set_clock: the test delivers each 5 ms step)
 * through the MIDI actor and the simulated SC16IS752: polyrhythm of two
 * pattern lengths at exact ticks, pattern switch on the bar, mute/solo and
 * stop without hanging notes, tempo change, SMF import; the export is read
 * back by python3-mido (an independent parser) event by event, and a file
 * with a tempo map written by mido plays each note at the 5 ms step mido's
 * own clock puts it at, and comes back out with the same tempo map. */
#include <sys/wait.h>
#include <unistd.h>

#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/hal/mock/sc16is752_mock.h"
#include "hw/hw_test_util.h"
#include "hw/midi/midi_internal.h"
#include "hw/midi/smf.h"
#include "microkernel/midi.h"
#include "microkernel/sequencer.h"

static struct {
    timer_id_t id, next;
    uint64_t period_ms;
} g_clk;

static timer_id_t fake_start(void *ctx, runtime_t *rt, uint64_t period_ms)
{
    (void)ctx, (void)rt;
    g_clk.period_ms = period_ms;
    return g_clk.id = ++g_clk.next;
}

static void fake_stop(void *ctx, runtime_t *rt, timer_id_t id)
{
    (void)ctx, (void)rt;
    if (id == g_clk.id)
        g_clk.id = TIMER_ID_INVALID;
}

static const midi_clock_t k_fake = {NULL, fake_start, fake_stop};

typedef struct {
    runtime_t *rt;
    actor_id_t midi, seq, client;
} fx_t;

static smf_t g_smf;

static int setup(void **st)
{
    fx_t *f = calloc(1, sizeof *f);
    memset(&g_clk, 0, sizeof g_clk);
    midi_set_clock(&k_fake);
    f->rt = hw_runtime();
    i2c_mock_remove_all();
    assert_true(midi_select_backend("mock"));
    f->midi = midi_actor_init(f->rt);
    f->client = hw_client(f->rt);
    midi_config_payload_t cfg = {0, 0x48, 8, 9, 43, {0}, 400000};
    assert_hw_reply(hw_call(f->rt, f->client, f->midi, MSG_MIDI_CONFIGURE, &cfg, sizeof cfg),
                    MSG_MIDI_OK, "");
    f->seq = sequencer_init(f->rt);
    assert_int_not_equal(f->seq, ACTOR_ID_INVALID);
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    midi_set_clock(NULL);
    sc16is752_mock_detach();
    i2c_mock_remove_all();
    const mk_gpio_hal_t *g = gpio_mock_hal();
    g->deinit(g->ctx);
    free(f);
    return 0;
}

static hw_reply_t req(fx_t *f, msg_type_t type, const void *p, size_t len)
{
    hw_reply_t r = hw_call(f->rt, f->client, f->seq, type, p, len);
    return r;
}

static void ok(fx_t *f, msg_type_t type, const void *p, size_t len)
{
    assert_hw_reply(req(f, type, p, len), MSG_SEQ_OK, "");
}

static void pattern(fx_t *f, uint8_t track, uint8_t slot, uint32_t len, const seq_event_t *ev,
                    uint16_t n)
{
    uint8_t buf[8 + 16 * sizeof(seq_event_t)];
    seq_pattern_payload_t h = {track, slot, n, len};
    memcpy(buf, &h, 8);
    memcpy(buf + 8, ev, n * sizeof *ev);
    ok(f, MSG_SEQ_SET_PATTERN, buf, 8 + n * sizeof *ev);
}

static void track_msg(fx_t *f, msg_type_t type, uint8_t track, uint8_t value)
{
    seq_track_payload_t p = {track, value, {0}};
    ok(f, type, &p, sizeof p);
}

/* Deliver `n` clock steps. */
static void steps(fx_t *f, int n)
{
    for (int i = 0; i < n; i++) {
        assert_int_not_equal(g_clk.id, TIMER_ID_INVALID);
        timer_payload_t t = {g_clk.id, 1};
        assert_true(mk_send_from(f->rt, ACTOR_ID_INVALID, f->seq, MSG_TIMER, &t, sizeof t));
        hw_pump(f->rt, 1);
    }
    hw_pump(f->rt, 4);
}

/* The export as "tick:ON 60" lines joined by ','; also parsed into g_smf. */
static const char *exported(fx_t *f, uint8_t *file, size_t *len)
{
    hw_reply_t r = req(f, MSG_SEQ_EXPORT, NULL, 0);
    assert_int_equal(r.type, MSG_SEQ_SMF);
    memcpy(file, r.data, r.len);
    *len = r.len;
    assert_int_equal(smf_parse(file, r.len, &g_smf), SMF_OK);
    static char s[4096];
    s[0] = '\0';
    for (size_t i = 0; i < g_smf.nevents; i++) {
        const smf_event_t *e = &g_smf.events[i];
        size_t u = strlen(s);
        snprintf(s + u, sizeof s - u, "%s%u:%s %u", u ? "," : "", e->tick,
                 (e->status & 0xF0) == 0x90   ? "ON"
                 : (e->status & 0xF0) == 0x80 ? "OFF"
                                              : "X",
                 e->data1);
    }
    return s;
}

static const seq_event_t k_t0[2] = {{0, 0x90, 60, 100, 0}, {240, 0x80, 60, 0, 0}};
static const seq_event_t k_t1[2] = {{0, 0x91, 64, 90, 0}, {360, 0x81, 64, 0, 0}};

/* Read `path` with mido and print "abs_tick type note" per note message. */
static void mido_read(const char *path, char *out, size_t cap)
{
    /* Debian's interpreter (python3-mido is installed for it); a version
     * manager's python3 earlier on PATH would not see the package. */
    const char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s -c 'import sys, mido\n"
             "f = mido.MidiFile(sys.argv[1])\n"
             "assert f.type == 0 and f.ticks_per_beat == 480, (f.type, f.ticks_per_beat)\n"
             "t = 0\n"
             "out = []\n"
             "for m in f.tracks[0]:\n"
             "    t += m.time\n"
             "    if m.type == \"set_tempo\": out.append(\"%%d:tempo %%d\" %% (t, m.tempo))\n"
             "    if m.type in (\"note_on\", \"note_off\"):\n"
             "        out.append(\"%%d:%%s %%d\" %% (t, \"ON\" if m.type == \"note_on\" else "
             "\"OFF\", m.note))\n"
             "print(\",\".join(out), end=\"\")' %s 2>&1",
             py, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    if (rc != 0)
        fail_msg("python3-mido failed (exit %d; is python3-mido installed? "
                 "bash scripts/install-deps.sh): %s",
                 WEXITSTATUS(rc), out);
}

static void test_polyrhythm_exact_ticks_and_mido_reads_export(void **st)
{
    fx_t *f = *st;
    pattern(f, 0, 0, 480, k_t0, 2); /* a quarter */
    pattern(f, 1, 0, 720, k_t1, 2); /* a dotted quarter */
    ok(f, MSG_SEQ_PLAY, NULL, 0);
    assert_int_equal(g_clk.period_ms, SEQ_STEP_MS);
    /* 120 BPM: 960 ticks per second, 4.8 per 5 ms step: 300 steps = 1440. */
    steps(f, 300);
    ok(f, MSG_SEQ_STOP, NULL, 0);
    assert_int_equal(g_clk.id, TIMER_ID_INVALID);
    uint8_t file[8192];
    size_t len;
    const char *want = "0:ON 60,0:ON 64,240:OFF 60,360:OFF 64,480:ON 60,720:OFF 60,720:ON 64,"
                       "960:ON 60,1080:OFF 64,1200:OFF 60,1440:ON 60,1440:ON 64,"
                       "1440:OFF 60,1440:OFF 64";
    assert_string_equal(exported(f, file, &len), want);
    /* Channels kept: track 1 plays on channel 2. */
    assert_int_equal(g_smf.events[1].status, 0x91);

    char dir[] = "/tmp/mk-midi-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/export.mid", dir);
    FILE *w = fopen(path, "wb");
    assert_non_null(w);
    assert_int_equal(fwrite(file, 1, len, w), len);
    fclose(w);
    char got[4096];
    mido_read(path, got, sizeof got);
    char want_mido[4096];
    snprintf(want_mido, sizeof want_mido, "0:tempo 500000,%s", want);
    assert_string_equal(got, want_mido);
    unlink(path);
    rmdir(dir);
}

static void test_mute_solo_and_stop_leave_no_hanging_note(void **st)
{
    fx_t *f = *st;
    pattern(f, 0, 0, 480, k_t0, 2);
    pattern(f, 1, 0, 720, k_t1, 2);
    ok(f, MSG_SEQ_PLAY, NULL, 0);
    steps(f, 10); /* tick 48: both notes sounding */
    track_msg(f, MSG_SEQ_MUTE, 1, 1);
    steps(f, 100);                    /* to tick 528 */
    track_msg(f, MSG_SEQ_SOLO, 1, 1); /* track 1 is muted: nothing audible */
    steps(f, 100);                    /* to tick 1008 */
    track_msg(f, MSG_SEQ_SOLO, 1, 0);
    track_msg(f, MSG_SEQ_MUTE, 1, 0);
    steps(f, 100); /* to tick 1488: both start again at 1440 */
    ok(f, MSG_SEQ_STOP, NULL, 0);
    uint8_t file[8192];
    size_t len;
    /* Mute cuts track 1's note at once (48); solo on a muted track silences
     * track 0 (528); Note Offs of notes never started are not sent; stop
     * ends both sounding notes (1488). */
    assert_string_equal(exported(f, file, &len),
                        "0:ON 60,0:ON 64,48:OFF 64,240:OFF 60,480:ON 60,528:OFF 60,"
                        "1440:ON 60,1440:ON 64,1488:OFF 60,1488:OFF 64");
}

static void test_pattern_switch_waits_for_the_bar(void **st)
{
    fx_t *f = *st;
    const seq_event_t b[2] = {{0, 0x90, 72, 100, 0}, {120, 0x80, 72, 0, 0}};
    pattern(f, 0, 0, 480, k_t0, 2);
    pattern(f, 0, 1, 480, b, 2);
    ok(f, MSG_SEQ_PLAY, NULL, 0);
    steps(f, 50); /* tick 240 */
    track_msg(f, MSG_SEQ_SELECT, 0, 1);
    steps(f, 400); /* tick 2160 */
    uint8_t file[8192];
    size_t len;
    assert_string_equal(exported(f, file, &len),
                        "0:ON 60,240:OFF 60,480:ON 60,720:OFF 60,960:ON 60,1200:OFF 60,"
                        "1440:ON 60,1680:OFF 60,1920:ON 72,2040:OFF 72");
    seq_track_payload_t bad = {0, 4, {0}};
    assert_hw_reply(req(f, MSG_SEQ_SELECT, &bad, sizeof bad), MSG_SEQ_ERROR,
                    "track or slot out of range");
}

static void test_tempo_change_spaces_ticks(void **st)
{
    fx_t *f = *st;
    pattern(f, 0, 0, 480, k_t0, 2);
    ok(f, MSG_SEQ_PLAY, NULL, 0);
    seq_tempo_payload_t t = {60, {0}};
    ok(f, MSG_SEQ_SET_TEMPO, &t, sizeof t);
    /* 60 BPM: 2.4 ticks per step; a quarter (480) takes 200 steps. */
    steps(f, 199);
    uint8_t file[8192];
    size_t len;
    assert_string_equal(exported(f, file, &len), "0:ON 60,240:OFF 60");
    steps(f, 1);
    assert_string_equal(exported(f, file, &len), "0:ON 60,240:OFF 60,480:ON 60");
    assert_int_equal(g_smf.tempo_us, 1000000);
    t.bpm = 20;
    assert_hw_reply(req(f, MSG_SEQ_SET_TEMPO, &t, sizeof t), MSG_SEQ_ERROR, "tempo out of range");
    ok(f, MSG_SEQ_STOP, NULL, 0);
}

static void test_smf_import_plays_scaled_and_rejects_garbage(void **st)
{
    fx_t *f = *st;
    /* Type 1, 96 PPQN: a tempo track (1 s per quarter = 60 BPM) and a note
     * track: On at 0, Off at 48 (an eighth), end at 96. */
    const uint8_t file[] = {'M',  'T',  'h',  'd',  0,    0,    0,    6,    0,    1,    0,
                            2,    0,    96,   'M',  'T',  'r',  'k',  0,    0,    0,    11,
                            0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40, 0x00, 0xFF, 0x2F, 0x00,
                            'M',  'T',  'r',  'k',  0,    0,    0,    12,   0x00, 0x92, 60,
                            100,  0x30, 0x82, 60,   0,    0x30, 0xFF, 0x2F, 0x00};
    ok(f, MSG_SEQ_LOAD_SMF, file, sizeof file);
    ok(f, MSG_SEQ_PLAY, NULL, 0);
    steps(f, 100); /* 60 BPM: 240 ticks */
    uint8_t out[8192];
    size_t len;
    assert_string_equal(exported(f, out, &len), "0:ON 60,240:OFF 60");
    assert_int_equal(g_smf.events[0].status, 0x92);
    assert_int_equal(g_smf.tempo_us, 1000000);
    ok(f, MSG_SEQ_STOP, NULL, 0);
    assert_hw_reply(req(f, MSG_SEQ_LOAD_SMF, "RIFF....", 8), MSG_SEQ_ERROR,
                    "not a Standard MIDI File (no MThd header)");
    assert_hw_reply(req(f, MSG_SEQ_LOAD_SMF, file, sizeof file - 3), MSG_SEQ_ERROR,
                    "truncated chunk or event");
}

/* Run `script` under python3 with mido and `arg`; its stdout into out. */
static void mido_run(const char *script, const char *arg, char *out, size_t cap)
{
    const char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s -c '%s' %s 2>&1", py, script, arg);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    if (rc != 0)
        fail_msg("python3-mido failed (exit %d; is python3-mido installed? "
                 "bash scripts/install-deps.sh): %s",
                 WEXITSTATUS(rc), out);
}

/* mido writes a type-1 file (96 PPQN) whose tempo track goes 120 -> 60 ->
 * 240 BPM, and prints, for each note, the 5 ms step at which its own clock
 * (MidiFile iteration, in seconds) says it sounds. */
static const char k_mido_tempo_map[] =
    "import sys, math, mido\n"
    "f = mido.MidiFile(type=1, ticks_per_beat=96)\n"
    "t0 = mido.MidiTrack(); f.tracks.append(t0)\n"
    "t0.append(mido.MetaMessage(\"set_tempo\", tempo=500000, time=0))\n"
    "t0.append(mido.MetaMessage(\"set_tempo\", tempo=1000000, time=192))\n"
    "t0.append(mido.MetaMessage(\"set_tempo\", tempo=250000, time=192))\n"
    "t1 = mido.MidiTrack(); f.tracks.append(t1)\n"
    "for i in range(6):\n"
    "    t1.append(mido.Message(\"note_on\", note=60 + i, velocity=100, time=0 if i == 0 else "
    "48))\n"
    "    t1.append(mido.Message(\"note_off\", note=60 + i, velocity=0, time=48))\n"
    "f.save(sys.argv[1])\n"
    "t = 0.0\n"
    "out = []\n"
    "for m in mido.MidiFile(sys.argv[1]):\n"
    "    t += m.time\n"
    "    if m.type in (\"note_on\", \"note_off\"):\n"
    "        out.append(\"%d:%s %d\" % (math.ceil(round(t * 200, 6)), \"ON\" if m.type == "
    "\"note_on\" else \"OFF\", m.note))\n"
    "print(\",\".join(out), end=\"\")\n";

static void test_smf_tempo_map_plays_on_midos_clock_and_exports_it(void **st)
{
    fx_t *f = *st;
    char dir[] = "/tmp/mk-midi-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char in_path[64], out_path[64];
    snprintf(in_path, sizeof in_path, "%s/tempo-map.mid", dir);
    snprintf(out_path, sizeof out_path, "%s/export.mid", dir);
    char want_steps[1024];
    mido_run(k_mido_tempo_map, in_path, want_steps, sizeof want_steps);
    FILE *r = fopen(in_path, "rb");
    assert_non_null(r);
    uint8_t file[1024];
    size_t flen = fread(file, 1, sizeof file, r);
    fclose(r);
    ok(f, MSG_SEQ_LOAD_SMF, file, flen);

    /* Play one 5 ms step at a time; note each MIDI message the chip
     * transmits with the step that produced it (step 0: PLAY itself). */
    sc16is752_mock_clear_tx();
    ok(f, MSG_SEQ_PLAY, NULL, 0);
    char got_steps[1024] = "";
    size_t seen = 0;
    for (int k = 0; k <= 680; k++) {
        if (k > 0) {
            timer_payload_t t = {g_clk.id, 1};
            assert_true(mk_send_from(f->rt, ACTOR_ID_INVALID, f->seq, MSG_TIMER, &t, sizeof t));
        }
        hw_pump(f->rt, 2);
        uint8_t tx[256];
        size_t n = sc16is752_mock_get_tx(tx, sizeof tx);
        for (; seen + 3 <= n; seen += 3) {
            size_t u = strlen(got_steps);
            snprintf(got_steps + u, sizeof got_steps - u, "%s%d:%s %u", u ? "," : "", k,
                     (tx[seen] & 0xF0) == 0x90 ? "ON" : "OFF", tx[seen + 1]);
        }
    }
    assert_string_equal(got_steps, want_steps);
    assert_string_equal(want_steps, "0:ON 60,50:OFF 60,100:ON 61,150:OFF 61,200:ON 62,"
                                    "300:OFF 62,400:ON 63,500:OFF 63,600:ON 64,625:OFF 64,"
                                    "650:ON 65,675:OFF 65");
    ok(f, MSG_SEQ_STOP, NULL, 0);

    /* The export carries the tempo map at 480 PPQN, read back by mido. */
    uint8_t out[8192];
    size_t len;
    exported(f, out, &len);
    assert_int_equal(g_smf.ntempos, 3);
    FILE *w = fopen(out_path, "wb");
    assert_non_null(w);
    assert_int_equal(fwrite(out, 1, len, w), len);
    fclose(w);
    char got[4096];
    mido_read(out_path, got, sizeof got);
    assert_string_equal(got, "0:tempo 500000,0:ON 60,240:OFF 60,480:ON 61,720:OFF 61,"
                             "960:tempo 1000000,960:ON 62,1200:OFF 62,1440:ON 63,1680:OFF 63,"
                             "1920:tempo 250000,1920:ON 64,2160:OFF 64,2400:ON 65,2640:OFF 65");
    unlink(in_path);
    unlink(out_path);
    rmdir(dir);
}

/* A tempo set while playing is recorded at the tick where it happened. */
static void test_set_tempo_during_play_is_exported(void **st)
{
    fx_t *f = *st;
    pattern(f, 0, 0, 480, k_t0, 2);
    ok(f, MSG_SEQ_PLAY, NULL, 0);
    steps(f, 100); /* 120 BPM: tick 480 */
    seq_tempo_payload_t t = {60, {0}};
    ok(f, MSG_SEQ_SET_TEMPO, &t, sizeof t);
    steps(f, 100); /* 60 BPM: 240 more ticks */
    ok(f, MSG_SEQ_STOP, NULL, 0);
    uint8_t out[8192];
    size_t len;
    assert_string_equal(exported(f, out, &len), "0:ON 60,240:OFF 60,480:ON 60,720:OFF 60");
    assert_int_equal(g_smf.ntempos, 2);
    assert_int_equal(g_smf.tempos[0].us, 500000);
    assert_int_equal(g_smf.tempos[1].tick, 480);
    assert_int_equal(g_smf.tempos[1].us, 1000000);
}

static void test_bad_patterns_rejected(void **st)
{
    fx_t *f = *st;
    uint8_t buf[8 + sizeof(seq_event_t)];
    seq_pattern_payload_t h = {8, 0, 0, 480};
    memcpy(buf, &h, 8);
    assert_hw_reply(req(f, MSG_SEQ_SET_PATTERN, buf, 8), MSG_SEQ_ERROR,
                    "track or slot out of range");
    h = (seq_pattern_payload_t){0, 0, 1, 480};
    memcpy(buf, &h, 8);
    assert_hw_reply(req(f, MSG_SEQ_SET_PATTERN, buf, 8), MSG_SEQ_ERROR, "payload too small");
    const seq_event_t late = {480, 0x90, 60, 1, 0};
    memcpy(buf + 8, &late, sizeof late);
    assert_hw_reply(req(f, MSG_SEQ_SET_PATTERN, buf, sizeof buf), MSG_SEQ_ERROR, "bad event");
    h.length_ticks = 0;
    memcpy(buf, &h, 8);
    assert_hw_reply(req(f, MSG_SEQ_SET_PATTERN, buf, sizeof buf), MSG_SEQ_ERROR,
                    "pattern length out of range");
    h = (seq_pattern_payload_t){0, 0, 300, 480};
    memcpy(buf, &h, 8);
    assert_hw_reply(req(f, MSG_SEQ_SET_PATTERN, buf, 8), MSG_SEQ_ERROR, "payload too small");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_polyrhythm_exact_ticks_and_mido_reads_export),
        T(test_mute_solo_and_stop_leave_no_hanging_note),
        T(test_pattern_switch_waits_for_the_bar),
        T(test_tempo_change_spaces_ticks),
        T(test_smf_import_plays_scaled_and_rejects_garbage),
        T(test_smf_tempo_map_plays_on_midos_clock_and_exports_it),
        T(test_set_tempo_during_play_is_exported),
        T(test_bad_patterns_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
