/* fuzz_link_auth.c -- libFuzzer target for the node-link authentication
 * messages (src/net/link_auth.c): AUTH1, AUTH2 (both sizes) and VERDICT,
 * all read from a peer before it is trusted. The first byte picks the
 * parser. Checks: never more taken than given, errors carry a reason,
 * accepted messages survive write -> parse unchanged. */
#include <stdint.h>
#include <string.h>

#include "net/link_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned pick = data[0] % 4;
    data++;
    size--;
    const char *why;
    unsigned char out[LINK_VERDICT_HDR + LINK_VERDICT_MAX];
    if (pick == 0) {
        link_auth1_t a, b;
        long n = link_auth1_parse(data, size, &a, &why);
        if ((n < 0 && !why) || n > (long)size || (n > 0 && n != LINK_AUTH1_SIZE))
            __builtin_trap();
        if (n > 0) {
            link_auth1_write(&a, out);
            if (link_auth1_parse(out, LINK_AUTH1_SIZE, &b, &why) != LINK_AUTH1_SIZE ||
                memcmp(out, data, LINK_AUTH1_SIZE) != 0 || b.flags != a.flags)
                __builtin_trap();
        }
    } else if (pick <= 2) {
        link_auth2_t a;
        long n = link_auth2_parse(data, size, pick == 2, &a);
        long want = pick == 2 ? LINK_AUTH2_COOKIE : LINK_AUTH2_SIZE;
        if (n > (long)size || (n != 0 && n != want) || (n == 0 && (long)size >= want))
            __builtin_trap();
        if (n > 0 && (link_auth2_write(&a, out) != (size_t)n || memcmp(out, data, (size_t)n)))
            __builtin_trap();
    } else {
        link_verdict_t v, w;
        long n = link_verdict_parse(data, size, &v, &why);
        if ((n < 0 && !why) || n > (long)size || (n > 0 && n > LINK_VERDICT_HDR + LINK_VERDICT_MAX))
            __builtin_trap();
        if (n > 0) {
            size_t m = link_verdict_write(v.ok, v.reason, out);
            if (link_verdict_parse(out, m, &w, &why) != (long)m || w.ok != v.ok ||
                strcmp(w.reason, v.reason) != 0)
                __builtin_trap();
        }
    }
    return 0;
}
