/*
 * hw_parse.c -- the pure payload parsers of the GPIO, I2C, PWM and LED
 * actors (hw_parse.h). Called by the actors on every request from anyone
 * (the shell, a remote node): they read only inside (buf, len), never
 * allocate, and map every malformed payload to the original's error text.
 */
#include "hw/hw_parse.h"

#include <stdlib.h>
#include <string.h>

#include "microkernel/gpio.h"
#include "microkernel/i2c.h"
#include "microkernel/led.h"
#include "microkernel/pwm.h"

static const char E_SMALL[] = "payload too small";

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t hw_kv_get(const uint8_t *buf, size_t len, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    out[0] = '\0';
    size_t i = 0;
    while (i < len) {
        size_t eol = i;
        while (eol < len && buf[eol] != '\n')
            eol++;
        if (eol - i > kl && memcmp(buf + i, key, kl) == 0 && buf[i + kl] == '=') {
            size_t vl = eol - (i + kl + 1);
            if (vl > cap - 1)
                vl = cap - 1;
            memcpy(out, buf + i + kl + 1, vl);
            out[vl] = '\0';
            return vl;
        }
        i = eol + 1;
    }
    return 0;
}

/* atoi() of at most 7 characters of `key`'s value, as the original. */
static int kv_int(const uint8_t *buf, size_t len, const char *key)
{
    char v[8];
    hw_kv_get(buf, len, key, v, sizeof v);
    return atoi(v);
}

static int parse_mode(const char *m)
{
    static const char *const names[] = {"input", "output", "input_pullup", "input_pulldown"};
    for (int i = 0; i < 4; i++)
        if (strcmp(m, names[i]) == 0)
            return i;
    return -1;
}

const char *gpio_parse_request(msg_type_t type, const uint8_t *buf, size_t len, gpio_req_t *out)
{
    memset(out, 0, sizeof *out);
    out->mode = -1;
    out->edge = GPIO_EDGE_BOTH;
    if (type < MSG_GPIO_CONFIGURE || type > MSG_GPIO_UNSUBSCRIBE)
        return "unknown type";
    out->pin = kv_int(buf, len, "pin");
    char v[32];
    switch (type) {
    case MSG_GPIO_CONFIGURE:
        hw_kv_get(buf, len, "mode", v, sizeof v);
        out->mode = parse_mode(v);
        return out->mode < 0 ? "invalid mode" : NULL;
    case MSG_GPIO_WRITE: out->value = kv_int(buf, len, "value"); return NULL;
    case MSG_GPIO_SUBSCRIBE:
        hw_kv_get(buf, len, "edge", v, sizeof v);
        if (strcmp(v, "rising") == 0)
            out->edge = GPIO_EDGE_RISING;
        else if (strcmp(v, "falling") == 0)
            out->edge = GPIO_EDGE_FALLING;
        return NULL;
    default: return NULL;
    }
}

hw_parse_err_t i2c_parse_request(msg_type_t type, const uint8_t *buf, size_t len, i2c_req_t *out)
{
    hw_parse_err_t e = {NULL, NULL};
    memset(out, 0, sizeof *out);
    size_t need;
    switch (type) {
    case MSG_I2C_CONFIGURE: need = sizeof(i2c_config_payload_t); break;
    case MSG_I2C_WRITE: need = sizeof(i2c_write_payload_t); break;
    case MSG_I2C_READ: need = sizeof(i2c_read_payload_t); break;
    case MSG_I2C_WRITE_READ: need = sizeof(i2c_write_read_payload_t); break;
    case MSG_I2C_SCAN: need = sizeof(i2c_scan_payload_t); break;
    default: e.early = "unknown type"; return e;
    }
    if (len < need) {
        e.early = E_SMALL;
        return e;
    }
    out->port = buf[0];
    if (out->port >= I2C_MAX_PORTS) {
        e.early = "invalid port";
        return e;
    }
    switch (type) {
    case MSG_I2C_CONFIGURE:
        out->sda = buf[1];
        out->scl = buf[2];
        out->freq_hz = le32(buf + 4);
        break;
    case MSG_I2C_WRITE:
        out->addr = buf[1];
        out->wlen = le16(buf + 2);
        out->wdata = buf + 4;
        if (len - 4 < out->wlen)
            e.late = E_SMALL;
        break;
    case MSG_I2C_READ:
        out->addr = buf[1];
        out->read_len = le16(buf + 2);
        if (out->read_len == 0 || out->read_len > I2C_MAX_READ)
            e.late = "invalid length";
        break;
    case MSG_I2C_WRITE_READ:
        out->addr = buf[1];
        out->read_len = le16(buf + 2);
        out->wlen = le16(buf + 4);
        out->wdata = buf + 6;
        if (len - 6 < out->wlen)
            e.late = E_SMALL;
        else if (out->read_len == 0 || out->read_len > I2C_MAX_READ)
            e.late = "invalid length";
        break;
    default: break;
    }
    return e;
}

hw_parse_err_t pwm_parse_request(msg_type_t type, const uint8_t *buf, size_t len, pwm_req_t *out)
{
    hw_parse_err_t e = {NULL, NULL};
    memset(out, 0, sizeof *out);
    if (type != MSG_PWM_CONFIGURE && type != MSG_PWM_SET_DUTY) {
        e.early = "unknown type";
        return e;
    }
    if (len < 8) { /* both structs are 8 bytes */
        e.early = E_SMALL;
        return e;
    }
    out->channel = buf[0];
    if (out->channel >= PWM_MAX_CHANNELS) {
        e.early = "invalid channel";
        return e;
    }
    if (type == MSG_PWM_CONFIGURE) {
        out->pin = buf[1];
        out->resolution = buf[2];
        out->freq_hz = le32(buf + 4);
    } else {
        out->duty = le32(buf + 4);
    }
    return e;
}

hw_parse_err_t led_parse_request(msg_type_t type, const uint8_t *buf, size_t len, led_req_t *out)
{
    hw_parse_err_t e = {NULL, NULL};
    memset(out, 0, sizeof *out);
    switch (type) {
    case MSG_LED_CONFIGURE:
        if (len < sizeof(led_config_payload_t)) {
            e.early = E_SMALL;
            return e;
        }
        out->pin = buf[0];
        out->num_leds = le16(buf + 2);
        if (out->num_leds == 0 || out->num_leds > LED_MAX_LEDS)
            e.early = "invalid num_leds";
        return e;
    case MSG_LED_SET_PIXEL:
        if (len < sizeof(led_pixel_payload_t)) {
            e.late = E_SMALL;
            return e;
        }
        out->index = le16(buf);
        memcpy(out->rgb, buf + 2, 3);
        return e;
    case MSG_LED_SET_ALL:
        if (len < sizeof(led_all_payload_t)) {
            e.late = E_SMALL;
            return e;
        }
        out->num_leds = le16(buf);
        out->pixels = buf + 2;
        if (len - 2 < 3 * out->num_leds)
            e.late = "payload size mismatch";
        return e;
    case MSG_LED_SET_BRIGHTNESS:
        if (len < sizeof(led_brightness_payload_t)) {
            e.late = E_SMALL;
            return e;
        }
        out->brightness = buf[0];
        return e;
    case MSG_LED_CLEAR:
    case MSG_LED_SHOW: return e;
    default: e.early = "unknown type"; return e;
    }
}
