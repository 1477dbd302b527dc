/*
 * sc16is752_mock.h -- a simulated NXP SC16IS752 on the mock I2C bus, at
 * register level, for the MIDI actor's tests and mk-shell without
 * hardware (see sc16is752_mock.c for the model).
 */
#ifndef MK_HW_SC16IS752_MOCK_H
#define MK_HW_SC16IS752_MOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One register write seen on the bus: sub-address and value. */
typedef struct {
    uint8_t reg;   /* register number (sub-address >> 3) */
    uint8_t ch;    /* channel 0 = A, 1 = B */
    uint8_t value; /* last byte of the transaction */
    uint8_t lcr7;  /* LCR bit 7 was set (0x00/0x01 mean DLL/DLH) */
} sc16_mock_write_t;

#define SC16_MOCK_LOG    256  /* register writes kept */
#define SC16_MOCK_TX_CAP 4096 /* transmitted bytes kept */
#define SC16_MOCK_WIRE   4096 /* injected bytes waiting behind the RX FIFO */

/*
 * Reset the chip to power-on state (registers 0, FIFOs empty, TXLVL 64)
 * and attach it to the mock I2C bus at `addr`, its active-low IRQ output
 * wired to mock GPIO pin `irq_pin` (the line idles high). False when the
 * mock bus has no free slot.
 */
bool sc16is752_mock_attach(uint8_t addr, int irq_pin);
void sc16is752_mock_detach(void);

/*
 * Bytes arriving on channel A's RX pin: the FIFO (64 bytes) fills first,
 * the rest wait "on the wire" (up to 4096 bytes, more are dropped and set
 * LSR overrun) and enter the FIFO only when it has been read empty, so
 * each FIFO load pulls the IRQ line low again (a new falling edge).
 * Returns the bytes accepted.
 */
size_t sc16is752_mock_inject_rx(const uint8_t *data, size_t len);

/* Copy of the bytes written to channel B's THR; its total length. */
size_t sc16is752_mock_get_tx(uint8_t *buf, size_t cap);
void sc16is752_mock_clear_tx(void);

/* Register writes since attach/clear (THR data bursts are not logged). */
size_t sc16is752_mock_get_writes(sc16_mock_write_t *out, size_t cap);
void sc16is752_mock_clear_writes(void);

/* RHR reads: the number of burst reads and the largest burst (bytes). */
unsigned sc16is752_mock_rx_bursts(unsigned *largest);

/* Free TX FIFO space the chip reports (TXLVL of channel B), 0..64. */
void sc16is752_mock_set_tx_free(uint8_t free_bytes);

/* Bytes in channel A's RX FIFO and behind it on the wire. */
size_t sc16is752_mock_rx_pending(void);

#endif
