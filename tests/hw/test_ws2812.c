/* test_ws2812.c -- the WS2812 SPI encoder (src/hw/hal/linux/ws2812.c)
 * against the WS2812B datasheet timing table: the encoded MOSI stream is
 * decoded back into high/low pulse widths at WS2812_SPI_HZ and every pulse
 * must be within the table's +-150 ns of T0H 400 / T0L 850 / T1H 800 /
 * T1L 450 ns, the bits must be G,R,B MSB first, and the frame must end
 * with a reset low of at least 280 us. */
#include "hw/hal/led_hal.h"
#include "hw_test_util.h"

#define NS_PER_SPI_BIT (1e9 / WS2812_SPI_HZ) /* 416.7 ns */

static int spi_bit(const uint8_t *s, size_t i)
{
    return (s[i / 8] >> (7 - i % 8)) & 1;
}

/* Decode n pixels of WS2812 bits from the SPI stream, checking timing. */
static void decode(const uint8_t *s, size_t n, uint8_t *rgb)
{
    for (size_t p = 0; p < n; p++) {
        uint32_t grb = 0;
        for (size_t b = 0; b < 24; b++) {
            size_t base = (p * 24 + b) * 3;
            assert_int_equal(spi_bit(s, base), 1); /* every bit starts high */
            size_t high = 0;
            while (high < 3 && spi_bit(s, base + high))
                high++;
            for (size_t k = high; k < 3; k++)
                if (spi_bit(s, base + k))
                    fail_msg("pixel %zu bit %zu: high after low", p, b);
            double th = high * NS_PER_SPI_BIT, tl = (3 - high) * NS_PER_SPI_BIT;
            int one = high == 2;
            double want_h = one ? 800 : 400, want_l = one ? 450 : 850;
            if (high == 3 || th < want_h - 150 || th > want_h + 150 || tl < want_l - 150 ||
                tl > want_l + 150)
                fail_msg("pixel %zu bit %zu: %.0f ns high, %.0f ns low outside the table", p, b, th,
                         tl);
            grb = grb << 1 | (uint32_t)one;
        }
        rgb[3 * p] = (uint8_t)(grb >> 8);
        rgb[3 * p + 1] = (uint8_t)(grb >> 16);
        rgb[3 * p + 2] = (uint8_t)grb;
    }
}

static void test_ws2812_bits_meet_the_timing_table(void **st)
{
    (void)st;
    const uint8_t rgb[3 * 4] = {0xFF, 0x00, 0x00, 0x00, 0xFF, 0x00,
                                0x00, 0x00, 0xFF, 0xA5, 0x5A, 0x81};
    uint8_t out[4 * WS2812_BYTES_PER_LED + WS2812_RESET_BYTES];
    assert_int_equal(ws2812_encode(rgb, 4, out, sizeof out), sizeof out);
    uint8_t back[12];
    decode(out, 4, back);
    assert_memory_equal(back, rgb, sizeof rgb);
    /* Red first on the wire is G (0x00): 100 100 100 ... = 0x92 0x49 0x24. */
    assert_memory_equal(out, "\x92\x49\x24", 3);
    /* G=0x00, R=0xFF: the R byte's bits are all 110 = 0xDB 0x6D 0xB6. */
    assert_memory_equal(out + 3, "\xDB\x6D\xB6", 3);
}

static void test_ws2812_frame_ends_with_reset_low(void **st)
{
    (void)st;
    uint8_t rgb[3] = {1, 2, 3};
    uint8_t out[WS2812_BYTES_PER_LED + WS2812_RESET_BYTES];
    assert_int_equal(ws2812_encode(rgb, 1, out, sizeof out), sizeof out);
    for (size_t i = WS2812_BYTES_PER_LED; i < sizeof out; i++)
        assert_int_equal(out[i], 0);
    double reset_us = WS2812_RESET_BYTES * 8 * NS_PER_SPI_BIT / 1000.0;
    if (reset_us < 280.0)
        fail_msg("reset low %.1f us < 280 us", reset_us);
}

static void test_ws2812_full_strip_and_short_buffer(void **st)
{
    (void)st;
    static uint8_t rgb[3 * 256], out[256 * WS2812_BYTES_PER_LED + WS2812_RESET_BYTES];
    static uint8_t back[3 * 256];
    for (size_t i = 0; i < sizeof rgb; i++)
        rgb[i] = (uint8_t)(i * 37 + 11);
    assert_int_equal(ws2812_encode(rgb, 256, out, sizeof out), sizeof out);
    decode(out, 256, back);
    assert_memory_equal(back, rgb, sizeof rgb);
    memset(out, 0x77, sizeof out);
    assert_int_equal(ws2812_encode(rgb, 256, out, sizeof out - 1), 0);
    assert_int_equal(out[0], 0x77); /* nothing written */
    assert_int_equal(ws2812_encode(rgb, 0, out, WS2812_RESET_BYTES), WS2812_RESET_BYTES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ws2812_bits_meet_the_timing_table),
        cmocka_unit_test(test_ws2812_frame_ends_with_reset_low),
        cmocka_unit_test(test_ws2812_full_strip_and_short_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
