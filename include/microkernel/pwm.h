/*
 * microkernel/pwm.h -- the PWM actor at "/node/hardware/pwm".
 *
 * Source: the original's pwm.h and services.h constants
 * (../shared/compat/hardware.md §3), matched exactly. Payloads are 8-byte
 * little-endian structs; `_pad` ignored. Replies to the sender: MSG_PWM_OK
 * (empty) or MSG_PWM_ERROR (text, no NUL): "payload too small",
 * "invalid channel", "not configured", "hal configure failed",
 * "hal set duty failed". As in the original the actor does not range-check
 * resolution, frequency or duty: the HAL does (the mock and the sysfs
 * backend accept resolution 1..16 bits and duty < 2^resolution).
 */
#ifndef MICROKERNEL_PWM_H
#define MICROKERNEL_PWM_H

#include <stdint.h>

#include "microkernel/runtime.h"
#include "microkernel/services.h" /* MSG_* values (the original keeps them there) */
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PWM_MAX_CHANNELS 6

/* CONFIGURE, 8 bytes. */
typedef struct {
    uint8_t channel;    /* 0 .. PWM_MAX_CHANNELS - 1 */
    uint8_t pin;        /* GPIO number */
    uint8_t resolution; /* duty resolution in bits: 8, 10, 12, 14 intended */
    uint8_t _pad;
    uint32_t freq_hz; /* e.g. 5000 */
} pwm_config_payload_t;

/* SET_DUTY, 8 bytes. */
typedef struct {
    uint8_t channel;
    uint8_t _pad[3];
    uint32_t duty; /* 0 .. 2^resolution - 1 */
} pwm_duty_payload_t;

/*
 * Start the PWM actor with the default PWM HAL (mock unless hw_start()
 * chose another) at "/node/hardware/pwm" (namespace required), mailbox 32,
 * unsupervised. ACTOR_ID_INVALID with mk_last_error() when the HAL's init
 * fails, spawning fails or the path is taken.
 */
actor_id_t pwm_actor_init(runtime_t *rt);

#ifdef __cplusplus
}
#endif

#endif
