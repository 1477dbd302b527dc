/*
 * mount.c -- the mount protocol's listener and dialler (seed 002, "Dynamic
 * node interconnection"; ../shared/compat/wire-and-mount.md §4;
 * docs/security.md): the actor "/sys/mount-listen" accepts TCP connections
 * from other nodes and dials out for MSG_MOUNT "<host>[:<port>]" from a
 * local actor; each connection's handshake (hello, TLS, authentication,
 * hand-over to the node link) is in mount_link.c. Also the node key, TLS
 * context and cookie, loaded at start.
 *
 * Everything is non-blocking and driven by the event loop. Handshakes time
 * out after MOUNT_HANDSHAKE_MS; at most MOUNT_MAX_PENDING run at once and
 * MOUNT_PER_SOURCE per source address; when full, the oldest unfinished
 * incoming one is evicted; at most MOUNT_ACCEPT_BURST accepts per readiness
 * event. What a remote party can trigger is logged through the rate limiter
 * (src/core/log_limit.h). Host names are resolved with getaddrinfo, which
 * may block briefly; numeric addresses never do.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/alloc_internal.h"
#include "core/log_limit.h"
#include "microkernel/actor.h"
#include "microkernel/node.h"
#include "net/link_tls.h"
#include "net/node_key.h"
#include "platform/sock.h"
#include "services/mount_internal.h"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void arm_timer(mount_state_t *ms, bool on)
{
    if (ms->timer_fd < 0 || ms->timer_armed == on)
        return;
    struct itimerspec its = {0};
    if (on) {
        its.it_value.tv_nsec = 200 * 1000000L;
        its.it_interval.tv_nsec = 200 * 1000000L;
    }
    timerfd_settime(ms->timer_fd, 0, &its, NULL);
    ms->timer_armed = on;
}

void mount_conn_close(mconn_t *c)
{
    mount_state_t *ms = c->ms;
    mk_io_remove(ms->rt, &c->io);
    link_io_free(c->lio);
    if (c->fd >= 0)
        close(c->fd);
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->ms = ms;
    bool any = false;
    for (size_t i = 0; i < MOUNT_MAX_PENDING; i++)
        any |= ms->conns[i].state != C_FREE;
    if (!any)
        arm_timer(ms, false);
}

void mount_tell(runtime_t *rt, svc_t *s, actor_id_t to, msg_type_t type, const char *text,
                size_t len)
{
    if (to != ACTOR_ID_INVALID)
        mk_send_from(rt, s->mount_actor, to, type, text, len);
}

/* "node 3 (linux-ab12)" or the address before the hello arrived. */
void mount_peer_label(const mconn_t *c, char *out, size_t len)
{
    if (c->peer.node)
        snprintf(out, len, "node %" PRIu32 " (%s) at %s", c->peer.node, c->peer.identity, c->host);
    else
        snprintf(out, len, "%s", c->host);
}

/* Fail a handshake: tell the requester (outgoing) and log, rate-limited
 * for incoming ones (a remote party can repeat them at will). */
void mount_conn_fail(mconn_t *c, const char *fmt, const char *detail)
{
    mount_state_t *ms = c->ms;
    char why[400], who[160];
    snprintf(why, sizeof why, fmt, detail);
    mount_peer_label(c, who, sizeof who);
    if (c->outgoing) {
        char text[600];
        int n = snprintf(text, sizeof text, "error=mount %s:%u: %s\n", c->host, c->port, why);
        mount_tell(ms->rt, ms->svc, c->requester, MSG_MOUNT_ERROR, text, (size_t)n);
        actor_log(ms->rt, LOG_WARN, "mount: mount of %s:%u failed: %s", c->host, c->port, why);
    } else {
        /* Before a valid hello: garbage, silence; after: a node refused. */
        mk_log_limited(ms->rt, c->peer.node ? &ms->lim_auth : &ms->lim_refused, LOG_WARN,
                       "mount: handshake from %s refused: %s", who, why);
    }
    mount_conn_close(c);
}

static void on_conn(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)rt;
    mconn_t *c = io->ctx;
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            mount_conn_fail(c, "cannot connect: %s", strerror(err));
            return;
        }
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            mount_send_hello(c);
        return;
    }
    mount_conn_step(c);
}

/* A slot for a new handshake: a free one, else (incoming only) the oldest
 * unfinished incoming handshake is evicted. NULL when all are outgoing. */
static mconn_t *conn_slot(mount_state_t *ms, bool outgoing)
{
    mconn_t *oldest = NULL;
    for (size_t i = 0; i < MOUNT_MAX_PENDING; i++) {
        mconn_t *c = &ms->conns[i];
        if (c->state == C_FREE)
            return c;
        if (!c->outgoing && (!oldest || c->started_ms < oldest->started_ms))
            oldest = c;
    }
    if (!oldest)
        return NULL;
    (void)outgoing;
    char who[160];
    mount_peer_label(oldest, who, sizeof who);
    mk_log_limited(ms->rt, &ms->lim_full, LOG_WARN,
                   "mount: %d handshakes in progress; the oldest (from %s) was dropped",
                   MOUNT_MAX_PENDING, who);
    mount_conn_close(oldest);
    return oldest;
}

static mconn_t *conn_new(mount_state_t *ms, int fd, bool outgoing, const char *host)
{
    mconn_t *c = conn_slot(ms, outgoing);
    if (!c) {
        mk_set_error("%d handshakes are already in progress", MOUNT_MAX_PENDING);
        return NULL;
    }
    c->fd = fd;
    c->outgoing = outgoing;
    c->started_ms = now_ms();
    c->deadline_ms = c->started_ms + MOUNT_HANDSHAKE_MS;
    c->ms = ms;
    snprintf(c->host, sizeof c->host, "%s", host);
    uint32_t ev = outgoing ? EPOLLOUT : EPOLLIN;
    if (!mk_io_add(ms->rt, &c->io, fd, ev, on_conn, c, true)) {
        c->fd = -1;
        return NULL;
    }
    c->state = outgoing ? C_CONNECTING : C_HELLO;
    arm_timer(ms, true);
    return c;
}

static void on_timer(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)rt, (void)events;
    mount_state_t *ms = io->ctx;
    uint64_t exp;
    if (read(ms->timer_fd, &exp, sizeof exp) < 0)
        return;
    uint64_t now = now_ms();
    for (size_t i = 0; i < MOUNT_MAX_PENDING; i++) {
        mconn_t *c = &ms->conns[i];
        if (c->state != C_FREE && now >= c->deadline_ms)
            mount_conn_fail(c, "%s",
                            c->state == C_CONNECTING
                                ? "no TCP connection within 3 s"
                                : "no handshake within 3 s (is it a microkernel node?)");
    }
}

/* Incoming handshakes in progress from `host`. */
static size_t from_source(const mount_state_t *ms, const char *host)
{
    size_t n = 0;
    for (size_t i = 0; i < MOUNT_MAX_PENDING; i++)
        n += ms->conns[i].state != C_FREE && !ms->conns[i].outgoing &&
             strcmp(ms->conns[i].host, host) == 0;
    return n;
}

static void on_accept(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)rt, (void)events;
    mount_state_t *ms = io->ctx;
    /* A budget per readiness event: a flood of connections leaves the loop
     * time for everything else (the listener stays readable: level-triggered). */
    for (int k = 0; k < MOUNT_ACCEPT_BURST; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(ms->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        char host[64] = "?";
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
        if (from_source(ms, host) >= MOUNT_PER_SOURCE) {
            mk_log_limited(ms->rt, &ms->lim_source, LOG_WARN,
                           "mount: connection from %s refused: %d handshakes from it are already "
                           "in progress",
                           host, MOUNT_PER_SOURCE);
            close(fd);
            continue;
        }
        if (!conn_new(ms, fd, false, host)) {
            mk_log_limited(ms->rt, &ms->lim_full, LOG_WARN, "mount: connection from %s refused: %s",
                           host, mk_last_error());
            close(fd);
        }
    }
}

/* Parse "<host>[:<port>]" ("[v6]:port" too). */
static bool parse_target(const char *s, size_t n, char *host, size_t host_len, uint16_t *port)
{
    *port = MOUNT_DEFAULT_PORT;
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        n--;
    const char *hs = s;
    size_t hn = n;
    const char *colon = NULL;
    if (n > 0 && s[0] == '[') {
        const char *rb = memchr(s, ']', n);
        if (!rb)
            return false;
        hs = s + 1;
        hn = (size_t)(rb - s) - 1;
        if ((size_t)(rb - s) + 1 < n) {
            if (rb[1] != ':')
                return false;
            colon = rb + 1;
        }
    } else {
        colon = memchr(s, ':', n);
        if (colon)
            hn = (size_t)(colon - s);
        if (colon && memchr(colon + 1, ':', n - hn - 1))
            return false;
    }
    if (hn == 0 || hn >= host_len)
        return false;
    for (size_t i = 0; i < hn; i++)
        if ((unsigned char)hs[i] <= 0x20 || (unsigned char)hs[i] > 0x7E)
            return false;
    memcpy(host, hs, hn);
    host[hn] = '\0';
    if (colon) {
        size_t pn = n - (size_t)(colon + 1 - s);
        unsigned v = 0;
        if (pn == 0 || pn > 5)
            return false;
        for (size_t i = 0; i < pn; i++) {
            if (colon[1 + i] < '0' || colon[1 + i] > '9')
                return false;
            v = v * 10 + (unsigned)(colon[1 + i] - '0');
        }
        if (v == 0 || v > 65535)
            return false;
        *port = (uint16_t)v;
    }
    return true;
}

/* Start dialling host:port. Errors go to `requester` as MSG_MOUNT_ERROR. */
static void dial(mount_state_t *ms, actor_id_t requester, const char *host, uint16_t port)
{
    svc_t *s = ms->svc;
    char text[400];
    for (size_t i = 0; i < SVC_MAX_PEERS; i++) {
        const svc_peer_t *p = &s->peers[i];
        if (p->node && p->port == port && strcmp(p->host, host) == 0 &&
            node_is_connected(ms->rt, p->node)) {
            int n = snprintf(text, sizeof text, "node=%" PRIu32 "\nname=%s\nalready=1\n", p->node,
                             p->name);
            mount_tell(ms->rt, s, requester, MSG_MOUNT_OK, text, (size_t)n);
            return;
        }
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    char ports[8];
    snprintf(ports, sizeof ports, "%u", port);
    int rc = getaddrinfo(host, ports, &hints, &res);
    if (rc != 0) {
        int n = snprintf(text, sizeof text, "error=mount %s:%u: cannot resolve: %s\n", host, port,
                         gai_strerror(rc));
        mount_tell(ms->rt, s, requester, MSG_MOUNT_ERROR, text, (size_t)n);
        return;
    }
    int err = 0;
    int fd = mk_sock_open_list(res, SOCK_NONBLOCK | SOCK_CLOEXEC, MK_SOCK_CONNECT, 0, &err);
    freeaddrinfo(res);
    if (fd >= 0)
        err = 0; /* connected, or in progress (EINPROGRESS) */
    mconn_t *c = NULL;
    if (!err) {
        c = conn_new(ms, fd, true, host);
        if (!c)
            err = -1;
    }
    if (err) {
        if (fd >= 0)
            close(fd);
        int n = snprintf(text, sizeof text, "error=mount %s:%u: %s\n", host, port,
                         err > 0 ? strerror(err) : mk_last_error());
        mount_tell(ms->rt, s, requester, MSG_MOUNT_ERROR, text, (size_t)n);
        return;
    }
    c->requester = requester;
    c->port = port;
}

void mount_auto(runtime_t *rt, svc_t *s, node_id_t node, const char *name, const char *host,
                uint16_t port)
{
    /* A peer must not make this node dial an address of its choosing
     * (issue 13): only mounts a local user or the configuration asked for
     * are dialled. The hint is logged, rate-limited. */
    mount_state_t *ms = s->mount;
    if (!ms || node == runtime_node_id(rt) || svc_peer_find(s, node))
        return;
    mk_log_limited(rt, &ms->lim_auto, LOG_INFO,
                   "mount: a peer reported node %" PRIu32 " (%.40s) at %.64s:%u; not dialled "
                   "(mount it explicitly)",
                   node, name ? name : "?", host ? host : "?", port);
}

/* The mount actor: MSG_MOUNT from local actors dials a peer; replies MSG_MOUNT_OK/ERROR. */
static bool mount_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    mount_state_t *ms = state;
    if (msg->type == MSG_MOUNT) {
        char host[64];
        uint16_t port;
        if (msg->source != ACTOR_ID_INVALID && actor_id_node(msg->source) != runtime_node_id(rt)) {
            /* Dial only for local users: a peer must not make us connect out. */
            static const char e[] = "error=mount: refused: mount requests are only taken from "
                                    "actors of this node\n";
            actor_send(rt, msg->source, MSG_MOUNT_ERROR, e, sizeof e - 1);
            mk_log_limited(rt, &ms->lim_auto, LOG_WARN,
                           "mount: MSG_MOUNT from node %" PRIu32 " refused (remote requests are "
                           "not dialled)",
                           actor_id_node(msg->source));
        } else if (!msg->payload ||
                   !parse_target(msg->payload, msg->payload_size, host, sizeof host, &port)) {
            static const char e[] = "error=mount: expected \"<host>[:<port>]\" (port 1..65535)\n";
            actor_send(rt, msg->source, MSG_MOUNT_ERROR, e, sizeof e - 1);
        } else {
            dial(ms, msg->source, host, port);
        }
    } else if (msg->type == MSG_NODE_DOWN && msg->payload_size == sizeof(node_event_payload_t)) {
        const node_event_payload_t *ev = msg->payload;
        svc_peer_t *p = svc_peer_find(ms->svc, ev->node);
        if (p) {
            actor_log(rt, LOG_INFO, "mount: node %" PRIu32 " (%s) lost: %s; its paths removed",
                      p->node, p->name, ev->reason);
            ns_peer_down(rt, ms->svc, ev->node);
        }
    } else if (msg->type < MSG_SYSTEM_BASE) {
        svc_reply_error(rt, msg->source, MSG_MOUNT_ERROR, NULL, 0,
                        "mount-listen does not handle message type 0x%08" PRIx32, msg->type);
    }
    return true;
}

/* Open the mount listener on cfg's host:port into ms; false with a reason (port in use...). */
static bool listen_on(mount_state_t *ms, const services_config_t *cfg)
{
    const char *host = cfg->mount_host && cfg->mount_host[0] ? cfg->mount_host : "127.0.0.1";
    uint16_t port = cfg->mount_ephemeral ? 0
                    : cfg->mount_port    ? cfg->mount_port
                                         : MOUNT_DEFAULT_PORT;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char ports[8];
    snprintf(ports, sizeof ports, "%u", port);
    int rc = getaddrinfo(host, ports, &hints, &res);
    if (rc != 0)
        return mk_fail("mount-listen: cannot resolve %s: %s", host, gai_strerror(rc));
    int err = 0;
    int fd = mk_sock_open_list(res, SOCK_NONBLOCK | SOCK_CLOEXEC, MK_SOCK_LISTEN, 128, &err);
    freeaddrinfo(res);
    if (fd < 0)
        return mk_fail("mount-listen: cannot listen on %s:%u: %s", host, port, strerror(err));
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    ms->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
    ms->listen_fd = fd;
    if (!mk_io_add(ms->rt, &ms->listen_io, fd, EPOLLIN, on_accept, ms, false)) {
        close(fd);
        ms->listen_fd = -1;
        return false;
    }
    return true;
}

/* Key, TLS context and cookie from the configuration. */
static bool security_start(mount_state_t *ms, const services_config_t *cfg)
{
    ms->insecure = cfg->insecure;
    ms->original = cfg->mount_original;
    if (cfg->cookie && cfg->cookie[0]) {
        ms->cookie_len = strnlen(cfg->cookie, COOKIE_MAX);
        memcpy(ms->cookie, cfg->cookie, ms->cookie_len);
    }
    if (ms->original)
        return true;
    ms->key = node_key_load(ms->svc->data_dir);
    if (!ms->key)
        return false;
    if (!cfg->no_tls && !(ms->tls = link_tls_ctx(ms->key, ms->svc->info.name)))
        return false;
    return true;
}

bool mount_start(runtime_t *rt, svc_t *s, const services_config_t *cfg)
{
    mount_state_t *ms = mk_calloc(1, sizeof *ms);
    if (!ms)
        return mk_fail("mount: out of memory");
    ms->rt = rt;
    ms->svc = s;
    ms->listen_fd = -1;
    ms->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    for (size_t i = 0; i < MOUNT_MAX_PENDING; i++) {
        ms->conns[i].fd = -1;
        ms->conns[i].ms = ms;
    }
    s->mount = ms;
    if (ms->timer_fd < 0)
        return mk_fail("mount: timerfd_create: %s", strerror(errno));
    if (!security_start(ms, cfg))
        return false;
    if (!mk_io_add(rt, &ms->timer_io, ms->timer_fd, EPOLLIN, on_timer, ms, false))
        return false;
    if (!cfg->no_mount_listen && !listen_on(ms, cfg))
        return false;
    actor_id_t id = actor_spawn(rt, mount_behavior, ms, NULL, 32);
    if (id == ACTOR_ID_INVALID)
        return false;
    mk_actor_set_system(rt, id, true);
    s->mount_actor = id;
    if (!node_monitor(rt, id))
        return false;
    return actor_register_name(rt, "/sys/mount-listen", id);
}

bool mount_listen_late(svc_t *s, const char *host, uint16_t port)
{
    mount_state_t *ms = s->mount;
    if (ms->listen_fd >= 0)
        return ms->port == port ? true
                                : mk_fail("ns_mount_listen: the mount listener already listens on "
                                          "port %u",
                                          ms->port);
    services_config_t cfg = {.mount_host = host, .mount_port = port};
    return listen_on(ms, &cfg);
}

uint16_t services_mount_port(runtime_t *rt)
{
    svc_t *s = svc_peek(rt);
    return s && s->mount && s->mount->listen_fd >= 0 ? s->mount->port : 0;
}

const char *services_node_key(runtime_t *rt)
{
    svc_t *s = svc_peek(rt);
    return s && s->mount && s->mount->key ? s->mount->key->text : NULL;
}

void mount_destroy(runtime_t *rt, svc_t *s)
{
    mount_state_t *ms = s->mount;
    if (!ms)
        return;
    for (size_t i = 0; i < MOUNT_MAX_PENDING; i++)
        if (ms->conns[i].state != C_FREE)
            mount_conn_close(&ms->conns[i]);
    mk_io_remove(rt, &ms->listen_io);
    mk_io_remove(rt, &ms->timer_io);
    if (ms->listen_fd >= 0)
        close(ms->listen_fd);
    if (ms->timer_fd >= 0)
        close(ms->timer_fd);
    link_tls_ctx_free(ms->tls);
    node_key_free(ms->key);
    OPENSSL_cleanse(ms->cookie, sizeof ms->cookie);
    mk_free(ms);
    s->mount = NULL;
}
