/*
 * wasm_actor_bench.c -- figures for WASM actors beside native ones:
 *   ping-pong in messages/s: native<->native, WASM<->native, WASM<->WASM;
 *   spawn time and memory per WASM actor (10,000 actors made from one
 *   compiled module): heap, resident set and address space, with and
 *   without a payload written into linear memory;
 *   reload time (compile + instantiate + swap of a small module).
 * Usage: wasm_actor_bench [exchanges]   (default 1,000,000)
 * Targets (issue 7): WASM ping-pong >= 25 % of native; <= 16 KiB per actor.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/runtime_internal.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/wasm_actor.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t *load(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", MK_BENCH_MODULES, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(*len);
    if (fread(buf, 1, *len, f) != *len)
        exit(1);
    fclose(f);
    return buf;
}

/* The native side: same protocol as pingpong.wat. */
static bool native_pp(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    int32_t n;
    if (msg->type != 1 || msg->payload_size != 4)
        return true;
    memcpy(&n, msg->payload, 4);
    if (n == 0)
        return true;
    n--;
    actor_send(rt, msg->source, 1, &n, 4);
    return true;
}

static const uint8_t *pp_buf;
static size_t pp_len;

static actor_id_t spawn_side(runtime_t *rt, bool wasm)
{
    if (wasm)
        return actor_spawn_wasm(rt, pp_buf, pp_len, 16, 0, 64, FIBER_STACK_NONE);
    return actor_spawn(rt, native_pp, NULL, NULL, 16);
}

/* Messages per second for `n` exchanges between two sides. */
static double pingpong(bool wasm_a, bool wasm_b, int32_t n)
{
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t a = spawn_side(rt, wasm_a), b = spawn_side(rt, wasm_b);
    if (a == ACTOR_ID_INVALID || b == ACTOR_ID_INVALID) {
        fprintf(stderr, "spawn failed\n");
        exit(1);
    }
    /* Start: b receives n "from" a (core internal API: send with a source). */
    double t0 = now_s();
    mk_send_from(rt, a, b, 1, &n, 4);
    runtime_run(rt);
    double dt = now_s() - t0;
    runtime_destroy(rt);
    return (n + 1) / dt;
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Virtual size and resident set of the process in bytes (/proc/self/statm). */
static void vm_bytes(size_t *virt, size_t *resident)
{
    unsigned long v = 0, r = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%lu %lu", &v, &r) != 2)
        v = r = 0;
    if (f)
        fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    *virt = v * (size_t)page;
    *resident = r * (size_t)page;
}

/* Spawn N actors from one compiled module and give each one message: type
 * 2 without payload (touches no linear memory), or with `payload` a type 1
 * carrying 0 (copied into the payload region, which the module reads).
 * Reports time per spawn, heap (malloc) bytes, resident bytes and address
 * space per actor; linear memory counts in "resident" only once touched. */
static void spawn_many(const char *label, const char *module, uint32_t heap_size, bool payload)
{
    enum { N = 10000 };
    size_t len;
    uint8_t *buf = load(module, &len);
    wasm_factory_arg_t *fa = wasm_factory_arg_create(buf, len, 0, heap_size, FIBER_STACK_NONE);
    free(buf);
    runtime_t *rt = runtime_init(1, N + 16);
    size_t before = heap_in_use(), virt0, res0, virt1, res1;
    vm_bytes(&virt0, &res0);
    int32_t zero = 0;
    double t0 = now_s();
    for (int i = 0; i < N; i++) {
        void *st = wasm_actor_factory(fa);
        actor_id_t id =
            st ? actor_spawn(rt, wasm_actor_behavior, st, wasm_actor_free, 16) : ACTOR_ID_INVALID;
        if (id == ACTOR_ID_INVALID) {
            fprintf(stderr, "spawn %d failed\n", i);
            exit(1);
        }
        if (payload) /* each runs once: lazy allocations count */
            actor_send(rt, id, 1, &zero, 4);
        else
            actor_send(rt, id, 2, NULL, 0);
    }
    double dt = now_s() - t0;
    runtime_run(rt);
    vm_bytes(&virt1, &res1);
    size_t heap = (heap_in_use() - before) / N;
    printf("spawn %-30s %7.2f us/actor  heap %6zu B  resident %6zu B  address space %8zu B "
           "per actor\n",
           label, dt / N * 1e6, heap, (res1 > res0 ? res1 - res0 : 0) / N,
           (virt1 > virt0 ? virt1 - virt0 : 0) / N);
    runtime_destroy(rt);
    wasm_factory_arg_destroy(fa);
}

static void reload_time(void)
{
    enum { N = 2000 };
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t a = actor_spawn_wasm(rt, pp_buf, pp_len, 16, 0, 64, FIBER_STACK_NONE);
    double t0 = now_s();
    for (int i = 0; i < N; i++)
        if (actor_reload_wasm(rt, a, pp_buf, pp_len, NULL) != RELOAD_OK) {
            fprintf(stderr, "reload failed\n");
            exit(1);
        }
    double dt = now_s() - t0;
    printf("reload (compile + instantiate + swap, %zu-byte module) %8.2f us\n", pp_len,
           dt / N * 1e6);
    runtime_destroy(rt);
}

int main(int argc, char **argv)
{
    int32_t n = argc > 1 ? atoi(argv[1]) : 1000000;
    wasm_actors_init();
    uint8_t *buf = load("pingpong.wasm", &pp_len);
    pp_buf = buf;
    printf("wasm_actor_bench: %d exchanges per ping-pong, one runtime, one thread\n", n);
    double native = pingpong(false, false, n);
    double mixed = pingpong(true, false, n);
    double wasm = pingpong(true, true, n);
    printf("ping-pong native <-> native %12.0f msg/s\n", native);
    printf("ping-pong WASM   <-> native %12.0f msg/s  (%5.1f %% of native)\n", mixed,
           100 * mixed / native);
    printf("ping-pong WASM   <-> WASM   %12.0f msg/s  (%5.1f %% of native; target >= 25 %%)\n",
           wasm, 100 * wasm / native);
    spawn_many("(no linear memory)", "idle.wasm", 0, false);
    spawn_many("(1 page + 64 B heap)", "pingpong.wasm", 64, false);
    spawn_many("(1 page + 64 B heap, payload)", "pingpong.wasm", 64, true);
    reload_time();
    free(buf);
    wasm_actors_cleanup();
    return 0;
}
