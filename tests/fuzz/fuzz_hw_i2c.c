/* fuzz_hw_i2c.c -- libFuzzer target for the I2C actor's binary payload
 * parser (i2c_parse_request): first byte = type (MSG_I2C_CONFIGURE +
 * b % 6), the rest the payload in an exact-size buffer. Without an early
 * error the port is 0/1; write data always lies inside the buffer unless a
 * late error says the payload is short; a read length without late error
 * is 1..256. */
#include <stdlib.h>
#include <string.h>

#include "hw/hw_parse.h"
#include "microkernel/i2c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    msg_type_t type = MSG_I2C_CONFIGURE + data[0] % 6u;
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1);
    memcpy(buf, data + 1, len);
    i2c_req_t r;
    hw_parse_err_t e = i2c_parse_request(type, buf, len, &r);
    if (!e.early) {
        if (r.port < 0 || r.port >= I2C_MAX_PORTS)
            __builtin_trap();
        if (!e.late && r.wdata) {
            if (r.wdata < buf || r.wdata + r.wlen > buf + len)
                __builtin_trap();
            volatile uint8_t sink = 0;
            for (size_t i = 0; i < r.wlen; i++)
                sink ^= r.wdata[i]; /* touch every byte: ASan checks them */
            (void)sink;
        }
        if (!e.late && (type == MSG_I2C_READ || type == MSG_I2C_WRITE_READ) &&
            (r.read_len == 0 || r.read_len > I2C_MAX_READ))
            __builtin_trap();
    }
    free(buf);
    return 0;
}
