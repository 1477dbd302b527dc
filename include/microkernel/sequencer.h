/*
 * microkernel/sequencer.h -- (extension, beyond the seed) the step
 * sequencer at "/sys/sequencer": 480 PPQN, up to 8 tracks each looping its
 * own pattern length (polyrhythm), 4 pattern slots per track switched on
 * the next bar, mute/solo, tempo changes, active-note tracking so that
 * mute, pattern switches and stop never leave a note hanging, Standard
 * MIDI File (type 0/1) import and type-0 export of what was played.
 * Output goes to "/node/hardware/midi" as MSG_MIDI_SEND. docs/midi.md.
 */
#ifndef MICROKERNEL_SEQUENCER_H
#define MICROKERNEL_SEQUENCER_H

#include <stdint.h>

#include "microkernel/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Requests (each answered with MSG_SEQ_OK or MSG_SEQ_ERROR + text, except
 * EXPORT which answers MSG_SEQ_SMF). Values outside the original's range
 * (0xFF000070..0x7D) and the other extensions' ranges. */
#define MSG_SEQ_PLAY 0xFF000190u /* none: play from tick 0 */
#define MSG_SEQ_STOP 0xFF000191u /* none: Note Off for every sounding note, clock stops */
#define MSG_SEQ_SET_TEMPO                                                                          \
    0xFF000192u                         /* seq_tempo_payload_t: 30..300 BPM, from the next tick;   \
                                           replaces a loaded file's tempo map */
#define MSG_SEQ_SET_PATTERN 0xFF000193u /* seq_pattern_payload_t + events */
#define MSG_SEQ_SELECT      0xFF000194u /* seq_track_payload_t {track, slot}: on the next bar */
#define MSG_SEQ_MUTE        0xFF000195u /* seq_track_payload_t {track, 0/1} */
#define MSG_SEQ_SOLO        0xFF000196u /* seq_track_payload_t {track, 0/1} */
#define MSG_SEQ_LOAD_SMF    0xFF000197u /* SMF bytes (type 0/1), with its tempo map */
#define MSG_SEQ_EXPORT      0xFF000198u /* none -> MSG_SEQ_SMF */
#define MSG_SEQ_OK          0xFF00019Au /* empty */
#define MSG_SEQ_ERROR       0xFF00019Bu /* error text, no NUL */
#define MSG_SEQ_SMF                                                                                \
    0xFF00019Cu /* a type-0 SMF (480 PPQN) of every event sent and                                 \
                   every tempo change played */

#define SEQUENCER_PATH "/sys/sequencer" /* where sequencer_init registers it */

#define SEQ_PPQN             480     /* ticks per quarter note */
#define SEQ_BAR_TICKS        1920    /* 4/4 */
#define SEQ_TRACKS           8       /* tracks, each on its own MIDI channel */
#define SEQ_SLOTS            4       /* pattern slots per track */
#define SEQ_PATTERN_EVENTS   256     /* events per pattern */
#define SEQ_RECORD_MAX       4096    /* events kept for export (later ones are not kept) */
#define SEQ_STEP_MS          5       /* clock period: ticks advance by elapsed time */
#define SEQ_TEMPO_RECORD_MAX 256     /* tempo changes kept for export */
#define SEQ_TEMPO_MIN_US     200000  /* 300 BPM: faster file tempos are clamped to it */
#define SEQ_TEMPO_MAX_US     2000000 /* 30 BPM: slower file tempos are clamped to it */

/* All payloads host order, natural alignment. */
typedef struct {
    uint16_t bpm;    /* 30..300, else MSG_SEQ_ERROR "tempo out of range" */
    uint8_t _pad[2]; /* zero */
} seq_tempo_payload_t;

/* MSG_SEQ_SELECT, MSG_SEQ_MUTE, MSG_SEQ_SOLO: a track and a value. */
typedef struct {
    uint8_t track;   /* 0..7 */
    uint8_t value;   /* slot 0..3 (SELECT), 0/1 (MUTE, SOLO) */
    uint8_t _pad[2]; /* zero */
} seq_track_payload_t;

/* One event of a pattern. */
typedef struct {
    uint32_t tick;  /* offset in the pattern, < length_ticks */
    uint8_t status; /* channel message 0x80..0xEF */
    uint8_t data1;  /* first data byte */
    uint8_t data2;  /* second data byte (0 for 2-byte messages) */
    uint8_t _pad;   /* zero */
} seq_event_t;      /* 8 bytes */

/* MSG_SEQ_PATTERN: a pattern for a track's slot, then its events. */
typedef struct {
    uint8_t track;         /* 0..7 */
    uint8_t slot;          /* 0..3 */
    uint16_t n_events;     /* <= 256 */
    uint32_t length_ticks; /* loop length, 1 .. 16 bars */
    seq_event_t events[];  /* n_events, any order */
} seq_pattern_payload_t;   /* 8-byte header */

/*
 * Spawn the sequencer (mailbox 64, 120 BPM, stopped, every track empty,
 * slot 0 selected) and register "/sys/sequencer". Returns its ID, or
 * ACTOR_ID_INVALID with mk_last_error() set when "/node/hardware/midi" is
 * not registered, the path is taken, or no memory/slot.
 */
actor_id_t sequencer_init(runtime_t *rt);

#ifdef __cplusplus
}
#endif

#endif
