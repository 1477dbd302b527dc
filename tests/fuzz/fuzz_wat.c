/* libFuzzer target for the WebAssembly text format parser (src/wasm/wat):
 * any bytes must give either a module (which must start with the binary
 * magic) or a "line:column: message" error, never a crash, leak or hang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/wat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *out = NULL;
    size_t n = 0;
    char err[128];
    (void)wat_is_text(data, size);
    if (wat_to_wasm((const char *)data, size, &out, &n, err, sizeof err)) {
        if (n < 8 || memcmp(out, "\0asm", 4))
            abort();
        free(out);
    } else if (out || !err[0]) {
        abort();
    }
    return 0;
}
