/*
 * kv_proto.c -- parser of local KV / SQL request payloads (kv_proto.h).
 * Pure: reads only (buf, len), allocates nothing, keeps no state.
 */
#include <string.h>

#include "microkernel/node_services.h"
#include "services/kv_proto.h"

typedef struct {
    const char *name;
    size_t name_len;
    size_t offset; /* of the kv_slice_t in kv_request_t */
    size_t max;    /* longest value */
} field_t;

#define F(n, m)                                                                                    \
    {                                                                                              \
#n, sizeof #n - 1, offsetof(kv_request_t, n), m                                            \
    }
static const field_t fields[] = {
    F(id, KV_ID_MAX), F(key, KV_KEY_MAX), F(prefix, KV_KEY_MAX),
    F(limit, 8),      F(sql, DB_SQL_MAX), F(params, DB_SQL_MAX),
};
#undef F

const char *kv_request_parse(const char *buf, size_t len, kv_request_t *out)
{
    memset(out, 0, sizeof *out);
    if (!buf)
        len = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *line = buf + pos;
        size_t avail = len - pos;
        const char *eq = memchr(line, '=', avail);
        const char *nl = memchr(line, '\n', avail);
        if (!eq || (nl && nl < eq))
            return "a line has no '=' (expected name=value)";
        size_t name_len = (size_t)(eq - line);
        const char *val = eq + 1;
        if (name_len == 5 && memcmp(line, "value", 5) == 0) {
            out->value.ptr = val;
            out->value.len = len - (size_t)(val - buf);
            if (out->value.len > KV_VALUE_MAX)
                return "value is longer than KV_VALUE_MAX (65536) bytes";
            return NULL;
        }
        size_t val_len = nl ? (size_t)(nl - val) : len - (size_t)(val - buf);
        const field_t *f = NULL;
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            if (fields[i].name_len == name_len && memcmp(fields[i].name, line, name_len) == 0)
                f = &fields[i];
        if (!f)
            return "unknown field (expected id, key, value, prefix, limit, sql or params)";
        kv_slice_t *slot = (kv_slice_t *)((char *)out + f->offset);
        if (slot->ptr)
            return "a field appears twice";
        if (val_len > f->max) {
            if (f->offset == offsetof(kv_request_t, key))
                return "key is longer than KV_KEY_MAX (512) bytes";
            if (f->offset == offsetof(kv_request_t, sql))
                return "sql is longer than DB_SQL_MAX (16384) bytes";
            return "a field is longer than its limit";
        }
        if ((f->offset == offsetof(kv_request_t, key) ||
             f->offset == offsetof(kv_request_t, prefix) ||
             f->offset == offsetof(kv_request_t, id)) &&
            memchr(val, '\0', val_len))
            return "key, prefix and id may not contain a NUL byte";
        slot->ptr = val;
        slot->len = val_len;
        pos = nl ? (size_t)(nl - buf) + 1 : len;
    }
    return NULL;
}

bool kv_parse_limit(kv_slice_t s, size_t max, size_t *out)
{
    if (!s.ptr || s.len == 0 || s.len > 8)
        return false;
    size_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
        v = v * 10 + (size_t)(s.ptr[i] - '0');
    }
    if (v == 0 || v > max)
        return false;
    *out = v;
    return true;
}
