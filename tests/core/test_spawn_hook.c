/* test_spawn_hook.c -- spawn hooks (mk_spawn_hook_add, src/core/actor.c):
 * told of every spawn of their behaviour only, with the ID and state, before
 * actor_spawn returns; a hook that wakes the actor gets it started without
 * a first message; a hook that refuses undoes the spawn (no ID, state not
 * freed, nothing counted alive). */
#include "core/runtime_api.h"
#include "test_util.h"

#define WAKE_TYPE 0x7100u

typedef struct {
    int calls;
    actor_id_t id;
    void *state;
    bool refuse;
    bool wake;
} hook_log_t;

static hook_log_t hook_log;
static int frees;

static void count_free(void *p)
{
    (void)p;
    frees++;
}

typedef struct {
    int received;
    msg_type_t first;
} rec_t;

static bool hooked(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt;
    (void)self;
    rec_t *r = state;
    if (r && r->received++ == 0)
        r->first = msg->type;
    return true;
}

static bool plain(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    return hooked(rt, self, msg, state);
}

static bool hook(runtime_t *rt, actor_id_t id, void *state)
{
    hook_log.calls++;
    hook_log.id = id;
    hook_log.state = state;
    if (hook_log.wake && !mk_actor_wake(rt, id, WAKE_TYPE))
        return false;
    if (hook_log.refuse)
        return mk_fail("hook refused");
    return true;
}

static bool other_hook(runtime_t *rt, actor_id_t id, void *state)
{
    (void)rt;
    (void)id;
    (void)state;
    return true;
}

static void told_of_its_behaviour_only(void **s)
{
    (void)s;
    memset(&hook_log, 0, sizeof hook_log);
    assert_true(mk_spawn_hook_add(hooked, hook));
    assert_true(mk_spawn_hook_add(hooked, hook)); /* the same pair again: no-op */
    assert_false(mk_spawn_hook_add(hooked, other_hook));
    assert_error_mentions("another hook");
    assert_false(mk_spawn_hook_add(NULL, hook));
    runtime_t *rt = runtime_init(1, 8);
    rec_t r = {0, 0};
    actor_id_t id = actor_spawn(rt, hooked, &r, NULL, 4);
    assert_int_not_equal(id, ACTOR_ID_INVALID);
    assert_int_equal(hook_log.calls, 1);
    assert_int_equal(hook_log.id, id);
    assert_ptr_equal(hook_log.state, &r);
    rec_t r2 = {0, 0};
    assert_int_not_equal(actor_spawn(rt, plain, &r2, NULL, 4), ACTOR_ID_INVALID);
    assert_int_equal(hook_log.calls, 1); /* another behaviour: not told */
    runtime_destroy(rt);
}

static void a_hook_that_wakes_starts_the_actor(void **s)
{
    (void)s;
    memset(&hook_log, 0, sizeof hook_log);
    hook_log.wake = true;
    runtime_t *rt = runtime_init(1, 8);
    rec_t r = {0, 0};
    actor_id_t id = actor_spawn(rt, hooked, &r, NULL, 4);
    assert_int_not_equal(id, ACTOR_ID_INVALID);
    assert_true(actor_send(rt, id, 5, NULL, 0)); /* queued behind the wake */
    for (int i = 0; i < 4 && r.received < 2; i++)
        runtime_step(rt); /* one message a step */
    assert_int_equal(r.received, 2);
    assert_int_equal(r.first, WAKE_TYPE);
    runtime_destroy(rt);
}

static void a_refusing_hook_undoes_the_spawn(void **s)
{
    (void)s;
    memset(&hook_log, 0, sizeof hook_log);
    hook_log.refuse = true;
    frees = 0;
    runtime_t *rt = runtime_init(1, 8);
    size_t before = runtime_actor_count(rt);
    rec_t r = {0, 0};
    assert_int_equal(actor_spawn(rt, hooked, &r, count_free, 4), ACTOR_ID_INVALID);
    assert_error_mentions("hook refused");
    assert_int_equal(hook_log.calls, 1);
    assert_int_equal(frees, 0); /* the state is still the caller's */
    assert_int_equal(runtime_actor_count(rt), before);
    assert_false(actor_send(rt, hook_log.id, 1, NULL, 0)); /* that ID never lived */
    hook_log.wake = true; /* refused after waking: the wake message goes too (ASan) */
    assert_int_equal(actor_spawn(rt, hooked, &r, count_free, 4), ACTOR_ID_INVALID);
    assert_int_equal(runtime_actor_count(rt), before);
    hook_log.refuse = false;
    actor_id_t id = actor_spawn(rt, hooked, &r, count_free, 4);
    assert_int_not_equal(id, ACTOR_ID_INVALID);
    runtime_destroy(rt);
    assert_int_equal(frees, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(told_of_its_behaviour_only),
        cmocka_unit_test(a_hook_that_wakes_starts_the_actor),
        cmocka_unit_test(a_refusing_hook_undoes_the_spawn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
