/*
 * i2c_hal.h -- the I2C master abstraction: one method table per backend
 * (mock bus, Linux /dev/i2c-N). Semantics of the original's i2c_hal.h
 * (../shared/compat/hardware.md §2 "HAL interface"); transfer results are
 * I2C_HAL_OK, I2C_HAL_NACK or I2C_HAL_BUS_ERROR.
 */
#ifndef MK_HW_I2C_HAL_H
#define MK_HW_I2C_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/hal/hal_common.h"

#define I2C_HAL_OK        0
#define I2C_HAL_NACK      (-1)
#define I2C_HAL_BUS_ERROR (-2)

typedef struct mk_i2c_hal {
    const char *name;
    void *ctx;
    bool (*init)(void *ctx);
    void (*deinit)(void *ctx);
    /* Master mode on `port` (0/1), pins and clock in Hz. */
    bool (*configure)(void *ctx, int port, int sda, int scl, uint32_t freq_hz);
    void (*deconfigure)(void *ctx, int port);
    int (*write)(void *ctx, int port, uint8_t addr, const uint8_t *data, size_t len);
    int (*read)(void *ctx, int port, uint8_t addr, uint8_t *buf, size_t len);
    /* Write then read with a repeated start. */
    int (*write_read)(void *ctx, int port, uint8_t addr, const uint8_t *wdata, size_t wlen,
                      uint8_t *rdata, size_t rlen);
    /* True if a device ACKs `addr`. */
    bool (*probe)(void *ctx, int port, uint8_t addr);
    bool (*faulted)(void *ctx);
} mk_i2c_hal_t;

/* ---- Mock bus (hal/mock/i2c_mock.c) --------------------------------------- */

#define I2C_MOCK_DEVICES  16 /* attachable devices (ports not distinguished) */
#define I2C_MOCK_REG_SIZE 32 /* bytes a register holds */

/*
 * The process-wide mock bus. A register-file device has 256 registers of up
 * to 32 bytes and a register pointer: a write's first byte sets the
 * pointer, the rest (<= 32 bytes) become that register's content; a read
 * returns the current register's bytes, zero-filled. A NACK device ACKs its
 * address (scan finds it) and NACKs every transfer. Absent addresses NACK.
 */
const mk_i2c_hal_t *i2c_mock_hal(void);
bool i2c_mock_add_device(uint8_t addr);
bool i2c_mock_add_nack_device(uint8_t addr);
/*
 * A simulated chip (e.g. hal/mock/sc16is752_mock.c): once attached at
 * `addr`, every transfer to it goes to these callbacks (a plain read has
 * wdata NULL, wlen 0), which return I2C_HAL_*. `ops` must outlive the
 * attachment. False for an address > 0x7F or no free slot.
 */
typedef struct {
    void *ctx;
    int (*write)(void *ctx, const uint8_t *data, size_t len);
    int (*write_read)(void *ctx, const uint8_t *wdata, size_t wlen, uint8_t *rdata, size_t rlen);
} i2c_mock_device_ops_t;
bool i2c_mock_attach(uint8_t addr, const i2c_mock_device_ops_t *ops);
void i2c_mock_remove_device(uint8_t addr);
void i2c_mock_remove_all(void);
/* Preload register `reg` of `addr` (at most 32 bytes kept). */
void i2c_mock_set_register(uint8_t addr, uint8_t reg, const uint8_t *data, size_t len);
/* Copy register `reg` into buf (<= 32 bytes); its stored length, -1 if no device. */
int i2c_mock_get_register(uint8_t addr, uint8_t reg, uint8_t *buf, size_t cap);
/* Whether `port` is configured, and its clock (0 if not). */
uint32_t i2c_mock_port_freq(int port);
void i2c_mock_fail(int n, bool fault);

/* ---- Linux /dev/i2c-N (hal/linux/i2c_dev.c) ---------------------------- */

/* Port p uses /dev/i2c-<bus + p>. Built, not exercised (no bus here). */
const mk_i2c_hal_t *i2c_dev_hal(int bus);

#endif
