/*
 * midi_monitor.c -- the MIDI monitor at "/sys/midi_monitor": subscribes to
 * the MIDI actor for everything and prints one line per event (format of
 * ../shared/compat/midi.md §5, byte for byte). The formatting functions
 * are pure so tests compare golden lines; the actor only prints them.
 */
#include "microkernel/midi_monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "hw/midi/midi_internal.h"
#include "microkernel/error.h"
#include "microkernel/message.h"

#define MONITOR_PATH "/sys/midi_monitor"

FILE *midi_monitor_out; /* tests redirect it; NULL: stdout */

static const char *const k_names[12] = {"C",  "C#", "D",  "D#", "E",  "F",
                                        "F#", "G",  "G#", "A",  "A#", "B"};

static const char *channel_name(uint8_t status)
{
    switch (status & 0xF0) {
    case 0x80: return "NoteOff";
    case 0x90: return "NoteOn";
    case 0xA0: return "PolyAT";
    case 0xB0: return "CC";
    case 0xC0: return "PgmChg";
    case 0xD0: return "ChanAT";
    default: return "Pitch";
    }
}

static const char *system_name(uint8_t status)
{
    switch (status) {
    case 0xF8: return "Clock";
    case 0xFA: return "Start";
    case 0xFB: return "Continue";
    case 0xFC: return "Stop";
    case 0xFE: return "ActiveSns";
    case 0xFF: return "Reset";
    default: return "System";
    }
}

int midi_monitor_format_event(char *buf, size_t cap, const midi_event_payload_t *ev)
{
    if (ev->status < 0x80 || ev->status >= 0xF0)
        return snprintf(buf, cap, "MIDI %s", system_name(ev->status));
    const char *name = channel_name(ev->status);
    int ch = (ev->status & 0x0F) + 1;
    uint8_t hi = ev->status & 0xF0;
    if (hi == 0x80 || hi == 0x90 || hi == 0xA0) {
        uint8_t n = ev->data1 & 0x7F;
        return snprintf(buf, cap, "MIDI %-8s ch=%-2d  %-2s%d  %s=%u", name, ch, k_names[n % 12],
                        n / 12 - 1, hi == 0xA0 ? "prs" : "vel", ev->data2);
    }
    if (hi == 0xB0)
        return snprintf(buf, cap, "MIDI %-8s ch=%-2d  cc=%-3u  val=%u", name, ch, ev->data1,
                        ev->data2);
    if (hi == 0xC0)
        return snprintf(buf, cap, "MIDI %-8s ch=%-2d  pgm=%u", name, ch, ev->data1);
    if (hi == 0xD0)
        return snprintf(buf, cap, "MIDI %-8s ch=%-2d  prs=%u", name, ch, ev->data1);
    return snprintf(buf, cap, "MIDI %-8s ch=%-2d  val=%d", name, ch,
                    (ev->data1 + ev->data2 * 128) - 8192);
}

int midi_monitor_format_sysex(char *buf, size_t cap, const uint8_t *data, size_t len)
{
    char line[128];
    int n = snprintf(line, sizeof line, "MIDI SysEx    len=%-3zu ", len);
    for (size_t i = 0; i < len && i < 16; i++)
        n += snprintf(line + n, sizeof line - (size_t)n, "%02X ", data[i]);
    if (len > 16)
        n += snprintf(line + n, sizeof line - (size_t)n, "...");
    return snprintf(buf, cap, "%s", line);
}

static bool monitor_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self, (void)state;
    FILE *out = midi_monitor_out ? midi_monitor_out : stdout;
    char line[160];
    if (msg->type == MIDI_MSG_BOOTSTRAP) {
        midi_subscribe_payload_t p = {MIDI_CHANNEL_ALL, MIDI_FILTER_ALL, {0}};
        if (!actor_send_named(rt, MIDI_PATH, MSG_MIDI_SUBSCRIBE, &p, sizeof p))
            actor_log(rt, LOG_WARN, "midi_monitor: cannot subscribe: %s", mk_last_error());
    } else if (msg->type == MSG_MIDI_EVENT && msg->payload_size >= sizeof(midi_event_payload_t)) {
        midi_event_payload_t ev;
        memcpy(&ev, msg->payload, sizeof ev);
        midi_monitor_format_event(line, sizeof line, &ev);
        fprintf(out, "%s\n", line);
        fflush(out);
    } else if (msg->type == MSG_MIDI_SYSEX_EVENT && msg->payload_size >= 4) {
        uint16_t len;
        memcpy(&len, msg->payload, 2);
        if (len > msg->payload_size - 4)
            len = (uint16_t)(msg->payload_size - 4);
        midi_monitor_format_sysex(line, sizeof line, (const uint8_t *)msg->payload + 4, len);
        fprintf(out, "%s\n", line);
        fflush(out);
    }
    return true; /* MSG_MIDI_OK / ERROR to our subscribe: nothing to do */
}

actor_id_t midi_monitor_init(runtime_t *rt)
{
    if (!rt) {
        mk_set_error("midi_monitor_init: runtime is NULL");
        return ACTOR_ID_INVALID;
    }
    if (actor_lookup(rt, MIDI_PATH) == ACTOR_ID_INVALID) {
        mk_set_error("midi_monitor_init: %s is not registered", MIDI_PATH);
        return ACTOR_ID_INVALID;
    }
    actor_id_t id = actor_spawn(rt, monitor_behavior, NULL, NULL, 64);
    if (id == ACTOR_ID_INVALID)
        return ACTOR_ID_INVALID;
    if (!actor_register_name(rt, MONITOR_PATH, id)) {
        char why[200];
        snprintf(why, sizeof why, "%s", mk_last_error());
        actor_stop(rt, id);
        mk_set_error("midi_monitor_init: %s: %s", MONITOR_PATH, why);
        return ACTOR_ID_INVALID;
    }
    (void)actor_send(rt, id, MIDI_MSG_BOOTSTRAP, NULL, 0);
    return id;
}
