/*
 * midi_actor.c -- the MIDI actor at "/node/hardware/midi": requests to
 * configure the backend, send short messages and SysEx, subscribe and
 * unsubscribe (../shared/compat/midi.md §1.4, same checks, order and error
 * texts), and received bytes parsed (midi_parser.c) and pushed to
 * subscribers through their channel/type filters (§1.3). Receive is
 * interrupt driven: edge events of the GPIO actor on the IRQ pin, or the
 * backend's notification fd, at most 64 bytes per notification; a periodic
 * poll only when neither can be had. The state is a hardware record
 * (hw_internal.h) that outlives restarts under hw_start()'s supervisor.
 */
#include <poll.h>
#include <inttypes.h>
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
#include "microkernel/gpio.h"
#include "microkernel/midi.h"

#define MIDI_MOCK_ADDR 0x48 /* compat §6 defaults: address 0x48, IRQ GPIO 43 */
#define MIDI_MOCK_IRQ  43

typedef struct {
    bool used;
    actor_id_t id;
    uint8_t channel; /* 0..15 or MIDI_CHANNEL_ALL */
    uint8_t filter;  /* MIDI_FILTER_* */
} midi_sub_t;

/* How receive is woken (docs/midi.md "Receive"). */
typedef enum {
    MIDI_IRQ_NONE,    /* not configured */
    MIDI_IRQ_GPIO,    /* MSG_GPIO_EVENT from the GPIO actor on the IRQ pin */
    MIDI_IRQ_FD,      /* MSG_FD_EVENT on the backend's notification fd */
    MIDI_IRQ_PENDING, /* subscribe sent to the GPIO actor, no answer yet */
    MIDI_IRQ_POLL,    /* fallback: a periodic MIDI_POLL_MS timer */
} midi_irq_mode_t;

/* The record: hw_common_t first (hw_factory/hw_release take it); lives
 * across restarts with the last configuration and the subscribers. */
typedef struct {
    hw_common_t c;
    const midi_backend_t *be;
    bool want_config;          /* a configuration was accepted: re-apply it on restart */
    midi_config_payload_t cfg; /* the last accepted one */
    bool configured;           /* the backend is up now */
    midi_parser_t parser;
    midi_sub_t subs[MIDI_MAX_SUBSCRIBERS];
    midi_irq_mode_t irq;
    actor_id_t gpio; /* GPIO actor subscribed to (MIDI_IRQ_GPIO/PENDING) */
    /* Replies still due for unsubscribes sent to `skip_from`: they are not
     * the answer to a later subscribe (one actor's replies keep order). */
    unsigned gpio_skip;
    actor_id_t skip_from;
    int watched_fd;  /* -1: none */
    timer_id_t poll; /* fallback poll timer, TIMER_ID_INVALID: none */
    mk_log_limit_t log;
    mk_log_limit_t irq_log;
} midi_state_t;

static const char *g_spec = "mock";
static bool g_running;   /* a MIDI record exists (status reads go through its backend) */
static uint64_t g_polls; /* fallback poll ticks handled, process-wide */

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

/* Stop whatever wakes receive now (poll timer, fd watch). A GPIO actor
 * subscription is dropped with an unsubscribe. */
static void disarm(runtime_t *rt, midi_state_t *s)
{
    if (s->poll != TIMER_ID_INVALID) {
        const midi_clock_t *clk = midi_get_clock();
        clk->stop(clk->ctx, rt, s->poll);
    }
    if (s->watched_fd >= 0)
        (void)actor_unwatch_fd(rt, s->watched_fd);
    if ((s->irq == MIDI_IRQ_GPIO || s->irq == MIDI_IRQ_PENDING) && s->gpio != ACTOR_ID_INVALID) {
        char text[24];
        int len = snprintf(text, sizeof text, "pin=%u", (unsigned)s->cfg.irq_pin);
        if (actor_send(rt, s->gpio, MSG_GPIO_UNSUBSCRIBE, text, (size_t)len)) {
            if (s->skip_from != s->gpio)
                s->gpio_skip = 0;
            s->skip_from = s->gpio;
            s->gpio_skip++;
        }
    }
    s->poll = TIMER_ID_INVALID;
    s->watched_fd = -1;
    s->gpio = ACTOR_ID_INVALID;
    s->irq = MIDI_IRQ_NONE;
}

/* The documented fallback: poll RXLVL every MIDI_POLL_MS on the step
 * clock (runtime timers unless a test installed a fake), logged. */
static void start_poll(runtime_t *rt, midi_state_t *s, const char *why)
{
    mk_log_limited(rt, &s->irq_log, LOG_WARN,
                   "midi: IRQ line %u cannot be requested (%s); polling every %u ms",
                   (unsigned)s->cfg.irq_pin, why, MIDI_POLL_MS);
    const midi_clock_t *clk = midi_get_clock();
    s->poll = clk->start(clk->ctx, rt, MIDI_POLL_MS);
    s->irq = MIDI_IRQ_POLL;
}

/*
 * Arrange to be woken when bytes arrive. An SC16IS752 IRQ pin goes through
 * the GPIO actor when one runs ("/node/hardware/gpio": it owns the GPIO
 * HAL's one notification fd): subscribe to falling edges of the pin, the
 * answer (MSG_GPIO_OK / MSG_GPIO_ERROR) settles it. Otherwise watch the
 * backend's fd. Neither: the fallback poll.
 */
static void arm(runtime_t *rt, midi_state_t *s)
{
    disarm(rt, s);
    if (!s->configured)
        return;
    actor_id_t gpio =
        s->be->irq_is_gpio ? actor_lookup(rt, "/node/hardware/gpio") : ACTOR_ID_INVALID;
    if (gpio != ACTOR_ID_INVALID && gpio != actor_self(rt)) {
        char text[40];
        int len = snprintf(text, sizeof text, "pin=%u\nedge=falling", (unsigned)s->cfg.irq_pin);
        if (actor_send(rt, gpio, MSG_GPIO_SUBSCRIBE, text, (size_t)len)) {
            s->gpio = gpio;
            s->irq = MIDI_IRQ_PENDING;
            return;
        }
    }
    int fd = s->be->notify_fd(s->be->ctx);
    if (fd >= 0 && actor_watch_fd(rt, fd, POLLIN)) {
        s->watched_fd = fd;
        s->irq = MIDI_IRQ_FD;
        return;
    }
    start_poll(rt, s, fd < 0 ? "no notification descriptor" : mk_last_error());
}

/* Answers and edge events of the GPIO actor we subscribed to. */
static void on_gpio(runtime_t *rt, midi_state_t *s, const message_t *msg)
{
    if (msg->type != MSG_GPIO_EVENT && s->gpio_skip && msg->source == s->skip_from) {
        s->gpio_skip--; /* the answer to an earlier unsubscribe */
        return;
    }
    if (s->gpio == ACTOR_ID_INVALID)
        return;
    if (msg->source != s->gpio) {
        /* A restarted GPIO actor keeps its subscribers (docs/hardware.md):
         * follow it to its new ID. */
        if (msg->type != MSG_GPIO_EVENT || s->irq != MIDI_IRQ_GPIO ||
            actor_lookup(rt, "/node/hardware/gpio") != msg->source)
            return;
        s->gpio = msg->source;
    }
    if (msg->type == MSG_GPIO_OK && s->irq == MIDI_IRQ_PENDING) {
        s->irq = MIDI_IRQ_GPIO;
        drain(rt, s); /* bytes that came before the subscription made no edge */
    } else if (msg->type == MSG_GPIO_ERROR && s->irq == MIDI_IRQ_PENDING) {
        char why[64];
        size_t n = msg->payload_size < sizeof why - 1 ? msg->payload_size : sizeof why - 1;
        memcpy(why, msg->payload, n);
        why[n] = '\0';
        s->gpio = ACTOR_ID_INVALID;
        start_poll(rt, s, why);
    } else if (msg->type == MSG_GPIO_EVENT && s->irq == MIDI_IRQ_GPIO) {
        char pin[24];
        snprintf(pin, sizeof pin, "pin=%u\n", (unsigned)s->cfg.irq_pin);
        if (msg->payload_size >= strlen(pin) && memcmp(msg->payload, pin, strlen(pin)) == 0)
            drain(rt, s);
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
        /* As the original: the configured flag stays as it was (a send then
         * answers "tx failed"); a restart re-applies the last good one. */
        reply_err(rt, msg, "hal configure failed");
        return;
    }
    disarm(rt, s);
    s->configured = s->want_config = true;
    s->cfg = cfg;
    midi_parser_reset(&s->parser);
    arm(rt, s);
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
    if (!hw_ready(rt, &s->c))
        return true;
    switch (msg->type) {
    case MIDI_MSG_BOOTSTRAP: arm(rt, s); break;
    case MSG_FD_EVENT:
        if (msg->source == ACTOR_ID_INVALID && s->irq == MIDI_IRQ_FD) {
            if (s->be->ack_notify)
                s->be->ack_notify(s->be->ctx);
            drain(rt, s);
        }
        break;
    case MSG_TIMER: {
        timer_payload_t t;
        if (msg->payload_size < sizeof t || s->irq != MIDI_IRQ_POLL)
            break;
        memcpy(&t, msg->payload, sizeof t);
        if (t.id == s->poll) {
            g_polls++;
            drain(rt, s);
        }
        break;
    }
    case MSG_GPIO_OK:
    case MSG_GPIO_ERROR:
    case MSG_GPIO_EVENT: on_gpio(rt, s, msg); break;
    case MSG_MIDI_CONFIGURE: on_configure(rt, s, msg); break;
    case MSG_MIDI_SEND: on_send(rt, s, msg); break;
    case MSG_MIDI_SEND_SYSEX: on_send_sysex(rt, s, msg); break;
    case MSG_MIDI_SUBSCRIBE: on_subscribe(rt, s, msg); break;
    case MSG_MIDI_UNSUBSCRIBE: on_unsubscribe(rt, s, msg); break;
    default: break;
    }
    return true;
}

/* Supervisor factory side (hw_factory): re-apply the last configuration of
 * a restarted actor; the subscribers are kept. Always true: a chip that
 * does not come back leaves the actor unconfigured (logged at ERROR; it
 * answers "not configured" until the next MSG_MIDI_CONFIGURE) rather than
 * crash-looping the supervisor that also runs GPIO, I2C, PWM and LED. */
static bool midi_bring_up(void *rec)
{
    midi_state_t *s = rec;
    /* A dead incarnation's timers and fd watches went with it. */
    s->irq = MIDI_IRQ_NONE;
    s->gpio = ACTOR_ID_INVALID;
    s->watched_fd = -1;
    s->poll = TIMER_ID_INVALID;
    s->gpio_skip = 0;
    midi_parser_reset(&s->parser);
    bool ok = true;
    if (s->want_config && !s->configured)
        ok = s->configured = s->be->configure(s->be->ctx, &s->cfg);
    if (s->c.starts > 1) {
        int subs = 0;
        for (int i = 0; i < MIDI_MAX_SUBSCRIBERS; i++)
            subs += s->subs[i].used;
        actor_log(s->c.rt, ok ? LOG_INFO : LOG_ERROR,
                  "midi: start %u of %s: %s, %d subscriber(s) kept", s->c.starts, MIDI_PATH,
                  !s->want_config ? "unconfigured"
                  : ok            ? "configuration re-applied"
                                  : "re-configuring the chip failed (unconfigured)",
                  subs);
    }
    return true;
}

static void midi_take_down(void *rec)
{
    midi_state_t *s = rec;
    if (s->configured)
        s->be->deconfigure(s->be->ctx);
    s->configured = false;
}

const hw_actor_def_t midi_actor_def = {
    .path = MIDI_PATH,
    .name = "midi",
    .behavior = midi_behavior,
    .bring_up = midi_bring_up,
    .take_down = midi_take_down,
};

static void midi_destroy(void *rec)
{
    g_running = false;
    mk_free(rec);
}

void *midi_record_new(runtime_t *rt)
{
    if (g_running) {
        mk_set_error("a MIDI actor already runs in this process");
        return NULL;
    }
    if (strcmp(g_spec, "mock") == 0 && !sc16is752_mock_attach(MIDI_MOCK_ADDR, MIDI_MOCK_IRQ)) {
        mk_set_error("no free slot on the mock I2C bus for the SC16IS752");
        return NULL;
    }
    midi_state_t *s = mk_calloc(1, sizeof *s);
    if (!s) {
        mk_set_error("out of memory");
        return NULL;
    }
    s->c.def = &midi_actor_def;
    s->c.rt = rt;
    s->c.manager = ACTOR_ID_INVALID;
    s->c.destroy = midi_destroy;
    s->be = midi_current_backend();
    s->watched_fd = -1;
    s->poll = TIMER_ID_INVALID;
    s->gpio = ACTOR_ID_INVALID;
    s->skip_from = ACTOR_ID_INVALID;
    g_running = true;
    return s;
}

uint64_t midi_poll_count(void)
{
    return g_polls;
}

actor_id_t midi_actor_init(runtime_t *rt)
{
    if (!rt) {
        mk_set_error("midi_actor_init: runtime is NULL");
        return ACTOR_ID_INVALID;
    }
    void *rec = midi_record_new(rt);
    if (!rec) {
        char why[200];
        snprintf(why, sizeof why, "%s", mk_last_error());
        mk_set_error("midi_actor_init: %s", why);
        return ACTOR_ID_INVALID;
    }
    hw_factory(rec); /* refs 1: this incarnation's; bring-up cannot fail unconfigured */
    actor_id_t id = actor_spawn(rt, midi_behavior, rec, hw_release, 64);
    if (id == ACTOR_ID_INVALID) {
        hw_release(rec);
        return ACTOR_ID_INVALID;
    }
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
