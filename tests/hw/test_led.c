/* test_led.c -- the LED strip actor (src/hw/led.c) on the mock strip:
 * the seed's shell example bytes, batch semantics (SET_PIXEL does not
 * flush; SET_ALL and CLEAR do), brightness scaling, and every error reply
 * of compat hardware.md §4 in the original's check order. */
#include "hw/hal/led_hal.h"
#include "hw_test_util.h"
#include "microkernel/led.h"

typedef struct {
    runtime_t *rt;
    actor_id_t led, client;
} fx_t;

static int setup(void **st)
{
    fx_t *f = calloc(1, sizeof *f);
    f->rt = hw_runtime();
    f->led = led_actor_init(f->rt);
    assert_int_not_equal(f->led, ACTOR_ID_INVALID);
    f->client = hw_client(f->rt);
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    led_mock_fail(0, false);
    free(f);
    return 0;
}

static hw_reply_t call(fx_t *f, msg_type_t type, const void *p, size_t len)
{
    return hw_call(f->rt, f->client, f->led, type, p, len);
}

static void shown(int i, uint8_t r, uint8_t g, uint8_t b)
{
    uint8_t R, G, B;
    led_mock_get_shown_pixel(i, &R, &G, &B);
    if (R != r || G != g || B != b)
        fail_msg("pixel %d shows %u,%u,%u; expected %u,%u,%u", i, R, G, B, r, g, b);
}

static void configure(fx_t *f, uint16_t n)
{
    led_config_payload_t c = {.pin = 8, .num_leds = n};
    assert_hw_reply(call(f, MSG_LED_CONFIGURE, &c, sizeof c), MSG_LED_OK, "");
}

static void test_led_seed_shell_example_bytes(void **st)
{
    fx_t *f = *st;
    assert_int_equal(sizeof(led_config_payload_t), 4);
    assert_int_equal(sizeof(led_pixel_payload_t), 6);
    assert_int_equal(sizeof(led_brightness_payload_t), 1);
    assert_int_equal(sizeof(led_all_payload_t), 2);
    assert_int_equal(actor_lookup(f->rt, "/node/hardware/led"), f->led);
    /* call led 4278190144 x:08000100 / 4278190145 x:0000ff000000 / 4278190149 */
    assert_int_equal(MSG_LED_CONFIGURE, 4278190144u);
    assert_hw_reply(call(f, 4278190144u, "\x08\x00\x01\x00", 4), MSG_LED_OK, "");
    assert_true(led_mock_is_configured());
    assert_int_equal(led_mock_get_num_leds(), 1);
    assert_int_equal(led_mock_get_pin(), 8);
    assert_hw_reply(call(f, 4278190145u, "\x00\x00\xff\x00\x00\x00", 6), MSG_LED_OK, "");
    shown(0, 0, 0, 0); /* not flushed yet */
    assert_int_equal(led_mock_get_show_count(), 0);
    hw_reply_t r = call(f, 4278190149u, NULL, 0);
    assert_int_equal(r.type, 4278190156u); /* MSG_LED_OK, as the seed's transcript */
    shown(0, 255, 0, 0);
    assert_int_equal(led_mock_get_show_count(), 1);
}

static void test_led_set_pixel_batches_until_show(void **st)
{
    fx_t *f = *st;
    configure(f, 3);
    led_pixel_payload_t p0 = {.index = 0, .r = 1, .g = 2, .b = 3};
    led_pixel_payload_t p2 = {.index = 2, .r = 7, .g = 8, .b = 9};
    call(f, MSG_LED_SET_PIXEL, &p0, sizeof p0);
    call(f, MSG_LED_SET_PIXEL, &p2, sizeof p2);
    assert_int_equal(led_mock_get_show_count(), 0);
    shown(0, 0, 0, 0);
    assert_hw_reply(call(f, MSG_LED_SHOW, NULL, 0), MSG_LED_OK, "");
    shown(0, 1, 2, 3);
    shown(1, 0, 0, 0);
    shown(2, 7, 8, 9);
    assert_int_equal(led_mock_get_show_count(), 1);
}

static void test_led_set_all_flushes_first_n(void **st)
{
    fx_t *f = *st;
    configure(f, 4);
    led_pixel_payload_t p3 = {.index = 3, .r = 50, .g = 60, .b = 70};
    call(f, MSG_LED_SET_PIXEL, &p3, sizeof p3);
    const uint8_t all[2 + 6] = {2, 0, 10, 20, 30, 40, 50, 60};
    assert_hw_reply(call(f, MSG_LED_SET_ALL, all, sizeof all), MSG_LED_OK, "");
    assert_int_equal(led_mock_get_show_count(), 1);
    shown(0, 10, 20, 30);
    shown(1, 40, 50, 60);
    shown(2, 0, 0, 0);
    shown(3, 50, 60, 70); /* unchanged pixels keep their raw colour */
    /* Extra bytes after 2 + 3N are ignored. */
    const uint8_t more[2 + 3 + 2] = {1, 0, 9, 9, 9, 0xEE, 0xEE};
    assert_hw_reply(call(f, MSG_LED_SET_ALL, more, sizeof more), MSG_LED_OK, "");
    shown(0, 9, 9, 9);
}

static void test_led_clear_blanks_and_refreshes(void **st)
{
    fx_t *f = *st;
    configure(f, 2);
    const uint8_t all[2 + 6] = {2, 0, 1, 1, 1, 2, 2, 2};
    call(f, MSG_LED_SET_ALL, all, sizeof all);
    assert_hw_reply(call(f, MSG_LED_CLEAR, NULL, 0), MSG_LED_OK, "");
    assert_int_equal(led_mock_get_show_count(), 2);
    shown(0, 0, 0, 0);
    shown(1, 0, 0, 0);
    /* The raw buffer is zero too: SHOW keeps them black. */
    call(f, MSG_LED_SHOW, NULL, 0);
    shown(1, 0, 0, 0);
}

static void test_led_brightness_scales_on_flush_only(void **st)
{
    fx_t *f = *st;
    configure(f, 1);
    led_pixel_payload_t p = {.index = 0, .r = 255, .g = 100, .b = 1};
    call(f, MSG_LED_SET_PIXEL, &p, sizeof p);
    const uint8_t half = 128;
    assert_hw_reply(call(f, MSG_LED_SET_BRIGHTNESS, &half, 1), MSG_LED_OK, "");
    assert_int_equal(led_mock_get_show_count(), 0); /* no flush */
    call(f, MSG_LED_SHOW, NULL, 0);
    /* raw * 128 / 255, rounded down: 128, 50, 0 */
    shown(0, 128, 50, 0);
    const uint8_t zero = 0;
    call(f, MSG_LED_SET_BRIGHTNESS, &zero, 1);
    call(f, MSG_LED_SHOW, NULL, 0);
    shown(0, 0, 0, 0);
    /* Reconfiguring resets brightness to 255 and the buffer to black. */
    configure(f, 1);
    call(f, MSG_LED_SET_PIXEL, &p, sizeof p);
    call(f, MSG_LED_SHOW, NULL, 0);
    shown(0, 255, 100, 1);
}

static void test_led_errors_in_check_order(void **st)
{
    fx_t *f = *st;
    /* Before CONFIGURE every other request is "not configured", even when
     * its payload is also too small. */
    assert_hw_reply(call(f, MSG_LED_SET_PIXEL, "\x00", 1), MSG_LED_ERROR, "not configured");
    assert_hw_reply(call(f, MSG_LED_SET_ALL, NULL, 0), MSG_LED_ERROR, "not configured");
    assert_hw_reply(call(f, MSG_LED_SET_BRIGHTNESS, NULL, 0), MSG_LED_ERROR, "not configured");
    assert_hw_reply(call(f, MSG_LED_CLEAR, NULL, 0), MSG_LED_ERROR, "not configured");
    assert_hw_reply(call(f, MSG_LED_SHOW, NULL, 0), MSG_LED_ERROR, "not configured");
    assert_hw_reply(call(f, MSG_LED_CONFIGURE, "\x08\x00\x01", 3), MSG_LED_ERROR,
                    "payload too small");
    assert_hw_reply(call(f, MSG_LED_CONFIGURE, "\x08\x00\x00\x00", 4), MSG_LED_ERROR,
                    "invalid num_leds");
    assert_hw_reply(call(f, MSG_LED_CONFIGURE, "\x08\x00\x01\x01", 4), MSG_LED_ERROR,
                    "invalid num_leds");                                                /* 257 */
    assert_hw_reply(call(f, MSG_LED_CONFIGURE, "\x08\x00\x00\x01", 4), MSG_LED_OK, ""); /* 256 */
    led_mock_fail(1, false);
    assert_hw_reply(call(f, MSG_LED_CONFIGURE, "\x08\x00\x02\x00", 4), MSG_LED_ERROR,
                    "hal configure failed");
    assert_hw_reply(call(f, MSG_LED_SHOW, NULL, 0), MSG_LED_ERROR, "not configured");
    configure(f, 2);
    assert_hw_reply(call(f, MSG_LED_SET_PIXEL, "\x00\x00\x01\x02\x03", 5), MSG_LED_ERROR,
                    "payload too small");
    assert_hw_reply(call(f, MSG_LED_SET_PIXEL, "\x02\x00\x01\x02\x03\x00", 6), MSG_LED_ERROR,
                    "invalid index");
    assert_hw_reply(call(f, MSG_LED_SET_ALL, "\x01", 1), MSG_LED_ERROR, "payload too small");
    assert_hw_reply(call(f, MSG_LED_SET_ALL, "\x01\x00\x01\x02", 4), MSG_LED_ERROR,
                    "payload size mismatch");
    const uint8_t three[2 + 9] = {3, 0};
    assert_hw_reply(call(f, MSG_LED_SET_ALL, three, sizeof three), MSG_LED_ERROR,
                    "payload size mismatch"); /* more than configured */
    assert_hw_reply(call(f, MSG_LED_SET_BRIGHTNESS, NULL, 0), MSG_LED_ERROR, "payload too small");
    assert_true(mk_send_from(f->rt, f->client, f->led, 0xFF000046u, NULL, 0));
    assert_true(mk_send_from(f->rt, f->client, f->led, MSG_LED_OK, NULL, 0));
    hw_assert_silent(f->rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_led_seed_shell_example_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_led_set_pixel_batches_until_show, setup, teardown),
        cmocka_unit_test_setup_teardown(test_led_set_all_flushes_first_n, setup, teardown),
        cmocka_unit_test_setup_teardown(test_led_clear_blanks_and_refreshes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_led_brightness_scales_on_flush_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_led_errors_in_check_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
