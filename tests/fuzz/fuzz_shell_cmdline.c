/* fuzz_shell_cmdline.c -- libFuzzer target for the shell's command-line
 * parser (src/shell/cmdline.c): any bytes as a typed line go through
 * shell_split, then every word through the number parsers, and the rest of
 * the line through shell_parse_payload and shell_quote, and the whole input
 * through shell_escape_text as console text. Must never crash, read out of
 * bounds, leave an error unset on failure, or let a terminal control
 * byte through the escaping. */
#include <stdlib.h>
#include <string.h>

#include "shell/cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static shell_args_t args;
    static uint8_t payload[SHELL_PAYLOAD_MAX];
    char err[SHELL_ERR_MAX];
    char *line = malloc(size ? size : 1); /* exact size: overreads hit the redzone */
    if (!line)
        return 0;
    memcpy(line, data, size);
    /* Console text in small pieces: all consumed, no C0 control but \n and
     * \t, no DEL, no C1 control (0x80..0x9f alone or as U+0080..U+009F). */
    char esc[16];
    for (size_t off = 0; off < size;) {
        size_t used;
        size_t o =
            shell_escape_text((const uint8_t *)line + off, size - off, esc, sizeof esc, &used);
        if (used == 0 || o > sizeof esc)
            abort();
        for (size_t i = 0; i < o; i++) {
            uint8_t c = (uint8_t)esc[i];
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                abort();
            if (c == 0xc2 && i + 1 < o && (uint8_t)esc[i + 1] < 0xa0)
                abort();
        }
        off += used;
    }
    err[0] = '\0';
    if (!shell_split(line, size, &args, err)) {
        if (!err[0])
            abort();
        free(line);
        return 0;
    }
    for (size_t i = 0; i < args.argc; i++) {
        uint64_t v;
        uint32_t t;
        err[0] = '\0';
        if (!shell_parse_u64(args.argv[i], &v, err) && !err[0])
            abort();
        err[0] = '\0';
        if (!shell_parse_type(args.argv[i], &t, err) && !err[0])
            abort();
        size_t n;
        (void)shell_parse_hex(args.argv[i], args.len[i], payload, 8, &n, err);
    }
    for (size_t first = 0; first <= args.argc; first++) {
        size_t n = 0;
        err[0] = '\0';
        if (shell_parse_payload(line, size, &args, first, payload, sizeof payload, &n, err)) {
            char quoted[128];
            shell_quote(payload, n, 40, quoted, sizeof quoted);
            if (strlen(quoted) >= sizeof quoted)
                abort();
        } else if (!err[0]) {
            abort();
        }
    }
    free(line);
    return 0;
}
