/*
 * http_parse.h -- pure, incremental parsers for HTTP/1.1 (RFC 9112) message
 * heads, chunked bodies and URLs.
 *
 * No I/O, no allocation, no global state: bytes in, zero-copy slices and
 * "consumed / need more / error" out. Callers (http_client.c,
 * http_server.c) own the buffers; slices point into them.
 */
#ifndef MK_HTTP_PARSE_H
#define MK_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Results of the head parsers (negative; >= 0 is the head length). */
enum {
    HTTP_PARSE_INCOMPLETE = -1, /* need more bytes */
    HTTP_PARSE_INVALID = -2,    /* malformed (400) */
    HTTP_PARSE_TOO_MANY = -3    /* more header fields than the caller has room for (431) */
};

typedef struct {
    const char *name; /* field name, not NUL-terminated */
    size_t name_len;
    const char *value; /* field value, surrounding whitespace removed */
    size_t value_len;
} http_header_t;

typedef struct {
    const char *method; /* token, e.g. "GET" */
    size_t method_len;
    const char *target; /* request-target as sent, e.g. "/a?b=c" */
    size_t target_len;
    int minor_version;      /* 0 or 1 (HTTP/1.x) */
    http_header_t *headers; /* caller's array */
    size_t n_headers;       /* out: fields found */
} http_request_head_t;

typedef struct {
    int minor_version;  /* 0 or 1 */
    int status;         /* 100..999 */
    const char *reason; /* reason phrase (may be empty) */
    size_t reason_len;
    http_header_t *headers; /* caller's array */
    size_t n_headers;       /* out: fields found */
} http_response_head_t;

/*
 * Parse a request head (request-line, header fields, empty line) at the
 * start of `buf` (`len` bytes). `req->headers` must point to `max_headers`
 * entries. Lines may end in CRLF or a bare LF (RFC 9112 2.2). Rejects
 * obsolete line folding, whitespace before a colon, control characters,
 * and versions other than HTTP/1.0 and HTTP/1.1. Returns the head's length
 * in bytes (the body starts there), or HTTP_PARSE_INCOMPLETE,
 * HTTP_PARSE_INVALID or HTTP_PARSE_TOO_MANY. The caller bounds the head size.
 */
ssize_t http_parse_request(const char *buf, size_t len, http_request_head_t *req,
                           size_t max_headers);

/* As http_parse_request for a response head (status-line, RFC 9112 4). */
ssize_t http_parse_response(const char *buf, size_t len, http_response_head_t *res,
                            size_t max_headers);

/* The first field named `name` (case-insensitive), or NULL. */
const http_header_t *http_header_find(const http_header_t *h, size_t n, const char *name);

/* True when a comma-separated field value contains token `tok` (case-insensitive). */
bool http_header_has_token(const char *value, size_t len, const char *tok);

/* Results of http_body_framing. */
enum {
    HTTP_FRAMING_BAD = -1,        /* malformed or conflicting framing fields (400) */
    HTTP_FRAMING_UNSUPPORTED = -2 /* a transfer coding other than chunked before it (501) */
};

/*
 * How a message body is framed (RFC 9112 6.3). Looks at every
 * Transfer-Encoding and Content-Length field among `h`:
 * returns 0 and sets *chunked, or *length (for Content-Length), or neither
 * (no framing fields); returns HTTP_FRAMING_BAD when the fields are
 * malformed or conflicting (several different lengths, a final coding
 * other than "chunked", chunked twice, both fields in a request), or
 * HTTP_FRAMING_UNSUPPORTED when "chunked" is final but other codings
 * (e.g. "gzip, chunked") precede it: RFC 9112 6.1 asks for 501 then.
 */
int http_body_framing(const http_header_t *h, size_t n, bool is_request, bool *chunked,
                      bool *has_length, uint64_t *length);

/*
 * True when `n` bytes at `v` are a valid Host field value (RFC 9112 3.2,
 * RFC 3986 3.2.2-3.2.3): empty, or uri-host [":" port] where uri-host is a
 * reg-name (unreserved, pct-encoded, sub-delims) or a bracketed IP-literal
 * and port is at most 5 digits. "a b", "a@b", "a/b" and "[::1" are not.
 */
bool http_host_valid(const char *v, size_t n);

#define HTTP_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */

/*
 * Write `t` (seconds since 1970-01-01 UTC; negative taken as 0) as an
 * IMF-fixdate (RFC 9110 5.6.7) into `out`, NUL-terminated; returns
 * HTTP_DATE_LEN. Locale-independent (no strftime).
 */
size_t http_date_format(int64_t t, char out[HTTP_DATE_LEN + 1]);

/* ---- Chunked transfer coding (RFC 9112 7.1) ------------------------- */

typedef struct {
    uint64_t remaining; /* bytes left in the current chunk */
    size_t line_len;    /* bytes of the current size/extension/trailer line */
    size_t trailer_len; /* bytes of trailer fields so far */
    uint8_t state;      /* internal */
    uint8_t digits;     /* hex digits of the current size */
} http_chunked_t;

#define HTTP_CHUNKED_MAX_LINE    4096  /* chunk-size line with extensions */
#define HTTP_CHUNKED_MAX_TRAILER 16384 /* all trailer fields together */

/* Start decoding a new body. */
void http_chunked_init(http_chunked_t *d);

/*
 * Decode `*len` bytes of chunked coding at `buf` in place: afterwards
 * buf[0 .. *len) holds the body bytes they contained. Feed the stream in
 * any pieces. Returns HTTP_PARSE_INCOMPLETE when the body continues, the
 * number of bytes after the end of the coding (>= 0; they follow the decoded
 * bytes, at buf + *len) once the last chunk and trailers were read, or
 * HTTP_PARSE_INVALID on a malformed size line, missing CRLF after data,
 * a size over 2^62, or a size line / trailer over the limits above.
 */
ssize_t http_chunked_decode(http_chunked_t *d, uint8_t *buf, size_t *len);

/* ---- URLs ------------------------------------------------------------ */

typedef enum { URL_HTTP, URL_HTTPS, URL_WS, URL_WSS } http_scheme_t;

typedef struct {
    http_scheme_t scheme;
    bool tls;          /* https or wss */
    char host[256];    /* host name or IP literal (IPv6 without brackets), NUL-terminated */
    bool host_is_ipv6; /* the host was in brackets */
    uint16_t port;     /* explicit or the scheme's default */
    const char *path;  /* path + query ("/" when the URL has none), not NUL-terminated */
    size_t path_len;
} http_url_t;

/*
 * Parse an absolute URL "scheme://host[:port][/path][?query][#fragment]"
 * (`len` bytes at `url`) for schemes http, https, ws, wss (case-insensitive).
 * User info, empty hosts, ports outside 1..65535, spaces, control and
 * non-ASCII bytes are rejected; the fragment is dropped. `out->path`
 * points into `url`. Returns false, with `*why` set to a static reason, on
 * error.
 */
bool http_url_parse(const char *url, size_t len, http_url_t *out, const char **why);

#endif
