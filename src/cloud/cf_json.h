/*
 * cf_json.h -- the pure halves of the cf_proxy actor: the original's
 * `key=value` request payloads into the Worker's JSON, and the Worker's
 * JSON replies into message payloads (compat/cloud.md §1.4-§1.7). No I/O,
 * no runtime; fuzzed by tests/fuzz/fuzz_cf_json.c. Private to src/cloud.
 */
#ifndef MK_CLOUD_CF_JSON_H
#define MK_CLOUD_CF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The first line of the `len` bytes at `buf` that starts with `key=`: its
 * value (up to the next '\n' or the end) as a slice. Returns false when no
 * line has the key. Pure (compat/services.md §1).
 */
bool cf_field(const char *buf, size_t len, const char *key, const char **val, size_t *vlen);

/*
 * Build the request JSON for MSG_CF_KV_PUT .. MSG_CF_AI_EMBED (`type`) from
 * its `key=value` payload, with `req_id`, in the original's key order
 * (§1.5), escaped by cJSON. Returns a malloc'd NUL-terminated string (the
 * caller frees it), or NULL with a static reason in *err: unknown type,
 * missing key/sql/body/prompt/text, a key over CF_PROXY_KEY_MAX bytes, a
 * field with a NUL byte or not valid UTF-8 (WebSocket text must be),
 * a ttl/limit/delay that is not a decimal number, JSON over
 * CF_PROXY_REQUEST_MAX bytes, or out of memory.
 */
char *cf_json_request(uint32_t type, const char *payload, size_t len, uint64_t req_id,
                      const char **err);

/*
 * As cf_json_request for the local KV protocol's requests (docs/services.md,
 * already split by kv_request_parse), mapped onto MSG_CF_KV_PUT .. _LIST
 * (`type`): `key` for put/get/delete, `value` (may hold newlines) for put,
 * `prefix` and `limit` (> 0: sent) for list. Same errors.
 */
char *cf_json_kv(uint32_t type, const char *key, size_t key_len, const char *value,
                 size_t value_len, const char *prefix, size_t prefix_len, long limit,
                 uint64_t req_id, const char **err);

/* The auth message: {"type":"auth","node_id":...,"token":...}. NULL when
 * out of memory or a field is not valid UTF-8. Caller frees. */
char *cf_json_auth(const char *node_id, const char *token);

/* What a Worker frame means for the proxy (§1.7). */
typedef enum {
    CF_REPLY_IGNORE,    /* a type the proxy does not know */
    CF_REPLY_AUTH_OK,   /* the session is authenticated */
    CF_REPLY_PING,      /* answer {"type":"pong"} */
    CF_REPLY_OK,        /* MSG_CF_OK, data = "" or rows_affected */
    CF_REPLY_VALUE,     /* MSG_CF_VALUE, data = value / result */
    CF_REPLY_KEYS,      /* MSG_CF_KEYS, data = keys, each + '\n' */
    CF_REPLY_ROWS,      /* MSG_CF_ROWS, data = JSON array */
    CF_REPLY_EMBEDDING, /* MSG_CF_EMBEDDING, data = JSON array */
    CF_REPLY_NOT_FOUND, /* MSG_CF_NOT_FOUND */
    CF_REPLY_ERROR      /* MSG_CF_ERROR, data = message */
} cf_reply_kind_t;

typedef struct {
    cf_reply_kind_t kind;
    bool has_req_id; /* the frame carried a numeric req_id */
    uint64_t req_id;
    char *data;      /* malloc'd payload (NUL-terminated, not counted), NULL if empty */
    size_t data_len; /* bytes of data */
    size_t n_keys;   /* CF_REPLY_KEYS: keys in data */
} cf_reply_t;

/*
 * Parse one Worker frame of `len` bytes (no NUL needed). Strings are
 * unescaped (the original passed escapes through). Returns false with a
 * static reason in *err for a frame that is not a JSON object or has no
 * string "type", or when memory runs out; *out is then empty. On success
 * the caller frees out->data with cf_reply_free().
 */
bool cf_json_reply(const char *buf, size_t len, cf_reply_t *out, const char **err);

/* Free what cf_json_reply allocated (safe on an empty reply). */
void cf_reply_free(cf_reply_t *r);

/* True when the `len` bytes at `s` are valid UTF-8 (RFC 3629). Pure. */
bool cf_utf8_valid(const char *s, size_t len);

#endif
