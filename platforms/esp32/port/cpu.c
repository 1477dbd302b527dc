/*
 * cpu.c (ESP-IDF, UNBUILT skeleton) -- the run-queue probe of
 * platform/cpu.h. The idle spin is off in this build (MK_IDLE_SPIN_US=0,
 * mcu/sources.cmake), so the probe is never consulted: it says "not
 * contended", as the bare-metal port does.
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
