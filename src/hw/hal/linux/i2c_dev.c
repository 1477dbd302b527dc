/*
 * i2c_dev.c -- I2C HAL on Linux /dev/i2c-N: transfers with the I2C_RDWR
 * ioctl (one or two messages, the second with a repeated start), the
 * adapter's I2C_FUNCS checked at configure (plain I2C transfers needed).
 * Bus speed is the adapter's (set by the device tree), so freq_hz is only
 * recorded. Built only: there is no I2C adapter on the build machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hw/hal/i2c_hal.h"

typedef struct {
    int bus;   /* port p is /dev/i2c-(bus + p) */
    int fd[2]; /* -1: not configured */
} i2c_dev_t;

static i2c_dev_t g_dev = {.fd = {-1, -1}};

static bool d_init(void *ctx)
{
    i2c_dev_t *d = ctx;
    d->fd[0] = d->fd[1] = -1;
    return true;
}

static void d_deconfigure(void *ctx, int port)
{
    i2c_dev_t *d = ctx;
    if (port >= 0 && port <= 1 && d->fd[port] >= 0) {
        close(d->fd[port]);
        d->fd[port] = -1;
    }
}

static void d_deinit(void *ctx)
{
    d_deconfigure(ctx, 0);
    d_deconfigure(ctx, 1);
}

static bool d_configure(void *ctx, int port, int sda, int scl, uint32_t freq)
{
    i2c_dev_t *d = ctx;
    (void)sda, (void)scl, (void)freq; /* fixed by the adapter's device tree */
    if (port < 0 || port > 1)
        return false;
    d_deconfigure(ctx, port);
    char path[32];
    snprintf(path, sizeof path, "/dev/i2c-%d", d->bus + port);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    unsigned long funcs = 0;
    if (ioctl(fd, I2C_FUNCS, &funcs) < 0 || !(funcs & I2C_FUNC_I2C)) {
        close(fd);
        return false;
    }
    d->fd[port] = fd;
    return true;
}

/* One I2C_RDWR with `n` messages; NACK when the device did not answer. */
static int rdwr(i2c_dev_t *d, int port, struct i2c_msg *msgs, unsigned n)
{
    if (port < 0 || port > 1 || d->fd[port] < 0)
        return I2C_HAL_BUS_ERROR;
    struct i2c_rdwr_ioctl_data x = {.msgs = msgs, .nmsgs = n};
    if (ioctl(d->fd[port], I2C_RDWR, &x) >= 0)
        return I2C_HAL_OK;
    return errno == ENXIO || errno == EREMOTEIO ? I2C_HAL_NACK : I2C_HAL_BUS_ERROR;
}

static int d_write(void *ctx, int port, uint8_t addr, const uint8_t *data, size_t len)
{
    if (len > 0xFFFF)
        return I2C_HAL_BUS_ERROR;
    struct i2c_msg m = {.addr = addr, .flags = 0, .len = (uint16_t)len, .buf = (uint8_t *)data};
    return rdwr(ctx, port, &m, 1);
}

static int d_read(void *ctx, int port, uint8_t addr, uint8_t *buf, size_t len)
{
    struct i2c_msg m = {.addr = addr, .flags = I2C_M_RD, .len = (uint16_t)len, .buf = buf};
    return rdwr(ctx, port, &m, 1);
}

static int d_write_read(void *ctx, int port, uint8_t addr, const uint8_t *w, size_t wl, uint8_t *r,
                        size_t rl)
{
    if (wl > 0xFFFF)
        return I2C_HAL_BUS_ERROR;
    struct i2c_msg m[2] = {
        {.addr = addr, .flags = 0, .len = (uint16_t)wl, .buf = (uint8_t *)w},
        {.addr = addr, .flags = I2C_M_RD, .len = (uint16_t)rl, .buf = r},
    };
    return rdwr(ctx, port, m, 2);
}

static bool d_probe(void *ctx, int port, uint8_t addr)
{
    /* A zero-length write (quick command) as i2cdetect -q; one byte read
     * would disturb fewer devices but needs I2C_FUNC_SMBUS_READ_BYTE. */
    struct i2c_msg m = {.addr = addr, .flags = 0, .len = 0, .buf = NULL};
    return rdwr(ctx, port, &m, 1) == I2C_HAL_OK;
}

static bool d_faulted(void *ctx)
{
    (void)ctx;
    return false;
}

static const mk_i2c_hal_t g_hal = {
    .name = "i2c-dev",
    .ctx = &g_dev,
    .init = d_init,
    .deinit = d_deinit,
    .configure = d_configure,
    .deconfigure = d_deconfigure,
    .write = d_write,
    .read = d_read,
    .write_read = d_write_read,
    .probe = d_probe,
    .faulted = d_faulted,
};

const mk_i2c_hal_t *i2c_dev_hal(int bus)
{
    g_dev.bus = bus;
    return &g_hal;
}
