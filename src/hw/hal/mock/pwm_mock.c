/*
 * pwm_mock.c -- six simulated PWM channels (pin, frequency, resolution,
 * duty) readable back by tests; refuses what LEDC hardware refuses
 * (resolution outside 1..16 bits, frequency 0, duty >= 2^resolution).
 * Process-wide; call it on the runtime's thread.
 */
#include <string.h>

#include "hw/hal/pwm_hal.h"
#include "microkernel/pwm.h"

typedef struct {
    bool configured;
    int pin;
    uint32_t freq;
    int resolution;
    uint32_t duty;
} pwm_ch_t;

typedef struct {
    pwm_ch_t ch[PWM_MAX_CHANNELS];
    bool inited;
    hw_mock_ctl_t ctl;
} pwm_mock_t;

static pwm_mock_t g_mock;

static bool valid(int c)
{
    return c >= 0 && c < PWM_MAX_CHANNELS;
}

static bool m_init(void *ctx)
{
    pwm_mock_t *m = ctx;
    memset(m->ch, 0, sizeof m->ch);
    m->inited = true;
    m->ctl.faulted = false;
    return true;
}

static void m_deinit(void *ctx)
{
    pwm_mock_t *m = ctx;
    memset(m->ch, 0, sizeof m->ch);
    m->inited = false;
    m->ctl.faulted = false;
}

static bool m_configure(void *ctx, int c, int pin, uint32_t freq, int res)
{
    pwm_mock_t *m = ctx;
    if (!m->inited || hw_mock_should_fail(&m->ctl) || !valid(c) || freq == 0 || res < 1 ||
        res > PWM_HAL_MAX_RESOLUTION)
        return false;
    m->ch[c] = (pwm_ch_t){.configured = true, .pin = pin, .freq = freq, .resolution = res};
    return true;
}

static void m_deconfigure(void *ctx, int c)
{
    pwm_mock_t *m = ctx;
    if (valid(c))
        memset(&m->ch[c], 0, sizeof m->ch[c]);
}

static bool m_set_duty(void *ctx, int c, uint32_t duty)
{
    pwm_mock_t *m = ctx;
    if (!m->inited || hw_mock_should_fail(&m->ctl) || !valid(c) || !m->ch[c].configured)
        return false;
    if (duty >= (1u << m->ch[c].resolution))
        return false;
    m->ch[c].duty = duty;
    return true;
}

static bool m_faulted(void *ctx)
{
    return ((pwm_mock_t *)ctx)->ctl.faulted;
}

static const mk_pwm_hal_t g_hal = {
    .name = "mock",
    .ctx = &g_mock,
    .init = m_init,
    .deinit = m_deinit,
    .configure = m_configure,
    .deconfigure = m_deconfigure,
    .set_duty = m_set_duty,
    .faulted = m_faulted,
};

const mk_pwm_hal_t *pwm_mock_hal(void)
{
    return &g_hal;
}

uint32_t pwm_mock_get_duty(int c)
{
    return valid(c) ? g_mock.ch[c].duty : 0;
}

bool pwm_mock_is_configured(int c)
{
    return valid(c) && g_mock.ch[c].configured;
}

uint32_t pwm_mock_get_freq(int c)
{
    return valid(c) ? g_mock.ch[c].freq : 0;
}

int pwm_mock_get_resolution(int c)
{
    return valid(c) ? g_mock.ch[c].resolution : 0;
}

int pwm_mock_get_pin(int c)
{
    return valid(c) ? g_mock.ch[c].pin : -1;
}

void pwm_mock_fail(int n, bool fault)
{
    g_mock.ctl.fail_next = n;
    g_mock.ctl.fault_armed = fault;
}
