/*
 * http_dns.c -- non-blocking name resolution for actor-level requests,
 * on c-ares driven by the runtime's event loop (its sockets are mk_io
 * sources; its timeouts run on the HTTP deadline tick).
 *
 * IP literals never reach c-ares. A connection closed while its query is in
 * flight is looked up by ID when the answer comes, so nothing dangles.
 * Without c-ares at build time only IP literals and "localhost" resolve.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>

#include "core/alloc_internal.h"
#include "http/http_internal.h"

/* Fill c->addrs from an IP literal or "localhost"; false if `host` is neither. */
static bool literal(http_conn_t *c)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)&c->addrs[0];
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&c->addrs[0];
    memset(&c->addrs[0], 0, sizeof c->addrs[0]);
    if (inet_pton(AF_INET, c->host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(c->port);
        c->addr_lens[0] = sizeof *a4;
        c->n_addrs = 1;
        return true;
    }
    if (inet_pton(AF_INET6, c->host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(c->port);
        c->addr_lens[0] = sizeof *a6;
        c->n_addrs = 1;
        return true;
    }
    if (strcasecmp(c->host, "localhost") == 0) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(c->port);
        a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        c->addr_lens[0] = sizeof *a4;
        c->n_addrs = 1;
        return true;
    }
    return false;
}

#ifdef HAVE_CARES
#include <ares.h>
#include <pthread.h>

typedef struct {
    int fd; /* -1: free */
    mk_io_t io;
} dns_fd_t;

typedef struct {
    ares_channel channel;
    dns_fd_t fds[HTTP_MAX_DNS_FDS];
    size_t in_flight; /* queries not answered yet */
} dns_t;

typedef struct {
    http_rt_t *h;
    http_conn_id_t id;
} query_t;

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_status = ARES_SUCCESS;

static void lib_init(void)
{
    lib_status = ares_library_init(ARES_LIB_INIT_ALL);
}

static void fd_ready(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    (void)rt;
    http_rt_t *h = io->ctx;
    dns_t *d = h->dns;
    int fd = io->fd;
    ares_process_fd(d->channel, events & (EPOLLIN | EPOLLERR | EPOLLHUP) ? fd : ARES_SOCKET_BAD,
                    events & EPOLLOUT ? fd : ARES_SOCKET_BAD);
}

/* c-ares opens, changes or closes one of its sockets. */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    http_rt_t *h = data;
    dns_t *d = h->dns;
    dns_fd_t *slot = NULL, *free_slot = NULL;
    for (int i = 0; i < HTTP_MAX_DNS_FDS; i++) {
        if (d->fds[i].fd == fd)
            slot = &d->fds[i];
        else if (d->fds[i].fd < 0 && !free_slot)
            free_slot = &d->fds[i];
    }
    uint32_t ev = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
    if (!readable && !writable) {
        if (slot) {
            mk_io_remove(h->rt, &slot->io);
            slot->fd = -1;
        }
        return;
    }
    if (slot) {
        mk_io_modify(h->rt, &slot->io, ev);
    } else if (free_slot) {
        if (mk_io_add(h->rt, &free_slot->io, fd, ev, fd_ready, h, true))
            free_slot->fd = fd;
    }
    /* More than HTTP_MAX_DNS_FDS sockets: the query times out on the tick. */
}

static dns_t *dns_get(http_rt_t *h, char *err, size_t errlen)
{
    if (h->dns)
        return h->dns;
    pthread_once(&lib_once, lib_init);
    if (lib_status != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: %s", ares_strerror(lib_status));
        return NULL;
    }
    dns_t *d = mk_calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (int i = 0; i < HTTP_MAX_DNS_FDS; i++)
        d->fds[i].fd = -1;
    struct ares_options o;
    memset(&o, 0, sizeof o);
    o.sock_state_cb = sock_state;
    o.sock_state_cb_data = h;
    o.timeout = 2000;
    o.tries = 2;
    h->dns = d;
    int rc = ares_init_options(&d->channel, &o,
                               ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
    if (rc != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
        h->dns = NULL;
        mk_free(d);
        return NULL;
    }
    return d;
}

static void on_answer(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    (void)timeouts;
    query_t *q = arg;
    http_rt_t *h = q->h;
    dns_t *d = h->dns;
    if (d)
        d->in_flight--;
    http_conn_t *c = status == ARES_EDESTRUCTION ? NULL : conn_find(h, q->id);
    mk_free(q);
    if (!c || c->state != ST_RESOLVING) {
        if (res)
            ares_freeaddrinfo(res);
        return;
    }
    c->n_addrs = 0;
    if (status == ARES_SUCCESS && res) {
        for (struct ares_addrinfo_node *n = res->nodes; n && c->n_addrs < HTTP_MAX_ADDRS;
             n = n->ai_next) {
            if (n->ai_addrlen > sizeof c->addrs[0])
                continue;
            memcpy(&c->addrs[c->n_addrs], n->ai_addr, n->ai_addrlen);
            c->addr_lens[c->n_addrs] = n->ai_addrlen;
            c->n_addrs++;
        }
    }
    if (res)
        ares_freeaddrinfo(res);
    char err[400];
    snprintf(err, sizeof err, "cannot resolve %s: %s", c->host,
             status == ARES_SUCCESS ? "no addresses" : ares_strerror(status));
    client_resolved(h, c, c->n_addrs, err);
}

bool http_dns_resolve(http_rt_t *h, http_conn_t *c, char *err, size_t errlen)
{
    c->state = ST_RESOLVING;
    if (literal(c)) {
        client_resolved(h, c, c->n_addrs, "");
        return true;
    }
    dns_t *d = dns_get(h, err, errlen);
    if (!d)
        return false;
    query_t *q = mk_malloc(sizeof *q);
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    q->h = h;
    q->id = c->id;
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)c->port);
    struct ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    d->in_flight++;
    http_tick_arm(h);
    /* The callback may run before this returns (hosts file, cache). */
    ares_getaddrinfo(d->channel, c->host, service, &hints, on_answer, q);
    return true;
}

bool http_dns_tick(http_rt_t *h)
{
    dns_t *d = h->dns;
    if (!d)
        return false;
    ares_process_fd(d->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    return d->in_flight > 0;
}

void http_dns_destroy(http_rt_t *h)
{
    dns_t *d = h->dns;
    if (!d)
        return;
    ares_destroy(d->channel); /* answers pending queries with ARES_EDESTRUCTION */
    for (int i = 0; i < HTTP_MAX_DNS_FDS; i++)
        if (d->fds[i].fd >= 0)
            mk_io_remove(h->rt, &d->fds[i].io);
    h->dns = NULL;
    mk_free(d);
}

#else /* !HAVE_CARES */

bool http_dns_resolve(http_rt_t *h, http_conn_t *c, char *err, size_t errlen)
{
    c->state = ST_RESOLVING;
    if (literal(c)) {
        client_resolved(h, c, c->n_addrs, "");
        return true;
    }
    snprintf(err, errlen, "cannot resolve %s: built without c-ares (IP literals only)", c->host);
    return false;
}

bool http_dns_tick(http_rt_t *h)
{
    (void)h;
    return false;
}

void http_dns_destroy(http_rt_t *h)
{
    (void)h;
}

#endif
