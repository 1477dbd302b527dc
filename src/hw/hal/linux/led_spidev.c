/*
 * led_spidev.c -- LED HAL for WS2812 strips on a Linux spidev device: the
 * frame is encoded by ws2812_encode() and written in one write(2) at
 * WS2812_SPI_HZ, SPI mode 0, 8 bits per word. Built only: there is no SPI
 * controller on the build machine. A write blocks for the transfer time
 * (256 LEDs: 2388 bytes, about 8 ms), the longest call of this HAL.
 */
#include <fcntl.h>
#include <linux/spi/spidev.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hw/hal/led_hal.h"
#include "microkernel/led.h"

typedef struct {
    const char *device;
    int fd;
    int num_leds;
    uint8_t pixels[LED_MAX_LEDS][3];
    uint8_t frame[LED_MAX_LEDS * WS2812_BYTES_PER_LED + WS2812_RESET_BYTES];
} spidev_led_t;

static spidev_led_t g_spi = {.fd = -1};

static bool s_init(void *ctx)
{
    spidev_led_t *s = ctx;
    s->fd = open(s->device, O_RDWR | O_CLOEXEC);
    if (s->fd < 0)
        return false;
    uint8_t mode = SPI_MODE_0, bits = 8;
    uint32_t hz = WS2812_SPI_HZ;
    if (ioctl(s->fd, SPI_IOC_WR_MODE, &mode) < 0 ||
        ioctl(s->fd, SPI_IOC_WR_BITS_PER_WORD, &bits) < 0 ||
        ioctl(s->fd, SPI_IOC_WR_MAX_SPEED_HZ, &hz) < 0) {
        close(s->fd);
        s->fd = -1;
        return false;
    }
    s->num_leds = 0;
    return true;
}

static void s_deinit(void *ctx)
{
    spidev_led_t *s = ctx;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->num_leds = 0;
}

static bool s_configure(void *ctx, int pin, int n)
{
    spidev_led_t *s = ctx;
    (void)pin; /* MOSI of the spidev device */
    if (s->fd < 0 || n <= 0 || n > LED_MAX_LEDS)
        return false;
    s->num_leds = n;
    memset(s->pixels, 0, sizeof s->pixels);
    return true;
}

static void s_deconfigure(void *ctx)
{
    ((spidev_led_t *)ctx)->num_leds = 0;
}

static bool s_set_pixel(void *ctx, int i, uint8_t r, uint8_t g, uint8_t b)
{
    spidev_led_t *s = ctx;
    if (i < 0 || i >= s->num_leds)
        return false;
    s->pixels[i][0] = r;
    s->pixels[i][1] = g;
    s->pixels[i][2] = b;
    return true;
}

static bool s_show(void *ctx)
{
    spidev_led_t *s = ctx;
    if (s->fd < 0 || s->num_leds == 0)
        return false;
    size_t len = ws2812_encode(&s->pixels[0][0], (size_t)s->num_leds, s->frame, sizeof s->frame);
    return len > 0 && write(s->fd, s->frame, len) == (ssize_t)len;
}

static bool s_clear(void *ctx)
{
    spidev_led_t *s = ctx;
    memset(s->pixels, 0, sizeof s->pixels);
    return s_show(ctx);
}

static bool s_faulted(void *ctx)
{
    (void)ctx;
    return false;
}

static const mk_led_hal_t g_hal = {
    .name = "spidev",
    .ctx = &g_spi,
    .init = s_init,
    .deinit = s_deinit,
    .configure = s_configure,
    .deconfigure = s_deconfigure,
    .set_pixel = s_set_pixel,
    .show = s_show,
    .clear = s_clear,
    .faulted = s_faulted,
};

const mk_led_hal_t *led_spidev_hal(const char *device)
{
    g_spi.device = device;
    return &g_hal;
}
