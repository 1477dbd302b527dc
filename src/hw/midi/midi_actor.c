/*
 * midi_actor.c -- the MIDI actor at "/node/hardware/midi": requests to
 * configure the backend, send short messages and SysEx, subscribe and
 * unsubscribe (../shared/compat/midi.md §1.4, same checks, order and error
 * texts), and received bytes parsed (midi_parser.c) and pushed to
 * subscribers through their channel/type filters (§1.3). Receive is driven
 * by the backend's notification fd through the event loop, at most 64
 * bytes per notification; nothing here blocks or allocates per byte.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/log_limit.h"
#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/hal/mock/sc16is752_mock.h"
#include "hw/hw_internal.h"
#include "hw/midi/midi_internal.h"
#include "hw/midi/midi_parser.h"
#include "microkernel/error.h"
#include "microkernel/midi.h"

#define MIDI_MOCK_ADDR 0x48 /* compat §6 defaults: address 0x48, IRQ GPIO 43 */
#define MIDI_MOCK_IRQ  43

typedef struct {
    bool used;
    actor_id_t id;
    uint8_t channel; /* 0..15 or MIDI_CHANNEL_ALL */
    uint8_t filter;  /* MIDI_FILTER_* */
} midi_sub_t;

typedef struct {
    const midi_backend_t *be;
    bool configured;
    midi_parser_t parser;
    midi_sub_t subs[MIDI_MAX_SUBSCRIBERS];
    int watched_fd;  /* -1: none */
    timer_id_t poll; /* fallback poll timer, TIMER_ID_INVALID: none */
    mk_log_limit_t log;
} midi_state_t;

static const char *g_spec = "mock";
static bool g_running; /* an actor uses the backend (status reads go through it) */

bool midi_select_backend(const char *spec)
{
    if (!spec)
        return mk_fail("midi_select_backend: NULL spec");
    if (strcmp(spec, "mock") == 0 || strcmp(spec, "sc16is752") == 0) {
        g_spec = spec;
        return true;
    }
    if (strncmp(spec, "alsa:", 5) == 0) {
        if (!midi_alsa_backend(spec + 5))
            return mk_fail("--midi %s: the ALSA backend is not built in (libasound2-dev)", spec);
        g_spec = spec;
        return true;
    }
    return mk_fail("--midi: '%s' is not mock, sc16is752 or alsa:<client>:<port>", spec);
}

const midi_backend_t *midi_current_backend(void)
{
    if (strncmp(g_spec, "alsa:", 5) == 0) {
        const midi_backend_t *a = midi_alsa_backend(g_spec + 5);
        if (a)
            return a;
    }
    if (strcmp(g_spec, "sc16is752") == 0 && hw_default_i2c && hw_default_gpio)
        return sc16is752_backend(hw_default_i2c, hw_default_gpio);
    return sc16is752_backend(i2c_mock_hal(), gpio_mock_hal());
}

bool midi_read_status(midi_hal_status_t *out)
{
    memset(out, 0, sizeof *out);
    if (!g_running)
        return false;
    const midi_backend_t *be = midi_current_backend();
    return be->read_status(be->ctx, out);
}

static void reply_ok(runtime_t *rt, const message_t *msg)
{
    hw_reply(rt, msg, MSG_MIDI_OK, NULL, 0);
}

static void reply_err(runtime_t *rt, const message_t *msg, const char *text)
{
    hw_reply_error(rt, msg, MSG_MIDI_ERROR, text);
}

/* Filter bit of a short message's status (0: none, System Common). */
static uint8_t filter_bit(uint8_t status)
{
    if (status >= 0xF8)
        return MIDI_FILTER_REALTIME;
    switch (status & 0xF0) {
    case 0x80:
    case 0x90: return MIDI_FILTER_NOTE;
    case 0xA0:
    case 0xD0: return MIDI_FILTER_AFTERTOUCH;
    case 0xB0: return MIDI_FILTER_CC;
    case 0xC0: return MIDI_FILTER_PROGRAM;
    case 0xE0: return MIDI_FILTER_PITCHBEND;
    default: return 0;
    }
}

/* Deliver to every matching subscriber; a failed delivery unsubscribes. */
static void publish(runtime_t *rt, midi_state_t *s, msg_type_t type, uint8_t bit, uint8_t channel,
                    const void *payload, size_t len)
{
    for (int i = 0; i < MIDI_MAX_SUBSCRIBERS; i++) {
        midi_sub_t *sub = &s->subs[i];
        if (!sub->used || !(sub->filter & bit))
            continue;
        if (channel != 0xFF && sub->channel != MIDI_CHANNEL_ALL && sub->channel != channel)
            continue;
        if (!actor_send(rt, sub->id, type, payload, len)) {
            mk_log_limited(rt, &s->log, LOG_WARN,
                           "midi: subscriber %llu removed: delivery failed (%s)",
                           (unsigned long long)sub->id, mk_last_error());
            sub->used = false;
        }
    }
}

static void feed(runtime_t *rt, midi_state_t *s, const uint8_t *bytes, int n)
{
    for (int i = 0; i < n; i++) {
        midi_event_payload_t ev;
        switch (midi_parser_feed(&s->parser, bytes[i], &ev)) {
        case MIDI_PARSE_EVENT: {
            uint8_t bit = filter_bit(ev.status);
            if (bit)
                publish(rt, s, MSG_MIDI_EVENT, bit, ev.channel, &ev, sizeof ev);
            break;
        }
        case MIDI_PARSE_SYSEX: {
            uint8_t buf[4 + MIDI_SYSEX_MAX];
            uint16_t len = (uint16_t)s->parser.sysex_len;
            memset(buf, 0, 4);
            memcpy(buf, &len, 2);
            memcpy(buf + 4, s->parser.sysex, len);
            publish(rt, s, MSG_MIDI_SYSEX_EVENT, MIDI_FILTER_SYSEX, 0xFF, buf, 4u + len);
            break;
        }
        default: break;
        }
    }
}

static void drain(runtime_t *rt, midi_state_t *s)
{
    if (!s->configured)
        return;
    uint8_t buf[MIDI_RX_DRAIN_MAX];
    int n = s->be->drain_rx(s->be->ctx, buf, MIDI_RX_DRAIN_MAX);
    if (n < 0)
        mk_log_limited(rt, &s->log, LOG_WARN, "midi: receive failed on %s", s->be->name);
    else
        feed(rt, s, buf, n);
}

/* Watch the backend's notification fd; if another actor owns it (the GPIO
 * actor on a shared GPIO HAL), poll RXLVL every MIDI_POLL_MS instead. */
static void watch(runtime_t *rt, midi_state_t *s)
{
    int fd = s->be->notify_fd(s->be->ctx);
    if (s->watched_fd >= 0 && s->watched_fd != fd)
        (void)actor_unwatch_fd(rt, s->watched_fd);
    s->watched_fd = -1;
    if (fd >= 0 && actor_watch_fd(rt, fd, POLLIN)) {
        s->watched_fd = fd;
        return;
    }
    if (s->poll == TIMER_ID_INVALID) {
        actor_log(rt, LOG_WARN, "midi: IRQ descriptor not available (%s); polling every %u ms",
                  fd < 0 ? "none" : mk_last_error(), MIDI_POLL_MS);
        s->poll = actor_set_timer(rt, MIDI_POLL_MS, true);
    }
}

static void on_configure(runtime_t *rt, midi_state_t *s, const message_t *msg)
{
    midi_config_payload_t cfg;
    if (msg->payload_size < sizeof cfg) {
        reply_err(rt, msg, "payload too small");
        return;
    }
    memcpy(&cfg, msg->payload, sizeof cfg);
    if (s->configured)
        s->be->deconfigure(s->be->ctx);
    if (!s->be->configure(s->be->ctx, &cfg)) {
        reply_err(rt, msg, "hal configure failed");
        return;
    }
    s->configured = true;
    midi_parser_reset(&s->parser);
    watch(rt, s);
    reply_ok(rt, msg);
}

static void on_send(runtime_t *rt, midi_state_t *s, const message_t *msg)
{
    midi_send_payload_t p;
    if (!s->configured) {
        reply_err(rt, msg, "not configured");
        return;
    }
    if (msg->payload_size < sizeof p) {
        reply_err(rt, msg, "payload too small");
        return;
    }
    memcpy(&p, msg->payload, sizeof p);
    if (p.status < 0x80) {
        reply_err(rt, msg, "invalid status byte");
        return;
    }
    int len = midi_message_length(p.status);
    if (len == 0) {
        reply_err(rt, msg, "unsupported status byte");
        return;
    }
    uint8_t bytes[3] = {p.status, p.data1, p.data2};
    if (s->be->tx(s->be->ctx, bytes, (size_t)len) != 0) {
        reply_err(rt, msg, "tx failed");
        return;
    }
    reply_ok(rt, msg);
}

static void on_send_sysex(runtime_t *rt, midi_state_t *s, const message_t *msg)
{
    if (!s->configured) {
        reply_err(rt, msg, "not configured");
        return;
    }
    uint16_t len;
    if (msg->payload_size < 4) {
        reply_err(rt, msg, "payload too small");
        return;
    }
    memcpy(&len, msg->payload, 2);
    if (msg->payload_size < 4u + len) {
        reply_err(rt, msg, "payload too small");
        return;
    }
    const uint8_t *d = (const uint8_t *)msg->payload + 4;
    if (len < 2 || d[0] != 0xF0 || d[len - 1] != 0xF7) {
        reply_err(rt, msg, "invalid sysex framing");
        return;
    }
    if (s->be->tx(s->be->ctx, d, len) != 0) {
        reply_err(rt, msg, "tx failed");
        return;
    }
    reply_ok(rt, msg);
}

static void on_subscribe(runtime_t *rt, midi_state_t *s, const message_t *msg)
{
    midi_subscribe_payload_t p;
    if (msg->payload_size < sizeof p) {
        reply_err(rt, msg, "payload too small");
        return;
    }
    memcpy(&p, msg->payload, sizeof p);
    midi_sub_t *slot = NULL;
    for (int i = 0; i < MIDI_MAX_SUBSCRIBERS && !slot; i++)
        if (s->subs[i].used && s->subs[i].id == msg->source)
            slot = &s->subs[i];
    for (int i = 0; i < MIDI_MAX_SUBSCRIBERS && !slot; i++)
        if (!s->subs[i].used)
            slot = &s->subs[i];
    if (!slot) {
        reply_err(rt, msg, "too many subscriptions");
        return;
    }
    *slot = (midi_sub_t){true, msg->source, p.channel, p.msg_filter};
    reply_ok(rt, msg);
}

static void on_unsubscribe(runtime_t *rt, midi_state_t *s, const message_t *msg)
{
    for (int i = 0; i < MIDI_MAX_SUBSCRIBERS; i++)
        if (s->subs[i].used && s->subs[i].id == msg->source)
            s->subs[i].used = false;
    reply_ok(rt, msg);
}

static bool midi_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    midi_state_t *s = state;
    switch (msg->type) {
    case MIDI_MSG_BOOTSTRAP:
        if (s->configured)
            watch(rt, s);
        break;
    case MSG_FD_EVENT:
    case MSG_TIMER: drain(rt, s); break;
    case MSG_MIDI_CONFIGURE: on_configure(rt, s, msg); break;
    case MSG_MIDI_SEND: on_send(rt, s, msg); break;
    case MSG_MIDI_SEND_SYSEX: on_send_sysex(rt, s, msg); break;
    case MSG_MIDI_SUBSCRIBE: on_subscribe(rt, s, msg); break;
    case MSG_MIDI_UNSUBSCRIBE: on_unsubscribe(rt, s, msg); break;
    default: break;
    }
    return true;
}

static void midi_free(void *state)
{
    midi_state_t *s = state;
    if (s->configured)
        s->be->deconfigure(s->be->ctx);
    g_running = false;
    mk_free(s);
}

actor_id_t midi_actor_init(runtime_t *rt)
{
    if (!rt) {
        mk_set_error("midi_actor_init: runtime is NULL");
        return ACTOR_ID_INVALID;
    }
    if (g_running) {
        mk_set_error("midi_actor_init: a MIDI actor already runs in this process");
        return ACTOR_ID_INVALID;
    }
    midi_state_t *s = mk_calloc(1, sizeof *s);
    if (!s) {
        mk_set_error("midi_actor_init: out of memory");
        return ACTOR_ID_INVALID;
    }
    if (strcmp(g_spec, "mock") == 0 && !sc16is752_mock_attach(MIDI_MOCK_ADDR, MIDI_MOCK_IRQ)) {
        mk_free(s);
        mk_set_error("midi_actor_init: no free slot on the mock I2C bus for the SC16IS752");
        return ACTOR_ID_INVALID;
    }
    s->be = midi_current_backend();
    s->watched_fd = -1;
    s->poll = TIMER_ID_INVALID;
    actor_id_t id = actor_spawn(rt, midi_behavior, s, midi_free, 64);
    if (id == ACTOR_ID_INVALID) {
        mk_free(s);
        return ACTOR_ID_INVALID;
    }
    g_running = true;
    if (!actor_register_name(rt, MIDI_PATH, id)) {
        char why[200];
        snprintf(why, sizeof why, "%s", mk_last_error());
        actor_stop(rt, id);
        mk_set_error("midi_actor_init: %s: %s", MIDI_PATH, why);
        return ACTOR_ID_INVALID;
    }
    (void)actor_send(rt, id, MIDI_MSG_BOOTSTRAP, NULL, 0);
    return id;
}
