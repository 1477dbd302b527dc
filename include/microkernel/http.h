/*
 * microkernel/http.h -- HTTP/1.1 client and server, Server-Sent Events and
 * WebSocket for actors.
 *
 * Source: seed API reference (000), "HTTP / SSE / WebSocket". Every call is
 * non-blocking: it queues work for the runtime's event loop and returns; the
 * outcome arrives later as a system message (source ACTOR_ID_INVALID) in the
 * mailbox of the actor that made the call. Every connection belongs to the
 * actor that opened it (client) or owns the listener that accepted it
 * (server); when that actor stops, its connections and listeners close.
 * All functions act for the running actor, so they must be called from
 * inside a behaviour. Limits and behaviour in detail: docs/http.md.
 */
#ifndef MICROKERNEL_HTTP_H
#define MICROKERNEL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/services.h"
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Limits (defaults; the settable ones have setters below) ---------- */

#ifndef MK_HTTP_MAX_LISTENERS
#define MK_HTTP_MAX_LISTENERS 8 /* listeners per runtime (seed) */
#endif
#ifndef MK_HTTP_MAX_HEAD
#define MK_HTTP_MAX_HEAD (16u * 1024u) /* request/response line + headers, bytes; over: 431 */
#endif
#ifndef MK_HTTP_MAX_TARGET
#define MK_HTTP_MAX_TARGET (8u * 1024u) /* request-target (path + query), bytes; over: 414 */
#endif
#ifndef MK_HTTP_MAX_HEADERS
#define MK_HTTP_MAX_HEADERS 100 /* header fields in one head; over: 431 */
#endif
#ifndef MK_HTTP_DEFAULT_MAX_BODY
#define MK_HTTP_DEFAULT_MAX_BODY (8u * 1024u * 1024u) /* request body, bytes; over: 413 */
#endif
#ifndef MK_HTTP_DEFAULT_MAX_RESPONSE
#define MK_HTTP_DEFAULT_MAX_RESPONSE (64u * 1024u * 1024u) /* client response body, bytes */
#endif
#ifndef MK_HTTP_DEFAULT_IDLE_MS
#define MK_HTTP_DEFAULT_IDLE_MS 10000u /* server: a request must arrive within this */
#endif
#ifndef MK_HTTP_DEFAULT_TIMEOUT_MS
#define MK_HTTP_DEFAULT_TIMEOUT_MS 30000u /* client: connect + response (or handshake) */
#endif
#ifndef MK_WS_DEFAULT_MAX_MESSAGE
#define MK_WS_DEFAULT_MAX_MESSAGE (64u * 1024u * 1024u) /* WebSocket message, bytes; over: 1009 */
#endif
#ifndef MK_HTTP_DEFAULT_MAX_OUTPUT
#define MK_HTTP_DEFAULT_MAX_OUTPUT (8u * 1024u * 1024u) /* unsent output per connection, bytes */
#endif
#ifndef MK_SSE_MAX_EVENT
#define MK_SSE_MAX_EVENT (1u * 1024u * 1024u) /* SSE event data / line, bytes */
#endif

/* ---- Extension messages (docs/system-messages.md, HTTP range) ------- */

/*
 * Extension: MSG_HTTP_WRITABLE (payload http_writable_payload_t). After
 * actor_sse_push, actor_ws_send_text/_binary or actor_ws_close was refused
 * because the connection's unsent output was at its limit
 * (http_set_max_output), the owner gets this once, when the unsent output
 * has dropped to half the limit or below (lower when the refused call needs
 * more room, so that repeating it then succeeds). One message however many
 * calls were refused; the next refusal arms it again.
 */
#define MSG_HTTP_WRITABLE 0xFF000160u

/* ---- Error codes of http_error_payload_t.error_code ----------------- */

#define HTTP_ERR_URL       1  /* the URL could not be parsed or has an unsupported scheme */
#define HTTP_ERR_DNS       2  /* the host name did not resolve */
#define HTTP_ERR_CONNECT   3  /* TCP connect failed (refused, unreachable) */
#define HTTP_ERR_TLS       4  /* TLS handshake or certificate verification failed, or no TLS */
#define HTTP_ERR_TIMEOUT   5  /* no complete response within the client timeout */
#define HTTP_ERR_PROTOCOL  6  /* the peer sent something that is not valid HTTP */
#define HTTP_ERR_CLOSED    7  /* the peer closed before the response was complete */
#define HTTP_ERR_TOO_LARGE 8  /* the response head or body exceeds a limit */
#define HTTP_ERR_IO        9  /* a socket error (reset, ...) */
#define HTTP_ERR_NOMEM     10 /* out of memory */
#define HTTP_ERR_STATUS    11 /* SSE/WebSocket: the server answered with an unexpected status */

/* ---- Payloads --------------------------------------------------------- */

/*
 * MSG_HTTP_RESPONSE. The payload is this struct followed by the headers
 * (headers_size bytes, packed "Key: Value\0Key: Value\0") and the body
 * (body_size bytes, plus one NUL not counted so text bodies are C strings).
 * A chunked body arrives decoded.
 */
typedef struct {
    http_conn_id_t conn_id; /* the ID actor_http_get/fetch returned */
    int status_code;        /* e.g. 200 */
    size_t headers_size;    /* bytes of packed headers, NULs included */
    size_t body_size;       /* bytes of body, the trailing NUL not included */
} http_response_payload_t;

/* MSG_HTTP_ERROR: `error_code` is one of HTTP_ERR_*, `message` a NUL-terminated reason. */
typedef struct {
    http_conn_id_t conn_id; /* the failed connection */
    int error_code;         /* HTTP_ERR_* */
    char message[128];      /* human-readable reason, NUL-terminated */
} http_error_payload_t;

/* MSG_SSE_OPEN, MSG_SSE_CLOSED. */
typedef struct {
    http_conn_id_t conn_id; /* the stream */
    int status_code;        /* HTTP status of the stream's response (0 if none arrived) */
} sse_status_payload_t;

/*
 * MSG_SSE_EVENT. Followed by the event name (event_size bytes, its NUL
 * included; "message" when the stream named none) and the data (data_size
 * bytes plus a NUL not counted). Multi-line data is joined with "\n" (HTML
 * Living Standard 9.2.6). event_size counts the NUL as the original's does
 * (its sse_event_data is the name + event_size; issue 14 §3).
 */
typedef struct {
    http_conn_id_t conn_id; /* the stream */
    size_t event_size;      /* bytes of the event name, NUL included */
    size_t data_size;       /* bytes of the data, NUL not included */
} sse_event_payload_t;

/* MSG_WS_OPEN, MSG_WS_CLOSED, MSG_WS_ERROR (client and server WebSockets
 * alike), MSG_HTTP_CONN_CLOSED (plain HTTP and SSE server connections). */
typedef struct {
    http_conn_id_t conn_id; /* the connection */
    uint16_t close_code;    /* RFC 6455 7.4 status: the peer's (1005 none), ours on a protocol
                               error (1002, 1007, 1009), 1006 when the TCP connection dropped */
} ws_status_payload_t;

/* MSG_WS_MESSAGE: followed by data_size bytes of data plus a NUL not counted. */
typedef struct {
    http_conn_id_t conn_id; /* the connection */
    bool is_binary;         /* binary (opcode 2) or text (opcode 1, valid UTF-8) */
    size_t data_size;       /* bytes of the reassembled message */
} ws_message_payload_t;

/*
 * MSG_HTTP_REQUEST. Followed by the method (method_size bytes, its NUL
 * included), the request target (path_size bytes, NUL included, query
 * string included), the packed headers (headers_size bytes, "Key:
 * Value\0...", every NUL included) and the body (body_size bytes + a NUL
 * not counted). A chunked request body arrives decoded. The sizes count as
 * the original's do (its http.h: method and path "include \0"; issue 14
 * §3), so code that adds them up to find the next part works unchanged.
 */
typedef struct {
    http_conn_id_t conn_id; /* pass to actor_http_respond / actor_sse_start / actor_ws_accept */
    size_t method_size;     /* bytes, NUL included (strlen + 1) */
    size_t path_size;       /* bytes, NUL included (strlen + 1) */
    size_t headers_size;    /* bytes of packed headers, NULs included */
    size_t body_size;       /* bytes, trailing NUL not included */
} http_request_payload_t;

/* MSG_HTTP_WRITABLE (extension). */
typedef struct {
    http_conn_id_t conn_id; /* the connection that can take output again */
    size_t unsent;          /* bytes still unsent when the message was sent */
    size_t limit;           /* the connection's output limit, bytes */
} http_writable_payload_t;

/* Accessors (seed). Each returns a pointer into the message payload `p`
 * points to (no copy, valid as long as the message is), found from the
 * sizes in the struct; `p` must be a whole payload of that type. */

/* The packed headers of a MSG_HTTP_RESPONSE: headers_size bytes of
 * "Key: Value\0" entries. */
const char *http_response_headers(const http_response_payload_t *p);
/* The body of a MSG_HTTP_RESPONSE: body_size bytes, then a NUL not counted. */
const void *http_response_body(const http_response_payload_t *p);
/* The event name of a MSG_SSE_EVENT, NUL-terminated ("message" when the
 * stream named none). */
const char *sse_event_name(const sse_event_payload_t *p);
/* The data of a MSG_SSE_EVENT: data_size bytes, NUL-terminated, lines
 * joined with "\n". */
const char *sse_event_data(const sse_event_payload_t *p);
/* The data of a MSG_WS_MESSAGE: data_size bytes, then a NUL not counted. */
const void *ws_message_data(const ws_message_payload_t *p);
/* The method of a MSG_HTTP_REQUEST ("GET", ...), NUL-terminated. */
const char *http_request_method(const http_request_payload_t *p);
/* The request target of a MSG_HTTP_REQUEST, query string included,
 * NUL-terminated. */
const char *http_request_path(const http_request_payload_t *p);
/* The packed headers of a MSG_HTTP_REQUEST: headers_size bytes of
 * "Key: Value\0" entries. */
const char *http_request_headers(const http_request_payload_t *p);
/* The body of a MSG_HTTP_REQUEST: body_size bytes, then a NUL not counted. */
const void *http_request_body(const http_request_payload_t *p);

/* ---- Client ----------------------------------------------------------- */

/*
 * GET `url` (http:// or https://; https needs a build with OpenSSL,
 * HAVE_TLS). Equivalent to actor_http_fetch(rt, "GET", url, NULL, 0, NULL, 0).
 * Returns the connection ID, or HTTP_CONN_ID_INVALID with a reason in
 * mk_last_error() when called outside a behaviour, for a NULL or unparsable
 * URL, or out of memory. Everything that fails later (DNS, refused, TLS
 * verification, timeout, malformed or truncated response) arrives as
 * MSG_HTTP_ERROR; success as MSG_HTTP_RESPONSE. Exactly one of the two is
 * sent per request, unless actor_http_close() cancelled it.
 */
http_conn_id_t actor_http_get(runtime_t *rt, const char *url);

/*
 * Send an HTTP/1.1 request with any `method` (a token, e.g. "POST"),
 * `headers` (n_headers strings "Header: Value"; may be NULL when 0) and an
 * optional body (`body`, `body_size` bytes; NULL/0 for none). Host,
 * Content-Length (when a body is given or the method is POST/PUT/PATCH) and
 * Connection: close are added unless the caller supplied them. The body is
 * copied. Same results and errors as actor_http_get, plus a NULL/invalid
 * method or a header with CR/LF/NUL or no colon (rejected at call time).
 */
http_conn_id_t actor_http_fetch(runtime_t *rt, const char *method, const char *url,
                                const char *const *headers, size_t n_headers, const void *body,
                                size_t body_size);

/*
 * Open a Server-Sent Events stream (GET with Accept: text/event-stream).
 * The caller receives MSG_SSE_OPEN once a 2xx text/event-stream response
 * head arrived, MSG_SSE_EVENT per event, and MSG_SSE_CLOSED when the stream
 * ends. When the stream cannot be opened (any client error, or a status
 * other than 2xx) it receives MSG_HTTP_ERROR and then MSG_SSE_CLOSED; so
 * does a stream cut short (the server closed before its Content-Length or
 * its last chunk: HTTP_ERR_CLOSED, docs/http.md).
 * There is no automatic reconnection. Returns HTTP_CONN_ID_INVALID as
 * actor_http_get does.
 */
http_conn_id_t actor_sse_connect(runtime_t *rt, const char *url);

/*
 * Open a WebSocket (RFC 6455) to a ws:// or wss:// URL. The caller receives
 * MSG_WS_OPEN after the 101 handshake, MSG_WS_MESSAGE per reassembled
 * message, and MSG_WS_CLOSED (orderly close, with the peer's code) or
 * MSG_WS_ERROR (close_code 1006 when the connection dropped, or the code we
 * closed with on a protocol violation). A failed handshake sends
 * MSG_HTTP_ERROR with the reason and then MSG_WS_ERROR (1006). Pings are
 * answered with pongs automatically. Returns HTTP_CONN_ID_INVALID as
 * actor_http_get does.
 */
http_conn_id_t actor_ws_connect(runtime_t *rt, const char *url);

/*
 * Send a text message of `len` bytes (must be valid UTF-8, RFC 6455 5.6) as
 * one frame, masked with a fresh random key when we are the client. Works on
 * client WebSockets once open and on server connections after
 * actor_ws_accept. The data is copied; sending never blocks. Returns false,
 * with a reason, outside a behaviour, for an unknown connection or one not
 * owned by the caller, one not in WebSocket mode or already closing,
 * invalid UTF-8, or out of memory. Extension: also when the frame would
 * take the connection's unsent output past its limit (http_set_max_output;
 * "output queue full: ..."): nothing is queued, and MSG_HTTP_WRITABLE says
 * when to try again. A frame larger than the limit is taken when nothing is
 * unsent. Output already accepted is never dropped.
 */
bool actor_ws_send_text(runtime_t *rt, http_conn_id_t id, const char *text, size_t len);

/* As actor_ws_send_text for a binary message (any bytes). */
bool actor_ws_send_binary(runtime_t *rt, http_conn_id_t id, const void *data, size_t len);

/*
 * Start the close handshake (RFC 6455 5.5.1, 7.1.2) with `code` (1000 normal,
 * 1001 going away, 3000-4999 application codes) and an optional UTF-8
 * `reason`, NUL-terminated. A reason over 123 bytes (the room in a control
 * frame, RFC 6455 5.5) is cut after its last whole UTF-8 character that
 * fits, never inside one. No more messages may be sent. The caller gets
 * MSG_WS_CLOSED when the peer answers, or MSG_WS_ERROR (1006) after 2 s
 * without an answer, on client and server WebSockets alike. Returns false, with a reason, for the
 * same connection errors as actor_ws_send_text (the output limit included), a code that may not be
 * sent, or a reason whose bytes to be sent are not valid UTF-8.
 */
bool actor_ws_close(runtime_t *rt, http_conn_id_t id, uint16_t code, const char *reason);

/*
 * Close any client or server connection owned by the caller at once and
 * free its resources; no further message arrives for it (a message already
 * in the mailbox stays). Unknown IDs and IDs of other actors are ignored.
 */
void actor_http_close(runtime_t *rt, http_conn_id_t id);

/* ---- Server ----------------------------------------------------------- */

/*
 * Listen for HTTP/1.1 connections on 127.0.0.1:`port` (0: an ephemeral port
 * the kernel picks, see http_listen_port). The caller receives
 * MSG_HTTP_REQUEST for each complete request and answers it with
 * actor_http_respond, actor_sse_start or actor_ws_accept. Malformed
 * requests are answered by the runtime (400, 408, 413, 414, 417, 431, 501;
 * docs/http.md) and never reach the actor. Returns false, with a reason, outside a behaviour, when
 * MK_HTTP_MAX_LISTENERS listeners exist in the runtime, the port is already
 * ours, or bind/listen fails (e.g. port in use).
 */
bool actor_http_listen(runtime_t *rt, uint16_t port);

/*
 * Stop listening on `port` (the port passed to actor_http_listen, or the
 * ephemeral one it got). Connections already accepted stay open. Returns
 * false when the caller has no listener on that port.
 */
bool actor_http_unlisten(runtime_t *rt, uint16_t port);

/*
 * Extension: the port of the caller's most recent listener (useful after
 * listening on port 0), or 0 when it has none.
 */
uint16_t http_listen_port(runtime_t *rt);

/*
 * Answer request `conn_id` with `status_code` (100..999), `headers`
 * ("Header: Value" strings, may be NULL when n_headers is 0) and a body
 * (`body_size` bytes, copied; NULL/0 for none). Content-Length and
 * Connection: close are added (a caller's own Content-Length or Connection
 * header is dropped); the connection closes once the response is written
 * (unless keep-alive is on, http_server_set_keepalive). Also added: Date
 * (IMF-fixdate, RFC 9110 6.6.1) unless the caller gave one, and for status
 * 405 an empty Allow unless the caller gave one (RFC 9110 15.5.6).
 * Returns false, with a reason, for an unknown connection, one not owned by
 * the caller or already answered, a bad status or header, or out of memory.
 */
bool actor_http_respond(runtime_t *rt, http_conn_id_t conn_id, int status_code,
                        const char *const *headers, size_t n_headers, const void *body,
                        size_t body_size);

/*
 * Answer request `conn_id` with "200 OK", Content-Type: text/event-stream,
 * Cache-Control: no-cache, and keep the connection open for
 * actor_sse_push. MSG_HTTP_CONN_CLOSED (close_code 0) arrives when the
 * client goes away. Same errors as actor_http_respond.
 */
bool actor_sse_start(runtime_t *rt, http_conn_id_t conn_id);

/*
 * Send one event on a stream started with actor_sse_start: "event: <event>"
 * (omitted when `event` is NULL, i.e. "message"), then one "data:" line per
 * line of `data` (`data_size` bytes; "\n", "\r\n" and "\r" split lines), then
 * an empty line. Returns false, with a reason, for an unknown or foreign
 * connection, one not in SSE mode, an event name with CR/LF, or out of memory.
 * Extension: also when the event would take the connection's unsent output
 * past its limit (http_set_max_output; "output queue full: ..."): nothing
 * is queued, and MSG_HTTP_WRITABLE says when to try again. An event larger
 * than the limit is taken when nothing is unsent. Events already accepted
 * are never dropped.
 */
bool actor_sse_push(runtime_t *rt, http_conn_id_t conn_id, const char *event, const char *data,
                    size_t data_size);

/*
 * Accept the WebSocket upgrade in request `conn_id` (RFC 6455 4.2.2): checks
 * Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Version: 13 and the
 * key, and sends 101 Switching Protocols. Then, as on the client side
 * (issue 14 §3, the original's behaviour): MSG_WS_OPEN, MSG_WS_MESSAGE per
 * message, and MSG_WS_CLOSED with the peer's close code (1005 when it gave
 * none) after an orderly close, or MSG_WS_ERROR with 1006 when TCP dropped
 * or the code we closed with on a protocol error (1002, 1007, 1009).
 * MSG_HTTP_CONN_CLOSED is not sent for a WebSocket. Returns false, with a reason, for an unknown or
 * foreign connection, one already answered, or a request that is not a valid upgrade (the request
 * is then answered with 400 and closed).
 */
bool actor_ws_accept(runtime_t *rt, http_conn_id_t conn_id);

/* ---- Settable limits (extension; per runtime, for later connections) ---- */

/* Largest request body the server accepts (bytes); larger: 413. 0 restores the default. */
void http_server_set_max_body(runtime_t *rt, size_t bytes);
/* How long a server connection may take to deliver a full request (ms);
 * longer: closed (slowloris). 0 restores the default. */
void http_server_set_idle_timeout(runtime_t *rt, uint32_t ms);
/*
 * Keep server connections open between requests (RFC 9112 9.3), for every
 * listener of `rt`. Off by default: actor_http_respond then adds
 * "Connection: close" and closes after writing, as the seed says. On: an
 * HTTP/1.1 request without "Connection: close", or an HTTP/1.0 request with
 * "Connection: keep-alive", is answered without closing (HTTP/1.0 gets
 * "Connection: keep-alive"), and the next request -- pipelined or later --
 * arrives as a new MSG_HTTP_REQUEST with the same conn_id. An idle
 * connection closes silently after the idle time
 * (http_server_set_idle_timeout). Takes effect for requests parsed after
 * the call. Sets no error; does nothing when `rt` is NULL or the HTTP state
 * cannot be created.
 */
void http_server_set_keepalive(runtime_t *rt, bool on);
/* Client deadline for connect + complete response, or for the SSE/WebSocket
 * handshake (ms). 0 restores the default. */
void http_client_set_timeout(runtime_t *rt, uint32_t ms);
/* Largest WebSocket message accepted, both sides (bytes); larger: close 1009.
 * 0 restores the default. */
void http_ws_set_max_message(runtime_t *rt, size_t bytes);
/*
 * Extension: the most output bytes a connection may hold unsent, both sides
 * (SSE streams, WebSocket frames): the backpressure to a peer that does not
 * read. A call that would pass it is refused (see actor_sse_push) and the
 * owner gets MSG_HTTP_WRITABLE once there is room again. Default
 * MK_HTTP_DEFAULT_MAX_OUTPUT (8 MiB); 0 restores it. Applies to connections
 * opened or accepted after the call. Sets no error; does nothing when `rt`
 * is NULL or the HTTP state cannot be created.
 */
void http_set_max_output(runtime_t *rt, size_t bytes);

/* ---- Introspection (extension) ------------------------------------------ */

/* What http_conn_stats reports about one connection. */
typedef struct {
    size_t unsent;              /* output bytes queued and not yet written */
    size_t unsent_peak;         /* most unsent output bytes held at once, bytes */
    size_t limit;               /* the connection's output limit (http_set_max_output), bytes */
    uint64_t ws_pings;          /* WebSocket pings received */
    uint64_t ws_pongs_replaced; /* pongs never sent: a newer ping came while they waited */
    bool ws_pong_pending;       /* a pong waits for room under the limit */
    bool peer_eof;              /* the peer's end of stream was read (it shut down its sending
                                   side, or left); answers owed are still written */
} http_conn_stats_t;

/*
 * Extension: fill `*out` with the counters of connection `id`, which the
 * caller must own (client or server, any state). The runtime's own pongs
 * are held to the output limit too: when a ping's pong does not fit, it
 * waits in a single slot and a newer ping replaces it (RFC 6455 5.5.3), so
 * unsent_peak stays within the limit plus one control frame (or one
 * message larger than the limit, sent on an empty queue). Returns false,
 * with a reason, outside a behaviour, for a NULL `out`, an unknown
 * connection or one owned by another actor.
 */
bool http_conn_stats(runtime_t *rt, http_conn_id_t id, http_conn_stats_t *out);

/* What http_listener_stats reports about one listener. */
typedef struct {
    uint64_t accept_calls; /* accept4() calls made, failed ones included */
    uint64_t accepted;     /* connections accepted */
    uint64_t pauses;       /* times it stopped accepting for lack of descriptors */
    uint64_t resumes;      /* times it started again */
    bool paused;           /* not accepting now (EMFILE, ENFILE, ENOBUFS, ENOMEM) */
} http_listener_stats_t;

/*
 * Extension: fill `*out` with the counters of the caller's listener on
 * `port`. When accept4() fails for lack of descriptors or memory (EMFILE,
 * ENFILE, ENOBUFS, ENOMEM) the listener is taken out of the event loop
 * instead of being retried at once (which would spin), one WARN line is
 * logged (at most one per second, with a count of the ones suppressed),
 * and it is put back when one of the runtime's HTTP connections closes,
 * or after 500 ms for descriptors freed elsewhere. Pending connections
 * wait in the kernel's backlog meanwhile. Returns false, with a reason,
 * outside a behaviour, for a NULL `out`, or when the caller does not
 * listen on `port`.
 */
bool http_listener_stats(runtime_t *rt, uint16_t port, http_listener_stats_t *out);

#ifdef __cplusplus
}
#endif

#endif
