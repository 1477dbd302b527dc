/*
 * wasi_poll.c -- poll_oneoff and the sock_* calls of the WASI preview1 host
 * (mk-wasm, WASM actors). poll_oneoff waits with ppoll(2) for the earliest clock
 * subscription or the first ready fd subscription (clock deadlines are
 * kept on CLOCK_MONOTONIC; an absolute realtime deadline is converted once);
 * an embedder that must not block (a WASM actor) gets the wait through its
 * hooks instead and calls mk_wasi_poll_finish() when it is over. Sockets are those given with
 * --listen-fd and what sock_accept returns from them; preview1 has no socket creation, connect or
 * bind.
 */
#include "wasm/wasi/wasi_int.h"

#include "core/alloc_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* Subscriptions per poll_oneoff call: more is INVAL (bounds host memory). */
#define WASI_MAX_SUBS 4096

enum { EV_CLOCK = 0, EV_FD_READ = 1, EV_FD_WRITE = 2 };

typedef struct sub {
    uint64_t userdata;
    uint8_t tag;
    uint16_t error;    /* set: an immediate event with this error */
    uint64_t deadline; /* clocks: CLOCK_MONOTONIC ns */
    int host;          /* fds: host fd, index into pollfds */
    int pidx;
    uint8_t type; /* fds: the guest fd's file type */
} sub_t;

static uint64_t now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void put_event(uint8_t *out, const sub_t *s, uint16_t error, uint64_t nbytes, uint16_t flags)
{
    uint8_t e[32] = {0};
    memcpy(e, &s->userdata, 8);
    memcpy(e + 8, &error, 2);
    e[10] = s->tag;
    memcpy(e + 16, &nbytes, 8);
    memcpy(e + 24, &flags, 2);
    memcpy(out, e, 32);
}

/* Bytes readable now on a host fd (0 when unknown). */
static uint64_t readable(int fd, uint8_t type)
{
    if (type == FT_FILE) {
        struct stat st;
        off_t pos = lseek(fd, 0, SEEK_CUR);
        if (fstat(fd, &st) == 0 && pos >= 0 && st.st_size > pos)
            return (uint64_t)(st.st_size - pos);
        return 0;
    }
    int n = 0;
    return ioctl(fd, FIONREAD, &n) == 0 && n > 0 ? (uint64_t)n : 0;
}

/* Write the event of every subscription in subs[0..n) that is due at
 * CLOCK_MONOTONIC `t` (an immediate error, a clock past its deadline -- or
 * at `earliest` when `fire_earliest` --, an fd whose pollfd has revents)
 * into `out`, 32 bytes each; their count. */
static uint32_t collect(const sub_t *subs, uint32_t n, const struct pollfd *pfds, uint64_t t,
                        bool fire_earliest, uint64_t earliest, uint8_t *out)
{
    uint32_t nev = 0;
    for (uint32_t i = 0; i < n; i++) {
        const sub_t *u = &subs[i];
        if (u->error) {
            put_event(out + 32ull * nev++, u, u->error, 0, 0);
        } else if (u->tag == EV_CLOCK) {
            if (u->deadline <= t || (fire_earliest && u->deadline == earliest))
                put_event(out + 32ull * nev++, u, 0, 0, 0);
        } else if (u->pidx >= 0 && pfds[u->pidx].revents) {
            short re = pfds[u->pidx].revents;
            uint16_t flags = (re & POLLHUP) ? 1 : 0; /* fd_readwrite_hangup */
            uint16_t err = (re & POLLNVAL) ? E_BADF : 0;
            uint64_t nb = u->tag == EV_FD_READ ? readable(u->host, u->type) : 0;
            put_event(out + 32ull * nev++, u, err, nb, flags);
        }
    }
    return nev;
}

/* A poll_oneoff suspended in hooks.poll: its subscriptions as parsed at
 * the call (relative clocks stay relative to the call), until
 * mk_wasi_poll_finish(). */
struct wasi_poll_wait {
    sub_t *subs;
    struct pollfd *pfds; /* one per fd subscription (sub_t.pidx) */
    struct pollfd *host; /* merged per host fd: what hooks.poll waits for */
    uint32_t n, npfd, nhost;
    uint32_t out, nevents; /* guest addresses of the events and their count */
    uint64_t earliest;     /* earliest clock deadline, UINT64_MAX: none */
};

void wasi_poll_wait_free(struct wasi_poll_wait *p)
{
    if (!p)
        return;
    mk_free(p->subs);
    mk_free(p->pfds);
    mk_free(p->host);
    mk_free(p);
}

/* Nothing was ready: keep the subscriptions and hand the host fds to the
 * embedder's poll hook (takes `subs` and `pfds`). */
static wasm_status_t suspend(mk_wasi_t *w, wasm_instance_t *inst, sub_t *subs, struct pollfd *pfds,
                             uint32_t n, uint32_t npfd, uint64_t earliest, const wasm_value_t *args,
                             wasm_value_t *results)
{
    wasi_poll_wait_free(w->poll_wait); /* one left by an aborted execution */
    w->poll_wait = NULL;
    w->io_wait.active = false;
    struct wasi_poll_wait *p = mk_calloc(1, sizeof *p);
    struct pollfd *host = mk_calloc(npfd, sizeof *host);
    if (!p || !host) {
        mk_free(p);
        mk_free(host);
        mk_free(subs);
        mk_free(pfds);
        RET(E_NOMEM);
    }
    uint32_t nhost = 0;
    for (uint32_t i = 0; i < npfd; i++) {
        uint32_t j = 0;
        while (j < nhost && host[j].fd != pfds[i].fd)
            j++;
        if (j == nhost)
            host[nhost++].fd = pfds[i].fd;
        host[j].events |= pfds[i].events;
    }
    *p = (struct wasi_poll_wait){subs,  pfds,        host,        n,       npfd,
                                 nhost, args[1].u32, args[3].u32, earliest};
    w->poll_wait = p;
    results[0].u64 = 0;
    errno = 0;
    wasm_status_t st = w->hooks.poll(w->hooks.ctx, inst, host, nhost, earliest);
    if (st == WASM_STATUS_SUSPENDED)
        return st;
    int e = errno ? errno : EIO;
    wasi_poll_wait_free(p);
    w->poll_wait = NULL;
    RET(wasi_errno(e));
}

int mk_wasi_poll_finish(mk_wasi_t *w, wasm_instance_t *inst, bool *again)
{
    *again = false;
    if (w->io_wait.active)
        return wasi_io_retry(w, inst, again);
    struct wasi_poll_wait *p = w->poll_wait;
    if (!p)
        return E_INVAL;
    struct timespec zero = {0, 0};
    int r;
    do
        r = ppoll(p->pfds, p->npfd, &zero, NULL);
    while (r < 0 && errno == EINTR);
    int err = r < 0 ? wasi_errno(errno) : E_SUCCESS;
    uint8_t *out = wasi_mem(inst, p->out, 32ull * p->n);
    if (!err && (!out || !wasi_mem(inst, p->nevents, 4)))
        err = E_FAULT;
    if (!err) {
        uint32_t nev =
            collect(p->subs, p->n, p->pfds, now_ns(CLOCK_MONOTONIC), false, p->earliest, out);
        if (nev == 0) { /* drained meanwhile: wait again */
            errno = 0;
            if (w->hooks.poll(w->hooks.ctx, inst, p->host, p->nhost, p->earliest) ==
                WASM_STATUS_SUSPENDED) {
                *again = true;
                return E_SUCCESS;
            }
            err = wasi_errno(errno ? errno : EIO);
        } else {
            wasi_put_u32(inst, p->nevents, nev);
        }
    }
    wasi_poll_wait_free(p);
    w->poll_wait = NULL;
    return err;
}

HOSTFN(wasi_poll_oneoff)
{
    mk_wasi_t *w = wasi_ctx(inst, user);
    uint32_t n = args[2].u32;
    if (n == 0 || n > WASI_MAX_SUBS)
        RET(E_INVAL);
    const uint8_t *in = wasi_mem(inst, args[0].u32, 48ull * n);
    uint8_t *out = wasi_mem(inst, args[1].u32, 32ull * n);
    if (!in || !out || !wasi_mem(inst, args[3].u32, 4))
        RET(E_FAULT);
    sub_t *subs = mk_calloc(n, sizeof *subs);
    struct pollfd *pfds = mk_calloc(n, sizeof *pfds);
    if (!subs || !pfds) {
        mk_free(subs);
        mk_free(pfds);
        RET(E_NOMEM);
    }
    uint64_t mono = now_ns(CLOCK_MONOTONIC), earliest = UINT64_MAX;
    uint32_t npfd = 0, nimmediate = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = in + 48ull * i;
        sub_t *u = &subs[i];
        memcpy(&u->userdata, s, 8);
        u->tag = s[8];
        u->pidx = -1;
        if (u->tag == EV_CLOCK) {
            uint32_t id;
            uint64_t timeout;
            uint16_t flags;
            memcpy(&id, s + 16, 4);
            memcpy(&timeout, s + 24, 8);
            memcpy(&flags, s + 40, 2);
            if (id > 3 || (flags & ~1u)) {
                u->error = E_INVAL;
                nimmediate++;
                continue;
            }
            uint64_t rel = timeout;
            if (flags & 1) { /* absolute on clock `id` */
                static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC,
                                                CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
                uint64_t t = now_ns(ids[id]);
                rel = timeout > t ? timeout - t : 0;
            }
            u->deadline = rel > UINT64_MAX - mono ? UINT64_MAX : mono + rel;
            if (u->deadline < earliest)
                earliest = u->deadline;
        } else if (u->tag == EV_FD_READ || u->tag == EV_FD_WRITE) {
            int32_t fd;
            int err;
            memcpy(&fd, s + 16, 4);
            wasi_fd_t *f = wasi_fd(w, fd, R_POLL_FD_READWRITE, &err);
            if (!f) {
                u->error = (uint16_t)err;
                nimmediate++;
                continue;
            }
            u->host = f->host;
            u->type = f->type;
            u->pidx = (int)npfd;
            pfds[npfd].fd = f->host;
            pfds[npfd].events = u->tag == EV_FD_READ ? POLLIN : POLLOUT;
            npfd++;
        } else {
            u->error = E_INVAL;
            nimmediate++;
        }
    }
    if (w->hooks.poll && npfd > MK_WASI_EMBED_POLL_FDS) {
        mk_free(subs);
        mk_free(pfds);
        RET(E_NOTSUP);
    }
    int ready = 0;
    bool nowait = w->hooks.sleep != NULL; /* an embedder's loop must not block */
    for (;;) {
        struct timespec ts = {0, 0}, *tp = NULL;
        if (nowait) {
            if (!npfd)
                break; /* clocks only: nothing to check now */
            tp = &ts;
        } else if (!nimmediate && earliest != UINT64_MAX) {
            uint64_t t = now_ns(CLOCK_MONOTONIC), rel = earliest > t ? earliest - t : 0;
            ts.tv_sec = (time_t)(rel / 1000000000ull);
            ts.tv_nsec = (long)(rel % 1000000000ull);
            tp = &ts;
        } else if (nimmediate) {
            tp = &ts;
        }
        if (!npfd && !tp) { /* nothing could ever happen */
            mk_free(subs);
            mk_free(pfds);
            RET(E_INVAL);
        }
        ready = ppoll(npfd ? pfds : NULL, npfd, tp, NULL);
        if (ready >= 0 || errno != EINTR)
            break;
    }
    if (ready < 0) {
        int e = errno;
        mk_free(subs);
        mk_free(pfds);
        RET(wasi_errno(e));
    }
    uint32_t nev = collect(subs, n, pfds, now_ns(CLOCK_MONOTONIC), !nowait && ready == 0 && !npfd,
                           earliest, out);
    if (nowait && nev == 0) {
        if (w->hooks.poll && npfd) /* wait in the embedder's loop */
            return suspend(w, inst, subs, pfds, n, npfd, earliest, args, results);
        for (uint32_t i = 0; i < n; i++) /* what fires at the deadline */
            if (subs[i].tag == EV_CLOCK && subs[i].deadline == earliest)
                put_event(out + 32ull * nev++, &subs[i], 0, 0, 0);
        mk_free(subs);
        mk_free(pfds);
        if (earliest == UINT64_MAX)
            RET(E_AGAIN); /* fds only, none ready: the guest cannot wait here */
        wasi_put_u32(inst, args[3].u32, nev);
        results[0].u64 = 0;
        return w->hooks.sleep(w->hooks.ctx, inst, earliest);
    }
    if (nev == 0) /* ppoll timed out a hair early by our clock: the earliest clock fired */
        for (uint32_t i = 0; i < n && !nev; i++)
            if (subs[i].tag == EV_CLOCK && subs[i].deadline == earliest)
                put_event(out, &subs[i], 0, 0, 0), nev = 1;
    mk_free(subs);
    mk_free(pfds);
    wasi_put_u32(inst, args[3].u32, nev);
    RET(E_SUCCESS);
}

static wasi_fd_t *sock(wasm_instance_t *inst, void *user, int32_t fd, uint64_t rights, int *err)
{
    wasi_fd_t *f = wasi_fd(wasi_ctx(inst, user), fd, 0, err);
    if (!f)
        return NULL;
    if (f->type != FT_SOCK_STREAM && f->type != FT_SOCK_DGRAM) {
        *err = E_NOTSOCK;
        return NULL;
    }
    if ((f->base & rights) != rights) {
        *err = E_NOTCAPABLE;
        return NULL;
    }
    return f;
}

HOSTFN(wasi_sock_accept)
{
    mk_wasi_t *w = wasi_ctx(inst, user);
    int err;
    wasi_fd_t *f = sock(inst, user, args[0].i32, R_SOCK_ACCEPT, &err);
    if (!f)
        RET(err);
    if (args[1].u32 & ~(uint32_t)FDF_NONBLOCK)
        RET(E_INVAL);
    if (!wasi_mem(inst, args[2].u32, 4))
        RET(E_FAULT);
    int slot = wasi_fd_alloc(w);
    if (slot < 0)
        RET(E_MFILE);
    int h;
    do
        h = accept4(f->host, NULL, NULL,
                    SOCK_CLOEXEC | ((args[1].u32 & FDF_NONBLOCK) ? SOCK_NONBLOCK : 0));
    while (h < 0 && errno == EINTR);
    if (h < 0)
        RET(wasi_errno(errno));
    wasi_fd_t *c = &w->fds[slot];
    c->open = true;
    c->own = true;
    c->host = h;
    c->type = FT_SOCK_STREAM;
    c->flags = (uint16_t)(args[1].u32 & FDF_NONBLOCK);
    c->base = f->inh;
    c->inh = 0;
    wasi_put_u32(inst, args[2].u32, (uint32_t)slot);
    RET(E_SUCCESS);
}

HOSTFN(wasi_sock_recv)
{
    int err;
    wasi_fd_t *f = sock(inst, user, args[0].i32, R_FD_READ, &err);
    if (!f)
        RET(err);
    uint32_t n = args[2].u32, fl = args[3].u32;
    if (n > WASI_MAX_IOVS || (fl & ~3u))
        RET(E_INVAL);
    if (!wasi_mem(inst, args[4].u32, 4) || !wasi_mem(inst, args[5].u32, 2))
        RET(E_FAULT);
    struct iovec *iov = mk_calloc(n ? n : 1, sizeof *iov);
    if (!iov)
        RET(E_NOMEM);
    err = wasi_gather(inst, args[1].u32, n, iov);
    if (err) {
        mk_free(iov);
        RET(err);
    }
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = n};
    ssize_t k;
    do
        k = recvmsg(f->host, &m, ((fl & 1) ? MSG_PEEK : 0) | ((fl & 2) ? MSG_WAITALL : 0));
    while (k < 0 && errno == EINTR);
    mk_free(iov);
    if (k < 0)
        RET(wasi_errno(errno));
    uint16_t ro = (m.msg_flags & MSG_TRUNC) ? 1 : 0; /* recv_data_truncated */
    wasi_put_u32(inst, args[4].u32, (uint32_t)k);
    wasm_memory_write(inst, args[5].u32, &ro, 2);
    RET(E_SUCCESS);
}

HOSTFN(wasi_sock_send)
{
    int err;
    wasi_fd_t *f = sock(inst, user, args[0].i32, R_FD_WRITE, &err);
    if (!f)
        RET(err);
    uint32_t n = args[2].u32;
    if (n > WASI_MAX_IOVS || args[3].u32 != 0) /* siflags: none defined */
        RET(E_INVAL);
    if (!wasi_mem(inst, args[4].u32, 4))
        RET(E_FAULT);
    struct iovec *iov = mk_calloc(n ? n : 1, sizeof *iov);
    if (!iov)
        RET(E_NOMEM);
    err = wasi_gather(inst, args[1].u32, n, iov);
    if (err) {
        mk_free(iov);
        RET(err);
    }
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = n};
    ssize_t k;
    do
        k = sendmsg(f->host, &m, MSG_NOSIGNAL);
    while (k < 0 && errno == EINTR);
    mk_free(iov);
    if (k < 0)
        RET(wasi_errno(errno));
    wasi_put_u32(inst, args[4].u32, (uint32_t)k);
    RET(E_SUCCESS);
}

HOSTFN(wasi_sock_shutdown)
{
    (void)inst;
    int err;
    wasi_fd_t *f = sock(inst, user, args[0].i32, R_SOCK_SHUTDOWN, &err);
    if (!f)
        RET(err);
    static const int how[] = {-1, SHUT_RD, SHUT_WR, SHUT_RDWR};
    if (args[1].u32 < 1 || args[1].u32 > 3)
        RET(E_INVAL);
    RET(shutdown(f->host, how[args[1].u32]) == 0 ? E_SUCCESS : wasi_errno(errno));
}
