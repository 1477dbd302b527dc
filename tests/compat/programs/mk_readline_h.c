/* mk_readline_h.c -- the original's mk_readline.h (compat/services.md 7):
 * constants, the 8800-byte state, editing keys, Enter, history and EOF.
 * pkg-config flags only. */
#include <microkernel/mk_readline.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static char out[1024];
static size_t out_len;

static void sink(const char *buf, size_t len, void *ctx)
{
    (void)ctx;
    if (out_len + len < sizeof out) {
        memcpy(out + out_len, buf, len);
        out_len += len;
    }
}

int main(void)
{
    static mk_readline_t rl;
    int ok = MK_RL_MAX_LINE == 256 && MK_RL_MAX_HISTORY == 32 && MK_RL_CONTINUE == 0 &&
             MK_RL_DONE == 1 && MK_RL_EOF == -1 && offsetof(mk_readline_t, line) == 0;
#if defined(__x86_64__)
    ok = ok && sizeof(mk_readline_t) == 8800;
#endif
    mk_rl_init(&rl, NULL, sink, NULL);
    ok = ok && out_len == 0 && strcmp(rl.prompt, "> ") == 0;
    mk_rl_prompt(&rl);
    const char *keys = "lisx\x7ft\r\n";
    int r = MK_RL_CONTINUE;
    for (const char *k = keys; *k && r == MK_RL_CONTINUE; k++)
        r = mk_rl_feed(&rl, (uint8_t)*k);
    ok = ok && r == MK_RL_DONE && strcmp(rl.line, "list") == 0 && rl.len == 4;
    ok = ok && mk_rl_feed(&rl, '\n') == MK_RL_CONTINUE; /* LF of the CRLF swallowed */
    mk_rl_history_add(&rl, rl.line);
    mk_rl_history_add(&rl, "list"); /* repeat: ignored */
    mk_rl_history_add(&rl, "info");
    ok = ok && mk_rl_history_count(&rl) == 2 && strcmp(mk_rl_history_get(&rl, 0), "info") == 0 &&
         strcmp(mk_rl_history_get(&rl, 1), "list") == 0 && mk_rl_history_get(&rl, 2) == NULL;
    mk_rl_prompt(&rl);
    mk_rl_feed(&rl, 0x1b);
    mk_rl_feed(&rl, '[');
    mk_rl_feed(&rl, 'A');
    ok = ok && strcmp(rl.line, "info") == 0;
    mk_rl_prompt(&rl);
    ok = ok && mk_rl_feed(&rl, 0x04) == MK_RL_EOF;
    puts(ok ? "mk_readline_h: ok" : "mk_readline_h: FAILED");
    return ok ? 0 : 1;
}
