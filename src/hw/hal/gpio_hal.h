/*
 * gpio_hal.h -- the GPIO hardware abstraction: one method table per
 * backend (mock, libgpiod), so the GPIO actor and its tests never depend
 * on real pins. Semantics follow the original's gpio_hal.h
 * (../shared/compat/hardware.md §1 "HAL interface"), with a context pointer
 * and a fault query added.
 */
#ifndef MK_HW_GPIO_HAL_H
#define MK_HW_GPIO_HAL_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/hal/hal_common.h"

typedef struct mk_gpio_hal {
    const char *name; /* "mock", "gpiod" */
    void *ctx;        /* backend state, passed to every method */
    /* Create the edge-notification channel. False: unusable. */
    bool (*init)(void *ctx);
    /* Release every line and close the channel. */
    void (*deinit)(void *ctx);
    /* Descriptor that becomes readable (POLLIN) when edges are queued; -1 if none. */
    int (*notify_fd)(void *ctx);
    /* Up to `max` pin numbers that saw an edge (one byte each); count, <= 0 none. */
    int (*drain_events)(void *ctx, uint8_t *pins, int max);
    /* mode: GPIO_MODE_* (0..3). */
    bool (*configure)(void *ctx, int pin, int mode);
    bool (*write)(void *ctx, int pin, int value);
    /* 0/1, or -1 on failure. */
    int (*read)(void *ctx, int pin);
    /* edge: GPIO_EDGE_* (0 rising, 1 falling, 2 both). */
    bool (*isr_add)(void *ctx, int pin, int edge);
    bool (*isr_remove)(void *ctx, int pin);
    /* True when the device is wedged and needs deinit + init. */
    bool (*faulted)(void *ctx);
} mk_gpio_hal_t;

/* ---- Mock backend (hal/mock/gpio_mock.c) -------------------------------- */

#define GPIO_MOCK_PINS 64

/*
 * The process-wide mock GPIO controller: 64 simulated pins with a level,
 * a mode and pull resistors, and a pipe as edge source. configure() fails
 * outside 0..63; an input with pull-up reads 1 and with pull-down 0 until
 * something drives it (gpio_mock_set_value / trigger_interrupt); write()
 * succeeds only on outputs; read() works on any pin 0..63.
 */
const mk_gpio_hal_t *gpio_mock_hal(void);
/* Set `pin`'s level (as an external driver would) and, when its interrupt
 * is enabled, queue an edge event. The original's gpio_mock_trigger_interrupt
 * queues unconditionally; we only queue for enabled pins, like hardware. */
void gpio_mock_trigger_interrupt(int pin, int value);
/* Set the level without an event. */
void gpio_mock_set_value(int pin, int value);
/* The recorded mode (-1: unconfigured or out of range) and ISR flag. */
int gpio_mock_get_mode(int pin);
bool gpio_mock_isr_enabled(int pin);
/* Make the next `n` calls fail, or (fault) wedge the HAL until re-init. */
void gpio_mock_fail(int n, bool fault);

/* ---- libgpiod backend (hal/linux/gpio_gpiod.c, built with libgpiod) ----- */

/* A HAL on character device `chip` ("/dev/gpiochip0" or "gpiochip0"); the
 * string must outlive the HAL. NULL when built without libgpiod. */
const mk_gpio_hal_t *gpio_gpiod_hal(const char *chip);

#endif
