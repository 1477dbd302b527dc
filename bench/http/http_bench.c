/*
 * http_bench.c -- issue 4's benchmark in one run: wrk against our server
 * answering a 13-byte body and against nginx (one worker) serving the same
 * body, both with Connection: close, then both with keep-alive; requests/s,
 * latency p50/p99 and our ratios. Then WebSocket echo round trips per second
 * from our client against a Node `ws` echo server and against our own server,
 * with the ratio. Every server is a process of its own with one thread
 * (issue 22: ours ran on the client's own runtime thread): ours is this
 * program run again as `http_bench --serve close|keepalive`. Needs wrk,
 * nginx, node (+ ws installed by tests/http/peers/setup-node.sh). Usage:
 * http_bench [seconds per run] [repeats]: the HTTP runs are repeated
 * (default 3), interleaved, and the medians compared.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_stats.h"
#include "microkernel/http.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"

#define MSG_START 0x400
static const char body[] = "Hello, World!"; /* 13 bytes */
static atomic_bool quit;
static int seconds = 5;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

static bool wait_port(uint16_t port)
{
    for (int i = 0; i < 500; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
        close(fd);
        if (rc == 0)
            return true;
        usleep(20000);
    }
    return false;
}

static pid_t spawn(char *const argv[])
{
    fflush(stdout); /* the child must not write our buffered output again */
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static void stop(pid_t pid)
{
    kill(-pid, SIGTERM);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* ---- our server: its own process ------------------------------------- */

static bool serve_keepalive;

static bool server(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == MSG_START) {
        http_server_set_keepalive(rt, serve_keepalive);
        if (!actor_http_listen(rt, 0)) {
            fprintf(stderr, "http_bench: listen: %s\n", mk_last_error());
            exit(1);
        }
        /* The port on stdout tells the parent we are ready. */
        printf("%u\n", (unsigned)http_listen_port(rt));
        fflush(stdout);
    } else if (msg->type == MSG_HTTP_REQUEST) {
        const http_request_payload_t *p = msg->payload;
        if (strcmp(http_request_path(p), "/ws") == 0) {
            actor_ws_accept(rt, p->conn_id);
        } else {
            static const char *const h[] = {"Content-Type: text/plain"};
            actor_http_respond(rt, p->conn_id, 200, h, 1, body, 13);
        }
    } else if (msg->type == MSG_WS_MESSAGE) {
        const ws_message_payload_t *m = msg->payload;
        actor_ws_send_text(rt, m->conn_id, ws_message_data(m), m->data_size);
    }
    return true;
}

/* `http_bench --serve close|keepalive`: one runtime on this process's only
 * thread, until SIGTERM. */
static int serve_main(const char *mode)
{
    serve_keepalive = strcmp(mode, "keepalive") == 0;
    runtime_t *srt = runtime_init(1, 64);
    actor_id_t s = actor_spawn(srt, server, NULL, NULL, 65536);
    actor_send(srt, s, MSG_START, NULL, 0);
    runtime_run(srt);
    runtime_destroy(srt);
    return 0;
}

/* Start this program as our server in its own process group; its port in
 * *port. -1 if it did not start. */
static pid_t spawn_ours(const char *self_exe, bool keepalive, uint16_t *port)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(self_exe, self_exe, "--serve", keepalive ? "keepalive" : "close", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    unsigned p = 0;
    if (!f || fscanf(f, "%u", &p) != 1 || p == 0 || p > 65535) {
        if (f)
            fclose(f);
        if (pid > 0)
            stop(pid);
        return -1;
    }
    fclose(f);
    *port = (uint16_t)p;
    return pid;
}

/* ---- wrk --------------------------------------------------------------- */

typedef struct {
    double rps, p50_ms, p99_ms;
    long errors;
} wrk_t;

static double to_ms(const char *v)
{
    double x = atof(v);
    if (strstr(v, "us"))
        return x / 1000;
    if (strstr(v, "ms"))
        return x;
    if (strstr(v, "s"))
        return x * 1000;
    return x;
}

static wrk_t wrk(uint16_t port, bool close_conn)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "wrk -t2 -c64 -d%ds --latency %s http://127.0.0.1:%u/ 2>&1", seconds,
             close_conn ? "-H 'Connection: close'" : "", port);
    FILE *p = popen(cmd, "r");
    wrk_t w = {0};
    char line[512];
    while (p && fgets(line, sizeof line, p)) {
        char v[64];
        if (sscanf(line, " Requests/sec: %lf", &w.rps) == 1)
            continue;
        if (sscanf(line, " 50%% %63s", v) == 1)
            w.p50_ms = to_ms(v);
        else if (sscanf(line, " 99%% %63s", v) == 1)
            w.p99_ms = to_ms(v);
        long a, b, c, d;
        if (sscanf(line, " Socket errors: connect %ld, read %ld, write %ld, timeout %ld", &a, &b,
                   &c, &d) == 4)
            w.errors = a + b + c + d;
        if (strstr(line, "Non-2xx"))
            w.errors += atol(strchr(line, ':') + 1);
    }
    if (p)
        pclose(p);
    return w;
}

static void print_wrk(const char *name, wrk_t w)
{
    printf("%-34s %10.0f req/s   p50 %7.3f ms   p99 %7.3f ms   errors %ld\n", name, w.rps, w.p50_ms,
           w.p99_ms, w.errors);
}

/* ---- WebSocket echo round trips ---------------------------------------- */

typedef struct {
    http_conn_id_t id;
    double end;
    long trips;
    bool done;
} wsbench_t;

static char ws_url[128];
static atomic_bool ws_go;
static atomic_long ws_result = -1;

static bool ws_client(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    wsbench_t *b = state;
    switch (msg->type) {
    case MSG_START: actor_set_timer(rt, 20, true); break;
    case MSG_TIMER:
        if (atomic_load(&quit))
            runtime_stop(rt);
        if (atomic_exchange(&ws_go, false)) {
            memset(b, 0, sizeof *b);
            b->id = actor_ws_connect(rt, ws_url);
        }
        break;
    case MSG_WS_OPEN:
        b->end = now_s() + seconds;
        actor_ws_send_text(rt, b->id, "ping-pong-ping", 14);
        break;
    case MSG_WS_MESSAGE:
        b->trips++;
        if (now_s() < b->end) {
            actor_ws_send_text(rt, b->id, "ping-pong-ping", 14);
        } else {
            atomic_store(&ws_result, b->trips);
            actor_http_close(rt, b->id);
        }
        break;
    case MSG_WS_ERROR:
    case MSG_HTTP_ERROR: atomic_store(&ws_result, 0); break;
    default: break;
    }
    return true;
}

static double ws_rate(const char *url)
{
    snprintf(ws_url, sizeof ws_url, "%s", url);
    atomic_store(&ws_result, -1);
    atomic_store(&ws_go, true);
    for (int i = 0; i < (seconds + 10) * 100 && atomic_load(&ws_result) < 0; i++)
        usleep(10000);
    long r = atomic_load(&ws_result);
    return r > 0 ? (double)r / seconds : 0;
}

static runtime_t *rt;
static void *run(void *arg)
{
    (void)arg;
    runtime_run(rt);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--serve") == 0)
        return serve_main(argv[2]);
    if (argc > 1)
        seconds = atoi(argv[1]) > 0 ? atoi(argv[1]) : 5;
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    if (repeats < 1 || repeats > BENCH_MAX_REPEATS)
        repeats = 3;
    signal(SIGPIPE, SIG_IGN);
    for (const char *t = "wrk\0nginx\0node\0"; *t; t += strlen(t) + 1) {
        char c[64];
        snprintf(c, sizeof c, "command -v %s >/dev/null", t);
        if (system(c) != 0) {
            fprintf(stderr, "http_bench: %s is not installed (scripts/install-deps.sh)\n", t);
            return 1;
        }
    }
    /* Our two servers (Connection: close, the seed's default, and
     * keep-alive), each its own process like nginx and Node. */
    char self_exe[4096];
    ssize_t sl = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (sl <= 0) {
        fprintf(stderr, "http_bench: cannot find its own executable\n");
        return 1;
    }
    self_exe[sl] = 0;
    uint16_t port_c = 0, port_k = 0;
    pid_t ours_c = spawn_ours(self_exe, false, &port_c);
    pid_t ours_k = spawn_ours(self_exe, true, &port_k);
    if (ours_c < 0 || ours_k < 0) {
        fprintf(stderr, "http_bench: our server did not start\n");
        return 1;
    }

    char dir[] = "/tmp/mk-http-bench-XXXXXX";
    mkdtemp(dir);
    uint16_t nport = free_port();
    char conf[256];
    snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
    FILE *f = fopen(conf, "w");
    fprintf(f,
            "worker_processes 1;\ndaemon off;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
            "events { worker_connections 4096; }\nhttp {\n access_log off;\n"
            " client_body_temp_path %s;\n proxy_temp_path %s;\n fastcgi_temp_path %s;\n"
            " uwsgi_temp_path %s;\n scgi_temp_path %s;\n keepalive_requests 1000000;\n"
            " server {\n  listen 127.0.0.1:%u;\n  location / { default_type text/plain; "
            "return 200 \"%s\"; }\n }\n}\n",
            dir, dir, dir, dir, dir, dir, dir, nport, body);
    fclose(f);
    char *ng[] = {"nginx", "-p", dir, "-c", conf, NULL};
    pid_t npid = spawn(ng);
    if (!wait_port(nport)) {
        fprintf(stderr, "http_bench: nginx did not start\n");
        return 1;
    }
    /* Repeats interleave the four runs, so each sees the same machine, and
     * the medians are compared: single runs on a shared 2-CPU machine (wrk
     * takes both CPUs too) move by a fifth. */
    printf("HTTP, 13-byte body, wrk -t2 -c64 -d%ds, %d interleaved repeats; each server a process "
           "of its own\n(ours: one runtime on one thread; nginx: worker_processes 1), wrk a third "
           "process\n",
           seconds, repeats);
    double r_ours_c[BENCH_MAX_REPEATS], r_ng_c[BENCH_MAX_REPEATS], r_ours_k[BENCH_MAX_REPEATS],
        r_ng_k[BENCH_MAX_REPEATS];
    for (int r = 0; r < repeats; r++) {
        printf("repeat %d of %d\n", r + 1, repeats);
        wrk_t ours = wrk(port_c, true);
        print_wrk("microkernel  (Connection: close)", ours);
        wrk_t nc = wrk(nport, true);
        print_wrk("nginx 1 wkr  (Connection: close)", nc);
        wrk_t ok = wrk(port_k, false);
        print_wrk("microkernel  (keep-alive)", ok);
        wrk_t nk = wrk(nport, false);
        print_wrk("nginx 1 wkr  (keep-alive)", nk);
        r_ours_c[r] = ours.rps;
        r_ng_c[r] = nc.rps;
        r_ours_k[r] = ok.rps;
        r_ng_k[r] = nk.rps;
    }
    double oc = bench_median(r_ours_c, repeats), nc = bench_median(r_ng_c, repeats);
    double ok = bench_median(r_ours_k, repeats), nk = bench_median(r_ng_k, repeats);
    printf("medians: Connection: close %.0f vs nginx %.0f req/s, keep-alive %.0f vs %.0f\n", oc, nc,
           ok, nk);
    printf("ratio microkernel / nginx (Connection: close): %.2fx\n", nc > 0 ? oc / nc : 0);
    printf("ratio microkernel / nginx (keep-alive):        %.2fx\n\n", nk > 0 ? ok / nk : 0);
    stop(npid);
    stop(ours_c);

    /* WebSocket echo round trips: Node ws server vs ours (each a process
     * of its own), same client: a runtime on a thread of this process. */
    rt = runtime_init(1, 64);
    static wsbench_t wb;
    actor_id_t c = actor_spawn(rt, ws_client, &wb, NULL, 64);
    actor_send(rt, c, MSG_START, NULL, 0);
    pthread_t th;
    pthread_create(&th, NULL, run, NULL);
    uint16_t wport = free_port();
    char ps[16], script[512];
    snprintf(ps, sizeof ps, "%u", wport);
    snprintf(script, sizeof script, "%s/ws_peer.js", HTTP_PEERS_DIR);
    setenv("NODE_PATH", HTTP_NODE_DIR "/node_modules", 0);
    char *nd[] = {"node", script, "server", ps, NULL};
    pid_t wpid = spawn(nd);
    double node_rate = 0;
    bool node_up = wait_port(wport);
    if (node_up) {
        char url[128];
        snprintf(url, sizeof url, "ws://127.0.0.1:%u/", wport);
        node_rate = ws_rate(url);
    }
    stop(wpid);
    char url[128];
    snprintf(url, sizeof url, "ws://127.0.0.1:%u/ws", (unsigned)port_k);
    double our_rate = ws_rate(url);
    stop(ours_k);
    printf("WebSocket echo, 14-byte text, one connection, %ds; the same client (our runtime on a "
           "thread\nof this process) against each server, each a process of its own (ours: one "
           "runtime on one\nthread; Node: its event loop)\n",
           seconds);
    if (node_up)
        printf("%-34s %10.0f round trips/s\n", "Node ws server", node_rate);
    else
        printf("%-34s not measured: it did not start (run tests/http/peers/setup-node.sh %s)\n",
               "Node ws server", HTTP_NODE_DIR);
    printf("%-34s %10.0f round trips/s\n", "microkernel server", our_rate);
    if (node_up && node_rate > 0)
        printf("ratio microkernel / Node ws: %.2fx\n", our_rate / node_rate);

    atomic_store(&quit, true);
    pthread_join(th, NULL);
    runtime_destroy(rt);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    system(rm);
    return 0;
}
