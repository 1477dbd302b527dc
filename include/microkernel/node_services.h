/*
 * microkernel/node_services.h -- the standard node actors and their
 * messages: mount listener, local KV + SQL, and the boot of all of them
 * (the namespace and capabilities actors are in namespace.h).
 *
 * Source: seed 002 (later README): "Hierarchical namespace", "Dynamic node
 * interconnection", "Capability advertisement", "Local KV storage", the
 * service paths of "Cloudflare cloud services" and the shell transcript
 * (actors ns, /sys/mount-listen, local_kv with /node/storage/kv and
 * /node/storage/db). The exact payloads are in docs/services.md.
 *
 * A program (mk-shell, a test node) boots them with services_start(). Every
 * request below is answered to msg->source; requests from another node work
 * the same way once the node is mounted (the reply travels back over the
 * transport). Text payloads are lines "name=value\n"; where a binary value
 * travels ("value" in KV), it is the LAST field and runs to the end of the
 * payload, byte for byte (no newline is added or stripped).
 */
#ifndef MICROKERNEL_NODE_SERVICES_H
#define MICROKERNEL_NODE_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/namespace.h"
#include "microkernel/node_info.h"
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Message types: 0xFF000130 .. 0xFF00014F (docs/system-messages.md) -- */

/* 0xFF000130 .. 0xFF000133 held our text namespace protocol (MSG_NS_LIST,
 * _LIST_REPLY, _SYNC, _ERROR); it was replaced by the original's binary
 * MSG_NS_* (namespace.h). The values stay unused. */

/* Local KV ("local_kv", "/node/storage/kv"). */
#define MSG_KV_GET       0xFF000134u /* [id=..\n]key=<k>\n */
#define MSG_KV_PUT       0xFF000135u /* [id=..\n]key=<k>\nvalue=<v>, v to the end */
#define MSG_KV_DELETE    0xFF000136u /* [id=..\n]key=<k>\n */
#define MSG_KV_LIST      0xFF000137u /* [id=..\n][prefix=<p>\n][limit=<n>\n] */
#define MSG_KV_OK        0xFF000138u /* reply; payload per request (docs) */
#define MSG_KV_NOT_FOUND 0xFF000139u /* [id=..\n]key=<k>\n */
#define MSG_KV_ERROR     0xFF00013Au /* [id=..\n]error=<reason>\n */
#define MSG_KV_CHECK                                                                               \
    0xFF00014Du /* [id=..\n]; local senders only: integrity_check of both stores (docs) */

/* SQL ("/node/storage/db", answered by the local KV actor). */
#define MSG_DB_QUERY 0xFF00013Bu /* [id=..\n]sql=<one statement>\n[params=<JSON array>\n] */
#define MSG_DB_RESULT                                                                              \
    0xFF00013Cu /* JSON {"columns":[..],"rows":[{..}],"changes":n,"last_row_id":n} */
#define MSG_DB_ERROR 0xFF00013Du /* [id=..\n]error=<reason>\n */

/* 0xFF00013E, 0xFF00013F held our JSON caps request/reply; the
 * capabilities actor now speaks the original's MSG_CAPS_REQUEST /
 * MSG_CAPS_REPLY (services.h, 0xFF00001D/E). The values stay unused. */

/* Mount listener ("/sys/mount-listen"). */
#define MSG_MOUNT       0xFF000140u /* req: "<host>[:<port>]" */
#define MSG_MOUNT_OK    0xFF000141u /* "node=<id>\nname=<name>\n[already=1\n]" */
#define MSG_MOUNT_ERROR 0xFF000142u /* "error=<reason>\n" */

/* ---- Limits ------------------------------------------------------------ */

#define KV_KEY_MAX    512          /* bytes in a key (Cloudflare KV's limit) */
#define KV_VALUE_MAX  65536        /* bytes in a value */
#define KV_LIST_MAX   1000         /* keys in one list reply */
#define DB_SQL_MAX    16384        /* bytes of SQL in one query */
#define DB_ROWS_MAX   1000         /* rows in one result */
#define DB_RESULT_MAX (256 * 1024) /* bytes of JSON in one result */
#define KV_BATCH_MAX  256          /* writes grouped into one transaction */
#define MOUNT_DEFAULT_PORT                                                                         \
    4200                         /* TCP port of the mount listener (the original's                 \
                                    MK_MOUNT_PORT, namespace.h) */
#define MOUNT_PROTOCOL_VERSION 1 /* carried in the hello handshake */

/* ---- Boot ---------------------------------------------------------------- */

/* What services_start() starts, and how (services_config_init() gives the defaults). */
typedef struct {
    const char *node_name;  /* NULL: host name (node_set_name rules) */
    const char *data_dir;   /* NULL: $XDG_DATA_HOME/microkernel, else
                               $HOME/.local/share/microkernel; created */
    const char *mount_host; /* listen address; NULL: "127.0.0.1" */
    uint16_t mount_port;    /* 0: MOUNT_DEFAULT_PORT */
    bool mount_ephemeral;   /* listen on a port the kernel picks (tests) */
    bool no_mount_listen;   /* do not listen (mounting out still works) */
    bool no_kv;             /* do not start the local KV / SQL actor */
    /* Node-link security (docs/security.md). Zero = the secure defaults:
     * mounts authenticated with the node key (<data_dir>/node.key) against
     * the trust list (<data_dir>/trusted_keys), over TLS 1.3. */
    const char *cookie;  /* shared secret: a peer proving it (HMAC-SHA256) is
                            trusted without a trust-list entry; NULL: none */
    bool insecure;       /* also mount peers that cannot authenticate (the
                            original's nodes), unauthenticated and in clear,
                            with a WARN each time */
    bool no_tls;         /* authenticate but do not encrypt (both sides must agree) */
    bool mount_original; /* speak exactly the original's hello, no extension
                            and no authentication (needs `insecure` on both sides;
                            tests of the original's protocol) */
} services_config_t;

/*
 * Boot the standard actors on `rt`: set the node name, then spawn and
 * register
 *   ns            flat "ns", paths "/sys/ns", "/node/<name>" (ns_actor_init)
 *   caps          paths "/node/<name>/caps" (caps_actor_init) and "/sys/caps"
 *   mount listen  path "/sys/mount-listen" (TCP listener unless disabled)
 *   local KV      flat "local_kv", paths "/node/storage/kv", "/node/storage/db"
 * `cfg` may be NULL (all defaults). All of them are system actors: they do
 * not keep runtime_run() going on their own. Call once per runtime, before
 * runtime_run(). Returns false with a reason (bad node name, data directory
 * not creatable, SQLite cannot open its files, port in use, no free actor
 * slot or name) after stopping whatever it had started.
 */
bool services_start(runtime_t *rt, const services_config_t *cfg);

/* The TCP port the mount listener listens on; 0 when not listening. */
uint16_t services_mount_port(runtime_t *rt);

/* The data directory in use ("" before services_start). */
const char *services_data_dir(runtime_t *rt);

/*
 * This node's public key, "ed25519:<64 lowercase hex>" (docs/security.md):
 * what another node puts in its trust list to let this one mount it. NULL
 * before services_start() and in mount_original mode (no key). The string
 * lives as long as the services.
 */
const char *services_node_key(runtime_t *rt);

/*
 * The caps reply text of this node (the exact bytes the caps actor sends,
 * docs/services.md) into `buf` of `cap` bytes, NUL-terminated; returns its
 * length without the NUL (the reply itself carries no NUL), or 0 when `rt`
 * or `buf` is NULL or it does not fit (512 bytes always do).
 */
size_t services_caps_text(runtime_t *rt, char *buf, size_t cap);

/* Number of mounted peers (nodes connected by the mount protocol). */
size_t services_peer_count(runtime_t *rt);

#ifdef __cplusplus
}
#endif

#endif
