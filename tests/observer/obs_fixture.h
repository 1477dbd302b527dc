/*
 * obs_fixture.h -- the live node the observer tests look at: a runtime on
 * its own thread with logging, the status server (observer with write
 * actions on one port, read-only on another), a supervisor with a child
 * "worker" that records what it gets and acknowledges it, and a linked and
 * a monitoring actor. Requests go through curl, a real HTTP client.
 */
#ifndef MK_TESTS_OBS_FIXTURE_H
#define MK_TESTS_OBS_FIXTURE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/runtime.h"

#define OBS_ACK_TYPE 0x43 /* the worker's answer to each ordinary message */

typedef struct {
    int port;            /* observer with write actions */
    int port_ro;         /* read-only observer */
    atomic_int ctl_port; /* the test's control listener (POST /spawn, /crash) */
    atomic_uint got;     /* ordinary messages the worker received (all incarnations) */
    atomic_uint type;    /* type of the last one */
    char last[4200];     /* payload of the last one (written before `got` moves) */
    atomic_size_t last_len;
    atomic_int starts; /* worker incarnations started */
} obs_fixture_t;

extern obs_fixture_t fx;

/* cmocka group setup/teardown: start and stop the node. */
int obs_fixture_setup(void **state);
int obs_fixture_teardown(void **state);

/*
 * Run curl on the write-enabled observer (`ro`: the read-only one) with the
 * extra arguments `args` (shell words, already quoted) for `path`; the
 * body goes to *body (malloc'd, NUL-terminated; may be NULL), the
 * Content-Type to `ctype` (cap bytes; may be NULL). Returns the HTTP
 * status, or -1 when curl failed.
 */
int obs_curl(bool ro, const char *args, const char *path, char **body, char *ctype, size_t cap);

/* Wait up to `ms` for fx.got to reach `n`. */
bool obs_wait_got(unsigned n, int ms);

#endif
