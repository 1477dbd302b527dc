/*
 * nats_subject.h -- the pure half of the NATS attachment (nats_subject.c):
 * subjects for nodes and paths, and the checks on what arrives on them.
 * No I/O, no libnats: fuzzed by tests/fuzz/fuzz_nats_frame.c.
 */
#ifndef MK_NATS_SUBJECT_H
#define MK_NATS_SUBJECT_H

#include <stddef.h>

#include "microkernel/message.h"
#include "microkernel/nats.h"

#define MK_NATS_NODE_PREFIX      "mk.node."
#define MK_NATS_PATH_PREFIX      "mk.path."
#define MK_NATS_PATH_QUEUE       "mk.path" /* queue group of every path subscription */
#define MK_NATS_SRC_HEADER       "Mk-Src"  /* publishing node (decimal) on path frames */
#define MK_NATS_NODE_SUBJECT_MAX 32u       /* "mk.node." + 2 * 10 digits + "." + NUL */

/* Why an incoming NATS message was refused (counted in mk_nats_stats_t). */
typedef enum {
    MK_NATS_IN_OK = 0,
    MK_NATS_IN_MALFORMED, /* bad subject or header, or not exactly one valid frame */
    MK_NATS_IN_FORGED     /* frame source of another node than the publisher */
} mk_nats_in_t;

/* "mk.node.<dest>.<src>" into out (MK_NATS_NODE_SUBJECT_MAX bytes). */
void mk_nats_node_subject(node_id_t dest, node_id_t src, char out[MK_NATS_NODE_SUBJECT_MAX]);

/* "mk.node.<me>.*": what node `me` subscribes. */
void mk_nats_node_wildcard(node_id_t me, char out[MK_NATS_NODE_SUBJECT_MAX]);

/*
 * Strict decimal node id: 1 to 10 digits, no sign, no leading zero, value in
 * 1..UINT32_MAX. `len` bytes at `s` (not NUL-terminated). False otherwise.
 */
bool mk_nats_parse_node(const char *s, size_t len, node_id_t *out);

/*
 * A message that arrived on a node subscription of node `me`: `subject`
 * (`subject_len` bytes) must be "mk.node.<me>.<src>", `data` (`len` bytes)
 * exactly one big-endian wire frame whose source actor is of node <src>
 * (or ACTOR_ID_INVALID). On MK_NATS_IN_OK *out is a new message (the
 * caller destroys it) and *src the publishing node; otherwise *out is NULL
 * and mk_last_error() says why. Pure; reads only inside the buffers.
 */
mk_nats_in_t mk_nats_decode_node(const char *subject, size_t subject_len, node_id_t me,
                                 const void *data, size_t len, node_id_t *src, message_t **out);

/*
 * A message that arrived on a path subscription: `src_hdr` (`src_len`
 * bytes; NULL when the header is absent) is the publisher's node in
 * decimal, `data` exactly one big-endian frame with dest ACTOR_ID_INVALID
 * whose source is of that node (or ACTOR_ID_INVALID). Results as
 * mk_nats_decode_node(); the caller sets the destination.
 */
mk_nats_in_t mk_nats_decode_path(const char *src_hdr, size_t src_len, const void *data, size_t len,
                                 node_id_t *src, message_t **out);

/*
 * The registry key of `name` (a flat name or a "/"-path) into `out`
 * (`out_size` bytes with the NUL): "n.<escaped name>" or "p.<t1>.<t2>...",
 * every byte outside [A-Za-z0-9_-] as "=XX" (JetStream keys allow only
 * [-/_=.A-Za-z0-9]). Returns the length, or 0 with a reason: NULL, empty
 * or over 127 bytes, a path with an empty component, output too small.
 */
size_t mk_nats_name_key(const char *name, char *out, size_t out_size);

/* Longest value: "<node> <16 hex digits>". */
#define MK_NATS_NAME_VALUE_MAX 27u

/* The registry value for `id` into out (MK_NATS_NAME_VALUE_MAX + 1 bytes);
 * returns its length. */
size_t mk_nats_name_value(actor_id_t id, char out[MK_NATS_NAME_VALUE_MAX + 1]);

/*
 * Parse a registry value (`len` bytes at `buf`, not NUL-terminated):
 * decimal node (as mk_nats_parse_node), one space, exactly 16 lower- or
 * upper-case hex digits of an actor id of that node. False otherwise.
 */
bool mk_nats_parse_name_value(const char *buf, size_t len, actor_id_t *id);

/*
 * Storage tier (nats_kv.c): a local-KV key (`len` bytes, any bytes) as a
 * JetStream KV key into `out` (`out_size` bytes with the NUL): bytes
 * [A-Za-z0-9_-] kept, every other byte "=XX" (upper-case hex), so a key
 * is one token with no wildcard. Returns the length, or 0 for NULL, an
 * empty key or an output that does not fit (no reason set: hot path).
 * mk_nats_kv_key_decode() is the strict inverse for keys read from the
 * bucket (written by any node): only kept bytes and "=XX" of a byte that
 * is not kept; returns the decoded length, or 0 when malformed or too
 * long for `out_size` - 1 bytes. Pure.
 */
size_t mk_nats_kv_key_encode(const char *key, size_t len, char *out, size_t out_size);
size_t mk_nats_kv_key_decode(const char *enc, size_t len, char *out, size_t out_size);

#endif
