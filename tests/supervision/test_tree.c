/*
 * test_tree.c -- supervisors as parts of trees (seed 000, "Supervision";
 * issue 5): restart intensity, what the parent sees, three-level trees,
 * named children after restart, stopping a subtree, and bad input.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sup_fixture.h"

enum { MSG_T_START_SUP = 10 };

/* A plain actor that starts a supervisor (becoming its parent) and records
 * the MSG_CHILD_EXIT notices it gets. */
typedef struct {
    const child_spec_t *specs;
    size_t n;
    int max_restarts;
    actor_id_t sup;
    int exits;
    child_exit_payload_t last;
    actor_id_t last_source;
} parent_t;

static bool parent_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    parent_t *p = state;
    if (msg->type == MSG_T_START_SUP) {
        p->sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, p->max_restarts, 60000, p->specs, p->n);
        assert_true(p->sup != ACTOR_ID_INVALID);
    } else if (msg->type == MSG_CHILD_EXIT) {
        assert_int_equal(msg->payload_size, sizeof(child_exit_payload_t));
        memcpy(&p->last, msg->payload, sizeof p->last);
        p->last_source = msg->source;
        p->exits++;
    }
    return true;
}

static void test_intensity_exceeded_stops_supervisor_and_tells_parent(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    child_spec_t specs[2] = {worker_spec('a', RESTART_PERMANENT, NULL),
                             worker_spec('b', RESTART_PERMANENT, NULL)};
    parent_t p = {.specs = specs, .n = 2, .max_restarts = 2};
    actor_id_t pid = actor_spawn(rt, parent_behavior, &p, NULL, 16);
    assert_true(actor_send(rt, pid, MSG_T_START_SUP, NULL, 0));
    run(rt);
    assert_string_equal(journal, "+a +b");
    actor_id_t sup = p.sup;

    /* Two restarts are allowed within the window ... */
    for (int i = 0; i < 2; i++) {
        actor_stop(rt, supervisor_get_child(rt, sup, 0));
        run(rt);
        assert_true(actor_is_alive(rt, sup));
    }
    assert_string_equal(journal, "+a +b -a +a -a +a");
    assert_int_equal(p.exits, 0);

    /* ... the third is one too many: the supervisor stops with its children. */
    actor_id_t b = supervisor_get_child(rt, sup, 1);
    actor_stop(rt, supervisor_get_child(rt, sup, 0));
    run(rt);
    assert_string_equal(journal, "+a +b -a +a -a +a -a -b");
    assert_false(actor_is_alive(rt, sup));
    assert_false(actor_is_alive(rt, b));
    assert_int_equal(p.exits, 1);
    assert_true(p.last.child_id == sup);
    assert_true(p.last_source == sup);
    assert_int_equal(p.last.exit_reason, EXIT_RESTART_LIMIT);
    assert_int_equal(states_made, states_freed);
    assert_int_equal(runtime_actor_count(rt), 1); /* only the parent */
    runtime_destroy(rt);
}

/* A restart that cannot happen (the child's name was taken meanwhile): the
 * supervisor stops with EXIT_START_FAILED and its parent is told. */
static void test_failed_restart_stops_supervisor(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    child_spec_t specs[2] = {worker_spec('a', RESTART_PERMANENT, NULL),
                             worker_spec('b', RESTART_PERMANENT, "bee")};
    parent_t p = {.specs = specs, .n = 2, .max_restarts = 5};
    actor_id_t pid = actor_spawn(rt, parent_behavior, &p, NULL, 16);
    assert_true(actor_send(rt, pid, MSG_T_START_SUP, NULL, 0));
    run(rt);
    actor_stop(rt, supervisor_get_child(rt, p.sup, 1));
    actor_id_t squatter =
        actor_spawn(rt, worker_behavior, worker_factory((void *)(uintptr_t)'q'), worker_free, 4);
    assert_true(actor_register_name(rt, "bee", squatter));
    run(rt);
    assert_string_equal(journal, "+a +b -b +q +b -b -a");
    assert_false(actor_is_alive(rt, p.sup));
    assert_int_equal(p.exits, 1);
    assert_true(p.last.child_id == p.sup);
    assert_int_equal(p.last.exit_reason, EXIT_START_FAILED);
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

/* Restarts older than the window do not count. */
static void test_intensity_window_slides(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    child_spec_t spec = worker_spec('a', RESTART_PERMANENT, NULL);
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 1, 30, &spec, 1);
    actor_stop(rt, supervisor_get_child(rt, sup, 0));
    run(rt);
    assert_true(actor_is_alive(rt, sup));
    struct timespec ts = {0, 60 * 1000 * 1000};
    nanosleep(&ts, NULL);
    actor_stop(rt, supervisor_get_child(rt, sup, 0));
    run(rt);
    assert_true(actor_is_alive(rt, sup));
    /* Two inside one window is one too many. */
    actor_stop(rt, supervisor_get_child(rt, sup, 0));
    run(rt);
    assert_false(actor_is_alive(rt, sup));
    assert_string_equal(journal, "+a -a +a -a +a -a");
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

/* top (one_for_one) -> mid (one_for_one) -> leaf (one_for_one, 1 restart)
 * -> worker w; mid also has worker m, top has worker t. */
static void test_three_level_tree(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    child_spec_t leaf_children[1] = {worker_spec('w', RESTART_PERMANENT, "w")};
    supervisor_spec_t leaf = {STRATEGY_ONE_FOR_ONE, 1, 60000, leaf_children, 1};
    child_spec_t mid_children[2] = {supervisor_child_spec("leaf", &leaf, RESTART_PERMANENT),
                                    worker_spec('m', RESTART_PERMANENT, NULL)};
    supervisor_spec_t mid = {STRATEGY_ONE_FOR_ONE, 3, 60000, mid_children, 2};
    child_spec_t top_children[2] = {supervisor_child_spec("mid", &mid, RESTART_PERMANENT),
                                    worker_spec('t', RESTART_PERMANENT, NULL)};
    actor_id_t top = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 3, 60000, top_children, 2);
    assert_true(top != ACTOR_ID_INVALID);
    assert_string_equal(journal, "+w +m +t");
    assert_int_equal(runtime_actor_count(rt), 6);

    actor_id_t mid_id = supervisor_get_child(rt, top, 0);
    actor_id_t leaf_id = supervisor_get_child(rt, mid_id, 0);
    actor_id_t w = supervisor_get_child(rt, leaf_id, 0);
    assert_true(actor_lookup(rt, "mid") == mid_id);
    assert_true(actor_lookup(rt, "leaf") == leaf_id);
    assert_true(actor_lookup(rt, "w") == w);

    /* The leaf restarts w once, then gives up; mid restarts the leaf, which
     * starts a fresh w; top and mid stay. */
    actor_stop(rt, w);
    run(rt);
    assert_true(actor_is_alive(rt, leaf_id));
    actor_stop(rt, supervisor_get_child(rt, leaf_id, 0));
    run(rt);
    assert_string_equal(journal, "+w +m +t -w +w -w +w");
    assert_false(actor_is_alive(rt, leaf_id));
    actor_id_t leaf2 = supervisor_get_child(rt, mid_id, 0);
    assert_true(leaf2 != ACTOR_ID_INVALID && leaf2 != leaf_id);
    assert_true(actor_lookup(rt, "leaf") == leaf2);
    actor_id_t w2 = supervisor_get_child(rt, leaf2, 0);
    assert_true(actor_lookup(rt, "w") == w2);
    assert_true(supervisor_get_child(rt, top, 0) == mid_id);
    assert_int_equal(runtime_actor_count(rt), 6);

    /* Stopping the top stops the whole tree, last-started first, and frees
     * every state exactly once. */
    journal[0] = '\0';
    supervisor_stop(rt, top);
    assert_string_equal(journal, "-t -m -w");
    assert_int_equal(runtime_actor_count(rt), 0);
    assert_int_equal(states_made, states_freed);
    assert_true(actor_lookup(rt, "w") == ACTOR_ID_INVALID);
    runtime_destroy(rt);
}

/* actor_stop on a nested supervisor: its parent restarts the subtree. */
static void test_killed_subtree_is_restarted(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    child_spec_t inner[2] = {worker_spec('x', RESTART_PERMANENT, NULL),
                             worker_spec('y', RESTART_TRANSIENT, NULL)};
    supervisor_spec_t sub = {STRATEGY_ONE_FOR_ALL, 3, 60000, inner, 2};
    child_spec_t outer[2] = {worker_spec('o', RESTART_PERMANENT, NULL),
                             supervisor_child_spec(NULL, &sub, RESTART_PERMANENT)};
    actor_id_t top = supervisor_start(rt, STRATEGY_REST_FOR_ONE, 3, 60000, outer, 2);
    assert_string_equal(journal, "+o +x +y");
    /* The killed supervisor's subtree stops; its parent restarts it. */
    journal[0] = '\0';
    actor_stop(rt, supervisor_get_child(rt, top, 1));
    run(rt);
    assert_string_equal(journal, "-y -x +x +y");
    /* Rest-for-one: the nested supervisor started after o goes down too. */
    journal[0] = '\0';
    actor_stop(rt, supervisor_get_child(rt, top, 0));
    run(rt);
    assert_string_equal(journal, "-o -y -x +o +x +y");
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

/* A restarted child keeps its registered name. */
static void test_named_child_found_after_restart(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    child_spec_t specs[2] = {worker_spec('a', RESTART_PERMANENT, "alpha"),
                             worker_spec('b', RESTART_PERMANENT, "beta")};
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ALL, 5, 60000, specs, 2);
    actor_id_t a1 = actor_lookup(rt, "alpha");
    assert_true(a1 == supervisor_get_child(rt, sup, 0));
    assert_true(actor_send_named(rt, "alpha", MSG_T_PING, NULL, 0));
    run(rt);
    assert_int_equal(last_made['a']->pings, 1);

    assert_true(actor_send_named(rt, "alpha", MSG_T_CRASH, NULL, 0));
    run(rt);
    actor_id_t a2 = actor_lookup(rt, "alpha");
    assert_true(a2 != ACTOR_ID_INVALID && a2 != a1);
    assert_true(a2 == supervisor_get_child(rt, sup, 0));
    assert_true(actor_lookup(rt, "beta") == supervisor_get_child(rt, sup, 1));
    assert_true(actor_send_named(rt, "alpha", MSG_T_PING, NULL, 0));
    assert_true(actor_send_named(rt, "beta", MSG_T_PING, NULL, 0));
    run(rt);
    assert_int_equal(last_made['a']->pings, 1); /* fresh state, one ping */
    assert_int_equal(last_made['b']->pings, 1);
    supervisor_stop(rt, sup);
    assert_true(actor_lookup(rt, "alpha") == ACTOR_ID_INVALID);
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

/* actor_stop and runtime_destroy also take whole subtrees down. */
static void test_stop_and_destroy_free_every_state_once(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    child_spec_t inner[2] = {worker_spec('x', RESTART_PERMANENT, NULL),
                             worker_spec('y', RESTART_PERMANENT, NULL)};
    supervisor_spec_t sub = {STRATEGY_ONE_FOR_ONE, 3, 60000, inner, 2};
    child_spec_t outer[2] = {supervisor_child_spec(NULL, &sub, RESTART_PERMANENT),
                             worker_spec('o', RESTART_PERMANENT, NULL)};
    actor_id_t s1 = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 3, 60000, outer, 2);
    actor_stop(rt, s1);
    assert_string_equal(journal, "+x +y +o -o -y -x");
    assert_int_equal(runtime_actor_count(rt), 0);

    journal[0] = '\0';
    actor_id_t s2 = supervisor_start(rt, STRATEGY_ONE_FOR_ALL, 3, 60000, outer, 2);
    assert_true(s2 != ACTOR_ID_INVALID);
    actor_stop(rt, supervisor_get_child(rt, s2, 1)); /* a notice left queued */
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

/* Bad input: clear error, no supervisor, no factory called. */
static void test_bad_input(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    child_spec_t good = worker_spec('a', RESTART_PERMANENT, NULL);
    child_spec_t nobeh = good;
    nobeh.behavior = NULL;
    child_spec_t nombox = good;
    nombox.mailbox_size = 0;
    child_spec_t badtype = good;
    badtype.restart_type = (restart_type_t)7;
    child_spec_t rawsup = good;
    rawsup.behavior = supervisor_behavior;
    child_spec_t dup[2] = {worker_spec('a', RESTART_PERMANENT, "same"),
                           worker_spec('b', RESTART_PERMANENT, "same")};
    struct {
        restart_strategy_t strategy;
        int max;
        uint64_t window;
        const child_spec_t *specs;
        size_t n;
        const char *why;
    } bad[] = {
        {STRATEGY_ONE_FOR_ONE, 3, 1000, &good, 0, "no child specs"},
        {STRATEGY_ONE_FOR_ONE, 3, 1000, NULL, 1, "no child specs"},
        {STRATEGY_ONE_FOR_ONE, 0, 1000, &good, 1, "max_restarts 0"},
        {STRATEGY_ONE_FOR_ONE, -1, 1000, &good, 1, "max_restarts -1"},
        {STRATEGY_ONE_FOR_ONE, 3, 0, &good, 1, "window_ms is 0"},
        {(restart_strategy_t)9, 3, 1000, &good, 1, "unknown strategy"},
        {STRATEGY_ONE_FOR_ONE, 3, 1000, &nobeh, 1, "behavior is NULL"},
        {STRATEGY_ONE_FOR_ONE, 3, 1000, &nombox, 1, "mailbox_size 0"},
        {STRATEGY_ONE_FOR_ONE, 3, 1000, &badtype, 1, "restart_type 7"},
        {STRATEGY_ONE_FOR_ONE, 3, 1000, &rawsup, 1, "supervisor_child_spec"},
        {STRATEGY_ONE_FOR_ONE, 3, 1000, dup, 2, "both named"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mk_clear_error();
        actor_id_t id = supervisor_start(rt, bad[i].strategy, bad[i].max, bad[i].window,
                                         bad[i].specs, bad[i].n);
        assert_true(id == ACTOR_ID_INVALID);
        if (!strstr(mk_last_error(), bad[i].why))
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, mk_last_error(), bad[i].why);
    }
    assert_true(supervisor_start(NULL, STRATEGY_ONE_FOR_ONE, 1, 1, &good, 1) == ACTOR_ID_INVALID);
    assert_int_equal(runtime_actor_count(rt), 0);
    assert_int_equal(states_made, 0);

    /* A nested supervisor with a bad spec fails its parent's start. */
    supervisor_spec_t badsub = {STRATEGY_ONE_FOR_ONE, 0, 1000, &good, 1};
    child_spec_t outer[2] = {good, supervisor_child_spec(NULL, &badsub, RESTART_PERMANENT)};
    assert_true(supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 3, 1000, outer, 2) == ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "max_restarts 0"));
    assert_int_equal(runtime_actor_count(rt), 0);
    assert_int_equal(states_made, states_freed);

    /* A child that cannot start (its name is taken): everything started
     * before it is stopped again. */
    actor_id_t squatter =
        actor_spawn(rt, worker_behavior, worker_factory((void *)(uintptr_t)'q'), worker_free, 4);
    assert_true(actor_register_name(rt, "taken", squatter));
    child_spec_t clash[2] = {worker_spec('a', RESTART_PERMANENT, NULL),
                             worker_spec('b', RESTART_PERMANENT, "taken")};
    assert_true(supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 3, 1000, clash, 2) == ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "taken"));
    assert_int_equal(runtime_actor_count(rt), 1);

    /* get_child / stop on things that are not supervisors. */
    assert_true(supervisor_get_child(rt, squatter, 0) == ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "not a supervisor"));
    supervisor_stop(rt, squatter);
    assert_true(actor_is_alive(rt, squatter));
    assert_true(supervisor_get_child(rt, actor_id_make(1, 999), 0) == ACTOR_ID_INVALID);
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ONE, 3, 1000, &good, 1);
    assert_true(supervisor_get_child(rt, sup, 1) == ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "index 1"));
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intensity_exceeded_stops_supervisor_and_tells_parent),
        cmocka_unit_test(test_failed_restart_stops_supervisor),
        cmocka_unit_test(test_intensity_window_slides),
        cmocka_unit_test(test_three_level_tree),
        cmocka_unit_test(test_killed_subtree_is_restarted),
        cmocka_unit_test(test_named_child_found_after_restart),
        cmocka_unit_test(test_stop_and_destroy_free_every_state_once),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests_name("supervision_tree", tests, NULL, NULL);
}
