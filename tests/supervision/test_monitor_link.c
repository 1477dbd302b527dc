/*
 * test_monitor_link.c -- monitors (one-way MSG_DOWN) and links (two-way
 * MSG_LINK_EXIT) for any actor (issue 5; peer runtime seed 004), and
 * actor_exit's reasons.
 */
#include <string.h>

#include "sup_fixture.h"
#include "supervision/supervision_internal.h"

enum {
    MSG_T_MONITOR = 20,   /* payload: actor_id_t to monitor */
    MSG_T_DEMONITOR = 21, /* payload: uint64_t ref */
    MSG_T_LINK = 22,      /* payload: actor_id_t */
    MSG_T_UNLINK = 23,    /* payload: actor_id_t */
    MSG_T_QUIT = 24       /* return false */
};

typedef struct {
    uint64_t refs[8]; /* references returned by actor_monitor */
    int n_refs;
    down_payload_t got[8]; /* MSG_DOWN / MSG_LINK_EXIT received */
    msg_type_t got_type[8];
    int n_got;
    bool last_ok;    /* result of the last link/unlink/demonitor */
    char error[256]; /* mk_last_error() after a failed call */
} watcher_t;

static bool watcher_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    watcher_t *w = state;
    actor_id_t id = 0;
    uint64_t ref = 0;
    switch (msg->type) {
    case MSG_T_MONITOR:
        memcpy(&id, msg->payload, sizeof id);
        ref = actor_monitor(rt, id);
        w->last_ok = ref != 0;
        if (ref)
            w->refs[w->n_refs++] = ref;
        break;
    case MSG_T_DEMONITOR:
        memcpy(&ref, msg->payload, sizeof ref);
        w->last_ok = actor_demonitor(rt, ref);
        break;
    case MSG_T_LINK:
        memcpy(&id, msg->payload, sizeof id);
        w->last_ok = actor_link(rt, id);
        break;
    case MSG_T_UNLINK:
        memcpy(&id, msg->payload, sizeof id);
        w->last_ok = actor_unlink(rt, id);
        break;
    case MSG_T_QUIT: return false;
    case MSG_DOWN:
    case MSG_LINK_EXIT:
        assert_int_equal(msg->payload_size, sizeof(down_payload_t));
        assert_true(msg->source == ACTOR_ID_INVALID);
        assert_true(w->n_got < 8);
        w->got_type[w->n_got] = msg->type;
        memcpy(&w->got[w->n_got++], msg->payload, sizeof(down_payload_t));
        break;
    default: break;
    }
    if (!w->last_ok)
        strncpy(w->error, mk_last_error(), sizeof w->error - 1);
    return true;
}

static void ask(runtime_t *rt, actor_id_t who, msg_type_t type, uint64_t arg)
{
    assert_true(actor_send(rt, who, type, &arg, sizeof arg));
    run(rt);
}

static size_t edges(runtime_t *rt)
{
    mk_sup_ext_t *x = mk_sup_ext_peek(rt);
    return x ? x->n : 0;
}

static actor_id_t spawn_worker(runtime_t *rt, char tag)
{
    return actor_spawn(rt, worker_behavior, worker_factory((void *)(uintptr_t)tag), worker_free, 8);
}

static void test_monitor_normal_and_killed_exits(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 16);
    watcher_t w = {0};
    actor_id_t wid = actor_spawn(rt, watcher_behavior, &w, NULL, 16);
    actor_id_t a = spawn_worker(rt, 'a');
    actor_id_t b = spawn_worker(rt, 'b');
    ask(rt, wid, MSG_T_MONITOR, a);
    ask(rt, wid, MSG_T_MONITOR, b);
    ask(rt, wid, MSG_T_MONITOR, b); /* a second monitor of b: two messages */
    assert_int_equal(w.n_refs, 3);
    assert_true(w.refs[0] != w.refs[1] && w.refs[1] != w.refs[2]);

    assert_true(actor_send(rt, a, MSG_T_EXIT_NORMAL, NULL, 0));
    run(rt);
    assert_int_equal(w.n_got, 1);
    assert_true(w.got_type[0] == MSG_DOWN);
    assert_true(w.got[0].actor == a);
    assert_true(w.got[0].ref == w.refs[0]);
    assert_int_equal(w.got[0].reason, EXIT_NORMAL);

    actor_stop(rt, b);
    run(rt);
    assert_int_equal(w.n_got, 3);
    for (int i = 1; i < 3; i++) {
        assert_true(w.got[i].actor == b);
        assert_int_equal(w.got[i].reason, EXIT_KILLED);
    }
    assert_true(w.got[1].ref != w.got[2].ref);
    assert_int_equal(edges(rt), 0);
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

static void test_monitor_reports_exit_reasons(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 16);
    watcher_t w = {0};
    actor_id_t wid = actor_spawn(rt, watcher_behavior, &w, NULL, 16);
    actor_id_t a = spawn_worker(rt, 'a');
    actor_id_t b = spawn_worker(rt, 'b');
    ask(rt, wid, MSG_T_MONITOR, a);
    ask(rt, wid, MSG_T_MONITOR, b);
    assert_true(actor_send(rt, a, MSG_T_CRASH, NULL, 0)); /* exits from its own behaviour */
    run(rt);
    actor_exit(rt, b, EXIT_TRAP);
    run(rt);
    assert_int_equal(w.n_got, 2);
    assert_int_equal(w.got[0].reason, EXIT_CRASHED);
    assert_int_equal(w.got[1].reason, EXIT_TRAP);
    assert_string_equal(exit_reason_name(w.got[1].reason), "TRAP");
    assert_string_equal(exit_reason_name(EXIT_RESTART_LIMIT), "RESTART_LIMIT");
    assert_string_equal(exit_reason_name(200), "OTHER");
    runtime_destroy(rt);
}

static void test_demonitor_and_watcher_death(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 16);
    watcher_t w = {0}, v = {0};
    actor_id_t wid = actor_spawn(rt, watcher_behavior, &w, NULL, 16);
    actor_id_t vid = actor_spawn(rt, watcher_behavior, &v, NULL, 16);
    actor_id_t a = spawn_worker(rt, 'a');
    ask(rt, wid, MSG_T_MONITOR, a);
    ask(rt, vid, MSG_T_MONITOR, a);
    assert_int_equal(edges(rt), 2);

    /* Only the watcher may remove its monitor. */
    ask(rt, vid, MSG_T_DEMONITOR, w.refs[0]);
    assert_false(v.last_ok);
    assert_non_null(strstr(v.error, "no monitor"));
    ask(rt, wid, MSG_T_DEMONITOR, w.refs[0]);
    assert_true(w.last_ok);
    ask(rt, wid, MSG_T_DEMONITOR, w.refs[0]);
    assert_false(w.last_ok);

    /* A watcher that stops takes its monitors with it. */
    ask(rt, vid, MSG_T_QUIT, 0);
    assert_int_equal(edges(rt), 0);
    actor_stop(rt, a);
    run(rt);
    assert_int_equal(w.n_got, 0);
    runtime_destroy(rt);
}

static void test_monitor_bad_input(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 16);
    watcher_t w = {0};
    actor_id_t wid = actor_spawn(rt, watcher_behavior, &w, NULL, 16);
    actor_id_t a = spawn_worker(rt, 'a');
    /* Outside a behaviour there is no caller. */
    assert_true(actor_monitor(rt, a) == 0);
    assert_non_null(strstr(mk_last_error(), "outside a behaviour"));
    assert_false(actor_link(rt, a));
    assert_true(actor_monitor(NULL, a) == 0);
    /* Self, dead and unknown targets. */
    ask(rt, wid, MSG_T_MONITOR, wid);
    assert_false(w.last_ok);
    assert_non_null(strstr(w.error, "itself"));
    actor_stop(rt, a);
    ask(rt, wid, MSG_T_MONITOR, a);
    assert_false(w.last_ok);
    assert_non_null(strstr(w.error, "no live local actor"));
    ask(rt, wid, MSG_T_LINK, actor_id_make(7, 1));
    assert_false(w.last_ok);
    ask(rt, wid, MSG_T_UNLINK, a);
    assert_false(w.last_ok);
    assert_non_null(strstr(w.error, "no link"));
    assert_int_equal(edges(rt), 0);
    runtime_destroy(rt);
}

static void test_link_both_ways(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 16);
    watcher_t p = {0}, q = {0}, r = {0};
    actor_id_t pid = actor_spawn(rt, watcher_behavior, &p, NULL, 16);
    actor_id_t qid = actor_spawn(rt, watcher_behavior, &q, NULL, 16);
    actor_id_t rid = actor_spawn(rt, watcher_behavior, &r, NULL, 16);

    /* p links q; q dies (killed): p is told. */
    ask(rt, pid, MSG_T_LINK, qid);
    assert_true(p.last_ok);
    ask(rt, pid, MSG_T_LINK, qid); /* twice is one link */
    assert_int_equal(edges(rt), 1);
    actor_stop(rt, qid);
    run(rt);
    assert_int_equal(p.n_got, 1);
    assert_true(p.got_type[0] == MSG_LINK_EXIT);
    assert_true(p.got[0].actor == qid);
    assert_int_equal(p.got[0].reason, EXIT_KILLED);
    assert_true(p.got[0].ref == 0);

    /* p links r; p dies (normal): r, the other end, is told. */
    ask(rt, pid, MSG_T_LINK, rid);
    ask(rt, pid, MSG_T_QUIT, 0);
    assert_int_equal(r.n_got, 1);
    assert_true(r.got_type[0] == MSG_LINK_EXIT);
    assert_true(r.got[0].actor == pid);
    assert_int_equal(r.got[0].reason, EXIT_NORMAL);
    assert_int_equal(edges(rt), 0);
    runtime_destroy(rt);
}

static void test_unlink_from_either_end(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 16);
    watcher_t p = {0}, q = {0};
    actor_id_t pid = actor_spawn(rt, watcher_behavior, &p, NULL, 16);
    actor_id_t qid = actor_spawn(rt, watcher_behavior, &q, NULL, 16);
    ask(rt, pid, MSG_T_LINK, qid);
    ask(rt, qid, MSG_T_UNLINK, pid); /* the other end removes it */
    assert_true(q.last_ok);
    actor_stop(rt, qid);
    run(rt);
    assert_int_equal(p.n_got, 0);
    runtime_destroy(rt);
}

/* A supervised child can be monitored; its supervisor's stops show as
 * EXIT_SHUTDOWN, a restart gives the watcher the old ID only. */
static void test_monitor_supervised_child(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 16);
    watcher_t w = {0};
    actor_id_t wid = actor_spawn(rt, watcher_behavior, &w, NULL, 16);
    child_spec_t specs[2] = {worker_spec('a', RESTART_PERMANENT, NULL),
                             worker_spec('b', RESTART_PERMANENT, NULL)};
    actor_id_t sup = supervisor_start(rt, STRATEGY_ONE_FOR_ALL, 3, 60000, specs, 2);
    actor_id_t a = supervisor_get_child(rt, sup, 0);
    actor_id_t b = supervisor_get_child(rt, sup, 1);
    ask(rt, wid, MSG_T_MONITOR, a);
    ask(rt, wid, MSG_T_MONITOR, b);
    ask(rt, wid, MSG_T_MONITOR, sup);
    actor_stop(rt, a);
    run(rt);
    assert_int_equal(w.n_got, 2);
    assert_true(w.got[0].actor == a);
    assert_int_equal(w.got[0].reason, EXIT_KILLED);
    assert_true(w.got[1].actor == b);
    assert_int_equal(w.got[1].reason, EXIT_SHUTDOWN);
    supervisor_stop(rt, sup);
    run(rt);
    assert_int_equal(w.n_got, 3);
    assert_true(w.got[2].actor == sup);
    assert_int_equal(w.got[2].reason, EXIT_SHUTDOWN);
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

/* Regression: a death notice for a watcher whose mailbox is full used to be
 * dropped. It now waits for room and arrives, in order. */
static void test_down_waits_for_a_full_mailbox(void **st)
{
    (void)st;
    journal_reset();
    runtime_t *rt = runtime_init(1, 16);
    watcher_t w = {0};
    actor_id_t wid = actor_spawn(rt, watcher_behavior, &w, NULL, 2);
    actor_id_t t[5];
    for (int i = 0; i < 5; i++) {
        t[i] = spawn_worker(rt, (char)('a' + i));
        ask(rt, wid, MSG_T_MONITOR, t[i]);
    }
    /* Fill the watcher's mailbox, then kill all five targets at once. */
    assert_true(actor_send(rt, wid, 99, NULL, 0));
    assert_true(actor_send(rt, wid, 99, NULL, 0));
    for (int i = 0; i < 5; i++)
        actor_stop(rt, t[i]);
    assert_int_equal(w.n_got, 0);
    run(rt);
    assert_int_equal(w.n_got, 5);
    for (int i = 0; i < 5; i++) {
        assert_true(w.got[i].actor == t[i]);
        assert_int_equal(w.got[i].reason, EXIT_KILLED);
    }
    mk_sup_ext_t *x = mk_sup_ext_peek(rt);
    assert_int_equal(x->n_pending, 0);
    runtime_destroy(rt);
    assert_int_equal(states_made, states_freed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monitor_normal_and_killed_exits),
        cmocka_unit_test(test_monitor_reports_exit_reasons),
        cmocka_unit_test(test_demonitor_and_watcher_death),
        cmocka_unit_test(test_monitor_bad_input),
        cmocka_unit_test(test_link_both_ways),
        cmocka_unit_test(test_unlink_from_either_end),
        cmocka_unit_test(test_monitor_supervised_child),
        cmocka_unit_test(test_down_waits_for_a_full_mailbox),
    };
    return cmocka_run_group_tests_name("supervision_monitor_link", tests, NULL, NULL);
}
