/*
 * nats_evloop.c -- libnats driven by the runtime's epoll loop (issue 21,
 * docs/scale-out.md "Threads"; cfg.event_loop): the data connection's
 * socket is read and written on the runtime's thread through
 * natsOptions_SetEventLoop, and its subscriptions are synchronous ones
 * whose messages are delivered right after each read, on the same thread
 * and with no queue between: a frame crosses no libnats thread. libnats
 * may still call the attach / write callbacks from its reconnect and ping
 * threads: they only record what changed and wake the loop (eventfd).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "net/nats/nats_internal.h"

/* ---- libnats' callbacks (any thread) ------------------------------------ */

static bool on_loop_thread(const mk_nats_ev_t *ev)
{
    return pthread_equal(pthread_self(), ev->loop_thread);
}

static natsStatus ev_attach(void **user, void *loop, natsConnection *nc, natsSock sock)
{
    (void)nc;
    nats_t *n = loop;
    mk_nats_ev_t *ev = &n->ev;
    pthread_mutex_lock(&ev->mu);
    ev->fd = (int)sock;
    ev->fd_changed = true;
    pthread_mutex_unlock(&ev->mu);
    *user = n;
    if (!on_loop_thread(ev))
        mk_nats_inbox_wake(n->in); /* a reconnect: the loop re-registers the socket */
    return NATS_OK;
}

static natsStatus ev_read(void *user, bool add)
{
    (void)user;
    (void)add; /* the socket is always polled for reading while attached */
    return NATS_OK;
}

static natsStatus ev_write(void *user, bool add)
{
    nats_t *n = user;
    atomic_store(&n->ev.want_write, add);
    if (add && !on_loop_thread(&n->ev))
        mk_nats_inbox_wake(n->in); /* e.g. libnats' PING timer */
    return NATS_OK;
}

static natsStatus ev_detach(void *user)
{
    nats_t *n = user;
    pthread_mutex_lock(&n->ev.mu);
    n->ev.fd = -1;
    n->ev.fd_changed = true;
    pthread_mutex_unlock(&n->ev.mu);
    if (!on_loop_thread(&n->ev))
        mk_nats_inbox_wake(n->in);
    return NATS_OK;
}

natsStatus mk_nats_evloop_options(natsOptions *o, nats_t *n)
{
    return natsOptions_SetEventLoop(o, n, ev_attach, ev_read, ev_write, ev_detach);
}

/* ---- The runtime's side ------------------------------------------------ */

/* Write what libnats buffered; poll for writability while some is left. */
static void write_out(runtime_t *rt, nats_t *n)
{
    mk_nats_ev_t *ev = &n->ev;
    if (atomic_load(&ev->want_write))
        natsConnection_ProcessWriteEvent(n->nc);
    bool more = atomic_load(&ev->want_write);
    if (ev->io.registered && more != ev->out &&
        mk_io_modify(rt, &ev->io, EPOLLIN | (more ? EPOLLOUT : 0)))
        ev->out = more;
}

/* Deliver what synchronous subscription `sub` holds, at most *budget
 * messages and none once a frame is held (asking for the count first: an
 * empty NextMsg records an error, which costs). True when some are left. */
static bool deliver_sub(runtime_t *rt, nats_t *n, natsSubscription *sub, int kind, actor_id_t dest,
                        int *budget)
{
    int msgs = 0;
    natsMsg *m;
    if (natsSubscription_GetPending(sub, &msgs, NULL) != NATS_OK)
        return false;
    for (; msgs > 0 && *budget > 0 && !n->held; msgs--, (*budget)--) {
        if (natsSubscription_NextMsg(&m, sub, 0) != NATS_OK)
            return false;
        mk_nats_handle(rt, n, m, kind, dest);
        mk_nats_msg_done(n, m);
    }
    return msgs > 0;
}

void mk_nats_evloop_deliver(runtime_t *rt, nats_t *n)
{
    int budget = MK_NATS_DRAIN_BUDGET;
    bool more = false;
    if (n->node_sub)
        more = deliver_sub(rt, n, n->node_sub, KIND_NODE, ACTOR_ID_INVALID, &budget);
    /* mk_nats_handle() only queues into mailboxes: no actor runs, so no
     * path is dropped while this walks them. */
    for (size_t i = 0; n->n_paths && i < MK_NATS_PATHS_MAX; i++)
        if (n->paths[i] &&
            deliver_sub(rt, n, n->paths[i]->sub, KIND_PATH, n->paths[i]->id, &budget))
            more = true;
    /* Held: on_space() wakes the inbox. Over budget: come back after the
     * loop's other sources had their turn (what is left stays in libnats'
     * subscriptions, bounded by their pending limits). */
    if (more && !n->held)
        mk_nats_inbox_wake(n->in);
}

static void on_sock(runtime_t *rt, mk_io_t *io, uint32_t events)
{
    nats_t *n = io->ctx;
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        natsConnection_ProcessReadEvent(n->nc);
    write_out(rt, n);
    mk_nats_evloop_deliver(rt, n);
}

void mk_nats_evloop_apply(runtime_t *rt, nats_t *n)
{
    mk_nats_ev_t *ev = &n->ev;
    pthread_mutex_lock(&ev->mu);
    bool changed = ev->fd_changed;
    int fd = ev->fd;
    ev->fd_changed = false;
    pthread_mutex_unlock(&ev->mu);
    if (changed) {
        mk_io_remove(rt, &ev->io);
        ev->out = false;
        if (fd >= 0 && !mk_io_add(rt, &ev->io, fd, EPOLLIN, on_sock, n, false))
            mk_log_limited(rt, &n->lim_out, LOG_WARN, "nats: cannot poll the socket: %s",
                           mk_last_error());
    }
    write_out(rt, n);
}

void mk_nats_evloop_sent(runtime_t *rt, nats_t *n)
{
    /* Written at once, as a direct link does (lowest latency); what the
     * socket does not take is written when the loop sees it writable. */
    write_out(rt, n);
}

void mk_nats_evloop_write(runtime_t *rt, nats_t *n)
{
    write_out(rt, n);
}

/* natsConnection_FlushTimeout() waits for the server's PONG, which only a
 * read on the socket can see: it runs on a helper thread while the
 * caller's thread reads and writes (the loop is not running meanwhile). */
typedef struct {
    natsConnection *nc;
    int timeout_ms;
    natsStatus status;
    atomic_bool done;
} flush_job_t;

static void *flush_thread(void *arg)
{
    flush_job_t *j = arg;
    j->status = natsConnection_FlushTimeout(j->nc, j->timeout_ms);
    atomic_store(&j->done, true);
    return NULL;
}

bool mk_nats_evloop_flush(runtime_t *rt, nats_t *n, int timeout_ms)
{
    flush_job_t job = {.nc = n->nc, .timeout_ms = timeout_ms, .status = NATS_OK};
    atomic_init(&job.done, false);
    pthread_t th;
    if (pthread_create(&th, NULL, flush_thread, &job) != 0)
        return mk_fail("NATS: flush: no thread");
    while (!atomic_load(&job.done)) {
        mk_nats_evloop_apply(rt, n); /* socket (re)registered, output written */
        int fd = n->ev.io.registered ? n->ev.io.fd : -1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (fd >= 0 && poll(&pfd, 1, 2) > 0)
            natsConnection_ProcessReadEvent(n->nc);
        else if (fd < 0)
            usleep(1000);
    }
    pthread_join(th, NULL);
    write_out(rt, n);
    mk_nats_inbox_wake(n->in); /* frames read meanwhile wait in the subscriptions */
    if (job.status != NATS_OK)
        return mk_fail("NATS: flush: %s", natsStatus_GetText(job.status));
    return true;
}

void mk_nats_evloop_stop(runtime_t *rt, nats_t *n)
{
    mk_io_remove(rt, &n->ev.io);
}
