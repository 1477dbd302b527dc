/*
 * fuzz_state_file.c -- libFuzzer target for the state file parser
 * (state_parse, src/wasm/state_persist.c): any bytes are either a valid
 * state whose data lies inside the input and re-encodes to the same header,
 * or rejected; never a crash or an out-of-bounds read.
 */
#include <stdlib.h>
#include <string.h>

#include "microkernel/state_persist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *d = NULL;
    size_t n = 0;
    if (state_parse(data, size, &d, &n) != STATE_OK)
        return 0;
    if (d != data + STATE_HEADER_SIZE || n != size - STATE_HEADER_SIZE)
        abort();
    uint8_t hdr[STATE_HEADER_SIZE];
    state_header_encode(hdr, d, n);
    if (memcmp(hdr, data, STATE_HEADER_SIZE) != 0)
        abort();
    return 0;
}
