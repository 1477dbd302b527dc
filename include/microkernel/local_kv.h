/*
 * microkernel/local_kv.h -- the original's file-backed key-value actor.
 *
 * Source: ../shared/compat/services.md sections 1-2 (docs/compat.md). One
 * file per key in a directory; requests and replies are `key=value` text
 * lines with the message types of the Cloudflare proxy (cf_proxy.h):
 *
 *   MSG_CF_KV_PUT    300  key, value (ttl ignored) -> MSG_CF_OK (empty) |
 *                                                     MSG_CF_ERROR "missing key"/"write failed"
 *   MSG_CF_KV_GET    301  key    -> MSG_CF_VALUE (raw bytes, <= 4096) | MSG_CF_NOT_FOUND
 *   MSG_CF_KV_DELETE 302  key    -> MSG_CF_OK always
 *   MSG_CF_KV_LIST   303  prefix (limit ignored) -> MSG_CF_KEYS: keys joined by
 *                                                     "\n", no trailing newline, <= 4096 bytes
 *
 * Replies go to the sender; other types are ignored. Key `a_b/c` is stored
 * in the file `a_ub__c` (`_` -> `_u`, `/` -> `__`); keys are 1..127 bytes.
 * Independent of our SQLite store (src/services/local_kv.c), which holds
 * /node/storage/kv when services_start() runs and answers these four
 * requests there too, from its own table (docs/services.md).
 */
#ifndef MICROKERNEL_LOCAL_KV_H
#define MICROKERNEL_LOCAL_KV_H

#include <stdbool.h>
#include <stddef.h>

#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The original's cf_proxy.h numbers (defined here too until cf_proxy.h
 * exists; identical definitions). */
#ifndef MSG_CF_KV_PUT
#define MSG_CF_KV_PUT    300
#define MSG_CF_KV_GET    301
#define MSG_CF_KV_DELETE 302
#define MSG_CF_KV_LIST   303
#define MSG_CF_OK        310
#define MSG_CF_VALUE     311
#define MSG_CF_KEYS      313
#define MSG_CF_NOT_FOUND 315
#define MSG_CF_ERROR     316
#endif

/* Largest value, GET reply and LIST reply, in bytes. */
#define LOCAL_KV_VALUE_MAX 4096
/* Longest key, in bytes. */
#define LOCAL_KV_KEY_MAX   127

typedef struct {
    char base_path[64]; /* directory with one file per key, e.g. "/tmp/mk_kv" */
} local_kv_config_t;

/*
 * Create config->base_path (one level, mode 0755; an existing one is fine),
 * spawn the actor (mailbox 32) and register /node/local/storage/kv, plus
 * /node/storage/kv when nothing holds that name yet. Returns its ID, or
 * ACTOR_ID_INVALID (reason in mk_last_error()) for NULL arguments, an empty
 * base path, no actor slot, or a path registration that fails.
 */
actor_id_t local_kv_init(runtime_t *rt, const local_kv_config_t *config);

/*
 * The `key=value` rule (compat/services.md section 1), pure: find the first
 * line of the `len` bytes at `buf` that starts with `key` followed by `=`,
 * copy its value (up to the next "\n" or the end, "\r" kept) into `out`
 * truncated to `cap - 1` bytes and NUL-terminated. Returns the value's
 * length as copied; a missing key gives 0 and an empty string. `cap` >= 1.
 */
size_t local_kv_text_get(const char *buf, size_t len, const char *key, char *out, size_t cap);

/* Encode `key` into a file name (`_` -> `_u`, `/` -> `__`), cut to fit
 * `cap - 1` bytes without splitting a pair; returns its length. Pure. */
size_t local_kv_encode_key(const char *key, char *out, size_t cap);

/* Decode a file name back into a key (`_u` -> `_`, `__` -> `/`); returns
 * its length (at most cap - 1). Pure. */
size_t local_kv_decode_key(const char *name, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
