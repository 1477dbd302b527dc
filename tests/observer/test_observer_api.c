/*
 * test_observer_api.c -- the web observer's endpoints over real sockets
 * with curl (issue 23): the shapes and values of /api/actors, /api/tree,
 * /api/nodes, /api/metrics, /api/log and the /api/events stream; the write
 * actions (send, stop) and their refusals (403 when off or without the
 * page's header, 400 for malformed requests, the shell's refusals), after
 * which the node still answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/peer.h"
#include "obs_fixture.h"

#define WRITE_HDR "-H 'X-Observer: 1' "

/* GET `path` and parse it as JSON; fails the test on anything but 200. */
static cJSON *get_json(const char *path)
{
    char *body, ct[128];
    int st = obs_curl(false, NULL, path, &body, ct, sizeof ct);
    if (st != 200)
        fprintf(stderr, "GET %s: %d %s\n", path, st, body);
    assert_int_equal(st, 200);
    assert_string_equal(ct, "application/json");
    cJSON *j = cJSON_Parse(body);
    if (!j)
        fprintf(stderr, "GET %s: not JSON: %s\n", path, body);
    assert_non_null(j);
    free(body);
    return j;
}

/* The actor of /api/actors whose names include `name`, or NULL. */
static cJSON *actor_named(cJSON *doc, const char *name)
{
    cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(doc, "actors"))
    {
        cJSON *n;
        cJSON_ArrayForEach(n, cJSON_GetObjectItem(a, "names"))
        {
            if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
                return a;
        }
    }
    return NULL;
}

static double num(cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItem(o, key);
    if (!cJSON_IsNumber(v))
        fprintf(stderr, "field %s is not a number\n", key);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static const char *str(cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItem(o, key);
    if (!cJSON_IsString(v))
        fprintf(stderr, "field %s is not a string\n", key);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static bool is_id(const char *s)
{
    if (strlen(s) != 18 || strncmp(s, "0x", 2) != 0)
        return false;
    for (size_t i = 2; i < 18; i++)
        if (!strchr("0123456789abcdef", s[i]))
            return false;
    return true;
}

/* POST a form to a write endpoint; returns the status, body in *body. */
static int post(bool ro, const char *hdr, const char *path, const char *form, char **body)
{
    size_t cap = strlen(hdr) + strlen(form) + 64;
    char *args = malloc(cap);
    assert_non_null(args);
    snprintf(args, cap, "-X POST %s--data-binary '%s'", hdr, form);
    int st = obs_curl(ro, args, path, body, NULL, 0);
    free(args);
    return st;
}

static void test_actors_document_shape_and_values(void **state)
{
    (void)state;
    cJSON *d = get_json("/api/actors");
    assert_int_equal((int)num(d, "node_id"), 1);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(d, "interval_ms")));
    cJSON *w = actor_named(d, "worker"), *sup = actor_named(d, "worksup");
    assert_non_null(w);
    assert_non_null(sup);
    assert_true(is_id(str(w, "id")));
    assert_string_equal(str(w, "kind"), "native");
    assert_string_equal(str(sup, "kind"), "supervisor");
    assert_string_equal(str(w, "parent"), str(sup, "id")); /* supervised */
    assert_int_equal((int)num(w, "mailbox_size"), 64);
    assert_true(num(w, "mailbox_used") >= 0);
    assert_true(num(w, "msgs_in") >= 0 && num(w, "msgs_out") >= 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(w, "system")));
    cJSON *status = actor_named(d, "/sys/status");
    assert_non_null(status);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(status, "system")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(w, "memory_bytes")));
    cJSON *rate = cJSON_GetObjectItem(w, "in_per_s");
    assert_true(cJSON_IsNumber(rate) || cJSON_IsNull(rate));
    cJSON_Delete(d);
}

static void test_send_delivers_text_and_hex_and_counts(void **state)
{
    (void)state;
    unsigned before = atomic_load(&fx.got);
    cJSON *d = get_json("/api/actors");
    double in0 = num(actor_named(d, "worker"), "msgs_in");
    double out0 = num(actor_named(d, "worker"), "msgs_out");
    cJSON_Delete(d);
    char *body;
    int st =
        post(false, WRITE_HDR, "/api/send", "to=worker&type=0x42&text=hello+observer%21", &body);
    if (st != 200)
        fprintf(stderr, "send: %d %s\n", st, body);
    assert_int_equal(st, 200);
    cJSON *r = cJSON_Parse(body);
    assert_non_null(r);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
    assert_true(is_id(str(r, "id")));
    cJSON_Delete(r);
    free(body);
    assert_true(obs_wait_got(before + 1, 5000));
    assert_int_equal(atomic_load(&fx.type), 0x42);
    assert_int_equal(atomic_load(&fx.last_len), 15);
    assert_memory_equal(fx.last, "hello observer!", 15);

    st = post(false, WRITE_HDR, "/api/send", "to=worker&type=7&hex=00ff10", &body);
    assert_int_equal(st, 200);
    free(body);
    assert_true(obs_wait_got(before + 2, 5000));
    assert_int_equal(atomic_load(&fx.type), 7);
    assert_int_equal(atomic_load(&fx.last_len), 3);
    assert_memory_equal(fx.last, "\x00\xff\x10", 3);

    /* The core's counters: two handled, two acks sent. */
    d = get_json("/api/actors");
    cJSON *w = actor_named(d, "worker");
    assert_int_equal((int)(num(w, "msgs_in") - in0), 2);
    assert_int_equal((int)(num(w, "msgs_out") - out0), 2);
    cJSON_Delete(d);
}

static void expect_status(int want, int got, const char *body, const char *what)
{
    if (want != got)
        fprintf(stderr, "%s: want %d, got %d: %s\n", what, want, got, body ? body : "");
    assert_int_equal(got, want);
}

/* A refusal: the status and an {"error": ...} body naming `needle`. */
static void refused(int want, int st, char *body, const char *needle, const char *what)
{
    expect_status(want, st, body, what);
    cJSON *j = cJSON_Parse(body);
    assert_non_null(j);
    const char *e = str(j, "error");
    if (!strstr(e, needle))
        fprintf(stderr, "%s: error '%s' lacks '%s'\n", what, e, needle);
    assert_non_null(strstr(e, needle));
    cJSON_Delete(j);
    free(body);
}

static void test_write_refusals_and_malformed_requests(void **state)
{
    (void)state;
    unsigned before = atomic_load(&fx.got);
    char *b;
    /* Off unless --observer-write. */
    int st = post(true, WRITE_HDR, "/api/send", "to=worker&type=1&text=x", &b);
    refused(403, st, b, "--observer-write", "read-only observer");
    /* The page's header is required (no cross-site form posts). */
    st = post(false, "", "/api/send", "to=worker&type=1&text=x", &b);
    refused(403, st, b, "X-Observer", "no header");
    /* A non-loopback Host (DNS rebinding). */
    st = post(false, WRITE_HDR "-H 'Host: evil.example' ", "/api/send", "to=worker&type=1", &b);
    refused(403, st, b, "loopback", "foreign Host");
    st = post(false, WRITE_HDR "-H 'Host: 127.0.0.1.evil.example' ", "/api/send",
              "to=worker&type=1", &b);
    refused(403, st, b, "loopback", "a name that starts like a loopback address");
    st = post(false, WRITE_HDR "-H 'Host: localhostevil.example:8420' ", "/api/send",
              "to=worker&type=1", &b);
    refused(403, st, b, "loopback", "a name that starts like localhost");
    /* Malformed bodies: 400 with the reason. */
    static const struct {
        const char *form, *needle;
    } bad[] = {
        {"to=worker&text=x", "'type'"},
        {"type=1&text=x", "'to'"},
        {"to=worker&type=nope", "not a number"},
        {"to=worker&type=99999999999", "type"},
        {"to=worker&type=1&text=a&hex=00", "not both"},
        {"to=worker&type=1&hex=abc", "odd"},
        {"to=worker&type=1&hex=zz", "hex"},
        {"to=worker&type=1&text=%zz", "escape"},
        {"to=worker&type=1&text=%4", "escape"},
        {"to=worker&type=1&bogus=1", "unknown field"},
        {"to=worker&to=worker&type=1", "twice"},
        {"to=no-such-actor&type=1", "no actor named"},
        {"to=0x0000000100ffffff&type=1", "no live actor"},
        {"to=%01&type=1", "control"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st = post(false, WRITE_HDR, "/api/send", bad[i].form, &b);
        refused(400, st, b, bad[i].needle, bad[i].form);
    }
    /* A payload over the shell's 4096 bytes. */
    char *big = malloc(4200 + 32);
    assert_non_null(big);
    strcpy(big, "to=worker&type=1&text=");
    memset(big + strlen(big), 'a', 4097);
    big[22 + 4097] = '\0';
    st = post(false, WRITE_HDR, "/api/send", big, &b);
    refused(400, st, b, "longer than", "4097-byte text");
    free(big);
    /* The shell's refusals for stop, and the page's own server. */
    st = post(false, WRITE_HDR, "/api/stop", "to=/sys/status", &b);
    refused(403, st, b, "status actor", "stop the status actor");
    st = post(false, WRITE_HDR, "/api/stop", "to=0x0000000200000001", &b);
    refused(403, st, b, "another node", "stop a remote actor");
    /* Regression (issue 22): system actors, as the shell's stop refuses them. */
    st = post(false, WRITE_HDR, "/api/stop", "to=0x0000000100000001", &b); /* the log actor */
    refused(403, st, b, "system actor", "stop the log actor");
    st = post(false, WRITE_HDR, "/api/stop", "", &b);
    refused(400, st, b, "'to'", "stop without to");
    st = post(false, WRITE_HDR, "/api/reload?to=worker", "", &b);
    refused(400, st, b, "", "reload without a module");
    /* Methods. */
    st = obs_curl(false, NULL, "/api/send", &b, NULL, 0);
    expect_status(405, st, b, "GET /api/send");
    free(b);
    st = obs_curl(false, "-X POST", "/api/actors", &b, NULL, 0);
    expect_status(405, st, b, "POST /api/actors");
    free(b);
    st = obs_curl(false, NULL, "/api/nothing", &b, NULL, 0);
    expect_status(404, st, b, "GET /api/nothing");
    free(b);
    /* Nothing reached the worker, and the node still answers. */
    assert_int_equal(atomic_load(&fx.got), before);
    cJSON_Delete(get_json("/api/actors"));
}

static cJSON *supervisor_of(cJSON *tree, const char *sup_id)
{
    cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(tree, "supervisors"))
    {
        if (strcmp(str(s, "id"), sup_id) == 0)
            return s;
    }
    return NULL;
}

static void test_tree_shows_restart_after_stop(void **state)
{
    (void)state;
    cJSON *d = get_json("/api/actors");
    char sup_id[32], worker_id[32];
    snprintf(sup_id, sizeof sup_id, "%s", str(actor_named(d, "worksup"), "id"));
    snprintf(worker_id, sizeof worker_id, "%s", str(actor_named(d, "worker"), "id"));
    cJSON_Delete(d);
    cJSON *t = get_json("/api/tree");
    cJSON *s = supervisor_of(t, sup_id);
    assert_non_null(s);
    assert_string_equal(str(s, "strategy"), "one_for_one");
    assert_int_equal((int)num(s, "max_restarts"), 5);
    assert_int_equal((int)num(s, "window_ms"), 60000);
    double restarts0 = num(s, "restarts");
    cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(s, "children"), 0);
    assert_string_equal(str(c, "name"), "worker");
    assert_string_equal(str(c, "id"), worker_id);
    assert_string_equal(str(c, "restart_type"), "permanent");
    double child0 = num(c, "restarts");
    /* The link and the monitor of the keeper. */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(t, "links")), 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(t, "monitors")), 1);
    cJSON *parents = cJSON_GetObjectItem(t, "parents");
    assert_true(cJSON_GetArraySize(parents) >= 1);
    cJSON_Delete(t);

    int starts = atomic_load(&fx.starts);
    char *b, form[64];
    snprintf(form, sizeof form, "to=%s", worker_id);
    int st = post(false, WRITE_HDR, "/api/stop", form, &b);
    expect_status(200, st, b, "stop worker");
    free(b);
    /* The supervisor restarts it: a new incarnation, counts up by one. */
    bool seen = false;
    for (int i = 0; i < 500 && !seen; i++) {
        t = get_json("/api/tree");
        s = supervisor_of(t, sup_id);
        c = cJSON_GetArrayItem(cJSON_GetObjectItem(s, "children"), 0);
        if (num(s, "restarts") == restarts0 + 1 && num(c, "restarts") == child0 + 1 &&
            cJSON_IsString(cJSON_GetObjectItem(c, "id"))) {
            assert_string_not_equal(str(c, "id"), worker_id);
            assert_true(num(s, "restarts_in_window") >= 1);
            seen = true;
        }
        cJSON_Delete(t);
        if (!seen)
            usleep(10000);
    }
    assert_true(seen);
    assert_int_equal(atomic_load(&fx.starts), starts + 1);
}

static void test_nodes_metrics_and_log_documents(void **state)
{
    (void)state;
    cJSON *n = get_json("/api/nodes");
    cJSON *node = cJSON_GetObjectItem(n, "node");
    assert_int_equal((int)num(node, "id"), 1);
    assert_string_equal(str(node, "name"), "obs-test");
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(n, "peers")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(n, "peers")), 0);
    cJSON_Delete(n);

    cJSON *m = get_json("/api/metrics");
    assert_int_equal((int)num(m, "node_id"), 1);
    assert_string_equal(str(m, "node_name"), "obs-test");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(m, "write")));
    assert_true(num(m, "actors") >= 8 && num(m, "actors_max") == 64);
    assert_true(num(m, "sched_util") >= 0 && num(m, "sched_util") <= 1);
    assert_true(num(m, "rss_bytes") > 0);
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(m, "history")));
    cJSON_Delete(m);

    /* The keeper's line reached the log pane's ring. */
    bool found = false;
    for (int i = 0; i < 300 && !found; i++) {
        cJSON *l = get_json("/api/log");
        cJSON *line;
        cJSON_ArrayForEach(line, cJSON_GetObjectItem(l, "lines"))
        {
            if (strstr(str(line, "text"), "keeper: observer test node up"))
                found = true;
        }
        assert_true(num(l, "total") >= 1);
        cJSON_Delete(l);
        if (!found)
            usleep(10000);
    }
    assert_true(found);
    char *b;
    int st = obs_curl(false, NULL, "/api/log?after=x", &b, NULL, 0);
    expect_status(400, st, b, "after=x");
    free(b);
}

/* Read the event stream with curl until it has two "actors" events (the
 * first at once, the second after a tick) or curl gives up. */
static void test_event_stream_sends_every_document(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "curl -sSN --max-time 30 'http://127.0.0.1:%d/api/events'", fx.port);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int actors = 0, metrics = 0, tree = 0, nodes = 0, log = 0;
    char *line = NULL;
    size_t cap = 0;
    while (actors < 2 && getline(&line, &cap, p) > 0) {
        actors += strcmp(line, "event: actors\n") == 0;
        metrics += strcmp(line, "event: metrics\n") == 0;
        tree += strcmp(line, "event: tree\n") == 0;
        nodes += strcmp(line, "event: nodes\n") == 0;
        log += strcmp(line, "event: log\n") == 0;
        if (strncmp(line, "data: ", 6) == 0) {
            cJSON *j = cJSON_Parse(line + 6);
            if (!j)
                fprintf(stderr, "event data is not JSON: %.200s\n", line);
            assert_non_null(j);
            cJSON_Delete(j);
        }
    }
    free(line);
    pclose(p);
    assert_int_equal(actors, 2);
    assert_true(metrics >= 1 && tree >= 1 && nodes >= 1 && log >= 1);
    /* The stream closed: the observer goes idle (no stream, no sampling). */
    bool idle = false;
    for (int i = 0; i < 500 && !idle; i++) {
        cJSON *m = get_json("/api/metrics");
        idle = num(m, "streams") == 0;
        cJSON_Delete(m);
        if (!idle)
            usleep(10000);
    }
    assert_true(idle);
}

static void test_page_and_assets_are_served(void **state)
{
    (void)state;
    char *b, ct[128];
    int st = obs_curl(false, NULL, "/", &b, ct, sizeof ct);
    assert_int_equal(st, 200);
    assert_string_equal(ct, "text/html; charset=utf-8");
    assert_non_null(strstr(b, "<script src=\"/observer.js\">"));
    free(b);
    st = obs_curl(false, NULL, "/observer.js", &b, ct, sizeof ct);
    assert_int_equal(st, 200);
    assert_non_null(strstr(b, "new EventSource('/api/events')"));
    free(b);
    st = obs_curl(false, NULL, "/observer.css", &b, ct, sizeof ct);
    assert_int_equal(st, 200);
    assert_string_equal(ct, "text/css; charset=utf-8");
    free(b);
    /* /status and /actors are still there. */
    st = obs_curl(false, NULL, "/status", &b, ct, sizeof ct);
    assert_int_equal(st, 200);
    free(b);
}

int main(void)
{
    peer_require("curl");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_and_assets_are_served),
        cmocka_unit_test(test_actors_document_shape_and_values),
        cmocka_unit_test(test_send_delivers_text_and_hex_and_counts),
        cmocka_unit_test(test_write_refusals_and_malformed_requests),
        cmocka_unit_test(test_tree_shows_restart_after_stop),
        cmocka_unit_test(test_nodes_metrics_and_log_documents),
        cmocka_unit_test(test_event_stream_sends_every_document),
    };
    return cmocka_run_group_tests(tests, obs_fixture_setup, obs_fixture_teardown);
}
