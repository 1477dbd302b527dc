/* test_local_kv.c -- the local KV actor and its SQL side
 * (src/services/local_kv.c, kv_proto.c, sql_db.c): requests and replies of
 * docs/services.md, binary values, bad input, concurrent puts from several
 * actors with group commit, SQL round trip and errors, persistence across a
 * restart and across SIGKILL right after a put's reply. */
#include "svc_test_util.h"

typedef struct {
    runtime_t *rt;
    actor_id_t kv, c;
    char *dir;
} fx_t;

static int setup(void **st)
{
    fx_t *f = calloc(1, sizeof *f);
    f->dir = temp_dir();
    f->rt = runtime_init(1, 64);
    services_config_t cfg = {.data_dir = f->dir, .no_mount_listen = true};
    if (!services_start(f->rt, &cfg))
        fail_msg("services_start: %s", mk_last_error());
    f->kv = actor_lookup(f->rt, "/node/storage/kv");
    f->c = client_spawn(f->rt);
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    rm_rf(f->dir);
    free(f);
    return 0;
}

static reply_t kv(fx_t *f, msg_type_t type, const void *p, size_t n)
{
    return request(f->rt, f->c, f->kv, type, p, n);
}
#define KV(f, type, lit) kv(f, type, lit, sizeof lit - 1)

static void test_put_get_delete(void **st)
{
    fx_t *f = *st;
    reply_t r = KV(f, MSG_KV_PUT, "key=greeting\nvalue=hello world");
    assert_reply(r, MSG_KV_OK, "key=greeting\n");
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=greeting\n");
    assert_int_equal(r.type, MSG_KV_OK);
    assert_string_equal(r.data, "key=greeting\nvalue=hello world");
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=greeting"); /* last newline optional */
    assert_reply(r, MSG_KV_OK, "value=hello world");
    reply_free(&r);
    r = KV(f, MSG_KV_PUT, "id=7\nkey=greeting\nvalue=bye");
    assert_string_equal(r.data, "id=7\nkey=greeting\n");
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "id=8\nkey=greeting\n");
    assert_string_equal(r.data, "id=8\nkey=greeting\nvalue=bye");
    reply_free(&r);
    r = KV(f, MSG_KV_DELETE, "key=greeting\n");
    assert_reply(r, MSG_KV_OK, "deleted=1");
    reply_free(&r);
    r = KV(f, MSG_KV_DELETE, "key=greeting\n");
    assert_reply(r, MSG_KV_OK, "deleted=0");
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=greeting\n");
    assert_int_equal(r.type, MSG_KV_NOT_FOUND);
    assert_string_equal(r.data, "key=greeting\n");
    reply_free(&r);
}

/* The read cache is filled by gets and refreshed by puts: a same-size put
 * overwrites the cached copy in place, another size replaces it, a delete
 * drops it; a get never sees an older value (issue 22: puts of new keys no
 * longer copy into the cache). */
static void test_cached_value_follows_puts(void **st)
{
    fx_t *f = *st;
    reply_t r = KV(f, MSG_KV_PUT, "key=c\nvalue=aaa");
    reply_free(&r);
    for (int i = 0; i < 2; i++) { /* a miss that fills the cache, then a hit */
        r = KV(f, MSG_KV_GET, "key=c");
        assert_string_equal(r.data, "key=c\nvalue=aaa");
        reply_free(&r);
    }
    r = KV(f, MSG_KV_PUT, "key=c\nvalue=bbb"); /* same size */
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=c");
    assert_string_equal(r.data, "key=c\nvalue=bbb");
    reply_free(&r);
    r = KV(f, MSG_KV_PUT, "key=c\nvalue=cccc"); /* longer */
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=c");
    assert_string_equal(r.data, "key=c\nvalue=cccc");
    reply_free(&r);
    r = KV(f, MSG_KV_PUT, "key=c\nvalue="); /* empty */
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=c");
    assert_string_equal(r.data, "key=c\nvalue=");
    reply_free(&r);
    r = KV(f, MSG_KV_DELETE, "key=c");
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=c");
    assert_int_equal(r.type, MSG_KV_NOT_FOUND);
    reply_free(&r);
}

static void test_binary_values(void **st)
{
    fx_t *f = *st;
    static const char req[] = "key=bin\nvalue=a\0b\nc\n\n\xff";
    reply_t r = kv(f, MSG_KV_PUT, req, sizeof req - 1);
    assert_int_equal(r.type, MSG_KV_OK);
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=bin\n");
    static const char want[] = "key=bin\nvalue=a\0b\nc\n\n\xff";
    assert_int_equal(r.len, sizeof want - 1);
    assert_memory_equal(r.data, want, sizeof want - 1);
    reply_free(&r);
    r = KV(f, MSG_KV_PUT, "key=empty\nvalue=");
    assert_int_equal(r.type, MSG_KV_OK);
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=empty");
    assert_string_equal(r.data, "key=empty\nvalue=");
    reply_free(&r);
    /* The largest value goes through; one byte more is refused. */
    size_t n = 20 + KV_VALUE_MAX;
    char *big = malloc(n + 1);
    int h = snprintf(big, n, "key=big\nvalue=");
    memset(big + h, 'v', KV_VALUE_MAX);
    r = kv(f, MSG_KV_PUT, big, (size_t)h + KV_VALUE_MAX);
    assert_int_equal(r.type, MSG_KV_OK);
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=big");
    assert_int_equal(r.len, 14 + KV_VALUE_MAX);
    reply_free(&r);
    big[h + KV_VALUE_MAX] = 'v';
    r = kv(f, MSG_KV_PUT, big, (size_t)h + KV_VALUE_MAX + 1);
    assert_reply(r, MSG_KV_ERROR, "value is longer than KV_VALUE_MAX");
    reply_free(&r);
    free(big);
}

static void test_list(void **st)
{
    fx_t *f = *st;
    const char *keys[] = {"user/1", "user/2", "user/10", "users", "app/x", "user\xff/z"};
    for (size_t i = 0; i < 6; i++) {
        char b[64];
        int n = snprintf(b, sizeof b, "key=%s\nvalue=%zu", keys[i], i);
        reply_t r = kv(f, MSG_KV_PUT, b, (size_t)n);
        assert_int_equal(r.type, MSG_KV_OK);
        reply_free(&r);
    }
    reply_t r = KV(f, MSG_KV_LIST, "prefix=user/\n");
    assert_string_equal(r.data, "count=3\nkey=user/1\nkey=user/10\nkey=user/2\n");
    reply_free(&r);
    r = KV(f, MSG_KV_LIST, "prefix=user/\nlimit=2\n");
    assert_string_equal(r.data, "count=2\ntruncated=1\nkey=user/1\nkey=user/10\n");
    reply_free(&r);
    r = KV(f, MSG_KV_LIST, "prefix=user\xff");
    assert_string_equal(r.data, "count=1\nkey=user\xff/z\n");
    reply_free(&r);
    r = KV(f, MSG_KV_LIST, "");
    assert_reply(r, MSG_KV_OK, "count=6\nkey=app/x\n");
    reply_free(&r);
    r = KV(f, MSG_KV_LIST, "prefix=zzz");
    assert_string_equal(r.data, "count=0\n");
    reply_free(&r);
    r = KV(f, MSG_KV_LIST, "limit=0");
    assert_reply(r, MSG_KV_ERROR, "limit is not a number 1..1000");
    reply_free(&r);
}

static void test_bad_requests(void **st)
{
    fx_t *f = *st;
    struct {
        msg_type_t type;
        const char *req;
        const char *err;
    } cases[] = {
        {MSG_KV_GET, "", "missing field key"},
        {MSG_KV_GET, "key=", "key is empty"},
        {MSG_KV_PUT, "key=a\n", "missing field value"},
        {MSG_KV_PUT, "value=x", "missing field key"},
        {MSG_KV_GET, "kee=a", "unknown field"},
        {MSG_KV_GET, "key=a\nkey=b", "appears twice"},
        {MSG_KV_GET, "just text", "no '='"},
        {MSG_KV_DELETE, "id=3\n", "missing field key"},
        {MSG_DB_QUERY, "", "missing field sql"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reply_t r = kv(f, cases[i].type, cases[i].req, strlen(cases[i].req));
        msg_type_t want = cases[i].type == MSG_DB_QUERY ? MSG_DB_ERROR : MSG_KV_ERROR;
        assert_reply(r, want, cases[i].err);
        reply_free(&r);
    }
    reply_t r = KV(f, MSG_KV_DELETE, "id=3\n");
    assert_string_equal(r.data, "id=3\nerror=missing field key\n");
    reply_free(&r);
    char big[KV_KEY_MAX + 16];
    memcpy(big, "key=", 4);
    memset(big + 4, 'k', KV_KEY_MAX + 1);
    r = kv(f, MSG_KV_GET, big, 4 + KV_KEY_MAX + 1);
    assert_reply(r, MSG_KV_ERROR, "key is longer than KV_KEY_MAX (512)");
    reply_free(&r);
    r = kv(f, MSG_KV_GET, "key=a\0b", 7);
    assert_reply(r, MSG_KV_ERROR, "NUL");
    reply_free(&r);
    r = KV(f, 12345, "x");
    assert_reply(r, MSG_KV_ERROR, "does not handle");
    reply_free(&r);
    /* Nothing was stored by the bad requests, and the actor still works. */
    r = KV(f, MSG_KV_LIST, "");
    assert_string_equal(r.data, "count=0\n");
    reply_free(&r);
}

/* ---- Several writers at once ------------------------------------------ */

#define WRITERS   8
#define PUTS_EACH 60
#define IN_FLIGHT 6

typedef struct {
    int idx, sent, acked, errors;
    actor_id_t kv;
} writer_t;

static int g_writers_done;

static void writer_send(runtime_t *rt, writer_t *w)
{
    char b[96];
    int n = snprintf(b, sizeof b, "key=w%d/%03d\nvalue=writer %d put %d", w->idx, w->sent, w->idx,
                     w->sent);
    if (actor_send(rt, w->kv, MSG_KV_PUT, b, (size_t)n))
        w->sent++;
}

static bool writer(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    writer_t *w = state;
    if (msg->type == 1) {
        for (int i = 0; i < IN_FLIGHT; i++)
            writer_send(rt, w);
        return true;
    }
    if (msg->type == MSG_KV_OK)
        w->acked++;
    else
        w->errors++;
    if (w->sent < PUTS_EACH)
        writer_send(rt, w);
    if (w->acked + w->errors == PUTS_EACH)
        g_writers_done++;
    return true;
}

static bool writers_done(runtime_t *rt)
{
    (void)rt;
    return g_writers_done == WRITERS;
}

static void test_concurrent_puts(void **st)
{
    fx_t *f = *st;
    writer_t w[WRITERS] = {0};
    g_writers_done = 0;
    for (int i = 0; i < WRITERS; i++) {
        w[i].idx = i;
        w[i].kv = f->kv;
        actor_id_t id = actor_spawn(f->rt, writer, &w[i], NULL, 64);
        actor_send(f->rt, id, 1, NULL, 0);
    }
    assert_true(pump_until(f->rt, writers_done, 20000));
    for (int i = 0; i < WRITERS; i++) {
        assert_int_equal(w[i].acked, PUTS_EACH);
        assert_int_equal(w[i].errors, 0);
    }
    reply_t r = KV(f, MSG_KV_LIST, "prefix=w");
    char want[32];
    snprintf(want, sizeof want, "count=%d\n", WRITERS * PUTS_EACH);
    assert_reply(r, MSG_KV_OK, want);
    reply_free(&r);
    r = KV(f, MSG_KV_GET, "key=w5/059");
    assert_string_equal(r.data, "key=w5/059\nvalue=writer 5 put 59");
    reply_free(&r);
}

/* ---- SQL ----------------------------------------------------------------- */

static void test_sql_round_trip(void **st)
{
    fx_t *f = *st;
    actor_id_t db = actor_lookup(f->rt, "/node/storage/db");
    reply_t r =
        request(f->rt, f->c, db, MSG_DB_QUERY,
                "sql=CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT, score REAL)\n", 70);
    assert_reply(r, MSG_DB_RESULT, "\"rows\":[]");
    reply_free(&r);
    static const char ins[] = "id=q1\nsql=INSERT INTO notes(body, score) VALUES(?, "
                              "?)\nparams=[\"it's; DROP TABLE notes\", 2.5]\n";
    r = request(f->rt, f->c, db, MSG_DB_QUERY, ins, sizeof ins - 1);
    assert_reply(r, MSG_DB_RESULT, "\"id\":\"q1\"");
    assert_non_null(strstr(r.data, "\"changes\":1"));
    assert_non_null(strstr(r.data, "\"last_row_id\":1"));
    reply_free(&r);
    static const char sel[] = "sql=SELECT id, body, score, NULL AS n FROM notes WHERE score > ?\n"
                              "params=[1]\n";
    r = request(f->rt, f->c, db, MSG_DB_QUERY, sel, sizeof sel - 1);
    assert_int_equal(r.type, MSG_DB_RESULT);
    assert_string_equal(r.data,
                        "{\"columns\":[\"id\",\"body\",\"score\",\"n\"],\"rows\":[{\"id\":1,"
                        "\"body\":\"it's; DROP TABLE notes\",\"score\":2.5,\"n\":null}],"
                        "\"changes\":0,\"last_row_id\":1}");
    reply_free(&r);

    struct {
        const char *req;
        const char *err;
    } bad[] = {
        {"sql=SELEC * FROM notes\n", "SQL error: near \"SELEC\": syntax error"},
        {"sql=SELECT 1; SELECT 2\n", "only one statement per query"},
        {"sql=SELECT ?\n", "1 parameter(s) but params has 0"},
        {"sql=SELECT ?\nparams={\"a\":1}\n", "params is not a JSON array"},
        {"sql=SELECT ?\nparams=[[1]]\n", "params[0] is not a number"},
        {"sql=ATTACH DATABASE '/tmp/x.db' AS x\n", "not authorized"},
        {"sql=SELECT * FROM nope\n", "no such table: nope"},
        {"sql=   \n", "sql holds no statement"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = request(f->rt, f->c, db, MSG_DB_QUERY, bad[i].req, strlen(bad[i].req));
        assert_reply(r, MSG_DB_ERROR, bad[i].err);
        reply_free(&r);
    }
    /* The table survived the "injection" and the errors. */
    r = request(f->rt, f->c, db, MSG_DB_QUERY, "sql=SELECT count(*) AS c FROM notes", 35);
    assert_reply(r, MSG_DB_RESULT, "\"rows\":[{\"c\":1}]");
    reply_free(&r);
    /* KV data is not reachable from SQL: the KV store is another file. */
    r = request(f->rt, f->c, db, MSG_DB_QUERY, "sql=SELECT * FROM kv", 20);
    assert_reply(r, MSG_DB_ERROR, "no such table: kv");
    reply_free(&r);
}

/* ---- Durability ------------------------------------------------------ */

static void test_persists_across_restart(void **st)
{
    fx_t *f = *st;
    reply_t r = KV(f, MSG_KV_PUT, "key=keep\nvalue=me");
    assert_int_equal(r.type, MSG_KV_OK);
    reply_free(&r);
    runtime_destroy(f->rt);
    f->rt = runtime_init(1, 64);
    services_config_t cfg = {.data_dir = f->dir, .no_mount_listen = true};
    assert_true(services_start(f->rt, &cfg));
    f->kv = actor_lookup(f->rt, "/node/storage/kv");
    f->c = client_spawn(f->rt);
    r = KV(f, MSG_KV_GET, "key=keep");
    assert_string_equal(r.data, "key=keep\nvalue=me");
    reply_free(&r);
}

static void test_durable_across_sigkill(void **st)
{
    fx_t *f = *st;
    const char *args[] = {"--id",   "5",    "--name", "victim",
                          "--data", f->dir, "--put",  "precious=42 bytes of state",
                          NULL};
    /* The fixture's runtime has the same files open; close it first. */
    runtime_destroy(f->rt);
    f->rt = NULL;
    child_t c = child_start(args);
    char line[256];
    assert_true(child_expect(&c, "PUT-OK", line, sizeof line));
    child_kill(&c, SIGKILL); /* right after the reply: no clean shutdown */
    f->rt = runtime_init(1, 64);
    services_config_t cfg = {.data_dir = f->dir, .no_mount_listen = true};
    assert_true(services_start(f->rt, &cfg));
    f->kv = actor_lookup(f->rt, "/node/storage/kv");
    f->c = client_spawn(f->rt);
    reply_t r = KV(f, MSG_KV_GET, "key=precious");
    assert_string_equal(r.data, "key=precious\nvalue=42 bytes of state");
    reply_free(&r);
}

static void test_one_node_per_data_dir(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    f->rt = NULL;
    const char *args[] = {"--id", "6", "--name", "owner", "--data", f->dir, "--put", "a=b", NULL};
    child_t c = child_start(args);
    char line[256];
    assert_true(child_expect(&c, "PUT-OK", line, sizeof line));
    runtime_t *rt = runtime_init(1, 64);
    services_config_t cfg = {.data_dir = f->dir, .no_mount_listen = true};
    assert_false(services_start(rt, &cfg));
    assert_error_mentions("locked");
    runtime_destroy(rt);
    child_kill(&c, SIGTERM);
}

/* The whole file at `path` (caller frees); *len its size. */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    unsigned char *data = malloc((size_t)n + 1);
    assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return data;
}

/* Regression (issue 13): a kv.sqlite3 with 50 x 64 bytes overwritten in
 * the middle was served silently, damaged values returned as OK. Now the
 * open-time quick_check refuses it with a clear reason and leaves every
 * byte of the file as it was. The damage is deterministic: 64-byte runs
 * of 0xA5 at the start of ten pages in the middle (page headers and cell
 * pointers, which a structure check must notice). */
static void test_damaged_store_is_refused_and_kept(void **st)
{
    fx_t *f = *st;
    char req[300];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(req, sizeof req, "key=k%04d\nvalue=", i);
        memset(req + n, 'a' + i % 26, 200);
        assert_true(mk_send_from(f->rt, f->c, f->kv, MSG_KV_PUT, req, (size_t)n + 200));
        if (i % 200 == 199) {
            assert_true(pump_replies(f->rt, 200, 10000));
            for (int k = 0; k < 200; k++) {
                reply_t r = take_reply();
                assert_int_equal(r.type, MSG_KV_OK);
                reply_free(&r);
            }
        }
    }
    reply_t r = KV(f, MSG_KV_CHECK, "id=c1\n");
    assert_reply(r, MSG_KV_OK, "id=c1\nkv=ok\ndb=ok\n");
    reply_free(&r);
    runtime_destroy(f->rt); /* closes (and checkpoints) the store */
    f->rt = NULL;

    char path[512];
    snprintf(path, sizeof path, "%s/kv.sqlite3", f->dir);
    size_t len;
    unsigned char *data = read_file(path, &len);
    size_t page = (size_t)data[16] << 8 | data[17]; /* header: page size, big-endian */
    if (page == 1)
        page = 65536;
    size_t pages = len / page;
    assert_true(pages >= 20); /* enough pages to damage some in the middle */
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    unsigned char junk[64];
    memset(junk, 0xA5, sizeof junk);
    for (size_t i = 0; i < 50; i++) {
        size_t off = (pages / 2 - 5 + i / 5) * page + (i % 5) * 64;
        assert_int_equal(fseek(fp, (long)off, SEEK_SET), 0);
        assert_int_equal(fwrite(junk, 1, sizeof junk, fp), sizeof junk);
        memcpy(data + off, junk, sizeof junk);
    }
    fclose(fp);

    f->rt = runtime_init(1, 64);
    services_config_t cfg = {.data_dir = f->dir, .no_mount_listen = true};
    assert_false(services_start(f->rt, &cfg));
    assert_error_mentions("kv.sqlite3 is damaged (PRAGMA quick_check");
    assert_error_mentions("refusing to serve it; the file is left as it is");
    assert_int_equal(actor_lookup(f->rt, "/node/storage/kv"), ACTOR_ID_INVALID);

    size_t len2;
    unsigned char *after = read_file(path, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(after, data, len);
    free(after);
    free(data);
}

/* Regression (issue 13): a 0-byte kv.sqlite3 is an error, not an empty
 * store (SQLite alone would take it for a new database and write to it). */
static void test_empty_store_file_is_an_error(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    f->rt = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/kv.sqlite3", f->dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fclose(fp);
    f->rt = runtime_init(1, 64);
    services_config_t cfg = {.data_dir = f->dir, .no_mount_listen = true};
    assert_false(services_start(f->rt, &cfg));
    assert_error_mentions("kv.sqlite3 is empty (0 bytes), not a SQLite database");
    size_t len;
    free(read_file(path, &len));
    assert_int_equal(len, 0);
}

static void test_bad_data_dir(void **st)
{
    (void)st;
    runtime_t *rt = runtime_init(1, 16);
    services_config_t cfg = {.data_dir = "/proc/definitely/not/here", .no_mount_listen = true};
    assert_false(services_start(rt, &cfg));
    assert_error_mentions("cannot create /proc/definitely");
    /* Nothing half-started stays registered. */
    assert_int_equal(actor_lookup(rt, "ns"), ACTOR_ID_INVALID);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cached_value_follows_puts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_puts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sql_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persists_across_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durable_across_sigkill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_node_per_data_dir, setup, teardown),
        cmocka_unit_test(test_bad_data_dir),
        cmocka_unit_test_setup_teardown(test_damaged_store_is_refused_and_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_store_file_is_an_error, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
