/*
 * smf.h -- Standard MIDI File (SMF) reader and writer of the sequencer:
 * a pure parser ((buf, len) in, events out; no I/O, no allocation beyond
 * the caller's struct) and a type-0 writer, both with a tempo map
 * (every Set Tempo meta event, FF 51 03 tttttt). Format: the MIDI 1.0 "Standard
 * MIDI Files 1.0" specification (MThd/MTrk chunks, variable-length
 * quantities, running status, meta and SysEx events).
 */
#ifndef MK_HW_MIDI_SMF_H
#define MK_HW_MIDI_SMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMF_MAX_TRACKS       16          /* tracks kept (more: SMF_ERR_TOO_MANY_TRACKS) */
#define SMF_MAX_EVENTS       4096        /* channel events kept over all tracks */
#define SMF_MAX_TICK         0x0FFFFFFFu /* latest tick: every delta fits a 4-byte VLQ */
#define SMF_MAX_TEMPOS       256         /* Set Tempo events kept over all tracks */
#define SMF_DEFAULT_TEMPO_US 500000u     /* 120 BPM: the tempo before any Set Tempo (SMF 1.0) */

/* One Set Tempo: from `tick` on, a quarter note lasts `us` microseconds. */
typedef struct {
    uint32_t tick; /* absolute, in the file's ticks per quarter note */
    uint32_t us;   /* 1 .. 0xFFFFFF microseconds per quarter note */
} smf_tempo_t;

typedef struct {
    uint32_t tick;  /* absolute, in the file's ticks per quarter note */
    uint8_t track;  /* 0-based MTrk index */
    uint8_t status; /* 0x80..0xEF (channel messages only are kept) */
    uint8_t data1, data2;
} smf_event_t;

typedef struct {
    uint16_t format;                    /* 0 or 1 */
    uint16_t ntracks;                   /* MTrk chunks read */
    uint16_t division;                  /* ticks per quarter note */
    uint32_t tempo_us;                  /* tempo at tick 0: the earliest Set Tempo if it is at
                                           tick 0, else 500000 */
    size_t ntempos;                     /* entries of tempos[] */
    smf_tempo_t tempos[SMF_MAX_TEMPOS]; /* every Set Tempo of every track, by tick (ties in
                                           file order: the later one wins) */
    uint32_t end_tick[SMF_MAX_TRACKS];  /* tick of each track's End of Track */
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
    SMF_ERR_TOO_MANY_TEMPOS, /* more than SMF_MAX_TEMPOS Set Tempo events */
    SMF_ERR_BAD_TEMPO,       /* a Set Tempo of 0 microseconds per quarter */
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

/*
 * Write a type-0 file with a tempo map: header (division `ppqn`), one MTrk
 * with the `nt` Set Tempo events of `tempos` (ticks non-decreasing, us in
 * 1..0xFFFFFF; none: one Set Tempo of 500000 at tick 0) merged in tick
 * order with the `n` channel events (a tempo before the events of its
 * tick), then End of Track. Returns the bytes written, or 0 when `cap` is
 * below smf_write_size(n, nt) or a tempo is out of range.
 */
size_t smf_write_map(const smf_event_t *ev, size_t n, const smf_tempo_t *tempos, size_t nt,
                     uint16_t ppqn, uint8_t *buf, size_t cap);

/* The worst-case size of smf_write_map's output for n events, nt tempos. */
size_t smf_write_size(size_t n, size_t nt);

#endif
