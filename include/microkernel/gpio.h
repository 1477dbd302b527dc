/*
 * microkernel/gpio.h -- the GPIO actor at "/node/hardware/gpio": digital
 * input/output and edge (interrupt) events, driven by text payloads.
 *
 * Source: the original's gpio.h and services.h constants
 * (../shared/compat/hardware.md §1); values and texts are matched exactly.
 * Payloads are `key=value` lines separated by '\n', no NUL needed
 * (../shared/compat/services.md §1): the first line starting with `key=`
 * wins, a missing key is an empty value. Numbers are read like atoi() from
 * at most 7 characters; a missing `pin` is pin 0.
 *
 *   MSG_GPIO_CONFIGURE    "pin=<N>\nmode=<input|output|input_pullup|input_pulldown>"
 *   MSG_GPIO_WRITE        "pin=<N>\nvalue=<V>"            (V != 0 is high)
 *   MSG_GPIO_READ         "pin=<N>"                       -> MSG_GPIO_VALUE
 *   MSG_GPIO_SUBSCRIBE    "pin=<N>\nedge=<rising|falling|both>" (edge optional: both)
 *   MSG_GPIO_UNSUBSCRIBE  "pin=<N>"
 *   MSG_GPIO_VALUE        "pin=<N>\nvalue=<0|1>"
 *   MSG_GPIO_EVENT        "pin=<N>\nvalue=<0|1>\nedge=<rising|falling>" (to subscribers)
 *   MSG_GPIO_ERROR        error text, no NUL: "invalid mode", "too many pins",
 *                         "hal configure failed", "write failed", "read failed",
 *                         "too many subscriptions"
 * Every request is answered (to the sender) with MSG_GPIO_OK (empty),
 * MSG_GPIO_VALUE or MSG_GPIO_ERROR. Unknown types are ignored. Limits:
 * GPIO_MAX_PINS configured pins, GPIO_MAX_SUBSCRIPTIONS subscriptions.
 */
#ifndef MICROKERNEL_GPIO_H
#define MICROKERNEL_GPIO_H

#include "microkernel/runtime.h"
#include "microkernel/services.h" /* MSG_* values (the original keeps them there) */
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GPIO_MAX_PINS          16 /* pins with a configuration slot */
#define GPIO_MAX_SUBSCRIPTIONS 16 /* (subscriber, pin) pairs, all pins together */

/* Modes and edges as numbered by the original (HAL values). */
#define GPIO_MODE_INPUT          0
#define GPIO_MODE_OUTPUT         1
#define GPIO_MODE_INPUT_PULLUP   2
#define GPIO_MODE_INPUT_PULLDOWN 3
#define GPIO_EDGE_RISING         0
#define GPIO_EDGE_FALLING        1
#define GPIO_EDGE_BOTH           2

/*
 * Start the GPIO actor on `rt` with the default GPIO HAL (the mock unless
 * hw_start() selected another) and register it at "/node/hardware/gpio"
 * (the namespace must be installed). Not supervised: hw_start() runs it
 * under a supervisor. Returns its ID, or ACTOR_ID_INVALID with
 * mk_last_error() set when the HAL's init fails, the actor cannot be
 * spawned (mailbox 32) or the path is taken; nothing is left behind.
 * Stopping the actor releases every pin and de-initialises the HAL.
 */
actor_id_t gpio_actor_init(runtime_t *rt);

#ifdef __cplusplus
}
#endif

#endif
