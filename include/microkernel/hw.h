/*
 * microkernel/hw.h -- (extension) starting the hardware actors of a node (GPIO, I2C, PWM, LED)
 * under one supervisor, with the HAL backends chosen at run time
 * (mk-shell --hw linux|mock, --gpiochip, --i2c-bus, --pwm-chip,
 * --pwm-sysfs-root, --led-spidev). docs/hardware.md describes the actors,
 * the backends and which of them the tests exercise.
 */
#ifndef MICROKERNEL_HW_H
#define MICROKERNEL_HW_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "microkernel/runtime.h"
#include "microkernel/types.h"

/* Backends. With HW_BACKEND_MOCK, hw_start() attaches one register-file
 * device at I2C address 0x50 to the simulated bus. */
typedef enum {
    HW_BACKEND_NONE,  /* --hw none: no hardware actors */
    HW_BACKEND_MOCK,  /* simulated devices (default): hal/mock/ */
    HW_BACKEND_LINUX, /* libgpiod, /dev/i2c-N, sysfs PWM, spidev WS2812: hal/linux/ */
} hw_backend_t;

typedef struct {
    hw_backend_t backend;
    const char *gpiochip;       /* --gpiochip, default "/dev/gpiochip0" */
    int i2c_bus;                /* --i2c-bus N: port 0 = /dev/i2c-N, port 1 = N+1 (default 1) */
    int pwm_chip;               /* --pwm-chip N (default 0) */
    const char *pwm_sysfs_root; /* --pwm-sysfs-root, default "/sys/class/pwm" */
    const char *led_spidev;     /* --led-spidev, default "/dev/spidev0.0" */
    const char *midi;   /* --midi mock|sc16is752|alsa:<client>:<port>; NULL: mock with --hw mock,
                           sc16is752 with --hw linux (microkernel/midi.h) */
    int max_restarts;   /* supervisor: restarts allowed ... (default 5) */
    unsigned window_ms; /* ... within this many ms (default 10000) */
} hw_config_t;

/* Defaults above; backend mock. */
void hw_config_init(hw_config_t *cfg);

/*
 * Apply command-line option `opt` (its long name without "--": "hw",
 * "gpiochip", "i2c-bus", "pwm-chip", "pwm-sysfs-root", "led-spidev", "midi") with
 * `value` (kept by pointer) to `cfg`. False with mk_last_error() set for an
 * unknown option, a --hw other than "linux", "mock" or "none", a bus or
 * chip number outside 0..255, an empty path, or a --midi backend that
 * midi_select_backend() refuses.
 */
bool hw_config_set(hw_config_t *cfg, const char *opt, const char *value);

/*
 * Start the GPIO, I2C, PWM and LED actors of `rt` under a one-for-one
 * supervisor (each a permanent child: a crash restarts it, the HAL is
 * re-initialised and its last configuration re-applied), registered at
 * "/node/hardware/{gpio,i2c,pwm,led}" and under the flat names "gpio",
 * "i2c", "pwm", "led" (the seed's `call led ...`). Needs the namespace
 * (ns_install / services_start) first. Call once per runtime, outside a
 * behaviour or inside one. The HALs are process-wide (one set of devices
 * per process), so start the hardware actors on one runtime per process. Strings in `cfg` must
 * outlive the runtime. Each HAL is initialised once first as a probe: an actor whose HAL does not
 * initialise is left out (logged at LOG_WARN) and the others start. Returns the supervisor's ID, or
 * ACTOR_ID_INVALID with mk_last_error() set (backend "none", a backend not built in, no HAL
 * initialised, paths or names taken, no actor slots); nothing is left running then.
 */
actor_id_t hw_start(runtime_t *rt, const hw_config_t *cfg);
/* hw_start() also starts the MIDI actor at "/node/hardware/midi" as the
 * supervisor's last child (flat name "midi", permanent: restarted with its
 * last configuration and subscribers, docs/midi.md); if it cannot start,
 * that is logged at LOG_WARN and does not fail hw_start. */

/* The supervisor hw_start() returned, ACTOR_ID_INVALID if none on `rt`. */
actor_id_t hw_supervisor(runtime_t *rt);

#ifdef __cplusplus
}
#endif

#endif
