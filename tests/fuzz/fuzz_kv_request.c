/* fuzz_kv_request.c -- libFuzzer target for the local KV / SQL request
 * parser (kv_request_parse), which reads payloads from any actor or node. */
#include <stdint.h>
#include <string.h>

#include "microkernel/node_services.h"
#include "services/kv_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(kv_slice_t s, const char *base, size_t size)
{
    if (s.ptr && (s.ptr < base || s.ptr + s.len > base + size))
        __builtin_trap(); /* slices stay inside the input */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    kv_request_t rq;
    const char *err = kv_request_parse(buf, size, &rq);
    if (!err) {
        check(rq.id, buf, size);
        check(rq.key, buf, size);
        check(rq.value, buf, size);
        check(rq.prefix, buf, size);
        check(rq.limit, buf, size);
        check(rq.sql, buf, size);
        check(rq.params, buf, size);
        if (rq.key.len > KV_KEY_MAX || rq.value.len > KV_VALUE_MAX ||
            (rq.key.ptr && memchr(rq.key.ptr, '\0', rq.key.len)))
            __builtin_trap();
        size_t lim;
        if (kv_parse_limit(rq.limit, KV_LIST_MAX, &lim) && (lim == 0 || lim > KV_LIST_MAX))
            __builtin_trap();
    }
    return 0;
}
