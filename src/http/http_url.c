/*
 * http_url.c -- absolute http/https/ws/wss URLs (RFC 3986 3, RFC 6455 3).
 *
 * Pure: called by the client entry points before any socket exists, so a
 * bad URL fails at call time with a reason. Only what an HTTP client needs
 * is accepted; anything surprising is rejected rather than guessed.
 */
#include "http/http_parse.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    http_scheme_t scheme;
    bool tls;
    uint16_t port;
} schemes[] = {
    {"http", URL_HTTP, false, 80},
    {"https", URL_HTTPS, true, 443},
    {"ws", URL_WS, false, 80},
    {"wss", URL_WSS, true, 443},
};

/* Host name bytes: RFC 3986 reg-name restricted to what DNS accepts. */
static bool is_host_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

bool http_url_parse(const char *url, size_t len, http_url_t *out, const char **why)
{
    const char *p = url, *end = url + len;
    memset(out, 0, sizeof *out);
    for (const char *q = p; q < end; q++) {
        unsigned char c = (unsigned char)*q;
        if (c <= 0x20 || c >= 0x7f) {
            *why = "URL contains a space, control or non-ASCII byte";
            return false;
        }
    }
    const char *colon = memchr(p, ':', len);
    if (!colon || end - colon < 3 || colon[1] != '/' || colon[2] != '/') {
        *why = "URL must start with scheme://";
        return false;
    }
    size_t sl = (size_t)(colon - p);
    size_t i;
    for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (strlen(schemes[i].name) == sl && strncasecmp(p, schemes[i].name, sl) == 0)
            break;
    if (i == sizeof schemes / sizeof schemes[0]) {
        *why = "unsupported URL scheme (http, https, ws, wss)";
        return false;
    }
    out->scheme = schemes[i].scheme;
    out->tls = schemes[i].tls;
    out->port = schemes[i].port;

    const char *auth = colon + 3;
    const char *ae = auth;
    while (ae < end && *ae != '/' && *ae != '?' && *ae != '#')
        ae++;
    if (memchr(auth, '@', (size_t)(ae - auth))) {
        *why = "user information in URLs is not supported";
        return false;
    }
    const char *host = auth, *he;
    const char *port = NULL;
    if (auth < ae && *auth == '[') {
        const char *rb = memchr(auth, ']', (size_t)(ae - auth));
        if (!rb) {
            *why = "unterminated IPv6 literal";
            return false;
        }
        host = auth + 1;
        he = rb;
        for (const char *q = host; q < he; q++)
            if (!(is_host_byte((unsigned char)*q) || *q == ':') || *q == '_' || *q == '-') {
                *why = "bad character in IPv6 literal";
                return false;
            }
        out->host_is_ipv6 = true;
        if (rb + 1 < ae) {
            if (rb[1] != ':') {
                *why = "junk after IPv6 literal";
                return false;
            }
            port = rb + 2;
        }
    } else {
        he = memchr(auth, ':', (size_t)(ae - auth));
        if (he)
            port = he + 1;
        else
            he = ae;
        for (const char *q = host; q < he; q++)
            if (!is_host_byte((unsigned char)*q)) {
                *why = "bad character in host name";
                return false;
            }
    }
    if (he == host) {
        *why = "URL has no host";
        return false;
    }
    if ((size_t)(he - host) >= sizeof out->host) {
        *why = "host name too long";
        return false;
    }
    memcpy(out->host, host, (size_t)(he - host));
    out->host[he - host] = '\0';
    if (port) {
        unsigned long v = 0;
        if (port == ae) {
            /* "host:" with an empty port means the default (RFC 3986 3.2.3). */
        } else {
            for (const char *q = port; q < ae; q++) {
                if (*q < '0' || *q > '9' || v > 65535) {
                    *why = "bad port in URL";
                    return false;
                }
                v = v * 10 + (unsigned long)(*q - '0');
            }
            if (v == 0 || v > 65535) {
                *why = "port out of range in URL";
                return false;
            }
            out->port = (uint16_t)v;
        }
    }
    const char *path = ae;
    const char *pe = memchr(path, '#', (size_t)(end - path));
    if (!pe)
        pe = end;
    if (path == pe) {
        out->path = "/";
        out->path_len = 1;
    } else if (*path == '?') {
        /* "http://h?q" has an empty path: the request target is "/?q". The
         * caller writes "/" itself when the path does not start with one. */
        out->path = path;
        out->path_len = (size_t)(pe - path);
    } else {
        out->path = path;
        out->path_len = (size_t)(pe - path);
    }
    return true;
}
