/*
 * pwm_hal.h -- the PWM abstraction: one method table per backend (mock,
 * Linux sysfs). Semantics of the original's pwm_hal.h
 * (../shared/compat/hardware.md §3 "HAL interface"). Duty is in ticks of
 * the resolution: 0 .. 2^resolution - 1 (2^resolution would be 100 %).
 */
#ifndef MK_HW_PWM_HAL_H
#define MK_HW_PWM_HAL_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/hal/hal_common.h"

#define PWM_HAL_MAX_RESOLUTION 16 /* bits the backends accept (1 .. 16) */

typedef struct mk_pwm_hal {
    const char *name;
    void *ctx;
    bool (*init)(void *ctx);
    void (*deinit)(void *ctx);
    /* Channel 0..5 on `pin` at `freq_hz` with `resolution` bits; duty resets to 0. */
    bool (*configure)(void *ctx, int channel, int pin, uint32_t freq_hz, int resolution);
    void (*deconfigure)(void *ctx, int channel);
    /* Fails for an unconfigured channel or duty >= 2^resolution. */
    bool (*set_duty)(void *ctx, int channel, uint32_t duty);
    bool (*faulted)(void *ctx);
} mk_pwm_hal_t;

/* ---- Mock (hal/mock/pwm_mock.c) ----------------------------------------- */

/* Six channels with pin, frequency, resolution (1..16 bits) and duty,
 * readable back; frequency 0 is refused. */
const mk_pwm_hal_t *pwm_mock_hal(void);
uint32_t pwm_mock_get_duty(int channel);
bool pwm_mock_is_configured(int channel);
uint32_t pwm_mock_get_freq(int channel);
int pwm_mock_get_resolution(int channel);
int pwm_mock_get_pin(int channel);
void pwm_mock_fail(int n, bool fault);

/* ---- Linux sysfs (hal/linux/pwm_sysfs.c) ------------------------------- */

/*
 * Channel c is <root>/pwmchip<chip>/pwm<c>: configure writes export ("c"),
 * then pwm<c>/enable "0", duty_cycle "0", period (ns, 1e9 / freq_hz),
 * enable "1"; set_duty writes duty_cycle = period * duty >> resolution
 * (ns); deconfigure writes enable "0" and unexport. `root` is normally
 * "/sys/class/pwm"; it must outlive the HAL.
 */
const mk_pwm_hal_t *pwm_sysfs_hal(const char *root, int chip);

#endif
