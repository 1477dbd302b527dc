/*
 * microkernel/i2c.h -- the I2C master actor at "/node/hardware/i2c".
 *
 * Source: the original's i2c.h and services.h constants
 * (../shared/compat/hardware.md §2); values, layouts and error texts are
 * matched exactly. Payloads are packed little-endian structs (host order
 * on every supported target), sizes and offsets below are exact; `_pad`
 * bytes are ignored on input and 0 on output. Replies go to the sender:
 * MSG_I2C_OK (empty), MSG_I2C_DATA, MSG_I2C_SCAN_RESULT or MSG_I2C_ERROR
 * (ASCII text, no NUL): "payload too small", "invalid port",
 * "port not configured", "hal configure failed", "invalid length",
 * "NACK", "bus error", "out of memory". Unknown types are ignored.
 */
#ifndef MICROKERNEL_I2C_H
#define MICROKERNEL_I2C_H

#include <stdint.h>

#include "microkernel/runtime.h"
#include "microkernel/services.h" /* MSG_* values (the original keeps them there) */
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define I2C_MAX_PORTS  2    /* ports 0 and 1 */
#define I2C_MAX_READ   256  /* bytes per READ / WRITE_READ */
#define I2C_SCAN_FIRST 0x08 /* SCAN probes 0x08 .. 0x77 */
#define I2C_SCAN_LAST  0x77

/* CONFIGURE, 8 bytes. */
typedef struct {
    uint8_t port;     /* 0 or 1 */
    uint8_t sda_pin;  /* GPIO number */
    uint8_t scl_pin;  /* GPIO number */
    uint8_t _pad;     /* ignored */
    uint32_t freq_hz; /* bus clock, Hz (100000, 400000, 1000000 typical) */
} i2c_config_payload_t;

/* WRITE, 4 bytes + data_len bytes. */
typedef struct {
    uint8_t port;
    uint8_t addr;      /* 7-bit device address */
    uint16_t data_len; /* bytes that follow */
    uint8_t data[];
} i2c_write_payload_t;

/* READ, 4 bytes. */
typedef struct {
    uint8_t port;
    uint8_t addr;
    uint16_t len; /* bytes to read, 1 .. I2C_MAX_READ */
} i2c_read_payload_t;

/* WRITE_READ (repeated start), 6 bytes + write_len bytes. */
typedef struct {
    uint8_t port;
    uint8_t addr;
    uint16_t read_len;  /* 1 .. I2C_MAX_READ */
    uint16_t write_len; /* bytes that follow; 0 = plain read */
    uint8_t write_data[];
} i2c_write_read_payload_t;

/* SCAN, 1 byte. */
typedef struct {
    uint8_t port;
} i2c_scan_payload_t;

/* Reply DATA, 4 bytes + data_len bytes. */
typedef struct {
    uint8_t addr; /* echoed */
    uint8_t _pad; /* 0 */
    uint16_t data_len;
    uint8_t data[];
} i2c_data_payload_t;

/* Reply SCAN_RESULT, 1 byte + count bytes (ascending addresses). */
typedef struct {
    uint8_t count;
    uint8_t addrs[];
} i2c_scan_result_payload_t;

/*
 * Start the I2C actor with the default I2C HAL (mock unless hw_start()
 * chose another) at "/node/hardware/i2c" (namespace required), mailbox 32,
 * unsupervised. ACTOR_ID_INVALID with mk_last_error() when the HAL's init
 * fails, spawning fails or the path is taken. Stopping it deconfigures both
 * ports and de-initialises the HAL.
 */
actor_id_t i2c_actor_init(runtime_t *rt);

#ifdef __cplusplus
}
#endif

#endif
