/*
 * fuzz_console.c -- libFuzzer target for the ANSI console's terminal
 * (src/hw/display/console_term.c): arbitrary bytes, split at an arbitrary
 * point (a sequence cut between two writes), on a grid whose size comes
 * from the first two bytes. Checks the cursor and dirty mask stay in range.
 */
#include <stdint.h>
#include <stdlib.h>

#include "hw/display/console_term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static console_term_t t;
    if (size < 3)
        return 0;
    console_term_init(&t, data[0] % 110, data[1] % 40);
    size_t cut = data[2] % (size - 2);
    console_term_feed(&t, data + 3, cut);
    console_term_feed(&t, data + 3 + cut, size - 3 - cut);
    if (t.row < 0 || t.row >= t.rows || t.col < 0 || t.col > t.cols ||
        (t.dirty & ~console_term_all_rows(&t)) != 0)
        abort();
    return 0;
}
