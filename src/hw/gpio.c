/*
 * gpio.c -- the GPIO actor at "/node/hardware/gpio" (compat hardware.md
 * §1): text requests to configure, write and read pins, and edge events
 * fanned out to subscribers with per-subscriber edge filters. Edges arrive
 * as pin numbers on the HAL's notification fd, watched through the
 * runtime's event loop (actor_watch_fd), never by a polling thread.
 * Configuration and subscriptions live in a record that survives restarts.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "hw/hal/gpio_hal.h"
#include "hw/hw_internal.h"
#include "hw/hw_parse.h"
#include "microkernel/gpio.h"

#define GPIO_DRAIN_MAX 32 /* pin numbers read per notification (the original's) */

typedef struct {
    bool used;
    int pin;
    int mode;
} gpio_slot_t;

typedef struct {
    bool used;
    actor_id_t subscriber;
    int pin;
    int edge; /* GPIO_EDGE_* filter */
} gpio_sub_t;

typedef struct {
    hw_common_t c;
    const mk_gpio_hal_t *hal;
    gpio_slot_t pins[GPIO_MAX_PINS];
    gpio_sub_t subs[GPIO_MAX_SUBSCRIPTIONS];
    int watched_fd; /* -1: none */
} gpio_rec_t;

static bool pin_has_subs(const gpio_rec_t *g, int pin)
{
    for (int i = 0; i < GPIO_MAX_SUBSCRIPTIONS; i++)
        if (g->subs[i].used && g->subs[i].pin == pin)
            return true;
    return false;
}

static gpio_slot_t *slot_of(gpio_rec_t *g, int pin)
{
    for (int i = 0; i < GPIO_MAX_PINS; i++)
        if (g->pins[i].used && g->pins[i].pin == pin)
            return &g->pins[i];
    return NULL;
}

/* Re-apply every recorded pin and interrupt (after init or restart). */
static bool bring_up(void *rec)
{
    gpio_rec_t *g = rec;
    const mk_gpio_hal_t *h = g->hal;
    g->watched_fd = -1;
    if (!h->init(h->ctx))
        return false;
    for (int i = 0; i < GPIO_MAX_PINS; i++)
        if (g->pins[i].used)
            (void)h->configure(h->ctx, g->pins[i].pin, g->pins[i].mode);
    for (int i = 0; i < GPIO_MAX_SUBSCRIPTIONS; i++)
        if (g->subs[i].used)
            (void)h->isr_add(h->ctx, g->subs[i].pin, GPIO_EDGE_BOTH);
    return true;
}

static void take_down(void *rec)
{
    gpio_rec_t *g = rec;
    const mk_gpio_hal_t *h = g->hal;
    for (int i = 0; i < GPIO_MAX_SUBSCRIPTIONS; i++)
        if (g->subs[i].used)
            (void)h->isr_remove(h->ctx, g->subs[i].pin);
    /* The runtime dropped the dead incarnation's watch; the fd closes here. */
    h->deinit(h->ctx);
    g->watched_fd = -1;
}

static void reply_ok(runtime_t *rt, const message_t *msg)
{
    hw_reply(rt, msg, MSG_GPIO_OK, NULL, 0);
}

static void reply_err(runtime_t *rt, const message_t *msg, const char *text)
{
    hw_reply_error(rt, msg, MSG_GPIO_ERROR, text);
}

static void do_configure(runtime_t *rt, gpio_rec_t *g, const message_t *msg, const gpio_req_t *r)
{
    const mk_gpio_hal_t *h = g->hal;
    gpio_slot_t *s = slot_of(g, r->pin);
    if (s) {
        if (s->mode != GPIO_MODE_OUTPUT && r->mode == GPIO_MODE_OUTPUT) {
            /* An output cannot interrupt: drop its subscriptions (original). */
            if (pin_has_subs(g, r->pin))
                (void)h->isr_remove(h->ctx, r->pin);
            for (int i = 0; i < GPIO_MAX_SUBSCRIPTIONS; i++)
                if (g->subs[i].used && g->subs[i].pin == r->pin)
                    g->subs[i].used = false;
        }
        s->mode = r->mode;
    } else {
        for (int i = 0; i < GPIO_MAX_PINS && !s; i++)
            if (!g->pins[i].used)
                s = &g->pins[i];
        if (!s) {
            reply_err(rt, msg, "too many pins");
            return;
        }
        *s = (gpio_slot_t){.used = true, .pin = r->pin, .mode = r->mode};
    }
    if (!h->configure(h->ctx, r->pin, r->mode)) {
        reply_err(rt, msg, "hal configure failed"); /* the slot stays recorded */
        hw_check_fault(&g->c, h->faulted(h->ctx), "configure");
        return;
    }
    reply_ok(rt, msg);
}

static void do_subscribe(runtime_t *rt, gpio_rec_t *g, const message_t *msg, const gpio_req_t *r)
{
    for (int i = 0; i < GPIO_MAX_SUBSCRIPTIONS; i++) {
        gpio_sub_t *s = &g->subs[i];
        if (s->used && s->subscriber == msg->source && s->pin == r->pin) {
            s->edge = r->edge;
            reply_ok(rt, msg);
            return;
        }
    }
    gpio_sub_t *free_sub = NULL;
    for (int i = 0; i < GPIO_MAX_SUBSCRIPTIONS && !free_sub; i++)
        if (!g->subs[i].used)
            free_sub = &g->subs[i];
    if (!free_sub) {
        reply_err(rt, msg, "too many subscriptions");
        return;
    }
    bool first = !pin_has_subs(g, r->pin);
    *free_sub =
        (gpio_sub_t){.used = true, .subscriber = msg->source, .pin = r->pin, .edge = r->edge};
    if (first && !g->hal->isr_add(g->hal->ctx, r->pin, GPIO_EDGE_BOTH)) {
        /* The original ignores this result; a wedged HAL still restarts us. */
        if (hw_check_fault(&g->c, g->hal->faulted(g->hal->ctx), "isr_add"))
            return;
    }
    reply_ok(rt, msg);
}

static void do_unsubscribe(runtime_t *rt, gpio_rec_t *g, const message_t *msg, int pin)
{
    for (int i = 0; i < GPIO_MAX_SUBSCRIPTIONS; i++)
        if (g->subs[i].used && g->subs[i].subscriber == msg->source && g->subs[i].pin == pin)
            g->subs[i].used = false;
    if (!pin_has_subs(g, pin))
        (void)g->hal->isr_remove(g->hal->ctx, pin);
    reply_ok(rt, msg);
}

/* Drain the HAL's queued edges and notify matching subscribers; a
 * subscriber that cannot be reached is removed. */
static void deliver_events(runtime_t *rt, gpio_rec_t *g)
{
    const mk_gpio_hal_t *h = g->hal;
    uint8_t pins[GPIO_DRAIN_MAX];
    int n = h->drain_events(h->ctx, pins, GPIO_DRAIN_MAX);
    for (int k = 0; k < n; k++) {
        int pin = pins[k];
        int level = h->read(h->ctx, pin);
        if (level < 0)
            level = 0; /* errors read as 0 (original) */
        int edge = level ? GPIO_EDGE_RISING : GPIO_EDGE_FALLING;
        char text[64];
        int len = snprintf(text, sizeof text, "pin=%d\nvalue=%d\nedge=%s", pin, level,
                           edge == GPIO_EDGE_RISING ? "rising" : "falling");
        for (int i = 0; i < GPIO_MAX_SUBSCRIPTIONS; i++) {
            gpio_sub_t *s = &g->subs[i];
            if (!s->used || s->pin != pin || (s->edge != GPIO_EDGE_BOTH && s->edge != edge))
                continue;
            if (!actor_send(rt, s->subscriber, MSG_GPIO_EVENT, text, (size_t)len)) {
                s->used = false;
                if (!pin_has_subs(g, pin))
                    (void)h->isr_remove(h->ctx, pin);
            }
        }
    }
}

static void watch(runtime_t *rt, gpio_rec_t *g)
{
    int fd = g->hal->notify_fd(g->hal->ctx);
    if (fd >= 0 && actor_watch_fd(rt, fd, POLLIN))
        g->watched_fd = fd;
}

static bool gpio_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    gpio_rec_t *g = state;
    if (!hw_ready(rt, &g->c))
        return true;
    const mk_gpio_hal_t *h = g->hal;
    if (msg->type == HW_MSG_BOOTSTRAP) {
        watch(rt, g);
        return true;
    }
    if (msg->type == MSG_FD_EVENT) {
        if (msg->source == ACTOR_ID_INVALID)
            deliver_events(rt, g);
        return true;
    }
    gpio_req_t r;
    const char *err = gpio_parse_request(msg->type, msg->payload, msg->payload_size, &r);
    if (err && strcmp(err, "unknown type") == 0)
        return true;
    if (err) {
        reply_err(rt, msg, err);
        return true;
    }
    switch (msg->type) {
    case MSG_GPIO_CONFIGURE: do_configure(rt, g, msg, &r); break;
    case MSG_GPIO_WRITE:
        if (!h->write(h->ctx, r.pin, r.value)) {
            reply_err(rt, msg, "write failed");
            hw_check_fault(&g->c, h->faulted(h->ctx), "write");
        } else {
            reply_ok(rt, msg);
        }
        break;
    case MSG_GPIO_READ: {
        int v = h->read(h->ctx, r.pin);
        if (v < 0) {
            reply_err(rt, msg, "read failed");
            hw_check_fault(&g->c, h->faulted(h->ctx), "read");
            break;
        }
        char text[40];
        int len = snprintf(text, sizeof text, "pin=%d\nvalue=%d", r.pin, v);
        hw_reply(rt, msg, MSG_GPIO_VALUE, text, (size_t)len);
        break;
    }
    case MSG_GPIO_SUBSCRIBE: do_subscribe(rt, g, msg, &r); break;
    case MSG_GPIO_UNSUBSCRIBE: do_unsubscribe(rt, g, msg, r.pin); break;
    default: break;
    }
    return true;
}

const hw_actor_def_t gpio_actor_def = {
    .path = "/node/hardware/gpio",
    .name = "gpio",
    .behavior = gpio_behavior,
    .bring_up = bring_up,
    .take_down = take_down,
};

void *gpio_record_new(runtime_t *rt, const mk_gpio_hal_t *hal)
{
    gpio_rec_t *g = mk_calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->c.def = &gpio_actor_def;
    g->c.rt = rt;
    g->c.manager = ACTOR_ID_INVALID;
    g->c.destroy = mk_free;
    g->hal = hal;
    g->watched_fd = -1;
    return g;
}

actor_id_t gpio_actor_init(runtime_t *rt)
{
    const mk_gpio_hal_t *hal = hw_default_gpio ? hw_default_gpio : gpio_mock_hal();
    void *rec = gpio_record_new(rt, hal);
    if (!rec)
        return ACTOR_ID_INVALID;
    return hw_spawn_unsupervised(rt, &gpio_actor_def, rec);
}
