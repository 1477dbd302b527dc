/*
 * node_info.c -- node identity: the original's process-wide identity and
 * node id (mk_node_identity, mk_node_id: compat §4.6, SHA-1 by OpenSSL,
 * FNV-1a-32) and our per-runtime node_info.h (ID from the runtime, name =
 * the identity unless set, platform and version fixed at build time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifdef HAVE_OPENSSL
#include <openssl/sha.h>
#endif

#include "core/bytes.h"
#include "services/svc_internal.h"

void mk_node_identity_compute(const char *env_name, const char *host, char out[32])
{
    if (env_name && env_name[0]) {
        snprintf(out, 32, "%s", env_name);
        return;
    }
#ifdef HAVE_OPENSSL
    if (host) {
        unsigned char md[SHA_DIGEST_LENGTH];
        SHA1((const unsigned char *)host, strlen(host), md);
        snprintf(out, 32, "linux-%02x%02x", md[18], md[19]);
        return;
    }
#else
    (void)host;
#endif
    snprintf(out, 32, "linux-unknown");
}

node_id_t mk_node_id_compute(const char *env_id, const char *identity)
{
    if (env_id) {
        int v = atoi(env_id);
        if (v >= 1 && v <= 15)
            return (node_id_t)v;
    }
    const char *id = identity ? identity : "";
    return mk_fnv1a32(id, strlen(id)) % 15 + 1;
}

const char *mk_node_identity(void)
{
    static char identity[32];
    if (!identity[0]) {
        char host[256];
        bool have_host = gethostname(host, sizeof host - 1) == 0;
        host[sizeof host - 1] = '\0';
        mk_node_identity_compute(getenv("MK_NODE_NAME"), have_host ? host : NULL, identity);
    }
    return identity;
}

node_id_t mk_node_id(void)
{
    return mk_node_id_compute(getenv("MK_NODE_ID"), mk_node_identity());
}

#ifndef MK_VERSION_STRING
#define MK_VERSION_STRING "0.0.0"
#endif

bool node_name_valid(const char *name, size_t len)
{
    if (!name || len == 0 || len > NODE_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    /* "." and ".." would be dot segments in "/node/<name>". */
    return !(name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')));
}

void svc_info_init(runtime_t *rt, svc_t *s)
{
    node_info_t *in = &s->info;
    in->id = runtime_node_id(rt);
    /* The identity, with any byte a node name may not hold replaced. */
    const char *id = mk_node_identity();
    size_t n = 0;
    for (; id[n] && n < NODE_NAME_MAX; n++) {
        char c = id[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        in->name[n] = ok ? c : '-';
    }
    in->name[n] = '\0';
    if (!node_name_valid(in->name, n))
        strcpy(in->name, "node");
    struct utsname u;
    if (uname(&u) == 0) {
        char os[32];
        size_t i = 0;
        for (; u.sysname[i] && i < sizeof os - 1; i++)
            os[i] = (char)(u.sysname[i] >= 'A' && u.sysname[i] <= 'Z' ? u.sysname[i] + 32
                                                                      : u.sysname[i]);
        os[i] = '\0';
        snprintf(in->platform, sizeof in->platform, "%.15s-%.15s", os, u.machine);
    } else {
        strcpy(in->platform, "linux-unknown");
    }
    snprintf(in->version, sizeof in->version, "%s", MK_VERSION_STRING);
}

bool node_info_get(runtime_t *rt, node_info_t *out)
{
    if (!rt || !out)
        return mk_fail("node_info_get: %s is NULL", rt ? "out" : "runtime");
    svc_t *s = svc_get(rt);
    if (!s)
        return false;
    *out = s->info;
    return true;
}

bool node_set_name(runtime_t *rt, const char *name)
{
    if (!rt || !name)
        return mk_fail("node_set_name: %s is NULL", rt ? "name" : "runtime");
    size_t len = strnlen(name, NODE_NAME_MAX + 1);
    if (!node_name_valid(name, len))
        return mk_fail("node_set_name: \"%.*s\" is not 1..%d bytes of [A-Za-z0-9._-]", 64, name,
                       NODE_NAME_MAX);
    svc_t *s = svc_get(rt);
    if (!s)
        return false;
    memcpy(s->info.name, name, len + 1);
    return true;
}
