/*
 * shell.c -- the shell actor: takes lines from the console (or a script),
 * runs the command they name, and sends the output back to the console.
 *
 * Started by shell_start() (mk-shell, tests). A command never blocks: the
 * one that waits (`call`) returns SHELL_PENDING and is finished by the
 * reply or its timer, both of which arrive as messages. Script lines run
 * one per message (MSG_SHELL_NEXT) so other actors run between them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "microkernel/nats.h"
#include "shell/shell_internal.h"

#ifndef MK_VERSION
#define MK_VERSION "0.0.0"
#endif

static shell_result_t cmd_help(shell_t *, const shell_args_t *, const char *, size_t);
static shell_result_t cmd_exit(shell_t *, const shell_args_t *, const char *, size_t);

#define REST SHELL_ARGS_MAX

static const shell_cmd_t commands[] = {
    {"help", "[command]", "list the commands, or explain one", 0, 1, cmd_help},
    {"list", "", "list the actors of this node and their names", 0, 0, cmd_list},
    {"info", "", "actors with parents and mailboxes, and the process's memory", 0, 0, cmd_info},
    {"top", "", "same as info", 0, 0, cmd_info},
    {"self", "", "print the shell's actor ID", 0, 0, cmd_self},
    {"whoami", "", "print this node's identity", 0, 0, cmd_whoami},
    {"load", "<path.wasm> [--wasi] [--dir[-ro] HOST[::GUEST]]... [-- ARG...]",
     "spawn a WASM actor, registered by file name (--wasi: with WASI preview1; ARGs: its argv)", 1,
     REST, cmd_load},
    {"reload", "<name> <path.wasm>", "hot-swap a WASM actor's code", 2, 2, cmd_reload},
    {"send", "<name-or-id> <type> [data|x:hex]", "send a message", 2, REST, cmd_send},
    {"call", "<name-or-id> <type> [data|x:hex]", "send a message and wait 5 s for the reply", 2,
     REST, cmd_call},
    {"stop", "<name-or-id>", "stop an actor", 1, 1, cmd_stop},
    {"register", "<name> [name-or-id]", "register a name for an actor (default: the shell)", 1, 2,
     cmd_register},
    {"lookup", "<name>", "print the actor a name maps to", 1, 1, cmd_lookup},
    {"ls", "[/prefix]", "list the paths of the namespace", 0, 1, cmd_ls},
    {"mount", "<host>[:<port>]", "connect to another node and share its paths", 1, 1, cmd_mount},
    {"caps", "[target]", "print the capabilities of this node or a mounted one", 0, 1, cmd_caps},
    {"check", "", "check the node's KV and SQL files for damage (integrity_check)", 0, 0,
     cmd_check},
    {"trust", "[ed25519:<key>]", "let the node with this key mount us (none: list the keys)", 0, 1,
     cmd_trust},
    {"untrust", "<ed25519:key>", "remove a key from the trust list", 1, 1, cmd_untrust},
    {"midi", "[sub-command ...]", "MIDI: configure, note, cc, pc, send, monitor, arp, status", 0,
     REST, cmd_midi},
    {"snapshot", "<file.png>", "write what the display shows as a PNG", 1, 1, cmd_snapshot},
    {"history", "", "the commands typed, kept across restarts", 0, 0, cmd_history},
    {"exit", "", "leave the shell (also: quit, Ctrl+D)", 0, 0, cmd_exit},
    {"quit", "", "same as exit", 0, 0, cmd_exit},
};

const char *shell_version(void)
{
    return MK_VERSION;
}

/* ---- Output ----------------------------------------------------------- */

/* Output the console can no longer take goes to stderr rather than nowhere. */
static void console_lost(void *ctx, msg_type_t type, const void *data, size_t len)
{
    (void)ctx;
    if (type == MSG_TTY_WRITE && len > 0)
        fwrite(data, 1, len, stderr);
}

/* Send output to the console; a console that fell SH_OUTBOX_OUTPUT_MAX
 * bytes behind loses output (counted, reported once it catches up). */
static void send_output(shell_t *sh, const char *data, size_t len)
{
    if (sh_outbox_send(&sh->to_console, MSG_TTY_WRITE, data, len, false))
        return;
    if (!actor_is_alive(sh->rt, sh->console))
        fwrite(data, 1, len, stderr); /* console gone: do not lose it */
}

void sh_flush(shell_t *sh)
{
    if (sh->out_len == 0)
        return;
    size_t dropped = sh_outbox_take_dropped(&sh->to_console);
    if (dropped > 0) {
        char note[96];
        int n = snprintf(note, sizeof note,
                         "[%zu bytes of output dropped: the console is behind]\n", dropped);
        if (!sh_outbox_send(&sh->to_console, MSG_TTY_WRITE, note, (size_t)n, false))
            sh->to_console.dropped += dropped; /* still behind: tell later */
    }
    send_output(sh, sh->out, sh->out_len);
    sh->out_len = 0;
}

void sh_console_control(shell_t *sh, msg_type_t type, const void *data, size_t len)
{
    if (!sh_outbox_send(&sh->to_console, type, data, len, true) &&
        actor_is_alive(sh->rt, sh->console))
        fprintf(stderr, "mk-shell: cannot reach the console: %s\n", mk_last_error());
}

/* Ask the shell itself to go on (MSG_SHELL_NEXT): queued behind whatever
 * fills its mailbox, never dropped. */
static void send_self(shell_t *sh, msg_type_t type)
{
    if (!sh_outbox_send(&sh->to_self, type, NULL, 0, true))
        fprintf(stderr, "mk-shell: cannot queue a message to the shell: %s\n", mk_last_error());
}

static void vprint(shell_t *sh, const char *fmt, va_list ap)
{
    char line[2048];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (sh->out_len + len > sizeof sh->out)
        sh_flush(sh);
    memcpy(sh->out + sh->out_len, line, len);
    sh->out_len += len;
}

void sh_write(shell_t *sh, const char *data, size_t len)
{
    while (len > 0) {
        if (sh->out_len == sizeof sh->out)
            sh_flush(sh);
        size_t room = sizeof sh->out - sh->out_len;
        size_t k = len < room ? len : room;
        memcpy(sh->out + sh->out_len, data, k);
        sh->out_len += k;
        data += k;
        len -= k;
    }
}

void sh_printf(shell_t *sh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(sh, fmt, ap);
    va_end(ap);
}

shell_result_t sh_error(shell_t *sh, const char *fmt, ...)
{
    sh_printf(sh, "error: %s: ", sh->cmd ? sh->cmd->name : "shell");
    va_list ap;
    va_start(ap, fmt);
    vprint(sh, fmt, ap);
    va_end(ap);
    sh_printf(sh, "\n");
    return SHELL_FAILED;
}

shell_result_t sh_usage_error(shell_t *sh, const char *fmt, ...)
{
    sh_printf(sh, "error: %s: ", sh->cmd->name);
    va_list ap;
    va_start(ap, fmt);
    vprint(sh, fmt, ap);
    va_end(ap);
    sh_printf(sh, "; usage: %s%s%s\n", sh->cmd->name, sh->cmd->args[0] ? " " : "", sh->cmd->args);
    return SHELL_FAILED;
}

/* ---- Resolving actors ------------------------------------------------- */

const char *sh_name_of(shell_t *sh, actor_id_t id)
{
    const char *names[MK_MAX_NAMES];
    actor_id_t ids[MK_MAX_NAMES];
    size_t n = runtime_list_names(sh->rt, names, ids, MK_MAX_NAMES);
    if (n > MK_MAX_NAMES)
        n = MK_MAX_NAMES;
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return names[i];
    return NULL;
}

bool sh_resolve(shell_t *sh, const char *ref, actor_id_t *out)
{
    actor_id_t id = actor_lookup(sh->rt, ref);
    if (id != ACTOR_ID_INVALID) {
        *out = id;
        return true;
    }
    char why[256] = ""; /* a path NATS could not resolve: say why */
    const char *nats_part = ref[0] == '/' ? strstr(mk_last_error(), " (NATS: ") : NULL;
    if (nats_part)
        snprintf(why, sizeof why, "%s", nats_part);
    bool numeric = ref[0] >= '0' && ref[0] <= '9';
    /* Then the cluster-wide NATS registry, when the node has one
     * (docs/scale-out.md): `call` then reaches the actor through NATS. */
    if (!numeric && (id = mk_nats_lookup(sh->rt, ref)) != ACTOR_ID_INVALID) {
        *out = id;
        return true;
    }
    if (!numeric) {
        sh_error(sh, "no actor named '%.80s'%s", ref, why);
        return false;
    }
    char err[SHELL_ERR_MAX];
    uint64_t v;
    if (!shell_parse_u64(ref, &v, err)) {
        sh_error(sh, "%s", err);
        return false;
    }
    if (ref[1] != 'x' && ref[1] != 'X') {
        /* A decimal number is a sequence number on this node, as `load` prints. */
        if (v == 0 || v > UINT32_MAX) {
            sh_error(sh, "'%.40s' is not an actor sequence number", ref);
            return false;
        }
        v = actor_id_make(runtime_node_id(sh->rt), (uint32_t)v);
    }
    id = (actor_id_t)v;
    if (id == ACTOR_ID_INVALID ||
        (actor_id_node(id) == runtime_node_id(sh->rt) && !actor_is_alive(sh->rt, id))) {
        sh_error(sh, "no live actor 0x%016llx on this node", (unsigned long long)id);
        return false;
    }
    *out = id;
    return true;
}

/* ---- Commands kept here ------------------------------------------------ */

static const shell_cmd_t *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static shell_result_t cmd_help(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    if (args->argc == 2) {
        const shell_cmd_t *c = find_command(args->argv[1]);
        if (!c)
            return sh_error(sh, "no command '%.40s'", args->argv[1]);
        sh_printf(sh, "%s%s%s\n  %s\n", c->name, c->args[0] ? " " : "", c->args, c->help);
        return SHELL_DONE;
    }
    sh_printf(sh, "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char usage[64];
        snprintf(usage, sizeof usage, "%s%s%s", commands[i].name, commands[i].args[0] ? " " : "",
                 commands[i].args);
        sh_printf(sh, "  %-42s %s\n", usage, commands[i].help);
    }
    sh_printf(sh, "IDs: a name, 0x<hex actor ID>, or a decimal sequence number on this node.\n"
                  "Types: decimal or 0x hex. Data: text, \"quoted text\", or x:<hex bytes>.\n");
    return SHELL_DONE;
}

static shell_result_t cmd_exit(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)sh;
    (void)args;
    (void)line;
    (void)len;
    return SHELL_EXIT;
}

/* ---- Running lines ---------------------------------------------------- */

static shell_result_t run_line(shell_t *sh, const char *line, size_t len)
{
    shell_args_t *args = mk_malloc(sizeof *args); /* 2 KB+: keep it off the actor's stack */
    if (!args) {
        sh_printf(sh, "error: out of memory\n");
        return SHELL_FAILED;
    }
    char err[SHELL_ERR_MAX];
    shell_result_t r;
    sh->cmd = NULL;
    if (!shell_split(line, len, args, err)) {
        sh_printf(sh, "error: %s\n", err);
        r = SHELL_FAILED;
    } else if (args->argc == 0 || args->argv[0][0] == '#') {
        r = SHELL_DONE;
    } else if (!(sh->cmd = find_command(args->argv[0]))) {
        sh_printf(sh, "error: unknown command '%.40s' (type 'help' for the list)\n", args->argv[0]);
        r = SHELL_FAILED;
    } else if (args->argc - 1 < sh->cmd->min_args) {
        r = sh_usage_error(sh, "missing argument");
    } else if (args->argc - 1 > sh->cmd->max_args) {
        r = sh_usage_error(sh, "too many arguments");
    } else {
        r = sh->cmd->fn(sh, args, line, len);
    }
    mk_free(args);
    return r;
}

static void shell_quit(shell_t *sh)
{
    if (sh->gone)
        return;
    if (sh_history_busy(sh) && !sh->quitting) {
        /* Let the history reach the store first (at most 2 s). */
        sh->quitting = true;
        sh->quit_timer = actor_set_timer(sh->rt, 2000, false);
        if (sh->quit_timer != TIMER_ID_INVALID) {
            sh_flush(sh);
            return;
        }
    }
    sh->gone = true;
    sh_printf(sh, "Goodbye.\n");
    sh_flush(sh);
    if (sh->script) {
        fclose(sh->script);
        sh->script = NULL;
    }
    if (sh->exit_status)
        *sh->exit_status = sh->status;
    sh_console_control(sh, MSG_TTY_QUIT, NULL, 0);
}

/* A command has finished: show its output and ask for the next line. */
static void finish(shell_t *sh, shell_result_t r)
{
    if (r == SHELL_PENDING) {
        sh_flush(sh);
        return;
    }
    if (r == SHELL_FAILED && sh->script) {
        sh->status = 1;
        sh_printf(sh, "error: script %s stopped at line %u\n", sh->script_path, sh->script_line);
        r = SHELL_EXIT;
    }
    if (r == SHELL_EXIT) {
        shell_quit(sh);
        return;
    }
    sh_flush(sh);
    if (sh->script)
        send_self(sh, MSG_SHELL_NEXT);
    else
        sh_console_control(sh, MSG_TTY_READY, NULL, 0);
}

/* Read and run the script's next command line. */
static void script_next(shell_t *sh)
{
    char line[LINE_EDIT_LINE_MAX + 1];
    for (;;) {
        if (!fgets(line, sizeof line, sh->script)) {
            finish(sh, SHELL_EXIT);
            return;
        }
        sh->script_line++;
        size_t len = strlen(line);
        bool complete = len > 0 && line[len - 1] == '\n';
        if (!complete && !feof(sh->script)) {
            sh_printf(sh, "error: line too long (more than %d characters)\n",
                      LINE_EDIT_LINE_MAX - 1);
            finish(sh, SHELL_FAILED);
            return;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        size_t i = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len || line[i] == '#')
            continue;
        sh_printf(sh, "> %s\n", line);
        finish(sh, run_line(sh, line, len));
        return;
    }
}

static void on_line(shell_t *sh, const message_t *msg)
{
    char line[LINE_EDIT_LINE_MAX];
    size_t len = msg->payload_size < sizeof line - 1 ? msg->payload_size : sizeof line - 1;
    memcpy(line, msg->payload, len);
    line[len] = '\0';
    sh_history_record(sh, line);
    finish(sh, run_line(sh, line, len));
}

static void on_start(shell_t *sh)
{
    if (sh->banner)
        sh_printf(sh, "mk-shell v%s (native)\nType 'help' for commands.\n\n", MK_VERSION);
    sh_history_load(sh);
    sh_flush(sh);
    if (sh->script)
        send_self(sh, MSG_SHELL_NEXT);
    else
        sh_console_control(sh, MSG_TTY_READY, NULL, 0);
}

static bool shell_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    shell_t *sh = state;
    if ((sh->quitting || sh->gone) && msg->source == sh->console)
        return true; /* leaving: no more lines */
    if (msg->source == sh->console && msg->source != ACTOR_ID_INVALID) {
        if (msg->type == MSG_TTY_LINE && !sh->script)
            on_line(sh, msg);
        else if (msg->type == MSG_TTY_EOF)
            finish(sh, SHELL_EXIT);
        return true;
    }
    if (msg->source == sh->self && msg->type == MSG_SHELL_NEXT) {
        if (sh->script && !sh->calling)
            script_next(sh);
        return true;
    }
    if (msg->source == sh->self && msg->type == MSG_TTY_START) {
        on_start(sh);
        return true;
    }
    if (sh_history_reply(sh, msg)) {
        if (sh->quitting && !sh_history_busy(sh)) {
            actor_cancel_timer(rt, sh->quit_timer);
            shell_quit(sh);
        }
        return true;
    }
    if (msg->type == MSG_TIMER && msg->source == ACTOR_ID_INVALID) {
        const timer_payload_t *t = msg->payload;
        if (sh->quitting && t && t->id == sh->quit_timer) {
            shell_quit(sh);
            return true;
        }
        if (sh->calling && t && t->id == sh->call_timer) {
            sh_call_timeout(sh);
            finish(sh, SHELL_FAILED);
        }
        return true;
    }
    shell_result_t r;
    if (sh->calling && sh_call_reply(sh, msg, &r)) {
        finish(sh, r);
        return true;
    }
    sh_print_message(sh, "[msg]", msg);
    sh_flush(sh);
    return true;
}

static void shell_free(void *state)
{
    shell_t *sh = state;
    if (!sh)
        return;
    if (sh->script)
        fclose(sh->script);
    if (sh->rt) {
        sh_outbox_destroy(&sh->to_console);
        sh_outbox_destroy(&sh->to_self);
    }
    mk_free(sh);
}

void shell_config_init(shell_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->in_fd = 0;
    cfg->out_fd = 1;
    cfg->banner = true;
    cfg->capture_logs = true;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* ---- Log lines through the console ------------------------------------ */

typedef struct {
    runtime_t *rt;
    actor_id_t console;
} log_route_t;

static void log_to_console(const char *line, void *ctx)
{
    log_route_t *lr = ctx;
    char buf[MK_LOG_MSG_MAX + 64];
    int n = snprintf(buf, sizeof buf, "%s\n", line);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    if (!actor_is_alive(lr->rt, lr->console) ||
        !mk_send_from(lr->rt, ACTOR_ID_INVALID, lr->console, MSG_TTY_WRITE, buf, len))
        fputs(buf, stderr);
}

static void log_route_destroy(runtime_t *rt, void *data)
{
    runtime_set_log_sink(rt, NULL, NULL);
    mk_free(data);
}

actor_id_t shell_start(runtime_t *rt, const shell_config_t *cfg)
{
    if (!rt || !cfg) {
        mk_set_error("shell_start: %s is NULL", rt ? "config" : "runtime");
        return ACTOR_ID_INVALID;
    }
    shell_t *sh = mk_calloc(1, sizeof *sh);
    if (!sh) {
        mk_set_error("shell_start: out of memory");
        return ACTOR_ID_INVALID;
    }
    sh->rt = rt;
    sh->exit_status = cfg->exit_status;
    sh->banner = cfg->banner;
    if (cfg->node_name)
        copy_str(sh->node_name, sizeof sh->node_name, cfg->node_name);
    else
        snprintf(sh->node_name, sizeof sh->node_name, "node-%u", runtime_node_id(rt));
    copy_str(sh->data_dir, sizeof sh->data_dir, cfg->data_dir);
    if (cfg->script_path) {
        copy_str(sh->script_path, sizeof sh->script_path, cfg->script_path);
        sh->script = fopen(cfg->script_path, "r");
        if (!sh->script) {
            mk_set_error("shell_start: cannot open script %s: %s", cfg->script_path,
                         strerror(errno));
            mk_free(sh);
            return ACTOR_ID_INVALID;
        }
    }
    FILE *script = sh->script;
    sh->self = actor_spawn(rt, shell_behavior, sh, shell_free, 64);
    if (sh->self == ACTOR_ID_INVALID) {
        if (script)
            fclose(script);
        mk_free(sh);
        return ACTOR_ID_INVALID;
    }
    actor_id_t shell = sh->self;
    sh_outbox_init(&sh->to_self, rt, shell, shell, NULL, NULL);
    sh->console = console_spawn(rt, script ? -1 : cfg->in_fd, cfg->out_fd, shell);
    if (sh->console == ACTOR_ID_INVALID) {
        actor_stop(rt, shell);
        return ACTOR_ID_INVALID;
    }
    sh_outbox_init(&sh->to_console, rt, shell, sh->console, console_lost, NULL);
    if (!actor_register_name(rt, "shell", shell) ||
        !actor_register_name(rt, "console", sh->console)) {
        actor_id_t console = sh->console;
        actor_stop(rt, shell);
        actor_stop(rt, console);
        return ACTOR_ID_INVALID;
    }
    actor_id_t log_actor = mk_runtime_log_actor(rt);
    if (actor_is_alive(rt, log_actor) && actor_lookup(rt, "/sys/log") == ACTOR_ID_INVALID)
        actor_register_name(rt, "/sys/log", log_actor);
    if (cfg->capture_logs && !mk_runtime_ext(rt, MK_EXT_SHELL)) {
        log_route_t *lr = mk_malloc(sizeof *lr);
        if (lr) {
            lr->rt = rt;
            lr->console = sh->console;
            mk_runtime_set_ext(rt, MK_EXT_SHELL, lr, log_route_destroy);
            runtime_set_log_sink(rt, log_to_console, lr);
        }
    }
    if (!mk_send_from(rt, shell, shell, MSG_TTY_START, NULL, 0)) {
        actor_id_t console = sh->console;
        actor_stop(rt, shell);
        actor_stop(rt, console);
        return ACTOR_ID_INVALID;
    }
    return shell;
}
