/* test_midi_arpeggiator.c -- the arpeggiator (src/hw/midi/arpeggiator.c)
 * end to end on a controllable clock: notes are played into the simulated
 * SC16IS752's MIDI IN, the steps are MSG_TIMER ticks the test delivers
 * from a fake clock (midi_set_clock), and the output is read back as the
 * bytes the chip transmitted. Asserts exact note order per pattern and
 * octave count, the 125 ms step at 120 BPM, legato (On before Off), and no
 * hanging note after disable or release (compat midi.md §4). */
#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/hal/mock/sc16is752_mock.h"
#include "hw/hw_test_util.h"
#include "hw/midi/midi_internal.h"
#include "microkernel/arpeggiator.h"
#include "microkernel/midi.h"

static struct {
    uint64_t period_ms; /* of the running timer */
    timer_id_t id;      /* TIMER_ID_INVALID: stopped */
    timer_id_t next;
    uint64_t now_ms; /* fake time: advanced by one period per tick */
} g_clk;

static timer_id_t fake_start(void *ctx, runtime_t *rt, uint64_t period_ms)
{
    (void)ctx, (void)rt;
    g_clk.period_ms = period_ms;
    g_clk.id = ++g_clk.next;
    return g_clk.id;
}

static void fake_stop(void *ctx, runtime_t *rt, timer_id_t id)
{
    (void)ctx, (void)rt;
    if (id == g_clk.id)
        g_clk.id = TIMER_ID_INVALID;
}

static const midi_clock_t k_fake = {NULL, fake_start, fake_stop};

typedef struct {
    runtime_t *rt;
    actor_id_t midi, arp, client;
} fx_t;

static int setup(void **st)
{
    fx_t *f = calloc(1, sizeof *f);
    memset(&g_clk, 0, sizeof g_clk);
    g_clk.next = 100;
    midi_set_clock(&k_fake);
    arpeggiator_set_random_seed(7);
    f->rt = hw_runtime();
    i2c_mock_remove_all();
    assert_true(midi_select_backend("mock"));
    f->midi = midi_actor_init(f->rt);
    assert_int_not_equal(f->midi, ACTOR_ID_INVALID);
    f->client = hw_client(f->rt);
    midi_config_payload_t cfg = {0, 0x48, 8, 9, 43, {0}, 400000};
    assert_hw_reply(hw_call(f->rt, f->client, f->midi, MSG_MIDI_CONFIGURE, &cfg, sizeof cfg),
                    MSG_MIDI_OK, "");
    f->arp = arpeggiator_init(f->rt);
    assert_int_not_equal(f->arp, ACTOR_ID_INVALID);
    hw_pump(f->rt, 5);
    *st = f;
    return 0;
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

/* What the chip transmitted since the last call, as "ON 60 v100 c0,OFF 64". */
static const char *out(void)
{
    static char s[2048];
    uint8_t tx[SC16_MOCK_TX_CAP];
    size_t n = sc16is752_mock_get_tx(tx, sizeof tx);
    sc16is752_mock_clear_tx();
    s[0] = '\0';
    for (size_t i = 0; i + 3 <= n; i += 3) {
        size_t u = strlen(s);
        if ((tx[i] & 0xF0) == 0x90)
            snprintf(s + u, sizeof s - u, "%sON %u", u ? "," : "", tx[i + 1]);
        else
            snprintf(s + u, sizeof s - u, "%sOFF %u", u ? "," : "", tx[i + 1]);
        if ((tx[i] & 0x0F) != 0) {
            u = strlen(s);
            snprintf(s + u, sizeof s - u, "/c%u", tx[i] & 0x0F);
        }
        if ((tx[i] & 0xF0) == 0x80 && tx[i + 2] != 0)
            fail_msg("Note Off with velocity %u", tx[i + 2]);
    }
    return s;
}

static void midi_in(fx_t *f, uint8_t status, uint8_t d1, uint8_t d2)
{
    const uint8_t b[3] = {status, d1, d2};
    assert_int_equal(sc16is752_mock_inject_rx(b, 3), 3);
    hw_pump(f->rt, 6);
}

static void press(fx_t *f, uint8_t note)
{
    midi_in(f, 0x90, note, 100);
}

static void release(fx_t *f, uint8_t note)
{
    midi_in(f, 0x80, note, 0);
}

/* One step of the fake clock; returns the output of that step. */
static const char *tick(fx_t *f)
{
    if (g_clk.id != TIMER_ID_INVALID) {
        g_clk.now_ms += g_clk.period_ms;
        timer_payload_t t = {g_clk.id, 1};
        assert_true(mk_send_from(f->rt, ACTOR_ID_INVALID, f->arp, MSG_TIMER, &t, sizeof t));
    }
    hw_pump(f->rt, 6);
    return out();
}

static void set(fx_t *f, msg_type_t type, uint16_t v)
{
    uint8_t p[4] = {0};
    memcpy(p, &v, 2);
    if (type != MSG_ARP_SET_BPM)
        p[0] = (uint8_t)v, p[1] = 0;
    assert_true(mk_send_from(f->rt, f->client, f->arp, type, p, 4));
    hw_pump(f->rt, 4);
}

static void test_up_plays_legato_16ths_at_120_bpm(void **st)
{
    fx_t *f = *st;
    press(f, 64);
    assert_string_equal(out(), "ON 64"); /* the first note at once */
    assert_int_equal(g_clk.period_ms, 125);
    press(f, 60);
    press(f, 67);
    assert_string_equal(out(), ""); /* further presses only join the set */
    /* 60 was inserted before the position (64): the walk continues after 64. */
    assert_string_equal(tick(f), "ON 67,OFF 64");
    assert_int_equal(g_clk.now_ms, 125);
    assert_string_equal(tick(f), "ON 60,OFF 67");
    assert_string_equal(tick(f), "ON 64,OFF 60");
    assert_string_equal(tick(f), "ON 67,OFF 64");
    assert_int_equal(g_clk.now_ms, 4 * 125);
    /* No reply goes back to configuration messages. */
    hw_assert_silent(f->rt);
}

static void test_down_wraps(void **st)
{
    fx_t *f = *st;
    set(f, MSG_ARP_SET_PATTERN, ARP_DOWN);
    press(f, 60);
    press(f, 64);
    press(f, 67);
    assert_string_equal(out(), "ON 60");
    /* Both later notes sorted above 60, so the position stays on 60
     * (index 0); DOWN then wraps to the top. */
    assert_string_equal(tick(f), "ON 67,OFF 60");
    assert_string_equal(tick(f), "ON 64,OFF 67");
    assert_string_equal(tick(f), "ON 60,OFF 64");
    assert_string_equal(tick(f), "ON 67,OFF 60");
}

static void test_updown_two_octaves_no_endpoint_repeat(void **st)
{
    fx_t *f = *st;
    set(f, MSG_ARP_SET_PATTERN, ARP_UPDOWN);
    set(f, MSG_ARP_SET_OCTAVES, 2);
    press(f, 60);
    press(f, 64);
    assert_string_equal(out(), "ON 60");
    const char *want[] = {"ON 64,OFF 60", "ON 72,OFF 64", "ON 76,OFF 72", "ON 72,OFF 76",
                          "ON 64,OFF 72", "ON 60,OFF 64", "ON 64,OFF 60", "ON 72,OFF 64"};
    for (int i = 0; i < 8; i++)
        assert_string_equal(tick(f), want[i]);
}

static void test_four_octaves_cap_at_127(void **st)
{
    fx_t *f = *st;
    set(f, MSG_ARP_SET_OCTAVES, 9); /* clamped to 4 */
    press(f, 100);
    assert_string_equal(out(), "ON 100");
    assert_string_equal(tick(f), "ON 112,OFF 100");
    assert_string_equal(tick(f), "ON 124,OFF 112");
    assert_string_equal(tick(f), "ON 127,OFF 124");
    assert_string_equal(tick(f), "ON 100,OFF 127");
}

static void test_single_note_repeats_without_gap(void **st)
{
    fx_t *f = *st;
    midi_in(f, 0x93, 50, 90); /* channel 4 */
    assert_string_equal(out(), "ON 50/c3");
    assert_string_equal(tick(f), "ON 50/c3");
    assert_string_equal(tick(f), "ON 50/c3");
    release(f, 50); /* other channel: not held */
    assert_string_equal(out(), "");
    midi_in(f, 0x83, 50, 0);
    assert_string_equal(out(), "OFF 50/c3");
    assert_int_equal(g_clk.id, TIMER_ID_INVALID);
}

static const char *random_run(fx_t *f, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int i = 0; i < 12; i++) {
        const char *o = tick(f);
        unsigned on, off;
        assert_int_equal(sscanf(o, "ON %u,OFF %u", &on, &off), 2);
        assert_int_not_equal(on, off); /* never the same position twice */
        assert_true(on == 60 || on == 62 || on == 64 || on == 72 || on == 74 || on == 76);
        snprintf(buf + strlen(buf), cap - strlen(buf), "%u ", on);
    }
    return buf;
}

static void test_random_is_seedable(void **st)
{
    fx_t *f = *st;
    set(f, MSG_ARP_SET_PATTERN, ARP_RANDOM);
    set(f, MSG_ARP_SET_OCTAVES, 2);
    press(f, 60);
    press(f, 62);
    press(f, 64);
    out();
    char a[256], b[256];
    random_run(f, a, sizeof a);
    /* A second arpeggiator with the same seed plays the same walk. */
    set(f, MSG_ARP_ENABLE, 0);
    actor_stop(f->rt, f->arp);
    hw_pump(f->rt, 2);
    out();
    arpeggiator_set_random_seed(7);
    f->arp = arpeggiator_init(f->rt);
    hw_pump(f->rt, 5);
    set(f, MSG_ARP_SET_PATTERN, ARP_RANDOM);
    set(f, MSG_ARP_SET_OCTAVES, 2);
    release(f, 60), release(f, 62), release(f, 64);
    press(f, 60);
    press(f, 62);
    press(f, 64);
    out();
    random_run(f, b, sizeof b);
    assert_string_equal(a, b);
}

static void test_disable_silences_and_enable_resumes(void **st)
{
    fx_t *f = *st;
    press(f, 60);
    press(f, 64);
    press(f, 67);
    out();
    assert_string_equal(tick(f), "ON 64,OFF 60");
    set(f, MSG_ARP_ENABLE, 0);
    assert_string_equal(out(), "OFF 64"); /* no hanging note */
    assert_int_equal(g_clk.id, TIMER_ID_INVALID);
    press(f, 72); /* tracked, not passed through */
    release(f, 60);
    assert_string_equal(out(), "");
    set(f, MSG_ARP_ENABLE, 1);
    assert_string_equal(out(), "");
    assert_int_not_equal(g_clk.id, TIMER_ID_INVALID);
    /* Held now 64 67 72; enable restarts at 0 and the first tick plays 1. */
    assert_string_equal(tick(f), "ON 67");
    assert_string_equal(tick(f), "ON 72,OFF 67");
}

static void test_release_all_stops_with_note_off(void **st)
{
    fx_t *f = *st;
    press(f, 60);
    press(f, 64);
    out();
    assert_string_equal(tick(f), "ON 64,OFF 60");
    release(f, 60);
    assert_string_equal(out(), "");
    midi_in(f, 0x90, 64, 0); /* Note On velocity 0 = Note Off */
    assert_string_equal(out(), "OFF 64");
    assert_int_equal(g_clk.id, TIMER_ID_INVALID);
    assert_string_equal(tick(f), "");
}

static void test_bpm_sets_step_and_clamps(void **st)
{
    fx_t *f = *st;
    press(f, 60);
    out();
    set(f, MSG_ARP_SET_BPM, 140);
    assert_int_equal(g_clk.period_ms, 60000 / (140 * 4));
    set(f, MSG_ARP_SET_BPM, 10);
    assert_int_equal(g_clk.period_ms, 500);
    set(f, MSG_ARP_SET_BPM, 1000);
    assert_int_equal(g_clk.period_ms, 50);
    /* A short payload is ignored. */
    uint8_t p[2] = {120, 0};
    assert_true(mk_send_from(f->rt, f->client, f->arp, MSG_ARP_SET_BPM, p, 2));
    hw_pump(f->rt, 3);
    assert_int_equal(g_clk.period_ms, 50);
    /* Ticks of the cancelled timer are ignored. */
    timer_payload_t stale = {g_clk.id - 1, 1};
    assert_true(mk_send_from(f->rt, ACTOR_ID_INVALID, f->arp, MSG_TIMER, &stale, sizeof stale));
    hw_pump(f->rt, 3);
    assert_string_equal(out(), "");
}

static void test_init_needs_midi_actor(void **st)
{
    (void)st;
    runtime_t *rt = hw_runtime();
    assert_int_equal(arpeggiator_init(rt), ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "/node/hardware/midi"));
    runtime_destroy(rt);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_up_plays_legato_16ths_at_120_bpm),
        T(test_down_wraps),
        T(test_updown_two_octaves_no_endpoint_repeat),
        T(test_four_octaves_cap_at_127),
        T(test_single_note_repeats_without_gap),
        T(test_random_is_seedable),
        T(test_disable_silences_and_enable_resumes),
        T(test_release_all_stops_with_note_off),
        T(test_bpm_sets_step_and_clamps),
        cmocka_unit_test(test_init_needs_midi_actor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
