/*
 * clock.c (ESP-IDF, UNBUILT skeleton) -- the runtime's monotonic clock
 * (platform/clock.h) from esp_timer_get_time(): microseconds since boot,
 * int64_t, never goes back (ESP-IDF "ESP Timer" API reference).
 */
#include "platform/clock.h"

#include "esp_timer.h"

uint64_t mk_clock_ns(void)
{
    return (uint64_t)esp_timer_get_time() * 1000u;
}

uint64_t mk_clock_ms(void)
{
    return (uint64_t)esp_timer_get_time() / 1000u;
}
