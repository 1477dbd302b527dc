/*
 * pwm.c -- the PWM actor at "/node/hardware/pwm" (compat hardware.md §3):
 * configure a channel (pin, frequency, resolution) and set its duty. As in
 * the original the actor checks only sizes and the channel number; the
 * HAL refuses what the hardware cannot do. Channel settings and the last
 * duty live in a record that survives restarts.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "hw/hal/pwm_hal.h"
#include "hw/hw_internal.h"
#include "hw/hw_parse.h"
#include "microkernel/pwm.h"

typedef struct {
    bool configured;
    uint8_t pin, resolution;
    uint32_t freq_hz;
    uint32_t duty; /* last duty the HAL accepted */
} pwm_ch_t;

typedef struct {
    hw_common_t c;
    const mk_pwm_hal_t *hal;
    pwm_ch_t ch[PWM_MAX_CHANNELS];
} pwm_rec_t;

static bool bring_up(void *rec)
{
    pwm_rec_t *p = rec;
    const mk_pwm_hal_t *h = p->hal;
    if (!h->init(h->ctx))
        return false;
    for (int i = 0; i < PWM_MAX_CHANNELS; i++) {
        pwm_ch_t *c = &p->ch[i];
        if (!c->configured)
            continue;
        if (!h->configure(h->ctx, i, c->pin, c->freq_hz, c->resolution))
            c->configured = false;
        else
            (void)h->set_duty(h->ctx, i, c->duty);
    }
    return true;
}

static void take_down(void *rec)
{
    pwm_rec_t *p = rec;
    for (int i = 0; i < PWM_MAX_CHANNELS; i++)
        if (p->ch[i].configured)
            p->hal->deconfigure(p->hal->ctx, i);
    p->hal->deinit(p->hal->ctx);
}

static bool pwm_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    pwm_rec_t *p = state;
    if (!hw_ready(rt, &p->c))
        return true;
    const mk_pwm_hal_t *h = p->hal;
    pwm_req_t r;
    hw_parse_err_t e = pwm_parse_request(msg->type, msg->payload, msg->payload_size, &r);
    if (e.early && strcmp(e.early, "unknown type") == 0)
        return true;
    if (e.early) {
        hw_reply_error(rt, msg, MSG_PWM_ERROR, e.early);
        return true;
    }
    pwm_ch_t *c = &p->ch[r.channel];
    if (msg->type == MSG_PWM_CONFIGURE) {
        if (c->configured)
            h->deconfigure(h->ctx, r.channel);
        c->configured = false;
        if (!h->configure(h->ctx, r.channel, r.pin, r.freq_hz, r.resolution)) {
            hw_reply_error(rt, msg, MSG_PWM_ERROR, "hal configure failed");
            hw_check_fault(&p->c, h->faulted(h->ctx), "configure");
            return true;
        }
        *c = (pwm_ch_t){
            .configured = true, .pin = r.pin, .resolution = r.resolution, .freq_hz = r.freq_hz};
        hw_reply(rt, msg, MSG_PWM_OK, NULL, 0);
        return true;
    }
    if (!c->configured) {
        hw_reply_error(rt, msg, MSG_PWM_ERROR, "not configured");
        return true;
    }
    if (!h->set_duty(h->ctx, r.channel, r.duty)) {
        hw_reply_error(rt, msg, MSG_PWM_ERROR, "hal set duty failed");
        hw_check_fault(&p->c, h->faulted(h->ctx), "set_duty");
        return true;
    }
    c->duty = r.duty;
    hw_reply(rt, msg, MSG_PWM_OK, NULL, 0);
    return true;
}

const hw_actor_def_t pwm_actor_def = {
    .path = "/node/hardware/pwm",
    .name = "pwm",
    .behavior = pwm_behavior,
    .bring_up = bring_up,
    .take_down = take_down,
};

void *pwm_record_new(runtime_t *rt, const mk_pwm_hal_t *hal)
{
    pwm_rec_t *p = mk_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->c.def = &pwm_actor_def;
    p->c.rt = rt;
    p->c.manager = ACTOR_ID_INVALID;
    p->c.destroy = mk_free;
    p->hal = hal;
    return p;
}

actor_id_t pwm_actor_init(runtime_t *rt)
{
    const mk_pwm_hal_t *hal = hw_default_pwm ? hw_default_pwm : pwm_mock_hal();
    void *rec = pwm_record_new(rt, hal);
    if (!rec)
        return ACTOR_ID_INVALID;
    return hw_spawn_unsupervised(rt, &pwm_actor_def, rec);
}
