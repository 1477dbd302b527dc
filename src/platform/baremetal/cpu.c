/*
 * cpu.c (bare metal) -- the run-queue probe of platform/cpu.h. One hart runs
 * one program, so the CPU is never contested; the idle spin is off anyway
 * (MK_IDLE_SPIN_US=0 in the image's build).
 */
#include "platform/cpu.h"

bool mk_cpu_contended(mk_cpu_probe_t *probe)
{
    (void)probe;
    return false;
}

void mk_cpu_probe_close(mk_cpu_probe_t *probe)
{
    probe->opened = false;
}
