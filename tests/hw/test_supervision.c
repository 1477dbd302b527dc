/* test_hw_supervision.c -- hw_start(): the four actors under a supervisor
 * at their paths and flat names, and a crashed HAL call (a mock armed to
 * wedge) restarting the actor with a new ID that takes over the path and
 * name, the HAL re-initialised and the last configuration re-applied
 * (LED strip shown again, PWM duty, I2C clock, GPIO modes and edge events
 * to the old subscribers). Also hw_config_set's option errors. */
#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/hal/led_hal.h"
#include "hw/hal/pwm_hal.h"
#include "hw_test_util.h"
#include "microkernel/gpio.h"
#include "microkernel/hw.h"
#include "microkernel/i2c.h"
#include "microkernel/led.h"
#include "microkernel/pwm.h"
#include "microkernel/supervision.h"

typedef struct {
    runtime_t *rt;
    actor_id_t sup, client;
} fx_t;

static int setup(void **st)
{
    fx_t *f = calloc(1, sizeof *f);
    f->rt = hw_runtime();
    hw_config_t cfg;
    hw_config_init(&cfg);
    f->sup = hw_start(f->rt, &cfg);
    if (f->sup == ACTOR_ID_INVALID)
        fail_msg("hw_start: %s", mk_last_error());
    f->client = hw_client(f->rt);
    hw_pump(f->rt, 5); /* manager: paths checked, bootstraps sent */
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    led_mock_fail(0, false);
    pwm_mock_fail(0, false);
    i2c_mock_fail(0, false);
    gpio_mock_fail(0, false);
    i2c_mock_remove_all();
    free(f);
    return 0;
}

static hw_reply_t call(fx_t *f, const char *path, msg_type_t type, const void *p, size_t len)
{
    actor_id_t to = actor_lookup(f->rt, path);
    if (to == ACTOR_ID_INVALID)
        fail_msg("%s is not registered", path);
    return hw_call(f->rt, f->client, to, type, p, len);
}

/* Run until `path` maps to an actor other than `old`; returns it. */
static actor_id_t wait_restart(fx_t *f, const char *path, actor_id_t old)
{
    for (int t = 0; t < 200; t++) {
        hw_pump(f->rt, 1);
        actor_id_t id = actor_lookup(f->rt, path);
        if (id != ACTOR_ID_INVALID && id != old)
            return id;
    }
    fail_msg("%s was not restarted", path);
    return ACTOR_ID_INVALID;
}

static void test_hw_start_registers_paths_names_under_a_supervisor(void **st)
{
    fx_t *f = *st;
    static const char *const names[] = {"gpio", "i2c", "pwm", "led"};
    for (size_t i = 0; i < 4; i++) {
        char path[64];
        snprintf(path, sizeof path, "/node/hardware/%s", names[i]);
        actor_id_t id = actor_lookup(f->rt, path);
        assert_int_not_equal(id, ACTOR_ID_INVALID);
        assert_int_equal(actor_lookup(f->rt, names[i]), id);
        assert_int_equal(supervisor_get_child(f->rt, f->sup, i), id);
    }
    assert_int_equal(hw_supervisor(f->rt), f->sup);
    /* Once per runtime. */
    assert_int_equal(hw_start(f->rt, NULL), ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "already started"));
}

static void test_hw_led_fault_restarts_and_shows_last_frame(void **st)
{
    fx_t *f = *st;
    actor_id_t old = actor_lookup(f->rt, "/node/hardware/led");
    assert_hw_reply(call(f, "led", MSG_LED_CONFIGURE, "\x08\x00\x04\x00", 4), MSG_LED_OK, "");
    assert_hw_reply(call(f, "led", MSG_LED_SET_PIXEL, "\x02\x00\x10\x20\x30\x00", 6), MSG_LED_OK,
                    "");
    assert_hw_reply(call(f, "led", MSG_LED_SET_BRIGHTNESS, "\xff", 1), MSG_LED_OK, "");
    led_mock_fail(0, true); /* the next HAL call wedges the strip */
    assert_hw_reply(call(f, "led", MSG_LED_SHOW, NULL, 0), MSG_LED_ERROR, "hal fault");
    actor_id_t now = wait_restart(f, "/node/hardware/led", old);
    assert_false(actor_is_alive(f->rt, old));
    assert_int_equal(actor_lookup(f->rt, "led"), now);
    assert_int_equal(supervisor_get_child(f->rt, f->sup, 3), now);
    /* Re-applied: 4 LEDs on pin 8, the raw buffer shown again. */
    assert_true(led_mock_is_configured());
    assert_int_equal(led_mock_get_num_leds(), 4);
    assert_int_equal(led_mock_get_pin(), 8);
    uint8_t r, g, b;
    led_mock_get_shown_pixel(2, &r, &g, &b);
    assert_int_equal(r, 0x10);
    assert_int_equal(g, 0x20);
    assert_int_equal(b, 0x30);
    /* And it keeps serving at the path. */
    assert_hw_reply(call(f, "/node/hardware/led", MSG_LED_SET_PIXEL, "\x03\x00\x01\x01\x01\x00", 6),
                    MSG_LED_OK, "");
}

static void test_hw_pwm_fault_restarts_with_channel_and_duty(void **st)
{
    fx_t *f = *st;
    actor_id_t old = actor_lookup(f->rt, "/node/hardware/pwm");
    pwm_config_payload_t c = {.channel = 3, .pin = 18, .resolution = 10, .freq_hz = 5000};
    assert_hw_reply(call(f, "pwm", MSG_PWM_CONFIGURE, &c, sizeof c), MSG_PWM_OK, "");
    pwm_duty_payload_t d = {.channel = 3, .duty = 512};
    assert_hw_reply(call(f, "pwm", MSG_PWM_SET_DUTY, &d, sizeof d), MSG_PWM_OK, "");
    pwm_mock_fail(0, true);
    d.duty = 100;
    assert_hw_reply(call(f, "pwm", MSG_PWM_SET_DUTY, &d, sizeof d), MSG_PWM_ERROR,
                    "hal set duty failed");
    wait_restart(f, "/node/hardware/pwm", old);
    assert_true(pwm_mock_is_configured(3));
    assert_int_equal(pwm_mock_get_resolution(3), 10);
    assert_int_equal(pwm_mock_get_freq(3), 5000);
    assert_int_equal(pwm_mock_get_duty(3), 512); /* the last accepted duty */
}

static void test_hw_i2c_fault_restarts_with_port_clock(void **st)
{
    fx_t *f = *st;
    actor_id_t old = actor_lookup(f->rt, "/node/hardware/i2c");
    const uint8_t cfg[8] = {1, 21, 22, 0, 0x80, 0x1A, 0x06, 0x00}; /* 400000 Hz */
    assert_hw_reply(call(f, "i2c", MSG_I2C_CONFIGURE, cfg, 8), MSG_I2C_OK, "");
    i2c_mock_add_device(0x50);
    i2c_mock_fail(0, true);
    const uint8_t w[5] = {1, 0x50, 1, 0, 0};
    assert_hw_reply(call(f, "i2c", MSG_I2C_WRITE, w, 5), MSG_I2C_ERROR, "bus error");
    wait_restart(f, "/node/hardware/i2c", old);
    assert_int_equal(i2c_mock_port_freq(1), 400000);
    assert_hw_reply(call(f, "i2c", MSG_I2C_WRITE, w, 5), MSG_I2C_OK, "");
}

static void test_hw_gpio_fault_restarts_with_modes_and_subscriptions(void **st)
{
    fx_t *f = *st;
    actor_id_t old = actor_lookup(f->rt, "/node/hardware/gpio");
    const char *out = "pin=5\nmode=output", *in = "pin=6\nmode=input_pullup";
    assert_hw_reply(call(f, "gpio", MSG_GPIO_CONFIGURE, out, strlen(out)), MSG_GPIO_OK, "");
    assert_hw_reply(call(f, "gpio", MSG_GPIO_CONFIGURE, in, strlen(in)), MSG_GPIO_OK, "");
    assert_hw_reply(call(f, "gpio", MSG_GPIO_SUBSCRIBE, "pin=6", 5), MSG_GPIO_OK, "");
    gpio_mock_fail(0, true);
    assert_hw_reply(call(f, "gpio", MSG_GPIO_WRITE, "pin=5\nvalue=1", 13), MSG_GPIO_ERROR,
                    "write failed");
    actor_id_t now = wait_restart(f, "/node/hardware/gpio", old);
    hw_pump(f->rt, 5); /* its bootstrap: watch the new notification pipe */
    assert_int_equal(gpio_mock_get_mode(5), GPIO_MODE_OUTPUT);
    assert_int_equal(gpio_mock_get_mode(6), GPIO_MODE_INPUT_PULLUP);
    assert_true(gpio_mock_isr_enabled(6));
    gpio_mock_trigger_interrupt(6, 0);
    hw_wait(f->rt, 1);
    hw_reply_t ev = hw_take();
    assert_hw_reply(ev, MSG_GPIO_EVENT, "pin=6\nvalue=0\nedge=falling");
    assert_int_equal(ev.source, now);
    assert_hw_reply(call(f, "gpio", MSG_GPIO_WRITE, "pin=5\nvalue=1", 13), MSG_GPIO_OK, "");
}

static void test_hw_config_set_options(void **st)
{
    (void)st;
    hw_config_t c;
    hw_config_init(&c);
    assert_int_equal(c.backend, HW_BACKEND_MOCK);
    assert_true(hw_config_set(&c, "hw", "linux"));
    assert_int_equal(c.backend, HW_BACKEND_LINUX);
    assert_true(hw_config_set(&c, "hw", "none"));
    assert_int_equal(c.backend, HW_BACKEND_NONE);
    assert_false(hw_config_set(&c, "hw", "esp32"));
    assert_non_null(strstr(mk_last_error(), "'esp32' is not linux, mock or none"));
    assert_true(hw_config_set(&c, "i2c-bus", "3"));
    assert_int_equal(c.i2c_bus, 3);
    assert_false(hw_config_set(&c, "i2c-bus", "256"));
    assert_false(hw_config_set(&c, "pwm-chip", "-1"));
    assert_false(hw_config_set(&c, "pwm-chip", "2x"));
    assert_true(hw_config_set(&c, "pwm-chip", "2"));
    assert_int_equal(c.pwm_chip, 2);
    assert_true(hw_config_set(&c, "pwm-sysfs-root", "/tmp/x"));
    assert_string_equal(c.pwm_sysfs_root, "/tmp/x");
    assert_false(hw_config_set(&c, "led-spidev", ""));
    assert_false(hw_config_set(&c, "frobnicate", "1"));
    runtime_t *rt = hw_runtime();
    assert_int_equal(hw_start(rt, &c), ACTOR_ID_INVALID); /* backend none */
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hw_start_registers_paths_names_under_a_supervisor,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_hw_led_fault_restarts_and_shows_last_frame, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hw_pwm_fault_restarts_with_channel_and_duty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hw_i2c_fault_restarts_with_port_clock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hw_gpio_fault_restarts_with_modes_and_subscriptions,
                                        setup, teardown),
        cmocka_unit_test(test_hw_config_set_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
