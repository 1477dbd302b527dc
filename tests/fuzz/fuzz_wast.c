/* libFuzzer target for the WAST script reader (src/wasm/wat/wast.c, issue
 * 20 §4): any bytes must give either a command list whose every module has
 * bytes and every action a field, or an empty list and a "line:column:
 * message" error; never a crash, leak or hang. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wat/wast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wast_script_t s;
    char err[160];
    if (wast_parse((const char *)data, size, &s, err, sizeof err)) {
        for (size_t i = 0; i < s.n; i++) {
            const wast_cmd_t *c = &s.cmds[i];
            if (c->kind > WAST_ASSERT_UNINSTANTIABLE || c->line == 0)
                abort();
            bool has_module = c->kind == WAST_MODULE || c->kind >= WAST_ASSERT_INVALID;
            if (has_module != (c->module != NULL))
                abort();
            bool has_action = c->kind >= WAST_ACTION && c->kind <= WAST_ASSERT_EXHAUSTION;
            if (has_action != (c->field != NULL) || c->nargs > WAST_MAX_VALUES ||
                c->nresults > WAST_MAX_VALUES)
                abort();
        }
        wast_script_free(&s);
    } else if (s.cmds || s.n || !err[0]) {
        abort();
    }
    return 0;
}
