/*
 * hw_internal.h -- what the four hardware actors share: the per-actor
 * record that outlives restarts (HAL, last configuration), the behaviour
 * factory the supervisor calls, replies, and the start-up helper used by
 * both the unsupervised *_actor_init() and hw_start().
 */
#ifndef MK_HW_INTERNAL_H
#define MK_HW_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/log_limit.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"

/* Internal message types of hardware actors (values of the original). */
#define HW_MSG_BOOTSTRAP 1u /* start watching the HAL's notification fd */
#define HW_MSG_STARTED   2u /* to the hw manager: child <index> (uint32) started */

/*
 * Header of every actor's record. A record lives as long as someone holds
 * a reference: each live incarnation of the actor holds one (taken by the
 * factory, dropped by free_state), and hw_start's manager one.
 */
struct hw_actor_def;
typedef struct {
    const struct hw_actor_def *def;
    runtime_t *rt;
    actor_id_t manager; /* told HW_MSG_STARTED on every (re)start; INVALID: none */
    uint32_t index;     /* child index under the supervisor */
    int refs;
    bool hal_up;     /* HAL initialised and configuration re-applied */
    unsigned starts; /* incarnations so far (1 after the first start) */
    mk_log_limit_t fault_log;
    void (*destroy)(void *record); /* frees the record */
} hw_common_t;

/* What each actor file provides. */
typedef struct hw_actor_def {
    const char *path; /* "/node/hardware/gpio" */
    const char *name; /* "gpio" (flat name when supervised) */
    actor_behavior_fn behavior;
    /* HAL init + re-apply the record's configuration; false: HAL init failed. */
    bool (*bring_up)(void *record);
    /* Deconfigure everything and de-initialise the HAL (record kept). */
    void (*take_down)(void *record);
} hw_actor_def_t;

extern const hw_actor_def_t gpio_actor_def, i2c_actor_def, pwm_actor_def, led_actor_def;

struct mk_gpio_hal;
struct mk_i2c_hal;
struct mk_pwm_hal;
struct mk_led_hal;
/* New records (refs 0) on `hal`; NULL when out of memory. */
void *gpio_record_new(runtime_t *rt, const struct mk_gpio_hal *hal);
void *i2c_record_new(runtime_t *rt, const struct mk_i2c_hal *hal);
void *pwm_record_new(runtime_t *rt, const struct mk_pwm_hal *hal);
void *led_record_new(runtime_t *rt, const struct mk_led_hal *hal);

/* The default HALs of *_actor_init() (mock unless hw_start chose others). */
extern const struct mk_gpio_hal *hw_default_gpio;
extern const struct mk_i2c_hal *hw_default_i2c;
extern const struct mk_pwm_hal *hw_default_pwm;
extern const struct mk_led_hal *hw_default_led;

/*
 * The state factory / free_state pair the supervisor calls with a record:
 * hw_factory brings the HAL up, takes a reference and tells the manager;
 * it returns the record (even when bring-up failed: the actor then stops
 * with EXIT_CRASHED on its first message). hw_release takes the HAL down
 * and drops the incarnation's reference.
 */
void *hw_factory(void *rec);
void hw_release(void *rec);

/* Called first by every behaviour: false when the HAL could not be
 * brought up (the actor has been told to stop with EXIT_CRASHED). */
bool hw_ready(runtime_t *rt, hw_common_t *c);

/* Drop one reference (frees at zero). */
void hw_record_unref(void *rec);

/*
 * Spawn `def` unsupervised on `rt` with record `rec` (refs 0): bring-up,
 * spawn (mailbox 32), register def->path, bootstrap. ACTOR_ID_INVALID with
 * a reason; the record is freed then.
 */
actor_id_t hw_spawn_unsupervised(runtime_t *rt, const hw_actor_def_t *def, void *rec);

/* Reply to msg->source (nothing when the source is ACTOR_ID_INVALID).
 * Error texts are sent without their NUL. */
void hw_reply(runtime_t *rt, const message_t *msg, msg_type_t type, const void *data, size_t len);
void hw_reply_error(runtime_t *rt, const message_t *msg, msg_type_t type, const char *text);

/*
 * After a failed HAL call: when the HAL reports a fault, log (rate
 * limited), stop the running actor with EXIT_CRASHED (its supervisor
 * restarts it) and return true.
 */
bool hw_check_fault(hw_common_t *c, bool faulted, const char *what);

#endif
