/* test_parse.c -- the pure payload parsers of src/hw/hw_parse.c with
 * malformed input: the `key=value` lookup rules (compat services.md §1),
 * truncated binary structs at every length, declared lengths beyond the
 * payload, and values at and past every limit. */
#include "hw/hw_parse.h"
#include "hw_test_util.h"
#include "microkernel/gpio.h"
#include "microkernel/i2c.h"
#include "microkernel/led.h"
#include "microkernel/pwm.h"

static const uint8_t *u(const char *s)
{
    return (const uint8_t *)s;
}

static void test_kv_lookup_rules(void **st)
{
    (void)st;
    char v[8];
    const char *t = "xpin=9\npins=4\npin=12\npin=13";
    assert_int_equal(hw_kv_get(u(t), strlen(t), "pin", v, sizeof v), 2);
    assert_string_equal(v, "12"); /* line start, '=' right after, first wins */
    assert_int_equal(hw_kv_get(u("pin=1234567890"), 14, "pin", v, sizeof v), 7);
    assert_string_equal(v, "1234567"); /* truncated to cap - 1 */
    assert_int_equal(hw_kv_get(u("mode=in\r\n"), 9, "mode", v, sizeof v), 3);
    assert_string_equal(v, "in\r"); /* a trailing CR is part of the value */
    assert_int_equal(hw_kv_get(u("pin"), 3, "pin", v, sizeof v), 0);
    assert_int_equal(hw_kv_get(u("pin="), 4, "pin", v, sizeof v), 0);
    assert_int_equal(hw_kv_get(NULL, 0, "pin", v, sizeof v), 0);
    assert_string_equal(v, "");
    /* The payload length bounds it: no NUL needed, bytes after len unseen. */
    assert_int_equal(hw_kv_get(u("pin=42"), 5, "pin", v, sizeof v), 1);
    assert_string_equal(v, "4");
}

static void test_gpio_parse_modes_edges_and_types(void **st)
{
    (void)st;
    gpio_req_t r;
    assert_null(gpio_parse_request(MSG_GPIO_CONFIGURE, u("mode=input_pulldown\npin=7"), 25, &r));
    assert_int_equal(r.mode, GPIO_MODE_INPUT_PULLDOWN);
    assert_int_equal(r.pin, 7);
    assert_string_equal(gpio_parse_request(MSG_GPIO_CONFIGURE, u("mode=Output"), 11, &r),
                        "invalid mode");
    assert_string_equal(gpio_parse_request(MSG_GPIO_CONFIGURE, u("mode=input\r"), 11, &r),
                        "invalid mode");
    assert_null(gpio_parse_request(MSG_GPIO_SUBSCRIBE, u("pin=1\nedge=falling"), 18, &r));
    assert_int_equal(r.edge, GPIO_EDGE_FALLING);
    assert_null(gpio_parse_request(MSG_GPIO_SUBSCRIBE, u("edge=\xff"), 6, &r));
    assert_int_equal(r.edge, GPIO_EDGE_BOTH);
    assert_null(gpio_parse_request(MSG_GPIO_WRITE, u("pin=-3\nvalue=x"), 14, &r));
    assert_int_equal(r.pin, -3);
    assert_int_equal(r.value, 0);
    assert_string_equal(gpio_parse_request(0xFF000025u, u(""), 0, &r), "unknown type");
    assert_string_equal(gpio_parse_request(MSG_GPIO_OK, u(""), 0, &r), "unknown type");
}

static void test_i2c_parse_truncated_at_every_length(void **st)
{
    (void)st;
    const uint8_t full[6 + 2] = {1, 0x50, 4, 0, 2, 0, 0xAA, 0xBB};
    const msg_type_t types[] = {MSG_I2C_CONFIGURE, MSG_I2C_WRITE, MSG_I2C_READ, MSG_I2C_WRITE_READ,
                                MSG_I2C_SCAN};
    const size_t header[] = {8, 4, 4, 6, 1};
    for (size_t t = 0; t < 5; t++)
        for (size_t len = 0; len < header[t]; len++) {
            i2c_req_t r;
            hw_parse_err_t e = i2c_parse_request(types[t], full, len, &r);
            if (!e.early || strcmp(e.early, "payload too small") != 0)
                fail_msg("type 0x%08x len %zu: early error %s", types[t], len,
                         e.early ? e.early : "(none)");
        }
    i2c_req_t r;
    hw_parse_err_t e = i2c_parse_request(MSG_I2C_WRITE_READ, full, 8, &r);
    assert_null(e.early);
    assert_null(e.late);
    assert_int_equal(r.wlen, 2);
    assert_ptr_equal(r.wdata, full + 6);
    e = i2c_parse_request(MSG_I2C_WRITE_READ, full, 7, &r); /* one data byte short */
    assert_string_equal(e.late, "payload too small");
    const uint8_t huge[4] = {0, 0x50, 0xFF, 0xFF}; /* data_len 65535, no data */
    e = i2c_parse_request(MSG_I2C_WRITE, huge, 4, &r);
    assert_string_equal(e.late, "payload too small");
    e = i2c_parse_request(MSG_I2C_READ, huge, 4, &r);
    assert_string_equal(e.late, "invalid length");
    const uint8_t port2[1] = {2};
    e = i2c_parse_request(MSG_I2C_SCAN, port2, 1, &r);
    assert_string_equal(e.early, "invalid port");
    e = i2c_parse_request(MSG_I2C_DATA, full, 8, &r);
    assert_string_equal(e.early, "unknown type");
}

static void test_pwm_parse_sizes_and_channel(void **st)
{
    (void)st;
    const uint8_t p[9] = {5, 1, 14, 0, 0x10, 0x27, 0, 0, 0xEE};
    pwm_req_t r;
    for (size_t len = 0; len < 8; len++)
        assert_string_equal(pwm_parse_request(MSG_PWM_CONFIGURE, p, len, &r).early,
                            "payload too small");
    hw_parse_err_t e = pwm_parse_request(MSG_PWM_CONFIGURE, p, 9, &r); /* extra byte ignored */
    assert_null(e.early);
    assert_int_equal(r.channel, 5);
    assert_int_equal(r.resolution, 14);
    assert_int_equal(r.freq_hz, 10000);
    const uint8_t c6[8] = {6};
    assert_string_equal(pwm_parse_request(MSG_PWM_SET_DUTY, c6, 8, &r).early, "invalid channel");
    const uint8_t d[8] = {0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    e = pwm_parse_request(MSG_PWM_SET_DUTY, d, 8, &r); /* pad ignored, duty not checked */
    assert_null(e.early);
    assert_int_equal(r.duty, 0xFFFFFFFFu);
}

static void test_led_parse_sizes_and_counts(void **st)
{
    (void)st;
    led_req_t r;
    assert_string_equal(led_parse_request(MSG_LED_CONFIGURE, u("\x08\x00\x01"), 3, &r).early,
                        "payload too small");
    assert_string_equal(led_parse_request(MSG_LED_CONFIGURE, u("\x08\x00\x01\x01"), 4, &r).early,
                        "invalid num_leds");
    assert_null(led_parse_request(MSG_LED_CONFIGURE, u("\x08\xff\x00\x01"), 4, &r).early);
    assert_int_equal(r.num_leds, 256);
    assert_string_equal(led_parse_request(MSG_LED_SET_ALL, u("\xff\xff"), 2, &r).late,
                        "payload size mismatch");
    hw_parse_err_t e = led_parse_request(MSG_LED_SET_ALL, u("\x00\x00"), 2, &r);
    assert_null(e.late); /* N = 0 is a flush of nothing */
    assert_int_equal(r.num_leds, 0);
    assert_string_equal(led_parse_request(MSG_LED_SET_PIXEL, u("\x00\x00\x01\x02\x03"), 5, &r).late,
                        "payload too small");
    assert_null(led_parse_request(MSG_LED_SHOW, u("junk"), 4, &r).late); /* payload ignored */
    assert_string_equal(led_parse_request(0xFF000046u, NULL, 0, &r).early, "unknown type");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv_lookup_rules),
        cmocka_unit_test(test_gpio_parse_modes_edges_and_types),
        cmocka_unit_test(test_i2c_parse_truncated_at_every_length),
        cmocka_unit_test(test_pwm_parse_sizes_and_channel),
        cmocka_unit_test(test_led_parse_sizes_and_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
