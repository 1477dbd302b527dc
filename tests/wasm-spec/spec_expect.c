/*
 * spec_expect.c -- what the spec expects against what the engine gave:
 * wast2json values parsed and compared (NaN classes, references), and
 * rejections matched by error class and text, with the pinned assertions
 * whose reason wast2json's binary cannot carry. Pure functions over cJSON
 * and engine values; called by spec_commands.c.
 */
#include <stdlib.h>
#include <string.h>

#include "spec_runner.h"

bool parse_value(const cJSON *v, wasm_value_t *out, uint8_t *type)
{
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(v, "type"));
    const char *val = cJSON_GetStringValue(cJSON_GetObjectItem(v, "value"));
    out->u64 = 0;
    if (!t)
        return false;
    if (strcmp(t, "i32") == 0 || strcmp(t, "f32") == 0) {
        *type = t[0] == 'i' ? WASM_I32 : WASM_F32;
        out->u32 = val ? (uint32_t)strtoull(val, NULL, 10) : 0;
    } else if (strcmp(t, "i64") == 0 || strcmp(t, "f64") == 0) {
        *type = t[0] == 'i' ? WASM_I64 : WASM_F64;
        out->u64 = val ? strtoull(val, NULL, 10) : 0;
    } else if (strcmp(t, "externref") == 0 || strcmp(t, "funcref") == 0) {
        *type = t[0] == 'e' ? WASM_EXTERNREF : WASM_FUNCREF;
        if (!val || strcmp(val, "null") == 0)
            out->ref = 0;
        else
            out->ref = (uintptr_t)strtoull(val, NULL, 10) + 1; /* ref.extern n; 0 is null */
    } else {
        return false;
    }
    return true;
}

bool value_matches(const cJSON *exp, wasm_value_t got)
{
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(exp, "type"));
    const char *val = cJSON_GetStringValue(cJSON_GetObjectItem(exp, "value"));
    if (!t)
        return false;
    if (val && strncmp(val, "nan:", 4) == 0) {
        bool canon = strcmp(val, "nan:canonical") == 0;
        if (strcmp(t, "f32") == 0) {
            uint32_t b = got.u32 & 0x7FFFFFFFu;
            return canon ? b == 0x7FC00000u : (b & 0x7FC00000u) == 0x7FC00000u;
        }
        uint64_t b = got.u64 & 0x7FFFFFFFFFFFFFFFull;
        return canon ? b == 0x7FF8000000000000ull
                     : (b & 0x7FF8000000000000ull) == 0x7FF8000000000000ull;
    }
    wasm_value_t want;
    uint8_t type;
    if (!parse_value(exp, &want, &type))
        return false;
    switch (type) {
    case WASM_I32:
    case WASM_F32: return want.u32 == got.u32;
    case WASM_I64:
    case WASM_F64: return want.u64 == got.u64;
    case WASM_FUNCREF:
        if (!val) /* any non-null function reference */
            return got.ref != 0;
        return want.ref == got.ref;
    default: return want.ref == got.ref;
    }
}

/* Whether a rejection is for the spec's reason: the error's class is the
 * assertion's (assert_malformed: WASM_ERR_MALFORMED, assert_invalid:
 * WASM_ERR_INVALID, assert_unlinkable: WASM_ERR_UNLINKABLE) and the spec's
 * text occurs in the message. The reference interpreter accepts a message
 * that starts with the expected text; ours carry a "section ...: offset ...:"
 * place in front, so the text may start anywhere. */
bool error_matches(const char *type, const char *text, wasm_err_t code, const char *message)
{
    wasm_err_t want = strcmp(type, "assert_malformed") == 0    ? WASM_ERR_MALFORMED
                      : strcmp(type, "assert_invalid") == 0    ? WASM_ERR_INVALID
                      : strcmp(type, "assert_unlinkable") == 0 ? WASM_ERR_UNLINKABLE
                                                               : WASM_OK;
    if (code != want)
        return false;
    return text && strstr(message, text) != NULL;
}

/* Assertions whose spec reason the binary cannot carry: wast2json writes
 * them so that the module fails for another, equally right reason. Each is
 * pinned by file, line and the reason the binary does give. */
static const struct conversion_loss {
    const char *file;
    int line;
    const char *spec_text, *binary_text;
} k_conversion_losses[] = {
    /* `select (result)` (no type) is written as the untyped select 0x1B,
     * whose operands are then missing */
    {"select", 324, "invalid result arity", "type mismatch"},
};

bool conversion_loss(const runner_t *r, const cJSON *cmd, const char *text, const char *message)
{
    const cJSON *line = cJSON_GetObjectItem(cmd, "line");
    for (size_t i = 0; i < sizeof k_conversion_losses / sizeof k_conversion_losses[0]; i++) {
        const struct conversion_loss *l = &k_conversion_losses[i];
        if (strcmp(l->file, r->file) == 0 && line && line->valueint == l->line && text &&
            strcmp(text, l->spec_text) == 0 && strstr(message, l->binary_text))
            return true;
    }
    return false;
}
