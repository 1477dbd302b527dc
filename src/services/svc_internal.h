/*
 * svc_internal.h -- per-runtime state of the node services (src/services),
 * kept in the runtime's MK_EXT_SERVICES slot, and the functions the files of
 * this folder share. Everything runs on the runtime's thread.
 */
#ifndef MK_SERVICES_SVC_INTERNAL_H
#define MK_SERVICES_SVC_INTERNAL_H

#include <limits.h>

#include "core/runtime_internal.h"
#include "microkernel/node_services.h"
#include "services/ns_table.h"

#define SVC_MAX_PEERS MK_MAX_TRANSPORTS

/* A node connected by the mount protocol. */
typedef struct {
    node_id_t node;               /* 0 when the slot is free */
    char name[NODE_NAME_MAX + 1]; /* its node name: "/peers/<name>" */
    actor_id_t ns;                /* its ns actor (sync messages go there) */
    char host[64];                /* address it was reached at */
    uint16_t port;                /* its mount listener (0: none) */
    uint64_t seq;                 /* mount order (resolution order) */
} svc_peer_t;

typedef struct svc {
    node_info_t info;                /* identity (node_info.c) */
    bool ns_installed;               /* path ops set on the runtime */
    ns_table_t paths;                /* the path table */
    actor_id_t cloud;                /* cloud provider of /node/ paths */
    actor_id_t ns_actor;             /* the ns actor, or ACTOR_ID_INVALID */
    actor_id_t mount_actor;          /* /sys/mount-listen */
    actor_id_t caps_actor;           /* /sys/caps */
    actor_id_t kv_actor;             /* local_kv */
    char data_dir[PATH_MAX];         /* "" before services_start */
    svc_peer_t peers[SVC_MAX_PEERS]; /* mounted nodes */
    uint64_t peer_seq;               /* next svc_peer_t.seq */
    struct mount_state *mount;       /* mount.c */
    bool started;                    /* services_start succeeded */
} svc_t;

/* The services state of `rt`, created on first use; NULL (reason set) when
 * memory runs out. */
svc_t *svc_get(runtime_t *rt);
/* The state if it exists, else NULL (no allocation). */
svc_t *svc_peek(const runtime_t *rt);

/* node_info.c: fill svc->info defaults (host name, platform, version). */
void svc_info_init(runtime_t *rt, svc_t *s);

/* namespace.c */
bool ns_spawn(runtime_t *rt, svc_t *s);
/* A peer was mounted (transport up, handshake done): send it our table. */
void ns_peer_up(runtime_t *rt, svc_t *s, svc_peer_t *p);
/* A peer went away: drop its paths. */
void ns_peer_down(runtime_t *rt, svc_t *s, node_id_t node);
svc_peer_t *svc_peer_find(svc_t *s, node_id_t node);

/* caps.c, local_kv.c, mount.c */
bool caps_spawn(runtime_t *rt, svc_t *s);
bool kv_spawn(runtime_t *rt, svc_t *s);
bool mount_start(runtime_t *rt, svc_t *s, const services_config_t *cfg);
void mount_destroy(runtime_t *rt, svc_t *s);
/* A peer told us about a node it mounted: mount it too when we do not know
 * it and our node ID is the lower one (so two nodes never dial each other at
 * the same time). */
void mount_auto(runtime_t *rt, svc_t *s, node_id_t node, const char *name, const char *host,
                uint16_t port);

/* Send `type` with a text reply "error=<fmt>\n" (optionally preceded by
 * "id=<id>\n" when id_len > 0) from the running actor to `dest`. */
void svc_reply_error(runtime_t *rt, actor_id_t dest, msg_type_t type, const char *id, size_t id_len,
                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

#endif
