/*
 * midi_parser.h -- the receive-side MIDI byte parser: pure (a state struct,
 * one byte in, at most one event out), no I/O and no allocation. Rules of
 * ../shared/compat/midi.md §3 (running status, SysEx up to 256 bytes,
 * real-time bytes anywhere without disturbing the state, System Common).
 */
#ifndef MK_HW_MIDI_PARSER_H
#define MK_HW_MIDI_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/midi.h"

typedef struct {
    uint8_t running;  /* running status (0x80..0xEF), 0: none */
    uint8_t cur;      /* status of the message being accumulated, 0: none */
    uint8_t expected; /* total bytes of `cur` (2 or 3) */
    uint8_t count;    /* bytes of `cur` so far, status included */
    uint8_t data[2];  /* data bytes of `cur` */
    bool in_sysex;
    size_t sysex_len;              /* bytes in sysex[], F0 included */
    uint8_t sysex[MIDI_SYSEX_MAX]; /* F0 ... (F7 if it fit) */
    uint32_t sysex_dropped;        /* data bytes dropped past 256 in this SysEx */
} midi_parser_t;

typedef enum {
    MIDI_PARSE_NONE,  /* byte consumed, nothing complete */
    MIDI_PARSE_EVENT, /* *ev holds a complete short message */
    MIDI_PARSE_SYSEX, /* p->sysex[0 .. p->sysex_len) holds a complete SysEx */
} midi_parse_result_t;

/* Forget running status, any partial message and any SysEx. */
void midi_parser_reset(midi_parser_t *p);

/*
 * Feed one received byte. Returns MIDI_PARSE_EVENT with *ev filled
 * (status with running status applied, data2 = 0 for 2-byte messages,
 * channel = status & 0x0F for 0x80..0xEF, else 0xFF), MIDI_PARSE_SYSEX when
 * a SysEx ended with F7 (the bytes stay valid until the next call), or
 * MIDI_PARSE_NONE. Never fails: malformed input is discarded as §3.2 says.
 */
midi_parse_result_t midi_parser_feed(midi_parser_t *p, uint8_t byte, midi_event_payload_t *ev);

/*
 * Total bytes of a message with `status` (compat §3.1): 3, 2 or 1; 0 for
 * 0xF0 (variable), 0xF4, 0xF5, 0xF7 and for data bytes (< 0x80).
 */
int midi_message_length(uint8_t status);

#endif
