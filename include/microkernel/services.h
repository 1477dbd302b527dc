/*
 * microkernel/services.h -- system messages, timers, fd watches, the name
 * registry and logging.
 *
 * Source: seed API reference (000), "Services". System messages are sent by
 * the runtime itself: their source is ACTOR_ID_INVALID unless stated.
 * All functions act for the running actor ("the caller"), so they must be
 * called from inside a behaviour unless stated otherwise.
 */
#ifndef MICROKERNEL_SERVICES_H
#define MICROKERNEL_SERVICES_H

#include <poll.h>

#include "microkernel/config.h"
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* System message types (seed table; values fixed). */
#define MSG_TIMER             0xFF000001u /* timer_payload_t */
#define MSG_FD_EVENT          0xFF000002u /* fd_event_payload_t */
#define MSG_LOG               0xFF000003u /* log_payload_t */
#define MSG_HTTP_RESPONSE     0xFF000004u /* http_response_payload_t */
#define MSG_HTTP_ERROR        0xFF000005u /* http_error_payload_t */
#define MSG_SSE_OPEN          0xFF000006u /* sse_status_payload_t */
#define MSG_SSE_EVENT         0xFF000007u /* sse_event_payload_t */
#define MSG_SSE_CLOSED        0xFF000008u /* sse_status_payload_t */
#define MSG_WS_OPEN           0xFF000009u /* ws_status_payload_t */
#define MSG_WS_MESSAGE        0xFF00000Au /* ws_message_payload_t */
#define MSG_WS_CLOSED         0xFF00000Bu /* ws_status_payload_t */
#define MSG_WS_ERROR          0xFF00000Cu /* ws_status_payload_t */
#define MSG_HTTP_REQUEST      0xFF00000Du /* http_request_payload_t */
#define MSG_HTTP_LISTEN_ERROR 0xFF00000Eu /* no payload */
#define MSG_HTTP_CONN_CLOSED  0xFF00000Fu /* ws_status_payload_t */
#define MSG_CHILD_EXIT        0xFF000010u /* child_exit_payload_t */
#define MSG_NAME_REGISTER     0xFF000012u /* name_register_payload_t */
#define MSG_NAME_UNREGISTER   0xFF000013u /* name_unregister_payload_t */

/*
 * Cross-node path registry and capabilities (the original's values,
 * ../shared/compat/wire-and-mount.md §3.1 and §6). MSG_NS_* (0xFF000014 ..
 * 0xFF00001A) are in microkernel/namespace.h.
 */
#define MSG_PATH_REGISTER   0xFF00001Bu /* path_register_payload_t, source = dest = 0 */
#define MSG_PATH_UNREGISTER 0xFF00001Cu /* path_unregister_payload_t, source = dest = 0 */
#define MSG_CAPS_REQUEST    0xFF00001Du /* no payload (any payload ignored) */
#define MSG_CAPS_REPLY      0xFF00001Eu /* text "key=value\n" lines, no NUL (docs/services.md) */

/*
 * Hardware and MIDI message types, with the original's values
 * (../shared/compat/hardware.md §1-6, midi.md §1.1 and §4.1; the original
 * keeps them all in services.h). Payloads are in the peripheral headers:
 * gpio.h, pwm.h, i2c.h, led.h, display.h, console.h, midi.h, arpeggiator.h.
 */
#define MSG_GPIO_CONFIGURE     0xFF000020u /* text "pin=N\nmode=..." (gpio.h) */
#define MSG_GPIO_WRITE         0xFF000021u /* text "pin=N\nvalue=V" */
#define MSG_GPIO_READ          0xFF000022u /* text "pin=N" */
#define MSG_GPIO_SUBSCRIBE     0xFF000023u /* text "pin=N\nedge=..." */
#define MSG_GPIO_UNSUBSCRIBE   0xFF000024u /* text "pin=N" */
/* 0xFF000025 .. 0xFF000027 reserved (ADC). */
#define MSG_GPIO_OK            0xFF000028u /* reply: empty */
#define MSG_GPIO_VALUE         0xFF000029u /* reply: text "pin=N\nvalue=0|1" */
#define MSG_GPIO_ERROR         0xFF00002Au /* reply: error text */
#define MSG_GPIO_EVENT         0xFF00002Bu /* to subscribers: text "pin=N\nvalue=..\nedge=.." */
#define MSG_PWM_CONFIGURE      0xFF00002Cu /* pwm_config_payload_t */
#define MSG_PWM_SET_DUTY       0xFF00002Du /* pwm_duty_payload_t */
#define MSG_PWM_OK             0xFF00002Eu /* empty */
#define MSG_PWM_ERROR          0xFF00002Fu /* error text */
#define MSG_I2C_CONFIGURE      0xFF000030u /* i2c_config_payload_t */
#define MSG_I2C_WRITE          0xFF000031u /* i2c_write_payload_t + data */
#define MSG_I2C_READ           0xFF000032u /* i2c_read_payload_t */
#define MSG_I2C_WRITE_READ     0xFF000033u /* i2c_write_read_payload_t + write data */
#define MSG_I2C_SCAN           0xFF000034u /* i2c_scan_payload_t */
/* 0xFF000035 .. 0xFF000037 reserved. */
#define MSG_I2C_OK             0xFF000038u /* empty */
#define MSG_I2C_DATA           0xFF000039u /* i2c_data_payload_t + data */
#define MSG_I2C_ERROR          0xFF00003Au /* error text */
#define MSG_I2C_SCAN_RESULT    0xFF00003Bu /* i2c_scan_result_payload_t + addresses */
#define MSG_LED_CONFIGURE      0xFF000040u /* led_config_payload_t */
#define MSG_LED_SET_PIXEL      0xFF000041u /* led_pixel_payload_t */
#define MSG_LED_SET_ALL        0xFF000042u /* led_all_payload_t + 3 * num_leds bytes */
#define MSG_LED_SET_BRIGHTNESS 0xFF000043u /* led_brightness_payload_t */
#define MSG_LED_CLEAR          0xFF000044u /* empty */
#define MSG_LED_SHOW           0xFF000045u /* empty */
/* 0xFF000046 .. 0xFF00004B reserved. */
#define MSG_LED_OK             0xFF00004Cu /* empty */
#define MSG_LED_ERROR          0xFF00004Du /* error text */
#define MSG_DISPLAY_DRAW       0xFF000051u /* display_draw_payload_t + pixels */
#define MSG_DISPLAY_FILL       0xFF000052u /* display_fill_payload_t */
#define MSG_DISPLAY_CLEAR      0xFF000053u /* empty */
#define MSG_DISPLAY_BRIGHTNESS 0xFF000054u /* display_brightness_payload_t */
#define MSG_DISPLAY_POWER      0xFF000055u /* display_power_payload_t */
#define MSG_DISPLAY_TEXT       0xFF000056u /* display_text_payload_t + text + NUL */
#define MSG_DISPLAY_TEXT_ATTR  0xFF000057u /* display_text_attr_payload_t + cells */
#define MSG_DISPLAY_OK         0xFF00005Cu /* reply: empty */
#define MSG_DISPLAY_ERROR      0xFF00005Du /* reply: error text, no NUL */
#define MSG_ANSI_CONSOLE_WRITE 0xFF000060u /* raw bytes, may hold ANSI sequences; no reply */
#define MSG_CONSOLE_WRITE      MSG_ANSI_CONSOLE_WRITE /* the original's name */
#define MSG_CONSOLE_CLEAR      0xFF000061u /* clear the screen, home the cursor; no reply */
#define MSG_MIDI_CONFIGURE     0xFF000070u /* midi_config_payload_t */
#define MSG_MIDI_SEND          0xFF000071u /* midi_send_payload_t */
#define MSG_MIDI_SEND_SYSEX    0xFF000072u /* midi_sysex_payload_t + bytes */
#define MSG_MIDI_SUBSCRIBE     0xFF000073u /* midi_subscribe_payload_t */
#define MSG_MIDI_UNSUBSCRIBE   0xFF000074u /* no payload */
#define MSG_ARP_SET_BPM        0xFF000075u /* arp_bpm_payload_t */
#define MSG_ARP_SET_PATTERN    0xFF000076u /* arp_pattern_payload_t */
#define MSG_ARP_SET_OCTAVES    0xFF000077u /* arp_octaves_payload_t */
#define MSG_ARP_ENABLE         0xFF000078u /* arp_enable_payload_t */
/* 0xFF000079 unused. */
#define MSG_MIDI_OK            0xFF00007Au /* empty */
#define MSG_MIDI_ERROR         0xFF00007Bu /* error text */
#define MSG_MIDI_EVENT         0xFF00007Cu /* midi_event_payload_t */
#define MSG_MIDI_SYSEX_EVENT   0xFF00007Du /* midi_sysex_event_payload_t + bytes */

/* Bytes of every namespace path buffer: at most 127 characters and a NUL
 * (compat §5.2). Fixed: it is part of the wire layout below. */
#define NS_PATH_MAX 128

/*
 * System messages this implementation adds (not in the seed). They start at
 * 0xFF000100 so they can never clash with the seed's range; every one is
 * listed in docs/system-messages.md with its payload.
 */
#define MSG_EXTENSION_BASE 0xFF000100u

/* ---- Timers ---------------------------------------------------------- */

/* Payload of MSG_TIMER. */
typedef struct {
    timer_id_t id;        /* the timer that fired */
    uint64_t expirations; /* times it expired since the last delivery; >1 on overrun */
} timer_payload_t;

/*
 * Arm a timer for the caller that fires after `interval_ms` milliseconds
 * (and then every `interval_ms` if `periodic`). Each expiry delivers
 * MSG_TIMER with a timer_payload_t. Backed by timerfd (CLOCK_MONOTONIC).
 * Returns TIMER_ID_INVALID, with a reason, outside a behaviour, for an
 * interval of 0, when MK_MAX_TIMERS timers exist across all actors, or when
 * the kernel refuses a timerfd. A one-shot timer is gone once delivered.
 * If the owner's mailbox is full when it fires, delivery is retried 1 ms
 * later and the expirations accumulate: no expiry is lost.
 */
timer_id_t actor_set_timer(runtime_t *rt, uint64_t interval_ms, bool periodic);

/*
 * Cancel timer `id`. Only the owning actor may cancel it. Returns false
 * (with a reason) when the timer does not exist (never armed, already fired
 * if one-shot, or cancelled) or belongs to another actor. A MSG_TIMER
 * already queued in the mailbox is not withdrawn.
 */
bool actor_cancel_timer(runtime_t *rt, timer_id_t id);

/* ---- FD watching ----------------------------------------------------- */

/* Payload of MSG_FD_EVENT. */
typedef struct {
    int fd;          /* the watched descriptor */
    uint32_t events; /* poll(2) bits that are ready: POLLIN, POLLOUT, POLLERR, POLLHUP ... */
} fd_event_payload_t;

/*
 * Watch `fd` for the caller: when any of `events` (poll(2) bits, e.g.
 * POLLIN | POLLOUT) is ready the actor receives MSG_FD_EVENT. POLLERR and
 * POLLHUP are always reported. The watch is level-triggered, one event in
 * flight at a time: after a MSG_FD_EVENT is delivered the fd is not polled
 * again until the behaviour has handled that message, so an fd left unread
 * cannot flood the mailbox. The fd stays the caller's (never closed by the
 * runtime); unwatch it before closing it. Watching an fd the caller
 * already watches replaces its events and returns true (as the original;
 * docs/compat.md). Returns false, with a reason, outside a behaviour, for a
 * negative fd or no events, when another actor watches the fd, when
 * MK_MAX_FD_WATCHES watches exist, or when epoll refuses the fd (e.g. a
 * regular file).
 */
bool actor_watch_fd(runtime_t *rt, int fd, uint32_t events);

/* Stop watching `fd`. Returns false when the caller does not watch it. */
bool actor_unwatch_fd(runtime_t *rt, int fd);

/* ---- Name registry --------------------------------------------------- */

/*
 * Register `name` (1..MK_NAME_MAX characters, NUL-terminated) for actor
 * `id`, which may be any live local actor (not only the caller) or, as the
 * multi-node layer does, a remote actor. Names are unique per runtime.
 * Returns false, with a reason, for a NULL/empty/too long name, an invalid
 * or dead local ID, a name already taken, or MK_MAX_NAMES names in use.
 * Names of an actor are removed automatically when it stops.
 */
bool actor_register_name(runtime_t *rt, const char *name, actor_id_t id);

/* The actor registered as `name`, or ACTOR_ID_INVALID (with a reason). */
actor_id_t actor_lookup(runtime_t *rt, const char *name);

/* actor_lookup() then actor_send(); false when either fails. */
bool actor_send_named(runtime_t *rt, const char *name, msg_type_t type, const void *payload,
                      size_t payload_size);

/*
 * Remove `name` from the registry. Extension (not in the seed). Returns
 * false when the name is not registered.
 */
bool actor_unregister_name(runtime_t *rt, const char *name);

/*
 * Copy up to `max` registry entries into `names` (pointers into the registry,
 * valid until the next registry change) and `ids`, in registration-slot
 * order; returns the number of names registered (may exceed `max`). Either
 * array may be NULL when max is 0. Extension, for shells and status pages.
 */
size_t runtime_list_names(const runtime_t *rt, const char **names, actor_id_t *ids, size_t max);

/* Payload of MSG_NAME_REGISTER (seed "Cross-node registry payloads"). */
typedef struct {
    char name[64];       /* NUL-terminated */
    actor_id_t actor_id; /* the actor it maps to */
} name_register_payload_t;

/* Payload of MSG_NAME_UNREGISTER. */
typedef struct {
    char name[64]; /* NUL-terminated */
} name_unregister_payload_t;

/* Payload of MSG_PATH_REGISTER, 136 bytes (compat §3.2): `path` is
 * NUL-terminated and zero-padded, `actor_id` in the sender's host order
 * (little-endian on every supported target). */
typedef struct {
    char path[NS_PATH_MAX]; /* @0 */
    actor_id_t actor_id;    /* @128 */
} path_register_payload_t;

/* Payload of MSG_PATH_UNREGISTER, 128 bytes: the NUL-terminated path. */
typedef struct {
    char path[NS_PATH_MAX]; /* NUL-terminated */
} path_unregister_payload_t;

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(name_register_payload_t) == 72, "name_register_payload_t is 72 bytes");
_Static_assert(sizeof(name_unregister_payload_t) == 64, "name_unregister_payload_t is 64 bytes");
_Static_assert(sizeof(path_register_payload_t) == 136, "path_register_payload_t is 136 bytes");
_Static_assert(sizeof(path_unregister_payload_t) == 128, "path_unregister_payload_t is 128 bytes");
#endif

/* ---- Logging --------------------------------------------------------- */

#define LOG_DEBUG 0 /* actor_log level: detail for debugging */
#define LOG_INFO  1 /* actor_log level: normal events */
#define LOG_WARN  2 /* actor_log level: something went wrong, handled */
#define LOG_ERROR 3 /* actor_log level: a failure */

/* Payload of MSG_LOG (sent by actor_log to the log actor). */
typedef struct {
    int level;                     /* LOG_DEBUG .. LOG_ERROR */
    actor_id_t source;             /* the actor that logged; ACTOR_ID_INVALID outside actors */
    char text[MK_LOG_MSG_MAX + 1]; /* NUL-terminated, at most MK_LOG_MSG_MAX characters */
} log_payload_t;

/*
 * Spawn the log actor (a system actor: it does not keep runtime_run going).
 * Lines go to stderr unless runtime_set_log_sink() chose another sink.
 * Calling it twice is harmless. Callable outside a behaviour.
 */
void runtime_enable_logging(runtime_t *rt);

/* Discard messages below `level` (LOG_DEBUG .. LOG_ERROR; others clamped).
 * The default is LOG_INFO. */
void runtime_set_log_level(runtime_t *rt, int level);

/*
 * Log a printf-style message at `level`. The text is cut at MK_LOG_MSG_MAX
 * characters and delivered asynchronously to the log actor, which writes
 * one line: "[LEVEL] 0x<actor id>: text". Before runtime_enable_logging()
 * the line is written synchronously instead (nothing is lost).
 */
void actor_log(runtime_t *rt, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/*
 * Where log lines go (extension): `sink(line, ctx)` receives each finished
 * line without a trailing newline, on the runtime's thread. NULL restores
 * the default (stderr).
 */
typedef void (*mk_log_sink_fn)(const char *line, void *ctx);
/* Send every later log line of `rt` to `sink(line, ctx)` (see
 * mk_log_sink_fn above); NULL restores stderr. `ctx` stays the caller's. */
void runtime_set_log_sink(runtime_t *rt, mk_log_sink_fn sink, void *ctx);

/* "DEBUG", "INFO", "WARN", "ERROR", or "?" for other values. */
const char *log_level_name(int level);

#ifdef __cplusplus
}
#endif

#endif
