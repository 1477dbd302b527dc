/*
 * esp32_port.h (ESP-IDF, UNBUILT skeleton) -- what the poller (event.c)
 * asks of the timer descriptors (timerfd.c): is a descriptor readable, and
 * which task to wake when one becomes so.
 */
#ifndef MK_ESP32_PORT_H
#define MK_ESP32_PORT_H

#include <stdbool.h>

#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

#ifndef MK_ESP32_MAX_TIMERFDS
#define MK_ESP32_MAX_TIMERFDS 40 /* MK_MAX_TIMERS + mk_sleep_ms + spares, as bare metal */
#endif

/* True when read() of timer descriptor `fd` would return an expiration
 * count now. False for any other descriptor (the console is not ported). */
bool mk_esp32_fd_readable(int fd);

/* The task that waits in mk_poller_wait(): timer callbacks send it a task
 * notification (xTaskNotifyGive) so the wait ends at the expiry. */
void mk_esp32_set_waiter(TaskHandle_t task);

#endif
