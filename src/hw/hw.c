/*
 * hw.c -- starting the hardware actors: the HAL backends chosen at run
 * time, the one-for-one supervisor over GPIO, I2C, PWM, LED and MIDI, and a small
 * manager actor that re-registers a restarted actor's namespace path and
 * re-sends its bootstrap (the supervisor only re-registers flat names).
 * Also the helpers every hardware actor uses (records, replies, faults).
 * Nothing here runs per message except hw_reply* and hw_ready.
 */
#include "core/alloc_internal.h"
#include "microkernel/hw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "microkernel/error.h"
#include "hw/hal/gpio_hal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/hal/led_hal.h"
#include "hw/hal/pwm_hal.h"
#include "hw/hw_internal.h"
#include "hw/midi/midi_internal.h"
#include "microkernel/midi.h"
#include "microkernel/supervision.h"

const struct mk_gpio_hal *hw_default_gpio;
const struct mk_i2c_hal *hw_default_i2c;
const struct mk_pwm_hal *hw_default_pwm;
const struct mk_led_hal *hw_default_led;

#define HW_CHILDREN        5 /* gpio, i2c, pwm, led, midi */
#define HW_MOCK_I2C_DEVICE 0x50

typedef struct {
    runtime_t *rt;
    actor_id_t sup;
    void *rec[HW_CHILDREN]; /* by child index: only the actors whose HAL initialised */
    const hw_actor_def_t *def[HW_CHILDREN];
    size_t n;
} hw_manager_t;

/* One hw_start per runtime: which runtime and its supervisor/manager. */
static struct {
    runtime_t *rt;
    actor_id_t sup;
    actor_id_t manager;
} g_hw;

void hw_config_init(hw_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->backend = HW_BACKEND_MOCK;
    cfg->gpiochip = "/dev/gpiochip0";
    cfg->i2c_bus = 1;
    cfg->pwm_chip = 0;
    cfg->pwm_sysfs_root = "/sys/class/pwm";
    cfg->led_spidev = "/dev/spidev0.0";
    cfg->max_restarts = 5;
    cfg->window_ms = 10000;
}

/* A decimal in 0..255, or -1. */
static int small_number(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return s[0] >= '0' && s[0] <= '9' && !*end && v <= 255 ? (int)v : -1;
}

bool hw_config_set(hw_config_t *cfg, const char *opt, const char *value)
{
    if (!cfg || !opt || !value)
        return mk_fail("hw_config_set: NULL argument");
    if (strcmp(opt, "hw") == 0) {
        if (strcmp(value, "mock") == 0)
            cfg->backend = HW_BACKEND_MOCK;
        else if (strcmp(value, "linux") == 0)
            cfg->backend = HW_BACKEND_LINUX;
        else if (strcmp(value, "none") == 0)
            cfg->backend = HW_BACKEND_NONE;
        else
            return mk_fail("--hw: '%s' is not linux, mock or none", value);
        return true;
    }
    if (strcmp(opt, "midi") == 0) {
        if (!midi_select_backend(value))
            return false;
        cfg->midi = value;
        return true;
    }
    if (strcmp(opt, "i2c-bus") == 0 || strcmp(opt, "pwm-chip") == 0) {
        int n = small_number(value);
        if (n < 0)
            return mk_fail("--%s: '%s' is not a number in 0..255", opt, value);
        *(opt[0] == 'i' ? &cfg->i2c_bus : &cfg->pwm_chip) = n;
        return true;
    }
    const char **slot = strcmp(opt, "gpiochip") == 0         ? &cfg->gpiochip
                        : strcmp(opt, "pwm-sysfs-root") == 0 ? &cfg->pwm_sysfs_root
                        : strcmp(opt, "led-spidev") == 0     ? &cfg->led_spidev
                                                             : NULL;
    if (!slot)
        return mk_fail("hw_config_set: unknown option '%s'", opt);
    if (!value[0])
        return mk_fail("--%s: empty path", opt);
    *slot = value;
    return true;
}

void hw_reply(runtime_t *rt, const message_t *msg, msg_type_t type, const void *data, size_t len)
{
    if (msg->source == ACTOR_ID_INVALID)
        return;
    /* A dead or full requester loses its reply; nothing else to do. */
    (void)actor_send(rt, msg->source, type, len ? data : NULL, len);
}

void hw_reply_error(runtime_t *rt, const message_t *msg, msg_type_t type, const char *text)
{
    hw_reply(rt, msg, type, text, strlen(text));
}

bool hw_check_fault(hw_common_t *c, bool faulted, const char *what)
{
    if (!faulted)
        return false;
    mk_log_limited(c->rt, &c->fault_log, LOG_ERROR, "%s: HAL fault in %s; restarting the actor",
                   c->def->name, what);
    actor_exit(c->rt, actor_self(c->rt), EXIT_CRASHED);
    return true;
}

void hw_record_unref(void *rec)
{
    hw_common_t *c = rec;
    if (c && --c->refs <= 0)
        c->destroy(rec);
}

void *hw_factory(void *rec)
{
    hw_common_t *c = rec;
    c->refs++;
    c->starts++;
    c->hal_up = c->def->bring_up(rec);
    if (c->manager != ACTOR_ID_INVALID)
        (void)actor_send(c->rt, c->manager, HW_MSG_STARTED, &c->index, sizeof c->index);
    return rec;
}

void hw_release(void *rec)
{
    hw_common_t *c = rec;
    if (c->hal_up)
        c->def->take_down(rec);
    c->hal_up = false;
    hw_record_unref(rec);
}

bool hw_ready(runtime_t *rt, hw_common_t *c)
{
    if (c->hal_up)
        return true;
    mk_log_limited(rt, &c->fault_log, LOG_ERROR, "%s: HAL init failed; restarting the actor",
                   c->def->name);
    actor_exit(rt, actor_self(rt), EXIT_CRASHED);
    return false;
}

/* Map def->path to `id` (replacing a stale entry of a dead incarnation). */
static bool claim_path(runtime_t *rt, const char *path, actor_id_t id)
{
    if (actor_lookup(rt, path) == id)
        return true;
    if (actor_register_name(rt, path, id))
        return true;
    (void)actor_unregister_name(rt, path);
    return actor_register_name(rt, path, id);
}

actor_id_t hw_spawn_unsupervised(runtime_t *rt, const hw_actor_def_t *def, void *rec)
{
    hw_common_t *c = rec;
    c->manager = ACTOR_ID_INVALID;
    hw_factory(rec);
    if (!c->hal_up) {
        hw_release(rec);
        mk_set_error("%s_actor_init: HAL init failed", def->name);
        return ACTOR_ID_INVALID;
    }
    actor_id_t id = actor_spawn(rt, def->behavior, rec, hw_release, 32);
    if (id == ACTOR_ID_INVALID) {
        hw_release(rec);
        return ACTOR_ID_INVALID;
    }
    if (!actor_register_name(rt, def->path, id)) {
        actor_stop(rt, id);
        return ACTOR_ID_INVALID;
    }
    (void)actor_send(rt, id, HW_MSG_BOOTSTRAP, NULL, 0);
    return id;
}

/* The manager: on HW_MSG_STARTED {index} claim the path for the child's
 * new ID and send it its bootstrap. */
static bool manager_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    hw_manager_t *m = state;
    uint32_t idx;
    if (msg->type != HW_MSG_STARTED || msg->payload_size != sizeof idx)
        return true;
    memcpy(&idx, msg->payload, sizeof idx);
    if (idx >= m->n || m->sup == ACTOR_ID_INVALID)
        return true;
    actor_id_t id = supervisor_get_child(rt, m->sup, idx);
    if (id == ACTOR_ID_INVALID)
        return true; /* died again before we ran: its next start tells us */
    if (!claim_path(rt, m->def[idx]->path, id))
        actor_log(rt, LOG_ERROR, "hw: cannot register %s: %s", m->def[idx]->path, mk_last_error());
    (void)actor_send(rt, id, HW_MSG_BOOTSTRAP, NULL, 0);
    return true;
}

static void manager_free(void *state)
{
    hw_manager_t *m = state;
    for (size_t i = 0; i < m->n; i++) {
        hw_common_t *c = m->rec[i];
        if (c) {
            c->manager = ACTOR_ID_INVALID;
            hw_record_unref(c);
        }
    }
    if (g_hw.rt == m->rt) {
        g_hw.rt = NULL;
        g_hw.sup = g_hw.manager = ACTOR_ID_INVALID;
    }
    mk_free(m);
}

/* Pick the HAL tables for `cfg`. False with a reason. */
static bool pick_hals(const hw_config_t *cfg, const mk_gpio_hal_t **g, const mk_i2c_hal_t **i,
                      const mk_pwm_hal_t **p, const mk_led_hal_t **l)
{
    if (cfg->backend == HW_BACKEND_MOCK) {
        /* Something to talk to on the simulated bus (docs/hardware.md):
         * a register-file device where a 24C02 EEPROM would answer. */
        (void)i2c_mock_add_device(HW_MOCK_I2C_DEVICE);
        *g = gpio_mock_hal();
        *i = i2c_mock_hal();
        *p = pwm_mock_hal();
        *l = led_mock_hal();
        return true;
    }
    *g = gpio_gpiod_hal(cfg->gpiochip);
    if (!*g)
        return mk_fail("hw_start: the GPIO backend (libgpiod) is not built in");
    *i = i2c_dev_hal(cfg->i2c_bus);
    *p = pwm_sysfs_hal(cfg->pwm_sysfs_root, cfg->pwm_chip);
    *l = led_spidev_hal(cfg->led_spidev);
    return true;
}

actor_id_t hw_start(runtime_t *rt, const hw_config_t *cfg_in)
{
    hw_config_t cfg;
    if (cfg_in)
        cfg = *cfg_in;
    else
        hw_config_init(&cfg);
    if (!rt) {
        mk_set_error("hw_start: runtime is NULL");
        return ACTOR_ID_INVALID;
    }
    if (cfg.backend == HW_BACKEND_NONE) {
        mk_set_error("hw_start: backend \"none\"");
        return ACTOR_ID_INVALID;
    }
    if (g_hw.rt == rt) {
        mk_set_error("hw_start: hardware actors already started on this runtime");
        return ACTOR_ID_INVALID;
    }
    const mk_gpio_hal_t *gh = NULL;
    const mk_i2c_hal_t *ih = NULL;
    const mk_pwm_hal_t *ph = NULL;
    const mk_led_hal_t *lh = NULL;
    if (!pick_hals(&cfg, &gh, &ih, &ph, &lh))
        return ACTOR_ID_INVALID;
    hw_default_gpio = gh;
    hw_default_i2c = ih;
    hw_default_pwm = ph;
    hw_default_led = lh;

    hw_manager_t *m = mk_calloc(1, sizeof *m);
    if (!m) {
        mk_set_error("hw_start: out of memory");
        return ACTOR_ID_INVALID;
    }
    m->rt = rt;
    m->sup = ACTOR_ID_INVALID;
    const hw_actor_def_t *defs[HW_CHILDREN - 1] = {&gpio_actor_def, &i2c_actor_def, &pwm_actor_def,
                                                   &led_actor_def};
    void *recs[HW_CHILDREN - 1] = {gpio_record_new(rt, gh), i2c_record_new(rt, ih),
                                   pwm_record_new(rt, ph), led_record_new(rt, lh)};
    /* Probe each HAL (init + deinit): a board without, say, SPI still gets
     * the other actors; the skipped ones are logged. */
    char skipped[160] = "";
    for (int i = 0; i < HW_CHILDREN - 1; i++) {
        hw_common_t *c = recs[i];
        if (!c) {
            mk_set_error("hw_start: out of memory");
        } else if (defs[i]->bring_up(c)) {
            defs[i]->take_down(c);
            m->def[m->n] = defs[i];
            m->rec[m->n++] = c;
            continue;
        } else {
            actor_log(rt, LOG_WARN, "hw: %s not started: its HAL (%s backend) did not initialise",
                      defs[i]->path, cfg.backend == HW_BACKEND_MOCK ? "mock" : "linux");
        }
        size_t used = strlen(skipped);
        snprintf(skipped + used, sizeof skipped - used, "%s%s", used ? ", " : "", defs[i]->name);
        mk_free(c);
    }
    /* The MIDI actor (docs/midi.md), last child: the simulated SC16IS752
     * with the mock backend, the chip on the Linux HALs otherwise. It starts
     * unconfigured (no probe); a failure here is logged, the rest runs. */
    void *midi = NULL;
    if (m->n > 0 && midi_select_backend(cfg.midi                         ? cfg.midi
                                        : cfg.backend == HW_BACKEND_MOCK ? "mock"
                                                                         : "sc16is752"))
        midi = midi_record_new(rt);
    if (midi) {
        m->def[m->n] = &midi_actor_def;
        m->rec[m->n++] = midi;
    } else if (m->n > 0) {
        actor_log(rt, LOG_WARN, "hw: /node/hardware/midi not started: %s", mk_last_error());
    }
    if (m->n == 0) {
        mk_free(m);
        mk_set_error("hw_start: no hardware HAL initialised (%s)", skipped);
        return ACTOR_ID_INVALID;
    }
    actor_id_t mgr = actor_spawn(rt, manager_behavior, m, manager_free, 64);
    if (mgr == ACTOR_ID_INVALID) {
        manager_free(m);
        return ACTOR_ID_INVALID;
    }
    child_spec_t specs[HW_CHILDREN];
    for (size_t i = 0; i < m->n; i++) {
        hw_common_t *c = m->rec[i];
        c->refs = 1; /* the manager's */
        c->manager = mgr;
        c->index = (uint32_t)i;
        c->starts = 0;
        specs[i] = (child_spec_t){
            .name = m->def[i]->name,
            .behavior = m->def[i]->behavior,
            .factory = hw_factory,
            .factory_arg = c,
            .free_state = hw_release,
            .mailbox_size = m->def[i] == &midi_actor_def ? 64 : 32,
            .restart_type = RESTART_PERMANENT,
        };
    }
    actor_id_t sup =
        supervisor_start(rt, STRATEGY_ONE_FOR_ONE, cfg.max_restarts, cfg.window_ms, specs, m->n);
    if (sup == ACTOR_ID_INVALID) {
        char why[256];
        snprintf(why, sizeof why, "%s", mk_last_error());
        actor_stop(rt, mgr);
        mk_set_error("hw_start: %s", why);
        return ACTOR_ID_INVALID;
    }
    m->sup = sup;
    /* Register the paths now so they are there when hw_start returns; the
     * manager's HW_MSG_STARTED handling then finds them in place. */
    for (size_t i = 0; i < m->n; i++) {
        actor_id_t id = supervisor_get_child(rt, sup, i);
        if (id == ACTOR_ID_INVALID || !claim_path(rt, m->def[i]->path, id)) {
            char why[256];
            snprintf(why, sizeof why, "%s", mk_last_error());
            supervisor_stop(rt, sup);
            actor_stop(rt, mgr);
            mk_set_error("hw_start: %s: %s", m->def[i]->path, why);
            return ACTOR_ID_INVALID;
        }
    }
    g_hw.rt = rt;
    g_hw.sup = sup;
    g_hw.manager = mgr;
    return sup;
}

actor_id_t hw_supervisor(runtime_t *rt)
{
    return rt && g_hw.rt == rt ? g_hw.sup : ACTOR_ID_INVALID;
}
