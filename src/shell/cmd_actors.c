/*
 * cmd_actors.c -- the shell's inspection and naming commands: list, info
 * (top), self, whoami, stop, register, lookup.
 *
 * `list` and `info` print the original's table (compat/services.md section
 * 5 and the seed README's transcript): fixed columns, 0x + 15 hex digit
 * IDs, status words, MBOX used/capacity, each further name of an actor on
 * its own continuation line.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "shell/shell_internal.h"
#ifdef MK_SHELL_SERVICES
#include "microkernel/node_services.h"
#endif

const char *sh_status_word(const actor_info_t *a)
{
    static const char *const word[] = {"idle", "ready", "running", "stopped"};
    return (unsigned)a->status < 4 ? word[a->status] : "?";
}

/*
 * Print the actor table in the original's fixed columns (compat/services.md
 * section 5, the seed README transcript): two spaces, SEQ (4), ID (17: "0x"
 * and 15 hex digits), STATUS (8), MBOX used/capacity (5), PARENT (17,
 * `parents` only: info), NAME, one space between columns. Every further
 * name or path of an actor goes on its own continuation line, under NAME.
 * An actor without a name shows "-".
 */
static void print_table(shell_t *sh, const sh_snapshot_t *s, bool parents)
{
    if (parents)
        sh_printf(sh, "  %-4s %-17s %-8s %-5s %-17s %s\n", "SEQ", "ID", "STATUS", "MBOX", "PARENT",
                  "NAME");
    else
        sh_printf(sh, "  %-4s %-17s %-8s %-5s %s\n", "SEQ", "ID", "STATUS", "MBOX", "NAME");
    for (size_t i = 0; i < s->n_actors; i++) {
        const actor_info_t *a = &s->actors[i];
        char id[24], mbox[48], parent[24];
        snprintf(id, sizeof id, "0x%015llx", (unsigned long long)a->id);
        snprintf(mbox, sizeof mbox, "%zu/%zu", a->mailbox_used, a->mailbox_cap);
        sh_printf(sh, "  %-4u %-17s %-8s %-5s ", actor_id_seq(a->id), id, sh_status_word(a), mbox);
        if (parents) {
            if (a->parent == ACTOR_ID_INVALID)
                snprintf(parent, sizeof parent, "---");
            else
                snprintf(parent, sizeof parent, "0x%015llx", (unsigned long long)a->parent);
            sh_printf(sh, "%-17s ", parent);
        }
        size_t shown = 0;
        for (size_t k = 0; k < s->n_names; k++) {
            if (s->ids[k] != a->id)
                continue;
            if (shown++ == 0)
                sh_printf(sh, "%s\n", s->names[k]);
            else if (parents)
                sh_printf(sh, "  %-4s %-17s %-8s %-5s %-17s %s\n", "", "", "", "", "", s->names[k]);
            else
                sh_printf(sh, "  %-4s %-17s %-8s %-5s %s\n", "", "", "", "", s->names[k]);
        }
        if (shown == 0)
            sh_printf(sh, "-\n");
    }
}

shell_result_t cmd_list(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    sh_snapshot_t s;
    if (!sh_snapshot_take(sh->rt, &s))
        return sh_error(sh, "out of memory");
    print_table(sh, &s, false);
    sh_snapshot_free(&s);
    return SHELL_DONE;
}

/* A "VmRSS:   1234 kB" figure from /proc/self/status, in KB; -1 if absent. */
static long proc_status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char row[256];
    long kb = -1;
    size_t klen = strlen(key);
    while (fgets(row, sizeof row, f)) {
        if (strncmp(row, key, klen) == 0 && row[klen] == ':') {
            kb = strtol(row + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

static void print_kb(shell_t *sh, long kb)
{
    if (kb < 0)
        sh_printf(sh, "?");
    else if (kb >= 10240)
        sh_printf(sh, "%ld MB", kb / 1024);
    else
        sh_printf(sh, "%ld KB", kb);
}

static void print_memory(shell_t *sh)
{
    sh_printf(sh, "Memory: RSS ");
    print_kb(sh, proc_status_kb("VmRSS"));
    sh_printf(sh, " (peak ");
    print_kb(sh, proc_status_kb("VmHWM"));
    sh_printf(sh, "), virtual ");
    print_kb(sh, proc_status_kb("VmSize"));
    sh_printf(sh, ", data ");
    print_kb(sh, proc_status_kb("VmData"));
    sh_printf(sh, "\n");
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    sh_printf(sh, "Heap:   ");
    print_kb(sh, (long)(mi.uordblks / 1024));
    sh_printf(sh, " in use / ");
    print_kb(sh, (long)((mi.arena + mi.hblkhd) / 1024));
    sh_printf(sh, " from the system (free ");
    print_kb(sh, (long)(mi.fordblks / 1024));
    sh_printf(sh, ")\n");
#endif
}

shell_result_t cmd_info(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    sh_snapshot_t s;
    if (!sh_snapshot_take(sh->rt, &s))
        return sh_error(sh, "out of memory");
    /* The original's lines: identity and features, the table, transports. */
    sh_printf(sh, "%s | ", sh->node_name);
#ifdef MK_SHELL_WASM
    sh_printf(sh, "wasm ");
#endif
#ifdef HAVE_TLS
    sh_printf(sh, "tls ");
#endif
    sh_printf(sh, "http\n\nActors: %zu active\n", s.n_actors);
    print_table(sh, &s, true);
    sh_snapshot_free(&s);
    size_t transports = runtime_get_transport_count(sh->rt);
    if (transports > 0)
        sh_printf(sh, "\nTransports: %zu\n", transports);
    /* Ours: the process's memory (where the original's ESP32 prints its heap). */
    sh_printf(sh, "\n");
    print_memory(sh);
    return SHELL_DONE;
}

shell_result_t cmd_self(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    sh_printf(sh, "0x%016llx\n", (unsigned long long)sh->self);
    return SHELL_DONE;
}

shell_result_t cmd_whoami(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    sh_printf(sh, "Node:    %u (%s)\n", runtime_node_id(sh->rt), sh->node_name);
    sh_printf(sh, "Shell:   0x%016llx\n", (unsigned long long)sh->self);
    sh_printf(sh, "Console: 0x%016llx\n", (unsigned long long)sh->console);
    sh_printf(sh, "Actors:  %zu\n", runtime_actor_count(sh->rt));
#ifdef MK_SHELL_SERVICES
    const char *key = services_node_key(sh->rt);
    if (key)
        sh_printf(sh, "Key:     %s\n", key);
#endif
    return SHELL_DONE;
}

bool sh_is_system_actor(runtime_t *rt, actor_id_t id)
{
    actor_info_t info;
    return actor_id_node(id) == runtime_node_id(rt) && actor_info(rt, id, &info) && info.system;
}

shell_result_t cmd_stop(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    actor_id_t id;
    if (!sh_resolve(sh, args->argv[1], &id))
        return SHELL_FAILED;
    if (id == sh->self || id == sh->console)
        return sh_error(sh, "refusing to stop the shell's own %s; use exit",
                        id == sh->self ? "actor" : "console");
    if (actor_id_node(id) != runtime_node_id(sh->rt))
        return sh_error(sh, "0x%016llx lives on node %u; only local actors can be stopped",
                        (unsigned long long)id, actor_id_node(id));
    if (sh_is_system_actor(sh->rt, id)) {
        const char *name = sh_name_of(sh, id);
        return sh_error(sh, "refusing to stop %s%s0x%016llx: %s", name ? name : "", name ? " " : "",
                        (unsigned long long)id, SH_STOP_SYSTEM_WHY);
    }
    actor_stop(sh->rt, id);
    if (actor_is_alive(sh->rt, id))
        return sh_error(sh, "%s", mk_last_error());
    sh_printf(sh, "Stopped actor 0x%016llx\n", (unsigned long long)id);
    return SHELL_DONE;
}

shell_result_t cmd_register(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    actor_id_t id = sh->self;
    if (args->argc == 3 && !sh_resolve(sh, args->argv[2], &id))
        return SHELL_FAILED;
    if (!actor_register_name(sh->rt, args->argv[1], id))
        return sh_error(sh, "%s", mk_last_error());
    sh_printf(sh, "Registered '%s' -> 0x%016llx\n", args->argv[1], (unsigned long long)id);
    return SHELL_DONE;
}

shell_result_t cmd_lookup(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    actor_id_t id = actor_lookup(sh->rt, args->argv[1]);
    if (id == ACTOR_ID_INVALID)
        return sh_error(sh, "no actor named '%.80s'", args->argv[1]);
    sh_printf(sh, "%s -> 0x%016llx (node %u, seq %u)\n", args->argv[1], (unsigned long long)id,
              actor_id_node(id), actor_id_seq(id));
    return SHELL_DONE;
}
