/*
 * microkernel/led.h -- the addressable LED strip actor (WS2812 / NeoPixel)
 * at "/node/hardware/led".
 *
 * Source: the original's led.h and services.h constants
 * (../shared/compat/hardware.md §4), matched exactly. Payloads are packed
 * little-endian structs. The actor keeps the raw (pre-brightness) colours;
 * SET_PIXEL and SET_BRIGHTNESS only store, SHOW and SET_ALL flush (each
 * channel scaled raw * brightness / 255, rounded down), CLEAR blanks and
 * refreshes. Replies to the sender: MSG_LED_OK (empty) or MSG_LED_ERROR
 * (text, no NUL): "payload too small", "invalid num_leds",
 * "hal configure failed", "not configured", "invalid index",
 * "payload size mismatch".
 * Shell example (pin 8, one LED; pixel 0 red; show):
 *   call led 4278190144 x:08000100
 *   call led 4278190145 x:0000ff000000
 *   call led 4278190149
 */
#ifndef MICROKERNEL_LED_H
#define MICROKERNEL_LED_H

#include <stdint.h>

#include "microkernel/runtime.h"
#include "microkernel/services.h" /* MSG_* values (the original keeps them there) */
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LED_MAX_LEDS 256

/* CONFIGURE, 4 bytes: pin 8, one LED = 08 00 01 00. */
typedef struct {
    uint8_t pin;
    uint8_t _pad;
    uint16_t num_leds; /* 1 .. LED_MAX_LEDS */
} led_config_payload_t;

/* SET_PIXEL, 6 bytes: pixel 0 red = 00 00 FF 00 00 00. */
typedef struct {
    uint16_t index; /* 0 .. num_leds - 1 */
    uint8_t r;
    uint8_t g;
    uint8_t b;
    uint8_t _pad;
} led_pixel_payload_t;

/* SET_BRIGHTNESS, 1 byte. */
typedef struct {
    uint8_t brightness; /* 0 .. 255, default 255 */
} led_brightness_payload_t;

/* SET_ALL, 2 bytes + R,G,B triplets. */
typedef struct {
    uint16_t num_leds; /* pixels that follow (first N are overwritten) */
    uint8_t pixels[];  /* R,G,B, R,G,B, ... */
} led_all_payload_t;

/*
 * Start the LED actor with the default LED HAL (mock unless hw_start()
 * chose another) at "/node/hardware/led" (namespace required), mailbox 32,
 * unsupervised. ACTOR_ID_INVALID with mk_last_error() when the HAL's init
 * fails, spawning fails or the path is taken.
 */
actor_id_t led_actor_init(runtime_t *rt);

#ifdef __cplusplus
}
#endif

#endif
