/* test_pwm.c -- the PWM actor (src/hw/pwm.c) on the mock HAL: configure
 * and duty at resolutions 8, 10, 12 and 14 bits, read back from the mock,
 * and every error reply of compat hardware.md §3. */
#include "hw/hal/pwm_hal.h"
#include "hw_test_util.h"
#include "microkernel/pwm.h"

typedef struct {
    runtime_t *rt;
    actor_id_t pwm, client;
} fx_t;

static int setup(void **st)
{
    fx_t *f = calloc(1, sizeof *f);
    f->rt = hw_runtime();
    f->pwm = pwm_actor_init(f->rt);
    assert_int_not_equal(f->pwm, ACTOR_ID_INVALID);
    f->client = hw_client(f->rt);
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    pwm_mock_fail(0, false);
    free(f);
    return 0;
}

static hw_reply_t configure(fx_t *f, uint8_t ch, uint8_t pin, uint8_t res, uint32_t hz)
{
    pwm_config_payload_t c = {.channel = ch, .pin = pin, .resolution = res, .freq_hz = hz};
    return hw_call(f->rt, f->client, f->pwm, MSG_PWM_CONFIGURE, &c, sizeof c);
}

static hw_reply_t duty(fx_t *f, uint8_t ch, uint32_t d)
{
    pwm_duty_payload_t p = {.channel = ch, .duty = d};
    return hw_call(f->rt, f->client, f->pwm, MSG_PWM_SET_DUTY, &p, sizeof p);
}

static void test_pwm_layout_and_path(void **st)
{
    fx_t *f = *st;
    assert_int_equal(sizeof(pwm_config_payload_t), 8);
    assert_int_equal(sizeof(pwm_duty_payload_t), 8);
    assert_int_equal(actor_lookup(f->rt, "/node/hardware/pwm"), f->pwm);
    /* The wire bytes of a CONFIGURE: channel 2, pin 18, 10 bits, 5000 Hz. */
    const uint8_t raw[8] = {2, 18, 10, 0, 0x88, 0x13, 0, 0};
    assert_hw_reply(hw_call(f->rt, f->client, f->pwm, MSG_PWM_CONFIGURE, raw, 8), MSG_PWM_OK, "");
    assert_int_equal(pwm_mock_get_freq(2), 5000);
    assert_int_equal(pwm_mock_get_pin(2), 18);
    assert_int_equal(pwm_mock_get_resolution(2), 10);
}

static void test_pwm_resolutions_8_10_12_14_bits(void **st)
{
    fx_t *f = *st;
    const int res[] = {8, 10, 12, 14};
    for (int i = 0; i < 4; i++) {
        uint32_t max = (1u << res[i]) - 1;
        assert_hw_reply(configure(f, (uint8_t)i, (uint8_t)(10 + i), (uint8_t)res[i], 5000),
                        MSG_PWM_OK, "");
        assert_true(pwm_mock_is_configured(i));
        assert_int_equal(pwm_mock_get_resolution(i), res[i]);
        assert_int_equal(pwm_mock_get_duty(i), 0);
        assert_hw_reply(duty(f, (uint8_t)i, max / 2), MSG_PWM_OK, "");
        assert_int_equal(pwm_mock_get_duty(i), max / 2);
        assert_hw_reply(duty(f, (uint8_t)i, max), MSG_PWM_OK, "");
        assert_int_equal(pwm_mock_get_duty(i), max);
        /* One past full scale: the HAL refuses, the old duty stays. */
        assert_hw_reply(duty(f, (uint8_t)i, max + 1), MSG_PWM_ERROR, "hal set duty failed");
        assert_int_equal(pwm_mock_get_duty(i), max);
    }
}

static void test_pwm_reconfigure_resets_duty(void **st)
{
    fx_t *f = *st;
    configure(f, 5, 4, 8, 1000);
    duty(f, 5, 200);
    assert_hw_reply(configure(f, 5, 4, 12, 2000), MSG_PWM_OK, "");
    assert_int_equal(pwm_mock_get_duty(5), 0);
    assert_int_equal(pwm_mock_get_freq(5), 2000);
}

static void test_pwm_errors(void **st)
{
    fx_t *f = *st;
    const uint8_t raw[8] = {0};
    assert_hw_reply(hw_call(f->rt, f->client, f->pwm, MSG_PWM_CONFIGURE, raw, 7), MSG_PWM_ERROR,
                    "payload too small");
    assert_hw_reply(hw_call(f->rt, f->client, f->pwm, MSG_PWM_SET_DUTY, raw, 0), MSG_PWM_ERROR,
                    "payload too small");
    assert_hw_reply(configure(f, 6, 1, 8, 5000), MSG_PWM_ERROR, "invalid channel");
    assert_hw_reply(duty(f, 200, 1), MSG_PWM_ERROR, "invalid channel");
    assert_hw_reply(duty(f, 1, 1), MSG_PWM_ERROR, "not configured");
    /* The actor does not check resolution or frequency; the HAL does. */
    assert_hw_reply(configure(f, 1, 1, 0, 5000), MSG_PWM_ERROR, "hal configure failed");
    assert_hw_reply(configure(f, 1, 1, 17, 5000), MSG_PWM_ERROR, "hal configure failed");
    assert_hw_reply(configure(f, 1, 1, 8, 0), MSG_PWM_ERROR, "hal configure failed");
    assert_hw_reply(duty(f, 1, 1), MSG_PWM_ERROR, "not configured");
    configure(f, 1, 1, 8, 5000);
    pwm_mock_fail(1, false);
    assert_hw_reply(duty(f, 1, 1), MSG_PWM_ERROR, "hal set duty failed");
    pwm_mock_fail(1, false);
    assert_hw_reply(configure(f, 1, 1, 8, 5000), MSG_PWM_ERROR, "hal configure failed");
    /* Unknown types: no reply. */
    assert_true(mk_send_from(f->rt, f->client, f->pwm, MSG_PWM_OK, raw, 8));
    hw_assert_silent(f->rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pwm_layout_and_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pwm_resolutions_8_10_12_14_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pwm_reconfigure_resets_duty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pwm_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
