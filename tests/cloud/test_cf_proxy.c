/*
 * test_cf_proxy.c -- the cf_proxy actor against the real mk-proxy Worker
 * run locally by wrangler dev (workerd; local KV, D1 and queue; the AI
 * binding replaced by the test configuration's stand-in, see
 * platforms/cloudflare/worker/test/test-entry.ts). One Worker serves the
 * whole file; the restart test stops and starts it on the same port.
 */
#include "cloud_test_util.h"

#include "microkernel/node_services.h"

#define BOUND_MS 30000 /* hang guard per reply, not a timing assertion */

static char g_state[256];
static int g_port;
static char g_url[128];

typedef struct {
    runtime_t *rt;
    cloud_inbox_t q;
    actor_id_t client, proxy;
} fx_t;

static int worker_up(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/mk-cloud-test-XXXXXX";
    if (!mkdtemp(tmpl))
        return -1;
    snprintf(g_state, sizeof g_state, "%s", tmpl);
    g_port = cloud_free_port();
    snprintf(g_url, sizeof g_url, "ws://127.0.0.1:%d/ws", g_port);
    return cloud_worker_start(g_state, g_port) ? 0 : -1;
}

static int worker_down(void **state)
{
    (void)state;
    cloud_worker_stop(g_state);
    cloud_rmrf(g_state);
    return 0;
}

/* A runtime with the namespace, a client and a proxy to `url`/`token`. */
static fx_t *fx_new(const char *url, const char *token, uint32_t timeout_ms)
{
    fx_t *f = calloc(1, sizeof *f);
    f->rt = runtime_init(1, 64);
    assert_non_null(f->rt);
    assert_true(ns_install(f->rt));
    f->client = actor_spawn(f->rt, cloud_client, &f->q, NULL, 256);
    cf_proxy_config_t cfg = {0};
    snprintf(cfg.url, sizeof cfg.url, "%s", url);
    snprintf(cfg.token, sizeof cfg.token, "%s", token);
    cf_proxy_options_t opt = {
        .timeout_ms = timeout_ms, .backoff_initial_ms = 100, .backoff_max_ms = 800};
    f->proxy = cf_proxy_init_ex(f->rt, &cfg, &opt);
    if (f->proxy == ACTOR_ID_INVALID)
        fail_msg("cf_proxy_init_ex: %s", mk_last_error());
    return f;
}

static void fx_free(fx_t *f)
{
    runtime_destroy(f->rt);
    cloud_inbox_clear(&f->q);
    free(f);
}

static cloud_reply_t *ask(fx_t *f, uint32_t type, const char *payload, size_t len)
{
    cloud_send(f->rt, f->client, f->proxy, type, payload, len);
    return cloud_wait(f->rt, &f->q, BOUND_MS);
}

#define ask_str(f, type, s) ask(f, type, s, strlen(s))

static void test_kv_put_get_delete_list_not_found(void **state)
{
    (void)state;
    fx_t *f = fx_new(g_url, "test-token", 0);
    assert_reply(ask_str(f, MSG_CF_KV_PUT, "key=t1/a\nvalue=hello\nttl=0"), MSG_CF_OK, "");
    assert_reply(ask_str(f, MSG_CF_KV_PUT, "key=t1/b\nvalue=world"), MSG_CF_OK, "");
    assert_reply(ask_str(f, MSG_CF_KV_GET, "key=t1/a"), MSG_CF_VALUE, "hello");
    assert_reply(ask_str(f, MSG_CF_KV_LIST, "prefix=t1/\nlimit=50"), MSG_CF_KEYS, "t1/a\nt1/b\n");
    assert_reply(ask_str(f, MSG_CF_KV_LIST, "prefix=t1/\nlimit=1"), MSG_CF_KEYS, "t1/a\n");
    assert_reply(ask_str(f, MSG_CF_KV_DELETE, "key=t1/a"), MSG_CF_OK, "");
    assert_reply(ask_str(f, MSG_CF_KV_GET, "key=t1/a"), MSG_CF_NOT_FOUND, "");
    assert_reply(ask_str(f, MSG_CF_KV_LIST, "prefix=t1/none/"), MSG_CF_KEYS, "");
    assert_reply(ask_str(f, MSG_CF_KV_GET, "nokey=1"), MSG_CF_ERROR, "missing key");
    fx_free(f);
}

/* Keys with '/', '=' and UTF-8, values with quotes, backslashes and
 * escapes: the original passed JSON escapes through unescaped. */
static void test_kv_special_bytes_round_trip(void **state)
{
    (void)state;
    fx_t *f = fx_new(g_url, "test-token", 0);
    assert_reply(ask_str(f, MSG_CF_KV_PUT, "key=t2/a=b/c\nvalue=x=\"q\" \\n \\ end"), MSG_CF_OK,
                 "");
    assert_reply(ask_str(f, MSG_CF_KV_GET, "key=t2/a=b/c"), MSG_CF_VALUE, "x=\"q\" \\n \\ end");
    assert_reply(ask_str(f, MSG_CF_KV_PUT, "key=t2/ключ-é-日本\nvalue=значение ✓"), MSG_CF_OK, "");
    assert_reply(ask_str(f, MSG_CF_KV_GET, "key=t2/ключ-é-日本"), MSG_CF_VALUE, "значение ✓");
    assert_reply(ask_str(f, MSG_CF_KV_LIST, "prefix=t2/"), MSG_CF_KEYS,
                 "t2/a=b/c\nt2/ключ-é-日本\n");
    /* Not UTF-8: refused with a reason, nothing sent. */
    assert_reply(ask_str(f, MSG_CF_KV_PUT, "key=t2/bin\nvalue=\xff\xfe"), MSG_CF_ERROR,
                 "a field is not valid UTF-8 (the Worker protocol carries text)");
    fx_free(f);
}

/* The original built requests in 1 KiB and cut values at 4095 bytes. */
static void test_kv_one_megabyte_value(void **state)
{
    (void)state;
    fx_t *f = fx_new(g_url, "test-token", 0);
    size_t n = 1000000;
    char *req = malloc(n + 32);
    int h = sprintf(req, "key=t3/big\nvalue=");
    for (size_t i = 0; i < n; i++)
        req[h + i] = (char)('a' + i % 26);
    assert_reply(ask(f, MSG_CF_KV_PUT, req, (size_t)h + n), MSG_CF_OK, "");
    cloud_reply_t *r = ask_str(f, MSG_CF_KV_GET, "key=t3/big");
    assert_int_equal(r->type, MSG_CF_VALUE);
    assert_int_equal(r->len, n);
    assert_memory_equal(r->data, req + h, n);
    free(req);
    fx_free(f);
}

/* Our local KV protocol through the proxy: id echoed, values with newlines. */
static void test_local_kv_protocol_through_the_cloud(void **state)
{
    (void)state;
    fx_t *f = fx_new(g_url, "test-token", 0);
    static const char put[] = "id=7\nkey=t4/hist\nvalue=ls\nhelp\ncall /x 1 a=b\n";
    assert_reply(ask(f, MSG_KV_PUT, put, sizeof put - 1), MSG_KV_OK, "id=7\nkey=t4/hist\n");
    assert_reply(ask_str(f, MSG_KV_GET, "id=8\nkey=t4/hist\n"), MSG_KV_OK,
                 "id=8\nkey=t4/hist\nvalue=ls\nhelp\ncall /x 1 a=b\n");
    assert_reply(ask_str(f, MSG_KV_LIST, "prefix=t4/\n"), MSG_KV_OK, "count=1\nkey=t4/hist\n");
    assert_reply(ask_str(f, MSG_KV_DELETE, "key=t4/hist\n"), MSG_KV_OK, "key=t4/hist\n");
    assert_reply(ask_str(f, MSG_KV_GET, "key=t4/hist\n"), MSG_KV_NOT_FOUND, "key=t4/hist\n");
    assert_reply(ask_str(f, MSG_KV_GET, "bogus=1\n"), MSG_KV_ERROR,
                 "error=unknown field (expected id, key, value, prefix, limit, sql or params)\n");
    fx_free(f);
}

static void test_db_query_exec_params_errors(void **state)
{
    (void)state;
    fx_t *f = fx_new(g_url, "test-token", 0);
    assert_reply(ask_str(f, MSG_CF_DB_EXEC, "sql=CREATE TABLE IF NOT EXISTS t5 (k TEXT, v TEXT)"),
                 MSG_CF_OK, "0");
    assert_reply(ask_str(f, MSG_CF_DB_EXEC, "sql=INSERT INTO t5 VALUES (?, ?)\np=a\"b\np=x\\y"),
                 MSG_CF_OK, "1");
    assert_reply(ask_str(f, MSG_CF_DB_EXEC, "sql=INSERT INTO t5 VALUES (?, ?)\np=é\np=2"),
                 MSG_CF_OK, "1");
    assert_reply(ask_str(f, MSG_CF_DB_QUERY, "sql=SELECT k, v FROM t5 WHERE v = ?\np=x\\y"),
                 MSG_CF_ROWS, "[{\"k\":\"a\\\"b\",\"v\":\"x\\\\y\"}]");
    assert_reply(ask_str(f, MSG_CF_DB_QUERY, "sql=SELECT COUNT(*) AS n FROM t5"), MSG_CF_ROWS,
                 "[{\"n\":2}]");
    cloud_reply_t *r = ask_str(f, MSG_CF_DB_QUERY, "sql=SELEC 1");
    assert_int_equal(r->type, MSG_CF_ERROR);
    assert_non_null(strstr(r->data, "syntax error"));
    r = ask_str(f, MSG_CF_DB_QUERY, "sql=SELECT ?\n");
    assert_int_equal(r->type, MSG_CF_ERROR);
    fx_free(f);
}

/* The pushed message reaches the queue consumer, which the test
 * configuration makes store it in KV under queue-consumed/. */
static void test_queue_push_reaches_the_consumer(void **state)
{
    (void)state;
    fx_t *f = fx_new(g_url, "test-token", 0);
    assert_reply(ask_str(f, MSG_CF_QUEUE_PUSH, "body=hello queue\ndelay=0"), MSG_CF_OK, "");
    cloud_reply_t *r = NULL;
    for (int i = 0; i < 100; i++) {
        r = ask_str(f, MSG_CF_KV_LIST, "prefix=queue-consumed/");
        if (r->len)
            break;
        cloud_pump(f->rt, 200);
    }
    assert_int_equal(r->type, MSG_CF_KEYS);
    assert_true(r->len > 0);
    char get[256];
    snprintf(get, sizeof get, "key=%.*s", (int)strcspn(r->data, "\n"), r->data);
    r = ask_str(f, MSG_CF_KV_GET, get);
    assert_int_equal(r->type, MSG_CF_VALUE);
    assert_non_null(strstr(r->data, "\"body\":\"hello queue\""));
    assert_non_null(strstr(r->data, mk_node_identity()));
    fx_free(f);
}

static void test_ai_infer_and_embed_through_the_stand_in(void **state)
{
    (void)state;
    fx_t *f = fx_new(g_url, "test-token", 0);
    assert_reply(ask_str(f, MSG_CF_AI_INFER, "prompt=hello"), MSG_CF_VALUE,
                 "stand-in @cf/meta/llama-3.1-8b-instruct: hello");
    assert_reply(ask_str(f, MSG_CF_AI_INFER, "model=@cf/other\nprompt=hi"), MSG_CF_VALUE,
                 "stand-in @cf/other: hi");
    cloud_reply_t *r = ask_str(f, MSG_CF_AI_EMBED, "text=hello world");
    assert_int_equal(r->type, MSG_CF_EMBEDDING);
    assert_true(r->data[0] == '[' && r->data[r->len - 1] == ']');
    size_t commas = 0;
    for (size_t i = 0; i < r->len; i++)
        commas += r->data[i] == ',';
    assert_int_equal(commas + 1, 384);
    fx_free(f);
}

/* A slow Worker: the request fails with a timeout reply, the late answer
 * is ignored, and the next request works. */
static void test_slow_worker_times_out_with_error_reply(void **state)
{
    (void)state;
    fx_t *f = fx_new(g_url, "test-token", 500);
    assert_reply(ask_str(f, MSG_CF_KV_PUT, "key=t6/x\nvalue=1"), MSG_CF_OK, "");
    assert_reply(ask_str(f, MSG_CF_AI_INFER, "prompt=sleep:3000"), MSG_CF_ERROR,
                 "timeout: no reply from the Worker within 500 ms");
    cloud_pump(f->rt, 3000); /* the late reply arrives and must be dropped */
    assert_int_equal(f->q.tail - f->q.head, 0);
    assert_reply(ask_str(f, MSG_CF_KV_GET, "key=t6/x"), MSG_CF_VALUE, "1");
    fx_free(f);
}

static void test_auth_rejected_gives_clear_error(void **state)
{
    (void)state;
    fx_t *f = fx_new(g_url, "wrong-token", 0);
    cloud_reply_t *r = ask_str(f, MSG_CF_KV_GET, "key=x");
    assert_int_equal(r->type, MSG_CF_ERROR);
    if (!strstr(r->data, "auth failed") || !strstr(r->data, "MK_CF_TOKEN"))
        fail_msg("reply \"%s\"", r->data);
    r = ask_str(f, MSG_CF_KV_GET, "key=x"); /* later requests: the same reason at once */
    assert_int_equal(r->type, MSG_CF_ERROR);
    assert_non_null(strstr(r->data, "auth failed"));
    fx_free(f);
}

static void test_unconfigured_proxy_says_no_cloud_provider(void **state)
{
    (void)state;
    fx_t *f = fx_new("", "", 0);
    cloud_reply_t *r = ask_str(f, MSG_CF_AI_INFER, "prompt=hi");
    assert_int_equal(r->type, MSG_CF_ERROR);
    assert_non_null(strstr(r->data, "no cloud provider configured"));
    fx_free(f);
}

/* Resolution: the cloud serves /node/ service paths nobody else serves;
 * a local actor wins; without a proxy the lookup explains itself. */
static void test_resolution_local_wins_cloud_is_the_floor(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 64);
    assert_true(ns_install(rt));
    assert_int_equal(actor_lookup(rt, "/node/ai/infer"), ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "no cloud provider is configured"));
    cf_proxy_config_t cfg = {0};
    actor_id_t proxy = cf_proxy_init(rt, &cfg);
    assert_int_not_equal(proxy, ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "/node/ai/infer"), proxy);
    assert_int_equal(actor_lookup(rt, "/node/storage/kv"), proxy);
    assert_int_equal(actor_lookup(rt, "/node/cloudflare/storage/kv"), proxy);
    cloud_inbox_t q = {0};
    actor_id_t local = actor_spawn(rt, cloud_client, &q, NULL, 8);
    assert_true(actor_register_name(rt, "/node/storage/kv", local));
    assert_int_equal(actor_lookup(rt, "/node/storage/kv"), local);
    assert_int_equal(actor_lookup(rt, "/node/storage/db"), proxy);
    /* Only the five service paths fall back to the cloud. */
    assert_int_equal(actor_lookup(rt, "/node/b/caps"), ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "is not registered"));
    /* A stopped proxy is no provider any more. */
    actor_stop(rt, proxy);
    runtime_step(rt);
    assert_int_equal(actor_lookup(rt, "/node/ai/infer"), ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "no cloud provider is configured"));
    assert_int_equal(actor_lookup(rt, "/node/storage/kv"), local);
    cfg = (cf_proxy_config_t){.url = "http://x/ws"};
    runtime_t *rt2 = runtime_init(2, 8);
    assert_true(ns_install(rt2));
    assert_int_equal(cf_proxy_init(rt2, &cfg), ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "must start with ws:// or wss://"));
    runtime_destroy(rt2);
    runtime_destroy(rt);
}

/* The Worker goes away mid-test: a request on the wire fails with
 * "connection lost", requests made while it is down wait in the bounded
 * queue and complete once the proxy has reconnected to the restarted one. */
static void test_worker_restart_reconnects_and_completes_queued(void **state)
{
    (void)state;
    fx_t *f = fx_new(g_url, "test-token", 60000);
    assert_reply(ask_str(f, MSG_CF_KV_PUT, "key=t7/before\nvalue=1"), MSG_CF_OK, "");
    cloud_send_str(f->rt, f->client, f->proxy, MSG_CF_AI_INFER, "prompt=sleep:20000");
    cloud_pump(f->rt, 300);
    cloud_worker_stop(g_state);
    cloud_reply_t *r = cloud_wait(f->rt, &f->q, BOUND_MS);
    assert_reply(r, MSG_CF_ERROR, "connection lost");
    cloud_send_str(f->rt, f->client, f->proxy, MSG_CF_KV_PUT, "key=t7/during\nvalue=2");
    cloud_send_str(f->rt, f->client, f->proxy, MSG_CF_KV_GET, "key=t7/before");
    cloud_pump(f->rt, 1500); /* a few failed reconnects */
    assert_int_equal(f->q.tail - f->q.head, 0);
    assert_true(cloud_worker_start(g_state, g_port));
    /* Both complete, in whichever order the Worker answers. */
    cloud_reply_t *a = cloud_wait(f->rt, &f->q, 60000);
    cloud_reply_t *b = cloud_wait(f->rt, &f->q, BOUND_MS);
    if (a->type == MSG_CF_VALUE) {
        cloud_reply_t *t = a;
        a = b;
        b = t;
    }
    assert_reply(a, MSG_CF_OK, "");
    assert_reply(b, MSG_CF_VALUE, "1");
    assert_reply(ask_str(f, MSG_CF_KV_GET, "key=t7/during"), MSG_CF_VALUE, "2");
    fx_free(f);
}

/* ---- wss:// through a TLS front with a test CA ---------------------------- */

static char g_tls_state[256];
static char g_wss_url[128];

static int tls_worker_up(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/mk-cloud-tls-XXXXXX";
    if (!mkdtemp(tmpl))
        return -1;
    snprintf(g_tls_state, sizeof g_tls_state, "%s", tmpl);
    int port = cloud_free_port();
    snprintf(g_wss_url, sizeof g_wss_url, "wss://127.0.0.1:%d/ws", port);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s start-tls %s %s %d", CLOUD_WORKER_SH, CLOUD_WORKER_DIR,
             g_tls_state, port);
    return system(cmd) == 0 ? 0 : -1;
}

static int tls_worker_down(void **state)
{
    (void)state;
    unsetenv("SSL_CERT_FILE");
    cloud_worker_stop(g_tls_state);
    cloud_rmrf(g_tls_state);
    return 0;
}

/* Without the test CA the certificate is refused; the request fails with
 * the reason once its timeout is over. */
static void test_wss_untrusted_certificate_refused(void **state)
{
    (void)state;
    unsetenv("SSL_CERT_FILE");
    fx_t *f = fx_new(g_wss_url, "test-token", 3000);
    cloud_reply_t *r = ask_str(f, MSG_CF_KV_GET, "key=tls/x");
    assert_int_equal(r->type, MSG_CF_ERROR);
    if (!strstr(r->data, "timeout: not connected") || !strstr(r->data, "certificate"))
        fail_msg("reply \"%s\"", r->data);
    fx_free(f);
}

static void test_wss_kv_round_trip_with_test_ca(void **state)
{
    (void)state;
    char ca[300];
    snprintf(ca, sizeof ca, "%s/tls/ca.pem", g_tls_state);
    setenv("SSL_CERT_FILE", ca, 1);
    fx_t *f = fx_new(g_wss_url, "test-token", 0);
    assert_reply(ask_str(f, MSG_CF_KV_PUT, "key=tls/k\nvalue=over TLS ✓"), MSG_CF_OK, "");
    assert_reply(ask_str(f, MSG_CF_KV_GET, "key=tls/k"), MSG_CF_VALUE, "over TLS ✓");
    assert_reply(ask_str(f, MSG_CF_AI_INFER, "prompt=tls"), MSG_CF_VALUE,
                 "stand-in @cf/meta/llama-3.1-8b-instruct: tls");
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv_put_get_delete_list_not_found),
        cmocka_unit_test(test_kv_special_bytes_round_trip),
        cmocka_unit_test(test_kv_one_megabyte_value),
        cmocka_unit_test(test_local_kv_protocol_through_the_cloud),
        cmocka_unit_test(test_db_query_exec_params_errors),
        cmocka_unit_test(test_queue_push_reaches_the_consumer),
        cmocka_unit_test(test_ai_infer_and_embed_through_the_stand_in),
        cmocka_unit_test(test_slow_worker_times_out_with_error_reply),
        cmocka_unit_test(test_auth_rejected_gives_clear_error),
        cmocka_unit_test(test_unconfigured_proxy_says_no_cloud_provider),
        cmocka_unit_test(test_resolution_local_wins_cloud_is_the_floor),
        cmocka_unit_test(test_worker_restart_reconnects_and_completes_queued),
    };
    const struct CMUnitTest tls_tests[] = {
        cmocka_unit_test(test_wss_untrusted_certificate_refused),
        cmocka_unit_test(test_wss_kv_round_trip_with_test_ca),
    };
    int failed = cmocka_run_group_tests(tests, worker_up, worker_down);
    failed += cmocka_run_group_tests_name("wss", tls_tests, tls_worker_up, tls_worker_down);
    return failed;
}
