/* test_midi_hw.c -- the MIDI actor as hw_start() runs it (issue 18 gaps):
 * a child of the hardware supervisor that a crash restarts at its path and
 * flat name with its configuration re-applied and its subscribers kept
 * (restarts logged at INFO); MIDI IN woken by the SC16IS752's IRQ line
 * (mock GPIO 43) through the GPIO actor's edge events with no timer at all
 * (a counting fake clock proves it); and the documented fallback poll,
 * logged, when the IRQ line cannot be requested. */
#include <poll.h>

#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/hal/mock/sc16is752_mock.h"
#include "hw/hw_test_util.h"
#include "hw/midi/midi_backend.h"
#include "hw/midi/midi_internal.h"
#include "microkernel/gpio.h"
#include "microkernel/hw.h"
#include "microkernel/midi.h"
#include "microkernel/supervision.h"

/* ---- a fake step clock that counts what is asked of it ----------------- */

static struct {
    unsigned starts, stops;
    uint64_t period_ms;
    timer_id_t id;
} g_clk;

static timer_id_t fake_start(void *ctx, runtime_t *rt, uint64_t period_ms)
{
    (void)ctx, (void)rt;
    g_clk.starts++;
    g_clk.period_ms = period_ms;
    return g_clk.id = 9000 + g_clk.starts;
}

static void fake_stop(void *ctx, runtime_t *rt, timer_id_t id)
{
    (void)ctx, (void)rt, (void)id;
    g_clk.stops++;
}

static const midi_clock_t k_fake = {NULL, fake_start, fake_stop};

/* ---- log capture ----------------------------------------------------------- */

static char g_log[8192];

static void log_sink(const char *line, void *ctx)
{
    (void)ctx;
    size_t used = strlen(g_log);
    snprintf(g_log + used, sizeof g_log - used, "%s\n", line);
}

typedef struct {
    runtime_t *rt;
    actor_id_t sup, midi, client;
} fx_t;

static const midi_config_payload_t k_cfg = {0, 0x48, 8, 9, 43, {0}, 400000};

static fx_t *fixture(bool with_hw)
{
    fx_t *f = calloc(1, sizeof *f);
    memset(&g_clk, 0, sizeof g_clk);
    g_log[0] = '\0';
    midi_set_clock(&k_fake);
    i2c_mock_remove_all();
    f->rt = hw_runtime();
    runtime_set_log_sink(f->rt, log_sink, NULL);
    runtime_set_log_level(f->rt, LOG_INFO);
    assert_true(midi_select_backend("mock"));
    if (with_hw) {
        hw_config_t cfg;
        hw_config_init(&cfg);
        f->sup = hw_start(f->rt, &cfg);
        if (f->sup == ACTOR_ID_INVALID)
            fail_msg("hw_start: %s", mk_last_error());
    } else {
        assert_int_not_equal(midi_actor_init(f->rt), ACTOR_ID_INVALID);
    }
    f->client = hw_client(f->rt);
    hw_pump(f->rt, 5);
    f->midi = actor_lookup(f->rt, MIDI_PATH);
    assert_int_not_equal(f->midi, ACTOR_ID_INVALID);
    return f;
}

static int teardown(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    midi_set_clock(NULL);
    sc16is752_mock_detach();
    i2c_mock_remove_all();
    const mk_gpio_hal_t *g = gpio_mock_hal();
    g->deinit(g->ctx);
    free(f);
    return 0;
}

static hw_reply_t call(fx_t *f, msg_type_t type, const void *p, size_t len)
{
    return hw_call(f->rt, f->client, actor_lookup(f->rt, MIDI_PATH), type, p, len);
}

static void configure_and_subscribe(fx_t *f)
{
    assert_hw_reply(call(f, MSG_MIDI_CONFIGURE, &k_cfg, sizeof k_cfg), MSG_MIDI_OK, "");
    midi_subscribe_payload_t sub = {MIDI_CHANNEL_ALL, MIDI_FILTER_ALL, {0}};
    assert_hw_reply(call(f, MSG_MIDI_SUBSCRIBE, &sub, sizeof sub), MSG_MIDI_OK, "");
    hw_pump(f->rt, 5); /* the GPIO actor's answer to our IRQ subscription */
}

/* The next message must be the event status/d1/d2. */
static void expect_event(fx_t *f, uint8_t status, uint8_t d1, uint8_t d2)
{
    hw_wait(f->rt, 1);
    hw_reply_t r = hw_take();
    assert_int_equal(r.type, MSG_MIDI_EVENT);
    assert_int_equal(r.len, 4);
    assert_int_equal((uint8_t)r.data[0], status);
    assert_int_equal((uint8_t)r.data[1], d1);
    assert_int_equal((uint8_t)r.data[2], d2);
}

static void test_midi_is_a_supervised_child_of_hw_start(void **st)
{
    fx_t *f = *st = fixture(true);
    assert_int_equal(actor_lookup(f->rt, "midi"), f->midi);
    assert_int_equal(supervisor_get_child(f->rt, f->sup, 4), f->midi);
    supervisor_info_t si;
    supervisor_child_info_t ci[5];
    assert_true(supervisor_info(f->rt, f->sup, &si, ci, 5));
    assert_int_equal(si.n_children, 5);
    assert_string_equal(ci[4].name, "midi");
    assert_int_equal(ci[4].restart_type, RESTART_PERMANENT);
}

static void test_midi_crash_restarts_configured_with_subscribers(void **st)
{
    fx_t *f = *st = fixture(true);
    configure_and_subscribe(f);
    sc16is752_mock_clear_writes();
    actor_id_t old = f->midi;
    mk_actor_exit(f->rt, old, EXIT_CRASHED);
    actor_id_t now = ACTOR_ID_INVALID;
    for (int t = 0; t < 200 && (now == ACTOR_ID_INVALID || now == old); t++) {
        hw_pump(f->rt, 1);
        now = actor_lookup(f->rt, MIDI_PATH);
    }
    assert_int_not_equal(now, old);
    assert_int_not_equal(now, ACTOR_ID_INVALID);
    assert_false(actor_is_alive(f->rt, old));
    assert_int_equal(actor_lookup(f->rt, "midi"), now);
    assert_int_equal(supervisor_get_child(f->rt, f->sup, 4), now);
    hw_pump(f->rt, 5); /* bootstrap: IRQ subscription again */
    /* Logged at INFO by the supervisor and by the actor's bring-up. */
    assert_non_null(strstr(g_log, "[INFO]"));
    assert_non_null(strstr(g_log, "restarted child 4 (midi)"));
    assert_non_null(strstr(g_log, "midi: start 2 of /node/hardware/midi: configuration "
                                  "re-applied, 1 subscriber(s) kept"));
    /* The chip was configured again: the 14 writes of compat §2.3. */
    sc16_mock_write_t w[64];
    assert_int_equal(sc16is752_mock_get_writes(w, 64), 14);
    /* It answers at its path, transmits, and the old subscriber still hears. */
    sc16is752_mock_clear_tx();
    midi_send_payload_t on = {0x90, 60, 100, 0};
    hw_reply_t r = call(f, MSG_MIDI_SEND, &on, sizeof on);
    assert_hw_reply(r, MSG_MIDI_OK, "");
    assert_int_equal(r.source, now);
    uint8_t tx[8];
    assert_int_equal(sc16is752_mock_get_tx(tx, sizeof tx), 3);
    assert_memory_equal(tx, "\x90\x3c\x64", 3);
    sc16is752_mock_inject_rx((const uint8_t *)"\xb0\x07\x7f", 3);
    expect_event(f, 0xB0, 7, 127);
    assert_int_equal(g_clk.starts, 0);
}

static void test_midi_unconfigured_crash_restarts_unconfigured(void **st)
{
    fx_t *f = *st = fixture(true);
    mk_actor_exit(f->rt, f->midi, EXIT_CRASHED);
    hw_pump(f->rt, 10);
    assert_int_not_equal(actor_lookup(f->rt, MIDI_PATH), f->midi);
    midi_send_payload_t on = {0x90, 60, 100, 0};
    assert_hw_reply(call(f, MSG_MIDI_SEND, &on, sizeof on), MSG_MIDI_ERROR, "not configured");
    assert_non_null(strstr(g_log, "midi: start 2 of /node/hardware/midi: unconfigured"));
}

/* Regression: under hw_start the GPIO actor owns the GPIO notification fd,
 * and the MIDI actor used to poll RXLVL every 10 ms. Now the IRQ pin's
 * falling edge, through the GPIO actor, wakes it: no timer is ever asked
 * for, no poll tick handled, and the bytes still arrive, including a
 * stream longer than the 64-byte FIFO (one edge per FIFO load). */
static void test_midi_in_is_woken_by_the_irq_line_without_timers(void **st)
{
    fx_t *f = *st = fixture(true);
    uint64_t polls = midi_poll_count();
    configure_and_subscribe(f);
    assert_true(gpio_mock_isr_enabled(43));
    assert_int_equal(hw_pending(), 0);
    sc16is752_mock_inject_rx((const uint8_t *)"\x90\x3c\x64", 3);
    expect_event(f, 0x90, 60, 100);
    uint8_t burst[120];
    for (int i = 0; i < 40; i++)
        memcpy(burst + 3 * i, (const uint8_t[]){0x90, (uint8_t)(20 + i), 1}, 3);
    assert_int_equal(sc16is752_mock_inject_rx(burst, sizeof burst), sizeof burst);
    for (int i = 0; i < 40; i++)
        expect_event(f, 0x90, (uint8_t)(20 + i), 1);
    unsigned largest = 0;
    assert_true(sc16is752_mock_rx_bursts(&largest) >= 3);
    assert_true(largest <= 64);
    assert_int_equal(g_clk.starts, 0); /* no periodic poll was started */
    assert_int_equal(midi_poll_count(), polls);
    assert_null(strstr(g_log, "polling"));
}

/* The GPIO actor crashes and comes back with a new ID, keeping its
 * subscribers: the MIDI actor follows it and MIDI IN still arrives. */
static void test_midi_in_survives_a_gpio_actor_restart(void **st)
{
    fx_t *f = *st = fixture(true);
    configure_and_subscribe(f);
    actor_id_t old = actor_lookup(f->rt, "/node/hardware/gpio");
    mk_actor_exit(f->rt, old, EXIT_CRASHED);
    for (int t = 0; t < 200 && actor_lookup(f->rt, "/node/hardware/gpio") == old; t++)
        hw_pump(f->rt, 1);
    assert_int_not_equal(actor_lookup(f->rt, "/node/hardware/gpio"), old);
    hw_pump(f->rt, 5); /* its bootstrap: watch the new notification pipe */
    assert_true(gpio_mock_isr_enabled(43));
    sc16is752_mock_inject_rx((const uint8_t *)"\x80\x3c\x00", 3);
    expect_event(f, 0x80, 60, 0);
    sc16is752_mock_inject_rx((const uint8_t *)"\x90\x3d\x01", 3);
    expect_event(f, 0x90, 61, 1);
    assert_int_equal(g_clk.starts, 0);
}

/* The GPIO actor refuses the IRQ subscription (all 16 taken): the logged
 * fallback poll, and bytes arrive on its ticks. */
static void test_midi_polls_when_the_gpio_actor_refuses_the_irq(void **st)
{
    fx_t *f = *st = fixture(true);
    actor_id_t gpio = actor_lookup(f->rt, "/node/hardware/gpio");
    for (int pin = 0; pin < 16; pin++) {
        char text[16];
        snprintf(text, sizeof text, "pin=%d", pin);
        assert_hw_reply(hw_call_text(f->rt, f->client, gpio, MSG_GPIO_SUBSCRIBE, text), MSG_GPIO_OK,
                        "");
    }
    configure_and_subscribe(f);
    assert_non_null(strstr(g_log, "midi: IRQ line 43 cannot be requested (too many "
                                  "subscriptions); polling every 10 ms"));
    assert_int_equal(g_clk.starts, 1);
    sc16is752_mock_inject_rx((const uint8_t *)"\xe0\x00\x40", 3);
    hw_pump(f->rt, 10);
    /* Our own pins 0..15 are not wired to anything: no edge events. */
    assert_int_equal(hw_pending(), 0);
    timer_payload_t t = {g_clk.id, 1};
    assert_true(mk_send_from(f->rt, ACTOR_ID_INVALID, f->midi, MSG_TIMER, &t, sizeof t));
    expect_event(f, 0xE0, 0, 64);
}

/* The IRQ line cannot be requested (no GPIO actor, and its descriptor is
 * watched by another actor): the fallback poll, logged, on the step clock;
 * bytes arrive only on a poll tick. */
static bool squatter(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self, (void)state;
    if (msg->type == 77) {
        const mk_gpio_hal_t *g = gpio_mock_hal();
        assert_true(actor_watch_fd(rt, g->notify_fd(g->ctx), POLLIN));
    }
    return true;
}

static void test_midi_falls_back_to_a_logged_poll_without_irq(void **st)
{
    fx_t *f = *st = fixture(false);
    const mk_gpio_hal_t *g = gpio_mock_hal();
    assert_true(g->init(g->ctx));
    actor_id_t sq = actor_spawn(f->rt, squatter, NULL, NULL, 8);
    assert_true(mk_send_from(f->rt, ACTOR_ID_INVALID, sq, 77, NULL, 0));
    hw_pump(f->rt, 2);
    uint64_t polls = midi_poll_count();
    configure_and_subscribe(f);
    assert_non_null(strstr(g_log, "midi: IRQ line 43 cannot be requested"));
    assert_non_null(strstr(g_log, "polling every 10 ms"));
    assert_int_equal(g_clk.starts, 1);
    assert_int_equal(g_clk.period_ms, MIDI_POLL_MS);
    sc16is752_mock_inject_rx((const uint8_t *)"\xc0\x05", 2);
    hw_assert_silent(f->rt); /* no tick, no receive */
    timer_payload_t t = {g_clk.id, 1};
    assert_true(mk_send_from(f->rt, ACTOR_ID_INVALID, f->midi, MSG_TIMER, &t, sizeof t));
    expect_event(f, 0xC0, 5, 0);
    assert_int_equal(midi_poll_count(), polls + 1);
    /* Reconfiguring stops the old poll before starting a new one. */
    assert_hw_reply(call(f, MSG_MIDI_CONFIGURE, &k_cfg, sizeof k_cfg), MSG_MIDI_OK, "");
    assert_int_equal(g_clk.stops, 1);
    assert_int_equal(g_clk.starts, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_midi_is_a_supervised_child_of_hw_start, teardown),
        cmocka_unit_test_teardown(test_midi_crash_restarts_configured_with_subscribers, teardown),
        cmocka_unit_test_teardown(test_midi_unconfigured_crash_restarts_unconfigured, teardown),
        cmocka_unit_test_teardown(test_midi_in_is_woken_by_the_irq_line_without_timers, teardown),
        cmocka_unit_test_teardown(test_midi_in_survives_a_gpio_actor_restart, teardown),
        cmocka_unit_test_teardown(test_midi_polls_when_the_gpio_actor_refuses_the_irq, teardown),
        cmocka_unit_test_teardown(test_midi_falls_back_to_a_logged_poll_without_irq, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
