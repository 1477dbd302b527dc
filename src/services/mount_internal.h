/*
 * mount_internal.h -- the state shared by the two halves of the mount
 * protocol: mount.c (listener, dialling, handshake slots and limits, the
 * /sys/mount-listen actor) and mount_link.c (one connection's handshake:
 * hello, TLS, AUTH1/AUTH2/VERDICT, hand-over to the node link). Private to
 * src/services; everything runs on the runtime's thread.
 */
#ifndef MK_SERVICES_MOUNT_INTERNAL_H
#define MK_SERVICES_MOUNT_INTERNAL_H

#include "core/log_limit.h"
#include "net/link_auth.h"
#include "net/link_tls.h"
#include "net/node_key.h"
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
    mk_log_limit_t lim_refused, lim_auth, lim_full, lim_source, lim_insecure, lim_auto;
    mconn_t conns[MOUNT_MAX_PENDING];
} mount_state_t;

/* mount.c ---------------------------------------------------------------- */

/* Free the slot of `c`: unwatch and close its socket, free its I/O. */
void mount_conn_close(mconn_t *c);
/* Fail the handshake of `c` with printf(fmt, detail): tell its requester
 * (MSG_MOUNT_ERROR) when we dialled, log (rate-limited when it came in),
 * then mount_conn_close(). */
void mount_conn_fail(mconn_t *c, const char *fmt, const char *detail);
/* Send `type` with `text` from the mount actor to `to` (none when 0). */
void mount_tell(runtime_t *rt, svc_t *s, actor_id_t to, msg_type_t type, const char *text,
                size_t len);
/* "node 3 (linux-ab12) at 10.0.0.7", or the address before the hello. */
void mount_peer_label(const mconn_t *c, char *out, size_t len);

/* mount_link.c ----------------------------------------------------------- */

/* The connector's socket is connected: send our hello, wait for theirs. */
void mount_send_hello(mconn_t *c);
/* Drive the handshake of `c` as far as the bytes at hand allow; it ends
 * with the link added (adopted) or mount_conn_fail()/mount_conn_close(). */
void mount_conn_step(mconn_t *c);

#endif
