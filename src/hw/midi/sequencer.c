/*
 * sequencer.c -- the step sequencer at "/sys/sequencer" (extension, see
 * microkernel/sequencer.h): a periodic clock (runtime timer, or a test's
 * fake through midi_set_clock) advances the song position by elapsed time
 * at 480 PPQN with an exact remainder; each track loops its own pattern;
 * switches wait for the bar; mute/solo/stop/switch send Note Off for the
 * notes a track left sounding. Storage is allocated once at init; a step
 * allocates nothing (export and SMF import allocate per request).
 */
#include "microkernel/sequencer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "hw/midi/midi_internal.h"
#include "hw/midi/smf.h"
#include "microkernel/error.h"
#include "microkernel/message.h"
#include "microkernel/midi.h"

#define SEQ_PATH SEQUENCER_PATH

typedef struct {
    uint32_t length; /* 0: empty slot */
    uint16_t n;
    seq_event_t ev[SEQ_PATTERN_EVENTS]; /* sorted by tick */
} seq_pattern_t;

typedef struct {
    seq_pattern_t slot[SEQ_SLOTS];
    int cur, pending; /* pending: slot to switch to on the next bar, -1 none */
    bool muted, solo;
    uint8_t active[16][16]; /* sounding notes: bit (note & 7) of [channel][note >> 3] */
} seq_track_t;

typedef struct {
    seq_track_t track[SEQ_TRACKS];
    bool playing;
    uint64_t pos;      /* song position: the last tick processed */
    uint64_t acc;      /* elapsed time since tick `pos`, in us x PPQN (a tick costs tempo_us) */
    uint32_t tempo_us; /* current tempo: microseconds per quarter note */
    /* Tempo map of the loaded file, in song ticks; loops every map_len
     * ticks (the longest imported track). Empty after SET_TEMPO. */
    size_t nmap;
    uint32_t map_len;
    smf_tempo_t map[SMF_MAX_TEMPOS];
    timer_id_t timer;
    const midi_clock_t *clock;
    /* What was played, for export: events and tempo changes in song ticks.
     * When either fills up, recording stops (the export then ends there). */
    bool rec_full;
    size_t nrec, nrect;
    smf_event_t rec[SEQ_RECORD_MAX];
    smf_tempo_t rect[SEQ_TEMPO_RECORD_MAX];
} seq_t;

/* Clamp an outside tempo to 30..300 BPM (bounds the ticks per step). */
static uint32_t clamp_tempo(uint32_t us)
{
    return us < SEQ_TEMPO_MIN_US ? SEQ_TEMPO_MIN_US : us > SEQ_TEMPO_MAX_US ? SEQ_TEMPO_MAX_US : us;
}

/* Record a tempo change at `tick` (one at the same tick replaces it). */
static void record_tempo(seq_t *s, uint64_t tick, uint32_t us)
{
    if (s->nrect && s->rect[s->nrect - 1].tick == tick) {
        s->rect[s->nrect - 1].us = us;
        return;
    }
    if (s->rec_full || s->nrect == SEQ_TEMPO_RECORD_MAX) {
        s->rec_full = true;
        return;
    }
    s->rect[s->nrect++] = (smf_tempo_t){(uint32_t)tick, us};
}

static void set_tempo(seq_t *s, uint32_t us)
{
    s->tempo_us = us;
    if (s->playing)
        record_tempo(s, s->pos, us);
}

static void reply_ok(runtime_t *rt, const message_t *m)
{
    if (m->source != ACTOR_ID_INVALID)
        (void)actor_send(rt, m->source, MSG_SEQ_OK, NULL, 0);
}

static void reply_err(runtime_t *rt, const message_t *m, const char *text)
{
    if (m->source != ACTOR_ID_INVALID)
        (void)actor_send(rt, m->source, MSG_SEQ_ERROR, text, strlen(text));
}

static void emit(runtime_t *rt, seq_t *s, uint64_t tick, uint8_t st, uint8_t d1, uint8_t d2)
{
    midi_send_payload_t p = {st, d1, d2, 0};
    (void)actor_send_named(rt, MIDI_PATH, MSG_MIDI_SEND, &p, sizeof p);
    if (s->rec_full || s->nrec == SEQ_RECORD_MAX)
        s->rec_full = true;
    else
        s->rec[s->nrec++] = (smf_event_t){(uint32_t)tick, 0, st, d1, d2};
}

static bool any_solo(const seq_t *s)
{
    for (int i = 0; i < SEQ_TRACKS; i++)
        if (s->track[i].solo)
            return true;
    return false;
}

static bool audible(const seq_t *s, int t)
{
    return !s->track[t].muted && (!any_solo(s) || s->track[t].solo);
}

/* Note Off for every note track `t` left sounding. */
static void silence(runtime_t *rt, seq_t *s, int t)
{
    seq_track_t *tr = &s->track[t];
    for (int ch = 0; ch < 16; ch++)
        for (int n = 0; n < 128; n++)
            if (tr->active[ch][n >> 3] & (1u << (n & 7))) {
                emit(rt, s, s->pos, (uint8_t)(0x80 | ch), (uint8_t)n, 0);
                tr->active[ch][n >> 3] &= (uint8_t) ~(1u << (n & 7));
            }
}

static void play_event(runtime_t *rt, seq_t *s, int t, uint64_t tick, const seq_event_t *e)
{
    seq_track_t *tr = &s->track[t];
    uint8_t hi = e->status & 0xF0, ch = e->status & 0x0F, n = e->data1 & 0x7F;
    uint8_t bit = (uint8_t)(1u << (n & 7));
    bool on = hi == 0x90 && e->data2 > 0, off = hi == 0x80 || (hi == 0x90 && e->data2 == 0);
    if (off) {
        if (tr->active[ch][n >> 3] & bit) { /* only notes this track started */
            emit(rt, s, tick, e->status, n, e->data2);
            tr->active[ch][n >> 3] &= (uint8_t)~bit;
        }
        return;
    }
    if (!audible(s, t))
        return;
    if (on)
        tr->active[ch][n >> 3] |= bit;
    emit(rt, s, tick, e->status, e->data1, e->data2);
}

static void process_tick(runtime_t *rt, seq_t *s, uint64_t tick)
{
    if (s->nmap) { /* the file's tempo changes first: they time this tick on */
        uint32_t local = (uint32_t)(tick % s->map_len);
        for (size_t i = 0; i < s->nmap && s->map[i].tick <= local; i++)
            if (s->map[i].tick == local)
                set_tempo(s, s->map[i].us);
    }
    for (int t = 0; t < SEQ_TRACKS; t++) {
        seq_track_t *tr = &s->track[t];
        if (tick % SEQ_BAR_TICKS == 0 && tr->pending >= 0) {
            silence(rt, s, t);
            tr->cur = tr->pending;
            tr->pending = -1;
        }
        const seq_pattern_t *p = &tr->slot[tr->cur];
        if (p->length == 0)
            continue;
        uint32_t local = (uint32_t)(tick % p->length);
        for (uint16_t i = 0; i < p->n && p->ev[i].tick <= local; i++)
            if (p->ev[i].tick == local)
                play_event(rt, s, t, tick, &p->ev[i]);
    }
}

static void on_step(runtime_t *rt, seq_t *s)
{
    if (!s->playing)
        return;
    /* A tick lasts tempo_us / PPQN microseconds: count time in us x PPQN
     * so every tempo is exact; a tempo change inside the step times the
     * ticks after it. At most 12 ticks per step (300 BPM). */
    s->acc += (uint64_t)SEQ_STEP_MS * 1000u * SEQ_PPQN;
    while (s->acc >= s->tempo_us) {
        s->acc -= s->tempo_us;
        process_tick(rt, s, ++s->pos);
    }
}

static void stop(runtime_t *rt, seq_t *s)
{
    for (int t = 0; t < SEQ_TRACKS; t++)
        silence(rt, s, t);
    if (s->timer != TIMER_ID_INVALID)
        s->clock->stop(s->clock->ctx, rt, s->timer);
    s->timer = TIMER_ID_INVALID;
    s->playing = false;
}

static int cmp_event(const void *a, const void *b)
{
    const seq_event_t *x = a, *y = b;
    return x->tick < y->tick ? -1 : x->tick > y->tick;
}

/* Store a pattern (events sorted by tick; stable for equal ticks). */
static const char *set_pattern(seq_t *s, int t, int slot, uint32_t len, const seq_event_t *ev,
                               size_t n)
{
    if (t >= SEQ_TRACKS || slot >= SEQ_SLOTS)
        return "track or slot out of range";
    if (len == 0 || len > 16u * SEQ_BAR_TICKS)
        return "pattern length out of range";
    if (n > SEQ_PATTERN_EVENTS)
        return "too many events";
    for (size_t i = 0; i < n; i++)
        if (ev[i].tick >= len || ev[i].status < 0x80 || ev[i].status >= 0xF0)
            return "bad event";
    seq_pattern_t *p = &s->track[t].slot[slot];
    p->length = len;
    p->n = (uint16_t)n;
    memcpy(p->ev, ev, n * sizeof *ev);
    /* insertion sort keeps equal ticks in their given order */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp_event(&p->ev[j - 1], &p->ev[j]) > 0; j--) {
            seq_event_t tmp = p->ev[j];
            p->ev[j] = p->ev[j - 1];
            p->ev[j - 1] = tmp;
        }
    return NULL;
}

static void on_load_smf(runtime_t *rt, seq_t *s, const message_t *m)
{
    smf_t *f = mk_malloc(sizeof *f);
    seq_event_t *ev = mk_malloc(SEQ_PATTERN_EVENTS * sizeof *ev);
    const char *err = NULL;
    if (!f || !ev) {
        err = "out of memory";
        goto done;
    }
    smf_err_t e = smf_parse(m->payload, m->payload_size, f);
    if (e != SMF_OK) {
        err = smf_strerror(e);
        goto done;
    }
    stop(rt, s);
    int out_track = 0;
    uint64_t song_len = 0;
    for (unsigned t = 0; t < f->ntracks && !err; t++) {
        size_t n = 0;
        for (size_t i = 0; i < f->nevents; i++) {
            if (f->events[i].track != t)
                continue;
            if (n == SEQ_PATTERN_EVENTS) {
                err = "a track has more than 256 events";
                break;
            }
            const smf_event_t *x = &f->events[i];
            ev[n++] = (seq_event_t){(uint32_t)((uint64_t)x->tick * SEQ_PPQN / f->division),
                                    x->status, x->data1, x->data2, 0};
        }
        if (n == 0 || err)
            continue; /* e.g. a type-1 tempo track */
        if (out_track == SEQ_TRACKS) {
            err = "more than 8 tracks with events";
            break;
        }
        uint64_t end = (uint64_t)f->end_tick[t] * SEQ_PPQN / f->division;
        if (end < ev[n - 1].tick + 1u)
            end = ev[n - 1].tick + 1u;
        end = (end + SEQ_BAR_TICKS - 1) / SEQ_BAR_TICKS * SEQ_BAR_TICKS;
        err = set_pattern(s, out_track, 0, (uint32_t)end, ev, n);
        if (end > song_len)
            song_len = end;
        s->track[out_track].cur = 0;
        s->track[out_track].pending = -1;
        out_track++;
    }
    /* The tempo map, scaled to 480 PPQN and clamped to 30..300 BPM; the
     * SMF default (120 BPM) until the first Set Tempo; changes past the
     * song's end are never reached and dropped. */
    s->nmap = 0;
    s->map_len = (uint32_t)song_len;
    if (song_len && f->ntempos && f->tempos[0].tick != 0)
        s->map[s->nmap++] = (smf_tempo_t){0, SMF_DEFAULT_TEMPO_US};
    for (size_t i = 0; song_len && i < f->ntempos; i++) {
        uint64_t tick = (uint64_t)f->tempos[i].tick * SEQ_PPQN / f->division;
        if (tick < song_len && s->nmap < SMF_MAX_TEMPOS)
            s->map[s->nmap++] = (smf_tempo_t){(uint32_t)tick, clamp_tempo(f->tempos[i].us)};
    }
    s->tempo_us = clamp_tempo(f->tempo_us);
done:
    mk_free(f);
    mk_free(ev);
    if (err)
        reply_err(rt, m, err);
    else
        reply_ok(rt, m);
}

static void on_export(runtime_t *rt, seq_t *s, const message_t *m)
{
    /* Never played: the current tempo alone. */
    const smf_tempo_t now = {0, s->tempo_us};
    const smf_tempo_t *tempos = s->nrect ? s->rect : &now;
    size_t nt = s->nrect ? s->nrect : 1;
    size_t cap = smf_write_size(s->nrec, nt);
    uint8_t *buf = mk_malloc(cap);
    if (!buf) {
        reply_err(rt, m, "out of memory");
        return;
    }
    size_t n = smf_write_map(s->rec, s->nrec, tempos, nt, SEQ_PPQN, buf, cap);
    if (m->source != ACTOR_ID_INVALID)
        (void)actor_send(rt, m->source, MSG_SEQ_SMF, buf, n);
    mk_free(buf);
}

static bool track_arg(const message_t *m, seq_track_payload_t *p)
{
    if (m->payload_size < sizeof *p)
        return false;
    memcpy(p, m->payload, sizeof *p);
    return p->track < SEQ_TRACKS;
}

static bool seq_behavior(runtime_t *rt, actor_t *self, message_t *m, void *state)
{
    (void)self;
    seq_t *s = state;
    seq_track_payload_t tp;
    switch (m->type) {
    case MSG_TIMER: {
        timer_payload_t t;
        if (m->payload_size >= sizeof t) {
            memcpy(&t, m->payload, sizeof t);
            if (t.id == s->timer && s->timer != TIMER_ID_INVALID)
                on_step(rt, s);
        }
        break;
    }
    case MSG_SEQ_PLAY:
        stop(rt, s);
        s->playing = true;
        s->pos = 0;
        s->acc = 0;
        s->nrec = s->nrect = 0;
        s->rec_full = false;
        record_tempo(s, 0, s->tempo_us);
        s->timer = s->clock->start(s->clock->ctx, rt, SEQ_STEP_MS);
        if (s->timer == TIMER_ID_INVALID) {
            s->playing = false;
            reply_err(rt, m, "no timer");
            break;
        }
        process_tick(rt, s, 0); /* tick 0 sounds at once */
        reply_ok(rt, m);
        break;
    case MSG_SEQ_STOP:
        stop(rt, s);
        reply_ok(rt, m);
        break;
    case MSG_SEQ_SET_TEMPO: {
        seq_tempo_payload_t p;
        if (m->payload_size < sizeof p) {
            reply_err(rt, m, "payload too small");
            break;
        }
        memcpy(&p, m->payload, sizeof p);
        if (p.bpm < 30 || p.bpm > 300) {
            reply_err(rt, m, "tempo out of range");
            break;
        }
        s->nmap = 0; /* the file's tempo map gives way to the user's tempo */
        set_tempo(s, (60000000u + p.bpm / 2u) / p.bpm);
        reply_ok(rt, m);
        break;
    }
    case MSG_SEQ_SET_PATTERN: {
        seq_pattern_payload_t h;
        if (m->payload_size < sizeof h) {
            reply_err(rt, m, "payload too small");
            break;
        }
        memcpy(&h, m->payload, sizeof h);
        if (m->payload_size < sizeof h + (size_t)h.n_events * sizeof(seq_event_t)) {
            reply_err(rt, m, "payload too small");
            break;
        }
        seq_event_t *ev = mk_malloc((h.n_events ? h.n_events : 1) * sizeof *ev);
        if (!ev) {
            reply_err(rt, m, "out of memory");
            break;
        }
        memcpy(ev, (const uint8_t *)m->payload + sizeof h, h.n_events * sizeof *ev);
        if (h.track < SEQ_TRACKS && h.slot < SEQ_SLOTS && h.slot == s->track[h.track].cur)
            silence(rt, s, h.track); /* its notes could never get their Note Off */
        const char *err = set_pattern(s, h.track, h.slot, h.length_ticks, ev, h.n_events);
        mk_free(ev);
        if (err)
            reply_err(rt, m, err);
        else
            reply_ok(rt, m);
        break;
    }
    case MSG_SEQ_SELECT:
        if (!track_arg(m, &tp) || tp.value >= SEQ_SLOTS) {
            reply_err(rt, m, "track or slot out of range");
            break;
        }
        s->track[tp.track].pending = tp.value;
        reply_ok(rt, m);
        break;
    case MSG_SEQ_MUTE:
    case MSG_SEQ_SOLO:
        if (!track_arg(m, &tp)) {
            reply_err(rt, m, "track out of range");
            break;
        }
        *(m->type == MSG_SEQ_MUTE ? &s->track[tp.track].muted : &s->track[tp.track].solo) =
            tp.value != 0;
        for (int t = 0; t < SEQ_TRACKS; t++)
            if (!audible(s, t))
                silence(rt, s, t);
        reply_ok(rt, m);
        break;
    case MSG_SEQ_LOAD_SMF: on_load_smf(rt, s, m); break;
    case MSG_SEQ_EXPORT: on_export(rt, s, m); break;
    default: break; /* MSG_MIDI_OK / ERROR to our sends */
    }
    return true;
}

actor_id_t sequencer_init(runtime_t *rt)
{
    if (!rt) {
        mk_set_error("sequencer_init: runtime is NULL");
        return ACTOR_ID_INVALID;
    }
    if (actor_lookup(rt, MIDI_PATH) == ACTOR_ID_INVALID) {
        mk_set_error("sequencer_init: %s is not registered", MIDI_PATH);
        return ACTOR_ID_INVALID;
    }
    seq_t *s = mk_calloc(1, sizeof *s);
    if (!s) {
        mk_set_error("sequencer_init: out of memory");
        return ACTOR_ID_INVALID;
    }
    s->tempo_us = SMF_DEFAULT_TEMPO_US; /* 120 BPM */
    s->timer = TIMER_ID_INVALID;
    s->clock = midi_get_clock();
    for (int t = 0; t < SEQ_TRACKS; t++)
        s->track[t].pending = -1;
    actor_id_t id = actor_spawn(rt, seq_behavior, s, mk_free, 64);
    if (id == ACTOR_ID_INVALID) {
        mk_free(s);
        return ACTOR_ID_INVALID;
    }
    if (!actor_register_name(rt, SEQ_PATH, id)) {
        char why[200];
        snprintf(why, sizeof why, "%s", mk_last_error());
        actor_stop(rt, id);
        mk_set_error("sequencer_init: %s: %s", SEQ_PATH, why);
        return ACTOR_ID_INVALID;
    }
    return id;
}
