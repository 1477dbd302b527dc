/*
 * uart_shell.c -- the mk-shell commands that make sense without a network
 * (docs/shell.md; list, info, load, call, send, stop, reload), served on
 * the UART of the bare-metal image by one actor that watches the console
 * descriptor (MSG_FD_EVENT) and reads typed bytes into a bounded line.
 * Modules come from the image's embedded table (modules.h), not files.
 * Replies to `call` arrive in the shell actor's mailbox; a 1 s timer ends
 * the wait. Bounded: a line longer than LINE_MAX bytes is refused whole.
 */
#include "uart_shell.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "microkernel/alloc.h"
#include "microkernel/error.h"
#include "microkernel/message.h"
#include "microkernel/services.h"
#include "platform/baremetal/board.h"
#ifdef HAVE_WASM
#include "microkernel/wasm_actor.h"
#include "modules.h"
#endif

#define LINE_MAX     120 /* bytes in one command line */
#define MAX_ARGS     4
#define MAX_NAMED    8 /* actors `load` named, shown by `list` */
#define CALL_WAIT_MS 1000
#define MSG_KICK     1u /* from mcu_shell_run: start watching the console */

typedef struct {
    char line[LINE_MAX + 1];
    size_t len;
    bool overlong; /* the current line passed LINE_MAX: refused at its end */
    bool started;  /* the console is watched */
    bool waiting;  /* a `call` waits for its reply */
    timer_id_t wait_timer;
    actor_id_t call_dest; /* the actor whose reply ends the wait */
    struct {
        char name[24];
        actor_id_t id;
    } named[MAX_NAMED];
} shell_t;

static shell_t sh;

static void prompt(void)
{
    printf("mk> ");
    fflush(stdout);
}

static const char *name_of(actor_id_t id)
{
    for (int i = 0; i < MAX_NAMED; i++)
        if (sh.named[i].id == id && id != ACTOR_ID_INVALID)
            return sh.named[i].name;
    return "";
}

/* An actor by registered name or hex ID; ACTOR_ID_INVALID when neither. */
static actor_id_t resolve(runtime_t *rt, const char *ref)
{
    actor_id_t id = actor_lookup(rt, ref);
    if (id != ACTOR_ID_INVALID)
        return id;
    char *end;
    unsigned long long v = strtoull(ref, &end, 16);
    return *end == '\0' && end != ref ? (actor_id_t)v : ACTOR_ID_INVALID;
}

static void cmd_list(runtime_t *rt)
{
    actor_info_t info[16];
    size_t n = runtime_actor_info(rt, info, 16);
    printf("%-18s %-6s %-9s %s\n", "ID", "STATUS", "MBOX", "NAME");
    for (size_t i = 0; i < n; i++) {
        static const char *const st[] = {"idle", "ready", "run", "stop"};
        unsigned s = (unsigned)info[i].status;
        printf("%016llx   %-6s %4u/%-4u %s\n", (unsigned long long)info[i].id, s < 4 ? st[s] : "?",
               (unsigned)info[i].mailbox_used, (unsigned)info[i].mailbox_cap, name_of(info[i].id));
    }
}

static void cmd_info(runtime_t *rt)
{
    printf("node %u, rv32imac bare metal (QEMU virt), %u actors of %u\n",
           (unsigned)runtime_node_id(rt), (unsigned)runtime_actor_count(rt),
           (unsigned)runtime_get_max_actors(rt));
    mk_arena_stats_t st = {0};
    mk_arena_stats(&st);
    printf("arena in use %u bytes of %u (peak %u)\n", (unsigned)st.in_use, (unsigned)st.size,
           (unsigned)st.peak);
#ifdef HAVE_WASM
    printf("modules:");
    for (const mcu_module_t *m = mcu_modules; m->name; m++)
        printf(" %s", m->name);
    printf("\n");
#endif
}

#ifdef HAVE_WASM
static void cmd_load(runtime_t *rt, const char *module)
{
    const mcu_module_t *m = mcu_module_find(module);
    if (!m) {
        printf("load: no module %s in the image (see info)\n", module);
        return;
    }
    int slot = -1;
    for (int i = 0; i < MAX_NAMED && slot < 0; i++)
        if (!actor_is_alive(rt, sh.named[i].id))
            slot = i;
    if (slot < 0) {
        printf("load: all %d shell names in use; stop an actor first\n", MAX_NAMED);
        return;
    }
    actor_id_t id = actor_spawn_wasm(rt, m->bytes, m->len, 16, 0, 64, FIBER_STACK_TINY);
    if (id == ACTOR_ID_INVALID) {
        printf("load: %s\n", mk_last_error());
        return;
    }
    /* Named after the module, "echo", then "echo_1", "echo_2" ... */
    char base[16];
    size_t bl = strcspn(module, ".");
    bl = bl < sizeof base - 1 ? bl : sizeof base - 1;
    memcpy(base, module, bl);
    base[bl] = '\0';
    char *name = sh.named[slot].name;
    snprintf(name, sizeof sh.named[slot].name, "%s", base);
    for (int k = 1; actor_lookup(rt, name) != ACTOR_ID_INVALID && k < 100; k++)
        snprintf(name, sizeof sh.named[slot].name, "%s_%d", base, k);
    if (!actor_register_name(rt, name, id))
        name[0] = '\0';
    sh.named[slot].id = id;
    printf("loaded %s as %s (%016llx)\n", module, name, (unsigned long long)id);
}

static void cmd_reload(runtime_t *rt, const char *ref, const char *module)
{
    actor_id_t id = resolve(rt, ref);
    const mcu_module_t *m = mcu_module_find(module);
    if (!m) {
        printf("reload: no module %s in the image\n", module);
        return;
    }
    reload_result_t r = actor_reload_wasm(rt, id, m->bytes, m->len, NULL);
    if (r == RELOAD_OK)
        printf("reloaded %s with %s\n", ref, module);
    else
        printf("reload: %s\n", mk_last_error());
}
#endif

/* send/call: "<actor> <type> [text]". True when the message left. */
static bool do_send(runtime_t *rt, char **argv, int argc, const char *what)
{
    if (argc < 3) {
        printf("usage: %s <actor> <type> [text]\n", what);
        return false;
    }
    actor_id_t id = resolve(rt, argv[1]);
    char *end;
    unsigned long type = strtoul(argv[2], &end, 0);
    if (*end != '\0') {
        printf("%s: type '%s' is not a number\n", what, argv[2]);
        return false;
    }
    const char *text = argc > 3 ? argv[3] : NULL;
    if (!actor_send(rt, id, (msg_type_t)type, text, text ? strlen(text) : 0)) {
        printf("%s: %s\n", what, mk_last_error());
        return false;
    }
    return true;
}

static void execute(runtime_t *rt, char *line)
{
    char *argv[MAX_ARGS];
    int argc = 0;
    for (char *t = strtok(line, " \t"); t && argc < MAX_ARGS;
         t = strtok(NULL, argc < 3 ? " \t" : ""))
        argv[argc++] = t;
    if (argc == 0)
        return;
    const char *c = argv[0];
    if (strcmp(c, "help") == 0) {
        printf("list | info | load <module> | call <actor> <type> [text] |\n"
               "send <actor> <type> [text] | stop <actor> | reload <actor> <module> | exit\n");
    } else if (strcmp(c, "list") == 0) {
        cmd_list(rt);
    } else if (strcmp(c, "info") == 0) {
        cmd_info(rt);
#ifdef HAVE_WASM
    } else if (strcmp(c, "load") == 0 && argc == 2) {
        cmd_load(rt, argv[1]);
    } else if (strcmp(c, "reload") == 0 && argc == 3) {
        cmd_reload(rt, argv[1], argv[2]);
#endif
    } else if (strcmp(c, "send") == 0) {
        if (do_send(rt, argv, argc, "send"))
            printf("sent\n");
    } else if (strcmp(c, "call") == 0) {
        if (do_send(rt, argv, argc, "call")) {
            sh.call_dest = resolve(rt, argv[1]);
            sh.waiting = true;
            sh.wait_timer = actor_set_timer(rt, CALL_WAIT_MS, false);
        }
    } else if (strcmp(c, "stop") == 0 && argc == 2) {
        actor_id_t id = resolve(rt, argv[1]);
        if (!actor_is_alive(rt, id))
            printf("stop: no actor %s\n", argv[1]);
        else {
            actor_stop(rt, id);
            printf("stopped %s\n", argv[1]);
        }
    } else if (strcmp(c, "exit") == 0) {
        printf("bye\n");
        board_exit(0);
    } else {
        printf("unknown command or arguments: %s (try help)\n", c);
    }
}

/* Bytes typed on the console: echoed, edited, executed at end of line.
 * Reads one byte at a time and stops while a `call` waits, leaving what
 * follows in the UART (and the watch off) until the reply or the timeout. */
static void on_input(runtime_t *rt)
{
    char ch;
    while (!sh.waiting && read(0, &ch, 1) == 1) {
        if (ch == '\r' || ch == '\n') {
            printf("\n");
            sh.line[sh.len] = '\0';
            if (sh.overlong)
                printf("line longer than %d bytes: ignored\n", LINE_MAX);
            else
                execute(rt, sh.line);
            sh.len = 0;
            sh.overlong = false;
            if (sh.waiting)
                actor_unwatch_fd(rt, 0);
            else
                prompt();
        } else if (ch == 0x7f || ch == 0x08) {
            if (sh.len > 0) {
                sh.len--;
                printf("\b \b");
            }
        } else if (sh.len < LINE_MAX) {
            sh.line[sh.len++] = ch;
            putchar(ch);
        } else {
            sh.overlong = true;
        }
    }
    fflush(stdout);
}

/* The wait of a `call` is over: prompt, read on. */
static void call_done(runtime_t *rt)
{
    sh.waiting = false;
    prompt();
    if (!actor_watch_fd(rt, 0, POLLIN))
        printf("shell: cannot watch the console: %s\n", mk_last_error());
    on_input(rt);
}

static bool shell_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == MSG_KICK && msg->source == ACTOR_ID_INVALID && !sh.started) {
        sh.started = true; /* a watch belongs to the behaviour that makes it */
        if (!actor_watch_fd(rt, 0, POLLIN))
            printf("shell: cannot watch the console: %s\n", mk_last_error());
        prompt();
        return true;
    }
    if (msg->type == MSG_FD_EVENT) {
        on_input(rt);
        return true;
    }
    if (msg->type == MSG_TIMER) {
        if (sh.waiting) {
            printf("call: no reply within %d ms\n", CALL_WAIT_MS);
            call_done(rt);
        }
        return true;
    }
    if (msg->type == MSG_LOG || msg->type >= MSG_SYSTEM_BASE)
        return true;
    bool async = !(sh.waiting && msg->source == sh.call_dest);
    if (async)
        printf("\n"); /* the prompt is showing: the reply goes below it */
    printf("reply type %u from %016llx, %u bytes", (unsigned)msg->type,
           (unsigned long long)msg->source, (unsigned)msg->payload_size);
    if (msg->payload_size) {
        printf(": ");
        fwrite(msg->payload, 1, msg->payload_size, stdout);
    }
    printf("\n");
    if (!async) {
        actor_cancel_timer(rt, sh.wait_timer);
        call_done(rt);
    } else if (!sh.waiting) {
        prompt(); /* and what was typed so far */
        printf("%.*s", (int)sh.len, sh.line);
        fflush(stdout);
    }
    return true;
}

void mcu_shell_run(runtime_t *rt)
{
    memset(&sh, 0, sizeof sh);
    actor_id_t id = actor_spawn(rt, shell_behavior, &sh, NULL, 16);
    if (id == ACTOR_ID_INVALID) {
        printf("shell: %s\n", mk_last_error());
        return;
    }
    actor_register_name(rt, "shell", id);
    snprintf(sh.named[0].name, sizeof sh.named[0].name, "shell");
    sh.named[0].id = id;
    printf("UART shell (type help)\n");
    actor_send(rt, id, MSG_KICK, NULL, 0);
    runtime_run(rt);
}
