/* test_midi_smf.c -- the Standard MIDI File reader and writer
 * (src/hw/midi/smf.c): type 0 and type 1 files with running status, meta
 * and SysEx events, the tempo map (every Set Tempo of every track, by
 * tick), unknown chunks skipped; every malformed input gets its named
 * error; the writer's bytes (events and tempo map) read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hw/midi/smf.h"

static smf_t g_smf;

/* Build "MThd" + track chunks from raw track bodies. */
static size_t build(uint8_t *out, uint16_t format, uint16_t division, const uint8_t *const *trk,
                    const size_t *lens, int n)
{
    const uint8_t h[14] = {'M',
                           'T',
                           'h',
                           'd',
                           0,
                           0,
                           0,
                           6,
                           0,
                           (uint8_t)format,
                           0,
                           (uint8_t)n,
                           (uint8_t)(division >> 8),
                           (uint8_t)division};
    memcpy(out, h, 14);
    size_t p = 14;
    for (int i = 0; i < n; i++) {
        memcpy(out + p, "MTrk", 4);
        out[p + 4] = 0, out[p + 5] = 0, out[p + 6] = (uint8_t)(lens[i] >> 8);
        out[p + 7] = (uint8_t)lens[i];
        memcpy(out + p + 8, trk[i], lens[i]);
        p += 8 + lens[i];
    }
    return p;
}

static void test_type1_with_running_status_meta_sysex(void **st)
{
    (void)st;
    const uint8_t tempo[] = {0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40, /* 1000000 us */
                             0x60, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20, /* 500000 at t=96 */
                             0x00, 0xFF, 0x2F, 0x00};
    const uint8_t notes[] = {0x00, 0x90, 60,   100,              /* t=0 */
                             0x60, 64,   90,                     /* t=96, running status */
                             0x00, 0xF0, 0x03, 0x43, 0x10, 0xF7, /* SysEx skipped */
                             0x81, 0x40, 0x80, 60,   0,          /* delta 192 -> t=288 */
                             0x00, 0xC2, 5,                      /* program change */
                             0x00, 0xFF, 0x03, 0x02, 'h',  'i',  /* track name */
                             0x10, 0xFF, 0x2F, 0x00};            /* end at t=304 */
    const uint8_t *trk[2] = {tempo, notes};
    const size_t lens[2] = {sizeof tempo, sizeof notes};
    uint8_t file[256];
    size_t n = build(file, 1, 96, trk, lens, 2);
    assert_int_equal(smf_parse(file, n, &g_smf), SMF_OK);
    assert_int_equal(g_smf.format, 1);
    assert_int_equal(g_smf.ntracks, 2);
    assert_int_equal(g_smf.division, 96);
    assert_int_equal(g_smf.tempo_us, 1000000);
    assert_int_equal(g_smf.ntempos, 2);
    assert_int_equal(g_smf.tempos[0].tick, 0);
    assert_int_equal(g_smf.tempos[0].us, 1000000);
    assert_int_equal(g_smf.tempos[1].tick, 96);
    assert_int_equal(g_smf.tempos[1].us, 500000);
    assert_int_equal(g_smf.nevents, 4);
    const smf_event_t want[4] = {
        {0, 1, 0x90, 60, 100}, {96, 1, 0x90, 64, 90}, {288, 1, 0x80, 60, 0}, {288, 1, 0xC2, 5, 0}};
    for (int i = 0; i < 4; i++)
        if (memcmp(&g_smf.events[i], &want[i], sizeof want[i]) != 0)
            fail_msg("event %d: tick %u track %u %02X %u %u", i, g_smf.events[i].tick,
                     g_smf.events[i].track, g_smf.events[i].status, g_smf.events[i].data1,
                     g_smf.events[i].data2);
    assert_int_equal(g_smf.end_tick[1], 304);
}

/* Set Tempo events of several tracks merge into one map by tick; at one
 * tick the later in file order wins (it is the one in force). */
static void test_tempo_map_merges_tracks_by_tick(void **st)
{
    (void)st;
    const uint8_t a[] = {0x83, 0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40, /* t=384: 1000000 */
                         0x00, 0xFF, 0x2F, 0x00};
    const uint8_t b[] = {0x60, 0xFF, 0x51, 0x03, 0x09, 0x27, 0xC0,       /* t=96: 600000 */
                         0x82, 0x20, 0xFF, 0x51, 0x03, 0x03, 0x0D, 0x40, /* t=384: 200000 */
                         0x00, 0x90, 60,   1,    0x00, 0xFF, 0x2F, 0x00};
    const uint8_t *trk[2] = {a, b};
    const size_t lens[2] = {sizeof a, sizeof b};
    uint8_t file[128];
    size_t n = build(file, 1, 96, trk, lens, 2);
    assert_int_equal(smf_parse(file, n, &g_smf), SMF_OK);
    assert_int_equal(g_smf.tempo_us, 500000); /* nothing at tick 0: the default */
    assert_int_equal(g_smf.ntempos, 3);
    const smf_tempo_t want[3] = {{96, 600000}, {384, 1000000}, {384, 200000}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(g_smf.tempos[i].tick, want[i].tick);
        assert_int_equal(g_smf.tempos[i].us, want[i].us);
    }
}

static void test_unknown_chunk_skipped_and_default_tempo(void **st)
{
    (void)st;
    uint8_t file[64] = {'M', 'T', 'h', 'd', 0,   0,   0, 6, 0,    0,    0,    1,
                        0,   120, 'X', 'Y', 'Z', 'W', 0, 0, 0,    2,    0xAA, 0xBB,
                        'M', 'T', 'r', 'k', 0,   0,   0, 4, 0x00, 0xB0, 7,    100};
    assert_int_equal(smf_parse(file, 36, &g_smf), SMF_OK);
    assert_int_equal(g_smf.tempo_us, 500000);
    assert_int_equal(g_smf.nevents, 1);
    assert_int_equal(g_smf.events[0].status, 0xB0);
}

#define EXPECT_ERR(err, ...)                                                                       \
    do {                                                                                           \
        const uint8_t b_[] = {__VA_ARGS__};                                                        \
        smf_err_t e_ = smf_parse(b_, sizeof b_, &g_smf);                                           \
        if (e_ != (err))                                                                           \
            fail_msg("got %d (%s), expected %d (%s)", e_, smf_strerror(e_), err,                   \
                     smf_strerror(err));                                                           \
    } while (0)

#define HDR(fmt, ntr, div) 'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, fmt, 0, ntr, (div) >> 8, (div)&0xFF

static void test_malformed_inputs_get_named_errors(void **st)
{
    (void)st;
    EXPECT_ERR(SMF_ERR_NOT_SMF, 'R', 'I', 'F', 'F', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96);
    EXPECT_ERR(SMF_ERR_NOT_SMF, 'M', 'T', 'h', 'd');
    EXPECT_ERR(SMF_ERR_NOT_SMF, 'M', 'T', 'h', 'd', 0, 0, 0, 5, 0, 0, 0, 1, 0, 96);
    EXPECT_ERR(SMF_ERR_TRUNCATED, 'M', 'T', 'h', 'd', 0xFF, 0, 0, 6, 0, 0, 0, 1, 0, 96);
    EXPECT_ERR(SMF_ERR_FORMAT, HDR(2, 1, 96));
    EXPECT_ERR(SMF_ERR_FORMAT, HDR(0, 2, 96));
    EXPECT_ERR(SMF_ERR_DIVISION, HDR(0, 1, 0xE728));
    EXPECT_ERR(SMF_ERR_DIVISION, HDR(0, 1, 0));
    /* Chunk longer than the file. */
    EXPECT_ERR(SMF_ERR_TRUNCATED, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 9, 0x00, 0x90);
    /* Trailing bytes that are not a whole chunk. */
    EXPECT_ERR(SMF_ERR_TRUNCATED, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 0, 1, 2);
    /* Event cut inside its data bytes. */
    EXPECT_ERR(SMF_ERR_TRUNCATED, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 3, 0x00, 0x90, 60);
    /* Delta time with a fifth continuation byte. */
    EXPECT_ERR(SMF_ERR_BAD_VLQ, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 5, 0x81, 0x81, 0x81,
               0x81, 0x01);
    /* Delta time cut by the chunk end. */
    EXPECT_ERR(SMF_ERR_TRUNCATED, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 1, 0x81);
    EXPECT_ERR(SMF_ERR_NO_STATUS, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 3, 0x00, 60, 100);
    /* Two deltas of 0x0FFFFFFF: past the last tick a 4-byte VLQ can reach. */
    EXPECT_ERR(SMF_ERR_TOO_LONG, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 12, 0xFF, 0xFF, 0xFF,
               0x7F, 0xC0, 1, 0xFF, 0xFF, 0xFF, 0x7F, 0xC0, 2);
    EXPECT_ERR(SMF_ERR_BAD_STATUS, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 2, 0x00, 0xF8);
    /* Meta event whose length runs past the chunk. */
    EXPECT_ERR(SMF_ERR_TRUNCATED, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 4, 0x00, 0xFF, 0x01,
               0x20);
    EXPECT_ERR(SMF_ERR_TRUNCATED, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 4, 0x00, 0xF0, 0x7F,
               0x01);
    /* A tempo of zero microseconds per quarter (would divide by zero). */
    EXPECT_ERR(SMF_ERR_BAD_TEMPO, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 7, 0x00, 0xFF, 0x51,
               0x03, 0, 0, 0);
    /* Set Tempo with a length other than 3 is skipped like other metas. */
    EXPECT_ERR(SMF_OK, HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0, 0, 0, 6, 0x00, 0xFF, 0x51, 0x02, 1, 2);
    assert_int_equal(g_smf.ntempos, 0);
}

/* More than SMF_MAX_TEMPOS Set Tempo events: refused, not truncated. */
static void test_too_many_tempos(void **st)
{
    (void)st;
    static uint8_t body[7 * (SMF_MAX_TEMPOS + 1)];
    for (int i = 0; i <= SMF_MAX_TEMPOS; i++)
        memcpy(body + 7 * i, (const uint8_t[]){0x01, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20}, 7);
    const uint8_t *t1[1] = {body};
    size_t l1[1] = {sizeof body};
    static uint8_t file[sizeof body + 64];
    size_t n = build(file, 0, 96, t1, l1, 1);
    assert_int_equal(smf_parse(file, n, &g_smf), SMF_ERR_TOO_MANY_TEMPOS);
    n = build(file, 0, 96, t1, (size_t[]){sizeof body - 7}, 1);
    assert_int_equal(smf_parse(file, n, &g_smf), SMF_OK);
    assert_int_equal(g_smf.ntempos, SMF_MAX_TEMPOS);
}

static void test_too_many_tracks_and_events(void **st)
{
    (void)st;
    static uint8_t file[70000];
    uint8_t empty[4] = {0x00, 0xFF, 0x2F, 0x00};
    const uint8_t *trk[17];
    size_t lens[17];
    for (int i = 0; i < 17; i++)
        trk[i] = empty, lens[i] = 4;
    size_t n = build(file, 1, 96, trk, lens, 17);
    assert_int_equal(smf_parse(file, n, &g_smf), SMF_ERR_TOO_MANY_TRACKS);
    /* 4097 events with running status: 2 bytes each after the first. */
    static uint8_t body[3 * 4097 + 8];
    size_t p = 0;
    body[p++] = 0, body[p++] = 0x90, body[p++] = 60, body[p++] = 1;
    for (int i = 1; i < 4097; i++)
        body[p++] = 0, body[p++] = 60, body[p++] = 1;
    const uint8_t *t1[1] = {body};
    size_t l1[1] = {p};
    /* build() stores a 16-bit length; write the 32-bit length by hand. */
    n = build(file, 0, 96, t1, l1, 1);
    file[14 + 4] = 0, file[14 + 5] = (uint8_t)(p >> 16), file[14 + 6] = (uint8_t)(p >> 8);
    file[14 + 7] = (uint8_t)p;
    assert_int_equal(smf_parse(file, n, &g_smf), SMF_ERR_TOO_MANY_EVENTS);
}

static void test_writer_round_trip(void **st)
{
    (void)st;
    const smf_event_t ev[4] = {{0, 0, 0x90, 60, 100},
                               {200, 0, 0x80, 60, 0},
                               {200, 0, 0xC1, 7, 0},
                               {100000, 0, 0xE0, 0, 64}};
    uint8_t buf[128];
    assert_int_equal(smf_write(ev, 4, 480, 500000, buf, 10), 0);
    size_t n = smf_write(ev, 4, 480, 500000, buf, sizeof buf);
    assert_true(n > 0);
    assert_memory_equal(buf, "MThd\0\0\0\6\0\0\0\1\1\xE0MTrk", 18);
    assert_int_equal(smf_parse(buf, n, &g_smf), SMF_OK);
    assert_int_equal(g_smf.division, 480);
    assert_int_equal(g_smf.tempo_us, 500000);
    assert_int_equal(g_smf.nevents, 4);
    for (int i = 0; i < 4; i++)
        assert_memory_equal(&g_smf.events[i], &ev[i], sizeof ev[i]);
    assert_int_equal(g_smf.end_tick[0], 100000);
}

static void test_writer_tempo_map_round_trip(void **st)
{
    (void)st;
    const smf_event_t ev[3] = {
        {0, 0, 0x90, 60, 100}, {480, 0, 0x80, 60, 0}, {0x0FFFFFFF, 0, 0x90, 61, 1}};
    const smf_tempo_t map[3] = {{0, 500000}, {480, 0xFFFFFF}, {0x0FFFFFFF, 1}};
    uint8_t buf[128];
    size_t need = smf_write_size(3, 3);
    assert_true(need <= sizeof buf);
    assert_int_equal(smf_write_map(ev, 3, map, 3, 480, buf, need - 1), 0);
    size_t n = smf_write_map(ev, 3, map, 3, 480, buf, need);
    assert_true(n > 0 && n <= need);
    assert_int_equal(smf_parse(buf, n, &g_smf), SMF_OK);
    assert_int_equal(g_smf.ntempos, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(g_smf.tempos[i].tick, map[i].tick);
        assert_int_equal(g_smf.tempos[i].us, map[i].us);
        assert_memory_equal(&g_smf.events[i], &ev[i], sizeof ev[i]);
    }
    /* The tempo goes before the events of its tick. */
    static const uint8_t first[9] = {0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20, 0x00, 0x90};
    assert_memory_equal(buf + 22, first, 9);
    /* Out-of-range tempos are refused; no map at all writes the default. */
    const smf_tempo_t zero = {0, 0};
    assert_int_equal(smf_write_map(ev, 1, &zero, 1, 480, buf, sizeof buf), 0);
    n = smf_write_map(ev, 1, NULL, 0, 480, buf, sizeof buf);
    assert_int_equal(smf_parse(buf, n, &g_smf), SMF_OK);
    assert_int_equal(g_smf.ntempos, 1);
    assert_int_equal(g_smf.tempo_us, 500000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type1_with_running_status_meta_sysex),
        cmocka_unit_test(test_tempo_map_merges_tracks_by_tick),
        cmocka_unit_test(test_unknown_chunk_skipped_and_default_tempo),
        cmocka_unit_test(test_too_many_tempos),
        cmocka_unit_test(test_writer_tempo_map_round_trip),
        cmocka_unit_test(test_malformed_inputs_get_named_errors),
        cmocka_unit_test(test_too_many_tracks_and_events),
        cmocka_unit_test(test_writer_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
