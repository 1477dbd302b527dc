/*
 * sc16is752_mock.c -- the simulated SC16IS752 behind the MIDI actor's
 * tests: decodes the sub-address (reg << 3 | ch << 1), keeps per channel
 * IER/LCR/DLL/DLH/FCR/MCR, a 64-byte RX FIFO fed from an injectable
 * "wire", a captured TX stream and a write log, and drives the IRQ output
 * as a mock GPIO pin (low while channel A has RX data and IER bit 0 is
 * set; the high->low change is the edge the actor waits for). Register
 * meanings: ../shared/compat/midi.md §2.1. Runs on the caller's thread.
 */
#include "hw/hal/mock/sc16is752_mock.h"

#include <string.h>

#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/midi/midi_backend.h"

typedef struct {
    uint8_t ier, lcr, dll, dlh, fcr, mcr, lsr_overrun;
    uint8_t rx[SC16_FIFO_SIZE];
    size_t rx_head, rx_len;
} sc16_chan_t;

typedef struct {
    bool attached;
    uint8_t addr;
    int irq_pin;
    bool irq_low;
    uint8_t ptr; /* last sub-address */
    sc16_chan_t ch[2];
    uint8_t wire[SC16_MOCK_WIRE];
    size_t wire_len;
    uint8_t tx[SC16_MOCK_TX_CAP];
    size_t tx_len;
    uint8_t tx_free;
    sc16_mock_write_t log[SC16_MOCK_LOG];
    size_t log_len;
    unsigned bursts, largest;
} sc16_mock_t;

static sc16_mock_t g;

static void update_irq(void)
{
    sc16_chan_t *a = &g.ch[0];
    bool low = (a->ier & 0x01) && a->rx_len > 0;
    if (low && !g.irq_low)
        gpio_mock_trigger_interrupt(g.irq_pin, 0);
    else if (!low && g.irq_low)
        gpio_mock_set_value(g.irq_pin, 1);
    g.irq_low = low;
}

/* Move wire bytes into an empty FIFO (the sender keeps sending). */
static void refill(void)
{
    sc16_chan_t *a = &g.ch[0];
    if (a->rx_len > 0 || g.wire_len == 0)
        return;
    size_t n = g.wire_len < SC16_FIFO_SIZE ? g.wire_len : SC16_FIFO_SIZE;
    memcpy(a->rx, g.wire, n);
    memmove(g.wire, g.wire + n, g.wire_len - n);
    g.wire_len -= n;
    a->rx_head = 0;
    a->rx_len = n;
}

static uint8_t rx_pop(sc16_chan_t *c)
{
    if (c->rx_len == 0)
        return 0;
    uint8_t b = c->rx[c->rx_head];
    c->rx_head = (c->rx_head + 1) % SC16_FIFO_SIZE;
    c->rx_len--;
    return b;
}

static void reg_write(int ch, uint8_t reg, uint8_t v)
{
    sc16_chan_t *c = &g.ch[ch];
    bool latch = c->lcr & 0x80;
    switch (reg) {
    case SC16_RHR:
        if (latch)
            c->dll = v;
        else if (ch == SC16_CH_B && g.tx_len < SC16_MOCK_TX_CAP)
            g.tx[g.tx_len++] = v; /* transmitted at once: the FIFO stays free */
        break;
    case SC16_IER:
        if (latch)
            c->dlh = v;
        else
            c->ier = v;
        break;
    case SC16_FCR:
        c->fcr = v & 0x01;
        if (v & 0x02)
            c->rx_len = c->rx_head = 0;
        break;
    case SC16_LCR: c->lcr = v; break;
    case SC16_MCR: c->mcr = v; break;
    default: break;
    }
}

static uint8_t reg_read(int ch, uint8_t reg)
{
    sc16_chan_t *c = &g.ch[ch];
    bool latch = c->lcr & 0x80;
    switch (reg) {
    case SC16_RHR: return latch ? c->dll : rx_pop(c);
    case SC16_IER: return latch ? c->dlh : c->ier;
    case SC16_FCR: { /* IIR: bit 0 clear = pending; source 010 = RX data */
        uint8_t fifo = c->fcr ? 0xC0 : 0x00;
        bool pending = (c->ier & 0x01) && c->rx_len > 0;
        return (uint8_t)(fifo | (pending ? 0x04 : 0x01));
    }
    case SC16_LCR: return c->lcr;
    case SC16_MCR: return c->mcr;
    case SC16_LSR: {
        uint8_t v = (uint8_t)(0x60 | (c->rx_len ? 0x01 : 0) | (c->lsr_overrun ? 0x02 : 0));
        c->lsr_overrun = 0; /* cleared by reading LSR, as on the chip */
        return v;
    }
    case SC16_TXLVL: return ch == SC16_CH_B ? g.tx_free : SC16_FIFO_SIZE;
    case SC16_RXLVL: return (uint8_t)c->rx_len;
    default: return 0;
    }
}

static int chip_write(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (len == 0)
        return I2C_HAL_OK; /* probe */
    g.ptr = data[0];
    uint8_t reg = (data[0] >> 3) & 0x0F;
    int ch = (data[0] >> 1) & 0x01;
    if (len == 2 && g.log_len < SC16_MOCK_LOG)
        g.log[g.log_len++] = (sc16_mock_write_t){reg, (uint8_t)ch, data[1],
                                                 (uint8_t)((g.ch[ch].lcr & 0x80) ? 1 : 0)};
    for (size_t i = 1; i < len; i++)
        reg_write(ch, reg, data[i]);
    update_irq();
    return I2C_HAL_OK;
}

static int chip_write_read(void *ctx, const uint8_t *w, size_t wlen, uint8_t *r, size_t rlen)
{
    (void)ctx;
    if (wlen > 0)
        g.ptr = w[0];
    uint8_t reg = (g.ptr >> 3) & 0x0F;
    int ch = (g.ptr >> 1) & 0x01;
    if (reg == SC16_RHR && !(g.ch[ch].lcr & 0x80)) {
        g.bursts++;
        if (rlen > g.largest)
            g.largest = (unsigned)rlen;
    }
    for (size_t i = 0; i < rlen; i++)
        r[i] = reg_read(ch, reg); /* the register does not auto-increment */
    update_irq();
    refill();
    update_irq();
    return I2C_HAL_OK;
}

static const i2c_mock_device_ops_t g_ops = {NULL, chip_write, chip_write_read};

bool sc16is752_mock_attach(uint8_t addr, int irq_pin)
{
    memset(&g, 0, sizeof g);
    g.addr = addr;
    g.irq_pin = irq_pin;
    g.tx_free = SC16_FIFO_SIZE;
    gpio_mock_set_value(irq_pin, 1);
    g.attached = i2c_mock_attach(addr, &g_ops);
    return g.attached;
}

void sc16is752_mock_detach(void)
{
    if (g.attached)
        i2c_mock_remove_device(g.addr);
    g.attached = false;
}

size_t sc16is752_mock_inject_rx(const uint8_t *data, size_t len)
{
    size_t taken = 0;
    sc16_chan_t *a = &g.ch[0];
    /* Straight into the FIFO only while nothing waits on the wire (order). */
    while (taken < len && g.wire_len == 0 && a->rx_len < SC16_FIFO_SIZE) {
        a->rx[(a->rx_head + a->rx_len) % SC16_FIFO_SIZE] = data[taken++];
        a->rx_len++;
    }
    size_t room = SC16_MOCK_WIRE - g.wire_len;
    size_t n = len - taken < room ? len - taken : room;
    memcpy(g.wire + g.wire_len, data + taken, n);
    g.wire_len += n;
    taken += n;
    if (taken < len)
        a->lsr_overrun = 1;
    update_irq();
    return taken;
}

size_t sc16is752_mock_get_tx(uint8_t *buf, size_t cap)
{
    memcpy(buf, g.tx, g.tx_len < cap ? g.tx_len : cap);
    return g.tx_len;
}

void sc16is752_mock_clear_tx(void)
{
    g.tx_len = 0;
}

size_t sc16is752_mock_get_writes(sc16_mock_write_t *out, size_t cap)
{
    memcpy(out, g.log, (g.log_len < cap ? g.log_len : cap) * sizeof *out);
    return g.log_len;
}

void sc16is752_mock_clear_writes(void)
{
    g.log_len = 0;
}

unsigned sc16is752_mock_rx_bursts(unsigned *largest)
{
    if (largest)
        *largest = g.largest;
    return g.bursts;
}

void sc16is752_mock_set_tx_free(uint8_t free_bytes)
{
    g.tx_free = free_bytes > SC16_FIFO_SIZE ? SC16_FIFO_SIZE : free_bytes;
}

size_t sc16is752_mock_rx_pending(void)
{
    return g.ch[0].rx_len + g.wire_len;
}
