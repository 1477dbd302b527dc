/* fuzz_hw_gpio.c -- libFuzzer target for the GPIO actor's text payload
 * parser (gpio_parse_request, hw_kv_get): the first input byte picks the
 * request type (MSG_GPIO_CONFIGURE + b % 6, the last one not a request),
 * the rest is the payload, copied to an exact-size buffer so any read past
 * it is caught. A CONFIGURE either fails with "invalid mode" or yields a
 * mode 0..3; the edge is always 0..2; other types never fail. */
#include <stdlib.h>
#include <string.h>

#include "hw/hw_parse.h"
#include "microkernel/gpio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    msg_type_t type = MSG_GPIO_CONFIGURE + data[0] % 6u;
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1);
    memcpy(buf, data + 1, len);
    gpio_req_t r;
    const char *err = gpio_parse_request(type, buf, len, &r);
    if (r.edge < GPIO_EDGE_RISING || r.edge > GPIO_EDGE_BOTH)
        __builtin_trap();
    if (type == MSG_GPIO_CONFIGURE) {
        if (err ? strcmp(err, "invalid mode") != 0 || r.mode != -1 : r.mode < 0 || r.mode > 3)
            __builtin_trap();
    } else if (type > MSG_GPIO_UNSUBSCRIBE) {
        if (!err)
            __builtin_trap();
    } else if (err) {
        __builtin_trap();
    }
    char v[8];
    size_t n = hw_kv_get(buf, len, "pin", v, sizeof v);
    if (n >= sizeof v || v[n] != '\0') /* values may hold NUL bytes: atoi stops there */
        __builtin_trap();
    free(buf);
    return 0;
}
