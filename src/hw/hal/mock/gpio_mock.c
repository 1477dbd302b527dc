/*
 * gpio_mock.c -- simulated GPIO controller for tests and for mk-shell
 * without hardware: 64 pins with level, mode and pulls, and a pipe as the
 * edge source the GPIO actor watches (like the ESP32 HAL's eventfd).
 * Process-wide, like the original's Linux mock; not thread-safe: call it
 * on the runtime's thread. Never blocks: the pipe is non-blocking.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "hw/hal/gpio_hal.h"

typedef struct {
    int level[GPIO_MOCK_PINS];
    int mode[GPIO_MOCK_PINS];    /* -1 unconfigured */
    bool driven[GPIO_MOCK_PINS]; /* an external level was set */
    bool isr[GPIO_MOCK_PINS];
    int pipe_rd, pipe_wr;
    bool inited;
    hw_mock_ctl_t ctl;
} gpio_mock_t;

static gpio_mock_t g_mock = {.pipe_rd = -1, .pipe_wr = -1};

static bool valid(int pin)
{
    return pin >= 0 && pin < GPIO_MOCK_PINS;
}

static bool m_init(void *ctx)
{
    gpio_mock_t *m = ctx;
    if (m->inited)
        return true;
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
        return false;
    memset(m->level, 0, sizeof m->level);
    memset(m->driven, 0, sizeof m->driven);
    memset(m->isr, 0, sizeof m->isr);
    for (int i = 0; i < GPIO_MOCK_PINS; i++)
        m->mode[i] = -1;
    m->pipe_rd = fds[0];
    m->pipe_wr = fds[1];
    m->inited = true;
    m->ctl.faulted = false;
    return true;
}

static void m_deinit(void *ctx)
{
    gpio_mock_t *m = ctx;
    if (!m->inited)
        return;
    close(m->pipe_rd);
    close(m->pipe_wr);
    m->pipe_rd = m->pipe_wr = -1;
    m->inited = false;
    m->ctl.faulted = false;
}

static int m_notify_fd(void *ctx)
{
    return ((gpio_mock_t *)ctx)->pipe_rd;
}

static int m_drain(void *ctx, uint8_t *pins, int max)
{
    gpio_mock_t *m = ctx;
    if (!m->inited || max <= 0)
        return 0;
    ssize_t n = read(m->pipe_rd, pins, (size_t)max);
    return n > 0 ? (int)n : 0;
}

static bool m_configure(void *ctx, int pin, int mode)
{
    gpio_mock_t *m = ctx;
    if (!m->inited || hw_mock_should_fail(&m->ctl) || !valid(pin) || mode < 0 || mode > 3)
        return false;
    m->mode[pin] = mode;
    if (!m->driven[pin] && mode == 2) /* pull-up: reads high until driven */
        m->level[pin] = 1;
    else if (!m->driven[pin] && mode == 3)
        m->level[pin] = 0;
    return true;
}

static bool m_write(void *ctx, int pin, int value)
{
    gpio_mock_t *m = ctx;
    if (!m->inited || hw_mock_should_fail(&m->ctl) || !valid(pin) || m->mode[pin] != 1)
        return false;
    m->level[pin] = value ? 1 : 0;
    return true;
}

static int m_read(void *ctx, int pin)
{
    gpio_mock_t *m = ctx;
    if (!m->inited || hw_mock_should_fail(&m->ctl) || !valid(pin))
        return -1;
    return m->level[pin];
}

static bool m_isr_add(void *ctx, int pin, int edge)
{
    gpio_mock_t *m = ctx;
    (void)edge; /* filtering is the actor's job, as in the original */
    if (!m->inited || hw_mock_should_fail(&m->ctl) || !valid(pin))
        return false;
    m->isr[pin] = true;
    return true;
}

static bool m_isr_remove(void *ctx, int pin)
{
    gpio_mock_t *m = ctx;
    if (!m->inited || !valid(pin))
        return false;
    m->isr[pin] = false;
    return true;
}

static bool m_faulted(void *ctx)
{
    return ((gpio_mock_t *)ctx)->ctl.faulted;
}

static const mk_gpio_hal_t g_hal = {
    .name = "mock",
    .ctx = &g_mock,
    .init = m_init,
    .deinit = m_deinit,
    .notify_fd = m_notify_fd,
    .drain_events = m_drain,
    .configure = m_configure,
    .write = m_write,
    .read = m_read,
    .isr_add = m_isr_add,
    .isr_remove = m_isr_remove,
    .faulted = m_faulted,
};

const mk_gpio_hal_t *gpio_mock_hal(void)
{
    return &g_hal;
}

void gpio_mock_set_value(int pin, int value)
{
    if (!valid(pin))
        return;
    g_mock.level[pin] = value ? 1 : 0;
    g_mock.driven[pin] = true;
}

void gpio_mock_trigger_interrupt(int pin, int value)
{
    if (!valid(pin))
        return;
    gpio_mock_set_value(pin, value);
    if (g_mock.inited && g_mock.isr[pin]) {
        uint8_t b = (uint8_t)pin;
        if (write(g_mock.pipe_wr, &b, 1) != 1) {
            /* pipe full: the edge is lost, as a real ISR ring overflow */
        }
    }
}

int gpio_mock_get_mode(int pin)
{
    return valid(pin) && g_mock.inited ? g_mock.mode[pin] : -1;
}

bool gpio_mock_isr_enabled(int pin)
{
    return valid(pin) && g_mock.isr[pin];
}

void gpio_mock_fail(int n, bool fault)
{
    g_mock.ctl.fail_next = n;
    g_mock.ctl.fault_armed = fault;
}
