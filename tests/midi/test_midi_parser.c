/* test_midi_parser.c -- the MIDI byte parser (src/hw/midi/midi_parser.c)
 * against every rule of ../shared/compat/midi.md §3: message lengths,
 * running status (also across real-time bytes), real-time inside SysEx and
 * between data bytes, SysEx to 256 bytes and beyond, SysEx cut by a status
 * byte, data bytes with no status, System Common, undefined statuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hw/midi/midi_parser.h"

/* What a byte stream produced: short events as "SS D1 D2 CC", SysEx as
 * "X<len>:<first> <last>", joined by ','. */
static char g_out[8192];

static void run(midi_parser_t *p, const uint8_t *in, size_t n)
{
    g_out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        midi_event_payload_t ev;
        memset(&ev, 0xAA, sizeof ev);
        size_t used = strlen(g_out);
        switch (midi_parser_feed(p, in[i], &ev)) {
        case MIDI_PARSE_EVENT:
            snprintf(g_out + used, sizeof g_out - used, "%s%02X %02X %02X %02X", used ? "," : "",
                     ev.status, ev.data1, ev.data2, ev.channel);
            break;
        case MIDI_PARSE_SYSEX:
            snprintf(g_out + used, sizeof g_out - used, "%sX%zu:%02X %02X", used ? "," : "",
                     p->sysex_len, p->sysex[0], p->sysex[p->sysex_len - 1]);
            break;
        default: break;
        }
    }
}

#define EXPECT(want, ...)                                                                          \
    do {                                                                                           \
        const uint8_t in_[] = {__VA_ARGS__};                                                       \
        midi_parser_t p_;                                                                          \
        midi_parser_reset(&p_);                                                                    \
        run(&p_, in_, sizeof in_);                                                                 \
        assert_string_equal(g_out, want);                                                          \
    } while (0)

static void test_lengths_match_table(void **st)
{
    (void)st;
    for (int s = 0; s < 0x80; s++)
        assert_int_equal(midi_message_length((uint8_t)s), 0);
    for (int s = 0x80; s < 0xF0; s++) {
        int hi = s & 0xF0;
        assert_int_equal(midi_message_length((uint8_t)s), hi == 0xC0 || hi == 0xD0 ? 2 : 3);
    }
    const int sys[16] = {0, 2, 3, 2, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    for (int i = 0; i < 16; i++)
        assert_int_equal(midi_message_length((uint8_t)(0xF0 + i)), sys[i]);
}

static void test_every_channel_message(void **st)
{
    (void)st;
    EXPECT("90 3C 64 00", 0x90, 0x3C, 0x64);
    EXPECT("8F 3C 00 0F", 0x8F, 0x3C, 0x00);
    EXPECT("A1 40 10 01", 0xA1, 0x40, 0x10);
    EXPECT("B2 07 7F 02", 0xB2, 0x07, 0x7F);
    EXPECT("C3 05 00 03", 0xC3, 0x05);
    EXPECT("D4 33 00 04", 0xD4, 0x33);
    EXPECT("E5 00 40 05", 0xE5, 0x00, 0x40);
    /* Note On velocity 0 is delivered as-is. */
    EXPECT("90 3C 00 00", 0x90, 0x3C, 0x00);
}

static void test_running_status(void **st)
{
    (void)st;
    EXPECT("90 3C 64 00,90 40 64 00,90 43 00 00", 0x90, 0x3C, 0x64, 0x40, 0x64, 0x43, 0x00);
    EXPECT("C0 01 00 00,C0 02 00 00,C0 03 00 00", 0xC0, 0x01, 0x02, 0x03);
    /* A new channel status replaces the running status. */
    EXPECT("90 3C 64 00,B0 07 10 00,B0 08 11 00", 0x90, 0x3C, 0x64, 0xB0, 0x07, 0x10, 0x08, 0x11);
}

static void test_running_status_survives_realtime(void **st)
{
    (void)st;
    /* Clock between the status and data, between data bytes, and between
     * running-status messages. */
    EXPECT("F8 00 00 FF,F8 00 00 FF,90 3C 64 00,FE 00 00 FF,90 40 65 00", 0x90, 0xF8, 0x3C, 0xF8,
           0x64, 0xFE, 0x40, 0x65);
    /* Every real-time byte is dispatched, undefined F9/FD included. */
    EXPECT("F8 00 00 FF,F9 00 00 FF,FA 00 00 FF,FB 00 00 FF,FC 00 00 FF,FD 00 00 FF,FE 00 00 "
           "FF,FF 00 00 FF",
           0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF);
}

static void test_realtime_inside_sysex(void **st)
{
    (void)st;
    EXPECT("F8 00 00 FF,X5:F0 F7", 0xF0, 0x7E, 0xF8, 0x01, 0x02, 0xF7);
}

static void test_data_without_status_discarded(void **st)
{
    (void)st;
    EXPECT("", 0x3C, 0x64, 0x00);
    EXPECT("90 01 02 00", 0x10, 0x90, 0x01, 0x02);
}

static void test_sysex_basic_and_clears_running_status(void **st)
{
    (void)st;
    EXPECT("90 3C 64 00,X4:F0 F7", 0x90, 0x3C, 0x64, 0xF0, 0x43, 0x12, 0xF7, 0x3C, 0x64);
    /* F0 F7: two bytes. */
    EXPECT("X2:F0 F7", 0xF0, 0xF7);
}

static void test_sysex_start_drops_partial_message(void **st)
{
    (void)st;
    EXPECT("X3:F0 F7", 0x90, 0x3C, 0xF0, 0x01, 0xF7);
}

static void test_sysex_cut_by_status_byte(void **st)
{
    (void)st;
    /* The partial SysEx is discarded and the status byte starts a message. */
    EXPECT("90 3C 64 00", 0xF0, 0x01, 0x02, 0x90, 0x3C, 0x64);
    /* Cut by a fresh F0: a new SysEx. */
    EXPECT("X3:F0 F7", 0xF0, 0x01, 0x02, 0xF0, 0x05, 0xF7);
    /* Cut by tune request. */
    EXPECT("F6 00 00 FF", 0xF0, 0x01, 0xF6, 0xF7);
}

static void test_sysex_256_fits_exactly(void **st)
{
    (void)st;
    uint8_t in[256];
    in[0] = 0xF0;
    for (int i = 1; i < 255; i++)
        in[i] = (uint8_t)(i & 0x7F);
    in[255] = 0xF7;
    midi_parser_t p;
    midi_parser_reset(&p);
    run(&p, in, sizeof in);
    assert_string_equal(g_out, "X256:F0 F7");
    assert_memory_equal(p.sysex, in, 256);
}

static void test_sysex_longer_than_256_truncated(void **st)
{
    (void)st;
    /* 300 data bytes: the buffer keeps F0 + 255 data bytes, F7 no longer
     * fits, the rest is dropped; the event still goes out (length 256). */
    uint8_t in[302];
    in[0] = 0xF0;
    for (int i = 1; i < 301; i++)
        in[i] = (uint8_t)(i & 0x7F);
    in[301] = 0xF7;
    midi_parser_t p;
    midi_parser_reset(&p);
    run(&p, in, sizeof in);
    assert_string_equal(g_out, "X256:F0 7F");
    assert_memory_equal(p.sysex, in, 256);
    assert_int_equal(p.sysex_dropped, 45);
    /* And the parser is usable afterwards. */
    const uint8_t more[] = {0x3C, 0x90, 0x3C, 0x64};
    run(&p, more, sizeof more);
    assert_string_equal(g_out, "90 3C 64 00");
}

static void test_system_common(void **st)
{
    (void)st;
    EXPECT("F1 12 00 FF", 0xF1, 0x12);
    EXPECT("F2 01 02 FF", 0xF2, 0x01, 0x02);
    EXPECT("F3 05 00 FF", 0xF3, 0x05);
    EXPECT("F6 00 00 FF", 0xF6);
    /* System common clears running status: following data is discarded. */
    EXPECT("90 3C 64 00,F3 05 00 FF", 0x90, 0x3C, 0x64, 0xF3, 0x05, 0x3C, 0x64);
    EXPECT("90 3C 64 00,F6 00 00 FF", 0x90, 0x3C, 0x64, 0xF6, 0x3C, 0x64);
}

static void test_undefined_status_ignored_keeps_running(void **st)
{
    (void)st;
    /* F4/F5/stray F7 discard the partial message; running status stays. */
    EXPECT("90 40 41 00", 0x90, 0x3C, 0xF4, 0x40, 0x41);
    EXPECT("", 0xF5, 0xF7, 0x01);
}

static void test_status_interrupts_partial_message(void **st)
{
    (void)st;
    EXPECT("C1 05 00 01", 0x90, 0x3C, 0xC1, 0x05);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lengths_match_table),
        cmocka_unit_test(test_every_channel_message),
        cmocka_unit_test(test_running_status),
        cmocka_unit_test(test_running_status_survives_realtime),
        cmocka_unit_test(test_realtime_inside_sysex),
        cmocka_unit_test(test_data_without_status_discarded),
        cmocka_unit_test(test_sysex_basic_and_clears_running_status),
        cmocka_unit_test(test_sysex_start_drops_partial_message),
        cmocka_unit_test(test_sysex_cut_by_status_byte),
        cmocka_unit_test(test_sysex_256_fits_exactly),
        cmocka_unit_test(test_sysex_longer_than_256_truncated),
        cmocka_unit_test(test_system_common),
        cmocka_unit_test(test_undefined_status_ignored_keeps_running),
        cmocka_unit_test(test_status_interrupts_partial_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
