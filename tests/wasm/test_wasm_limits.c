/*
 * test_wasm_limits.c -- what a module or a module file can cost the node
 * (issue 13): modules past the module limits (function count, code bytes,
 * module bytes, locals, types, table elements) are refused with the limit
 * named, table.grow stops at max_table_elems, the limits
 * are configurable, and a module "file" that is a FIFO without a writer, a
 * directory or an oversized file is refused at once by spawn and reload
 * ("not a regular file") instead of blocking the node's thread. Modules are
 * generated here, not committed.
 */
#include "wasm_test_util.h"

#include <signal.h>
#include <sys/stat.h>

static int setup(void **state)
{
    (void)state;
    assert_true(wasm_actors_init());
    /* a test that would block on a FIFO fails by SIGALRM instead of hanging */
    alarm(60);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    alarm(0);
    wasm_module_limits_t d;
    wasm_module_limits_default(&d);
    assert_true(wasm_actors_set_module_limits(&d));
    wasm_actors_cleanup();
    return 0;
}

/* ---- a tiny module writer ---- */

typedef struct {
    uint8_t *p;
    size_t n, cap;
} wbuf_t;

static void put(wbuf_t *b, uint8_t x)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    b->p[b->n++] = x;
}

static void put_bytes(wbuf_t *b, const void *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(b, ((const uint8_t *)src)[i]);
}

static void leb(wbuf_t *b, uint64_t v)
{
    do {
        uint8_t x = v & 0x7F;
        v >>= 7;
        if (v)
            x |= 0x80;
        put(b, x);
    } while (v);
}

/* Append section `id` holding `s`, and empty `s`. */
static void section(wbuf_t *m, uint8_t id, wbuf_t *s)
{
    put(m, id);
    leb(m, s->n);
    put_bytes(m, s->p, s->n);
    s->n = 0;
}

typedef struct {
    uint32_t extra_types;  /* distinct types beyond the two used */
    uint32_t empty_funcs;  /* functions with an empty body */
    uint32_t body_ops;     /* (i32.const 1, drop) pairs in one extra function */
    uint32_t locals;       /* i32 locals of handle_message */
    uint32_t custom_bytes; /* bytes of a custom section */
    uint32_t table_min;    /* a funcref table of this many elements (0: none) */
} gen_t;

/* A valid module exporting handle_message (returns 1) plus what `g` asks. */
static wbuf_t gen_module(const gen_t *g)
{
    wbuf_t m = {0}, s = {0};
    static const uint8_t head[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    put_bytes(&m, head, 8);
    /* types: 0 = () -> (), 1 = handle_message, then distinct (i32 x k) -> () */
    leb(&s, 2 + (uint64_t)g->extra_types);
    put(&s, 0x60), put(&s, 0), put(&s, 0);
    static const uint8_t hm[] = {0x60, 4, 0x7F, 0x7E, 0x7F, 0x7F, 1, 0x7F};
    put_bytes(&s, hm, sizeof hm);
    for (uint32_t k = 0; k < g->extra_types; k++) {
        /* params: k in base 4 over i32 i64 f32 f64, 10 digits: all distinct */
        put(&s, 0x60);
        leb(&s, 10);
        for (uint32_t d = 0, v = k; d < 10; d++, v /= 4)
            put(&s, (uint8_t)(0x7F - v % 4));
        put(&s, 0);
    }
    section(&m, 1, &s);
    uint32_t nf = 1 + g->empty_funcs + (g->body_ops ? 1 : 0);
    leb(&s, nf);
    put(&s, 1);
    for (uint32_t i = 1; i < nf; i++)
        put(&s, 0);
    section(&m, 3, &s);
    if (g->table_min) {
        leb(&s, 1);
        put(&s, 0x70), put(&s, 0);
        leb(&s, g->table_min);
        section(&m, 4, &s);
    }
    leb(&s, 1);
    leb(&s, 14);
    put_bytes(&s, "handle_message", 14);
    put(&s, 0), put(&s, 0);
    section(&m, 7, &s);
    leb(&s, nf);
    wbuf_t body = {0};
    if (g->locals) {
        leb(&body, 1);
        leb(&body, g->locals);
        put(&body, 0x7F);
    } else {
        leb(&body, 0);
    }
    put(&body, 0x41), put(&body, 1), put(&body, 0x0B);
    leb(&s, body.n);
    put_bytes(&s, body.p, body.n);
    free(body.p);
    for (uint32_t i = 0; i < g->empty_funcs; i++)
        put(&s, 2), put(&s, 0), put(&s, 0x0B);
    if (g->body_ops) {
        leb(&s, 2 + 3 * (uint64_t)g->body_ops);
        put(&s, 0);
        for (uint32_t i = 0; i < g->body_ops; i++)
            put(&s, 0x41), put(&s, 1), put(&s, 0x1A);
        put(&s, 0x0B);
    }
    section(&m, 10, &s);
    if (g->custom_bytes) {
        leb(&s, 4);
        put_bytes(&s, "junk", 4);
        for (uint32_t i = 0; i < g->custom_bytes; i++)
            put(&s, 0);
        section(&m, 0, &s);
    }
    free(s.p);
    return m;
}

/* Spawn `g`'s module: the ID, or ACTOR_ID_INVALID with the reason set. */
static actor_id_t spawn_gen(runtime_t *rt, const gen_t *g)
{
    wbuf_t m = gen_module(g);
    actor_id_t id = actor_spawn_wasm(rt, m.p, m.n, 16, 0, 0, FIBER_STACK_NONE);
    free(m.p);
    return id;
}

static void module_of_1m_functions_is_refused_naming_max_funcs(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    gen_t g = {.empty_funcs = 999999}; /* and handle_message: 1M functions */
    assert_int_equal(spawn_gen(rt, &g), ACTOR_ID_INVALID);
    assert_error_mentions("1000000 functions over the limit max_funcs = 20000");
    /* the same shape within the limit spawns */
    g.empty_funcs = WASM_MODULE_MAX_FUNCS_DEFAULT - 1;
    assert_int_not_equal(spawn_gen(rt, &g), ACTOR_ID_INVALID);
    runtime_destroy(rt);
}

static void each_module_limit_is_named_with_its_value(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    gen_t code = {.body_ops = WASM_MODULE_MAX_CODE_BYTES_DEFAULT / 3 + 10};
    assert_int_equal(spawn_gen(rt, &code), ACTOR_ID_INVALID);
    assert_error_mentions("over the limit max_code_bytes = 4194304");
    gen_t bytes = {.custom_bytes = WASM_MODULE_MAX_BYTES_DEFAULT};
    assert_int_equal(spawn_gen(rt, &bytes), ACTOR_ID_INVALID);
    assert_error_mentions("over the limit max_module_bytes = 8388608");
    gen_t locals = {.locals = WASM_MODULE_MAX_LOCALS_DEFAULT + 1};
    assert_int_equal(spawn_gen(rt, &locals), ACTOR_ID_INVALID);
    assert_error_mentions("10005 locals over the limit max_locals = 10000");
    gen_t types = {.extra_types = WASM_MODULE_MAX_TYPES_DEFAULT};
    assert_int_equal(spawn_gen(rt, &types), ACTOR_ID_INVALID);
    assert_error_mentions("10002 types over the limit max_types = 10000");
    types.extra_types = WASM_MODULE_MAX_TYPES_DEFAULT - 2; /* 10,000 distinct types: fine */
    assert_int_not_equal(spawn_gen(rt, &types), ACTOR_ID_INVALID);
    runtime_destroy(rt);
}

static void module_limits_are_configurable(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    assert_false(wasm_actors_set_module_limits(NULL));
    wasm_module_limits_t lim;
    wasm_actors_module_limits(&lim);
    assert_int_equal(lim.max_funcs, WASM_MODULE_MAX_FUNCS_DEFAULT);
    lim.max_funcs = 5;
    assert_true(wasm_actors_set_module_limits(&lim));
    gen_t g = {.empty_funcs = 5};
    assert_int_equal(spawn_gen(rt, &g), ACTOR_ID_INVALID);
    assert_error_mentions("6 functions over the limit max_funcs = 5");
    g.empty_funcs = 4;
    actor_id_t a = spawn_gen(rt, &g);
    assert_int_not_equal(a, ACTOR_ID_INVALID);
    /* reload and factory args obey them too */
    g.empty_funcs = 5;
    wbuf_t m = gen_module(&g);
    assert_int_equal(actor_reload_wasm(rt, a, m.p, m.n, NULL), RELOAD_ERR_MODULE_LOAD);
    assert_error_mentions("max_funcs = 5");
    assert_null(wasm_factory_arg_create(m.p, m.n, 0, 0, FIBER_STACK_NONE));
    assert_error_mentions("max_funcs = 5");
    free(m.p);
    runtime_destroy(rt);
}

static void tables_are_bounded_by_max_table_elems(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    gen_t g = {.table_min = WASM_MODULE_MAX_TABLE_ELEMS_DEFAULT + 1};
    assert_int_equal(spawn_gen(rt, &g), ACTOR_ID_INVALID);
    assert_error_mentions("65537 elements over the limit max_table_elems = 65536");
    g.table_min = WASM_MODULE_MAX_TABLE_ELEMS_DEFAULT;
    assert_int_not_equal(spawn_gen(rt, &g), ACTOR_ID_INVALID);
    /* table.grow stops there too: 10 + 65526 fits, one more does not */
    static probe_t probe;
    memset(&probe, 0, sizeof probe);
    actor_id_t t = actor_spawn_wasm_file(rt, MODULE("tablegrow.wasm"), 16, 0, 64, FIBER_STACK_NONE);
    assert_int_not_equal(t, ACTOR_ID_INVALID);
    actor_id_t p = actor_spawn(rt, probe_behavior, &probe, NULL, 16);
    uint32_t n = WASM_MODULE_MAX_TABLE_ELEMS_DEFAULT - 10 + 1;
    probe_send(rt, p, t, 800, &n, 4);
    runtime_run(rt);
    n = WASM_MODULE_MAX_TABLE_ELEMS_DEFAULT - 10;
    probe_send(rt, p, t, 800, &n, 4);
    runtime_run(rt);
    assert_int_equal(probe.n, 2);
    assert_int_equal(rec_i32(&probe.recs[0], 0), -1);
    assert_int_equal(rec_i32(&probe.recs[1], 0), 10);
    runtime_destroy(rt);
}

/* ---- module files ---- */

typedef struct {
    char dir[64];
    char path[128];
} tmp_t;

static void tmp_make(tmp_t *t, const char *name)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/mk-wasm-limits-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof t->path, "%s/%s", t->dir, name);
}

static void tmp_remove(tmp_t *t)
{
    unlink(t->path);
    rmdir(t->path); /* when it was a directory */
    assert_int_equal(rmdir(t->dir), 0);
}

static void load_of_a_fifo_without_writer_fails_at_once(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    tmp_t t;
    tmp_make(&t, "mod.wasm");
    assert_int_equal(mkfifo(t.path, 0600), 0);
    /* before the fix, open() waited for a writer forever (SIGALRM ends it) */
    assert_int_equal(actor_spawn_wasm_file(rt, t.path, 16, 0, 0, FIBER_STACK_NONE),
                     ACTOR_ID_INVALID);
    assert_error_mentions("not a regular file");
    assert_error_mentions(t.path);
    actor_id_t a = actor_spawn_wasm_file(rt, EXAMPLE("echo.wasm"), 16, 0, 0, FIBER_STACK_NONE);
    assert_int_not_equal(a, ACTOR_ID_INVALID);
    assert_false(actor_reload_wasm_file(rt, a, t.path));
    assert_error_mentions("not a regular file");
    tmp_remove(&t);
    runtime_destroy(rt);
}

static void directories_and_oversized_files_are_refused(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 16);
    tmp_t t;
    tmp_make(&t, "dir.wasm");
    assert_int_equal(mkdir(t.path, 0700), 0);
    assert_int_equal(actor_spawn_wasm_file(rt, t.path, 16, 0, 0, FIBER_STACK_NONE),
                     ACTOR_ID_INVALID);
    assert_error_mentions("not a regular file");
    tmp_remove(&t);
    /* a sparse file one byte over the limit: refused from its size alone */
    tmp_make(&t, "big.wasm");
    FILE *f = fopen(t.path, "wb");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)WASM_MODULE_MAX_BYTES_DEFAULT + 1), 0);
    fclose(f);
    assert_int_equal(actor_spawn_wasm_file(rt, t.path, 16, 0, 0, FIBER_STACK_NONE),
                     ACTOR_ID_INVALID);
    assert_error_mentions("8388609 bytes, over the limit max_module_bytes = 8388608");
    tmp_remove(&t);
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(module_of_1m_functions_is_refused_naming_max_funcs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(each_module_limit_is_named_with_its_value, setup, teardown),
        cmocka_unit_test_setup_teardown(module_limits_are_configurable, setup, teardown),
        cmocka_unit_test_setup_teardown(tables_are_bounded_by_max_table_elems, setup, teardown),
        cmocka_unit_test_setup_teardown(load_of_a_fifo_without_writer_fails_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(directories_and_oversized_files_are_refused, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
