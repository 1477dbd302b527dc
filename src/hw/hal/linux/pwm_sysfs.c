/*
 * pwm_sysfs.c -- PWM HAL on the Linux sysfs PWM interface
 * (Documentation/ABI/testing/sysfs-class-pwm): channel c of chip N is
 * <root>/pwmchipN/pwm<c>, created by writing c to <root>/pwmchipN/export.
 * Times are in nanoseconds as decimal text. The root is configurable so
 * the tests run this backend against a fake tree in a temporary directory
 * and check the exact files and contents it writes. Files are opened
 * without O_CREAT: a missing attribute is an error, never a new file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/hal/pwm_hal.h"
#include "microkernel/pwm.h"

typedef struct {
    const char *root;
    int chip;
    bool configured[PWM_MAX_CHANNELS];
    uint64_t period_ns[PWM_MAX_CHANNELS];
    int resolution[PWM_MAX_CHANNELS];
} pwm_sysfs_t;

static pwm_sysfs_t g_sysfs;

/* Write `text` to <root>/pwmchipN/<rel>; true on success. `busy_ok`
 * accepts EBUSY (export of a channel already exported). */
static bool put(const pwm_sysfs_t *s, const char *rel, const char *text, bool busy_ok)
{
    char path[512];
    int n = snprintf(path, sizeof path, "%s/pwmchip%d/%s", s->root, s->chip, rel);
    if (n < 0 || (size_t)n >= sizeof path)
        return false;
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int err = errno;
    close(fd);
    return (w >= 0 && (size_t)w == len) || (busy_ok && w < 0 && err == EBUSY);
}

static bool put_ch(const pwm_sysfs_t *s, int c, const char *attr, uint64_t v)
{
    char rel[64], text[32];
    snprintf(rel, sizeof rel, "pwm%d/%s", c, attr);
    snprintf(text, sizeof text, "%llu", (unsigned long long)v);
    return put(s, rel, text, false);
}

static bool s_init(void *ctx)
{
    pwm_sysfs_t *s = ctx;
    char path[512];
    snprintf(path, sizeof path, "%s/pwmchip%d", s->root, s->chip);
    struct stat st;
    memset(s->configured, 0, sizeof s->configured);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void s_deconfigure(void *ctx, int c)
{
    pwm_sysfs_t *s = ctx;
    if (c < 0 || c >= PWM_MAX_CHANNELS || !s->configured[c])
        return;
    (void)put_ch(s, c, "enable", 0);
    char text[16];
    snprintf(text, sizeof text, "%d", c);
    (void)put(s, "unexport", text, false);
    s->configured[c] = false;
}

static void s_deinit(void *ctx)
{
    for (int c = 0; c < PWM_MAX_CHANNELS; c++)
        s_deconfigure(ctx, c);
}

static bool s_configure(void *ctx, int c, int pin, uint32_t freq, int res)
{
    pwm_sysfs_t *s = ctx;
    (void)pin; /* the chip's channel is wired to its pin by the device tree */
    if (c < 0 || c >= PWM_MAX_CHANNELS || freq == 0 || freq > 1000000000u || res < 1 ||
        res > PWM_HAL_MAX_RESOLUTION)
        return false;
    char text[16], dir[512];
    snprintf(text, sizeof text, "%d", c);
    if (!put(s, "export", text, true))
        return false;
    snprintf(dir, sizeof dir, "%s/pwmchip%d/pwm%d", s->root, s->chip, c);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    uint64_t period = 1000000000ull / freq;
    /* duty_cycle may never exceed period: zero it before changing period. */
    if (!put_ch(s, c, "enable", 0) || !put_ch(s, c, "duty_cycle", 0) ||
        !put_ch(s, c, "period", period) || !put_ch(s, c, "enable", 1))
        return false;
    s->configured[c] = true;
    s->period_ns[c] = period;
    s->resolution[c] = res;
    return true;
}

static bool s_set_duty(void *ctx, int c, uint32_t duty)
{
    pwm_sysfs_t *s = ctx;
    if (c < 0 || c >= PWM_MAX_CHANNELS || !s->configured[c] || duty >= (1u << s->resolution[c]))
        return false;
    uint64_t ns = (s->period_ns[c] * duty) >> s->resolution[c];
    return put_ch(s, c, "duty_cycle", ns);
}

static bool s_faulted(void *ctx)
{
    (void)ctx;
    return false;
}

static const mk_pwm_hal_t g_hal = {
    .name = "sysfs",
    .ctx = &g_sysfs,
    .init = s_init,
    .deinit = s_deinit,
    .configure = s_configure,
    .deconfigure = s_deconfigure,
    .set_duty = s_set_duty,
    .faulted = s_faulted,
};

const mk_pwm_hal_t *pwm_sysfs_hal(const char *root, int chip)
{
    g_sysfs.root = root;
    g_sysfs.chip = chip;
    return &g_hal;
}
