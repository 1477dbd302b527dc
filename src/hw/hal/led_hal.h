/*
 * led_hal.h -- the addressable LED strip abstraction: one method table per
 * backend (mock strip, WS2812 over Linux spidev). Semantics of the
 * original's led_hal.h (../shared/compat/hardware.md §4 "HAL interface").
 */
#ifndef MK_HW_LED_HAL_H
#define MK_HW_LED_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/hal/hal_common.h"

typedef struct mk_led_hal {
    const char *name;
    void *ctx;
    bool (*init)(void *ctx);
    void (*deinit)(void *ctx);
    /* 1..256 LEDs on `pin`; the buffer starts black. */
    bool (*configure)(void *ctx, int pin, int num_leds);
    void (*deconfigure)(void *ctx);
    /* Into the pending buffer only (already brightness-scaled). */
    bool (*set_pixel)(void *ctx, int index, uint8_t r, uint8_t g, uint8_t b);
    /* Push the pending buffer to the strip. */
    bool (*show)(void *ctx);
    /* Blank every pixel and push. */
    bool (*clear)(void *ctx);
    bool (*faulted)(void *ctx);
} mk_led_hal_t;

/* ---- Mock strip (hal/mock/led_mock.c) ---------------------------------- */

/*
 * One strip with a pending buffer and a separate shown frame: set_pixel
 * writes the pending buffer, show copies it to the shown frame, clear
 * blanks both; show and clear count.
 */
const mk_led_hal_t *led_mock_hal(void);
/* Pending pixel (0,0,0 out of range), as the original's led_mock_get_pixel. */
void led_mock_get_pixel(int index, uint8_t *r, uint8_t *g, uint8_t *b);
/* What the strip displays since the last show / clear. */
void led_mock_get_shown_pixel(int index, uint8_t *r, uint8_t *g, uint8_t *b);
/* show + clear calls since configure. */
int led_mock_get_show_count(void);
bool led_mock_is_configured(void);
int led_mock_get_num_leds(void);
int led_mock_get_pin(void);
void led_mock_fail(int n, bool fault);

/* ---- WS2812 over spidev (hal/linux/led_spidev.c, ws2812.c) -------------- */

#define WS2812_SPI_HZ        2400000u /* SPI clock: 3 SPI bits per WS2812 bit */
#define WS2812_RESET_BYTES   84u      /* >= 280 us low after a frame at 2.4 MHz */
#define WS2812_BYTES_PER_LED 9u       /* 24 bits x 3 SPI bits / 8 */

/*
 * Encode `n` pixels of R,G,B bytes (`rgb`, 3n bytes) for a WS2812 strip
 * clocked from SPI MOSI at WS2812_SPI_HZ: wire order G,R,B, MSB first, each
 * bit as 3 SPI bits (0 -> 100, 1 -> 110: 417 ns high + 833 ns low, or
 * 833 ns high + 417 ns low), then WS2812_RESET_BYTES zero bytes. Writes
 * n * 9 + 84 bytes to `out`; returns that count, or 0 (nothing written)
 * when `out_cap` is smaller. Pure. Source: WS2812B datasheet timing table
 * (T0H 0.4 us, T1H 0.8 us, T0L 0.85 us, T1L 0.45 us, each +-150 ns; reset
 * > 280 us on current parts).
 */
size_t ws2812_encode(const uint8_t *rgb, size_t n, uint8_t *out, size_t out_cap);

/* WS2812 strip on `device` ("/dev/spidev0.0"); the pin is ignored. Built,
 * not exercised (no SPI here). */
const mk_led_hal_t *led_spidev_hal(const char *device);

#endif
