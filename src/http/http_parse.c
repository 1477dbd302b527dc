/*
 * http_parse.c -- HTTP/1.1 message heads (RFC 9112 sections 2-6).
 *
 * Pure functions over (buf, len): the client and server call them on their
 * receive buffers each time bytes arrive. Nothing here allocates, does I/O
 * or keeps state between calls; slices point into the caller's buffer.
 */
#include "http/http_parse.h"

#include <string.h>
#include <strings.h>

/* tchar of RFC 9110 5.6.2. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field-value bytes (RFC 9110 5.5): VCHAR, obs-text, SP, HTAB. */
static bool is_field_byte(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Find the end of the line starting at `p`: sets *next past the line end
 * (CRLF or LF) and returns the length without it, or -1 if no end yet,
 * -2 if a CR is not followed by LF. */
static ssize_t line_end(const char *p, const char *end, const char **next)
{
    const char *lf = memchr(p, '\n', (size_t)(end - p));
    if (!lf)
        return -1;
    const char *e = lf;
    if (e > p && e[-1] == '\r')
        e--;
    /* A lone CR inside the line is not allowed. */
    if (memchr(p, '\r', (size_t)(e - p)))
        return -2;
    *next = lf + 1;
    return e - p;
}

/* Parse "HTTP/1.x" at p (8 bytes). Returns the minor version or -1. */
static int parse_version(const char *p, size_t n)
{
    if (n != 8 || memcmp(p, "HTTP/1.", 7) != 0)
        return -1;
    if (p[7] == '0' || p[7] == '1')
        return p[7] - '0';
    return -1;
}

/* Parse header lines from `p` up to and including the empty line. Returns
 * the offset past the empty line from `base`, or a HTTP_PARSE_* code. */
static ssize_t parse_fields(const char *base, const char *p, const char *end, http_header_t *hdr,
                            size_t max, size_t *n_out)
{
    size_t n = 0;
    for (;;) {
        const char *next;
        ssize_t ll = line_end(p, end, &next);
        if (ll == -1)
            return HTTP_PARSE_INCOMPLETE;
        if (ll < 0)
            return HTTP_PARSE_INVALID;
        if (ll == 0) {
            *n_out = n;
            return next - base;
        }
        /* obs-fold (a line starting with whitespace) is rejected, RFC 9112 5.2. */
        if (p[0] == ' ' || p[0] == '\t')
            return HTTP_PARSE_INVALID;
        const char *colon = memchr(p, ':', (size_t)ll);
        if (!colon || colon == p)
            return HTTP_PARSE_INVALID;
        for (const char *q = p; q < colon; q++)
            if (!is_tchar((unsigned char)*q))
                return HTTP_PARSE_INVALID; /* includes whitespace before ':' */
        const char *v = colon + 1, *ve = p + ll;
        for (const char *q = v; q < ve; q++)
            if (!is_field_byte((unsigned char)*q))
                return HTTP_PARSE_INVALID;
        while (v < ve && (*v == ' ' || *v == '\t'))
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        if (n == max)
            return HTTP_PARSE_TOO_MANY;
        hdr[n].name = p;
        hdr[n].name_len = (size_t)(colon - p);
        hdr[n].value = v;
        hdr[n].value_len = (size_t)(ve - v);
        n++;
        p = next;
    }
}

ssize_t http_parse_request(const char *buf, size_t len, http_request_head_t *req,
                           size_t max_headers)
{
    const char *p = buf, *end = buf + len, *next;
    req->n_headers = 0;
    /* RFC 9112 2.2: ignore at least one empty line before the request-line. */
    if (len >= 1 && p[0] == '\n')
        p += 1;
    else if (len >= 2 && p[0] == '\r' && p[1] == '\n')
        p += 2;
    else if (len == 1 && p[0] == '\r')
        return HTTP_PARSE_INCOMPLETE;
    ssize_t ll = line_end(p, end, &next);
    if (ll == -1) {
        /* Reject early if what we have already cannot be a request-line. */
        for (const char *q = p; q < end && *q != ' '; q++)
            if (!is_tchar((unsigned char)*q))
                return HTTP_PARSE_INVALID;
        return HTTP_PARSE_INCOMPLETE;
    }
    if (ll < 0)
        return HTTP_PARSE_INVALID;
    const char *le = p + ll;
    const char *sp1 = memchr(p, ' ', (size_t)ll);
    if (!sp1 || sp1 == p)
        return HTTP_PARSE_INVALID;
    for (const char *q = p; q < sp1; q++)
        if (!is_tchar((unsigned char)*q))
            return HTTP_PARSE_INVALID;
    const char *t = sp1 + 1;
    const char *sp2 = memchr(t, ' ', (size_t)(le - t));
    if (!sp2 || sp2 == t)
        return HTTP_PARSE_INVALID;
    for (const char *q = t; q < sp2; q++)
        if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
            return HTTP_PARSE_INVALID;
    int minor = parse_version(sp2 + 1, (size_t)(le - sp2 - 1));
    if (minor < 0)
        return HTTP_PARSE_INVALID;
    req->method = p;
    req->method_len = (size_t)(sp1 - p);
    req->target = t;
    req->target_len = (size_t)(sp2 - t);
    req->minor_version = minor;
    return parse_fields(buf, next, end, req->headers, max_headers, &req->n_headers);
}

ssize_t http_parse_response(const char *buf, size_t len, http_response_head_t *res,
                            size_t max_headers)
{
    const char *p = buf, *end = buf + len, *next;
    res->n_headers = 0;
    ssize_t ll = line_end(p, end, &next);
    if (ll == -1) {
        size_t have = len < 7 ? len : 7;
        if (memcmp(p, "HTTP/1.", have) != 0)
            return HTTP_PARSE_INVALID;
        return HTTP_PARSE_INCOMPLETE;
    }
    if (ll < 0 || ll < 12)
        return HTTP_PARSE_INVALID;
    int minor = parse_version(p, 8);
    if (minor < 0 || p[8] != ' ')
        return HTTP_PARSE_INVALID;
    int status = 0;
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9')
            return HTTP_PARSE_INVALID;
        status = status * 10 + (p[i] - '0');
    }
    if (status < 100)
        return HTTP_PARSE_INVALID;
    const char *r = p + 12, *le = p + ll;
    if (r < le) {
        if (*r != ' ')
            return HTTP_PARSE_INVALID;
        r++;
    }
    for (const char *q = r; q < le; q++)
        if (!is_field_byte((unsigned char)*q))
            return HTTP_PARSE_INVALID;
    res->minor_version = minor;
    res->status = status;
    res->reason = r;
    res->reason_len = (size_t)(le - r);
    return parse_fields(buf, next, end, res->headers, max_headers, &res->n_headers);
}

const http_header_t *http_header_find(const http_header_t *h, size_t n, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (h[i].name_len == nl && strncasecmp(h[i].name, name, nl) == 0)
            return &h[i];
    return NULL;
}

bool http_header_has_token(const char *value, size_t len, const char *tok)
{
    size_t tl = strlen(tok);
    const char *p = value, *end = value + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        const char *s = p;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        const char *t = e;
        while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if ((size_t)(t - s) == tl && strncasecmp(s, tok, tl) == 0)
            return true;
        p = comma ? comma + 1 : end;
    }
    return false;
}

/* Parse a Content-Length value: 1*DIGIT, possibly a list of equal values
 * ("5, 5", RFC 9110 8.6). Returns false when malformed. */
static bool parse_length(const char *v, size_t n, uint64_t *out)
{
    bool have = false;
    uint64_t first = 0;
    const char *p = v, *end = v + n;
    while (p <= end) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        uint64_t x = 0;
        size_t digits = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            if (x > (UINT64_MAX - 9) / 10)
                return false;
            x = x * 10 + (uint64_t)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 0)
            return false;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (have && x != first)
            return false;
        first = x;
        have = true;
        if (p == end)
            break;
        if (*p != ',')
            return false;
        p++;
    }
    *out = first;
    return have;
}

int http_body_framing(const http_header_t *h, size_t n, bool is_request, bool *chunked,
                      bool *has_length, uint64_t *length)
{
    bool te = false, is_chunked = false, cl = false, other = false;
    uint64_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i].name_len == 17 && strncasecmp(h[i].name, "Transfer-Encoding", 17) == 0) {
            /* Field lines combine into one list (RFC 9110 5.3): "chunked"
             * must be its last coding and appear once (RFC 9112 6.3); other
             * codings before it are not decoded here (6.1: 501). */
            te = true;
            const char *p = h[i].value, *e = p + h[i].value_len;
            while (p < e) {
                const char *comma = memchr(p, ',', (size_t)(e - p));
                const char *ce = comma ? comma : e;
                const char *s = p;
                while (s < ce && (*s == ' ' || *s == '\t'))
                    s++;
                const char *t = ce;
                while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
                    t--;
                if (t > s) {
                    if (is_chunked)
                        return HTTP_FRAMING_BAD; /* a coding after chunked */
                    if ((size_t)(t - s) == 7 && strncasecmp(s, "chunked", 7) == 0)
                        is_chunked = true;
                    else
                        other = true;
                }
                p = comma ? comma + 1 : e;
            }
        } else if (h[i].name_len == 14 && strncasecmp(h[i].name, "Content-Length", 14) == 0) {
            uint64_t x;
            if (!parse_length(h[i].value, h[i].value_len, &x))
                return HTTP_FRAMING_BAD;
            if (cl && x != len)
                return HTTP_FRAMING_BAD;
            cl = true;
            len = x;
        }
    }
    if (te && !is_chunked)
        return HTTP_FRAMING_BAD; /* no final chunked: the length is unknown */
    if (other)
        return HTTP_FRAMING_UNSUPPORTED;
    if (te && cl) {
        /* RFC 9112 6.3: a request with both is an attack vector; reject. A
         * response: Transfer-Encoding wins. */
        if (is_request)
            return HTTP_FRAMING_BAD;
        cl = false;
    }
    *chunked = is_chunked;
    *has_length = cl;
    *length = len;
    return 0;
}

/* unreserved / sub-delims of RFC 3986 2.2-2.3, and '%' for pct-encoded. */
static bool is_host_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("-._~!$&'()*+,;=%", c) != NULL;
}

bool http_host_valid(const char *v, size_t n)
{
    const char *p = v, *end = v + n;
    if (p < end && *p == '[') {
        /* IP-literal: IPv6address or IPvFuture, checked for its alphabet. */
        const char *close = memchr(p, ']', n);
        if (!close || close == p + 1)
            return false;
        for (const char *q = p + 1; q < close; q++)
            if (!is_host_char((unsigned char)*q) && *q != ':')
                return false;
        p = close + 1;
    } else {
        while (p < end && is_host_char((unsigned char)*p))
            p++;
    }
    if (p == end)
        return true;
    if (*p != ':')
        return false; /* a space, '@', '/', a second ']' ... */
    p++;
    size_t digits = 0;
    for (; p < end; p++, digits++)
        if (*p < '0' || *p > '9' || digits == 5)
            return false;
    return true;
}

size_t http_date_format(int64_t t, char out[HTTP_DATE_LEN + 1])
{
    static const char days[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (t < 0)
        t = 0;
    int64_t days_since = t / 86400, secs = t % 86400;
    /* Civil date from days since 1970-01-01 (proleptic Gregorian calendar). */
    int64_t z = days_since + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    if (year > 9999)
        year = 9999;
    char *o = out;
    memcpy(o, days[days_since % 7], 3);
    o += 3;
    *o++ = ',';
    *o++ = ' ';
    *o++ = (char)('0' + day / 10);
    *o++ = (char)('0' + day % 10);
    *o++ = ' ';
    memcpy(o, months[month - 1], 3);
    o += 3;
    *o++ = ' ';
    *o++ = (char)('0' + year / 1000);
    *o++ = (char)('0' + year / 100 % 10);
    *o++ = (char)('0' + year / 10 % 10);
    *o++ = (char)('0' + year % 10);
    *o++ = ' ';
    int hh = (int)(secs / 3600), mm = (int)(secs / 60 % 60), ss = (int)(secs % 60);
    *o++ = (char)('0' + hh / 10);
    *o++ = (char)('0' + hh % 10);
    *o++ = ':';
    *o++ = (char)('0' + mm / 10);
    *o++ = (char)('0' + mm % 10);
    *o++ = ':';
    *o++ = (char)('0' + ss / 10);
    *o++ = (char)('0' + ss % 10);
    memcpy(o, " GMT", 4);
    o += 4;
    *o = '\0';
    return (size_t)(o - out);
}
