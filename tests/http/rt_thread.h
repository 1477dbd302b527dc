/*
 * rt_thread.h -- a runtime run on a thread of its own for tests/http, so
 * the test thread can play the peer (curl, Node, Chromium, a raw socket)
 * and assert. The actors stop the runtime themselves: each sets a
 * repeating timer and calls runtime_stop from MSG_TIMER once
 * rt_thread_quitting() says so (the loop then wakes within one tick).
 */
#ifndef MK_TESTS_HTTP_RT_THREAD_H
#define MK_TESTS_HTTP_RT_THREAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "microkernel/runtime.h"

typedef struct {
    runtime_t *rt;    /* the test's runtime; destroyed by rt_thread_stop */
    pthread_t thread; /* runs runtime_run(rt) */
    atomic_bool quit; /* set by rt_thread_stop, read by the actors' timers */
} rt_thread_t;

/* Run runtime_run(`rt`) on a new thread. The caller made `rt` with
 * runtime_init, spawned its actors and sent their first messages; `t`
 * takes `rt` over (rt_thread_stop destroys it) and clears t->quit.
 * Fails the test when the thread cannot be created. */
void rt_thread_start(rt_thread_t *t, runtime_t *rt);

/* True once rt_thread_stop was called: the actor whose timer sees it calls
 * runtime_stop. Safe from any thread. */
bool rt_thread_quitting(rt_thread_t *t);

/* Set t->quit, wait for the thread (an actor's timer must stop the
 * runtime, or this blocks), then runtime_destroy(t->rt). */
void rt_thread_stop(rt_thread_t *t);

/* A cmocka group teardown for files whose group setup started the
 * runtime and stored its rt_thread_t in *state: rt_thread_stop(*state).
 * Returns 0. */
int rt_thread_teardown(void **state);

/* Wait, in 10 ms steps for up to `timeout_ms`, until an actor has stored
 * its listener's port in `*port`; true when it is > 0 by then. Asserts
 * nothing: the caller decides whether a missing port fails the test. */
bool rt_thread_wait_port(atomic_int *port, int timeout_ms);

/* The first failure an actor saw on the runtime thread, kept for the test
 * thread to report: cmocka's asserts only work on the test thread. Zeroed
 * with the test's shared block. */
typedef struct {
    atomic_bool failed; /* set by the first rt_fail_once */
    char text[256];     /* its message (written just after `failed`) */
} rt_fail_t;

/* Record the printf-style message in `f` unless a failure is already
 * there; later ones are dropped. Callable from any thread. */
void rt_fail_once(rt_fail_t *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
