/*
 * bench_nats.c -- cross-node figures through NATS beside a direct TCP link
 * in the same run (issue 21, docs/scale-out.md "Numbers"): ping-pong round
 * trips per second (0- and 64-byte payloads), one-way throughput of 4 KiB
 * messages (window of 256, acknowledged every 64), and a fan-out round of
 * one message to each of 50 nodes and their 50 answers. NATS is measured
 * twice: with libnats' own threads (the default) and with the connection
 * driven by the runtime's epoll loop (mk_nats_config_t.event_loop).
 * Distributed Erlang (bench/net/net_pingpong.erl, -sname, +S 1) runs the
 * same ping-pong in the same run when erl/erlc are installed, and the
 * server's floor (two raw protocol connections, no library) shows what any
 * client could reach through the same nats-server. One local
 * nats-server is started and stopped here (tests/nats/nats_server.h). The
 * far node is this program run again with --peer (exec, so no process
 * forks with libnats' threads running).
 *
 * Usage: bench_nats [round_trips] [bulk_messages] [repeats]; prints
 * medians of `repeats` runs. Never a pass/fail test.
 */
#include <arpa/inet.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_stats.h"
#include "microkernel/nats.h"
#include "microkernel/node.h"
#include "microkernel/runtime.h"
#include "microkernel/transport_tcp.h"
#include "nats/nats_server.h"

enum { T_START = 1, T_PING, T_PONG, T_DATA, T_ACK, T_DONE };

#define BULK_SIZE   4096
#define BULK_WINDOW 256
#define BULK_ACK    64
#define FANOUT      50

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the far node ----------------------------------------------------- */

typedef struct {
    long received, expected;
} sink_t;

/* Echoes pings; counts bulk data and acknowledges it. */
static bool far_fn(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    sink_t *s = state;
    if (msg->type == T_PING)
        actor_send(rt, msg->source, T_PONG, msg->payload, msg->payload_size);
    else if (msg->type == T_START) {
        memcpy(&s->expected, msg->payload, sizeof s->expected);
        s->received = 0;
    } else if (msg->type == T_DATA) {
        if (++s->received == s->expected)
            actor_send(rt, msg->source, T_DONE, NULL, 0);
        else if (s->received % BULK_ACK == 0)
            actor_send(rt, msg->source, T_ACK, NULL, 0);
    }
    return true;
}

/* NATS cases whose name ends in "loop" drive the connection from the
 * runtime's loop. */
static bool loop_kind(const char *kind)
{
    size_t n = strlen(kind);
    return n > 4 && !strcmp(kind + n - 4, "loop");
}

/* --peer tcp | --peer nats[loop] URL | --peer fanout[loop] URL: print
 * "<port> <ids...>" and serve until killed. */
static int run_peer(int argc, char **argv)
{
    bool fan = !strncmp(argv[2], "fanout", 6);
    int count = fan ? FANOUT : 1;
    static runtime_t *rts[FANOUT];
    static sink_t sinks[FANOUT];
    uint16_t port = 0;
    for (int i = 0; i < count; i++) {
        rts[i] = runtime_init((node_id_t)(2 + i), 16);
        if (!strcmp(argv[2], "tcp")) {
            transport_t *l = transport_tcp_listen("127.0.0.1", 0, 1);
            port = transport_tcp_port(l);
            runtime_add_transport(rts[i], l);
        } else {
            mk_nats_config_t cfg = {.servers = argc > 3 ? argv[3] : "",
                                    .event_loop = loop_kind(argv[2])};
            if (!runtime_attach_nats(rts[i], &cfg)) {
                fprintf(stderr, "peer: %s\n", mk_last_error());
                return 1;
            }
        }
    }
    printf("%u", port);
    for (int i = 0; i < count; i++)
        printf(" %llu", (unsigned long long)actor_spawn(rts[i], far_fn, &sinks[i], NULL, 8192));
    printf("\n");
    fflush(stdout);
    if (count == 1)
        runtime_run(rts[0]);
    else
        for (;;)
            for (int i = 0; i < count; i++)
                runtime_step(rts[i]);
    return 0;
}

/* ---- the measuring node ------------------------------------------------ */

typedef struct {
    actor_id_t peer[FANOUT];
    int peers;
    long n, done, sent, failures;
    size_t size;
    unsigned char payload[BULK_SIZE];
    double t0, t1;
} driver_t;

static bool pinger(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    driver_t *d = state;
    if (msg->type == T_PONG && ++d->done == d->n / 10)
        d->t0 = now_s(); /* the first tenth warms up */
    if (msg->type == T_PONG && d->done == d->n) {
        d->t1 = now_s();
        runtime_stop(rt);
        return true;
    }
    if (msg->type == T_START || msg->type == T_PONG)
        if (!actor_send(rt, d->peer[0], T_PING, d->payload, d->size))
            d->failures++;
    return true;
}

static void bulk_send(runtime_t *rt, driver_t *d, long count)
{
    for (long i = 0; i < count && d->sent < d->n; i++, d->sent++)
        if (!actor_send(rt, d->peer[0], T_DATA, d->payload, BULK_SIZE))
            d->failures++;
}

static bool bulker(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    driver_t *d = state;
    if (msg->type == T_START) {
        actor_send(rt, d->peer[0], T_START, &d->n, sizeof d->n);
        d->t0 = now_s();
        bulk_send(rt, d, BULK_WINDOW);
    } else if (msg->type == T_ACK)
        bulk_send(rt, d, BULK_ACK);
    else if (msg->type == T_DONE) {
        d->t1 = now_s();
        runtime_stop(rt);
    }
    return true;
}

/* One round: a ping to each of the peers; the next round when all answered. */
static bool fanner(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    driver_t *d = state;
    if (msg->type == T_PONG && ++d->done % d->peers != 0)
        return true;
    if (msg->type == T_PONG && d->done / d->peers == d->n) {
        d->t1 = now_s();
        runtime_stop(rt);
        return true;
    }
    if (msg->type == T_START)
        d->t0 = now_s();
    for (int i = 0; i < d->peers; i++)
        if (!actor_send(rt, d->peer[i], T_PING, NULL, 0))
            d->failures++;
    return true;
}

static const char *self_exe;
static char nats_url[64];

/* Run the far side (`kind`), then `local` on node 1; seconds measured. */
static double run_case(const char *kind, actor_behavior_fn local, driver_t *d)
{
    int out[2];
    if (pipe(out) != 0)
        exit(1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        execl(self_exe, self_exe, "--peer", kind, nats_url, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    unsigned port = 0;
    d->peers = 0;
    if (fscanf(f, "%u", &port) != 1) {
        fprintf(stderr, "bench_nats: peer did not come up\n");
        exit(1);
    }
    unsigned long long id;
    while (d->peers < FANOUT && fscanf(f, " %llu", &id) == 1) {
        d->peer[d->peers++] = (actor_id_t)id;
        if (strncmp(kind, "fanout", 6) != 0)
            break;
    }
    runtime_t *rt = runtime_init(1, 16);
    if (!strcmp(kind, "tcp")) {
        runtime_add_transport(rt, transport_tcp_connect("127.0.0.1", (uint16_t)port, 2));
        double end = now_s() + 10;
        while (!node_is_connected(rt, 2) && now_s() < end)
            runtime_step(rt);
    } else {
        mk_nats_config_t cfg = {.servers = nats_url, .event_loop = loop_kind(kind)};
        if (!runtime_attach_nats(rt, &cfg)) {
            fprintf(stderr, "bench_nats: %s\n", mk_last_error());
            exit(1);
        }
    }
    actor_id_t a = actor_spawn(rt, local, d, NULL, 8192);
    actor_send(rt, a, T_START, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fclose(f);
    if (d->failures)
        printf("    (%ld sends failed)\n", d->failures);
    return d->t1 - d->t0;
}

static double pingpong(const char *kind, size_t size, long n)
{
    driver_t *d = calloc(1, sizeof *d);
    d->n = n;
    d->size = size;
    double s = run_case(kind, pinger, d);
    free(d);
    return (double)(n - n / 10) / s;
}

static double bulk(const char *kind, long n)
{
    driver_t *d = calloc(1, sizeof *d);
    d->n = n;
    memset(d->payload, 0x5A, sizeof d->payload);
    double s = run_case(kind, bulker, d);
    free(d);
    return (double)n * BULK_SIZE / s / 1e6;
}

static double fanout(const char *kind, long rounds)
{
    driver_t *d = calloc(1, sizeof *d);
    d->n = rounds;
    double s = run_case(kind, fanner, d);
    free(d);
    return (double)rounds / s;
}

/* ---- the server's floor ------------------------------------------------ */

/* Read from `fd` until the buffer ends a message of `want` bytes of
 * payload ("MSG ...\r\n" + payload + "\r\n"); false on error or EOF. */
static bool raw_read_msg(int fd, size_t want)
{
    char buf[512];
    size_t have = 0;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - have);
        if (r <= 0)
            return false;
        have += (size_t)r;
        char *nl = memchr(buf, '\n', have);
        if (nl && !strncmp(buf, "PING", 4)) { /* the server's keep-alive */
            if (write(fd, "PONG\r\n", 6) != 6)
                return false;
            have -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, have);
            continue;
        }
        if (nl && have >= (size_t)(nl + 1 - buf) + want + 2)
            return true;
        if (have == sizeof buf)
            return false;
    }
}

static int raw_connect(int port, const char *sub)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    char buf[4096];
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        read(fd, buf, sizeof buf) <= 0) /* INFO */
        exit(1);
    int len =
        snprintf(buf, sizeof buf,
                 "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB %s 1\r\nPING\r\n", sub);
    if (write(fd, buf, (size_t)len) != len || read(fd, buf, sizeof buf) <= 0) /* PONG */
        exit(1);
    return fd;
}

/* What any client could reach through this server: two raw protocol
 * connections in one process, blocking reads, no library, `size`-byte
 * payloads (a frame's 28-byte header included, as the nodes send). The
 * same four socket hops and two server passes per round trip as the
 * nodes' ping-pong. */
static double raw_floor(int port, size_t size, long n)
{
    int a = raw_connect(port, "mkraw.a"), b = raw_connect(port, "mkraw.b");
    char pa[256], pb[256];
    char payload[128];
    memset(payload, 'x', sizeof payload);
    size += 28;
    int la = snprintf(pa, sizeof pa, "PUB mkraw.b %zu\r\n%.*s\r\n", size, (int)size, payload);
    int lb = snprintf(pb, sizeof pb, "PUB mkraw.a %zu\r\n%.*s\r\n", size, (int)size, payload);
    double t0 = 0;
    for (long i = 0; i < n; i++) {
        if (i == n / 10)
            t0 = now_s();
        if (write(a, pa, (size_t)la) != la || !raw_read_msg(b, size) ||
            write(b, pb, (size_t)lb) != lb || !raw_read_msg(a, size))
            exit(1);
    }
    double rate = (double)(n - n / 10) / (now_s() - t0);
    close(a);
    close(b);
    return rate;
}

/* ---- distributed Erlang (as bench/net) ---------------------------------- */

/* Ping-pong of `size`-byte binaries between two Erlang nodes (-sname,
 * +S 1); false when erl/erlc are missing or the run fails. */
static bool erlang_pingpong(size_t size, long n, double *rate)
{
    char dir[] = "/tmp/mk-bench-nats-erl-XXXXXX";
    if (!mkdtemp(dir))
        return false;
    char cmd[1024];
    bool ok = false;
    snprintf(cmd, sizeof cmd, "erlc -o %s %s/net_pingpong.erl >/dev/null 2>&1", dir,
             MK_BENCH_NET_DIR);
    if (system(cmd) == 0) {
        char host[256];
        gethostname(host, sizeof host);
        host[sizeof host - 1] = '\0';
        host[strcspn(host, ".")] = '\0';
        char pong_name[64], ping_name[64];
        snprintf(pong_name, sizeof pong_name, "mknpong%d_%zu", (int)getpid(), size);
        snprintf(ping_name, sizeof ping_name, "mknping%d_%zu", (int)getpid(), size);
        fflush(stdout);
        pid_t pong = fork();
        if (pong == 0) {
            if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
                _exit(127);
            execlp("erl", "erl", "-sname", pong_name, "-setcookie", "mkbench", "+S", "1",
                   "-noshell", "-pa", dir, "-eval", "net_pingpong:pong().", (char *)NULL);
            _exit(127);
        }
        usleep(1500000); /* the pong node registers its name */
        snprintf(cmd, sizeof cmd,
                 "erl -sname %s -setcookie mkbench +S 1 -noshell -pa %s -eval "
                 "\"net_adm:ping('%s@%s'), timer:sleep(200), net_pingpong:ping('%s@%s', %ld, "
                 "%zu), halt().\" 2>/dev/null",
                 ping_name, dir, pong_name, host, pong_name, host, n, size);
        FILE *p = popen(cmd, "r");
        char line[256];
        while (p && fgets(line, sizeof line, p)) {
            size_t sz;
            double r;
            if (sscanf(line, "erlang size=%zu roundtrips_per_s=%lf", &sz, &r) == 2) {
                *rate = r;
                ok = true;
            }
        }
        if (p)
            pclose(p);
        kill(pong, SIGTERM);
        waitpid(pong, NULL, 0);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return ok;
    return ok;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--peer"))
        return run_peer(argc, argv);
    self_exe = "/proc/self/exe";
    long n = argc > 1 ? atol(argv[1]) : 20000;
    long bulk_n = argc > 2 ? atol(argv[2]) : 20000;
    int repeats = argc > 3 ? atoi(argv[3]) : 3;
    if (n < 20 || bulk_n < BULK_WINDOW || repeats < 1 || repeats > BENCH_MAX_REPEATS) {
        fprintf(stderr, "usage: bench_nats [round_trips>=20] [bulk>=256] [repeats 1..%d]\n",
                BENCH_MAX_REPEATS);
        return 2;
    }
    nats_server_t srv;
    if (!nats_server_start(&srv, NULL))
        return 1;
    snprintf(nats_url, sizeof nats_url, "%s", srv.url);
    /* pp: ping-pong [size 0/64][tcp, nats, nats loop, erlang]; bk: bulk
     * [tcp, nats, nats loop]; fo: fan-out [nats, nats loop]. Repeats
     * interleave the cases so each sees the same machine load. */
    static const char *const kinds[3] = {"tcp", "nats", "natsloop"};
    static const size_t sizes[2] = {0, 64};
    double pp[2][4][BENCH_MAX_REPEATS], bk[3][BENCH_MAX_REPEATS], fo[2][BENCH_MAX_REPEATS];
    double floor_rt[2][BENCH_MAX_REPEATS];
    int erl_ok[2] = {0, 0};
    for (int r = 0; r < repeats; r++) {
        for (int z = 0; z < 2; z++) {
            for (int k = 0; k < 3; k++)
                pp[z][k][r] = pingpong(kinds[k], sizes[z], n);
            floor_rt[z][r] = raw_floor(srv.port, sizes[z], n);
            pp[z][3][r] = 0;
            if (erlang_pingpong(sizes[z], n, &pp[z][3][r]))
                erl_ok[z]++;
        }
        for (int k = 0; k < 3; k++)
            bk[k][r] = bulk(kinds[k], bulk_n);
        fo[0][r] = fanout("fanout", n / 50 > 10 ? n / 50 : 10);
        fo[1][r] = fanout("fanoutloop", n / 50 > 10 ? n / 50 : 10);
    }
    printf("bench_nats: medians of %d repeats, one local nats-server %s\n", repeats, srv.url);
    for (int z = 0; z < 2; z++) {
        double m[4];
        for (int k = 0; k < 4; k++)
            m[k] = bench_median(pp[z][k], repeats);
        printf("  ping-pong %2zu B  direct tcp %8.0f rt/s  nats %8.0f rt/s (%4.1f %%)  "
               "nats loop %8.0f rt/s (%4.1f %% of tcp)\n",
               sizes[z], m[0], m[1], 100 * m[1] / m[0], m[2], 100 * m[2] / m[0]);
        double fl = bench_median(floor_rt[z], repeats);
        printf("  ping-pong %2zu B  server floor (raw protocol, no library) %8.0f rt/s  "
               "nats loop %4.1f %% of it\n",
               sizes[z], fl, 100 * m[2] / fl);
        if (erl_ok[z] == repeats)
            printf("  ping-pong %2zu B  erlang dist (+S 1) %8.0f rt/s  nats / erlang %.2fx  "
                   "nats loop / erlang %.2fx\n",
                   sizes[z], m[3], m[1] / m[3], m[2] / m[3]);
        else
            printf("  ping-pong %2zu B  erlang dist: not measured (erl/erlc missing or failed)\n",
                   sizes[z]);
    }
    double b[3];
    for (int k = 0; k < 3; k++)
        b[k] = bench_median(bk[k], repeats);
    printf("  one-way 4 KiB    direct tcp %8.1f MB/s  nats %8.1f MB/s (%4.1f %%)  "
           "nats loop %8.1f MB/s (%4.1f %%)\n",
           b[0], b[1], 100 * b[1] / b[0], b[2], 100 * b[2] / b[0]);
    printf("  fan-out to %d nodes through nats: %.0f rounds/s (%.0f messages/s each way); "
           "nats loop: %.0f rounds/s\n",
           FANOUT, bench_median(fo[0], repeats), bench_median(fo[0], repeats) * FANOUT,
           bench_median(fo[1], repeats));
    nats_server_stop(&srv);
    nats_CloseAndWait(5000);
    return 0;
}
