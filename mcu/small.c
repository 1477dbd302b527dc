/*
 * small.c -- the boot suite of the small-RAM images (issue 19 "Footprint",
 * docs/mcu.md): mk-mcu-96k (96,000 bytes of RAM in all: static data, the
 * arena and the stack) runs a WASM actor with a 64 KiB linear memory
 * (echo.wat) answering a call; mk-mcu-tiny runs the zero-linear-memory
 * echo (echo_nomem.wat) in a much smaller budget. Both check that a full
 * per-kind pool refuses with its name. Outcomes are checked by the
 * messages that come back, never by time; actor states are static.
 */
#include "smoke.h"

#include <stdio.h>
#include <string.h>

#include "microkernel/actor.h"
#include "microkernel/error.h"
#include "microkernel/message.h"
#include "microkernel/wasm_actor.h"
#include "modules.h"

#define MSG_ASK  1u   /* from the suite: the asker sends its ping */
#define MSG_PING 200u /* echo protocol of examples/wasm/echo.c */
#define MSG_PONG 201u

/* Pings `target` with `text` when asked; keeps the pong. */
typedef struct {
    actor_id_t target;
    const char *text; /* payload (NUL not sent), may be NULL */
    int pongs;
    char got[16]; /* the last pong's payload, NUL-terminated */
} asker_t;

static asker_t asker;
static char why[120];

static bool asker_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    asker_t *a = state;
    if (msg->type == MSG_ASK) {
        size_t n = a->text ? strlen(a->text) : 0;
        actor_send(rt, a->target, MSG_PING, a->text, n);
    } else if (msg->type == MSG_PONG) {
        size_t n = msg->payload_size < sizeof a->got - 1 ? msg->payload_size : sizeof a->got - 1;
        if (n)
            memcpy(a->got, msg->payload, n);
        a->got[n] = '\0';
        a->pongs++;
    }
    return true;
}

/* Spawn module `name` (heap_size `heap` bytes for payloads), ping it with
 * `text` from a native actor and check the pong carries it back. */
static bool call_echo(runtime_t *rt, const char *name, uint32_t heap, const char *text)
{
    const mcu_module_t *m = mcu_module_find(name);
    if (!m) {
        snprintf(why, sizeof why, "%s is not in the image", name);
        return false;
    }
    actor_id_t echo = actor_spawn_wasm(rt, m->bytes, m->len, 4, 0, heap, FIBER_STACK_NONE);
    if (echo == ACTOR_ID_INVALID) {
        snprintf(why, sizeof why, "spawn %s: %s", name, mk_last_error());
        return false;
    }
    memset(&asker, 0, sizeof asker);
    asker.target = echo;
    asker.text = text;
    actor_id_t a = actor_spawn(rt, asker_behavior, &asker, NULL, 4);
    bool ok = a != ACTOR_ID_INVALID && actor_send(rt, a, MSG_ASK, NULL, 0);
    if (!ok)
        snprintf(why, sizeof why, "asker: %s", mk_last_error());
    runtime_run(rt);
    if (ok && (asker.pongs != 1 || strcmp(asker.got, text ? text : "") != 0)) {
        snprintf(why, sizeof why, "%d pongs, payload \"%s\"", asker.pongs, asker.got);
        ok = false;
    }
    if (ok) {
        size_t linear = 0;
        wasm_actor_memory_bytes(rt, echo, &linear);
        printf("  (%s: linear memory %u bytes)\n", name, (unsigned)linear);
    }
    actor_stop(rt, echo);
    if (a != ACTOR_ID_INVALID)
        actor_stop(rt, a);
    runtime_run(rt);
    return ok;
}

static bool test_echo_nomem(runtime_t *rt)
{
    return call_echo(rt, "echo_nomem.wasm", 0, NULL);
}

#ifdef MCU_SMALL_MEMORY
/* The footprint target: one actor with a 64 KiB linear memory answers a
 * call. The ping carries no payload: a payload is copied into a region the
 * host appends to memory 0 (heap_size, whole 64 KiB pages), which would
 * double the linear memory. */
static bool test_echo_64k(runtime_t *rt)
{
    return call_echo(rt, "echo_wat.wasm", 0, NULL);
}
#endif

/* The WASM memory pool holds at most one page here: a module that needs
 * more (echo.wasm, 2 pages; or any page on mk-mcu-tiny) is refused with
 * the pool's name, and nothing else breaks. */
static bool test_pool_full_is_named(runtime_t *rt)
{
    const mcu_module_t *m = mcu_module_find("echo.wasm");
    if (!m) {
        snprintf(why, sizeof why, "echo.wasm is not in the image");
        return false;
    }
    actor_id_t id = actor_spawn_wasm(rt, m->bytes, m->len, 4, 0, 64, FIBER_STACK_NONE);
    if (id != ACTOR_ID_INVALID) {
        snprintf(why, sizeof why, "a 2-page module fitted the pool");
        actor_stop(rt, id);
        return false;
    }
    if (!strstr(mk_last_error(), "WASM memory pool full")) {
        snprintf(why, sizeof why, "reason: %s", mk_last_error());
        return false;
    }
    printf("  (%s)\n", mk_last_error());
    return call_echo(rt, "echo_nomem.wasm", 0, NULL); /* still works */
}

typedef struct {
    const char *name;
    bool (*fn)(runtime_t *rt);
} small_test_t;

static const small_test_t tests[] = {
#ifdef MCU_SMALL_MEMORY
    {"wasm echo.wat (64 KiB linear memory) call", test_echo_64k},
#endif
    {"wasm echo_nomem.wat (no linear memory) call", test_echo_nomem},
    {"full WASM memory pool is a named error", test_pool_full_is_named},
};

mcu_smoke_result_t mcu_small_run(runtime_t *rt)
{
    mcu_smoke_result_t res = {0, 0};
    size_t n = sizeof tests / sizeof tests[0];
    printf("small boot suite: %u tests\n", (unsigned)n);
    for (size_t i = 0; i < n; i++) {
        why[0] = '\0';
        if (tests[i].fn(rt)) {
            res.passed++;
            printf("ok %u %s\n", (unsigned)(i + 1), tests[i].name);
        } else {
            res.failed++;
            printf("FAIL %u %s: %s\n", (unsigned)(i + 1), tests[i].name, why);
        }
    }
    printf("%d passed, %d failed\n", res.passed, res.failed);
    return res;
}
