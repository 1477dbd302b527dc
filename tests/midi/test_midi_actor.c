/* test_midi_actor.c -- the MIDI actor (src/hw/midi/midi_actor.c) through
 * the simulated SC16IS752 (src/hw/hal/mock/sc16is752_mock.c): the exact
 * register writes for 31250 baud, the exact bytes transmitted for channel
 * messages and SysEx, interrupt-driven receive (at most 64 bytes per IRQ
 * edge), subscriber filters, unsubscribe, dead subscribers, and every
 * error reply of ../shared/compat/midi.md §1.4. */
#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/hal/mock/sc16is752_mock.h"
#include "hw/hw_test_util.h"
#include "hw/midi/midi_backend.h"
#include "hw/midi/midi_internal.h"
#include "microkernel/midi.h"

typedef struct {
    runtime_t *rt;
    actor_id_t midi, client;
} fx_t;

static int setup(void **st)
{
    fx_t *f = calloc(1, sizeof *f);
    f->rt = hw_runtime();
    i2c_mock_remove_all();
    assert_true(midi_select_backend("mock"));
    f->midi = midi_actor_init(f->rt);
    assert_int_not_equal(f->midi, ACTOR_ID_INVALID);
    f->client = hw_client(f->rt);
    hw_pump(f->rt, 2);
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    sc16is752_mock_detach();
    i2c_mock_remove_all();
    const mk_gpio_hal_t *g = gpio_mock_hal();
    g->deinit(g->ctx);
    free(f);
    return 0;
}

static hw_reply_t call(fx_t *f, msg_type_t type, const void *p, size_t len)
{
    return hw_call(f->rt, f->client, f->midi, type, p, len);
}

static const midi_config_payload_t k_cfg = {0, 0x48, 8, 9, 43, {0}, 400000};

static void configure(fx_t *f)
{
    assert_hw_reply(call(f, MSG_MIDI_CONFIGURE, &k_cfg, sizeof k_cfg), MSG_MIDI_OK, "");
}

static void test_payload_sizes_match_compat(void **st)
{
    (void)st;
    assert_int_equal(sizeof(midi_config_payload_t), 12);
    assert_int_equal(sizeof(midi_send_payload_t), 4);
    assert_int_equal(sizeof(midi_sysex_payload_t), 4);
    assert_int_equal(sizeof(midi_subscribe_payload_t), 4);
    assert_int_equal(sizeof(midi_event_payload_t), 4);
    assert_int_equal(sizeof(midi_sysex_event_payload_t), 4);
    assert_int_equal(offsetof(midi_config_payload_t, i2c_freq_hz), 8);
}

static void test_configure_writes_31250_baud_sequence(void **st)
{
    fx_t *f = *st;
    configure(f);
    sc16_mock_write_t w[64];
    size_t n = sc16is752_mock_get_writes(w, 64);
    /* Per channel, A then B (compat §2.3): FCR 07, LCR 80, DLL 24, DLH 0,
     * LCR 03, IER 01/00, FCR 01. */
    const sc16_mock_write_t want[14] = {
        {SC16_FCR, 0, 0x07, 0}, {SC16_LCR, 0, 0x80, 0}, {SC16_RHR, 0, 0x18, 1},
        {SC16_IER, 0, 0x00, 1}, {SC16_LCR, 0, 0x03, 1}, {SC16_IER, 0, 0x01, 0},
        {SC16_FCR, 0, 0x01, 0}, {SC16_FCR, 1, 0x07, 0}, {SC16_LCR, 1, 0x80, 0},
        {SC16_RHR, 1, 0x18, 1}, {SC16_IER, 1, 0x00, 1}, {SC16_LCR, 1, 0x03, 1},
        {SC16_IER, 1, 0x00, 0}, {SC16_FCR, 1, 0x01, 0},
    };
    assert_int_equal(n, 14);
    for (size_t i = 0; i < 14; i++) {
        if (memcmp(&w[i], &want[i], sizeof w[i]) != 0)
            fail_msg("write %zu: reg %u ch %u value 0x%02x latch %u; expected reg %u ch %u "
                     "value 0x%02x latch %u",
                     i, w[i].reg, w[i].ch, w[i].value, w[i].lcr7, want[i].reg, want[i].ch,
                     want[i].value, want[i].lcr7);
    }
    assert_int_equal(SC16_DIVISOR, 24);
    assert_int_equal(SC16_SUBADDR(SC16_LCR, 1), 0x1A);
    /* The IRQ pin: input with pull-up, edge interrupt enabled. */
    assert_int_equal(gpio_mock_get_mode(43), 2);
    assert_true(gpio_mock_isr_enabled(43));
    assert_int_equal(i2c_mock_port_freq(0), 400000);
    midi_hal_status_t s;
    assert_true(midi_read_status(&s));
    assert_int_equal(s.ier, 0x01);
    assert_int_equal(s.txlvl, 64);
    assert_int_equal(s.iir, 0xC1);
}

static void test_configure_errors(void **st)
{
    fx_t *f = *st;
    assert_hw_reply(call(f, MSG_MIDI_CONFIGURE, &k_cfg, 11), MSG_MIDI_ERROR, "payload too small");
    midi_config_payload_t bad = k_cfg;
    bad.i2c_addr = 0x49; /* nothing answers there */
    assert_hw_reply(call(f, MSG_MIDI_CONFIGURE, &bad, sizeof bad), MSG_MIDI_ERROR,
                    "hal configure failed");
    midi_send_payload_t on = {0x90, 60, 100, 0};
    assert_hw_reply(call(f, MSG_MIDI_SEND, &on, sizeof on), MSG_MIDI_ERROR, "not configured");
    configure(f);
    /* A failed reconfigure keeps the actor's configured flag as it was. */
    assert_hw_reply(call(f, MSG_MIDI_CONFIGURE, &bad, sizeof bad), MSG_MIDI_ERROR,
                    "hal configure failed");
    assert_hw_reply(call(f, MSG_MIDI_SEND, &on, sizeof on), MSG_MIDI_ERROR, "tx failed");
}

static void test_unconfigured_errors(void **st)
{
    fx_t *f = *st;
    midi_send_payload_t on = {0x90, 60, 100, 0};
    assert_hw_reply(call(f, MSG_MIDI_SEND, &on, sizeof on), MSG_MIDI_ERROR, "not configured");
    assert_hw_reply(call(f, MSG_MIDI_SEND, &on, 2), MSG_MIDI_ERROR, "not configured");
    uint8_t sx[8] = {3, 0, 0, 0, 0xF0, 0x01, 0xF7};
    assert_hw_reply(call(f, MSG_MIDI_SEND_SYSEX, sx, 7), MSG_MIDI_ERROR, "not configured");
    midi_hal_status_t s;
    assert_false(midi_read_status(&s));
    uint8_t tx[8];
    assert_int_equal(sc16is752_mock_get_tx(tx, sizeof tx), 0);
}

static void expect_tx(const uint8_t *want, size_t n)
{
    uint8_t got[SC16_MOCK_TX_CAP];
    size_t len = sc16is752_mock_get_tx(got, sizeof got);
    if (len != n || memcmp(got, want, n) != 0) {
        char a[256] = "", b[256] = "";
        for (size_t i = 0; i < len && i < 40; i++)
            snprintf(a + strlen(a), sizeof a - strlen(a), "%02X ", got[i]);
        for (size_t i = 0; i < n && i < 40; i++)
            snprintf(b + strlen(b), sizeof b - strlen(b), "%02X ", want[i]);
        fail_msg("transmitted %s(%zu bytes); expected %s(%zu)", a, len, b, n);
    }
    sc16is752_mock_clear_tx();
}

static void send3(fx_t *f, uint8_t s, uint8_t d1, uint8_t d2, const char *want)
{
    midi_send_payload_t p = {s, d1, d2, 0};
    hw_reply_t r = call(f, MSG_MIDI_SEND, &p, sizeof p);
    if (want)
        assert_hw_reply(r, MSG_MIDI_ERROR, want);
    else
        assert_hw_reply(r, MSG_MIDI_OK, "");
}

static void test_send_every_channel_message_exact_bytes(void **st)
{
    fx_t *f = *st;
    configure(f);
    send3(f, 0x90, 60, 100, NULL);
    expect_tx((const uint8_t[]){0x90, 60, 100}, 3);
    send3(f, 0x81, 60, 0, NULL);
    expect_tx((const uint8_t[]){0x81, 60, 0}, 3);
    send3(f, 0xA2, 61, 5, NULL);
    expect_tx((const uint8_t[]){0xA2, 61, 5}, 3);
    send3(f, 0xB3, 7, 127, NULL);
    expect_tx((const uint8_t[]){0xB3, 7, 127}, 3);
    send3(f, 0xC4, 12, 99, NULL); /* 2 bytes: data2 ignored */
    expect_tx((const uint8_t[]){0xC4, 12}, 2);
    send3(f, 0xD5, 33, 99, NULL);
    expect_tx((const uint8_t[]){0xD5, 33}, 2);
    send3(f, 0xEF, 0x00, 0x40, NULL);
    expect_tx((const uint8_t[]){0xEF, 0x00, 0x40}, 3);
    /* System: song position, tune request, clock. Data are not masked. */
    send3(f, 0xF2, 0x81, 0x02, NULL);
    expect_tx((const uint8_t[]){0xF2, 0x81, 0x02}, 3);
    send3(f, 0xF6, 1, 2, NULL);
    expect_tx((const uint8_t[]){0xF6}, 1);
    send3(f, 0xF8, 1, 2, NULL);
    expect_tx((const uint8_t[]){0xF8}, 1);
}

static void test_send_errors(void **st)
{
    fx_t *f = *st;
    configure(f);
    midi_send_payload_t p = {0x90, 60, 100, 0};
    assert_hw_reply(call(f, MSG_MIDI_SEND, &p, 3), MSG_MIDI_ERROR, "payload too small");
    send3(f, 0x7F, 1, 2, "invalid status byte");
    const uint8_t zero_len[] = {0xF0, 0xF4, 0xF5, 0xF7};
    for (int i = 0; i < 4; i++)
        send3(f, zero_len[i], 1, 2, "unsupported status byte");
    sc16is752_mock_set_tx_free(2);
    send3(f, 0x90, 60, 100, "tx failed");
    send3(f, 0xC0, 1, 0, NULL);
    expect_tx((const uint8_t[]){0xC0, 1}, 2);
}

static void test_send_sysex_exact_bytes_and_errors(void **st)
{
    fx_t *f = *st;
    configure(f);
    uint8_t p[4 + 8] = {6, 0, 0, 0, 0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7};
    assert_hw_reply(call(f, MSG_MIDI_SEND_SYSEX, p, 10), MSG_MIDI_OK, "");
    expect_tx((const uint8_t[]){0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7}, 6);
    assert_hw_reply(call(f, MSG_MIDI_SEND_SYSEX, p, 3), MSG_MIDI_ERROR, "payload too small");
    assert_hw_reply(call(f, MSG_MIDI_SEND_SYSEX, p, 9), MSG_MIDI_ERROR, "payload too small");
    uint8_t one[5] = {1, 0, 0, 0, 0xF0};
    assert_hw_reply(call(f, MSG_MIDI_SEND_SYSEX, one, 5), MSG_MIDI_ERROR, "invalid sysex framing");
    uint8_t nof0[6] = {2, 0, 0, 0, 0x90, 0xF7};
    assert_hw_reply(call(f, MSG_MIDI_SEND_SYSEX, nof0, 6), MSG_MIDI_ERROR, "invalid sysex framing");
    uint8_t nof7[6] = {2, 0, 0, 0, 0xF0, 0x01};
    assert_hw_reply(call(f, MSG_MIDI_SEND_SYSEX, nof7, 6), MSG_MIDI_ERROR, "invalid sysex framing");
    /* More than the free TX FIFO space: no partial send. */
    sc16is752_mock_set_tx_free(5);
    assert_hw_reply(call(f, MSG_MIDI_SEND_SYSEX, p, 10), MSG_MIDI_ERROR, "tx failed");
    expect_tx((const uint8_t[]){0}, 0);
}

static void subscribe(fx_t *f, actor_id_t who, uint8_t ch, uint8_t filter)
{
    midi_subscribe_payload_t p = {ch, filter, {0}};
    assert_true(mk_send_from(f->rt, who, f->midi, MSG_MIDI_SUBSCRIBE, &p, sizeof p));
}

/* Inject bytes on MIDI IN and run the loop until the chip is drained. */
static void receive(fx_t *f, const uint8_t *b, size_t n)
{
    assert_int_equal(sc16is752_mock_inject_rx(b, n), n);
    for (int i = 0; i < 200 && sc16is752_mock_rx_pending() > 0; i++)
        hw_pump(f->rt, 1);
    hw_pump(f->rt, 3);
    assert_int_equal(sc16is752_mock_rx_pending(), 0);
}

static void expect_event(uint8_t status, uint8_t d1, uint8_t d2, uint8_t ch)
{
    hw_reply_t r = hw_take();
    midi_event_payload_t ev;
    assert_int_equal(r.type, MSG_MIDI_EVENT);
    assert_int_equal(r.len, sizeof ev);
    memcpy(&ev, r.data, sizeof ev);
    if (ev.status != status || ev.data1 != d1 || ev.data2 != d2 || ev.channel != ch)
        fail_msg("event %02X %02X %02X ch %02X; expected %02X %02X %02X ch %02X", ev.status,
                 ev.data1, ev.data2, ev.channel, status, d1, d2, ch);
}

static void test_subscribe_filters_by_type_and_channel(void **st)
{
    fx_t *f = *st;
    configure(f);
    subscribe(f, f->client, 2, MIDI_FILTER_NOTE | MIDI_FILTER_REALTIME);
    hw_wait(f->rt, 1);
    assert_hw_reply(hw_take(), MSG_MIDI_OK, "");
    const uint8_t in[] = {0x92, 60, 100,        /* note on ch 3 (index 2): delivered */
                          0x93, 60, 100,        /* other channel: no */
                          0xB2, 7,  10,         /* CC: filtered out */
                          0xF8,                 /* real-time: channel does not restrict */
                          0xF2, 1,  2,   0xF6,  /* system common: never delivered */
                          0x82, 60, 0,          /* note off ch 2: delivered */
                          0xF0, 1,  2,   0xF7}; /* no SYSEX bit */
    receive(f, in, sizeof in);
    expect_event(0x92, 60, 100, 2);
    expect_event(0xF8, 0, 0, 0xFF);
    expect_event(0x82, 60, 0, 2);
    hw_assert_silent(f->rt);

    /* Re-subscribing replaces channel and filter. */
    subscribe(f, f->client, MIDI_CHANNEL_ALL, MIDI_FILTER_SYSEX | MIDI_FILTER_PROGRAM);
    hw_wait(f->rt, 1);
    assert_hw_reply(hw_take(), MSG_MIDI_OK, "");
    const uint8_t in2[] = {0x92, 60, 100, 0xC5, 3, 0xF0, 0x43, 0xF8, 0x10, 0xF7};
    receive(f, in2, sizeof in2);
    expect_event(0xC5, 3, 0, 5);
    hw_reply_t r = hw_take();
    assert_int_equal(r.type, MSG_MIDI_SYSEX_EVENT);
    assert_int_equal(r.len, 4 + 4);
    const uint8_t want[] = {4, 0, 0, 0, 0xF0, 0x43, 0x10, 0xF7};
    assert_memory_equal(r.data, want, sizeof want);
    hw_assert_silent(f->rt);
}

static void test_receive_drains_at_most_64_bytes_per_irq(void **st)
{
    fx_t *f = *st;
    configure(f);
    subscribe(f, f->client, MIDI_CHANNEL_ALL, MIDI_FILTER_CC);
    hw_wait(f->rt, 1);
    hw_take();
    /* 1 status + 100 CC pairs with running status = 201 bytes. */
    uint8_t in[201];
    in[0] = 0xB0;
    for (int i = 0; i < 100; i++) {
        in[1 + 2 * i] = (uint8_t)i;
        in[2 + 2 * i] = (uint8_t)(127 - i);
    }
    receive(f, in, sizeof in);
    unsigned largest = 0;
    unsigned bursts = sc16is752_mock_rx_bursts(&largest);
    assert_int_equal(largest, 64);
    assert_int_equal(bursts, 4); /* 64 + 64 + 64 + 9 */
    for (int i = 0; i < 100; i++)
        expect_event(0xB0, (uint8_t)i, (uint8_t)(127 - i), 0);
    hw_assert_silent(f->rt);
}

static void test_unsubscribe_stops_events(void **st)
{
    fx_t *f = *st;
    configure(f);
    subscribe(f, f->client, MIDI_CHANNEL_ALL, MIDI_FILTER_ALL);
    hw_wait(f->rt, 1);
    hw_take();
    assert_hw_reply(call(f, MSG_MIDI_UNSUBSCRIBE, "x", 1), MSG_MIDI_OK, "");
    const uint8_t in[] = {0x90, 60, 100, 0xF8};
    receive(f, in, sizeof in);
    hw_assert_silent(f->rt);
    /* Unsubscribing when not subscribed is OK too. */
    assert_hw_reply(call(f, MSG_MIDI_UNSUBSCRIBE, NULL, 0), MSG_MIDI_OK, "");
}

static bool sink(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)msg, (void)state;
    return true;
}

static void test_subscriber_limit_and_dead_subscriber_removed(void **st)
{
    fx_t *f = *st;
    configure(f);
    actor_id_t others[8];
    for (int i = 0; i < 8; i++) {
        others[i] = actor_spawn(f->rt, sink, NULL, NULL, 16);
        subscribe(f, others[i], MIDI_CHANNEL_ALL, MIDI_FILTER_NOTE);
    }
    hw_pump(f->rt, 5);
    midi_subscribe_payload_t p = {MIDI_CHANNEL_ALL, MIDI_FILTER_NOTE, {0}};
    /* Subscriptions work before configuration too; here the 9th is refused. */
    assert_hw_reply(call(f, MSG_MIDI_SUBSCRIBE, &p, sizeof p), MSG_MIDI_ERROR,
                    "too many subscriptions");
    assert_hw_reply(call(f, MSG_MIDI_SUBSCRIBE, &p, 3), MSG_MIDI_ERROR, "payload too small");
    actor_stop(f->rt, others[3]);
    hw_pump(f->rt, 2);
    const uint8_t in[] = {0x90, 60, 100};
    receive(f, in, sizeof in); /* delivery to the dead one fails: it is dropped */
    assert_hw_reply(call(f, MSG_MIDI_SUBSCRIBE, &p, sizeof p), MSG_MIDI_OK, "");
    receive(f, in, sizeof in);
    expect_event(0x90, 60, 100, 0);
}

static void test_subscribe_before_configure(void **st)
{
    fx_t *f = *st;
    midi_subscribe_payload_t p = {MIDI_CHANNEL_ALL, MIDI_FILTER_ALL, {0}};
    assert_hw_reply(call(f, MSG_MIDI_SUBSCRIBE, &p, sizeof p), MSG_MIDI_OK, "");
    configure(f);
    const uint8_t in[] = {0xFA};
    receive(f, in, sizeof in);
    expect_event(0xFA, 0, 0, 0xFF);
}

static void test_select_backend_rejects_unknown(void **st)
{
    (void)st;
    assert_false(midi_select_backend("serial"));
    assert_non_null(strstr(mk_last_error(), "serial"));
    assert_true(midi_select_backend("mock"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_payload_sizes_match_compat),
        T(test_configure_writes_31250_baud_sequence),
        T(test_configure_errors),
        T(test_unconfigured_errors),
        T(test_send_every_channel_message_exact_bytes),
        T(test_send_errors),
        T(test_send_sysex_exact_bytes_and_errors),
        T(test_subscribe_filters_by_type_and_channel),
        T(test_receive_drains_at_most_64_bytes_per_irq),
        T(test_unsubscribe_stops_events),
        T(test_subscriber_limit_and_dead_subscriber_removed),
        T(test_subscribe_before_configure),
        T(test_select_backend_rejects_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
