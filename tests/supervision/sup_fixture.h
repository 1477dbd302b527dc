/*
 * sup_fixture.h -- workers for the supervision tests: each records its
 * start ("+tag") and stop ("-tag") in one shared journal, so tests can assert
 * the exact order of stops and starts, and counts its states so tests can
 * prove each one is freed exactly once.
 */
#ifndef SUP_FIXTURE_H
#define SUP_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "microkernel/actor.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/supervision.h"

/* Messages the worker understands. */
enum {
    MSG_T_EXIT_NORMAL = 1, /* behaviour returns false (EXIT_NORMAL) */
    MSG_T_CRASH = 2,       /* actor_exit(self, EXIT_CRASHED) */
    MSG_T_PING = 3,        /* counted in the state; answered with MSG_T_PONG */
    MSG_T_PONG = 4
};

typedef struct {
    char tag;  /* journal letter */
    int pings; /* MSG_T_PING handled by this incarnation */
    int magic; /* set while alive; catches use after free */
} worker_state_t;

/* The journal: "+a +b -a ..." (space separated). */
extern char journal[4096];
extern int states_made;                /* factory calls */
extern int states_freed;               /* free_state calls */
extern worker_state_t *last_made[128]; /* latest state by tag */

void journal_reset(void);
void *worker_factory(void *arg); /* arg: a char tag cast through uintptr_t */
void worker_free(void *state);
bool worker_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state);

/* A worker child spec with tag `tag`. */
child_spec_t worker_spec(char tag, restart_type_t type, const char *name);

/* Run until nothing is left to do. */
void run(runtime_t *rt);

#endif
