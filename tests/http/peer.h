/*
 * peer.h -- helpers for tests/http: free ports, real peer processes
 * (started and stopped by the tests), and a small loop that runs a test
 * actor until it says it is done.
 */
#ifndef MK_TESTS_HTTP_PEER_H
#define MK_TESTS_HTTP_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "microkernel/http.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"

/* A port that was free a moment ago on 127.0.0.1 (bind 0, read it back). */
uint16_t peer_free_port(void);
/* Fail the test (never skip) when `tool` is not on PATH. */
void peer_require(const char *tool);
/* Start argv[0] with argv, stdout+stderr to `log` (NULL: /dev/null). */
pid_t peer_spawn(char *const argv[], const char *log);
/* Wait until 127.0.0.1:port accepts connections (false after timeout_ms). */
bool peer_wait_port(uint16_t port, int timeout_ms);
/* SIGTERM, then SIGKILL after 2 s; reaps the child. */
void peer_stop(pid_t pid);
/* Wait for a child (up to timeout_ms); returns its exit status or -1. */
int peer_wait(pid_t pid, int timeout_ms);
/* Non-blocking: true when the child exited (status in *status). */
bool peer_exited(pid_t pid, int *status);
/* Read a whole file (malloc'd, NUL-terminated) or NULL. */
char *peer_slurp(const char *path, size_t *len);
/* A fresh temporary directory, made with mkdtemp under $TMPDIR (or /tmp),
 * removed with everything in it when the process exits. The string stays
 * valid until then. */
const char *peer_tmpdir(void);
/* The path of file `name` in this process's own temporary directory (one
 * peer_tmpdir, made on first use): no fixed /tmp names, so concurrent runs
 * do not collide. Returns one of 8 static buffers used in rotation. */
const char *peer_tmpfile(const char *name);
/* Directory holding this test's peer scripts (tests/http/peers). */
const char *peer_scripts(void);
/* Run a shell command and return its exit status. */
int peer_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* runtime_run(rt) with a watchdog: fails the test when it has not returned
 * after `timeout_ms` (the actors call runtime_stop when done). */
void peer_run(runtime_t *rt, int timeout_ms);

#endif
