/*
 * test_restart.c -- every strategy with every restart type (seed 000,
 * "Supervision"): three children a, b, c; b dies; the journal of stops and
 * starts must be exactly the expected one, and the IDs must say who was
 * replaced.
 */
#include <stdio.h>
#include <string.h>

#include "microkernel/services.h"
#include "sup_fixture.h"

typedef enum { DIE_KILLED, DIE_NORMAL, DIE_CRASHED } death_t;

typedef struct {
    restart_strategy_t strategy;
    restart_type_t type;
    death_t death;
    const char *expect;   /* journal after the death of b */
    const char *replaced; /* "abc": 'r' replaced, 's' same ID, 'x' not running */
} restart_case_t;

static const char *const START = "+a +b +c";

static void run_case(void **st)
{
    const restart_case_t *k = *st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    assert_non_null(rt);
    child_spec_t specs[3] = {worker_spec('a', k->type, NULL), worker_spec('b', k->type, NULL),
                             worker_spec('c', k->type, NULL)};
    actor_id_t sup = supervisor_start(rt, k->strategy, 5, 60000, specs, 3);
    assert_true(sup != ACTOR_ID_INVALID);
    assert_string_equal(journal, START);

    actor_id_t before[3];
    for (size_t i = 0; i < 3; i++) {
        before[i] = supervisor_get_child(rt, sup, i);
        assert_true(before[i] != ACTOR_ID_INVALID);
    }
    journal[0] = '\0';
    if (k->death == DIE_KILLED)
        actor_stop(rt, before[1]);
    else
        assert_true(actor_send(rt, before[1],
                               k->death == DIE_NORMAL ? MSG_T_EXIT_NORMAL : MSG_T_CRASH, NULL, 0));
    run(rt);
    assert_string_equal(journal, k->expect);

    for (size_t i = 0; i < 3; i++) {
        actor_id_t now = supervisor_get_child(rt, sup, i);
        switch (k->replaced[i]) {
        case 'r':
            assert_true(now != ACTOR_ID_INVALID);
            assert_true(now != before[i]);
            assert_false(actor_is_alive(rt, before[i]));
            assert_true(actor_is_alive(rt, now));
            break;
        case 's': assert_true(now == before[i]); break;
        default:
            assert_true(now == ACTOR_ID_INVALID);
            assert_false(actor_is_alive(rt, before[i]));
            break;
        }
    }
    assert_true(actor_is_alive(rt, sup));

    journal[0] = '\0';
    supervisor_stop(rt, sup);
    assert_false(actor_is_alive(rt, sup));
    assert_int_equal(states_made, states_freed);
    assert_int_equal(runtime_actor_count(rt), 0);
    runtime_destroy(rt);
}

#define ONE   STRATEGY_ONE_FOR_ONE
#define ALL   STRATEGY_ONE_FOR_ALL
#define REST  STRATEGY_REST_FOR_ONE
#define PERM  RESTART_PERMANENT
#define TRANS RESTART_TRANSIENT
#define TEMP  RESTART_TEMPORARY

static const restart_case_t cases[] = {
    /* b killed: permanent and transient restart, temporary does not. */
    {ONE, PERM, DIE_KILLED, "-b +b", "srs"},
    {ALL, PERM, DIE_KILLED, "-b -c -a +a +b +c", "rrr"},
    {REST, PERM, DIE_KILLED, "-b -c +b +c", "srr"},
    {ONE, TRANS, DIE_KILLED, "-b +b", "srs"},
    {ALL, TRANS, DIE_KILLED, "-b -c -a +a +b +c", "rrr"},
    {REST, TRANS, DIE_KILLED, "-b -c +b +c", "srr"},
    {ONE, TEMP, DIE_KILLED, "-b", "sxs"},
    {ALL, TEMP, DIE_KILLED, "-b", "sxs"},
    {REST, TEMP, DIE_KILLED, "-b", "sxs"},
    /* b returns false (EXIT_NORMAL): only permanent restarts. */
    {ONE, PERM, DIE_NORMAL, "-b +b", "srs"},
    {ALL, PERM, DIE_NORMAL, "-b -c -a +a +b +c", "rrr"},
    {REST, PERM, DIE_NORMAL, "-b -c +b +c", "srr"},
    {ONE, TRANS, DIE_NORMAL, "-b", "sxs"},
    {ALL, TRANS, DIE_NORMAL, "-b", "sxs"},
    {REST, TRANS, DIE_NORMAL, "-b", "sxs"},
    {ONE, TEMP, DIE_NORMAL, "-b", "sxs"},
    /* b crashes (EXIT_CRASHED, an abnormal extension reason). */
    {ONE, TRANS, DIE_CRASHED, "-b +b", "srs"},
    {REST, TRANS, DIE_CRASHED, "-b -c +b +c", "srr"},
    {ALL, TEMP, DIE_CRASHED, "-b", "sxs"},
};

/* One-for-all with a temporary sibling: it is stopped, never restarted. */
static void test_one_for_all_drops_temporary_sibling(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    child_spec_t specs[3] = {worker_spec('a', PERM, NULL), worker_spec('b', TEMP, NULL),
                             worker_spec('c', PERM, NULL)};
    actor_id_t sup = supervisor_start(rt, ALL, 5, 60000, specs, 3);
    assert_true(sup != ACTOR_ID_INVALID);
    journal[0] = '\0';
    actor_stop(rt, supervisor_get_child(rt, sup, 0));
    run(rt);
    assert_string_equal(journal, "-a -c -b +a +c");
    assert_true(supervisor_get_child(rt, sup, 1) == ACTOR_ID_INVALID);
    /* A later restart does not bring it back either. */
    journal[0] = '\0';
    actor_stop(rt, supervisor_get_child(rt, sup, 2));
    run(rt);
    assert_string_equal(journal, "-c -a +a +c");
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

/* Rest-for-one: the death of the last child restarts only it; of the first,
 * everything after it, stopped last-first. */
static void test_rest_for_one_edges(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    child_spec_t specs[4] = {worker_spec('a', PERM, NULL), worker_spec('b', PERM, NULL),
                             worker_spec('c', PERM, NULL), worker_spec('d', PERM, NULL)};
    actor_id_t sup = supervisor_start(rt, REST, 5, 60000, specs, 4);
    journal[0] = '\0';
    actor_stop(rt, supervisor_get_child(rt, sup, 3));
    run(rt);
    assert_string_equal(journal, "-d +d");
    journal[0] = '\0';
    actor_stop(rt, supervisor_get_child(rt, sup, 0));
    run(rt);
    assert_string_equal(journal, "-a -d -c -b +a +b +c +d");
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

/* Two children die before the supervisor runs: one-for-all restarts once
 * for the first notice and ignores the stale second one. */
static void test_one_for_all_two_deaths_one_restart(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 64);
    child_spec_t specs[3] = {worker_spec('a', PERM, NULL), worker_spec('b', PERM, NULL),
                             worker_spec('c', PERM, NULL)};
    actor_id_t sup = supervisor_start(rt, ALL, 1, 60000, specs, 3);
    journal[0] = '\0';
    actor_stop(rt, supervisor_get_child(rt, sup, 0));
    actor_stop(rt, supervisor_get_child(rt, sup, 2));
    run(rt);
    assert_string_equal(journal, "-a -c -b +a +b +c");
    assert_true(actor_is_alive(rt, sup)); /* one restart, within max_restarts = 1 */
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

static char restart_log[2048];

static void keep_line(const char *line, void *ctx)
{
    (void)ctx;
    size_t used = strlen(restart_log);
    snprintf(restart_log + used, sizeof restart_log - used, "%s\n", line);
}

/* Regression (issue 22): a restart left no trace in the log. Each restart
 * is logged at INFO with the child's index and name, the new ID, the count
 * and why. */
static void test_restart_is_logged_at_info(void **st)
{
    (void)st;
    journal_reset();
    restart_log[0] = '\0';
    runtime_t *rt = runtime_init(1, 64);
    assert_non_null(rt);
    runtime_set_log_sink(rt, keep_line, NULL);
    runtime_enable_logging(rt);
    child_spec_t specs[1] = {worker_spec('a', PERM, "worker")};
    actor_id_t sup = supervisor_start(rt, ONE, 5, 60000, specs, 1);
    actor_id_t before = supervisor_get_child(rt, sup, 0);
    assert_true(actor_send(rt, before, MSG_T_CRASH, NULL, 0));
    run(rt);
    actor_id_t after = supervisor_get_child(rt, sup, 0);
    assert_true(after != ACTOR_ID_INVALID && after != before);
    char want[200];
    snprintf(want, sizeof want,
             "[INFO] 0x%016llx: supervisor: restarted child 0 (worker) as 0x%016llx (restart 1: "
             "child 0 0x%016llx exited with reason %d)\n",
             (unsigned long long)sup, (unsigned long long)after, (unsigned long long)before,
             EXIT_CRASHED);
    if (!strstr(restart_log, want))
        fail_msg("expected \"%s\" in the log:\n%s", want, restart_log);
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

int main(void)
{
    enum { N = sizeof cases / sizeof cases[0] };
    static const char *const sname[] = {"one_for_one", "one_for_all", "rest_for_one"};
    static const char *const tname[] = {"permanent", "transient", "temporary"};
    static const char *const dname[] = {"killed", "normal", "crashed"};
    static char names[N][80];
    struct CMUnitTest tests[N + 4];
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "%s_%s_%s", sname[cases[i].strategy],
                 tname[cases[i].type], dname[cases[i].death]);
        tests[i] = (struct CMUnitTest){names[i], run_case, NULL, NULL, (void *)&cases[i]};
    }
    tests[N] = (struct CMUnitTest)cmocka_unit_test(test_one_for_all_drops_temporary_sibling);
    tests[N + 1] = (struct CMUnitTest)cmocka_unit_test(test_rest_for_one_edges);
    tests[N + 2] = (struct CMUnitTest)cmocka_unit_test(test_one_for_all_two_deaths_one_restart);
    tests[N + 3] = (struct CMUnitTest)cmocka_unit_test(test_restart_is_logged_at_info);
    return _cmocka_run_group_tests("supervision_restart", tests, N + 4, NULL, NULL);
}
