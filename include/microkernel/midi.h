/*
 * microkernel/midi.h -- the MIDI actor at "/node/hardware/midi": an
 * SC16IS752 UART-to-I2C bridge (channel A = MIDI IN, interrupt driven;
 * channel B = MIDI OUT; 31250 baud 8N1) or the ALSA sequencer, a byte
 * parser with running status, SysEx and real-time interleaving, and
 * subscribers with channel and message-type filters. Message values,
 * payload layouts and error texts are the original's
 * (../shared/compat/midi.md §1); docs/midi.md has hex examples.
 */
#ifndef MICROKERNEL_MIDI_H
#define MICROKERNEL_MIDI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Message types (compat midi.md §1.1): MSG_MIDI_CONFIGURE .. MSG_MIDI_SYSEX_EVENT
 * (0xFF000070-0xFF00007D) are defined in services.h, as in the original. */

/* Subscription filter bits (compat midi.md §1.3). */
#define MIDI_FILTER_NOTE       0x01u /* 0x8n Note Off, 0x9n Note On */
#define MIDI_FILTER_CC         0x02u /* 0xBn */
#define MIDI_FILTER_PROGRAM    0x04u /* 0xCn */
#define MIDI_FILTER_PITCHBEND  0x08u /* 0xEn */
#define MIDI_FILTER_AFTERTOUCH 0x10u /* 0xAn and 0xDn */
#define MIDI_FILTER_SYSEX      0x20u /* complete SysEx (MSG_MIDI_SYSEX_EVENT) */
#define MIDI_FILTER_REALTIME   0x40u /* 0xF8..0xFF */
#define MIDI_FILTER_ALL        0xFFu /* every kind */

#define MIDI_CHANNEL_ALL     0xFFu /* subscribe: every channel */
#define MIDI_MAX_SUBSCRIBERS 8     /* compat §1.4 */
#define MIDI_SYSEX_MAX       256   /* bytes of SysEx buffered (F0 included) */
#define MIDI_RX_DRAIN_MAX    64    /* bytes taken per IRQ notification (FIFO size) */

/* All payloads: natural-aligned, host (little-endian) order. */
typedef struct {
    uint8_t i2c_port;     /* I2C bus 0 or 1 */
    uint8_t i2c_addr;     /* SC16IS752 7-bit address (default 0x48) */
    uint8_t sda_pin;      /* unused by the Linux backends */
    uint8_t scl_pin;      /* unused by the Linux backends */
    uint8_t irq_pin;      /* GPIO wired to the bridge's active-low IRQ */
    uint8_t _pad[3];      /* zero */
    uint32_t i2c_freq_hz; /* 100000 or 400000 */
} midi_config_payload_t;  /* 12 bytes */

/* MSG_MIDI_SEND: one short message. */
typedef struct {
    uint8_t status;    /* 0x80..0xEF, or a system status with a length (table §3.1) */
    uint8_t data1;     /* sent as given (not masked) */
    uint8_t data2;     /* ignored for 2-byte messages */
    uint8_t _pad;      /* zero */
} midi_send_payload_t; /* 4 bytes */

/* MSG_MIDI_SEND_SYSEX: a complete SysEx message. */
typedef struct {
    uint16_t length;    /* bytes in data[], F0 and F7 included */
    uint8_t _pad[2];    /* zero */
    uint8_t data[];     /* F0 ... F7 */
} midi_sysex_payload_t; /* 4-byte header */

/* MSG_MIDI_SUBSCRIBE: which channel and kinds the sender receives. */
typedef struct {
    uint8_t channel;        /* 0..15, or MIDI_CHANNEL_ALL */
    uint8_t msg_filter;     /* MIDI_FILTER_* bits */
    uint8_t _pad[2];        /* zero */
} midi_subscribe_payload_t; /* 4 bytes */

/* MSG_MIDI_EVENT: one received message, to subscribers. */
typedef struct {
    uint8_t status;     /* full status byte (running status filled in) */
    uint8_t data1;      /* 0 when absent */
    uint8_t data2;      /* 0 when absent */
    uint8_t channel;    /* status & 0x0F for 0x80..0xEF, else 0xFF */
} midi_event_payload_t; /* 4 bytes */

/* MSG_MIDI_SYSEX_EVENT: one received SysEx, to subscribers. */
typedef struct {
    uint16_t length;          /* bytes in data[] */
    uint8_t _pad[2];          /* zero */
    uint8_t data[];           /* starts with 0xF0 */
} midi_sysex_event_payload_t; /* 4-byte header */

/* Backend of the MIDI actor, chosen at run time (mk-shell --midi). */
typedef enum {
    MIDI_BACKEND_MOCK,      /* SC16IS752 driver on the simulated chip of the mock I2C bus */
    MIDI_BACKEND_SC16IS752, /* SC16IS752 driver on the hw_start() I2C/GPIO HALs */
    MIDI_BACKEND_ALSA,      /* ALSA sequencer port (built when libasound2-dev is found) */
} midi_backend_kind_t;

/*
 * Start the MIDI actor with the backend of the hardware layer
 * (midi_start_backend() or, by default, the SC16IS752 driver on the
 * process's default I2C and GPIO HALs: the mock bus unless hw_start() chose
 * Linux ones). Spawns it (mailbox 64), registers "/node/hardware/midi" and
 * sends it its bootstrap. Needs the namespace (ns_install). Returns its ID,
 * or ACTOR_ID_INVALID with mk_last_error() set (path taken, no actor slot,
 * out of memory, a MIDI actor already runs in this process). The actor
 * starts unconfigured (compat §1.4) and is not supervised: hw_start() runs
 * it under the hardware supervisor instead (microkernel/hw.h). Receive is
 * woken by the IRQ line (through the GPIO actor when one runs) or the
 * backend's descriptor; a 10 ms poll only when neither can be had (logged).
 */
actor_id_t midi_actor_init(runtime_t *rt);

/*
 * Choose the backend midi_actor_init() uses: "mock" (the simulated
 * SC16IS752 is attached to the mock I2C bus at 0x48), "sc16is752" or
 * "alsa:<client>:<port>" (the string is kept by pointer: it must outlive
 * the actor). False with mk_last_error() for another spec, or for "alsa:"
 * when the ALSA backend is not built in.
 */
bool midi_select_backend(const char *spec);

#ifdef __cplusplus
}
#endif

#endif
