/*
 * shell_native.c -- the original's native C shell (shell.h's
 * shell_actor_init, compat/services.md section 5): an actor that takes one
 * command line per MSG_SHELL_INPUT, writes its output to stdout in the
 * original's exact formats, and answers MSG_SHELL_PROMPT to its console.
 * Independent of our console/shell pair (shell.c): it shares only the
 * runtime's public API. Waits (`call`, `mount`) are timers, never blocking.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc_internal.h"
#include "core/bytes.h"
#include "core/error_internal.h"
#include "core/log_limit.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/shell.h"
#ifdef MK_SHELL_SERVICES
#include "microkernel/namespace.h"
#include "microkernel/node_info.h"
#include "microkernel/node_services.h"
#endif
#ifdef MK_SHELL_WASM
#include "microkernel/wasm_actor.h"
#include "microkernel/wat.h"
#endif

#define NSH_LINE_MAX      255    /* bytes of a command line kept (the rest is cut) */
#define NSH_HEX_MAX       256    /* bytes of an x:hex payload */
#define NSH_CALL_MS       5000   /* `call` waits this long for any message */
#define NSH_MOUNT_MS      10000  /* `mount` waits this long for the mount actor */
#define NSH_LIST_MAX      64     /* actors `list` and `info` show */
#define NSH_NAMES_MAX     512    /* bytes of names gathered per actor */
#define NSH_LS_MAX        1024   /* bytes of `ls` output (ns_list_paths buffer) */
#define NSH_TEXT_MAX      1024   /* bytes of a text payload printed (then "...") */
#define NSH_WASM_MAX      262144 /* bytes of a module `load`/`reload` read (256 KiB) */
#define NSH_WASM_NAME_MAX 60     /* bytes of the name `load` derives from the file */
#define NSH_MAILBOX       32     /* the shell's mailbox (as the original) */

typedef enum { NSH_IDLE, NSH_CALL, NSH_MOUNT } nsh_wait_t;

typedef struct {
    actor_id_t console;  /* who sent the last line; gets MSG_SHELL_PROMPT */
    nsh_wait_t waiting;  /* what the shell waits for */
    timer_id_t timer;    /* the wait's timeout */
    actor_id_t mount_by; /* the mount actor asked (NSH_MOUNT) */
    mk_log_limit_t lim_remote;
} nsh_t;

/* ---- Output helpers ---------------------------------------------------- */

static void out(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static void out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
}

/* " \"text\"" when every byte is >= 0x20 or \n \r \t, else " [hh hh ...]"
 * (first 32 bytes, " ..." when longer); nothing for an empty payload. Text
 * is cut at NSH_TEXT_MAX bytes, followed by "..." (the original prints it
 * all). */
static void print_payload(const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    bool text = true;
    for (size_t i = 0; i < n && text; i++)
        text = p[i] >= 0x20 || p[i] == '\n' || p[i] == '\r' || p[i] == '\t';
    if (text) {
        size_t shown = n > NSH_TEXT_MAX ? NSH_TEXT_MAX : n;
        out(" \"%.*s%s\"", (int)shown, (const char *)p, shown < n ? "..." : "");
        return;
    }
    out(" [");
    for (size_t i = 0; i < n && i < 32; i++)
        out(i ? " %02x" : "%02x", p[i]);
    out("%s]", n > 32 ? " ..." : "");
}

static void print_message(const char *tag, const message_t *msg)
{
    out("%s type=%" PRIu32 " from=%" PRIu64 " size=%zu", tag, (uint32_t)msg->type,
        (uint64_t)msg->source, msg->payload_size);
    print_payload(msg->payload, msg->payload_size);
    out("\n");
}

static void prompt(runtime_t *rt, nsh_t *sh)
{
    actor_id_t c = sh->console;
    if (c == ACTOR_ID_INVALID)
        c = actor_lookup(rt, "console");
    if (c == ACTOR_ID_INVALID || !actor_send(rt, c, MSG_SHELL_PROMPT, NULL, 0))
        out("> ");
}

static const char *identity(runtime_t *rt, char *buf, size_t cap)
{
#ifdef MK_SHELL_SERVICES
    node_info_t ni;
    if (node_info_get(rt, &ni)) {
        snprintf(buf, cap, "%s", ni.name);
        return buf;
    }
#endif
    snprintf(buf, cap, "node-%" PRIu32, (uint32_t)runtime_node_id(rt));
    return buf;
}

/* ---- Argument parsing ---------------------------------------------------- */

/* Cut the next blank-separated word out of *p (NUL-terminating it in place);
 * NULL when none is left. */
static char *next_word(char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s) {
        *p = s;
        return NULL;
    }
    char *w = s;
    while (*s && *s != ' ' && *s != '\t')
        s++;
    if (*s)
        *s++ = '\0';
    *p = s;
    return w;
}

static char *skip_blanks(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* A registered name or '/'-path, else a decimal 64-bit id. */
static bool resolve(runtime_t *rt, const char *t, actor_id_t *out_id)
{
    actor_id_t id = actor_lookup(rt, t);
    if (id != ACTOR_ID_INVALID) {
        *out_id = id;
        return true;
    }
    if (*t < '0' || *t > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(t, &end, 10);
    if (errno || *end || v == 0)
        return false;
    *out_id = (actor_id_t)v;
    return true;
}

/* ---- Commands -------------------------------------------------------------- */

static void cmd_help(void)
{
    out("Commands:\n"
        "  help, ?                          this summary\n"
        "  list                             actors of this node\n"
        "  self                             this shell's actor id\n"
        "  whoami                           node identity and shell id\n"
        "  register <name>                  register the shell under a name\n"
        "  lookup <name>                    id of a name or path\n"
        "  send <target> <type> [data|x:hex]  send a message\n"
        "  call <target> <type> [data|x:hex]  send and wait 5 s for a reply\n"
        "  stop <target>                    stop an actor\n"
        "  ls [/prefix]                     namespace paths\n"
        "  info, top                        system and actor table\n"
        "  caps [target]                    ask for capabilities\n"
#ifdef MK_SHELL_WASM
        "  load <path>                      spawn a WASM actor from a file\n"
        "  reload <name> <path>             hot-reload a WASM actor\n"
#endif
#ifdef MK_SHELL_SERVICES
        "  mount <host>[:<port>]            mount another node (default port 4200)\n"
#endif
        "  exit, quit                       stop the runtime\n");
}

static const char *status_word(actor_status_t s)
{
    switch (s) {
    case ACTOR_READY: return "ready";
    case ACTOR_RUNNING: return "running";
    case ACTOR_STOPPED: return "stopped";
    default: return "idle";
    }
}

/* Every name of `id`: flat names (registry order), then paths; separated by
 * NULs in `buf`, at most NSH_NAMES_MAX bytes. Returns how many. */
static size_t names_of(runtime_t *rt, actor_id_t id, char *buf, size_t cap)
{
    size_t used = 0, count = 0;
    const char *names[256];
    actor_id_t ids[256];
    size_t n = runtime_list_names(rt, names, ids, 256);
    if (n > 256)
        n = 256;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (ids[i] != id || used + len + 1 > cap)
            continue;
        memcpy(buf + used, names[i], len + 1);
        used += len + 1;
        count++;
    }
#ifdef MK_SHELL_SERVICES
    char paths[NSH_NAMES_MAX];
    size_t off = 0;
    paths[0] = '\0';
    if (ns_reverse_lookup_all_paths(rt, id, paths, sizeof paths, &off) > 0) {
        char *save = NULL;
        for (char *p = strtok_r(paths, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
            while (*p == ' ')
                p++;
            size_t len = strlen(p);
            if (len == 0 || used + len + 1 > cap)
                continue;
            memcpy(buf + used, p, len + 1);
            used += len + 1;
            count++;
        }
    }
#endif
    return count;
}

static void print_table(runtime_t *rt, bool with_parent)
{
    actor_info_t infos[NSH_LIST_MAX];
    size_t n = runtime_actor_info(rt, infos, NSH_LIST_MAX);
    if (with_parent)
        out("Actors: %zu active\n", n);
    if (with_parent)
        out("  %-4s %-17s %-8s %-5s %-17s %s\n", "SEQ", "ID", "STATUS", "MBOX", "PARENT", "NAME");
    else
        out("  %-4s %-17s %-8s %-5s %s\n", "SEQ", "ID", "STATUS", "MBOX", "NAME");
    for (size_t i = 0; i < n; i++) {
        const actor_info_t *a = &infos[i];
        char names[NSH_NAMES_MAX], mbox[48], parent[24], id[24];
        size_t count = names_of(rt, a->id, names, sizeof names);
        snprintf(mbox, sizeof mbox, "%zu/%zu", a->mailbox_used, a->mailbox_cap);
        snprintf(id, sizeof id, "0x%015" PRIx64, (uint64_t)a->id);
        if (a->parent == ACTOR_ID_INVALID)
            snprintf(parent, sizeof parent, "---");
        else
            snprintf(parent, sizeof parent, "0x%015" PRIx64, (uint64_t)a->parent);
        const char *name = count ? names : "-";
        if (with_parent)
            out("  %-4" PRIu32 " %-17s %-8s %-5s %-17s %s\n", actor_id_seq(a->id), id,
                status_word(a->status), mbox, parent, name);
        else
            out("  %-4" PRIu32 " %-17s %-8s %-5s %s\n", actor_id_seq(a->id), id,
                status_word(a->status), mbox, name);
        const char *p = names;
        for (size_t k = 1; k < count; k++) {
            p += strlen(p) + 1;
            if (with_parent)
                out("  %-4s %-17s %-8s %-5s %-17s %s\n", "", "", "", "", "", p);
            else
                out("  %-4s %-17s %-8s %-5s %s\n", "", "", "", "", p);
        }
    }
}

static void cmd_info(runtime_t *rt)
{
    char ident[64];
    out("%s | ", identity(rt, ident, sizeof ident));
#ifdef MK_SHELL_WASM
    out("wasm ");
#endif
#ifdef HAVE_TLS
    out("tls ");
#endif
    out("http\n\n");
    print_table(rt, true);
    size_t t = runtime_get_transport_count(rt);
    if (t > 0)
        out("\nTransports: %zu\n", t);
}

/* `send`/`call`: prints the outcome; true when the message went out. */
static bool do_send(runtime_t *rt, const char *cmd, char *rest)
{
    char *target = next_word(&rest);
    char *type_s = target ? next_word(&rest) : NULL;
    if (!type_s) {
        out("Usage: %s <target> <type> [data|x:hex]\n", cmd);
        return false;
    }
    actor_id_t dest;
    if (!resolve(rt, target, &dest)) {
        out("Unknown target: %s\n", target);
        return false;
    }
    char *end;
    errno = 0;
    unsigned long type = strtoul(type_s, &end, 0); /* base auto: 0x hex, 0 octal */
    if (errno || *end || type_s[0] == '-' || type > UINT32_MAX) {
        out("Invalid type: %s\n", type_s);
        return false;
    }
    char *data = skip_blanks(rest);
    size_t len = strlen(data);
    uint8_t hex[NSH_HEX_MAX];
    const void *payload = data;
    if (len >= 2 && data[0] == 'x' && data[1] == ':') {
        const char *h = data + 2;
        size_t hl = len - 2;
        if (mk_hex_decode(h, hl, hex, sizeof hex, NULL) != MK_HEX_OK) {
            out("Bad hex payload\n");
            return false;
        }
        payload = hex;
        len = hl / 2;
    }
    if (!actor_send(rt, dest, (msg_type_t)type, len ? payload : NULL, len)) {
        out("Send failed: %s\n", mk_last_error());
        return false;
    }
    out("Sent type=%lu to %" PRIu64 " (%zu bytes)\n", type, (uint64_t)dest, len);
    return true;
}

static void cancel_wait(runtime_t *rt, nsh_t *sh)
{
    if (sh->timer != TIMER_ID_INVALID)
        actor_cancel_timer(rt, sh->timer);
    sh->timer = TIMER_ID_INVALID;
    sh->waiting = NSH_IDLE;
}

static bool start_wait(runtime_t *rt, nsh_t *sh, nsh_wait_t what, uint64_t ms)
{
    cancel_wait(rt, sh);
    sh->timer = actor_set_timer(rt, ms, false);
    if (sh->timer == TIMER_ID_INVALID) {
        out("Cannot wait: %s\n", mk_last_error());
        return false;
    }
    sh->waiting = what;
    return true;
}

static void cmd_ls(runtime_t *rt, char *rest)
{
    char *prefix = next_word(&rest);
    if (!prefix)
        prefix = "/";
#ifdef MK_SHELL_SERVICES
    char buf[NSH_LS_MAX];
    size_t n = ns_list_paths(rt, prefix, buf, sizeof buf);
    if (n == 0) {
        out("(no entries under '%s')\n", prefix);
        return;
    }
    out("%.*s%s", (int)n, buf, buf[n - 1] == '\n' ? "" : "\n");
#else
    (void)rt;
    out("(no entries under '%s')\n", prefix);
#endif
}

static void cmd_caps(runtime_t *rt, char *rest)
{
    char *t = next_word(&rest);
    actor_id_t caps = ACTOR_ID_INVALID;
    if (!t) {
        /* The original looks up the flat name "caps", which its caps actor
         * never registers; ours then tries this node's caps path. */
        caps = actor_lookup(rt, "caps");
#ifdef MK_SHELL_SERVICES
        if (caps == ACTOR_ID_INVALID) {
            char ident[64], path[128];
            snprintf(path, sizeof path, "/node/%s/caps", identity(rt, ident, sizeof ident));
            caps = actor_lookup(rt, path);
        }
#endif
        if (caps == ACTOR_ID_INVALID) {
            out("No caps actor found\n");
            return;
        }
    } else if (!resolve(rt, t, &caps)) {
        out("Unknown target: %s\n", t);
        return;
    }
    if (!actor_send(rt, caps, MSG_CAPS_REQUEST, NULL, 0)) {
        out("Send failed: %s\n", mk_last_error());
        return;
    }
    out("(caps request sent, reply will appear below)\n");
}

/* Returns true when the shell now waits for the mount actor. */
static bool cmd_mount(runtime_t *rt, nsh_t *sh, char *rest)
{
    char *target = next_word(&rest);
    if (!target) {
        out("Usage: mount <host>[:<port>]\n");
        return false;
    }
#ifdef MK_SHELL_SERVICES
    /* Split at the last ':'; default port MK_MOUNT_PORT (4200). */
    char host[128];
    unsigned long port = MK_MOUNT_PORT;
    char *colon = strrchr(target, ':');
    size_t hl = colon ? (size_t)(colon - target) : strlen(target);
    if (colon) {
        char *end;
        errno = 0;
        port = strtoul(colon + 1, &end, 10);
        if (errno || *end || colon[1] == '\0' || port == 0 || port > 65535)
            hl = 0; /* refused below */
    }
    actor_id_t listener = actor_lookup(rt, "/sys/mount-listen");
    if (hl == 0 || hl >= sizeof host || listener == ACTOR_ID_INVALID) {
        out("Mount failed (rc=-1)\n");
        return false;
    }
    memcpy(host, target, hl);
    host[hl] = '\0';
    char req[160];
    int rn = snprintf(req, sizeof req, "%s:%lu", host, port);
    if (!actor_send(rt, listener, MSG_MOUNT, req, (size_t)rn) ||
        !start_wait(rt, sh, NSH_MOUNT, NSH_MOUNT_MS)) {
        out("Mount failed (rc=-1)\n");
        return false;
    }
    sh->mount_by = listener;
    return true;
#else
    (void)rt;
    (void)sh;
    out("Mount failed (rc=-1)\n");
    return false;
#endif
}

#ifdef MK_SHELL_WASM
/* Read a module of 1 .. NSH_WASM_MAX bytes; prints the original's errors.
 * The caller frees the buffer. */
static uint8_t *read_module(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f) {
        out("Cannot open: %s\n", path);
        return NULL;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        out("Cannot open: %s\n", path);
        return NULL;
    }
    if (st.st_size < 1 || st.st_size > NSH_WASM_MAX) {
        fclose(f);
        out("Invalid file size: %lld\n", (long long)st.st_size);
        return NULL;
    }
    uint8_t *buf = mk_malloc((size_t)st.st_size);
    size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!buf || got != (size_t)st.st_size) {
        mk_free(buf);
        out("Cannot open: %s\n", path);
        return NULL;
    }
    *len = got;
    if (wat_is_text(buf, got)) { /* a text module (.wat): translate, see wat.h */
        uint8_t *bin;
        char err[160];
        bool ok = wat_to_wasm((const char *)buf, got, &bin, len, err, sizeof err);
        mk_free(buf);
        if (!ok) {
            out("%s:%s\n", path, err);
            return NULL;
        }
        buf = bin; /* from the library's allocator, as callers mk_free() it */
    }
    return buf;
}

static void cmd_load(runtime_t *rt, char *rest)
{
    char *path = next_word(&rest);
    if (!path) {
        out("Usage: load <path>\n");
        return;
    }
    size_t len;
    uint8_t *buf = read_module(path, &len);
    if (!buf)
        return;
    actor_id_t id =
        actor_spawn_wasm(rt, buf, len, NSH_MAILBOX, WASM_DEFAULT_STACK_SIZE, 0, FIBER_STACK_NONE);
    mk_free(buf);
    if (id == ACTOR_ID_INVALID) {
        out("Failed to spawn WASM actor\n");
        return;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[NSH_WASM_NAME_MAX + 1], try[NSH_WASM_NAME_MAX + 8];
    size_t bl = strlen(base);
    if (bl > 5 && strcmp(base + bl - 5, ".wasm") == 0)
        bl -= 5;
    else if (bl > 4 && strcmp(base + bl - 4, ".wat") == 0)
        bl -= 4;
    if (bl > NSH_WASM_NAME_MAX)
        bl = NSH_WASM_NAME_MAX;
    memcpy(name, base, bl);
    name[bl] = '\0';
    snprintf(try, sizeof try, "%s", name);
    bool ok = actor_register_name(rt, try, id);
    for (int i = 1; !ok && i <= 99; i++) {
        snprintf(try, sizeof try, "%s_%d", name, i);
        ok = actor_register_name(rt, try, id);
    }
    out("Spawned %" PRIu64 " as '%s'\n", (uint64_t)id, ok ? try : name);
}

static void cmd_reload(runtime_t *rt, char *rest)
{
    char *name = next_word(&rest);
    char *path = name ? next_word(&rest) : NULL;
    if (!path) {
        out("Usage: reload <name> <path>\n");
        return;
    }
    actor_id_t old = actor_lookup(rt, name);
    if (old == ACTOR_ID_INVALID) {
        out("Not found: %s\n", name);
        return;
    }
    size_t len;
    uint8_t *buf = read_module(path, &len);
    if (!buf)
        return;
    actor_id_t nid = ACTOR_ID_INVALID;
    reload_result_t r = actor_reload_wasm(rt, old, buf, len, &nid);
    mk_free(buf);
    if (r == RELOAD_OK)
        out("Reloaded '%s' \u2192 %" PRIu64 "\n", name, (uint64_t)nid);
    else
        out("Reload failed (code %d)\n", (int)r);
}
#endif

/* Run one line; returns true when the shell now waits (no prompt yet). */
static bool execute(runtime_t *rt, nsh_t *sh, char *line)
{
    char *rest = line;
    char *cmd = next_word(&rest);
    if (!cmd)
        return false;
    if (!strcmp(cmd, "help") || !strcmp(cmd, "?")) {
        cmd_help();
    } else if (!strcmp(cmd, "list")) {
        print_table(rt, false);
    } else if (!strcmp(cmd, "self")) {
        out("%" PRIu64 "\n", (uint64_t)actor_self(rt));
    } else if (!strcmp(cmd, "whoami")) {
        char ident[64];
        out("%s (actor %" PRIu64 ")\n", identity(rt, ident, sizeof ident),
            (uint64_t)actor_self(rt));
    } else if (!strcmp(cmd, "register")) {
        char *name = next_word(&rest);
        if (!name)
            out("Usage: register <name>\n");
        else if (strlen(name) <= 63 && actor_register_name(rt, name, actor_self(rt)))
            out("Registered as '%s'\n", name);
        else
            out("Failed to register '%s'\n", name);
    } else if (!strcmp(cmd, "lookup")) {
        char *name = next_word(&rest);
        actor_id_t id = name ? actor_lookup(rt, name) : ACTOR_ID_INVALID;
        if (!name)
            out("Usage: lookup <name>\n");
        else if (id == ACTOR_ID_INVALID)
            out("Not found: %s\n", name);
        else
            out("%" PRIu64 "\n", (uint64_t)id);
    } else if (!strcmp(cmd, "send")) {
        do_send(rt, cmd, rest);
    } else if (!strcmp(cmd, "call")) {
        return do_send(rt, cmd, rest) && start_wait(rt, sh, NSH_CALL, NSH_CALL_MS);
    } else if (!strcmp(cmd, "stop")) {
        char *t = next_word(&rest);
        actor_id_t id;
        if (!t) {
            out("Usage: stop <name-or-id>\n");
        } else if (!resolve(rt, t, &id)) {
            out("Unknown target: %s\n", t);
        } else {
            actor_stop(rt, id);
            out("Stopped %" PRIu64 "\n", (uint64_t)id);
        }
    } else if (!strcmp(cmd, "ls")) {
        cmd_ls(rt, rest);
    } else if (!strcmp(cmd, "info") || !strcmp(cmd, "top")) {
        cmd_info(rt);
    } else if (!strcmp(cmd, "caps")) {
        cmd_caps(rt, rest);
    } else if (!strcmp(cmd, "exit") || !strcmp(cmd, "quit")) {
        out("Bye!\n");
        runtime_stop(rt);
    } else if (!strcmp(cmd, "mount")) {
        return cmd_mount(rt, sh, rest);
#ifdef MK_SHELL_WASM
    } else if (!strcmp(cmd, "load")) {
        cmd_load(rt, rest);
    } else if (!strcmp(cmd, "reload")) {
        cmd_reload(rt, rest);
#endif
    } else {
        out("Unknown command: %s (type 'help')\n", cmd);
    }
    return false;
}

/* ---- The actor ---------------------------------------------------------- */

/* The end of a wait: a reply, a mount result or the timeout. Returns true
 * when `msg` ended it. */
static bool wait_event(runtime_t *rt, nsh_t *sh, const message_t *msg)
{
    if (msg->type == MSG_TIMER) {
        const timer_payload_t *tp = msg->payload;
        if (msg->payload_size < sizeof *tp || tp->id != sh->timer)
            return false; /* a cancelled wait's timer */
        sh->timer = TIMER_ID_INVALID;
        out(sh->waiting == NSH_CALL ? "Timeout (5s)\n" : "Mount failed (rc=-1)\n");
        sh->waiting = NSH_IDLE;
        return true;
    }
    if (sh->waiting == NSH_CALL) {
        cancel_wait(rt, sh);
        print_message("[reply]", msg);
        return true;
    }
#ifdef MK_SHELL_SERVICES
    if (msg->source == sh->mount_by &&
        (msg->type == MSG_MOUNT_OK || msg->type == MSG_MOUNT_ERROR)) {
        cancel_wait(rt, sh);
        const char *p = msg->payload;
        size_t n = msg->payload_size;
        const char *name = NULL;
        size_t nl = 0;
        for (size_t i = 0; msg->type == MSG_MOUNT_OK && i + 5 <= n; i++) {
            if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, "name=", 5) == 0) {
                name = p + i + 5;
                while (i + 5 + nl < n && name[nl] != '\n')
                    nl++;
                break;
            }
        }
        if (name)
            out("Mounted: %.*s\n", (int)(nl > 31 ? 31 : nl), name);
        else
            out("Mount failed (rc=-1)\n");
        return true;
    }
#endif
    return false;
}

static bool native_shell(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    nsh_t *sh = state;
    if (msg->type == MSG_SHELL_INIT) {
        actor_register_name(rt, "shell", actor_self(rt)); /* taken: keep going */
        out("\nmk-shell v0.3 (native)\nType 'help' for commands.\n\n");
    } else if (msg->type == MSG_SHELL_INPUT) {
        if (msg->source != ACTOR_ID_INVALID && actor_id_node(msg->source) != runtime_node_id(rt)) {
            /* Commands run with this node's rights: only local actors type. */
            mk_log_limited(rt, &sh->lim_remote, LOG_WARN,
                           "shell: ignored MSG_SHELL_INPUT from remote actor 0x%016" PRIx64,
                           (uint64_t)msg->source);
            return true;
        }
        if (msg->source != ACTOR_ID_INVALID)
            sh->console = msg->source;
        char line[NSH_LINE_MAX + 1];
        size_t n = msg->payload_size > NSH_LINE_MAX ? NSH_LINE_MAX : msg->payload_size;
        if (n)
            memcpy(line, msg->payload, n);
        line[n] = '\0'; /* a NUL inside ends the line */
        if (!execute(rt, sh, line))
            prompt(rt, sh);
    } else if (sh->waiting != NSH_IDLE) {
        if (wait_event(rt, sh, msg))
            prompt(rt, sh);
        else if (msg->type != MSG_TIMER)
            print_message("[msg]", msg);
    } else if (msg->type != MSG_TIMER) {
        print_message("[msg]", msg);
    }
    fflush(stdout);
    return true;
}

actor_id_t shell_actor_init(runtime_t *rt)
{
    nsh_t *sh = mk_calloc(1, sizeof *sh);
    if (!sh) {
        mk_set_error("shell_actor_init: out of memory");
        return ACTOR_ID_INVALID;
    }
    actor_id_t id = actor_spawn(rt, native_shell, sh, mk_free, NSH_MAILBOX);
    if (id == ACTOR_ID_INVALID)
        mk_free(sh);
    return id;
}
