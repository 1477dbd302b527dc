/*
 * midi_internal.h -- what the MIDI actor shares with the shell's `midi`
 * command and the tests inside the library: the backend it runs on and
 * the chip's register snapshot of `midi status`.
 */
#ifndef MK_HW_MIDI_INTERNAL_H
#define MK_HW_MIDI_INTERNAL_H

#include <stdio.h>

#include "hw/midi/midi_backend.h"
#include "microkernel/runtime.h"

#define MIDI_PATH          "/node/hardware/midi"
#define MIDI_MSG_BOOTSTRAP 1u  /* compat §1.4: sent to itself after init */
#define MIDI_POLL_MS       10u /* fallback RX poll, only when no IRQ can be had */

struct hw_actor_def;
/* The MIDI actor as a hardware actor (hw_internal.h): path MIDI_PATH, flat
 * name "midi"; bring-up re-applies the last accepted configuration. */
extern const struct hw_actor_def midi_actor_def;

/*
 * A new MIDI record (refs 0; hw_common_t first) on the selected backend,
 * attaching the simulated SC16IS752 (0x48, IRQ GPIO 43) for "mock". One per
 * process: NULL with mk_last_error() when one exists, the mock bus is full
 * or memory is out. hw_start() runs it under its supervisor.
 */
void *midi_record_new(runtime_t *rt);

/* Fallback poll ticks the MIDI actor handled in this process (tests prove
 * with it that receive is interrupt driven). */
uint64_t midi_poll_count(void);

/* The backend midi_actor_init() would use now (never NULL). */
const midi_backend_t *midi_current_backend(void);

/* Register snapshot of the running backend (compat §6 `midi status`);
 * zeros and false when not configured. Call on the runtime's thread. */
bool midi_read_status(midi_hal_status_t *out);

/* Where the monitor prints (tests point it at a temporary file); NULL:
 * stdout. */
extern FILE *midi_monitor_out;

/*
 * Step clock of the arpeggiator (and sequencer): by default the runtime's
 * periodic timers. Tests install a fake whose start() records the period
 * and returns an ID; they then deliver MSG_TIMER {id} themselves, so note
 * order and spacing are checked on a controllable clock, never wall time.
 * Called on the actor's thread.
 */
typedef struct {
    void *ctx;
    timer_id_t (*start)(void *ctx, runtime_t *rt, uint64_t period_ms);
    void (*stop)(void *ctx, runtime_t *rt, timer_id_t id);
} midi_clock_t;

/* Install `c` (NULL: runtime timers) for actors started afterwards. */
void midi_set_clock(const midi_clock_t *c);
/* The clock in force (never NULL). */
const midi_clock_t *midi_get_clock(void);

#endif
