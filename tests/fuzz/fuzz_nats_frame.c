/*
 * fuzz_nats_frame.c -- libFuzzer target for what arrives from NATS
 * (src/net/nats/nats_subject.c): the first byte picks how many of the next
 * bytes are the subject (or the Mk-Src header), the rest is the message
 * data. Runs mk_nats_decode_node, mk_nats_decode_path, mk_nats_parse_name_value
 * and, on the same bytes as a name, mk_nats_path_subject and mk_nats_name_key, and
 * mk_nats_kv_key_decode / _encode (storage-tier keys read from a bucket). Invariants beyond
 * "no crash": an accepted frame's source is ACTOR_ID_INVALID or of the publishing node, a path
 * frame has no destination, and an escaped subject holds only [A-Za-z0-9_~.-]. Seed corpus:
 * tests/fuzz/corpus/nats_frame/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/message.h"
#include "net/nats/nats_subject.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(mk_nats_in_t r, message_t *m, node_id_t src, bool path)
{
    if ((r == MK_NATS_IN_OK) != (m != NULL))
        abort();
    if (!m)
        return;
    if (m->source != ACTOR_ID_INVALID && actor_id_node(m->source) != src)
        abort();
    if (path && m->dest != ACTOR_ID_INVALID)
        abort();
    message_destroy(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t sl = data[0] % 64;
    if (sl > size - 1)
        sl = size - 1;
    const char *subj = (const char *)data + 1;
    const uint8_t *body = data + 1 + sl;
    size_t blen = size - 1 - sl;
    node_id_t src = 0;
    message_t *m = NULL;
    check(mk_nats_decode_node(subj, sl, 9, body, blen, &src, &m), m, src, false);
    check(mk_nats_decode_path(subj, sl, body, blen, &src, &m), m, src, true);
    actor_id_t id;
    if (mk_nats_parse_name_value(subj, sl, &id) && id == ACTOR_ID_INVALID)
        abort();
    char path[200], out[MK_NATS_SUBJECT_MAX + 1];
    size_t pl = sl < sizeof path - 1 ? sl : sizeof path - 1;
    memcpy(path, subj, pl);
    path[pl] = '\0';
    size_t n = mk_nats_path_subject(path, out, sizeof out);
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~.-", out[i]) ||
            !out[i])
            abort();
    char key[400];
    n = mk_nats_name_key(path, key, sizeof key);
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=.-", key[i]) ||
            !key[i])
            abort();
    /* a decoded storage key encodes back to exactly what was read */
    char dec[200], enc[600];
    size_t dl = mk_nats_kv_key_decode(subj, sl, dec, sizeof dec);
    if (dl && (mk_nats_kv_key_encode(dec, dl, enc, sizeof enc) != sl || memcmp(enc, subj, sl)))
        abort();
    return 0;
}
