/*
 * ws2812.c -- the WS2812 bit encoder for SPI: every data bit becomes three
 * SPI bits at 2.4 MHz (0 -> 100, 1 -> 110), so MOSI carries the strip's
 * waveform. Pure: no I/O, no allocation; used by led_spidev.c and tested
 * against the datasheet timing table (tests/hw/test_ws2812.c).
 */
#include <string.h>

#include "hw/hal/led_hal.h"

size_t ws2812_encode(const uint8_t *rgb, size_t n, uint8_t *out, size_t out_cap)
{
    if (n > (SIZE_MAX - WS2812_RESET_BYTES) / WS2812_BYTES_PER_LED)
        return 0;
    size_t need = n * WS2812_BYTES_PER_LED + WS2812_RESET_BYTES;
    if (out_cap < need)
        return 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        /* Wire order G, R, B; 24 data bits -> 72 SPI bits, MSB first. */
        uint32_t grb = (uint32_t)rgb[3 * i + 1] << 16 | (uint32_t)rgb[3 * i] << 8 | rgb[3 * i + 2];
        uint8_t bits[WS2812_BYTES_PER_LED] = {0};
        for (int b = 0; b < 24; b++) {
            unsigned sym = (grb >> (23 - b)) & 1u ? 6u : 4u; /* 110 or 100 */
            for (int k = 0; k < 3; k++) {
                unsigned pos = (unsigned)b * 3u + (unsigned)k; /* SPI bit index */
                if (sym & (4u >> k))
                    bits[pos / 8] |= (uint8_t)(0x80u >> (pos % 8));
            }
        }
        memcpy(out + o, bits, sizeof bits);
        o += sizeof bits;
    }
    memset(out + o, 0, WS2812_RESET_BYTES);
    return o + WS2812_RESET_BYTES;
}
