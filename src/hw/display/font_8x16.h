/*
 * font_8x16.h -- the 8x16 glyph table of the display and console: ASCII 32
 * (space) .. 126 ('~'), 16 bytes per glyph, one byte per row from the top,
 * most significant bit = leftmost pixel (compat/hardware.md section 5).
 *
 * The table is generated at configure time by tools/gen-font/gen_font.py
 * from the Debian console font MK_FONT_PSF (default console-setup-linux's
 * /usr/share/consolefonts/Lat15-VGA16.psf.gz, the VGA 8x16 face); the
 * generated C file is plain data, so a microcontroller build compiles the
 * same table. Origin and licence: docs/display.md.
 */
#ifndef MK_HW_FONT_8X16_H
#define MK_HW_FONT_8X16_H

#include <stdint.h>

#define MK_FONT_FIRST  32 /* first character in the table */
#define MK_FONT_LAST   126
#define MK_FONT_GLYPHS 95 /* MK_FONT_LAST - MK_FONT_FIRST + 1 */
#define MK_FONT_WIDTH  8
#define MK_FONT_HEIGHT 16

extern const uint8_t mk_font_8x16[MK_FONT_GLYPHS][MK_FONT_HEIGHT];

/* The 16 rows of `ch`; characters outside 32..126 give the space glyph. */
static inline const uint8_t *mk_font_glyph(unsigned char ch)
{
    if (ch < MK_FONT_FIRST || ch > MK_FONT_LAST)
        ch = ' ';
    return mk_font_8x16[ch - MK_FONT_FIRST];
}

#endif
