/*
 * smf.h -- Standard MIDI File (SMF) reader and writer of the sequencer:
 * a pure parser ((buf, len) in, events out; no I/O, no allocation beyond
 * the caller's struct) and a type-0 writer. Format: the MIDI 1.0 "Standard
 * MIDI Files 1.0" specification (MThd/MTrk chunks, variable-length
 * quantities, running status, meta and SysEx events).
 */
#ifndef MK_HW_MIDI_SMF_H
#define MK_HW_MIDI_SMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMF_MAX_TRACKS 16          /* tracks kept (more: SMF_ERR_TOO_MANY_TRACKS) */
#define SMF_MAX_EVENTS 4096        /* channel events kept over all tracks */
#define SMF_MAX_TICK   0x0FFFFFFFu /* latest tick: every delta fits a 4-byte VLQ */

typedef struct {
    uint32_t tick;  /* absolute, in the file's ticks per quarter note */
    uint8_t track;  /* 0-based MTrk index */
    uint8_t status; /* 0x80..0xEF (channel messages only are kept) */
    uint8_t data1, data2;
} smf_event_t;

typedef struct {
    uint16_t format;                   /* 0 or 1 */
    uint16_t ntracks;                  /* MTrk chunks read */
    uint16_t division;                 /* ticks per quarter note */
    uint32_t tempo_us;                 /* first Set Tempo (us per quarter), 500000 if none */
    uint32_t end_tick[SMF_MAX_TRACKS]; /* tick of each track's End of Track */
    size_t nevents;
    smf_event_t events[SMF_MAX_EVENTS]; /* by track, then time */
} smf_t;

typedef enum {
    SMF_OK,
    SMF_ERR_NOT_SMF,         /* no MThd chunk of length >= 6 at the start */
    SMF_ERR_FORMAT,          /* format other than 0 or 1, or type 0 with several tracks */
    SMF_ERR_DIVISION,        /* SMPTE time division or 0 ticks per quarter */
    SMF_ERR_TRUNCATED,       /* a chunk or event runs past the end of its data */
    SMF_ERR_BAD_VLQ,         /* variable-length quantity longer than 4 bytes */
    SMF_ERR_NO_STATUS,       /* data byte with no running status */
    SMF_ERR_TOO_MANY_TRACKS, /* more than SMF_MAX_TRACKS */
    SMF_ERR_TOO_MANY_EVENTS, /* more than SMF_MAX_EVENTS channel events */
    SMF_ERR_BAD_STATUS,      /* undefined status (F1..F6, F8..FE) in a track */
    SMF_ERR_TOO_LONG,        /* an event later than SMF_MAX_TICK */
} smf_err_t;

/* Parse `len` bytes into *out (overwritten). SMF_OK or the first error. */
smf_err_t smf_parse(const uint8_t *buf, size_t len, smf_t *out);

/* Text of an error ("truncated chunk or event", ...). */
const char *smf_strerror(smf_err_t e);

/*
 * Write a type-0 file: header (division `ppqn`), one MTrk with a Set Tempo
 * of `tempo_us`, the `n` events (absolute ticks, non-decreasing, channel
 * messages, written without running status; ticks <= SMF_MAX_TICK) and
 * End of Track. Returns the
 * bytes written, or 0 when `cap` is too small.
 */
size_t smf_write(const smf_event_t *ev, size_t n, uint16_t ppqn, uint32_t tempo_us, uint8_t *buf,
                 size_t cap);

#endif
