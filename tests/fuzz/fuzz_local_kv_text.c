/* fuzz_local_kv_text.c -- libFuzzer target for the original's key=value
 * payload rule and key encoding (local_kv.h), which read any actor's or
 * node's payload. The value copied must be bounded and NUL-terminated. */
#include <stdint.h>
#include <string.h>

#include "microkernel/local_kv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"key", "value", "prefix", "k"};
    char out[64], enc[LOCAL_KV_KEY_MAX + 1], dec[LOCAL_KV_KEY_MAX + 1];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t n = local_kv_text_get((const char *)data, size, keys[i], out, sizeof out);
        if (n >= sizeof out || out[n] != '\0')
            __builtin_trap();
        local_kv_encode_key(out, enc, sizeof enc);
        size_t d = local_kv_decode_key(enc, dec, sizeof dec);
        if (d >= sizeof dec || dec[d] != '\0')
            __builtin_trap();
    }
    return 0;
}
