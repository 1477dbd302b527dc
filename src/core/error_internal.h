/*
 * error_internal.h -- recording the reason for mk_last_error().
 */
#ifndef MK_CORE_ERROR_INTERNAL_H
#define MK_CORE_ERROR_INTERNAL_H

#include "microkernel/error.h"

/* Record the reason of a failure on this thread (printf-style, cut at 255
 * characters). Always returns false so `return mk_fail(...)` reads well. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void mk_set_error(const char *fmt, ...);

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
_Bool mk_fail(const char *fmt, ...);

/* Record "mailbox of actor <id> is full (<capacity> messages)" for `what`
 * without formatting it: the text is built only if mk_last_error() is
 * called. A refused send is flow control, not a rare failure, so it must
 * cost a few stores, not a vsnprintf. Always returns false. */
_Bool mk_fail_mailbox_full(const char *what, unsigned long long id, unsigned capacity);

#endif
