/* fuzz_hw_led.c -- libFuzzer target for the LED actor's payload parser
 * (led_parse_request): first byte = type (MSG_LED_CONFIGURE + b % 7), the
 * rest the payload in an exact-size buffer. An accepted CONFIGURE has
 * 1..256 LEDs; an accepted SET_ALL's pixels (3 N bytes) lie inside the
 * buffer and are all read here so ASan checks them. */
#include <stdlib.h>
#include <string.h>

#include "hw/hw_parse.h"
#include "microkernel/led.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    msg_type_t type = MSG_LED_CONFIGURE + data[0] % 7u;
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1);
    memcpy(buf, data + 1, len);
    led_req_t r;
    hw_parse_err_t e = led_parse_request(type, buf, len, &r);
    if (type == MSG_LED_CONFIGURE && !e.early && (r.num_leds == 0 || r.num_leds > LED_MAX_LEDS))
        __builtin_trap();
    if (type == MSG_LED_SET_ALL && !e.early && !e.late) {
        if (r.pixels + 3 * r.num_leds > buf + len)
            __builtin_trap();
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < 3 * r.num_leds; i++)
            sink ^= r.pixels[i];
        (void)sink;
    }
    free(buf);
    return 0;
}
