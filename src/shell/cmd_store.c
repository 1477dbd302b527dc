/*
 * cmd_store.c -- `check`: asks the node's local KV actor for a full
 * consistency check of its two SQLite files (MSG_KV_CHECK, PRAGMA
 * integrity_check) and prints the verdict. The open-time quick_check
 * already refuses a damaged store; this is the deeper check on request.
 *
 * Never blocks the shell: the request is answered by a message, waited for
 * with a timer like `call`. Says "not available in this build" without
 * the node services.
 */
#include <string.h>

#include "shell/shell_internal.h"
#ifdef MK_SHELL_SERVICES
#include "microkernel/node_services.h"
#endif

#define CHECK_ID         "id=mk-shell-check\n"
#define CHECK_TIMEOUT_MS 60000 /* a full check reads every page of both files */

#ifdef MK_SHELL_SERVICES
/* The value of field `name` in a KV reply ("name=value\n" lines), at most
 * `cap` - 1 bytes; false when absent. */
static bool reply_field(const message_t *msg, const char *name, char *out, size_t cap)
{
    const char *p = msg->payload;
    size_t n = msg->payload_size, nl = strlen(name);
    for (size_t i = 0; i + nl < n; i++) {
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

static shell_result_t check_reply(shell_t *sh, const message_t *msg)
{
    char kv[16], db[16], why[1024];
    if (msg->type == MSG_KV_OK && reply_field(msg, "kv", kv, sizeof kv) &&
        reply_field(msg, "db", db, sizeof db)) {
        sh_printf(sh, "kv.sqlite3: %s\ndb.sqlite3: %s\n", kv, db);
        return SHELL_DONE;
    }
    if (msg->type == MSG_KV_ERROR && reply_field(msg, "error", why, sizeof why))
        return sh_error(sh, "%s", why);
    sh_print_message(sh, "[unexpected reply]", msg);
    return SHELL_FAILED;
}

static shell_reply_handler_t check_handler = {check_reply, NULL};

shell_result_t cmd_check(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    actor_id_t kv = actor_lookup(sh->rt, "/node/storage/kv");
    if (kv == ACTOR_ID_INVALID || actor_id_node(kv) != runtime_node_id(sh->rt))
        return sh_error(sh, "no local KV store on this node (/node/storage/kv)");
    if (!actor_send(sh->rt, kv, MSG_KV_CHECK, CHECK_ID, sizeof CHECK_ID - 1))
        return sh_error(sh, "%s", mk_last_error());
    return sh_wait_reply(sh, kv, CHECK_TIMEOUT_MS, &check_handler);
}
#else
shell_result_t cmd_check(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)args;
    (void)line;
    (void)len;
    return sh_error(sh, "not available in this build: the local KV store (src/services)");
}
#endif
