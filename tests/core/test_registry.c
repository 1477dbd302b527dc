/* test_registry.c -- the name registry (seed "Name registry"): unique
 * names, 63 characters, 128 names, removal when the actor stops. */
#include <stdio.h>
#include <string.h>

#include "test_util.h"

static int got;
static bool counter(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)rt;
    (void)self;
    (void)s;
    got += (int)msg->type;
    return true;
}

static void register_lookup_send(void **s)
{
    (void)s;
    got = 0;
    runtime_t *rt = runtime_init(1, 4);
    actor_id_t a = actor_spawn(rt, counter, NULL, NULL, 4);
    assert_true(actor_register_name(rt, "alpha", a));
    assert_int_equal(actor_lookup(rt, "alpha"), a);
    assert_true(actor_send_named(rt, "alpha", 7, NULL, 0));
    runtime_step(rt);
    assert_int_equal(got, 7);
    assert_int_equal(actor_lookup(rt, "beta"), ACTOR_ID_INVALID);
    assert_error_mentions("not registered");
    assert_false(actor_send_named(rt, "beta", 1, NULL, 0));
    /* A second name for the same actor is fine. */
    assert_true(actor_register_name(rt, "alpha2", a));
    const char *names[4];
    actor_id_t ids[4];
    assert_int_equal(runtime_list_names(rt, names, ids, 4), 2);
    runtime_destroy(rt);
}

static void duplicate_and_length(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    actor_id_t a = actor_spawn(rt, counter, NULL, NULL, 4);
    actor_id_t b = actor_spawn(rt, counter, NULL, NULL, 4);
    assert_true(actor_register_name(rt, "x", a));
    assert_false(actor_register_name(rt, "x", b));
    assert_error_mentions("already registered");
    assert_int_equal(actor_lookup(rt, "x"), a);
    char n63[64], n64[65];
    memset(n63, 'a', 63);
    n63[63] = '\0';
    memset(n64, 'b', 64);
    n64[64] = '\0';
    assert_true(actor_register_name(rt, n63, a));
    assert_int_equal(actor_lookup(rt, n63), a);
    assert_false(actor_register_name(rt, n64, a));
    assert_error_mentions("longer than 63");
    assert_false(actor_register_name(rt, "", a));
    assert_false(actor_register_name(rt, NULL, a));
    runtime_destroy(rt);
}

static void limit_of_128_names(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    actor_id_t a = actor_spawn(rt, counter, NULL, NULL, 4);
    char name[32];
    for (int i = 0; i < MK_MAX_NAMES; i++) {
        snprintf(name, sizeof name, "n%d", i);
        assert_true(actor_register_name(rt, name, a));
    }
    assert_false(actor_register_name(rt, "one-too-many", a));
    assert_error_mentions("names are in use");
    assert_true(actor_unregister_name(rt, "n5"));
    assert_true(actor_register_name(rt, "one-too-many", a));
    runtime_destroy(rt);
}

static void names_die_with_their_actor(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    actor_id_t a = actor_spawn(rt, counter, NULL, NULL, 4);
    assert_true(actor_register_name(rt, "svc", a));
    assert_true(actor_register_name(rt, "svc-alias", a));
    actor_stop(rt, a);
    assert_int_equal(actor_lookup(rt, "svc"), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "svc-alias"), ACTOR_ID_INVALID);
    /* The name is free for a new actor; a dead ID cannot take one. */
    actor_id_t b = actor_spawn(rt, counter, NULL, NULL, 4);
    assert_true(actor_register_name(rt, "svc", b));
    assert_false(actor_register_name(rt, "ghost", a));
    assert_error_mentions("no live actor");
    assert_false(actor_unregister_name(rt, "ghost"));
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register_lookup_send),
        cmocka_unit_test(duplicate_and_length),
        cmocka_unit_test(limit_of_128_names),
        cmocka_unit_test(names_die_with_their_actor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
