/* fuzz_hw_pwm.c -- libFuzzer target for the PWM actor's payload parser
 * (pwm_parse_request): first byte = type (CONFIGURE, SET_DUTY or another),
 * the rest the payload in an exact-size buffer. Accepted requests have a
 * channel 0..5 and were at least 8 bytes; there is never a late error. */
#include <stdlib.h>
#include <string.h>

#include "hw/hw_parse.h"
#include "microkernel/pwm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    msg_type_t type = MSG_PWM_CONFIGURE + data[0] % 3u;
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1);
    memcpy(buf, data + 1, len);
    pwm_req_t r;
    hw_parse_err_t e = pwm_parse_request(type, buf, len, &r);
    if (e.late)
        __builtin_trap();
    if (!e.early && (len < 8 || r.channel < 0 || r.channel >= PWM_MAX_CHANNELS))
        __builtin_trap();
    free(buf);
    return 0;
}
