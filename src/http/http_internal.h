/*
 * http_internal.h -- the HTTP layer's per-runtime state and connections,
 * shared by http_conn.c (table, I/O, deadlines, ownership), http_dns.c
 * (c-ares), http_client.c, http_server.c and ws.c.
 *
 * Everything runs on the runtime's thread. A connection is owned by one
 * actor; it is freed by conn_free() and must not be touched afterwards:
 * functions that can free a connection return false when they did.
 */
#ifndef MK_HTTP_INTERNAL_H
#define MK_HTTP_INTERNAL_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "core/log_limit.h"
#include "core/runtime_api.h"
#include "http/http_parse.h"
#include "http/sse_parse.h"
#include "http/ws_frame.h"
#include "microkernel/http.h"
#include "microkernel/mk_socket.h"

typedef struct {
    uint8_t *data; /* malloc'd */
    size_t len;    /* bytes held */
    size_t cap;    /* bytes allocated */
    size_t off;    /* bytes already consumed (output: written) */
} http_buf_t;

/* Append `n` bytes; false when memory runs out. */
bool http_buf_append(http_buf_t *b, const void *p, size_t n);
/* Make room for `n` more bytes; false when memory runs out. */
bool http_buf_reserve(http_buf_t *b, size_t n);
/* Append printf-style text. */
bool http_buf_printf(http_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void http_buf_free(http_buf_t *b);
/* Give `b`, empty and without storage, the storage kept in `spare` (if any):
 * a connection's buffer without a malloc. */
void http_buf_borrow(http_buf_t *b, http_buf_t *spare);
/* Keep b's storage in `spare` for the next http_buf_borrow when `spare` is
 * empty and b's storage is not large; free it otherwise. b ends up empty. */
void http_buf_recycle(http_buf_t *b, http_buf_t *spare);

typedef enum { SIDE_CLIENT, SIDE_SERVER } http_side_t;
typedef enum { KIND_HTTP, KIND_SSE, KIND_WS } http_kind_t;

typedef enum {
    /* client */
    ST_RESOLVING,  /* waiting for c-ares */
    ST_CONNECTING, /* non-blocking connect in progress */
    ST_TLS,        /* TLS handshake */
    ST_HEAD,       /* request sent (or being sent), reading the response head */
    ST_BODY,       /* reading the response body */
    ST_SSE,        /* SSE stream open (client) */
    /* server */
    ST_REQ_HEAD,   /* reading a request head */
    ST_REQ_BODY,   /* reading a request body */
    ST_WAIT,       /* request delivered; waiting for the actor's answer */
    ST_ANSWERED,   /* response queued; closing once written */
    ST_SSE_SERVER, /* actor_sse_start was called */
    /* both */
    ST_WS,      /* WebSocket open */
    ST_DETACHED /* socket closed; only held messages are still delivered */
} http_state_t;

#define HTTP_MAX_ADDRS 8

typedef struct http_listener http_listener_t;

typedef struct http_conn {
    http_conn_id_t id;      /* slot | generation */
    struct http_rt *h;      /* the runtime's HTTP state */
    actor_id_t owner;       /* the actor it belongs to */
    uint8_t side;           /* http_side_t */
    uint8_t kind;           /* http_kind_t */
    uint8_t state;          /* http_state_t */
    bool close_after_flush; /* free once the output buffer is written */
    bool want_write;        /* EPOLLOUT is in the interest set */
    bool eof;               /* the peer closed (or the socket failed) */
    bool io_error;          /* ... by a socket error (reset), not an end of stream */
    int fd;                 /* the descriptor (owned by sock once it exists) */
    mk_socket_t *sock;      /* NULL until connected */
    mk_io_t io;             /* fd in the event loop */
    http_buf_t in, out;     /* receive and send buffers */
    uint64_t deadline;      /* mk_clock_ms() deadline, 0: none */
    size_t max_output;      /* most unsent output bytes the owner may queue */
    size_t out_resume;      /* out_blocked: MSG_HTTP_WRITABLE once unsent <= this */
    bool out_blocked;       /* a send was refused (output limit); the owner waits */
    bool no_read;           /* server: EPOLLIN off (EOF seen, or pipelined input at its cap) */
    size_t out_peak;        /* most unsent output bytes held at once (http_conn_stats) */

    /* backpressure: messages the owner's full mailbox could not take yet */
    message_t **held; /* in order, from held_head to n_held */
    size_t held_head; /* next one to deliver */
    size_t n_held;    /* one past the last */
    size_t cap_held;  /* entries allocated */
    bool paused;      /* not reading (no EPOLLIN) until the held ones are delivered */

    /* client */
    char host[256]; /* for Host:, SNI and errors */
    uint16_t port;
    bool tls;
    bool head_request;                             /* HEAD: no response body */
    struct sockaddr_storage addrs[HTTP_MAX_ADDRS]; /* resolved addresses */
    socklen_t addr_lens[HTTP_MAX_ADDRS];
    int n_addrs, cur_addr;
    int connect_errno; /* last connect failure */
    int status;        /* response status */
    http_buf_t hdrs;   /* response headers, packed "Key: Value\0..." */
    bool chunked, has_length, until_close;
    uint64_t length;      /* Content-Length */
    uint64_t body_done;   /* SSE: body bytes already parsed and dropped from `in` */
    http_chunked_t chunk; /* chunked decoder */
    size_t body_len;      /* decoded body bytes at the start of `in` */
    char ws_key[32];      /* Sec-WebSocket-Key we sent */
    sse_parser_t sse;     /* SSE client */
    bool sse_init;

    /* server */
    size_t max_body;    /* request body limit for this connection */
    size_t method_size; /* request parts packed in hdrs: method\0 path\0 fields */
    size_t path_size;
    size_t fields_size;
    bool linger;  /* after the flush: shut down writes, drain, then free */
    bool keep;    /* the answer may keep the connection open (keep-alive on, client agrees) */
    bool http10;  /* the request was HTTP/1.0 (keep-alive must be said) */
    bool reuse;   /* after the flush: read the next request */
    bool served;  /* a response went out on this connection before */
    bool nodelay; /* TCP_NODELAY is set (before the first write that is not the last) */

    /* WebSocket */
    ws_decoder_t ws;
    bool ws_init;
    bool ws_close_sent;         /* we sent a close frame */
    bool ws_close_received;     /* the peer's close frame arrived */
    bool ws_done;               /* the owner was told the socket ended */
    uint16_t ws_peer_code;      /* the peer's close code */
    bool ws_pong_pending;       /* a pong waits for room under the output limit */
    uint8_t ws_pong_len;        /* its payload bytes (<= 125, RFC 6455 5.5) */
    uint8_t ws_pong[125];       /* its payload: the latest ping's (RFC 6455 5.5.3) */
    uint64_t ws_pings;          /* pings received */
    uint64_t ws_pongs_replaced; /* pending pongs superseded by a newer ping */
} http_conn_t;

struct http_listener {
    uint16_t port; /* 0: free entry */
    actor_id_t owner;
    int fd;
    mk_io_t io;
    bool paused;           /* disarmed after EMFILE & co until a descriptor is freed */
    uint64_t retry_at;     /* paused: mk_clock_ms() when the tick re-arms it anyway */
    uint64_t accept_calls; /* accept4() calls (http_listener_stats) */
    uint64_t accepted;     /* connections accepted */
    uint64_t pauses;       /* times it was disarmed */
    uint64_t resumes;      /* times it was re-armed */
};

#define HTTP_MAX_DNS_FDS 16

/* One mk_actor_wait_space registration per owner actor with held
 * messages, whatever the number of its paused connections. */
typedef struct http_space {
    struct http_rt *h;
    actor_id_t owner;
    struct http_space *next;
} http_space_t;

typedef struct http_rt {
    runtime_t *rt;
    http_conn_t **slots; /* connection table */
    uint16_t *gens;      /* generation per slot */
    uint32_t n_slots;    /* slots in use or freed */
    uint32_t cap;
    uint32_t *free_list; /* freed slot indices */
    uint32_t n_free;
    size_t n_conns; /* live connections */
    http_listener_t listeners[MK_HTTP_MAX_LISTENERS];
    uint16_t last_port; /* unused */
    int tick_fd;        /* timerfd for deadlines and DNS timeouts */
    mk_io_t tick_io;
    bool tick_armed;
    void *tls_config; /* client TLS context, made on first https use */
    void *dns;        /* http_dns state */
    size_t max_body;  /* settings (see http.h setters) */
    uint32_t idle_ms;
    uint32_t timeout_ms;
    size_t ws_max_message;
    size_t max_output;            /* http_set_max_output */
    bool keepalive;               /* http_server_set_keepalive */
    http_space_t *spaces;         /* owners we wait for room in (backpressure) */
    uint32_t space_next;          /* slot where the next drain starts (fairness) */
    http_buf_t spare_in;          /* a closed connection's read buffer, for the next one */
    http_buf_t spare_out;         /* a closed connection's write buffer, for the next one */
    int n_paused;                 /* listeners disarmed for lack of descriptors */
    mk_log_limit_t accept_log;    /* "not accepting" lines (one per second) */
    int64_t date_sec;             /* the second `date` was formatted for */
    char date[HTTP_DATE_LEN + 1]; /* IMF-fixdate for Date: (RFC 9110 6.6.1) */
} http_rt_t;

/* The runtime's HTTP state, created on first use (NULL, reason set, on failure). */
http_rt_t *http_rt(runtime_t *rt);
/* Existing state or NULL. */
http_rt_t *http_rt_peek(runtime_t *rt);

/* A new connection owned by `owner`, in the table; NULL when out of memory. */
http_conn_t *conn_new(http_rt_t *h, actor_id_t owner, http_side_t side);
/* The live connection `id`, or NULL. */
http_conn_t *conn_find(http_rt_t *h, http_conn_id_t id);
/* The connection `id` if owned by the running actor, else NULL with a reason (`who` prefixes it).
 */
http_conn_t *conn_owned(runtime_t *rt, http_conn_id_t id, const char *who);
/* The connection is finished: remove it from the loop, close the socket and
 * free it. When messages for the owner are still held (its mailbox was
 * full), only the socket goes: the entry stays, in ST_DETACHED, until they
 * are delivered. Callers must not touch c afterwards either way. */
void conn_free(http_rt_t *h, http_conn_t *c);
/* Free now, dropping held messages (owner stopped, actor_http_close). */
void conn_destroy(http_rt_t *h, http_conn_t *c);
/* Put c->fd in the loop with the connection callback and `events`
 * (EPOLLIN / EPOLLOUT). While c is paused EPOLLIN is left out, and the fd
 * leaves the loop when nothing else is wanted. */
bool conn_watch(http_rt_t *h, http_conn_t *c, uint32_t events);
/* Write what is buffered; arms EPOLLOUT when it would block. Sends the
 * owner MSG_HTTP_WRITABLE when a refused sender waits and the unsent output
 * dropped far enough (see conn_out_room). Returns false when the
 * connection failed and was freed (after telling the owner). */
bool conn_flush(http_rt_t *h, http_conn_t *c);
/* Make room in c->out for `n` more bytes the owner queues (SSE events,
 * WebSocket frames): allowed when nothing is unsent (so one message over
 * the limit can still go out) or when the unsent bytes plus `n` stay within
 * c->max_output. On success the storage is reserved, so `n` bytes of
 * appends cannot fail. Otherwise false with "<who>: output queue full: ..."
 * (or out of memory) for mk_last_error(); when full, c remembers to send
 * MSG_HTTP_WRITABLE once the unsent output is at or below half the limit,
 * or lower when `n` needs more room than that leaves. */
bool conn_out_room(http_conn_t *c, size_t n, const char *who);
/* The no-refusal half of conn_out_room: true, with the storage for `n`
 * more bytes reserved, when nothing is unsent or the unsent bytes plus `n`
 * stay within c->max_output; false otherwise (or out of memory) without
 * setting a reason or arming MSG_HTTP_WRITABLE. For output the runtime
 * makes itself and may defer (pongs). */
bool conn_out_fits(http_conn_t *c, size_t n);
/* Record the unsent output in c->out_peak (after an append). */
static inline void conn_note_unsent(http_conn_t *c)
{
    size_t u = c->out.len - c->out.off;
    if (u > c->out_peak)
        c->out_peak = u;
}
/* Read everything available into c->in. Returns >0 bytes read, 0 on EOF,
 * -1 on nothing now (EAGAIN), -2 on error (errno set). Sets c->eof once the
 * stream ended, even when bytes came with it. On the server side (plain TCP,
 * level-triggered) a read that leaves room in the buffer ends the call: the
 * kernel had no more, and what comes later is reported again, so the read
 * that would only say EAGAIN (or EOF, seen on the next event) is saved. */
ssize_t conn_read(http_conn_t *c);
/* Make sure the deadline tick runs. */
void http_tick_arm(http_rt_t *h);

/* Messages to the owner. */
void http_send_error(http_rt_t *h, http_conn_t *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void http_send_status(http_rt_t *h, http_conn_t *c, msg_type_t type, int status);
void http_send_ws_status(http_rt_t *h, http_conn_t *c, msg_type_t type, uint16_t code);
/* Deliver a malloc'd payload `buf` of `size` bytes to c's owner without
 * copying (ownership passes). Goes through http_post(). */
bool http_deliver(http_rt_t *h, http_conn_t *c, msg_type_t type, void *buf, size_t size);
/* Hand `m` (ownership passes; its dest is c->owner) to c's owner in order
 * with everything c sent before. When the owner's mailbox is full the
 * message is held, c stops reading (paused) and the held messages go out
 * when mk_actor_wait_space says there is room; reading resumes after the
 * last. Returns false (m destroyed) only when the owner is gone or memory
 * runs out. */
bool http_post(http_rt_t *h, http_conn_t *c, message_t *m);

/* Client (http_client.c). */
void client_on_io(http_rt_t *h, http_conn_t *c, uint32_t events);
/* Name resolution finished: connect (n == 0: `err` says why it failed). */
void client_resolved(http_rt_t *h, http_conn_t *c, int n, const char *err);
/* An SSE stream paused with parsed-but-unread input can go on (the owner
 * has room): parse the rest, then handle the end of the stream. False when
 * c was freed. */
bool client_resume(http_rt_t *h, http_conn_t *c);
/* The client deadline passed. */
void client_timeout(http_rt_t *h, http_conn_t *c);
/* Report a client failure the way its kind needs (MSG_HTTP_ERROR, then
 * MSG_SSE_CLOSED / MSG_WS_ERROR) and free the connection. */
void client_fail(http_rt_t *h, http_conn_t *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Server (http_server.c). */
void server_on_io(http_rt_t *h, http_conn_t *c, uint32_t events);
void server_timeout(http_rt_t *h, http_conn_t *c);
/* A keep-alive answer was written: wait for the next request on c (and
 * parse what was pipelined). Returns false when c was freed. */
bool server_reuse(http_rt_t *h, http_conn_t *c);
void server_close_listeners(http_rt_t *h, actor_id_t owner);
/* Re-arm the listeners paused for lack of descriptors: all of them when
 * `now` is 0 (a descriptor was just freed), else those whose retry time
 * passed. True while any stays paused (the tick must keep running). */
bool server_resume_listeners(http_rt_t *h, uint64_t now);

/* WebSocket (ws.c). */
void ws_start(http_rt_t *h, http_conn_t *c);
/* Feed received bytes; false when the connection was freed. */
bool ws_on_data(http_rt_t *h, http_conn_t *c, const uint8_t *data, size_t len);
/* Decode c->in from c->in.off, stopping while c is paused (the rest stays
 * for later); then, at the end of the stream, report 1006 and free. False
 * when c was freed. */
bool ws_on_input(http_rt_t *h, http_conn_t *c);
/* The peer closed TCP (or an I/O error): report 1006 and free. */
void ws_on_eof(http_rt_t *h, http_conn_t *c);
/* A WebSocket deadline (closing handshake) passed: report 1006 and free. */
void ws_timeout(http_rt_t *h, http_conn_t *c);
/* Queue the pending pong (c->ws_pong_pending) when it fits under the
 * output limit (conn_out_fits); drop it once a close frame was sent. True
 * when it was queued (or dropped), false when it still waits. */
bool ws_pong_push(http_conn_t *c);
/* Random bytes for keys (masking, Sec-WebSocket-Key). */
void ws_random(void *buf, size_t len);

/* DNS (http_dns.c). */
bool http_dns_resolve(http_rt_t *h, http_conn_t *c, char *err, size_t errlen);
/* Run c-ares timeouts; true while queries are in flight. */
bool http_dns_tick(http_rt_t *h);
void http_dns_destroy(http_rt_t *h);

#endif
