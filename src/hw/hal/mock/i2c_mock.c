/*
 * i2c_mock.c -- a simulated I2C bus for tests and mk-shell without
 * hardware: up to 16 attachable devices, either register files (256
 * registers of up to 32 bytes and a register pointer, as the original's
 * Linux mock) or devices that NACK every transfer. Process-wide; call it on
 * the runtime's thread. Allocates nothing after start.
 */
#include <string.h>

#include "hw/hal/i2c_hal.h"

typedef struct {
    bool used;
    bool nack; /* ACKs its address, NACKs transfers */
    uint8_t addr;
    uint8_t ptr; /* register pointer */
    uint8_t reg[256][I2C_MOCK_REG_SIZE];
    uint8_t reg_len[256];
    const i2c_mock_device_ops_t *ops; /* simulated chip: transfers go to its callbacks */
} i2c_dev_t;

typedef struct {
    i2c_dev_t dev[I2C_MOCK_DEVICES];
    uint32_t freq[2]; /* 0: port not configured */
    bool inited;
    hw_mock_ctl_t ctl;
} i2c_mock_t;

static i2c_mock_t g_mock;

static i2c_dev_t *find(uint8_t addr)
{
    for (int i = 0; i < I2C_MOCK_DEVICES; i++)
        if (g_mock.dev[i].used && g_mock.dev[i].addr == addr)
            return &g_mock.dev[i];
    return NULL;
}

static bool m_init(void *ctx)
{
    i2c_mock_t *m = ctx;
    m->inited = true;
    m->freq[0] = m->freq[1] = 0;
    m->ctl.faulted = false;
    return true;
}

static void m_deinit(void *ctx)
{
    i2c_mock_t *m = ctx;
    m->inited = false;
    m->freq[0] = m->freq[1] = 0;
    m->ctl.faulted = false;
}

static bool m_configure(void *ctx, int port, int sda, int scl, uint32_t freq)
{
    i2c_mock_t *m = ctx;
    (void)sda, (void)scl;
    if (!m->inited || hw_mock_should_fail(&m->ctl) || port < 0 || port > 1 || freq == 0)
        return false;
    m->freq[port] = freq;
    return true;
}

static void m_deconfigure(void *ctx, int port)
{
    i2c_mock_t *m = ctx;
    if (port >= 0 && port <= 1)
        m->freq[port] = 0;
}

/* Common gate of a transfer: -2 bus error (not configured, injected), -1 NACK. */
static int gate(i2c_mock_t *m, int port, uint8_t addr, i2c_dev_t **out)
{
    if (!m->inited || port < 0 || port > 1 || m->freq[port] == 0)
        return I2C_HAL_BUS_ERROR;
    if (hw_mock_should_fail(&m->ctl))
        return I2C_HAL_BUS_ERROR;
    i2c_dev_t *d = find(addr);
    if (!d || d->nack)
        return I2C_HAL_NACK;
    *out = d;
    return I2C_HAL_OK;
}

static void dev_write(i2c_dev_t *d, const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    d->ptr = data[0];
    if (len > 1) {
        size_t n = len - 1 > I2C_MOCK_REG_SIZE ? I2C_MOCK_REG_SIZE : len - 1;
        memcpy(d->reg[d->ptr], data + 1, n);
        d->reg_len[d->ptr] = (uint8_t)n;
    }
}

static void dev_read(const i2c_dev_t *d, uint8_t *buf, size_t len)
{
    size_t have = d->reg_len[d->ptr];
    size_t n = len < have ? len : have;
    memcpy(buf, d->reg[d->ptr], n);
    memset(buf + n, 0, len - n);
}

static int m_write(void *ctx, int port, uint8_t addr, const uint8_t *data, size_t len)
{
    i2c_dev_t *d;
    int rc = gate(ctx, port, addr, &d);
    if (rc == I2C_HAL_OK && d->ops)
        return d->ops->write(d->ops->ctx, data, len);
    if (rc == I2C_HAL_OK)
        dev_write(d, data, len);
    return rc;
}

static int m_read(void *ctx, int port, uint8_t addr, uint8_t *buf, size_t len)
{
    i2c_dev_t *d;
    int rc = gate(ctx, port, addr, &d);
    if (rc == I2C_HAL_OK && d->ops)
        return d->ops->write_read(d->ops->ctx, NULL, 0, buf, len);
    if (rc == I2C_HAL_OK)
        dev_read(d, buf, len);
    return rc;
}

static int m_write_read(void *ctx, int port, uint8_t addr, const uint8_t *wdata, size_t wlen,
                        uint8_t *rdata, size_t rlen)
{
    i2c_dev_t *d;
    int rc = gate(ctx, port, addr, &d);
    if (rc != I2C_HAL_OK)
        return rc;
    if (d->ops)
        return d->ops->write_read(d->ops->ctx, wdata, wlen, rdata, rlen);
    if (wlen > 0)
        d->ptr = wdata[0]; /* a register address, not a register write */
    dev_read(d, rdata, rlen);
    return I2C_HAL_OK;
}

static bool m_probe(void *ctx, int port, uint8_t addr)
{
    i2c_mock_t *m = ctx;
    if (!m->inited || port < 0 || port > 1 || m->freq[port] == 0 || m->ctl.faulted)
        return false;
    return find(addr) != NULL;
}

static bool m_faulted(void *ctx)
{
    return ((i2c_mock_t *)ctx)->ctl.faulted;
}

static const mk_i2c_hal_t g_hal = {
    .name = "mock",
    .ctx = &g_mock,
    .init = m_init,
    .deinit = m_deinit,
    .configure = m_configure,
    .deconfigure = m_deconfigure,
    .write = m_write,
    .read = m_read,
    .write_read = m_write_read,
    .probe = m_probe,
    .faulted = m_faulted,
};

const mk_i2c_hal_t *i2c_mock_hal(void)
{
    return &g_hal;
}

static bool add(uint8_t addr, bool nack)
{
    if (addr > 0x7F)
        return false;
    i2c_dev_t *d = find(addr);
    for (int i = 0; !d && i < I2C_MOCK_DEVICES; i++)
        if (!g_mock.dev[i].used)
            d = &g_mock.dev[i];
    if (!d)
        return false;
    memset(d, 0, sizeof *d);
    d->used = true;
    d->nack = nack;
    d->addr = addr;
    return true;
}

bool i2c_mock_add_device(uint8_t addr)
{
    return add(addr, false);
}

bool i2c_mock_add_nack_device(uint8_t addr)
{
    return add(addr, true);
}

bool i2c_mock_attach(uint8_t addr, const i2c_mock_device_ops_t *ops)
{
    if (!ops || !add(addr, false))
        return false;
    find(addr)->ops = ops;
    return true;
}

void i2c_mock_remove_device(uint8_t addr)
{
    i2c_dev_t *d = find(addr);
    if (d)
        d->used = false;
}

void i2c_mock_remove_all(void)
{
    for (int i = 0; i < I2C_MOCK_DEVICES; i++)
        g_mock.dev[i].used = false;
}

void i2c_mock_set_register(uint8_t addr, uint8_t reg, const uint8_t *data, size_t len)
{
    i2c_dev_t *d = find(addr);
    if (!d)
        return;
    size_t n = len > I2C_MOCK_REG_SIZE ? I2C_MOCK_REG_SIZE : len;
    memcpy(d->reg[reg], data, n);
    d->reg_len[reg] = (uint8_t)n;
}

int i2c_mock_get_register(uint8_t addr, uint8_t reg, uint8_t *buf, size_t cap)
{
    i2c_dev_t *d = find(addr);
    if (!d)
        return -1;
    size_t n = d->reg_len[reg] < cap ? d->reg_len[reg] : cap;
    memcpy(buf, d->reg[reg], n);
    return d->reg_len[reg];
}

uint32_t i2c_mock_port_freq(int port)
{
    return port >= 0 && port <= 1 ? g_mock.freq[port] : 0;
}

void i2c_mock_fail(int n, bool fault)
{
    g_mock.ctl.fail_next = n;
    g_mock.ctl.fault_armed = fault;
}
