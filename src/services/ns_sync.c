/*
 * ns_sync.c -- parser of MSG_NS_SYNC lines (see ns_sync.h). Pure: reads
 * only (buf, len), allocates nothing, keeps no state between calls.
 */
#include <string.h>

#include "microkernel/namespace.h"
#include "services/ns_sync.h"
#include "services/svc_number.h"

/* Parse an unsigned number (decimal, or hex after "0x") of the whole slice. */
static void fail(ns_sync_item_t *item, const char *why)
{
    item->kind = NS_SYNC_ERROR;
    item->error = why;
}

#define FAIL(why)                                                                                  \
    do {                                                                                           \
        fail(item, why);                                                                           \
        return;                                                                                    \
    } while (0)

static void parse_peer(const char *s, size_t n, ns_sync_item_t *item)
{
    const char *sp1 = memchr(s, ' ', n);
    if (!sp1)
        FAIL("peer line needs \"<node> <name> <host>:<port>\"");
    uint64_t v;
    if (!svc_parse_u64(s, (size_t)(sp1 - s), UINT32_MAX, &v) || v == 0)
        FAIL("peer line has a bad node ID");
    item->node = (node_id_t)v;
    const char *name = sp1 + 1;
    size_t rest = n - (size_t)(name - s);
    const char *sp2 = memchr(name, ' ', rest);
    if (!sp2)
        FAIL("peer line has no address");
    size_t name_len = (size_t)(sp2 - name);
    if (!node_name_valid(name, name_len))
        FAIL("peer line has a bad node name");
    memcpy(item->name, name, name_len);
    item->name[name_len] = '\0';
    const char *addr = sp2 + 1;
    size_t addr_len = n - (size_t)(addr - s);
    const char *colon = NULL;
    for (size_t i = addr_len; i > 0; i--)
        if (addr[i - 1] == ':') {
            colon = addr + i - 1;
            break;
        }
    if (!colon)
        FAIL("peer address has no port");
    size_t host_len = (size_t)(colon - addr);
    if (host_len == 0 || host_len >= sizeof item->host)
        FAIL("peer host is empty or too long");
    for (size_t i = 0; i < host_len; i++)
        if ((unsigned char)addr[i] <= 0x20 || (unsigned char)addr[i] > 0x7E)
            FAIL("peer host has a bad byte");
    if (!svc_parse_u64(colon + 1, addr_len - host_len - 1, 65535, &v) || v == 0)
        FAIL("peer port is not 1..65535");
    memcpy(item->host, addr, host_len);
    item->host[host_len] = '\0';
    item->port = (uint16_t)v;
    item->kind = NS_SYNC_PEER;
}

void ns_sync_next(const char *buf, size_t len, size_t *pos, ns_sync_item_t *item)
{
    memset(item, 0, sizeof *item);
    if (!buf || *pos >= len) {
        item->kind = NS_SYNC_END;
        return;
    }
    const char *s = buf + *pos;
    size_t avail = len - *pos;
    const char *nl = memchr(s, '\n', avail);
    size_t n = nl ? (size_t)(nl - s) : avail;
    *pos += nl ? n + 1 : n;
    if (!nl)
        FAIL("last line has no newline");
    uint64_t v;
    if (n > 5 && memcmp(s, "node=", 5) == 0) {
        if (!svc_parse_u64(s + 5, n - 5, UINT32_MAX, &v) || v == 0)
            FAIL("node= is not a node ID 1..4294967295");
        item->kind = NS_SYNC_NODE;
        item->node = (node_id_t)v;
    } else if (n == 7 && memcmp(s, "reset=1", 7) == 0) {
        item->kind = NS_SYNC_RESET;
    } else if (n > 5 && memcmp(s, "peer=", 5) == 0) {
        parse_peer(s + 5, n - 5, item);
    } else if (n > 1 && s[0] == '+') {
        const char *sp = memchr(s, ' ', n);
        if (!sp)
            FAIL("+ line needs \"+<path> 0x<id>\"");
        size_t plen = (size_t)(sp - s) - 1;
        if (ns_path_check(s + 1, plen, false) != NS_PATH_OK)
            FAIL("+ line has an invalid path");
        if (!svc_parse_u64(sp + 1, n - plen - 2, UINT64_MAX, &v) || v == 0)
            FAIL("+ line has a bad actor ID");
        item->kind = NS_SYNC_ADD;
        item->path = s + 1;
        item->path_len = plen;
        item->id = v;
    } else if (n > 1 && s[0] == '-') {
        if (ns_path_check(s + 1, n - 1, false) != NS_PATH_OK)
            FAIL("- line has an invalid path");
        item->kind = NS_SYNC_REMOVE;
        item->path = s + 1;
        item->path_len = n - 1;
    } else {
        fail(item, "unknown line");
    }
}
