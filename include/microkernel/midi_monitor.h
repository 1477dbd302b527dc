/*
 * microkernel/midi_monitor.h -- the MIDI monitor at "/sys/midi_monitor":
 * subscribes to every MIDI event and prints one human-readable line per
 * event to stdout, in the original's format (../shared/compat/midi.md §5).
 */
#ifndef MICROKERNEL_MIDI_MONITOR_H
#define MICROKERNEL_MIDI_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "microkernel/midi.h"
#include "microkernel/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Spawn the monitor (mailbox 64), register "/sys/midi_monitor" and send it
 * its bootstrap, on which it subscribes to "/node/hardware/midi" with
 * channel 0xFF and MIDI_FILTER_ALL. Returns its ID, or ACTOR_ID_INVALID
 * with mk_last_error() set when the MIDI actor is not registered, the path
 * is taken or no actor slot is free.
 */
actor_id_t midi_monitor_init(runtime_t *rt);

/*
 * The monitor's line for a short-message event, without newline, into
 * buf (NUL-terminated, truncated to cap). Channels 1-based, notes as name
 * and octave (60 = "C 4"), pitch bend as (data1 + data2*128) - 8192.
 * Returns the length snprintf would produce.
 */
int midi_monitor_format_event(char *buf, size_t cap, const midi_event_payload_t *ev);

/* The line for a SysEx of `len` bytes: "MIDI SysEx    len=<n> " and the
 * first 16 bytes as uppercase hex, "..." when longer. */
int midi_monitor_format_sysex(char *buf, size_t cap, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif
