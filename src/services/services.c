/*
 * services.c -- boot of the standard node actors (services_start) and the
 * per-runtime services state in the MK_EXT_SERVICES slot.
 *
 * Called by programs (mk-shell, test nodes) before runtime_run(); the state
 * is destroyed by runtime_destroy() after every actor has stopped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc_internal.h"
#include "microkernel/actor.h"
#include "services/svc_internal.h"

/* MK_EXT_SERVICES destructor: close mounts, drop the path table, free the state. */
static void svc_destroy(runtime_t *rt, void *data)
{
    svc_t *s = data;
    mount_destroy(rt, s);
    if (mk_runtime_path_ctx(rt) == s)
        mk_runtime_set_path_ops(rt, NULL, NULL);
    ns_table_free(&s->paths);
    mk_free(s);
}

svc_t *svc_peek(const runtime_t *rt)
{
    return rt ? mk_runtime_ext(rt, MK_EXT_SERVICES) : NULL;
}

svc_t *svc_get(runtime_t *rt)
{
    svc_t *s = svc_peek(rt);
    if (s)
        return s;
    s = mk_calloc(1, sizeof *s);
    if (!s) {
        mk_set_error("services: out of memory");
        return NULL;
    }
    svc_info_init(rt, s);
    mk_runtime_set_ext(rt, MK_EXT_SERVICES, s, svc_destroy);
    return s;
}

void svc_reply_error(runtime_t *rt, actor_id_t dest, msg_type_t type, const char *id, size_t id_len,
                     const char *fmt, ...)
{
    char buf[512];
    size_t n = 0;
    if (id_len > 0)
        n = (size_t)snprintf(buf, sizeof buf, "id=%.*s\n", (int)(id_len > 64 ? 64 : id_len), id);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "error=");
    size_t reason = n;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
    va_end(ap);
    n = m < 0 ? n : n + (size_t)m;
    if (n > sizeof buf - 2)
        n = sizeof buf - 2;
    /* One line: a reason never carries a newline of its own. */
    for (size_t i = reason; i < n; i++)
        if (buf[i] == '\n' || buf[i] == '\0')
            buf[i] = ' ';
    buf[n++] = '\n';
    if (dest != ACTOR_ID_INVALID)
        actor_send(rt, dest, type, buf, n);
}

/* mkdir -p for `path` (mode 0700 for directories created here). */
static bool make_dirs(const char *path)
{
    char tmp[PATH_MAX];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof tmp)
        return mk_fail("services_start: data directory \"%s\" is empty or too long", path);
    memcpy(tmp, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return mk_fail("services_start: cannot create %s: %s", tmp, strerror(errno));
            tmp[i] = c;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return mk_fail("services_start: %s is not a directory", path);
    return true;
}

bool svc_pick_data_dir(svc_t *s, const services_config_t *cfg)
{
    int n;
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (cfg->data_dir && cfg->data_dir[0])
        n = snprintf(s->data_dir, sizeof s->data_dir, "%s", cfg->data_dir);
    else if (xdg && xdg[0] == '/')
        n = snprintf(s->data_dir, sizeof s->data_dir, "%s/microkernel", xdg);
    else if (home && home[0] == '/')
        n = snprintf(s->data_dir, sizeof s->data_dir, "%s/.local/share/microkernel", home);
    else
        return mk_fail("services_start: no data directory: set data_dir, XDG_DATA_HOME or HOME");
    if (n < 0 || (size_t)n >= sizeof s->data_dir)
        return mk_fail("services_start: data directory path is too long");
    return make_dirs(s->data_dir);
}

static void stop_started(runtime_t *rt, svc_t *s)
{
    actor_id_t *ids[] = {&s->kv_actor, &s->caps_actor, &s->mount_actor, &s->ns_actor};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        if (*ids[i] != ACTOR_ID_INVALID)
            actor_stop(rt, *ids[i]);
        *ids[i] = ACTOR_ID_INVALID;
    }
    mount_destroy(rt, s);
}

bool services_start(runtime_t *rt, const services_config_t *cfg)
{
    services_config_t defaults = {0};
    if (!cfg)
        cfg = &defaults;
    if (!rt)
        return mk_fail("services_start: runtime is NULL");
    if (!ns_install(rt))
        return false;
    svc_t *s = svc_get(rt);
    if (s->started)
        return mk_fail("services_start: already started on this runtime");
    if (cfg->node_name && !node_set_name(rt, cfg->node_name))
        return false;
    /* The KV store and the node key (mount authentication) live there. */
    if ((!cfg->no_kv || !cfg->mount_original) && !svc_pick_data_dir(s, cfg))
        return false;
    char why[256] = "";
    if (!ns_spawn(rt, s) || !caps_spawn(rt, s) || !mount_start(rt, s, cfg) ||
        (!cfg->no_kv && !kv_spawn(rt, s))) {
        snprintf(why, sizeof why, "%s", mk_last_error());
        stop_started(rt, s);
        return mk_fail("%s", why);
    }
    s->started = true;
    return true;
}

const char *services_data_dir(runtime_t *rt)
{
    svc_t *s = svc_peek(rt);
    return s ? s->data_dir : "";
}

size_t services_peer_count(runtime_t *rt)
{
    svc_t *s = svc_peek(rt);
    size_t n = 0;
    for (size_t i = 0; s && i < SVC_MAX_PEERS; i++)
        n += s->peers[i].node != 0;
    return n;
}
