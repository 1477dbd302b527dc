/*
 * timerfd.c (ESP-IDF, UNBUILT skeleton) -- timer descriptors for the core
 * (timer.c, wasm_sleep.c call timerfd_create/settime, read and close).
 * Each is one esp_timer (callbacks dispatched from the esp_timer task)
 * whose callback counts an expiration and wakes the runtime's task with a
 * FreeRTOS task notification. The descriptors are real file descriptors
 * of a VFS driver registered at "/dev/mktimer" on first use
 * (esp_vfs_register, esp_vfs_t with ESP_VFS_FLAG_DEFAULT; ESP-IDF 5.x;
 * newer releases prefer esp_vfs_register_fs), so newlib's read() and
 * close() reach timer_read() and timer_close() below. Static table: no
 * allocation after the first call besides what esp_timer_create makes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>

#include "esp32_port.h"
#include "esp_timer.h"
#include "esp_vfs.h"

typedef struct {
    bool open;
    int fd;                  /* the global descriptor open() returned */
    esp_timer_handle_t h;    /* created once, reused */
    uint64_t period_us;      /* 0: one-shot */
    bool first_is_periodic;  /* started with esp_timer_start_periodic */
    atomic_uint expirations; /* counted by the callback, taken by read */
} esp_tfd_t;

static esp_tfd_t tfds[MK_ESP32_MAX_TIMERFDS];
static TaskHandle_t waiter;
static bool vfs_ready;

void mk_esp32_set_waiter(TaskHandle_t task)
{
    waiter = task;
}

/* esp_timer callback (esp_timer task): count, re-arm a periodic timer
 * whose first period differed, wake the runtime. */
static void on_expiry(void *arg)
{
    esp_tfd_t *t = arg;
    atomic_fetch_add(&t->expirations, 1u);
    if (t->period_us && !t->first_is_periodic) {
        t->first_is_periodic = true;
        esp_timer_start_periodic(t->h, t->period_us);
    }
    if (waiter)
        xTaskNotifyGive(waiter);
}

static esp_tfd_t *tfd_of(int fd)
{
    for (int i = 0; i < MK_ESP32_MAX_TIMERFDS; i++)
        if (tfds[i].open && tfds[i].fd == fd)
            return &tfds[i];
    return NULL;
}

bool mk_esp32_fd_readable(int fd)
{
    esp_tfd_t *t = tfd_of(fd);
    return t && atomic_load(&t->expirations) > 0;
}

/* ---- the VFS driver: local descriptor = index in tfds ---------------- */

static int timer_open(const char *path, int flags, int mode)
{
    (void)flags;
    (void)mode;
    int i = -1;
    if (sscanf(path, "/%d", &i) != 1 || i < 0 || i >= MK_ESP32_MAX_TIMERFDS) {
        errno = ENOENT;
        return -1;
    }
    return i;
}

static ssize_t timer_read(int local, void *dst, size_t size)
{
    if (local < 0 || local >= MK_ESP32_MAX_TIMERFDS || !tfds[local].open) {
        errno = EBADF;
        return -1;
    }
    if (size < sizeof(uint64_t)) {
        errno = EINVAL;
        return -1;
    }
    uint64_t n = atomic_exchange(&tfds[local].expirations, 0u);
    if (n == 0) {
        errno = EAGAIN;
        return -1;
    }
    memcpy(dst, &n, sizeof n);
    return (ssize_t)sizeof n;
}

static int timer_close(int local)
{
    if (local < 0 || local >= MK_ESP32_MAX_TIMERFDS || !tfds[local].open) {
        errno = EBADF;
        return -1;
    }
    esp_timer_stop(tfds[local].h); /* ESP_ERR_INVALID_STATE when not running: fine */
    tfds[local].open = false;
    return 0;
}

static bool register_vfs(void)
{
    static const esp_vfs_t vfs = {
        .flags = ESP_VFS_FLAG_DEFAULT,
        .open = timer_open,
        .read = timer_read,
        .close = timer_close,
    };
    if (!vfs_ready)
        vfs_ready = esp_vfs_register("/dev/mktimer", &vfs, NULL) == ESP_OK;
    return vfs_ready;
}

/* ---- timerfd ---------------------------------------------------------- */

int timerfd_create(int clockid, int flags)
{
    (void)flags; /* always non-blocking; CLOEXEC has no meaning here */
    if (clockid != CLOCK_MONOTONIC) {
        errno = EINVAL;
        return -1;
    }
    if (!register_vfs()) {
        errno = ENOMEM;
        return -1;
    }
    for (int i = 0; i < MK_ESP32_MAX_TIMERFDS; i++) {
        esp_tfd_t *t = &tfds[i];
        if (t->open)
            continue;
        if (!t->h) {
            const esp_timer_create_args_t args = {
                .callback = on_expiry,
                .arg = t,
                .dispatch_method = ESP_TIMER_TASK,
                .name = "mk-timerfd",
            };
            if (esp_timer_create(&args, &t->h) != ESP_OK) {
                errno = ENOMEM;
                return -1;
            }
        }
        char path[32];
        snprintf(path, sizeof path, "/dev/mktimer/%d", i);
        t->open = true; /* timer_open only checks the index */
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            t->open = false;
            return -1;
        }
        t->fd = fd;
        t->period_us = 0;
        t->first_is_periodic = false;
        atomic_store(&t->expirations, 0u);
        return fd;
    }
    errno = EMFILE;
    return -1;
}

static uint64_t ts_us(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000u + (uint64_t)ts->tv_nsec / 1000u;
}

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old)
{
    esp_tfd_t *t = tfd_of(fd);
    if (!t || old || !new_value) {
        errno = t ? EINVAL : EBADF;
        return -1;
    }
    esp_timer_stop(t->h);
    atomic_store(&t->expirations, 0u);
    if (new_value->it_value.tv_sec == 0 && new_value->it_value.tv_nsec == 0)
        return 0; /* disarmed */
    uint64_t value = ts_us(&new_value->it_value);
    if (flags & TFD_TIMER_ABSTIME) {
        uint64_t now = (uint64_t)esp_timer_get_time();
        value = value > now ? value - now : 1;
    }
    if (value == 0)
        value = 1;
    t->period_us = ts_us(&new_value->it_interval);
    t->first_is_periodic = t->period_us && t->period_us == value;
    esp_err_t e = t->first_is_periodic ? esp_timer_start_periodic(t->h, t->period_us)
                                       : esp_timer_start_once(t->h, value);
    if (e != ESP_OK) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}
