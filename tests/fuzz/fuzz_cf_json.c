/* fuzz_cf_json.c -- libFuzzer target for cf_proxy's parsers of outside
 * bytes (src/cloud/cf_json.c): the Worker's JSON replies (cf_json_reply)
 * and the local `key=value` request payloads (cf_json_request, cf_field).
 * The first byte picks the request type; the whole input is also a reply. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cf_json.h"
#include "microkernel/cf_proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    cf_reply_t r;
    const char *err = NULL;
    if (cf_json_reply(buf, size, &r, &err)) {
        if (r.data && strlen(r.data) > r.data_len)
            __builtin_trap(); /* data_len covers the text */
        cf_reply_free(&r);
    } else if (!err) {
        __builtin_trap(); /* a refusal always has a reason */
    }
    if (size == 0)
        return 0;
    uint32_t type = MSG_CF_KV_PUT + data[0] % 9;
    char *json = cf_json_request(type, buf + 1, size - 1, 42, &err);
    if (json) {
        /* What we send must parse as JSON and be valid UTF-8 text. */
        if (!cf_utf8_valid(json, strlen(json)))
            __builtin_trap();
        free(json);
    } else if (!err) {
        __builtin_trap();
    }
    const char *v;
    size_t n;
    if (cf_field(buf, size, "key", &v, &n) && (v < buf || v + n > buf + size))
        __builtin_trap();
    return 0;
}
