/*
 * kv_proto.h -- the text payloads of the local KV and SQL requests
 * ("name=value\n" lines, docs/services.md), parsed by a pure function so
 * bytes from any actor or node are checked before use. Private to
 * src/services; fuzzed by tests/fuzz/fuzz_kv_request.c.
 */
#ifndef MK_SERVICES_KV_PROTO_H
#define MK_SERVICES_KV_PROTO_H

#include <stdbool.h>
#include <stddef.h>

/* A field present in a request: a slice of the payload. */
typedef struct {
    const char *ptr; /* NULL when the field is absent */
    size_t len;
} kv_slice_t;

typedef struct {
    kv_slice_t id;     /* echoed in the reply; <= KV_ID_MAX printable bytes */
    kv_slice_t key;    /* 1..KV_KEY_MAX bytes, no NUL */
    kv_slice_t value;  /* binary, last field, <= KV_VALUE_MAX */
    kv_slice_t prefix; /* <= KV_KEY_MAX bytes, no NUL */
    kv_slice_t limit;  /* decimal */
    kv_slice_t sql;    /* <= DB_SQL_MAX bytes */
    kv_slice_t params; /* JSON array text */
} kv_request_t;

#define KV_ID_MAX 64 /* bytes in a request id */

/*
 * Split the `len` bytes at `buf` into fields. Lines are "name=value" ended
 * by '\n' (the last line may omit it); "value=" is special: it must be the
 * last field and runs to the end of the payload, newlines and NULs
 * included. Names: id, key, value, prefix, limit, sql, params.
 * Returns NULL on success, or a static reason: unknown field, repeated
 * field, line without '=', a field over its limit, a NUL in a key. Checks
 * only the syntax; which fields a request needs is the caller's business.
 */
const char *kv_request_parse(const char *buf, size_t len, kv_request_t *out);

/* Parse a decimal limit 1..max from `s`; false when malformed or out of range. */
bool kv_parse_limit(kv_slice_t s, size_t max, size_t *out);

#endif
