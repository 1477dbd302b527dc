/*
 * error.c -- the thread-local "last error" string behind mk_last_error().
 *
 * Every failing API call records why it failed; nothing here allocates.
 */
#include "core/error_internal.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#define MK_ERROR_MAX 256

static _Thread_local char last_error[MK_ERROR_MAX];

const char *mk_last_error(void)
{
    return last_error;
}

void mk_clear_error(void)
{
    last_error[0] = '\0';
}

static void record(const char *fmt, va_list ap)
{
    vsnprintf(last_error, sizeof last_error, fmt, ap);
}

void mk_set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(fmt, ap);
    va_end(ap);
}

bool mk_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(fmt, ap);
    va_end(ap);
    return false;
}
