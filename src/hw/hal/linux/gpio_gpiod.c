/*
 * gpio_gpiod.c -- GPIO HAL on a Linux GPIO character device through
 * libgpiod (v1 API, Debian libgpiod-dev 1.6). Edge events: each line with
 * an interrupt is requested for both edges and its event fd is added to one
 * epoll set, whose fd is the HAL's notification fd, so the runtime's event
 * loop wakes the GPIO actor (no polling thread). Built always when libgpiod
 * is found; not exercised by the tests (no GPIO chip on the build machine).
 */
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "hw/hal/gpio_hal.h"

#ifdef MK_HAVE_GPIOD
#include <gpiod.h>

#define GPIOD_PINS 64
#define CONSUMER   "microkernel"

typedef struct {
    const char *chip_name;
    struct gpiod_chip *chip;
    struct gpiod_line *line[GPIOD_PINS];
    int mode[GPIOD_PINS]; /* -1: not requested */
    bool isr[GPIOD_PINS];
    int epfd;
} gpiod_hal_t;

static gpiod_hal_t g_gpiod = {.epfd = -1};

static bool valid(int pin)
{
    return pin >= 0 && pin < GPIOD_PINS;
}

static int bias_flags(int mode)
{
    if (mode == 2)
        return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
    if (mode == 3)
        return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
    return 0;
}

static bool g_init(void *ctx)
{
    gpiod_hal_t *g = ctx;
    g->chip = gpiod_chip_open_lookup(g->chip_name);
    if (!g->chip)
        return false;
    g->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (g->epfd < 0) {
        gpiod_chip_close(g->chip);
        g->chip = NULL;
        return false;
    }
    for (int i = 0; i < GPIOD_PINS; i++) {
        g->line[i] = NULL;
        g->mode[i] = -1;
        g->isr[i] = false;
    }
    return true;
}

static void release(gpiod_hal_t *g, int pin)
{
    if (g->line[pin]) {
        if (g->isr[pin])
            epoll_ctl(g->epfd, EPOLL_CTL_DEL, gpiod_line_event_get_fd(g->line[pin]), NULL);
        gpiod_line_release(g->line[pin]);
        g->line[pin] = NULL;
    }
}

static void g_deinit(void *ctx)
{
    gpiod_hal_t *g = ctx;
    if (!g->chip)
        return;
    for (int i = 0; i < GPIOD_PINS; i++)
        release(g, i);
    close(g->epfd);
    g->epfd = -1;
    gpiod_chip_close(g->chip); /* releases every line */
    g->chip = NULL;
}

static int g_notify_fd(void *ctx)
{
    return ((gpiod_hal_t *)ctx)->epfd;
}

/* (Re)request `pin` for its mode, with edge events when its ISR is on. */
static bool request(gpiod_hal_t *g, int pin)
{
    release(g, pin);
    struct gpiod_line *l = gpiod_chip_get_line(g->chip, (unsigned)pin);
    if (!l)
        return false;
    int mode = g->mode[pin] < 0 ? 0 : g->mode[pin];
    int rc;
    if (mode == 1)
        rc = gpiod_line_request_output(l, CONSUMER, 0);
    else if (g->isr[pin])
        rc = gpiod_line_request_both_edges_events_flags(l, CONSUMER, bias_flags(mode));
    else
        rc = gpiod_line_request_input_flags(l, CONSUMER, bias_flags(mode));
    if (rc != 0)
        return false;
    g->line[pin] = l;
    if (mode != 1 && g->isr[pin]) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)pin};
        if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, gpiod_line_event_get_fd(l), &ev) != 0) {
            gpiod_line_release(l);
            g->line[pin] = NULL;
            return false;
        }
    }
    return true;
}

static bool g_configure(void *ctx, int pin, int mode)
{
    gpiod_hal_t *g = ctx;
    if (!g->chip || !valid(pin) || mode < 0 || mode > 3)
        return false;
    g->mode[pin] = mode;
    if (mode == 1)
        g->isr[pin] = false;
    return request(g, pin);
}

static bool g_write(void *ctx, int pin, int value)
{
    gpiod_hal_t *g = ctx;
    if (!g->chip || !valid(pin) || g->mode[pin] != 1 || !g->line[pin])
        return false;
    return gpiod_line_set_value(g->line[pin], value ? 1 : 0) == 0;
}

static int g_read(void *ctx, int pin)
{
    gpiod_hal_t *g = ctx;
    if (!g->chip || !valid(pin))
        return -1;
    if (!g->line[pin] && !request(g, pin))
        return -1;
    int v = gpiod_line_get_value(g->line[pin]);
    return v < 0 ? -1 : v;
}

static int g_drain(void *ctx, uint8_t *pins, int max)
{
    gpiod_hal_t *g = ctx;
    if (!g->chip || max <= 0)
        return 0;
    struct epoll_event evs[32];
    int n = epoll_wait(g->epfd, evs, max < 32 ? max : 32, 0);
    int out = 0;
    for (int i = 0; i < n && out < max; i++) {
        int pin = (int)evs[i].data.u32;
        struct gpiod_line_event le;
        if (valid(pin) && g->line[pin] && gpiod_line_event_read(g->line[pin], &le) == 0)
            pins[out++] = (uint8_t)pin;
    }
    return out;
}

static bool g_isr_add(void *ctx, int pin, int edge)
{
    gpiod_hal_t *g = ctx;
    (void)edge; /* both edges; the actor filters */
    if (!g->chip || !valid(pin) || g->mode[pin] == 1)
        return false;
    g->isr[pin] = true;
    return request(g, pin);
}

static bool g_isr_remove(void *ctx, int pin)
{
    gpiod_hal_t *g = ctx;
    if (!g->chip || !valid(pin) || !g->isr[pin])
        return false;
    release(g, pin);
    g->isr[pin] = false;
    return g->mode[pin] < 0 ? true : request(g, pin);
}

static bool g_faulted(void *ctx)
{
    (void)ctx;
    return false; /* libgpiod reports failures per call */
}

static const mk_gpio_hal_t g_hal = {
    .name = "gpiod",
    .ctx = &g_gpiod,
    .init = g_init,
    .deinit = g_deinit,
    .notify_fd = g_notify_fd,
    .drain_events = g_drain,
    .configure = g_configure,
    .write = g_write,
    .read = g_read,
    .isr_add = g_isr_add,
    .isr_remove = g_isr_remove,
    .faulted = g_faulted,
};

const mk_gpio_hal_t *gpio_gpiod_hal(const char *chip)
{
    g_gpiod.chip_name = chip;
    return &g_hal;
}

#else

const mk_gpio_hal_t *gpio_gpiod_hal(const char *chip)
{
    (void)chip;
    return NULL;
}

#endif
