/* fuzz_hex.c -- libFuzzer target for the shared hex parser
 * (src/core/bytes.h, mk_hex_decode): any bytes as hex text, through an
 * exact-size copy so a read past the input hits a redzone. Must never
 * write past `cap`, must leave the output untouched on every refusal, and
 * an accepted input must come back, lower-cased, through mk_hex_encode. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    size_t cap = size ? (size_t)data[0] % 64 : 0; /* sometimes too small */
    unsigned char *out = malloc(cap ? cap : 1);
    char *back = malloc(2 * cap + 1);
    if (!out || !back)
        goto done;
    memset(out, 0xa5, cap);
    size_t bad = SIZE_MAX;
    mk_hex_status_t st = mk_hex_decode(text, size, out, cap, &bad);
    if (st == MK_HEX_OK) {
        if (size / 2 > cap)
            abort();
        mk_hex_encode(out, size / 2, back);
        for (size_t i = 0; i < size; i++)
            if (back[i] != tolower((unsigned char)text[i]))
                abort();
    } else {
        for (size_t i = 0; i < cap; i++)
            if (out[i] != 0xa5)
                abort();
        if (st == MK_HEX_BAD_DIGIT && (bad >= size || mk_hex_value((unsigned char)text[bad]) >= 0))
            abort();
        if (st == MK_HEX_ODD && size % 2 == 0)
            abort();
    }
done:
    free(text);
    free(out);
    free(back);
    return 0;
}
