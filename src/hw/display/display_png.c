/*
 * display_png.c -- PNG snapshots of the display: RGB565 framebuffer to an
 * 8-bit RGB PNG with libpng, in memory (for the HTTP status page) or into a
 * file (the shell's `snapshot` command, the dashboard's golden tests).
 *
 * Inspection only: allocates the PNG and one row; never called per
 * message of the display actor.
 */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "hw/display/display_internal.h"

typedef struct {
    uint8_t *data;
    size_t len, cap;
    bool failed;
} png_mem_t;

static void mem_write(png_structp png, png_bytep bytes, png_size_t n)
{
    png_mem_t *m = png_get_io_ptr(png);
    if (m->failed)
        return;
    if (m->len + n > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 65536;
        while (cap < m->len + n)
            cap *= 2;
        uint8_t *d = mk_realloc(m->data, cap);
        if (!d) {
            m->failed = true;
            return;
        }
        m->data = d;
        m->cap = cap;
    }
    memcpy(m->data + m->len, bytes, n);
    m->len += n;
}

static void mem_flush(png_structp png)
{
    (void)png;
}

/* Expand one RGB565 pixel to 8-bit R, G, B (c * 255 / max, rounded). */
static void expand(uint16_t px, uint8_t *rgb)
{
    unsigned r = px >> 11, g = (px >> 5) & 0x3Fu, b = px & 0x1Fu;
    rgb[0] = (uint8_t)((r * 255u + 15u) / 31u);
    rgb[1] = (uint8_t)((g * 255u + 31u) / 63u);
    rgb[2] = (uint8_t)((b * 255u + 15u) / 31u);
}

bool display_png_encode(const uint16_t *pixels, uint16_t width, uint16_t height, uint8_t **out,
                        size_t *out_len)
{
    if (!pixels || !out || !out_len || width == 0 || height == 0)
        return mk_fail("display_png_encode: NULL argument or zero size");
    png_mem_t m = {0};
    uint8_t *row = mk_malloc((size_t)width * 3);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!row || !info) {
        png_destroy_write_struct(&png, &info);
        mk_free(row);
        return mk_fail("display_png_encode: out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        mk_free(row);
        mk_free(m.data);
        return mk_fail("display_png_encode: libpng failed");
    }
    png_set_write_fn(png, &m, mem_write, mem_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint16_t y = 0; y < height; y++) {
        for (uint16_t x = 0; x < width; x++)
            expand(pixels[(size_t)y * width + x], row + (size_t)x * 3);
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    mk_free(row);
    if (m.failed) {
        mk_free(m.data);
        return mk_fail("display_png_encode: out of memory");
    }
    *out = m.data;
    *out_len = m.len;
    return true;
}

bool display_snapshot_png(runtime_t *rt, const char *path)
{
    if (!path || !*path)
        return mk_fail("display_snapshot_png: no file name");
    uint16_t w, h;
    const uint16_t *fb = display_framebuffer(rt, &w, &h);
    if (!fb)
        return false;
    uint8_t *png;
    size_t len;
    if (!display_png_encode(fb, w, h, &png, &len))
        return false;
    size_t plen = strlen(path);
    char *tmp = mk_malloc(plen + 16);
    if (!tmp) {
        mk_free(png);
        return mk_fail("display_snapshot_png: out of memory");
    }
    snprintf(tmp, plen + 16, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    bool good = f && fwrite(png, 1, len, f) == len;
    int e = errno;
    if (f && fclose(f) != 0 && good) {
        good = false;
        e = errno;
    }
    if (good && rename(tmp, path) != 0) {
        good = false;
        e = errno;
    }
    if (!good) {
        unlink(tmp);
        mk_set_error("display_snapshot_png: cannot write %s: %s", path, strerror(e));
    }
    mk_free(tmp);
    mk_free(png);
    return good;
}
