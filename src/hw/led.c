/*
 * led.c -- the addressable LED strip actor at "/node/hardware/led" (compat
 * hardware.md §4). Keeps the raw colours; SET_PIXEL and SET_BRIGHTNESS
 * only store (batching), SHOW and SET_ALL flush through the HAL with each
 * channel scaled raw * brightness / 255, CLEAR blanks. The strip settings
 * and raw buffer live in a record that survives restarts; a restart
 * re-configures the strip and shows the raw buffer again.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "hw/hal/led_hal.h"
#include "hw/hw_internal.h"
#include "hw/hw_parse.h"
#include "microkernel/led.h"

typedef struct {
    hw_common_t c;
    const mk_led_hal_t *hal;
    bool configured;
    uint8_t pin;
    size_t num_leds;
    uint8_t brightness;
    uint8_t raw[LED_MAX_LEDS][3];
} led_rec_t;

/* Scale every configured pixel into the HAL and show; false on failure. */
static bool flush(led_rec_t *l)
{
    const mk_led_hal_t *h = l->hal;
    for (size_t i = 0; i < l->num_leds; i++) {
        uint8_t px[3];
        for (int k = 0; k < 3; k++)
            px[k] = (uint8_t)((unsigned)l->raw[i][k] * l->brightness / 255u);
        if (!h->set_pixel(h->ctx, (int)i, px[0], px[1], px[2]))
            return false;
    }
    return h->show(h->ctx);
}

static bool bring_up(void *rec)
{
    led_rec_t *l = rec;
    const mk_led_hal_t *h = l->hal;
    if (!h->init(h->ctx))
        return false;
    if (l->configured) {
        if (h->configure(h->ctx, l->pin, (int)l->num_leds))
            (void)flush(l);
        else
            l->configured = false;
    }
    return true;
}

static void take_down(void *rec)
{
    led_rec_t *l = rec;
    if (l->configured)
        l->hal->deconfigure(l->hal->ctx);
    l->hal->deinit(l->hal->ctx);
}

static void reply_err(runtime_t *rt, const message_t *msg, const char *text)
{
    hw_reply_error(rt, msg, MSG_LED_ERROR, text);
}

/* OK, or on HAL failure an error reply and a restart if the HAL is wedged
 * (the original answers OK whatever the HAL did). */
static void reply_hal(runtime_t *rt, led_rec_t *l, const message_t *msg, bool ok, const char *what)
{
    if (ok) {
        hw_reply(rt, msg, MSG_LED_OK, NULL, 0);
        return;
    }
    if (l->hal->faulted(l->hal->ctx)) {
        reply_err(rt, msg, "hal fault");
        hw_check_fault(&l->c, true, what);
        return;
    }
    hw_reply(rt, msg, MSG_LED_OK, NULL, 0);
}

static bool led_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    led_rec_t *l = state;
    if (!hw_ready(rt, &l->c))
        return true;
    const mk_led_hal_t *h = l->hal;
    led_req_t r;
    hw_parse_err_t e = led_parse_request(msg->type, msg->payload, msg->payload_size, &r);
    if (e.early && strcmp(e.early, "unknown type") == 0)
        return true;
    if (e.early) {
        reply_err(rt, msg, e.early);
        return true;
    }
    if (msg->type == MSG_LED_CONFIGURE) {
        if (l->configured)
            h->deconfigure(h->ctx);
        l->configured = false;
        if (!h->configure(h->ctx, r.pin, (int)r.num_leds)) {
            reply_err(rt, msg, "hal configure failed");
            hw_check_fault(&l->c, h->faulted(h->ctx), "configure");
            return true;
        }
        l->configured = true;
        l->pin = r.pin;
        l->num_leds = r.num_leds;
        l->brightness = 255;
        memset(l->raw, 0, sizeof l->raw);
        hw_reply(rt, msg, MSG_LED_OK, NULL, 0);
        return true;
    }
    if (!l->configured) {
        reply_err(rt, msg, "not configured");
        return true;
    }
    if (e.late) {
        reply_err(rt, msg, e.late);
        return true;
    }
    switch (msg->type) {
    case MSG_LED_SET_PIXEL:
        if (r.index >= l->num_leds) {
            reply_err(rt, msg, "invalid index");
            break;
        }
        memcpy(l->raw[r.index], r.rgb, 3);
        hw_reply(rt, msg, MSG_LED_OK, NULL, 0);
        break;
    case MSG_LED_SET_ALL:
        if (r.num_leds > l->num_leds) {
            reply_err(rt, msg, "payload size mismatch");
            break;
        }
        memcpy(l->raw, r.pixels, 3 * r.num_leds);
        reply_hal(rt, l, msg, flush(l), "set_all");
        break;
    case MSG_LED_SET_BRIGHTNESS:
        l->brightness = r.brightness;
        hw_reply(rt, msg, MSG_LED_OK, NULL, 0);
        break;
    case MSG_LED_CLEAR:
        memset(l->raw, 0, sizeof l->raw);
        reply_hal(rt, l, msg, h->clear(h->ctx), "clear");
        break;
    case MSG_LED_SHOW: reply_hal(rt, l, msg, flush(l), "show"); break;
    default: break;
    }
    return true;
}

const hw_actor_def_t led_actor_def = {
    .path = "/node/hardware/led",
    .name = "led",
    .behavior = led_behavior,
    .bring_up = bring_up,
    .take_down = take_down,
};

void *led_record_new(runtime_t *rt, const mk_led_hal_t *hal)
{
    led_rec_t *l = mk_calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->c.def = &led_actor_def;
    l->c.rt = rt;
    l->c.manager = ACTOR_ID_INVALID;
    l->c.destroy = mk_free;
    l->hal = hal;
    l->brightness = 255;
    return l;
}

actor_id_t led_actor_init(runtime_t *rt)
{
    const mk_led_hal_t *hal = hw_default_led ? hw_default_led : led_mock_hal();
    void *rec = led_record_new(rt, hal);
    if (!rec)
        return ACTOR_ID_INVALID;
    return hw_spawn_unsupervised(rt, &led_actor_def, rec);
}
