/* services_h.c -- the original's services.h (seed 000 "Services",
 * compat/wire-and-mount.md 3 and 6): system message numbers, registry
 * payload layouts, and a timer and a name used from an actor. pkg-config
 * flags only. */
#include <microkernel/message.h>
#include <microkernel/runtime.h>
#include <microkernel/services.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int fired;

static bool ticker(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    timer_id_t *t = state;
    if (msg->type == 1) {
        *t = actor_set_timer(rt, 1, false);
    } else if (msg->type == MSG_TIMER) {
        const timer_payload_t *p = msg->payload;
        fired = msg->payload_size == sizeof *p && p->id == *t;
        runtime_stop(rt);
    }
    return true;
}

int main(void)
{
    int ok = MSG_TIMER == 0xFF000001u && MSG_FD_EVENT == 0xFF000002u && MSG_LOG == 0xFF000003u &&
             MSG_HTTP_RESPONSE == 0xFF000004u && MSG_WS_CLOSED == 0xFF00000Bu &&
             MSG_HTTP_CONN_CLOSED == 0xFF00000Fu && MSG_CHILD_EXIT == 0xFF000010u &&
             MSG_NAME_REGISTER == 0xFF000012u && MSG_NAME_UNREGISTER == 0xFF000013u &&
             MSG_PATH_REGISTER == 0xFF00001Bu && MSG_PATH_UNREGISTER == 0xFF00001Cu &&
             MSG_CAPS_REQUEST == 0xFF00001Du && MSG_CAPS_REPLY == 0xFF00001Eu;
    /* The hardware and MIDI numbers come with services.h alone, as in the
     * original (compat/hardware.md, midi.md 1.1 and 4.1). */
    ok = ok && MSG_GPIO_CONFIGURE == 0xFF000020u && MSG_GPIO_EVENT == 0xFF00002Bu &&
         MSG_PWM_CONFIGURE == 0xFF00002Cu && MSG_PWM_ERROR == 0xFF00002Fu &&
         MSG_I2C_CONFIGURE == 0xFF000030u && MSG_I2C_SCAN_RESULT == 0xFF00003Bu &&
         MSG_LED_CONFIGURE == 0xFF000040u && MSG_LED_ERROR == 0xFF00004Du &&
         MSG_DISPLAY_DRAW == 0xFF000051u && MSG_DISPLAY_ERROR == 0xFF00005Du &&
         MSG_CONSOLE_WRITE == 0xFF000060u && MSG_CONSOLE_CLEAR == 0xFF000061u &&
         MSG_MIDI_CONFIGURE == 0xFF000070u && MSG_MIDI_UNSUBSCRIBE == 0xFF000074u &&
         MSG_ARP_SET_BPM == 0xFF000075u && MSG_ARP_ENABLE == 0xFF000078u &&
         MSG_MIDI_OK == 0xFF00007Au && MSG_MIDI_SYSEX_EVENT == 0xFF00007Du;
    ok = ok && sizeof(name_register_payload_t) == 72 &&
         offsetof(name_register_payload_t, actor_id) == 64 &&
         sizeof(name_unregister_payload_t) == 64 && sizeof(path_register_payload_t) == 136 &&
         offsetof(path_register_payload_t, actor_id) == 128 &&
         sizeof(path_unregister_payload_t) == 128;
    ok = ok && LOG_DEBUG == 0 && LOG_INFO == 1 && LOG_WARN == 2 && LOG_ERROR == 3;

    runtime_t *rt = runtime_init(1, 16);
    static timer_id_t t;
    actor_id_t a = actor_spawn(rt, ticker, &t, NULL, 8);
    ok = ok && actor_register_name(rt, "ticker", a) && actor_lookup(rt, "ticker") == a &&
         actor_lookup(rt, "nobody") == ACTOR_ID_INVALID;
    ok = ok && actor_send_named(rt, "ticker", 1, NULL, 0);
    runtime_run(rt);
    ok = ok && fired && t != TIMER_ID_INVALID;
    runtime_destroy(rt);
    puts(ok ? "services_h: ok" : "services_h: FAILED");
    return ok ? 0 : 1;
}
