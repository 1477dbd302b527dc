/* fuzz_observer_form.c -- libFuzzer target for the web observer's write
 * request parsers (src/shell/observer_form.c): any bytes as the body of
 * POST /api/send and /api/stop (and the query of /api/reload). Must never
 * crash or read past the input (an exact-size copy puts a redzone right
 * after it), must set a reason on every refusal, and an accepted send must
 * stay within the shell's limits. */
#include <stdlib.h>
#include <string.h>

#include "shell/observer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static obs_send_t req;
    char err[SHELL_ERR_MAX], to[OBS_REF_MAX + 1], val[64];
    char *body = malloc(size ? size : 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    err[0] = '\0';
    if (obs_parse_send(body, size, &req, err)) {
        if (req.n > SHELL_PAYLOAD_MAX || !req.to[0] || strlen(req.to) > OBS_REF_MAX)
            abort();
    } else if (!err[0]) {
        abort();
    }
    err[0] = '\0';
    if (!obs_parse_target(body, size, to, sizeof to, err) && !err[0])
        abort();
    size_t n;
    if (obs_form_get(body, size, "after", val, sizeof val, &n, err) == 1 && n >= sizeof val)
        abort();
    free(body);
    return 0;
}
