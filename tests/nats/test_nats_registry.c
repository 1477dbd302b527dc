/*
 * test_nats_registry.c -- issue 21 item 3: the registry in the JetStream KV
 * bucket "mk-names" on a real nats-server (-js, store in the temp dir):
 * a SIGKILLed node's names expire (heartbeat + TTL); a duplicate is
 * refused atomically; cached lookups are dropped by the key's watch, not
 * by waiting; a clean leave removes names at once; a node that loses its
 * server re-registers when it is back. Each test has its own server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nats_test_util.h"

static nats_server_t server;
static const char *const js_args[] = {"-js", "-sd", "%D/js", NULL};

static int setup(void **state)
{
    (void)state;
    return nats_server_start(&server, js_args) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    nats_server_stop(&server);
    return 0;
}

static bool attach_ttl(runtime_t *rt, uint32_t ttl_ms)
{
    mk_nats_config_t cfg = {.servers = server.url,
                            .reconnect_wait_ms = 100,
                            .names_ttl_ms = ttl_ms,
                            .event_loop = test_event_loop()};
    bool ok = runtime_attach_nats(rt, &cfg);
    if (!ok)
        fprintf(stderr, "attach node %u: %s\n", runtime_node_id(rt), mk_last_error());
    return ok;
}

static bool nop_fn(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)msg, (void)state;
    return true;
}

/* Step `rt` until `name` resolves to `want` (ACTOR_ID_INVALID: is gone),
 * within a 20 s hang guard. */
static bool lookup_until(runtime_t *rt, const char *name, actor_id_t want)
{
    double end = mono_s() + 20.0;
    for (;;) {
        if (mk_nats_lookup(rt, name) == want)
            return true;
        if (mono_s() > end)
            return false;
        for (int k = 0; k < 64; k++)
            runtime_step(rt);
        usleep(5000);
    }
}

/* First in the file: the child is forked before this process starts any
 * libnats thread. The child registers two names and keeps its heartbeat
 * going until SIGKILL; its names then expire within the 1 s TTL (the
 * documented bound: TTL after the last heartbeat, plus JetStream's expiry
 * scan), which the survivor sees. */
static void test_sigkilled_node_loses_its_names(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        runtime_t *rt = runtime_init(7, 16);
        actor_id_t id = actor_spawn(rt, nop_fn, NULL, NULL, 4);
        char ok = attach_ttl(rt, 1000) && mk_nats_register(rt, "victim", id) &&
                          mk_nats_register(rt, "/svc/victim", id)
                      ? 'k'
                      : 'x';
        if (write(fds[1], &ok, 1) != 1 || ok != 'k')
            _exit(1);
        for (;;) {
            runtime_step(rt);
            usleep(1000);
        }
    }
    close(fds[1]);
    char c = 0;
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);
    assert_int_equal(c, 'k');
    runtime_t *rt = runtime_init(8, 16);
    assert_true(attach_ttl(rt, 1000));
    actor_id_t v = mk_nats_lookup(rt, "victim");
    assert_int_equal(actor_id_node(v), 7);
    assert_int_equal(actor_id_node(mk_nats_lookup(rt, "/svc/victim")), 7);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_true(lookup_until(rt, "victim", ACTOR_ID_INVALID));
    assert_true(lookup_until(rt, "/svc/victim", ACTOR_ID_INVALID));
    assert_non_null(strstr(mk_last_error(), "not registered"));
    runtime_destroy(rt);
}

static void test_duplicates_refused_and_watch_invalidates(void **state)
{
    (void)state;
    runtime_t *a = runtime_init(11, 16), *b = runtime_init(12, 16);
    /* a TTL far beyond the hang guard: only the watch can drop the cache */
    assert_true(attach_ttl(a, 600000));
    assert_true(attach_ttl(b, 600000));
    actor_id_t ia = actor_spawn(a, nop_fn, NULL, NULL, 4);
    actor_id_t ib = actor_spawn(b, nop_fn, NULL, NULL, 4);
    assert_true(mk_nats_register(a, "dup", ia));
    assert_true(mk_nats_register(a, "a-only", ia));
    assert_false(mk_nats_register(b, "dup", ib));
    assert_non_null(strstr(mk_last_error(), "already registered"));
    assert_int_equal(mk_nats_lookup(b, "dup"), ia);
    assert_int_equal(mk_nats_lookup(b, "dup"), ia);
    mk_nats_stats_t st;
    assert_true(mk_nats_stats(b, &st));
    assert_int_equal(st.lookups_remote, 1);
    assert_int_equal(st.lookups_cached, 1);
    assert_true(mk_nats_unregister(a, "dup"));
    assert_false(mk_nats_unregister(a, "dup"));
    assert_true(lookup_until(b, "dup", ACTOR_ID_INVALID));
    /* the name is free again */
    assert_true(mk_nats_register(b, "dup", ib));
    assert_int_equal(mk_nats_lookup(a, "dup"), ib);
    /* a clean leave takes a's names with it at once */
    runtime_destroy(a);
    assert_int_equal(mk_nats_lookup(b, "a-only"), ACTOR_ID_INVALID);
    /* names go with their actor */
    actor_stop(b, ib);
    assert_int_equal(mk_nats_lookup(b, "dup"), ACTOR_ID_INVALID);
    /* bad names and a non-local actor */
    actor_id_t ib2 = actor_spawn(b, nop_fn, NULL, NULL, 4);
    assert_false(mk_nats_register(b, "", ib2));
    assert_false(mk_nats_register(b, "/a//b", ib2));
    assert_false(mk_nats_register(b, "x", actor_id_make(99, 1)));
    /* odd bytes are escaped into a valid key and round-trip */
    assert_true(mk_nats_register(b, "we ird.*>name", ib2));
    assert_int_equal(mk_nats_lookup(b, "we ird.*>name"), ib2);
    runtime_destroy(b);
}

/* publish_names: actor_register_name() of a flat name also records it in
 * the cluster registry, and actor_unregister_name() removes it. */
static void test_local_names_are_published(void **state)
{
    (void)state;
    runtime_t *a = runtime_init(71, 16), *b = runtime_init(72, 16);
    mk_nats_config_t cfg = {.servers = server.url, .names_ttl_ms = 600000, .publish_names = true};
    assert_true(runtime_attach_nats(a, &cfg));
    assert_true(attach_ttl(b, 600000));
    actor_id_t ia = actor_spawn(a, nop_fn, NULL, NULL, 4);
    assert_true(actor_register_name(a, "auto", ia));
    assert_int_equal(mk_nats_lookup(b, "auto"), ia);
    /* held elsewhere: the local name stays, the cluster keeps the first */
    actor_id_t ib = actor_spawn(b, nop_fn, NULL, NULL, 4);
    assert_true(mk_nats_register(b, "taken", ib));
    assert_true(actor_register_name(a, "taken", ia));
    assert_int_equal(actor_lookup(a, "taken"), ia);
    assert_int_equal(mk_nats_lookup(a, "taken"), ib);
    assert_true(actor_unregister_name(a, "auto"));
    assert_true(lookup_until(b, "auto", ACTOR_ID_INVALID));
    runtime_destroy(a);
    runtime_destroy(b);
}

/* Racing registrations of one name from five nodes: exactly one wins. */
static void test_one_winner_among_racers(void **state)
{
    (void)state;
    runtime_t *rt[5];
    int wins = 0;
    for (int i = 0; i < 5; i++) {
        rt[i] = runtime_init((node_id_t)(50 + i), 16);
        assert_true(attach_ttl(rt[i], 600000));
    }
    for (int i = 0; i < 5; i++)
        wins += mk_nats_register(rt[i], "leader", actor_spawn(rt[i], nop_fn, NULL, NULL, 4));
    assert_int_equal(wins, 1);
    for (int i = 0; i < 5; i++)
        runtime_destroy(rt[i]);
}

/* The server dies (SIGKILL) for longer than the TTL and comes back on the
 * same port with its store: the node reconnects (libnats) and its
 * heartbeat re-creates the expired name. */
static void test_node_reregisters_after_losing_nats(void **state)
{
    (void)state;
    runtime_t *a = runtime_init(61, 16);
    assert_true(attach_ttl(a, 1000));
    actor_id_t ia = actor_spawn(a, nop_fn, NULL, NULL, 4);
    assert_true(mk_nats_register(a, "phoenix", ia));
    int port = server.port;
    nats_server_kill(&server, SIGKILL);
    for (int k = 0; k < 30; k++) { /* the node runs on while NATS is gone */
        for (int j = 0; j < 64; j++)
            runtime_step(a);
        usleep(50000);
    }
    char p[16];
    snprintf(p, sizeof p, "%d", port);
    const char *const again[] = {"-js", "-sd", "%D/js", "-p", p, NULL};
    assert_true(nats_server_start_in(&server, again, true));
    assert_int_equal(server.port, port);
    runtime_t *b = runtime_init(62, 16);
    assert_true(attach_ttl(b, 1000));
    /* a's heartbeat refreshes or re-creates it after the reconnect */
    double end = mono_s() + 20.0;
    mk_nats_stats_t st = {0};
    while (mono_s() < end) {
        for (int j = 0; j < 64; j++)
            runtime_step(a);
        assert_true(mk_nats_stats(a, &st));
        if (st.reconnects >= 1 && st.names_refreshed + st.names_recreated >= 1 &&
            mk_nats_lookup(b, "phoenix") == ia)
            break;
        usleep(20000);
    }
    printf("reconnects %llu refreshed %llu recreated %llu\n", (unsigned long long)st.reconnects,
           (unsigned long long)st.names_refreshed, (unsigned long long)st.names_recreated);
    assert_true(st.reconnects >= 1);
    assert_int_equal(mk_nats_lookup(b, "phoenix"), ia);
    runtime_destroy(a);
    runtime_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sigkilled_node_loses_its_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_refused_and_watch_invalidates, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_one_winner_among_racers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_names_are_published, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_reregisters_after_losing_nats, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nats_CloseAndWait(5000);
    return rc;
}
