/*
 * hw_parse.h -- pure parsers of the hardware actors' request payloads
 * (../shared/compat/hardware.md §1-4): (buf, len) in, a decoded request and
 * the original's error text out. No I/O, no allocation, no global state;
 * each is fuzzed (tests/fuzz/fuzz_hw_*.c). Binary fields are little-endian
 * (the original's host order on every supported target).
 */
#ifndef MK_HW_PARSE_H
#define MK_HW_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/types.h"

/*
 * Errors of a binary request, split by when the original checks them:
 * `early` before the "configured?" check of the actor, `late` after it
 * (e.g. I2C's data_len check follows "port not configured"; every LED check
 * but CONFIGURE's follows "not configured"). NULL: none. The strings are
 * static, ASCII, sent without their NUL.
 */
typedef struct {
    const char *early;
    const char *late;
} hw_parse_err_t;

/*
 * The value of `key` in `key=value` lines (compat services.md §1): the
 * first line that starts with `key` followed by '=', up to '\n' or the end;
 * copied truncated to cap - 1 bytes and NUL-terminated. Returns the copied
 * length; 0 (empty string) when the key is missing. `cap` >= 1.
 */
size_t hw_kv_get(const uint8_t *buf, size_t len, const char *key, char *out, size_t cap);

/* ---- GPIO (text) ------------------------------------------------------- */

typedef struct {
    int pin;   /* atoi of at most 7 characters; missing: 0 */
    int mode;  /* GPIO_MODE_*, -1 when unknown or missing */
    int value; /* atoi of `value` (WRITE) */
    int edge;  /* GPIO_EDGE_*; missing or unknown: GPIO_EDGE_BOTH */
} gpio_req_t;

/* Decode a GPIO request of `type` (MSG_GPIO_*). Returns NULL, or
 * "invalid mode" for a CONFIGURE whose mode is unknown or missing, or
 * "unknown type" for a type that is not a GPIO request. */
const char *gpio_parse_request(msg_type_t type, const uint8_t *buf, size_t len, gpio_req_t *out);

/* ---- I2C --------------------------------------------------------------- */

typedef struct {
    int port;
    uint8_t sda, scl;     /* CONFIGURE */
    uint32_t freq_hz;     /* CONFIGURE */
    uint8_t addr;         /* WRITE, READ, WRITE_READ */
    size_t read_len;      /* READ, WRITE_READ: 1 .. I2C_MAX_READ when valid */
    const uint8_t *wdata; /* WRITE, WRITE_READ: points into buf */
    size_t wlen;
} i2c_req_t;

/* Decode an I2C request (MSG_I2C_*): early "payload too small" /
 * "invalid port"; late "payload too small" (data shorter than declared) /
 * "invalid length" (read length 0 or > 256); early "unknown type" for
 * other types. */
hw_parse_err_t i2c_parse_request(msg_type_t type, const uint8_t *buf, size_t len, i2c_req_t *out);

/* ---- PWM --------------------------------------------------------------- */

typedef struct {
    int channel;
    uint8_t pin, resolution; /* CONFIGURE */
    uint32_t freq_hz;        /* CONFIGURE */
    uint32_t duty;           /* SET_DUTY */
} pwm_req_t;

/* Decode a PWM request: early "payload too small" (< 8 bytes) /
 * "invalid channel" (>= 6) / "unknown type". Never a late error. */
hw_parse_err_t pwm_parse_request(msg_type_t type, const uint8_t *buf, size_t len, pwm_req_t *out);

/* ---- LED --------------------------------------------------------------- */

typedef struct {
    uint8_t pin;           /* CONFIGURE */
    size_t num_leds;       /* CONFIGURE, SET_ALL */
    size_t index;          /* SET_PIXEL */
    uint8_t rgb[3];        /* SET_PIXEL */
    uint8_t brightness;    /* SET_BRIGHTNESS */
    const uint8_t *pixels; /* SET_ALL: 3 * num_leds bytes inside buf */
} led_req_t;

/* Decode a LED request. CONFIGURE: early "payload too small" /
 * "invalid num_leds" (0 or > 256). Others (checked after "not
 * configured"): late "payload too small", and for SET_ALL "payload size
 * mismatch" when fewer than 2 + 3 N bytes follow; the index and N against
 * the configured count are the actor's checks. "unknown type" early. */
hw_parse_err_t led_parse_request(msg_type_t type, const uint8_t *buf, size_t len, led_req_t *out);

#endif
