/*
 * cmd_msg.c -- the shell's messaging commands: send and call, and how the
 * shell prints the messages it receives.
 *
 * `call` never blocks: it sends, arms a SHELL_CALL_TIMEOUT_MS timer and
 * returns SHELL_PENDING; the first ordinary message that reaches the shell
 * afterwards is the reply (sh_call_reply), or the timer ends the wait.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "shell/shell_internal.h"

void sh_print_message(shell_t *sh, const char *tag, const message_t *msg)
{
    char quoted[256];
    shell_quote(msg->payload, msg->payload_size, 64, quoted, sizeof quoted);
    sh_printf(sh, "%s type=%u from=0x%016llx size=%zu %s\n", tag, msg->type,
              (unsigned long long)msg->source, msg->payload_size, quoted);
}

/* Parse "<name-or-id> <type> [data|x:hex]" and send; false after an error
 * was printed. */
static bool parse_and_send(shell_t *sh, const shell_args_t *args, const char *line, size_t len,
                           actor_id_t *dest)
{
    char err[SHELL_ERR_MAX];
    uint32_t type;
    if (!shell_parse_type(args->argv[2], &type, err)) {
        sh_usage_error(sh, "%s", err);
        return false;
    }
    uint8_t *payload = mk_malloc(SHELL_PAYLOAD_MAX);
    if (!payload) {
        sh_error(sh, "out of memory");
        return false;
    }
    size_t n;
    bool ok = false;
    if (!shell_parse_payload(line, len, args, 3, payload, SHELL_PAYLOAD_MAX, &n, err)) {
        sh_usage_error(sh, "%s", err);
    } else if (sh_resolve(sh, args->argv[1], dest)) {
        if (!actor_send(sh->rt, *dest, type, n ? payload : NULL, n))
            sh_error(sh, "%s", mk_last_error());
        else
            ok = true;
    }
    mk_free(payload);
    return ok;
}

shell_result_t cmd_send(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    actor_id_t dest;
    if (!parse_and_send(sh, args, line, len, &dest))
        return SHELL_FAILED;
    sh_printf(sh, "Sent to 0x%016llx\n", (unsigned long long)dest);
    return SHELL_DONE;
}

/* A `call` reply: the first SHELL_REPLY_SHOW_MAX (4096) payload bytes
 * quoted on one line (a SQL result whole), then how much was not shown. */
static shell_result_t print_reply(shell_t *sh, const message_t *msg)
{
    size_t n = msg->payload_size;
    size_t show = n < SHELL_REPLY_SHOW_MAX ? n : SHELL_REPLY_SHOW_MAX;
    size_t cap = show * 4 + 8; /* every byte as \xHH, quotes, "...", NUL */
    char *quoted = mk_malloc(cap);
    if (!quoted) {
        sh_print_message(sh, "[reply]", msg);
        return sh_error(sh, "out of memory: the reply is shown cut at 64 bytes");
    }
    shell_quote(msg->payload, n, show, quoted, cap);
    sh_printf(sh, "[reply] type=%u from=0x%016llx size=%zu ", msg->type,
              (unsigned long long)msg->source, n);
    sh_write(sh, quoted, strlen(quoted));
    sh_printf(sh, "\n");
    mk_free(quoted);
    if (n > show)
        sh_printf(sh, "[%zu of %zu bytes not shown: call shows the first %d]\n", n - show, n,
                  SHELL_REPLY_SHOW_MAX);
    return SHELL_DONE;
}

static shell_reply_handler_t call_handler = {print_reply, NULL};

shell_result_t cmd_call(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    actor_id_t dest;
    if (!parse_and_send(sh, args, line, len, &dest))
        return SHELL_FAILED;
    return sh_wait_reply(sh, dest, SHELL_CALL_TIMEOUT_MS, &call_handler);
}

shell_result_t sh_wait_reply(shell_t *sh, actor_id_t target, unsigned timeout_ms,
                             shell_reply_handler_t *h)
{
    sh->call_timer = actor_set_timer(sh->rt, timeout_ms, false);
    if (sh->call_timer == TIMER_ID_INVALID)
        return sh_error(sh, "sent, but cannot wait for the reply: %s", mk_last_error());
    sh->calling = true;
    sh->call_target = target;
    sh->call_timeout_ms = timeout_ms;
    sh->call_fn = h;
    return SHELL_PENDING;
}

bool sh_call_reply(shell_t *sh, const message_t *msg, shell_result_t *r)
{
    if (msg->source == ACTOR_ID_INVALID)
        return false; /* notices from the runtime itself are not replies */
    sh->calling = false;
    actor_cancel_timer(sh->rt, sh->call_timer);
    *r = sh->call_fn->on_reply(sh, msg);
    return true;
}

void sh_call_timeout(shell_t *sh)
{
    sh->calling = false;
    if (sh->call_fn->timeout_msg) {
        sh_printf(sh, "%s\n", sh->call_fn->timeout_msg);
        return;
    }
    const char *name = sh_name_of(sh, sh->call_target);
    sh_error(sh, "no reply from %s%s0x%016llx within %u s", name ? name : "", name ? " " : "",
             (unsigned long long)sh->call_target, (sh->call_timeout_ms + 999) / 1000);
}
