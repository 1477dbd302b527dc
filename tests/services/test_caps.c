/* test_caps.c -- capability advertisement (src/services/caps.c): the JSON
 * reply of the local caps actor, and of a remote one reached by path
 * through a mounted child node. */
#include <cjson/cJSON.h>

#include "svc_test_util.h"

static cJSON *parse_caps(const reply_t *r)
{
    assert_int_equal(r->type, MSG_CAPS_REPLY);
    cJSON *j = cJSON_Parse(r->data);
    if (!j)
        fail_msg("caps reply is not JSON: %s", r->data);
    return j;
}

static double num(cJSON *o, const char *a, const char *b)
{
    cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    if (!cJSON_IsNumber(x))
        fail_msg("caps: %s%s%s is not a number", a, b ? "." : "", b ? b : "");
    return x->valuedouble;
}

static const char *str(cJSON *o, const char *a)
{
    cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (!cJSON_IsString(x))
        fail_msg("caps: %s is not a string", a);
    return x->valuestring;
}

static void test_local_caps(void **st)
{
    (void)st;
    char *dir = temp_dir();
    runtime_t *rt = runtime_init(3, 64);
    services_config_t cfg = {.data_dir = dir, .no_mount_listen = true, .node_name = "capper"};
    assert_true(services_start(rt, &cfg));
    actor_id_t c = client_spawn(rt);
    reply_t r = request(rt, c, actor_lookup(rt, "/sys/caps"), MSG_CAPS_REQUEST, NULL, 0);
    cJSON *j = parse_caps(&r);
    assert_int_equal((int)num(j, "node_id", NULL), 3);
    assert_string_equal(str(j, "node_name"), "capper");
    assert_non_null(strstr(str(j, "platform"), "linux-"));
    assert_true(strlen(str(j, "version")) > 0);
    cJSON *feat = cJSON_GetObjectItemCaseSensitive(j, "features");
    assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(feat, "tls")));
    assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(feat, "wasm")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(feat, "local_kv")));
    /* ns, caps, mount listener, local KV and the client. */
    assert_int_equal((int)num(j, "resources", "actors"), (int)runtime_actor_count(rt));
    assert_true(num(j, "resources", "actors") >= 5);
    assert_int_equal((int)num(j, "resources", "max_actors"), 64);
    assert_true(num(j, "resources", "mailbox_capacity") >= 64);
    assert_true(num(j, "resources", "paths") >= 5);
    assert_true(num(j, "resources", "memory_rss_kib") > 0);
    assert_int_equal((int)num(j, "resources", "peers"), 0);
    cJSON_Delete(j);
    reply_free(&r);
    char *direct = services_caps_json(rt);
    assert_non_null(strstr(direct, "\"node_name\":\"capper\""));
    free(direct);
    runtime_destroy(rt);
    rm_rf(dir);
}

static bool one_peer(runtime_t *rt)
{
    return services_peer_count(rt) == 1 && actor_lookup(rt, "/peers/far/sys/caps") != 0;
}

static void test_remote_caps(void **st)
{
    (void)st;
    char *dir = temp_dir(), *cdir = temp_dir();
    const char *args[] = {"--id", "9", "--name", "far", "--data", cdir, NULL};
    child_t child = child_start(args);
    runtime_t *rt = runtime_init(2, 64);
    services_config_t cfg = {.data_dir = dir,
                             .mount_host = "127.0.0.1",
                             .mount_ephemeral = true,
                             .node_name = "near",
                             .cookie = SVC_TEST_COOKIE};
    assert_true(services_start(rt, &cfg));
    actor_id_t c = client_spawn(rt);
    char target[32];
    int n = snprintf(target, sizeof target, "127.0.0.1:%u", child.port);
    reply_t r = request(rt, c, actor_lookup(rt, "/sys/mount-listen"), MSG_MOUNT, target, (size_t)n);
    assert_reply(r, MSG_MOUNT_OK, "node=9\nname=far\n");
    reply_free(&r);
    assert_true(pump_until(rt, one_peer, 3000));
    actor_id_t remote = actor_lookup(rt, "/peers/far/sys/caps");
    assert_int_equal(actor_id_node(remote), 9);
    r = request(rt, c, remote, MSG_CAPS_REQUEST, NULL, 0);
    cJSON *j = parse_caps(&r);
    assert_int_equal((int)num(j, "node_id", NULL), 9);
    assert_string_equal(str(j, "node_name"), "far");
    assert_int_equal((int)num(j, "resources", "peers"), 1);
    cJSON *peers = cJSON_GetObjectItemCaseSensitive(j, "peers");
    assert_int_equal(cJSON_GetArraySize(peers), 1);
    assert_string_equal(str(cJSON_GetArrayItem(peers, 0), "node_name"), "near");
    cJSON_Delete(j);
    reply_free(&r);
    child_kill(&child, SIGTERM);
    runtime_destroy(rt);
    rm_rf(dir);
    rm_rf(cdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_caps),
        cmocka_unit_test(test_remote_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
