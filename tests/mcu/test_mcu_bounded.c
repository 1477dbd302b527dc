/*
 * test_mcu_bounded.c -- the bounded memory mode of the microcontroller
 * image (issue 19, docs/mcu.md "Memory model") built and run on Linux.
 * The runtime here is compiled exactly as in the image (MK_BOUNDED,
 * mcu/sources.cmake) and runs the image's boot smoke suite (mcu/smoke.c).
 * Proofs: after init neither the allocator hooks (mk_set_allocator) nor
 * the C library's malloc family (wrapped at link time) are called; a full
 * arena is an error with a reason, never a crash; without an arena the
 * bounded build refuses to start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

/* A full arena refuses with a reason and loses nothing; room comes back
 * when blocks are freed. */
static void test_exhaustion_is_an_error(void **state)
{
    (void)state;
    static _Alignas(64) unsigned char small[64 * 1024];
    assert_true(mk_arena_init(small, sizeof small));
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
    assert_true(mk_arena_init(tiny, sizeof tiny));
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
    assert_true(mk_arena_init(arena_buf + 3, 200000)); /* unaligned start */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_smoke_run_allocates_nothing_after_init, teardown),
        cmocka_unit_test_teardown(test_exhaustion_is_an_error, teardown),
        cmocka_unit_test_teardown(test_no_arena_is_refused, teardown),
        cmocka_unit_test_teardown(test_arena_blocks, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
