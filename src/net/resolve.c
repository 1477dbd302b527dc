/*
 * resolve.c -- name resolution for the transports (getaddrinfo; blocking,
 * as the seed's transport constructors are: they run before the loop).
 */
#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>

#include "core/error_internal.h"
#include "net/net_internal.h"

struct addrinfo *mk_net_resolve(const char *fn, const char *host, uint16_t port, int socktype,
                                bool passive)
{
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = socktype};
    if (passive)
        hints.ai_flags = AI_PASSIVE;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host && host[0] ? host : NULL, service, &hints, &res);
    if (rc != 0) {
        mk_set_error("%s: cannot resolve \"%s\": %s", fn, host ? host : "", gai_strerror(rc));
        return NULL;
    }
    return res;
}
