/*
 * arpeggiator.c -- the arpeggiator at "/sys/arpeggiator" (compat midi.md
 * §4): held notes kept sorted, a virtual sequence over 1-4 octaves walked
 * in pattern UP/DOWN/UPDOWN/RANDOM one 16th per step of a periodic clock
 * (runtime timers, or a test's fake through midi_set_clock), legato output
 * (new Note On before the old Note Off) to "/node/hardware/midi". Also the
 * default step clock shared with the sequencer. No allocation per step.
 */
#include "microkernel/arpeggiator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "hw/midi/midi_internal.h"
#include "microkernel/error.h"
#include "microkernel/message.h"
#include "microkernel/midi.h"

#define ARP_PATH "/sys/arpeggiator"

typedef struct {
    uint8_t note, vel, ch;
} arp_note_t;

typedef struct {
    arp_note_t held[ARP_MAX_NOTES];
    int n;
    unsigned bpm;
    int pattern, octaves;
    bool enabled;
    int pos;
    bool up;
    bool sounding;
    arp_note_t playing; /* note, channel of the sounding note */
    timer_id_t timer;
    const midi_clock_t *clock;
    uint32_t rng;
} arp_t;

static uint32_t g_seed = 1;

void arpeggiator_set_random_seed(uint32_t seed)
{
    g_seed = seed ? seed : 1;
}

/* ---- default clock: runtime timers ----------------------------------- */

static timer_id_t rt_start(void *ctx, runtime_t *rt, uint64_t period_ms)
{
    (void)ctx;
    return actor_set_timer(rt, period_ms, true);
}

static void rt_stop(void *ctx, runtime_t *rt, timer_id_t id)
{
    (void)ctx;
    (void)actor_cancel_timer(rt, id);
}

static const midi_clock_t k_rt_clock = {NULL, rt_start, rt_stop};
static const midi_clock_t *g_clock = &k_rt_clock;

void midi_set_clock(const midi_clock_t *c)
{
    g_clock = c ? c : &k_rt_clock;
}

const midi_clock_t *midi_get_clock(void)
{
    return g_clock;
}

/* ---- output --------------------------------------------------------- */

static void send(runtime_t *rt, uint8_t status, uint8_t d1, uint8_t d2)
{
    midi_send_payload_t p = {status, d1, d2, 0};
    (void)actor_send_named(rt, MIDI_PATH, MSG_MIDI_SEND, &p, sizeof p);
}

static void note_off_sounding(runtime_t *rt, arp_t *a)
{
    if (a->sounding)
        send(rt, (uint8_t)(0x80 | a->playing.ch), a->playing.note, 0);
    a->sounding = false;
}

static void stop_timer(runtime_t *rt, arp_t *a)
{
    if (a->timer != TIMER_ID_INVALID)
        a->clock->stop(a->clock->ctx, rt, a->timer);
    a->timer = TIMER_ID_INVALID;
}

static void start_timer(runtime_t *rt, arp_t *a)
{
    stop_timer(rt, a);
    a->timer = a->clock->start(a->clock->ctx, rt, 60000u / (a->bpm * 4u));
}

/* Element i of the virtual sequence (held x octaves). */
static arp_note_t element(const arp_t *a, int i)
{
    arp_note_t e = a->held[i % a->n];
    int note = e.note + 12 * (i / a->n);
    e.note = (uint8_t)(note > 127 ? 127 : note);
    return e;
}

static void play(runtime_t *rt, arp_t *a, arp_note_t e)
{
    send(rt, (uint8_t)(0x90 | e.ch), e.note, e.vel);
    if (a->sounding && (a->playing.note != e.note || a->playing.ch != e.ch))
        send(rt, (uint8_t)(0x80 | a->playing.ch), a->playing.note, 0);
    a->playing = e;
    a->sounding = true;
}

static uint32_t next_random(arp_t *a)
{
    a->rng ^= a->rng << 13; /* xorshift32 */
    a->rng ^= a->rng >> 17;
    a->rng ^= a->rng << 5;
    return a->rng;
}

static void advance(arp_t *a)
{
    int total = a->n * a->octaves;
    if (total <= 1) {
        a->pos = 0;
        return;
    }
    switch (a->pattern) {
    case ARP_UP: a->pos = (a->pos + 1) % total; break;
    case ARP_DOWN: a->pos = a->pos == 0 ? total - 1 : a->pos - 1; break;
    case ARP_UPDOWN:
        if (a->up) {
            if (++a->pos >= total) {
                a->up = false;
                a->pos = total - 2;
            }
        } else if (--a->pos < 0) {
            a->up = true;
            a->pos = 1;
        }
        break;
    default: {
        int r = (int)(next_random(a) % (uint32_t)(total - 1));
        a->pos = r >= a->pos ? r + 1 : r;
        break;
    }
    }
}

static void on_step(runtime_t *rt, arp_t *a)
{
    if (a->n == 0 || !a->enabled) {
        note_off_sounding(rt, a);
        stop_timer(rt, a);
        return;
    }
    advance(a);
    play(rt, a, element(a, a->pos));
}

static void note_on(runtime_t *rt, arp_t *a, uint8_t note, uint8_t vel, uint8_t ch)
{
    for (int i = 0; i < a->n; i++)
        if (a->held[i].note == note && a->held[i].ch == ch) {
            a->held[i].vel = vel;
            return;
        }
    if (a->n >= ARP_MAX_NOTES)
        return;
    bool was_empty = a->n == 0;
    int at = a->n;
    while (at > 0 && a->held[at - 1].note > note)
        at--;
    memmove(&a->held[at + 1], &a->held[at], (size_t)(a->n - at) * sizeof a->held[0]);
    a->held[at] = (arp_note_t){note, vel, ch};
    a->n++;
    if (was_empty) {
        if (a->enabled) {
            a->pos = 0;
            a->up = true;
            play(rt, a, element(a, 0));
            start_timer(rt, a);
        }
    } else if (at <= a->pos) {
        a->pos++;
    }
}

static void note_off(runtime_t *rt, arp_t *a, uint8_t note, uint8_t ch)
{
    int at = -1;
    for (int i = 0; i < a->n && at < 0; i++)
        if (a->held[i].note == note && a->held[i].ch == ch)
            at = i;
    if (at < 0)
        return;
    memmove(&a->held[at], &a->held[at + 1], (size_t)(a->n - at - 1) * sizeof a->held[0]);
    a->n--;
    if (a->n == 0) {
        note_off_sounding(rt, a);
        stop_timer(rt, a);
        a->pos = 0;
        return;
    }
    if (at < a->pos)
        a->pos--;
    if (a->pos >= a->n * a->octaves)
        a->pos = 0;
}

static void on_midi_event(runtime_t *rt, arp_t *a, const message_t *msg)
{
    midi_event_payload_t ev;
    if (msg->payload_size < sizeof ev)
        return;
    memcpy(&ev, msg->payload, sizeof ev);
    uint8_t hi = ev.status & 0xF0;
    if (hi == 0x90 && ev.data2 > 0)
        note_on(rt, a, ev.data1, ev.data2, ev.channel);
    else if (hi == 0x80 || hi == 0x90)
        note_off(rt, a, ev.data1, ev.channel);
}

static void on_config(runtime_t *rt, arp_t *a, const message_t *msg)
{
    if (msg->payload_size < 4)
        return;
    const uint8_t *p = msg->payload;
    switch (msg->type) {
    case MSG_ARP_SET_BPM: {
        uint16_t bpm;
        memcpy(&bpm, p, 2);
        a->bpm = bpm < 30 ? 30 : bpm > 300 ? 300 : bpm;
        if (a->timer != TIMER_ID_INVALID)
            start_timer(rt, a);
        break;
    }
    case MSG_ARP_SET_PATTERN:
        if (p[0] > ARP_RANDOM)
            break;
        a->pattern = p[0];
        a->pos = 0;
        a->up = true;
        break;
    case MSG_ARP_SET_OCTAVES:
        a->octaves = p[0] < 1 ? 1 : p[0] > 4 ? 4 : p[0];
        a->pos = 0;
        break;
    case MSG_ARP_ENABLE:
        if (!p[0] && a->enabled) {
            a->enabled = false;
            note_off_sounding(rt, a);
            stop_timer(rt, a);
        } else if (p[0] && !a->enabled) {
            a->enabled = true;
            if (a->n > 0) {
                a->pos = 0;
                a->up = true;
                start_timer(rt, a);
            }
        }
        break;
    default: break;
    }
}

static bool arp_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    arp_t *a = state;
    switch (msg->type) {
    case MIDI_MSG_BOOTSTRAP: {
        midi_subscribe_payload_t p = {MIDI_CHANNEL_ALL, MIDI_FILTER_NOTE, {0}};
        if (!actor_send_named(rt, MIDI_PATH, MSG_MIDI_SUBSCRIBE, &p, sizeof p))
            actor_log(rt, LOG_WARN, "arpeggiator: cannot subscribe: %s", mk_last_error());
        break;
    }
    case MSG_TIMER: {
        timer_payload_t t;
        if (msg->payload_size < sizeof t)
            break;
        memcpy(&t, msg->payload, sizeof t);
        if (t.id == a->timer && a->timer != TIMER_ID_INVALID)
            on_step(rt, a); /* a tick of a cancelled timer is ignored */
        break;
    }
    case MSG_MIDI_EVENT: on_midi_event(rt, a, msg); break;
    case MSG_ARP_SET_BPM:
    case MSG_ARP_SET_PATTERN:
    case MSG_ARP_SET_OCTAVES:
    case MSG_ARP_ENABLE: on_config(rt, a, msg); break;
    default: break; /* MSG_MIDI_OK / MSG_MIDI_ERROR to our sends */
    }
    return true;
}

actor_id_t arpeggiator_init(runtime_t *rt)
{
    if (!rt) {
        mk_set_error("arpeggiator_init: runtime is NULL");
        return ACTOR_ID_INVALID;
    }
    if (actor_lookup(rt, MIDI_PATH) == ACTOR_ID_INVALID) {
        mk_set_error("arpeggiator_init: %s is not registered", MIDI_PATH);
        return ACTOR_ID_INVALID;
    }
    arp_t *a = mk_calloc(1, sizeof *a);
    if (!a) {
        mk_set_error("arpeggiator_init: out of memory");
        return ACTOR_ID_INVALID;
    }
    a->bpm = 120;
    a->pattern = ARP_UP;
    a->octaves = 1;
    a->enabled = true;
    a->up = true;
    a->timer = TIMER_ID_INVALID;
    a->clock = g_clock;
    a->rng = g_seed;
    actor_id_t id = actor_spawn(rt, arp_behavior, a, mk_free, 64);
    if (id == ACTOR_ID_INVALID) {
        mk_free(a);
        return ACTOR_ID_INVALID;
    }
    if (!actor_register_name(rt, ARP_PATH, id)) {
        char why[200];
        snprintf(why, sizeof why, "%s", mk_last_error());
        actor_stop(rt, id);
        mk_set_error("arpeggiator_init: %s: %s", ARP_PATH, why);
        return ACTOR_ID_INVALID;
    }
    (void)actor_send(rt, id, MIDI_MSG_BOOTSTRAP, NULL, 0);
    return id;
}
