/*
 * sc16is752.c -- SC16IS752 dual-UART bridge as the MIDI actor's backend:
 * configuration (FIFOs, 31250 baud from the 12 MHz crystal, 8N1, RX
 * interrupt on channel A), receive bursts of at most RXLVL bytes, transmit
 * all-or-nothing against TXLVL of channel B. Register traffic of
 * ../shared/compat/midi.md §2; the IRQ is a falling edge on a GPIO HAL pin.
 * Runs on the MIDI actor's thread; every I2C call is a short transaction.
 */
#include <string.h>

#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/midi/midi_backend.h"

typedef struct {
    const mk_i2c_hal_t *i2c;
    const mk_gpio_hal_t *gpio;
    bool configured;
    bool i2c_inited; /* we initialised the I2C HAL (deinit on deconfigure) */
    bool gpio_inited;
    int port;
    uint8_t addr;
    int irq;
} sc16_t;

static sc16_t g_sc16;

static bool reg_write(sc16_t *s, int ch, uint8_t reg, uint8_t value)
{
    uint8_t b[2] = {SC16_SUBADDR(reg, ch), value};
    return s->i2c->write(s->i2c->ctx, s->port, s->addr, b, 2) == I2C_HAL_OK;
}

static int reg_read(sc16_t *s, int ch, uint8_t reg)
{
    uint8_t sub = SC16_SUBADDR(reg, ch), v = 0;
    if (s->i2c->write_read(s->i2c->ctx, s->port, s->addr, &sub, 1, &v, 1) != I2C_HAL_OK)
        return -1;
    return v;
}

/* Configuration sequence of compat §2.3 for one channel. */
static bool setup_channel(sc16_t *s, int ch)
{
    return reg_write(s, ch, SC16_FCR, 0x07) && reg_write(s, ch, SC16_LCR, 0x80) &&
           reg_write(s, ch, SC16_RHR, (uint8_t)(SC16_DIVISOR & 0xFF)) &&
           reg_write(s, ch, SC16_IER, (uint8_t)(SC16_DIVISOR >> 8)) &&
           reg_write(s, ch, SC16_LCR, 0x03) &&
           reg_write(s, ch, SC16_IER, ch == SC16_CH_A ? 0x01 : 0x00) &&
           reg_write(s, ch, SC16_FCR, 0x01);
}

static void sc_deconfigure(void *ctx)
{
    sc16_t *s = ctx;
    if (s->gpio_inited)
        (void)s->gpio->isr_remove(s->gpio->ctx, s->irq);
    if (s->i2c_inited)
        s->i2c->deinit(s->i2c->ctx);
    s->configured = s->i2c_inited = s->gpio_inited = false;
}

static bool sc_configure(void *ctx, const midi_config_payload_t *cfg)
{
    sc16_t *s = ctx;
    sc_deconfigure(s);
    s->port = cfg->i2c_port;
    s->addr = cfg->i2c_addr;
    s->irq = cfg->irq_pin;
    /* Share a bus someone else already set up; otherwise bring it up. */
    if (!s->i2c->configure(s->i2c->ctx, s->port, cfg->sda_pin, cfg->scl_pin, cfg->i2c_freq_hz)) {
        if (!s->i2c->init(s->i2c->ctx))
            return false;
        s->i2c_inited = true;
        if (!s->i2c->configure(s->i2c->ctx, s->port, cfg->sda_pin, cfg->scl_pin, cfg->i2c_freq_hz))
            goto fail;
    }
    if (!s->i2c->probe(s->i2c->ctx, s->port, s->addr))
        goto fail;
    if (!setup_channel(s, SC16_CH_A) || !setup_channel(s, SC16_CH_B))
        goto fail;
    if (!s->gpio->init(s->gpio->ctx))
        goto fail;
    s->gpio_inited = true;
    if (!s->gpio->configure(s->gpio->ctx, s->irq, 2 /* input, pull-up */) ||
        !s->gpio->isr_add(s->gpio->ctx, s->irq, 1 /* falling */))
        goto fail;
    s->configured = true;
    return true;
fail:
    sc_deconfigure(s);
    return false;
}

static int sc_notify_fd(void *ctx)
{
    sc16_t *s = ctx;
    return s->gpio_inited ? s->gpio->notify_fd(s->gpio->ctx) : -1;
}

static void sc_ack_notify(void *ctx)
{
    sc16_t *s = ctx;
    if (!s->gpio_inited)
        return;
    uint8_t pins[32];
    while (s->gpio->drain_events(s->gpio->ctx, pins, (int)sizeof pins) > 0) {
        /* edges only say "look at RXLVL" */
    }
}

static int sc_drain_rx(void *ctx, uint8_t *buf, int max)
{
    sc16_t *s = ctx;
    if (!s->configured)
        return -1;
    int lvl = reg_read(s, SC16_CH_A, SC16_RXLVL);
    if (lvl <= 0)
        return lvl;
    int n = lvl < max ? lvl : max;
    uint8_t sub = SC16_SUBADDR(SC16_RHR, SC16_CH_A);
    if (s->i2c->write_read(s->i2c->ctx, s->port, s->addr, &sub, 1, buf, (size_t)n) != I2C_HAL_OK)
        return -1;
    return n;
}

static int sc_tx(void *ctx, const uint8_t *data, size_t len)
{
    sc16_t *s = ctx;
    if (!s->configured || len == 0 || len > SC16_FIFO_SIZE)
        return -1;
    int free_bytes = reg_read(s, SC16_CH_B, SC16_TXLVL);
    if (free_bytes < 0 || (size_t)free_bytes < len)
        return -1;
    uint8_t b[1 + SC16_FIFO_SIZE];
    b[0] = SC16_SUBADDR(SC16_RHR, SC16_CH_B);
    memcpy(b + 1, data, len);
    return s->i2c->write(s->i2c->ctx, s->port, s->addr, b, len + 1) == I2C_HAL_OK ? 0 : -1;
}

static bool sc_read_status(void *ctx, midi_hal_status_t *out)
{
    sc16_t *s = ctx;
    memset(out, 0, sizeof *out);
    if (!s->configured)
        return false;
    int v[5] = {reg_read(s, SC16_CH_A, SC16_RXLVL), reg_read(s, SC16_CH_B, SC16_TXLVL),
                reg_read(s, SC16_CH_A, SC16_LSR), reg_read(s, SC16_CH_A, SC16_FCR),
                reg_read(s, SC16_CH_A, SC16_IER)};
    for (int i = 0; i < 5; i++)
        if (v[i] < 0)
            return false;
    *out = (midi_hal_status_t){(uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2], (uint8_t)v[3],
                               (uint8_t)v[4]};
    return true;
}

static const midi_backend_t g_backend = {
    .name = "sc16is752",
    .ctx = &g_sc16,
    .irq_is_gpio = true,
    .configure = sc_configure,
    .deconfigure = sc_deconfigure,
    .notify_fd = sc_notify_fd,
    .ack_notify = sc_ack_notify,
    .drain_rx = sc_drain_rx,
    .tx = sc_tx,
    .read_status = sc_read_status,
};

const midi_backend_t *sc16is752_backend(const struct mk_i2c_hal *i2c,
                                        const struct mk_gpio_hal *gpio)
{
    if (!g_sc16.configured) {
        g_sc16.i2c = i2c;
        g_sc16.gpio = gpio;
    }
    return &g_backend;
}
