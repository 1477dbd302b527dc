/*
 * rt_thread.c -- see rt_thread.h. Used by the HTTP tests whose runtime
 * runs beside a test thread that drives real peers; the runtime is only
 * ever stopped from inside an actor, never from the test thread.
 */
#include "rt_thread.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *run(void *arg)
{
    rt_thread_t *t = arg;
    runtime_run(t->rt);
    return NULL;
}

void rt_thread_start(rt_thread_t *t, runtime_t *rt)
{
    t->rt = rt;
    atomic_store(&t->quit, false);
    int rc = pthread_create(&t->thread, NULL, run, t);
    if (rc != 0)
        fail_msg("pthread_create for the runtime: %s", strerror(rc));
}

bool rt_thread_quitting(rt_thread_t *t)
{
    return atomic_load(&t->quit);
}

void rt_thread_stop(rt_thread_t *t)
{
    atomic_store(&t->quit, true);
    pthread_join(t->thread, NULL);
    runtime_destroy(t->rt);
    t->rt = NULL;
}

int rt_thread_teardown(void **state)
{
    rt_thread_stop(*state);
    return 0;
}

bool rt_thread_wait_port(atomic_int *port, int timeout_ms)
{
    for (int i = 0; i < timeout_ms / 10 && !atomic_load(port); i++)
        usleep(10000);
    return atomic_load(port) > 0;
}

void rt_fail_once(rt_fail_t *f, const char *fmt, ...)
{
    if (atomic_exchange(&f->failed, true))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->text, sizeof f->text, fmt, ap);
    va_end(ap);
}
