/*
 * microkernel/arpeggiator.h -- the arpeggiator at "/sys/arpeggiator": takes
 * held notes from MIDI IN (via "/node/hardware/midi"), plays them as 16th
 * notes at a BPM in pattern UP, DOWN, UPDOWN or RANDOM over 1-4 octaves,
 * legato, back to the MIDI actor. Message values and payloads are the
 * original's (../shared/compat/midi.md §4); it sends no replies.
 */
#ifndef MICROKERNEL_ARPEGGIATOR_H
#define MICROKERNEL_ARPEGGIATOR_H

#include <stdint.h>

#include "microkernel/runtime.h"
#include "microkernel/services.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MSG_ARP_SET_BPM .. MSG_ARP_ENABLE (0xFF000075-0xFF000078) are defined in
 * services.h, as in the original (compat midi.md §4). */

#define ARP_UP     0 /* lowest to highest, wrap */
#define ARP_DOWN   1 /* highest to lowest, wrap */
#define ARP_UPDOWN 2 /* up then down, end points not repeated */
#define ARP_RANDOM 3 /* any other position, uniformly */

#define ARP_MAX_NOTES 16 /* held notes kept (the 17th is ignored) */

/* Payloads: 4 bytes each, host order; shorter payloads are ignored. */
typedef struct {
    uint16_t bpm;    /* beats per minute; a step is a 16th: 60000 / (bpm * 4) ms */
    uint8_t _pad[2]; /* zero */
} arp_bpm_payload_t;

/* MSG_ARP_SET_PATTERN. */
typedef struct {
    uint8_t pattern; /* ARP_* */
    uint8_t _pad[3]; /* zero */
} arp_pattern_payload_t;

/* MSG_ARP_SET_OCTAVES. */
typedef struct {
    uint8_t octaves; /* 1..4 */
    uint8_t _pad[3]; /* zero */
} arp_octaves_payload_t;

/* MSG_ARP_ENABLE. */
typedef struct {
    uint8_t enable;  /* 0 = bypass (no output), non-zero = active */
    uint8_t _pad[3]; /* zero */
} arp_enable_payload_t;

/*
 * Spawn the arpeggiator (mailbox 64; BPM 120, UP, 1 octave, enabled),
 * register "/sys/arpeggiator" and send it its bootstrap, on which it
 * subscribes to "/node/hardware/midi" (channel 0xFF, MIDI_FILTER_NOTE).
 * Returns its ID, or ACTOR_ID_INVALID with mk_last_error() set when the
 * MIDI actor is not registered, the path is taken, or no memory/slot.
 */
actor_id_t arpeggiator_init(runtime_t *rt);

/*
 * Seed of ARP_RANDOM for arpeggiators started afterwards (extension: the
 * original uses rand() unseeded). Same seed, same sequence. Default 1.
 */
void arpeggiator_set_random_seed(uint32_t seed);

#ifdef __cplusplus
}
#endif

#endif
