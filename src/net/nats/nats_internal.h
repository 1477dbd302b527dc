/*
 * nats_internal.h -- what the files of the NATS attachment share: the
 * per-runtime state (nats_link.c owns it), the inbox libnats' threads fill
 * (default mode, registry watches),
 * and the registry's part (nats_registry.c). Runtime thread only, except
 * inbox_t fields under its mutex.
 */
#ifndef MK_NATS_INTERNAL_H
#define MK_NATS_INTERNAL_H

#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "core/log_limit.h"
#include "core/runtime_api.h"
#include "microkernel/nats.h"

#define MK_NATS_KEY_MAX        400u /* "p." + 3 * 127 escaped bytes + NUL fits */
#define MK_NATS_DRAIN_BUDGET   64   /* messages delivered per loop turn (as MK_NET_RECV_BUDGET) */
/* Handled natsMsgs are destroyed in batches (mk_nats_msg_done): libnats
 * frees a message on its garbage-collector thread, waking it per destroy
 * when it sleeps; a batch wakes it once. At most this many messages and
 * bytes of payload wait. */
#define MK_NATS_DEAD_MAX       64
#define MK_NATS_DEAD_BYTES_MAX (64u * 1024u)

/* An own registry entry, refreshed by the heartbeat. */
typedef struct {
    char name[128];
    char key[MK_NATS_KEY_MAX];
    actor_id_t id;
    uint64_t rev; /* KV revision of our last write */
} mk_nats_own_t;

/* A cached lookup, watched through its KV subject. */
typedef struct {
    char key[MK_NATS_KEY_MAX];
    actor_id_t id;
    uint64_t fetched_ms; /* mk_clock_ms() of the read */
    natsSubscription *watch;
} mk_nats_cached_t;

typedef struct {
    jsCtx *js;       /* NULL: no registry */
    kvStore *kv;     /* the MK_NATS_NAMES_BUCKET bucket */
    uint32_t ttl_ms; /* names_ttl_ms */
    int timer_fd;    /* heartbeat timerfd, -1 when none */
    mk_io_t timer;
    mk_nats_own_t *own[MK_NATS_NAMES_MAX];
    mk_nats_cached_t *cache[MK_NATS_CACHE_MAX];
    size_t cache_next;  /* eviction: round robin */
    bool publish_names; /* cfg publish_names */
} mk_nats_registry_t;

enum {
    KIND_NODE,  /* a frame on mk.node.<me>.<src> */
    KIND_PATH,  /* a frame on a served path */
    KIND_INVAL, /* a watched registry key changed */
    KIND_PROBE  /* a probe of a served path: answered on libnats' thread, never queued */
};

/* One received message waiting for the runtime's thread. Allocated with
 * malloc on libnats' thread: the library allocator (mk_set_allocator) is
 * not thread-safe. */
typedef struct item {
    struct item *next;
    natsMsg *msg;
    int kind;        /* KIND_NODE, KIND_PATH */
    actor_id_t dest; /* KIND_PATH: the local actor serving the path */
} item_t;

/* Shared with libnats' threads; everything below `mu` is guarded by it.
 * Freed by whoever drops the last reference: the runtime (1) and each
 * subscription until its on-complete callback has run. */
typedef struct {
    pthread_mutex_t mu;
    item_t *head, *tail;
    size_t count;      /* items queued */
    size_t max;        /* cfg pending_max */
    uint64_t overflow; /* dropped: queue full, or libnats slow consumer */
    uint64_t reconnects;
    bool closing; /* detaching: drop what arrives */
    int refs;
    int efd; /* eventfd: readable while items may be queued */
} inbox_t;

/* The closure of one subscription. */
typedef struct {
    inbox_t *in;
    int kind;
    actor_id_t dest;
} sub_ctx_t;

typedef struct {
    char path[128];
    actor_id_t id;
    natsSubscription *sub;       /* mk.path.<tokens>: frames */
    natsSubscription *probe_sub; /* mk.probe.<tokens>: probes, on n->ctl */
} path_sub_t;

/* A path resolved through NATS (nats_resolve.c): the local proxy actor
 * that publishes what it receives on the path's subject. */
typedef struct {
    char path[128];      /* "" when the slot is free */
    actor_id_t id;       /* the proxy actor */
    uint64_t checked_ms; /* mk_clock_ms() of the last probe that found a server */
} path_proxy_t;

/* The data connection's socket in the runtime's loop (nats_evloop.c). */
typedef struct {
    pthread_mutex_t mu;     /* fd, fd_changed: libnats' reconnect thread sets them */
    int fd;                 /* socket libnats attached, -1 when detached */
    bool fd_changed;        /* to be (re)registered on the runtime's thread */
    atomic_bool want_write; /* libnats has output buffered */
    pthread_t loop_thread;  /* the runtime's thread */
    mk_io_t io;             /* the socket in the loop */
    bool out;               /* EPOLLOUT is polled */
} mk_nats_ev_t;

typedef struct {
    natsConnection *nc;  /* frames: node and path subjects */
    natsConnection *ctl; /* registry, watches, probes: nc, or in event-loop mode a
                            second connection with libnats' own threads */
    bool evloop;         /* nc is driven by the runtime's loop (cfg.event_loop) */
    mk_nats_ev_t ev;     /* evloop only */
    size_t n_paths;      /* paths[] in use */
    natsSubscription *node_sub;
    inbox_t *in;
    mk_io_t io;
    item_t *batch;   /* taken from the inbox, not yet handled (runtime thread only) */
    message_t *held; /* waiting for room in its actor's mailbox */
    path_sub_t *paths[MK_NATS_PATHS_MAX];
    natsMsg *dead[MK_NATS_DEAD_MAX]; /* handled, destroyed in a batch (runtime thread) */
    size_t n_dead, dead_bytes;
    unsigned char *scratch; /* frame being published */
    size_t scratch_size;
    mk_nats_stats_t stats;
    mk_log_limit_t lim_in, lim_out, lim_names, lim_proxy;
    path_proxy_t proxies[MK_NATS_PROXIES_MAX]; /* nats_resolve.c */
    size_t proxy_next;                         /* eviction: round robin */
    uint32_t recheck_ms;                       /* cfg path_recheck_ms or its default */
    jsCtx *store_js;                           /* storage tier (nats_kv.c), on ctl */
    kvStore *store;                            /*   its bucket, NULL when none */
    actor_id_t store_actor;                    /*   the actor answering MSG_KV_* */
    char store_bucket[65];
    mk_nats_registry_t reg; /* nats_registry.c */
} nats_t;

/* Subscribe `subject` (in `queue` when not NULL) for messages of `kind`
 * (dest: the path's actor, or the cache slot for KIND_INVAL); NULL with a
 * reason on failure. mk_nats_unsubscribe(NULL) is a no-op. */
natsSubscription *mk_nats_subscribe(nats_t *n, const char *subject, const char *queue, int kind,
                                    actor_id_t dest);
void mk_nats_unsubscribe(natsSubscription *sub);

/* nats_registry.c: open the bucket and start the heartbeat (false with a
 * reason; nothing stays open), close (own entries deleted when connected),
 * a watched key changed, an actor stopped (its entries go). */
bool mk_nats_registry_open(runtime_t *rt, nats_t *n, const mk_nats_config_t *cfg);
void mk_nats_registry_close(runtime_t *rt, nats_t *n);
void mk_nats_registry_changed(nats_t *n, size_t slot, const char *subject);
void mk_nats_registry_actor_exit(runtime_t *rt, nats_t *n, actor_id_t id);

/* nats_link.c, for nats_evloop.c: check and deliver one received message
 * of `kind` (dest: the path's actor, or the cache slot for KIND_INVAL) on
 * the runtime's thread; `nm` stays the caller's. A frame for a full
 * mailbox is kept in n->held (the caller stops taking more until
 * on_space() signals the inbox); every refusal is counted in n->stats.
 * Wake the loop's inbox callback (any thread). */
void mk_nats_handle(runtime_t *rt, nats_t *n, natsMsg *nm, int kind, actor_id_t dest);
void mk_nats_inbox_wake(inbox_t *in);

/* Runtime thread: `m` (NULL: nothing) is done with; it is destroyed with
 * the next batch, which goes when MK_NATS_DEAD_MAX messages or
 * MK_NATS_DEAD_BYTES_MAX payload bytes wait. mk_nats_msg_flush() destroys
 * the waiting ones now (detach). */
void mk_nats_msg_done(nats_t *n, natsMsg *m);
void mk_nats_msg_flush(nats_t *n);

/* nats_evloop.c: the event-loop options for the data connection; on the
 * runtime's thread: apply what libnats' callbacks recorded (socket
 * attached or gone, output pending); deliver what the synchronous
 * subscriptions hold (up to 64 messages, the inbox is woken when more
 * remain; none while a frame is held); after a publish, poll for writability (the output leaves on
 * the loop's next turn); write now; a flush that pumps the socket itself (false with a reason after
 * timeout_ms); leave the loop. */
natsStatus mk_nats_evloop_options(natsOptions *o, nats_t *n);
void mk_nats_evloop_apply(runtime_t *rt, nats_t *n);
void mk_nats_evloop_deliver(runtime_t *rt, nats_t *n);
void mk_nats_evloop_sent(runtime_t *rt, nats_t *n);
void mk_nats_evloop_write(runtime_t *rt, nats_t *n);
bool mk_nats_evloop_flush(runtime_t *rt, nats_t *n, int timeout_ms);
void mk_nats_evloop_stop(runtime_t *rt, nats_t *n);

/* nats_kv.c: close the storage tier's bucket (the actor is not stopped). */
void mk_nats_kv_close(nats_t *n);

/* nats_resolve.c: an actor stopped (a proxy's slot is freed); stop every
 * proxy actor (an explicit detach, not runtime_destroy). */
void mk_nats_proxy_exit(nats_t *n, actor_id_t id);
void mk_nats_proxies_stop(runtime_t *rt, nats_t *n);

/* The header that marks a path probe (a request with no frame): the node
 * serving the path answers it with an empty reply from libnats' thread. */
#define MK_NATS_PROBE_HEADER "Mk-Probe"
#define MK_NATS_PROBE_PREFIX "mk.probe."

/* "mk.probe.<tokens>" for path subject "mk.path.<tokens>" into out
 * (MK_NATS_SUBJECT_MAX + 2 bytes). */
static inline void mk_nats_probe_subject(const char *path_subject, char *out)
{
    snprintf(out, MK_NATS_SUBJECT_MAX + 2, "%s%s", MK_NATS_PROBE_PREFIX,
             path_subject + sizeof "mk.path." - 1);
}

#endif
