/* test_midi_alsa.c -- the ALSA sequencer backend (src/hw/midi/midi_alsa.c)
 * as far as this machine allows: it must be built in (libasound2-dev is in
 * scripts/packages.txt; a build without it fails here), `--midi alsa:...`
 * is accepted, and without a usable sequencer (no /dev/snd/seq, as on
 * this machine) MSG_MIDI_CONFIGURE answers "hal configure failed" and
 * sends answer "not configured" -- no crash, nothing half set up. */
#include <unistd.h>

#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/hw_test_util.h"
#include "hw/midi/midi_backend.h"
#include "microkernel/midi.h"

static void test_alsa_backend_built_and_fails_cleanly_without_sequencer(void **st)
{
    (void)st;
    if (!midi_alsa_backend("128:0"))
        fail_msg("the ALSA backend is not built in: install libasound2-dev "
                 "(bash scripts/install-deps.sh) and re-run cmake");
    assert_true(midi_select_backend("alsa:128:0"));
    runtime_t *rt = hw_runtime();
    actor_id_t midi = midi_actor_init(rt);
    assert_int_not_equal(midi, ACTOR_ID_INVALID);
    actor_id_t client = hw_client(rt);
    midi_config_payload_t cfg = {0, 0x48, 8, 9, 43, {0}, 400000};
    hw_reply_t r = hw_call(rt, client, midi, MSG_MIDI_CONFIGURE, &cfg, sizeof cfg);
    if (access("/dev/snd/seq", R_OK | W_OK) != 0) {
        assert_hw_reply(r, MSG_MIDI_ERROR, "hal configure failed");
        midi_send_payload_t on = {0x90, 60, 100, 0};
        assert_hw_reply(hw_call(rt, client, midi, MSG_MIDI_SEND, &on, sizeof on), MSG_MIDI_ERROR,
                        "not configured");
    } else if (r.type == MSG_MIDI_OK) {
        /* A sequencer exists but port 128:0 may not: either answer is fine. */
    }
    runtime_destroy(rt);
    assert_true(midi_select_backend("mock"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alsa_backend_built_and_fails_cleanly_without_sequencer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
