/*
 * fuzz_http_sse.c -- libFuzzer target for the text/event-stream parser
 * (src/http/sse_parse.c), fed in pieces whose size the first byte picks,
 * with a small limit so the bounds are exercised too.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "http/sse_parse.h"

static bool on_event(void *ctx, const sse_event_t *ev)
{
    (void)ctx;
    assert(strlen(ev->data) == ev->data_len);
    assert(strlen(ev->type) == ev->type_len);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t step = (size_t)data[0] % 13 + 1;
    sse_parser_t p;
    sse_parser_init(&p, 512);
    for (size_t i = 1; i < size; i += step) {
        size_t n = size - i < step ? size - i : step;
        if (!sse_parser_feed(&p, (const char *)data + i, n, on_event, NULL))
            break;
    }
    sse_parser_free(&p);
    return 0;
}
