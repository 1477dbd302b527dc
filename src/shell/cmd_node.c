/*
 * cmd_node.c -- the shell commands that reach past the core: load and
 * reload (WASM actors), ls (the namespace), mount (other nodes), caps.
 *
 * Each needs a layer above the core; in a build without that layer the
 * command says so ("not available in this build: ...") instead of
 * pretending. `ls` lists the paths of the local registry, which is where
 * the namespace and mounted peers put them.
 */
#include <stdlib.h>
#include <string.h>

#include "shell/shell_internal.h"

shell_result_t cmd_load(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    return sh_error(sh, "not available in this build: WASM actors (src/wasm)");
}

shell_result_t cmd_reload(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    return sh_error(sh, "not available in this build: WASM hot reload (src/wasm)");
}

shell_result_t cmd_mount(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    return sh_error(sh, "not available in this build: mounting nodes (src/services, src/net)");
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
    const char **names = calloc(MK_MAX_NAMES, sizeof *names);
    actor_id_t *ids = calloc(MK_MAX_NAMES, sizeof *ids);
    const char **rows = calloc(MK_MAX_NAMES, sizeof *rows);
    if (!names || !ids || !rows) {
        free(names);
        free(ids);
        free(rows);
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
    free(names);
    free(ids);
    free(rows);
    return SHELL_DONE;
}
