/* fuzz_midi_parser.c -- libFuzzer target for the MIDI byte parser
 * (src/hw/midi/midi_parser.c): every input byte is fed in order. Checked:
 * events carry a status byte >= 0x80 and data bytes < 0x80, the channel
 * matches the status, SysEx events start with F0, stay within 256 bytes and
 * end with F7 unless the buffer was full. */
#include <stdlib.h>
#include <string.h>

#include "hw/midi/midi_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    midi_parser_t p;
    midi_parser_reset(&p);
    for (size_t i = 0; i < size; i++) {
        midi_event_payload_t ev;
        midi_parse_result_t r = midi_parser_feed(&p, data[i], &ev);
        if (r == MIDI_PARSE_EVENT) {
            if (ev.status < 0x80 || ev.data1 > 0x7F || ev.data2 > 0x7F)
                __builtin_trap();
            if (ev.channel != (ev.status < 0xF0 ? (ev.status & 0x0F) : 0xFF))
                __builtin_trap();
            if (midi_message_length(ev.status) == 0)
                __builtin_trap();
        } else if (r == MIDI_PARSE_SYSEX) {
            if (p.sysex_len < 2 || p.sysex_len > MIDI_SYSEX_MAX || p.sysex[0] != 0xF0)
                __builtin_trap();
            if (p.sysex_len < MIDI_SYSEX_MAX && p.sysex[p.sysex_len - 1] != 0xF7)
                __builtin_trap();
        }
    }
    return 0;
}
