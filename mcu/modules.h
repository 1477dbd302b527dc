/*
 * modules.h -- the WASM modules embedded in the bare-metal image at build
 * time (mcu/embed.cmake writes the table from the modules the build made:
 * echo.wasm from examples/wasm/echo.c as for Linux, and the WAT files of
 * mcu/modules).
 */
#ifndef MCU_MODULES_H
#define MCU_MODULES_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name;     /* file name, e.g. "echo.wasm"; NULL ends the table */
    const uint8_t *bytes; /* the module's binary */
    size_t len;           /* bytes */
} mcu_module_t;

/* Ends with an entry whose name is NULL. */
extern const mcu_module_t mcu_modules[];

/* The entry named `name`, or NULL when the image does not carry it. */
const mcu_module_t *mcu_module_find(const char *name);

#endif
