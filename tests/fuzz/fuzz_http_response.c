/*
 * fuzz_http_response.c -- libFuzzer target for the HTTP/1.1 response head
 * parser, body framing and header token matching (src/http/http_parse.c).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    http_header_t h[16];
    http_response_head_t r = {.headers = h};
    ssize_t n = http_parse_response(buf, size, &r, 16);
    if (n >= 0) {
        assert((size_t)n <= size);
        assert(r.status >= 100 && r.status <= 999);
        bool te, hl;
        uint64_t len;
        (void)http_body_framing(h, r.n_headers, false, &te, &hl, &len);
        for (size_t i = 0; i < r.n_headers; i++)
            (void)http_header_has_token(h[i].value, h[i].value_len, "upgrade");
    }
    free(buf);
    return 0;
}
