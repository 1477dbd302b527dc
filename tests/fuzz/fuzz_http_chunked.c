/*
 * fuzz_http_chunked.c -- libFuzzer target for the in-place chunked decoder
 * (src/http/http_chunked.c). The first byte picks the feed size, so the
 * decoder also sees the input split at arbitrary points; the decoded length
 * can never exceed what was fed.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t step = (size_t)data[0] % 17 + 1;
    data++;
    size--;
    uint8_t *buf = malloc(size ? size : 1);
    http_chunked_t d;
    http_chunked_init(&d);
    size_t body = 0, fed = 0;
    ssize_t r = HTTP_PARSE_INCOMPLETE;
    while (fed < size && r == HTTP_PARSE_INCOMPLETE) {
        size_t take = size - fed < step ? size - fed : step;
        memcpy(buf + body, data + fed, take);
        fed += take;
        size_t len = take;
        r = http_chunked_decode(&d, buf + body, &len);
        assert(len <= take);
        body += len;
        if (r >= 0)
            assert((size_t)r <= take - len);
    }
    assert(body <= size);
    free(buf);
    return 0;
}
