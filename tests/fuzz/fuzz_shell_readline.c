/* fuzz_shell_readline.c -- libFuzzer target for the line editor
 * (src/shell/readline.c): any key bytes, in terminal and in plain mode,
 * with the output captured. Checks the editor's invariants after every
 * byte: cursor within the line, line NUL-terminated at its length, history
 * within its ring. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/mk_readline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t written;

static void sink(const char *d, size_t n, void *ctx)
{
    (void)d;
    (void)ctx;
    written += n;
}

static void check(const mk_readline_t *rl)
{
    const char *buf = mk_readline_buffer(rl);
    size_t len = strlen(buf);
    if (len != rl->len || len >= MK_READLINE_LINE_MAX || mk_readline_cursor(rl) > len)
        abort();
    if (strlen(mk_readline_line(rl)) >= MK_READLINE_LINE_MAX)
        abort();
    if (mk_readline_history_count(rl) > MK_READLINE_HISTORY_MAX)
        abort();
    for (size_t i = 0; i < mk_readline_history_count(rl); i++)
        if (strlen(mk_readline_history_get(rl, i)) >= MK_READLINE_LINE_MAX)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mk_readline_t rl;
    for (int plain = 0; plain < 2; plain++) {
        mk_readline_init(&rl, "> ", sink, NULL, plain);
        for (size_t i = 0; i < size; i++) {
            mk_readline_feed(&rl, data[i]);
            check(&rl);
        }
        mk_readline_hide(&rl);
        mk_readline_refresh(&rl);
    }
    return 0;
}
