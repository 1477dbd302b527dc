/*
 * test_mcu_bounded.c -- the bounded memory mode of the microcontroller
 * image (issue 19, docs/mcu.md "Memory model") built and run on Linux.
 * The runtime here is compiled exactly as in the image (MK_BOUNDED,
 * mcu/sources.cmake) and runs the image's boot smoke suite (mcu/smoke.c).
 * Proofs: after init neither the allocator hooks (mk_set_allocator) nor
 * the C library's malloc family (wrapped at link time) are called; a full
 * arena is an error with a reason, never a crash; each per-kind pool
 * (messages, mailboxes, WASM memories, engine stacks) refuses on its own
 * with its name in mk_last_error(); without an arena the bounded build
 * refuses to start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include "core/alloc_internal.h"
#include "microkernel/actor.h"
#include "microkernel/alloc.h"
#include "microkernel/error.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/wasm_actor.h"
#include "modules.h"
#include "smoke.h"

/* ---- counting: the allocator hooks and the C library --------------- */

static volatile unsigned long hook_calls; /* calls of the installed mk_allocator_t */
static volatile unsigned long libc_calls; /* calls to malloc & co from the runtime's objects */

static void *hook_malloc(size_t n)
{
    hook_calls++;
    return malloc(n);
}

static void *hook_calloc(size_t c, size_t n)
{
    hook_calls++;
    return calloc(c, n);
}

static void *hook_realloc(void *p, size_t n)
{
    hook_calls++;
    return realloc(p, n);
}

static void hook_free(void *p)
{
    hook_calls++;
    free(p);
}

static const mk_allocator_t counting = {hook_malloc, hook_calloc, hook_realloc, hook_free};

/* The link wraps these (tests/mcu/CMakeLists.txt): calls from every object
 * of this program land here, counted, then go to the C library. The hooks
 * above call the C library too, and are counted there as well. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t c, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t c, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);

void *__wrap_malloc(size_t n)
{
    libc_calls++;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t c, size_t n)
{
    libc_calls++;
    return __real_calloc(c, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    libc_calls++;
    return __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    libc_calls++;
    return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    libc_calls++;
    return __real_strndup(s, n);
}

int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
    libc_calls++;
    return __real_posix_memalign(p, a, n);
}

void *__wrap_aligned_alloc(size_t a, size_t n)
{
    libc_calls++;
    return __real_aligned_alloc(a, n);
}

/* The arena: 1 MiB, about what the QEMU image has (1,035,808 bytes). */
static _Alignas(64) unsigned char arena_buf[1u << 20];

static int teardown(void **state)
{
    (void)state;
    mk_arena_release();
    mk_set_allocator(NULL);
    return 0;
}

/* ---- the proofs ------------------------------------------------------ */

/* The whole boot suite (ping-pong, timers, names, supervision, mailbox
 * backpressure, WASM echo/sleep/fuel/reload, arena exhaustion) runs with
 * zero calls to the allocator hooks or the C library's malloc after init,
 * while the arena serves its allocations; at the end everything is back. */
static void test_smoke_run_allocates_nothing_after_init(void **state)
{
    (void)state;
    /* The wrap sees this program's calls (so it would see the runtime's); the
     * counters are volatile: the compiler assumes malloc touches no globals. */
    unsigned long seen = libc_calls;
    void *volatile probe = malloc(16);
    free(probe);
    assert_int_equal(libc_calls, seen + 1);

    mk_set_allocator(&counting);
    assert_true(mk_arena_init(arena_buf, sizeof arena_buf));
    runtime_t *rt = runtime_init(1, 16);
    assert_non_null(rt);
    assert_true(wasm_actors_init());

    unsigned long hooks0 = hook_calls, libc0 = libc_calls;
    mk_arena_stats_t before, after;
    assert_true(mk_arena_stats(&before));
    mcu_smoke_result_t r = mcu_smoke_run(rt);
    assert_true(mk_arena_stats(&after));
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.passed, 10);
    assert_int_equal(hook_calls - hooks0, 0);
    assert_int_equal(libc_calls - libc0, 0);
    assert_int_equal(hook_calls, 0); /* nor during init: the arena is the caller's */
    /* Not vacuous: the suite did allocate, from the arena, and filled it. */
    assert_true(after.allocs > before.allocs + 100);
    assert_true(after.refused > 0);

    runtime_destroy(rt);
    wasm_actors_cleanup();
    assert_true(mk_arena_stats(&after));
    assert_int_equal(after.in_use, 0); /* every block came back */
    assert_int_equal(hook_calls, 0);
    assert_true(mk_arena_release());
}

static bool idle(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)st;
    return true;
}

static int delivered;

static bool counter(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    (void)rt;
    (void)self;
    (void)msg;
    (void)st;
    delivered++;
    return true;
}

/* Every kind in the general region (per-kind pools of 0 bytes). */
static const mk_arena_layout_t shared_layout = {0, 0, 0, 0};

/* A full arena refuses with a reason and loses nothing; room comes back
 * when blocks are freed. Here every kind shares the general region. */
static void test_exhaustion_is_an_error(void **state)
{
    (void)state;
    static _Alignas(64) unsigned char small[64 * 1024];
    /* The configured pools do not fit 64 KiB: mk_arena_init says no. */
    assert_false(mk_arena_init(small, sizeof small));
    assert_true(mk_arena_init_layout(small, sizeof small, &shared_layout));
    runtime_t *rt = runtime_init(1, 16);
    assert_non_null(rt);
    assert_true(wasm_actors_init());

    /* echo.wasm needs 128 KiB of linear memory: more than the arena. */
    const mcu_module_t *m = mcu_module_find("echo.wasm");
    assert_non_null(m);
    mk_arena_stats_t st;
    assert_true(mk_arena_stats(&st));
    size_t in_use = st.in_use;
    unsigned long refused = st.refused;
    assert_int_equal(actor_spawn_wasm(rt, m->bytes, m->len, 4, 0, 0, FIBER_STACK_NONE),
                     ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "out of memory"));
    assert_true(mk_arena_stats(&st));
    assert_true(st.refused > refused);
    assert_int_equal(st.in_use, in_use); /* the failed spawn gave back what it took */

    /* A mailbox larger than the arena. */
    assert_int_equal(actor_spawn(rt, idle, NULL, NULL, 100000), ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "out of memory"));

    /* Messages of 4000 bytes until the arena is full: a send fails with a
     * reason, the messages already queued are all delivered, and sending
     * works again afterwards. */
    actor_id_t a = actor_spawn(rt, counter, NULL, NULL, 1000);
    assert_int_not_equal(a, ACTOR_ID_INVALID);
    static char payload[4000];
    int sent = 0;
    delivered = 0;
    while (sent < 1000 && actor_send(rt, a, 10, payload, sizeof payload))
        sent++;
    assert_true(sent > 0 && sent < 1000);
    assert_non_null(strstr(mk_last_error(), "out of memory"));
    assert_true(mk_arena_stats(&st));
    assert_true(st.refused > refused);
    runtime_run(rt);
    assert_int_equal(delivered, sent); /* nothing queued was lost */
    assert_true(actor_send(rt, a, 10, payload, sizeof payload));
    runtime_run(rt);
    assert_int_equal(delivered, sent + 1);

    runtime_destroy(rt);
    wasm_actors_cleanup();
    assert_true(mk_arena_stats(&st));
    assert_int_equal(st.in_use, 0);
    assert_true(mk_arena_release());

    /* An arena too small for the runtime itself: runtime_init says so. */
    static _Alignas(64) unsigned char tiny[2048];
    assert_true(mk_arena_init_layout(tiny, sizeof tiny, &shared_layout));
    assert_null(runtime_init(1, 16));
    assert_non_null(strstr(mk_last_error(), "out of memory"));
}

/* The bounded build never falls back to the system allocator. */
static void test_no_arena_is_refused(void **state)
{
    (void)state;
    mk_set_allocator(&counting);
    unsigned long hooks0 = hook_calls;
    assert_null(runtime_init(1, 16));
    assert_non_null(strstr(mk_last_error(), "mk_arena_init"));
    assert_int_equal(hook_calls, hooks0);
    assert_false(mk_arena_init(NULL, 4096));
    assert_false(mk_arena_init(arena_buf, 512)); /* under 1 KiB */
    assert_true(mk_arena_init(arena_buf, sizeof arena_buf));
    assert_false(mk_arena_init(arena_buf, sizeof arena_buf)); /* one at a time */
}

/* The arena as an allocator: alignment, sizes across pools and region,
 * realloc keeping the bytes, and every byte back at the end. */
static void test_arena_blocks(void **state)
{
    (void)state;
    assert_true(mk_arena_init_layout(arena_buf + 3, 200000, &shared_layout)); /* unaligned */
    mk_arena_stats_t st;
    void *p[64];
    for (int i = 0; i < 64; i++) {
        size_t n = (size_t)1 << (i % 12);
        p[i] = mk_malloc(n);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % _Alignof(max_align_t), 0);
        memset(p[i], i, n);
    }
    assert_false(mk_arena_release()); /* blocks still out */
    for (int i = 0; i < 64; i++) {
        size_t n = (size_t)1 << (i % 12);
        unsigned char *q = mk_realloc(p[i], n * 2 + 7);
        assert_non_null(q);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(q[k], (unsigned char)i);
        p[i] = q;
    }
#if defined(__SANITIZE_ADDRESS__)
    /* Under ASan the arena poisons what is free: a use after free or an
     * overflow inside it is still reported. */
    unsigned char *big = mk_malloc(1000);
    assert_false(__asan_address_is_poisoned(big + 999));
    assert_true(__asan_address_is_poisoned(big + 1000)); /* past the bytes asked for */
    mk_free(big);
    assert_true(__asan_address_is_poisoned(big + 100));
    unsigned char *small = mk_malloc(40); /* a pool block */
    mk_free(small);
    assert_true(__asan_address_is_poisoned(small + 20));
#endif
    for (int i = 0; i < 64; i += 2)
        mk_free(p[i]);
    for (int i = 1; i < 64; i += 2)
        mk_free(p[i]);
    assert_true(mk_arena_stats(&st));
    assert_int_equal(st.in_use, 0);
    assert_true(st.largest_free + 1024 > st.size - st.pool_bytes);
    assert_true(mk_arena_release());
}

/* ---- the per-kind pools ---------------------------------------------- */

#define MSG_PING 200u /* echo protocol of examples/wasm/echo.c */
#define MSG_PONG 201u
#define MSG_ASK  300u

typedef struct {
    actor_id_t target;
    int pongs;
} asker_t;

/* Sends a ping to its target on MSG_ASK; counts the pongs. */
static bool asker(runtime_t *rt, actor_t *self, message_t *msg, void *st)
{
    (void)self;
    asker_t *a = st;
    if (msg->type == MSG_ASK)
        actor_send(rt, a->target, MSG_PING, NULL, 0);
    else if (msg->type == MSG_PONG)
        a->pongs++;
    return true;
}

/* An arena with small pools of its own per kind (bytes). */
static const mk_arena_layout_t small_pools = {
    .messages = 8192,
    .mailboxes = 4096,
    .wasm_memory = 65536 + 16, /* exactly one page with its block header */
    .wasm_stacks = 16384,
};

static void pool_stats(mk_pool_kind_t kind, mk_arena_pool_stats_t *out)
{
    assert_true(mk_arena_pool_stats(kind, out));
}

/* The mailbox pool: actors until it is full, an error naming it, nothing
 * else refused, room back after stopping them. */
static void test_mailbox_pool_exhaustion_names_the_pool(void **state)
{
    (void)state;
    assert_true(mk_arena_init_layout(arena_buf, 256 * 1024, &small_pools));
    runtime_t *rt = runtime_init(1, 64);
    assert_non_null(rt);
    mk_arena_pool_stats_t mb, gen;
    pool_stats(MK_POOL_MAILBOXES, &mb);
    assert_int_equal(mb.size, 4096);
    actor_id_t ids[64];
    int n = 0;
    while (n < 64 && (ids[n] = actor_spawn(rt, idle, NULL, NULL, 16)) != ACTOR_ID_INVALID)
        n++;
    assert_true(n > 0 && n < 64);
    assert_non_null(strstr(mk_last_error(), "mailbox pool full"));
    assert_non_null(strstr(mk_last_error(), "MK_BOUNDED_MAILBOX_POOL_BYTES 4096"));
    pool_stats(MK_POOL_MAILBOXES, &mb);
    pool_stats(MK_POOL_GENERAL, &gen);
    assert_int_equal(mb.refused, 1);
    assert_int_equal(gen.refused, 0); /* it did not spill into the general region */
    assert_true(mb.peak <= mb.size);
    for (int i = 0; i < n; i++)
        actor_stop(rt, ids[i]);
    runtime_run(rt);
    pool_stats(MK_POOL_MAILBOXES, &mb);
    assert_int_equal(mb.in_use, 0);
    actor_id_t again = actor_spawn(rt, idle, NULL, NULL, 16);
    assert_int_not_equal(again, ACTOR_ID_INVALID);
    runtime_destroy(rt);
    mk_arena_stats_t st;
    assert_true(mk_arena_stats(&st));
    assert_int_equal(st.in_use, 0);
    assert_true(mk_arena_release());
}

/* The message pool: sends until it is full, an error naming it, every
 * queued message delivered, sending works again. */
static void test_message_pool_exhaustion_names_the_pool(void **state)
{
    (void)state;
    assert_true(mk_arena_init_layout(arena_buf, 256 * 1024, &small_pools));
    runtime_t *rt = runtime_init(1, 16);
    assert_non_null(rt);
    actor_id_t a = actor_spawn(rt, counter, NULL, NULL, 256);
    assert_int_not_equal(a, ACTOR_ID_INVALID);
    static char payload[1000];
    int sent = 0;
    delivered = 0;
    while (sent < 256 && actor_send(rt, a, 10, payload, sizeof payload))
        sent++;
    assert_true(sent > 0 && sent < 256);
    assert_non_null(strstr(mk_last_error(), "message pool full"));
    mk_arena_pool_stats_t msgs, gen;
    pool_stats(MK_POOL_MESSAGES, &msgs);
    pool_stats(MK_POOL_GENERAL, &gen);
    assert_true(msgs.refused > 0);
    assert_int_equal(gen.refused, 0);
    assert_true(msgs.peak <= 8192);
    runtime_run(rt);
    assert_int_equal(delivered, sent); /* nothing queued was lost */
    assert_true(actor_send(rt, a, 10, payload, sizeof payload));
    runtime_run(rt);
    assert_int_equal(delivered, sent + 1);
    runtime_destroy(rt);
    mk_arena_stats_t st;
    assert_true(mk_arena_stats(&st));
    assert_int_equal(st.in_use, 0);
    assert_true(mk_arena_release());
}

/* The WASM memory pool holds one page: an actor with a 64 KiB memory
 * (echo.wat) answers; a second one is refused naming the pool; an actor
 * without linear memory (echo_nomem.wat) still spawns and answers. */
static void test_wasm_memory_pool_exhaustion_names_the_pool(void **state)
{
    (void)state;
    assert_true(mk_arena_init_layout(arena_buf, 256 * 1024, &small_pools));
    runtime_t *rt = runtime_init(1, 16);
    assert_non_null(rt);
    assert_true(wasm_actors_init());
    const mcu_module_t *wat = mcu_module_find("echo_wat.wasm");
    const mcu_module_t *nomem = mcu_module_find("echo_nomem.wasm");
    assert_non_null(wat);
    assert_non_null(nomem);
    actor_id_t e1 = actor_spawn_wasm(rt, wat->bytes, wat->len, 8, 0, 0, FIBER_STACK_NONE);
    assert_int_not_equal(e1, ACTOR_ID_INVALID);
    assert_int_equal(actor_spawn_wasm(rt, wat->bytes, wat->len, 8, 0, 0, FIBER_STACK_NONE),
                     ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "WASM memory pool full"));
    actor_id_t e2 = actor_spawn_wasm(rt, nomem->bytes, nomem->len, 8, 0, 0, FIBER_STACK_NONE);
    assert_int_not_equal(e2, ACTOR_ID_INVALID);
    asker_t q1 = {e1, 0}, q2 = {e2, 0};
    actor_id_t a1 = actor_spawn(rt, asker, &q1, NULL, 8);
    actor_id_t a2 = actor_spawn(rt, asker, &q2, NULL, 8);
    assert_true(actor_send(rt, a1, MSG_ASK, NULL, 0));
    assert_true(actor_send(rt, a2, MSG_ASK, NULL, 0));
    runtime_run(rt);
    assert_int_equal(q1.pongs, 1);
    assert_int_equal(q2.pongs, 1);
    mk_arena_pool_stats_t mem, gen;
    pool_stats(MK_POOL_WASM_MEMORY, &mem);
    pool_stats(MK_POOL_GENERAL, &gen);
    assert_int_equal(mem.refused, 1);
    assert_int_equal(gen.refused, 0);
    assert_int_equal(mem.in_use, 65536 + 16);
    actor_stop(rt, e1);
    runtime_run(rt);
    pool_stats(MK_POOL_WASM_MEMORY, &mem);
    assert_int_equal(mem.in_use, 0);
    e1 = actor_spawn_wasm(rt, wat->bytes, wat->len, 8, 0, 0, FIBER_STACK_NONE);
    assert_int_not_equal(e1, ACTOR_ID_INVALID);
    runtime_destroy(rt);
    wasm_actors_cleanup();
    mk_arena_stats_t st;
    assert_true(mk_arena_stats(&st));
    assert_int_equal(st.in_use, 0);
    assert_true(mk_arena_release());
}

/* A WASM stack pool too small for one engine stack: the call traps (the
 * actor stops with a reason), the pool counts the refusal, the runtime
 * and its other actors go on. */
static char trap_line[256]; /* the first log line naming a trap */
static void keep_trap_line(const char *line, void *ctx)
{
    (void)ctx;
    if (!trap_line[0] && strstr(line, "call stack exhausted"))
        snprintf(trap_line, sizeof trap_line, "%s", line);
}

static void test_wasm_stack_pool_exhaustion_traps_not_crashes(void **state)
{
    (void)state;
    trap_line[0] = '\0';
    mk_arena_layout_t tiny_stacks = small_pools;
    tiny_stacks.wasm_stacks = 256;
    assert_true(mk_arena_init_layout(arena_buf, 256 * 1024, &tiny_stacks));
    runtime_t *rt = runtime_init(1, 16);
    assert_non_null(rt);
    runtime_set_log_sink(rt, keep_trap_line, NULL);
    assert_true(wasm_actors_init());
    const mcu_module_t *nomem = mcu_module_find("echo_nomem.wasm");
    assert_non_null(nomem);
    actor_id_t e = actor_spawn_wasm(rt, nomem->bytes, nomem->len, 8, 0, 0, FIBER_STACK_NONE);
    assert_int_not_equal(e, ACTOR_ID_INVALID);
    asker_t q = {e, 0};
    actor_id_t a = actor_spawn(rt, asker, &q, NULL, 8);
    assert_true(actor_send(rt, a, MSG_ASK, NULL, 0));
    runtime_run(rt);
    assert_int_equal(q.pongs, 0);
    assert_false(actor_is_alive(rt, e));
    mk_arena_pool_stats_t stk;
    pool_stats(MK_POOL_WASM_STACKS, &stk);
    assert_true(stk.refused > 0);
    assert_string_equal(stk.name, "WASM stack pool");
    /* The trap names the full pool, not just "call stack exhausted". */
    if (!strstr(trap_line, "WASM stack pool full"))
        fail_msg("trap line does not name the pool: \"%s\"", trap_line);
    /* The rest of the runtime goes on. */
    delivered = 0;
    actor_id_t c = actor_spawn(rt, counter, NULL, NULL, 8);
    assert_true(actor_send(rt, c, 10, "x", 1));
    runtime_run(rt);
    assert_int_equal(delivered, 1);
    runtime_destroy(rt);
    wasm_actors_cleanup();
    mk_arena_stats_t st;
    assert_true(mk_arena_stats(&st));
    assert_int_equal(st.in_use, 0);
    assert_true(mk_arena_release());
}

/* A block stays in the pool of its kind when it grows (a linear memory's
 * memory.grow): past the pool it is refused and the old block is kept. */
static void test_realloc_stays_in_its_pool(void **state)
{
    (void)state;
    assert_true(mk_arena_init_layout(arena_buf, 256 * 1024, &small_pools));
    mk_arena_pool_stats_t mem, gen0, gen1;
    pool_stats(MK_POOL_GENERAL, &gen0);
    unsigned char *p = mk_calloc_in(MK_POOL_WASM_MEMORY, 1, 100);
    assert_non_null(p);
    memset(p, 7, 100);
    p = mk_realloc_in(MK_POOL_WASM_MEMORY, p, 40000);
    assert_non_null(p);
    assert_int_equal(p[99], 7);
    pool_stats(MK_POOL_WASM_MEMORY, &mem);
    pool_stats(MK_POOL_GENERAL, &gen1);
    assert_int_equal(mem.in_use, 40000 + 16);
    assert_int_equal(gen1.in_use, gen0.in_use); /* nothing in the general region */
    /* The kind argument does not move a block: mk_realloc grows it in place. */
    unsigned char *q = mk_realloc(p, 60000);
    assert_ptr_equal(q, p);
    assert_null(mk_realloc(q, 70000)); /* over the one-page pool */
    assert_int_equal(q[99], 7);        /* the old block is intact */
    pool_stats(MK_POOL_WASM_MEMORY, &mem);
    assert_int_equal(mem.refused, 1);
    mk_free(q);
    pool_stats(MK_POOL_WASM_MEMORY, &mem);
    assert_int_equal(mem.in_use, 0);
    assert_int_equal(mem.largest_free, 65536 + 16 - 16);
    assert_true(mk_arena_release());
}

/* Bad layouts are refused and leave no arena behind. */
static void test_bad_layouts_are_refused(void **state)
{
    (void)state;
    mk_arena_layout_t l = small_pools;
    assert_false(mk_arena_init_layout(arena_buf, 4096, &l)); /* pools larger than the arena */
    l.messages = 8;                                          /* not 0, too small for a block */
    assert_false(mk_arena_init_layout(arena_buf, 256 * 1024, &l));
    assert_false(mk_arena_init_layout(arena_buf, 256 * 1024, NULL));
    assert_false(mk_arena_active());
    mk_arena_pool_stats_t ps;
    assert_false(mk_arena_pool_stats(MK_POOL_MESSAGES, &ps));
    assert_true(mk_arena_init_layout(arena_buf, 256 * 1024, &small_pools));
    assert_false(mk_arena_pool_stats(MK_POOL_KINDS, &ps));
    /* The general region serves what has no pool of its own. */
    void *p = mk_malloc(1000);
    assert_non_null(p);
    pool_stats(MK_POOL_GENERAL, &ps);
    assert_true(ps.in_use >= 1000);
    mk_free(p);
    assert_true(mk_arena_release());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_smoke_run_allocates_nothing_after_init, teardown),
        cmocka_unit_test_teardown(test_exhaustion_is_an_error, teardown),
        cmocka_unit_test_teardown(test_no_arena_is_refused, teardown),
        cmocka_unit_test_teardown(test_arena_blocks, teardown),
        cmocka_unit_test_teardown(test_mailbox_pool_exhaustion_names_the_pool, teardown),
        cmocka_unit_test_teardown(test_message_pool_exhaustion_names_the_pool, teardown),
        cmocka_unit_test_teardown(test_wasm_memory_pool_exhaustion_names_the_pool, teardown),
        cmocka_unit_test_teardown(test_wasm_stack_pool_exhaustion_traps_not_crashes, teardown),
        cmocka_unit_test_teardown(test_realloc_stays_in_its_pool, teardown),
        cmocka_unit_test_teardown(test_bad_layouts_are_refused, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
