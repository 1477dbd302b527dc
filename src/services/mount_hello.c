/*
 * mount_hello.c -- parser and writer of the mount handshake (see
 * mount_hello.h). The parser reads only (buf, len) and keeps no state, so
 * it can be fed the bytes peeked so far on every readiness event.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "services/mount_hello.h"
#include "services/svc_number.h"

#define BAD(text)                                                                                  \
    do {                                                                                           \
        *why = text;                                                                               \
        return -1;                                                                                 \
    } while (0)

long mount_hello_parse(const char *buf, size_t len, mount_text_hello_t *out, const char **why)
{
    static const char magic[] = MOUNT_MAGIC;
    size_t mlen = sizeof magic - 1;
    memset(out, 0, sizeof *out);
    *why = NULL;
    if (!buf)
        len = 0;
    if (memcmp(buf ? buf : "", magic, len < mlen ? len : mlen) != 0)
        BAD("not a microkernel mount handshake (no MKMOUNT greeting)");
    /* The whole hello ends with an empty line. */
    const char *end = NULL;
    for (size_t i = 0; i + 1 < len && i + 1 < MOUNT_HELLO_MAX; i++)
        if (buf[i] == '\n' && buf[i + 1] == '\n') {
            end = buf + i + 1;
            break;
        }
    if (!end)
        return len >= MOUNT_HELLO_MAX ? (*why = "handshake longer than 1024 bytes", -1) : 0;
    const char *p = buf;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    uint64_t v;
    if (!svc_parse_u64(p + mlen, (size_t)(nl - p) - mlen, UINT32_MAX, &v) || v == 0)
        BAD("bad protocol version in the MKMOUNT greeting");
    out->version = (uint32_t)v;
    bool have_node = false, have_name = false;
    for (p = nl + 1; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p) + 1);
        size_t n = (size_t)(nl - p);
        const char *eq = memchr(p, '=', n);
        if (!eq)
            BAD("handshake line without '='");
        size_t klen = (size_t)(eq - p);
        const char *val = eq + 1;
        size_t vlen = n - klen - 1;
        if (klen == 4 && memcmp(p, "node", 4) == 0) {
            if (have_node || !svc_parse_u64(val, vlen, UINT32_MAX, &v) || v == 0)
                BAD("bad or repeated node= in the handshake");
            out->node = (node_id_t)v;
            have_node = true;
        } else if (klen == 4 && memcmp(p, "name", 4) == 0) {
            if (have_name || !node_name_valid(val, vlen))
                BAD("bad or repeated name= in the handshake");
            memcpy(out->name, val, vlen);
            out->name[vlen] = '\0';
            have_name = true;
        } else if (klen == 2 && memcmp(p, "ns", 2) == 0) {
            if (!svc_parse_u64(val, vlen, UINT64_MAX, &v))
                BAD("bad ns= in the handshake");
            out->ns = v;
        } else if (klen == 4 && memcmp(p, "port", 4) == 0) {
            if (!svc_parse_u64(val, vlen, 65535, &v))
                BAD("bad port= in the handshake");
            out->port = (uint16_t)v;
        } else if (klen == 7 && memcmp(p, "already", 7) == 0) {
            out->already = vlen == 1 && val[0] == '1';
        } else if (klen == 5 && memcmp(p, "error", 5) == 0) {
            size_t m = vlen < sizeof out->error - 1 ? vlen : sizeof out->error - 1;
            for (size_t i = 0; i < m; i++)
                out->error[i] = (unsigned char)val[i] < 0x20 ? ' ' : val[i];
            out->error[m] = '\0';
            if (!out->error[0])
                strcpy(out->error, "refused without a reason");
        } else {
            /* Unknown fields are skipped: later versions may add some. */
        }
    }
    if (!out->error[0] && (!have_node || !have_name))
        BAD("handshake lacks node= or name=");
    return (long)(end - buf) + 1;
}

size_t mount_hello_format(char *out, const mount_text_hello_t *h)
{
    int n;
    if (h->error[0])
        n = snprintf(out, MOUNT_HELLO_MAX, MOUNT_MAGIC "%" PRIu32 "\nerror=%s\n\n", h->version,
                     h->error);
    else
        n = snprintf(out, MOUNT_HELLO_MAX,
                     MOUNT_MAGIC "%" PRIu32 "\nnode=%" PRIu32 "\nname=%s\nns=0x%016" PRIx64
                                 "\nport=%u\n%s\n",
                     h->version, h->node, h->name, h->ns, h->port, h->already ? "already=1\n" : "");
    return n < 0 ? 0 : (size_t)n;
}
