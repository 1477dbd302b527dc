/*
 * fuzz_http_ws_frame.c -- libFuzzer target for the WebSocket frame decoder
 * (src/http/ws_frame.c) as client and as server (first byte), fed in
 * pieces, with a small message limit. Every failure must carry a close
 * code RFC 6455 allows.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/ws_frame.h"

static void on_message(void *ctx, uint8_t *buf, size_t prefix, size_t len, bool binary)
{
    (void)ctx;
    if (!binary)
        assert(ws_utf8_valid(buf + prefix, len));
    assert(buf[prefix + len] == 0);
    free(buf);
}
static void on_ctl(void *ctx, const uint8_t *d, size_t n)
{
    (void)ctx;
    (void)d;
    assert(n <= 125);
}
static void on_close(void *ctx, uint16_t code, const char *r, size_t n)
{
    (void)ctx;
    (void)r;
    assert(code == 1005 || ws_close_code_valid(code));
    assert(n <= 123);
}
static const ws_decoder_cb_t cb = {on_message, on_ctl, on_ctl, on_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool server = data[0] & 1;
    size_t step = (size_t)(data[0] >> 1) % 31 + 1;
    ws_decoder_t d;
    ws_decoder_init(&d, server, 4096, 8);
    for (size_t i = 1; i < size; i += step) {
        size_t n = size - i < step ? size - i : step;
        if (!ws_decoder_feed(&d, data + i, n, &cb, NULL)) {
            assert(d.error_code == 1002 || d.error_code == 1007 || d.error_code == 1009 ||
                   d.error_code == 1011);
            break;
        }
    }
    ws_decoder_free(&d);
    return 0;
}
