/*
 * collector.h -- a test actor that issues a list of client requests
 * (GET/fetch, SSE) when told to start, records every outcome, and stops
 * the runtime once all of them finished. Tests assert on the records after
 * peer_run() returns, outside any behaviour.
 */
#ifndef MK_TESTS_HTTP_COLLECTOR_H
#define MK_TESTS_HTTP_COLLECTOR_H

#include "peer.h"

#define COLLECT_MAX 16
#define MSG_GO      0x100

typedef struct {
    const char *method; /* NULL: GET; "SSE": actor_sse_connect */
    char url[256];
    const char *const *headers;
    size_t n_headers;
    const void *body;
    size_t body_size;
} collect_req_t;

typedef struct {
    http_conn_id_t id;
    bool done;
    int status; /* MSG_HTTP_RESPONSE / SSE status */
    char *body; /* malloc'd, NUL-terminated */
    size_t body_len;
    char *headers; /* packed, malloc'd */
    size_t headers_len;
    int err_code; /* MSG_HTTP_ERROR, 0 if none */
    char err[128];
    bool sse_open, sse_closed;
    char sse_log[1024]; /* "type=data;" per event */
} collect_res_t;

typedef struct {
    collect_req_t req[COLLECT_MAX];
    collect_res_t res[COLLECT_MAX];
    int n;
    int pending;
    uint32_t timeout_ms; /* client timeout to set (0: default) */
} collector_t;

/* Spawn the collector for `c` on `rt`, start it and run until done (or fail after timeout_ms). */
void collector_run(runtime_t *rt, collector_t *c, int timeout_ms);
/* Free the records. */
void collector_free(collector_t *c);
/* The value of header `name` in a packed block, or NULL (static copy). */
const char *collect_header(const collect_res_t *r, const char *name);

#endif
