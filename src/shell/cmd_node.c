/*
 * cmd_node.c -- the shell commands that reach past the core: load and
 * reload (WASM actors), ls (the namespace), mount (other nodes), caps,
 * trust and untrust (the trust list of node links, docs/security.md).
 *
 * Each needs a layer above the core; in a build without that layer the
 * command says so ("not available in this build: ...") instead of
 * pretending. `ls` lists the paths of the local registry, which is where
 * the namespace and mounted peers put them.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "shell/shell_internal.h"
#ifdef MK_SHELL_WASM
#include "microkernel/wasm_actor.h"
#endif
#ifdef MK_SHELL_SERVICES
#include "microkernel/namespace.h"
#include "microkernel/node_services.h"
#include "net/trust.h"
#endif

#ifdef MK_SHELL_WASM
/* The name `load` registers: the file name without its folder and ".wasm"
 * (or ".wat"), then name_1, name_2, ... when taken. False when none is free. */
static bool load_name(shell_t *sh, const char *path, char *name, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".wasm") == 0)
        len -= 5;
    else if (len > 4 && strcmp(base + len - 4, ".wat") == 0)
        len -= 4;
    if (len == 0 || len > MK_NAME_MAX - 4)
        return false;
    snprintf(name, cap, "%.*s", (int)len, base);
    for (int i = 1; actor_lookup(sh->rt, name) != ACTOR_ID_INVALID; i++) {
        if (i > 999)
            return false;
        snprintf(name, cap, "%.*s_%d", (int)len, base, i);
    }
    return true;
}

/* load's words after the command: one path, and --wasi / --dir HOST[::GUEST] /
 * --dir-ro HOST[::GUEST] in any order (a --dir implies --wasi), then
 * optionally `--` and the guest's arguments (argv[1]...; implies --wasi).
 * The preopens and arguments point into `args` (HOST is cut at "::" in
 * `hosts`). False after printing the reason. */
typedef struct load_opts {
    const char *path;
    bool wasi;
    wasm_actor_wasi_dir_t dirs[SHELL_ARGS_MAX / 2];
    char hosts[SHELL_ARGS_MAX / 2][256];
    size_t ndirs;
    const char *argv[SHELL_ARGS_MAX]; /* argv[0] is set by cmd_load */
    size_t argc;
} load_opts_t;

static bool load_parse(shell_t *sh, const shell_args_t *args, load_opts_t *o)
{
    o->argc = 1;
    for (size_t i = 1; i < args->argc; i++) {
        const char *a = args->argv[i];
        if (!strcmp(a, "--")) { /* the rest is the guest's argv */
            while (++i < args->argc)
                o->argv[o->argc++] = args->argv[i];
            o->wasi = true;
        } else if (!strcmp(a, "--wasi")) {
            o->wasi = true;
        } else if (!strcmp(a, "--dir") || !strcmp(a, "--dir-ro")) {
            if (i + 1 >= args->argc) {
                sh_usage_error(sh, "%s needs HOST[::GUEST]", a);
                return false;
            }
            const char *v = args->argv[++i], *sep = strstr(v, "::");
            size_t hl = sep ? (size_t)(sep - v) : strlen(v);
            if (hl == 0 || hl >= sizeof o->hosts[0] || (sep && sep[2] == 0)) {
                sh_usage_error(sh, "%s %.80s: expected HOST[::GUEST]", a, v);
                return false;
            }
            memcpy(o->hosts[o->ndirs], v, hl);
            o->hosts[o->ndirs][hl] = 0;
            o->dirs[o->ndirs] =
                (wasm_actor_wasi_dir_t){o->hosts[o->ndirs], sep ? sep + 2 : NULL, a[5] == '-'};
            o->ndirs++;
            o->wasi = true;
        } else if (a[0] == '-' && a[1] == '-') {
            sh_usage_error(sh, "unknown option '%.40s' (--wasi, --dir, --dir-ro, -- ARG...)", a);
            return false;
        } else if (o->path) {
            sh_usage_error(sh, "one module path only ('%.80s' and '%.80s')", o->path, a);
            return false;
        } else {
            o->path = a;
        }
    }
    if (!o->path) {
        sh_usage_error(sh, "no module path");
        return false;
    }
    return true;
}

shell_result_t cmd_load(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    load_opts_t o;
    memset(&o, 0, sizeof o);
    if (!load_parse(sh, args, &o))
        return SHELL_FAILED;
    const char *path = o.path;
    char name[MK_NAME_MAX + 1];
    if (!load_name(sh, path, name, sizeof name))
        return sh_usage_error(sh, "no name can be made from '%.80s'", path);
    if (!wasm_actors_init())
        return sh_error(sh, "%s", mk_last_error());
    actor_id_t id;
    if (o.wasi) { /* argv[0] is the module's name; stdout/stderr go to the node's log */
        o.argv[0] = name;
        wasm_actor_wasi_t w = {o.dirs, o.ndirs, o.argv, o.argc, NULL, 0, NULL, NULL};
        id = actor_spawn_wasm_file_wasi(sh->rt, path, 16, WASM_DEFAULT_STACK_SIZE,
                                        WASM_DEFAULT_HEAP_SIZE, FIBER_STACK_SMALL, &w);
    } else {
        id = actor_spawn_wasm_file(sh->rt, path, 16, WASM_DEFAULT_STACK_SIZE,
                                   WASM_DEFAULT_HEAP_SIZE, FIBER_STACK_SMALL);
    }
    if (id == ACTOR_ID_INVALID)
        return sh_error(sh, "%s", mk_last_error());
    if (!actor_register_name(sh->rt, name, id)) {
        sh_error(sh, "spawned 0x%016llx but cannot name it: %s", (unsigned long long)id,
                 mk_last_error());
        actor_stop(sh->rt, id);
        return SHELL_FAILED;
    }
    sh_printf(sh, "Spawned actor %u as '%s'\n", actor_id_seq(id), name);
    return SHELL_DONE;
}

shell_result_t cmd_reload(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    actor_id_t id;
    if (!sh_resolve(sh, args->argv[1], &id))
        return SHELL_FAILED;
    if (!actor_is_wasm(sh->rt, id))
        return sh_error(sh, "'%.80s' (0x%016llx) is not a local WASM actor", args->argv[1],
                        (unsigned long long)id);
    if (!actor_reload_wasm_file(sh->rt, id, args->argv[2]))
        return sh_error(sh, "%s", mk_last_error());
    sh_printf(sh, "Reloaded actor 0x%016llx from %s\n", (unsigned long long)id, args->argv[2]);
    return SHELL_DONE;
}
#else
shell_result_t cmd_load(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    return sh_error(sh, "not available in this build: WASM actors (ENABLE_WASM, src/wasm)");
}

shell_result_t cmd_reload(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    return sh_error(sh, "not available in this build: WASM hot reload (ENABLE_WASM, src/wasm)");
}
#endif

#ifdef MK_SHELL_SERVICES
#define MOUNT_TIMEOUT_MS 10000

/* The value of field `name` in a "name=value\n" payload, copied into out. */
static bool field(const message_t *msg, const char *name, char *out, size_t cap)
{
    const char *p = msg->payload;
    size_t n = msg->payload_size, nl = strlen(name);
    for (size_t i = 0; i + nl + 1 <= n; i++) {
        if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, name, nl) == 0 && p[i + nl] == '=') {
            size_t j = i + nl + 1, k = j;
            while (k < n && p[k] != '\n')
                k++;
            size_t len = k - j < cap - 1 ? k - j : cap - 1;
            memcpy(out, p + j, len);
            out[len] = '\0';
            return true;
        }
    }
    return false;
}

static shell_result_t mount_reply(shell_t *sh, const message_t *msg)
{
    char node[32] = "?", name[NODE_NAME_MAX + 1] = "?", why[256];
    if (msg->type == MSG_MOUNT_OK) {
        field(msg, "node", node, sizeof node);
        field(msg, "name", name, sizeof name);
        bool already = field(msg, "already", why, sizeof why);
        sh_printf(sh, "%s node %s '%s' at /node/%s/\n", already ? "Already mounted:" : "Mounted",
                  node, name, name);
        return SHELL_DONE;
    }
    if (msg->type == MSG_MOUNT_ERROR && field(msg, "error", why, sizeof why)) {
        /* The service's text starts "mount ..." or "mount: ..."; the shell's
         * own "error: mount: " prefix says that already. */
        const char *w = why;
        if (strncmp(w, "mount: ", 7) == 0)
            w += 7;
        else if (strncmp(w, "mount ", 6) == 0)
            w += 6;
        return sh_error(sh, "%s", w);
    }
    sh_print_message(sh, "[unexpected reply]", msg);
    return SHELL_FAILED;
}

static shell_reply_handler_t mount_handler = {mount_reply, NULL};

/* Whether `host` (an IP literal, "localhost" or this machine's host name)
 * names this machine. No DNS lookup: other names are not recognised. */
static bool host_is_this_machine(const char *host)
{
    char me[256];
    if (strcasecmp(host, "localhost") == 0)
        return true;
    if (gethostname(me, sizeof me - 1) == 0) {
        me[sizeof me - 1] = '\0';
        if (strcasecmp(host, me) == 0)
            return true;
    }
    unsigned char want[16];
    int family = inet_pton(AF_INET, host, want) == 1    ? AF_INET
                 : inet_pton(AF_INET6, host, want) == 1 ? AF_INET6
                                                        : 0;
    if (family == AF_INET && (want[0] == 127 || memcmp(want, "\0\0\0\0", 4) == 0))
        return true; /* 127.0.0.0/8 and 0.0.0.0 reach this machine */
    if (family == AF_INET6) {
        static const unsigned char any[16] = {0}, loop[16] = {[15] = 1};
        if (memcmp(want, any, 16) == 0 || memcmp(want, loop, 16) == 0)
            return true;
    }
    if (!family)
        return false;
    struct ifaddrs *ifs = NULL, *i;
    bool found = false;
    if (getifaddrs(&ifs) != 0)
        return false;
    for (i = ifs; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != family)
            continue;
        if (family == AF_INET)
            found = memcmp(&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, want, 4) == 0;
        else
            found = memcmp(&((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, want, 16) == 0;
    }
    freeifaddrs(ifs);
    return found;
}

/* Whether target "host[:port]" (or "[v6]:port") is this node's own mount
 * listener: mounting it would only end in "node ID clash" in the log. */
static bool target_is_self(shell_t *sh, const char *target)
{
    uint16_t own = services_mount_port(sh->rt);
    if (own == 0)
        return false;
    char host[256];
    const char *port = NULL;
    if (target[0] == '[') {
        const char *rb = strchr(target, ']');
        if (!rb || (size_t)(rb - target) - 1 >= sizeof host)
            return false;
        snprintf(host, sizeof host, "%.*s", (int)(rb - target - 1), target + 1);
        port = rb[1] == ':' ? rb + 2 : NULL;
    } else {
        const char *colon = strchr(target, ':');
        snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - target) : (int)strlen(target),
                 target);
        port = colon ? colon + 1 : NULL;
    }
    unsigned long p = port ? strtoul(port, NULL, 10) : MOUNT_DEFAULT_PORT;
    return p == own && host_is_this_machine(host);
}

shell_result_t cmd_mount(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    const char *target = args->argv[1];
    if (!target[0] || strlen(target) > 255 || strchr(target, '\n'))
        return sh_usage_error(sh, "'%.60s' is not a host[:port]", target);
    actor_id_t listener = actor_lookup(sh->rt, "/sys/mount-listen");
    if (listener == ACTOR_ID_INVALID)
        return sh_error(sh, "no mount service on this node (/sys/mount-listen)");
    if (target_is_self(sh, target))
        return sh_error(sh,
                        "%.255s is this node's own mount listener (port %u): a node cannot "
                        "mount itself; give another node's host:port",
                        target, (unsigned)services_mount_port(sh->rt));
    if (!actor_send(sh->rt, listener, MSG_MOUNT, target, strlen(target)))
        return sh_error(sh, "%s", mk_last_error());
    return sh_wait_reply(sh, listener, MOUNT_TIMEOUT_MS, &mount_handler);
}

/* The original's Linux mk-shell (compat/services.md 6.2): the reply text
 * verbatim, "Unexpected reply type=<t>", or "Timeout (5s)". */
static shell_result_t caps_reply(shell_t *sh, const message_t *msg)
{
    if (msg->type != MSG_CAPS_REPLY) {
        sh_printf(sh, "Unexpected reply type=%u\n", (unsigned)msg->type);
        return SHELL_FAILED;
    }
    size_t n = msg->payload_size;
    const char *p = msg->payload;
    sh_printf(sh, "%.*s%s", (int)n, p, n == 0 || p[n - 1] != '\n' ? "\n" : "");
    return SHELL_DONE;
}

static shell_reply_handler_t caps_handler = {caps_reply, "Timeout (5s)"};

/* This node's caps, then which backend serves each of the five cloud
 * service paths as this node resolves them (issue 15; our extension after
 * the original's lines): "backend /node/storage/kv=local 0x...". */
static shell_result_t caps_local_reply(shell_t *sh, const message_t *msg)
{
    static const char *const paths[] = {"/node/storage/kv", "/node/storage/db",
                                        "/node/queue/default", "/node/ai/infer", "/node/ai/embed"};
    shell_result_t r = caps_reply(sh, msg);
    if (r != SHELL_DONE)
        return r;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        actor_id_t id;
        ns_backend_t b = ns_path_backend(sh->rt, paths[i], &id);
        if (b == NS_BACKEND_NONE)
            sh_printf(sh, "backend %s=none\n", paths[i]);
        else
            sh_printf(sh, "backend %s=%s 0x%016" PRIx64 "\n", paths[i], ns_backend_name(b),
                      (uint64_t)id);
    }
    return SHELL_DONE;
}

static shell_reply_handler_t caps_local_handler = {caps_local_reply, "Timeout (5s)"};

shell_result_t cmd_caps(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    actor_id_t caps;
    if (args->argc == 1) {
        /* This node's, at /node/<identity>/caps as the original asks. */
        node_info_t ni;
        char path[NS_PATH_MAX + 16];
        snprintf(path, sizeof path, "/node/%s/caps",
                 node_info_get(sh->rt, &ni) ? ni.name : sh->node_name);
        caps = actor_lookup(sh->rt, path);
        if (caps == ACTOR_ID_INVALID)
            caps = actor_lookup(sh->rt, "/sys/caps");
        if (caps == ACTOR_ID_INVALID)
            return sh_error(sh, "no caps service on this node (%s)", path);
        if (!actor_send(sh->rt, caps, MSG_CAPS_REQUEST, NULL, 0))
            return sh_error(sh, "%s", mk_last_error());
        return sh_wait_reply(sh, caps, SHELL_CALL_TIMEOUT_MS, &caps_local_handler);
    } else {
        /* A mounted node's name, or any actor (path, name, ID) that answers. */
        const char *t = args->argv[1];
        char path[NS_PATH_MAX + 16];
        snprintf(path, sizeof path, "/node/%s/caps", t);
        caps = t[0] != '/' ? actor_lookup(sh->rt, path) : ACTOR_ID_INVALID;
        if (caps == ACTOR_ID_INVALID && !sh_resolve(sh, t, &caps))
            return SHELL_FAILED;
    }
    if (!actor_send(sh->rt, caps, MSG_CAPS_REQUEST, NULL, 0))
        return sh_error(sh, "%s", mk_last_error());
    return sh_wait_reply(sh, caps, SHELL_CALL_TIMEOUT_MS, &caps_handler);
}

shell_result_t cmd_ls(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    const char *prefix = args->argc == 2 ? args->argv[1] : "/";
    ns_path_error_t pe = ns_path_check(prefix, strlen(prefix), true);
    if (pe != NS_PATH_OK)
        return sh_usage_error(sh, "'%.60s' %s", prefix, ns_path_strerror(pe));
    size_t n = ns_list(sh->rt, prefix, NULL, 0);
    if (n == 0) {
        if (ns_count(sh->rt) == 0 && mk_last_error()[0])
            return sh_error(sh, "%s", mk_last_error());
        sh_printf(sh, "(empty)\n");
        return SHELL_DONE;
    }
    ns_entry_t *e = mk_calloc(n, sizeof *e);
    if (!e)
        return sh_error(sh, "out of memory");
    n = ns_list(sh->rt, prefix, e, n);
    /* The original's ns_list_paths lines: "<path>=<decimal id>". */
    for (size_t i = 0; i < n; i++)
        sh_printf(sh, "%s=%llu\n", e[i].path, (unsigned long long)e[i].id);
    mk_free(e);
    return SHELL_DONE;
}

/* Print the keys of the trust list, or say it is empty. */
static shell_result_t list_trusted(shell_t *sh, const char *dir)
{
    char path[SHELL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, TRUST_FILE);
    FILE *f = fopen(path, "r");
    size_t n = 0;
    char line[TRUST_LINE_MAX + 2];
    while (f && fgets(line, sizeof line, f)) {
        unsigned char pub[NODE_KEY_RAW];
        if (trust_parse_line(line, strcspn(line, "\n"), pub) == 1) {
            char text[NODE_KEY_TEXT_MAX + 1];
            node_key_format(pub, text);
            sh_printf(sh, "  %s\n", text);
            n++;
        }
    }
    if (f)
        fclose(f);
    if (n == 0)
        sh_printf(sh, "(no trusted keys in %s)\n", path);
    return SHELL_DONE;
}

shell_result_t cmd_trust(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    const char *dir = services_data_dir(sh->rt);
    if (!dir[0])
        return sh_error(sh, "no node services on this node: no trust list");
    if (args->argc == 1)
        return list_trusted(sh, dir);
    bool added;
    if (!trust_add(dir, args->argv[1], &added))
        return sh_error(sh, "%s", mk_last_error());
    unsigned char pub[NODE_KEY_RAW];
    char text[NODE_KEY_TEXT_MAX + 1];
    node_key_parse(args->argv[1], strlen(args->argv[1]), pub);
    node_key_format(pub, text);
    sh_printf(sh, added ? "Trusted %s (from the next mount on)\n" : "Already trusted: %s\n", text);
    return SHELL_DONE;
}

shell_result_t cmd_untrust(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    const char *dir = services_data_dir(sh->rt);
    if (!dir[0])
        return sh_error(sh, "no node services on this node: no trust list");
    bool removed;
    if (!trust_remove(dir, args->argv[1], &removed))
        return sh_error(sh, "%s", mk_last_error());
    if (!removed)
        return sh_error(sh, "'%.80s' is not in the trust list", args->argv[1]);
    sh_printf(sh,
              "Untrusted %s (links up now stay until they close; the next mount is "
              "refused)\n",
              args->argv[1]);
    return SHELL_DONE;
}
#else
shell_result_t cmd_trust(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    return sh_error(sh, "not available in this build: node links (src/services)");
}

shell_result_t cmd_untrust(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    return cmd_trust(sh, args, line, len);
}

shell_result_t cmd_mount(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    return sh_error(sh, "not available in this build: mounting nodes (src/services)");
}

shell_result_t cmd_caps(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    return sh_error(sh, "not available in this build: capabilities (src/services)");
}
static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

shell_result_t cmd_ls(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    const char *prefix = args->argc == 2 ? args->argv[1] : "/";
    if (prefix[0] != '/')
        return sh_usage_error(sh, "a path starts with '/' ('%.40s' does not)", prefix);
    const char **names = mk_calloc(MK_MAX_NAMES, sizeof *names);
    actor_id_t *ids = mk_calloc(MK_MAX_NAMES, sizeof *ids);
    const char **rows = mk_calloc(MK_MAX_NAMES, sizeof *rows);
    if (!names || !ids || !rows) {
        mk_free(names);
        mk_free(ids);
        mk_free(rows);
        return sh_error(sh, "out of memory");
    }
    size_t n = runtime_list_names(sh->rt, names, ids, MK_MAX_NAMES);
    if (n > MK_MAX_NAMES)
        n = MK_MAX_NAMES;
    size_t plen = strlen(prefix), k = 0;
    for (size_t i = 0; i < n; i++)
        if (names[i][0] == '/' && strncmp(names[i], prefix, plen) == 0)
            rows[k++] = names[i];
    qsort(rows, k, sizeof *rows, compare_paths);
    int width = 4;
    for (size_t i = 0; i < k; i++)
        if ((int)strlen(rows[i]) > width)
            width = (int)strlen(rows[i]);
    for (size_t i = 0; i < k; i++) {
        actor_id_t id = actor_lookup(sh->rt, rows[i]);
        bool local = actor_id_node(id) == runtime_node_id(sh->rt);
        sh_printf(sh, "  %-*s  0x%016llx%s\n", width, rows[i], (unsigned long long)id,
                  local ? "" : "  (remote)");
    }
    if (k == 0)
        sh_printf(sh, "(no paths under %s)\n", prefix);
    mk_free(names);
    mk_free(ids);
    mk_free(rows);
    return SHELL_DONE;
}
#endif
