/*
 * mount.c -- the mount protocol (seed 002, "Dynamic node interconnection";
 * ../shared/compat/wire-and-mount.md §4; docs/security.md): the listener
 * actor "/sys/mount-listen" accepts TCP connections from other nodes,
 * MSG_MOUNT "<host>[:<port>]" from a local actor dials out. Both sides send
 * the original's 40-byte hello (mount_hello.c); with our "MKA1" extension
 * they then run TLS 1.3 and the challenge-response of src/net/link_auth.c
 * (AUTH1, AUTH2, VERDICT), and hand the connection to the node link as a
 * stream transport (runtime_add_transport) before the namespace sync. A
 * peer without the extension (an original node) is mounted only in
 * --insecure mode.
 *
 * Everything is non-blocking and driven by the event loop. Handshakes time
 * out after MOUNT_HANDSHAKE_MS; at most MOUNT_MAX_PENDING run at once and
 * MOUNT_PER_SOURCE per source address; when full, the oldest unfinished
 * incoming one is evicted. What a remote party can trigger is logged through
 * the rate limiter (src/core/log_limit.h).
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

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/log_limit.h"
#include "microkernel/actor.h"
#include "microkernel/node.h"
#include "microkernel/transport_tcp.h"
#include "net/link_auth.h"
#include "net/link_tls.h"
#include "net/net_internal.h"
#include "net/node_key.h"
#include "net/stream_io.h"
#include "net/trust.h"
#include "services/mount_hello.h"
#include "services/svc_internal.h"

#define MOUNT_MAX_PENDING  64   /* handshakes in progress at once */
#define MOUNT_PER_SOURCE   4    /* incoming handshakes in progress per source address */
#define MOUNT_ACCEPT_BURST 16   /* connections accepted per readiness event */
#define MOUNT_HANDSHAKE_MS 3000 /* a handshake not done by then is dropped */
#define COOKIE_MAX         256  /* bytes of a cookie kept */

enum { C_FREE, C_CONNECTING, C_HELLO, C_TLS, C_AUTH1, C_AUTH2, C_VERDICT };

typedef struct mconn {
    int state;     /* C_* */
    bool outgoing; /* we dialled (connector); else listener side */
    int fd;
    mk_io_t io;
    link_io_t *lio;       /* plain or TLS I/O once the hellos are through */
    actor_id_t requester; /* who sent MSG_MOUNT (ACTOR_ID_INVALID: nobody to tell) */
    char host[64];        /* address of the other side */
    uint16_t port;        /* its port (outgoing: the one dialled) */
    uint64_t started_ms, deadline_ms;
    unsigned char in[LINK_VERDICT_HDR + LINK_VERDICT_MAX]; /* the message being read */
    size_t in_len;
    unsigned char hello[2][MOUNT_HELLO_SIZE]; /* [0] connector's, [1] listener's */
    unsigned char auth1[2][LINK_AUTH1_SIZE];  /* same order */
    mk_mount_hello_t peer;                    /* the peer's hello */
    link_auth1_t peer_auth1;                  /* the peer's AUTH1 */
    actor_id_t peer_ns;                       /* from the peer's MKOK ("ns=0x..."), or 0 */
    bool verdict_ok;                          /* listener: our own check passed */
    char verdict_why[320];                    /* listener: why not (cut at 200 on the wire) */
    struct mount_state *ms;                   /* back pointer */
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
    node_key_t *key; /* NULL in original mode */
    SSL_CTX *tls;    /* NULL when TLS is off */
    bool insecure, original;
    char cookie[COOKIE_MAX + 1];
    size_t cookie_len; /* 0: no cookie */
    mk_log_limit_t lim_refused, lim_full, lim_source, lim_insecure, lim_auto;
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

static void tell(runtime_t *rt, svc_t *s, actor_id_t to, msg_type_t type, const char *text,
                 size_t len)
{
    if (to != ACTOR_ID_INVALID)
        mk_send_from(rt, s->mount_actor, to, type, text, len);
}

/* "node 3 (linux-ab12)" or the address before the hello arrived. */
static void peer_label(const mconn_t *c, char *out, size_t len)
{
    if (c->peer.node)
        snprintf(out, len, "node %" PRIu32 " (%s) at %s", c->peer.node, c->peer.identity, c->host);
    else
        snprintf(out, len, "%s", c->host);
}

/* Fail a handshake: tell the requester (outgoing) and log, rate-limited
 * for incoming ones (a remote party can repeat them at will). */
static void conn_fail(mconn_t *c, const char *fmt, const char *detail)
{
    mount_state_t *ms = c->ms;
    char why[400], who[160];
    snprintf(why, sizeof why, fmt, detail);
    peer_label(c, who, sizeof who);
    if (c->outgoing) {
        char text[600];
        int n = snprintf(text, sizeof text, "error=mount %s:%u: %s\n", c->host, c->port, why);
        tell(ms->rt, ms->svc, c->requester, MSG_MOUNT_ERROR, text, (size_t)n);
        actor_log(ms->rt, LOG_WARN, "mount: mount of %s:%u failed: %s", c->host, c->port, why);
    } else {
        mk_log_limited(ms->rt, &ms->lim_refused, LOG_WARN, "mount: handshake from %s refused: %s",
                       who, why);
    }
    conn_close(c);
}

/* Our flags in the hello extension and in AUTH1. */
static uint32_t our_flags(const mount_state_t *ms)
{
    return LINK_F_KEY | (ms->tls ? LINK_F_TLS : 0) | (ms->cookie_len ? LINK_F_COOKIE : 0);
}

/* Send all of `len` bytes (the handshake messages are small; a socket
 * that takes only part of them on a fresh connection is broken). */
static bool send_all(mconn_t *c, const void *buf, size_t len)
{
    ssize_t n;
    if (c->lio)
        n = link_io_write(c->lio, buf, len);
    else
        do
            n = send(c->fd, buf, len, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
    return n == (ssize_t)len;
}

/* Read toward `want` bytes of the current message into c->in. Returns 1
 * when they are there, 0 when more must come, -1 when the connection
 * failed (conn_fail done). Never reads past `want`: what follows belongs to
 * the next message or to the transport. */
static int read_some(mconn_t *c, size_t want)
{
    while (c->in_len < want) {
        ssize_t n;
        if (c->lio)
            n = link_io_read(c->lio, c->in + c->in_len, want - c->in_len);
        else
            do
                n = recv(c->fd, c->in + c->in_len, want - c->in_len, 0);
            while (n < 0 && errno == EINTR);
        if (n > 0) {
            c->in_len += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        conn_fail(c, "%s",
                  n == 0 ? "the peer closed the connection during the handshake (its log says why)"
                         : strerror(errno));
        return -1;
    }
    return 1;
}

/* Why the peer may not be mounted, or NULL. Sets *already when that node
 * is mounted and connected (a second mount is then a no-op). */
static const char *check_peer(mount_state_t *ms, const mk_mount_hello_t *h, bool *already,
                              char *buf, size_t len)
{
    *already = false;
    if (h->node == ms->rt->node_id) {
        snprintf(buf, len, "node ID clash: both nodes are node %" PRIu32, h->node);
        return buf;
    }
    if (node_is_connected(ms->rt, h->node)) {
        *already = true;
        return NULL;
    }
    for (size_t i = 0; i < SVC_MAX_PEERS; i++) {
        const svc_peer_t *q = &ms->svc->peers[i];
        if (q->node && q->node != h->node && strcmp(q->name, h->identity) == 0) {
            snprintf(buf, len, "node name \"%s\" is already used by mounted node %" PRIu32,
                     h->identity, q->node);
            return buf;
        }
    }
    if (strncmp(h->identity, ms->svc->info.name, MOUNT_IDENTITY_EXT) == 0) {
        snprintf(buf, len, "node name clash: both nodes are named \"%s\"", h->identity);
        return buf;
    }
    return NULL;
}

/* A free or matching peer slot, or NULL. */
static svc_peer_t *peer_slot(svc_t *s, node_id_t node)
{
    svc_peer_t *p = svc_peer_find(s, node);
    for (size_t i = 0; !p && i < SVC_MAX_PEERS; i++)
        if (!s->peers[i].node)
            p = &s->peers[i];
    return p;
}

/* Handshake done: the connection becomes the transport to c->peer.node.
 * `pre` (may be NULL) is written before the first frame. The requester, if
 * any, is told either way; c is closed either way. */
static void adopt(mconn_t *c, const void *pre, size_t pre_len)
{
    mount_state_t *ms = c->ms;
    runtime_t *rt = ms->rt;
    svc_t *s = ms->svc;
    char why[300];
    svc_peer_t *p = peer_slot(s, c->peer.node);
    if (!p) {
        snprintf(why, sizeof why, "all %d peer slots are in use", SVC_MAX_PEERS);
        conn_fail(c, "%s", why);
        return;
    }
    mk_io_remove(rt, &c->io);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!c->lio && !(c->lio = link_io_new(c->fd, NULL, false))) {
        conn_fail(c, "%s", mk_last_error());
        return;
    }
    if (pre_len)
        link_io_set_preamble(c->lio, pre, pre_len);
    link_io_set_read_ahead(c->lio); /* the handshake is read: whole buffers from now on */
    link_io_t *lio = c->lio;
    bool tls = link_io_is_tls(lio);
    int fd = c->fd;
    c->fd = -1; /* the transport owns both now, success or not */
    c->lio = NULL;
    transport_t *t =
        mk_stream_create(c->peer.node, -1, fd, "tcp", true, MK_TCP_SEND_QUEUE_MAX, NULL);
    if (!t) {
        link_io_free(lio);
        conn_fail(c, "%s", mk_last_error());
        return;
    }
    if (!mk_stream_set_io(t, &link_io_methods, lio) || !runtime_add_transport(rt, t)) {
        snprintf(why, sizeof why, "%s", mk_last_error());
        t->destroy(t);
        conn_fail(c, "cannot add the link: %s", why);
        return;
    }
    if (pre_len)
        link_io_flush_preamble(lio); /* if the link wrote nothing yet */
    memset(p, 0, sizeof *p);
    p->node = c->peer.node;
    snprintf(p->name, sizeof p->name, "%s", c->peer.identity);
    p->ns = c->peer_ns; /* 0 for an original peer: it has no verdict */
    snprintf(p->host, sizeof p->host, "%s", c->host);
    p->port = c->outgoing ? c->port : 0;
    p->seq = ++s->peer_seq;
    const char *mode = ms->key && c->peer.ext ? (tls ? "authenticated, TLS 1.3" : "authenticated")
                                              : "INSECURE: unauthenticated, in clear";
    actor_log(rt, LOG_INFO, "mount: node %" PRIu32 " (%s) mounted at /peers/%s (%s)", p->node,
              p->name, p->name, mode);
    if (c->outgoing) {
        char text[128];
        int tl = snprintf(text, sizeof text, "node=%" PRIu32 "\nname=%s\n", p->node, p->name);
        tell(rt, s, c->requester, MSG_MOUNT_OK, text, (size_t)tl);
    }
    ns_peer_up(rt, s, p);
    conn_close(c);
}

/* The peer cannot authenticate (an original node, or ours in original
 * mode): mount it only with --insecure, loudly. */
static void original_peer(mconn_t *c)
{
    mount_state_t *ms = c->ms;
    static const char refusal[] =
        "peer cannot authenticate (original firmware?); start with --insecure to allow it";
    if (!ms->insecure) {
        conn_fail(c, "%s", refusal);
        return;
    }
    char who[160];
    peer_label(c, who, sizeof who);
    if (c->outgoing)
        actor_log(ms->rt, LOG_WARN,
                  "mount: INSECURE mount of %s: no authentication, no encryption (--insecure)",
                  who);
    else
        mk_log_limited(ms->rt, &ms->lim_insecure, LOG_WARN,
                       "mount: INSECURE mount of %s: no authentication, no encryption (--insecure)",
                       who);
    if (c->outgoing) {
        adopt(c, NULL, 0);
    } else {
        /* The listener answers only now, its hello first on the link. */
        unsigned char h[MOUNT_HELLO_SIZE];
        mount_hello_write(h, ms->rt->node_id, ms->svc->info.name, false, 0);
        adopt(c, h, sizeof h);
    }
}

static void send_auth1(mconn_t *c);

/* Both hellos carry the extension: TLS (if both want it), then AUTH1. */
static void start_auth(mconn_t *c)
{
    mount_state_t *ms = c->ms;
    bool peer_tls = c->peer.flags & LINK_F_TLS;
    if (peer_tls != (ms->tls != NULL)) {
        conn_fail(c, "%s",
                  ms->tls ? "the peer runs without TLS and this node requires it (--no-tls on "
                            "one side only)"
                          : "the peer requires TLS and this node runs with --no-tls");
        return;
    }
    if (!(c->peer.flags & LINK_F_KEY)) {
        conn_fail(c, "%s", "the peer offers no key authentication");
        return;
    }
    c->lio = link_io_new(c->fd, ms->tls, !c->outgoing);
    if (!c->lio) {
        conn_fail(c, "%s", mk_last_error());
        return;
    }
    c->state = ms->tls ? C_TLS : C_AUTH1;
    c->in_len = 0;
    if (!ms->tls)
        send_auth1(c);
}

static void send_auth1(mconn_t *c)
{
    mount_state_t *ms = c->ms;
    link_auth1_t a = {.version = LINK_AUTH_VERSION, .flags = our_flags(ms)};
    if (RAND_bytes(a.nonce, sizeof a.nonce) != 1) {
        conn_fail(c, "%s", "no random bytes for the nonce (OpenSSL)");
        return;
    }
    memcpy(a.pub, ms->key->pub, NODE_KEY_RAW);
    unsigned char *mine = c->auth1[c->outgoing ? 0 : 1];
    link_auth1_write(&a, mine);
    if (!send_all(c, mine, LINK_AUTH1_SIZE)) {
        conn_fail(c, "cannot send AUTH1: %s", strerror(errno));
        return;
    }
    c->state = C_AUTH1;
    c->in_len = 0;
    mk_io_modify(ms->rt, &c->io, EPOLLIN);
}

/* The transcript as signed by `role`. */
static void transcript(const mconn_t *c, char role, unsigned char out[LINK_TRANSCRIPT_SIZE])
{
    unsigned char exp[LINK_EXPORTER_SIZE];
    link_io_exporter(c->lio, exp);
    link_auth_transcript(out, role, c->hello[0], c->hello[1], c->auth1[0], c->auth1[1], exp);
}

/* The peer's AUTH1 is in: check its key against the certificate, send AUTH2. */
static void got_auth1(mconn_t *c)
{
    mount_state_t *ms = c->ms;
    const char *bad;
    if (link_auth1_parse(c->in, c->in_len, &c->peer_auth1, &bad) != LINK_AUTH1_SIZE) {
        conn_fail(c, "bad AUTH1: %s", bad ? bad : "short");
        return;
    }
    memcpy(c->auth1[c->outgoing ? 1 : 0], c->in, LINK_AUTH1_SIZE);
    if (link_io_is_tls(c->lio)) {
        unsigned char cert[NODE_KEY_RAW];
        if (!link_io_peer_key(c->lio, cert)) {
            conn_fail(c, "%s", mk_last_error());
            return;
        }
        if (memcmp(cert, c->peer_auth1.pub, NODE_KEY_RAW) != 0) {
            conn_fail(c, "%s", "the key in AUTH1 is not the key of the peer's TLS certificate");
            return;
        }
    }
    unsigned char tr[LINK_TRANSCRIPT_SIZE];
    transcript(c, c->outgoing ? 'C' : 'L', tr);
    link_auth2_t a2 = {.has_hmac = ms->cookie_len > 0};
    if (!link_auth_sign(ms->key->pkey, tr, sizeof tr, a2.sig)) {
        conn_fail(c, "%s", mk_last_error());
        return;
    }
    if (a2.has_hmac)
        link_auth_hmac(ms->cookie, ms->cookie_len, tr, sizeof tr, a2.hmac);
    unsigned char out[LINK_AUTH2_COOKIE];
    size_t n = link_auth2_write(&a2, out);
    if (!send_all(c, out, n)) {
        conn_fail(c, "cannot send AUTH2: %s", strerror(errno));
        return;
    }
    c->state = C_AUTH2;
    c->in_len = 0;
}

/* The text of our MKOK: "ns=0x<id>", our namespace actor, so the peer can
 * send it the path table (docs/security.md; an addition the original lacks,
 * as it has no verdict at all). */
static void ok_reason(const mount_state_t *ms, char *out, size_t len)
{
    snprintf(out, len, "ns=0x%016" PRIx64, ms->svc->ns_actor);
}

/* Check the peer's AUTH2: signature, then trust list or cookie. NULL when
 * it passes, else the reason (in buf). */
static const char *check_auth2(mconn_t *c, const link_auth2_t *a2, char *buf, size_t len)
{
    mount_state_t *ms = c->ms;
    char key[NODE_KEY_TEXT_MAX + 1];
    node_key_format(c->peer_auth1.pub, key);
    unsigned char tr[LINK_TRANSCRIPT_SIZE];
    transcript(c, c->outgoing ? 'L' : 'C', tr);
    if (!link_auth_verify(c->peer_auth1.pub, tr, sizeof tr, a2->sig)) {
        snprintf(buf, len, "node %" PRIu32 " (%s) key %.20s..: signature does not verify",
                 c->peer.node, c->peer.identity, key);
        return buf;
    }
    bool io_error = false;
    if (trust_contains(ms->svc->data_dir, c->peer_auth1.pub, &io_error))
        return NULL;
    if (ms->cookie_len && a2->has_hmac) {
        unsigned char want[LINK_AUTH_HMAC];
        link_auth_hmac(ms->cookie, ms->cookie_len, tr, sizeof tr, want);
        if (CRYPTO_memcmp(want, a2->hmac, LINK_AUTH_HMAC) == 0)
            return NULL;
        snprintf(buf, len, "node %" PRIu32 " (%s) key %.20s..: wrong cookie", c->peer.node,
                 c->peer.identity, key);
        return buf;
    }
    snprintf(buf, len,
             "node %" PRIu32 " (%s) key %.20s..: not in the trust list; `trust %s` to allow%s",
             c->peer.node, c->peer.identity, key, key,
             io_error ? " (the trust list cannot be read)" : "");
    return buf;
}

static void got_auth2(mconn_t *c)
{
    link_auth2_t a2;
    bool with_hmac = c->peer_auth1.flags & LINK_F_COOKIE;
    if (link_auth2_parse(c->in, c->in_len, with_hmac, &a2) <= 0) {
        conn_fail(c, "%s", "short AUTH2");
        return;
    }
    char why[320];
    const char *refuse = check_auth2(c, &a2, why, sizeof why);
    if (c->outgoing) {
        /* The connector gives its verdict first. */
        unsigned char v[LINK_VERDICT_HDR + LINK_VERDICT_MAX];
        char ok[40];
        ok_reason(c->ms, ok, sizeof ok);
        size_t n = link_verdict_write(refuse == NULL, refuse ? refuse : ok, v);
        bool sent = send_all(c, v, n);
        if (refuse) {
            conn_fail(c, "%s", refuse);
            return;
        }
        if (!sent) {
            conn_fail(c, "cannot send the verdict: %s", strerror(errno));
            return;
        }
    } else {
        c->verdict_ok = refuse == NULL;
        snprintf(c->verdict_why, sizeof c->verdict_why, "%s", refuse ? refuse : "");
    }
    c->state = C_VERDICT;
    c->in_len = 0;
}

static void got_verdict(mconn_t *c)
{
    link_verdict_t v;
    const char *bad;
    if (link_verdict_parse(c->in, c->in_len, &v, &bad) <= 0) {
        conn_fail(c, "bad verdict: %s", bad ? bad : "short");
        return;
    }
    if (!v.ok) {
        conn_fail(c, "refused by the peer: %s", v.reason[0] ? v.reason : "no reason given");
        return;
    }
    unsigned long long ns;
    if (sscanf(v.reason, "ns=0x%16llx", &ns) == 1 && actor_id_node(ns) == c->peer.node)
        c->peer_ns = ns;
    if (c->outgoing) {
        adopt(c, NULL, 0);
        return;
    }
    /* Listener: the connector accepted us; now our verdict. */
    unsigned char out[LINK_VERDICT_HDR + LINK_VERDICT_MAX];
    if (!c->verdict_ok) {
        size_t n = link_verdict_write(false, c->verdict_why, out);
        send_all(c, out, n);
        conn_fail(c, "%s", c->verdict_why);
        return;
    }
    char ok[40];
    ok_reason(c->ms, ok, sizeof ok);
    size_t n = link_verdict_write(true, ok, out);
    adopt(c, out, n); /* MKOK goes out before the link's first frame */
}

/* The peer's hello is in. */
static void got_hello(mconn_t *c)
{
    mount_state_t *ms = c->ms;
    const char *bad;
    if (mount_hello_parse(c->in, c->in_len, &c->peer, &bad) != MOUNT_HELLO_SIZE) {
        conn_fail(c, "peer is not a microkernel node: %s", bad ? bad : "short hello");
        return;
    }
    memcpy(c->hello[c->outgoing ? 1 : 0], c->in, MOUNT_HELLO_SIZE);
    char why[200];
    bool already;
    const char *refuse = check_peer(ms, &c->peer, &already, why, sizeof why);
    if (refuse) {
        conn_fail(c, "%s", refuse);
        return;
    }
    bool ext = c->peer.ext && ms->key;
    if (already) {
        if (c->outgoing) {
            char text[128];
            int tl = snprintf(text, sizeof text, "node=%" PRIu32 "\nname=%s\nalready=1\n",
                              c->peer.node, c->peer.identity);
            tell(ms->rt, ms->svc, c->requester, MSG_MOUNT_OK, text, (size_t)tl);
            conn_close(c);
            return;
        }
        if (ext) {
            /* Answer, so the connector learns who we are and stops. */
            mount_hello_write(c->hello[1], ms->rt->node_id, ms->svc->info.name, true,
                              our_flags(ms));
            send_all(c, c->hello[1], MOUNT_HELLO_SIZE);
        }
        conn_close(c);
        return;
    }
    if (!ext) {
        original_peer(c);
        return;
    }
    if (!c->outgoing) {
        mount_hello_write(c->hello[1], ms->rt->node_id, ms->svc->info.name, true, our_flags(ms));
        if (!send_all(c, c->hello[1], MOUNT_HELLO_SIZE)) {
            conn_fail(c, "cannot send the hello: %s", strerror(errno));
            return;
        }
    }
    start_auth(c);
}

/* Drive the connection as far as the bytes at hand allow. */
static void conn_step(mconn_t *c, uint32_t events)
{
    mount_state_t *ms = c->ms;
    for (;;) {
        int st = c->state, r;
        switch (st) {
        case C_HELLO:
            if ((r = read_some(c, c->in_len < 4 ? 4 : MOUNT_HELLO_SIZE)) <= 0)
                return;
            if (c->in_len < MOUNT_HELLO_SIZE) {
                /* Check the magic as soon as it is there: not ours, no wait. */
                const char *bad;
                if (mount_hello_parse(c->in, c->in_len, &c->peer, &bad) < 0) {
                    conn_fail(c, "peer is not a microkernel node: %s", bad);
                    return;
                }
                continue;
            }
            got_hello(c);
            break;
        case C_TLS: {
            bool want_write;
            r = link_io_handshake(c->lio, &want_write);
            if (r < 0) {
                conn_fail(c, "%s", mk_last_error());
                return;
            }
            if (r == 0) {
                mk_io_modify(ms->rt, &c->io, want_write ? EPOLLOUT : EPOLLIN);
                return;
            }
            send_auth1(c);
            break;
        }
        case C_AUTH1:
            if (read_some(c, LINK_AUTH1_SIZE) <= 0)
                return;
            got_auth1(c);
            break;
        case C_AUTH2:
            if (read_some(c, (c->peer_auth1.flags & LINK_F_COOKIE) ? LINK_AUTH2_COOKIE
                                                                   : LINK_AUTH2_SIZE) <= 0)
                return;
            got_auth2(c);
            break;
        case C_VERDICT: {
            if (read_some(c, LINK_VERDICT_HDR) <= 0)
                return;
            size_t rl = (size_t)c->in[4] << 8 | c->in[5];
            const char *bad;
            link_verdict_t v;
            if (link_verdict_parse(c->in, c->in_len, &v, &bad) < 0) {
                conn_fail(c, "bad verdict: %s", bad);
                return;
            }
            if (read_some(c, LINK_VERDICT_HDR + rl) <= 0)
                return;
            got_verdict(c);
            break;
        }
        default: return;
        }
        (void)events;
        if (c->state == st || c->state == C_FREE)
            return;
    }
}

static void send_hello(mconn_t *c)
{
    mount_state_t *ms = c->ms;
    bool ext = ms->key != NULL;
    mount_hello_write(c->hello[0], ms->rt->node_id, ms->svc->info.name, ext,
                      ext ? our_flags(ms) : 0);
    if (!send_all(c, c->hello[0], MOUNT_HELLO_SIZE)) {
        conn_fail(c, "cannot send the hello: %s", strerror(errno));
        return;
    }
    c->state = C_HELLO;
    c->in_len = 0;
    mk_io_modify(ms->rt, &c->io, EPOLLIN);
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
    conn_step(c, events);
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
    peer_label(oldest, who, sizeof who);
    mk_log_limited(ms->rt, &ms->lim_full, LOG_WARN,
                   "mount: %d handshakes in progress; the oldest (from %s) was dropped",
                   MOUNT_MAX_PENDING, who);
    conn_close(oldest);
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
            conn_fail(c, "%s",
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
        c = conn_new(ms, fd, true, host);
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
    c->port = port;
}

void mount_auto(runtime_t *rt, svc_t *s, node_id_t node, const char *name, const char *host,
                uint16_t port)
{
    /* A peer must not make this node dial an address of its choosing
     * (issue 13): only mounts a local user or the configuration asked for
     * are dialled. The hint is logged, rate-limited. */
    mount_state_t *ms = s->mount;
    if (!ms || node == rt->node_id || svc_peer_find(s, node))
        return;
    mk_log_limited(rt, &ms->lim_auto, LOG_INFO,
                   "mount: a peer reported node %" PRIu32 " (%.40s) at %.64s:%u; not dialled "
                   "(mount it explicitly)",
                   node, name ? name : "?", host ? host : "?", port);
}

static bool mount_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    mount_state_t *ms = state;
    if (msg->type == MSG_MOUNT) {
        char host[64];
        uint16_t port;
        if (msg->source != ACTOR_ID_INVALID && actor_id_node(msg->source) != rt->node_id) {
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
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 128) < 0) {
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
            conn_close(&ms->conns[i]);
    mk_io_remove(rt, &ms->listen_io);
    mk_io_remove(rt, &ms->timer_io);
    if (ms->listen_fd >= 0)
        close(ms->listen_fd);
    if (ms->timer_fd >= 0)
        close(ms->timer_fd);
    link_tls_ctx_free(ms->tls);
    node_key_free(ms->key);
    OPENSSL_cleanse(ms->cookie, sizeof ms->cookie);
    free(ms);
    s->mount = NULL;
}
