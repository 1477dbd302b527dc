/*
 * history.c -- the shell's command history: a ring of the last
 * SHELL_HISTORY_MAX lines, kept across restarts and handed to the console's
 * line editor so Up-arrow recalls the previous session.
 *
 * Where it is kept: in the node's local KV store (key "shell/history", the
 * lines joined by '\n') when the node services run -- the seed's acceptance
 * test for the storage integration -- otherwise in <data-dir>/history.
 * KV requests carry "id=mk-shell-history" so their replies are told apart
 * from the replies a `call` waits for. Called by shell.c on every typed
 * line, at start, and before the session ends (pending writes are awaited).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "shell/shell_internal.h"
#ifdef MK_SHELL_SERVICES
#include "microkernel/node_services.h"
#endif

#define HISTORY_ID        "id=mk-shell-history\n"
#define HISTORY_KEY       "shell/history"
#define HISTORY_VALUE_MAX 60000 /* bytes stored (the KV takes 64 KB values) */

static void ring_add(shell_t *sh, const char *line, size_t len)
{
    size_t slot;
    if (sh->hist_count < SHELL_HISTORY_MAX) {
        slot = (sh->hist_first + sh->hist_count) % SHELL_HISTORY_MAX;
        sh->hist_count++;
    } else {
        slot = sh->hist_first;
        sh->hist_first = (sh->hist_first + 1) % SHELL_HISTORY_MAX;
    }
    if (len > LINE_EDIT_LINE_MAX - 1)
        len = LINE_EDIT_LINE_MAX - 1;
    memcpy(sh->history[slot], line, len);
    sh->history[slot][len] = '\0';
    sh->hist_total++;
}

static const char *ring_get(const shell_t *sh, size_t i)
{
    return sh->history[(sh->hist_first + i) % SHELL_HISTORY_MAX];
}

/* Give the console the whole ring as its edit history (after a clear). */
static void ring_to_console(shell_t *sh)
{
    sh_console_control(sh, MSG_TTY_HISTORY, NULL, 0);
    for (size_t i = 0; i < sh->hist_count; i++)
        sh_console_control(sh, MSG_TTY_HISTORY, ring_get(sh, i), strlen(ring_get(sh, i)));
}

/* Add the '\n'-separated lines of `text` (`len` bytes) to the ring. */
static void ring_add_lines(shell_t *sh, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        size_t k = j;
        while (k > i && text[k - 1] == '\r')
            k--;
        if (k > i)
            ring_add(sh, text + i, k - i);
        i = j + 1;
    }
}

/* ---- The file backend -------------------------------------------------- */

static bool history_path(shell_t *sh, char *path, size_t cap)
{
    if (!sh->data_dir[0])
        return false;
    int n = snprintf(path, cap, "%s/history", sh->data_dir);
    return n > 0 && (size_t)n < cap;
}

static void file_load(shell_t *sh)
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
    char line[LINE_EDIT_LINE_MAX + 1];
    while (fgets(line, sizeof line, f))
        ring_add_lines(sh, line, strlen(line));
    fclose(f);
    ring_to_console(sh);
}

static void file_append(shell_t *sh, const char *line)
{
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

/* ---- The KV backend ---------------------------------------------------- */

#ifdef MK_SHELL_SERVICES
/* Store the ring (newest lines that fit in HISTORY_VALUE_MAX). */
static void kv_store(shell_t *sh)
{
    static const char head[] = HISTORY_ID "key=" HISTORY_KEY "\nvalue=";
    char *buf = mk_malloc(sizeof head + HISTORY_VALUE_MAX);
    if (!buf)
        return;
    size_t first = 0, total = 0;
    for (size_t i = sh->hist_count; i > 0; i--) {
        size_t add = strlen(ring_get(sh, i - 1)) + 1;
        if (total + add > HISTORY_VALUE_MAX)
            break;
        total += add;
        first = i - 1;
    }
    size_t n = sizeof head - 1;
    memcpy(buf, head, n);
    for (size_t i = first; i < sh->hist_count && total > 0; i++) {
        size_t l = strlen(ring_get(sh, i));
        memcpy(buf + n, ring_get(sh, i), l);
        n += l;
        buf[n++] = '\n';
    }
    if (actor_send(sh->rt, sh->kv, MSG_KV_PUT, buf, n))
        sh->kv_pending++;
    else
        sh_printf(sh, "warning: history: cannot store: %s\n", mk_last_error());
    mk_free(buf);
}

static void kv_load(shell_t *sh)
{
    static const char req[] = HISTORY_ID "key=" HISTORY_KEY "\n";
    if (actor_send(sh->rt, sh->kv, MSG_KV_GET, req, sizeof req - 1)) {
        sh->kv_pending++;
        sh->kv_loading = true;
    } else {
        sh_printf(sh, "warning: history: cannot load: %s\n", mk_last_error());
    }
}

/* The value of a GET reply: what follows "\nvalue=". */
static const char *reply_value(const message_t *msg, size_t *len)
{
    const char *p = msg->payload;
    size_t n = msg->payload_size;
    for (size_t i = 0; i + 7 <= n; i++) {
        if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, "value=", 6) == 0) {
            *len = n - i - 6;
            return p + i + 6;
        }
    }
    return NULL;
}

bool sh_history_reply(shell_t *sh, const message_t *msg)
{
    if (sh->kv == ACTOR_ID_INVALID || msg->source != sh->kv ||
        msg->payload_size < sizeof HISTORY_ID - 1 ||
        memcmp(msg->payload, HISTORY_ID, sizeof HISTORY_ID - 1) != 0)
        return false;
    if (sh->kv_pending > 0)
        sh->kv_pending--;
    if (sh->kv_loading) {
        sh->kv_loading = false;
        /* Lines typed before the stored ones arrived go after them. */
        char(*typed)[LINE_EDIT_LINE_MAX] = NULL;
        size_t n_typed = sh->hist_count;
        if (n_typed > 0 && (typed = mk_malloc(n_typed * sizeof *typed)) != NULL)
            for (size_t i = 0; i < n_typed; i++)
                memcpy(typed[i], ring_get(sh, i), sizeof typed[i]);
        sh->hist_count = sh->hist_first = 0;
        sh->hist_total = 0;
        size_t vlen;
        const char *v = msg->type == MSG_KV_OK ? reply_value(msg, &vlen) : NULL;
        if (v)
            ring_add_lines(sh, v, vlen);
        else if (msg->type == MSG_KV_ERROR)
            sh_printf(sh, "warning: history: %.*s", (int)msg->payload_size,
                      (const char *)msg->payload);
        for (size_t i = 0; typed && i < n_typed; i++)
            ring_add(sh, typed[i], strlen(typed[i]));
        mk_free(typed);
        ring_to_console(sh);
        if (n_typed > 0)
            kv_store(sh);
        sh_flush(sh);
    } else if (msg->type == MSG_KV_ERROR) {
        sh_printf(sh, "warning: history: cannot store: %.*s", (int)msg->payload_size,
                  (const char *)msg->payload);
        sh_flush(sh);
    }
    return true;
}
#else
bool sh_history_reply(shell_t *sh, const message_t *msg)
{
    (void)sh;
    (void)msg;
    return false;
}
#endif

/* ---- Entry points --------------------------------------------------- */

void sh_history_load(shell_t *sh)
{
#ifdef MK_SHELL_SERVICES
    sh->kv = actor_lookup(sh->rt, "/node/storage/kv");
    if (sh->kv != ACTOR_ID_INVALID && actor_id_node(sh->kv) == runtime_node_id(sh->rt)) {
        kv_load(sh);
        return;
    }
    sh->kv = ACTOR_ID_INVALID;
    mk_clear_error();
#endif
    file_load(sh);
}

void sh_history_record(shell_t *sh, const char *line)
{
    size_t i = 0;
    while (line[i] == ' ' || line[i] == '\t')
        i++;
    if (!line[i])
        return;
    ring_add(sh, line, strlen(line));
#ifdef MK_SHELL_SERVICES
    if (sh->kv != ACTOR_ID_INVALID) {
        if (!sh->kv_loading)
            kv_store(sh);
        return;
    }
#endif
    file_append(sh, line);
}

bool sh_history_busy(const shell_t *sh)
{
    return sh->kv_pending > 0;
}

shell_result_t cmd_history(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    unsigned long first = sh->hist_total - sh->hist_count + 1;
    for (size_t i = 0; i < sh->hist_count; i++)
        sh_printf(sh, "%5lu  %s\n", first + i, ring_get(sh, i));
    return SHELL_DONE;
}
