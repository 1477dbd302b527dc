/*
 * node_info.c -- node identity (node_info.h): ID from the runtime, name
 * (host name unless set), platform and version fixed at build time.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "services/svc_internal.h"

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
    /* "." and ".." would be dot segments under /peers/. */
    return !(name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')));
}

void svc_info_init(runtime_t *rt, svc_t *s)
{
    node_info_t *in = &s->info;
    in->id = rt->node_id;
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        strcpy(host, "node");
    /* Keep the first label, replacing any byte a node name may not hold. */
    size_t n = 0;
    for (; host[n] && host[n] != '.' && n < NODE_NAME_MAX; n++) {
        char c = host[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
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
