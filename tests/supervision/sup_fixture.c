/*
 * sup_fixture.c -- journaled workers shared by the supervision tests.
 */
#include "sup_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char journal[4096];
int states_made;
int states_freed;
worker_state_t *last_made[128];

#define WORKER_MAGIC 0x5eed

void journal_reset(void)
{
    journal[0] = '\0';
    states_made = 0;
    states_freed = 0;
    memset(last_made, 0, sizeof last_made);
}

static void note(char sign, char tag)
{
    size_t len = strlen(journal);
    assert_true(len + 4 < sizeof journal);
    snprintf(journal + len, sizeof journal - len, "%s%c%c", len ? " " : "", sign, tag);
}

void *worker_factory(void *arg)
{
    worker_state_t *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->tag = (char)(uintptr_t)arg;
    w->magic = WORKER_MAGIC;
    states_made++;
    last_made[(unsigned char)w->tag & 127] = w;
    note('+', w->tag);
    return w;
}

void worker_free(void *state)
{
    worker_state_t *w = state;
    assert_int_equal(w->magic, WORKER_MAGIC);
    w->magic = 0;
    states_freed++;
    if (last_made[(unsigned char)w->tag & 127] == w)
        last_made[(unsigned char)w->tag & 127] = NULL;
    note('-', w->tag);
    free(w);
}

bool worker_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    worker_state_t *w = state;
    assert_int_equal(w->magic, WORKER_MAGIC);
    switch (msg->type) {
    case MSG_T_EXIT_NORMAL: return false;
    case MSG_T_CRASH: actor_exit(rt, actor_get_id(self), EXIT_CRASHED); return true;
    case MSG_T_PING:
        w->pings++;
        if (msg->source != ACTOR_ID_INVALID)
            actor_send(rt, msg->source, MSG_T_PONG, &w->tag, 1);
        return true;
    default: return true;
    }
}

child_spec_t worker_spec(char tag, restart_type_t type, const char *name)
{
    child_spec_t c = {
        .name = name,
        .behavior = worker_behavior,
        .factory = worker_factory,
        .factory_arg = (void *)(uintptr_t)tag,
        .free_state = worker_free,
        .mailbox_size = 16,
        .restart_type = type,
    };
    return c;
}

void run(runtime_t *rt)
{
    runtime_run(rt);
}
