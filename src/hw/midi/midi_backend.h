/*
 * midi_backend.h -- the byte transport under the MIDI actor: one method
 * table per backend (SC16IS752 over the I2C and GPIO HALs, ALSA
 * sequencer). The semantics are the original's midi_hal.h
 * (../shared/compat/midi.md §2.5) with a context pointer, so tests run the
 * actor against the simulated chip of the mock I2C bus.
 */
#ifndef MK_HW_MIDI_BACKEND_H
#define MK_HW_MIDI_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/midi.h"

/* Register snapshot of `midi status` (compat §2.4 "Status"). */
typedef struct {
    uint8_t rxlvl; /* bytes waiting in channel A's RX FIFO */
    uint8_t txlvl; /* free bytes in channel B's TX FIFO */
    uint8_t lsr;   /* channel A line status */
    uint8_t iir;   /* channel A interrupt identification */
    uint8_t ier;   /* channel A interrupt enable */
} midi_hal_status_t;

typedef struct midi_backend {
    const char *name; /* "sc16is752", "alsa" */
    void *ctx;
    /* True when the notification is a GPIO HAL edge on midi_config_payload_t
     * irq_pin (the MIDI actor then takes it from the GPIO actor if one runs). */
    bool irq_is_gpio;
    /* Bring up the hardware as `cfg` says. False: the actor replies
     * "hal configure failed" and keeps its previous state. */
    bool (*configure)(void *ctx, const midi_config_payload_t *cfg);
    void (*deconfigure)(void *ctx);
    /* Descriptor readable (POLLIN) when bytes may be waiting; -1 if none. */
    int (*notify_fd)(void *ctx);
    /* Consume what made notify_fd readable (queued GPIO edges), so a
     * level-triggered watch does not fire again; NULL: drain_rx does it.
     * Only for the fd's owner: never called when the GPIO actor owns it. */
    void (*ack_notify)(void *ctx);
    /* Up to `max` received bytes into buf: count, 0 if none, < 0 on error. */
    int (*drain_rx)(void *ctx, uint8_t *buf, int max);
    /* Send all `len` bytes or nothing: 0, or -1 (not configured, FIFO full). */
    int (*tx)(void *ctx, const uint8_t *data, size_t len);
    /* Fill *out; zeros and false when not configured or unsupported. */
    bool (*read_status)(void *ctx, midi_hal_status_t *out);
} midi_backend_t;

struct mk_i2c_hal;
struct mk_gpio_hal;
/*
 * The SC16IS752 driver (sc16is752.c) on `i2c` and `gpio` (the IRQ line).
 * Process-wide single instance: each call re-targets it (call before the
 * actor starts). Never NULL.
 */
const midi_backend_t *sc16is752_backend(const struct mk_i2c_hal *i2c,
                                        const struct mk_gpio_hal *gpio);

/* The ALSA sequencer backend on "<client>:<port>" (kept by pointer); NULL
 * when built without libasound (midi_alsa.c). */
const midi_backend_t *midi_alsa_backend(const char *target);

/* SC16IS752 register numbers and values (compat §2.1). */
#define SC16_RHR              0x00 /* read; THR on write; DLL with LCR bit 7 */
#define SC16_IER              0x01 /* DLH with LCR bit 7 */
#define SC16_FCR              0x02 /* write; IIR on read */
#define SC16_LCR              0x03
#define SC16_MCR              0x04
#define SC16_LSR              0x05
#define SC16_TXLVL            0x08
#define SC16_RXLVL            0x09
#define SC16_CH_A             0
#define SC16_CH_B             1
/* The sub-address byte of register `reg` on channel `ch`. */
#define SC16_SUBADDR(reg, ch) ((uint8_t)(((reg) << 3) | ((ch) << 1)))
#define SC16_CRYSTAL_HZ       12000000u
#define SC16_MIDI_BAUD        31250u
#define SC16_DIVISOR          (SC16_CRYSTAL_HZ / (16u * SC16_MIDI_BAUD)) /* 24 */
#define SC16_FIFO_SIZE        64

#endif
