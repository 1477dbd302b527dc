/* hardware_h.c -- the original's gpio.h, i2c.h, pwm.h and led.h
 * (compat/hardware.md sections 1-4): message numbers, struct sizes, and
 * each *_actor_init registering its /node/hardware path once the
 * namespace actor runs. Built against the installed package with
 * pkg-config flags only. */
#include <microkernel/gpio.h>
#include <microkernel/i2c.h>
#include <microkernel/led.h>
#include <microkernel/namespace.h>
#include <microkernel/pwm.h>
#include <microkernel/runtime.h>
#include <stdio.h>

int main(void)
{
    int ok = MSG_GPIO_CONFIGURE == 0xFF000020u && MSG_GPIO_EVENT == 0xFF00002Bu &&
             MSG_PWM_CONFIGURE == 0xFF00002Cu && MSG_PWM_ERROR == 0xFF00002Fu &&
             MSG_I2C_CONFIGURE == 0xFF000030u && MSG_I2C_SCAN_RESULT == 0xFF00003Bu &&
             MSG_LED_CONFIGURE == 0xFF000040u && MSG_LED_ERROR == 0xFF00004Du &&
             sizeof(i2c_config_payload_t) == 8 && sizeof(i2c_write_read_payload_t) == 6 &&
             sizeof(pwm_config_payload_t) == 8 && sizeof(pwm_duty_payload_t) == 8 &&
             sizeof(led_config_payload_t) == 4 && sizeof(led_pixel_payload_t) == 6 &&
             LED_MAX_LEDS == 256 && PWM_MAX_CHANNELS == 6;
    runtime_t *rt = runtime_init(1, 16);
    ok = ok && ns_actor_init(rt) != ACTOR_ID_INVALID;
    actor_id_t g = gpio_actor_init(rt), i = i2c_actor_init(rt), p = pwm_actor_init(rt),
               l = led_actor_init(rt);
    ok = ok && g != ACTOR_ID_INVALID && actor_lookup(rt, "/node/hardware/gpio") == g &&
         i != ACTOR_ID_INVALID && actor_lookup(rt, "/node/hardware/i2c") == i &&
         p != ACTOR_ID_INVALID && actor_lookup(rt, "/node/hardware/pwm") == p &&
         l != ACTOR_ID_INVALID && actor_lookup(rt, "/node/hardware/led") == l;
    runtime_destroy(rt);
    puts(ok ? "hardware_h: ok" : "hardware_h: FAILED");
    return ok ? 0 : 1;
}
