/*
 * wasi_actor.c -- a WASM actor in C against Debian's wasi-libc, built as a
 * reactor (clang --target=wasm32-wasi -mexec-model=reactor) for
 * test_wasi_actor.c. Each message type is one scenario; the actor replies
 * to the sender with type 100 + scenario and a status word, and prints
 * what it saw to stdout (routed by the test to a file) or stderr (routed
 * to the node's log).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((import_module("env"), import_name("mk_send"))) int32_t
mk_send(int64_t dest, int32_t type, const void *payload, int32_t size);

static int reply(int64_t to, int32_t type, int32_t status)
{
    return mk_send(to, type, &status, 4);
}

/* An open that must fail: the errno it failed with, 0 if it opened. */
static int open_errno_flags(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno;
}

static int open_errno(const char *path)
{
    return open_errno_flags(path, O_RDONLY);
}

__attribute__((export_name("handle_message"))) int32_t handle_message(int32_t type, int64_t src,
                                                                      int32_t ptr, int32_t size)
{
    (void)ptr;
    (void)size;
    switch (type) {
    case 1: { /* files in the preopen */
        FILE *f = fopen("/data/out.txt", "w");
        if (!f)
            return reply(src, 101, errno), 1;
        fputs("written by a wasm actor\n", f);
        fclose(f);
        char buf[64] = {0};
        f = fopen("/data/out.txt", "r");
        if (!f || !fgets(buf, sizeof buf, f))
            return reply(src, 101, -1), 1;
        fclose(f);
        printf("read back: %s", buf);
        printf("env GREETING=%s\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");
        char in[8];
        printf("stdin read: %d\n", (int)read(0, in, sizeof in));
        fflush(stdout);
        fprintf(stderr, "a line for the log\n");
        reply(src, 101, 0);
        return 1;
    }
    case 2: /* escapes: "..", an absolute path, a symlink out */
        printf("dotdot: %d\n", open_errno("/data/../secret.txt"));
        printf("absolute: %d\n", open_errno("/etc/passwd"));
        printf("symlink: %d\n", open_errno("/data/link/secret.txt"));
        printf("readonly write: %d\n",
               open("/ro/new.txt", O_WRONLY | O_CREAT, 0644) < 0 ? errno : 0);
        fflush(stdout);
        reply(src, 102, ENOTCAPABLE);
        return 1;
    case 3: {               /* sleep: suspends only this actor */
        reply(src, 103, 0); /* "going to sleep" */
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        sched_yield();
        reply(src, 104, 0); /* "woke up" */
        return 1;
    }
    case 5: { /* keep a file and a directory open; reply with the file's fd */
        int fd = open("/data/held.txt", O_WRONLY | O_CREAT, 0644);
        int dfd = open("/data", O_RDONLY | O_DIRECTORY);
        reply(src, 105, fd < 0 || dfd < 0 ? -errno : fd);
        return 1; /* both stay open until the actor stops */
    }
    case 6: { /* poll a fifo for reading: suspends until the test writes */
        int fd = open("/data/fifo", O_RDONLY | O_NONBLOCK);
        reply(src, 106, fd < 0 ? -errno : 0); /* "waiting" */
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 600000); /* an fd and a clock: the fd comes first */
        char buf[32] = {0};
        ssize_t n = read(fd, buf, sizeof buf - 1);
        printf("fifo poll=%d revents=%d read=%s\n", r, p.revents, n > 0 ? buf : "");
        fflush(stdout);
        close(fd);
        reply(src, 107, r == 1 && (p.revents & POLLIN) ? (int32_t)n : -1);
        return 1;
    }
    case 7: { /* fill a fifo, then poll for writing: suspends until the test drains */
        int fd = open("/data/fifo", O_WRONLY | O_NONBLOCK);
        static char chunk[4096];
        int total = 0;
        ssize_t n;
        while (fd >= 0 && (n = write(fd, chunk, sizeof chunk)) > 0)
            total += (int)n;
        reply(src, 108, fd < 0 ? -errno : total); /* full */
        struct pollfd p = {fd, POLLOUT, 0};
        int r = poll(&p, 1, -1); /* the fd only: no clock */
        close(fd);
        reply(src, 109, r == 1 && (p.revents & POLLOUT) ? 0 : -1);
        return 1;
    }
    case 8: { /* poll a silent fifo with a 5 ms timeout: the clock fires */
        int fd = open("/data/fifo", O_RDONLY | O_NONBLOCK);
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 5);
        close(fd);
        reply(src, 110, r);
        return 1;
    }
    case 9: { /* more fd subscriptions than an actor may wait for */
        int fd = open("/data/fifo", O_RDONLY | O_NONBLOCK);
        static struct pollfd p[65];
        for (int i = 0; i < 65; i++)
            p[i] = (struct pollfd){fd, POLLIN, 0};
        int r = poll(p, 65, 0);
        reply(src, 111, r < 0 ? errno : r);
        close(fd);
        return 1;
    }
    case 10: { /* a blocking open and read of a fifo: suspends only this actor */
        int fd = open("/data/fifo", O_RDONLY);
        reply(src, 112, fd < 0 ? -errno : 0); /* opened at once */
        char buf[32] = {0};
        ssize_t n = read(fd, buf, sizeof buf - 1);
        printf("fifo read=%s\n", n > 0 ? buf : "");
        fflush(stdout);
        close(fd);
        reply(src, 113, n < 0 ? -errno : (int32_t)n);
        return 1;
    }
    case 11: /* a fifo opened for writing with no reader fails at once */
        reply(src, 114, open_errno_flags("/data/fifo", O_WRONLY));
        return 1;
    case 12: { /* blocking writes of 200000 bytes into a fifo the test drains */
        int fd = open("/data/fifo", O_WRONLY);
        static char chunk[50000];
        int total = 0;
        while (fd >= 0 && total < 200000) {
            size_t left = 200000 - (size_t)total;
            ssize_t n = write(fd, chunk, left < sizeof chunk ? left : sizeof chunk);
            if (n <= 0)
                break;
            total += (int)n;
        }
        reply(src, 115, fd < 0 ? -errno : total);
        close(fd);
        return 1;
    }
    case 4: /* proc_exit */
        printf("exiting with 7\n");
        fflush(stdout);
        exit(7);
    default: return 1;
    }
}
