/*
 * microkernel/cf_proxy.h -- the cf_proxy actor: local actors' gateway to the
 * mk-proxy Cloudflare Worker (platforms/cloudflare/worker) over one
 * WebSocket (ws:// or wss://). Source: seed 002 "Cloudflare cloud
 * services", the original's interface in ../shared/compat/cloud.md §1
 * (message numbers, payloads, config struct: byte for byte), our fixes of
 * its flaws and the limits in docs/cloud.md.
 *
 * Requests are `key=value` lines (one per line; the first line starting
 * with `<key>=` wins). Every reply goes to the requester (msg->source):
 *
 *   MSG_CF_KV_PUT     300  key, value[, ttl]   -> MSG_CF_OK
 *   MSG_CF_KV_GET     301  key                 -> MSG_CF_VALUE (raw bytes) | MSG_CF_NOT_FOUND
 *   MSG_CF_KV_DELETE  302  key                 -> MSG_CF_OK
 *   MSG_CF_KV_LIST    303  prefix[, limit]     -> MSG_CF_KEYS (each key followed by "\n")
 *   MSG_CF_DB_QUERY   304  sql, p (0..n)       -> MSG_CF_ROWS (JSON array of row objects)
 *   MSG_CF_DB_EXEC    305  sql, p (0..n)       -> MSG_CF_OK (decimal rows affected)
 *   MSG_CF_QUEUE_PUSH 306  body[, delay]       -> MSG_CF_OK
 *   MSG_CF_AI_INFER   307  [model,] prompt     -> MSG_CF_VALUE (the generated text)
 *   MSG_CF_AI_EMBED   308  [model,] text       -> MSG_CF_EMBEDDING (JSON array of numbers)
 *   any of them, on failure                    -> MSG_CF_ERROR (reason text, no NUL)
 *
 * The proxy also answers the local KV protocol of docs/services.md
 * (MSG_KV_GET/PUT/DELETE/LIST with `id=` echoed, replies MSG_KV_OK /
 * MSG_KV_NOT_FOUND / MSG_KV_ERROR), so a client of /node/storage/kv works
 * the same whichever backend serves the path (the shell's history does).
 */
#ifndef MICROKERNEL_CF_PROXY_H
#define MICROKERNEL_CF_PROXY_H

#include <stdint.h>

#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Requests (local actor -> proxy). Also defined by local_kv.h (identical). */
#ifndef MSG_CF_KV_PUT
#define MSG_CF_KV_PUT    300
#define MSG_CF_KV_GET    301
#define MSG_CF_KV_DELETE 302
#define MSG_CF_KV_LIST   303
#define MSG_CF_OK        310
#define MSG_CF_VALUE     311
#define MSG_CF_KEYS      313
#define MSG_CF_NOT_FOUND 315
#define MSG_CF_ERROR     316
#endif
#define MSG_CF_DB_QUERY   304
#define MSG_CF_DB_EXEC    305
#define MSG_CF_QUEUE_PUSH 306
#define MSG_CF_AI_INFER   307
#define MSG_CF_AI_EMBED   308
/* Replies (proxy -> requester); 309 is unused. */
#define MSG_CF_ROWS       312
#define MSG_CF_EMBEDDING  314

/* The original's configuration, 384 bytes (compat/cloud.md §1.2). */
typedef struct {
    char url[256];   /* ws:// or wss:// URL of the Worker's /ws; empty: never connect */
    char token[128]; /* pre-shared token, the Worker's AUTH_TOKEN secret */
} cf_proxy_config_t;

/* Extension: tunables (zero fields take the defaults below). */
typedef struct {
    uint32_t timeout_ms;         /* per request, from acceptance to reply (default 30000) */
    uint32_t backoff_initial_ms; /* first reconnect delay (default 1000) */
    uint32_t backoff_max_ms;     /* reconnect delay cap (default 30000) */
} cf_proxy_options_t;

#define CF_PROXY_TIMEOUT_MS     30000u               /* default per-request timeout, ms */
#define CF_PROXY_BACKOFF_MS     1000u                /* default first reconnect delay, ms */
#define CF_PROXY_BACKOFF_MAX_MS 30000u               /* default reconnect delay cap, ms */
#define CF_PROXY_PENDING_MAX    64                   /* requests queued or awaiting a reply */
#define CF_PROXY_QUEUED_BYTES   (8u * 1024u * 1024u) /* JSON bytes held while disconnected */
#define CF_PROXY_REQUEST_MAX    (2u * 1024u * 1024u) /* one request's JSON, bytes */
#define CF_PROXY_REPLY_MAX      (4u * 1024u * 1024u) /* one Worker reply, bytes */
#define CF_PROXY_KEY_MAX        512                  /* KV key bytes (Workers KV's limit) */

/*
 * Spawn the proxy (mailbox 32) and make it the cloud provider of the
 * service paths: it registers /node/cloudflare/storage/kv, .../storage/db,
 * .../queue/default, .../ai/infer and .../ai/embed, and becomes the
 * namespace's cloud provider (ns_set_cloud_provider), so /node/storage/kv,
 * /node/storage/db, /node/queue/default, /node/ai/infer and /node/ai/embed
 * resolve to it only when no local actor and no mounted peer serves them
 * (seed 002: local > mounted peer > Cloudflare). Unlike the original it
 * does not register those short paths itself (that would shadow a peer's).
 * With a non-empty url it connects at once from inside the actor,
 * authenticates with {"type":"auth","node_id":mk_node_identity(),"token"}
 * and reconnects after a loss with exponential backoff and jitter.
 * `config` is copied. Returns the actor ID, or ACTOR_ID_INVALID with the
 * reason in mk_last_error(): NULL arguments, a url not starting with ws://
 * or wss://, no namespace (services_start / ns_actor_init first), no actor
 * slot, or a path that cannot be registered.
 */
actor_id_t cf_proxy_init(runtime_t *rt, const cf_proxy_config_t *config);

/* As cf_proxy_init, with tunables (`opts` may be NULL: defaults). Extension. */
actor_id_t cf_proxy_init_ex(runtime_t *rt, const cf_proxy_config_t *config,
                            const cf_proxy_options_t *opts);

#ifdef __cplusplus
}
#endif

#endif
