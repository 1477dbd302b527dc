/*
 * microkernel/error.h -- why the last call failed.
 *
 * The seed API keeps its return conventions (false, ACTOR_ID_INVALID,
 * TIMER_ID_INVALID, NULL). Every such failure also records a human-readable
 * reason on the calling thread, in the spirit of the peer SDK's last-error
 * pair (seed 003).
 */
#ifndef MICROKERNEL_ERROR_H
#define MICROKERNEL_ERROR_H

/*
 * The reason for the most recent failure of any microkernel call made on the
 * calling thread, e.g. "actor_send: mailbox of actor 0x100000002 is full (16
 * messages)". Successful calls do not clear it. Never NULL: "" when nothing
 * has failed yet on this thread. The string is thread-local and owned by the
 * library; it stays valid until the next failing call on the same thread.
 */
const char *mk_last_error(void);

/* Forget the last error on this thread (mk_last_error() then returns ""). */
void mk_clear_error(void);

#endif
