/* shell_h.c -- the original's shell.h (compat/services.md 5): the message
 * numbers, and shell_actor_init's shell driven by a console actor: the
 * banner on MSG_SHELL_INIT, a line run on MSG_SHELL_INPUT and
 * MSG_SHELL_PROMPT back to the console. pkg-config flags only. */
#include <microkernel/message.h>
#include <microkernel/runtime.h>
#include <microkernel/shell.h>
#include <stdio.h>
#include <string.h>

static int prompts;

static bool console(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    actor_id_t shell = *(actor_id_t *)state;
    if (msg->type == 1) {
        actor_send(rt, shell, MSG_SHELL_INPUT, "lookup shell", 12);
    } else if (msg->type == MSG_SHELL_PROMPT) {
        prompts++;
        runtime_stop(rt);
    }
    return true;
}

int main(void)
{
    int ok = MSG_SHELL_INPUT == 100 && MSG_SHELL_INIT == 101 && MSG_SHELL_PROMPT == 109;
    runtime_t *rt = runtime_init(1, 16);
    static actor_id_t sh;
    sh = shell_actor_init(rt);
    actor_id_t con = actor_spawn(rt, console, &sh, NULL, 8);
    ok = ok && sh != ACTOR_ID_INVALID && actor_send(rt, sh, MSG_SHELL_INIT, NULL, 0) &&
         actor_send(rt, con, 1, NULL, 0);
    runtime_run(rt);
    ok = ok && prompts == 1 && actor_lookup(rt, "shell") == sh; /* INIT registered "shell" */
    runtime_destroy(rt);
    fflush(stdout);
    puts(ok ? "shell_h: ok" : "shell_h: FAILED");
    return ok ? 0 : 1;
}
