/*
 * history.c -- the shell's command history: a ring of the last
 * SHELL_HISTORY_MAX lines, kept across restarts in <data-dir>/history (one
 * line per command, appended as it is typed) and handed to the console's
 * line editor at start so Up-arrow recalls the previous session.
 *
 * Called by shell.c on every line and by the `history` command. The file
 * is small and local; writing it is the only disk I/O the shell does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shell/shell_internal.h"

static void ring_add(shell_t *sh, const char *line)
{
    size_t slot;
    if (sh->hist_count < SHELL_HISTORY_MAX) {
        slot = (sh->hist_first + sh->hist_count) % SHELL_HISTORY_MAX;
        sh->hist_count++;
    } else {
        slot = sh->hist_first;
        sh->hist_first = (sh->hist_first + 1) % SHELL_HISTORY_MAX;
    }
    snprintf(sh->history[slot], sizeof sh->history[slot], "%s", line);
    sh->hist_total++;
}

static bool history_path(shell_t *sh, char *path, size_t cap)
{
    if (!sh->data_dir[0])
        return false;
    int n = snprintf(path, cap, "%s/history", sh->data_dir);
    return n > 0 && (size_t)n < cap;
}

void sh_history_load(shell_t *sh)
{
    char path[SHELL_PATH_MAX + 16];
    if (!history_path(sh, path, sizeof path))
        return;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno != ENOENT)
            sh_printf(sh, "warning: history: cannot read %s: %s\n", path, strerror(errno));
        return;
    }
    char line[MK_READLINE_LINE_MAX + 1];
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len > 0)
            ring_add(sh, line);
    }
    fclose(f);
    for (size_t i = 0; i < sh->hist_count; i++) {
        const char *h = sh->history[(sh->hist_first + i) % SHELL_HISTORY_MAX];
        actor_send(sh->rt, sh->console, MSG_CONSOLE_HISTORY, h, strlen(h));
    }
}

void sh_history_record(shell_t *sh, const char *line)
{
    size_t i = 0;
    while (line[i] == ' ' || line[i] == '\t')
        i++;
    if (!line[i])
        return;
    ring_add(sh, line);
    char path[SHELL_PATH_MAX + 16];
    if (!history_path(sh, path, sizeof path))
        return;
    FILE *f = fopen(path, "a");
    if (!f) {
        sh_printf(sh, "warning: history: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    fprintf(f, "%s\n", line);
    fclose(f);
}

shell_result_t cmd_history(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    unsigned long first = sh->hist_total - sh->hist_count + 1;
    for (size_t i = 0; i < sh->hist_count; i++)
        sh_printf(sh, "%5lu  %s\n", first + i,
                  sh->history[(sh->hist_first + i) % SHELL_HISTORY_MAX]);
    return SHELL_DONE;
}
