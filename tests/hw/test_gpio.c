/* test_gpio.c -- the GPIO actor (src/hw/gpio.c) on the mock HAL: every
 * request and error reply of compat hardware.md §1, edge events to several
 * subscribers with edge filters, removal of dead subscribers, and
 * subscriptions dropped when a pin becomes an output. */
#include "hw/hal/gpio_hal.h"
#include "hw_test_util.h"
#include "microkernel/gpio.h"

typedef struct {
    runtime_t *rt;
    actor_id_t gpio, client;
} fx_t;

static int setup(void **st)
{
    fx_t *f = calloc(1, sizeof *f);
    f->rt = hw_runtime();
    f->gpio = gpio_actor_init(f->rt);
    assert_int_not_equal(f->gpio, ACTOR_ID_INVALID);
    f->client = hw_client(f->rt);
    hw_pump(f->rt, 2); /* bootstrap: the actor watches the mock's pipe */
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    gpio_mock_fail(0, false);
    free(f);
    return 0;
}

static hw_reply_t call(fx_t *f, msg_type_t type, const char *text)
{
    return hw_call_text(f->rt, f->client, f->gpio, type, text);
}

static void test_gpio_registers_its_path(void **st)
{
    fx_t *f = *st;
    assert_int_equal(actor_lookup(f->rt, "/node/hardware/gpio"), f->gpio);
}

static void test_gpio_configure_every_mode_and_invalid_mode(void **st)
{
    fx_t *f = *st;
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=2\nmode=input"), MSG_GPIO_OK, "");
    assert_int_equal(gpio_mock_get_mode(2), GPIO_MODE_INPUT);
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=3\nmode=output"), MSG_GPIO_OK, "");
    assert_int_equal(gpio_mock_get_mode(3), GPIO_MODE_OUTPUT);
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=4\nmode=input_pullup"), MSG_GPIO_OK, "");
    assert_int_equal(gpio_mock_get_mode(4), GPIO_MODE_INPUT_PULLUP);
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=5\nmode=input_pulldown"), MSG_GPIO_OK, "");
    assert_int_equal(gpio_mock_get_mode(5), GPIO_MODE_INPUT_PULLDOWN);
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=6\nmode=sideways"), MSG_GPIO_ERROR,
                    "invalid mode");
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=6"), MSG_GPIO_ERROR, "invalid mode");
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, ""), MSG_GPIO_ERROR, "invalid mode");
    /* A missing pin is pin 0. */
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "mode=output"), MSG_GPIO_OK, "");
    assert_int_equal(gpio_mock_get_mode(0), GPIO_MODE_OUTPUT);
}

static void test_gpio_pullup_reads_high_pulldown_low(void **st)
{
    fx_t *f = *st;
    call(f, MSG_GPIO_CONFIGURE, "pin=4\nmode=input_pullup");
    assert_hw_reply(call(f, MSG_GPIO_READ, "pin=4"), MSG_GPIO_VALUE, "pin=4\nvalue=1");
    call(f, MSG_GPIO_CONFIGURE, "pin=4\nmode=input_pulldown");
    assert_hw_reply(call(f, MSG_GPIO_READ, "pin=4"), MSG_GPIO_VALUE, "pin=4\nvalue=0");
    gpio_mock_set_value(4, 1); /* driven externally */
    assert_hw_reply(call(f, MSG_GPIO_READ, "pin=4"), MSG_GPIO_VALUE, "pin=4\nvalue=1");
}

static void test_gpio_too_many_pins_after_16_slots(void **st)
{
    fx_t *f = *st;
    char text[32];
    for (int p = 0; p < GPIO_MAX_PINS; p++) {
        snprintf(text, sizeof text, "pin=%d\nmode=input", p + 10);
        assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, text), MSG_GPIO_OK, "");
    }
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=40\nmode=input"), MSG_GPIO_ERROR,
                    "too many pins");
    /* A pin that has a slot can still be reconfigured. */
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=10\nmode=output"), MSG_GPIO_OK, "");
}

static void test_gpio_hal_configure_failed_keeps_the_slot(void **st)
{
    fx_t *f = *st;
    /* The mock has pins 0..63: pin 64 takes a slot and fails in the HAL. */
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=64\nmode=input"), MSG_GPIO_ERROR,
                    "hal configure failed");
    char text[32];
    for (int p = 0; p < GPIO_MAX_PINS - 1; p++) {
        snprintf(text, sizeof text, "pin=%d\nmode=input", p + 10);
        assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, text), MSG_GPIO_OK, "");
    }
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=40\nmode=input"), MSG_GPIO_ERROR,
                    "too many pins");
    /* An injected (non-fault) failure gives the same reply. */
    gpio_mock_fail(1, false);
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=10\nmode=input"), MSG_GPIO_ERROR,
                    "hal configure failed");
}

static void test_gpio_write_and_read_back(void **st)
{
    fx_t *f = *st;
    call(f, MSG_GPIO_CONFIGURE, "pin=7\nmode=output");
    assert_hw_reply(call(f, MSG_GPIO_WRITE, "pin=7\nvalue=1"), MSG_GPIO_OK, "");
    assert_hw_reply(call(f, MSG_GPIO_READ, "pin=7"), MSG_GPIO_VALUE, "pin=7\nvalue=1");
    assert_hw_reply(call(f, MSG_GPIO_WRITE, "pin=7\nvalue=0"), MSG_GPIO_OK, "");
    assert_hw_reply(call(f, MSG_GPIO_READ, "pin=7"), MSG_GPIO_VALUE, "pin=7\nvalue=0");
    /* Any non-zero value is high. */
    assert_hw_reply(call(f, MSG_GPIO_WRITE, "pin=7\nvalue=5"), MSG_GPIO_OK, "");
    assert_hw_reply(call(f, MSG_GPIO_READ, "pin=7"), MSG_GPIO_VALUE, "pin=7\nvalue=1");
}

static void test_gpio_write_failed_on_input_or_unconfigured(void **st)
{
    fx_t *f = *st;
    call(f, MSG_GPIO_CONFIGURE, "pin=8\nmode=input");
    assert_hw_reply(call(f, MSG_GPIO_WRITE, "pin=8\nvalue=1"), MSG_GPIO_ERROR, "write failed");
    assert_hw_reply(call(f, MSG_GPIO_WRITE, "pin=9\nvalue=1"), MSG_GPIO_ERROR, "write failed");
    assert_hw_reply(call(f, MSG_GPIO_WRITE, "pin=-1\nvalue=1"), MSG_GPIO_ERROR, "write failed");
}

static void test_gpio_read_failed_out_of_range(void **st)
{
    fx_t *f = *st;
    assert_hw_reply(call(f, MSG_GPIO_READ, "pin=99"), MSG_GPIO_ERROR, "read failed");
    /* Pin numbers are read from at most 7 characters, like atoi. */
    assert_hw_reply(call(f, MSG_GPIO_READ, "pin=12345678"), MSG_GPIO_ERROR, "read failed");
    assert_hw_reply(call(f, MSG_GPIO_READ, "pin=0000005"), MSG_GPIO_VALUE, "pin=5\nvalue=0");
    /* Unconfigured pins in range read fine. */
    assert_hw_reply(call(f, MSG_GPIO_READ, "pin=30"), MSG_GPIO_VALUE, "pin=30\nvalue=0");
}

/* A second collector: events for another subscriber. */
static hw_replies_t g_other;
static bool other_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)state;
    hw_reply_t *r = &g_other.r[g_other.tail++ % HW_REPLIES];
    r->type = msg->type;
    r->len = msg->payload_size;
    if (msg->payload_size)
        memcpy(r->data, msg->payload, msg->payload_size);
    r->data[r->len] = '\0';
    return true;
}

static void test_gpio_events_reach_several_subscribers_with_filters(void **st)
{
    fx_t *f = *st;
    memset(&g_other, 0, sizeof g_other);
    actor_id_t other = actor_spawn(f->rt, other_behavior, NULL, NULL, 64);
    call(f, MSG_GPIO_CONFIGURE, "pin=12\nmode=input");
    /* The client wants rising edges only, the other actor both (default). */
    assert_hw_reply(call(f, MSG_GPIO_SUBSCRIBE, "pin=12\nedge=rising"), MSG_GPIO_OK, "");
    assert_true(mk_send_from(f->rt, other, f->gpio, MSG_GPIO_SUBSCRIBE, "pin=12", 6));
    hw_pump(f->rt, 5);
    assert_int_equal(g_other.tail, 1); /* its OK */
    assert_int_equal(g_other.r[0].type, MSG_GPIO_OK);
    assert_true(gpio_mock_isr_enabled(12));

    gpio_mock_trigger_interrupt(12, 1);
    hw_wait(f->rt, 1);
    assert_hw_reply(hw_take(), MSG_GPIO_EVENT, "pin=12\nvalue=1\nedge=rising");
    hw_pump(f->rt, 5);
    assert_int_equal(g_other.tail, 2);
    assert_string_equal(g_other.r[1].data, "pin=12\nvalue=1\nedge=rising");

    gpio_mock_trigger_interrupt(12, 0); /* falling: only the other actor */
    hw_pump(f->rt, 10);
    assert_int_equal(g_other.tail, 3);
    assert_string_equal(g_other.r[2].data, "pin=12\nvalue=0\nedge=falling");
    hw_assert_silent(f->rt);

    /* Same subscriber + pin updates the filter: now falling only. */
    assert_hw_reply(call(f, MSG_GPIO_SUBSCRIBE, "pin=12\nedge=falling"), MSG_GPIO_OK, "");
    gpio_mock_trigger_interrupt(12, 1);
    hw_pump(f->rt, 10);
    hw_assert_silent(f->rt);
    gpio_mock_trigger_interrupt(12, 0);
    hw_wait(f->rt, 1);
    assert_hw_reply(hw_take(), MSG_GPIO_EVENT, "pin=12\nvalue=0\nedge=falling");
    /* An unknown edge name means both. */
    assert_hw_reply(call(f, MSG_GPIO_SUBSCRIBE, "pin=12\nedge=sideways"), MSG_GPIO_OK, "");
    gpio_mock_trigger_interrupt(12, 1);
    hw_wait(f->rt, 1);
    assert_hw_reply(hw_take(), MSG_GPIO_EVENT, "pin=12\nvalue=1\nedge=rising");
}

static void test_gpio_unsubscribe_stops_events_and_removes_the_interrupt(void **st)
{
    fx_t *f = *st;
    call(f, MSG_GPIO_CONFIGURE, "pin=13\nmode=input");
    call(f, MSG_GPIO_SUBSCRIBE, "pin=13");
    assert_true(gpio_mock_isr_enabled(13));
    assert_hw_reply(call(f, MSG_GPIO_UNSUBSCRIBE, "pin=13"), MSG_GPIO_OK, "");
    assert_false(gpio_mock_isr_enabled(13));
    gpio_mock_trigger_interrupt(13, 1);
    hw_assert_silent(f->rt);
    /* Unsubscribing without a subscription is OK too. */
    assert_hw_reply(call(f, MSG_GPIO_UNSUBSCRIBE, "pin=13"), MSG_GPIO_OK, "");
}

static void test_gpio_dead_subscriber_is_removed(void **st)
{
    fx_t *f = *st;
    memset(&g_other, 0, sizeof g_other);
    actor_id_t other = actor_spawn(f->rt, other_behavior, NULL, NULL, 64);
    assert_true(mk_send_from(f->rt, other, f->gpio, MSG_GPIO_SUBSCRIBE, "pin=14", 6));
    hw_pump(f->rt, 5);
    actor_stop(f->rt, other);
    hw_pump(f->rt, 2);
    assert_true(gpio_mock_isr_enabled(14));
    gpio_mock_trigger_interrupt(14, 1); /* delivery fails: the subscription goes */
    hw_pump(f->rt, 10);
    assert_false(gpio_mock_isr_enabled(14));
    /* Its slot is free again: 16 new subscriptions fit. */
    char text[16];
    for (int p = 0; p < GPIO_MAX_SUBSCRIPTIONS; p++) {
        snprintf(text, sizeof text, "pin=%d", 20 + p);
        assert_hw_reply(call(f, MSG_GPIO_SUBSCRIBE, text), MSG_GPIO_OK, "");
    }
}

static void test_gpio_too_many_subscriptions(void **st)
{
    fx_t *f = *st;
    char text[16];
    for (int p = 0; p < GPIO_MAX_SUBSCRIPTIONS; p++) {
        snprintf(text, sizeof text, "pin=%d", p);
        assert_hw_reply(call(f, MSG_GPIO_SUBSCRIBE, text), MSG_GPIO_OK, "");
    }
    assert_hw_reply(call(f, MSG_GPIO_SUBSCRIBE, "pin=40"), MSG_GPIO_ERROR,
                    "too many subscriptions");
    /* Updating an existing one still works when full. */
    assert_hw_reply(call(f, MSG_GPIO_SUBSCRIBE, "pin=3\nedge=rising"), MSG_GPIO_OK, "");
}

static void test_gpio_output_mode_drops_subscriptions(void **st)
{
    fx_t *f = *st;
    call(f, MSG_GPIO_CONFIGURE, "pin=15\nmode=input");
    call(f, MSG_GPIO_SUBSCRIBE, "pin=15");
    assert_true(gpio_mock_isr_enabled(15));
    assert_hw_reply(call(f, MSG_GPIO_CONFIGURE, "pin=15\nmode=output"), MSG_GPIO_OK, "");
    assert_false(gpio_mock_isr_enabled(15));
    call(f, MSG_GPIO_CONFIGURE, "pin=15\nmode=input");
    gpio_mock_trigger_interrupt(15, 1);
    hw_assert_silent(f->rt);
}

static void test_gpio_ignores_unknown_types_and_answers_garbage(void **st)
{
    fx_t *f = *st;
    assert_true(mk_send_from(f->rt, f->client, f->gpio, 0xFF000025u, "pin=1", 5));
    assert_true(mk_send_from(f->rt, f->client, f->gpio, 12345, "x", 1));
    assert_true(mk_send_from(f->rt, f->client, f->gpio, 1u, NULL, 0));
    hw_assert_silent(f->rt);
    const uint8_t junk[] = {0xFF, 0x00, '\n', '=', 'p', 'i', 'n', '=', 0x80};
    hw_reply_t r = hw_call(f->rt, f->client, f->gpio, MSG_GPIO_READ, junk, sizeof junk);
    assert_int_equal(r.type, MSG_GPIO_VALUE); /* no pin= line start: pin 0 */
    assert_hw_reply(r, MSG_GPIO_VALUE, "pin=0\nvalue=0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gpio_registers_its_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpio_configure_every_mode_and_invalid_mode, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gpio_pullup_reads_high_pulldown_low, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpio_too_many_pins_after_16_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpio_hal_configure_failed_keeps_the_slot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gpio_write_and_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpio_write_failed_on_input_or_unconfigured, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gpio_read_failed_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpio_events_reach_several_subscribers_with_filters,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_gpio_unsubscribe_stops_events_and_removes_the_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpio_dead_subscriber_is_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpio_too_many_subscriptions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpio_output_mode_drops_subscriptions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpio_ignores_unknown_types_and_answers_garbage, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
