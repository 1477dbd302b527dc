/*
 * mount_link.c -- one mount connection's handshake (docs/security.md, "The
 * handshake"): the original's 40-byte hello with our MKA1 extension, then
 * TLS 1.3, AUTH1 / AUTH2 (ed25519 over the transcript, HMAC with the
 * cookie) and the verdicts, and the hand-over of socket and TLS to the node
 * link (runtime_add_transport). A peer without the extension is an original
 * node: mounted only in --insecure mode. Called by mount.c on readiness
 * events; never blocks, reads each message exactly (what follows belongs to
 * the next message or to the link).
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "microkernel/node.h"
#include "microkernel/transport_tcp.h"
#include "net/net_internal.h"
#include "net/stream_io.h"
#include "net/trust.h"
#include "platform/sock.h"
#include "services/mount_internal.h"

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
        mount_conn_fail(
            c, "%s",
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
    if (!node_name_valid(h->identity, strlen(h->identity))) {
        /* It becomes /peers/<identity>: no '/', no "..", nothing odd. */
        snprintf(buf, len, "identity \"%.31s\" is not a node name ([A-Za-z0-9._-], not . or ..)",
                 h->identity);
        return buf;
    }
    if (h->node == runtime_node_id(ms->rt)) {
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
        mount_conn_fail(c, "%s", why);
        return;
    }
    mk_io_remove(rt, &c->io);
    mk_sock_tune_link(c->fd); /* no delay; keepalive: a vanished peer is noticed */
    if (!c->lio && !(c->lio = link_io_new(c->fd, NULL, false))) {
        mount_conn_fail(c, "%s", mk_last_error());
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
        mount_conn_fail(c, "%s", mk_last_error());
        return;
    }
    /* A peer without our extension (the original's firmware, or ours in
     * original mode), or this node in original mode: the link speaks only
     * what the original understands (compat wire-and-mount.md §1-3). */
    bool original = ms->original || !c->peer.ext;
    if (!mk_net_link_set_original(rt, c->peer.node, original)) {
        snprintf(why, sizeof why, "%s", mk_last_error());
        t->destroy(t);
        link_io_free(lio);
        mount_conn_fail(c, "cannot add the link: %s", why);
        return;
    }
    if (!mk_stream_set_io(t, &link_io_methods, lio)) {
        snprintf(why, sizeof why, "%s", mk_last_error());
        t->destroy(t);
        mount_conn_fail(c, "cannot add the link: %s", why);
        return;
    }
    /* No room: refuse before the peer hears "mounted" from the preamble. */
    if (!mk_net_link_can_add(rt, c->peer.node)) {
        snprintf(why, sizeof why, "%s", mk_last_error());
        t->destroy(t);
        mount_conn_fail(c, "cannot add the link: %s", why);
        return;
    }
    if (pre_len)
        link_io_flush_preamble(lio); /* the rest, if any, goes before the first frame */
    node_id_t node = c->peer.node;
    if (!runtime_add_transport(rt, t)) {
        snprintf(why, sizeof why, "%s", mk_last_error());
        t->destroy(t);
        mount_conn_fail(c, "cannot add the link: %s", why);
        return;
    }
    /* The peer may have gone while the link sent its hello: the runtime
     * has then freed the transport (and lio with it). */
    if (!mk_net_link_is(rt, node, t)) {
        mount_conn_fail(c, "connection lost while mounting: %s", mk_last_error());
        return;
    }
    memset(p, 0, sizeof *p);
    p->node = c->peer.node;
    snprintf(p->name, sizeof p->name, "%s", c->peer.identity);
    p->ns = c->peer_ns; /* 0 for an original peer: it has no verdict */
    snprintf(p->host, sizeof p->host, "%s", c->host);
    p->port = c->outgoing ? c->port : 0;
    p->seq = ++s->peer_seq;
    const char *mode = ms->key && c->peer.ext ? (tls ? "authenticated, TLS 1.3" : "authenticated")
                                              : "INSECURE: unauthenticated, in clear";
    actor_log(rt, LOG_INFO, "mount: node %" PRIu32 " (%s) mounted, at /node/%s (%s)", p->node,
              p->name, p->name, mode);
    if (c->outgoing) {
        char text[128];
        int tl = snprintf(text, sizeof text, "node=%" PRIu32 "\nname=%s\n", p->node, p->name);
        mount_tell(rt, s, c->requester, MSG_MOUNT_OK, text, (size_t)tl);
    }
    ns_sync_to_transport(rt, t); /* our names and paths, as the original on mount */
    mount_conn_close(c);
}

/* The peer cannot authenticate (an original node, or ours in original
 * mode): mount it only with --insecure, loudly. */
static void original_peer(mconn_t *c)
{
    mount_state_t *ms = c->ms;
    static const char refusal[] =
        "peer cannot authenticate (original firmware?); start with --insecure to allow it";
    if (!ms->insecure) {
        mount_conn_fail(c, "%s", refusal);
        return;
    }
    char who[160];
    mount_peer_label(c, who, sizeof who);
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
        mount_hello_write(h, runtime_node_id(ms->rt), ms->svc->info.name, false, 0);
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
        mount_conn_fail(c, "%s",
                        ms->tls
                            ? "the peer runs without TLS and this node requires it (--no-tls on "
                              "one side only)"
                            : "the peer requires TLS and this node runs with --no-tls");
        return;
    }
    if (!(c->peer.flags & LINK_F_KEY)) {
        mount_conn_fail(c, "%s", "the peer offers no key authentication");
        return;
    }
    c->lio = link_io_new(c->fd, ms->tls, !c->outgoing);
    if (!c->lio) {
        mount_conn_fail(c, "%s", mk_last_error());
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
        mount_conn_fail(c, "%s", "no random bytes for the nonce (OpenSSL)");
        return;
    }
    memcpy(a.pub, ms->key->pub, NODE_KEY_RAW);
    unsigned char *mine = c->auth1[c->outgoing ? 0 : 1];
    link_auth1_write(&a, mine);
    if (!send_all(c, mine, LINK_AUTH1_SIZE)) {
        mount_conn_fail(c, "cannot send AUTH1: %s", strerror(errno));
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
        mount_conn_fail(c, "bad AUTH1: %s", bad ? bad : "short");
        return;
    }
    memcpy(c->auth1[c->outgoing ? 1 : 0], c->in, LINK_AUTH1_SIZE);
    if (link_io_is_tls(c->lio)) {
        unsigned char cert[NODE_KEY_RAW];
        if (!link_io_peer_key(c->lio, cert)) {
            mount_conn_fail(c, "%s", mk_last_error());
            return;
        }
        if (memcmp(cert, c->peer_auth1.pub, NODE_KEY_RAW) != 0) {
            mount_conn_fail(c, "%s",
                            "the key in AUTH1 is not the key of the peer's TLS certificate");
            return;
        }
    }
    unsigned char tr[LINK_TRANSCRIPT_SIZE];
    transcript(c, c->outgoing ? 'C' : 'L', tr);
    link_auth2_t a2 = {.has_hmac = ms->cookie_len > 0};
    if (!link_auth_sign(ms->key->pkey, tr, sizeof tr, a2.sig)) {
        mount_conn_fail(c, "%s", mk_last_error());
        return;
    }
    if (a2.has_hmac)
        link_auth_hmac(ms->cookie, ms->cookie_len, tr, sizeof tr, a2.hmac);
    unsigned char out[LINK_AUTH2_COOKIE];
    size_t n = link_auth2_write(&a2, out);
    if (!send_all(c, out, n)) {
        mount_conn_fail(c, "cannot send AUTH2: %s", strerror(errno));
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
        mount_conn_fail(c, "%s", "short AUTH2");
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
            mount_conn_fail(c, "%s", refuse);
            return;
        }
        if (!sent) {
            mount_conn_fail(c, "cannot send the verdict: %s", strerror(errno));
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
        mount_conn_fail(c, "bad verdict: %s", bad ? bad : "short");
        return;
    }
    if (!v.ok) {
        mount_conn_fail(c, "refused by the peer: %s", v.reason[0] ? v.reason : "no reason given");
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
        mount_conn_fail(c, "%s", c->verdict_why);
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
        mount_conn_fail(c, "peer is not a microkernel node: %s", bad ? bad : "short hello");
        return;
    }
    memcpy(c->hello[c->outgoing ? 1 : 0], c->in, MOUNT_HELLO_SIZE);
    char why[200];
    bool already;
    const char *refuse = check_peer(ms, &c->peer, &already, why, sizeof why);
    if (refuse) {
        mount_conn_fail(c, "%s", refuse);
        return;
    }
    bool ext = c->peer.ext && ms->key;
    if (already) {
        if (c->outgoing) {
            char text[128];
            int tl = snprintf(text, sizeof text, "node=%" PRIu32 "\nname=%s\nalready=1\n",
                              c->peer.node, c->peer.identity);
            mount_tell(ms->rt, ms->svc, c->requester, MSG_MOUNT_OK, text, (size_t)tl);
            mount_conn_close(c);
            return;
        }
        if (ext) {
            /* Answer, so the connector learns who we are and stops. */
            mount_hello_write(c->hello[1], runtime_node_id(ms->rt), ms->svc->info.name, true,
                              our_flags(ms));
            send_all(c, c->hello[1], MOUNT_HELLO_SIZE);
        }
        mount_conn_close(c);
        return;
    }
    if (!ext) {
        original_peer(c);
        return;
    }
    if (!c->outgoing) {
        mount_hello_write(c->hello[1], runtime_node_id(ms->rt), ms->svc->info.name, true,
                          our_flags(ms));
        if (!send_all(c, c->hello[1], MOUNT_HELLO_SIZE)) {
            mount_conn_fail(c, "cannot send the hello: %s", strerror(errno));
            return;
        }
    }
    start_auth(c);
}

/* Drive the connection as far as the bytes at hand allow. */
void mount_conn_step(mconn_t *c)
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
                    mount_conn_fail(c, "peer is not a microkernel node: %s", bad);
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
                mount_conn_fail(c, "%s", mk_last_error());
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
                mount_conn_fail(c, "bad verdict: %s", bad);
                return;
            }
            if (read_some(c, LINK_VERDICT_HDR + rl) <= 0)
                return;
            got_verdict(c);
            break;
        }
        default: return;
        }
        if (c->state == st || c->state == C_FREE)
            return;
    }
}

void mount_send_hello(mconn_t *c)
{
    mount_state_t *ms = c->ms;
    bool ext = ms->key != NULL;
    mount_hello_write(c->hello[0], runtime_node_id(ms->rt), ms->svc->info.name, ext,
                      ext ? our_flags(ms) : 0);
    if (!send_all(c, c->hello[0], MOUNT_HELLO_SIZE)) {
        mount_conn_fail(c, "cannot send the hello: %s", strerror(errno));
        return;
    }
    c->state = C_HELLO;
    c->in_len = 0;
    mk_io_modify(ms->rt, &c->io, EPOLLIN);
}
