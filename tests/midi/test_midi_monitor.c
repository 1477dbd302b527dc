/* test_midi_monitor.c -- the MIDI monitor (src/hw/midi/midi_monitor.c):
 * golden lines of ../shared/compat/midi.md §5 for every event kind (note
 * names with octaves, CC, program, aftertouch, pitch bend signed, system
 * names, SysEx hex with "..."), then the actor end to end: bytes injected
 * into the simulated SC16IS752 come out as lines. */
#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/hal/mock/sc16is752_mock.h"
#include "hw/hw_test_util.h"
#include "hw/midi/midi_internal.h"
#include "microkernel/midi.h"
#include "microkernel/midi_monitor.h"

static void line_is(uint8_t s, uint8_t d1, uint8_t d2, const char *want)
{
    midi_event_payload_t ev = {s, d1, d2, s < 0xF0 ? (uint8_t)(s & 0x0F) : 0xFF};
    char buf[160];
    midi_monitor_format_event(buf, sizeof buf, &ev);
    assert_string_equal(buf, want);
}

static void test_golden_channel_lines(void **st)
{
    (void)st;
    line_is(0x90, 60, 100, "MIDI NoteOn   ch=1   C 4  vel=100");
    line_is(0x80, 61, 0, "MIDI NoteOff  ch=1   C#4  vel=0");
    line_is(0x9F, 0, 1, "MIDI NoteOn   ch=16  C -1  vel=1");
    line_is(0x99, 10, 64, "MIDI NoteOn   ch=10  A#-1  vel=64");
    line_is(0x90, 127, 127, "MIDI NoteOn   ch=1   G 9  vel=127");
    line_is(0x90, 69, 0, "MIDI NoteOn   ch=1   A 4  vel=0");
    line_is(0xA2, 64, 33, "MIDI PolyAT   ch=3   E 4  prs=33");
    line_is(0xB0, 7, 127, "MIDI CC       ch=1   cc=7    val=127");
    line_is(0xB5, 120, 0, "MIDI CC       ch=6   cc=120  val=0");
    line_is(0xC1, 12, 0, "MIDI PgmChg   ch=2   pgm=12");
    line_is(0xD3, 90, 0, "MIDI ChanAT   ch=4   prs=90");
    line_is(0xE0, 0x00, 0x40, "MIDI Pitch    ch=1   val=0");
    line_is(0xE0, 0x00, 0x00, "MIDI Pitch    ch=1   val=-8192");
    line_is(0xE1, 0x7F, 0x7F, "MIDI Pitch    ch=2   val=8191");
}

static void test_golden_system_lines(void **st)
{
    (void)st;
    line_is(0xF8, 0, 0, "MIDI Clock");
    line_is(0xFA, 0, 0, "MIDI Start");
    line_is(0xFB, 0, 0, "MIDI Continue");
    line_is(0xFC, 0, 0, "MIDI Stop");
    line_is(0xFE, 0, 0, "MIDI ActiveSns");
    line_is(0xFF, 0, 0, "MIDI Reset");
    line_is(0xF9, 0, 0, "MIDI System");
    line_is(0xF2, 1, 2, "MIDI System");
}

static void test_golden_sysex_lines(void **st)
{
    (void)st;
    char buf[160];
    const uint8_t id[] = {0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7};
    midi_monitor_format_sysex(buf, sizeof buf, id, sizeof id);
    assert_string_equal(buf, "MIDI SysEx    len=6   F0 7E 7F 06 01 F7 ");
    uint8_t big[300];
    big[0] = 0xF0;
    for (int i = 1; i < 300; i++)
        big[i] = (uint8_t)(i & 0x7F);
    midi_monitor_format_sysex(buf, sizeof buf, big, 256);
    assert_string_equal(buf, "MIDI SysEx    len=256 F0 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D "
                             "0E 0F ...");
    midi_monitor_format_sysex(buf, sizeof buf, big, 16);
    assert_string_equal(buf, "MIDI SysEx    len=16  F0 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D "
                             "0E 0F ");
}

static void test_monitor_prints_received_traffic(void **st)
{
    (void)st;
    runtime_t *rt = hw_runtime();
    i2c_mock_remove_all();
    assert_true(midi_select_backend("mock"));
    assert_int_equal(midi_monitor_init(rt), ACTOR_ID_INVALID); /* no MIDI actor yet */
    actor_id_t midi = midi_actor_init(rt);
    assert_int_not_equal(midi, ACTOR_ID_INVALID);
    actor_id_t client = hw_client(rt);
    midi_config_payload_t cfg = {0, 0x48, 8, 9, 43, {0}, 400000};
    assert_hw_reply(hw_call(rt, client, midi, MSG_MIDI_CONFIGURE, &cfg, sizeof cfg), MSG_MIDI_OK,
                    "");
    FILE *out = tmpfile();
    assert_non_null(out);
    midi_monitor_out = out;
    actor_id_t mon = midi_monitor_init(rt);
    assert_int_not_equal(mon, ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "/sys/midi_monitor"), mon);
    hw_pump(rt, 5);
    const uint8_t in[] = {0x90, 60, 100, 0xF8, 64, 90, 0xB0, 7, 127, 0xF0, 0x43, 0x10, 0xF7};
    assert_int_equal(sc16is752_mock_inject_rx(in, sizeof in), sizeof in);
    hw_pump(rt, 10);
    char text[1024] = "";
    rewind(out);
    size_t n = fread(text, 1, sizeof text - 1, out);
    text[n] = '\0';
    assert_string_equal(text, "MIDI NoteOn   ch=1   C 4  vel=100\n"
                              "MIDI Clock\n"
                              "MIDI NoteOn   ch=1   E 4  vel=90\n"
                              "MIDI CC       ch=1   cc=7    val=127\n"
                              "MIDI SysEx    len=4   F0 43 10 F7 \n");
    midi_monitor_out = NULL;
    fclose(out);
    runtime_destroy(rt);
    sc16is752_mock_detach();
    const mk_gpio_hal_t *g = gpio_mock_hal();
    g->deinit(g->ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_channel_lines),
        cmocka_unit_test(test_golden_system_lines),
        cmocka_unit_test(test_golden_sysex_lines),
        cmocka_unit_test(test_monitor_prints_received_traffic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
