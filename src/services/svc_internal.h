/*
 * svc_internal.h -- per-runtime state of the node services (src/services),
 * kept in the runtime's MK_EXT_SERVICES slot, and the functions the files of
 * this folder share. Everything runs on the runtime's thread.
 */
#ifndef MK_SERVICES_SVC_INTERNAL_H
#define MK_SERVICES_SVC_INTERNAL_H

#include <limits.h>

#include "core/log_limit.h"
#include "core/runtime_api.h"
#include "microkernel/node_services.h"
#include "services/ns_table.h"

#define SVC_MAX_PEERS MK_MAX_TRANSPORTS

/* A node connected by the mount protocol. */
typedef struct {
    node_id_t node;               /* 0 when the slot is free */
    char name[NODE_NAME_MAX + 1]; /* its node name (identity) */
    actor_id_t ns;                /* its ns actor (sync messages go there) */
    char host[64];                /* address it was reached at */
    uint16_t port;                /* its mount listener (0: none) */
    uint64_t seq;                 /* mount order (resolution order) */
} svc_peer_t;

/* A mount point of the namespace (MSG_NS_MOUNT). */
typedef struct {
    char point[NS_PATH_MAX]; /* "" when free */
    size_t len;
    actor_id_t target; /* the actor that handles the subtree */
    node_id_t origin;  /* node that asked for it */
} ns_mount_entry_t;

typedef struct svc {
    node_info_t info;  /* identity (node_info.c) */
    bool ns_installed; /* path ops set on the runtime */
    ns_table_t paths;  /* the path table */
    ns_mount_entry_t mounts[NS_MAX_MOUNTS];
    size_t quota_peer;               /* paths per peer node (ns_set_peer_quota) */
    size_t quota_all;                /* paths of all peers together */
    size_t quota_mounts;             /* mount points per peer node */
    ns_broadcast_fn broadcast;       /* path changes to peers, or NULL */
    mk_log_limit_t lim_malformed;    /* bad path-sync frames */
    mk_log_limit_t lim_refused;      /* path-sync frames refused by a rule */
    mk_log_limit_t lim_broadcast;    /* failed path broadcasts (a link going down) */
    actor_id_t cloud;                /* cloud provider of /node/ paths */
    actor_id_t ns_actor;             /* the ns actor, or ACTOR_ID_INVALID */
    actor_id_t mount_actor;          /* /sys/mount-listen */
    actor_id_t caps_actor;           /* /node/<name>/caps, /sys/caps */
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

/* node_info.c: fill svc->info defaults (identity, platform, version). */
void svc_info_init(runtime_t *rt, svc_t *s);
/* The identity rules of mk_node_identity() (compat §4.6) as a pure
 * function: `env_name` is $MK_NODE_NAME (NULL when unset), `host` the host
 * name (NULL when gethostname failed). Writes at most 31 bytes and a NUL. */
void mk_node_identity_compute(const char *env_name, const char *host, char out[32]);
/* The rules of mk_node_id(): `env_id` is $MK_NODE_ID or NULL. 1..15. */
node_id_t mk_node_id_compute(const char *env_id, const char *identity);

/* namespace.c */
/* The services state when the namespace is installed, else NULL (no
 * allocation, no reason set). */
svc_t *ns_state(const runtime_t *rt);
bool ns_spawn(runtime_t *rt, svc_t *s);
/* A peer went away: drop the paths and mounts it planted and its slot. */
void ns_peer_down(runtime_t *rt, svc_t *s, node_id_t node);
svc_peer_t *svc_peer_find(svc_t *s, node_id_t node);

/* caps.c (caps_actor_init plus the "/sys/caps" alias), local_kv.c, mount.c */
bool caps_spawn(runtime_t *rt, svc_t *s);
bool kv_spawn(runtime_t *rt, svc_t *s);
bool mount_start(runtime_t *rt, svc_t *s, const services_config_t *cfg);
/* Start listening on host:port once mount_start() ran without a listener;
 * true when it already listens on that port. */
bool mount_listen_late(svc_t *s, const char *host, uint16_t port);
/* services.c: the data directory from cfg->data_dir or the defaults,
 * created (mode 0700). */
bool svc_pick_data_dir(svc_t *s, const services_config_t *cfg);
void mount_destroy(runtime_t *rt, svc_t *s);
/* Obsolete: peers no longer tell us whom to dial (the "peer=" sync line is
 * gone); nothing in src/services calls it. Declared while mount.c defines
 * it. */
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
