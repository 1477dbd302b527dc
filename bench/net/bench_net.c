/*
 * bench_net.c -- cross-node benchmarks: ping-pong round trips per second
 * between two processes (0- and 64-byte payloads) over Unix and TCP
 * loopback, bulk one-way throughput with 4 KiB payloads, and beside them
 * in the same run: raw socket writes of 4 KiB on the same loopback, and
 * distributed Erlang ping-pong (-sname, +S 1) when erl/erlc are installed.
 * The TCP 0-byte case runs once more with the idle spin off
 * (MK_IDLE_SPIN_US=0) to show what the spin is worth. The TCP cases run
 * again over an authenticated TLS 1.3 link made by the mount protocol
 * (services, cookie mode; docs/security.md), and the ratios to plaintext
 * TCP are printed (issue 13 targets: >= 70 % of round trips, >= 60 % of
 * bulk throughput).
 *
 * Usage: bench_net [round_trips] [bulk_messages] [repeats]. The ping-pong
 * cases run `repeats` times (default 3), interleaved with Erlang's, and the
 * medians are compared. Prints figures; never a pass/fail test.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_stats.h"
#include "microkernel/node.h"
#include "microkernel/node_services.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/transport_tcp.h"
#include "microkernel/transport_unix.h"

enum { T_START = 1, T_PING, T_PONG, T_DATA, T_ACK, T_DONE };

#define BULK_SIZE   4096
#define BULK_WINDOW 256 /* messages in flight (1 MiB, under the 4 MiB queue limit) */
#define BULK_ACK    64  /* the sink acknowledges every BULK_ACK messages */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the child node: echo or sink ---------------------------------- */

typedef struct {
    long received;
    long expected;
} sink_t;

static bool echo(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == T_PING)
        actor_send(rt, msg->source, T_PONG, msg->payload, msg->payload_size);
    return msg->type != MSG_NODE_DOWN;
}

static bool sink(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    sink_t *s = state;
    if (msg->type == T_START) {
        memcpy(&s->expected, msg->payload, sizeof s->expected);
        s->received = 0;
    } else if (msg->type == T_DATA) {
        s->received++;
        if (s->received == s->expected)
            actor_send(rt, msg->source, T_DONE, NULL, 0);
        else if (s->received % BULK_ACK == 0)
            actor_send(rt, msg->source, T_ACK, NULL, 0);
    }
    return msg->type != MSG_NODE_DOWN;
}

typedef struct {
    bool tcp;
    const char *path;
    uint16_t port;
} endpoint_t;

static transport_t *connect_to(const endpoint_t *ep)
{
    return ep->tcp ? transport_tcp_connect("127.0.0.1", ep->port, 1)
                   : transport_unix_connect(ep->path, 1);
}

/* Fork node 2 running `behavior` registered as "peer". */
static pid_t spawn_peer(const endpoint_t *ep, int listen_fd, actor_behavior_fn behavior)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    close(listen_fd);
    runtime_t *rt = runtime_init(2, 16);
    static sink_t st;
    actor_id_t a = actor_spawn(rt, behavior, &st, NULL, 8192);
    actor_register_name(rt, "peer", a);
    node_monitor(rt, a);
    if (!runtime_add_transport(rt, connect_to(ep)))
        _exit(3);
    runtime_run(rt);
    runtime_destroy(rt);
    _exit(0);
}

/* ---- the measuring node ---------------------------------------------- */

typedef struct {
    actor_id_t peer;
    long n, done, sent;
    size_t size;
    unsigned char payload[BULK_SIZE];
    double t0, t1;
    long failures;
} driver_t;

static bool pinger(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    driver_t *d = state;
    if (msg->type == T_PONG && ++d->done == d->n / 10)
        d->t0 = now_s(); /* the first tenth warms up caches and the scheduler */
    if (msg->type == T_PONG && d->done == d->n) {
        d->t1 = now_s();
        runtime_stop(rt);
        return true;
    }
    if (msg->type == T_START || msg->type == T_PONG)
        if (!actor_send(rt, d->peer, T_PING, d->payload, d->size))
            d->failures++;
    return true;
}

static void bulk_send(runtime_t *rt, driver_t *d, long count)
{
    for (long i = 0; i < count && d->sent < d->n; i++) {
        if (!actor_send(rt, d->peer, T_DATA, d->payload, BULK_SIZE)) {
            d->failures++;
            return;
        }
        d->sent++;
    }
}

static bool bulker(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    driver_t *d = state;
    if (msg->type == T_START) {
        actor_send(rt, d->peer, T_START, &d->n, sizeof d->n);
        d->t0 = now_s();
        bulk_send(rt, d, BULK_WINDOW);
    } else if (msg->type == T_ACK) {
        bulk_send(rt, d, BULK_ACK);
    } else if (msg->type == T_DONE) {
        d->t1 = now_s();
        runtime_stop(rt);
    }
    return true;
}

/* A data directory for a bench node (removed by rm_dir). */
static void temp_dir(char *out, size_t len)
{
    snprintf(out, len, "/tmp/mk-bench-auth-XXXXXX");
    if (!mkdtemp(out)) {
        perror("bench_net: mkdtemp");
        exit(1);
    }
}

static void rm_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_net: cannot remove %s\n", dir);
}

#define BENCH_COOKIE "bench-net-cookie"

/* The authenticated case: both nodes boot the services (cookie mode, TLS
 * on, as mk-shell does by default); the forked node 2 mounts node 1 over
 * the mount protocol, so frames travel through TLS 1.3. Returns seconds. */
static double run_auth_case(actor_behavior_fn remote, actor_behavior_fn local, driver_t *d)
{
    int pfd[2];
    if (pipe(pfd) != 0) {
        perror("bench_net: pipe");
        exit(1);
    }
    char dir1[64], dir2[64];
    temp_dir(dir1, sizeof dir1);
    temp_dir(dir2, sizeof dir2);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[1]);
        uint16_t port = 0;
        if (read(pfd[0], &port, sizeof port) != sizeof port)
            _exit(3);
        runtime_t *rt = runtime_init(2, 64);
        services_config_t cfg = {.node_name = "bench-2",
                                 .data_dir = dir2,
                                 .no_mount_listen = true,
                                 .no_kv = true,
                                 .cookie = BENCH_COOKIE};
        if (!services_start(rt, &cfg))
            _exit(4);
        static sink_t st;
        actor_id_t a = actor_spawn(rt, remote, &st, NULL, 8192);
        actor_register_name(rt, "peer", a);
        node_monitor(rt, a);
        char target[32];
        int n = snprintf(target, sizeof target, "127.0.0.1:%u", port);
        actor_send_named(rt, "/sys/mount-listen", MSG_MOUNT, target, (size_t)n);
        runtime_run(rt);
        runtime_destroy(rt);
        _exit(0);
    }
    close(pfd[0]);
    runtime_t *rt = runtime_init(1, 64);
    services_config_t cfg = {.node_name = "bench-1",
                             .data_dir = dir1,
                             .mount_host = "127.0.0.1",
                             .mount_ephemeral = true,
                             .no_kv = true,
                             .cookie = BENCH_COOKIE};
    if (!services_start(rt, &cfg)) {
        fprintf(stderr, "bench_net: %s\n", mk_last_error());
        exit(1);
    }
    uint16_t port = services_mount_port(rt);
    if (write(pfd[1], &port, sizeof port) != sizeof port)
        exit(1);
    close(pfd[1]);
    actor_id_t a = actor_spawn(rt, local, d, NULL, 8192);
    double end = now_s() + 10;
    while (actor_lookup(rt, "peer") == ACTOR_ID_INVALID && now_s() < end)
        runtime_step(rt);
    d->peer = actor_lookup(rt, "peer");
    if (d->peer == ACTOR_ID_INVALID) {
        fprintf(stderr, "bench_net: authenticated peer did not come up\n");
        exit(1);
    }
    actor_send(rt, a, T_START, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    int status;
    waitpid(pid, &status, 0);
    rm_dir(dir1);
    rm_dir(dir2);
    return d->t1 - d->t0;
}

/* Run one measurement: node 1 here, node 2 forked. Returns seconds.
 * mode: 0 Unix, 1 TCP, 2 TCP with authentication and TLS. */
static double run_case(int mode, actor_behavior_fn remote, actor_behavior_fn local, driver_t *d)
{
    if (mode == 2)
        return run_auth_case(remote, local, d);
    bool tcp = mode == 1;
    char path[64] = "";
    endpoint_t ep = {.tcp = tcp};
    transport_t *l;
    if (tcp) {
        l = transport_tcp_listen("127.0.0.1", 0, 2);
        ep.port = transport_tcp_port(l);
    } else {
        snprintf(path, sizeof path, "/tmp/mk-bench-net-%d.sock", (int)getpid());
        l = transport_unix_listen(path, 2);
        ep.path = path;
    }
    if (!l) {
        fprintf(stderr, "bench_net: %s\n", mk_last_error());
        exit(1);
    }
    pid_t pid = spawn_peer(&ep, l->fd, remote);
    runtime_t *rt = runtime_init(1, 16);
    runtime_add_transport(rt, l);
    actor_id_t a = actor_spawn(rt, local, d, NULL, 8192);
    double end = now_s() + 10;
    while (actor_lookup(rt, "peer") == ACTOR_ID_INVALID && now_s() < end)
        runtime_step(rt);
    d->peer = actor_lookup(rt, "peer");
    if (d->peer == ACTOR_ID_INVALID) {
        fprintf(stderr, "bench_net: peer did not come up\n");
        exit(1);
    }
    actor_send(rt, a, T_START, NULL, 0);
    runtime_run(rt);
    runtime_destroy(rt);
    int status;
    waitpid(pid, &status, 0);
    return d->t1 - d->t0;
}

static double pingpong(int mode, size_t size, long n)
{
    driver_t *d = calloc(1, sizeof *d);
    d->n = n;
    d->size = size;
    double s = run_case(mode, echo, pinger, d);
    if (d->failures)
        printf("    (%ld sends failed)\n", d->failures);
    free(d);
    return (double)(n - n / 10) / s;
}

static double bulk(int mode, long n)
{
    driver_t *d = calloc(1, sizeof *d);
    d->n = n;
    memset(d->payload, 0x5A, sizeof d->payload);
    double s = run_case(mode, sink, bulker, d);
    if (d->failures)
        printf("    (%ld sends refused: queue full)\n", d->failures);
    free(d);
    return (double)n * BULK_SIZE / s / 1e6;
}

/* Raw loopback: a child write()s `bytes` in 4 KiB writes, we read them. */
static double raw_throughput(bool tcp, long bytes)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/mk-bench-raw-%d.sock", (int)getpid());
    transport_t *l = tcp ? transport_tcp_listen("127.0.0.1", 0, 2) : transport_unix_listen(path, 2);
    uint16_t port = tcp ? transport_tcp_port(l) : 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        endpoint_t ep = {.tcp = tcp, .path = path, .port = port};
        transport_t *c = connect_to(&ep);
        int fd = c->fd;
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK); /* plain blocking writes */
        static char buf[BULK_SIZE];
        for (long sent = 0; sent < bytes;) {
            ssize_t w = write(fd, buf, sizeof buf);
            if (w > 0)
                sent += w;
            else if (errno != EINTR)
                _exit(1);
        }
        shutdown(fd, SHUT_WR);
        char tmp[16];
        while (read(fd, tmp, sizeof tmp) != 0)
            usleep(100);
        _exit(0);
    }
    /* Accept through the transport (lazy accept), then read raw. */
    while (!l->is_connected(l))
        l->recv(l);
    int fd = l->fd;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    static char buf[64 << 10];
    long got = 0;
    double t0 = now_s();
    while (got < bytes) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r > 0)
            got += r;
        else if (r == 0)
            break;
    }
    double s = now_s() - t0;
    l->destroy(l);
    int status;
    waitpid(pid, &status, 0);
    return (double)got / s / 1e6;
}

/* ---- distributed Erlang ------------------------------------------------ */

static bool erlang_pingpong(size_t size, long n, double *rate)
{
    char dir[] = "/tmp/mk-bench-erl-XXXXXX";
    if (!mkdtemp(dir))
        return false;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "erlc -o %s %s/net_pingpong.erl >/dev/null 2>&1", dir, MK_BENCH_DIR);
    if (system(cmd) != 0)
        return false;
    char host[256];
    gethostname(host, sizeof host);
    host[strcspn(host, ".")] = '\0';
    char pong_name[64], ping_name[64];
    snprintf(pong_name, sizeof pong_name, "mkpong%d_%zu", (int)getpid(), size);
    snprintf(ping_name, sizeof ping_name, "mkping%d_%zu", (int)getpid(), size);
    fflush(stdout);
    pid_t pong = fork();
    if (pong == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execlp("erl", "erl", "-sname", pong_name, "-setcookie", "mkbench", "+S", "1", "-noshell",
               "-pa", dir, "-eval", "net_pingpong:pong().", (char *)NULL);
        _exit(127);
    }
    usleep(1500000); /* the pong node registers its name */
    snprintf(cmd, sizeof cmd,
             "erl -sname %s -setcookie mkbench +S 1 -noshell -pa %s -eval "
             "\"net_adm:ping('%s@%s'), timer:sleep(200), net_pingpong:ping('%s@%s', %ld, %zu), "
             "halt().\" 2>/dev/null",
             ping_name, dir, pong_name, host, pong_name, host, n, size);
    FILE *p = popen(cmd, "r");
    bool ok = false;
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
    int status;
    waitpid(pong, &status, 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return ok;
    return ok;
}

/* Print the 1/5/15-minute load averages: on a small machine other work
 * moves these figures more than most code changes do. */
static void print_load(const char *when)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double l1, l5, l15;
    if (f && fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
        printf("load average %s: %.2f %.2f %.2f (%ld CPUs online)\n", when, l1, l5, l15,
               sysconf(_SC_NPROCESSORS_ONLN));
    if (f)
        fclose(f);
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 20000;
    long bulk_n = argc > 2 ? atol(argv[2]) : 25000;
    int repeats = argc > 3 ? atoi(argv[3]) : 3;
    if (repeats < 1 || repeats > BENCH_MAX_REPEATS)
        repeats = 3;
    signal(SIGPIPE, SIG_IGN);
    printf("bench_net: %ld round trips per ping-pong case, %d interleaved repeats, "
           "%ld x 4 KiB bulk messages\n",
           rounds, repeats, bulk_n);
    print_load("before");
    /* Repeats interleave our cases with Erlang's, so that each repeat sees
     * the same machine; medians damp the noise of a shared 2-CPU box. */
    const size_t sizes[2] = {0, 64};
    double mk[3][2][BENCH_MAX_REPEATS], er[2][BENCH_MAX_REPEATS], nospin[BENCH_MAX_REPEATS];
    int n_er[2] = {0, 0};
    for (int r = 0; r < repeats; r++) {
        printf("\nrepeat %d of %d: cross-node ping-pong, two processes (round trips/s)\n", r + 1,
               repeats);
        for (int s = 0; s < 2; s++) {
            for (int mode = 0; mode < 3; mode++) {
                mk[mode][s][r] = pingpong(mode, sizes[s], rounds);
                printf("  microkernel %-4s %2zu B  %10.0f%s\n",
                       mode == 2 ? "tls"
                       : mode    ? "tcp"
                                 : "unix",
                       sizes[s], mk[mode][s][r], mode == 2 ? "   (authenticated, TLS 1.3)" : "");
            }
            double rate;
            if (erlang_pingpong(sizes[s], rounds, &rate)) {
                er[s][n_er[s]++] = rate;
                printf("  erlang dist (+S 1) %2zu B  %8.0f   tcp / erlang = %.2fx\n", sizes[s],
                       rate, mk[1][s][r] / rate);
            } else {
                printf("  erlang dist %2zu B: not measured (erl/erlc missing or failed)\n",
                       sizes[s]);
            }
        }
        /* The TCP case with the core's adaptive idle spin switched off
         * (docs/event-loop.md): every message then wakes a sleeping process. */
        setenv("MK_IDLE_SPIN_US", "0", 1);
        nospin[r] = pingpong(true, 0, rounds);
        unsetenv("MK_IDLE_SPIN_US");
        printf("  microkernel tcp   0 B  %10.0f   (idle spin off: MK_IDLE_SPIN_US=0)\n", nospin[r]);
    }
    printf("\nmedians of %d repeats (round trips/s)\n", repeats);
    for (int s = 0; s < 2; s++) {
        double unix_m = bench_median(mk[0][s], repeats), tcp_m = bench_median(mk[1][s], repeats);
        printf("  %2zu B  microkernel unix %8.0f  tcp %8.0f", sizes[s], unix_m, tcp_m);
        if (n_er[s] == 0) {
            printf("  erlang: not measured\n");
            continue;
        }
        double er_m = bench_median(er[s], n_er[s]);
        printf("  erlang %7.0f   tcp / erlang = %.2fx, unix / erlang = %.2fx (target >= 3x)\n",
               er_m, tcp_m / er_m, unix_m / er_m);
    }
    printf("   0 B  microkernel tcp, idle spin off %8.0f\n", bench_median(nospin, repeats));
    printf("\nauthenticated TLS 1.3 links vs plaintext TCP, medians (round trips/s)\n");
    for (int s = 0; s < 2; s++) {
        double tcp_m = bench_median(mk[1][s], repeats), tls_m = bench_median(mk[2][s], repeats);
        printf("  %2zu B  tcp %8.0f  tls %8.0f   tls / tcp = %.0f%% (target >= 70%%)\n", sizes[s],
               tcp_m, tls_m, 100.0 * tls_m / tcp_m);
    }
    printf("\nbulk one-way, 4 KiB payloads (MB/s)\n");
    double tcp_bulk = 0;
    for (int tcp = 0; tcp < 2; tcp++) {
        double m = bulk(tcp, bulk_n);
        double raw = raw_throughput(tcp, bulk_n * (long)BULK_SIZE);
        printf(
            "  %-4s microkernel %8.1f   raw 4 KiB writes %8.1f   ratio %.0f%% (target >= 50%%)\n",
            tcp ? "tcp" : "unix", m, raw, 100.0 * m / raw);
        tcp_bulk = m;
    }
    double tls_bulk = bulk(2, bulk_n);
    printf("  tls  microkernel %8.1f   (authenticated, TLS 1.3)   tls / tcp = %.0f%% "
           "(target >= 60%%)\n",
           tls_bulk, 100.0 * tls_bulk / tcp_bulk);
    print_load("after");
    return 0;
}
