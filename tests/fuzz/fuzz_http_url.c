/*
 * fuzz_http_url.c -- libFuzzer target for the URL parser
 * (src/http/http_url.c): accepted URLs have a NUL-terminated host, a port
 * in 1..65535 and a path slice inside the input.
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
    http_url_t u;
    const char *why;
    if (http_url_parse(buf, size, &u, &why)) {
        assert(strlen(u.host) > 0 && strlen(u.host) < sizeof u.host);
        assert(u.port > 0);
        assert(u.path_len > 0);
        assert((u.path >= buf && u.path + u.path_len <= buf + size) || strcmp(u.path, "/") == 0);
    } else {
        assert(why && *why);
    }
    free(buf);
    return 0;
}
