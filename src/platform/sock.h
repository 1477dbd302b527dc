/*
 * sock.h -- the one socket-opening loop of the library: walk a getaddrinfo
 * list (or take one address), make a socket, bind it (and listen) or
 * connect it, and keep the first that works. Used by the TCP and UDP
 * transports (src/net), mk_socket's blocking connect (src/http/socket), the
 * HTTP server (src/http), the mount listener and dialer (src/services) and the status
 * port check (src/shell). libc only: errors come back as errno values and
 * the caller words them (mk_fail in the layers above).
 */
#ifndef MK_PLATFORM_SOCK_H
#define MK_PLATFORM_SOCK_H

#include <netdb.h>
#include <sys/socket.h>

/* What mk_sock_open_one() / mk_sock_open_list() do with each socket. */
typedef enum {
    MK_SOCK_BIND,   /* bind only (UDP servers) */
    MK_SOCK_LISTEN, /* SO_REUSEADDR, bind, listen(backlog) */
    MK_SOCK_CONNECT /* connect (retried on EINTR; with SOCK_NONBLOCK, EINPROGRESS is success) */
} mk_sock_role_t;

/*
 * A socket of `family` and `socktype` (SOCK_STREAM or SOCK_DGRAM, possibly
 * or-ed with SOCK_NONBLOCK / SOCK_CLOEXEC) and `protocol` (0: the default),
 * bound, listening or connected to the `addr_len` bytes at `addr` as `role`
 * says (`backlog` is used by MK_SOCK_LISTEN only). Returns the fd (the
 * caller owns it), or -1 with the errno of the failing call in `*err` (the
 * socket is closed then).
 */
int mk_sock_open_one(int family, int socktype, int protocol, const struct sockaddr *addr,
                     socklen_t addr_len, mk_sock_role_t role, int backlog, int *err);

/*
 * mk_sock_open_one() for each entry of the getaddrinfo list `list` in turn
 * (its family, socktype | `type_flags`, protocol and address) until one
 * works. Returns that fd, or -1 with the errno of the last failure in `*err`
 * (EADDRNOTAVAIL for an empty list). The list stays the caller's.
 */
int mk_sock_open_list(const struct addrinfo *list, int type_flags, mk_sock_role_t role, int backlog,
                      int *err);

/* Keepalive of node links (mk_sock_tune_link): a link idle for
 * MK_TCP_KEEPIDLE_S seconds is probed every MK_TCP_KEEPINTVL_S seconds and
 * declared lost after MK_TCP_KEEPCNT unanswered probes (10 + 5 x 3 = 25 s);
 * data left unacknowledged for MK_TCP_USER_TIMEOUT_MS loses it too. A peer
 * that vanished without closing (power cut, cable pulled) is thus noticed
 * within about 30 s, and a restarted peer can mount again. */
#define MK_TCP_KEEPIDLE_S      10
#define MK_TCP_KEEPINTVL_S     5
#define MK_TCP_KEEPCNT         3
#define MK_TCP_USER_TIMEOUT_MS 30000u

/*
 * Set up the connected TCP socket `fd` of a node link: TCP_NODELAY (small
 * frames leave at once), SO_KEEPALIVE with the MK_TCP_KEEP* values above
 * and TCP_USER_TIMEOUT (Linux tcp(7)). Best effort: an option the kernel
 * refuses is left as it was; returns 0 when all were set, else the errno of
 * the first that failed (the socket stays usable either way).
 */
int mk_sock_tune_link(int fd);

#endif
