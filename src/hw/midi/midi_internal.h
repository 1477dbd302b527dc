/*
 * midi_internal.h -- what the MIDI actor shares with the shell's `midi`
 * command and the tests inside the library: the backend it runs on and
 * the chip's register snapshot of `midi status`.
 */
#ifndef MK_HW_MIDI_INTERNAL_H
#define MK_HW_MIDI_INTERNAL_H

#include <stdio.h>

#include "hw/midi/midi_backend.h"

#define MIDI_PATH          "/node/hardware/midi"
#define MIDI_MSG_BOOTSTRAP 1u  /* compat §1.4: sent to itself after init */
#define MIDI_POLL_MS       10u /* fallback RX poll when the IRQ fd is another actor's */

/* The backend midi_actor_init() would use now (never NULL). */
const midi_backend_t *midi_current_backend(void);

/* Register snapshot of the running backend (compat §6 `midi status`);
 * zeros and false when not configured. Call on the runtime's thread. */
bool midi_read_status(midi_hal_status_t *out);

/* Where the monitor prints (tests point it at a temporary file); NULL:
 * stdout. */
extern FILE *midi_monitor_out;

#endif
