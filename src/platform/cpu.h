/*
 * cpu.h -- is this machine's CPU time contested right now? Used by the event
 * loop's idle spin (docs/event-loop.md, "Idle spin"), which only pays when
 * a CPU would otherwise sit idle.
 */
#ifndef MK_PLATFORM_CPU_H
#define MK_PLATFORM_CPU_H

#include <stdbool.h>

/* A probe of the system's run queue. Zero-initialised means "not opened";
 * mk_cpu_probe_close() releases it. One per runtime (not thread-safe). */
typedef struct {
    bool opened; /* first use happened */
    int fd;      /* /proc/loadavg, or -1 when unavailable */
    int n_cpus;  /* CPUs online */
} mk_cpu_probe_t;

/*
 * True when more threads are runnable system-wide than CPUs are online,
 * the calling thread included: some thread is waiting for a CPU, so
 * spinning would take time from it. Reads the running/total field of
 * /proc/loadavg (proc(5)), about 2 us. False when it cannot tell (no
 * /proc, a parse error): the caller then behaves as on an idle machine.
 */
bool mk_cpu_contended(mk_cpu_probe_t *probe);

/* Close the probe's file; safe on a probe never used. */
void mk_cpu_probe_close(mk_cpu_probe_t *probe);

#endif
