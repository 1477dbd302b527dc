/*
 * A supervision tree with a crashing worker: a one-for-one supervisor runs
 * two children, "worker" and "tally". A driver sends a job to "worker" by
 * name every 50 ms; every third job is poison and the worker crashes
 * (actor_exit with EXIT_CRASHED). The supervisor restarts it with fresh
 * state from its factory, which logs each restart, and the name follows the
 * new incarnation. After nine jobs the driver prints the supervisor's
 * restart count and stops the tree.
 */
#include <stdio.h>
#include <stdlib.h>

#include "microkernel/actor.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/supervision.h"

enum { MSG_GO = 1, MSG_JOB = 2, MSG_DONE = 3, N_JOBS = 9 };

/* ---- Children -------------------------------------------------------------- */

typedef struct {
    runtime_t *rt;
    int starts; /* incarnations so far, kept by the supervisor's factory arg */
} worker_factory_t;

typedef struct {
    int incarnation;
    int jobs; /* jobs this incarnation finished */
} worker_t;

/* Called by the supervisor on every (re)start of "worker". */
static void *worker_factory(void *arg)
{
    worker_factory_t *f = arg;
    worker_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->incarnation = ++f->starts;
    if (f->starts > 1)
        actor_log(f->rt, LOG_INFO, "worker restarted (incarnation %d)", w->incarnation);
    return w;
}

static bool worker(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    worker_t *w = state;
    if (msg->type != MSG_JOB)
        return true;
    int job = *(const int *)msg->payload;
    if (job % 3 == 0) {
        actor_log(rt, LOG_WARN, "worker %d: job %d is poison, crashing", w->incarnation, job);
        actor_exit(rt, actor_get_id(self), EXIT_CRASHED);
        return true;
    }
    w->jobs++;
    actor_send_named(rt, "tally", MSG_DONE, &job, sizeof job);
    return true;
}

static bool tally(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == MSG_DONE)
        actor_log(rt, LOG_INFO, "tally: job %d done", *(const int *)msg->payload);
    return true;
}

/* ---- The driver -------------------------------------------------------------- */

typedef struct {
    worker_factory_t factory;
    actor_id_t sup;
    int next_job;
    uint64_t restarts;
} driver_t;

static bool driver(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    driver_t *d = state;
    if (msg->type == MSG_GO) {
        child_spec_t specs[] = {
            {.name = "worker",
             .behavior = worker,
             .factory = worker_factory,
             .factory_arg = &d->factory,
             .free_state = free,
             .mailbox_size = 16,
             .restart_type = RESTART_PERMANENT},
            {.name = "tally",
             .behavior = tally,
             .mailbox_size = 16,
             .restart_type = RESTART_PERMANENT},
        };
        /* At most 5 restarts in 10 s, else the supervisor gives up. */
        d->sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 5, 10000, specs, 2);
        if (d->sup == ACTOR_ID_INVALID) {
            fprintf(stderr, "supervisor_start: %s\n", mk_last_error());
            return false;
        }
        actor_set_timer(rt, 50, true);
    } else if (msg->type == MSG_TIMER) {
        if (d->next_job < N_JOBS) {
            int job = ++d->next_job;
            actor_send_named(rt, "worker", MSG_JOB, &job, sizeof job);
            return true;
        }
        supervisor_info_t info;
        if (supervisor_info(rt, d->sup, &info, NULL, 0))
            d->restarts = info.restarts;
        actor_log(rt, LOG_INFO, "driver: %d jobs sent, %llu restarts", d->next_job,
                  (unsigned long long)d->restarts);
        supervisor_stop(rt, d->sup);
        return false; /* the tree is gone: runtime_run() returns */
    }
    return true;
}

int main(void)
{
    runtime_t *rt = runtime_init(1, 32);
    if (!rt)
        return 1;
    runtime_enable_logging(rt);
    driver_t d = {.factory = {.rt = rt}};
    actor_id_t id = actor_spawn(rt, driver, &d, NULL, 16);
    actor_send(rt, id, MSG_GO, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    printf("supervisor_crash: %llu restarts, worker started %d times\n",
           (unsigned long long)d.restarts, d.factory.starts);
    return d.restarts == 3 ? 0 : 1;
}
