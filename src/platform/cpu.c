/*
 * cpu.c -- run-queue probe for the idle spin, from /proc/loadavg, whose
 * fourth field is "runnable/total" scheduling entities (proc(5)). Kept
 * open and re-read with pread(), which regenerates the file.
 */
#include "platform/cpu.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static bool probe_open(mk_cpu_probe_t *p)
{
    if (!p->opened) {
        p->opened = true;
        p->fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        p->n_cpus = n > 0 ? (int)n : 1;
    }
    return p->fd >= 0;
}

bool mk_cpu_contended(mk_cpu_probe_t *p)
{
    if (!probe_open(p))
        return false;
    char buf[128];
    ssize_t n = pread(p->fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    /* "0.52 0.58 0.59 3/345 12345": skip three fields, read the number
     * before the slash. */
    char *s = buf;
    for (int field = 0; field < 3; field++) {
        while (*s && *s != ' ')
            s++;
        while (*s == ' ')
            s++;
    }
    char *end;
    long runnable = strtol(s, &end, 10);
    if (end == s || *end != '/')
        return false;
    return runnable > p->n_cpus;
}

void mk_cpu_probe_close(mk_cpu_probe_t *p)
{
    if (p->opened && p->fd >= 0)
        close(p->fd);
    p->opened = false;
}
