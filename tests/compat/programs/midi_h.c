/* midi_h.c -- the original's midi.h, arpeggiator.h and midi_monitor.h
 * (compat/midi.md sections 1, 4 and 5): message numbers, payload sizes and
 * field offsets, filter bits, and each init registering its path (the MIDI
 * actor on the default mock bus). Built against the installed package
 * with pkg-config flags only. */
#include <microkernel/arpeggiator.h>
#include <microkernel/midi.h>
#include <microkernel/midi_monitor.h>
#include <microkernel/namespace.h>
#include <microkernel/runtime.h>
#include <stddef.h>
#include <stdio.h>

int main(void)
{
    int ok = MSG_MIDI_CONFIGURE == 0xFF000070u && MSG_MIDI_SEND == 0xFF000071u &&
             MSG_MIDI_SEND_SYSEX == 0xFF000072u && MSG_MIDI_SUBSCRIBE == 0xFF000073u &&
             MSG_MIDI_UNSUBSCRIBE == 0xFF000074u && MSG_MIDI_OK == 0xFF00007Au &&
             MSG_MIDI_ERROR == 0xFF00007Bu && MSG_MIDI_EVENT == 0xFF00007Cu &&
             MSG_MIDI_SYSEX_EVENT == 0xFF00007Du && MSG_ARP_SET_BPM == 0xFF000075u &&
             MSG_ARP_SET_PATTERN == 0xFF000076u && MSG_ARP_SET_OCTAVES == 0xFF000077u &&
             MSG_ARP_ENABLE == 0xFF000078u;
    ok = ok && MIDI_FILTER_NOTE == 0x01 && MIDI_FILTER_CC == 0x02 && MIDI_FILTER_PROGRAM == 0x04 &&
         MIDI_FILTER_PITCHBEND == 0x08 && MIDI_FILTER_AFTERTOUCH == 0x10 &&
         MIDI_FILTER_SYSEX == 0x20 && MIDI_FILTER_REALTIME == 0x40 && MIDI_FILTER_ALL == 0xFF;
    ok = ok && sizeof(midi_config_payload_t) == 12 &&
         offsetof(midi_config_payload_t, irq_pin) == 4 &&
         offsetof(midi_config_payload_t, i2c_freq_hz) == 8 && sizeof(midi_send_payload_t) == 4 &&
         offsetof(midi_send_payload_t, data2) == 2 && sizeof(midi_sysex_payload_t) == 4 &&
         offsetof(midi_sysex_payload_t, data) == 4 && sizeof(midi_subscribe_payload_t) == 4 &&
         offsetof(midi_subscribe_payload_t, msg_filter) == 1 && sizeof(midi_event_payload_t) == 4 &&
         offsetof(midi_event_payload_t, channel) == 3 && sizeof(midi_sysex_event_payload_t) == 4 &&
         offsetof(midi_sysex_event_payload_t, data) == 4;
    ok = ok && sizeof(arp_bpm_payload_t) == 4 && sizeof(arp_pattern_payload_t) == 4 &&
         sizeof(arp_octaves_payload_t) == 4 && sizeof(arp_enable_payload_t) == 4 && ARP_UP == 0 &&
         ARP_DOWN == 1 && ARP_UPDOWN == 2 && ARP_RANDOM == 3;
    runtime_t *rt = runtime_init(1, 16);
    ok = ok && ns_actor_init(rt) != ACTOR_ID_INVALID;
    /* Without the MIDI actor, the arpeggiator and the monitor refuse (§4.2, §5). */
    ok =
        ok && arpeggiator_init(rt) == ACTOR_ID_INVALID && midi_monitor_init(rt) == ACTOR_ID_INVALID;
    actor_id_t m = midi_actor_init(rt);
    ok = ok && m != ACTOR_ID_INVALID && actor_lookup(rt, "/node/hardware/midi") == m;
    actor_id_t a = arpeggiator_init(rt), mon = midi_monitor_init(rt);
    ok = ok && a != ACTOR_ID_INVALID && actor_lookup(rt, "/sys/arpeggiator") == a &&
         mon != ACTOR_ID_INVALID && actor_lookup(rt, "/sys/midi_monitor") == mon;
    runtime_destroy(rt);
    puts(ok ? "midi_h: ok" : "midi_h: FAILED");
    return ok ? 0 : 1;
}
