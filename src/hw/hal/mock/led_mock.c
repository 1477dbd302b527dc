/*
 * led_mock.c -- a simulated WS2812 strip: a pending buffer the actor fills
 * with set_pixel and a separate "shown" frame that only show (copy) and
 * clear (blank) change, so tests can see what a viewer would see.
 * Process-wide; call it on the runtime's thread.
 */
#include <string.h>

#include "hw/hal/led_hal.h"
#include "microkernel/led.h"

typedef struct {
    uint8_t pending[LED_MAX_LEDS][3];
    uint8_t shown[LED_MAX_LEDS][3];
    int num_leds; /* 0: not configured */
    int pin;
    int show_count;
    bool inited;
    hw_mock_ctl_t ctl;
} led_mock_t;

static led_mock_t g_mock;

static bool m_init(void *ctx)
{
    led_mock_t *m = ctx;
    m->inited = true;
    m->num_leds = 0;
    m->ctl.faulted = false;
    return true;
}

static void m_deinit(void *ctx)
{
    led_mock_t *m = ctx;
    m->inited = false;
    m->num_leds = 0;
    m->ctl.faulted = false;
}

static bool m_configure(void *ctx, int pin, int n)
{
    led_mock_t *m = ctx;
    if (!m->inited || hw_mock_should_fail(&m->ctl) || n <= 0 || n > LED_MAX_LEDS)
        return false;
    memset(m->pending, 0, sizeof m->pending);
    memset(m->shown, 0, sizeof m->shown);
    m->num_leds = n;
    m->pin = pin;
    m->show_count = 0;
    return true;
}

static void m_deconfigure(void *ctx)
{
    ((led_mock_t *)ctx)->num_leds = 0;
}

static bool m_set_pixel(void *ctx, int i, uint8_t r, uint8_t g, uint8_t b)
{
    led_mock_t *m = ctx;
    if (hw_mock_should_fail(&m->ctl) || i < 0 || i >= m->num_leds)
        return false;
    m->pending[i][0] = r;
    m->pending[i][1] = g;
    m->pending[i][2] = b;
    return true;
}

static bool m_show(void *ctx)
{
    led_mock_t *m = ctx;
    if (m->num_leds == 0 || hw_mock_should_fail(&m->ctl))
        return false;
    memcpy(m->shown, m->pending, sizeof m->shown);
    m->show_count++;
    return true;
}

static bool m_clear(void *ctx)
{
    led_mock_t *m = ctx;
    if (m->num_leds == 0 || hw_mock_should_fail(&m->ctl))
        return false;
    memset(m->pending, 0, sizeof m->pending);
    memset(m->shown, 0, sizeof m->shown);
    m->show_count++;
    return true;
}

static bool m_faulted(void *ctx)
{
    return ((led_mock_t *)ctx)->ctl.faulted;
}

static const mk_led_hal_t g_hal = {
    .name = "mock",
    .ctx = &g_mock,
    .init = m_init,
    .deinit = m_deinit,
    .configure = m_configure,
    .deconfigure = m_deconfigure,
    .set_pixel = m_set_pixel,
    .show = m_show,
    .clear = m_clear,
    .faulted = m_faulted,
};

const mk_led_hal_t *led_mock_hal(void)
{
    return &g_hal;
}

static void get(uint8_t (*buf)[3], int i, uint8_t *r, uint8_t *g, uint8_t *b)
{
    bool in = i >= 0 && i < g_mock.num_leds;
    *r = in ? buf[i][0] : 0;
    *g = in ? buf[i][1] : 0;
    *b = in ? buf[i][2] : 0;
}

void led_mock_get_pixel(int i, uint8_t *r, uint8_t *g, uint8_t *b)
{
    get(g_mock.pending, i, r, g, b);
}

void led_mock_get_shown_pixel(int i, uint8_t *r, uint8_t *g, uint8_t *b)
{
    get(g_mock.shown, i, r, g, b);
}

int led_mock_get_show_count(void)
{
    return g_mock.show_count;
}

bool led_mock_is_configured(void)
{
    return g_mock.num_leds > 0;
}

int led_mock_get_num_leds(void)
{
    return g_mock.num_leds;
}

int led_mock_get_pin(void)
{
    return g_mock.pin;
}

void led_mock_fail(int n, bool fault)
{
    g_mock.ctl.fail_next = n;
    g_mock.ctl.fault_armed = fault;
}
