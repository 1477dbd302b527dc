/*
 * display_fbdev.c -- the Linux framebuffer backend: mirrors the display's
 * memory framebuffer into /dev/fbN (mmap), converting RGB565 to the
 * device's 16 or 32 bits per pixel, the panel placed at the top-left and
 * clipped to the device's visible size.
 *
 * A mirror backend (display_internal.h): called by the display device
 * after its bounds checks, on the runtime's thread. Built on Linux only;
 * no test here opens a framebuffer, so docs/display.md does not claim it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "hw/display/display_internal.h"

typedef struct {
    display_backend_t be;
    char path[256];
    int fd;
    uint8_t *mem;
    size_t size;
    unsigned xres, yres, bpp, stride; /* visible size, bits per pixel, bytes per line */
    struct fb_bitfield r, g, b;       /* 32-bpp channel layout */
    bool *opened;                     /* set by fb_init on success (during init only) */
} fbdev_t;

static bool fb_init(display_backend_t *be, const display_board_t *board)
{
    (void)board;
    fbdev_t *f = be->ctx;
    struct fb_var_screeninfo var;
    struct fb_fix_screeninfo fix;
    f->fd = open(f->path, O_RDWR | O_CLOEXEC);
    if (f->fd < 0)
        return mk_fail("fbdev: cannot open %s: %s", f->path, strerror(errno));
    if (ioctl(f->fd, FBIOGET_VSCREENINFO, &var) != 0 ||
        ioctl(f->fd, FBIOGET_FSCREENINFO, &fix) != 0) {
        close(f->fd);
        f->fd = -1;
        return mk_fail("fbdev: %s is not a framebuffer: %s", f->path, strerror(errno));
    }
    if (var.bits_per_pixel != 16 && var.bits_per_pixel != 32) {
        close(f->fd);
        f->fd = -1;
        return mk_fail("fbdev: %s has %u bits per pixel (16 or 32 supported)", f->path,
                       var.bits_per_pixel);
    }
    f->xres = var.xres;
    f->yres = var.yres;
    f->bpp = var.bits_per_pixel;
    f->stride = fix.line_length;
    f->r = var.red;
    f->g = var.green;
    f->b = var.blue;
    f->size = (size_t)fix.line_length * var.yres_virtual;
    f->mem = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
    if (f->mem == MAP_FAILED) {
        close(f->fd);
        f->fd = -1;
        return mk_fail("fbdev: cannot map %s: %s", f->path, strerror(errno));
    }
    *f->opened = true;
    return true;
}

static void fb_deinit(display_backend_t *be)
{
    fbdev_t *f = be->ctx;
    if (f->mem && f->mem != MAP_FAILED)
        munmap(f->mem, f->size);
    if (f->fd >= 0)
        close(f->fd);
    mk_free(f);
}

/* One RGB565 pixel in the device's format at `dst`. */
static void put(const fbdev_t *f, uint8_t *dst, uint16_t px)
{
    if (f->bpp == 16) {
        memcpy(dst, &px, 2);
        return;
    }
    uint32_t r = (px >> 11) * 255u / 31u, g = ((px >> 5) & 63u) * 255u / 63u,
             b = (px & 31u) * 255u / 31u;
    uint32_t v = (r >> (8 - f->r.length)) << f->r.offset | (g >> (8 - f->g.length)) << f->g.offset |
                 (b >> (8 - f->b.length)) << f->b.offset;
    memcpy(dst, &v, 4);
}

static bool fb_draw(display_backend_t *be, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                    const uint16_t *px)
{
    const fbdev_t *f = be->ctx;
    for (unsigned r = 0; r < h && y + r < f->yres; r++)
        for (unsigned c = 0; c < w && x + c < f->xres; c++)
            put(f, f->mem + (size_t)(y + r) * f->stride + (size_t)(x + c) * (f->bpp / 8),
                px[(size_t)r * w + c]);
    return true;
}

static bool fb_fill(display_backend_t *be, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                    uint16_t color)
{
    const fbdev_t *f = be->ctx;
    for (unsigned r = 0; r < h && y + r < f->yres; r++)
        for (unsigned c = 0; c < w && x + c < f->xres; c++)
            put(f, f->mem + (size_t)(y + r) * f->stride + (size_t)(x + c) * (f->bpp / 8), color);
    return true;
}

static bool fb_blank(display_backend_t *be, bool on)
{
    const fbdev_t *f = be->ctx;
    /* not every driver blanks; the panel's state is recorded either way */
    if (ioctl(f->fd, FBIOBLANK, on ? FB_BLANK_UNBLANK : FB_BLANK_POWERDOWN) != 0)
        errno = 0;
    return true;
}

actor_id_t display_actor_init_fbdev(runtime_t *rt, const display_board_t *board, const char *device)
{
    fbdev_t *f = mk_calloc(1, sizeof *f);
    if (!f) {
        mk_set_error("display_actor_init_fbdev: out of memory");
        return ACTOR_ID_INVALID;
    }
    snprintf(f->path, sizeof f->path, "%s", device ? device : "/dev/fb0");
    f->fd = -1;
    bool opened = false;
    f->opened = &opened;
    f->be = (display_backend_t){.name = "fbdev",
                                .init = fb_init,
                                .deinit = fb_deinit,
                                .draw = fb_draw,
                                .fill = fb_fill,
                                .power = fb_blank,
                                .ctx = f};
    /* Once opened, the backend belongs to the display (fb_deinit frees it,
     * also when the spawn fails); before that it is freed here. */
    actor_id_t id = display_actor_init_backend(rt, board, &f->be);
    if (!opened)
        mk_free(f);
    else if (id != ACTOR_ID_INVALID)
        f->opened = NULL;
    return id;
}
