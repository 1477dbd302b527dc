/*
 * fuzz_http_request.c -- libFuzzer target for the HTTP/1.1 request head
 * parser and body framing (src/http/http_parse.c): any bytes must yield a
 * head length within the input, INCOMPLETE, INVALID or TOO_MANY, with every
 * slice inside the buffer; the Host check (http_host_valid) reads only its
 * value.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy so reads past the end trip ASan. */
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    http_header_t h[16];
    http_request_head_t r = {.headers = h};
    ssize_t n = http_parse_request(buf, size, &r, 16);
    if (n >= 0) {
        assert((size_t)n <= size);
        assert(r.method >= buf && r.method + r.method_len <= buf + size);
        assert(r.target >= buf && r.target + r.target_len <= buf + size);
        for (size_t i = 0; i < r.n_headers; i++)
            assert(h[i].value + h[i].value_len <= buf + size);
        bool te, hl;
        uint64_t len;
        (void)http_body_framing(h, r.n_headers, true, &te, &hl, &len);
        const http_header_t *host = http_header_find(h, r.n_headers, "Host");
        if (host)
            (void)http_host_valid(host->value, host->value_len);
    } else {
        assert(n == HTTP_PARSE_INCOMPLETE || n == HTTP_PARSE_INVALID || n == HTTP_PARSE_TOO_MANY);
    }
    free(buf);
    return 0;
}
