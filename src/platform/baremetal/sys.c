/*
 * sys.c (bare metal) -- the few POSIX descriptor calls the core makes
 * (read, write, close on timer descriptors and the console), timerfd over
 * mtime, picolibc's stdio on the UART, and _exit through the virt test
 * device. There are no files and no sockets: open() fails with ENOENT, so
 * code paths that load a module from a path report a clear error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "board.h"
#include "sys_internal.h"

typedef struct {
    bool open;
    bool armed;
    uint64_t next;   /* mtime ticks of the next expiry */
    uint64_t period; /* ticks; 0 for one-shot */
} bm_timer_t;

static bm_timer_t timers[MK_BM_MAX_TIMERFDS];

static uint64_t ns_to_ticks(uint64_t ns)
{
    return ns / (1000000000u / BOARD_MTIME_HZ);
}

static uint64_t ts_ticks(const struct timespec *ts)
{
    return ns_to_ticks((uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec);
}

static bm_timer_t *timer_of(int fd)
{
    int i = fd - MK_BM_FD_TIMER0;
    if (i < 0 || i >= MK_BM_MAX_TIMERFDS || !timers[i].open)
        return NULL;
    return &timers[i];
}

int timerfd_create(int clockid, int flags)
{
    (void)flags;
    if (clockid != CLOCK_MONOTONIC) {
        errno = EINVAL;
        return -1;
    }
    for (int i = 0; i < MK_BM_MAX_TIMERFDS; i++)
        if (!timers[i].open) {
            timers[i] = (bm_timer_t){.open = true};
            return MK_BM_FD_TIMER0 + i;
        }
    errno = EMFILE;
    return -1;
}

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old)
{
    bm_timer_t *t = timer_of(fd);
    if (!t || old || !new_value) {
        errno = t ? EINVAL : EBADF;
        return -1;
    }
    uint64_t value = ts_ticks(&new_value->it_value);
    t->period = ts_ticks(&new_value->it_interval);
    if (new_value->it_value.tv_sec == 0 && new_value->it_value.tv_nsec == 0) {
        t->armed = false;
        return 0;
    }
    t->armed = true;
    t->next = (flags & TFD_TIMER_ABSTIME) ? value : board_ticks() + (value ? value : 1);
    return 0;
}

/* Expirations of `t` due by `now`, consumed. */
static uint64_t take_expirations(bm_timer_t *t, uint64_t now)
{
    if (!t->armed || now < t->next)
        return 0;
    if (!t->period) {
        t->armed = false;
        return 1;
    }
    uint64_t n = 1 + (now - t->next) / t->period;
    t->next += n * t->period;
    return n;
}

bool mk_bm_fd_readable(int fd, uint64_t now, uint64_t *deadline)
{
    if (fd == MK_BM_FD_CONSOLE) {
        return (*(volatile uint8_t *)(uintptr_t)(BOARD_UART_BASE + 5u) & 1u) != 0;
    }
    bm_timer_t *t = timer_of(fd);
    if (!t || !t->armed)
        return false;
    if (now >= t->next)
        return true;
    if (t->next < *deadline)
        *deadline = t->next;
    return false;
}

ssize_t read(int fd, void *buf, size_t n)
{
    if (fd == MK_BM_FD_CONSOLE) {
        size_t got = 0;
        char c;
        while (got < n && board_uart_get(&c))
            ((char *)buf)[got++] = c;
        if (got == 0) {
            errno = EAGAIN;
            return -1;
        }
        return (ssize_t)got;
    }
    bm_timer_t *t = timer_of(fd);
    if (!t) {
        errno = EBADF;
        return -1;
    }
    if (n < sizeof(uint64_t)) {
        errno = EINVAL;
        return -1;
    }
    uint64_t count = take_expirations(t, board_ticks());
    if (!count) {
        errno = EAGAIN;
        return -1;
    }
    memcpy(buf, &count, sizeof count);
    return (ssize_t)sizeof count;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    if (fd < 0 || fd > 2) {
        errno = EBADF;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = ((const char *)buf)[i];
        if (c == '\n')
            board_uart_put('\r');
        board_uart_put(c);
    }
    return (ssize_t)n;
}

int close(int fd)
{
    bm_timer_t *t = timer_of(fd);
    if (t) {
        t->open = false;
        t->armed = false;
        return 0;
    }
    if (fd >= 0 && fd <= 2)
        return 0;
    errno = EBADF;
    return -1;
}

int open(const char *path, int flags, ...)
{
    (void)path;
    (void)flags;
    errno = ENOENT; /* no file system on this target */
    return -1;
}

int fstat(int fd, struct stat *st)
{
    (void)st;
    errno = fd >= 0 && fd <= 2 ? ENOSYS : EBADF;
    return -1;
}

off_t lseek(int fd, off_t off, int whence)
{
    (void)fd;
    (void)off;
    (void)whence;
    errno = ESPIPE;
    return -1;
}

/* State files (src/wasm/state_persist.c) need a file system: refused. */
int unlink(const char *path)
{
    (void)path;
    errno = EROFS;
    return -1;
}

int rename(const char *from, const char *to)
{
    (void)from;
    (void)to;
    errno = EROFS;
    return -1;
}

int fsync(int fd)
{
    (void)fd;
    errno = EBADF;
    return -1;
}

pid_t getpid(void)
{
    return 1; /* one program on the machine */
}

_Noreturn void _exit(int code)
{
    board_exit(code);
}

/* picolibc's stdio: one stream on the UART for stdin, stdout and stderr. */
static int uart_putc(char c, FILE *f)
{
    (void)f;
    if (c == '\n')
        board_uart_put('\r');
    board_uart_put(c);
    return (unsigned char)c;
}

static int uart_getc(FILE *f)
{
    (void)f;
    char c;
    while (!board_uart_get(&c))
        board_idle_until(UINT64_MAX);
    return (unsigned char)c;
}

static FILE uart_stream = FDEV_SETUP_STREAM(uart_putc, uart_getc, NULL, _FDEV_SETUP_RW);
FILE *const stdin = &uart_stream;
FILE *const stdout = &uart_stream;
FILE *const stderr = &uart_stream;
