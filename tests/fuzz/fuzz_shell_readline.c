/* fuzz_shell_readline.c -- libFuzzer target for the line editors: ours
 * (src/shell/line_edit.c) in terminal and in plain mode, and the original's
 * (mk_readline.h, src/shell/mk_readline.c, every finished line added to its
 * history as the original's console does): any key bytes, output captured. Checks the editor's
 * invariants after every byte: cursor within the line, line NUL-terminated at its length, history
 * within its ring. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/mk_readline.h"
#include "shell/line_edit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t written;

static void sink(const char *d, size_t n, void *ctx)
{
    (void)d;
    (void)ctx;
    written += n;
}

static void check(const line_edit_t *rl)
{
    const char *buf = line_edit_buffer(rl);
    size_t len = strlen(buf);
    if (len != rl->len || len >= LINE_EDIT_LINE_MAX || line_edit_cursor(rl) > len)
        abort();
    if (strlen(line_edit_line(rl)) >= LINE_EDIT_LINE_MAX)
        abort();
    if (line_edit_history_count(rl) > LINE_EDIT_HISTORY_MAX)
        abort();
    for (size_t i = 0; i < line_edit_history_count(rl); i++)
        if (strlen(line_edit_history_get(rl, i)) >= LINE_EDIT_LINE_MAX)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static line_edit_t rl;
    for (int plain = 0; plain < 2; plain++) {
        line_edit_init(&rl, "> ", sink, NULL, plain);
        for (size_t i = 0; i < size; i++) {
            line_edit_feed(&rl, data[i]);
            check(&rl);
        }
        line_edit_hide(&rl);
        line_edit_refresh(&rl);
    }
    static mk_readline_t orl;
    mk_rl_init(&orl, NULL, sink, NULL);
    mk_rl_prompt(&orl);
    for (size_t i = 0; i < size; i++) {
        int r = mk_rl_feed(&orl, data[i]);
        if (orl.len >= MK_RL_MAX_LINE || orl.pos > orl.len || strlen(orl.line) != orl.len ||
            mk_rl_history_count(&orl) > MK_RL_MAX_HISTORY || orl.hist_browse > MK_RL_MAX_HISTORY)
            abort();
        if (r == MK_RL_DONE) {
            mk_rl_history_add(&orl, orl.line);
            mk_rl_prompt(&orl);
        }
    }
    return 0;
}
