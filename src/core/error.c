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

/* A failure recorded but not yet formatted (mk_fail_mailbox_full). */
static _Thread_local struct {
    const char *what;      /* NULL: last_error is up to date */
    unsigned long long id; /* the destination */
    unsigned capacity;     /* its mailbox size */
} pending;

const char *mk_last_error(void)
{
    if (pending.what) {
        snprintf(last_error, sizeof last_error,
                 "%s: mailbox of actor 0x%016llx is full (%u messages)", pending.what, pending.id,
                 pending.capacity);
        pending.what = NULL;
    }
    return last_error;
}

void mk_clear_error(void)
{
    pending.what = NULL;
    last_error[0] = '\0';
}

static void record(const char *fmt, va_list ap)
{
    pending.what = NULL;
    vsnprintf(last_error, sizeof last_error, fmt, ap);
}

bool mk_fail_mailbox_full(const char *what, unsigned long long id, unsigned capacity)
{
    pending.what = what;
    pending.id = id;
    pending.capacity = capacity;
    return false;
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
