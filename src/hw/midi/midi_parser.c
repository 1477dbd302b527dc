/*
 * midi_parser.c -- MIDI byte parser of the MIDI actor (and of the SMF
 * reader's tests): byte in, event out, following ../shared/compat/midi.md
 * §3.2 in its order of precedence. Pure: no I/O, no allocation, no global
 * state, so it is fuzzed alone (tests/fuzz/fuzz_midi_parser.c).
 */
#include "hw/midi/midi_parser.h"

#include <string.h>

void midi_parser_reset(midi_parser_t *p)
{
    memset(p, 0, sizeof *p);
}

int midi_message_length(uint8_t status)
{
    if (status < 0x80)
        return 0;
    if (status < 0xF0) {
        uint8_t hi = status & 0xF0;
        return hi == 0xC0 || hi == 0xD0 ? 2 : 3;
    }
    switch (status) {
    case 0xF1:
    case 0xF3: return 2;
    case 0xF2: return 3;
    case 0xF6: return 1;
    case 0xF0:
    case 0xF4:
    case 0xF5:
    case 0xF7: return 0;
    default: return 1; /* 0xF8..0xFF real-time */
    }
}

static void fill(midi_event_payload_t *ev, uint8_t status, uint8_t d1, uint8_t d2)
{
    ev->status = status;
    ev->data1 = d1;
    ev->data2 = d2;
    ev->channel = status < 0xF0 ? (uint8_t)(status & 0x0F) : 0xFF;
}

midi_parse_result_t midi_parser_feed(midi_parser_t *p, uint8_t b, midi_event_payload_t *ev)
{
    /* Rule 1: real-time anywhere, state untouched. */
    if (b >= 0xF8) {
        fill(ev, b, 0, 0);
        return MIDI_PARSE_EVENT;
    }
    /* Rule 2: inside SysEx. */
    if (p->in_sysex) {
        if (b < 0x80) {
            if (p->sysex_len < MIDI_SYSEX_MAX)
                p->sysex[p->sysex_len++] = b;
            else
                p->sysex_dropped++;
            return MIDI_PARSE_NONE;
        }
        p->in_sysex = false;
        if (b == 0xF7) {
            if (p->sysex_len < MIDI_SYSEX_MAX)
                p->sysex[p->sysex_len++] = b;
            p->running = 0;
            return MIDI_PARSE_SYSEX;
        }
        /* Any other status aborts the SysEx, then is processed normally. */
        p->sysex_len = 0;
    }
    /* Rule 3: SysEx start. */
    if (b == 0xF0) {
        p->in_sysex = true;
        p->sysex[0] = 0xF0;
        p->sysex_len = 1;
        p->sysex_dropped = 0;
        p->running = 0;
        p->cur = 0;
        p->count = 0;
        return MIDI_PARSE_NONE;
    }
    /* Rule 4: other status bytes. */
    if (b >= 0x80) {
        int len = midi_message_length(b);
        p->cur = 0;
        p->count = 0;
        if (len == 0)
            return MIDI_PARSE_NONE; /* F4, F5, stray F7: ignored */
        if (len == 1) {
            p->running = 0;
            fill(ev, b, 0, 0);
            return MIDI_PARSE_EVENT;
        }
        p->cur = b;
        p->expected = (uint8_t)len;
        p->count = 1;
        p->running = b < 0xF0 ? b : 0;
        return MIDI_PARSE_NONE;
    }
    /* Rule 5: data bytes outside SysEx. */
    if (p->cur == 0) {
        if (p->running == 0)
            return MIDI_PARSE_NONE; /* no status to apply: discarded */
        p->cur = p->running;
        p->expected = (uint8_t)midi_message_length(p->running);
        p->count = 1;
    }
    p->data[p->count - 1] = b;
    p->count++;
    if (p->count < p->expected)
        return MIDI_PARSE_NONE;
    fill(ev, p->cur, p->data[0], p->expected == 3 ? p->data[1] : 0);
    p->cur = 0;
    p->count = 0;
    return MIDI_PARSE_EVENT;
}
