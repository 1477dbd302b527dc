/*
 * mount.c -- the mount protocol (seed 002, "Dynamic node interconnection"):
 * the listener actor "/sys/mount-listen" accepts TCP connections from other
 * nodes, MSG_MOUNT "<host>[:<port>]" connects out; both sides exchange a
 * text hello (mount_hello.c: protocol version, node IDs, names, ns actor),
 * refuse clashes with a reason, then hand the socket to the multi-node
 * layer as a TCP stream transport (runtime_add_transport) and sync their
 * path tables (namespace.c). A lost node (MSG_NODE_DOWN from src/net) takes
 * its paths with it.
 *
 * Everything is non-blocking and driven by the event loop; handshakes time
 * out after MOUNT_HANDSHAKE_MS. Host names are resolved with getaddrinfo,
 * which may block briefly; numeric addresses never do.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "microkernel/actor.h"
#include "microkernel/node.h"
#include "microkernel/transport_tcp.h"
#include "net/net_internal.h"
#include "services/mount_hello.h"
#include "services/svc_internal.h"

#define MOUNT_MAX_PENDING  8    /* handshakes in progress at once */
#define MOUNT_HANDSHAKE_MS 3000 /* a handshake not done by then is dropped */

enum { C_FREE, C_CONNECTING, C_WAIT_HELLO };

typedef struct {
    int state;     /* C_* */
    bool outgoing; /* we dialled */
    int fd;
    mk_io_t io;
    actor_id_t requester; /* who sent MSG_MOUNT (ACTOR_ID_INVALID: automatic) */
    char host[64];        /* address of the other side */
    uint16_t port;        /* its port (outgoing: the one dialled) */
    uint64_t deadline_ms;
    struct mount_state *ms; /* back pointer */
} mconn_t;

typedef struct mount_state {
    runtime_t *rt;
    svc_t *svc;
    int listen_fd; /* -1 when not listening */
    uint16_t port; /* the port listened on */
    mk_io_t listen_io;
    int timer_fd; /* periodic while handshakes are pending */
    mk_io_t timer_io;
    bool timer_armed;
    mconn_t conns[MOUNT_MAX_PENDING];
} mount_state_t;

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

static void conn_close(mconn_t *c)
{
    mount_state_t *ms = c->ms;
    mk_io_remove(ms->rt, &c->io);
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

static void tell(runtime_t *rt, svc_t *s, actor_id_t to, msg_type_t type, const char *text,
                 size_t len)
{
    if (to != ACTOR_ID_INVALID)
        mk_send_from(rt, s->mount_actor, to, type, text, len);
}

/* Fail a handshake: tell the requester (outgoing) and log (incoming). */
static void conn_fail(mconn_t *c, const char *fmt, const char *detail)
{
    mount_state_t *ms = c->ms;
    char why[300];
    snprintf(why, sizeof why, fmt, detail);
    if (c->outgoing) {
        char text[400];
        int n = snprintf(text, sizeof text, "error=mount %s:%u: %s\n", c->host, c->port, why);
        tell(ms->rt, ms->svc, c->requester, MSG_MOUNT_ERROR, text, (size_t)n);
        if (c->requester == ACTOR_ID_INVALID)
            actor_log(ms->rt, LOG_WARN, "mount: automatic mount of %s:%u failed: %s", c->host,
                      c->port, why);
    } else {
        actor_log(ms->rt, LOG_WARN, "mount: handshake from %s refused: %s", c->host, why);
    }
    conn_close(c);
}

static mount_text_hello_t our_hello(mount_state_t *ms)
{
    mount_text_hello_t h = {0};
    h.version = MOUNT_PROTOCOL_VERSION;
    h.node = ms->rt->node_id;
    snprintf(h.name, sizeof h.name, "%s", ms->svc->info.name);
    h.ns = ms->svc->ns_actor;
    h.port = ms->port;
    return h;
}

/* Why the peer in `h` may not be mounted, or NULL. Sets *already when the
 * node is mounted and connected (a second mount is then a no-op). */
static const char *check_peer(mount_state_t *ms, const mount_text_hello_t *h, bool *already,
                              char *buf, size_t len)
{
    *already = false;
    if (h->version != MOUNT_PROTOCOL_VERSION) {
        snprintf(buf, len, "protocol version %" PRIu32 " is not supported (this node speaks %d)",
                 h->version, MOUNT_PROTOCOL_VERSION);
        return buf;
    }
    if (h->node == ms->rt->node_id) {
        snprintf(buf, len, "node ID clash: both nodes are node %" PRIu32, h->node);
        return buf;
    }
    svc_peer_t *p = svc_peer_find(ms->svc, h->node);
    if (p && node_is_connected(ms->rt, h->node)) {
        *already = true;
        return NULL;
    }
    for (size_t i = 0; i < SVC_MAX_PEERS; i++) {
        const svc_peer_t *q = &ms->svc->peers[i];
        if (q->node && q->node != h->node && strcmp(q->name, h->name) == 0) {
            snprintf(buf, len, "node name \"%s\" is already used by mounted node %" PRIu32, h->name,
                     q->node);
            return buf;
        }
    }
    if (strcmp(h->name, ms->svc->info.name) == 0) {
        snprintf(buf, len, "node name clash: both nodes are named \"%s\"", h->name);
        return buf;
    }
    return NULL;
}

/* Handshake done: the socket becomes the transport to h->node. */
static bool adopt(mconn_t *c, const mount_text_hello_t *h, char *why, size_t why_len)
{
    mount_state_t *ms = c->ms;
    runtime_t *rt = ms->rt;
    svc_t *s = ms->svc;
    svc_peer_t *p = svc_peer_find(s, h->node);
    for (size_t i = 0; !p && i < SVC_MAX_PEERS; i++)
        if (!s->peers[i].node)
            p = &s->peers[i];
    if (!p) {
        snprintf(why, why_len, "all %d peer slots are in use", SVC_MAX_PEERS);
        return false;
    }
    mk_io_remove(rt, &c->io);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int fd = c->fd;
    c->fd = -1; /* the transport owns it now, success or not */
    transport_t *t = mk_stream_create(h->node, -1, fd, "tcp", true, MK_TCP_SEND_QUEUE_MAX, NULL);
    if (!t || !runtime_add_transport(rt, t)) {
        snprintf(why, why_len, "%s", mk_last_error());
        if (t)
            t->destroy(t);
        return false;
    }
    memset(p, 0, sizeof *p);
    p->node = h->node;
    snprintf(p->name, sizeof p->name, "%s", h->name);
    p->ns = h->ns;
    snprintf(p->host, sizeof p->host, "%s", c->host);
    p->port = h->port;
    p->seq = ++s->peer_seq;
    actor_log(rt, LOG_INFO, "mount: node %" PRIu32 " (%s) mounted at /peers/%s", p->node, p->name,
              p->name);
    ns_peer_up(rt, s, p);
    return true;
}

/* Bytes are waiting: peek at them and finish the handshake once whole.
 * Only the hello is consumed; frames behind it stay for the transport. */
static void conn_read(mconn_t *c)
{
    mount_state_t *ms = c->ms;
    char buf[MOUNT_HELLO_MAX];
    ssize_t n = recv(c->fd, buf, sizeof buf, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        conn_fail(c, "%s",
                  n == 0 ? "peer closed the connection during the handshake" : strerror(errno));
        return;
    }
    mount_text_hello_t h;
    const char *bad;
    long used = mount_hello_parse(buf, (size_t)n, &h, &bad);
    if (used == 0)
        return;
    if (used < 0) {
        conn_fail(c, "peer is not a microkernel node: %s", bad);
        return;
    }
    if (recv(c->fd, buf, (size_t)used, 0) != used) {
        conn_fail(c, "%s", "short read of the handshake");
        return;
    }
    char why[200];
    bool already = false;
    const char *refuse = h.error[0] ? NULL : check_peer(ms, &h, &already, why, sizeof why);
    if (c->outgoing) {
        if (h.error[0]) {
            conn_fail(c, "refused by the peer: %s", h.error);
            return;
        }
        if (refuse) {
            conn_fail(c, "%s", refuse);
            return;
        }
        if (already || h.already) {
            char text[128];
            int tl = snprintf(text, sizeof text, "node=%" PRIu32 "\nname=%s\nalready=1\n", h.node,
                              h.name);
            tell(ms->rt, ms->svc, c->requester, MSG_MOUNT_OK, text, (size_t)tl);
            conn_close(c);
            return;
        }
        actor_id_t requester = c->requester;
        if (!adopt(c, &h, why, sizeof why)) {
            conn_fail(c, "%s", why);
            return;
        }
        char text[128];
        int tl = snprintf(text, sizeof text, "node=%" PRIu32 "\nname=%s\n", h.node, h.name);
        tell(ms->rt, ms->svc, requester, MSG_MOUNT_OK, text, (size_t)tl);
        conn_close(c);
        return;
    }
    /* Incoming: answer with our hello, or a refusal. */
    mount_text_hello_t reply = our_hello(ms);
    if (h.error[0])
        refuse = "the connecting side sent a refusal";
    if (refuse) {
        size_t rl = strnlen(refuse, sizeof reply.error - 1);
        memcpy(reply.error, refuse, rl);
        reply.error[rl] = '\0';
    }
    reply.already = already;
    char out[MOUNT_HELLO_MAX];
    size_t len = mount_hello_format(out, &reply);
    if (send(c->fd, out, len, MSG_NOSIGNAL) != (ssize_t)len) {
        conn_fail(c, "%s", "cannot send the handshake reply");
        return;
    }
    if (refuse) {
        conn_fail(c, "%s", refuse);
        return;
    }
    if (already) {
        conn_close(c);
        return;
    }
    if (!adopt(c, &h, why, sizeof why)) {
        conn_fail(c, "%s", why);
        return;
    }
    conn_close(c);
}

static void send_hello(mconn_t *c)
{
    mount_text_hello_t h = our_hello(c->ms);
    char out[MOUNT_HELLO_MAX];
    size_t len = mount_hello_format(out, &h);
    if (send(c->fd, out, len, MSG_NOSIGNAL) != (ssize_t)len) {
        conn_fail(c, "cannot send the handshake: %s", strerror(errno));
        return;
    }
    c->state = C_WAIT_HELLO;
    mk_io_modify(c->ms->rt, &c->io, EPOLLIN);
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
            conn_fail(c, "cannot connect: %s", strerror(err));
            return;
        }
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            send_hello(c);
        return;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        conn_read(c);
}

static mconn_t *conn_new(mount_state_t *ms, int fd, bool outgoing, const char *fmt_why)
{
    for (size_t i = 0; i < MOUNT_MAX_PENDING; i++) {
        mconn_t *c = &ms->conns[i];
        if (c->state != C_FREE)
            continue;
        c->fd = fd;
        c->outgoing = outgoing;
        c->deadline_ms = now_ms() + MOUNT_HANDSHAKE_MS;
        c->ms = ms;
        uint32_t ev = outgoing ? EPOLLOUT : EPOLLIN;
        if (!mk_io_add(ms->rt, &c->io, fd, ev, on_conn, c, true)) {
            c->fd = -1;
            return NULL;
        }
        c->state = outgoing ? C_CONNECTING : C_WAIT_HELLO;
        arm_timer(ms, true);
        return c;
    }
    mk_set_error("%s: %d handshakes are already in progress", fmt_why, MOUNT_MAX_PENDING);
    return NULL;
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
            conn_fail(c, "%s",
                      c->state == C_CONNECTING
                          ? "no TCP connection within 3 s"
                          : "no handshake within 3 s (is it a microkernel node?)");
    }
}

static void on_accept(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)rt, (void)events;
    mount_state_t *ms = io->ctx;
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(ms->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        mconn_t *c = conn_new(ms, fd, false, "mount-listen");
        if (!c) {
            actor_log(ms->rt, LOG_WARN, "mount: connection refused: %s", mk_last_error());
            close(fd);
            continue;
        }
        char host[64] = "?";
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
        snprintf(c->host, sizeof c->host, "%s", host);
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
            tell(ms->rt, s, requester, MSG_MOUNT_OK, text, (size_t)n);
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
        tell(ms->rt, s, requester, MSG_MOUNT_ERROR, text, (size_t)n);
        return;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) < 0 && errno != EINPROGRESS)
        err = errno;
    freeaddrinfo(res);
    mconn_t *c = NULL;
    if (!err) {
        c = conn_new(ms, fd, true, "mount");
        if (!c)
            err = -1;
    }
    if (err) {
        if (fd >= 0)
            close(fd);
        int n = snprintf(text, sizeof text, "error=mount %s:%u: %s\n", host, port,
                         err > 0 ? strerror(err) : mk_last_error());
        tell(ms->rt, s, requester, MSG_MOUNT_ERROR, text, (size_t)n);
        return;
    }
    c->requester = requester;
    snprintf(c->host, sizeof c->host, "%s", host);
    c->port = port;
}

void mount_auto(runtime_t *rt, svc_t *s, node_id_t node, const char *name, const char *host,
                uint16_t port)
{
    (void)name;
    mount_state_t *ms = s->mount;
    if (!ms || node == rt->node_id || rt->node_id > node || svc_peer_find(s, node))
        return;
    for (size_t i = 0; i < MOUNT_MAX_PENDING; i++)
        if (ms->conns[i].state != C_FREE && ms->conns[i].outgoing && ms->conns[i].port == port &&
            strcmp(ms->conns[i].host, host) == 0)
            return;
    dial(ms, ACTOR_ID_INVALID, host, port);
}

static bool mount_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    mount_state_t *ms = state;
    if (msg->type == MSG_MOUNT) {
        char host[64];
        uint16_t port;
        if (!msg->payload ||
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
            actor_log(rt, LOG_INFO, "mount: node %" PRIu32 " (%s) lost: %s; /peers/%s removed",
                      p->node, p->name, ev->reason, p->name);
            ns_peer_down(rt, ms->svc, ev->node);
        }
    } else if (msg->type < MSG_SYSTEM_BASE) {
        svc_reply_error(rt, msg->source, MSG_MOUNT_ERROR, NULL, 0,
                        "mount-listen does not handle message type 0x%08" PRIx32, msg->type);
    }
    return true;
}

static bool listen_on(mount_state_t *ms, const services_config_t *cfg)
{
    const char *host = cfg->mount_host && cfg->mount_host[0] ? cfg->mount_host : "0.0.0.0";
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
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0) {
        int err = errno;
        freeaddrinfo(res);
        if (fd >= 0)
            close(fd);
        return mk_fail("mount-listen: cannot listen on %s:%u: %s", host, port, strerror(err));
    }
    freeaddrinfo(res);
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

bool mount_start(runtime_t *rt, svc_t *s, const services_config_t *cfg)
{
    mount_state_t *ms = calloc(1, sizeof *ms);
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

uint16_t services_mount_port(runtime_t *rt)
{
    svc_t *s = svc_peek(rt);
    return s && s->mount && s->mount->listen_fd >= 0 ? s->mount->port : 0;
}

void mount_destroy(runtime_t *rt, svc_t *s)
{
    mount_state_t *ms = s->mount;
    if (!ms)
        return;
    for (size_t i = 0; i < MOUNT_MAX_PENDING; i++)
        if (ms->conns[i].state != C_FREE)
            conn_close(&ms->conns[i]);
    mk_io_remove(rt, &ms->listen_io);
    mk_io_remove(rt, &ms->timer_io);
    if (ms->listen_fd >= 0)
        close(ms->listen_fd);
    if (ms->timer_fd >= 0)
        close(ms->timer_fd);
    free(ms);
    s->mount = NULL;
}
