/*
 * http_keepalive.h -- server keep-alive, an opt-in extension of the seed's
 * server API. Declared here until it joins include/microkernel/http.h (a
 * public header outside the HTTP layer's files).
 */
#ifndef MK_HTTP_KEEPALIVE_H
#define MK_HTTP_KEEPALIVE_H

#include <stdbool.h>

#include "microkernel/runtime.h"

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

#endif
