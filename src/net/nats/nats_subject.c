/*
 * nats_subject.c -- subjects of the NATS attachment and the checks on what
 * arrives on them (docs/scale-out.md, "Subjects", "Escaping", "Checks").
 * Pure functions over (buf, len): no I/O, no libnats, no global state but
 * the thread's mk_last_error(). Called by nats_link.c on the runtime's
 * thread and by the fuzz target.
 */
#include <stdio.h>
#include <string.h>

#include "core/error_internal.h"
#include "microkernel/wire.h"
#include "net/nats/nats_subject.h"

#define PATH_MAX_BYTES 127u /* NS_PATH_MAX - 1 (namespace.h): longest path */

static bool keep_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* Append byte c to out[*n]: as itself when keep_byte(), else as `esc` and
 * two upper-case hex digits; false (nothing written) when that and the
 * terminating NUL would not fit out_size. */
static bool put_escaped(char *out, size_t *n, size_t out_size, unsigned char c, char esc)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t need = keep_byte(c) ? 1 : 3;
    if (*n + need + 1 > out_size)
        return false;
    if (need == 1) {
        out[(*n)++] = (char)c;
    } else {
        out[(*n)++] = esc;
        out[(*n)++] = hex[c >> 4];
        out[(*n)++] = hex[c & 15];
    }
    return true;
}

size_t mk_nats_path_subject(const char *path, char *out, size_t out_size)
{
    if (!path || !out)
        return mk_fail("mk_nats_path_subject: NULL argument"), 0;
    size_t plen = strlen(path);
    if (path[0] != '/' || plen < 2 || plen > PATH_MAX_BYTES)
        return mk_fail("mk_nats_path_subject: \"%.40s\" is not a path of 2..%u bytes starting "
                       "with '/'",
                       path, PATH_MAX_BYTES),
               0;
    size_t n = strlen(MK_NATS_PATH_PREFIX);
    if (out_size <= n)
        return mk_fail("mk_nats_path_subject: output of %zu bytes is too small", out_size), 0;
    memcpy(out, MK_NATS_PATH_PREFIX, n);
    for (size_t i = 1; i < plen; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c == '/') {
            if (path[i - 1] == '/' || i + 1 == plen)
                return mk_fail("mk_nats_path_subject: \"%.40s\" has an empty component", path), 0;
            if (n + 2 > out_size)
                goto full;
            out[n++] = '.';
        } else if (!put_escaped(out, &n, out_size, c, '~')) {
            goto full;
        }
    }
    out[n] = '\0';
    return n;
full:
    return mk_fail("mk_nats_path_subject: subject for \"%.40s\" does not fit %zu bytes", path,
                   out_size),
           0;
}

void mk_nats_node_subject(node_id_t dest, node_id_t src, char out[MK_NATS_NODE_SUBJECT_MAX])
{
    snprintf(out, MK_NATS_NODE_SUBJECT_MAX, MK_NATS_NODE_PREFIX "%u.%u", (unsigned)dest,
             (unsigned)src);
}

void mk_nats_node_wildcard(node_id_t me, char out[MK_NATS_NODE_SUBJECT_MAX])
{
    snprintf(out, MK_NATS_NODE_SUBJECT_MAX, MK_NATS_NODE_PREFIX "%u.*", (unsigned)me);
}

bool mk_nats_parse_node(const char *s, size_t len, node_id_t *out)
{
    if (!s || len == 0 || len > 10 || s[0] == '0')
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *out = (node_id_t)v;
    return true;
}

/* Exactly one valid big-endian frame in data[0..len). */
static message_t *one_frame(const void *data, size_t len)
{
    size_t size = 0;
    if (!data) {
        mk_fail("NATS message without data");
        return NULL;
    }
    if (wire_frame_check(data, len, true, &size) != WIRE_FRAME_COMPLETE) {
        if (len < WIRE_HEADER_SIZE || size > len)
            mk_fail("NATS message of %zu bytes is not a whole frame", len);
        return NULL; /* WIRE_FRAME_ERROR keeps the framer's reason */
    }
    if (size != len) {
        mk_fail("NATS message of %zu bytes carries a %zu-byte frame and trailing bytes", len, size);
        return NULL;
    }
    return wire_deserialize_net(data, len);
}

static mk_nats_in_t check_source(message_t *m, node_id_t src, message_t **out)
{
    node_id_t claimed = actor_id_node(m->source);
    if (m->source != ACTOR_ID_INVALID && claimed != src) {
        mk_fail("frame from node %u claims source 0x%016llx of node %u", (unsigned)src,
                (unsigned long long)m->source, (unsigned)claimed);
        message_destroy(m);
        return MK_NATS_IN_FORGED;
    }
    *out = m;
    return MK_NATS_IN_OK;
}

mk_nats_in_t mk_nats_decode_node(const char *subject, size_t subject_len, node_id_t me,
                                 const void *data, size_t len, node_id_t *src, message_t **out)
{
    *out = NULL;
    char want[MK_NATS_NODE_SUBJECT_MAX];
    int n = snprintf(want, sizeof want, MK_NATS_NODE_PREFIX "%u.", (unsigned)me);
    if (!subject || subject_len <= (size_t)n || memcmp(subject, want, (size_t)n) != 0 ||
        !mk_nats_parse_node(subject + n, subject_len - (size_t)n, src)) {
        mk_fail("subject \"%.*s\" is not " MK_NATS_NODE_PREFIX "%u.<node>",
                (int)(subject_len > 64 ? 64 : subject_len), subject ? subject : "", (unsigned)me);
        return MK_NATS_IN_MALFORMED;
    }
    message_t *m = one_frame(data, len);
    if (!m)
        return MK_NATS_IN_MALFORMED;
    return check_source(m, *src, out);
}

mk_nats_in_t mk_nats_decode_path(const char *src_hdr, size_t src_len, const void *data, size_t len,
                                 node_id_t *src, message_t **out)
{
    *out = NULL;
    if (!mk_nats_parse_node(src_hdr, src_len, src)) {
        mk_fail("path frame without a valid " MK_NATS_SRC_HEADER " header");
        return MK_NATS_IN_MALFORMED;
    }
    message_t *m = one_frame(data, len);
    if (!m)
        return MK_NATS_IN_MALFORMED;
    if (m->dest != ACTOR_ID_INVALID) {
        mk_fail("path frame names destination 0x%016llx", (unsigned long long)m->dest);
        message_destroy(m);
        return MK_NATS_IN_MALFORMED;
    }
    return check_source(m, *src, out);
}

size_t mk_nats_name_key(const char *name, char *out, size_t out_size)
{
    if (!name || !out)
        return mk_fail("mk_nats_name_key: NULL argument"), 0;
    size_t len = strlen(name);
    if (len == 0 || len > PATH_MAX_BYTES)
        return mk_fail("mk_nats_name_key: a name has 1..%u bytes", PATH_MAX_BYTES), 0;
    bool path = name[0] == '/';
    if (path && (len < 2 || name[len - 1] == '/' || strstr(name, "//")))
        return mk_fail("mk_nats_name_key: \"%.40s\" has an empty component", name), 0;
    size_t n = 0;
    if (out_size < 3)
        goto full;
    out[n++] = path ? 'p' : 'n';
    out[n++] = '.';
    for (size_t i = path ? 1 : 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (path && c == '/') {
            if (n + 2 > out_size)
                goto full;
            out[n++] = '.';
        } else if (!put_escaped(out, &n, out_size, c, '=')) {
            goto full;
        }
    }
    out[n] = '\0';
    return n;
full:
    return mk_fail("mk_nats_name_key: key for \"%.40s\" does not fit %zu bytes", name, out_size), 0;
}

size_t mk_nats_name_value(actor_id_t id, char out[MK_NATS_NAME_VALUE_MAX + 1])
{
    int n = snprintf(out, MK_NATS_NAME_VALUE_MAX + 1, "%u %016llx", (unsigned)actor_id_node(id),
                     (unsigned long long)id);
    return n > 0 ? (size_t)n : 0;
}

bool mk_nats_parse_name_value(const char *buf, size_t len, actor_id_t *id)
{
    const char *sp = buf ? memchr(buf, ' ', len) : NULL;
    node_id_t node;
    if (!sp || !mk_nats_parse_node(buf, (size_t)(sp - buf), &node))
        return false;
    const char *h = sp + 1;
    if ((size_t)(buf + len - h) != 16)
        return false;
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        char c = h[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return false;
        v = (v << 4) | (uint64_t)d;
    }
    if (v == ACTOR_ID_INVALID || actor_id_node(v) != node)
        return false;
    *id = v;
    return true;
}

/* ---- Storage tier keys (nats_kv.c) ---------------------------------------- */

size_t mk_nats_kv_key_encode(const char *key, size_t len, char *out, size_t out_size)
{
    size_t n = 0;
    if (!key || !out || len == 0 || out_size == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!put_escaped(out, &n, out_size, (unsigned char)key[i], '='))
            return 0;
    out[n] = '\0';
    return n;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

size_t mk_nats_kv_key_decode(const char *enc, size_t len, char *out, size_t out_size)
{
    size_t n = 0;
    if (!enc || !out || len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)enc[i];
        int v;
        if (c == '=') {
            int hi = i + 2 < len ? hex_digit(enc[i + 1]) : -1;
            int lo = i + 2 < len ? hex_digit(enc[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return 0;
            v = hi * 16 + lo;
            if (keep_byte((unsigned char)v))
                return 0; /* not the one encoding of that byte */
            i += 2;
        } else if (keep_byte(c)) {
            v = c;
        } else {
            return 0;
        }
        if (n + 1 >= out_size)
            return 0;
        out[n++] = (char)v;
    }
    out[n] = '\0';
    return n;
}
